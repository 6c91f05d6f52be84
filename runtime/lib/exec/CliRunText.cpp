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
// --prompt-file F runs many prompts: one per line (empty lines skipped), or
// one JSON string per line when F ends in .jsonl, so that a prompt can hold
// newlines. The generated code takes one start position for every sequence
// of a call and does not mask padding, so only prompts of the same length
// in tokens share a batch (up to the compiled max_batch); the others run in
// batches of their own. Each sequence has its own sampler, stream decoder
// and stop writer, so a prompt's text does not depend on its batch: greedy
// text equals that of --prompt alone, and prompt K samples with seed
// S + K - 1. Texts are printed in file order under "== prompt K ==" lines.
//
//===----------------------------------------------------------------------===//

#include "CliCommands.h"
#include "Progress.h"

#include "olmrt/Model.h"
#include "olmrt/Sampling.h"
#include "olmrt/Session.h"
#include "olmrt/Tokenizer.h"
#include "olmrt/WeightInit.h"
#include "olmrt/Weights.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace olmrt::exec {

namespace {

constexpr int64_t kDefaultNewTokens = 16;
/// --prompt-file inputs larger than this are refused.
constexpr int64_t kMaxPromptFileBytes = int64_t(64) << 20;

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

/// A prompt, its ids and where it came from.
struct TextPrompt {
  std::vector<int32_t> ids;
  /// "F:LINE" for --prompt-file, for errors.
  std::string where;
  /// K of "== prompt K ==", from 1.
  int64_t number = 1;
};

/// The bytes of a --prompt-file.
std::string readPromptFile(const std::string &path) {
  auto failErrno = [&](const std::string &what) {
    throw Error(path + ": " + what + ": " + std::strerror(errno));
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    failErrno("cannot open");
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0)
    failErrno("cannot stat");
  if (!S_ISREG(st.st_mode))
    throw Error(path + ": not a regular file");
  if (st.st_size > kMaxPromptFileBytes)
    throw Error(path + ": " + std::to_string(st.st_size) +
                " bytes is larger than the " +
                std::to_string(kMaxPromptFileBytes) +
                "-byte limit of --prompt-file");
  std::string text(size_t(st.st_size), '\0');
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::read(fd, &text[done], text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      failErrno("cannot read");
    if (n == 0)
      break; // Shrank while being read: take what is there.
    done += size_t(n);
  }
  text.resize(done);
  return text;
}

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// The prompts of a --prompt-file with the line each came from: plain text,
/// one prompt a line (a CR before the LF dropped, empty lines skipped), or
/// for a name ending in .jsonl one JSON string a line (blank lines skipped).
std::vector<std::pair<std::string, int64_t>>
readPrompts(const std::string &path) {
  std::string text = readPromptFile(path);
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0)
    text.erase(0, 3); // A UTF-8 byte order mark is no part of a prompt.
  bool jsonLines = endsWith(path, ".jsonl");
  std::vector<std::pair<std::string, int64_t>> prompts;
  int64_t lineNumber = 0;
  for (size_t begin = 0; begin < text.size();) {
    size_t end = text.find('\n', begin);
    if (end == std::string::npos)
      end = text.size();
    std::string line = text.substr(begin, end - begin);
    begin = end + 1;
    ++lineNumber;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (!jsonLines) {
      if (!line.empty())
        prompts.emplace_back(std::move(line), lineNumber);
      continue;
    }
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos)
      continue;
    // Only a string is parsed at all: no nesting to worry about.
    nlohmann::json value;
    if (line[first] == '"')
      value = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!value.is_string())
      throw Error(path + ":" + std::to_string(lineNumber) +
                  ": not a JSON string; each line of a .jsonl prompt file "
                  "holds one, such as \"first line\\nsecond line\"");
    prompts.emplace_back(value.get<std::string>(), lineNumber);
  }
  if (prompts.empty())
    throw Error(path + ": no prompts: " +
                (text.empty() ? std::string("the file is empty")
                              : "every line is empty"));
  return prompts;
}

/// One sequence being generated: its sampler, the text decoded so far and
/// why it ended.
struct Sequence {
  Sequence(const TextPrompt &prompt, const SamplingParams &params,
           const Tokenizer &tokenizer, std::ostream *out,
           const std::string &stop)
      : prompt(prompt), sampler(params), stream(tokenizer),
        writer(out ? *out : buffer, stop),
        history(prompt.ids.begin(), prompt.ids.end()) {}

  const TextPrompt &prompt;
  Sampler sampler;
  StreamDecoder stream;
  /// The text, when it is not streamed.
  std::ostringstream buffer;
  StopWriter writer;
  std::vector<int64_t> history;
  const char *reason = "length";
  int64_t generated = 0;
  bool done = false;
};

struct BatchTimes {
  double prefillMs = 0;
  double decodeMs = 0;
  /// Tokens fed by decode steps for sequences still running.
  int64_t decodedTokens = 0;

  double tokensPerSecond() const {
    return decodeMs > 0 ? double(decodedTokens) * 1000.0 / decodeMs : 0.0;
  }
};

/// Generates for `batch`, whose prompts all have `seq` tokens, in one
/// prefill and one decode step per new token; sequences that end early are
/// fed their last token (and ignored) until all have ended.
BatchTimes generate(Session &session, const std::vector<Sequence *> &batch,
                    int64_t seq, int64_t newTokens,
                    const std::set<int64_t> &eos, int64_t vocab) {
  int64_t size = int64_t(batch.size());
  std::vector<int32_t> ids;
  for (Sequence *s : batch)
    ids.insert(ids.end(), s->prompt.ids.begin(), s->prompt.ids.end());
  std::vector<float> logits(size_t(size * seq * vocab));
  BatchTimes times;
  auto start = std::chrono::steady_clock::now();
  session.prefill(ids.data(), size, seq, 0, logits.data());
  times.prefillMs = millisecondsSince(start);

  std::vector<const float *> last(size_t(size), nullptr);
  for (int64_t b = 0; b < size; ++b)
    last[b] = logits.data() + (b * seq + seq - 1) * vocab;
  std::vector<float> step(size_t(size * vocab));
  std::vector<int32_t> fed(size_t(size), 0);
  for (int64_t i = 0; i < newTokens; ++i) {
    int64_t running = 0;
    for (int64_t b = 0; b < size; ++b) {
      Sequence &s = *batch[b];
      if (s.done)
        continue;
      int64_t next = s.sampler.sample(last[b], vocab, s.history);
      s.history.push_back(next);
      ++s.generated;
      fed[b] = int32_t(next);
      if (eos.count(next)) {
        s.reason = "eos";
        s.done = true;
      } else if (s.writer.add(s.stream.push(int32_t(next)))) {
        s.reason = "stop";
        s.done = true;
      } else {
        ++running;
      }
    }
    if (running == 0 || i + 1 == newTokens)
      break; // The last token needs no logits of its own.
    auto stepStart = std::chrono::steady_clock::now();
    session.decode(fed.data(), size, seq + i, step.data());
    times.decodeMs += millisecondsSince(stepStart);
    times.decodedTokens += running;
    for (int64_t b = 0; b < size; ++b)
      last[b] = step.data() + b * vocab;
  }
  for (Sequence *s : batch) {
    if (std::string(s->reason) != "stop" && s->writer.add(s->stream.finish()))
      s->reason = "stop";
    s->writer.finish();
  }
  return times;
}

/// Batches of prompt indices: prompts of one length in tokens, at most
/// `maxBatch` each, ordered by their first prompt.
std::vector<std::vector<size_t>>
groupByLength(const std::vector<TextPrompt> &prompts, int64_t maxBatch) {
  std::vector<std::vector<size_t>> batches;
  std::map<size_t, size_t> open; // Length -> batch still taking prompts.
  for (size_t k = 0; k < prompts.size(); ++k) {
    size_t length = prompts[k].ids.size();
    auto it = open.find(length);
    if (it == open.end() || int64_t(batches[it->second].size()) >= maxBatch) {
      open[length] = batches.size();
      batches.emplace_back();
    }
    batches[open[length]].push_back(k);
  }
  return batches;
}

std::string joinNumbers(const std::vector<std::string> &items) {
  std::string text;
  for (size_t i = 0; i < items.size(); ++i)
    text += (i ? ", " : "") + items[i];
  return text;
}

} // namespace

int runTextCommand(const ParsedArgs &args, const CliStreams &streams) {
  // Check the whole command line before any file is read.
  const std::string &artifact = args.onePositional("the artifact M.olmx");
  bool fromFile = args.has("--prompt-file");
  if (!args.has("--tokenizer"))
    throw UsageError(std::string(fromFile ? "--prompt-file" : "--prompt") +
                     " needs --tokenizer T.json");
  if (args.has("--prompt") && fromFile)
    throw UsageError("give --prompt or --prompt-file, not both");
  if (!args.has("--prompt") && !fromFile)
    throw UsageError("--tokenizer needs --prompt TEXT or --prompt-file F");
  const char *promptFlag = fromFile ? "--prompt-file" : "--prompt";
  for (const char *flag :
       {"--input-ids", "--tokens", "--logits-out", "--output-ids"})
    if (args.has(flag))
      throw UsageError(std::string("give ") + promptFlag + " or " + flag +
                       ", not both");
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
  Sampler checked(params); // Throws for parameters out of range.
  (void)checked;

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

  // Every prompt is encoded and checked before the weights load.
  std::vector<TextPrompt> prompts;
  if (fromFile) {
    std::string path = *args.value("--prompt-file");
    for (auto &[text, line] : readPrompts(path)) {
      TextPrompt prompt;
      prompt.where = path + ":" + std::to_string(line);
      prompt.number = int64_t(prompts.size()) + 1;
      prompt.ids = tokenizer.encode(text, /*addSpecialTokens=*/true);
      prompts.push_back(std::move(prompt));
    }
  } else {
    TextPrompt prompt;
    prompt.ids =
        tokenizer.encode(*args.value("--prompt"), /*addSpecialTokens=*/true);
    prompts.push_back(std::move(prompt));
  }
  for (const TextPrompt &prompt : prompts) {
    std::string where = prompt.where.empty() ? "" : prompt.where + ": ";
    int64_t seq = int64_t(prompt.ids.size());
    if (seq == 0)
      throw Error(where + "the prompt encodes to no tokens; give some text");
    if (seq > info.maxSeq || seq + newTokens - 1 > info.maxSeq)
      throw Error(where + "sequence of " + std::to_string(seq) +
                  " prompt tokens and " + std::to_string(newTokens) +
                  " new ones exceeds the compiled --max-seq " +
                  std::to_string(info.maxSeq));
  }

  ProgressBar bar(progressStream(streams, args.has("--no-progress")));
  Weights weights = [&] {
    if (auto path = args.value("--weights"))
      return Weights(model, *path, bar.callback());
    return Weights(model.manifest(),
                   initSourceTensors(model.manifest(), params.seed),
                   bar.callback());
  }();
  bar.finish();
  Session session(model, weights);
  std::ostream &out = *streams.out;

  if (!fromFile) {
    // One prompt: the text streams as it is generated.
    Sequence sequence(prompts[0], params, tokenizer, &out, stop);
    int64_t seq = int64_t(prompts[0].ids.size());
    BatchTimes times =
        generate(session, {&sequence}, seq, newTokens, eos, info.vocab);
    out << "\n";
    out.flush();
    char summary[256];
    std::snprintf(summary, sizeof summary,
                  "prompt tokens: %lld, new tokens: %lld (%s), prefill: %.1f "
                  "ms, decode: %.1f tok/s\n",
                  (long long)seq, (long long)sequence.generated,
                  sequence.reason, times.prefillMs, times.tokensPerSecond());
    *streams.err << summary;
    return 0;
  }

  // A batch at a time; texts printed in file order as soon as every
  // earlier prompt's is.
  std::vector<std::vector<size_t>> batches =
      groupByLength(prompts, info.maxBatch);
  std::vector<std::unique_ptr<Sequence>> sequences(prompts.size());
  size_t printed = 0;
  for (size_t n = 0; n < batches.size(); ++n) {
    std::vector<Sequence *> batch;
    for (size_t k : batches[n]) {
      SamplingParams own = params;
      own.seed = params.seed + uint64_t(k); // Wraps, as intended.
      sequences[k] =
          std::make_unique<Sequence>(prompts[k], own, tokenizer, nullptr, stop);
      batch.push_back(sequences[k].get());
    }
    int64_t seq = int64_t(prompts[batches[n][0]].ids.size());
    BatchTimes times =
        generate(session, batch, seq, newTokens, eos, info.vocab);
    for (; printed < prompts.size() && sequences[printed]; ++printed) {
      out << "== prompt " << prompts[printed].number << " ==\n"
          << sequences[printed]->buffer.str() << "\n";
      sequences[printed]->buffer.str(std::string()); // Printed: free it.
    }
    out.flush();

    std::vector<std::string> numbers, counts;
    for (Sequence *s : batch) {
      numbers.push_back(std::to_string(s->prompt.number));
      counts.push_back(std::to_string(s->generated) + " (" + s->reason + ")");
    }
    char timing[128];
    std::snprintf(timing, sizeof timing,
                  "prefill: %.1f ms, decode: %.1f tok/s\n", times.prefillMs,
                  times.tokensPerSecond());
    *streams.err << "batch " << n + 1 << " of " << batches.size() << ": "
                 << (batch.size() == 1 ? "prompt " : "prompts ")
                 << joinNumbers(numbers) << " (" << seq
                 << (batch.size() == 1 ? " tokens)" : " tokens each)")
                 << "; new tokens: " << joinNumbers(counts) << "; " << timing;
    streams.err->flush();
  }
  return 0;
}

} // namespace olmrt::exec
