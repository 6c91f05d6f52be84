//===- Cli.cpp - Dispatch and error reporting of the subcommands ----------===//

#include "olmrt/Cli.h"

#include "CliCommands.h"

#include <iostream>
#include <new>

namespace olmrt {

using namespace exec;

namespace {

struct Command {
  const char *name;
  const char *summary; // One line, for a program's list of commands.
  const char *usage;   // After "usage: PROGRAM ".
  int (*run)(const ParsedArgs &, const CliStreams &);
  std::vector<FlagSpec> flags;
  /// More for --help, after the usage line; lines end in '\n'.
  const char *details = nullptr;
};

const std::vector<Command> &commands() {
  static const std::vector<Command> list = {
      {"run",
       "run a compiled artifact: logits, greedy or sampled generation",
       "run M.olmx (--weights W.safetensors | --random-weights [--seed S]) "
       "((--input-ids IDS.npy | --tokens 1,2,3) [--logits-out L.npy] "
       "[--output-ids OUT.npy] | --tokenizer T.json (--prompt TEXT | "
       "--prompt-file F) "
       "[--temperature T [--top-k K] [--top-p P] [--min-p P] [--seed S]] "
       "[--repetition-penalty R] [--stop TEXT] [--eos 1,2]) "
       "[--max-new-tokens N] [--no-progress]",
       runCommand,
       {{"--weights", true, ""},
        {"--random-weights", false, ""},
        {"--seed", true, ""},
        {"--input-ids", true, ""},
        {"--tokens", true, ""},
        {"--logits-out", true, ""},
        {"--output-ids", true, ""},
        {"--max-new-tokens", true, ""},
        {"--tokenizer", true, ""},
        {"--prompt", true, ""},
        {"--prompt-file", true, ""},
        {"--no-progress", false, ""},
        {"--temperature", true, ""},
        {"--top-k", true, ""},
        {"--top-p", true, ""},
        {"--min-p", true, ""},
        {"--repetition-penalty", true, ""},
        {"--stop", true, ""},
        {"--eos", true, ""}},
       "\n"
       "--prompt-file F: one prompt per line, empty lines skipped. A file\n"
       "  whose name ends in .jsonl holds one JSON string per line instead,\n"
       "  for prompts with newlines: \"first line\\nsecond line\".\n"
       "  Prompts of the same length in tokens run as one batch, up to the\n"
       "  compiled --max-batch at a time; prompts of other lengths run in\n"
       "  batches of their own, one after another. Each prompt's text is\n"
       "  printed under a line \"== prompt K ==\" (K counts prompts from 1,\n"
       "  in file order), one summary line per batch goes to stderr.\n"
       "  Sampling flags apply to every prompt; prompt K draws with seed\n"
       "  S+K-1, as --prompt with --seed S+K-1 would.\n"
       "While the weights load, a progress bar is drawn on stderr when it is\n"
       "  a terminal; --no-progress turns it off.\n"},
      {"init-weights",
       "write random weights with the model's own names",
       "init-weights M.olmx -o W.safetensors [--seed S]",
       initWeightsCommand,
       {{"--output", true, "-o"}, {"--seed", true, ""}}},
      {"inspect",
       "show an artifact's entry points, kernels, weights, memory",
       "inspect M.olmx",
       inspectCommand,
       {}},
      {"tokenize",
       "encode text or decode ids with a tokenizer.json",
       "tokenize --tokenizer T.json (--text TEXT | --text-file F | "
       "--decode 1,2,3) [--add-special-tokens] [--keep-special-tokens]",
       tokenizeCommand,
       {{"--tokenizer", true, ""},
        {"--text", true, ""},
        {"--text-file", true, ""},
        {"--decode", true, ""},
        {"--add-special-tokens", false, ""},
        {"--keep-special-tokens", false, ""}}},
      {"bench",
       "time prefill and decode of an artifact (tokens/s, ms)",
       "bench M.olmx (--weights W.safetensors | --random-weights [--seed S]) "
       "[--batch B] [--prompt-len T] [--gen-len N] [--warmup W] [--iters K] "
       "[--json]",
       benchCommand,
       {{"--weights", true, ""},
        {"--random-weights", false, ""},
        {"--seed", true, ""},
        {"--batch", true, ""},
        {"--prompt-len", true, ""},
        {"--gen-len", true, ""},
        {"--warmup", true, ""},
        {"--iters", true, ""},
        {"--json", false, ""}}},
  };
  return list;
}

const Command *findCommand(const std::string &name) {
  for (const Command &command : commands())
    if (name == command.name)
      return &command;
  return nullptr;
}

/// Messages are meant to be one line; make sure of it, whatever a library
/// (dlerror, a JSON parser) put in them.
std::string oneLine(std::string text) {
  for (char &c : text)
    if (c == '\n' || c == '\r')
      c = ' ';
  return text;
}

} // namespace

CliStreams::CliStreams() : out(&std::cout), err(&std::cerr) {}
CliStreams::CliStreams(std::string program)
    : program(std::move(program)), out(&std::cout), err(&std::cerr) {}

bool isRuntimeCommand(const std::string &command) {
  return findCommand(command) != nullptr;
}

std::vector<std::pair<std::string, std::string>> runtimeCommandSummaries() {
  std::vector<std::pair<std::string, std::string>> list;
  for (const Command &command : commands())
    list.emplace_back(command.name, command.summary);
  return list;
}

void printRuntimeUsage(std::ostream &os, const std::string &program) {
  for (const Command &command : commands())
    os << "  " << program << " " << command.usage << "\n";
}

int runRuntimeCommand(const std::string &name, int argc, char **argv,
                      const CliStreams &streams) {
  std::ostream &err = *streams.err;
  const std::string &program = streams.program;
  const Command *command = findCommand(name);
  if (!command) {
    err << program << ": error: unknown command '" << oneLine(name) << "'\n"
        << "usage:\n";
    printRuntimeUsage(err, program);
    return 2;
  }
  try {
    std::vector<std::string> args(argv, argv + (argc > 0 ? argc : 0));
    ParsedArgs parsed(args, command->flags);
    if (parsed.help()) {
      *streams.out << "usage: " << program << " " << command->usage << "\n";
      if (command->details)
        *streams.out << command->details;
      return 0;
    }
    return command->run(parsed, streams);
  } catch (const UsageError &e) {
    err << program << ": error: " << oneLine(e.what()) << "\n"
        << "usage: " << program << " " << command->usage << "\n";
    return 2;
  } catch (const std::bad_alloc &) {
    err << program << ": error: out of memory\n";
  } catch (const std::exception &e) {
    // olmrt::Error, and anything a library let escape.
    err << program << ": error: " << oneLine(e.what()) << "\n";
  }
  return 1;
}

} // namespace olmrt
