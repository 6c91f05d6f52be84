//===- Passes.h - olmc compiler passes --------------------------*- C++ -*-===//
#ifndef OLMC_TRANSFORMS_PASSES_H
#define OLMC_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "olm/Dialect/OLMOps.h"

namespace olmc {

#define GEN_PASS_DECL
#include "olmc/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "olmc/Transforms/Passes.h.inc"

} // namespace olmc

#endif
