//===- GatedResidual.h - the gres dialect -----------------------*- C++ -*-===//
#ifndef GRES_GATEDRESIDUAL_H
#define GRES_GATEDRESIDUAL_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "olm/Dialect/OLMOps.h" // olm's dialect, interfaces and ops

#include "GatedResidualDialect.h.inc"

#define GET_OP_CLASSES
#include "GatedResidual.h.inc"

#endif
