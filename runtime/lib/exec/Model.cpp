//===- Model.cpp - Load an artifact's manifest and code -------------------===//

#include "olmrt/Model.h"

#include "DeviceLoader.h"
#include "SharedObject.h"

#include "olmrt/Artifact.h"
#include "olmrt/DeviceBackend.h"
#include "olmrt/Error.h"

#include <dlfcn.h>

namespace olmrt {

namespace {

std::string_view optionalSection(const Artifact &artifact, const char *name) {
  return artifact.hasSection(name) ? artifact.section(name)
                                   : std::string_view();
}

} // namespace

CompiledModel::CompiledModel(const std::string &artifactPath)
    : path_(artifactPath) {
  Artifact artifact = Artifact::load(artifactPath);
  manifest_ = parseManifest(artifactPath, artifact.manifest());
  bool cuda = manifest_.target.isCuda();
  const char *codeSection = cuda ? kCudaHostSection : kCpuCodeSection;
  if (!artifact.hasSection(codeSection))
    throw Error(artifactPath + ": artifact has no '" +
                std::string(codeSection) + "' section for target '" +
                manifest_.target.kind + "'");

  if (cuda) {
    // The plugin first: the host code's olmg_* references resolve against
    // it, and it names the failure when there is no driver or GPU.
    DeviceBackend &backend = exec::cudaBackend(artifactPath);
    DeviceProgramSpec spec;
    spec.artifactPath = artifactPath;
    spec.dtype = manifest_.model.dtype;
    spec.arch = manifest_.target.arch;
    spec.ptx = optionalSection(artifact, kCudaPtxSection);
    spec.cubin = optionalSection(artifact, kCudaCubinSection);
    for (const ManifestDeviceKernel &k : manifest_.deviceKernels)
      spec.kernels.push_back({k.name, k.args, k.elementsPerThread});
    if (!spec.kernels.empty() && spec.ptx.empty() && spec.cubin.empty())
      throw Error(artifactPath + ": artifact has no '" +
                  std::string(kCudaPtxSection) + "' or '" +
                  kCudaCubinSection + "' section for its " +
                  std::to_string(spec.kernels.size()) + " device kernels");
    device_ = exec::deviceCall(artifactPath,
                               [&] { return backend.loadProgram(spec); });
  }

  // A kernel nobody exports would otherwise surface as a dlopen error about
  // an undefined symbol in /proc/self/fd/N; this says which program is at
  // fault.
  for (const std::string &kernel : manifest_.kernels)
    if (!::dlsym(RTLD_DEFAULT, kernel.c_str()))
      throw Error(
          artifactPath + ": the model calls kernel '" + kernel + "', which " +
          (cuda ? "the CUDA backend " + exec::cudaPluginPath() +
                      " does not provide (rebuild it with this olmrt)"
                : std::string("this program does not provide (it must export "
                              "the olmk_* kernels of olmrt_cpu)")));

  code_ = std::make_unique<exec::SharedObject>(
      artifact.section(codeSection),
      artifactPath + ": code section '" + codeSection + "'");

  for (const ManifestEntryPoint &entry : manifest_.entryPoints) {
    void *address = code_->symbol(entry.symbol);
    if (!address)
      throw Error(artifactPath + ": code section '" + std::string(codeSection) +
                  "' does not define symbol '" + entry.symbol +
                  "' of entry point '" + entry.name + "'");
    entries_[entry.name] = reinterpret_cast<OlmxEntryFn>(address);
  }
}

// Out of line: SharedObject and DeviceProgram are incomplete in the header.
CompiledModel::~CompiledModel() = default;

OlmxEntryFn CompiledModel::entryPoint(const std::string &name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : it->second;
}

} // namespace olmrt
