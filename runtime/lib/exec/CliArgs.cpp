//===- CliArgs.cpp - Argument parsing for the runtime subcommands ---------===//

#include "CliArgs.h"

#include <cerrno>
#include <cstdlib>
#include <limits>

namespace olmrt::exec {

namespace {

const FlagSpec *findFlag(const std::vector<FlagSpec> &flags,
                         const std::string &word) {
  for (const FlagSpec &flag : flags)
    if (word == flag.name || (!flag.alias.empty() && word == flag.alias))
      return &flag;
  return nullptr;
}

/// Digits only: strtoll alone would accept spaces, signs and hex.
bool allDigits(const std::string &text) {
  if (text.empty() || text.size() > 20)
    return false;
  for (char c : text)
    if (c < '0' || c > '9')
      return false;
  return true;
}

} // namespace

ParsedArgs::ParsedArgs(const std::vector<std::string> &args,
                       const std::vector<FlagSpec> &flags) {
  bool flagsEnded = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string &word = args[i];
    if (flagsEnded || word.size() < 2 || word[0] != '-') {
      positional_.push_back(word);
      continue;
    }
    if (word == "--") {
      flagsEnded = true;
      continue;
    }
    if (word == "-h" || word == "--help") {
      help_ = true;
      continue;
    }
    size_t eq = word.find('=');
    std::string name = word.substr(0, eq);
    const FlagSpec *flag = findFlag(flags, name);
    if (!flag)
      throw UsageError("unknown option '" + name + "'");
    if (values_.count(flag->name))
      throw UsageError("option '" + flag->name + "' is given twice");
    std::string value;
    if (eq != std::string::npos) {
      if (!flag->takesValue)
        throw UsageError("option '" + flag->name + "' takes no value");
      value = word.substr(eq + 1);
    } else if (flag->takesValue) {
      if (i + 1 == args.size())
        throw UsageError("option '" + flag->name + "' needs a value");
      value = args[++i];
    }
    values_[flag->name] = value;
  }
}

std::optional<std::string> ParsedArgs::value(const std::string &flag) const {
  auto it = values_.find(flag);
  if (it == values_.end())
    return std::nullopt;
  return it->second;
}

const std::string &ParsedArgs::onePositional(const std::string &what) const {
  if (positional_.empty())
    throw UsageError("missing " + what);
  if (positional_.size() > 1)
    throw UsageError("unexpected argument '" + positional_[1] + "'");
  return positional_[0];
}

int64_t parseIntFlag(const std::string &flag, const std::string &text,
                     int64_t min, int64_t max) {
  bool ok = allDigits(text);
  long long v = 0;
  if (ok) {
    errno = 0;
    v = std::strtoll(text.c_str(), nullptr, 10);
    ok = errno != ERANGE && v >= min && v <= max;
  }
  if (!ok)
    throw UsageError(flag + " expects an integer from " + std::to_string(min) +
                     " to " + std::to_string(max) + ", got '" + text + "'");
  return v;
}

uint64_t parseSeed(const std::string &flag, const std::string &text) {
  bool ok = allDigits(text);
  unsigned long long v = 0;
  if (ok) {
    errno = 0;
    v = std::strtoull(text.c_str(), nullptr, 10);
    ok = errno != ERANGE;
  }
  if (!ok)
    throw UsageError(flag + " expects an integer from 0 to " +
                     std::to_string(std::numeric_limits<uint64_t>::max()) +
                     ", got '" + text + "'");
  return v;
}

std::vector<int64_t> parseTokenList(const std::string &flag,
                                    const std::string &text) {
  std::vector<int64_t> tokens;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma - start);
    bool ok = allDigits(item);
    long long v = 0;
    if (ok) {
      errno = 0;
      v = std::strtoll(item.c_str(), nullptr, 10);
      ok = errno != ERANGE;
    }
    if (!ok)
      throw UsageError(flag +
                       " expects token ids separated by commas, "
                       "got '" +
                       item + "' in '" + text + "'");
    tokens.push_back(v);
    if (comma == std::string::npos)
      return tokens;
    start = comma + 1;
  }
}

} // namespace olmrt::exec
