//===- Context.cu - OlmgContext, errors, positions, device argmax ---------===//

#include "Common.cuh"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace olmrt::cuda {

DType parseDType(const std::string &name) {
  if (name == "f32")
    return DType::F32;
  if (name == "bf16")
    return DType::BF16;
  if (name == "f16")
    return DType::F16;
  throw CudaError("dtype '" + name + "' is not one of bf16, f16, f32");
}

size_t dtypeBytes(DType dtype) { return dtype == DType::F32 ? 4 : 2; }

const char *dtypeName(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "f32";
  case DType::BF16:
    return "bf16";
  case DType::F16:
    return "f16";
  }
  return "?";
}

void check(cudaError_t status, const std::string &what) {
  if (status == cudaSuccess)
    return;
  (void)cudaGetLastError(); // Clear a sticky-free error for the next call.
  throw CudaError(what + ": " + cudaGetErrorName(status) + ": " +
                  cudaGetErrorString(status));
}

void checkLt(cublasStatus_t status, const std::string &what) {
  if (status == CUBLAS_STATUS_SUCCESS)
    return;
  throw CudaError(what + ": cuBLASLt status " + std::to_string(int(status)) +
                  " (" + cublasLtGetStatusName(status) + ")");
}

namespace {
std::string gib(size_t bytes) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f GiB", double(bytes) / double(1 << 30));
  return buf;
}
} // namespace

void *deviceAlloc(size_t bytes, const std::string &what) {
  void *p = nullptr;
  cudaError_t status = cudaMalloc(&p, bytes ? bytes : 256);
  if (status == cudaErrorMemoryAllocation) {
    (void)cudaGetLastError();
    size_t freeBytes = 0, totalBytes = 0;
    cudaMemGetInfo(&freeBytes, &totalBytes);
    throw CudaError("out of device memory allocating " + what + " (" +
                    std::to_string(bytes) + " bytes, " + gib(bytes) +
                    "): the GPU has " + gib(freeBytes) + " free of " +
                    gib(totalBytes));
  }
  check(status, "cudaMalloc of " + what);
  return p;
}

namespace {

__global__ void setPositionKernel(int64_t *pos, int64_t value) {
  gridWait();
  allowDependents();
  *pos = value;
}
__global__ void advancePositionKernel(int64_t *pos) {
  gridWait();
  allowDependents();
  *pos += 1;
}

/// Does (a, ai) beat the best so far (b, bi)? First maximum, NaN largest
/// (the first NaN wins), as torch.argmax and olmrt::argmaxFirst.
__device__ __forceinline__ bool better(float a, int64_t ai, float b,
                                       int64_t bi) {
  bool an = isnan(a), bn = isnan(b);
  if (bn)
    return an && ai < bi;
  if (an)
    return true;
  return a > b || (a == b && ai < bi);
}

/// The warp's best (value, index) by `better`, in every lane.
__device__ __forceinline__ void warpBest(float &best, int64_t &bestI) {
  for (int o = 16; o > 0; o >>= 1) {
    float ov = __shfl_xor_sync(0xffffffffu, best, o);
    int64_t oi = __shfl_xor_sync(0xffffffffu, bestI, o);
    if (better(ov, oi, best, bestI)) {
      best = ov;
      bestI = oi;
    }
  }
}

/// (v, i) as one 64-bit key whose unsigned order is `better`'s: the float
/// mapped to an order-preserving uint32 (NaN above +inf, -0 as +0), then
/// the complement of the index, so that of equal values the first wins.
__device__ __forceinline__ uint64_t argmaxKey(float v, int64_t i) {
  uint32_t u = 0xffffffffu;
  if (!isnan(v)) {
    u = __float_as_uint(v == 0.0f ? 0.0f : v);
    u = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
  }
  return (uint64_t(u) << 32) | uint64_t(0xffffffffu - uint32_t(i));
}

/// Grid (blocks per row, batch). Each block finds the best of its slice of
/// the row and folds it into slots[b] (key, then arrival count) with
/// atomics; the last block of a row to arrive writes the id and resets the
/// slot for the next call. One block a row was 58 us for Llama's 128k
/// logits on an H200 (one SM's bandwidth); a row's blocks now share it.
__global__ void argmaxKernel(const float *logits, int64_t rowStride,
                             int64_t rowOffset, int64_t vocab, int32_t *ids,
                             int32_t *tokens, int64_t tokenStride,
                             const int64_t *pos, int64_t posAdd,
                             unsigned long long *slots) {
  gridWait();
  allowDependents();
  __shared__ float sv[32];
  __shared__ int64_t si[32];
  int64_t b = blockIdx.y;
  const float *row = logits + b * rowStride + rowOffset;
  float best = -INFINITY;
  int64_t bestI = INT64_MAX;
  int64_t stride = int64_t(gridDim.x) * blockDim.x;
#pragma unroll 4
  for (int64_t v = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; v < vocab;
       v += stride) {
    float x = row[v];
    if (better(x, v, best, bestI)) {
      best = x;
      bestI = v;
    }
  }
  warpBest(best, bestI);
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  if (lane == 0) {
    sv[warp] = best;
    si[warp] = bestI;
  }
  __syncthreads();
  if (warp != 0)
    return;
  int warps = blockDim.x >> 5;
  best = lane < warps ? sv[lane] : -INFINITY;
  bestI = lane < warps ? si[lane] : INT64_MAX;
  warpBest(best, bestI);
  if (lane != 0)
    return;
  unsigned long long *key = slots + 2 * b, *count = key + 1;
  if (bestI != INT64_MAX) // A block past the row's end has no candidate.
    atomicMax(key, argmaxKey(best, bestI));
  __threadfence();
  if (atomicAdd(count, 1ull) != gridDim.x - 1)
    return;
  // Last to arrive: every other block's atomicMax came before its count.
  unsigned long long k = atomicExch(key, 0ull);
  atomicExch(count, 0ull);
  int32_t id = int32_t(0xffffffffu - uint32_t(k & 0xffffffffu));
  ids[b] = id;
  if (tokens)
    tokens[b * tokenStride + *pos + posAdd] = id;
}

uint16_t floatToBf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u)
    return uint16_t((u >> 16) | 0x40u); // Quiet NaN.
  u += 0x7fffu + ((u >> 16) & 1u);
  return uint16_t(u >> 16);
}

float bf16ToFloat(uint16_t h) {
  uint32_t u = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

} // namespace

void setPosition(OlmgContext *g, int64_t pos) {
  launchDependent(g, setPositionKernel, 1, 1, 0, g->pos, pos);
  g->noteLaunch("set position");
  g->positionJustSet = true;
}

void advancePosition(OlmgContext *g) {
  launchDependent(g, advancePositionKernel, 1, 1, 0, g->pos);
  g->noteLaunch("advance position");
  g->positionJustSet = true;
}

void argmaxToIds(OlmgContext *g, const float *logits, int64_t rowStride,
                 int64_t rowOffset, int64_t batch, int64_t vocab, int32_t *ids,
                 int32_t *tokens, int64_t tokenStride, int64_t posAdd) {
  if (batch > g->maxBatch || vocab <= 0 || vocab > INT32_MAX) {
    g->noteError("argmax: " + std::to_string(batch) + " rows of " +
                 std::to_string(vocab) + " logits (at most " +
                 std::to_string(g->maxBatch) + " rows of 2^31 - 1)");
    return;
  }
  // ~16 logits a thread, at most 128 blocks a row.
  constexpr int kThreads = 256;
  int64_t perRow =
      std::min<int64_t>(128, (vocab + 16 * kThreads - 1) / (16 * kThreads));
  launchDependent(g, argmaxKernel, dim3(unsigned(perRow), unsigned(batch)),
                  kThreads, 0, logits, rowStride, rowOffset, vocab, ids, tokens,
                  tokenStride, g->pos, posAdd, g->argmaxSlots);
  g->noteLaunch("argmax");
}

// The work streams are non-blocking: they do not wait for the legacy
// default stream, on which cudaMemcpy and cudaMemset run, and neither call
// promises that the device has finished when it returns (a pageable upload
// may still be in DMA, a memset of device memory is asynchronous). These
// helpers therefore wait for the device, so that a kernel enqueued next on
// any stream sees their bytes (kernel_check saw its 0xFF poison land after
// a kernel's results without this).
void copyToDevice(void *dst, const void *src, size_t bytes) {
  check(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice), "cudaMemcpy");
  check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
}

void copyToHost(void *dst, const void *src, size_t bytes) {
  check(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost), "cudaMemcpy");
}

void deviceFill(void *dst, int byte, size_t bytes) {
  check(cudaMemset(dst, byte, bytes), "cudaMemset");
  check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
}

void deviceFree(void *p) {
  if (p)
    cudaFree(p);
}

void synchronize(OlmgContext *g) {
  check(cudaStreamSynchronize(g->stream), "cudaStreamSynchronize");
  g->takeError();
}

double timeGraph(OlmgContext *g, const std::function<void()> &enqueue,
                 int replays) {
  check(cudaStreamBeginCapture(g->stream, cudaStreamCaptureModeThreadLocal),
        "cudaStreamBeginCapture");
  cudaGraph_t graph = nullptr;
  try {
    enqueue();
  } catch (...) {
    // Leave the stream usable: end the capture, drop its graph.
    if (cudaStreamEndCapture(g->stream, &graph) == cudaSuccess && graph)
      cudaGraphDestroy(graph);
    throw;
  }
  check(cudaStreamEndCapture(g->stream, &graph), "cudaStreamEndCapture");
  g->takeError();
  cudaGraphExec_t exec = nullptr;
  check(cudaGraphInstantiate(&exec, graph, 0), "cudaGraphInstantiate");
  cudaEvent_t start = nullptr, stop = nullptr;
  check(cudaEventCreate(&start), "cudaEventCreate");
  check(cudaEventCreate(&stop), "cudaEventCreate");
  check(cudaGraphLaunch(exec, g->stream), "cudaGraphLaunch");
  check(cudaEventRecord(start, g->stream), "cudaEventRecord");
  for (int i = 0; i < replays; ++i)
    check(cudaGraphLaunch(exec, g->stream), "cudaGraphLaunch");
  check(cudaEventRecord(stop, g->stream), "cudaEventRecord");
  check(cudaEventSynchronize(stop), "cudaEventSynchronize");
  float ms = 0.0f;
  check(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  cudaGraphExecDestroy(exec);
  cudaGraphDestroy(graph);
  return double(ms) / std::max(replays, 1);
}

void convertFromF32(DType dtype, const float *src, void *dst, size_t n) {
  switch (dtype) {
  case DType::F32:
    std::memcpy(dst, src, n * 4);
    return;
  case DType::BF16: {
    uint16_t *out = static_cast<uint16_t *>(dst);
    for (size_t i = 0; i < n; ++i)
      out[i] = floatToBf16(src[i]);
    return;
  }
  case DType::F16: {
    __half *out = static_cast<__half *>(dst);
    for (size_t i = 0; i < n; ++i)
      out[i] = __float2half_rn(src[i]);
    return;
  }
  }
}

void convertToF32(DType dtype, const void *src, float *dst, size_t n) {
  switch (dtype) {
  case DType::F32:
    std::memcpy(dst, src, n * 4);
    return;
  case DType::BF16: {
    const uint16_t *in = static_cast<const uint16_t *>(src);
    for (size_t i = 0; i < n; ++i)
      dst[i] = bf16ToFloat(in[i]);
    return;
  }
  case DType::F16: {
    const __half *in = static_cast<const __half *>(src);
    for (size_t i = 0; i < n; ++i)
      dst[i] = __half2float(in[i]);
    return;
  }
  }
}

} // namespace olmrt::cuda

using namespace olmrt::cuda;

namespace {
constexpr size_t kWorkspaceBytes = size_t(32) << 20;
}

OlmgContext::OlmgContext(DType dtype, int64_t maxBatch)
    : dtype(dtype), maxBatch(maxBatch) {
  int device = 0;
  check(cudaGetDevice(&device), "cudaGetDevice");
  check(
      cudaDeviceGetAttribute(&smCount, cudaDevAttrMultiProcessorCount, device),
      "cudaDeviceGetAttribute");
  check(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking),
        "cudaStreamCreate");
  checkLt(cublasLtCreate(&lt), "cublasLtCreate");
  workspaceBytes = kWorkspaceBytes;
  workspace = deviceAlloc(workspaceBytes, "the cuBLASLt workspace");
  pos = static_cast<int64_t *>(deviceAlloc(sizeof(int64_t), "the position"));
  deviceFill(pos, 0, sizeof(int64_t));
  size_t slotBytes = size_t(std::max<int64_t>(maxBatch, 1)) * 16;
  argmaxSlots = static_cast<unsigned long long *>(
      deviceAlloc(slotBytes, "the argmax slots"));
  deviceFill(argmaxSlots, 0, slotBytes);
  auto off = [](const char *name) {
    const char *v = std::getenv(name);
    return v && std::strcmp(v, "0") == 0;
  };
  useGemv = !off("OLMRT_CUDA_GEMV");
  useGemvMma = !off("OLMRT_CUDA_GEMV_MMA");
  usePdl = !off("OLMRT_CUDA_PDL");
  flashQueries = !off("OLMRT_CUDA_FLASH_QUERIES");
  // Gemv.cu's launchForm() takes anything but 32-256 as the runtime's
  // choice.
  if (const char *width = std::getenv("OLMRT_CUDA_GEMV_WIDTH"))
    gemvWidth = std::atoi(width);
  // Anything but "0" or "1" is taken as the runtime's choice.
  if (const char *prep = std::getenv("OLMRT_CUDA_PREP_IN_SPLIT"))
    prepInSplit = std::strcmp(prep, "0") == 0   ? 0
                  : std::strcmp(prep, "1") == 0 ? 1
                                                : -1;
  if (const char *grouped = std::getenv("OLMRT_CUDA_SPLIT_GROUPED"))
    splitGrouped = std::strcmp(grouped, "0") == 0   ? 0
                   : std::strcmp(grouped, "1") == 0 ? 1
                                                    : -1;
}

OlmgContext::~OlmgContext() {
  if (stream)
    cudaStreamSynchronize(stream);
  for (auto &entry : plans) {
    MatmulPlan &p = entry.second;
    if (p.a)
      cublasLtMatrixLayoutDestroy(p.a);
    if (p.b)
      cublasLtMatrixLayoutDestroy(p.b);
    if (p.c)
      cublasLtMatrixLayoutDestroy(p.c);
    if (p.desc)
      cublasLtMatmulDescDestroy(p.desc);
  }
  if (scratch)
    cudaFree(scratch);
  if (pitched)
    cudaFree(pitched);
  if (pos)
    cudaFree(pos);
  if (argmaxSlots)
    cudaFree(argmaxSlots);
  if (workspace)
    cudaFree(workspace);
  if (lt)
    cublasLtDestroy(lt);
  if (stream)
    cudaStreamDestroy(stream);
}

void OlmgContext::noteLaunch(const char *what) {
  ++calls;
  positionJustSet = false;
  cudaError_t status = cudaGetLastError();
  if (status != cudaSuccess && error.empty())
    error = std::string(what) + ": " + cudaGetErrorName(status) + ": " +
            cudaGetErrorString(status);
}

void OlmgContext::noteError(const std::string &message) {
  if (error.empty())
    error = message;
}

void OlmgContext::takeError() {
  if (error.empty())
    return;
  std::string message = error;
  error.clear();
  throw CudaError(message);
}

bool OlmgContext::capturing() const {
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  cudaStreamIsCapturing(stream, &status);
  return status != cudaStreamCaptureStatusNone;
}

bool OlmgContext::growScratch() {
  if (scratchWanted <= scratchFloats)
    return false;
  size_t want = scratchWanted;
  scratchWanted = 0;
  if (!scratchFor(want))
    takeError();
  return true;
}

float *OlmgContext::scratchFor(size_t floats) {
  if (floats <= scratchFloats)
    return scratch;
  if (capturing()) {
    scratchWanted = std::max(scratchWanted, floats);
    noteError("scratch (split-KV partials, gated products) must grow during "
              "graph capture");
    return nullptr;
  }
  cudaStreamSynchronize(stream);
  if (scratch)
    cudaFree(scratch);
  scratch = nullptr;
  scratchFloats = 0;
  // Kernels never throw (generated C code calls them): record the error.
  try {
    scratch = static_cast<float *>(
        deviceAlloc(floats * sizeof(float), "the kernels' scratch"));
  } catch (const std::exception &e) {
    noteError(e.what());
    return nullptr;
  }
  scratchFloats = floats;
  ++scratchGeneration;
  return scratch;
}
