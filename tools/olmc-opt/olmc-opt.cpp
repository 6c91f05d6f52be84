//===- olmc-opt.cpp - the olm dialect's opt driver ------------------------===//
//
// Parses, verifies, transforms and prints MLIR with the olm dialect and
// every olmc pass registered, as mlir-opt does for upstream dialects.
//
//===----------------------------------------------------------------------===//
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "olm/Dialect/OLMDialect.h"
#include "olmc/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<olm::OLMDialect, mlir::arith::ArithDialect,
                  mlir::LLVM::LLVMDialect,
                  mlir::func::FuncDialect, mlir::linalg::LinalgDialect,
                  mlir::math::MathDialect, mlir::tensor::TensorDialect>();
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  olmc::registerOLMCPasses();
  return mlir::asMainReturnCode(mlir::MlirOptMain(argc, argv, "olm optimizer driver\n",
                                            registry));
}
