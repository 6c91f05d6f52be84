//===- PlanMemory.cpp - static activation arena and KV-cache layout -------===//
#include "olm/Dialect/OLMOps.h"
#include "olmc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <map>

namespace olmc {
#define GEN_PASS_DEF_PLANMEMORY
#include "olmc/Transforms/Passes.h.inc"
} // namespace olmc

using namespace mlir;
using namespace olm;

namespace {

constexpr int64_t kAlign = 64;

int64_t alignUp(int64_t v) { return (v + kAlign - 1) / kAlign * kAlign; }

/// Ops whose results are values, not memory: weights live in the weight
/// table, the rest are folded into the code that uses them.
bool needsBuffer(Operation *op) {
  return op->getNumResults() == 1 &&
         isa<RankedTensorType>(op->getResult(0).getType()) &&
         !isa<WeightOp, tensor::SplatOp, tensor::DimOp, arith::ConstantOp>(
             op);
}

/// First-fit allocator over a growing arena.
class Arena {
public:
  int64_t allocate(int64_t size) {
    for (auto it = free.begin(); it != free.end(); ++it) {
      if (it->second < size)
        continue;
      int64_t offset = it->first;
      int64_t rest = it->second - size;
      free.erase(it);
      if (rest)
        free[offset + size] = rest;
      return offset;
    }
    // Grow, reusing a free block that ends at the top.
    int64_t offset = top;
    if (!free.empty()) {
      auto last = std::prev(free.end());
      if (last->first + last->second == top) {
        offset = last->first;
        free.erase(last);
      }
    }
    top = offset + size;
    return offset;
  }
  void release(int64_t offset, int64_t size) {
    auto it = free.emplace(offset, size).first;
    auto next = std::next(it);
    if (next != free.end() && it->first + it->second == next->first) {
      it->second += next->second;
      free.erase(next);
    }
    if (it != free.begin()) {
      auto prev = std::prev(it);
      if (prev->first + prev->second == it->first) {
        prev->second += it->second;
        free.erase(it);
      }
    }
  }
  int64_t size() const { return top; }

private:
  std::map<int64_t, int64_t> free; // offset -> size
  int64_t top = 0;
};

struct PlanMemoryPass : olmc::impl::PlanMemoryBase<PlanMemoryPass> {
  using PlanMemoryBase::PlanMemoryBase;

  void runOnOperation() override {
    ModelOp model = getOperation();
    Builder b(model);
    if (maxSeq < 1 || maxBatch < 1 || maxSeq > (1 << 24) ||
        maxBatch > (1 << 16)) {
      model.emitError("max-seq must be in [1, 2^24] and max-batch in "
                      "[1, 2^16]");
      return signalPassFailure();
    }
    // A learned position table bounds the positions the model can serve.
    WalkResult tooLong = model.walk([&](PosAddOp op) {
      int64_t rowsInTable =
          cast<RankedTensorType>(op.getTable().getType()).getDimSize(0);
      int64_t positions = rowsInTable - int64_t(op.getOffset());
      if (maxSeq > positions) {
        op.emitOpError("the position embedding has ")
            << positions << " positions but max-seq is " << int64_t(maxSeq)
            << "; compile with --max-seq " << positions << " or less";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (tooLong.wasInterrupted())
      return signalPassFailure();
    Block &body = model.getBody().front();
    auto yield = cast<YieldOp>(body.getTerminator());
    Value output = yield.getValues()[0];
    int64_t rows = maxSeq * maxBatch;
    // f32, or bf16/f16 on the cuda target (olm-convert-dtype set it).
    int64_t elementBytes =
        int64_t(model.getDtype().getIntOrFloatBitWidth()) / 8;

    // Last use of every value, by position in the block.
    DenseMap<Operation *, int64_t> index;
    DenseMap<Value, int64_t> lastUse;
    int64_t i = 0;
    for (Operation &op : body) {
      index[&op] = i;
      for (Value v : op.getOperands())
        lastUse[v] = i;
      ++i;
    }

    Arena arena;
    std::multimap<int64_t, std::pair<int64_t, int64_t>> dying; // pos -> block
    int64_t buffers = 0;
    for (Operation &op : body) {
      int64_t pos = index[&op];
      if (!needsBuffer(&op) || op.getResult(0) == output)
        continue;
      auto type = cast<RankedTensorType>(op.getResult(0).getType());
      if (type.getRank() != 3 || type.isDynamicDim(2) ||
          type.getElementType() != model.getDtype()) {
        op.emitOpError("cannot be planned: expected an activation "
                       "[batch, seq, features] of the compute dtype ")
            << model.getDtype() << ", got " << type;
        return signalPassFailure();
      }
      // Values that died before this op give their memory back first; an
      // op's inputs stay live while it runs.
      for (auto it = dying.begin(); it != dying.end() && it->first < pos;)
        arena.release(it->second.first, it->second.second),
            it = dying.erase(it);
      int64_t bytes = alignUp(rows * type.getDimSize(2) * elementBytes);
      int64_t offset = -1;
      // A matmul with a residual whose life ends here accumulates into the
      // residual's buffer: the sum takes that buffer over. Not when the
      // residual is also the product's input: the GEMM would overwrite what
      // it still reads.
      if (auto m = dyn_cast<MatmulOp>(op);
          m && m.getResidual() && m.getResidual() != m.getInput()) {
        Operation *def = m.getResidual().getDefiningOp();
        auto at = def ? def->getAttrOfType<IntegerAttr>("olm.offset")
                      : IntegerAttr();
        auto range = dying.equal_range(pos);
        for (auto it = range.first; at && it != range.second; ++it)
          if (it->second.first == at.getInt() && it->second.second == bytes) {
            offset = at.getInt();
            dying.erase(it);
            break;
          }
      }
      if (offset < 0)
        offset = arena.allocate(bytes);
      op.setAttr("olm.offset", b.getI64IntegerAttr(offset));
      ++buffers;
      auto last = lastUse.find(op.getResult(0));
      int64_t end = last == lastUse.end() ? pos : last->second;
      dying.emplace(end, std::make_pair(offset, bytes));
    }

    // KV cache: per layer, keys then values, [max_batch, kv_heads,
    // max_seq, head_dim] elements of the compute dtype each; offsets count
    // elements.
    SmallVector<Attribute> layers;
    int64_t kvElements = 0;
    SmallVector<AttentionCoreOp> attention;
    model.walk([&](AttentionCoreOp op) { attention.push_back(op); });
    llvm::sort(attention, [](AttentionCoreOp a, AttentionCoreOp c) {
      return a.getLayer() < c.getLayer();
    });
    for (AttentionCoreOp op : attention) {
      int64_t block = maxBatch * int64_t(op.getKvHeads()) * maxSeq *
                      int64_t(op.getHeadDim());
      layers.push_back(b.getDictionaryAttr(
          {b.getNamedAttr("k_offset", b.getI64IntegerAttr(kvElements)),
           b.getNamedAttr("v_offset", b.getI64IntegerAttr(kvElements + block)),
           b.getNamedAttr("kv_heads", b.getI64IntegerAttr(op.getKvHeads())),
           b.getNamedAttr("head_dim", b.getI64IntegerAttr(op.getHeadDim()))}));
      kvElements += 2 * block;
    }
    model->setAttr("olm.arena_bytes", b.getI64IntegerAttr(arena.size()));
    model->setAttr("olm.buffers", b.getI64IntegerAttr(buffers));
    model->setAttr("olm.kv_bytes", b.getI64IntegerAttr(kvElements * elementBytes));
    model->setAttr("olm.kv_layers", b.getArrayAttr(layers));
    model->setAttr("olm.max_seq", b.getI64IntegerAttr(maxSeq));
    model->setAttr("olm.max_batch", b.getI64IntegerAttr(maxBatch));
  }
};

} // namespace
