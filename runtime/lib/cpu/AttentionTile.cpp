//===- AttentionTile.cpp - Attention of a tile of query rows --------------===//
//
// A flash-attention style loop: for each block of keys, scores = scale *
// Q K^T, softcap, mask, then an online softmax update (running max and sum
// per row, rescaling the partial output when the max grows), and
// out += P V. The two products go through OpenBLAS when the tile has enough
// rows for its packing to pay off (its AVX-512/AVX2 kernels are chosen at
// run time, while this file is limited to SSE4.2); small tiles, such as a
// decode step, use the SSE loops below.
//
//===----------------------------------------------------------------------===//

#include "AttentionTile.h"

#include "VecMath.h"

#include <cblas.h>

#include <algorithm>
#include <cstring>
#include <limits>

using namespace olmrt::cpu;

namespace {

/// Rows from which a tile's products go through BLAS (see the bench).
constexpr int64_t kBlasMinRows = 8;

typedef float V4 __attribute__((vector_size(16)));

inline V4 load4(const float *p) {
  V4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline float hsum(V4 v) { return (v[0] + v[1]) + (v[2] + v[3]); }

/// s[i, j] = alpha * q[i, :] . k[j, :]. Four keys at a time, each with its
/// own vector accumulator: q is loaded once per four keys and the four
/// chains overlap. (A float sum reduction would not vectorise by itself
/// without -ffast-math.)
void scoresSimd(const float *q, int64_t rows, const float *k, int64_t nKeys,
                int64_t hd, float alpha, float *s, int64_t ldS) {
  int64_t hd4 = hd & ~int64_t(3);
  for (int64_t i = 0; i < rows; ++i) {
    const float *qi = q + i * hd;
    float *si = s + i * ldS;
    int64_t j = 0;
    for (; j + 4 <= nKeys; j += 4) {
      const float *k0 = k + j * hd, *k1 = k0 + hd, *k2 = k1 + hd,
                  *k3 = k2 + hd;
      V4 a0 = {0, 0, 0, 0}, a1 = a0, a2 = a0, a3 = a0;
      for (int64_t d = 0; d < hd4; d += 4) {
        V4 qv = load4(qi + d);
        a0 += qv * load4(k0 + d);
        a1 += qv * load4(k1 + d);
        a2 += qv * load4(k2 + d);
        a3 += qv * load4(k3 + d);
      }
      float r0 = hsum(a0), r1 = hsum(a1), r2 = hsum(a2), r3 = hsum(a3);
      for (int64_t d = hd4; d < hd; ++d) {
        r0 += qi[d] * k0[d];
        r1 += qi[d] * k1[d];
        r2 += qi[d] * k2[d];
        r3 += qi[d] * k3[d];
      }
      si[j] = alpha * r0;
      si[j + 1] = alpha * r1;
      si[j + 2] = alpha * r2;
      si[j + 3] = alpha * r3;
    }
    for (; j < nKeys; ++j) {
      const float *kj = k + j * hd;
      V4 a = {0, 0, 0, 0};
      for (int64_t d = 0; d < hd4; d += 4)
        a += load4(qi + d) * load4(kj + d);
      float r = hsum(a);
      for (int64_t d = hd4; d < hd; ++d)
        r += qi[d] * kj[d];
      si[j] = alpha * r;
    }
  }
}

/// o[i, :] += sum_j p[i, j] * v[j, :], four keys per pass over o[i] so each
/// load/store of o carries four multiply-adds.
void accumulateSimd(const float *p, int64_t rows, int64_t ldP,
                    const float *v, int64_t nKeys, int64_t hd, float *o) {
  for (int64_t i = 0; i < rows; ++i) {
    const float *pi = p + i * ldP;
    float *__restrict oi = o + i * hd;
    int64_t j = 0;
    for (; j + 4 <= nKeys; j += 4) {
      float p0 = pi[j], p1 = pi[j + 1], p2 = pi[j + 2], p3 = pi[j + 3];
      if (p0 == 0.0f && p1 == 0.0f && p2 == 0.0f && p3 == 0.0f)
        continue; // masked keys
      const float *__restrict v0 = v + j * hd;
      const float *__restrict v1 = v0 + hd;
      const float *__restrict v2 = v1 + hd;
      const float *__restrict v3 = v2 + hd;
      for (int64_t d = 0; d < hd; ++d)
        oi[d] += p0 * v0[d] + p1 * v1[d] + p2 * v2[d] + p3 * v3[d];
    }
    for (; j < nKeys; ++j) {
      float pj = pi[j];
      const float *__restrict vj = v + j * hd;
      for (int64_t d = 0; d < hd; ++d)
        oi[d] += pj * vj[d];
    }
  }
}

/// Maximum of x[0..n), n >= 1; four running maxima for throughput.
float rangeMax(const float *x, int64_t n) {
  float m0 = x[0], m1 = m0, m2 = m0, m3 = m0;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    m0 = std::max(m0, x[i]);
    m1 = std::max(m1, x[i + 1]);
    m2 = std::max(m2, x[i + 2]);
    m3 = std::max(m3, x[i + 3]);
  }
  for (; i < n; ++i)
    m0 = std::max(m0, x[i]);
  return std::max(std::max(m0, m1), std::max(m2, m3));
}

/// x[i] = e^(x[i] - m) for i < n; returns the sum of the results.
float expShiftSum(float *x, int64_t n, float m) {
  for (int64_t i = 0; i < n; ++i)
    x[i] = vexp(x[i] - m);
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += x[i];
    s1 += x[i + 1];
    s2 += x[i + 2];
    s3 += x[i + 3];
  }
  for (; i < n; ++i)
    s0 += x[i];
  return (s0 + s1) + (s2 + s3);
}

/// Keys [lo, hi) visible from a query at position pos.
struct KeyRange {
  int64_t lo, hi;
};

KeyRange visibleKeys(const AttentionParams &p, int64_t pos, int64_t keyEnd) {
  KeyRange r;
  r.hi = p.causal ? pos + 1 : keyEnd;
  r.lo = p.window > 0 ? std::max<int64_t>(0, pos - p.window + 1) : 0;
  return r;
}

} // namespace

void olmrt::cpu::attendTile(const AttentionParams &p, const QueryTile &tile,
                            const float *kCache, const float *vCache,
                            int64_t keyEnd, float *scores, float *rowMax,
                            float *rowSum) {
  const int64_t hd = p.headDim, rows = tile.rows, g = p.groupSize();
  const float negInf = -std::numeric_limits<float>::infinity();
  const bool useBlas = rows >= kBlasMinRows;
  auto rowPos = [&](int64_t i) { return tile.pos0 + (tile.firstRow + i) / g; };

  std::fill(rowMax, rowMax + rows, negInf);
  std::fill(rowSum, rowSum + rows, 0.0f);
  std::memset(tile.out, 0, static_cast<size_t>(rows * hd) * sizeof(float));

  // Rows are in position order, so the first and last rows bound the keys.
  int64_t keyLo = visibleKeys(p, rowPos(0), keyEnd).lo;
  int64_t keyHi = visibleKeys(p, rowPos(rows - 1), keyEnd).hi;
  for (int64_t jb = keyLo / kKeyBlock * kKeyBlock; jb < keyHi;
       jb += kKeyBlock) {
    int64_t nKeys = std::min(kKeyBlock, keyHi - jb);
    const float *kBlock = kCache + jb * hd;
    const float *vBlock = vCache + jb * hd;
    if (useBlas)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(rows),
                  int(nKeys), int(hd), p.scale, tile.q, int(hd), kBlock,
                  int(hd), 0.0f, scores, int(kKeyBlock));
    else
      scoresSimd(tile.q, rows, kBlock, nKeys, hd, p.scale, scores,
                 kKeyBlock);

    for (int64_t i = 0; i < rows; ++i) {
      float *si = scores + i * kKeyBlock;
      KeyRange vis = visibleKeys(p, rowPos(i), keyEnd);
      int64_t a = std::clamp(vis.lo - jb, int64_t(0), nKeys);
      int64_t e = std::clamp(vis.hi - jb, int64_t(0), nKeys);
      if (a >= e) {
        std::fill(si, si + nKeys, 0.0f);
        continue;
      }
      if (p.softcap != 0.0f) {
        float cap = p.softcap;
        for (int64_t j = a; j < e; ++j)
          si[j] = cap * vtanh(si[j] / cap);
      }
      float newMax = std::max(rowMax[i], rangeMax(si + a, e - a));
      // e^(-inf) is 0: the first visible block starts the sums afresh.
      float rescale = vexp(rowMax[i] - newMax);
      rowMax[i] = newMax;
      std::fill(si, si + a, 0.0f);
      std::fill(si + e, si + nKeys, 0.0f);
      rowSum[i] = rowSum[i] * rescale + expShiftSum(si + a, e - a, newMax);
      if (rescale != 1.0f) {
        float *oi = tile.out + i * hd;
        for (int64_t d = 0; d < hd; ++d)
          oi[d] *= rescale;
      }
    }

    if (useBlas)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(rows),
                  int(hd), int(nKeys), 1.0f, scores, int(kKeyBlock), vBlock,
                  int(hd), 1.0f, tile.out, int(hd));
    else
      accumulateSimd(scores, rows, kKeyBlock, vBlock, nKeys, hd, tile.out);
  }

  // Every query sees at least its own key, so rowSum > 0.
  for (int64_t i = 0; i < rows; ++i) {
    float *oi = tile.out + i * hd;
    float sum = rowSum[i];
    for (int64_t d = 0; d < hd; ++d)
      oi[d] /= sum;
  }
}
