//===- LLVMCodegen.h - the code generator behind olm-lower-to-llvm -*- C++ -*-===//
//
// Shared by LowerToLLVM.cpp (the pass, the common and cpu parts) and
// LowerToLLVMCuda.cpp (host code for the cuda target and its device
// kernels). Internal to compiler/lib/Transforms.
//
//===----------------------------------------------------------------------===//
#ifndef OLMC_TRANSFORMS_LLVMCODEGEN_H
#define OLMC_TRANSFORMS_LLVMCODEGEN_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "olm/Dialect/OLMOps.h"

#include <cmath>
#include <map>

namespace olmc {
namespace lowering {

using namespace mlir;
using namespace olm;

/// Field byte offsets of OlmxRunContext (nine 8-byte fields).
enum CtxField : int64_t {
  kWeights = 0,
  kArena = 8,
  kKvCache = 16,
  kIds = 24,
  kLogits = 32,
  kBatch = 40,
  kSeq = 48,
  kPos0 = 56,
  kDevice = 64
};

inline int32_t activationKind(StringRef kind) {
  return llvm::StringSwitch<int32_t>(kind)
      .Case("gelu", 0)
      .Case("gelu_tanh", 1)
      .Case("relu", 2)
      .Case("silu", 3)
      .Default(-1);
}

inline int64_t features(Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  return t.getDimSize(t.getRank() - 1);
}

/// How the fused body reads and writes memory and computes math functions.
struct FusedFlavor {
  Type storage;    // element type of activations and weights in memory
  Type outStorage; // element type of the result (f32 for the logits)
  bool device;     // NVPTX: math through ex2/lg2 approximations
};

class Codegen {
public:
  Codegen(ModuleOp module, ModelOp model, bool cuda)
      : module(module), model(model), b(module.getContext()),
        loc(model.getLoc()), cuda(cuda) {
    MLIRContext *ctx = module.getContext();
    ptr = LLVM::LLVMPointerType::get(ctx);
    i8 = b.getI8Type();
    i32 = b.getI32Type();
    i64 = b.getI64Type();
    f32 = b.getF32Type();
    voidTy = LLVM::LLVMVoidType::get(ctx);
    elem = cuda ? model.getDtype() : Type(f32);
  }

  LogicalResult run() {
    if (!cuda && !model.getDtype().isF32())
      return model.emitError("the cpu target computes in f32, not ")
             << model.getDtype();
    if (cuda) {
      // The device code lives beside the host code until codegen turns it
      // into PTX (gpu-module-to-binary).
      module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                      b.getUnitAttr());
      b.setInsertionPointToEnd(module.getBody());
      auto target = NVVM::NVVMTargetAttr::get(
          module.getContext(), /*optLevel=*/3, "nvptx64-nvidia-cuda", "sm_90",
          "+ptx80");
      kernels = gpu::GPUModuleOp::create(b, loc, "olmx_kernels",
                                         b.getArrayAttr({target}));
    }
    b.setInsertionPointToEnd(module.getBody());
    int64_t index = 0;
    for (Operation &op : model.getBody().front())
      if (auto w = dyn_cast<WeightOp>(op))
        weightIndex[w.getResult()] = index++;
    if (failed(emitEntry("olmx_prefill", /*decode=*/false)) ||
        failed(emitEntry("olmx_decode", /*decode=*/true)))
      return failure();
    if (cuda)
      module->setAttr("olm.device_kernels", b.getArrayAttr(deviceKernels));
    return success();
  }

private:
  ModuleOp module;
  ModelOp model;
  OpBuilder b;
  Location loc;
  Type ptr, i8, i32, i64, f32, voidTy;
  bool cuda;
  /// Element type of activations, weights and the KV cache in memory.
  Type elem;
  gpu::GPUModuleOp kernels;
  SmallVector<Attribute> deviceKernels;
  /// Fused ops already compiled, by op: prefill and decode launch the same
  /// kernel (the body does not depend on the number of rows).
  DenseMap<Operation *, int32_t> kernelIndex;
  DenseMap<Value, int64_t> weightIndex;
  std::map<std::string, LLVM::LLVMFuncOp> functions;
  int64_t globals = 0;
  int64_t fusedCount = 0;

  // Per entry point.
  Value ctxArg, weightsPtr, arenaPtr, kvPtr, idsPtr, logitsPtr, batch, seq,
      pos0, rows, devicePtr;
  Value output; // the model's result: the caller's float32 logits
  DenseMap<Value, Value> pointers;

  Value i64c(int64_t v) { return LLVM::ConstantOp::create(b, loc, i64, v); }
  Value i32c(int32_t v) { return LLVM::ConstantOp::create(b, loc, i32, v); }
  Value f32c(double v) {
    return LLVM::ConstantOp::create(b, loc, f32, b.getF32FloatAttr(v));
  }
  Value null() { return LLVM::ZeroOp::create(b, loc, ptr); }
  Value mul(Value a, Value c) { return LLVM::MulOp::create(b, loc, a, c); }
  Value byteOffset(Value base, Value offset) {
    return LLVM::GEPOp::create(b, loc, ptr, i8, base,
                               ArrayRef<LLVM::GEPArg>{offset});
  }
  /// base + offset elements of the compute dtype.
  Value elemOffset(Value base, Value offset) {
    return LLVM::GEPOp::create(b, loc, ptr, elem, base,
                               ArrayRef<LLVM::GEPArg>{offset});
  }
  Value loadField(Type type, int64_t offset) {
    return LLVM::LoadOp::create(b, loc, type,
                                byteOffset(ctxArg, i64c(offset)));
  }

  /// Declares (once) an external function.
  LLVM::LLVMFuncOp declare(StringRef name, Type result, ArrayRef<Type> args) {
    auto it = functions.find(name.str());
    if (it != functions.end())
      return it->second;
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    auto fn = LLVM::LLVMFuncOp::create(
        b, loc, name, LLVM::LLVMFunctionType::get(result, args));
    functions[name.str()] = fn;
    return fn;
  }

  void call(StringRef name, ArrayRef<Value> args) {
    SmallVector<Type> types;
    for (Value a : args)
      types.push_back(a.getType());
    LLVM::CallOp::create(b, loc, declare(name, voidTy, types), args);
  }

  /// Defines (once) an internal function `name(args..., n)` that runs
  /// `body(b, args, i)` for i in [0, n).
  LLVM::LLVMFuncOp
  loopFunction(StringRef name, ArrayRef<Type> argTypes,
               function_ref<void(OpBuilder &, ValueRange, Value)> body) {
    auto it = functions.find(name.str());
    if (it != functions.end())
      return it->second;
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    SmallVector<Type> types(argTypes);
    types.push_back(i64);
    auto fn = LLVM::LLVMFuncOp::create(
        b, loc, name, LLVM::LLVMFunctionType::get(voidTy, types),
        LLVM::Linkage::Internal);
    Block *entry = fn.addEntryBlock(b);
    Block *header = new Block();
    Block *bodyBlock = new Block();
    Block *exit = new Block();
    fn.getBody().push_back(header);
    fn.getBody().push_back(bodyBlock);
    fn.getBody().push_back(exit);
    Value i = header->addArgument(i64, loc);
    Value n = entry->getArgument(argTypes.size());

    b.setInsertionPointToEnd(entry);
    LLVM::BrOp::create(b, loc, ValueRange{i64c(0)}, header);
    b.setInsertionPointToEnd(header);
    Value more =
        LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::slt, i, n);
    LLVM::CondBrOp::create(b, loc, more, bodyBlock, exit);
    b.setInsertionPointToEnd(bodyBlock);
    body(b, entry->getArguments().drop_back(), i);
    Value next = LLVM::AddOp::create(b, loc, i, i64c(1));
    LLVM::BrOp::create(b, loc, ValueRange{next}, header);
    b.setInsertionPointToEnd(exit);
    LLVM::ReturnOp::create(b, loc, ValueRange{});
    functions[name.str()] = fn;
    return fn;
  }

  Value loadF(OpBuilder &ob, Value base, Value i) {
    Value p = LLVM::GEPOp::create(ob, loc, ptr, f32, base,
                                  ArrayRef<LLVM::GEPArg>{i});
    return LLVM::LoadOp::create(ob, loc, f32, p);
  }
  void storeF(OpBuilder &ob, Value v, Value base, Value i) {
    Value p = LLVM::GEPOp::create(ob, loc, ptr, f32, base,
                                  ArrayRef<LLVM::GEPArg>{i});
    LLVM::StoreOp::create(ob, loc, v, p);
  }

  /// out[i] = a[i] + c[i]
  void emitAdd(Value a, Value c, Value out, Value n) {
    auto fn = loopFunction("olmx_add", {ptr, ptr, ptr},
                           [&](OpBuilder &ob, ValueRange args, Value i) {
                             Value s = LLVM::FAddOp::create(
                                 ob, loc, loadF(ob, args[0], i),
                                 loadF(ob, args[1], i));
                             storeF(ob, s, args[2], i);
                           });
    LLVM::CallOp::create(b, loc, fn, ValueRange{a, c, out, n});
  }

  /// out[i] = a[i] * s
  void emitScale(Value a, Value s, Value out, Value n) {
    auto fn = loopFunction("olmx_scale", {ptr, f32, ptr},
                           [&](OpBuilder &ob, ValueRange args, Value i) {
                             Value v = LLVM::FMulOp::create(
                                 ob, loc, loadF(ob, args[0], i), args[1]);
                             storeF(ob, v, args[2], i);
                           });
    LLVM::CallOp::create(b, loc, fn, ValueRange{a, s, out, n});
  }

  /// dst[r, offset .. offset+cols) = src[r, :] for r < rows.
  void emitCopyColumns(Value src, int64_t cols, Value dst, int64_t dstCols,
                       int64_t offset, Value rowCount) {
    auto fn = loopFunction(
        "olmx_copy_columns", {ptr, i64, ptr, i64, i64},
        [&](OpBuilder &ob, ValueRange args, Value r) {
          Value srcRow = LLVM::MulOp::create(ob, loc, r, args[1]);
          Value dstRow = LLVM::AddOp::create(
              ob, loc, LLVM::MulOp::create(ob, loc, r, args[3]), args[4]);
          Value from = LLVM::GEPOp::create(ob, loc, ptr, f32, args[0],
                                           ArrayRef<LLVM::GEPArg>{srcRow});
          Value to = LLVM::GEPOp::create(ob, loc, ptr, f32, args[2],
                                         ArrayRef<LLVM::GEPArg>{dstRow});
          Value bytes = LLVM::MulOp::create(
              ob, loc, args[1],
              LLVM::ConstantOp::create(ob, loc, i64, int64_t(4)));
          LLVM::MemcpyOp::create(ob, loc, to, from, bytes, false);
        });
    LLVM::CallOp::create(
        b, loc, fn,
        ValueRange{src, i64c(cols), dst, i64c(dstCols), i64c(offset),
                   rowCount});
  }

  void copy(Value from, Value to, Value elements) {
    LLVM::MemcpyOp::create(b, loc, to, from, mul(elements, i64c(4)), false);
  }

  /// For a matmul with a residual: makes `out` hold the residual (nothing
  /// to do when olm-plan-memory gave the sum the residual's buffer, else a
  /// copy) and returns 1, the kernels' accumulate flag; 0 without one.
  FailureOr<int32_t> prepareResidual(MatmulOp m, Value out) {
    if (!m.getResidual())
      return 0;
    FailureOr<Value> r = pointerOf(m.getResidual());
    if (failed(r))
      return failure();
    auto def = m.getResidual().getDefiningOp();
    auto resOffset =
        def ? def->getAttrOfType<IntegerAttr>("olm.offset") : IntegerAttr();
    auto outOffset = m->getAttrOfType<IntegerAttr>("olm.offset");
    if (resOffset && outOffset && resOffset.getInt() == outOffset.getInt())
      return 1;
    Value n = mul(rows, i64c(features(m.getResult())));
    if (cuda) {
      int64_t f = features(m.getResult());
      call("olmg_copy_columns",
           {devicePtr, *r, i64c(f), out, i64c(f), i64c(0), rows});
    } else {
      copy(*r, out, n);
    }
    return 1;
  }

  /// A constant global array and its address.
  template <typename T>
  Value constantArray(Type element, ArrayRef<T> values) {
    LLVM::GlobalOp global;
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(module.getBody());
      auto type = LLVM::LLVMArrayType::get(element, values.size());
      auto tensorType =
          RankedTensorType::get({int64_t(values.size())}, element);
      Attribute value = DenseElementsAttr::get(tensorType, values);
      std::string name = "olmx_const_" + std::to_string(globals++);
      global = LLVM::GlobalOp::create(b, loc, type, /*isConstant=*/true,
                                      LLVM::Linkage::Internal, name, value);
    }
    return LLVM::AddressOfOp::create(b, loc, global);
  }

  /// pointerOf(v) for an optional operand: a null pointer where v is absent
  /// (a bias, a norm's affine parameters).
  FailureOr<Value> pointerOrNull(Value v) {
    if (!v)
      return null();
    return pointerOf(v);
  }

  /// The pointer holding `v`: a weight, the ids, an arena buffer, or the
  /// caller's logits.
  FailureOr<Value> pointerOf(Value v) {
    auto it = pointers.find(v);
    if (it != pointers.end())
      return it->second;
    auto w = weightIndex.find(v);
    if (w != weightIndex.end()) {
      Value slot = LLVM::GEPOp::create(b, loc, ptr, ptr, weightsPtr,
                                 ArrayRef<LLVM::GEPArg>{i64c(w->second)});
      Value p = LLVM::LoadOp::create(b, loc, ptr, slot);
      pointers[v] = p;
      return p;
    }
    return model.emitError("no memory for a value defined by ")
           << (v.getDefiningOp() ? v.getDefiningOp()->getName().getStringRef()
                                 : StringRef("a block argument"));
  }

  LogicalResult emitEntry(StringRef symbol, bool decode) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToEnd(module.getBody());
    auto fn = LLVM::LLVMFuncOp::create(
        b, loc, symbol, LLVM::LLVMFunctionType::get(i32, {ptr}));
    Block *entry = fn.addEntryBlock(b);
    b.setInsertionPointToEnd(entry);
    pointers.clear();
    ctxArg = entry->getArgument(0);
    weightsPtr = loadField(ptr, kWeights);
    arenaPtr = loadField(ptr, kArena);
    kvPtr = loadField(ptr, kKvCache);
    idsPtr = loadField(ptr, kIds);
    logitsPtr = loadField(ptr, kLogits);
    batch = loadField(i64, kBatch);
    seq = decode ? i64c(1) : loadField(i64, kSeq);
    pos0 = loadField(i64, kPos0);
    devicePtr = cuda ? loadField(ptr, kDevice) : Value();
    rows = mul(batch, seq);

    Block &body = model.getBody().front();
    pointers[body.getArgument(0)] = idsPtr;
    output = cast<YieldOp>(body.getTerminator()).getValues()[0];
    for (Operation &op : body.without_terminator()) {
      if (isa<WeightOp, tensor::DimOp, arith::ConstantOp, tensor::SplatOp>(
              op))
        continue;
      Value result = op.getResult(0);
      Value out;
      if (result == output) {
        out = logitsPtr;
      } else {
        auto offset = op.getAttrOfType<IntegerAttr>("olm.offset");
        if (!offset)
          return op.emitOpError("has no arena offset; run olm-plan-memory "
                                "first");
        out = byteOffset(arenaPtr, i64c(offset.getInt()));
      }
      pointers[result] = out;
      if (failed(emitOp(op, out)))
        return failure();
    }
    LLVM::ReturnOp::create(b, loc, ValueRange{i32c(0)});
    return success();
  }

  LogicalResult emitOp(Operation &op, Value out) {
    if (cuda)
      return emitDeviceOp(op, out);
    auto in = [&](unsigned i) { return pointerOf(op.getOperand(i)); };
    auto elements = [&](Value v) { return mul(rows, i64c(features(v))); };

    if (auto e = dyn_cast<EmbedLookupOp>(op)) {
      FailureOr<Value> table = in(1);
      if (failed(table))
        return failure();
      call("olmk_embedding",
           {idsPtr, *table, out, rows, i64c(features(e.getResult())),
            f32c(e.getScale().convertToDouble())});
      return success();
    }
    if (auto p = dyn_cast<PosAddOp>(op)) {
      FailureOr<Value> x = in(0), table = in(1);
      if (failed(x) || failed(table))
        return failure();
      copy(*x, out, elements(p.getResult()));
      call("olmk_pos_embedding_add",
           {out, *table, batch, seq, i64c(features(p.getResult())), pos0,
            i64c(p.getOffset())});
      return success();
    }
    if (auto m = dyn_cast<MatmulOp>(op)) {
      if (m.getNorm())
        return op.emitOpError("norm (olm-fuse-norm-matmul) is for the cuda "
                              "target; the cpu target takes olm.rms_norm or "
                              "olm.layer_norm and the product apart");
      if (m.getGated())
        return op.emitOpError("gated (olm-fuse-matmul-gated-activation) is "
                              "for the cuda target; the cpu target takes "
                              "the product and olm.gated_act apart");
      FailureOr<Value> x = in(0), w = in(1), bias = pointerOrNull(m.getBias());
      if (failed(x) || failed(w) || failed(bias))
        return failure();
      FailureOr<int32_t> accumulate = prepareResidual(m, out);
      if (failed(accumulate))
        return failure();
      call("olmk_matmul",
           {*x, *w, *bias, out, rows, i64c(features(m.getResult())),
            i64c(features(m.getInput())), i32c(*accumulate)});
      if (std::optional<StringRef> act = m.getActivation())
        call("olmk_activation", {out, elements(m.getResult()),
                                 i32c(activationKind(*act))});
      return success();
    }
    if (auto n = dyn_cast<RMSNormPrimOp>(op)) {
      FailureOr<Value> x = in(0), w = in(1);
      if (failed(x) || failed(w))
        return failure();
      call("olmk_rmsnorm", {*x, *w, out, rows, i64c(features(n.getInput())),
                            f32c(n.getEps().convertToDouble()),
                            f32c(n.getWeightOffset().convertToDouble())});
      return success();
    }
    if (auto n = dyn_cast<LayerNormPrimOp>(op)) {
      ValueRange affine = n.getAffine();
      FailureOr<Value> x = in(0),
                       w = pointerOrNull(affine.size() > 0 ? affine[0]
                                                           : Value()),
                       bias = pointerOrNull(affine.size() > 1 ? affine[1]
                                                              : Value());
      if (failed(x) || failed(w) || failed(bias))
        return failure();
      call("olmk_layernorm",
           {*x, *w, *bias, out, rows, i64c(features(n.getInput())),
            f32c(n.getEps().convertToDouble())});
      return success();
    }
    if (auto a = dyn_cast<ActOp>(op)) {
      FailureOr<Value> x = in(0);
      if (failed(x))
        return failure();
      Value n = elements(a.getResult());
      copy(*x, out, n);
      call("olmk_activation", {out, n, i32c(activationKind(a.getKind()))});
      return success();
    }
    if (auto g = dyn_cast<GatedActOp>(op)) {
      FailureOr<Value> x = in(0);
      if (failed(x))
        return failure();
      call("olmk_gated_activation",
           {*x, out, rows, i64c(features(g.getResult())),
            i32c(activationKind(g.getKind()))});
      return success();
    }
    if (auto s = dyn_cast<SoftcapOp>(op)) {
      FailureOr<Value> x = in(0);
      if (failed(x))
        return failure();
      Value n = elements(s.getResult());
      copy(*x, out, n);
      call("olmk_softcap", {out, n, f32c(s.getCap().convertToDouble())});
      return success();
    }
    if (auto a = dyn_cast<AttentionCoreOp>(op))
      return emitAttention(a, out);
    if (auto f = dyn_cast<FusedOp>(op))
      return emitFused(f, out);
    if (auto add = dyn_cast<arith::AddFOp>(op)) {
      FailureOr<Value> x = in(0), y = in(1);
      if (failed(x) || failed(y))
        return failure();
      emitAdd(*x, *y, out, elements(add.getResult()));
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
      emitScale(*x, f32c(value.getValueAsDouble()), out,
                elements(m.getResult()));
      return success();
    }
    if (auto c = dyn_cast<tensor::ConcatOp>(op)) {
      int64_t rank = c.getResultType().getRank();
      if (int64_t(c.getDim()) != rank - 1)
        return op.emitOpError("concatenation along a dimension other than "
                              "the last is not supported by the CPU target");
      int64_t total = features(c.getResult()), offset = 0;
      for (Value part : c.getInputs()) {
        FailureOr<Value> src = pointerOf(part);
        if (failed(src))
          return failure();
        emitCopyColumns(*src, features(part), out, total, offset, rows);
        offset += features(part);
      }
      return success();
    }
    return op.emitOpError("cannot be compiled for the CPU target");
  }

  /// One loop over the elements of the result; every value of the body is
  /// a float at the current element: activations are read at element i,
  /// rank-1 weights at feature c = i mod F (or their only element), other
  /// weights through tensor.extract.
  LogicalResult emitFused(FusedOp fused, Value out) {
    SmallVector<Value> args;
    SmallVector<Type> types;
    for (Value in : fused.getInputs()) {
      if (!isa<RankedTensorType>(in.getType()))
        return fused.emitOpError("takes scalar inputs, which the CPU target "
                                 "does not support");
      FailureOr<Value> p = pointerOf(in);
      if (failed(p))
        return failure();
      args.push_back(*p);
      types.push_back(ptr);
    }
    args.push_back(out);
    types.push_back(ptr);
    int64_t f = features(fused.getResult());
    args.push_back(i64c(f));
    types.push_back(i64);
    std::string name = "olmx_fused_" + std::to_string(fusedCount++);
    LogicalResult status = success();
    FusedFlavor flavor{f32, f32, /*device=*/false};
    auto fn = loopFunction(
        name, types, [&](OpBuilder &ob, ValueRange fnArgs, Value i) {
          status = emitFusedBody(ob, fused, fnArgs, i, flavor);
        });
    if (failed(status))
      return failure();
    args.push_back(elements(fused.getResult()));
    LLVM::CallOp::create(b, loc, fn, args);
    return success();
  }

  Value elements(Value v) { return mul(rows, i64c(features(v))); }

  LogicalResult emitFusedBody(OpBuilder &ob, FusedOp fused, ValueRange fnArgs,
                              Value i, const FusedFlavor &flavor) {
    Block &body = fused.getBody().front();
    unsigned numInputs = body.getNumArguments();
    Value outPtr = fnArgs[numInputs];
    Value featureCount = fnArgs[numInputs + 1];
    Value c = LLVM::URemOp::create(ob, loc, i, featureCount);
    DenseMap<Value, Value> scalar;   // float value at this element
    DenseMap<Value, Value> indices;  // index constants
    auto cst64 = [&](int64_t v) {
      return LLVM::ConstantOp::create(ob, loc, i64, v);
    };
    auto load = [&](Value base, Value index) {
      Value p = LLVM::GEPOp::create(ob, loc, ptr, flavor.storage, base,
                                    ArrayRef<LLVM::GEPArg>{index});
      Value v = LLVM::LoadOp::create(ob, loc, flavor.storage, p);
      return flavor.storage == f32 ? v
                                   : LLVM::FPExtOp::create(ob, loc, f32, v)
                                         .getResult();
    };
    auto f32k = [&](double v) {
      return LLVM::ConstantOp::create(ob, loc, f32, ob.getF32FloatAttr(v))
          .getResult();
    };
    // NVPTX has no libm: exp and log go through the ex2/lg2 approximations
    // (relative error about 2^-22), tanh through exp.
    auto exp2Of = [&](Value x) {
      return LLVM::Exp2Op::create(ob, loc, x).getResult();
    };
    auto deviceExp = [&](Value x) {
      return exp2Of(LLVM::FMulOp::create(ob, loc, x, f32k(M_LOG2E)));
    };
    auto deviceLog = [&](Value x) {
      Value l2 = LLVM::CallIntrinsicOp::create(
                     ob, loc, f32, ob.getStringAttr("llvm.nvvm.lg2.approx.f"),
                     ValueRange{x})
                     .getResult(0);
      return LLVM::FMulOp::create(ob, loc, l2, f32k(M_LN2)).getResult();
    };
    auto deviceTanh = [&](Value x) {
      // tanh(x) = sign(x) (1 - 2 / (exp(2|x|) + 1)): no overflow, exact
      // sign, and 1 - tiny for large |x|.
      Value ax = LLVM::FAbsOp::create(ob, loc, x);
      Value e = deviceExp(LLVM::FMulOp::create(ob, loc, ax, f32k(2.0)));
      Value t = LLVM::FSubOp::create(
          ob, loc, f32k(1.0),
          LLVM::FDivOp::create(ob, loc, f32k(2.0),
                               LLVM::FAddOp::create(ob, loc, e, f32k(1.0))));
      return LLVM::CopySignOp::create(ob, loc, t, x).getResult();
    };
    std::function<FailureOr<Value>(Value)> at =
        [&](Value v) -> FailureOr<Value> {
      auto it = scalar.find(v);
      if (it != scalar.end())
        return it->second;
      auto arg = dyn_cast<BlockArgument>(v);
      if (!arg)
        return fused.emitOpError("uses a value it does not compute");
      auto t = cast<RankedTensorType>(arg.getType());
      Value base = fnArgs[arg.getArgNumber()];
      Value loaded;
      if (t.getRank() == 3)
        loaded = load(base, i);
      else if (t.getRank() == 1 && t.getDimSize(0) == 1)
        loaded = load(base, cst64(0));
      else if (t.getRank() == 1)
        loaded = load(base, c);
      else
        return fused.emitOpError("reads a rank-")
               << t.getRank() << " input elementwise; use tensor.extract";
      scalar[v] = loaded;
      return loaded;
    };
    for (Operation &op : body.without_terminator()) {
      Value result = op.getNumResults() ? op.getResult(0) : Value();
      if (auto cst = dyn_cast<arith::ConstantOp>(op)) {
        Attribute value = cst.getValue();
        if (auto idx = dyn_cast<IntegerAttr>(value)) {
          indices[result] = cst64(idx.getInt());
          continue;
        }
        if (auto fl = dyn_cast<FloatAttr>(value)) {
          scalar[result] = LLVM::ConstantOp::create(
              ob, loc, f32, ob.getF32FloatAttr(fl.getValueAsDouble()));
          continue;
        }
        auto dense = dyn_cast<DenseElementsAttr>(value);
        if (dense && dense.isSplat() &&
            isa<FloatType>(dense.getElementType())) {
          scalar[result] = LLVM::ConstantOp::create(
              ob, loc, f32,
              ob.getF32FloatAttr(
                  dense.getSplatValue<APFloat>().convertToDouble()));
          continue;
        }
        return op.emitOpError("only scalar, index and splat constants can "
                              "be fused");
      }
      if (isa<tensor::DimOp>(op))
        continue; // shapes are implicit in the loop
      if (auto extract = dyn_cast<tensor::ExtractOp>(op)) {
        auto arg = dyn_cast<BlockArgument>(extract.getTensor());
        auto t = cast<RankedTensorType>(extract.getTensor().getType());
        if (!arg || !t.hasStaticShape())
          return op.emitOpError("can only read whole weights");
        Value flat = cst64(0);
        int64_t stride = 1;
        for (int64_t d = t.getRank() - 1; d >= 0; --d) {
          Value idx = indices.lookup(extract.getIndices()[d]);
          if (!idx)
            return op.emitOpError("needs constant indices");
          flat = LLVM::AddOp::create(
              ob, loc, flat, LLVM::MulOp::create(ob, loc, idx, cst64(stride)));
          stride *= t.getDimSize(d);
        }
        scalar[result] = load(fnArgs[arg.getArgNumber()], flat);
        continue;
      }
      SmallVector<Value> operands;
      for (Value operand : op.getOperands()) {
        if (isa<BroadcastOp>(op) && operand == op.getOperand(1))
          break; // 'like' only gives the shape
        FailureOr<Value> s = at(operand);
        if (failed(s))
          return failure();
        operands.push_back(*s);
      }
      Value r;
      if (isa<BroadcastOp, tensor::SplatOp>(op))
        r = operands[0];
      else if (isa<arith::AddFOp>(op))
        r = LLVM::FAddOp::create(ob, loc, operands[0], operands[1]);
      else if (isa<arith::SubFOp>(op))
        r = LLVM::FSubOp::create(ob, loc, operands[0], operands[1]);
      else if (isa<arith::MulFOp>(op))
        r = LLVM::FMulOp::create(ob, loc, operands[0], operands[1]);
      else if (isa<arith::DivFOp>(op))
        r = LLVM::FDivOp::create(ob, loc, operands[0], operands[1]);
      else if (isa<arith::MaximumFOp>(op))
        r = LLVM::MaximumOp::create(ob, loc, operands[0], operands[1]);
      else if (isa<arith::MinimumFOp>(op))
        r = LLVM::MinimumOp::create(ob, loc, operands[0], operands[1]);
      else if (isa<arith::NegFOp>(op))
        r = LLVM::FNegOp::create(ob, loc, operands[0]);
      else if (isa<math::ExpOp>(op))
        r = flavor.device ? deviceExp(operands[0])
                          : LLVM::ExpOp::create(ob, loc, operands[0]);
      else if (isa<math::TanhOp>(op))
        r = flavor.device ? deviceTanh(operands[0])
                          : LLVM::TanhOp::create(ob, loc, operands[0]);
      else if (isa<math::LogOp>(op))
        r = flavor.device ? deviceLog(operands[0])
                          : LLVM::LogOp::create(ob, loc, operands[0]);
      else if (isa<math::SqrtOp>(op))
        r = LLVM::SqrtOp::create(ob, loc, operands[0]);
      else if (isa<math::RsqrtOp>(op))
        r = LLVM::FDivOp::create(
            ob, loc,
            LLVM::ConstantOp::create(ob, loc, f32, ob.getF32FloatAttr(1.0)),
            LLVM::SqrtOp::create(ob, loc, operands[0]));
      else
        return op.emitOpError("cannot be fused (no code generation for it)");
      scalar[result] = r;
    }
    auto yield = cast<YieldOp>(body.getTerminator());
    FailureOr<Value> v = at(yield.getValues()[0]);
    if (failed(v))
      return failure();
    Value p = LLVM::GEPOp::create(ob, loc, ptr, flavor.outStorage, outPtr,
                                  ArrayRef<LLVM::GEPArg>{i});
    Value stored = *v;
    if (flavor.outStorage != f32)
      stored = LLVM::FPTruncOp::create(ob, loc, flavor.outStorage, stored);
    LLVM::StoreOp::create(ob, loc, stored, p);
    return success();
  }

  LogicalResult emitAttention(AttentionCoreOp a, Value out) {
    FailureOr<Value> qkv = pointerOf(a.getQkv());
    if (failed(qkv))
      return failure();
    auto layers = model->getAttrOfType<ArrayAttr>("olm.kv_layers");
    auto maxSeq = model->getAttrOfType<IntegerAttr>("olm.max_seq");
    if (!layers || !maxSeq || int64_t(layers.size()) <= int64_t(a.getLayer()))
      return a.emitOpError("has no KV-cache slot; run olm-plan-memory first");
    auto slot = cast<DictionaryAttr>(layers[a.getLayer()]);
    int64_t qkNorm = a.getQkNorm() == "none"      ? 0
                     : a.getQkNorm() == "rmsnorm" ? 1
                                                  : 2;
    SmallVector<int64_t> icfg = {
        int64_t(a.getHeads()),    int64_t(a.getKvHeads()),
        int64_t(a.getHeadDim()),  int64_t(a.getRotaryDim()),
        a.getInterleaved() ? 1 : 0, int64_t(a.getWindow()),
        a.getCausal() ? 1 : 0,    maxSeq.getInt(),
        qkNorm};
    SmallVector<float> fcfg = {float(a.getScale().convertToDouble()),
                               float(a.getSoftcap().convertToDouble()),
                               float(a.getQkNormEps().convertToDouble())};
    Value icfgPtr = constantArray<int64_t>(i64, icfg);
    Value fcfgPtr = constantArray<float>(f32, fcfg);
    ArrayRef<float> inv = a.getInvFreq();
    Value invPtr = inv.empty() ? null() : constantArray<float>(f32, inv);
    Value kc = elemOffset(kvPtr, i64c(slot.getAs<IntegerAttr>("k_offset")
                                           .getInt()));
    Value vc = elemOffset(kvPtr, i64c(slot.getAs<IntegerAttr>("v_offset")
                                           .getInt()));
    SmallVector<Value> norms;
    for (Value n : a.getNorms()) {
      FailureOr<Value> p = pointerOf(n);
      if (failed(p))
        return failure();
      norms.push_back(*p);
    }
    while (norms.size() < 4)
      norms.push_back(null());
    if (cuda)
      call("olmg_attention", {devicePtr, icfgPtr, fcfgPtr, invPtr, *qkv, kc,
                              vc, out, batch, seq, pos0, norms[0], norms[1],
                              norms[2], norms[3]});
    else
      call("olmk_attention", {icfgPtr, fcfgPtr, invPtr, *qkv, kc, vc, out,
                              batch, seq, pos0, norms[0], norms[1], norms[2],
                              norms[3]});
    return success();
  }

  // cuda target (LowerToLLVMCuda.cpp).
  LogicalResult emitDeviceOp(Operation &op, Value out);
  LogicalResult emitDeviceFused(FusedOp fused, Value out);
  LLVM::LLVMFuncOp buildDeviceKernel(FusedOp fused, StringRef name,
                                     LogicalResult &status);
  int64_t elementsPerThread(FusedOp fused);
};

} // namespace lowering
} // namespace olmc

#endif // OLMC_TRANSFORMS_LLVMCODEGEN_H
