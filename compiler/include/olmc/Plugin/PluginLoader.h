//===- PluginLoader.h - loading olmc dialect plugins ------------*- C++ -*-===//
//
// The host side of olmc/Plugin/DialectPlugin.h, shared by olmc and
// olmc-opt: check a plugin's ABI stamp without running any of its code,
// then load it with mlir::DialectPlugin and register its dialects.
//
//===----------------------------------------------------------------------===//
#ifndef OLMC_PLUGIN_PLUGINLOADER_H
#define OLMC_PLUGIN_PLUGINLOADER_H

#include "mlir/IR/DialectRegistry.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace olmc {

/// The plugin ABI of this olmc (OLMC_PLUGIN_ABI).
llvm::StringRef hostPluginABI();

/// Checks that `path` is a readable shared library stamped with this
/// olmc's plugin ABI, without loading it. The error is one line naming the
/// file (and, for a mismatch, both versions).
llvm::Error checkDialectPlugin(llvm::StringRef path);

/// checkDialectPlugin, then loads the library (mlir::DialectPlugin::load)
/// and, when `registry` is given, lets it register its dialects there.
llvm::Error loadDialectPlugin(llvm::StringRef path,
                              mlir::DialectRegistry *registry);

} // namespace olmc

#endif
