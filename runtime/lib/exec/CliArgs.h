//===- CliArgs.h - Argument parsing for the runtime subcommands -*- C++ -*-===//
//
// Private to olmrt_exec. Flags are `--name VALUE`, `--name=VALUE` or, for
// switches, `--name`; `--` ends the flags. Anything malformed is a
// UsageError, which the caller reports with the subcommand's usage line
// and exit code 2.
//
//===----------------------------------------------------------------------===//

#ifndef OLMRT_LIB_EXEC_CLIARGS_H
#define OLMRT_LIB_EXEC_CLIARGS_H

#include "olmrt/Error.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace olmrt::exec {

/// A malformed command line (as opposed to a bad file or model).
class UsageError : public Error {
public:
  using Error::Error;
};

struct FlagSpec {
  std::string name;  // "--weights"
  bool takesValue;   // false for switches such as --random-weights
  std::string alias; // "-o", or empty
};

class ParsedArgs {
public:
  /// Throws UsageError for an unknown flag, a repeated flag, a missing
  /// value or a value given to a switch. Sets help() for -h/--help.
  ParsedArgs(const std::vector<std::string> &args,
             const std::vector<FlagSpec> &flags);

  bool help() const { return help_; }
  const std::vector<std::string> &positional() const { return positional_; }
  bool has(const std::string &flag) const { return values_.count(flag); }
  std::optional<std::string> value(const std::string &flag) const;

  /// Exactly one positional argument, `what` naming it in the error.
  const std::string &onePositional(const std::string &what) const;

private:
  bool help_ = false;
  std::vector<std::string> positional_;
  std::map<std::string, std::string> values_;
};

/// A decimal integer in [min, max] given to `flag`; UsageError otherwise.
int64_t parseIntFlag(const std::string &flag, const std::string &text,
                     int64_t min, int64_t max);
/// A decimal unsigned 64-bit integer (seeds).
uint64_t parseSeed(const std::string &flag, const std::string &text);
/// "1,2,3" -> {1, 2, 3}: non-negative integers separated by commas.
std::vector<int64_t> parseTokenList(const std::string &flag,
                                    const std::string &text);

} // namespace olmrt::exec

#endif // OLMRT_LIB_EXEC_CLIARGS_H
