//===- CliRun.cpp - `run`: logits and greedy generation -------------------===//
//
// --logits-out asks for logits; --output-ids, --max-new-tokens or the
// absence of --logits-out ask for generation. Both come from one prefill.
// Without generation the logits are the prompt's [B, T, V]; with it, every
// position the model processed, [B, T + N - 1, V]: the prompt's, then each
// KV-cached decode step's.
//
//===----------------------------------------------------------------------===//

#include "CliCommands.h"
#include "Progress.h"

#include "olmrt/Model.h"
#include "olmrt/Npy.h"
#include "olmrt/Session.h"
#include "olmrt/WeightInit.h"
#include "olmrt/Weights.h"

#include <ostream>

namespace olmrt::exec {

namespace {

constexpr int64_t kDefaultNewTokens = 16;

struct Prompt {
  std::vector<int64_t> ids;
  int64_t batch = 0;
  int64_t seq = 0;
};

Prompt readPrompt(const std::string &path) {
  Prompt prompt;
  std::vector<int64_t> shape;
  prompt.ids = readNpyInt64(path, &shape);
  if (shape.size() == 1)
    shape.insert(shape.begin(), 1); // One sequence.
  if (shape.size() != 2)
    throw Error(path + ": token ids must have shape [T] or [B, T], not " +
                formatShape(shape));
  if (shape[0] == 0 || shape[1] == 0)
    throw Error(path + ": token ids of shape " + formatShape(shape) +
                " hold no sequence to run");
  prompt.batch = shape[0];
  prompt.seq = shape[1];
  return prompt;
}

Weights loadWeights(const ParsedArgs &args, const CompiledModel &model,
                    const LoadProgress &progress) {
  if (auto path = args.value("--weights"))
    return Weights(model, *path, progress);
  uint64_t seed = 0;
  if (auto text = args.value("--seed"))
    seed = parseSeed("--seed", *text);
  return Weights(model.manifest(), initSourceTensors(model.manifest(), seed),
                 progress);
}

} // namespace

int runCommand(const ParsedArgs &args, const CliStreams &streams) {
  // Text in, text out (CliRunText.cpp).
  if (args.has("--prompt") || args.has("--prompt-file") ||
      args.has("--tokenizer"))
    return runTextCommand(args, streams);
  for (const char *flag : {"--temperature", "--top-k", "--top-p", "--min-p",
                           "--repetition-penalty", "--stop", "--eos"})
    if (args.has(flag))
      throw UsageError(std::string(flag) + " needs --tokenizer and --prompt");
  // Check the whole command line before any file is read.
  const std::string &artifact = args.onePositional("the artifact M.olmx");
  bool random = args.has("--random-weights");
  if (random == args.has("--weights"))
    throw UsageError(random ? "give --weights or --random-weights, not both"
                            : "missing --weights W.safetensors "
                              "(or --random-weights)");
  if (args.has("--seed") && !random)
    throw UsageError("--seed only applies to --random-weights");
  if (auto text = args.value("--seed"))
    parseSeed("--seed", *text);
  if (args.has("--input-ids") == args.has("--tokens"))
    throw UsageError(args.has("--tokens")
                         ? "give --input-ids or --tokens, not both"
                         : "missing --input-ids IDS.npy or --tokens 1,2,3");
  Prompt prompt;
  if (auto text = args.value("--tokens")) {
    prompt.ids = parseTokenList("--tokens", *text);
    prompt.batch = 1;
    prompt.seq = int64_t(prompt.ids.size());
  }
  auto logitsOut = args.value("--logits-out");
  auto idsOut = args.value("--output-ids");
  int64_t newTokens = kDefaultNewTokens;
  if (auto text = args.value("--max-new-tokens"))
    newTokens =
        parseIntFlag("--max-new-tokens", *text, 0, ManifestLimits::kMaxSeq);
  bool generate = idsOut || args.has("--max-new-tokens") || !logitsOut;

  CompiledModel model(artifact);
  if (auto path = args.value("--input-ids"))
    prompt = readPrompt(*path);
  ProgressBar bar(progressStream(streams, args.has("--no-progress")));
  Weights weights = loadWeights(args, model, bar.callback());
  bar.finish();
  Session session(model, weights);
  std::vector<float> logits;
  std::vector<int64_t> ids = session.generateGreedy(
      prompt.ids, prompt.batch, prompt.seq, generate ? newTokens : 0,
      logitsOut ? &logits : nullptr);

  if (logitsOut)
    writeNpy(*logitsOut, logits,
             {prompt.batch,
              int64_t(logits.size()) /
                  (prompt.batch * model.manifest().model.vocab),
              model.manifest().model.vocab});
  if (!generate)
    return 0;
  int64_t total = prompt.seq + newTokens;
  if (idsOut) {
    writeNpy(*idsOut, ids, {prompt.batch, total});
    return 0;
  }
  // Only the new tokens: the prompt is what the user typed.
  std::ostream &out = *streams.out;
  for (int64_t b = 0; b < prompt.batch; ++b) {
    for (int64_t i = prompt.seq; i < total; ++i)
      out << (i == prompt.seq ? "" : " ") << ids[b * total + i];
    out << "\n";
  }
  return 0;
}

} // namespace olmrt::exec
