//===- Manifest.cpp - Parse the manifest of an artifact -------------------===//
//
// Field by field, in the order of docs/artifact-format.md. The ABI version
// is checked first: a manifest written for another ABI may use another
// schema, and "recompile" is the useful message then, not a missing field.
// Checks that relate several fields live in ManifestChecks.cpp.
//
//===----------------------------------------------------------------------===//

#include "JsonFields.h"
#include "ManifestChecks.h"

#include "olmrt/Artifact.h"
#include "olmrt/Error.h"
#include "olmrt/GeneratedABI.h"
#include "olmrt/Manifest.h"

#include <set>

using nlohmann::json;

namespace olmrt {

using exec::JsonFields;

namespace {

using Limits = ManifestLimits;

ManifestModel parseModel(const JsonFields &f, const json &root) {
  const json &obj = f.object(root, "", "model");
  ManifestModel model;
  model.name = f.string(obj, "model", "name");
  model.dtype = f.string(obj, "model", "dtype"); // Checked with the target.
  model.vocab = f.integer(obj, "model", "vocab", 1, Limits::kMaxVocab);
  model.maxSeq = f.integer(obj, "model", "max_seq", 1, Limits::kMaxSeq);
  model.maxBatch = f.integer(obj, "model", "max_batch", 1, Limits::kMaxBatch);
  // Rows of the logits may be padded (LogitsLayout.h in the compiler); an
  // artifact that does not say writes them dense.
  model.logitsRowStride = model.vocab;
  if (f.optionalMember(obj, "logits_row_stride"))
    model.logitsRowStride =
        f.integer(obj, "model", "logits_row_stride", model.vocab,
                  model.vocab + Limits::kMaxLogitsPadding);
  return model;
}

ManifestTarget parseTarget(const JsonFields &f, const json &root) {
  const json &obj = f.object(root, "", "target");
  ManifestTarget target;
  target.kind = f.string(obj, "target", "kind");
  if (target.kind != "cpu" && target.kind != "cuda")
    f.fail("target.kind", "is '" + target.kind +
                              "'; this runtime runs 'cpu' and 'cuda' "
                              "artifacts only");
  target.triple = f.string(obj, "target", "triple");
  target.cpu = f.string(obj, "target", "cpu");
  if (target.isCuda()) {
    target.arch = f.string(obj, "target", "arch");
    if (target.arch.empty())
      f.fail("target.arch", "is empty; expected a GPU architecture such as "
                            "'sm_90'");
  }
  return target;
}

/// The cpu target computes in f32; cuda in bf16, f16 or f32.
void checkDType(const JsonFields &f, const ManifestModel &model,
                const ManifestTarget &target) {
  if (!target.isCuda()) {
    if (model.dtype != "f32")
      f.fail("model.dtype", "is '" + model.dtype +
                                "'; this runtime runs f32 models only on "
                                "the cpu target");
    if (model.logitsRowStride != model.vocab)
      f.fail("model.logits_row_stride",
             "is " + std::to_string(model.logitsRowStride) +
                 "; the cpu target writes dense logits (" +
                 std::to_string(model.vocab) + ")");
    return;
  }
  if (model.dtype != "f32" && model.dtype != "bf16" && model.dtype != "f16")
    f.fail("model.dtype", "is '" + model.dtype +
                              "'; the cuda target runs bf16, f16 or f32");
}

std::vector<ManifestDeviceKernel> parseDeviceKernels(const JsonFields &f,
                                                     const json &root) {
  std::vector<ManifestDeviceKernel> kernels;
  if (!f.optionalMember(root, "device_kernels"))
    return kernels;
  const json &items = f.array(root, "", "device_kernels");
  for (size_t i = 0; i < items.size(); ++i) {
    std::string where = JsonFields::index("device_kernels", i);
    ManifestDeviceKernel kernel;
    kernel.name = f.string(items[i], where, "name");
    if (kernel.name.empty())
      f.fail(JsonFields::join(where, "name"), "is empty");
    kernel.args = f.integer(items[i], where, "args", 0, 64);
    kernel.elementsPerThread =
        f.integer(items[i], where, "elements_per_thread", 1, 1024);
    kernels.push_back(std::move(kernel));
  }
  return kernels;
}

std::vector<ManifestEntryPoint>
parseEntryPoints(const JsonFields &f, const json &root, int64_t maxSeq) {
  const json &list = f.array(root, "", "entry_points");
  std::vector<ManifestEntryPoint> entries;
  std::set<std::string> names;
  for (size_t i = 0; i < list.size(); ++i) {
    std::string where = JsonFields::index("entry_points", i);
    ManifestEntryPoint entry;
    entry.name = f.string(list[i], where, "name");
    entry.symbol = f.string(list[i], where, "symbol");
    if (entry.name.empty() || entry.symbol.empty())
      f.fail(where, "needs a non-empty name and symbol");
    if (!names.insert(entry.name).second)
      f.fail(where, "repeats the entry point '" + entry.name + "'");
    if (f.optionalMember(list[i], "seq"))
      entry.seq = f.integer(list[i], where, "seq", 1, maxSeq);
    entries.push_back(std::move(entry));
  }
  if (!names.count("prefill"))
    f.fail("entry_points", "has no 'prefill' entry point");
  return entries;
}

std::optional<QkvPerHeadPermute> parsePermute(const JsonFields &f,
                                              const json &weight,
                                              const std::string &where) {
  const json *value = f.optionalMember(weight, "permute");
  if (!value)
    return std::nullopt;
  std::string field = JsonFields::join(where, "permute");
  std::string kind = f.string(*value, field, "kind");
  if (kind != "qkv_per_head")
    f.fail(JsonFields::join(field, "kind"),
           "is '" + kind + "'; the only permutation is 'qkv_per_head'");
  QkvPerHeadPermute permute;
  permute.heads =
      f.integer(*value, field, "heads", 1, Limits::kMaxWeightElements);
  permute.headDim =
      f.integer(*value, field, "head_dim", 1, Limits::kMaxWeightElements);
  return permute;
}

InitSpec parseInit(const JsonFields &f, const json &weight,
                   const std::string &where) {
  const json &obj = f.object(weight, where, "init");
  std::string field = JsonFields::join(where, "init");
  std::string kind = f.string(obj, field, "kind");
  InitSpec init;
  if (kind == "normal") {
    init.kind = InitSpec::Kind::Normal;
    init.std = f.number(obj, field, "std", 0.0, 1e6);
  } else if (kind == "ones") {
    init.kind = InitSpec::Kind::Ones;
  } else if (kind == "zeros") {
    init.kind = InitSpec::Kind::Zeros;
  } else {
    f.fail(JsonFields::join(field, "kind"),
           "is '" + kind + "'; expected 'normal', 'ones' or 'zeros'");
  }
  return init;
}

ManifestWeight parseWeight(const JsonFields &f, const json &obj,
                           const std::string &where) {
  ManifestWeight weight;
  weight.name = f.string(obj, where, "name");
  if (weight.name.empty())
    f.fail(JsonFields::join(where, "name"), "is empty");
  weight.shape = f.shape(obj, where, "shape", Limits::kMaxRank,
                         Limits::kMaxWeightElements);
  const json &sources = f.array(obj, where, "sources");
  if (sources.empty())
    f.fail(JsonFields::join(where, "sources"), "is empty");
  for (size_t i = 0; i < sources.size(); ++i) {
    std::string sourceWhere =
        JsonFields::index(JsonFields::join(where, "sources"), i);
    ManifestSource source;
    source.tensor = f.string(sources[i], sourceWhere, "tensor");
    if (source.tensor.empty())
      f.fail(JsonFields::join(sourceWhere, "tensor"), "is empty");
    source.shape = f.shape(sources[i], sourceWhere, "shape", Limits::kMaxRank,
                           Limits::kMaxWeightElements);
    weight.sources.push_back(std::move(source));
  }
  weight.transpose = f.boolean(obj, where, "transpose");
  weight.permute = parsePermute(f, obj, where);
  weight.init = parseInit(f, obj, where);
  return weight;
}

std::vector<ManifestWeight> parseWeights(const JsonFields &f,
                                         const json &root) {
  const json &list = f.array(root, "", "weights");
  if (int64_t(list.size()) > Limits::kMaxWeights)
    f.fail("weights", "lists " + std::to_string(list.size()) +
                          " weights, more than the limit of " +
                          std::to_string(Limits::kMaxWeights));
  std::vector<ManifestWeight> weights;
  for (size_t i = 0; i < list.size(); ++i)
    weights.push_back(parseWeight(f, list[i], JsonFields::index("weights", i)));
  return weights;
}

ManifestMemory parseMemory(const JsonFields &f, const json &root) {
  const json &obj = f.object(root, "", "memory");
  ManifestMemory memory;
  memory.arenaBytes =
      f.integer(obj, "memory", "arena_bytes", 0, Limits::kMaxMemoryBytes);
  memory.rows =
      f.integer(obj, "memory", "rows", 0, Limits::kMaxSeq * Limits::kMaxBatch);
  const json &buffers = f.array(obj, "memory", "buffers");
  for (size_t i = 0; i < buffers.size(); ++i) {
    std::string where = JsonFields::index("memory.buffers", i);
    ManifestBuffer buffer;
    buffer.op = f.string(buffers[i], where, "op");
    buffer.offset =
        f.integer(buffers[i], where, "offset", 0, Limits::kMaxMemoryBytes);
    buffer.bytes =
        f.integer(buffers[i], where, "bytes", 0, Limits::kMaxMemoryBytes);
    memory.buffers.push_back(std::move(buffer));
  }
  memory.kvCacheBytes =
      f.integer(obj, "memory", "kv_cache_bytes", 0, Limits::kMaxMemoryBytes);
  const json &layers = f.array(obj, "memory", "kv_layers");
  for (size_t i = 0; i < layers.size(); ++i) {
    std::string where = JsonFields::index("memory.kv_layers", i);
    // Offsets count elements of at least 2 bytes: bounded by bytes / 2.
    int64_t maxFloats = Limits::kMaxMemoryBytes / 2;
    ManifestKvLayer layer;
    layer.kOffset = f.integer(layers[i], where, "k_offset", 0, maxFloats);
    layer.vOffset = f.integer(layers[i], where, "v_offset", 0, maxFloats);
    layer.kvHeads = f.integer(layers[i], where, "kv_heads", 1, maxFloats);
    layer.headDim = f.integer(layers[i], where, "head_dim", 1, maxFloats);
    memory.kvLayers.push_back(layer);
  }
  return memory;
}

std::vector<std::string> parseKernels(const JsonFields &f, const json &root) {
  const json &list = f.array(root, "", "kernels");
  std::vector<std::string> kernels;
  for (size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_string())
      f.fail(JsonFields::index("kernels", i), "must be a string");
    kernels.push_back(list[i].get<std::string>());
  }
  return kernels;
}

} // namespace

int64_t ManifestWeight::numElements() const {
  // parseManifest bounded the product by kMaxWeightElements.
  int64_t n = 1;
  for (int64_t dim : shape)
    n *= dim;
  return n;
}

const ManifestEntryPoint *
Manifest::findEntryPoint(const std::string &name) const {
  for (const ManifestEntryPoint &entry : entryPoints)
    if (entry.name == name)
      return &entry;
  return nullptr;
}

Manifest parseManifest(const std::string &path, const json &root) {
  JsonFields f(path);
  if (!root.is_object())
    f.failManifest("must be a JSON object");
  Manifest manifest;
  const json &abi = f.member(root, "", "abi_version");
  if (!abi.is_number_integer() || abi.get<int64_t>() != kOlmxAbiVersion)
    // Only a number is shown as written: dump() recurses once per level of
    // nesting, and a hostile manifest can nest arrays a million deep.
    f.failManifest("abi_version is " +
                   (abi.is_number() ? abi.dump()
                                    : std::string("a JSON ") + abi.type_name()) +
                   ", this runtime implements generated-code ABI version " +
                   std::to_string(kOlmxAbiVersion) +
                   "; recompile the model with a matching olmc");
  manifest.abiVersion = abi.get<int64_t>();
  manifest.olmcVersion = f.string(root, "", "olmc_version");
  manifest.model = parseModel(f, root);
  manifest.target = parseTarget(f, root);
  checkDType(f, manifest.model, manifest.target);
  manifest.entryPoints = parseEntryPoints(f, root, manifest.model.maxSeq);
  manifest.weights = parseWeights(f, root);
  manifest.memory = parseMemory(f, root);
  manifest.kernels = parseKernels(f, root);
  manifest.deviceKernels = parseDeviceKernels(f, root);
  exec::checkWeights(f, manifest);
  exec::checkMemory(f, manifest);
  return manifest;
}

Manifest readManifest(const std::string &artifactPath) {
  return parseManifest(artifactPath, Artifact::load(artifactPath).manifest());
}

std::string formatShape(const std::vector<int64_t> &shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      out += ", ";
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

} // namespace olmrt
