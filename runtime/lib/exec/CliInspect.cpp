//===- CliInspect.cpp - `inspect`: what an artifact holds -----------------===//
//
// Reads the artifact and its manifest but loads no code, so it also works
// on an artifact whose code this machine could not run.
//
//===----------------------------------------------------------------------===//

#include "CliCommands.h"

#include "olmrt/Artifact.h"
#include "olmrt/Manifest.h"

#include <cstdio>
#include <ostream>

namespace olmrt::exec {

namespace {

const char *initName(const InitSpec &init) {
  switch (init.kind) {
  case InitSpec::Kind::Normal:
    return "normal";
  case InitSpec::Kind::Ones:
    return "ones";
  case InitSpec::Kind::Zeros:
    return "zeros";
  }
  return "?";
}

void printWeights(std::ostream &out, const Manifest &manifest) {
  int64_t parameters = 0;
  for (const ManifestWeight &weight : manifest.weights)
    parameters += weight.numElements();
  out << "weights: " << manifest.weights.size() << " (" << parameters
      << " parameters, " << formatBytes(parameters * 4) << " as float32)\n";
  for (size_t i = 0; i < manifest.weights.size(); ++i) {
    const ManifestWeight &weight = manifest.weights[i];
    out << "  " << i << " " << weight.name << " " << formatShape(weight.shape)
        << " <- ";
    for (size_t s = 0; s < weight.sources.size(); ++s)
      out << (s ? " + " : "") << weight.sources[s].tensor << " "
          << formatShape(weight.sources[s].shape);
    if (weight.transpose)
      out << ", transposed";
    if (weight.permute)
      out << ", qkv_per_head(heads " << weight.permute->heads << ", head_dim "
          << weight.permute->headDim << ")";
    out << ", init " << initName(weight.init);
    if (weight.init.kind == InitSpec::Kind::Normal)
      out << "(std " << weight.init.std << ")";
    out << "\n";
  }
}

void printMemory(std::ostream &out, const Manifest &manifest) {
  const ManifestMemory &memory = manifest.memory;
  out << "memory plan:\n"
      << "  arena: " << formatBytes(memory.arenaBytes)
      << " (peak activation memory), " << memory.buffers.size() << " buffers, "
      << memory.rows << " rows\n"
      << "  KV cache: " << formatBytes(memory.kvCacheBytes) << ", "
      << memory.kvLayers.size() << " layers\n";
  for (size_t i = 0; i < memory.kvLayers.size(); ++i) {
    const ManifestKvLayer &layer = memory.kvLayers[i];
    out << "    layer " << i << ": K at float " << layer.kOffset
        << ", V at float " << layer.vOffset << ", " << layer.kvHeads
        << " kv heads x " << layer.headDim << "\n";
  }
}

} // namespace

std::string formatBytes(int64_t bytes) {
  static const char *const kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  std::string text = std::to_string(bytes) + " bytes";
  if (bytes < 1024)
    return text;
  double value = double(bytes);
  int unit = -1;
  while (value >= 1024 && unit < 3) {
    value /= 1024;
    ++unit;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, " (%.1f %s)", value, kUnits[unit]);
  return text + buffer;
}

int inspectCommand(const ParsedArgs &args, const CliStreams &streams) {
  const std::string &path = args.onePositional("the artifact M.olmx");
  Artifact artifact = Artifact::load(path);
  Manifest manifest = parseManifest(path, artifact.manifest());
  std::ostream &out = *streams.out;
  const ManifestModel &model = manifest.model;
  out << "artifact: " << path << "\n"
      << "model: " << model.name << " (" << model.dtype << "), vocab "
      << model.vocab;
  if (model.logitsRowStride != model.vocab)
    out << " (logits rows " << model.logitsRowStride << " floats apart)";
  out << ", max_seq " << model.maxSeq << ", max_batch " << model.maxBatch
      << "\n"
      << "compiled by: olmc " << manifest.olmcVersion << ", ABI version "
      << manifest.abiVersion << "\n"
      << "target: " << manifest.target.kind << " (" << manifest.target.triple
      << ", cpu " << manifest.target.cpu << ")\n";
  out << "sections:";
  for (const std::string &name : artifact.sectionNames())
    out << " " << name << " (" << formatBytes(artifact.section(name).size())
        << ")";
  out << "\nentry points:\n";
  for (const ManifestEntryPoint &entry : manifest.entryPoints) {
    out << "  " << entry.name << " -> " << entry.symbol;
    if (entry.seq)
      out << " (seq " << *entry.seq << ")";
    out << "\n";
  }
  out << "kernels:";
  for (const std::string &kernel : manifest.kernels)
    out << " " << kernel;
  out << "\n";
  printWeights(out, manifest);
  printMemory(out, manifest);
  return 0;
}

} // namespace olmrt::exec
