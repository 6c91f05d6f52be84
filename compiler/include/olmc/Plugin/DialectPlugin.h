//===- DialectPlugin.h - writing an olmc dialect plugin ---------*- C++ -*-===//
//
// Installed with olmc's CMake package. A dialect plugin is a shared library
// holding one or more MLIR dialects whose ops implement olm's
// CombinatorOpInterface (and, for parameters, LayerOpInterface); olmc and
// olmc-opt load it with --load-dialect-plugin=lib.so through MLIR's
// mlir::DialectPlugin mechanism (mlirGetDialectPluginInfo).
//
// Use OLMC_DIALECT_PLUGIN once in the plugin's sources:
//
//   OLMC_DIALECT_PLUGIN("gres", "1.0", [](mlir::DialectRegistry *registry) {
//     registry->insert<gres::GresDialect>();
//   })
//
// Besides the entry point it stamps the library with OLMC_PLUGIN_ABI (the
// olmc version, a hash of the olm dialect's headers and the LLVM version;
// olmc/Plugin/Version.h). olmc reads the stamp from the file before it
// opens the library and refuses a plugin built against another olmc, naming
// the plugin and both versions.
//
//===----------------------------------------------------------------------===//
#ifndef OLMC_PLUGIN_DIALECTPLUGIN_H
#define OLMC_PLUGIN_DIALECTPLUGIN_H

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "olmc/Plugin/Version.h"

/// The ELF section holding the plugin's ABI stamp (a NUL-terminated
/// OLMC_PLUGIN_ABI string).
#define OLMC_PLUGIN_ABI_SECTION ".olmc_plugin_abi"

/// Defines the plugin's entry point and ABI stamp. NAME and VERSION are
/// the plugin's own name and version (strings); the remaining argument is
/// a `void (*)(mlir::DialectRegistry *)`, e.g. a lambda without captures,
/// that inserts the plugin's dialects.
#define OLMC_DIALECT_PLUGIN(NAME, VERSION, ...)                                \
  extern "C" __attribute__((used, visibility("default"),                       \
                            section(OLMC_PLUGIN_ABI_SECTION)))                 \
  const char olmc_dialect_plugin_abi[] = OLMC_PLUGIN_ABI;                      \
  extern "C" __attribute__((visibility("default")))                            \
  LLVM_ATTRIBUTE_WEAK ::mlir::DialectPluginLibraryInfo                         \
  mlirGetDialectPluginInfo() {                                                 \
    return {MLIR_PLUGIN_API_VERSION, NAME, VERSION, __VA_ARGS__};              \
  }

#endif
