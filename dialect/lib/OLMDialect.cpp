//===- OLMDialect.cpp - The olm dialect -----------------------------------===//
#include "olm/Dialect/OLMDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "olm/Dialect/OLMOps.h"

using namespace mlir;
using namespace olm;

#include "olm/Dialect/OLMOpsDialect.cpp.inc"

void OLMDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "olm/Dialect/OLMOps.cpp.inc"
      >();
}
