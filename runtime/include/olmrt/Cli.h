//===- Cli.h - The runtime subcommands of olmrt and olmc --------*- C++ -*-===//
//
// `run`, `init-weights` and `inspect` behave the same whether a person types
// `olmrt run ...` or `olmc run ...`; both programs hand the words after the
// subcommand to runRuntimeCommand. Plain argument parsing, no LLVM, so the
// runtime stays free of compiler dependencies.
//
// Exit codes: 0 success, 1 an error (one line "PROGRAM: error: ..."), 2 a
// usage error (that line, then the subcommand's usage line).
//
//===----------------------------------------------------------------------===//

#ifndef OLMRT_CLI_H
#define OLMRT_CLI_H

#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

namespace olmrt {

struct CliStreams {
  /// Prefix of every error line: "olmrt" or "olmc".
  std::string program = "olmrt";
  std::ostream *out;
  std::ostream *err;
  CliStreams();
  explicit CliStreams(std::string program);
};

/// True for the subcommands runRuntimeCommand implements.
bool isRuntimeCommand(const std::string &command);

/// Runs `command` with its arguments argv[0..argc) (the words after the
/// subcommand; argv need not be null-terminated). Never throws; returns
/// the exit code.
int runRuntimeCommand(const std::string &command, int argc, char **argv,
                      const CliStreams &streams = CliStreams());

/// One usage line per runtime subcommand, for a program's --help.
void printRuntimeUsage(std::ostream &os, const std::string &program);

/// Each runtime subcommand's name and one-line summary (olmc's command
/// list).
std::vector<std::pair<std::string, std::string>> runtimeCommandSummaries();

} // namespace olmrt

#endif // OLMRT_CLI_H
