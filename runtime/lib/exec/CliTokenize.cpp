//===- CliTokenize.cpp - `tokenize`: text to ids and back -----------------===//
//
// tokenize --tokenizer T.json --text "..."      ids, space-separated
// tokenize --tokenizer T.json --text-file F     the same for a file's bytes
// tokenize --tokenizer T.json --decode 1,2,3    the text of the ids
//
// Encoding adds the post-processor's tokens (a BOS) only with
// --add-special-tokens; decoding drops special tokens unless
// --keep-special-tokens, as Hugging Face's defaults for decode.
//
//===----------------------------------------------------------------------===//

#include "CliCommands.h"

#include "olmrt/Tokenizer.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <ostream>
#include <sys/stat.h>
#include <unistd.h>

namespace olmrt::exec {

namespace {

/// --text-file inputs larger than this are refused.
constexpr int64_t kMaxTextFileBytes = int64_t(64) << 20;

std::string readTextFile(const std::string &path) {
  auto failErrno = [&](const std::string &what) {
    throw Error(path + ": " + what + ": " + std::strerror(errno));
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    failErrno("cannot open");
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0)
    failErrno("cannot stat");
  if (!S_ISREG(st.st_mode))
    throw Error(path + ": not a regular file");
  if (st.st_size > kMaxTextFileBytes)
    throw Error(path + ": " + std::to_string(st.st_size) +
                " bytes is larger than the " +
                std::to_string(kMaxTextFileBytes) +
                "-byte limit of --text-file");
  std::string text(size_t(st.st_size), '\0');
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::read(fd, &text[done], text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      failErrno("cannot read");
    if (n == 0)
      break; // Shrank while being read: take what is there.
    done += size_t(n);
  }
  text.resize(done);
  return text;
}

} // namespace

int tokenizeCommand(const ParsedArgs &args, const CliStreams &streams) {
  if (!args.positional().empty())
    throw UsageError("unexpected argument '" + args.positional()[0] + "'");
  auto path = args.value("--tokenizer");
  if (!path)
    throw UsageError("missing --tokenizer T.json");
  int inputs =
      args.has("--text") + args.has("--text-file") + args.has("--decode");
  if (inputs != 1)
    throw UsageError(inputs
                         ? "give only one of --text, --text-file and --decode"
                         : "missing --text, --text-file or --decode");
  bool decode = args.has("--decode");
  if (decode && args.has("--add-special-tokens"))
    throw UsageError("--add-special-tokens only applies to encoding");
  if (!decode && args.has("--keep-special-tokens"))
    throw UsageError("--keep-special-tokens only applies to --decode");
  std::vector<int64_t> ids;
  if (decode)
    ids = parseTokenList("--decode", *args.value("--decode"));

  Tokenizer tokenizer = Tokenizer::fromFile(*path);
  std::ostream &out = *streams.out;
  if (decode) {
    std::vector<int32_t> tokens;
    tokens.reserve(ids.size());
    for (int64_t id : ids) {
      if (!tokenizer.idToToken(id))
        throw Error(*path + ": token id " + std::to_string(id) +
                    " is not in the vocabulary (" +
                    std::to_string(tokenizer.vocabSize()) + " ids)");
      tokens.push_back(int32_t(id));
    }
    out << tokenizer.decode(tokens, !args.has("--keep-special-tokens")) << "\n";
    return 0;
  }
  std::string text = args.has("--text")
                         ? *args.value("--text")
                         : readTextFile(*args.value("--text-file"));
  std::vector<int32_t> encoded =
      tokenizer.encode(text, args.has("--add-special-tokens"));
  for (size_t i = 0; i < encoded.size(); ++i)
    out << (i ? " " : "") << encoded[i];
  out << "\n";
  return 0;
}

} // namespace olmrt::exec
