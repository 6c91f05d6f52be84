//===- HFConfig.h - checked access to a config.json -------------*- C++ -*-===//
//
// Typed reads of config.json keys with transformers' defaults. The first
// missing or mistyped key is recorded as the import's error and later reads
// return harmless placeholders, so a family's translation reads every key it
// needs in sequence and checks failed() once before writing anything.
//
//===----------------------------------------------------------------------===//
#ifndef OLMC_LIB_IMPORTHF_HFCONFIG_H
#define OLMC_LIB_IMPORTHF_HFCONFIG_H

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace olmc {
namespace hf {

/// Where the first error of one import is kept.
struct ErrorSink {
  std::string message;
  bool failed() const { return !message.empty(); }
  void fail(const std::string &msg) {
    if (message.empty())
      message = msg;
  }
};

/// One JSON object of the config (the root or a nested map such as
/// `rope_scaling`), with the path used to name its keys in errors.
class HFConfig {
public:
  HFConfig(const nlohmann::json &object, ErrorSink &sink, std::string path = "")
      : object(&object), sink(&sink), path(std::move(path)) {}

  /// True when `key` is present and not null (transformers treats a null
  /// like an absent key for every option the importer reads).
  bool has(const std::string &key) const;
  /// True when `key` is present with the value null. A few options default
  /// to "on" when absent but are switched off by an explicit null
  /// (Gemma2's softcaps, Mistral's sliding_window).
  bool isNull(const std::string &key) const;
  /// The raw value, or null when absent.
  const nlohmann::json *get(const std::string &key) const;

  /// Required positive integer (a size).
  int64_t size(const std::string &key);
  /// Positive integer with a default when absent or null.
  int64_t size(const std::string &key, int64_t fallback);
  std::optional<int64_t> optionalSize(const std::string &key);
  /// Non-negative integer (a window, a count that may be zero).
  std::optional<int64_t> optionalCount(const std::string &key);

  double number(const std::string &key, double fallback);
  std::optional<double> optionalNumber(const std::string &key);
  /// Required number.
  double number(const std::string &key);
  bool flag(const std::string &key, bool fallback);
  std::string string(const std::string &key, const std::string &fallback);
  /// Required string.
  std::string string(const std::string &key);

  /// A nested object, or nothing when absent/null (an error when present
  /// with another type).
  std::optional<HFConfig> child(const std::string &key);

  /// `rope_scaling.factor`: the dotted path of `key` from the root.
  std::string keyPath(const std::string &key) const;
  /// The quoted key path, for messages: `'rope_scaling.factor'`.
  std::string name(const std::string &key) const {
    return "'" + keyPath(key) + "'";
  }
  void fail(const std::string &msg) { sink->fail(msg); }
  bool failed() const { return sink->failed(); }

private:
  void mistyped(const std::string &key, const char *expected);

  const nlohmann::json *object;
  ErrorSink *sink;
  std::string path;
};

/// A JSON value as it would appear in the config, shortened for messages.
std::string showValue(const nlohmann::json &value);

} // namespace hf
} // namespace olmc

#endif // OLMC_LIB_IMPORTHF_HFCONFIG_H
