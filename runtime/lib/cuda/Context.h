//===- Context.h - OlmgContext: the CUDA backend's per-session state ------===//
//
// Private to libolmrt_cuda (and tests/gpu/kernel_check, which links it).
// Host-only C++: no CUDA device code here, so plain C++ sources can include
// it. One OlmgContext per session: its stream, cuBLASLt handle and
// workspace, the generated kernels, the current position in device memory
// (read by the kernels that depend on pos0, so that a captured decode graph
// can be replayed at any position) and scratch for split-KV attention and
// gated products.
//
//===----------------------------------------------------------------------===//

#ifndef OLMRT_LIB_CUDA_CONTEXT_H
#define OLMRT_LIB_CUDA_CONTEXT_H

#include "olmrt/CudaKernels.h"

#include <cublasLt.h>
#include <cuda.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

namespace olmrt::cuda {

enum class DType { F32, BF16, F16 };

DType parseDType(const std::string &name); // throws std::runtime_error
size_t dtypeBytes(DType dtype);
const char *dtypeName(DType dtype);

/// One error type for the plugin; what() is one line.
class CudaError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Throws CudaError "WHAT: cudaErrorX: text" when status is not success.
void check(cudaError_t status, const std::string &what);
void checkLt(cublasStatus_t status, const std::string &what);

/// cudaMalloc that explains a failure: "out of device memory allocating
/// WHAT (N bytes; F of T bytes free)".
void *deviceAlloc(size_t bytes, const std::string &what);

struct MatmulKey {
  int64_t m, n, k;
  int32_t accumulate, yF32, bias;
  int32_t act; // the epilogue's activation (OLMK_ACT_*), -1 none
  int32_t alignX, alignW, alignY, alignBias;
  int64_t ldy; // y's row pitch in elements (n, or n padded: Matmul.cu)
  bool operator<(const MatmulKey &o) const {
    return std::tie(m, n, k, accumulate, yF32, bias, act, alignX, alignW,
                    alignY, alignBias, ldy) <
           std::tie(o.m, o.n, o.k, o.accumulate, o.yF32, o.bias, o.act,
                    o.alignX, o.alignW, o.alignY, o.alignBias, o.ldy);
  }
};

struct MatmulPlan {
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
  cublasLtMatmulAlgo_t algo{};
  bool haveAlgo = false; // false: the fallback kernel
  bool biasEpilogue = false;
  bool actEpilogue = false;
};

/// A generated kernel (manifest device_kernels) resolved in the module.
struct GeneratedKernel {
  CUfunction function = nullptr;
  int32_t args = 0;
  int32_t elementsPerThread = 1;
};

} // namespace olmrt::cuda

struct OlmgContext {
  explicit OlmgContext(olmrt::cuda::DType dtype, int64_t maxBatch);
  ~OlmgContext();
  OlmgContext(const OlmgContext &) = delete;
  OlmgContext &operator=(const OlmgContext &) = delete;

  olmrt::cuda::DType dtype;
  int64_t maxBatch;
  cudaStream_t stream = nullptr;
  cublasLtHandle_t lt = nullptr;
  void *workspace = nullptr;
  size_t workspaceBytes = 0;
  int smCount = 0;
  /// Performance switches, on unless the environment says otherwise (so
  /// that one bench run can measure with and without): OLMRT_CUDA_GEMV=0
  /// sends batch <= 8 products to cuBLASLt instead of the own GEMV
  /// (Gemv.cu); OLMRT_CUDA_PDL=0 launches every kernel the ordinary way
  /// instead of with programmatic dependent launch (Common.cuh).
  bool useGemv = true;
  /// Products of 2-8 rows on the own tensor-core kernel (GemvMma.cu)
  /// instead of cuBLASLt; OLMRT_CUDA_GEMV_MMA=0 turns it off.
  bool useGemvMma = true;
  bool usePdl = true;
  /// The GEMV's group width (Gemv.cu): 0 as the runtime chooses, or 32,
  /// 64, 128 or 256 threads, forced for measurements (kernel_check's
  /// "timing gemv" sweep; OLMRT_CUDA_GEMV_WIDTH for a bench A/B). Any
  /// other value is taken as 0.
  int gemvWidth = 0;
  /// Decode attention's prep step inside the split kernel (Attention.cu):
  /// -1 where the runtime chooses, 0 never, 1 wherever it applies; forced
  /// for measurements (kernel_check's "timing attention",
  /// OLMRT_CUDA_PREP_IN_SPLIT for a bench A/B).
  int prepInSplit = -1;
  /// Decode's split-KV kernel for GQA (Attention.cu): -1 where the runtime
  /// chooses, 0 one query head a row, 1 grouped (a kv head's chunk loaded
  /// once for all its query heads) wherever it applies; forced for
  /// measurements (kernel_check, OLMRT_CUDA_SPLIT_GROUPED for a bench A/B).
  int splitGrouped = -1;
  /// Prefill's flash kernel reads the queries from the packed q/k/v rows
  /// and applies RoPE itself, so the prep kernel writes only the cache
  /// (Attention.cu, FlashPrefill.cu); OLMRT_CUDA_FLASH_QUERIES=0 has prep
  /// write the queries for it as before.
  bool flashQueries = true;
  /// Device int64: the position of the first token of the current call.
  int64_t *pos = nullptr;
  /// The last launch noted was a position kernel's (setPosition,
  /// advancePosition), which lets its successor start before it stores:
  /// that successor must not read the position before its wait, so
  /// olmg_attention then keeps its prep kernel (Attention.cu).
  bool positionJustSet = false;
  /// Per row of the device argmax (max_batch rows): the best key so far and
  /// how many blocks have arrived; zero between calls (Context.cu).
  unsigned long long *argmaxSlots = nullptr;
  std::vector<olmrt::cuda::GeneratedKernel> kernels;
  std::map<olmrt::cuda::MatmulKey, olmrt::cuda::MatmulPlan> plans;
  /// Split-KV decode partials and the [M, 2H] product of a gated matmul
  /// that is not a GEMV (never live at once: stream order); grows only
  /// outside graph capture, and each growth bumps scratchGeneration
  /// (captured graphs must be redone).
  float *scratch = nullptr;
  size_t scratchFloats = 0;
  int64_t scratchGeneration = 0;
  /// The most scratch asked for during a capture (which cannot allocate):
  /// the session allocates it and captures again.
  size_t scratchWanted = 0;
  /// Rows of a product whose row pitch is not a multiple of 16 bytes (GPT-2's
  /// 50257 logits): cuBLASLt writes them here with a padded pitch, then a
  /// copy packs them (Matmul.cu). Grows only outside graph capture.
  void *pitched = nullptr;
  size_t pitchedBytes = 0;
  /// olmg_* calls so far (bench counts kernels per prefill with it).
  int64_t calls = 0;
  /// The first launch or library error, kept until takeError().
  std::string error;

  /// Records the first error of a kernel call (kernels never throw).
  void noteLaunch(const char *what);
  void noteError(const std::string &message);
  /// Throws CudaError with the first recorded error, clearing it.
  void takeError();
  bool capturing() const;
  /// Scratch of at least `floats` floats (not during capture).
  float *scratchFor(size_t floats);
  /// Allocates what a capture asked for; true when it grew.
  bool growScratch();
};

namespace olmrt::cuda {

/// Writes `pos` to g->pos on g's stream (a one-thread kernel: capturable,
/// and the value travels as a parameter, so no host buffer is involved).
void setPosition(OlmgContext *g, int64_t pos);
/// g->pos += 1 on the stream.
void advancePosition(OlmgContext *g);
/// Greedy argmax on the device: for b < batch, the first maximum (NaN
/// largest) of logits[b * rowStride + rowOffset, + vocab) goes to ids[b],
/// and to tokens[b * tokenStride + *g->pos + posAdd] when tokens != null.
void argmaxToIds(OlmgContext *g, const float *logits, int64_t rowStride,
                 int64_t rowOffset, int64_t batch, int64_t vocab, int32_t *ids,
                 int32_t *tokens, int64_t tokenStride, int64_t posAdd);

/// Plain memory helpers for tests (tests/gpu/kernel_check), so that they
/// use this library's CUDA runtime and link nothing else of CUDA.
void copyToDevice(void *dst, const void *src, size_t bytes);
void copyToHost(void *dst, const void *src, size_t bytes);
void deviceFill(void *dst, int byte, size_t bytes);
void deviceFree(void *p);
/// Waits for g's stream; throws the first recorded kernel error.
void synchronize(OlmgContext *g);
/// Milliseconds per replay of a CUDA graph captured from what `enqueue`
/// launches on g's stream (after one warm-up replay): kernel chains timed
/// as a decode step runs them, programmatic dependent launch included and
/// without the host's launch cost (kernel_check's timings).
double timeGraph(OlmgContext *g, const std::function<void()> &enqueue,
                 int replays);

/// Host-side conversion of float32 to the compute dtype, n elements.
void convertFromF32(DType dtype, const float *src, void *dst, size_t n);
/// And back (kernel_check).
void convertToF32(DType dtype, const void *src, float *dst, size_t n);

} // namespace olmrt::cuda

#endif // OLMRT_LIB_CUDA_CONTEXT_H
