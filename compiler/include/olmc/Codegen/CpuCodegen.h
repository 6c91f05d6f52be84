//===- CpuCodegen.h - LLVM dialect -> native shared object ------*- C++ -*-===//
#ifndef OLMC_CODEGEN_CPUCODEGEN_H
#define OLMC_CODEGEN_CPUCODEGEN_H

#include "mlir/IR/BuiltinOps.h"
#include <nlohmann/json.hpp>
#include <string>

namespace olmc {

/// Target the CPU code is generated for: portable x86-64 with SSE4.2
/// (x86-64-v2), since artifacts move between machines.
struct CpuTarget {
  std::string triple = "x86_64-unknown-linux-gnu";
  std::string cpu = "x86-64-v2";
};

/// Translates an LLVM-dialect module to LLVM IR, optimises it at O3, emits
/// an object file and links it into a shared object with the system
/// linker. Returns the shared object's bytes, or an error message.
bool emitCpuSharedObject(mlir::ModuleOp module, const CpuTarget &target,
                         std::string &sharedObject, std::string &error);

/// Translates an LLVM-dialect module to textual LLVM IR (after O3 when
/// `optimize`).
bool emitLLVMIR(mlir::ModuleOp module, const CpuTarget &target, bool optimize,
                std::string &ir, std::string &error);

/// The artifact manifest (docs/artifact-format.md) of a model after the
/// "plan" phase: weights, memory plan, KV-cache layout, kernels.
struct CudaTarget;

/// The manifest of a planned module (docs/artifact-format.md); `device` is
/// null for the cpu target. Device kernels are added once generated.
nlohmann::json buildManifest(mlir::ModuleOp planned, const CpuTarget &target,
                             const CudaTarget *device,
                             const std::string &olmcVersion);

} // namespace olmc

#endif
