//===- CliCommands.h - The runtime subcommands ------------------*- C++ -*-===//
//
// Private to olmrt_exec: one function per subcommand, called by Cli.cpp
// after the arguments parsed. They throw olmrt::Error (exit 1) or
// UsageError (exit 2) and return the exit code otherwise.
//
//===----------------------------------------------------------------------===//

#ifndef OLMRT_LIB_EXEC_CLICOMMANDS_H
#define OLMRT_LIB_EXEC_CLICOMMANDS_H

#include "CliArgs.h"

#include "olmrt/Cli.h"

#include <string>

namespace olmrt::exec {

int runCommand(const ParsedArgs &args, const CliStreams &streams);
/// `run --tokenizer T.json --prompt TEXT` (CliRunText.cpp).
int runTextCommand(const ParsedArgs &args, const CliStreams &streams);
int initWeightsCommand(const ParsedArgs &args, const CliStreams &streams);
int inspectCommand(const ParsedArgs &args, const CliStreams &streams);
int tokenizeCommand(const ParsedArgs &args, const CliStreams &streams);
int benchCommand(const ParsedArgs &args, const CliStreams &streams);

/// "1048576 bytes (1.0 MiB)".
std::string formatBytes(int64_t bytes);

} // namespace olmrt::exec

#endif // OLMRT_LIB_EXEC_CLICOMMANDS_H
