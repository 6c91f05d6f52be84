//===- KernelStats.h - Call counts and optional timing of the kernels -----===//
//
// Every olmk_* entry point counts its calls (one relaxed atomic add, always
// on: a GPT-2 decode step makes about a hundred calls, so the cost is
// nanoseconds per step). With timing switched on, by the environment
// variable OLMRT_KERNEL_TIMING (any value but "" or "0") or by
// setKernelTiming, each call also adds its wall time, so a caller can see
// where a forward pass spends its time without an external profiler.
// `olmrt bench` reads these; nothing else depends on them.
//
//===----------------------------------------------------------------------===//

#ifndef OLMRT_CPU_KERNELSTATS_H
#define OLMRT_CPU_KERNELSTATS_H

#include <chrono>
#include <cstdint>

namespace olmrt::cpu {

enum class Kernel : int {
  Embedding,
  PosEmbeddingAdd,
  Matmul,
  RmsNorm,
  LayerNorm,
  Activation,
  GatedActivation,
  Softcap,
  Attention,
  Count
};
constexpr int kNumKernels = static_cast<int>(Kernel::Count);

/// "olmk_matmul" and so on.
const char *kernelName(Kernel kernel);

/// Totals since the process started; subtract two snapshots for a span.
struct KernelStats {
  uint64_t calls[kNumKernels] = {};
  /// Nanoseconds inside each kernel, counted only while timing was on.
  uint64_t nanos[kNumKernels] = {};

  uint64_t totalCalls() const;
  uint64_t totalNanos() const;
  KernelStats operator-(const KernelStats &earlier) const;
};

KernelStats kernelStats();

/// Whether calls are timed: OLMRT_KERNEL_TIMING, unless overridden here.
bool kernelTimingEnabled();
void setKernelTiming(bool enabled);

namespace detail {
void recordCall(Kernel kernel);
void recordTime(Kernel kernel, uint64_t nanos);
} // namespace detail

/// Counts one call of `kernel` and, with timing on, times the enclosing
/// scope.
class KernelScope {
public:
  explicit KernelScope(Kernel kernel) : kernel_(kernel) {
    detail::recordCall(kernel);
    if (kernelTimingEnabled()) {
      timed_ = true;
      start_ = std::chrono::steady_clock::now();
    }
  }
  ~KernelScope() {
    if (timed_)
      detail::recordTime(
          kernel_, static_cast<uint64_t>(
                       std::chrono::duration_cast<std::chrono::nanoseconds>(
                           std::chrono::steady_clock::now() - start_)
                           .count()));
  }
  KernelScope(const KernelScope &) = delete;
  KernelScope &operator=(const KernelScope &) = delete;

private:
  Kernel kernel_;
  bool timed_ = false;
  std::chrono::steady_clock::time_point start_;
};

} // namespace olmrt::cpu

#endif // OLMRT_CPU_KERNELSTATS_H
