//===- CliRunText.cpp - `run --tokenizer T.json --prompt TEXT` ------------===//
//
// Text in, text out: the prompt is encoded as Hugging Face's
// tokenizer(prompt) does (with the post-processor's tokens, e.g. Llama's
// BOS), prefilled, and each new token is chosen on the host (Sampling.h:
// greedy unless --temperature > 0) and decoded as soon as its text is final,
// so a character split across byte tokens is printed whole. Generation
// stops at an end-of-sequence token (--eos, or the tokenizer's special
// end-of-text tokens), at a --stop string (not printed) or after
// --max-new-tokens. A one-line summary goes to stderr.
//
//===----------------------------------------------------------------------===//

#include "CliCommands.h"

#include "olmrt/Model.h"
#include "olmrt/Sampling.h"
#include "olmrt/Session.h"
#include "olmrt/Tokenizer.h"
#include "olmrt/WeightInit.h"
#include "olmrt/Weights.h"

#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ostream>
#include <set>

namespace olmrt::exec {

namespace {

constexpr int64_t kDefaultNewTokens = 16;

/// Special tokens that end a sequence in the tokenizers olmc's models use;
/// those the tokenizer has are the default --eos.
const char *const kEndTokens[] = {
    "</s>",       "<|endoftext|>", "<|end_of_text|>", "<|eot_id|>",
    "<|im_end|>", "<eos>",         "<|end|>",         "<end_of_turn>"};

std::string formatNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

/// A finite decimal number in [min, max] given to `flag`.
double parseNumberFlag(const std::string &flag, const std::string &text,
                       double min, double max) {
  char *end = nullptr;
  double v = text.empty() ? NAN : std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v) ||
      v < min || v > max || std::isspace((unsigned char)text[0]))
    throw UsageError(flag + " expects a number from " + formatNumber(min) +
                     " to " + formatNumber(max) + ", got '" + text + "'");
  return v;
}

double millisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - start)
      .count();
}

/// Prints generated text as it becomes final, holding back what could be
/// the start of the stop string and cutting the output before it.
class StopWriter {
public:
  StopWriter(std::ostream &out, std::string stop)
      : out_(out), stop_(std::move(stop)) {}

  /// Adds final text; returns true once the stop string has appeared.
  bool add(const std::string &text) {
    if (stopped_)
      return true;
    held_ += text;
    size_t cut = held_.size();
    if (!stop_.empty()) {
      size_t hit = held_.find(stop_);
      if (hit != std::string::npos) {
        cut = hit;
        stopped_ = true;
      } else {
        // Keep the longest suffix that is a prefix of the stop string.
        for (size_t n = std::min(stop_.size() - 1, held_.size()); n > 0; --n)
          if (held_.compare(held_.size() - n, n, stop_, 0, n) == 0) {
            cut = held_.size() - n;
            break;
          }
      }
    }
    out_ << held_.substr(0, cut);
    out_.flush();
    held_.erase(0, stopped_ ? held_.size() : cut);
    return stopped_;
  }
  /// Prints what was held back (the stop string never completed).
  void finish() {
    if (!stopped_)
      out_ << held_;
    held_.clear();
  }

private:
  std::ostream &out_;
  std::string stop_;
  std::string held_;
  bool stopped_ = false;
};

} // namespace

int runTextCommand(const ParsedArgs &args, const CliStreams &streams) {
  // Check the whole command line before any file is read.
  const std::string &artifact = args.onePositional("the artifact M.olmx");
  if (!args.has("--tokenizer"))
    throw UsageError("--prompt needs --tokenizer T.json");
  if (!args.has("--prompt"))
    throw UsageError("--tokenizer needs --prompt TEXT");
  for (const char *flag :
       {"--input-ids", "--tokens", "--logits-out", "--output-ids"})
    if (args.has(flag))
      throw UsageError(std::string("give --prompt or ") + flag + ", not both");
  bool random = args.has("--random-weights");
  if (random == args.has("--weights"))
    throw UsageError(random ? "give --weights or --random-weights, not both"
                            : "missing --weights W.safetensors "
                              "(or --random-weights)");
  SamplingParams params;
  if (auto text = args.value("--temperature"))
    params.temperature = parseNumberFlag("--temperature", *text, 0, 1e4);
  bool sampling = params.temperature > 0;
  for (const char *flag : {"--top-k", "--top-p", "--min-p"})
    if (args.has(flag) && !sampling)
      throw UsageError(std::string(flag) + " needs --temperature above 0");
  if (args.has("--seed") && !random && !sampling)
    throw UsageError("--seed only applies to --random-weights and sampling "
                     "(--temperature above 0)");
  if (auto text = args.value("--top-k"))
    params.topK = parseIntFlag("--top-k", *text, 0, ManifestLimits::kMaxVocab);
  if (auto text = args.value("--top-p")) {
    params.topP = parseNumberFlag("--top-p", *text, 0, 1);
    if (params.topP == 0)
      throw UsageError("--top-p must be above 0");
  }
  if (auto text = args.value("--min-p"))
    params.minP = parseNumberFlag("--min-p", *text, 0, 1);
  if (auto text = args.value("--repetition-penalty")) {
    params.repetitionPenalty =
        parseNumberFlag("--repetition-penalty", *text, 0, 100);
    if (params.repetitionPenalty == 0)
      throw UsageError("--repetition-penalty must be above 0");
  }
  if (auto text = args.value("--seed"))
    params.seed = parseSeed("--seed", *text);
  int64_t newTokens = kDefaultNewTokens;
  if (auto text = args.value("--max-new-tokens"))
    newTokens =
        parseIntFlag("--max-new-tokens", *text, 0, ManifestLimits::kMaxSeq);
  std::vector<int64_t> eosList;
  if (auto text = args.value("--eos"))
    eosList = parseTokenList("--eos", *text);
  std::string stop = args.value("--stop").value_or("");
  Sampler sampler(params);

  std::string tokenizerPath = *args.value("--tokenizer");
  Tokenizer tokenizer = Tokenizer::fromFile(tokenizerPath);
  CompiledModel model(artifact);
  const ManifestModel &info = model.manifest().model;
  if (tokenizer.vocabSize() > info.vocab)
    throw Error(tokenizerPath + ": the tokenizer has " +
                std::to_string(tokenizer.vocabSize()) +
                " ids but the model's vocabulary has " +
                std::to_string(info.vocab) + " tokens");
  std::set<int64_t> eos(eosList.begin(), eosList.end());
  if (!args.has("--eos"))
    for (const char *name : kEndTokens)
      if (auto id = tokenizer.tokenToId(name))
        if (tokenizer.isSpecial(*id))
          eos.insert(*id);
  for (int64_t id : eos)
    if (id >= info.vocab)
      throw UsageError("--eos id " + std::to_string(id) +
                       " is outside the model's vocabulary of " +
                       std::to_string(info.vocab) + " tokens");

  std::vector<int32_t> prompt =
      tokenizer.encode(*args.value("--prompt"), /*addSpecialTokens=*/true);
  int64_t seq = int64_t(prompt.size());
  if (seq == 0)
    throw Error("the prompt encodes to no tokens; give some text");
  if (seq > info.maxSeq || seq + newTokens - 1 > info.maxSeq)
    throw Error("sequence of " + std::to_string(seq) + " prompt tokens and " +
                std::to_string(newTokens) +
                " new ones exceeds the compiled --max-seq " +
                std::to_string(info.maxSeq));

  Weights weights = [&] {
    if (auto path = args.value("--weights"))
      return Weights(model, *path);
    return Weights(model.manifest(),
                   initSourceTensors(model.manifest(), params.seed));
  }();
  Session session(model, weights);
  int64_t vocab = info.vocab;
  std::vector<float> logits(size_t(seq * vocab));
  auto start = std::chrono::steady_clock::now();
  session.prefill(prompt.data(), 1, seq, 0, logits.data());
  double prefillMs = millisecondsSince(start);

  std::ostream &out = *streams.out;
  StopWriter writer(out, stop);
  StreamDecoder stream(tokenizer);
  std::vector<int64_t> history(prompt.begin(), prompt.end());
  const float *last = logits.data() + (seq - 1) * vocab;
  std::vector<float> step(static_cast<size_t>(vocab));
  const char *reason = "length";
  int64_t generated = 0, decodeSteps = 0;
  double decodeMs = 0;
  for (int64_t i = 0; i < newTokens; ++i) {
    int64_t next = sampler.sample(last, vocab, history);
    history.push_back(next);
    ++generated;
    if (eos.count(next)) {
      reason = "eos";
      break;
    }
    if (writer.add(stream.push(int32_t(next)))) {
      reason = "stop";
      break;
    }
    if (i + 1 == newTokens)
      break; // The last token needs no logits of its own.
    int32_t fed = int32_t(next);
    auto stepStart = std::chrono::steady_clock::now();
    session.decode(&fed, 1, seq + i, step.data());
    decodeMs += millisecondsSince(stepStart);
    ++decodeSteps;
    last = step.data();
  }
  if (std::string(reason) != "stop" && writer.add(stream.finish()))
    reason = "stop";
  writer.finish();
  out << "\n";
  out.flush();

  char summary[256];
  std::snprintf(summary, sizeof summary,
                "prompt tokens: %lld, new tokens: %lld (%s), prefill: %.1f "
                "ms, decode: %.1f tok/s\n",
                (long long)seq, (long long)generated, reason, prefillMs,
                decodeMs > 0 ? double(decodeSteps) * 1000.0 / decodeMs : 0.0);
  *streams.err << summary;
  return 0;
}

} // namespace olmrt::exec
