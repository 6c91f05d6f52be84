//===- Driver.cpp - The CUDA driver API, opened at run time ---------------===//

#include "Driver.h"

#include <dlfcn.h>

namespace olmrt::cuda {

namespace {

Driver theDriver;
bool loaded = false;

template <class F> bool resolve(void *lib, const char *name, F &slot) {
  slot = reinterpret_cast<F>(::dlsym(lib, name));
  return slot != nullptr;
}

} // namespace

bool loadDriver(std::string *error) {
  if (loaded)
    return true;
  void *lib = ::dlopen("libcuda.so.1", RTLD_NOW | RTLD_GLOBAL);
  if (!lib) {
    const char *reason = ::dlerror();
    *error = std::string("no NVIDIA driver: cannot load libcuda.so.1 (") +
             (reason ? reason : "unknown reason") + ")";
    return false;
  }
  Driver d;
  bool ok = resolve(lib, "cuInit", d.cuInit) &&
            resolve(lib, "cuDriverGetVersion", d.cuDriverGetVersion) &&
            resolve(lib, "cuGetErrorName", d.cuGetErrorName) &&
            resolve(lib, "cuGetErrorString", d.cuGetErrorString) &&
            resolve(lib, "cuDeviceGetCount", d.cuDeviceGetCount) &&
            resolve(lib, "cuModuleLoadDataEx", d.cuModuleLoadDataEx) &&
            resolve(lib, "cuModuleGetFunction", d.cuModuleGetFunction) &&
            resolve(lib, "cuModuleUnload", d.cuModuleUnload) &&
            resolve(lib, "cuLaunchKernel", d.cuLaunchKernel);
  if (!ok) {
    *error = "the NVIDIA driver's libcuda.so.1 lacks the driver API "
             "functions this backend needs";
    return false;
  }
  theDriver = d;
  CUresult status = d.cuInit(0);
  if (status != CUDA_SUCCESS) {
    *error = "cuInit failed: " + driverError(status);
    return false;
  }
  int count = 0;
  status = d.cuDeviceGetCount(&count);
  if (status != CUDA_SUCCESS || count == 0) {
    *error = status != CUDA_SUCCESS
                 ? "cuDeviceGetCount failed: " + driverError(status)
                 : std::string("the NVIDIA driver sees no GPU");
    return false;
  }
  loaded = true;
  return true;
}

const Driver &driver() { return theDriver; }

std::string driverError(CUresult status) {
  const char *name = nullptr, *text = nullptr;
  if (theDriver.cuGetErrorName)
    theDriver.cuGetErrorName(status, &name);
  if (theDriver.cuGetErrorString)
    theDriver.cuGetErrorString(status, &text);
  return std::string(name ? name : "CUDA error " + std::to_string(int(status))) +
         ": " + (text ? text : "(no description)");
}

} // namespace olmrt::cuda
