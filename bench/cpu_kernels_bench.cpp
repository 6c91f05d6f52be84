//===- cpu_kernels_bench.cpp - Throughput of the olmrt CPU kernels --------===//
//
// GFLOP/s of olmk_matmul on GPT-2 124M's shapes, milliseconds of
// olmk_attention for GPT-2's layer (12 heads of 64, full RoPE) in prefill
// and decode, and of the activations. Each figure is the best of several
// timed repetitions, so other load on the machine shows less.
//
//===----------------------------------------------------------------------===//

#include "olmrt/CpuKernels.h"

#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <vector>

namespace {

std::vector<float> randomVec(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-scale, scale);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(gen);
  return v;
}

/// Best seconds per call: runs fn in batches until ~minSeconds in total.
double bestSeconds(const std::function<void()> &fn, double minSeconds = 0.3) {
  using Clock = std::chrono::steady_clock;
  fn(); // warm caches, thread pools and page mappings
  double best = 1e30, total = 0;
  int reps = 1;
  while (total < minSeconds) {
    auto t0 = Clock::now();
    for (int i = 0; i < reps; ++i)
      fn();
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    best = std::min(best, s / reps);
    total += s;
    if (s < 0.01)
      reps *= 2;
  }
  return best;
}

void benchMatmul() {
  std::printf("olmk_matmul (K = 768, bias, no accumulate)\n");
  std::printf("  %5s %6s %10s %10s\n", "M", "N", "GFLOP/s", "ms");
  const int64_t K = 768;
  for (int64_t M : {1, 128}) {
    for (int64_t N : {768, 2304, 3072, 50257}) {
      std::vector<float> x = randomVec(M * K, 1), w = randomVec(N * K, 2);
      std::vector<float> b = randomVec(N, 3), y(M * N);
      double s = bestSeconds([&] {
        olmk_matmul(x.data(), w.data(), b.data(), y.data(), M, N, K, 0);
      });
      std::printf("  %5ld %6ld %10.1f %10.3f\n", long(M), long(N),
                  2.0 * M * N * K / s * 1e-9, s * 1e3);
    }
  }
  // Why M == 1 goes to sgemv: the same products through sgemm.
  std::printf("  M = 1 through cblas_sgemm instead (for comparison):\n");
  for (int64_t N : {768, 2304, 3072, 50257}) {
    std::vector<float> x = randomVec(K, 1), w = randomVec(N * K, 2), y(N);
    double s = bestSeconds([&] {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, 1, int(N), int(K),
                  1.0f, x.data(), int(K), w.data(), int(K), 0.0f, y.data(),
                  int(N));
    });
    std::printf("  %5d %6ld %10.1f %10.3f\n", 1, long(N),
                2.0 * N * K / s * 1e-9, s * 1e3);
  }
}

/// One GPT-2-sized attention layer with its caches.
struct AttentionBench {
  static constexpr int64_t H = 12, hd = 64;
  int64_t maxSeq;
  int64_t icfg[OLMK_ATTN_NUM_INTS] = {};
  float fcfg[OLMK_ATTN_NUM_FLOATS] = {};
  std::vector<float> invFreq, kCache, vCache;

  explicit AttentionBench(int64_t maxSeq)
      : maxSeq(maxSeq), kCache(H * maxSeq * hd), vCache(H * maxSeq * hd) {
    icfg[OLMK_ATTN_HEADS] = H;
    icfg[OLMK_ATTN_KV_HEADS] = H;
    icfg[OLMK_ATTN_HEAD_DIM] = hd;
    icfg[OLMK_ATTN_ROTARY_DIM] = hd;
    icfg[OLMK_ATTN_CAUSAL] = 1;
    icfg[OLMK_ATTN_MAX_SEQ] = maxSeq;
    fcfg[OLMK_ATTN_SCALE] = 1.0f / std::sqrt(float(hd));
    for (int64_t i = 0; i < hd / 2; ++i)
      invFreq.push_back(1.0f / std::pow(10000.0f, 2.0f * i / hd));
  }

  /// ms for a call with T new tokens at pos0 (earlier slots are filled by
  /// a prefill first, as in real use).
  double ms(int64_t T, int64_t pos0) {
    std::vector<float> prefix =
        randomVec(std::max<int64_t>(pos0, 1) * 3 * H * hd, 4);
    std::vector<float> out(std::max<int64_t>(pos0, T) * H * hd);
    if (pos0 > 0)
      olmk_attention(icfg, fcfg, invFreq.data(), prefix.data(), kCache.data(),
                     vCache.data(), out.data(), 1, pos0, 0, nullptr, nullptr,
                     nullptr, nullptr);
    std::vector<float> qkv = randomVec(T * 3 * H * hd, 5);
    return 1e3 * bestSeconds([&] {
             olmk_attention(icfg, fcfg, invFreq.data(), qkv.data(),
                            kCache.data(), vCache.data(), out.data(), 1, T,
                            pos0, nullptr, nullptr, nullptr, nullptr);
           });
  }
};

void benchAttention() {
  std::printf("olmk_attention (12 heads x 64, causal, RoPE, batch 1)\n");
  struct {
    const char *what;
    int64_t T, pos0;
  } cases[] = {{"prefill T=128", 128, 0},
               {"decode at context 128", 1, 127},
               {"prefill T=512", 512, 0},
               {"decode at context 1024", 1, 1023}};
  for (auto &c : cases) {
    AttentionBench a(1024);
    std::printf("  %-24s %8.3f ms\n", c.what, a.ms(c.T, c.pos0));
  }
}

void benchActivations() {
  std::printf("activations over 128 x 3072 floats\n");
  const char *names[] = {"gelu", "gelu_tanh", "relu", "silu"};
  std::vector<float> x = randomVec(128 * 3072, 6, 4.0f);
  for (int kind = 0; kind < 4; ++kind) {
    std::vector<float> y = x;
    double s = bestSeconds([&] {
      std::copy(x.begin(), x.end(), y.begin());
      olmk_activation(y.data(), int64_t(y.size()), kind);
    });
    std::printf("  %-10s %8.3f ms\n", names[kind], s * 1e3);
  }
}

} // namespace

int main() {
  benchMatmul();
  benchAttention();
  benchActivations();
  return 0;
}
