//===- LowerToLLVMCuda.cpp - host code and device kernels for cuda --------===//
//
// For the cuda target the entry points stay straight-line host code, as on
// the CPU, but every op becomes a call that enqueues device work through
// runtime/include/olmrt/CudaKernels.h, with the backend context
// (OlmxRunContext::device) as its first argument. Nothing here waits for
// the device, so the runtime can capture a whole decode step as one graph.
//
// olm.fused bodies become device kernels: one thread per element, the
// element index from the NVVM special registers, loads and stores in the
// compute dtype and arithmetic in f32 (emitFusedBody, shared with the CPU
// loops). gpu-module-to-binary later turns the gpu.module into PTX.
//
//===----------------------------------------------------------------------===//
#include "LLVMCodegen.h"
#include "olmc/Codegen/LogitsLayout.h"

namespace olmc {
namespace lowering {

LogicalResult Codegen::emitDeviceOp(Operation &op, Value out) {
  auto in = [&](unsigned i) { return pointerOf(op.getOperand(i)); };
  auto elements = [&](Value v) { return mul(rows, i64c(features(v))); };
  Value result = op.getResult(0);
  // Ops that can write the float32 logits directly; any other op producing
  // the model's result would write the compute dtype into them.
  bool isOutput = result == output;
  if (isOutput && !isa<MatmulOp, SoftcapOp, FusedOp>(op))
    return op.emitOpError("computes the logits, which the cuda target only "
                          "takes from olm.matmul, olm.softcap or olm.fused");
  Value toF32 = i32c(isOutput ? 1 : 0);

  if (auto e = dyn_cast<EmbedLookupOp>(op)) {
    FailureOr<Value> table = in(1);
    if (failed(table))
      return failure();
    call("olmg_embedding",
         {devicePtr, idsPtr, *table, out, rows, i64c(features(e.getResult())),
          f32c(e.getScale().convertToDouble())});
    return success();
  }
  if (auto p = dyn_cast<PosAddOp>(op)) {
    FailureOr<Value> x = in(0), table = in(1);
    if (failed(x) || failed(table))
      return failure();
    call("olmg_pos_embedding_add",
         {devicePtr, *x, *table, out, batch, seq, i64c(features(p.getResult())),
          pos0, i64c(p.getOffset())});
    return success();
  }
  if (auto m = dyn_cast<MatmulOp>(op)) {
    FailureOr<Value> x = in(0), w = in(1), bias = pointerOrNull(m.getBias());
    if (failed(x) || failed(w) || failed(bias))
      return failure();
    if (m.getGated() && isOutput)
      return op.emitOpError("cannot gate into the logits");
    if (m.getResidual() && isOutput)
      return op.emitOpError("cannot add a residual into the logits");
    FailureOr<int32_t> accumulate = prepareResidual(m, out);
    if (failed(accumulate))
      return failure();
    int32_t act = m.getActivation() ? activationKind(*m.getActivation()) : -1;
    int64_t ldy = isOutput ? logitsRowStride(result, /*cuda=*/true)
                           : features(m.getResult());
    if (m.getNorm()) {
      // One entry for every normed product: plain, accumulating, gated,
      // or the head writing the float32 logits.
      FailureOr<Value> nw = pointerOf(m.getNorm());
      if (failed(nw))
        return failure();
      if (m.getLayerNorm()) {
        FailureOr<Value> nb = pointerOrNull(m.getNormBias());
        if (failed(nb))
          return failure();
        call("olmg_matmul_layernorm",
             {devicePtr, *x, *nw, *nb, f32c(m.getNormEps()->convertToDouble()),
              *w, *bias, out, rows, i64c(features(m.getResult())),
              i64c(features(m.getInput())), i32c(*accumulate), toF32, i32c(act),
              i64c(ldy), i32c(m.getGated() ? 1 : 0)});
        return success();
      }
      call("olmg_matmul_norm",
           {devicePtr, *x, *nw, f32c(m.getNormEps()->convertToDouble()),
            f32c(m.getNormOffset().convertToDouble()), *w, *bias, out, rows,
            i64c(features(m.getResult())), i64c(features(m.getInput())),
            i32c(*accumulate), toF32, i32c(act), i64c(ldy),
            i32c(m.getGated() ? 1 : 0)});
      return success();
    }
    if (m.getGated()) {
      // The verifier allows no residual here: accumulate is 0.
      call("olmg_matmul_gated",
           {devicePtr, *x, *w, *bias, out, rows, i64c(features(m.getResult())),
            i64c(features(m.getInput())), i32c(act)});
      return success();
    }
    call("olmg_matmul",
         {devicePtr, *x, *w, *bias, out, rows, i64c(features(m.getResult())),
          i64c(features(m.getInput())), i32c(*accumulate), toF32, i32c(act),
          i64c(ldy)});
    return success();
  }
  if (auto n = dyn_cast<RMSNormPrimOp>(op)) {
    FailureOr<Value> x = in(0), w = in(1);
    if (failed(x) || failed(w))
      return failure();
    call("olmg_rmsnorm",
         {devicePtr, *x, *w, out, rows, i64c(features(n.getInput())),
          f32c(n.getEps().convertToDouble()),
          f32c(n.getWeightOffset().convertToDouble())});
    return success();
  }
  if (auto n = dyn_cast<LayerNormPrimOp>(op)) {
    ValueRange affine = n.getAffine();
    FailureOr<Value> x = in(0),
                     w = pointerOrNull(affine.size() > 0 ? affine[0] : Value()),
                     bias =
                         pointerOrNull(affine.size() > 1 ? affine[1] : Value());
    if (failed(x) || failed(w) || failed(bias))
      return failure();
    call("olmg_layernorm",
         {devicePtr, *x, *w, *bias, out, rows, i64c(features(n.getInput())),
          f32c(n.getEps().convertToDouble())});
    return success();
  }
  if (auto a = dyn_cast<ActOp>(op)) {
    FailureOr<Value> x = in(0);
    if (failed(x))
      return failure();
    call("olmg_activation", {devicePtr, *x, out, elements(a.getResult()),
                             i32c(activationKind(a.getKind()))});
    return success();
  }
  if (auto g = dyn_cast<GatedActOp>(op)) {
    FailureOr<Value> x = in(0);
    if (failed(x))
      return failure();
    call("olmg_gated_activation",
         {devicePtr, *x, out, rows, i64c(features(g.getResult())),
          i32c(activationKind(g.getKind()))});
    return success();
  }
  if (auto s = dyn_cast<SoftcapOp>(op)) {
    FailureOr<Value> x = in(0);
    if (failed(x))
      return failure();
    call("olmg_softcap", {devicePtr, *x, out, elements(s.getResult()),
                          f32c(s.getCap().convertToDouble()), toF32});
    return success();
  }
  if (auto a = dyn_cast<AttentionCoreOp>(op))
    return emitAttention(a, out);
  if (auto f = dyn_cast<FusedOp>(op))
    return emitDeviceFused(f, out);
  if (auto add = dyn_cast<arith::AddFOp>(op)) {
    FailureOr<Value> x = in(0), y = in(1);
    if (failed(x) || failed(y))
      return failure();
    call("olmg_add", {devicePtr, *x, *y, out, elements(add.getResult())});
    return success();
  }
  if (auto m = dyn_cast<arith::MulFOp>(op)) {
    // x * splat(c): the 1/N of a mean merge.
    auto splat = m.getRhs().getDefiningOp<tensor::SplatOp>();
    auto cst = splat ? splat.getInput().getDefiningOp<arith::ConstantOp>()
                     : arith::ConstantOp();
    auto value = cst ? dyn_cast<FloatAttr>(cst.getValue()) : FloatAttr();
    if (!value)
      return op.emitOpError("is only supported as a product with a "
                            "constant splat (a mean merge)");
    FailureOr<Value> x = in(0);
    if (failed(x))
      return failure();
    call("olmg_scale", {devicePtr, *x, f32c(value.getValueAsDouble()), out,
                        elements(m.getResult())});
    return success();
  }
  if (auto c = dyn_cast<tensor::ConcatOp>(op)) {
    int64_t rank = c.getResultType().getRank();
    if (int64_t(c.getDim()) != rank - 1)
      return op.emitOpError("concatenation along a dimension other than "
                            "the last is not supported by the cuda target");
    int64_t total = features(c.getResult()), offset = 0;
    for (Value part : c.getInputs()) {
      FailureOr<Value> src = pointerOf(part);
      if (failed(src))
        return failure();
      call("olmg_copy_columns", {devicePtr, *src, i64c(features(part)), out,
                                 i64c(total), i64c(offset), rows});
      offset += features(part);
    }
    return success();
  }
  return op.emitOpError("cannot be compiled for the cuda target");
}

LogicalResult Codegen::emitDeviceFused(FusedOp fused, Value out) {
  SmallVector<Value> args;
  for (Value in : fused.getInputs()) {
    if (!isa<RankedTensorType>(in.getType()))
      return fused.emitOpError("takes scalar inputs, which the cuda target "
                               "does not support");
    FailureOr<Value> p = pointerOf(in);
    if (failed(p))
      return failure();
    args.push_back(*p);
  }
  args.push_back(out);

  auto known = kernelIndex.find(fused.getOperation());
  int32_t index;
  if (known != kernelIndex.end()) {
    index = known->second;
  } else {
    index = int32_t(deviceKernels.size());
    std::string name = "olmx_fused_" + std::to_string(index);
    LogicalResult status = success();
    buildDeviceKernel(fused, name, status);
    if (failed(status))
      return failure();
    kernelIndex[fused.getOperation()] = index;
    deviceKernels.push_back(b.getDictionaryAttr(
        {b.getNamedAttr("name", b.getStringAttr(name)),
         b.getNamedAttr("args", b.getI64IntegerAttr(int64_t(args.size()))),
         b.getNamedAttr("elements_per_thread",
                        b.getI64IntegerAttr(elementsPerThread(fused)))}));
  }

  // The argument array lives on the host stack: olmg_launch copies the
  // pointers into the launch before it returns.
  Value count = i64c(int64_t(args.size()));
  Value array = LLVM::AllocaOp::create(b, loc, ptr, ptr, count);
  for (auto [k, a] : llvm::enumerate(args)) {
    Value slot = LLVM::GEPOp::create(b, loc, ptr, ptr, array,
                                     ArrayRef<LLVM::GEPArg>{int32_t(k)});
    LLVM::StoreOp::create(b, loc, a, slot);
  }
  call("olmg_launch", {devicePtr, i32c(index), elements(fused.getResult()),
                       i32c(int32_t(args.size())), array});
  return success();
}

/// 16 bytes of each input and of the output per thread when the feature
/// count allows it (then every row, and so n, is a multiple of it, and a
/// rank-1 weight's slice for those elements is contiguous too), else one.
int64_t Codegen::elementsPerThread(FusedOp fused) {
  int64_t bytes = elem.getIntOrFloatBitWidth() / 8;
  int64_t vector = 16 / bytes;
  if (fused.getResult() == output)
    vector = 4; // the float32 logits
  return features(fused.getResult()) % vector == 0 ? vector : 1;
}

/// kernel(in_0, ..., in_{k-1}, out, n): thread t = ctaid.x * ntid.x + tid.x
/// computes the fused body for elements t*E .. t*E+E-1 (E elements per
/// thread, see elementsPerThread) if t*E < n. The pointers are 16-byte
/// aligned (arena buffers at multiples of 64, weights in their own
/// allocations) and do not alias (an op's output never shares memory with
/// its live inputs): said so on the parameters, LLVM's load/store
/// vectoriser turns the E unrolled accesses into 16-byte ones.
LLVM::LLVMFuncOp Codegen::buildDeviceKernel(FusedOp fused, StringRef name,
                                            LogicalResult &status) {
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(kernels.getBody());
  SmallVector<Type> types(fused.getInputs().size() + 1, ptr);
  types.push_back(i64);
  auto fn = LLVM::LLVMFuncOp::create(
      b, loc, name, LLVM::LLVMFunctionType::get(voidTy, types));
  fn->setAttr(NVVM::NVVMDialect::getKernelFuncAttrName(), b.getUnitAttr());
  for (unsigned a = 0; a + 1 < types.size(); ++a) {
    fn.setArgAttr(a, LLVM::LLVMDialect::getAlignAttrName(),
                  b.getI64IntegerAttr(16));
    fn.setArgAttr(a, LLVM::LLVMDialect::getNoAliasAttrName(), b.getUnitAttr());
  }
  int64_t perThread = elementsPerThread(fused);
  Block *entry = fn.addEntryBlock(b);
  Block *body = new Block();
  Block *exit = new Block();
  fn.getBody().push_back(body);
  fn.getBody().push_back(exit);

  b.setInsertionPointToEnd(entry);
  auto wide = [&](Value v) { return LLVM::ZExtOp::create(b, loc, i64, v); };
  Value tid = wide(NVVM::ThreadIdXOp::create(b, loc, i32));
  Value block = wide(NVVM::BlockIdXOp::create(b, loc, i32));
  Value width = wide(NVVM::BlockDimXOp::create(b, loc, i32));
  Value thread = LLVM::AddOp::create(b, loc, mul(block, width), tid);
  Value first = mul(thread, i64c(perThread));
  Value n = entry->getArgument(types.size() - 1);
  Value inRange =
      LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::slt, first, n);
  LLVM::CondBrOp::create(b, loc, inRange, body, exit);

  b.setInsertionPointToEnd(body);
  // emitFusedBody wants (inputs..., out, features); the feature count is a
  // constant of the kernel rather than a parameter.
  SmallVector<Value> fnArgs(entry->getArguments().drop_back());
  fnArgs.push_back(i64c(features(fused.getResult())));
  bool isOutput = fused.getResult() == output;
  FusedFlavor flavor{elem, isOutput ? f32 : elem, /*device=*/true};
  for (int64_t k = 0; k < perThread && succeeded(status); ++k) {
    Value i = k == 0 ? first : LLVM::AddOp::create(b, loc, first, i64c(k));
    status = emitFusedBody(b, fused, fnArgs, i, flavor);
  }
  LLVM::BrOp::create(b, loc, ValueRange{}, exit);
  b.setInsertionPointToEnd(exit);
  LLVM::ReturnOp::create(b, loc, ValueRange{});
  return fn;
}

} // namespace lowering
} // namespace olmc
