//===- OLMInterfaces.h - olm op interfaces ----------------------*- C++ -*-===//
#ifndef OLM_DIALECT_OLMINTERFACES_H
#define OLM_DIALECT_OLMINTERFACES_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/OpDefinition.h"
#include "olm/Dialect/ParamNames.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"

namespace olm {

/// One named parameter that a layer op's attributes call for.
struct ParamSpec {
  std::string role;                 // key in the op's `params` dictionary
  llvm::SmallVector<int64_t> shape; // expected checkpoint shape
  bool required = true;
};

/// Applies child `child` of a combinator to `input` under `binding`, at the
/// builder's insertion point, and returns the child's output.
using ChildApplyFn = llvm::function_ref<mlir::FailureOr<mlir::Value>(
    mlir::OpBuilder &, unsigned child, const IndexBinding &binding,
    mlir::Value input)>;

namespace detail {
mlir::LogicalResult verifyCombinatorOp(mlir::Operation *op);
mlir::LogicalResult verifyLayerOp(mlir::Operation *op);
} // namespace detail

/// A type of an olm.combinator_def's body bound where the combinator is
/// used: a dynamic feature dimension becomes `features`, float elements
/// become `element`.
mlir::Type instantiateCombinatorType(mlir::Type t, int64_t features,
                                     mlir::Type element);

/// The index variables bound at `op` by enclosing combinators.
llvm::SmallVector<std::string> getBoundIndexNames(mlir::Operation *op);

} // namespace olm

#include "olm/Dialect/OLMInterfaces.h.inc"

#endif
