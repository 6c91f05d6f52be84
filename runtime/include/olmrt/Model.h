//===- Model.h - A compiled model loaded from an .olmx artifact -*- C++ -*-===//
//
// CompiledModel is the code half of a model: the validated manifest and the
// generated CPU code, opened in this process. The weights (Weights.h) and
// the per-run memory (Session.h) are separate so that one model can serve
// several sessions and checkpoints.
//
// A cuda artifact (target.kind "cuda") needs the CUDA backend plugin: it is
// opened first (DeviceBackend.h; errors for a missing plugin, no driver or
// GPU, another GPU architecture are one line each), then its device code,
// then the host code, whose olmg_* calls resolve against the plugin.
//
// The generated code calls the olmk_* kernels of CpuKernels.h; they are
// resolved against the running executable, which must export them (link
// olmrt_exec into an executable with ENABLE_EXPORTS, see
// tools/olmrt/CMakeLists.txt). The constructor checks each kernel the
// manifest lists and names the first one missing.
//
//===----------------------------------------------------------------------===//

#ifndef OLMRT_MODEL_H
#define OLMRT_MODEL_H

#include "olmrt/GeneratedABI.h"
#include "olmrt/Manifest.h"

#include <map>
#include <memory>
#include <string>

namespace olmrt {

namespace exec {
class SharedObject;
}
class DeviceProgram;

/// The artifact section holding the CPU code.
inline constexpr const char *kCpuCodeSection = "code.cpu.so";
/// cuda target: the host code (calls the olmg_* kernels of CudaKernels.h),
/// the generated device code as PTX, and optionally as a cubin.
inline constexpr const char *kCudaHostSection = "code.host.so";
inline constexpr const char *kCudaPtxSection = "code.cuda.ptx";
inline constexpr const char *kCudaCubinSection = "code.cuda.cubin";

class CompiledModel {
public:
  /// Loads and verifies the artifact, validates its manifest, opens its code
  /// and looks up every entry point. Throws olmrt::Error.
  explicit CompiledModel(const std::string &artifactPath);
  ~CompiledModel();
  CompiledModel(const CompiledModel &) = delete;
  CompiledModel &operator=(const CompiledModel &) = delete;

  const std::string &path() const { return path_; }
  const Manifest &manifest() const { return manifest_; }

  /// The function of the manifest entry point `name`; nullptr when the
  /// manifest has none of that name.
  OlmxEntryFn entryPoint(const std::string &name) const;

  /// cuda target: the device code loaded through the CUDA backend plugin
  /// (DeviceBackend.h); null for cpu artifacts.
  DeviceProgram *deviceProgram() const { return device_.get(); }

private:
  std::string path_;
  Manifest manifest_;
  std::unique_ptr<DeviceProgram> device_;
  std::unique_ptr<exec::SharedObject> code_;
  std::map<std::string, OlmxEntryFn> entries_;
};

} // namespace olmrt

#endif // OLMRT_MODEL_H
