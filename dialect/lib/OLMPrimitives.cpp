//===- OLMPrimitives.cpp - verifiers of the olm primitives ----------------===//
#include "olm/Dialect/OLMOps.h"

using namespace mlir;
using namespace olm;

namespace {

RankedTensorType rt(Value v) { return cast<RankedTensorType>(v.getType()); }

int64_t lastDim(Value v) {
  RankedTensorType t = rt(v);
  return t.getRank() ? t.getDimSize(t.getRank() - 1) : 0;
}

/// A parameter tensor of exactly `shape`.
LogicalResult checkParam(Operation *op, Value v, ArrayRef<int64_t> shape,
                         StringRef what) {
  if (rt(v).getShape() != shape) {
    std::string expected;
    for (int64_t d : shape)
      expected += (expected.empty() ? "" : "x") + std::to_string(d);
    return op->emitOpError()
           << what << " must be " << expected << ", got " << v.getType();
  }
  return success();
}

/// [B, T, F] activations; returns F.
FailureOr<int64_t> features(Operation *op, Value v, StringRef what) {
  RankedTensorType t = rt(v);
  if (t.getRank() != 3 || t.isDynamicDim(2))
    return op->emitOpError() << what
                             << " must be [batch, seq, features] with static "
                                "features, got "
                             << v.getType();
  return t.getDimSize(2);
}

LogicalResult sameShape(Operation *op, Value a, Value b) {
  if (a.getType() != b.getType())
    return op->emitOpError("result type ")
           << b.getType() << " must equal the input type " << a.getType();
  return success();
}

} // namespace

LogicalResult WeightOp::verify() {
  auto type = cast<RankedTensorType>(getResult().getType());
  int64_t rows = 0;
  SmallVector<int64_t> rest;
  for (Attribute a : getSources()) {
    auto src = dyn_cast<DictionaryAttr>(a);
    auto tensor = src ? src.getAs<StringAttr>("tensor") : StringAttr();
    auto shape = src ? src.getAs<DenseI64ArrayAttr>("shape") : nullptr;
    if (!tensor || !shape || shape.empty())
      return emitOpError("each source needs a 'tensor' name and a 'shape'");
    SmallVector<int64_t> s(shape.asArrayRef());
    if (getTranspose()) {
      if (s.size() != 2)
        return emitOpError("transpose needs 2-D sources");
      std::swap(s[0], s[1]);
    }
    SmallVector<int64_t> tail(s.begin() + 1, s.end());
    if (rows && tail != rest)
      return emitOpError("sources of '")
             << getName() << "' differ beyond dimension 0";
    rest = tail;
    rows += s[0];
  }
  if (rows == 0)
    return emitOpError("needs at least one source");
  SmallVector<int64_t> expected{rows};
  expected.append(rest);
  if (ArrayRef<int64_t>(expected) != type.getShape())
    return emitOpError("sources assemble to a different shape than ") << type;
  return success();
}

LogicalResult EmbedLookupOp::verify() {
  FailureOr<int64_t> d = features(*this, getResult(), "result");
  if (failed(d))
    return failure();
  if (rt(getTable()).getRank() != 2 || lastDim(getTable()) != *d)
    return emitOpError("table must be [vocab, ") << *d << "]";
  return success();
}

LogicalResult PosAddOp::verify() {
  FailureOr<int64_t> d = features(*this, getInput(), "input");
  if (failed(d) || failed(sameShape(*this, getInput(), getResult())))
    return failure();
  if (rt(getTable()).getRank() != 2 || lastDim(getTable()) != *d)
    return emitOpError("table must be [positions, ") << *d << "]";
  return success();
}

LogicalResult MatmulOp::verify() {
  FailureOr<int64_t> k = features(*this, getInput(), "input");
  FailureOr<int64_t> n = features(*this, getResult(), "result");
  if (failed(k) || failed(n))
    return failure();
  if (getGated()) {
    if (!getActivation())
      return emitOpError("gated needs an activation for the gate");
    if (getResidual())
      return emitOpError("gated takes no residual");
  }
  // A gated product has gate and up rows: twice the result's features.
  int64_t rowsW = getGated() ? 2 * *n : *n;
  if (failed(checkParam(*this, getWeight(), {rowsW, *k}, "weight")))
    return failure();
  if (getBias() && failed(checkParam(*this, getBias(), {rowsW}, "bias")))
    return failure();
  if (getResidual() && getResidual().getType() != getResult().getType())
    return emitOpError("residual must have the result's type ")
           << getResult().getType() << ", got " << getResidual().getType();
  if (getResidual() && getActivation())
    return emitOpError("takes a residual or an activation, not both: the "
                       "residual would be added before the activation");
  if (getNorm()) {
    if (!getNormEps())
      return emitOpError("norm needs norm_eps");
    if (failed(checkParam(*this, getNorm(), {*k}, "norm weight")))
      return failure();
    if (getLayerNorm() && getNormOffset().convertToDouble() != 0.0)
      return emitOpError("a layer_norm norm takes no norm_offset");
    if (getNormBias() && !getLayerNorm())
      return emitOpError("norm_bias is for a layer_norm norm");
    if (getNormBias() &&
        failed(checkParam(*this, getNormBias(), {*k}, "norm bias")))
      return failure();
  } else if (getNormEps() || getLayerNorm() || getNormBias()) {
    return emitOpError("norm_eps, layer_norm and norm_bias need a norm weight");
  }
  return success();
}

LogicalResult RMSNormPrimOp::verify() {
  FailureOr<int64_t> d = features(*this, getInput(), "input");
  if (failed(d) || failed(sameShape(*this, getInput(), getResult())))
    return failure();
  return checkParam(*this, getWeight(), {*d}, "weight");
}

LogicalResult LayerNormPrimOp::verify() {
  FailureOr<int64_t> d = features(*this, getInput(), "input");
  if (failed(d) || failed(sameShape(*this, getInput(), getResult())))
    return failure();
  if (getAffine().size() > 2)
    return emitOpError("affine takes a weight and optionally a bias");
  for (Value v : getAffine())
    if (failed(checkParam(*this, v, {*d}, "affine parameter")))
      return failure();
  return success();
}

LogicalResult ActOp::verify() {
  return sameShape(*this, getInput(), getResult());
}

LogicalResult GatedActOp::verify() {
  FailureOr<int64_t> in = features(*this, getInput(), "input");
  FailureOr<int64_t> out = features(*this, getResult(), "result");
  if (failed(in) || failed(out))
    return failure();
  if (*in != 2 * *out)
    return emitOpError("input features (")
           << *in << ") must be twice the result's (" << *out << ")";
  return success();
}

LogicalResult SoftcapOp::verify() {
  if (!(getCap().convertToDouble() > 0))
    return emitOpError("cap must be > 0");
  return sameShape(*this, getInput(), getResult());
}

LogicalResult AttentionCoreOp::verify() {
  int64_t h = getHeads(), kv = getKvHeads(), hd = getHeadDim();
  FailureOr<int64_t> in = features(*this, getQkv(), "qkv");
  FailureOr<int64_t> out = features(*this, getResult(), "result");
  if (failed(in) || failed(out))
    return failure();
  if (kv == 0 || h % kv != 0)
    return emitOpError("kv_heads must divide heads");
  if (*in != (h + 2 * kv) * hd)
    return emitOpError("qkv has ")
           << *in << " features; expected (heads + 2 kv_heads) * head_dim = "
           << (h + 2 * kv) * hd;
  if (*out != h * hd)
    return emitOpError("result must have heads * head_dim features");
  int64_t rot = getRotaryDim();
  if (rot < 0 || rot > hd || rot % 2 || int64_t(getInvFreq().size()) != rot / 2)
    return emitOpError("rotary_dim must be even, at most head_dim, with "
                       "rotary_dim/2 inverse frequencies");
  size_t norms = getQkNorm() == "none" ? 0 : getQkNorm() == "rmsnorm" ? 2 : 4;
  if (getNorms().size() != norms)
    return emitOpError("qk_norm '")
           << getQkNorm() << "' takes " << norms << " norm tensors";
  for (Value v : getNorms())
    if (failed(checkParam(*this, v, {hd}, "qk-norm parameter")))
      return failure();
  return success();
}
