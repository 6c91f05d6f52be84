//===- DeviceLoader.cpp - Find and open the device backend plugin ---------===//

#include "DeviceLoader.h"

#include <cstdlib>
#include <dlfcn.h>
#include <limits.h>
#include <unistd.h>

namespace olmrt::exec {

namespace {

constexpr const char *kPluginName = "libolmrt_cuda.so";
constexpr const char *kPluginEnv = "OLMRT_CUDA_LIB";

DeviceBackend *loaded = nullptr;

std::string executableDir() {
  char buffer[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  if (n <= 0)
    return ".";
  std::string path(buffer, size_t(n));
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

} // namespace

std::string cudaPluginPath() {
  if (const char *env = std::getenv(kPluginEnv); env && *env)
    return env;
  return executableDir() + "/../lib/" + kPluginName;
}

DeviceBackend &cudaBackend(const std::string &artifactPath) {
  if (loaded)
    return *loaded;
  std::string path = cudaPluginPath();
  // RTLD_GLOBAL: the artifact's host code, opened later, resolves its
  // olmg_* references against this library. Never closed.
  void *handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (!handle) {
    const char *reason = ::dlerror();
    throw Error(artifactPath +
                ": a cuda artifact needs the CUDA backend, which cannot be "
                "loaded from " +
                path + " (" + (reason ? reason : "unknown reason") +
                "); build olmc where the CUDA toolkit is installed, or set " +
                kPluginEnv + " to libolmrt_cuda.so");
  }
  auto factory = reinterpret_cast<OlmrtDeviceBackendFactory>(
      ::dlsym(handle, kDeviceBackendFactory));
  if (!factory)
    throw Error(artifactPath + ": " + path + " is not an olmrt device " +
                "backend (it does not define " + kDeviceBackendFactory + ")");
  char reason[1024] = {0};
  DeviceBackend *backend =
      factory(kDeviceBackendVersion, reason, sizeof reason);
  if (!backend)
    throw Error(artifactPath + ": cannot run a cuda artifact: " +
                std::string(reason));
  loaded = backend;
  return *loaded;
}

} // namespace olmrt::exec
