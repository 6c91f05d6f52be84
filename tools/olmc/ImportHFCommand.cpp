//===- ImportHFCommand.cpp - olmc import-hf -------------------------------===//
#include "Commands.h"

#include "olmc/ImportHF.h"

#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace olmc {

int importHFMain(int argc, char **argv) {
  cl::OptionCategory category("olmc import-hf options");
  cl::opt<std::string> input(cl::Positional, cl::desc("CONFIG.json"),
                             cl::Required, cl::cat(category));
  cl::opt<std::string> output("o", cl::desc("output YAML ('-' = stdout)"),
                              cl::value_desc("MODEL.yaml"), cl::init("-"),
                              cl::cat(category));
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "olmc import-hf: Hugging Face config.json -> olmc model YAML\n");

  std::string error;
  std::unique_ptr<MemoryBuffer> file = mlir::openInputFile(input, &error);
  if (!file) {
    errs() << "olmc: error: " << error << "\n";
    return 1;
  }
  if (file->getBufferSize() > (16u << 20)) {
    errs() << input << ": error: config is larger than 16 MiB\n";
    return 1;
  }
  std::string yaml;
  if (!importHFConfig(file->getBuffer().str(), yaml, error)) {
    errs() << input << ": error: " << error << "\n";
    return 1;
  }
  auto out = mlir::openOutputFile(output, &error);
  if (!out) {
    errs() << "olmc: error: " << error << "\n";
    return 1;
  }
  out->os() << yaml;
  out->keep();
  return 0;
}

} // namespace olmc
