//===- Driver.h - The CUDA driver API, opened at run time -----------------===//
//
// libolmrt_cuda does not link libcuda.so: it opens libcuda.so.1 itself, so
// that a machine without the NVIDIA driver gets a clear error from the
// factory instead of a failed dlopen of the plugin. cudart (linked
// statically) opens the same library for the runtime API; the driver calls
// here (modules of generated code, their launches) run in cudart's primary
// context.
//
//===----------------------------------------------------------------------===//

#ifndef OLMRT_LIB_CUDA_DRIVER_H
#define OLMRT_LIB_CUDA_DRIVER_H

#include <cuda.h>

#include <string>

namespace olmrt::cuda {

struct Driver {
  CUresult (*cuInit)(unsigned) = nullptr;
  CUresult (*cuDriverGetVersion)(int *) = nullptr;
  CUresult (*cuGetErrorName)(CUresult, const char **) = nullptr;
  CUresult (*cuGetErrorString)(CUresult, const char **) = nullptr;
  CUresult (*cuDeviceGetCount)(int *) = nullptr;
  CUresult (*cuModuleLoadDataEx)(CUmodule *, const void *, unsigned,
                                 CUjit_option *, void **) = nullptr;
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule,
                                  const char *) = nullptr;
  CUresult (*cuModuleUnload)(CUmodule) = nullptr;
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, unsigned, CUstream,
                             void **, void **) = nullptr;
};

/// Opens the driver and runs cuInit(0). Returns false with a one-line
/// reason ("no NVIDIA driver: ...", "cuInit failed: CUDA_ERROR_NO_DEVICE:
/// no CUDA-capable device is detected").
bool loadDriver(std::string *error);
/// The driver after a successful loadDriver.
const Driver &driver();
/// "CUDA_ERROR_X: text".
std::string driverError(CUresult status);

} // namespace olmrt::cuda

#endif // OLMRT_LIB_CUDA_DRIVER_H
