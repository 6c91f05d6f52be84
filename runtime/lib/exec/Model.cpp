//===- Model.cpp - Load an artifact's manifest and code -------------------===//

#include "olmrt/Model.h"

#include "SharedObject.h"

#include "olmrt/Artifact.h"
#include "olmrt/Error.h"

#include <dlfcn.h>

namespace olmrt {

CompiledModel::CompiledModel(const std::string &artifactPath)
    : path_(artifactPath) {
  Artifact artifact = Artifact::load(artifactPath);
  manifest_ = parseManifest(artifactPath, artifact.manifest());

  // A kernel the executable does not export would otherwise surface as a
  // dlopen error about an undefined symbol in /proc/self/fd/N; this says
  // which program is at fault.
  for (const std::string &kernel : manifest_.kernels)
    if (!::dlsym(RTLD_DEFAULT, kernel.c_str()))
      throw Error(artifactPath + ": the model calls kernel '" + kernel +
                  "', which this program does not provide (it must export "
                  "the olmk_* kernels of olmrt_cpu)");

  if (!artifact.hasSection(kCpuCodeSection))
    throw Error(artifactPath + ": artifact has no '" +
                std::string(kCpuCodeSection) + "' section for target 'cpu'");
  code_ = std::make_unique<exec::SharedObject>(
      artifact.section(kCpuCodeSection),
      artifactPath + ": code section '" + kCpuCodeSection + "'");

  for (const ManifestEntryPoint &entry : manifest_.entryPoints) {
    void *address = code_->symbol(entry.symbol);
    if (!address)
      throw Error(artifactPath + ": code section '" +
                  std::string(kCpuCodeSection) + "' does not define symbol '" +
                  entry.symbol + "' of entry point '" + entry.name + "'");
    entries_[entry.name] = reinterpret_cast<OlmxEntryFn>(address);
  }
}

// Out of line: SharedObject is incomplete in the header.
CompiledModel::~CompiledModel() = default;

OlmxEntryFn CompiledModel::entryPoint(const std::string &name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : it->second;
}

} // namespace olmrt
