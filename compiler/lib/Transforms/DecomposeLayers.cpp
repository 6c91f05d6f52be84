//===- DecomposeLayers.cpp - layer ops -> olm primitives ------------------===//
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "olm/Dialect/OLMOps.h"
#include "olmc/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

#include <cmath>
#include <map>

namespace olmc {
#define GEN_PASS_DEF_DECOMPOSELAYERS
#include "olmc/Transforms/Passes.h.inc"
} // namespace olmc

using namespace mlir;
using namespace olm;

namespace {

/// One checkpoint tensor a weight is assembled from.
struct Source {
  std::string tensor;
  SmallVector<int64_t> shape;
};

enum class Init { Normal, Ones, Zeros };

/// Creates `olm.weight` values at the top of the model, one per distinct
/// assembly (sources, transpose, permute), so a tied head reuses the
/// embedding's value.
class WeightFactory {
public:
  WeightFactory(ModelOp model) : model(model) {}

  Value get(Location loc, StringRef name, ArrayRef<Source> sources,
            bool transpose, DictionaryAttr permute, Init init) {
    std::string key;
    for (const Source &s : sources)
      key += s.tensor + ";";
    key += transpose ? "T" : "";
    if (permute)
      key += "P";
    auto it = cache.find(key);
    if (it != cache.end())
      return it->second;

    OpBuilder b(model.getContext());
    Block &entry = model.getBody().front();
    b.setInsertionPoint(&entry, lastWeight ? std::next(Block::iterator(
                                                 lastWeight))
                                           : entry.begin());
    SmallVector<Attribute> srcAttrs;
    int64_t rows = 0;
    SmallVector<int64_t> rest;
    for (const Source &s : sources) {
      srcAttrs.push_back(b.getDictionaryAttr(
          {b.getNamedAttr("tensor", b.getStringAttr(s.tensor)),
           b.getNamedAttr("shape", b.getDenseI64ArrayAttr(s.shape))}));
      SmallVector<int64_t> shape(s.shape);
      if (transpose && shape.size() == 2)
        std::swap(shape[0], shape[1]);
      rows += shape[0];
      rest.assign(shape.begin() + 1, shape.end());
    }
    SmallVector<int64_t> shape{rows};
    shape.append(rest);
    SmallVector<NamedAttribute> initAttrs;
    switch (init) {
    case Init::Normal:
      initAttrs = {b.getNamedAttr("kind", b.getStringAttr("normal")),
                   b.getNamedAttr("std", b.getF64FloatAttr(0.02))};
      break;
    case Init::Ones:
      initAttrs = {b.getNamedAttr("kind", b.getStringAttr("ones"))};
      break;
    case Init::Zeros:
      initAttrs = {b.getNamedAttr("kind", b.getStringAttr("zeros"))};
      break;
    }
    // Weights hold the compute dtype (the runtime converts checkpoint
    // tensors when it loads them), like the activations.
    auto op = WeightOp::create(
        b, loc, RankedTensorType::get(shape, model.getDtype()),
        b.getStringAttr(name), b.getArrayAttr(srcAttrs),
        b.getBoolAttr(transpose), permute, b.getDictionaryAttr(initAttrs));
    lastWeight = op;
    cache[key] = op.getResult();
    return op.getResult();
  }

private:
  ModelOp model;
  Operation *lastWeight = nullptr;
  std::map<std::string, Value> cache;
};

/// Names and shapes of a layer op's parameters.
class Params {
public:
  explicit Params(LayerOpInterface layer) {
    DictionaryAttr names = layer.getParamNames();
    for (const ParamSpec &spec : layer.getParamSpecs())
      if (auto name = names.getAs<StringAttr>(spec.role))
        sources[spec.role] = Source{name.str(), spec.shape};
  }
  bool has(StringRef role) const { return sources.count(role.str()); }
  const Source &operator[](StringRef role) const {
    return sources.at(role.str());
  }
  /// The common prefix of the named roles' names, for readable weight
  /// names of fused projections ("h.0.attn.qkv").
  std::string fusedName(ArrayRef<StringRef> roles, StringRef suffix) const {
    std::string first = (*this)[roles[0]].tensor;
    size_t cut = first.rfind('.');
    if (cut != std::string::npos)
      cut = first.rfind('.', cut - 1);
    return (cut == std::string::npos ? std::string() : first.substr(0, cut + 1)) +
           suffix.str();
  }

private:
  std::map<std::string, Source> sources;
};

RankedTensorType activation(Value like, int64_t features) {
  auto t = cast<RankedTensorType>(like.getType());
  return RankedTensorType::get(
      {ShapedType::kDynamic, ShapedType::kDynamic, features},
      isa<FloatType>(t.getElementType()) ? t.getElementType()
                                         : Builder(like.getContext())
                                               .getF32Type());
}

/// RoPE inverse frequencies as transformers computes them, in float32:
/// 1 / theta^(2i/d), then Llama-3 or linear scaling.
SmallVector<float> ropeInvFreq(int64_t rotaryDim, double theta,
                               DictionaryAttr scaling) {
  SmallVector<float> inv;
  for (int64_t i = 0; i < rotaryDim; i += 2) {
    float exponent = float(i) / float(rotaryDim);
    inv.push_back(1.0f / std::pow(float(theta), exponent));
  }
  if (!scaling)
    return inv;
  auto num = [&](StringRef key) {
    auto a = scaling.getAs<FloatAttr>(key);
    return a ? float(a.getValueAsDouble()) : 1.0f;
  };
  StringRef type = scaling.getAs<StringAttr>("type").getValue();
  float factor = num("factor");
  if (type == "linear") {
    for (float &f : inv)
      f /= factor;
    return inv;
  }
  // llama3
  float low = num("low_freq_factor"), high = num("high_freq_factor");
  float old = num("original_max_positions");
  float lowWavelen = old / low, highWavelen = old / high;
  for (float &f : inv) {
    float wavelen = 2.0f * float(M_PI) / f;
    float scaled = wavelen > lowWavelen ? f / factor : f;
    float smooth = (old / wavelen - low) / (high - low);
    float smoothed = (1.0f - smooth) * scaled / factor + smooth * scaled;
    bool medium = !(wavelen < highWavelen) && !(wavelen > lowWavelen);
    f = medium ? smoothed : scaled;
  }
  return inv;
}

class Decomposer {
public:
  Decomposer(ModelOp model) : weights(model) {}

  LogicalResult run(Operation *op) {
    OpBuilder b(op);
    Value result;
    if (auto e = dyn_cast<EmbeddingOp>(op))
      result = embedding(b, e);
    else if (auto p = dyn_cast<PosEmbeddingOp>(op))
      result = posEmbedding(b, p);
    else if (auto n = dyn_cast<LayerNormOp>(op))
      result = layerNorm(b, n.getLoc(), n.getInput(), Params(n), "weight",
                         "bias", n.getEps().convertToDouble());
    else if (auto n = dyn_cast<RMSNormOp>(op))
      result = rmsNorm(b, n.getLoc(), n.getInput(), Params(n), "weight",
                       n.getEps().convertToDouble(),
                       n.getWeightOffset().convertToDouble());
    else if (auto l = dyn_cast<LinearOp>(op))
      result = linear(b, l);
    else if (auto a = dyn_cast<AttentionOp>(op))
      result = attention(b, a);
    else if (auto f = dyn_cast<FFNOp>(op))
      result = ffn(b, f);
    else if (auto g = dyn_cast<GatedFFNOp>(op))
      result = gatedFFN(b, g);
    else if (auto h = dyn_cast<OutputHeadOp>(op))
      result = outputHead(b, h);
    else if (auto p = dyn_cast<ParamOp>(op))
      result = weight(p.getLoc(), Params(p)["value"], false,
                      p.getInit() == "ones"    ? Init::Ones
                      : p.getInit() == "zeros" ? Init::Zeros
                                               : Init::Normal);
    else
      return op->emitOpError("has no decomposition");
    op->getResult(0).replaceAllUsesWith(result);
    op->erase();
    return success();
  }

private:
  WeightFactory weights;
  int64_t attentionLayers = 0;

  Value weight(Location loc, const Source &s, bool transpose, Init init) {
    return weights.get(loc, s.tensor, {s}, transpose, nullptr, init);
  }

  Value embedding(OpBuilder &b, EmbeddingOp op) {
    Params p(op);
    Value table = weight(op.getLoc(), p["weight"], false, Init::Normal);
    return EmbedLookupOp::create(b, op.getLoc(), op.getResult().getType(),
                                 op.getInput(), table, op.getScaleAttr());
  }

  Value posEmbedding(OpBuilder &b, PosEmbeddingOp op) {
    Params p(op);
    Value table = weight(op.getLoc(), p["weight"], false, Init::Normal);
    return PosAddOp::create(b, op.getLoc(), op.getResult().getType(),
                            op.getInput(), table, op.getOffsetAttr());
  }

  Value layerNorm(OpBuilder &b, Location loc, Value x, const Params &p,
                  StringRef w, StringRef bias, double eps) {
    SmallVector<Value> affine;
    if (p.has(w))
      affine.push_back(weight(loc, p[w], false, Init::Ones));
    if (p.has(bias))
      affine.push_back(weight(loc, p[bias], false, Init::Zeros));
    return LayerNormPrimOp::create(b, loc, x.getType(), x, affine,
                                   b.getF64FloatAttr(eps));
  }

  Value rmsNorm(OpBuilder &b, Location loc, Value x, const Params &p,
                StringRef w, double eps, double offset) {
    Value weightValue =
        weight(loc, p[w], false, offset != 0.0 ? Init::Zeros : Init::Ones);
    return RMSNormPrimOp::create(b, loc, x.getType(), x, weightValue,
                                 b.getF64FloatAttr(eps),
                                 b.getF64FloatAttr(offset));
  }

  Value matmul(OpBuilder &b, Location loc, Value x, Value w, Value bias) {
    int64_t n = cast<RankedTensorType>(w.getType()).getDimSize(0);
    return MatmulOp::create(b, loc, activation(x, n), x, w, bias,
                            /*residual=*/Value(), /*activation=*/StringAttr(),
                            /*gated=*/false, /*norm=*/Value(),
                            /*norm_eps=*/FloatAttr(),
                            /*norm_offset=*/llvm::APFloat(0.0),
                            /*layer_norm=*/false, /*norm_bias=*/Value());
  }

  Value linear(OpBuilder &b, LinearOp op) {
    Params p(op);
    bool t = op.getWeightLayout() == "in_out";
    Value w = weight(op.getLoc(), p["weight"], t, Init::Normal);
    Value bias = p.has("bias")
                     ? weight(op.getLoc(), p["bias"], false, Init::Zeros)
                     : Value();
    return matmul(b, op.getLoc(), op.getInput(), w, bias);
  }

  Value attention(OpBuilder &b, AttentionOp op) {
    Location loc = op.getLoc();
    Params p(op);
    bool t = op.getWeightLayout() == "in_out";
    int64_t heads = op.getHeads(), kvHeads = op.getKvHeads(),
            headDim = op.getHeadDim();
    DictionaryAttr permute;
    if (op.getQkvLayout() == "fused_per_head")
      permute = b.getDictionaryAttr(
          {b.getNamedAttr("kind", b.getStringAttr("qkv_per_head")),
           b.getNamedAttr("heads", b.getI64IntegerAttr(heads)),
           b.getNamedAttr("head_dim", b.getI64IntegerAttr(headDim))});
    Value wqkv, bqkv;
    if (op.getQkvLayout() == "separate") {
      wqkv = weights.get(loc, p.fusedName({"q_weight"}, "qkv.weight"),
                         {p["q_weight"], p["k_weight"], p["v_weight"]}, t,
                         nullptr, Init::Normal);
      if (p.has("q_bias"))
        bqkv = weights.get(loc, p.fusedName({"q_bias"}, "qkv.bias"),
                           {p["q_bias"], p["k_bias"], p["v_bias"]}, false,
                           nullptr, Init::Zeros);
    } else {
      wqkv = weights.get(loc, p["qkv_weight"].tensor, {p["qkv_weight"]}, t,
                         permute, Init::Normal);
      if (p.has("qkv_bias"))
        bqkv = weights.get(loc, p["qkv_bias"].tensor, {p["qkv_bias"]}, false,
                           permute, Init::Zeros);
    }
    Value qkv = matmul(b, loc, op.getInput(), wqkv, bqkv);

    SmallVector<Value> norms;
    Init normInit = Init::Ones;
    for (StringRef role :
         {"q_norm_weight", "k_norm_weight", "q_norm_bias", "k_norm_bias"}) {
      if (p.has(role))
        norms.push_back(weight(loc, p[role], false, normInit));
      if (role == "k_norm_weight")
        normInit = Init::Zeros;
    }

    int64_t rotary = 0;
    SmallVector<float> invFreq;
    if (auto theta = op.getRopeTheta()) {
      rotary = int64_t(headDim * op.getRopeFraction().convertToDouble());
      invFreq = ropeInvFreq(rotary, theta->convertToDouble(),
                            op.getRopeScaling().value_or(DictionaryAttr()));
    }
    double scale = op.getScale() ? op.getScale()->convertToDouble()
                                 : 1.0 / std::sqrt(double(headDim));
    Value core = AttentionCoreOp::create(
        b, loc, activation(qkv, heads * headDim), qkv, norms,
        b.getI64IntegerAttr(attentionLayers++), b.getI64IntegerAttr(heads),
        b.getI64IntegerAttr(kvHeads), b.getI64IntegerAttr(headDim),
        b.getI64IntegerAttr(rotary),
        b.getBoolAttr(op.getRopeLayout() == "interleaved"),
        b.getI64IntegerAttr(op.getSlidingWindow()),
        b.getBoolAttr(op.getCausal()), b.getF64FloatAttr(scale),
        op.getSoftcapAttr(), op.getQkNormAttr(), op.getQkNormEpsAttr(),
        b.getDenseF32ArrayAttr(invFreq));
    Value wo = weight(loc, p["o_weight"], t, Init::Normal);
    Value bo = p.has("o_bias") ? weight(loc, p["o_bias"], false, Init::Zeros)
                               : Value();
    return matmul(b, loc, core, wo, bo);
  }

  Value ffn(OpBuilder &b, FFNOp op) {
    Location loc = op.getLoc();
    Params p(op);
    bool t = op.getWeightLayout() == "in_out";
    Value up = weight(loc, p["up_weight"], t, Init::Normal);
    Value upBias = p.has("up_bias")
                       ? weight(loc, p["up_bias"], false, Init::Zeros)
                       : Value();
    Value h = matmul(b, loc, op.getInput(), up, upBias);
    h = ActOp::create(b, loc, h.getType(), h, op.getActivationAttr());
    Value down = weight(loc, p["down_weight"], t, Init::Normal);
    Value downBias = p.has("down_bias")
                         ? weight(loc, p["down_bias"], false, Init::Zeros)
                         : Value();
    return matmul(b, loc, h, down, downBias);
  }

  Value gatedFFN(OpBuilder &b, GatedFFNOp op) {
    Location loc = op.getLoc();
    Params p(op);
    Value gu, guBias;
    if (op.getGateUpLayout() == "fused") {
      gu = weight(loc, p["gate_up_weight"], false, Init::Normal);
      if (p.has("gate_up_bias"))
        guBias = weight(loc, p["gate_up_bias"], false, Init::Zeros);
    } else {
      gu = weights.get(loc, p.fusedName({"gate_weight"}, "gate_up.weight"),
                       {p["gate_weight"], p["up_weight"]}, false, nullptr,
                       Init::Normal);
      if (p.has("gate_bias"))
        guBias = weights.get(loc, p.fusedName({"gate_bias"}, "gate_up.bias"),
                             {p["gate_bias"], p["up_bias"]}, false, nullptr,
                             Init::Zeros);
    }
    Value h = matmul(b, loc, op.getInput(), gu, guBias);
    h = GatedActOp::create(b, loc, activation(h, op.getHidden()), h,
                           op.getActivationAttr());
    Value down = weight(loc, p["down_weight"], false, Init::Normal);
    Value downBias = p.has("down_bias")
                         ? weight(loc, p["down_bias"], false, Init::Zeros)
                         : Value();
    return matmul(b, loc, h, down, downBias);
  }

  Value outputHead(OpBuilder &b, OutputHeadOp op) {
    Location loc = op.getLoc();
    Params p(op);
    Value x = op.getInput();
    double eps = op.getNormEps().convertToDouble();
    if (op.getNorm() == "layernorm")
      x = layerNorm(b, loc, x, p, "norm_weight", "norm_bias", eps);
    else if (op.getNorm() == "rmsnorm")
      x = rmsNorm(b, loc, x, p, "norm_weight", eps, 0.0);
    Value w = weight(loc, p["weight"], false, Init::Normal);
    Value bias = p.has("bias") ? weight(loc, p["bias"], false, Init::Zeros)
                               : Value();
    Value logits = matmul(b, loc, x, w, bias);
    if (op.getSoftcap().convertToDouble() > 0)
      logits = SoftcapOp::create(b, loc, logits.getType(), logits,
                                 op.getSoftcapAttr());
    return logits;
  }
};

struct DecomposeLayersPass
    : olmc::impl::DecomposeLayersBase<DecomposeLayersPass> {
  void runOnOperation() override {
    ModelOp model = getOperation();
    bool structured = false;
    model.walk([&](CombinatorOpInterface op) {
      op->emitError("run olm-lower-combinators before olm-decompose-layers");
      structured = true;
    });
    if (structured)
      return signalPassFailure();
    SmallVector<Operation *> layers;
    model.walk([&](LayerOpInterface op) { layers.push_back(op); });
    Decomposer decomposer(model);
    for (Operation *op : layers)
      if (failed(decomposer.run(op)))
        return signalPassFailure();
  }
};

} // namespace
