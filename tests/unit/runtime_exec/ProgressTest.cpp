//===- ProgressTest.cpp - The weight-loading progress bar -----------------===//

#include "../../../runtime/lib/exec/Progress.h"

#include "FixtureModel.h"

#include "olmrt/Cli.h"
#include "olmrt/Manifest.h"
#include "olmrt/WeightInit.h"
#include "olmrt/Weights.h"

#include <gtest/gtest.h>

#include <sstream>

namespace {

using olmrt::exec::formatByteCount;
using olmrt::exec::formatProgressLine;
using olmrt::exec::ProgressBar;

TEST(ProgressTest, ByteCounts) {
  EXPECT_EQ(formatByteCount(0), "0 B");
  EXPECT_EQ(formatByteCount(17), "17 B");
  EXPECT_EQ(formatByteCount(999), "999 B");
  EXPECT_EQ(formatByteCount(1000), "1.00 kB");
  EXPECT_EQ(formatByteCount(1234), "1.23 kB");
  EXPECT_EQ(formatByteCount(12345), "12.3 kB");
  EXPECT_EQ(formatByteCount(512000), "512 kB");
  // Rounded up into the next unit rather than "1000 kB".
  EXPECT_EQ(formatByteCount(999999), "1.00 MB");
  EXPECT_EQ(formatByteCount(1234567), "1.23 MB");
  EXPECT_EQ(formatByteCount(2.47e9), "2.47 GB");
  EXPECT_EQ(formatByteCount(5e12), "5.00 TB");
  EXPECT_EQ(formatByteCount(-3), "0 B");
}

TEST(ProgressTest, Lines) {
  EXPECT_EQ(formatProgressLine("loading weights", 0, 2470000000, 0),
            "loading weights [........................]   0%  0 B / 2.47 GB");
  EXPECT_EQ(formatProgressLine("loading weights", 1235000000, 2470000000, 0.5),
            "loading weights [############............]  50%  1.24 GB / "
            "2.47 GB  2.47 GB/s");
  EXPECT_EQ(formatProgressLine("w", 837000, 837000, 0.001),
            "w [########################] 100%  837 kB / 837 kB  837 MB/s");
  // Nearly done is not done: 99% and a cell short.
  EXPECT_EQ(formatProgressLine("w", 999999, 1000000, 2),
            "w [#######################.]  99%  1.00 MB / 1.00 MB  500 kB/s");
  // Nothing to load is done; counts out of range are clamped.
  EXPECT_EQ(formatProgressLine("w", 0, 0, 0),
            "w [########################] 100%  0 B / 0 B");
  EXPECT_EQ(formatProgressLine("w", 7, 5, 1),
            "w [########################] 100%  5 B / 5 B  5 B/s");
  EXPECT_EQ(formatProgressLine("w", -1, 5, 1),
            "w [........................]   0%  0 B / 5 B");
}

/// A clock the test moves by hand.
struct FakeClock {
  double now = 0.0; // Steps of 1/16 s add up exactly.
  ProgressBar::Clock clock() {
    return [this] { return now; };
  }
};

TEST(ProgressTest, RedrawsAtMostTenTimesASecond) {
  FakeClock t;
  std::ostringstream os;
  {
    ProgressBar bar(&os, "w", t.clock());
    bar.update(0, 1000); // The first frame is drawn at once.
    EXPECT_EQ(os.str(), "\rw [........................]   0%  0 B / 1.00 kB");
    std::string first = os.str();
    t.now += 0.0625;
    bar.update(500, 1000); // Too soon.
    EXPECT_EQ(os.str(), first);
    t.now += 0.0625;
    bar.update(600, 1000); // 0.125 s after the last frame.
    EXPECT_EQ(os.str(), first + "\rw [##############..........]  60%  "
                                "600 B / 1.00 kB  4.80 kB/s");
    os.str("");
    t.now += 0.0625;
    bar.finish(); // Drawn however soon, then the line ends.
    EXPECT_EQ(os.str(), "\rw [##############..........]  60%  600 B / "
                        "1.00 kB  3.20 kB/s\n");
    os.str("");
    bar.update(1000, 1000); // Finished: ignored.
    bar.finish();
  }
  EXPECT_EQ(os.str(), "");
}

TEST(ProgressTest, ShorterFramesBlankTheRest) {
  FakeClock t;
  std::ostringstream os;
  ProgressBar bar(&os, "w", t.clock());
  bar.update(0, 2000000);
  t.now += 1;
  bar.update(1000000, 2000000); // "1.00 MB/s" is longer than no rate.
  t.now += 1009;
  os.str("");
  bar.update(1000001, 2000000); // "990 B/s": two characters shorter.
  EXPECT_EQ(os.str(), "\rw [############............]  50%  1.00 MB / "
                      "2.00 MB  990 B/s  ");
}

TEST(ProgressTest, QuietWithoutAStream) {
  ProgressBar bar(nullptr);
  EXPECT_FALSE(bar.callback());
  bar.update(1, 2);
  bar.finish();
  std::ostringstream os;
  olmrt::CliStreams streams;
  streams.err = &os;
  // A string stream is no terminal.
  EXPECT_EQ(olmrt::exec::progressStream(streams, false), nullptr);
  EXPECT_FALSE(olmrt::exec::isTerminal(&os));
}

TEST(ProgressTest, UnfinishedBarEndsItsLine) {
  std::ostringstream os;
  {
    ProgressBar bar(&os, "w");
    bar.update(1, 2); // Then an error unwinds past the bar.
  }
  EXPECT_EQ(os.str().back(), '\n');
  std::ostringstream never;
  { ProgressBar bar(&never, "w"); }
  EXPECT_EQ(never.str(), "");
}

TEST(ProgressTest, WeightsReportTheirBytes) {
  olmrt::Manifest manifest =
      olmrt::parseManifest("m.olmx", fixture::manifest());
  std::vector<std::pair<int64_t, int64_t>> calls;
  olmrt::Weights weights(
      manifest, olmrt::initSourceTensors(manifest, 0),
      [&](int64_t done, int64_t total) { calls.emplace_back(done, total); });
  // wte [16, 8], then the head [16, 8]: float32 bytes.
  int64_t total = 2 * fixture::kVocab * fixture::kDim * 4;
  std::vector<std::pair<int64_t, int64_t>> want = {
      {0, total}, {total / 2, total}, {total, total}};
  EXPECT_EQ(calls, want);
}

} // namespace
