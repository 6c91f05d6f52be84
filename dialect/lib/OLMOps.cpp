//===- OLMOps.cpp - olm ops: verifiers, parameters, combinators -----------===//
#include "olm/Dialect/OLMOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace olm;

//===----------------------------------------------------------------------===//
// Shared checks
//===----------------------------------------------------------------------===//

namespace {

/// Checks that `value` is an activation `[batch, seq, features]` of floats
/// whose feature size, when static, is `features`.
LogicalResult checkActivation(Operation *op, Type type, int64_t features,
                              StringRef what) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || tensor.getRank() != 3)
    return op->emitOpError() << what
                             << " must be a rank-3 tensor [batch, seq, "
                             << features << "], got " << type;
  if (!isa<FloatType>(tensor.getElementType()))
    return op->emitOpError() << what << " must have a float element type, got "
                             << tensor.getElementType();
  int64_t last = tensor.getDimSize(2);
  if (!ShapedType::isDynamic(last) && last != features)
    return op->emitOpError() << what << " has " << last
                             << " features but the op expects " << features;
  return success();
}

/// The result keeps the input's batch and seq dims.
LogicalResult checkSameLeadingDims(Operation *op, Type in, Type out) {
  auto a = cast<RankedTensorType>(in), b = cast<RankedTensorType>(out);
  for (int64_t i = 0; i + 1 < a.getRank() && i + 1 < b.getRank(); ++i)
    if (a.getDimSize(i) != b.getDimSize(i))
      return op->emitOpError("result dimension ")
             << i << " (" << b.getDimSize(i)
             << ") must equal the input's (" << a.getDimSize(i) << ")";
  return success();
}

LogicalResult checkUnaryLayer(Operation *op, int64_t inFeatures,
                              int64_t outFeatures) {
  if (failed(checkActivation(op, op->getOperand(0).getType(), inFeatures,
                             "input")) ||
      failed(checkActivation(op, op->getResult(0).getType(), outFeatures,
                             "result")))
    return failure();
  return checkSameLeadingDims(op, op->getOperand(0).getType(),
                              op->getResult(0).getType());
}

/// Doubles as a person writes them (0.1, not 1.000000e-01).
std::string fmt(double v) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

LogicalResult checkPositive(Operation *op, double v, StringRef what) {
  if (!(v > 0.0))
    return op->emitOpError() << what << " must be > 0, got " << fmt(v);
  return success();
}

SmallVector<int64_t> weightShape(int64_t out, int64_t in, StringRef layout) {
  if (layout == "in_out")
    return {in, out};
  return {out, in};
}

} // namespace

//===----------------------------------------------------------------------===//
// ModelOp
//===----------------------------------------------------------------------===//

LogicalResult ModelOp::verifyRegions() {
  Block &block = getBody().front();
  if (block.getNumArguments() != 1)
    return emitOpError("body must take one argument (token ids), got ")
           << block.getNumArguments();
  auto ids = dyn_cast<RankedTensorType>(block.getArgument(0).getType());
  if (!ids || ids.getRank() != 2 || !ids.getElementType().isInteger())
    return emitOpError("token ids must be a rank-2 integer tensor "
                       "[batch, seq], got ")
           << block.getArgument(0).getType();
  auto yield = dyn_cast<YieldOp>(block.getTerminator());
  if (!yield || yield.getValues().size() != 1)
    return emitOpError("body must end with 'olm.yield' of the logits");
  auto logits = dyn_cast<RankedTensorType>(yield.getValues()[0].getType());
  if (!logits || logits.getRank() != 3)
    return emitOpError("logits must be a rank-3 tensor [batch, seq, vocab], "
                       "got ")
           << yield.getValues()[0].getType();
  if (!getDtype().isF32() && !getDtype().isF16() && !getDtype().isBF16())
    return emitOpError("dtype must be f32, f16 or bf16, got ") << getDtype();
  return success();
}

//===----------------------------------------------------------------------===//
// Structure ops
//===----------------------------------------------------------------------===//

namespace {
Value childResult(Region &region) {
  return cast<YieldOp>(region.front().getTerminator()).getValues()[0];
}

/// Adds two equally typed tensors elementwise.
Value addTensors(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::AddFOp::create(b, loc, x, y);
}
} // namespace

SmallVector<IndexBinding> BlockOp::getChildBindings(unsigned) {
  return {IndexBinding{}};
}
FailureOr<Value> BlockOp::combine(OpBuilder &b, Value input,
                                  ChildApplyFn applyChild) {
  return applyChild(b, 0, IndexBinding{}, input);
}

SmallVector<IndexBinding> ResidualOp::getChildBindings(unsigned) {
  return {IndexBinding{}};
}
FailureOr<Value> ResidualOp::combine(OpBuilder &b, Value input,
                                     ChildApplyFn applyChild) {
  FailureOr<Value> y = applyChild(b, 0, IndexBinding{}, input);
  if (failed(y))
    return failure();
  return addTensors(b, getLoc(), input, *y);
}

SmallVector<IndexBinding> RepeatOp::getChildBindings(unsigned) {
  SmallVector<IndexBinding> bindings;
  for (int64_t k = 0, e = getCount(); k < e; ++k)
    bindings.push_back(IndexBinding{getIndex().str(), k});
  return bindings;
}
FailureOr<Value> RepeatOp::combine(OpBuilder &b, Value input,
                                   ChildApplyFn applyChild) {
  Value x = input;
  for (const IndexBinding &binding : getChildBindings(0)) {
    FailureOr<Value> y = applyChild(b, 0, binding, x);
    if (failed(y))
      return failure();
    x = *y;
  }
  return x;
}

SmallVector<IndexBinding> ParallelOp::getChildBindings(unsigned) {
  return {IndexBinding{}};
}
FailureOr<Value> ParallelOp::combine(OpBuilder &b, Value input,
                                     ChildApplyFn applyChild) {
  SmallVector<Value> outs;
  for (unsigned i = 0, e = getNumRegions(); i < e; ++i) {
    FailureOr<Value> y = applyChild(b, i, IndexBinding{}, input);
    if (failed(y))
      return failure();
    outs.push_back(*y);
  }
  Location loc = getLoc();
  auto type = cast<RankedTensorType>(getResult().getType());
  if (getMerge() == "concat") {
    int64_t dim = int64_t(getDim()) < 0 ? int64_t(getDim()) + type.getRank()
                                          : int64_t(getDim());
    return tensor::ConcatOp::create(b, loc, type, dim, outs).getResult();
  }
  Value sum = outs[0];
  for (unsigned i = 1; i < outs.size(); ++i)
    sum = addTensors(b, loc, sum, outs[i]);
  if (getMerge() == "sum" || outs.size() == 1)
    return sum;
  // mean: scale by 1/N with a splat of the sum's (possibly dynamic) shape.
  SmallVector<Value> dynSizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dynSizes.push_back(tensor::DimOp::create(b, loc, sum, d));
  Value scale = arith::ConstantOp::create(b, 
      loc, FloatAttr::get(type.getElementType(), 1.0 / outs.size()));
  Value splat = tensor::SplatOp::create(b, loc, type, scale, dynSizes);
  return arith::MulFOp::create(b, loc, sum, splat).getResult();
}

LogicalResult BlockOp::verifyRegions() {
  if (childResult(getBody()).getType() != getResult().getType())
    return emitOpError("result type ")
           << getResult().getType() << " must equal the body's output type "
           << childResult(getBody()).getType();
  return success();
}

LogicalResult ResidualOp::verifyRegions() {
  Type bodyType = childResult(getBody()).getType();
  if (bodyType != getInput().getType())
    return emitOpError("body output type ")
           << bodyType << " must equal the input type "
           << getInput().getType() << " to add the skip connection";
  if (getResult().getType() != getInput().getType())
    return emitOpError("result type must equal the input type");
  return success();
}

LogicalResult RepeatOp::verifyRegions() {
  if (!isValidIndexName(getIndex()))
    return emitOpError("index '")
           << getIndex() << "' is not a valid name ([A-Za-z_][A-Za-z0-9_]*)";
  for (Operation *p = (*this)->getParentOp(); p; p = p->getParentOp())
    if (auto outer = dyn_cast<RepeatOp>(p))
      if (outer.getIndex() == getIndex())
        return emitOpError("index '")
               << getIndex() << "' shadows the index of an enclosing repeat";
  Type bodyType = childResult(getBody()).getType();
  if (bodyType != getInput().getType())
    return emitOpError("body output type ")
           << bodyType << " must equal the input type " << getInput().getType()
           << " so that iterations chain";
  // Each iteration has its own weights (a factory, not a shared module):
  // every parameter name in the body must depend on the index.
  Operation *shared = nullptr;
  std::string sharedName;
  getBody().walk([&](LayerOpInterface layer) {
    for (NamedAttribute entry : layer.getParamNames()) {
      auto name = dyn_cast<StringAttr>(entry.getValue());
      SmallVector<std::string> vars;
      std::string error;
      if (!name || !collectParamNameVars(name.getValue(), vars, error))
        continue; // reported by the layer's own verifier
      if (!llvm::is_contained(vars, getIndex().str())) {
        shared = layer;
        sharedName = name.getValue().str();
        return WalkResult::interrupt();
      }
    }
    return WalkResult::advance();
  });
  if (shared)
    return emitOpError("parameter '")
           << sharedName << "' does not depend on the repeat index '"
           << getIndex() << "', so all " << getCount()
           << " iterations would share it; each iteration needs its own "
              "weights (put '{"
           << getIndex() << "}' in the name)";
  if (getResult().getType() != getInput().getType())
    return emitOpError("result type must equal the input type");
  return success();
}

LogicalResult ParallelOp::verifyRegions() {
  auto resultType = cast<RankedTensorType>(getResult().getType());
  if (getMerge() != "concat") {
    for (unsigned i = 0, e = getNumRegions(); i < e; ++i)
      if (childResult(getRegion(i)).getType() != resultType)
        return emitOpError("branch ")
               << i << " yields " << childResult(getRegion(i)).getType()
               << " but merge '" << getMerge() << "' needs " << resultType;
    return success();
  }
  int64_t rank = resultType.getRank();
  int64_t dim = int64_t(getDim()) < 0 ? int64_t(getDim()) + rank
                                          : int64_t(getDim());
  if (dim < 0 || dim >= rank)
    return emitOpError("concat dim ")
           << getDim() << " is out of range for rank " << rank;
  int64_t total = 0;
  bool dynamic = false;
  for (unsigned i = 0, e = getNumRegions(); i < e; ++i) {
    auto t = dyn_cast<RankedTensorType>(childResult(getRegion(i)).getType());
    if (!t || t.getRank() != rank ||
        t.getElementType() != resultType.getElementType())
      return emitOpError("branch ")
             << i << " yields " << childResult(getRegion(i)).getType()
             << ", which cannot be concatenated into " << resultType;
    for (int64_t d = 0; d < rank; ++d)
      if (d != dim && t.getDimSize(d) != resultType.getDimSize(d))
        return emitOpError("branch ")
               << i << " dimension " << d << " is " << t.getDimSize(d)
               << " but the result's is " << resultType.getDimSize(d);
    if (t.isDynamicDim(dim))
      dynamic = true;
    else
      total += t.getDimSize(dim);
  }
  if (!dynamic && !resultType.isDynamicDim(dim) &&
      total != resultType.getDimSize(dim))
    return emitOpError("concatenated size along dim ")
           << dim << " is " << total << " but the result's is "
           << resultType.getDimSize(dim);
  return success();
}

//===----------------------------------------------------------------------===//
// Layer ops: verifiers
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingOp::verify() {
  auto ids = dyn_cast<RankedTensorType>(getInput().getType());
  if (!ids || ids.getRank() != 2 || !ids.getElementType().isInteger())
    return emitOpError("input must be token ids, a rank-2 integer tensor "
                       "[batch, seq], got ")
           << getInput().getType();
  if (failed(checkActivation(*this, getResult().getType(), getDim(),
                             "result")))
    return failure();
  return checkSameLeadingDims(*this, getInput().getType(),
                              getResult().getType());
}

LogicalResult PosEmbeddingOp::verify() {
  return checkUnaryLayer(*this, getDim(), getDim());
}

LogicalResult LayerNormOp::verify() {
  if (failed(checkPositive(*this, getEps().convertToDouble(), "eps")))
    return failure();
  if (getBias() && !getAffine())
    return emitOpError("bias = true requires affine = true");
  return checkUnaryLayer(*this, getDim(), getDim());
}

LogicalResult RMSNormOp::verify() {
  if (failed(checkPositive(*this, getEps().convertToDouble(), "eps")))
    return failure();
  return checkUnaryLayer(*this, getDim(), getDim());
}

LogicalResult LinearOp::verify() {
  return checkUnaryLayer(*this, getInFeatures(), getOutFeatures());
}

LogicalResult AttentionOp::verify() {
  int64_t dim = getDim(), heads = getHeads(), kvHeads = getKvHeads(),
          headDim = getHeadDim();
  if (heads % kvHeads != 0)
    return emitOpError("kv_heads (")
           << kvHeads << ") must divide heads (" << heads << ")";
  if (getQkvLayout() != "separate" && heads != kvHeads &&
      getQkvLayout() == "fused_per_head")
    return emitOpError("qkv_layout 'fused_per_head' needs kv_heads == heads");
  if (headDim % 2 != 0 && getRopeTheta())
    return emitOpError("RoPE needs an even head_dim, got ") << headDim;
  if (getRopeTheta()) {
    if (failed(checkPositive(*this, getRopeTheta()->convertToDouble(),
                             "rope_theta")))
      return failure();
    double frac = getRopeFraction().convertToDouble();
    if (!(frac > 0.0 && frac <= 1.0))
      return emitOpError("rope_fraction must be in (0, 1], got ") << fmt(frac);
    int64_t rotary = static_cast<int64_t>(headDim * frac);
    if (rotary < 2 || rotary % 2 != 0)
      return emitOpError("rope_fraction ")
             << fmt(frac) << " of head_dim " << headDim
             << " gives " << rotary << " rotary dims; it must be even and >= 2";
  } else if (getRopeScaling()) {
    return emitOpError("rope_scaling needs rope_theta");
  }
  if (getSoftcap().convertToDouble() < 0.0)
    return emitOpError("softcap must be >= 0 (0 disables it)");
  if (int64_t(getSlidingWindow()) < 0)
    return emitOpError("sliding_window must be >= 0 (0 disables it)");
  if (getSlidingWindow() > 0 && !getCausal())
    return emitOpError("sliding_window needs causal attention");
  if (auto scale = getScale())
    if (failed(checkPositive(*this, scale->convertToDouble(), "scale")))
      return failure();
  if (heads * headDim > (int64_t(1) << 31))
    return emitOpError("heads * head_dim is too large");
  return checkUnaryLayer(*this, dim, dim);
}

LogicalResult FFNOp::verify() {
  return checkUnaryLayer(*this, getDim(), getDim());
}

LogicalResult GatedFFNOp::verify() {
  if (getActivation() == "relu")
    return emitOpError("gated_ffn supports silu (SwiGLU), gelu and "
                       "gelu_tanh (GeGLU), got 'relu'");
  return checkUnaryLayer(*this, getDim(), getDim());
}

LogicalResult OutputHeadOp::verify() {
  if (getSoftcap().convertToDouble() < 0.0)
    return emitOpError("softcap must be >= 0 (0 disables it)");
  if (getTied() && getBias())
    return emitOpError("a head tied to the embedding has no bias");
  if (failed(checkUnaryLayer(*this, getDim(), getVocab())))
    return failure();
  if (!getTied())
    return success();
  // The tied weight must be the weight of a token embedding of this model
  // with the same [vocab, dim] shape.
  auto weight = dyn_cast_or_null<StringAttr>(getParams().get("weight"));
  auto model = (*this)->getParentOfType<ModelOp>();
  if (!weight || !model)
    return success();
  bool found = false;
  model.walk([&](EmbeddingOp emb) {
    auto name = dyn_cast_or_null<StringAttr>(emb.getParams().get("weight"));
    if (name && name == weight && emb.getVocab() == getVocab() &&
        emb.getDim() == getDim())
      found = true;
  });
  if (!found)
    return emitOpError("tied head weight '")
           << weight.getValue()
           << "' is not the weight of a token embedding of shape ["
           << getVocab() << ", " << getDim() << "] in this model";
  return success();
}

//===----------------------------------------------------------------------===//
// Layer ops: parameters
//===----------------------------------------------------------------------===//

SmallVector<ParamSpec> EmbeddingOp::getParamSpecs() {
  return {{"weight", {int64_t(getVocab()), int64_t(getDim())}}};
}

SmallVector<ParamSpec> PosEmbeddingOp::getParamSpecs() {
  return {{"weight",
           {int64_t(getMaxPositions()) + int64_t(getOffset()), int64_t(getDim())}}};
}

SmallVector<ParamSpec> LayerNormOp::getParamSpecs() {
  SmallVector<ParamSpec> specs;
  if (getAffine())
    specs.push_back({"weight", {int64_t(getDim())}});
  if (getAffine() && getBias())
    specs.push_back({"bias", {int64_t(getDim())}});
  return specs;
}

SmallVector<ParamSpec> RMSNormOp::getParamSpecs() {
  return {{"weight", {int64_t(getDim())}}};
}

SmallVector<ParamSpec> LinearOp::getParamSpecs() {
  SmallVector<ParamSpec> specs;
  specs.push_back({"weight", weightShape(getOutFeatures(), getInFeatures(),
                                         getWeightLayout())});
  if (getBias())
    specs.push_back({"bias", {int64_t(getOutFeatures())}});
  return specs;
}

SmallVector<ParamSpec> AttentionOp::getParamSpecs() {
  int64_t dim = getDim(), q = getHeads() * getHeadDim(),
          kv = getKvHeads() * getHeadDim();
  StringRef layout = getWeightLayout();
  SmallVector<ParamSpec> specs;
  if (getQkvLayout() == "separate") {
    specs.push_back({"q_weight", weightShape(q, dim, layout)});
    specs.push_back({"k_weight", weightShape(kv, dim, layout)});
    specs.push_back({"v_weight", weightShape(kv, dim, layout)});
    if (getQkvBias()) {
      specs.push_back({"q_bias", {q}});
      specs.push_back({"k_bias", {kv}});
      specs.push_back({"v_bias", {kv}});
    }
  } else {
    specs.push_back({"qkv_weight", weightShape(q + 2 * kv, dim, layout)});
    if (getQkvBias())
      specs.push_back({"qkv_bias", {q + 2 * kv}});
  }
  specs.push_back({"o_weight", weightShape(dim, q, layout)});
  if (getOutBias())
    specs.push_back({"o_bias", {dim}});
  if (getQkNorm() != "none") {
    specs.push_back({"q_norm_weight", {int64_t(getHeadDim())}});
    specs.push_back({"k_norm_weight", {int64_t(getHeadDim())}});
    if (getQkNorm() == "layernorm") {
      specs.push_back({"q_norm_bias", {int64_t(getHeadDim())}});
      specs.push_back({"k_norm_bias", {int64_t(getHeadDim())}});
    }
  }
  return specs;
}

SmallVector<ParamSpec> FFNOp::getParamSpecs() {
  int64_t dim = getDim(), hidden = getHidden();
  SmallVector<ParamSpec> specs;
  specs.push_back({"up_weight", weightShape(hidden, dim, getWeightLayout())});
  if (getBias())
    specs.push_back({"up_bias", {hidden}});
  specs.push_back({"down_weight", weightShape(dim, hidden, getWeightLayout())});
  if (getBias())
    specs.push_back({"down_bias", {dim}});
  return specs;
}

SmallVector<ParamSpec> GatedFFNOp::getParamSpecs() {
  int64_t dim = getDim(), hidden = getHidden();
  SmallVector<ParamSpec> specs;
  if (getGateUpLayout() == "fused") {
    specs.push_back({"gate_up_weight", {2 * hidden, dim}});
    if (getBias())
      specs.push_back({"gate_up_bias", {2 * hidden}});
  } else {
    specs.push_back({"gate_weight", {hidden, dim}});
    specs.push_back({"up_weight", {hidden, dim}});
    if (getBias()) {
      specs.push_back({"gate_bias", {hidden}});
      specs.push_back({"up_bias", {hidden}});
    }
  }
  specs.push_back({"down_weight", {dim, hidden}});
  if (getBias())
    specs.push_back({"down_bias", {dim}});
  return specs;
}

SmallVector<ParamSpec> OutputHeadOp::getParamSpecs() {
  int64_t dim = getDim(), vocab = getVocab();
  SmallVector<ParamSpec> specs;
  if (getNorm() != "none")
    specs.push_back({"norm_weight", {dim}});
  if (getNorm() == "layernorm")
    specs.push_back({"norm_bias", {dim}});
  specs.push_back({"weight", {vocab, dim}});
  if (getBias())
    specs.push_back({"bias", {vocab}});
  return specs;
}

#define GET_OP_CLASSES
#include "olm/Dialect/OLMOps.cpp.inc"
