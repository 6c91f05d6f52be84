//===- Progress.cpp - A progress bar for loading weights ------------------===//

#include "Progress.h"

#include "olmrt/Cli.h"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <unistd.h>

namespace olmrt::exec {

namespace {

constexpr int kBarCells = 24;

double steadySeconds() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

} // namespace

std::string formatByteCount(double bytes) {
  if (!(bytes >= 0))
    bytes = 0; // Negative or NaN.
  if (bytes < 999.5) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f B", bytes);
    return buf;
  }
  static const char *const kUnits[] = {"kB", "MB", "GB", "TB", "PB"};
  double v = bytes / 1000;
  size_t unit = 0;
  // Pick the unit after rounding, so 999.9 kB reads "1.00 MB".
  while (v >= 999.5 && unit + 1 < std::size(kUnits)) {
    v /= 1000;
    ++unit;
  }
  int decimals = v < 9.995 ? 2 : v < 99.95 ? 1 : 0;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f %s", decimals, v, kUnits[unit]);
  return buf;
}

std::string formatProgressLine(const std::string &label, int64_t done,
                               int64_t total, double seconds) {
  if (total < 0)
    total = 0;
  if (done < 0)
    done = 0;
  if (done > total)
    done = total;
  // Fractions in integers: done * 100 may not fit for absurd totals, so
  // go through long double.
  long double fraction = total > 0 ? (long double)done / total : 1.0L;
  int percent = int(fraction * 100);
  if (percent == 100 && done < total)
    percent = 99;
  int cells = int(fraction * kBarCells);
  if (cells == kBarCells && done < total)
    cells = kBarCells - 1;
  std::string line = label + " [";
  line.append(size_t(cells), '#');
  line.append(size_t(kBarCells - cells), '.');
  char pct[16];
  std::snprintf(pct, sizeof pct, "] %3d%%  ", percent);
  line += pct;
  line +=
      formatByteCount(double(done)) + " / " + formatByteCount(double(total));
  if (seconds > 0 && done > 0)
    line += "  " + formatByteCount(double(done) / seconds) + "/s";
  return line;
}

ProgressBar::ProgressBar(std::ostream *os, std::string label, Clock clock)
    : os_(os), label_(std::move(label)),
      clock_(clock ? std::move(clock) : Clock(steadySeconds)),
      start_(clock_()) {}

ProgressBar::~ProgressBar() {
  if (os_ && drawn_ && !finished_) {
    *os_ << "\n";
    os_->flush();
  }
}

void ProgressBar::update(int64_t done, int64_t total) {
  if (!os_ || finished_)
    return;
  done_ = done;
  total_ = total;
  updated_ = true;
  double now = clock_();
  if (!drawn_ || now - lastDraw_ >= kMinInterval)
    draw(now);
}

void ProgressBar::finish() {
  if (!os_ || finished_ || !updated_)
    return;
  draw(clock_());
  finished_ = true;
  *os_ << "\n";
  os_->flush();
}

LoadProgress ProgressBar::callback() {
  if (!os_)
    return nullptr;
  return [this](int64_t done, int64_t total) { update(done, total); };
}

void ProgressBar::draw(double now) {
  std::string line = formatProgressLine(label_, done_, total_, now - start_);
  size_t width = line.size();
  // Blank what a longer previous frame left on the line.
  if (width < lastWidth_)
    line.append(lastWidth_ - width, ' ');
  lastWidth_ = width;
  *os_ << '\r' << line;
  os_->flush();
  drawn_ = true;
  lastDraw_ = now;
}

bool isTerminal(const std::ostream *os) {
  if (os == &std::cerr)
    return ::isatty(STDERR_FILENO) == 1;
  if (os == &std::cout)
    return ::isatty(STDOUT_FILENO) == 1;
  return false;
}

std::ostream *progressStream(const CliStreams &streams, bool disabled) {
  if (disabled || !isTerminal(streams.err))
    return nullptr;
  return streams.err;
}

} // namespace olmrt::exec
