//===- olmc.cpp - the olmc driver: subcommand dispatch --------------------===//
#include "Commands.h"

#include "olmc/Plugin/PluginLoader.h"
#include "olmrt/Cli.h"

#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <string>

namespace {
struct Subcommand {
  const char *name;
  const char *summary;
  int (*main)(int, char **);
};

const Subcommand kSubcommands[] = {
    {"compile", "compile a model YAML to an artifact (.olmx), or to IR",
     olmc::compileMain},
    {"import-hf", "write model YAML for a Hugging Face config.json",
     olmc::importHFMain},
};

/// The width of the command column: the longest name and two spaces.
constexpr size_t kColumn = 14;

void printUsage(llvm::raw_ostream &os) {
  os << "olmc: an ahead-of-time compiler for transformer language models\n\n"
        "usage: olmc <command> [options]\n\ncommands:\n";
  for (const Subcommand &s : kSubcommands)
    os << "  " << s.name << std::string(kColumn - std::strlen(s.name), ' ')
       << s.summary << "\n";
  // The commands shared with the standalone runtime, olmrt.
  for (const auto &[name, summary] : olmrt::runtimeCommandSummaries())
    os << "  " << name << std::string(kColumn - name.size(), ' ') << summary
       << "\n";
  os << "\n'olmc <command> --help' lists a command's options.\n";
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  if (argc < 2) {
    printUsage(llvm::errs());
    return 2;
  }
  std::string command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") {
    printUsage(llvm::outs());
    return 0;
  }
  if (command == "--version") {
    llvm::outs() << "olmc " OLMC_VERSION "\n"
                 << "dialect plugin ABI: " << olmc::hostPluginABI() << "\n";
    return 0;
  }
  if (olmrt::isRuntimeCommand(command))
    return olmrt::runRuntimeCommand(command, argc - 2, argv + 2,
                                    olmrt::CliStreams("olmc"));
  for (const Subcommand &s : kSubcommands) {
    if (command != s.name)
      continue;
    // Present "olmc compile" as the program name to the option parser.
    std::string prog = std::string("olmc ") + s.name;
    argv[1] = prog.data();
    return s.main(argc - 1, argv + 1);
  }
  llvm::errs() << "olmc: error: unknown command '" << command << "'\n";
  printUsage(llvm::errs());
  return 2;
}
