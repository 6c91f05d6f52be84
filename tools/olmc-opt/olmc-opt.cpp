//===- olmc-opt.cpp - the olm dialect's opt driver ------------------------===//
//
// Parses, verifies, transforms and prints MLIR with the olm dialect and
// every olmc pass registered, as mlir-opt does for upstream dialects.
//
// --load-dialect-plugin=lib.so is MlirOptMain's own option (mlir::
// DialectPlugin). Before MlirOptMain runs, every plugin named on the
// command line is checked (olmc/Plugin/PluginLoader.h): a missing file, a
// library without olmc's ABI stamp, or one built against another olmc is
// one error line and exit status 1, where MlirOptMain alone would only
// warn and go on without the dialect.
//
//===----------------------------------------------------------------------===//
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "olm/Dialect/OLMDialect.h"
#include "olmc/Plugin/PluginLoader.h"
#include "olmc/Transforms/Passes.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace {

/// Checks the plugins named by --load-dialect-plugin (=PATH or PATH as the
/// next argument, with one or two dashes) and makes their paths absolute,
/// so that MlirOptMain opens the file that was checked. False after
/// printing an error.
bool checkPlugins(int argc, char **argv, std::vector<std::string> &storage) {
  static const llvm::StringRef kOption = "load-dialect-plugin";
  storage.reserve(argc);
  for (int i = 1; i < argc; ++i) {
    llvm::StringRef arg = argv[i];
    if (arg == "--")
      break;
    if (!arg.consume_front("-"))
      continue;
    arg.consume_front("-");
    if (!arg.consume_front(kOption))
      continue;
    int valueIndex = i;
    bool joined = arg.consume_front("=");
    llvm::StringRef value;
    if (joined) {
      value = arg;
    } else if (arg.empty() && i + 1 < argc) {
      valueIndex = ++i;
      value = argv[valueIndex];
    } else {
      continue; // not this option, or no value: left to the option parser
    }
    llvm::SmallString<256> path(value);
    (void)llvm::sys::fs::make_absolute(path);
    if (llvm::Error e = olmc::loadDialectPlugin(path, /*registry=*/nullptr)) {
      llvm::errs() << "olmc-opt: error: " << llvm::toString(std::move(e))
                   << "\n";
      return false;
    }
    storage.push_back(joined ? "--" + kOption.str() + "=" + path.str().str()
                             : path.str().str());
    argv[valueIndex] = storage.back().data();
  }
  return true;
}

} // namespace

int main(int argc, char **argv) {
  std::vector<std::string> pluginArgs;
  if (!checkPlugins(argc, argv, pluginArgs))
    return 1;
  mlir::DialectRegistry registry;
  registry.insert<olm::OLMDialect, mlir::arith::ArithDialect,
                  mlir::LLVM::LLVMDialect,
                  mlir::func::FuncDialect, mlir::linalg::LinalgDialect,
                  mlir::math::MathDialect, mlir::tensor::TensorDialect>();
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  olmc::registerOLMCPasses();
  return mlir::asMainReturnCode(mlir::MlirOptMain(argc, argv, "olm optimizer driver\n",
                                            registry));
}
