//===- LogitsLayout.h - row stride of the logits written --------*- C++ -*-===//
//
// The entry points write float32 logits [batch, seq, vocab] into the
// caller's buffer, rows `logits_row_stride` floats apart (manifest
// model.logits_row_stride). On the cuda target a head GEMM writes them
// with rows padded to 16 bytes: cuBLASLt only has its fast (TMA-epilogue)
// kernels for a D whose rows start 16-byte aligned, and GPT-2's 50257
// columns otherwise cost a 7x slower kernel or a repacking copy of every
// logit. Anything else that writes the logits (a softcap, a fused
// elementwise kernel) writes them dense. The manifest builder and the cuda
// lowering both ask this function, so the two cannot disagree.
//
//===----------------------------------------------------------------------===//
#ifndef OLMC_CODEGEN_LOGITSLAYOUT_H
#define OLMC_CODEGEN_LOGITSLAYOUT_H

#include "olm/Dialect/OLMOps.h"

namespace olmc {

inline int64_t logitsRowStride(mlir::Value logits, bool cuda) {
  auto type = mlir::cast<mlir::RankedTensorType>(logits.getType());
  int64_t vocab = type.getDimSize(type.getRank() - 1);
  if (!cuda || !logits.getDefiningOp<olm::MatmulOp>())
    return vocab;
  return (vocab + 3) / 4 * 4;
}

} // namespace olmc

#endif // OLMC_CODEGEN_LOGITSLAYOUT_H
