//===- DeviceBackend.h - olmrt_exec <-> device backend plugin ---*- C++ -*-===//
//
// The runtime itself never links CUDA. When it meets an artifact for a
// device target (manifest target.kind "cuda") it dlopens the backend plugin
// (libolmrt_cuda.so, RTLD_GLOBAL so that the artifact's host code finds the
// olmg_* kernels of CudaKernels.h in it) and talks to it only through the
// classes below, made by the plugin's extern "C" factory.
//
// Errors: the factory reports failure as text (no exception crosses it);
// every other member may throw std::runtime_error (or a subclass) whose
// what() is one line; olmrt_exec turns it into olmrt::Error.
//
// Both sides are built from this tree with one compiler and libstdc++, so
// std::string/std::vector cross the boundary; kDeviceBackendVersion guards
// against a stale plugin: bump it on any change to this file.
//
//===----------------------------------------------------------------------===//

#ifndef OLMRT_DEVICEBACKEND_H
#define OLMRT_DEVICEBACKEND_H

#include "olmrt/GeneratedABI.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace olmrt {

inline constexpr int32_t kDeviceBackendVersion = 3;

/// One generated kernel of the artifact's device code (manifest
/// device_kernels; olmg_launch's index is the position in the list).
struct DeviceKernelSpec {
  std::string name;
  int64_t args = 0;
  int64_t elementsPerThread = 1;
};

/// What the backend needs to load a model's device code.
struct DeviceProgramSpec {
  std::string artifactPath; // for messages
  std::string dtype;        // "bf16", "f16" or "f32"
  std::string arch;         // "sm_90"
  std::string_view ptx;     // PTX text; may be empty without kernels
  std::string_view cubin;   // ptxas output, preferred; may be empty
  std::vector<DeviceKernelSpec> kernels;
};

/// What one session needs: the compiled limits, the memory plan, the entry
/// points of the host code and the weights (float32, host memory, already
/// assembled in their manifest shapes; the backend converts them to the
/// compute dtype as it uploads them).
struct DeviceSessionSpec {
  int64_t vocab = 0;
  /// Floats between rows of the logits the entry points write (>= vocab).
  int64_t logitsRowStride = 0;
  int64_t maxSeq = 0;
  int64_t maxBatch = 0;
  int64_t arenaBytes = 0;
  int64_t kvCacheBytes = 0;
  OlmxEntryFn prefill = nullptr;
  OlmxEntryFn decode = nullptr; // prefill when the artifact has none
  std::vector<const float *> weights;
  std::vector<int64_t> weightElements;
  std::vector<std::string> weightNames;
};

/// Counts of one captured decode step (a CUDA graph).
struct DeviceGraphInfo {
  int64_t nodes = 0;
  int64_t kernels = 0;
};

/// The device half of a Session: arena, KV cache, weights and the stream
/// everything runs on. Host pointers in, host pointers out; ids were
/// validated by the caller.
class DeviceSession {
public:
  virtual ~DeviceSession() = default;

  /// ids [batch, seq] at positions pos0..; logits [batch, seq, vocab]
  /// (float32, host), or null to leave them on the device.
  virtual void prefill(const int32_t *ids, int64_t batch, int64_t seq,
                       int64_t pos0, float *logits) = 0;
  /// One token per sequence at pos0 through the captured decode graph of
  /// this batch size; logits [batch, vocab] (host) or null.
  virtual void decode(const int32_t *ids, int64_t batch, int64_t pos0,
                      float *logits) = 0;
  /// Greedy generation with the argmax on the device: prefill of prompt
  /// [batch, seq] at 0, then newTokens - 1 graph replays. outIds receives
  /// [batch, seq + newTokens]; allLogits, when not null, the logits of
  /// every position processed, [batch, seq + max(newTokens - 1, 0), vocab].
  virtual void generateGreedy(const int32_t *prompt, int64_t batch,
                              int64_t seq, int64_t newTokens, int64_t *outIds,
                              float *allLogits) = 0;
  virtual void resetCache() = 0;

  // For `bench`.
  /// Milliseconds (device events) of one prefill of ids into a cleared
  /// cache; the logits stay on the device.
  virtual double timePrefill(const int32_t *ids, int64_t batch,
                             int64_t seq) = 0;
  /// Prefills ids (untimed), then times `steps` greedy decode steps (graph
  /// replays, argmax on the device); milliseconds.
  virtual double timeDecode(const int32_t *ids, int64_t batch, int64_t seq,
                            int64_t steps) = 0;
  /// The decode graph of this batch size (captured on first use).
  virtual DeviceGraphInfo decodeGraphInfo(int64_t batch) = 0;
  /// Calls into the olmg_* kernels by the last prefill.
  virtual int64_t lastPrefillKernelCalls() const = 0;
};

/// A model's device code, loaded on the device.
class DeviceProgram {
public:
  virtual ~DeviceProgram() = default;
  virtual std::unique_ptr<DeviceSession>
  createSession(const DeviceSessionSpec &spec) = 0;
  /// "NVIDIA H200 (sm_90)".
  virtual std::string deviceName() const = 0;
};

/// The plugin: one per process, made by the factory below once the driver
/// and a device are known to work.
class DeviceBackend {
public:
  virtual ~DeviceBackend() = default;
  /// Checks the device against spec.arch and loads the device code.
  virtual std::unique_ptr<DeviceProgram>
  loadProgram(const DeviceProgramSpec &spec) = 0;
};

} // namespace olmrt

extern "C" {
/// The plugin's factory (symbol kDeviceBackendFactory). The backend it
/// returns belongs to the plugin and lives until the process ends (never
/// delete it; calling the factory again returns the same one). Returns null and
/// writes a one-line reason into error[0, errorSize) when no device can be
/// used (driver missing, cuInit failure, no GPU) or the versions differ.
typedef olmrt::DeviceBackend *(*OlmrtDeviceBackendFactory)(
    int32_t version, char *error, size_t errorSize);
}

namespace olmrt {
inline constexpr const char *kDeviceBackendFactory =
    "olmrt_device_backend_create";
} // namespace olmrt

#endif // OLMRT_DEVICEBACKEND_H
