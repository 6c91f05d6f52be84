//===- OLMOps.h - olm ops ---------------------------------------*- C++ -*-===//
#ifndef OLM_DIALECT_OLMOPS_H
#define OLM_DIALECT_OLMOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "olm/Dialect/OLMDialect.h"
#include "olm/Dialect/OLMInterfaces.h"

#define GET_OP_CLASSES
#include "olm/Dialect/OLMOps.h.inc"

#endif
