//===- CliBench.cpp - `bench`: prefill latency and decode throughput ------===//
//
// One session, a prompt of random valid token ids [batch, prompt-len], and
// per iteration (after --warmup untimed ones):
//  - prefill: the prompt at position 0 with the cache cleared, timed alone;
//  - decode: the prompt is prefilled again (untimed), its last argmax is fed
//    back, then gen-len decode steps are timed, each one token per sequence
//    at positions prompt-len .. prompt-len + gen-len - 1 followed by the
//    argmax of its logits (greedy), as a generation loop would do.
// Reported: the median prefill latency and the median decode throughput
// (batch * gen-len / time) over the iterations, and the kernel calls per
// decode step (the kernels count their calls, see cpu/KernelStats.h). With
// OLMRT_KERNEL_TIMING=1 in the environment the kernels also time
// themselves and a per-kernel breakdown of both phases is added.
//
// For cuda artifacts the same loop runs on the GPU (benchDevice): prefill
// timed with device events, decode as replays of the captured decode graph
// with the argmax on the device (no host round trip per token), and the
// kernels per decode step counted as the kernel nodes of that graph.
//
//===----------------------------------------------------------------------===//

#include "CliCommands.h"

#include "../cpu/KernelStats.h"

#include "DeviceLoader.h"

#include "olmrt/DeviceBackend.h"
#include "olmrt/Model.h"
#include "olmrt/Session.h"
#include "olmrt/WeightInit.h"
#include "olmrt/Weights.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ostream>
#include <random>

namespace olmrt::exec {

namespace {

using Clock = std::chrono::steady_clock;
using cpu::Kernel;
using cpu::KernelStats;
using cpu::kNumKernels;

constexpr int64_t kDefaultLen = 128;
constexpr int64_t kMaxIters = 1000;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

struct Options {
  std::string artifact;
  int64_t batch = 1;
  int64_t promptLen = 0; // 0: not given
  int64_t genLen = 0;    // 0: not given
  int64_t warmup = 1;
  int64_t iters = 3;
  uint64_t seed = 0;
  bool json = false;
};

Options parseOptions(const ParsedArgs &args) {
  Options o;
  o.artifact = args.onePositional("the artifact M.olmx");
  bool random = args.has("--random-weights");
  if (random == args.has("--weights"))
    throw UsageError(random ? "give --weights or --random-weights, not both"
                            : "missing --weights W.safetensors "
                              "(or --random-weights)");
  if (args.has("--seed") && !random)
    throw UsageError("--seed only applies to --random-weights");
  if (auto text = args.value("--seed"))
    o.seed = parseSeed("--seed", *text);
  if (auto text = args.value("--batch"))
    o.batch = parseIntFlag("--batch", *text, 1, ManifestLimits::kMaxBatch);
  if (auto text = args.value("--prompt-len"))
    o.promptLen =
        parseIntFlag("--prompt-len", *text, 1, ManifestLimits::kMaxSeq);
  if (auto text = args.value("--gen-len"))
    o.genLen = parseIntFlag("--gen-len", *text, 1, ManifestLimits::kMaxSeq);
  if (auto text = args.value("--warmup"))
    o.warmup = parseIntFlag("--warmup", *text, 0, kMaxIters);
  if (auto text = args.value("--iters"))
    o.iters = parseIntFlag("--iters", *text, 1, kMaxIters);
  o.json = args.has("--json");
  return o;
}

/// Fills in the lengths left out (128 each, or what fits the compiled
/// max-seq) and checks that prompt + decode positions fit.
void resolveLengths(Options &o, int64_t maxSeq) {
  if (!o.promptLen)
    o.promptLen = std::max<int64_t>(
        1, std::min(kDefaultLen, o.genLen ? maxSeq - o.genLen : maxSeq / 2));
  if (!o.genLen)
    o.genLen = std::min(kDefaultLen, maxSeq - o.promptLen);
  if (o.genLen < 1 || o.promptLen + o.genLen > maxSeq)
    throw Error("a prompt of " + std::to_string(o.promptLen) + " tokens and " +
                std::to_string(std::max<int64_t>(o.genLen, 0)) +
                " decode steps need " +
                std::to_string(o.promptLen + std::max<int64_t>(o.genLen, 1)) +
                " positions, more than the compiled --max-seq " +
                std::to_string(maxSeq));
}

struct Measurements {
  std::vector<double> prefillMs;
  std::vector<double> decodeTokensPerS;
  KernelStats prefillStats; // summed over the timed prefills
  KernelStats decodeStats;  // summed over the timed decode steps
  double prefillSeconds = 0, decodeSeconds = 0;
  int64_t decodeSteps = 0;
};

class Bench {
public:
  Bench(Session &session, const Options &o, int64_t vocab)
      : session_(session), o_(o), vocab_(vocab),
        logits_(size_t(o.batch * o.promptLen * vocab)),
        stepLogits_(size_t(o.batch * vocab)), next_(size_t(o.batch)) {
    std::mt19937_64 gen(o.seed ^ 0x6f6c6d63u);
    std::uniform_int_distribution<int32_t> id(0, int32_t(vocab - 1));
    prompt_.resize(size_t(o.batch * o.promptLen));
    for (int32_t &x : prompt_)
      x = id(gen);
  }

  Measurements run() {
    Measurements m;
    for (int64_t i = 0; i < o_.warmup + o_.iters; ++i) {
      bool timed = i >= o_.warmup;
      KernelStats s0 = cpu::kernelStats();
      double prefill = prefillOnce();
      KernelStats s1 = cpu::kernelStats();
      double decode = decodeOnce(m, timed);
      if (!timed)
        continue;
      m.prefillMs.push_back(prefill * 1e3);
      m.prefillSeconds += prefill;
      add(m.prefillStats, s1 - s0);
      m.decodeTokensPerS.push_back(double(o_.batch * o_.genLen) / decode);
      m.decodeSeconds += decode;
      m.decodeSteps += o_.genLen;
    }
    return m;
  }

private:
  static void add(KernelStats &sum, const KernelStats &d) {
    for (int k = 0; k < kNumKernels; ++k) {
      sum.calls[k] += d.calls[k];
      sum.nanos[k] += d.nanos[k];
    }
  }

  /// Seconds of one prefill of the prompt into a cleared cache.
  double prefillOnce() {
    session_.resetCache();
    auto start = Clock::now();
    session_.prefill(prompt_.data(), o_.batch, o_.promptLen, 0, logits_.data());
    return secondsSince(start);
  }

  /// Seconds of genLen greedy decode steps after the prompt (already in the
  /// cache, its logits in logits_).
  double decodeOnce(Measurements &m, bool timed) {
    for (int64_t b = 0; b < o_.batch; ++b)
      next_[b] = int32_t(argmaxFirst(
          logits_.data() + (b * o_.promptLen + o_.promptLen - 1) * vocab_,
          vocab_));
    KernelStats s0 = cpu::kernelStats();
    auto start = Clock::now();
    for (int64_t i = 0; i < o_.genLen; ++i) {
      session_.decode(next_.data(), o_.batch, o_.promptLen + i,
                      stepLogits_.data());
      for (int64_t b = 0; b < o_.batch; ++b)
        next_[b] =
            int32_t(argmaxFirst(stepLogits_.data() + b * vocab_, vocab_));
    }
    double seconds = secondsSince(start);
    if (timed)
      add(m.decodeStats, cpu::kernelStats() - s0);
    return seconds;
  }

  Session &session_;
  const Options &o_;
  int64_t vocab_;
  std::vector<int32_t> prompt_;
  std::vector<float> logits_;
  std::vector<float> stepLogits_;
  std::vector<int32_t> next_;
};

/// Per kernel: calls and milliseconds per unit (a prefill, a decode step).
nlohmann::json kernelBreakdown(const KernelStats &stats, double units,
                               bool timing) {
  nlohmann::json out = nlohmann::json::object();
  for (int k = 0; k < kNumKernels; ++k) {
    if (!stats.calls[k])
      continue;
    nlohmann::json entry = {{"calls", double(stats.calls[k]) / units}};
    if (timing)
      entry["ms"] = double(stats.nanos[k]) * 1e-6 / units;
    out[cpu::kernelName(Kernel(k))] = entry;
  }
  return out;
}

std::string fixed(double value, int digits) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
  return buffer;
}

/// Four significant digits: a toy model's microseconds stay visible.
std::string sig(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.4g", value);
  return buffer;
}

void printProfile(std::ostream &out, const char *phase,
                  const KernelStats &stats, double units, double seconds,
                  const char *unitName) {
  double totalMs = seconds * 1e3 / units;
  out << "  " << phase << " (ms per " << unitName << ", of " << sig(totalMs)
      << "):\n";
  for (int k = 0; k < kNumKernels; ++k) {
    if (!stats.calls[k])
      continue;
    double ms = double(stats.nanos[k]) * 1e-6 / units;
    out << "    " << cpu::kernelName(Kernel(k)) << ": " << sig(ms) << " ms, "
        << fixed(double(stats.calls[k]) / units, 1) << " calls ("
        << fixed(100 * ms / totalMs, 1) << "%)\n";
  }
  double outside = totalMs - double(stats.totalNanos()) * 1e-6 / units;
  out << "    outside the kernels: " << sig(outside) << " ms ("
      << fixed(100 * outside / totalMs, 1) << "%)\n";
}

/// The cuda path: see the file comment.
int benchDevice(Session &session, const Options &o, const ManifestModel &info,
                const std::string &path, const CliStreams &streams) {
  DeviceSession &device = *session.device();
  std::mt19937_64 gen(o.seed ^ 0x6f6c6d63u);
  std::uniform_int_distribution<int32_t> id(0, int32_t(info.vocab - 1));
  std::vector<int32_t> prompt(size_t(o.batch * o.promptLen));
  for (int32_t &x : prompt)
    x = id(gen);
  std::vector<double> prefillMs, decodeTps;
  DeviceGraphInfo graph;
  int64_t prefillCalls = 0;
  exec::deviceCall(path, [&] {
    for (int64_t i = 0; i < o.warmup + o.iters; ++i) {
      double p = device.timePrefill(prompt.data(), o.batch, o.promptLen);
      prefillCalls = device.lastPrefillKernelCalls();
      double d = device.timeDecode(prompt.data(), o.batch, o.promptLen,
                                   o.genLen);
      if (i < o.warmup)
        continue;
      prefillMs.push_back(p);
      decodeTps.push_back(double(o.batch * o.genLen) * 1e3 / d);
    }
    graph = device.decodeGraphInfo(o.batch);
  });
  double prefill = median(prefillMs);
  double tps = median(decodeTps);
  double minPrefill = *std::min_element(prefillMs.begin(), prefillMs.end());
  double maxTps = *std::max_element(decodeTps.begin(), decodeTps.end());
  std::ostream &out = *streams.out;
  if (o.json) {
    nlohmann::json j = {
        {"artifact", o.artifact},
        {"model", info.name},
        {"dtype", info.dtype},
        {"target", "cuda"},
        {"batch", o.batch},
        {"prompt_len", o.promptLen},
        {"gen_len", o.genLen},
        {"warmup", o.warmup},
        {"iters", o.iters},
        {"prefill_ms", prefill},
        {"prefill_ms_min", minPrefill},
        {"prefill_ms_all", prefillMs},
        {"prefill_tokens_per_s", double(o.batch * o.promptLen) * 1e3 / prefill},
        {"decode_tokens_per_s", tps},
        {"decode_tokens_per_s_max", maxTps},
        {"decode_tokens_per_s_all", decodeTps},
        {"decode_ms_per_step", 1e3 * double(o.batch) / tps},
        {"decode_kernel_calls_per_step", graph.kernels},
        {"decode_graph_nodes", graph.nodes},
        {"prefill_kernel_calls", prefillCalls},
    };
    out << j.dump(2) << "\n";
    return 0;
  }
  out << "model " << info.name << " (" << info.dtype << ", cuda), batch "
      << o.batch << ", prompt " << o.promptLen << " tokens, " << o.genLen
      << " decode steps; " << o.iters << " iterations after " << o.warmup
      << " warm-up\n";
  out << "prefill: " << sig(prefill) << " ms median (min " << sig(minPrefill)
      << " ms), " << sig(double(o.batch * o.promptLen) * 1e3 / prefill)
      << " tokens/s\n";
  out << "decode: " << sig(tps) << " tokens/s median ("
      << sig(1e3 * double(o.batch) / tps) << " ms per step, max "
      << sig(maxTps) << " tokens/s; CUDA graph replays)\n";
  out << "kernels: " << graph.kernels << " per decode step (graph of "
      << graph.nodes << " nodes), " << prefillCalls
      << " kernel calls per prefill\n";
  return 0;
}

} // namespace

int benchCommand(const ParsedArgs &args, const CliStreams &streams) {
  Options o = parseOptions(args);
  CompiledModel model(o.artifact);
  const ManifestModel &info = model.manifest().model;
  resolveLengths(o, info.maxSeq);
  if (o.batch > info.maxBatch)
    throw Error("batch of " + std::to_string(o.batch) +
                " sequences exceeds the compiled --max-batch " +
                std::to_string(info.maxBatch));
  Weights weights = args.has("--weights")
                        ? Weights(model, *args.value("--weights"))
                        : Weights(model.manifest(),
                                  initSourceTensors(model.manifest(), o.seed));
  Session session(model, weights);
  if (session.device())
    return benchDevice(session, o, info, o.artifact, streams);
  bool timing = cpu::kernelTimingEnabled();
  Bench bench(session, o, info.vocab);
  Measurements m = bench.run();

  double prefillMs = median(m.prefillMs);
  double decodeTps = median(m.decodeTokensPerS);
  double steps = double(m.decodeSteps);
  double callsPerStep = double(m.decodeStats.totalCalls()) / steps;
  std::ostream &out = *streams.out;
  if (o.json) {
    nlohmann::json j = {
        {"artifact", o.artifact},
        {"model", info.name},
        {"dtype", info.dtype},
        {"batch", o.batch},
        {"prompt_len", o.promptLen},
        {"gen_len", o.genLen},
        {"warmup", o.warmup},
        {"iters", o.iters},
        {"prefill_ms", prefillMs},
        {"prefill_ms_min",
         *std::min_element(m.prefillMs.begin(), m.prefillMs.end())},
        {"prefill_ms_all", m.prefillMs},
        {"prefill_tokens_per_s",
         double(o.batch * o.promptLen) * 1e3 / prefillMs},
        {"decode_tokens_per_s", decodeTps},
        {"decode_tokens_per_s_max",
         *std::max_element(m.decodeTokensPerS.begin(),
                           m.decodeTokensPerS.end())},
        {"decode_tokens_per_s_all", m.decodeTokensPerS},
        {"decode_ms_per_step", 1e3 * double(o.batch) / decodeTps},
        {"decode_kernel_calls_per_step", callsPerStep},
        {"prefill_kernel_calls",
         double(m.prefillStats.totalCalls()) / double(o.iters)},
        {"kernel_timing", timing},
        {"decode_kernels", kernelBreakdown(m.decodeStats, steps, timing)},
        {"prefill_kernels",
         kernelBreakdown(m.prefillStats, double(o.iters), timing)},
    };
    out << j.dump(2) << "\n";
    return 0;
  }
  out << "model " << info.name << " (" << info.dtype << "), batch " << o.batch
      << ", prompt " << o.promptLen << " tokens, " << o.genLen
      << " decode steps; " << o.iters << " iterations after " << o.warmup
      << " warm-up\n";
  out << "prefill: " << sig(prefillMs) << " ms median (min "
      << sig(*std::min_element(m.prefillMs.begin(), m.prefillMs.end()))
      << " ms), " << sig(double(o.batch * o.promptLen) * 1e3 / prefillMs)
      << " tokens/s\n";
  out << "decode: " << sig(decodeTps) << " tokens/s median ("
      << sig(1e3 * double(o.batch) / decodeTps) << " ms per step, max "
      << sig(*std::max_element(m.decodeTokensPerS.begin(),
                               m.decodeTokensPerS.end()))
      << " tokens/s)\n";
  out << "kernel calls: " << fixed(callsPerStep, 1) << " per decode step, "
      << fixed(double(m.prefillStats.totalCalls()) / double(o.iters), 1)
      << " per prefill\n";
  if (timing) {
    out << "kernel time (OLMRT_KERNEL_TIMING):\n";
    printProfile(out, "prefill", m.prefillStats, double(o.iters),
                 m.prefillSeconds, "prefill");
    printProfile(out, "decode", m.decodeStats, steps, m.decodeSeconds, "step");
  }
  return 0;
}

} // namespace olmrt::exec
