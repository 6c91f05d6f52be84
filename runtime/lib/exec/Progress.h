//===- Progress.h - A progress bar for loading weights ----------*- C++ -*-===//
//
// Private to olmrt_exec. `run` shows one line while the weights load,
// redrawn in place with '\r' at most ten times a second and ended with a
// newline:
//
//  loading weights [#########...............]  41%  1.02 GB / 2.47 GB  812 MB/s
//
// It goes to stderr, so stdout keeps only the output proper, and only when
// stderr is a terminal: redirected to a file or a pipe, nothing is drawn.
// Units are decimal (1 MB = 10^6 bytes); the bytes are those of the float32
// weights built.
//
//===----------------------------------------------------------------------===//

#ifndef OLMRT_LIB_EXEC_PROGRESS_H
#define OLMRT_LIB_EXEC_PROGRESS_H

#include "olmrt/Weights.h"

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>

namespace olmrt {
struct CliStreams;
}

namespace olmrt::exec {

/// "17 B", "512 kB", "1.23 GB": decimal units, three significant digits
/// from 1 kB on. Negative counts are shown as 0 B.
std::string formatByteCount(double bytes);

/// One frame of the bar, without '\r' or newline: the label, a 24-cell bar,
/// the percentage (rounded down, so 100% means done), bytes done and total,
/// and the mean rate since the start (left out until time has passed and
/// bytes are done).
std::string formatProgressLine(const std::string &label, int64_t done,
                               int64_t total, double seconds);

class ProgressBar {
public:
  /// Seconds on a monotonic clock.
  using Clock = std::function<double()>;
  static constexpr double kMinInterval = 0.1;

  /// Draws on `os`; a null `os` makes every call a no-op. `clock` is for
  /// tests; by default std::chrono::steady_clock.
  explicit ProgressBar(std::ostream *os, std::string label = "loading weights",
                       Clock clock = nullptr);
  ProgressBar(const ProgressBar &) = delete;
  ProgressBar &operator=(const ProgressBar &) = delete;
  /// Ends the line if it was drawn and not finished (an error while
  /// loading), so the error message starts on a line of its own.
  ~ProgressBar();

  /// Records progress; redraws when it is the first frame, or at least
  /// kMinInterval seconds after the last one.
  void update(int64_t done, int64_t total);
  /// Draws the last state (whatever the time since the last frame) and ends
  /// the line. Nothing when update() was never called.
  void finish();

  /// update() as a Weights load callback; empty when there is no stream,
  /// so that the loader does not even count.
  LoadProgress callback();

private:
  void draw(double now);

  std::ostream *os_;
  std::string label_;
  Clock clock_;
  double start_;
  double lastDraw_ = 0;
  bool drawn_ = false;
  bool finished_ = false;
  bool updated_ = false;
  size_t lastWidth_ = 0;
  int64_t done_ = 0;
  int64_t total_ = 0;
};

/// True when `os` is std::cout or std::cerr and that descriptor is a
/// terminal.
bool isTerminal(const std::ostream *os);

/// Where `run` draws its progress bar: streams.err when it is a terminal
/// and `disabled` (--no-progress) is false; nullptr otherwise.
std::ostream *progressStream(const CliStreams &streams, bool disabled);

} // namespace olmrt::exec

#endif // OLMRT_LIB_EXEC_PROGRESS_H
