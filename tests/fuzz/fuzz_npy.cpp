//===- fuzz_npy.cpp - libFuzzer target: the .npy reader -------------------===//
//
// Reads the input with readNpy, readNpyInt64 and readNpyFloat32; an
// accepted array must hold exactly the bytes its shape and dtype call for.
//
//===----------------------------------------------------------------------===//

#include "FuzzFile.h"

#include "olmrt/Error.h"
#include "olmrt/Npy.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string &path = olmc::fuzz::writeInput(data, size);
  try {
    olmrt::NpyArray array = olmrt::readNpy(path);
    int64_t elements = array.numElements();
    if (elements < 0 ||
        uint64_t(elements) * olmrt::dtypeSize(array.dtype) !=
            array.bytes.size() ||
        array.bytes.size() > size)
      std::abort();
  } catch (const olmrt::Error &) {
  }
  try {
    std::vector<int64_t> shape;
    std::vector<int64_t> values = olmrt::readNpyInt64(path, &shape);
    (void)values;
  } catch (const olmrt::Error &) {
  }
  try {
    std::vector<int64_t> shape;
    std::vector<float> values = olmrt::readNpyFloat32(path, &shape);
    (void)values;
  } catch (const olmrt::Error &) {
  }
  return 0;
}
