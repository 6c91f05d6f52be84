//===- CompileCommand.cpp - olmc compile ----------------------------------===//
#include "Commands.h"

#include "olm/Dialect/OLMDialect.h"
#include "olmc/Frontend/ModelImporter.h"
#include "olmc/Pipeline/Pipeline.h"
#include "olmc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;
using namespace mlir;

namespace olmc {

int compileMain(int argc, char **argv) {
  cl::OptionCategory category("olmc compile options");
  cl::opt<std::string> input(cl::Positional, cl::desc("MODEL.yaml"),
                             cl::Required, cl::cat(category));
  cl::opt<std::string> output("o", cl::desc("output file ('-' = stdout)"),
                              cl::value_desc("FILE"), cl::init("-"),
                              cl::cat(category));
  cl::opt<std::string> emit(
      "emit", cl::desc("what to write: olm (the verified olm module)"),
      cl::value_desc("olm"), cl::init(""), cl::cat(category));
  std::string phaseNames;
  for (const Phase &p : compilePhases())
    phaseNames += (phaseNames.empty() ? "" : ", ") + p.name;
  cl::opt<std::string> compileTo(
      "compile-to",
      cl::desc("stop after this phase and print its IR (" + phaseNames + ")"),
      cl::value_desc("PHASE"), cl::init(""), cl::cat(category));
  cl::opt<std::string> dumpPhases(
      "dump-phases-to", cl::desc("write the IR after each phase into DIR"),
      cl::value_desc("DIR"), cl::init(""), cl::cat(category));
  cl::opt<std::string> target("target", cl::desc("cpu (default) or cuda"),
                              cl::init("cpu"), cl::cat(category));
  cl::opt<std::string> dtype("dtype",
                             cl::desc("compute dtype: f32, f16, bf16 "
                                      "(default: the model's)"),
                             cl::init(""), cl::cat(category));

  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  registerDefaultTimingManagerCLOptions();
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "olmc compile: model YAML -> olm IR\n\n"
      "MLIR's pass-manager and printing flags also apply, e.g.\n"
      "--mlir-print-ir-after-all, --mlir-timing, --mlir-print-debuginfo\n"
      "(all listed by --help-hidden).\n");

  if (target != "cpu" && target != "cuda") {
    errs() << "olmc: error: unknown --target '" << target
           << "' (expected cpu or cuda)\n";
    return 2;
  }
  if (!dtype.empty() && dtype != "f32" && dtype != "f16" && dtype != "bf16") {
    errs() << "olmc: error: unknown --dtype '" << dtype
           << "' (expected f32, f16 or bf16)\n";
    return 2;
  }
  int last = 0;
  if (!compileTo.empty()) {
    last = findPhase(compileTo);
    if (last < 0) {
      errs() << "olmc: error: unknown phase '" << compileTo
             << "' (phases: " << phaseNames << ")\n";
      return 2;
    }
  } else if (!emit.empty() && emit != "olm") {
    errs() << "olmc: error: unknown --emit '" << emit
           << "' (this version emits: olm)\n";
    return 2;
  } else if (emit.empty()) {
    errs() << "olmc: error: nothing to do: pass --emit=olm or "
              "--compile-to=PHASE (artifact output comes with the CPU "
              "backend)\n";
    return 2;
  }

  std::string error;
  std::unique_ptr<MemoryBuffer> file = openInputFile(input, &error);
  if (!file) {
    errs() << "olmc: error: " << error << "\n";
    return 1;
  }

  MLIRContext context;
  context.loadDialect<olm::OLMDialect, arith::ArithDialect,
                      tensor::TensorDialect>();
  SourceMgr sourceMgr;
  StringRef text = file->getBuffer();
  sourceMgr.AddNewSourceBuffer(std::move(file), SMLoc());
  SourceMgrDiagnosticHandler handler(sourceMgr, &context);

  OwningOpRef<ModuleOp> module = importModelYAML(context, input, text);
  if (!module)
    return 1;

  CompileOptions options;
  options.target = target;
  options.dtype = dtype;
  auto configure = [&](PassManager &pm) {
    return applyPassManagerCLOptions(pm);
  };
  if (failed(runPhases(*module, last, options, dumpPhases, configure)))
    return 1;
  return failed(writeIR(*module, output)) ? 1 : 0;
}

} // namespace olmc
