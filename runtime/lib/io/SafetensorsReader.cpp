//===- SafetensorsReader.cpp - Map and validate a .safetensors file -------===//
//
// Every field of the header is checked before a TensorInfo is built, so the
// rest of the runtime can use `data`/`nbytes` without further checks.
//
//===----------------------------------------------------------------------===//

#include "IoSupport.h"
#include "olmrt/Safetensors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

using nlohmann::json;

namespace olmrt {

using namespace io;

namespace {

/// Real headers are a few hundred KiB even for thousands of tensors; the
/// limit bounds what a corrupt length can make us parse.
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;
/// JSON nesting deeper than this cannot be a valid header; refusing it
/// early keeps pathological input from costing time or stack.
constexpr int kMaxJsonDepth = 8;

/// Parses the header text, refusing duplicate tensor names (nlohmann would
/// keep only the last) and absurd nesting.
json parseHeader(const std::string &path, const char *text, size_t size) {
  std::set<std::string> seen;
  auto callback = [&](int depth, json::parse_event_t event, json &value) {
    if ((event == json::parse_event_t::object_start ||
         event == json::parse_event_t::array_start) &&
        depth >= kMaxJsonDepth)
      fail(path, "header JSON nests deeper than " +
                     std::to_string(kMaxJsonDepth) + " levels");
    if (event == json::parse_event_t::key && depth == 1 &&
        !seen.insert(value.get<std::string>()).second)
      fail(path, "tensor " + inQuotes(value.get<std::string>()) +
                     " appears twice in the header");
    return true;
  };
  try {
    return json::parse(text, text + size, callback);
  } catch (const json::exception &e) {
    // Not only parse_error: a number too large for a double ("1e400") is
    // an out_of_range error (406) from the parser.
    fail(path, "header is not valid JSON: " + jsonErrorText(e));
  }
}

/// A JSON number that is a non-negative integer; false for floats,
/// negatives and anything else.
bool asUnsigned(const json &value, uint64_t &out) {
  if (!value.is_number_unsigned())
    return false;
  out = value.get<uint64_t>();
  return true;
}

std::map<std::string, std::string> parseMetadata(const std::string &path,
                                                 const json &value) {
  if (!value.is_object())
    fail(path, "__metadata__ must be a JSON object of strings");
  std::map<std::string, std::string> metadata;
  for (auto it = value.begin(); it != value.end(); ++it) {
    if (!it.value().is_string())
      fail(path,
           "__metadata__ entry " + inQuotes(it.key()) + " is not a string");
    metadata[it.key()] = it.value().get<std::string>();
  }
  return metadata;
}

/// Offsets within the data section, kept for the overlap check.
struct Extent {
  uint64_t begin, end;
  const std::string *name;
};

/// Validates one header entry and returns its TensorInfo; `dataSection`
/// and `dataSize` describe the bytes after the header.
TensorInfo parseEntry(const std::string &path, const std::string &name,
                      const json &entry, const uint8_t *dataSection,
                      uint64_t dataSize, Extent &extent) {
  std::string where = "tensor " + inQuotes(name);
  if (!entry.is_object())
    fail(path, where + " is not a JSON object");
  for (auto it = entry.begin(); it != entry.end(); ++it)
    if (it.key() != "dtype" && it.key() != "shape" &&
        it.key() != "data_offsets")
      fail(path, where + " has unexpected field " + inQuotes(it.key()));

  auto dtypeIt = entry.find("dtype");
  if (dtypeIt == entry.end() || !dtypeIt->is_string())
    fail(path, where + " has no string field 'dtype'");
  std::string dtypeText = dtypeIt->get<std::string>();
  std::optional<DType> dtype = parseDType(dtypeText);
  if (!dtype)
    fail(path, where + " has unsupported dtype " + inQuotes(dtypeText));

  auto shapeIt = entry.find("shape");
  if (shapeIt == entry.end() || !shapeIt->is_array())
    fail(path, where + " has no array field 'shape'");
  std::vector<int64_t> shape;
  std::string shapeText = "[";
  for (const json &dim : *shapeIt) {
    uint64_t d;
    if (!asUnsigned(dim, d))
      fail(path, where + " has shape entry " + printable(dim.dump(), 40) +
                     " that is not a non-negative integer");
    shapeText += (shape.empty() ? "" : ", ") + std::to_string(d);
    // Dimensions past INT64_MAX cannot be represented; count them as an
    // overflow below rather than wrapping to negative.
    shape.push_back(d > uint64_t(INT64_MAX) ? -1 : int64_t(d));
  }
  shapeText += "]";
  uint64_t elements, bytes;
  if (!shapeSize(shape, dtypeSize(*dtype), elements, bytes))
    fail(path, where + " shape " + shapeText + " of " + dtypeText +
                   " is too large: its byte size overflows 64 bits");

  auto offsetsIt = entry.find("data_offsets");
  uint64_t begin, end;
  if (offsetsIt == entry.end() || !offsetsIt->is_array() ||
      offsetsIt->size() != 2 || !asUnsigned((*offsetsIt)[0], begin) ||
      !asUnsigned((*offsetsIt)[1], end))
    fail(path, where + " needs 'data_offsets' [begin, end] of two "
                       "non-negative integers");
  std::string range =
      "[" + std::to_string(begin) + ", " + std::to_string(end) + ")";
  if (begin > end)
    fail(path, where + " data " + range + " ends before it begins");
  if (end > dataSize)
    fail(path, where + " data " + range + " lies outside the data section (" +
                   std::to_string(dataSize) + " bytes)");
  if (end - begin != bytes)
    fail(path, where + " data " + range + " holds " +
                   std::to_string(end - begin) + " bytes but shape " +
                   shapeText + " of " + dtypeText + " needs " +
                   std::to_string(bytes));

  extent = {begin, end, nullptr};
  return TensorInfo{name, *dtype, std::move(shape), dataSection + begin,
                    size_t(bytes)};
}

/// Two tensors sharing bytes would alias each other's weights.
void checkNoOverlap(const std::string &path, std::vector<Extent> &extents) {
  std::sort(extents.begin(), extents.end(),
            [](const Extent &a, const Extent &b) {
              return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
            });
  const Extent *previous = nullptr;
  for (const Extent &e : extents) {
    if (e.begin == e.end)
      continue; // Empty tensors own no bytes.
    if (previous && e.begin < previous->end)
      fail(path, "tensors " + inQuotes(*previous->name) + " [" +
                     std::to_string(previous->begin) + ", " +
                     std::to_string(previous->end) + ") and " +
                     inQuotes(*e.name) + " [" + std::to_string(e.begin) + ", " +
                     std::to_string(e.end) + ") overlap");
    previous = &e;
  }
}

} // namespace

int64_t TensorInfo::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d; // Validated on load: cannot overflow.
  return n;
}

SafetensorsFile::SafetensorsFile(const std::string &path) : path_(path) {
  Mapping mapping = mapFile(path);
  base_ = mapping.data;
  size_ = mapping.size;
  try {
    if (size_ < 8)
      fail(path, "file is " + std::to_string(size_) +
                     " bytes, too short for a safetensors header (needs 8)");
    uint64_t headerSize = loadLE(base_, 8);
    if (headerSize > kMaxHeaderBytes)
      fail(path, "header length " + std::to_string(headerSize) +
                     " exceeds the limit of " +
                     std::to_string(kMaxHeaderBytes) + " bytes");
    if (headerSize > size_ - 8)
      fail(path, "header length " + std::to_string(headerSize) +
                     " runs past the end of the file (" +
                     std::to_string(size_) + " bytes)");
    json header = parseHeader(path, reinterpret_cast<const char *>(base_ + 8),
                              headerSize);
    if (!header.is_object())
      fail(path, "header is not a JSON object");

    const uint8_t *dataSection = base_ + 8 + headerSize;
    uint64_t dataSize = size_ - 8 - headerSize;
    std::vector<Extent> extents;
    for (auto it = header.begin(); it != header.end(); ++it) {
      if (it.key() == "__metadata__") {
        metadata_ = parseMetadata(path, it.value());
        continue;
      }
      Extent extent;
      TensorInfo info =
          parseEntry(path, it.key(), it.value(), dataSection, dataSize, extent);
      auto inserted = tensors_.emplace(it.key(), std::move(info));
      extent.name = &inserted.first->first;
      extents.push_back(extent);
    }
    checkNoOverlap(path, extents);
  } catch (...) {
    unmap();
    throw;
  }
}

SafetensorsFile::~SafetensorsFile() { unmap(); }

SafetensorsFile::SafetensorsFile(SafetensorsFile &&other) noexcept
    : path_(std::move(other.path_)), base_(other.base_), size_(other.size_),
      tensors_(std::move(other.tensors_)),
      metadata_(std::move(other.metadata_)) {
  other.base_ = nullptr;
  other.size_ = 0;
}

SafetensorsFile &SafetensorsFile::operator=(SafetensorsFile &&other) noexcept {
  if (this != &other) {
    unmap();
    path_ = std::move(other.path_);
    base_ = other.base_;
    size_ = other.size_;
    tensors_ = std::move(other.tensors_);
    metadata_ = std::move(other.metadata_);
    other.base_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

void SafetensorsFile::unmap() {
  Mapping mapping{base_, size_};
  unmapFile(mapping);
  base_ = nullptr;
  size_ = 0;
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> result;
  result.reserve(tensors_.size());
  for (const auto &entry : tensors_)
    result.push_back(entry.first);
  return result;
}

const TensorInfo *SafetensorsFile::find(const std::string &name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

void SafetensorsFile::readAsFloat32(const TensorInfo &info, float *dst) const {
  // A TensorInfo from another (or a closed) file would read foreign memory,
  // so only the validated entry of this file is trusted.
  const TensorInfo *own = find(info.name);
  if (!own || own->data != info.data || own->dtype != info.dtype ||
      own->nbytes != info.nbytes)
    fail(path_, "tensor " + inQuotes(info.name) +
                    " does not belong to this open file");
  convertToFloat32(own->dtype, own->data, size_t(own->numElements()), dst);
}

} // namespace olmrt
