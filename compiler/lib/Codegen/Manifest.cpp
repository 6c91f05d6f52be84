//===- Manifest.cpp - the artifact manifest of a planned model ------------===//
#include "olm/Dialect/OLMOps.h"
#include "olmc/Codegen/CpuCodegen.h"
#include "olmc/Codegen/CudaCodegen.h"
#include "olmc/Codegen/LogitsLayout.h"
#include "olmrt/GeneratedABI.h"

#include <set>

using namespace mlir;
using json = nlohmann::json;

namespace olmc {
namespace {

json toJson(Attribute attr) {
  if (auto s = dyn_cast<StringAttr>(attr))
    return s.str();
  if (auto i = dyn_cast<IntegerAttr>(attr))
    return i.getInt();
  if (auto f = dyn_cast<FloatAttr>(attr))
    return f.getValueAsDouble();
  if (auto b = dyn_cast<BoolAttr>(attr))
    return b.getValue();
  if (auto a = dyn_cast<DenseI64ArrayAttr>(attr))
    return json(std::vector<int64_t>(a.asArrayRef().begin(),
                                     a.asArrayRef().end()));
  if (auto d = dyn_cast<DictionaryAttr>(attr)) {
    json o = json::object();
    for (NamedAttribute n : d)
      o[n.getName().str()] = toJson(n.getValue());
    return o;
  }
  if (auto a = dyn_cast<ArrayAttr>(attr)) {
    json o = json::array();
    for (Attribute e : a)
      o.push_back(toJson(e));
    return o;
  }
  return nullptr;
}

int64_t intAttr(Operation *op, StringRef name) {
  auto a = op->getAttrOfType<IntegerAttr>(name);
  return a ? a.getInt() : 0;
}

} // namespace

json buildManifest(ModuleOp planned, const CpuTarget &target,
                   const CudaTarget *device, const std::string &olmcVersion) {
  auto model = *planned.getOps<olm::ModelOp>().begin();
  Block &body = model.getBody().front();
  Value result = cast<olm::YieldOp>(body.getTerminator()).getValues()[0];
  auto logits = cast<RankedTensorType>(result.getType());

  json m;
  m["olmc_version"] = olmcVersion;
  m["abi_version"] = kOlmxAbiVersion;
  std::string dtype;
  llvm::raw_string_ostream(dtype) << model.getDtype();
  m["model"] = {{"name", model.getSymName().str()},
                {"dtype", dtype},
                {"vocab", logits.getDimSize(2)},
                {"logits_row_stride", logitsRowStride(result, device)},
                {"max_seq", intAttr(model, "olm.max_seq")},
                {"max_batch", intAttr(model, "olm.max_batch")}};
  if (device)
    m["target"] = {{"kind", "cuda"},        {"arch", device->arch},
                   {"triple", target.triple}, {"cpu", target.cpu}};
  else
    m["target"] = {{"kind", "cpu"}, {"triple", target.triple},
                   {"cpu", target.cpu}};
  int64_t elementBytes = model.getDtype().getIntOrFloatBitWidth() / 8;
  // Kernels are named as the generated code calls them: olmk_* on the CPU
  // (CpuKernels.h), olmg_* on the GPU (CudaKernels.h).
  std::string prefix = device ? "olmg_" : "olmk_";
  m["entry_points"] = json::array(
      {{{"name", "prefill"}, {"symbol", "olmx_prefill"}},
       {{"name", "decode"}, {"symbol", "olmx_decode"}, {"seq", 1}}});

  json weights = json::array();
  for (olm::WeightOp w : body.getOps<olm::WeightOp>()) {
    auto type = cast<RankedTensorType>(w.getResult().getType());
    json entry = {{"name", w.getName().str()},
                  {"shape", std::vector<int64_t>(type.getShape().begin(),
                                                 type.getShape().end())},
                  {"sources", toJson(w.getSources())},
                  {"transpose", w.getTranspose()},
                  {"permute", w.getPermute() ? toJson(*w.getPermute())
                                             : json(nullptr)},
                  {"init", toJson(w.getInit())}};
    weights.push_back(entry);
  }
  m["weights"] = weights;

  json buffers = json::array();
  std::set<std::string> kernels;
  for (Operation &op : body) {
    if (auto offset = op.getAttrOfType<IntegerAttr>("olm.offset")) {
      auto type = cast<RankedTensorType>(op.getResult(0).getType());
      int64_t rows = intAttr(model, "olm.max_seq") *
                     intAttr(model, "olm.max_batch");
      int64_t bytes =
          (rows * type.getDimSize(2) * elementBytes + 63) / 64 * 64;
      buffers.push_back({{"op", op.getName().getStringRef().str()},
                         {"offset", offset.getInt()},
                         {"bytes", bytes},
                         {"features", type.getDimSize(2)}});
    }
    llvm::StringRef name = op.getName().getStringRef();
    if (auto m = dyn_cast<olm::MatmulOp>(op))
      kernels.insert(prefix + (m.getLayerNorm() ? "matmul_layernorm"
                               : m.getNorm()    ? "matmul_norm"
                               : m.getGated()   ? "matmul_gated"
                                                : "matmul"));
    else if (name == "olm.attention_core")
      kernels.insert(prefix + "attention");
    else if (name == "olm.rms_norm")
      kernels.insert(prefix + "rmsnorm");
    else if (name == "olm.layer_norm")
      kernels.insert(prefix + "layernorm");
    else if (name == "olm.embed_lookup")
      kernels.insert(prefix + "embedding");
    else if (name == "olm.pos_add")
      kernels.insert(prefix + "pos_embedding_add");
    else if (name == "olm.act")
      kernels.insert(prefix + "activation");
    else if (name == "olm.gated_act")
      kernels.insert(prefix + "gated_activation");
    else if (name == "olm.softcap")
      kernels.insert(prefix + "softcap");
    // The CPU does these in loops of its own code; the GPU in the backend.
    else if (device && name == "arith.addf")
      kernels.insert("olmg_add");
    else if (device && name == "arith.mulf")
      kernels.insert("olmg_scale");
    else if (device && name == "tensor.concat")
      kernels.insert("olmg_copy_columns");
    else if (device && name == "olm.fused")
      kernels.insert("olmg_launch");
  }
  m["memory"] = {{"arena_bytes", intAttr(model, "olm.arena_bytes")},
                 {"rows", intAttr(model, "olm.max_seq") *
                              intAttr(model, "olm.max_batch")},
                 {"buffers", buffers},
                 {"kv_cache_bytes", intAttr(model, "olm.kv_bytes")},
                 {"kv_layers", toJson(model->getAttr("olm.kv_layers"))}};
  m["kernels"] = std::vector<std::string>(kernels.begin(), kernels.end());
  return m;
}

} // namespace olmc
