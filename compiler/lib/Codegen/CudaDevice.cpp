//===- CudaDevice.cpp - gpu.module -> PTX (and cubin) ---------------------===//
//
// MLIR's own GPU path does the work: gpu-module-to-binary serialises the
// gpu.module through its #nvvm.target (translation to LLVM IR, LLVM's
// NVPTX backend) to PTX text ("isa"). ptxas, where installed, assembles
// that for the artifact so the driver need not; the PTX always travels
// too, for `--emit=ptx` and for drivers that prefer to JIT.
//
//===----------------------------------------------------------------------===//
#include "olmc/Codegen/CudaCodegen.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace olmc {

std::string findPtxas() {
  if (auto path = llvm::sys::findProgramByName("ptxas"))
    return *path;
  if (auto path = llvm::sys::findProgramByName("ptxas", {"/usr/local/cuda/bin"}))
    return *path;
  return "";
}

bool assemblePTX(const std::string &ptx, const std::string &arch,
                 std::string &cubin, std::string &error) {
  std::string ptxas = findPtxas();
  if (ptxas.empty()) {
    error = "ptxas not found (looked in PATH and /usr/local/cuda/bin)";
    return false;
  }
  llvm::SmallString<128> in, out, log;
  if (llvm::sys::fs::createTemporaryFile("olmc", "ptx", in) ||
      llvm::sys::fs::createTemporaryFile("olmc", "cubin", out) ||
      llvm::sys::fs::createTemporaryFile("olmc", "log", log)) {
    error = "cannot create temporary files for ptxas";
    return false;
  }
  auto cleanup = llvm::make_scope_exit([&] {
    llvm::sys::fs::remove(in);
    llvm::sys::fs::remove(out);
    llvm::sys::fs::remove(log);
  });
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(in, ec);
    if (ec) {
      error = "cannot write " + in.str().str() + ": " + ec.message();
      return false;
    }
    os << ptx;
  }
  std::string archFlag = "-arch=" + arch;
  llvm::SmallVector<llvm::StringRef> args = {ptxas, archFlag, "-O3", in, "-o",
                                             out};
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, log.str(),
                                                log.str()};
  int rc = llvm::sys::ExecuteAndWait(ptxas, args, std::nullopt, redirects);
  if (rc != 0) {
    auto text = llvm::MemoryBuffer::getFile(log);
    error = "ptxas " + archFlag + " failed" +
            (text ? ": " + (*text)->getBuffer().trim().str() : std::string());
    return false;
  }
  auto bytes = llvm::MemoryBuffer::getFile(out, /*IsText=*/false);
  if (!bytes) {
    error = "cannot read ptxas output";
    return false;
  }
  cubin = (*bytes)->getBuffer().str();
  return true;
}

bool extractDeviceCode(ModuleOp module, const CudaTarget &target,
                       bool assemble, DeviceCode &code, std::string &error) {
  MLIRContext *ctx = module.getContext();
  DialectRegistry registry;
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
  registerGPUDialectTranslation(registry);
  ctx->appendDialectRegistry(registry);

  if (auto kernels = module->getAttrOfType<ArrayAttr>("olm.device_kernels")) {
    for (Attribute k : kernels) {
      auto d = cast<DictionaryAttr>(k);
      code.kernels.push_back(
          {{"name", d.getAs<StringAttr>("name").str()},
           {"args", d.getAs<IntegerAttr>("args").getInt()},
           {"elements_per_thread",
            d.getAs<IntegerAttr>("elements_per_thread").getInt()}});
    }
  }

  // Diagnostics of the serialiser (e.g. an op NVPTX cannot select) become
  // the error text.
  std::string diagnostics;
  ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &d) {
    llvm::raw_string_ostream(diagnostics) << d.str() << "\n";
    return success();
  });
  PassManager pm(ctx, module->getName().getStringRef());
  GpuModuleToBinaryPassOptions options;
  options.compilationTarget = "isa";
  pm.addPass(createGpuModuleToBinaryPass(options));
  if (failed(pm.run(module))) {
    error = "generating PTX failed: " + llvm::StringRef(diagnostics).trim().str();
    return false;
  }

  for (auto binary : llvm::make_early_inc_range(module.getOps<gpu::BinaryOp>())) {
    for (Attribute o : binary.getObjects())
      code.ptx += cast<gpu::ObjectAttr>(o).getObject().getValue().str();
    binary.erase();
  }
  module->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());
  module->removeAttr("olm.device_kernels");
  if (code.ptx.empty()) {
    error = "generating PTX produced no code";
    return false;
  }
  if (assemble && !findPtxas().empty() &&
      !assemblePTX(code.ptx, target.arch, code.cubin, error))
    return false;
  return true;
}

} // namespace olmc
