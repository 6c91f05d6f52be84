//===- fuzz_safetensors.cpp - libFuzzer target: SafetensorsFile -----------===//
//
// Opens the input as a .safetensors file; when the header is accepted,
// reads every tensor as float32 and checks what the header check promises:
// each tensor's byte count matches its shape and dtype.
//
//===----------------------------------------------------------------------===//

#include "FuzzFile.h"

#include "olmrt/Error.h"
#include "olmrt/Safetensors.h"

#include <cstdlib>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string &path = olmc::fuzz::writeInput(data, size);
  try {
    olmrt::SafetensorsFile file(path);
    for (const std::string &name : file.names()) {
      const olmrt::TensorInfo *info = file.find(name);
      if (!info || info->name != name)
        std::abort();
      int64_t elements = info->numElements();
      if (elements < 0 ||
          uint64_t(elements) * olmrt::dtypeSize(info->dtype) != info->nbytes ||
          info->nbytes > size)
        std::abort();
      std::vector<float> values(static_cast<size_t>(elements));
      file.readAsFloat32(*info, values.data());
    }
    for (const auto &entry : file.metadata())
      (void)entry;
  } catch (const olmrt::Error &) {
    // Rejected with a message: the expected outcome for most inputs.
  }
  return 0;
}
