//===- LayerEmitter.cpp - YAML layer nodes -> olm layer ops ---------------===//
//
// Each layer kind is described by a table of options (YAML key, attribute,
// type, required). Optional options left out of the YAML are left out of
// the op too, so the defaults live in one place: the op's ODS definition.
// Parameter roles come from the op itself (LayerOpInterface), so the
// frontend and the dialect cannot disagree about which weights exist.
//
//===----------------------------------------------------------------------===//
#include "Emitter.h"

#include "olm/Dialect/OLMOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OperationSupport.h"
#include "llvm/ADT/StringExtras.h"

#include <map>

using namespace mlir;
using namespace llvm;

namespace olmc {
namespace {

enum class OptType { Dim, Int, NonNegInt, Float, Bool, Choice };

struct OptSpec {
  std::string key;  // YAML key
  std::string attr; // attribute name on the op ("" = handled specially)
  OptType type;
  bool required = false;
  std::vector<std::string> choices = {};
};

struct LayerSpec {
  std::string opName;
  std::vector<OptSpec> options;
  /// The option whose value is the output feature count.
  std::string outFeatures;
  /// Fixed attributes (swiglu/geglu set the activation).
  std::map<std::string, std::string> fixedStrings = {};
};

const std::vector<std::string> kActivations = {"gelu", "gelu_tanh", "relu",
                                               "silu"};
const std::vector<std::string> kWeightLayouts = {"out_in", "in_out"};

std::vector<OptSpec> gatedOptions(bool withActivation) {
  std::vector<OptSpec> opts = {
      {"dim", "dim", OptType::Dim, true},
      {"hidden", "hidden", OptType::Dim, true},
      {"bias", "bias", OptType::Bool},
      {"gate_up_layout", "gate_up_layout", OptType::Choice, false,
       {"separate", "fused"}}};
  if (withActivation)
    opts.push_back({"activation", "activation", OptType::Choice, false,
                    {"gelu", "gelu_tanh", "silu"}});
  return opts;
}

const std::map<std::string, LayerSpec> &layerSpecs() {
  static const std::map<std::string, LayerSpec> specs = {
      {"embedding",
       {"olm.embedding",
        {{"vocab", "vocab", OptType::Dim, true},
         {"dim", "dim", OptType::Dim, true},
         {"scale", "scale", OptType::Float}},
        "dim"}},
      {"pos_embedding",
       {"olm.pos_embedding",
        {{"max_positions", "max_positions", OptType::Dim, true},
         {"dim", "dim", OptType::Dim, true},
         {"offset", "offset", OptType::NonNegInt}},
        "dim"}},
      {"layernorm",
       {"olm.layernorm",
        {{"dim", "dim", OptType::Dim, true},
         {"eps", "eps", OptType::Float},
         {"affine", "affine", OptType::Bool},
         {"bias", "bias", OptType::Bool}},
        "dim"}},
      {"rmsnorm",
       {"olm.rmsnorm",
        {{"dim", "dim", OptType::Dim, true},
         {"eps", "eps", OptType::Float},
         {"weight_offset", "weight_offset", OptType::Float}},
        "dim"}},
      {"linear",
       {"olm.linear",
        {{"in", "in_features", OptType::Dim, true},
         {"out", "out_features", OptType::Dim, true},
         {"bias", "bias", OptType::Bool},
         {"weight_layout", "weight_layout", OptType::Choice, false,
          kWeightLayouts}},
        "out"}},
      {"attention",
       {"olm.attention",
        {{"dim", "dim", OptType::Dim, true},
         {"heads", "heads", OptType::Dim, true},
         {"kv_heads", "", OptType::Dim},
         {"head_dim", "", OptType::Dim},
         {"causal", "causal", OptType::Bool},
         {"qkv_bias", "qkv_bias", OptType::Bool},
         {"out_bias", "out_bias", OptType::Bool},
         {"rope", "", OptType::Bool},
         {"qk_norm", "qk_norm", OptType::Choice, false,
          {"none", "rmsnorm", "layernorm"}},
         {"qk_norm_eps", "qk_norm_eps", OptType::Float},
         {"softcap", "softcap", OptType::Float},
         {"sliding_window", "sliding_window", OptType::NonNegInt},
         {"scale", "scale", OptType::Float},
         {"qkv_layout", "qkv_layout", OptType::Choice, false,
          {"separate", "fused", "fused_per_head"}},
         {"weight_layout", "weight_layout", OptType::Choice, false,
          kWeightLayouts}},
        "dim"}},
      {"ffn",
       {"olm.ffn",
        {{"dim", "dim", OptType::Dim, true},
         {"hidden", "hidden", OptType::Dim, true},
         {"activation", "activation", OptType::Choice, false, kActivations},
         {"bias", "bias", OptType::Bool},
         {"weight_layout", "weight_layout", OptType::Choice, false,
          kWeightLayouts}},
        "dim"}},
      {"gated_ffn", {"olm.gated_ffn", gatedOptions(true), "dim"}},
      {"swiglu",
       {"olm.gated_ffn", gatedOptions(false), "dim", {{"activation", "silu"}}}},
      {"geglu",
       {"olm.gated_ffn",
        gatedOptions(false),
        "dim",
        {{"activation", "gelu_tanh"}}}},
      {"output_head",
       {"olm.output_head",
        {{"dim", "dim", OptType::Dim, true},
         {"vocab", "vocab", OptType::Dim, true},
         {"tied", "tied", OptType::Bool},
         {"norm", "norm", OptType::Choice, false,
          {"none", "layernorm", "rmsnorm"}},
         {"norm_eps", "norm_eps", OptType::Float},
         {"softcap", "softcap", OptType::Float},
         {"bias", "bias", OptType::Bool}},
        "vocab"}},
  };
  return specs;
}

/// Default checkpoint-relative names of parameter roles. Roles not listed
/// use their own name (weight, bias).
const std::map<std::string, std::string> &defaultLocalNames() {
  static const std::map<std::string, std::string> names = {
      {"q_weight", "q_proj.weight"},
      {"k_weight", "k_proj.weight"},
      {"v_weight", "v_proj.weight"},
      {"q_bias", "q_proj.bias"},
      {"k_bias", "k_proj.bias"},
      {"v_bias", "v_proj.bias"},
      {"qkv_weight", "qkv_proj.weight"},
      {"qkv_bias", "qkv_proj.bias"},
      {"o_weight", "o_proj.weight"},
      {"o_bias", "o_proj.bias"},
      {"q_norm_weight", "q_norm.weight"},
      {"k_norm_weight", "k_norm.weight"},
      {"q_norm_bias", "q_norm.bias"},
      {"k_norm_bias", "k_norm.bias"},
      {"up_weight", "up_proj.weight"},
      {"up_bias", "up_proj.bias"},
      {"down_weight", "down_proj.weight"},
      {"down_bias", "down_proj.bias"},
      {"gate_weight", "gate_proj.weight"},
      {"gate_bias", "gate_proj.bias"},
      {"gate_up_weight", "gate_up_proj.weight"},
      {"gate_up_bias", "gate_up_proj.bias"},
      {"norm_weight", "norm.weight"},
      {"norm_bias", "norm.bias"},
  };
  return names;
}

/// Checks a parameter name (or path component) written by the user.
bool checkNameText(SourceInfo &src, const YAML::Node &node, StringRef name) {
  if (name.empty() || name.starts_with(".") || name.ends_with(".") ||
      name.contains("..")) {
    src.error(node) << "'" << name
                    << "' is not a valid name: expected dot-separated "
                       "components such as 'model.layers'";
    return false;
  }
  for (char c : name)
    if (!(isAlnum(c) || c == '_' || c == '.' || c == '-' || c == '{' ||
          c == '}' || c == '*' || c == '+' || c == ' ')) {
      src.error(node) << "'" << name << "' is not a valid name: character '"
                      << c << "' is not allowed";
      return false;
    }
  std::string out, error;
  if (!olm::substituteParamName(name, {}, out, error)) {
    src.error(node) << error;
    return false;
  }
  return true;
}

class LayerEmitter {
public:
  LayerEmitter(EmitState &st, StringRef kind, const YAML::Node &kindKey,
               const YAML::Node &options, const NodeContext &nc)
      : st(st), src(st.src), kind(kind.str()), kindKey(kindKey),
        spec(layerSpecs().at(kind.str())),
        reader(src, options, *nc.scope, "'" + kind.str() + "'", kindKey),
        nc(nc) {}

  FailureOr<Value> emit(Value input) {
    std::vector<std::string> allowed = {"name", "weights"};
    for (const OptSpec &o : spec.options)
      allowed.push_back(o.key);
    if (failed(reader.checkKeys(allowed)))
      return failure();

    NamedAttrList attrs;
    for (const OptSpec &o : spec.options) {
      if (!reader.has(o.key)) {
        if (o.required && o.attr != "")
          return reader.missing(o.key);
        continue;
      }
      if (o.attr.empty())
        continue; // handled below
      std::optional<Attribute> attr = readOption(o);
      if (!attr)
        return failure();
      attrs.set(o.attr, *attr);
    }
    for (auto &[attr, value] : spec.fixedStrings)
      attrs.set(attr, b().getStringAttr(value));
    if (kind == "attention" && failed(attentionOptions(attrs)))
      return failure();

    auto outAttr =
        dyn_cast_or_null<IntegerAttr>(attrs.get(attrForKey(spec.outFeatures)));
    if (!outAttr)
      return reader.missing(spec.outFeatures);

    std::string path = nc.path;
    if (reader.has("name")) {
      std::optional<std::string> name = reader.getString("name");
      if (!name || !checkNameText(src, reader.node("name"), *name))
        return failure();
      path = nc.child(*name);
    }

    attrs.set("params", b().getDictionaryAttr({}));
    OperationState state(src.loc(kindKey), spec.opName);
    state.addOperands(input);
    state.addTypes(activationType(st, outAttr.getInt()));
    state.addAttributes(attrs);
    Operation *op = b().create(state);
    if (failed(nameParameters(op, path)))
      return failure();
    return op->getResult(0);
  }

private:
  EmitState &st;
  SourceInfo &src;
  std::string kind;
  YAML::Node kindKey;
  const LayerSpec &spec;
  OptionReader reader;
  const NodeContext &nc;

  OpBuilder &b() { return st.builder; }

  std::string attrForKey(StringRef key) {
    for (const OptSpec &o : spec.options)
      if (o.key == key)
        return o.attr;
    return "";
  }

  std::optional<Attribute> readOption(const OptSpec &o) {
    switch (o.type) {
    case OptType::Dim:
      if (auto v = reader.getInt(o.key, 1, src.limits.maxDim))
        return b().getI64IntegerAttr(*v);
      return std::nullopt;
    case OptType::Int:
      if (auto v = reader.getInt(o.key, INT64_MIN, INT64_MAX))
        return b().getI64IntegerAttr(*v);
      return std::nullopt;
    case OptType::NonNegInt:
      if (auto v = reader.getInt(o.key, 0, src.limits.maxDim))
        return b().getI64IntegerAttr(*v);
      return std::nullopt;
    case OptType::Float:
      if (auto v = reader.getFloat(o.key))
        return b().getF64FloatAttr(*v);
      return std::nullopt;
    case OptType::Bool:
      if (auto v = reader.getBool(o.key))
        return b().getBoolAttr(*v);
      return std::nullopt;
    case OptType::Choice:
      if (auto v = reader.getChoice(o.key, o.choices))
        return b().getStringAttr(*v);
      return std::nullopt;
    }
    return std::nullopt;
  }

  /// kv_heads and head_dim default from heads and dim; rope is a map.
  LogicalResult attentionOptions(NamedAttrList &attrs) {
    auto intAttr = [&](StringRef name) {
      return cast<IntegerAttr>(attrs.get(name)).getInt();
    };
    int64_t dim = intAttr("dim"), heads = intAttr("heads");
    int64_t kvHeads = heads;
    if (reader.has("kv_heads")) {
      auto v = reader.getInt("kv_heads", 1, src.limits.maxDim);
      if (!v)
        return failure();
      kvHeads = *v;
    }
    int64_t headDim;
    if (reader.has("head_dim")) {
      auto v = reader.getInt("head_dim", 1, src.limits.maxDim);
      if (!v)
        return failure();
      headDim = *v;
    } else {
      if (dim % heads != 0) {
        src.error(reader.node("heads"))
            << "heads (" << heads << ") must divide dim (" << dim
            << ") unless head_dim is given";
        return failure();
      }
      headDim = dim / heads;
    }
    attrs.set("kv_heads", b().getI64IntegerAttr(kvHeads));
    attrs.set("head_dim", b().getI64IntegerAttr(headDim));
    if (!reader.has("rope"))
      return success();

    YAML::Node ropeNode = reader.node("rope");
    if (ropeNode.IsScalar()) {
      std::optional<HValue> v = evaluateNode(src, ropeNode, *nc.scope);
      if (!v)
        return failure();
      if (v->kind == HValue::Kind::Bool && !v->b)
        return success();
      if (v->kind != HValue::Kind::Bool) {
        src.error(ropeNode) << "option 'rope' of 'attention' expects a "
                               "mapping (theta, layout, fraction, scaling) "
                               "or true/false, got "
                            << v->describeKind() << " " << v->str();
        return failure();
      }
      attrs.set("rope_theta", b().getF64FloatAttr(10000.0));
      return success();
    }
    OptionReader rope(src, ropeNode, *nc.scope, "'rope'", reader.keyNode("rope"));
    if (failed(rope.checkKeys({"theta", "layout", "fraction", "scaling"})))
      return failure();
    double theta = 10000.0;
    if (rope.has("theta")) {
      auto v = rope.getFloat("theta");
      if (!v)
        return failure();
      theta = *v;
    }
    attrs.set("rope_theta", b().getF64FloatAttr(theta));
    if (rope.has("layout")) {
      auto v = rope.getChoice("layout", {"half", "interleaved"});
      if (!v)
        return failure();
      attrs.set("rope_layout", b().getStringAttr(*v));
    }
    if (rope.has("fraction")) {
      auto v = rope.getFloat("fraction");
      if (!v)
        return failure();
      attrs.set("rope_fraction", b().getF64FloatAttr(*v));
    }
    if (rope.has("scaling")) {
      FailureOr<DictionaryAttr> scaling = ropeScaling(rope.node("scaling"));
      if (failed(scaling))
        return failure();
      attrs.set("rope_scaling", *scaling);
    }
    return success();
  }

  FailureOr<DictionaryAttr> ropeScaling(const YAML::Node &node) {
    OptionReader r(src, node, *nc.scope, "'rope.scaling'", node);
    if (failed(r.checkKeys({"type", "factor", "low_freq_factor",
                            "high_freq_factor", "original_max_positions"})))
      return failure();
    if (!r.has("type"))
      return r.missing("type");
    auto type = r.getChoice("type", {"llama3", "linear"});
    if (!type)
      return failure();
    SmallVector<NamedAttribute> entries;
    entries.push_back(b().getNamedAttr("type", b().getStringAttr(*type)));
    std::vector<std::string> needed = {"factor"};
    if (*type == "llama3")
      needed = {"factor", "low_freq_factor", "high_freq_factor",
                "original_max_positions"};
    for (const std::string &key : needed) {
      if (!r.has(key))
        return r.missing(key);
      auto v = r.getFloat(key);
      if (!v)
        return failure();
      if (!(*v > 0)) {
        src.error(r.node(key)) << "'" << key << "' must be > 0";
        return failure();
      }
      entries.push_back(b().getNamedAttr(key, b().getF64FloatAttr(*v)));
    }
    return b().getDictionaryAttr(entries);
  }

  /// Names every parameter the op calls for: default local names under the
  /// node's path, `weights:` overrides, and the embedding for tied heads.
  LogicalResult nameParameters(Operation *op, const std::string &path) {
    auto layer = cast<olm::LayerOpInterface>(op);
    SmallVector<olm::ParamSpec> specs = layer.getParamSpecs();
    std::vector<std::string> roles;
    for (const olm::ParamSpec &s : specs)
      roles.push_back(s.role);

    std::map<std::string, std::string> overrides;
    if (reader.has("weights")) {
      YAML::Node w = reader.node("weights");
      if (!w.IsMap()) {
        src.error(w) << "'weights' expects a mapping of parameter role to "
                        "name (roles here: "
                     << joinNames(roles) << ")";
        return failure();
      }
      for (auto it = w.begin(); it != w.end(); ++it) {
        if (!src.visit(it->first))
          return failure();
        std::string role = it->first.IsScalar() ? it->first.Scalar() : "";
        if (!llvm::is_contained(roles, role)) {
          src.error(it->first)
              << "'" << kind << "' has no parameter '" << role
              << "' with these options" << didYouMean(role, roles)
              << " (parameters: " << joinNames(roles) << ")";
          return failure();
        }
        std::optional<HValue> v = evaluateNode(src, it->second, *nc.scope);
        if (!v)
          return failure();
        if (v->kind != HValue::Kind::String) {
          src.error(it->second) << "parameter name must be a string, got "
                                << v->describeKind() << " " << v->str();
          return failure();
        }
        StringRef text = v->s;
        if (!checkNameText(src, it->second, text.ltrim('/')))
          return failure();
        overrides[role] = v->s;
      }
    }

    bool tied = false;
    if (auto t = op->getAttrOfType<BoolAttr>("tied"))
      tied = t.getValue();

    SmallVector<NamedAttribute> names;
    for (const olm::ParamSpec &s : specs) {
      int64_t elements = 1;
      for (int64_t d : s.shape)
        if (d <= 0 || __builtin_mul_overflow(elements, d, &elements) ||
            elements > src.limits.maxParamElements) {
          src.error(kindKey) << "parameter '" << s.role << "' of '" << kind
                             << "' would have more than "
                             << src.limits.maxParamElements << " elements";
          return failure();
        }
      std::string full;
      if (tied && s.role == "weight") {
        if (overrides.count("weight")) {
          src.error(reader.keyNode("weights"))
              << "a tied output head uses the embedding's weight; remove "
                 "'weight' from 'weights' or set tied: false";
          return failure();
        }
        if (!st.embeddingWeight) {
          src.error(kindKey) << "a tied output head needs a token "
                                "'embedding' earlier in the model";
          return failure();
        }
        full = *st.embeddingWeight;
      } else if (auto it = overrides.find(s.role); it != overrides.end()) {
        StringRef text = it->second;
        full = text.starts_with("/") ? text.drop_front().str()
                                     : NodeContext{path}.child(text);
      } else {
        auto local = defaultLocalNames().find(s.role);
        full = NodeContext{path}.child(
            local == defaultLocalNames().end() ? s.role : local->second);
      }
      names.push_back(b().getNamedAttr(s.role, b().getStringAttr(full)));
    }
    op->setAttr("params", b().getDictionaryAttr(names));
    if (kind == "embedding" && !st.embeddingWeight)
      for (NamedAttribute n : names)
        if (n.getName() == "weight")
          st.embeddingWeight = cast<StringAttr>(n.getValue()).str();
    return success();
  }
};

} // namespace

const std::vector<std::string> &layerKinds() {
  static const std::vector<std::string> kinds = [] {
    std::vector<std::string> k;
    for (auto &entry : layerSpecs())
      k.push_back(entry.first);
    return k;
  }();
  return kinds;
}

bool isLayerKind(StringRef kind) { return layerSpecs().count(kind.str()); }

RankedTensorType activationType(EmitState &st, int64_t features) {
  return RankedTensorType::get(
      {ShapedType::kDynamic, ShapedType::kDynamic, features}, st.dtype);
}

FailureOr<Value> emitLayer(EmitState &st, StringRef kind,
                           const YAML::Node &kindKey,
                           const YAML::Node &options, Value input,
                           const NodeContext &nc) {
  return LayerEmitter(st, kind, kindKey, options, nc).emit(input);
}

} // namespace olmc
