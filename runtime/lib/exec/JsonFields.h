//===- JsonFields.h - Typed, located access to manifest JSON ----*- C++ -*-===//
//
// Private to olmrt_exec. Every accessor takes the dotted location of the
// object it reads from ("weights[3].sources[0]") so that an error names the
// exact field: "M.olmx: manifest field 'model.vocab' must be an integer in
// [1, 16777216], got -1".
//
//===----------------------------------------------------------------------===//

#ifndef OLMRT_LIB_EXEC_JSONFIELDS_H
#define OLMRT_LIB_EXEC_JSONFIELDS_H

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace olmrt::exec {

class JsonFields {
public:
  explicit JsonFields(std::string path) : path_(std::move(path)) {}

  /// Throws "PATH: manifest field 'FIELD' WHAT".
  [[noreturn]] void fail(const std::string &field,
                         const std::string &what) const;
  /// Throws "PATH: manifest WHAT" for errors that involve several fields.
  [[noreturn]] void failManifest(const std::string &what) const;

  /// "where.key", or "key" at the top level (where == "").
  static std::string join(const std::string &where, const std::string &key);
  static std::string index(const std::string &where, size_t i);

  /// `obj[key]`, which must exist; `obj` must be an object.
  const nlohmann::json &member(const nlohmann::json &obj,
                               const std::string &where,
                               const std::string &key) const;
  /// nullptr when `obj` has no `key` or it is null.
  const nlohmann::json *optionalMember(const nlohmann::json &obj,
                                       const std::string &key) const;

  const nlohmann::json &object(const nlohmann::json &obj,
                               const std::string &where,
                               const std::string &key) const;
  const nlohmann::json &array(const nlohmann::json &obj,
                              const std::string &where,
                              const std::string &key) const;
  std::string string(const nlohmann::json &obj, const std::string &where,
                     const std::string &key) const;
  bool boolean(const nlohmann::json &obj, const std::string &where,
               const std::string &key) const;
  /// An integer in [min, max].
  int64_t integer(const nlohmann::json &obj, const std::string &where,
                  const std::string &key, int64_t min, int64_t max) const;
  /// The same for a value already looked up (array elements).
  int64_t integerValue(const nlohmann::json &value, const std::string &field,
                       int64_t min, int64_t max) const;
  /// A finite number in [min, max].
  double number(const nlohmann::json &obj, const std::string &where,
                const std::string &key, double min, double max) const;
  /// An array of 1..maxRank positive dimensions whose product is at most
  /// maxElements.
  std::vector<int64_t> shape(const nlohmann::json &obj,
                             const std::string &where, const std::string &key,
                             int64_t maxRank, int64_t maxElements) const;

private:
  std::string path_;
};

} // namespace olmrt::exec

#endif // OLMRT_LIB_EXEC_JSONFIELDS_H
