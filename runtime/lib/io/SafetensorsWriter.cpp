//===- SafetensorsWriter.cpp - Write a .safetensors file ------------------===//

#include "IoSupport.h"
#include "olmrt/Safetensors.h"

#include <nlohmann/json.hpp>

#include <set>

namespace olmrt {

using namespace io;

void writeSafetensors(const std::string &path,
                      const std::vector<TensorToWrite> &tensors,
                      const std::map<std::string, std::string> &metadata) {
  // Validate everything first so a bad call leaves no file behind.
  nlohmann::json header = nlohmann::json::object();
  std::set<std::string> seen;
  uint64_t offset = 0;
  for (const TensorToWrite &t : tensors) {
    std::string where = "tensor " + inQuotes(t.name);
    if (t.name.empty() || t.name == "__metadata__")
      fail(path, "cannot write a tensor named " + inQuotes(t.name));
    if (!seen.insert(t.name).second)
      fail(path, where + " is given twice");
    uint64_t elements, bytes;
    if (!shapeSize(t.shape, dtypeSize(t.dtype), elements, bytes))
      fail(path, where + " has invalid shape " + formatShape(t.shape));
    if (bytes != t.nbytes)
      fail(path, where + " has " + std::to_string(t.nbytes) +
                     " bytes but shape " + formatShape(t.shape) + " of " +
                     dtypeName(t.dtype) + " needs " + std::to_string(bytes));
    if (bytes && !t.data)
      fail(path, where + " has no data");
    uint64_t end;
    if (!checkedAdd(offset, bytes, end))
      fail(path, "tensors are too large to address with 64-bit offsets");
    header[t.name] = {{"dtype", dtypeName(t.dtype)},
                      {"shape", t.shape},
                      {"data_offsets", {offset, end}}};
    offset = end;
  }
  if (!metadata.empty())
    header["__metadata__"] = metadata;

  // The format allows trailing spaces in the header; padding to a multiple
  // of 8 lets readers use the data section in place with 8-byte alignment.
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::type_error &) {
    fail(path, "tensor names and metadata must be valid UTF-8");
  }
  text.append((8 - text.size() % 8) % 8, ' ');

  AtomicFileWriter out(path);
  std::string length;
  appendLE(length, text.size(), 8);
  out.write(length);
  out.write(text);
  for (const TensorToWrite &t : tensors)
    out.write(t.data, t.nbytes);
  out.commit();
}

} // namespace olmrt
