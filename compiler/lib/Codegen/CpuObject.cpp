//===- CpuObject.cpp - LLVM dialect -> native shared object ---------------===//
//
// Ahead-of-time: everything here runs in `olmc compile`. The runtime only
// opens the shared object; it never compiles.
//
//===----------------------------------------------------------------------===//
#include "olmc/Codegen/CpuCodegen.h"

#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Triple.h"

using namespace llvm;

namespace olmc {
namespace {

std::unique_ptr<TargetMachine> makeTargetMachine(const CpuTarget &target,
                                                 std::string &error) {
  InitializeAllTargetInfos();
  InitializeAllTargets();
  InitializeAllTargetMCs();
  InitializeAllAsmPrinters();
  Triple triple(target.triple);
  const Target *t = TargetRegistry::lookupTarget(triple, error);
  if (!t)
    return nullptr;
  TargetOptions options;
  return std::unique_ptr<TargetMachine>(t->createTargetMachine(
      triple, target.cpu, "", options, Reloc::PIC_, std::nullopt,
      CodeGenOptLevel::Aggressive));
}

std::unique_ptr<llvm::Module> translate(mlir::ModuleOp module,
                                        LLVMContext &context,
                                        TargetMachine &tm, bool optimize,
                                        std::string &error) {
  mlir::registerBuiltinDialectTranslation(*module->getContext());
  mlir::registerLLVMDialectTranslation(*module->getContext());
  std::unique_ptr<llvm::Module> llvmModule =
      mlir::translateModuleToLLVMIR(module, context, "olmx");
  if (!llvmModule) {
    error = "cannot translate the generated code to LLVM IR";
    return nullptr;
  }
  llvmModule->setDataLayout(tm.createDataLayout());
  llvmModule->setTargetTriple(tm.getTargetTriple());
  if (!optimize)
    return llvmModule;
  LoopAnalysisManager lam;
  FunctionAnalysisManager fam;
  CGSCCAnalysisManager cgam;
  ModuleAnalysisManager mam;
  PassBuilder pb(&tm);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  ModulePassManager mpm = pb.buildPerModuleDefaultPipeline(OptimizationLevel::O3);
  mpm.run(*llvmModule, mam);
  return llvmModule;
}

/// Runs `program args...`; false with `error` set when it fails.
bool runTool(StringRef program, ArrayRef<StringRef> args, std::string &error) {
  ErrorOr<std::string> path = sys::findProgramByName(program);
  if (!path) {
    error = ("cannot find '" + program + "' to link the CPU code "
             "(install binutils)").str();
    return false;
  }
  SmallVector<StringRef> argv{*path};
  argv.append(args.begin(), args.end());
  std::string message;
  int rc = sys::ExecuteAndWait(*path, argv, std::nullopt, {}, 0, 0, &message);
  if (rc != 0) {
    error = (program + " failed" + (message.empty() ? "" : ": " + message))
                .str();
    return false;
  }
  return true;
}

} // namespace

bool emitLLVMIR(mlir::ModuleOp module, const CpuTarget &target, bool optimize,
                std::string &ir, std::string &error) {
  std::unique_ptr<TargetMachine> tm = makeTargetMachine(target, error);
  if (!tm)
    return false;
  LLVMContext context;
  auto llvmModule = translate(module, context, *tm, optimize, error);
  if (!llvmModule)
    return false;
  raw_string_ostream os(ir);
  llvmModule->print(os, nullptr);
  return true;
}

bool emitCpuSharedObject(mlir::ModuleOp module, const CpuTarget &target,
                         std::string &sharedObject, std::string &error) {
  std::unique_ptr<TargetMachine> tm = makeTargetMachine(target, error);
  if (!tm)
    return false;
  LLVMContext context;
  auto llvmModule = translate(module, context, *tm, /*optimize=*/true, error);
  if (!llvmModule)
    return false;

  SmallString<128> objPath, soPath;
  int objFd;
  if (sys::fs::createTemporaryFile("olmx", "o", objFd, objPath) ||
      sys::fs::createTemporaryFile("olmx", "so", soPath)) {
    error = "cannot create temporary files for the CPU code";
    return false;
  }
  auto cleanup = make_scope_exit([&] {
    sys::fs::remove(objPath);
    sys::fs::remove(soPath);
  });
  {
    raw_fd_ostream os(objFd, /*shouldClose=*/true);
    legacy::PassManager pm;
    if (tm->addPassesToEmitFile(pm, os, nullptr,
                                CodeGenFileType::ObjectFile)) {
      error = "the target cannot emit object files";
      return false;
    }
    pm.run(*llvmModule);
  }
  // Undefined olmk_* symbols stay undefined: the runtime executable that
  // opens this object provides them.
  if (!runTool("ld", {"-shared", "--hash-style=gnu", "-o", soPath, objPath},
               error))
    return false;
  ErrorOr<std::unique_ptr<MemoryBuffer>> so = MemoryBuffer::getFile(soPath);
  if (!so) {
    error = "cannot read the linked CPU code";
    return false;
  }
  sharedObject = (*so)->getBuffer().str();
  return true;
}

} // namespace olmc
