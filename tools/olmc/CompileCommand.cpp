//===- CompileCommand.cpp - olmc compile ----------------------------------===//
#include "Commands.h"

#include "olm/Dialect/OLMDialect.h"
#include "olmc/Frontend/ModelImporter.h"
#include "olmc/Pipeline/Pipeline.h"
#include "olmc/Plugin/PluginLoader.h"
#include "olmc/Codegen/CpuCodegen.h"
#include "olmc/Codegen/CudaCodegen.h"
#include "olmc/Transforms/Passes.h"
#include "olmrt/Artifact.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;
using namespace mlir;

namespace olmc {

int compileMain(int argc, char **argv) {
  cl::OptionCategory category("olmc compile options");
  cl::opt<std::string> input(cl::Positional, cl::desc("MODEL.yaml"),
                             cl::Required, cl::cat(category));
  cl::opt<std::string> output("o",
                              cl::desc("output: the artifact (default "
                                       "MODEL.olmx), or with --emit / "
                                       "--compile-to the IR ('-' = stdout)"),
                              cl::value_desc("FILE"), cl::init("-"),
                              cl::cat(category));
  cl::opt<std::string> emit(
      "emit",
      cl::desc("what to write instead of the artifact: olm (the verified "
               "olm module), llvm-ir (the generated CPU or host code as LLVM "
               "IR, after O3), ptx (--target cuda: all generated device "
               "code as one PTX module)"),
      cl::value_desc("olm|llvm-ir|ptx"), cl::init(""), cl::cat(category));
  std::string phaseNames;
  for (const Phase &p : compilePhases())
    phaseNames += (phaseNames.empty() ? "" : ", ") + p.name;
  // cl::desc keeps a StringRef: the text must outlive the option.
  std::string compileToHelp =
      "stop after this phase and print its IR (" + phaseNames + ")";
  cl::opt<std::string> compileTo(
      "compile-to", cl::desc(compileToHelp),
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

  cl::opt<int64_t> maxSeq("max-seq",
                          cl::desc("longest sequence the artifact serves "
                                   "(prompt + generated tokens)"),
                          cl::init(1024), cl::cat(category));
  cl::opt<int64_t> maxBatch("max-batch",
                            cl::desc("most sequences per call"), cl::init(1),
                            cl::cat(category));
  cl::opt<std::string> fuseNormMatmul(
      "fuse-norm-matmul", cl::ValueOptional, cl::value_desc("ungated|all|none"),
      cl::desc("cuda: which norms to fold into the matmul that reads them "
               "(olm-fuse-norm-matmul), given as --fuse-norm-matmul=VALUE: "
               "ungated (default: all but gated products', the fastest on "
               "an H200, bench/NOTES.md), all (also the gated MLP's; the "
               "bare flag), or none"),
      cl::init("ungated"), cl::cat(category));
  cl::list<std::string> dialectPlugins(
      "load-dialect-plugin",
      cl::desc("load a dialect plugin (a library built with olmc's CMake "
               "package) whose combinators the model uses by their op "
               "names; repeatable"),
      cl::value_desc("LIB.so"), cl::cat(category));

  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  registerDefaultTimingManagerCLOptions();
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "olmc compile: model YAML -> .olmx artifact (or IR)\n\n"
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
  int last = -1;
  if (!compileTo.empty()) {
    last = findPhase(compileTo);
    if (last < 0) {
      errs() << "olmc: error: unknown phase '" << compileTo
             << "' (phases: " << phaseNames << ")\n";
      return 2;
    }
  } else if (emit == "olm") {
    last = 0;
  } else if (!emit.empty() && emit != "llvm-ir" && emit != "ptx") {
    errs() << "olmc: error: unknown --emit '" << emit
           << "' (expected olm, llvm-ir or ptx)\n";
    return 2;
  }
  if (emit == "ptx" && target != "cuda") {
    errs() << "olmc: error: --emit=ptx needs --target cuda\n";
    return 2;
  }
  std::string normFusion =
      fuseNormMatmul.empty() ? std::string("all") : fuseNormMatmul.getValue();
  if (normFusion != "ungated" && normFusion != "all" && normFusion != "none") {
    errs() << "olmc: error: unknown --fuse-norm-matmul '" << normFusion
           << "' (expected ungated, all or none)\n";
    return 2;
  }
  if (fuseNormMatmul.getNumOccurrences() && normFusion != "none" &&
      target != "cuda") {
    errs() << "olmc: error: --fuse-norm-matmul needs --target cuda\n";
    return 2;
  }
  if (target == "cpu" && !dtype.empty() && dtype != "f32") {
    errs() << "olmc: error: the cpu target computes in f32; use --dtype f32\n";
    return 2;
  }
  if (maxSeq < 1 || maxSeq > (1 << 24) || maxBatch < 1 || maxBatch > (1 << 16)) {
    errs() << "olmc: error: --max-seq must be in [1, 16777216] and "
              "--max-batch in [1, 65536]\n";
    return 2;
  }

  std::string error;
  std::unique_ptr<MemoryBuffer> file = openInputFile(input, &error);
  if (!file) {
    errs() << "olmc: error: " << error << "\n";
    return 1;
  }

  // Plugins first: a plugin that cannot be used stops before any work.
  DialectRegistry pluginDialects;
  for (const std::string &plugin : dialectPlugins) {
    if (Error e = loadDialectPlugin(plugin, &pluginDialects)) {
      errs() << "olmc: error: " << toString(std::move(e)) << "\n";
      return 1;
    }
  }

  MLIRContext context;
  context.appendDialectRegistry(pluginDialects);
  context.loadDialect<olm::OLMDialect, arith::ArithDialect,
                      tensor::TensorDialect>();
  // The plugins' dialects (and their dependencies) are loaded up front, so
  // the frontend can list their combinators.
  context.loadAllAvailableDialects();
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
  options.maxSeq = maxSeq;
  options.maxBatch = maxBatch;
  options.fuseNormMatmul = normFusion;
  auto configure = [&](PassManager &pm) {
    applyDefaultTimingPassManagerCLOptions(pm);
    return applyPassManagerCLOptions(pm);
  };
  if (last >= 0) {
    if (last > 0 &&
        failed(runPhases(*module, 1, last, options, dumpPhases, configure)))
      return 1;
    if (last == 0 && !dumpPhases.empty() &&
        failed(runPhases(*module, 1, 0, options, dumpPhases, configure)))
      return 1;
    return failed(writeIR(*module, output)) ? 1 : 0;
  }

  // Code generation: plan, take the manifest, lower to LLVM, emit.
  int plan = findPhase("plan"), llvmPhase = findPhase("llvm");
  if (failed(runPhases(*module, 1, plan, options, dumpPhases, configure)))
    return 1;
  CpuTarget cpu;
  CudaTarget cuda;
  bool isCuda = target == "cuda";
  nlohmann::json manifest =
      buildManifest(*module, cpu, isCuda ? &cuda : nullptr, OLMC_VERSION);
  if (failed(runPhases(*module, llvmPhase, llvmPhase, options, dumpPhases,
                       configure)))
    return 1;
  DeviceCode device;
  if (isCuda) {
    // The artifact carries a cubin where ptxas is installed; --emit=ptx
    // needs only the PTX.
    if (!extractDeviceCode(*module, cuda, /*assemble=*/emit.empty(), device,
                           error)) {
      errs() << "olmc: error: " << error << "\n";
      return 1;
    }
    manifest["device_kernels"] = device.kernels;
  }
  if (emit == "ptx") {
    auto out = openOutputFile(output, &error);
    if (!out) {
      errs() << "olmc: error: " << error << "\n";
      return 1;
    }
    out->os() << device.ptx;
    out->keep();
    return 0;
  }
  if (emit == "llvm-ir") {
    std::string ir;
    if (!emitLLVMIR(*module, cpu, /*optimize=*/true, ir, error)) {
      errs() << "olmc: error: " << error << "\n";
      return 1;
    }
    auto out = openOutputFile(output, &error);
    if (!out) {
      errs() << "olmc: error: " << error << "\n";
      return 1;
    }
    out->os() << ir;
    out->keep();
    return 0;
  }
  std::string code;
  if (!emitCpuSharedObject(*module, cpu, code, error)) {
    errs() << "olmc: error: " << error << "\n";
    return 1;
  }
  std::string path = output;
  if (path == "-")
    path = sys::path::stem(input).str() + ".olmx";
  try {
    if (isCuda) {
      std::vector<std::pair<std::string, std::string>> sections = {
          {"code.host.so", code}, {"code.cuda.ptx", device.ptx}};
      if (!device.cubin.empty())
        sections.push_back({"code.cuda.cubin", device.cubin});
      olmrt::writeArtifact(path, manifest, sections);
    } else {
      olmrt::writeArtifact(path, manifest, {{"code.cpu.so", code}});
    }
  } catch (const std::exception &e) {
    errs() << "olmc: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

} // namespace olmc
