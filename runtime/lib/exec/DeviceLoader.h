//===- DeviceLoader.h - Find and open the device backend plugin -*- C++ -*-===//
//
// Private to olmrt_exec. The CUDA backend is a plugin (DeviceBackend.h):
// libolmrt_cuda.so from $OLMRT_CUDA_LIB, else <dir of the executable>/../lib
// (build/bin/olmrt finds build/lib/libolmrt_cuda.so). It is opened with
// RTLD_GLOBAL before any artifact's host code, whose olmg_* references it
// then satisfies, and it stays loaded until the process ends.
//
//===----------------------------------------------------------------------===//

#ifndef OLMRT_LIB_EXEC_DEVICELOADER_H
#define OLMRT_LIB_EXEC_DEVICELOADER_H

#include "olmrt/DeviceBackend.h"
#include "olmrt/Error.h"

#include <exception>
#include <string>

namespace olmrt::exec {

/// Where the CUDA plugin is looked for.
std::string cudaPluginPath();

/// The CUDA backend, loaded on first use. Throws olmrt::Error, one line
/// starting with artifactPath: the plugin missing, no driver, cuInit's
/// failure, no GPU.
DeviceBackend &cudaBackend(const std::string &artifactPath);

/// Runs f(), turning an exception from the plugin into olmrt::Error
/// prefixed with `context` (unless the message already starts with it).
template <class F> auto deviceCall(const std::string &context, F &&f) {
  try {
    return f();
  } catch (const Error &) {
    throw;
  } catch (const std::exception &e) {
    std::string message = e.what();
    if (message.compare(0, context.size(), context) != 0)
      message = context + ": " + message;
    throw Error(message);
  }
}

} // namespace olmrt::exec

#endif // OLMRT_LIB_EXEC_DEVICELOADER_H
