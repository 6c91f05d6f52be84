//===- YAMLTree.h - a small YAML document builder ---------------*- C++ -*-===//
//
// The importer builds the model file as a tree of maps, lists and scalars
// and writes it in one go. A generic emitter (yaml-cpp's) cannot place the
// comments that make the generated file readable next to the values they
// explain, nor choose flow style only where a line stays short, so this is a
// deliberately small writer for the subset the importer produces.
//
//===----------------------------------------------------------------------===//
#ifndef OLMC_LIB_IMPORTHF_YAMLTREE_H
#define OLMC_LIB_IMPORTHF_YAMLTREE_H

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace olmc {
namespace hf {

/// A YAML node. Scalars hold their final text (already quoted when needed),
/// so the writer never has to guess a scalar's type.
class YNode {
public:
  enum class Kind { Scalar, Map, Seq };

  static YNode integer(int64_t value);
  /// A float that reads back as a float (always has '.' or an exponent).
  static YNode real(double value);
  static YNode boolean(bool value);
  /// A string, double-quoted when a plain scalar would read differently.
  static YNode string(const std::string &value);
  /// `"${name}"`: a reference to an hparam or def argument.
  static YNode ref(const std::string &name);
  /// An expression over hparams such as `${d_model} // ${n_heads}`.
  static YNode expr(const std::string &text);
  static YNode map();
  static YNode seq();

  /// Appends `key: value` to a map; `comment` goes at the end of its line.
  YNode &add(const std::string &key, YNode value,
             const std::string &comment = "");
  /// Appends an item to a list.
  YNode &push(YNode item, const std::string &comment = "");

  Kind getKind() const { return kind; }
  const std::string &getText() const { return text; }

private:
  friend class YAMLWriter;
  explicit YNode(Kind kind, std::string text = "")
      : kind(kind), text(std::move(text)) {}

  Kind kind;
  std::string text;
  // Map entries or list items, in order; `keys` is empty for a list.
  // (std::vector of an incomplete type is fine since C++17.)
  std::vector<std::string> keys;
  std::vector<std::string> comments;
  std::vector<YNode> values;
};

/// `{kind: options}`: a node of the model language (`rmsnorm: {...}`).
YNode layer(const std::string &kind, YNode options);

/// Shortest decimal text that reads back as exactly `value`, as a float.
std::string formatReal(double value);

/// A whole document: leading comment lines, then top-level sections
/// separated by blank lines.
struct YDocument {
  std::vector<std::string> headerComments;
  YNode root = YNode::map();
};

/// Writes `doc` as YAML text.
std::string writeYAML(const YDocument &doc);

} // namespace hf
} // namespace olmc

#endif // OLMC_LIB_IMPORTHF_YAMLTREE_H
