//===- KernelStats.cpp - Call counts and optional timing of the kernels ---===//

#include "KernelStats.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace olmrt::cpu {

namespace {

std::atomic<uint64_t> gCalls[kNumKernels];
std::atomic<uint64_t> gNanos[kNumKernels];
/// -1: not decided yet (read the environment on first use), 0 off, 1 on.
std::atomic<int> gTiming{-1};

int timingFromEnvironment() {
  const char *value = std::getenv("OLMRT_KERNEL_TIMING");
  return value && *value && std::strcmp(value, "0") != 0 ? 1 : 0;
}

} // namespace

const char *kernelName(Kernel kernel) {
  switch (kernel) {
  case Kernel::Embedding:
    return "olmk_embedding";
  case Kernel::PosEmbeddingAdd:
    return "olmk_pos_embedding_add";
  case Kernel::Matmul:
    return "olmk_matmul";
  case Kernel::RmsNorm:
    return "olmk_rmsnorm";
  case Kernel::LayerNorm:
    return "olmk_layernorm";
  case Kernel::Activation:
    return "olmk_activation";
  case Kernel::GatedActivation:
    return "olmk_gated_activation";
  case Kernel::Softcap:
    return "olmk_softcap";
  case Kernel::Attention:
    return "olmk_attention";
  case Kernel::Count:
    break;
  }
  return "?";
}

uint64_t KernelStats::totalCalls() const {
  uint64_t total = 0;
  for (uint64_t c : calls)
    total += c;
  return total;
}

uint64_t KernelStats::totalNanos() const {
  uint64_t total = 0;
  for (uint64_t n : nanos)
    total += n;
  return total;
}

KernelStats KernelStats::operator-(const KernelStats &earlier) const {
  KernelStats d;
  for (int k = 0; k < kNumKernels; ++k) {
    d.calls[k] = calls[k] - earlier.calls[k];
    d.nanos[k] = nanos[k] - earlier.nanos[k];
  }
  return d;
}

KernelStats kernelStats() {
  KernelStats s;
  for (int k = 0; k < kNumKernels; ++k) {
    s.calls[k] = gCalls[k].load(std::memory_order_relaxed);
    s.nanos[k] = gNanos[k].load(std::memory_order_relaxed);
  }
  return s;
}

bool kernelTimingEnabled() {
  int timing = gTiming.load(std::memory_order_relaxed);
  if (timing < 0) {
    int fromEnv = timingFromEnvironment();
    // Another thread may have decided first (or setKernelTiming ran).
    gTiming.compare_exchange_strong(timing, fromEnv, std::memory_order_relaxed);
    timing = gTiming.load(std::memory_order_relaxed);
  }
  return timing == 1;
}

void setKernelTiming(bool enabled) {
  gTiming.store(enabled ? 1 : 0, std::memory_order_relaxed);
}

namespace detail {

void recordCall(Kernel kernel) {
  gCalls[static_cast<int>(kernel)].fetch_add(1, std::memory_order_relaxed);
}

void recordTime(Kernel kernel, uint64_t nanos) {
  gNanos[static_cast<int>(kernel)].fetch_add(nanos, std::memory_order_relaxed);
}

} // namespace detail

} // namespace olmrt::cpu
