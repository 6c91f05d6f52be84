//===- CudaCodegen.h - device code of the cuda target -----------*- C++ -*-===//
#ifndef OLMC_CODEGEN_CUDACODEGEN_H
#define OLMC_CODEGEN_CUDACODEGEN_H

#include "mlir/IR/BuiltinOps.h"
#include <nlohmann/json.hpp>
#include <string>

namespace olmc {

struct CudaTarget {
  std::string arch = "sm_90";
  /// PTX ISA the kernels are written in (what `+ptx80` asks LLVM for).
  std::string ptxVersion = "8.0";
};

/// The device code of a module lowered by olm-lower-to-llvm{target=cuda}.
struct DeviceCode {
  std::string ptx;
  /// ptxas output for target.arch, empty when ptxas was not found (the
  /// driver then compiles the PTX when the artifact is loaded).
  std::string cubin;
  /// The manifest's device_kernels (from the module's olm.device_kernels).
  nlohmann::json kernels = nlohmann::json::array();
};

/// Turns the gpu.module of `module` into PTX through MLIR's
/// gpu-module-to-binary (NVVM target, LLVM's NVPTX backend), assembles it
/// with ptxas where one is installed, and removes the device code and its
/// attributes from `module`, leaving the host code for emitCpuSharedObject.
bool extractDeviceCode(mlir::ModuleOp module, const CudaTarget &target,
                       bool assemble, DeviceCode &code, std::string &error);

/// Runs `ptxas -arch=ARCH` on ptx; false (with the tool's output in error)
/// when it fails, and also when no ptxas is found (error says so).
bool assemblePTX(const std::string &ptx, const std::string &arch,
                 std::string &cubin, std::string &error);

/// Where ptxas is (PATH, then /usr/local/cuda/bin), or empty.
std::string findPtxas();

} // namespace olmc

#endif
