//===- Backend.cpp - The plugin: factory, device program, sessions --------===//
//
// olmrt_device_backend_create (DeviceBackend.h) opens the driver and the
// first visible GPU; CudaProgram holds a model's generated kernels (the
// artifact's cubin when it matches the GPU, else its PTX, JIT-compiled by
// the driver); CudaSession owns the device memory of one session and runs
// the artifact's host code on its stream:
//  - weights: one allocation, each tensor 256-byte aligned, converted to
//    the compute dtype on the host into pinned staging buffers (two, so
//    conversion overlaps the copies) and copied once;
//  - prefill: ids to the device, the position to g->pos, the entry point;
//  - decode: one step = the decode entry point, the argmax of its logits
//    into the device ids (and the token log), the position advanced; it is
//    captured once per batch size as a CUDA graph and replayed, so a greedy
//    loop is nothing but graph launches.
//
//===----------------------------------------------------------------------===//

#include "Context.h"
#include "Driver.h"

#include "olmrt/DeviceBackend.h"

#include <algorithm>
#include <cstring>
#include <map>

namespace olmrt::cuda {

namespace {

constexpr size_t kWeightAlign = 256;
constexpr size_t kStagingBytes = size_t(64) << 20;

size_t roundUp(size_t n, size_t a) { return (n + a - 1) / a * a; }

/// "sm_90" -> 90; -1 when it is not of that form.
int parseArch(const std::string &arch) {
  if (arch.size() < 4 || arch.compare(0, 3, "sm_") != 0)
    return -1;
  int value = 0;
  for (size_t i = 3; i < arch.size(); ++i) {
    char ch = arch[i];
    if (ch == 'a' && i + 1 == arch.size())
      break; // sm_90a: the same chip.
    if (ch < '0' || ch > '9' || value > 10000)
      return -1;
    value = value * 10 + (ch - '0');
  }
  return value;
}

class PinnedBuffer {
public:
  explicit PinnedBuffer(size_t bytes) {
    check(cudaMallocHost(&data_, bytes), "cudaMallocHost (pinned staging)");
  }
  ~PinnedBuffer() {
    if (data_)
      cudaFreeHost(data_);
  }
  PinnedBuffer(const PinnedBuffer &) = delete;
  PinnedBuffer &operator=(const PinnedBuffer &) = delete;
  void *data() const { return data_; }

private:
  void *data_ = nullptr;
};

class CudaProgram;

class CudaSession : public DeviceSession {
public:
  CudaSession(const CudaProgram &program, const DeviceSessionSpec &spec);
  ~CudaSession() override;

  void prefill(const int32_t *ids, int64_t batch, int64_t seq, int64_t pos0,
               float *logits) override;
  void decode(const int32_t *ids, int64_t batch, int64_t pos0,
              float *logits) override;
  void generateGreedy(const int32_t *prompt, int64_t batch, int64_t seq,
                      int64_t newTokens, int64_t *outIds,
                      float *allLogits) override;
  void resetCache() override;
  double timePrefill(const int32_t *ids, int64_t batch, int64_t seq) override;
  double timeDecode(const int32_t *ids, int64_t batch, int64_t seq,
                    int64_t steps) override;
  DeviceGraphInfo decodeGraphInfo(int64_t batch) override;
  int64_t lastPrefillKernelCalls() const override { return prefillCalls_; }

private:
  struct Graph {
    cudaGraph_t graph = nullptr;
    cudaGraphExec_t exec = nullptr;
    int64_t generation = -1;
    DeviceGraphInfo info;
  };

  void uploadWeights(const DeviceSessionSpec &spec);
  void runEntry(OlmxEntryFn fn, const char *name, int64_t batch, int64_t seq,
                int64_t pos0, float *logits);
  /// Enqueues prefill of ids already in ids_ (logits stay on the device).
  void enqueuePrefill(int64_t batch, int64_t seq, int64_t pos0);
  void enqueueStep(int64_t batch);
  Graph &graphFor(int64_t batch);
  void step(int64_t batch);
  void copyIds(const int32_t *ids, int64_t n);
  /// rows x vocab logits from the device (rows ld_ apart) to dense host
  /// memory.
  void copyLogits(float *host, const float *device, int64_t rows);
  void sync(const char *what);
  void destroyGraph(Graph &graph);

  std::unique_ptr<OlmgContext> g_;
  int64_t vocab_, ld_, maxSeq_, maxBatch_; // ld_: logits row stride
  int64_t kvBytes_;
  OlmxEntryFn prefill_, decode_;
  void *weightBlock_ = nullptr;
  std::vector<const void *> weightTable_;
  void *arena_ = nullptr;
  void *kv_ = nullptr;
  int32_t *ids_ = nullptr;    // [maxBatch * maxSeq]
  int32_t *tokens_ = nullptr; // [maxBatch, maxSeq + 1]: greedy tokens
  float *stepLogits_ = nullptr;
  float *prefillLogits_ = nullptr;
  size_t prefillLogitsFloats_ = 0;
  std::map<int64_t, Graph> graphs_;
  cudaEvent_t start_ = nullptr, stop_ = nullptr;
  int64_t prefillCalls_ = 0;
};

class CudaProgram : public DeviceProgram {
public:
  CudaProgram(const DeviceProgramSpec &spec) : path_(spec.artifactPath) {
    dtype_ = parseDType(spec.dtype);
    int device = 0;
    check(cudaGetDevice(&device), "cudaGetDevice");
    cudaDeviceProp prop{};
    check(cudaGetDeviceProperties(&prop, device), "cudaGetDeviceProperties");
    int cc = prop.major * 10 + prop.minor;
    name_ = std::string(prop.name) + " (sm_" + std::to_string(cc) + ")";
    int want = parseArch(spec.arch);
    if (want < 0)
      throw CudaError(path_ + ": manifest target.arch '" + spec.arch +
                      "' is not of the form sm_NN");
    if (want != cc)
      throw CudaError(path_ + ": the artifact is compiled for " + spec.arch +
                      ", but GPU " + std::to_string(device) + " (" +
                      prop.name + ") is sm_" + std::to_string(cc) +
                      " (compute capability " + std::to_string(prop.major) +
                      "." + std::to_string(prop.minor) +
                      "); recompile with --target cuda for this GPU");
    if (!spec.kernels.empty())
      loadModule(spec);
  }
  ~CudaProgram() override {
    if (module_)
      driver().cuModuleUnload(module_);
  }

  std::unique_ptr<DeviceSession>
  createSession(const DeviceSessionSpec &spec) override {
    return std::make_unique<CudaSession>(*this, spec);
  }
  std::string deviceName() const override { return name_; }

  DType dtype() const { return dtype_; }
  const std::vector<GeneratedKernel> &kernels() const { return kernels_; }

private:
  void loadModule(const DeviceProgramSpec &spec) {
    // The driver wants PTX NUL-terminated; a cubin is taken as is.
    bool cubin = !spec.cubin.empty();
    std::string image(cubin ? spec.cubin : spec.ptx);
    if (image.empty())
      throw CudaError(path_ + ": the artifact lists " +
                      std::to_string(spec.kernels.size()) +
                      " device kernels but has no code.cuda.ptx or "
                      "code.cuda.cubin section");
    char log[4096] = {0};
    CUjit_option options[] = {CU_JIT_ERROR_LOG_BUFFER,
                              CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
    void *values[] = {log, reinterpret_cast<void *>(uintptr_t(sizeof log))};
    CUresult status = driver().cuModuleLoadDataEx(&module_, image.c_str(), 2,
                                                  options, values);
    if (status != CUDA_SUCCESS) {
      std::string first(log);
      first = first.substr(0, first.find('\n'));
      throw CudaError(path_ + ": cannot load its " +
                      (cubin ? "cubin" : "PTX") + ": " + driverError(status) +
                      (first.empty() ? "" : " (" + first + ")"));
    }
    for (const DeviceKernelSpec &k : spec.kernels) {
      GeneratedKernel gk;
      status = driver().cuModuleGetFunction(&gk.function, module_,
                                            k.name.c_str());
      if (status != CUDA_SUCCESS)
        throw CudaError(path_ + ": device code has no kernel '" + k.name +
                        "': " + driverError(status));
      gk.args = int32_t(k.args);
      gk.elementsPerThread = int32_t(k.elementsPerThread);
      kernels_.push_back(gk);
    }
  }

  std::string path_;
  std::string name_;
  DType dtype_ = DType::F32;
  CUmodule module_ = nullptr;
  std::vector<GeneratedKernel> kernels_;
};

CudaSession::CudaSession(const CudaProgram &program,
                         const DeviceSessionSpec &spec)
    : vocab_(spec.vocab), ld_(std::max(spec.logitsRowStride, spec.vocab)),
      maxSeq_(spec.maxSeq), maxBatch_(spec.maxBatch),
      kvBytes_(spec.kvCacheBytes), prefill_(spec.prefill),
      decode_(spec.decode) {
  g_ = std::make_unique<OlmgContext>(program.dtype(), spec.maxBatch);
  g_->kernels = program.kernels();
  check(cudaEventCreate(&start_), "cudaEventCreate");
  check(cudaEventCreate(&stop_), "cudaEventCreate");
  uploadWeights(spec);
  arena_ = deviceAlloc(size_t(spec.arenaBytes), "the activation arena");
  kv_ = deviceAlloc(size_t(spec.kvCacheBytes), "the KV cache");
  deviceFill(kv_, 0, size_t(spec.kvCacheBytes)); // Waits: see Context.cu.
  ids_ = static_cast<int32_t *>(deviceAlloc(
      size_t(maxBatch_ * maxSeq_) * sizeof(int32_t), "the token ids"));
  tokens_ = static_cast<int32_t *>(
      deviceAlloc(size_t(maxBatch_ * (maxSeq_ + 1)) * sizeof(int32_t),
                  "the generated tokens"));
  stepLogits_ = static_cast<float *>(deviceAlloc(
      size_t(maxBatch_ * ld_) * sizeof(float), "the decode logits"));
}

CudaSession::~CudaSession() {
  if (g_)
    cudaStreamSynchronize(g_->stream);
  for (auto &entry : graphs_)
    destroyGraph(entry.second);
  for (void *p : {weightBlock_, arena_, kv_, static_cast<void *>(ids_),
                  static_cast<void *>(tokens_),
                  static_cast<void *>(stepLogits_),
                  static_cast<void *>(prefillLogits_)})
    if (p)
      cudaFree(p);
  if (start_)
    cudaEventDestroy(start_);
  if (stop_)
    cudaEventDestroy(stop_);
}

void CudaSession::destroyGraph(Graph &graph) {
  if (graph.exec)
    cudaGraphExecDestroy(graph.exec);
  if (graph.graph)
    cudaGraphDestroy(graph.graph);
  graph = Graph();
}

void CudaSession::uploadWeights(const DeviceSessionSpec &spec) {
  size_t es = dtypeBytes(g_->dtype);
  std::vector<size_t> offsets;
  size_t total = 0;
  for (int64_t n : spec.weightElements) {
    offsets.push_back(total);
    total += roundUp(size_t(n) * es, kWeightAlign);
  }
  weightBlock_ = deviceAlloc(
      total, "the weights (" + std::to_string(spec.weights.size()) +
                 " tensors in " + dtypeName(g_->dtype) + ")");
  for (size_t i = 0; i < offsets.size(); ++i)
    weightTable_.push_back(static_cast<char *>(weightBlock_) + offsets[i]);

  PinnedBuffer staging0(kStagingBytes), staging1(kStagingBytes);
  void *staging[2] = {staging0.data(), staging1.data()};
  cudaEvent_t done[2];
  check(cudaEventCreateWithFlags(&done[0], cudaEventDisableTiming),
        "cudaEventCreate");
  check(cudaEventCreateWithFlags(&done[1], cudaEventDisableTiming),
        "cudaEventCreate");
  size_t chunk = kStagingBytes / es;
  int slot = 0;
  try {
    for (size_t i = 0; i < spec.weights.size(); ++i) {
      size_t n = size_t(spec.weightElements[i]);
      for (size_t off = 0; off < n; off += chunk) {
        size_t count = std::min(chunk, n - off);
        // The copy that last used this buffer must have finished.
        check(cudaEventSynchronize(done[slot]), "uploading the weights");
        convertFromF32(g_->dtype, spec.weights[i] + off, staging[slot], count);
        check(cudaMemcpyAsync(static_cast<char *>(const_cast<void *>(
                                  weightTable_[i])) +
                                  off * es,
                              staging[slot], count * es,
                              cudaMemcpyHostToDevice, g_->stream),
              "uploading weight '" + spec.weightNames[i] + "'");
        check(cudaEventRecord(done[slot], g_->stream), "cudaEventRecord");
        slot ^= 1;
      }
    }
    check(cudaStreamSynchronize(g_->stream), "uploading the weights");
  } catch (...) {
    cudaStreamSynchronize(g_->stream);
    cudaEventDestroy(done[0]);
    cudaEventDestroy(done[1]);
    throw;
  }
  cudaEventDestroy(done[0]);
  cudaEventDestroy(done[1]);
}

void CudaSession::sync(const char *what) {
  check(cudaStreamSynchronize(g_->stream), what);
  g_->takeError();
}

void CudaSession::copyIds(const int32_t *ids, int64_t n) {
  check(cudaMemcpyAsync(ids_, ids, size_t(n) * sizeof(int32_t),
                        cudaMemcpyHostToDevice, g_->stream),
        "copying token ids to the device");
}

void CudaSession::copyLogits(float *host, const float *device, int64_t rows) {
  size_t row = size_t(vocab_) * sizeof(float);
  check(cudaMemcpy2DAsync(host, row, device, size_t(ld_) * sizeof(float), row,
                          size_t(rows), cudaMemcpyDeviceToHost, g_->stream),
        "copying the logits to the host");
}

void CudaSession::runEntry(OlmxEntryFn fn, const char *name, int64_t batch,
                           int64_t seq, int64_t pos0, float *logits) {
  OlmxRunContext ctx{};
  ctx.weights = weightTable_.data();
  ctx.arena = arena_;
  ctx.kv_cache = kv_;
  ctx.ids = ids_;
  ctx.logits = logits;
  ctx.batch = batch;
  ctx.seq = seq;
  ctx.pos0 = pos0;
  ctx.device = g_.get();
  int32_t status = fn(&ctx);
  if (status != 0)
    throw CudaError(std::string("entry point '") + name +
                    "' failed with status " + std::to_string(status));
  g_->takeError();
}

void CudaSession::enqueuePrefill(int64_t batch, int64_t seq, int64_t pos0) {
  size_t need = size_t(batch * seq * ld_);
  if (need > prefillLogitsFloats_) {
    sync("before growing the logits buffer");
    if (prefillLogits_)
      cudaFree(prefillLogits_);
    prefillLogits_ = nullptr;
    prefillLogitsFloats_ = 0;
    prefillLogits_ = static_cast<float *>(
        deviceAlloc(need * sizeof(float), "the prefill logits"));
    prefillLogitsFloats_ = need;
  }
  setPosition(g_.get(), pos0);
  int64_t calls = g_->calls;
  runEntry(prefill_, "prefill", batch, seq, pos0, prefillLogits_);
  prefillCalls_ = g_->calls - calls;
}

void CudaSession::prefill(const int32_t *ids, int64_t batch, int64_t seq,
                          int64_t pos0, float *logits) {
  copyIds(ids, batch * seq);
  enqueuePrefill(batch, seq, pos0);
  if (logits)
    copyLogits(logits, prefillLogits_, batch * seq);
  sync("prefill");
}

void CudaSession::enqueueStep(int64_t batch) {
  // pos0 reaches the host code as 0: the kernels read g->pos.
  runEntry(decode_, "decode", batch, 1, 0, stepLogits_);
  argmaxToIds(g_.get(), stepLogits_, ld_, 0, batch, vocab_, ids_, tokens_,
              maxSeq_ + 1, 1);
  advancePosition(g_.get());
  g_->takeError();
}

CudaSession::Graph &CudaSession::graphFor(int64_t batch) {
  Graph &graph = graphs_[batch];
  if (graph.exec && graph.generation == g_->scratchGeneration)
    return graph;
  destroyGraph(graph);
  // A second attempt when the first found the attention scratch too small
  // (a capture cannot allocate): it is allocated in between.
  for (int attempt = 0;; ++attempt) {
    check(cudaStreamBeginCapture(g_->stream, cudaStreamCaptureModeThreadLocal),
          "cudaStreamBeginCapture");
    try {
      enqueueStep(batch);
    } catch (...) {
      cudaGraph_t broken = nullptr;
      cudaStreamEndCapture(g_->stream, &broken);
      if (broken)
        cudaGraphDestroy(broken);
      (void)cudaGetLastError();
      if (attempt == 0 && g_->growScratch())
        continue;
      throw;
    }
    break;
  }
  check(cudaStreamEndCapture(g_->stream, &graph.graph),
        "capturing the decode step");
  check(cudaGraphInstantiate(&graph.exec, graph.graph, 0),
        "instantiating the decode graph");
  graph.generation = g_->scratchGeneration;
  size_t count = 0;
  check(cudaGraphGetNodes(graph.graph, nullptr, &count), "cudaGraphGetNodes");
  std::vector<cudaGraphNode_t> nodes(count);
  check(cudaGraphGetNodes(graph.graph, nodes.data(), &count),
        "cudaGraphGetNodes");
  graph.info.nodes = int64_t(count);
  graph.info.kernels = 0;
  for (cudaGraphNode_t node : nodes) {
    cudaGraphNodeType type;
    if (cudaGraphNodeGetType(node, &type) == cudaSuccess &&
        type == cudaGraphNodeTypeKernel)
      ++graph.info.kernels;
  }
  return graph;
}

void CudaSession::step(int64_t batch) {
  Graph &graph = graphFor(batch);
  check(cudaGraphLaunch(graph.exec, g_->stream), "cudaGraphLaunch");
}

void CudaSession::decode(const int32_t *ids, int64_t batch, int64_t pos0,
                         float *logits) {
  copyIds(ids, batch);
  setPosition(g_.get(), pos0);
  step(batch);
  if (logits)
    copyLogits(logits, stepLogits_, batch);
  sync("decode");
}

void CudaSession::generateGreedy(const int32_t *prompt, int64_t batch,
                                 int64_t seq, int64_t newTokens,
                                 int64_t *outIds, float *allLogits) {
  int64_t total = seq + newTokens;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < seq; ++t)
      outIds[b * total + t] = prompt[b * seq + t];
  if (newTokens == 0 && !allLogits)
    return;
  int64_t steps = newTokens > 0 ? newTokens - 1 : 0;
  int64_t rows = seq + steps;
  copyIds(prompt, batch * seq);
  enqueuePrefill(batch, seq, 0);
  if (allLogits)
    for (int64_t b = 0; b < batch; ++b)
      copyLogits(allLogits + b * rows * vocab_, prefillLogits_ + b * seq * ld_,
                 seq);
  if (newTokens == 0) {
    sync("prefill");
    return;
  }
  // First new token: argmax of each sequence's last prompt position, into
  // ids_ (fed to the first decode step) and tokens_[b, seq] (pos is 0).
  argmaxToIds(g_.get(), prefillLogits_, seq * ld_, (seq - 1) * ld_, batch,
              vocab_, ids_, tokens_, maxSeq_ + 1, seq);
  setPosition(g_.get(), seq);
  std::unique_ptr<PinnedBuffer> stepLogits;
  if (allLogits && steps > 0)
    stepLogits = std::make_unique<PinnedBuffer>(size_t(steps * batch * vocab_) *
                                                sizeof(float));
  for (int64_t i = 0; i < steps; ++i) {
    step(batch);
    if (stepLogits)
      copyLogits(static_cast<float *>(stepLogits->data()) + i * batch * vocab_,
                 stepLogits_, batch);
  }
  std::vector<int32_t> tokens(size_t(batch * (maxSeq_ + 1)));
  check(cudaMemcpyAsync(tokens.data(), tokens_, tokens.size() * sizeof(int32_t),
                        cudaMemcpyDeviceToHost, g_->stream),
        "copying the tokens to the host");
  sync("greedy generation");
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < newTokens; ++i)
      outIds[b * total + seq + i] = tokens[size_t(b * (maxSeq_ + 1) + seq + i)];
  if (stepLogits)
    for (int64_t i = 0; i < steps; ++i)
      for (int64_t b = 0; b < batch; ++b)
        std::memcpy(allLogits + (b * rows + seq + i) * vocab_,
                    static_cast<float *>(stepLogits->data()) +
                        (i * batch + b) * vocab_,
                    size_t(vocab_) * sizeof(float));
}

void CudaSession::resetCache() {
  check(cudaMemsetAsync(kv_, 0, size_t(kvBytes_), g_->stream),
        "clearing the KV cache");
  sync("clearing the KV cache");
}

double CudaSession::timePrefill(const int32_t *ids, int64_t batch,
                                int64_t seq) {
  resetCache();
  copyIds(ids, batch * seq);
  check(cudaEventRecord(start_, g_->stream), "cudaEventRecord");
  enqueuePrefill(batch, seq, 0);
  check(cudaEventRecord(stop_, g_->stream), "cudaEventRecord");
  sync("prefill");
  float ms = 0;
  check(cudaEventElapsedTime(&ms, start_, stop_), "cudaEventElapsedTime");
  return ms;
}

double CudaSession::timeDecode(const int32_t *ids, int64_t batch, int64_t seq,
                               int64_t steps) {
  resetCache();
  copyIds(ids, batch * seq);
  enqueuePrefill(batch, seq, 0);
  argmaxToIds(g_.get(), prefillLogits_, seq * ld_, (seq - 1) * ld_, batch,
              vocab_, ids_, tokens_, maxSeq_ + 1, seq);
  setPosition(g_.get(), seq);
  Graph &graph = graphFor(batch); // Captured outside the timed region.
  check(cudaEventRecord(start_, g_->stream), "cudaEventRecord");
  for (int64_t i = 0; i < steps; ++i)
    check(cudaGraphLaunch(graph.exec, g_->stream), "cudaGraphLaunch");
  check(cudaEventRecord(stop_, g_->stream), "cudaEventRecord");
  sync("decode");
  float ms = 0;
  check(cudaEventElapsedTime(&ms, start_, stop_), "cudaEventElapsedTime");
  return ms;
}

DeviceGraphInfo CudaSession::decodeGraphInfo(int64_t batch) {
  return graphFor(batch).info;
}

class CudaBackend : public DeviceBackend {
public:
  std::unique_ptr<DeviceProgram>
  loadProgram(const DeviceProgramSpec &spec) override {
    return std::make_unique<CudaProgram>(spec);
  }
};

void copyError(const std::string &message, char *error, size_t size) {
  if (!error || size == 0)
    return;
  size_t n = std::min(message.size(), size - 1);
  std::memcpy(error, message.data(), n);
  error[n] = '\0';
}

} // namespace

} // namespace olmrt::cuda

extern "C" __attribute__((visibility("default"))) olmrt::DeviceBackend *
olmrt_device_backend_create(int32_t version, char *error, size_t errorSize) {
  using namespace olmrt::cuda;
  if (version != olmrt::kDeviceBackendVersion) {
    copyError("the CUDA backend implements device interface version " +
                  std::to_string(olmrt::kDeviceBackendVersion) +
                  ", the runtime needs " + std::to_string(version) +
                  "; rebuild libolmrt_cuda.so with this olmrt",
              error, errorSize);
    return nullptr;
  }
  std::string why;
  if (!loadDriver(&why)) {
    copyError(why, error, errorSize);
    return nullptr;
  }
  cudaError_t status = cudaSetDevice(0);
  if (status == cudaSuccess)
    status = cudaFree(nullptr); // Creates the primary context.
  if (status != cudaSuccess) {
    copyError(std::string("cannot use GPU 0: ") + cudaGetErrorName(status) +
                  ": " + cudaGetErrorString(status),
              error, errorSize);
    return nullptr;
  }
  try {
    static CudaBackend backend;
    return &backend;
  } catch (const std::exception &e) {
    copyError(e.what(), error, errorSize);
    return nullptr;
  }
}
