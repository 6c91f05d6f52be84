//===- NpyWriter.cpp - Write NumPy .npy files -----------------------------===//

#include "IoSupport.h"
#include "olmrt/Npy.h"

namespace olmrt {

using namespace io;

namespace {

void writeNpyBytes(const std::string &path, const char *descr, const void *data,
                   size_t count, size_t itemSize,
                   const std::vector<int64_t> &shape) {
  uint64_t elements, bytes;
  if (!shapeSize(shape, itemSize, elements, bytes))
    fail(path, "cannot write shape " + formatShape(shape));
  if (elements != count)
    fail(path, "cannot write " + std::to_string(count) + " values as shape " +
                   formatShape(shape) + " (needs " + std::to_string(elements) +
                   ")");

  // The same text numpy writes, so either side can diff the files.
  std::string dict = std::string("{'descr': '") + descr +
                     "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < shape.size(); ++i)
    dict += (i ? ", " : "") + std::to_string(shape[i]);
  dict += shape.size() == 1 ? ",), }" : "), }";

  // Pad with spaces and end in '\n' so the data starts 64-byte aligned, as
  // numpy does; switch to version 2.0 only if the length needs 4 bytes.
  bool v1 = dict.size() + 1 + 63 <= 65535;
  size_t prefix = v1 ? 10 : 12;
  size_t total = prefix + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict.push_back('\n');

  std::string head("\x93NUMPY", 6);
  head.push_back(char(v1 ? 1 : 2));
  head.push_back(0);
  appendLE(head, dict.size(), v1 ? 2 : 4);
  head += dict;

  AtomicFileWriter out(path);
  out.write(head);
  out.write(data, size_t(bytes));
  out.commit();
}

} // namespace

void writeNpy(const std::string &path, const std::vector<float> &data,
              const std::vector<int64_t> &shape) {
  writeNpyBytes(path, "<f4", data.data(), data.size(), sizeof(float), shape);
}

void writeNpy(const std::string &path, const std::vector<int64_t> &data,
              const std::vector<int64_t> &shape) {
  writeNpyBytes(path, "<i8", data.data(), data.size(), sizeof(int64_t), shape);
}

} // namespace olmrt
