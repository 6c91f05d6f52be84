//===- olmrt.cpp - Run compiled models ------------------------------------===//
//
// `olmrt run|init-weights|inspect ...`: the runtime subcommands of Cli.h
// without the compiler, for machines that only run artifacts.
//
//===----------------------------------------------------------------------===//

#include "olmrt/Cli.h"

#include <cstring>
#include <iostream>

namespace {

void printUsage(std::ostream &os) {
  os << "usage:\n";
  olmrt::printRuntimeUsage(os, "olmrt");
  os << "  olmrt --version\n";
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    std::cerr << "olmrt: error: missing command\n";
    printUsage(std::cerr);
    return 2;
  }
  const char *command = argv[1];
  if (!std::strcmp(command, "-h") || !std::strcmp(command, "--help")) {
    printUsage(std::cout);
    return 0;
  }
  if (!std::strcmp(command, "--version")) {
    std::cout << "olmrt " << OLMC_VERSION << "\n";
    return 0;
  }
  return olmrt::runRuntimeCommand(command, argc - 2, argv + 2);
}
