//===- Context.cu - OlmgContext, errors, positions, device argmax ---------===//

#include "Common.cuh"

#include <algorithm>
#include <cmath>
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

__global__ void setPositionKernel(int64_t *pos, int64_t value) { *pos = value; }
__global__ void advancePositionKernel(int64_t *pos) { *pos += 1; }

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

__global__ void argmaxKernel(const float *logits, int64_t rowStride,
                             int64_t rowOffset, int64_t vocab, int32_t *ids,
                             int32_t *tokens, int64_t tokenStride,
                             const int64_t *pos, int64_t posAdd) {
  __shared__ float sv[32];
  __shared__ int64_t si[32];
  int64_t b = blockIdx.x;
  const float *row = logits + b * rowStride + rowOffset;
  float best = -INFINITY;
  int64_t bestI = INT64_MAX;
  for (int64_t v = threadIdx.x; v < vocab; v += blockDim.x) {
    float x = row[v];
    if (better(x, v, best, bestI)) {
      best = x;
      bestI = v;
    }
  }
  for (int o = 16; o > 0; o >>= 1) {
    float ov = __shfl_xor_sync(0xffffffffu, best, o);
    int64_t oi = __shfl_xor_sync(0xffffffffu, bestI, o);
    if (better(ov, oi, best, bestI)) {
      best = ov;
      bestI = oi;
    }
  }
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  if (lane == 0) {
    sv[warp] = best;
    si[warp] = bestI;
  }
  __syncthreads();
  if (warp == 0) {
    int warps = blockDim.x >> 5;
    best = lane < warps ? sv[lane] : -INFINITY;
    bestI = lane < warps ? si[lane] : INT64_MAX;
    for (int o = 16; o > 0; o >>= 1) {
      float ov = __shfl_xor_sync(0xffffffffu, best, o);
      int64_t oi = __shfl_xor_sync(0xffffffffu, bestI, o);
      if (better(ov, oi, best, bestI)) {
        best = ov;
        bestI = oi;
      }
    }
    if (lane == 0) {
      if (bestI == INT64_MAX)
        bestI = 0; // All -inf: torch returns 0 as well.
      ids[b] = int32_t(bestI);
      if (tokens)
        tokens[b * tokenStride + *pos + posAdd] = int32_t(bestI);
    }
  }
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
  setPositionKernel<<<1, 1, 0, g->stream>>>(g->pos, pos);
  g->noteLaunch("set position");
}

void advancePosition(OlmgContext *g) {
  advancePositionKernel<<<1, 1, 0, g->stream>>>(g->pos);
  g->noteLaunch("advance position");
}

void argmaxToIds(OlmgContext *g, const float *logits, int64_t rowStride,
                 int64_t rowOffset, int64_t batch, int64_t vocab, int32_t *ids,
                 int32_t *tokens, int64_t tokenStride, int64_t posAdd) {
  argmaxKernel<<<unsigned(batch), 1024, 0, g->stream>>>(
      logits, rowStride, rowOffset, vocab, ids, tokens, tokenStride, g->pos,
      posAdd);
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
  check(cudaDeviceGetAttribute(&smCount, cudaDevAttrMultiProcessorCount,
                               device),
        "cudaDeviceGetAttribute");
  check(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking),
        "cudaStreamCreate");
  checkLt(cublasLtCreate(&lt), "cublasLtCreate");
  workspaceBytes = kWorkspaceBytes;
  workspace = deviceAlloc(workspaceBytes, "the cuBLASLt workspace");
  pos = static_cast<int64_t *>(deviceAlloc(sizeof(int64_t), "the position"));
  deviceFill(pos, 0, sizeof(int64_t));
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
  if (workspace)
    cudaFree(workspace);
  if (lt)
    cublasLtDestroy(lt);
  if (stream)
    cudaStreamDestroy(stream);
}

void OlmgContext::noteLaunch(const char *what) {
  ++calls;
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
    noteError("split-KV attention needs more scratch during graph capture");
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
        deviceAlloc(floats * sizeof(float), "split-KV attention scratch"));
  } catch (const std::exception &e) {
    noteError(e.what());
    return nullptr;
  }
  scratchFloats = floats;
  ++scratchGeneration;
  return scratch;
}
