//===- JsonFields.cpp - Typed, located access to manifest JSON ------------===//

#include "JsonFields.h"

#include "olmrt/Error.h"
#include "olmrt/Manifest.h"

#include <cmath>

using nlohmann::json;

namespace olmrt::exec {

namespace {

/// The JSON type as a person would name it in an error.
const char *typeName(const json &value) {
  switch (value.type()) {
  case json::value_t::null:
    return "null";
  case json::value_t::object:
    return "an object";
  case json::value_t::array:
    return "an array";
  case json::value_t::string:
    return "a string";
  case json::value_t::boolean:
    return "a boolean";
  case json::value_t::number_float:
    return "a fractional number";
  case json::value_t::number_integer:
  case json::value_t::number_unsigned:
    return "an integer";
  default:
    return "a binary value";
  }
}

std::string range(int64_t min, int64_t max) {
  return "[" + std::to_string(min) + ", " + std::to_string(max) + "]";
}

} // namespace

void JsonFields::fail(const std::string &field, const std::string &what) const {
  throw Error(path_ + ": manifest field '" + field + "' " + what);
}

void JsonFields::failManifest(const std::string &what) const {
  throw Error(path_ + ": manifest " + what);
}

std::string JsonFields::join(const std::string &where, const std::string &key) {
  return where.empty() ? key : where + "." + key;
}

std::string JsonFields::index(const std::string &where, size_t i) {
  return where + "[" + std::to_string(i) + "]";
}

const json &JsonFields::member(const json &obj, const std::string &where,
                               const std::string &key) const {
  if (!obj.is_object())
    fail(where.empty() ? "(top level)" : where,
         std::string("must be an object, got ") + typeName(obj));
  auto it = obj.find(key);
  if (it == obj.end())
    fail(join(where, key), "is missing");
  return *it;
}

const json *JsonFields::optionalMember(const json &obj,
                                       const std::string &key) const {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null())
    return nullptr;
  return &*it;
}

const json &JsonFields::object(const json &obj, const std::string &where,
                               const std::string &key) const {
  const json &value = member(obj, where, key);
  if (!value.is_object())
    fail(join(where, key),
         std::string("must be an object, got ") + typeName(value));
  return value;
}

const json &JsonFields::array(const json &obj, const std::string &where,
                              const std::string &key) const {
  const json &value = member(obj, where, key);
  if (!value.is_array())
    fail(join(where, key),
         std::string("must be an array, got ") + typeName(value));
  return value;
}

std::string JsonFields::string(const json &obj, const std::string &where,
                               const std::string &key) const {
  const json &value = member(obj, where, key);
  if (!value.is_string())
    fail(join(where, key),
         std::string("must be a string, got ") + typeName(value));
  return value.get<std::string>();
}

bool JsonFields::boolean(const json &obj, const std::string &where,
                         const std::string &key) const {
  const json &value = member(obj, where, key);
  if (!value.is_boolean())
    fail(join(where, key),
         std::string("must be true or false, got ") + typeName(value));
  return value.get<bool>();
}

int64_t JsonFields::integer(const json &obj, const std::string &where,
                            const std::string &key, int64_t min,
                            int64_t max) const {
  return integerValue(member(obj, where, key), join(where, key), min, max);
}

int64_t JsonFields::integerValue(const json &value, const std::string &field,
                                 int64_t min, int64_t max) const {
  std::string expected = "must be an integer in " + range(min, max);
  if (value.is_number_unsigned()) {
    // Compare as unsigned first: a huge value must not wrap to negative.
    uint64_t u = value.get<uint64_t>();
    if (max < 0 || u > uint64_t(max) || int64_t(u) < min)
      fail(field, expected + ", got " + std::to_string(u));
    return int64_t(u);
  }
  if (value.is_number_integer()) {
    int64_t v = value.get<int64_t>();
    if (v < min || v > max)
      fail(field, expected + ", got " + std::to_string(v));
    return v;
  }
  fail(field, expected + ", got " + typeName(value));
}

double JsonFields::number(const json &obj, const std::string &where,
                          const std::string &key, double min,
                          double max) const {
  const json &value = member(obj, where, key);
  if (!value.is_number())
    fail(join(where, key),
         std::string("must be a number, got ") + typeName(value));
  double v = value.get<double>();
  if (!std::isfinite(v) || v < min || v > max)
    fail(join(where, key), "must be a finite number in [" +
                               std::to_string(min) + ", " +
                               std::to_string(max) + "], got " + value.dump());
  return v;
}

std::vector<int64_t> JsonFields::shape(const json &obj,
                                       const std::string &where,
                                       const std::string &key, int64_t maxRank,
                                       int64_t maxElements) const {
  const json &value = array(obj, where, key);
  std::string field = join(where, key);
  if (value.empty() || int64_t(value.size()) > maxRank)
    fail(field, "must have 1 to " + std::to_string(maxRank) +
                    " dimensions, got " + std::to_string(value.size()));
  std::vector<int64_t> dims;
  int64_t elements = 1;
  for (size_t i = 0; i < value.size(); ++i) {
    int64_t dim = integerValue(value[i], index(field, i), 1, maxElements);
    if (__builtin_mul_overflow(elements, dim, &elements) ||
        elements > maxElements)
      fail(field, "has more than " + std::to_string(maxElements) + " elements");
    dims.push_back(dim);
  }
  return dims;
}

} // namespace olmrt::exec
