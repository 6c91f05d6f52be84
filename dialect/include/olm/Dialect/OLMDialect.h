//===- OLMDialect.h - The olm dialect ---------------------------*- C++ -*-===//
#ifndef OLM_DIALECT_OLMDIALECT_H
#define OLM_DIALECT_OLMDIALECT_H

#include "mlir/IR/Dialect.h"

#include "olm/Dialect/OLMOpsDialect.h.inc"

#endif
