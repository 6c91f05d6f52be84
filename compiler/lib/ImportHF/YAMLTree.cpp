//===- YAMLTree.cpp - a small YAML document builder -----------------------===//
#include "YAMLTree.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>

namespace olmc {
namespace hf {

//===----------------------------------------------------------------------===//
// Scalars
//===----------------------------------------------------------------------===//

std::string formatReal(double value) {
  // Shortest scientific form that round-trips; then lay the digits out by
  // hand so that 500000 reads "500000.0" and 1e-05 reads "1e-5".
  char buf[64];
  for (int precision = 0; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*e", precision, value);
    if (std::strtod(buf, nullptr) == value)
      break;
  }
  std::string text = buf;
  std::string sign;
  if (!text.empty() && text[0] == '-') {
    sign = "-";
    text.erase(0, 1);
  }
  size_t ePos = text.find('e');
  std::string mantissa = text.substr(0, ePos);
  int exponent = std::atoi(text.c_str() + ePos + 1);
  std::string digits;
  for (char c : mantissa)
    if (c != '.')
      digits += c;
  while (digits.size() > 1 && digits.back() == '0')
    digits.pop_back();
  if (digits == "0")
    return sign + "0.0";

  if (exponent < -4 || exponent > 15) {
    std::string out = sign + digits.substr(0, 1);
    if (digits.size() > 1)
      out += "." + digits.substr(1);
    return out + "e" + std::to_string(exponent);
  }
  std::string intPart, fracPart;
  if (exponent >= 0) {
    size_t intDigits = size_t(exponent) + 1;
    if (digits.size() <= intDigits) {
      intPart = digits + std::string(intDigits - digits.size(), '0');
    } else {
      intPart = digits.substr(0, intDigits);
      fracPart = digits.substr(intDigits);
    }
  } else {
    intPart = "0";
    fracPart = std::string(size_t(-exponent - 1), '0') + digits;
  }
  return sign + intPart + "." + (fracPart.empty() ? "0" : fracPart);
}

namespace {

/// True when `text` can be written as a plain scalar and read back as the
/// same string: a name-like word that YAML would not take for a bool, null
/// or number.
bool isPlainSafe(const std::string &text) {
  if (text.empty())
    return false;
  unsigned char first = text[0];
  if (!std::isalpha(first) && first != '_' && first != '/')
    return false;
  for (unsigned char c : text)
    if (!std::isalnum(c) && c != '_' && c != '.' && c != '/' && c != '-')
      return false;
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  static const char *const reserved[] = {"true", "false", "yes", "no", "on",
                                         "off",  "null",  "y",   "n"};
  for (const char *word : reserved)
    if (lower == word)
      return false;
  return true;
}

std::string doubleQuote(const std::string &text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

} // namespace

YNode YNode::integer(int64_t value) {
  return YNode(Kind::Scalar, std::to_string(value));
}
YNode YNode::real(double value) {
  return YNode(Kind::Scalar, formatReal(value));
}
YNode YNode::boolean(bool value) {
  return YNode(Kind::Scalar, value ? "true" : "false");
}
YNode YNode::string(const std::string &value) {
  return YNode(Kind::Scalar, isPlainSafe(value) ? value : doubleQuote(value));
}
YNode YNode::ref(const std::string &name) {
  return YNode(Kind::Scalar, doubleQuote("${" + name + "}"));
}
YNode YNode::expr(const std::string &text) {
  return YNode(Kind::Scalar, doubleQuote(text));
}
YNode YNode::map() { return YNode(Kind::Map); }
YNode YNode::seq() { return YNode(Kind::Seq); }

YNode &YNode::add(const std::string &key, YNode value,
                  const std::string &comment) {
  keys.push_back(key);
  comments.push_back(comment);
  values.push_back(std::move(value));
  return *this;
}

YNode &YNode::push(YNode item, const std::string &comment) {
  comments.push_back(comment);
  values.push_back(std::move(item));
  return *this;
}

YNode layer(const std::string &kind, YNode options) {
  YNode node = YNode::map();
  node.add(kind, std::move(options));
  return node;
}

//===----------------------------------------------------------------------===//
// Writer
//===----------------------------------------------------------------------===//

class YAMLWriter {
public:
  std::string out;

  void document(const YDocument &doc) {
    for (const std::string &line : doc.headerComments)
      out += line.empty() ? "#\n" : "# " + line + "\n";
    const YNode &root = doc.root;
    for (size_t i = 0; i < root.values.size(); ++i) {
      if (i > 0 || !doc.headerComments.empty())
        out += "\n";
      entry(std::string(), 0, root.keys[i], root.values[i], root.comments[i]);
    }
  }

private:
  // Lines stay within 100 columns, so that a layer with its options fits on
  // one line where it can. Flow style is used only for shallow nodes (a map of
  // scalars, or one holding such maps, like `weights:`): deeper structure reads
  // better as blocks even when it would fit on a line.
  static constexpr size_t kMaxLine = 100;
  static constexpr int kMaxFlowDepth = 2;

  static int depth(const YNode &node) {
    int d = 0;
    for (const YNode &child : node.values)
      d = std::max(d, depth(child));
    return node.kind == YNode::Kind::Scalar ? 0 : d + 1;
  }

  static bool hasComments(const YNode &node) {
    for (size_t i = 0; i < node.values.size(); ++i)
      if (!node.comments[i].empty() || hasComments(node.values[i]))
        return true;
    return false;
  }

  static std::string flow(const YNode &node) {
    if (node.kind == YNode::Kind::Scalar)
      return node.text;
    bool isMap = node.kind == YNode::Kind::Map;
    std::string text = isMap ? "{" : "[";
    for (size_t i = 0; i < node.values.size(); ++i) {
      if (i)
        text += ", ";
      if (isMap)
        text += node.keys[i] + ": ";
      text += flow(node.values[i]);
    }
    return text + (isMap ? "}" : "]");
  }

  /// The flow text of `node` if it may be written in flow style after
  /// `prefix` on one line; empty otherwise.
  static std::string flowIfFits(const YNode &node, const std::string &prefix,
                                const std::string &comment) {
    if (node.values.empty())
      return flow(node);
    if (depth(node) > kMaxFlowDepth || hasComments(node))
      return "";
    std::string text = flow(node);
    size_t width = prefix.size() + 1 + text.size() +
                   (comment.empty() ? 0 : comment.size() + 4);
    return width <= kMaxLine ? text : "";
  }

  void line(const std::string &text, const std::string &comment,
            size_t commentColumn = 0) {
    out += text;
    if (!comment.empty())
      out +=
          std::string(std::max(commentColumn, text.size()) - text.size(), ' ') +
          "  # " + comment;
    out += "\n";
  }

  static std::string head(const std::string &prefix, int indent,
                          const std::string &key) {
    return (prefix.empty() ? std::string(indent, ' ') : prefix) + key + ":";
  }

  /// Writes `key: value`; `prefix` replaces the indentation on the first
  /// line (it holds "- " for the first entry of a list item).
  void entry(const std::string &prefix, int indent, const std::string &key,
             const YNode &value, const std::string &comment,
             size_t commentColumn = 0) {
    std::string first = head(prefix, indent, key);
    if (value.kind == YNode::Kind::Scalar)
      return line(first + " " + value.text, comment, commentColumn);
    std::string text = flowIfFits(value, first, comment);
    if (!text.empty())
      return line(first + " " + text, comment);
    line(first, comment);
    if (value.kind == YNode::Kind::Map)
      return mapBody(value, indent + 2, std::string());
    seqBody(value, indent + 2);
  }

  void mapBody(const YNode &node, int indent, const std::string &prefix) {
    // Comments after scalar entries line up, so that a list of hparams
    // reads as a table of values and the config keys they came from.
    size_t column = 0;
    for (size_t i = 0; i < node.values.size(); ++i) {
      const YNode &value = node.values[i];
      if (value.kind != YNode::Kind::Scalar || node.comments[i].empty())
        continue;
      size_t width =
          head(i == 0 ? prefix : std::string(), indent, node.keys[i]).size() +
          1 + value.text.size();
      if (width + 4 + node.comments[i].size() <= kMaxLine)
        column = std::max(column, width);
    }
    for (size_t i = 0; i < node.values.size(); ++i)
      entry(i == 0 ? prefix : std::string(), indent, node.keys[i],
            node.values[i], node.comments[i], column);
  }

  void seqBody(const YNode &node, int indent) {
    std::string dash = std::string(indent, ' ') + "- ";
    for (size_t i = 0; i < node.values.size(); ++i) {
      const YNode &item = node.values[i];
      const std::string &comment = node.comments[i];
      if (item.kind == YNode::Kind::Scalar) {
        line(dash + item.text, comment);
        continue;
      }
      // A list item that is a map starts its first entry on the dash line,
      // so nodes read `- rmsnorm: {...}`; its comment goes on the line
      // above, where it cannot be mistaken for the entry's.
      if (!comment.empty())
        line(std::string(indent, ' ') + "# " + comment, "");
      if (item.kind == YNode::Kind::Map && !item.values.empty()) {
        mapBody(item, indent + 2, dash);
        continue;
      }
      std::string text = flowIfFits(item, dash, "");
      if (!text.empty()) {
        line(dash + text, "");
        continue;
      }
      line(std::string(indent, ' ') + "-", "");
      seqBody(item, indent + 2);
    }
  }
};

std::string writeYAML(const YDocument &doc) {
  YAMLWriter writer;
  writer.document(doc);
  return writer.out;
}

} // namespace hf
} // namespace olmc
