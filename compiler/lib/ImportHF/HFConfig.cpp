//===- HFConfig.cpp - checked access to a config.json ---------------------===//
#include "HFConfig.h"

#include <cmath>

using nlohmann::json;

namespace olmc {
namespace hf {

namespace {
// Larger sizes are certainly not a real model and would risk overflow in
// the importer's own arithmetic (4 * n_embd and the like); the compiler
// applies the real limits.
constexpr int64_t kMaxSize = int64_t(1) << 40;
} // namespace

std::string showValue(const json &value) {
  std::string text = value.dump();
  if (text.size() > 40)
    text = text.substr(0, 37) + "...";
  return text;
}

std::string HFConfig::keyPath(const std::string &key) const {
  return path.empty() ? key : path + "." + key;
}

const json *HFConfig::get(const std::string &key) const {
  auto it = object->find(key);
  if (it == object->end() || it->is_null())
    return nullptr;
  return &*it;
}

bool HFConfig::isNull(const std::string &key) const {
  auto it = object->find(key);
  return it != object->end() && it->is_null();
}

bool HFConfig::has(const std::string &key) const { return get(key); }

void HFConfig::mistyped(const std::string &key, const char *expected) {
  fail("key " + name(key) + " must be " + expected + ", got " +
       showValue(*get(key)));
}

std::optional<int64_t> HFConfig::optionalCount(const std::string &key) {
  const json *value = get(key);
  if (!value)
    return std::nullopt;
  if (value->is_number_unsigned()) {
    if (value->get<uint64_t>() <= uint64_t(kMaxSize))
      return int64_t(value->get<uint64_t>());
  } else if (value->is_number_integer()) {
    if (value->get<int64_t>() >= 0 && value->get<int64_t>() <= kMaxSize)
      return value->get<int64_t>();
  } else {
    mistyped(key, "an integer");
    return 0;
  }
  fail("key " + name(key) + " is out of range: " + showValue(*value));
  return 0;
}

std::optional<int64_t> HFConfig::optionalSize(const std::string &key) {
  std::optional<int64_t> value = optionalCount(key);
  if (value && *value == 0 && !failed()) {
    fail("key " + name(key) + " must be positive, got 0");
    return 1;
  }
  // Placeholders after an error stay positive so callers may divide.
  if (value && failed())
    return 1;
  return value;
}

int64_t HFConfig::size(const std::string &key) {
  if (!has(key)) {
    fail("missing key " + name(key));
    return 1;
  }
  return *optionalSize(key);
}

int64_t HFConfig::size(const std::string &key, int64_t fallback) {
  return optionalSize(key).value_or(fallback);
}

std::optional<double> HFConfig::optionalNumber(const std::string &key) {
  const json *value = get(key);
  if (!value)
    return std::nullopt;
  if (!value->is_number()) {
    mistyped(key, "a number");
    return 1.0;
  }
  return value->get<double>();
}

double HFConfig::number(const std::string &key, double fallback) {
  return optionalNumber(key).value_or(fallback);
}

double HFConfig::number(const std::string &key) {
  if (!has(key)) {
    fail("missing key " + name(key));
    return 1.0;
  }
  return *optionalNumber(key);
}

bool HFConfig::flag(const std::string &key, bool fallback) {
  const json *value = get(key);
  if (!value)
    return fallback;
  if (!value->is_boolean()) {
    mistyped(key, "true or false");
    return fallback;
  }
  return value->get<bool>();
}

std::string HFConfig::string(const std::string &key,
                             const std::string &fallback) {
  const json *value = get(key);
  if (!value)
    return fallback;
  if (!value->is_string()) {
    mistyped(key, "a string");
    return fallback;
  }
  return value->get<std::string>();
}

std::string HFConfig::string(const std::string &key) {
  if (!has(key)) {
    fail("missing key " + name(key));
    return "";
  }
  return string(key, "");
}

std::optional<HFConfig> HFConfig::child(const std::string &key) {
  const json *value = get(key);
  if (!value)
    return std::nullopt;
  if (!value->is_object()) {
    mistyped(key, "an object");
    return std::nullopt;
  }
  return HFConfig(*value, *sink, keyPath(key));
}

} // namespace hf
} // namespace olmc
