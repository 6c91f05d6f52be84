//===- Commands.h - olmc subcommands ----------------------------*- C++ -*-===//
#ifndef OLMC_TOOLS_OLMC_COMMANDS_H
#define OLMC_TOOLS_OLMC_COMMANDS_H

namespace olmc {
/// Each takes argv with argv[0] = "olmc <subcommand>" and returns the exit
/// code. Options are parsed by llvm::cl inside, so each subcommand's --help
/// lists only its own options.
int compileMain(int argc, char **argv);
int importHFMain(int argc, char **argv);
} // namespace olmc

#endif
