//===- Session.cpp - Run a compiled model ---------------------------------===//

#include "olmrt/Session.h"

#include "DeviceLoader.h"

#include "olmrt/DeviceBackend.h"
#include "olmrt/Error.h"
#include "olmrt/Model.h"
#include "olmrt/Weights.h"

#include <cmath>

namespace olmrt {

namespace {

[[noreturn]] void badId(int64_t id, int64_t sequence, int64_t position,
                        int64_t vocab) {
  throw Error("token id " + std::to_string(id) + " at position " +
              std::to_string(position) + " of sequence " +
              std::to_string(sequence) + " is outside the vocabulary of " +
              std::to_string(vocab) + " tokens");
}

void checkBatch(int64_t batch, int64_t maxBatch) {
  if (batch < 1)
    throw Error("batch of " + std::to_string(batch) +
                " sequences: need at least one");
  if (batch > maxBatch)
    throw Error("batch of " + std::to_string(batch) +
                " sequences exceeds the compiled --max-batch " +
                std::to_string(maxBatch));
}

/// Positions pos0 .. pos0 + seq - 1 must exist in the KV cache.
void checkPositions(int64_t seq, int64_t pos0, int64_t maxSeq) {
  if (seq < 1)
    throw Error("sequence of " + std::to_string(seq) +
                " tokens: need at least one");
  if (pos0 < 0)
    throw Error("start position " + std::to_string(pos0) + " is negative");
  int64_t end;
  bool overflow = __builtin_add_overflow(pos0, seq, &end);
  if (overflow || end > maxSeq)
    throw Error("sequence of " +
                (overflow ? std::to_string(pos0) + " + " + std::to_string(seq)
                          : std::to_string(end)) +
                " tokens exceeds the compiled --max-seq " +
                std::to_string(maxSeq));
}

/// batch * seq * vocab floats, or an error when that cannot be allocated.
size_t logitsCount(int64_t batch, int64_t seq, int64_t vocab) {
  int64_t n;
  if (__builtin_mul_overflow(batch, seq, &n) ||
      __builtin_mul_overflow(n, vocab, &n) ||
      uint64_t(n) > SIZE_MAX / sizeof(float))
    throw Error("logits of " + std::to_string(batch) + " x " +
                std::to_string(seq) + " x " + std::to_string(vocab) +
                " floats do not fit in memory");
  return size_t(n);
}

} // namespace

int64_t argmaxFirst(const float *x, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i) {
    if (std::isnan(x[best]))
      break; // Nothing beats the first NaN.
    if (x[i] > x[best] || std::isnan(x[i]))
      best = i;
  }
  return best;
}

Session::Session(const CompiledModel &model, const Weights &weights)
    : model_(model), weights_(weights) {
  const Manifest &manifest = model.manifest();
  if (weights.size() != manifest.weights.size())
    throw Error(model.path() + ": the weights hold " +
                std::to_string(weights.size()) + " tensors, the model needs " +
                std::to_string(manifest.weights.size()));
  for (size_t i = 0; i < weights.size(); ++i)
    if (weights.shape(i) != manifest.weights[i].shape)
      throw Error(model.path() + ": weight " + std::to_string(i) + " '" +
                  manifest.weights[i].name + "' was built with shape " +
                  formatShape(weights.shape(i)) + ", the model expects " +
                  formatShape(manifest.weights[i].shape));
  prefill_ = model.entryPoint("prefill");
  decode_ = model.entryPoint("decode");
  decodeName_ = "decode";
  if (!decode_) {
    decode_ = prefill_; // prefill takes any seq, 1 included.
    decodeName_ = "prefill";
  }
  if (DeviceProgram *program = model.deviceProgram()) {
    DeviceSessionSpec spec;
    spec.vocab = manifest.model.vocab;
    spec.logitsRowStride = manifest.model.logitsRowStride;
    spec.maxSeq = manifest.model.maxSeq;
    spec.maxBatch = manifest.model.maxBatch;
    spec.arenaBytes = manifest.memory.arenaBytes;
    spec.kvCacheBytes = manifest.memory.kvCacheBytes;
    spec.prefill = prefill_;
    spec.decode = decode_;
    for (size_t i = 0; i < weights.size(); ++i) {
      spec.weights.push_back(weights.data(i));
      spec.weightElements.push_back(manifest.weights[i].numElements());
      spec.weightNames.push_back(manifest.weights[i].name);
    }
    device_ = exec::deviceCall(model.path(),
                               [&] { return program->createSession(spec); });
    return;
  }
  arena_ =
      AlignedBuffer(size_t(manifest.memory.arenaBytes), "the activation arena");
  kvCache_ =
      AlignedBuffer(size_t(manifest.memory.kvCacheBytes), "the KV cache");
}

// Out of line: DeviceSession is incomplete in the header.
Session::~Session() = default;

void Session::resetCache() {
  if (device_)
    return exec::deviceCall(model_.path(), [&] { device_->resetCache(); });
  kvCache_.clear();
}

void Session::checkCall(const int32_t *ids, int64_t batch, int64_t seq,
                        int64_t pos0) const {
  const ManifestModel &info = model_.manifest().model;
  checkBatch(batch, info.maxBatch);
  checkPositions(seq, pos0, info.maxSeq);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < seq; ++t) {
      int32_t id = ids[b * seq + t];
      if (id < 0 || id >= info.vocab)
        badId(id, b, pos0 + t, info.vocab);
    }
}

void Session::call(OlmxEntryFn fn, const char *name, const int32_t *ids,
                   int64_t batch, int64_t seq, int64_t pos0, float *logits) {
  checkCall(ids, batch, seq, pos0);
  const ManifestEntryPoint *entry = model_.manifest().findEntryPoint(name);
  if (entry && entry->seq && *entry->seq != seq)
    throw Error(model_.path() + ": entry point '" + std::string(name) +
                "' takes " + std::to_string(*entry->seq) +
                " tokens per sequence, not " + std::to_string(seq));
  if (device_)
    return exec::deviceCall(model_.path(), [&] {
      if (fn == decode_ && seq == 1 && decode_ != prefill_)
        device_->decode(ids, batch, pos0, logits); // Graph replay.
      else
        device_->prefill(ids, batch, seq, pos0, logits);
    });
  OlmxRunContext ctx{};
  ctx.weights = reinterpret_cast<const void *const *>(weights_.table());
  ctx.arena = arena_.floats();
  ctx.kv_cache = kvCache_.floats();
  ctx.ids = ids;
  ctx.logits = logits;
  ctx.batch = batch;
  ctx.seq = seq;
  ctx.pos0 = pos0;
  ctx.device = nullptr;
  int32_t status = fn(&ctx);
  if (status != 0)
    throw Error(model_.path() + ": entry point '" + std::string(name) +
                "' failed with status " + std::to_string(status));
}

void Session::prefill(const int32_t *ids, int64_t batch, int64_t seq,
                      int64_t pos0, float *logits) {
  call(prefill_, "prefill", ids, batch, seq, pos0, logits);
}

void Session::decode(const int32_t *ids, int64_t batch, int64_t pos0,
                     float *logits) {
  call(decode_, decodeName_, ids, batch, 1, pos0, logits);
}

std::vector<int64_t> Session::generateGreedy(const std::vector<int64_t> &ids,
                                             int64_t batch, int64_t seq,
                                             int64_t maxNewTokens,
                                             std::vector<float> *promptLogits) {
  const ManifestModel &info = model_.manifest().model;
  checkBatch(batch, info.maxBatch);
  checkPositions(seq, 0, info.maxSeq);
  if (int64_t(ids.size()) != batch * seq)
    throw Error(std::to_string(ids.size()) +
                " token ids do not make a batch of " + std::to_string(batch) +
                " x " + std::to_string(seq));
  if (maxNewTokens < 0)
    throw Error("cannot generate " + std::to_string(maxNewTokens) + " tokens");
  // The last new token is never fed back, so seq + maxNewTokens - 1
  // positions are enough.
  if (maxNewTokens > info.maxSeq || seq + maxNewTokens - 1 > info.maxSeq)
    throw Error("sequence of " + std::to_string(seq) + " prompt tokens and " +
                std::to_string(maxNewTokens) +
                " new ones exceeds the compiled --max-seq " +
                std::to_string(info.maxSeq));
  std::vector<int32_t> prompt(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] < 0 || ids[i] >= info.vocab)
      badId(ids[i], int64_t(i) / seq, int64_t(i) % seq, info.vocab);
    prompt[i] = int32_t(ids[i]);
  }

  int64_t total = seq + maxNewTokens;
  std::vector<int64_t> out(size_t(batch * total));
  for (int64_t b = 0; b < batch; ++b)
    std::copy(ids.begin() + b * seq, ids.begin() + (b + 1) * seq,
              out.begin() + b * total);
  if (maxNewTokens == 0 && !promptLogits)
    return out;

  int64_t vocab = info.vocab;
  if (device_) {
    // Tokens are picked on the device; only the ids (and the logits, when
    // asked for) come back.
    int64_t steps = maxNewTokens > 0 ? maxNewTokens - 1 : 0;
    if (promptLogits)
      promptLogits->assign(logitsCount(batch, seq + steps, vocab), 0.0f);
    exec::deviceCall(model_.path(), [&] {
      device_->generateGreedy(prompt.data(), batch, seq, maxNewTokens,
                              out.data(),
                              promptLogits ? promptLogits->data() : nullptr);
    });
    return out;
  }
  std::vector<float> logits(logitsCount(batch, seq, vocab));
  prefill(prompt.data(), batch, seq, 0, logits.data());
  std::vector<int32_t> next(static_cast<size_t>(batch));
  for (int64_t b = 0; b < batch; ++b)
    next[b] = int32_t(
        argmaxFirst(logits.data() + ((b * seq) + seq - 1) * vocab, vocab));
  // Logits of every position processed, [batch, seq + steps, vocab]:
  // the prompt's from prefill, then one row per decode step.
  int64_t steps = maxNewTokens > 0 ? maxNewTokens - 1 : 0;
  int64_t rowsPerSeq = seq + steps;
  if (promptLogits) {
    promptLogits->assign(logitsCount(batch, rowsPerSeq, vocab), 0.0f);
    for (int64_t b = 0; b < batch; ++b)
      std::copy(logits.begin() + b * seq * vocab,
                logits.begin() + (b + 1) * seq * vocab,
                promptLogits->begin() + b * rowsPerSeq * vocab);
  }

  std::vector<float> stepLogits(logitsCount(batch, 1, vocab));
  for (int64_t i = 0; i < maxNewTokens; ++i) {
    for (int64_t b = 0; b < batch; ++b)
      out[b * total + seq + i] = next[b];
    if (i + 1 == maxNewTokens)
      break; // The last token needs no logits of its own.
    decode(next.data(), batch, seq + i, stepLogits.data());
    for (int64_t b = 0; b < batch; ++b) {
      const float *row = stepLogits.data() + b * vocab;
      next[b] = int32_t(argmaxFirst(row, vocab));
      if (promptLogits)
        std::copy(row, row + vocab,
                  promptLogits->begin() + (b * rowsPerSeq + seq + i) * vocab);
    }
  }
  return out;
}

} // namespace olmrt
