//===- kernel_check.cpp - Every olmg_* kernel against the CPU kernels -----===//
//
// Runs each kernel of CudaKernels.h on fresh random inputs, in f32 and
// bf16, and compares with the olmk_* kernel of CpuKernels.h (float32) on
// the same inputs (rounded to the dtype first, so both see identical
// values): rel = ||out - ref|| / ||ref||. Outputs are poisoned (all bytes
// 0xFF: NaN in every dtype) before each run, so an unwritten element fails.
// Attention checks compare the output and both caches, with random
// earlier cache contents when pos0 > 0.
//
//   kernel_check [--filter SUBSTRING]     exit status 1 if any check fails
//
//===----------------------------------------------------------------------===//

#include "Context.h"

#include "olmrt/CpuKernels.h"
#include "olmrt/CudaKernels.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace olmrt::cuda;

namespace {

std::mt19937_64 rng(20261128);

struct Row {
  std::string name, dtype;
  double rel, threshold;
  bool pass;
};
std::vector<Row> rows;
std::string filter;

std::vector<float> randomVec(size_t n, float scale = 1.0f) {
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(rng);
  return v;
}

/// Rounds v to the dtype in place (so host and device see the same values).
void quantize(DType dt, std::vector<float> &v) {
  std::vector<uint8_t> tmp(v.size() * 4);
  convertFromF32(dt, v.data(), tmp.data(), v.size());
  convertToF32(dt, tmp.data(), v.data(), v.size());
}

/// A device buffer of n elements of dtype dt (or float32).
struct Buf {
  void *p = nullptr;
  size_t n = 0;
  DType dt;
  Buf(DType dt, size_t n) : n(n), dt(dt) {
    p = deviceAlloc(n * dtypeBytes(dt) + 16, "a test buffer");
    poison();
  }
  ~Buf() { deviceFree(p); }
  Buf(const Buf &) = delete;
  void poison() { deviceFill(p, 0xFF, n * dtypeBytes(dt)); }
  void upload(const std::vector<float> &v) {
    std::vector<uint8_t> tmp(v.size() * dtypeBytes(dt));
    convertFromF32(dt, v.data(), tmp.data(), v.size());
    copyToDevice(p, tmp.data(), tmp.size());
  }
  std::vector<float> download() const {
    std::vector<uint8_t> tmp(n * dtypeBytes(dt));
    copyToHost(tmp.data(), p, tmp.size());
    std::vector<float> v(n);
    convertToF32(dt, tmp.data(), v.data(), n);
    return v;
  }
};

double relError(const std::vector<float> &out, const std::vector<float> &ref) {
  double num = 0, den = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    double d = double(out[i]) - ref[i];
    num += d * d;
    den += double(ref[i]) * ref[i];
  }
  if (std::isnan(num))
    return NAN;
  return den > 0 ? std::sqrt(num / den) : std::sqrt(num);
}

/// Appended to the names of the checks that run while the GEMV's group
/// width is forced (runGemvWidths).
std::string formTag;

bool wanted(const std::string &name) {
  return filter.empty() || (name + formTag).find(filter) != std::string::npos;
}

void report(const std::string &check, DType dt, double rel) {
  double thr = dt == DType::F32 ? 2e-5 : 1e-2;
  bool pass = !std::isnan(rel) && rel <= thr;
  std::string name = check + formTag;
  rows.push_back({name, dtypeName(dt), rel, thr, pass});
  std::printf("%-58s %-5s rel %.3e  (<= %.0e) %s\n", name.c_str(),
              dtypeName(dt), rel, thr, pass ? "ok" : "FAIL");
  std::fflush(stdout);
}

// ---------------------------------------------------------------- checks

void checkEmbedding(OlmgContext &g, int64_t M, int64_t D, int64_t vocab,
                    float scale) {
  std::string name = "embedding M" + std::to_string(M) + " D" +
                     std::to_string(D) + " scale" + std::to_string(scale);
  if (!wanted(name))
    return;
  DType dt = g.dtype;
  std::vector<float> table = randomVec(size_t(vocab * D));
  quantize(dt, table);
  std::vector<int32_t> ids(static_cast<size_t>(M));
  for (int32_t &id : ids)
    id = int32_t(rng() % uint64_t(vocab));
  std::vector<float> ref(size_t(M * D));
  olmk_embedding(ids.data(), table.data(), ref.data(), M, D, scale);
  Buf dTable(dt, table.size()), dOut(dt, ref.size());
  Buf dIds(DType::F32, ids.size()); // 4-byte slots
  dTable.upload(table);
  copyToDevice(dIds.p, ids.data(), ids.size() * 4);
  olmg_embedding(&g, static_cast<int32_t *>(dIds.p), dTable.p, dOut.p, M, D,
                 scale);
  synchronize(&g);
  report(name, dt, relError(dOut.download(), ref));
}

void checkPosEmbedding(OlmgContext &g, int64_t B, int64_t T, int64_t D,
                       int64_t pos0, int64_t offset) {
  std::string name = "pos_embedding_add B" + std::to_string(B) + " T" +
                     std::to_string(T) + " pos0 " + std::to_string(pos0) +
                     " offset " + std::to_string(offset);
  if (!wanted(name))
    return;
  DType dt = g.dtype;
  int64_t rows = pos0 + T + offset + 3;
  std::vector<float> table = randomVec(size_t(rows * D)),
                     x = randomVec(size_t(B * T * D));
  quantize(dt, table);
  quantize(dt, x);
  std::vector<float> ref = x;
  olmk_pos_embedding_add(ref.data(), table.data(), B, T, D, pos0, offset);
  Buf dTable(dt, table.size()), dX(dt, x.size()), dOut(dt, x.size());
  dTable.upload(table);
  dX.upload(x);
  setPosition(&g, pos0);
  olmg_pos_embedding_add(&g, dX.p, dTable.p, dOut.p, B, T, D, /*ignored*/ 0,
                         offset);
  synchronize(&g);
  report(name, dt, relError(dOut.download(), ref));
}

/// The first N of each of M rows that lie ldy apart, packed densely.
std::vector<float> denseRows(const std::vector<float> &y, int64_t M, int64_t N,
                             int64_t ldy) {
  std::vector<float> dense(size_t(M * N));
  for (int64_t r = 0; r < M; ++r)
    std::copy(y.begin() + r * ldy, y.begin() + r * ldy + N,
              dense.begin() + r * N);
  return dense;
}

const char *actName(int kind);

/// act >= 0 applies an activation (OLMK_ACT_*) to the product; ldy > N
/// writes y with padded rows (the logits' layout on the cuda target), and
/// only the first N of each row are compared.
void checkMatmul(OlmgContext &g, int64_t M, int64_t N, int64_t K, bool bias,
                 bool accumulate, bool yF32, int act = -1, int64_t ldy = 0) {
  if (ldy < N)
    ldy = N;
  std::string name = "matmul " + std::to_string(M) + "x" + std::to_string(N) +
                     "x" + std::to_string(K) + (bias ? " bias" : "") +
                     (accumulate ? " acc" : "") + (yF32 ? " y_f32" : "") +
                     (act >= 0 ? std::string(" ") + actName(act) : "") +
                     (ldy != N ? " ldy " + std::to_string(ldy) : "");
  if (!wanted(name))
    return;
  DType dt = g.dtype;
  DType yt = yF32 ? DType::F32 : dt;
  std::vector<float> x = randomVec(size_t(M * K)),
                     w = randomVec(size_t(N * K), 0.05f),
                     b = randomVec(size_t(N)), y0 = randomVec(size_t(M * N));
  quantize(dt, x);
  quantize(dt, w);
  quantize(dt, b);
  quantize(yt, y0);
  std::vector<float> ref = y0;
  olmk_matmul(x.data(), w.data(), bias ? b.data() : nullptr, ref.data(), M, N,
              K, accumulate);
  if (act >= 0)
    olmk_activation(ref.data(), M * N, act);
  Buf dX(dt, x.size()), dW(dt, w.size()), dB(dt, b.size()),
      dY(yt, size_t(M * ldy));
  dX.upload(x);
  dW.upload(w);
  dB.upload(b);
  if (accumulate)
    dY.upload(y0);
  olmg_matmul(&g, dX.p, dW.p, bias ? dB.p : nullptr, dY.p, M, N, K, accumulate,
              yF32, act, ldy);
  synchronize(&g);
  // bf16 out: rounding of y itself (~2^-9) dominates; f32 out keeps the
  // float32-accumulation error only.
  report(name, dt, relError(denseRows(dY.download(), M, N, ldy), ref));
}

void checkRmsnorm(OlmgContext &g, int64_t M, int64_t D, float wOffset,
                  bool inPlace) {
  std::string name = "rmsnorm M" + std::to_string(M) + " D" +
                     std::to_string(D) + " w_offset " +
                     std::to_string(int(wOffset)) +
                     (inPlace ? " in-place" : "");
  if (!wanted(name))
    return;
  DType dt = g.dtype;
  std::vector<float> x = randomVec(size_t(M * D), 3.0f),
                     w = randomVec(size_t(D));
  quantize(dt, x);
  quantize(dt, w);
  std::vector<float> ref(x.size());
  olmk_rmsnorm(x.data(), w.data(), ref.data(), M, D, 1e-5f, wOffset);
  Buf dX(dt, x.size()), dW(dt, w.size()), dY(dt, x.size());
  dX.upload(x);
  dW.upload(w);
  void *y = inPlace ? dX.p : dY.p;
  olmg_rmsnorm(&g, dX.p, dW.p, y, M, D, 1e-5f, wOffset);
  synchronize(&g);
  report(name, dt, relError(inPlace ? dX.download() : dY.download(), ref));
}

void checkLayernorm(OlmgContext &g, int64_t M, int64_t D, bool affine) {
  std::string name = "layernorm M" + std::to_string(M) + " D" +
                     std::to_string(D) + (affine ? " w,b" : " no w,b");
  if (!wanted(name))
    return;
  DType dt = g.dtype;
  std::vector<float> x = randomVec(size_t(M * D), 2.0f),
                     w = randomVec(size_t(D)), b = randomVec(size_t(D));
  for (float &v : x)
    v += 5.0f; // A mean far from 0.
  quantize(dt, x);
  quantize(dt, w);
  quantize(dt, b);
  std::vector<float> ref(x.size());
  olmk_layernorm(x.data(), affine ? w.data() : nullptr,
                 affine ? b.data() : nullptr, ref.data(), M, D, 1e-5f);
  Buf dX(dt, x.size()), dW(dt, w.size()), dB(dt, b.size()), dY(dt, x.size());
  dX.upload(x);
  dW.upload(w);
  dB.upload(b);
  olmg_layernorm(&g, dX.p, affine ? dW.p : nullptr, affine ? dB.p : nullptr,
                 dY.p, M, D, 1e-5f);
  synchronize(&g);
  report(name, dt, relError(dY.download(), ref));
}

const char *actName(int kind) {
  static const char *names[] = {"gelu", "gelu_tanh", "relu", "silu"};
  return names[kind];
}

void checkActivation(OlmgContext &g, int64_t n, int kind) {
  std::string name =
      std::string("activation ") + actName(kind) + " n" + std::to_string(n);
  if (!wanted(name))
    return;
  DType dt = g.dtype;
  std::vector<float> x = randomVec(size_t(n), 3.0f);
  quantize(dt, x);
  std::vector<float> ref = x;
  olmk_activation(ref.data(), n, kind);
  Buf dX(dt, x.size()), dY(dt, x.size());
  dX.upload(x);
  olmg_activation(&g, dX.p, dY.p, n, kind);
  synchronize(&g);
  report(name, dt, relError(dY.download(), ref));
}

void checkGated(OlmgContext &g, int64_t M, int64_t H, int kind) {
  std::string name = std::string("gated_activation ") + actName(kind) + " M" +
                     std::to_string(M) + " H" + std::to_string(H);
  if (!wanted(name))
    return;
  DType dt = g.dtype;
  std::vector<float> gu = randomVec(size_t(M * 2 * H), 2.0f);
  quantize(dt, gu);
  std::vector<float> ref(static_cast<size_t>(M * H));
  olmk_gated_activation(gu.data(), ref.data(), M, H, kind);
  Buf dGu(dt, gu.size()), dOut(dt, ref.size());
  dGu.upload(gu);
  olmg_gated_activation(&g, dGu.p, dOut.p, M, H, kind);
  synchronize(&g);
  report(name, dt, relError(dOut.download(), ref));
}

/// olmg_matmul_gated against the product and the gating in float32 on the
/// CPU: batch 1 is the GEMV gating in its epilogue, larger batches the
/// cuBLASLt product into scratch and the gating kernel.
void checkMatmulGated(OlmgContext &g, int64_t M, int64_t H, int64_t K,
                      bool bias, int kind) {
  std::string name = std::string("matmul_gated ") + actName(kind) + " " +
                     std::to_string(M) + "x" + std::to_string(H) + "x" +
                     std::to_string(K) + (bias ? " bias" : "");
  if (!wanted(name))
    return;
  DType dt = g.dtype;
  std::vector<float> x = randomVec(size_t(M * K)),
                     w = randomVec(size_t(2 * H * K), 0.05f),
                     b = randomVec(size_t(2 * H));
  quantize(dt, x);
  quantize(dt, w);
  quantize(dt, b);
  std::vector<float> product(size_t(M * 2 * H), 0.0f),
      ref(static_cast<size_t>(M * H));
  olmk_matmul(x.data(), w.data(), bias ? b.data() : nullptr, product.data(), M,
              2 * H, K, 0);
  olmk_gated_activation(product.data(), ref.data(), M, H, kind);
  Buf dX(dt, x.size()), dW(dt, w.size()), dB(dt, b.size()),
      dOut(dt, ref.size());
  dX.upload(x);
  dW.upload(w);
  dB.upload(b);
  olmg_matmul_gated(&g, dX.p, dW.p, bias ? dB.p : nullptr, dOut.p, M, H, K,
                    kind);
  synchronize(&g);
  report(name, dt, relError(dOut.download(), ref));
}

/// The norm of a normed product: olmg_matmul_norm's RMSNorm, or
/// olmg_matmul_layernorm's LayerNorm with a weight and bias or the weight
/// alone.
enum class NormKind {
  kRms,
  kLayer,
  kLayerNoBias,
  kLayerFarMean // rows 100 +- 1: E[x^2] - mean^2 would cancel
};

/// olmg_matmul_norm / olmg_matmul_layernorm against olmk_rmsnorm /
/// olmk_layernorm (rounded to the dtype, as the separate kernel stores it)
/// and the product in float32 on the CPU: batch 1 is the GEMV normalising
/// the row it reads (in float, unrounded: within the dtype's bound of the
/// reference), larger batches the norm into scratch and cuBLASLt (gated:
/// with the gating kernel after it). LayerNorm rows have a mean far from
/// 0 and one outlier feature (GPT-2's residual stream has such), or a mean
/// of 100 with a spread of 1: the GEMV's shifted sums must survive both.
void checkMatmulNorm(OlmgContext &g, int64_t M, int64_t N, int64_t K, bool bias,
                     bool accumulate, bool yF32, int act, bool gated,
                     float wOffset, int64_t ldy = 0,
                     NormKind kind = NormKind::kRms) {
  if (ldy < N)
    ldy = N;
  bool layer = kind != NormKind::kRms;
  std::string name =
      std::string(layer ? "matmul_layernorm " : "matmul_norm ") +
      std::to_string(M) + "x" + std::to_string(N) + "x" + std::to_string(K) +
      (kind == NormKind::kLayerNoBias ? " no norm bias" : "") +
      (kind == NormKind::kLayerFarMean ? " mean 100" : "") +
      (bias ? " bias" : "") + (accumulate ? " acc" : "") +
      (yF32 ? " y_f32" : "") +
      (act >= 0 ? std::string(" ") + actName(act) : "") +
      (gated ? " gated" : "") + (wOffset != 0.0f ? " w_offset 1" : "") +
      (ldy != N ? " ldy " + std::to_string(ldy) : "");
  if (!wanted(name))
    return;
  DType dt = g.dtype;
  DType yt = yF32 ? DType::F32 : dt;
  int64_t rowsW = gated ? 2 * N : N;
  const float eps = 1e-5f;
  // Rows far from unit scale, so a missing normalisation shows.
  std::vector<float> x = randomVec(size_t(M * K), 4.0f),
                     nw = randomVec(size_t(K), 0.5f),
                     nb = randomVec(size_t(K), 0.5f),
                     w = randomVec(size_t(rowsW * K), 0.05f),
                     b = randomVec(size_t(rowsW)),
                     y0 = randomVec(size_t(M * N));
  for (float &v : nw)
    v += wOffset != 0.0f ? 0.0f : 1.0f;
  if (kind == NormKind::kLayerFarMean)
    for (float &v : x)
      v = 100.0f + v / 4.0f;
  else if (layer)
    for (int64_t r = 0; r < M; ++r) {
      for (int64_t k = 0; k < K; ++k)
        x[size_t(r * K + k)] += 30.0f;
      x[size_t(r * K + K / 3)] = -400.0f;
    }
  for (auto *v : {&x, &nw, &nb, &w, &b})
    quantize(dt, *v);
  quantize(yt, y0);
  std::vector<float> xn(x.size());
  if (layer)
    olmk_layernorm(x.data(), nw.data(),
                   kind == NormKind::kLayerNoBias ? nullptr : nb.data(),
                   xn.data(), M, K, eps);
  else
    olmk_rmsnorm(x.data(), nw.data(), xn.data(), M, K, eps, wOffset);
  quantize(dt, xn);
  std::vector<float> product(size_t(M * rowsW), 0.0f), ref = y0;
  if (gated) {
    olmk_matmul(xn.data(), w.data(), bias ? b.data() : nullptr, product.data(),
                M, rowsW, K, 0);
    olmk_gated_activation(product.data(), ref.data(), M, N, act);
  } else {
    olmk_matmul(xn.data(), w.data(), bias ? b.data() : nullptr, ref.data(), M,
                N, K, accumulate);
    if (act >= 0)
      olmk_activation(ref.data(), M * N, act);
  }
  Buf dX(dt, x.size()), dNw(dt, nw.size()), dNb(dt, nb.size()),
      dW(dt, w.size()), dB(dt, b.size()), dY(yt, size_t(M * ldy));
  dX.upload(x);
  dNw.upload(nw);
  dNb.upload(nb);
  dW.upload(w);
  dB.upload(b);
  if (accumulate) {
    std::vector<float> padded(size_t(M * ldy), 0.0f);
    for (int64_t r = 0; r < M; ++r)
      std::copy(y0.begin() + r * N, y0.begin() + (r + 1) * N,
                padded.begin() + r * ldy);
    dY.upload(padded);
  }
  if (layer)
    olmg_matmul_layernorm(&g, dX.p, dNw.p,
                          kind == NormKind::kLayerNoBias ? nullptr : dNb.p, eps,
                          dW.p, bias ? dB.p : nullptr, dY.p, M, N, K,
                          accumulate, yF32, act, ldy, gated ? 1 : 0);
  else
    olmg_matmul_norm(&g, dX.p, dNw.p, eps, wOffset, dW.p, bias ? dB.p : nullptr,
                     dY.p, M, N, K, accumulate, yF32, act, ldy, gated ? 1 : 0);
  synchronize(&g);
  report(name, dt, relError(denseRows(dY.download(), M, N, ldy), ref));
}

void checkSoftcap(OlmgContext &g, int64_t n, float cap, bool yF32) {
  std::string name = "softcap n" + std::to_string(n) + " cap " +
                     std::to_string(int(cap)) + (yF32 ? " y_f32" : "");
  if (!wanted(name))
    return;
  DType dt = g.dtype;
  std::vector<float> x = randomVec(size_t(n), 40.0f);
  quantize(dt, x);
  std::vector<float> ref = x;
  olmk_softcap(ref.data(), n, cap);
  Buf dX(dt, x.size()), dY(yF32 ? DType::F32 : dt, x.size());
  dX.upload(x);
  olmg_softcap(&g, dX.p, dY.p, n, cap, yF32);
  synchronize(&g);
  report(name, dt, relError(dY.download(), ref));
}

void checkSimple(OlmgContext &g, int64_t n) {
  DType dt = g.dtype;
  std::vector<float> a = randomVec(size_t(n)), b = randomVec(size_t(n));
  quantize(dt, a);
  quantize(dt, b);
  Buf dA(dt, a.size()), dB(dt, b.size()), dOut(dt, a.size());
  dA.upload(a);
  dB.upload(b);
  if (wanted("add")) {
    std::vector<float> ref(a.size());
    for (size_t i = 0; i < a.size(); ++i)
      ref[i] = a[i] + b[i];
    olmg_add(&g, dA.p, dB.p, dOut.p, n);
    synchronize(&g);
    report("add n" + std::to_string(n), dt, relError(dOut.download(), ref));
  }
  if (wanted("scale")) {
    dOut.poison();
    std::vector<float> ref(a.size());
    for (size_t i = 0; i < a.size(); ++i)
      ref[i] = a[i] * 0.125f;
    olmg_scale(&g, dA.p, 0.125f, dOut.p, n);
    synchronize(&g);
    report("scale n" + std::to_string(n), dt, relError(dOut.download(), ref));
  }
  if (wanted("to_f32")) {
    Buf dF(DType::F32, a.size());
    olmg_to_f32(&g, dA.p, static_cast<float *>(dF.p), n);
    synchronize(&g);
    report("to_f32 n" + std::to_string(n), dt, relError(dF.download(), a));
  }
  if (wanted("copy_columns")) {
    int64_t rowsN = 37, cols = 48, dstCols = 160, offset = 80;
    std::vector<float> src = randomVec(size_t(rowsN * cols));
    quantize(dt, src);
    std::vector<float> dst0 = randomVec(size_t(rowsN * dstCols));
    quantize(dt, dst0);
    std::vector<float> ref = dst0;
    for (int64_t r = 0; r < rowsN; ++r)
      for (int64_t c = 0; c < cols; ++c)
        ref[size_t(r * dstCols + offset + c)] = src[size_t(r * cols + c)];
    Buf dSrc(dt, src.size()), dDst(dt, dst0.size());
    dSrc.upload(src);
    dDst.upload(dst0);
    olmg_copy_columns(&g, dSrc.p, cols, dDst.p, dstCols, offset, rowsN);
    synchronize(&g);
    report("copy_columns 37x48 into 160 at 80", dt,
           relError(dDst.download(), ref));
  }
}

/// `edges`: the cases the many-block argmax must order like torch.argmax
/// across blocks (equal maxima far apart, two NaNs, an all -inf row, -0.0
/// before +0.0); it runs twice, so that the second call finds the per-row
/// slots the first one reset.
void checkArgmax(OlmgContext &g, int64_t batch, int64_t vocab,
                 bool edges = false) {
  std::string name = "argmax (device greedy) B" + std::to_string(batch) + " V" +
                     std::to_string(vocab) + (edges ? " edges" : "");
  if (!wanted(name) || g.dtype != DType::F32)
    return;
  std::vector<float> logits = randomVec(size_t(batch * vocab));
  // Ties: the first maximum wins; a NaN beats everything.
  logits[size_t(vocab - 1)] = 100.0f;
  logits[size_t(vocab / 2)] = 100.0f;
  if (batch > 1)
    logits[size_t(vocab + 7)] = NAN;
  if (edges && batch >= 4) {
    float *r1 = logits.data() + vocab, *r2 = r1 + vocab, *r3 = r2 + vocab;
    r1[7] = 0.0f; // Undo the first NaN: two NaNs in other blocks.
    r1[vocab - 10] = NAN;
    r1[vocab / 3] = NAN;
    std::fill(r2, r2 + vocab, -INFINITY);
    for (int64_t i = 0; i < vocab; ++i)
      r3[i] = -1.0f - std::fabs(r3[i]);
    r3[5] = -0.0f;
    r3[vocab - 3] = 0.0f;
  }
  Buf dL(DType::F32, logits.size()), dIds(DType::F32, size_t(batch));
  dL.upload(logits);
  std::vector<int32_t> ids(static_cast<size_t>(batch));
  for (int call = 0; call < (edges ? 2 : 1); ++call) {
    deviceFill(dIds.p, 0xff, size_t(batch) * 4);
    argmaxToIds(&g, static_cast<float *>(dL.p), vocab, 0, batch, vocab,
                static_cast<int32_t *>(dIds.p), nullptr, 0, 0);
    synchronize(&g);
    copyToHost(ids.data(), dIds.p, ids.size() * 4);
  }
  int64_t wrong = 0;
  for (int64_t b = 0; b < batch; ++b) {
    const float *row = logits.data() + b * vocab;
    int64_t best = 0;
    for (int64_t i = 1; i < vocab; ++i) {
      if (std::isnan(row[best]))
        break;
      if (row[i] > row[best] || std::isnan(row[i]))
        best = i;
    }
    wrong += ids[size_t(b)] != best;
  }
  report(name, g.dtype, double(wrong));
}

struct AttnCase {
  std::string label;
  int64_t B, T, pos0, H, KVH, hd, rot, interleaved, window, causal, maxSeq,
      qkNorm;
  float softcap;
};

void checkAttention(OlmgContext &g, const AttnCase &c) {
  std::string name = "attention " + c.label;
  if (!wanted(name))
    return;
  DType dt = g.dtype;
  int64_t icfg[OLMK_ATTN_NUM_INTS] = {};
  icfg[OLMK_ATTN_HEADS] = c.H;
  icfg[OLMK_ATTN_KV_HEADS] = c.KVH;
  icfg[OLMK_ATTN_HEAD_DIM] = c.hd;
  icfg[OLMK_ATTN_ROTARY_DIM] = c.rot;
  icfg[OLMK_ATTN_INTERLEAVED] = c.interleaved;
  icfg[OLMK_ATTN_WINDOW] = c.window;
  icfg[OLMK_ATTN_CAUSAL] = c.causal;
  icfg[OLMK_ATTN_MAX_SEQ] = c.maxSeq;
  icfg[OLMK_ATTN_QK_NORM] = c.qkNorm;
  float fcfg[OLMK_ATTN_NUM_FLOATS] = {};
  fcfg[OLMK_ATTN_SCALE] = 1.0f / std::sqrt(float(c.hd));
  fcfg[OLMK_ATTN_SOFTCAP] = c.softcap;
  fcfg[OLMK_ATTN_QK_NORM_EPS] = 1e-6f;
  std::vector<float> invFreq(static_cast<size_t>(c.rot / 2));
  for (size_t i = 0; i < invFreq.size(); ++i)
    invFreq[i] = std::pow(10000.0f, -2.0f * float(i) / float(c.rot));

  int64_t rowStride = (c.H + 2 * c.KVH) * c.hd;
  std::vector<float> qkv = randomVec(size_t(c.B * c.T * rowStride));
  size_t cacheN = size_t(c.B * c.KVH * c.maxSeq * c.hd);
  // Earlier positions hold random keys and values; later ones zeros (as a
  // fresh cache), which must not be read.
  std::vector<float> kc = randomVec(cacheN), vc = randomVec(cacheN);
  for (int64_t bh = 0; bh < c.B * c.KVH; ++bh)
    for (int64_t p = c.pos0; p < c.maxSeq; ++p)
      for (int64_t d = 0; d < c.hd; ++d) {
        size_t i = size_t((bh * c.maxSeq + p) * c.hd + d);
        kc[i] = vc[i] = 0.0f;
      }
  std::vector<float> qw = randomVec(size_t(c.hd), 0.3f),
                     kw = randomVec(size_t(c.hd), 0.3f),
                     qb = randomVec(size_t(c.hd), 0.1f),
                     kb = randomVec(size_t(c.hd), 0.1f);
  for (float &v : qw)
    v += 1.0f;
  for (float &v : kw)
    v += 1.0f;
  for (auto *v : {&qkv, &kc, &vc, &qw, &kw, &qb, &kb})
    quantize(dt, *v);

  std::vector<float> refK = kc, refV = vc,
                     refOut(static_cast<size_t>(c.B * c.T * c.H * c.hd));
  bool norm = c.qkNorm != 0, ln = c.qkNorm == 2;
  olmk_attention(icfg, fcfg, invFreq.data(), qkv.data(), refK.data(),
                 refV.data(), refOut.data(), c.B, c.T, c.pos0,
                 norm ? qw.data() : nullptr, norm ? kw.data() : nullptr,
                 ln ? qb.data() : nullptr, ln ? kb.data() : nullptr);

  Buf dQkv(dt, qkv.size()), dK(dt, cacheN), dV(dt, cacheN),
      dOut(dt, refOut.size()), dQw(dt, qw.size()), dKw(dt, kw.size()),
      dQb(dt, qb.size()), dKb(dt, kb.size()), dOne(dt, 1);
  dQkv.upload(qkv);
  dQw.upload(qw);
  dKw.upload(kw);
  dQb.upload(qb);
  dKb.upload(kb);
  // Decode has two paths (Attention.cu): with the prep kernel, and with
  // prep inside the split kernel (bf16/f16, head_dim 64 or 128, no
  // qk-norm; by default only for small split grids, here forced), which is
  // never taken right after the position is set, so another kernel sits
  // between. Both run, on fresh caches; the fused one is told apart by its
  // launches (split and combine only).
  const bool fusable = c.T == 1 && dt != DType::F32 &&
                       (c.hd == 64 || c.hd == 128) && c.qkNorm == 0;
  // The rows this call appends, on their own: an error there is diluted
  // in the whole caches' relative error.
  auto newRows = [&](const std::vector<float> &cache, int64_t p0, int64_t n) {
    std::vector<float> rows;
    for (int64_t bh = 0; bh < c.B * c.KVH; ++bh)
      for (int64_t p = p0; p < p0 + n; ++p)
        for (int64_t d = 0; d < c.hd; ++d)
          rows.push_back(cache[size_t((bh * c.maxSeq + p) * c.hd + d)]);
    return rows;
  };
  auto checkCaches = [&](const std::string &label, int64_t p0, int64_t n) {
    std::vector<float> k = dK.download(), v = dV.download();
    report(label + " k/v cache", dt,
           std::max(relError(k, refK), relError(v, refV)));
    report(label + " new k/v rows", dt,
           std::max(relError(newRows(k, p0, n), newRows(refK, p0, n)),
                    relError(newRows(v, p0, n), newRows(refV, p0, n))));
  };
  auto attend = [&](const Buf &q, int64_t T) {
    int64_t before = g.calls;
    olmg_attention(&g, icfg, fcfg, invFreq.data(), q.p, dK.p, dV.p, dOut.p, c.B,
                   T, /*ignored*/ 0, norm ? dQw.p : nullptr,
                   norm ? dKw.p : nullptr, ln ? dQb.p : nullptr,
                   ln ? dKb.p : nullptr);
    synchronize(&g);
    return g.calls - before;
  };
  for (bool fused : {false, true}) {
    if (fused && !fusable)
      break;
    const std::string label = name + (fused ? " [prep in split]" : "");
    g.prepInSplit = fused ? 1 : 0;
    dK.upload(kc);
    dV.upload(vc);
    setPosition(&g, c.pos0);
    if (fused) // Any kernel between the position's and the attention.
      olmg_scale(&g, dOne.p, 1.0f, dOne.p, 1);
    // Decode runs twice, the output poisoned in between: the second call
    // must not depend on what the first left in scratch (its partials).
    int64_t launches = 0;
    for (int call = 0; call < (c.T == 1 ? 2 : 1); ++call) {
      if (call > 0)
        dOut.poison();
      launches = attend(dQkv, c.T);
    }
    report(label + " out", dt, relError(dOut.download(), refOut));
    checkCaches(label, c.pos0, c.T);
    if (fused) // 0 when the fused path ran (2 launches), else 1.
      report(label + " launches", dt, launches == 2 ? 0.0 : 1.0);
  }
  if (fusable) {
    // Forced on, but right after the position kernel: prep must run (3
    // launches), with the right result.
    const std::string label = name + " [after set position]";
    g.prepInSplit = 1;
    dK.upload(kc);
    dV.upload(vc);
    setPosition(&g, c.pos0);
    int64_t launches = attend(dQkv, 1);
    report(label + " out", dt, relError(dOut.download(), refOut));
    report(label + " launches", dt, launches == 3 ? 0.0 : 1.0);
    // The next step on the fused path: its early reads include the row
    // that the fused call before it appended.
    if (c.pos0 + 1 < c.maxSeq) {
      const std::string next = name + " [prep in split, next step]";
      std::vector<float> qkv2 = randomVec(qkv.size());
      quantize(dt, qkv2);
      // refK/refV hold the first step's rows already.
      olmk_attention(icfg, fcfg, invFreq.data(), qkv2.data(), refK.data(),
                     refV.data(), refOut.data(), c.B, 1, c.pos0 + 1, nullptr,
                     nullptr, nullptr, nullptr);
      Buf dQkv2(dt, qkv2.size());
      dQkv2.upload(qkv2);
      dK.upload(kc);
      dV.upload(vc);
      setPosition(&g, c.pos0);
      olmg_scale(&g, dOne.p, 1.0f, dOne.p, 1);
      int64_t first = attend(dQkv, 1);
      setPosition(&g, c.pos0 + 1);
      olmg_scale(&g, dOne.p, 1.0f, dOne.p, 1);
      dOut.poison();
      int64_t second = attend(dQkv2, 1);
      report(next + " out", dt, relError(dOut.download(), refOut));
      checkCaches(next, c.pos0, 2);
      report(next + " launches", dt, first == 2 && second == 2 ? 0.0 : 1.0);
    }
  }
  g.prepInSplit = -1;
}

/// Milliseconds per call of f (after a warm-up), by host clock around a
/// synchronised batch of calls: coarse, for orientation only.
template <class F> double timeIt(OlmgContext &g, F f, int reps = 20) {
  f();
  synchronize(&g);
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < reps; ++i)
    f();
  synchronize(&g);
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - t0)
             .count() /
         reps;
}

/// Milliseconds per call of f, with 20 calls chained in a CUDA graph as a
/// decode step runs them (timeGraph: programmatic dependent launch, no
/// host launch cost), over 10 replays. One call first, outside the
/// capture: it sizes the context's scratch, which may not grow while a
/// graph is captured.
template <class F> double timeChained(OlmgContext &g, F f) {
  f();
  synchronize(&g);
  constexpr int kChain = 20;
  return timeGraph(
             &g,
             [&] {
               for (int i = 0; i < kChain; ++i)
                 f();
             },
             10) /
         kChain;
}

/// Coarse timings of the shapes that dominate a Llama-3.2-1B step, bf16:
/// host clock around synchronised batches, or (decode attention, normed
/// products) chains of calls replayed as a CUDA graph (timeGraph), as a
/// decode step runs them. Orientation, not a benchmark.
void runTimings() {
  // Sections: "timing attention", "timing matmul", "timing normed",
  // "timing gemv"; they run with no filter or one that starts with "timing"
  // (all four for "timing"), not for a check's filter such as "matmul".
  auto section = [](const std::string &name) {
    return filter.empty() ||
           (filter.rfind("timing", 0) == 0 && wanted("timing " + name));
  };
  if (!section("attention") && !section("matmul") && !section("normed") &&
      !section("gemv"))
    return;
  DType dt = DType::BF16;
  OlmgContext g(dt, 8);
  std::printf("\n-- timings (bf16, per call: by host clock over 50 calls, or "
              "\"in a graph\": 20 calls chained in a CUDA graph)\n");
  auto attn = [&](int64_t B, int64_t T, int64_t pos0, int64_t maxSeq) {
    int64_t H = 32, KVH = 8, hd = 64;
    int64_t icfg[OLMK_ATTN_NUM_INTS] = {H, KVH, hd, hd, 0, 0, 1, maxSeq, 0};
    float fcfg[OLMK_ATTN_NUM_FLOATS] = {0.125f, 0.0f, 1e-6f};
    std::vector<float> invFreq(size_t(hd / 2), 0.01f);
    Buf qkv(dt, size_t(B * T * (H + 2 * KVH) * hd)),
        kc(dt, size_t(B * KVH * maxSeq * hd)),
        vc(dt, size_t(B * KVH * maxSeq * hd)), out(dt, size_t(B * T * H * hd));
    qkv.upload(randomVec(qkv.n));
    kc.upload(randomVec(kc.n));
    vc.upload(randomVec(vc.n));
    setPosition(&g, pos0);
    auto call = [&] {
      olmg_attention(&g, icfg, fcfg, invFreq.data(), qkv.p, kc.p, vc.p, out.p,
                     B, T, 0, nullptr, nullptr, nullptr, nullptr);
    };
    // Decode chained in a graph (a host-timed call would time its
    // launches); prefill by host clock.
    // Decode: with the prep kernel, then with prep in the split kernel.
    // Prefill: prep writing the queries, then the flash kernel turning
    // them itself.
    for (int mode : {0, 1}) {
      g.prepInSplit = T == 1 ? mode : -1;
      g.flashQueries = T == 1 || mode == 1;
      double ms = T == 1 ? timeChained(g, call) : timeIt(g, call, 50);
      double kvBytes = double(B * KVH * (pos0 + T) * hd * 2 * 2);
      std::printf("attention llama-1b B%lld T%lld pos0 %lld%s: %.4f ms (%.0f "
                  "GB/s of K+V%s)\n",
                  (long long)B, (long long)T, (long long)pos0,
                  T == 1 ? (mode ? " prep in split" : " prep kernel")
                  : mode ? " queries in flash"
                         : " prep writes queries",
                  ms, kvBytes / ms * 1e-6, T == 1 ? ", in a graph" : "");
    }
    g.prepInSplit = -1;
    g.flashQueries = true;
  };
  // A decode step's q/k/v product (an RMS-normed GEMV over K features)
  // and then the attention (head_dim 64), chained, with the prep kernel
  // and with prep inside the split kernel: what the attention costs after
  // the product it follows in a step. The split grid has B * H *
  // ceil(maxSeq / 128) blocks; the runtime puts prep inside it only where
  // that is at most one a multiprocessor (Attention.cu).
  auto productThenAttn = [&](const char *what, int64_t B, int64_t H,
                             int64_t KVH, int64_t K, int64_t pos0,
                             int64_t maxSeq) {
    int64_t hd = 64, N = (H + 2 * KVH) * hd;
    int64_t icfg[OLMK_ATTN_NUM_INTS] = {H, KVH, hd, hd, 0, 0, 1, maxSeq, 0};
    float fcfg[OLMK_ATTN_NUM_FLOATS] = {0.125f, 0.0f, 1e-6f};
    std::vector<float> invFreq(size_t(hd / 2), 0.01f);
    Buf x(dt, size_t(B * K)), nw(dt, size_t(K)), w(dt, size_t(N * K)),
        qkv(dt, size_t(B * N)), kc(dt, size_t(B * KVH * maxSeq * hd)),
        vc(dt, size_t(B * KVH * maxSeq * hd)), out(dt, size_t(B * H * hd));
    for (Buf *v : {&x, &nw, &w, &kc, &vc})
      v->upload(randomVec(v->n, 0.05f));
    setPosition(&g, pos0);
    auto product = [&] {
      olmg_matmul_norm(&g, x.p, nw.p, 1e-5f, 0.0f, w.p, nullptr, qkv.p, B, N, K,
                       0, 0, -1, N, 0);
    };
    auto both = [&] {
      product();
      olmg_attention(&g, icfg, fcfg, invFreq.data(), qkv.p, kc.p, vc.p, out.p,
                     B, 1, 0, nullptr, nullptr, nullptr, nullptr);
    };
    double productUs = timeChained(g, product) * 1e3;
    std::printf(
        "q/k/v product then attention, %s B%lld pos0 %lld max_seq "
        "%lld (%lld per-head split blocks; us in a graph): product alone %.2f",
        what, (long long)B, (long long)pos0, (long long)maxSeq,
        (long long)(B * H * ((maxSeq + 127) / 128)), productUs);
    for (bool perHead : {true, false}) {
      if (!perHead && H == KVH)
        break;
      g.splitGrouped = perHead ? 0 : 1;
      for (int mode : {0, 1}) {
        g.prepInSplit = mode;
        std::printf(" | %s%s %.2f", mode ? "prep in split" : "prep kernel",
                    perHead ? "" : " (grouped)", timeChained(g, both) * 1e3);
      }
    }
    g.splitGrouped = -1;
    g.prepInSplit = -1;
    std::printf("\n");
  };
  if (section("attention")) {
    productThenAttn("llama-1b", 1, 32, 8, 2048, 200, 640);
    productThenAttn("llama-1b", 1, 32, 8, 2048, 200, 256);
    productThenAttn("llama-1b", 8, 32, 8, 2048, 200, 640);
    productThenAttn("llama-1b", 1, 32, 8, 2048, 2000, 4096);
    productThenAttn("gpt2", 1, 12, 12, 768, 200, 640);
    productThenAttn("gpt2", 1, 12, 12, 768, 200, 2048);
    productThenAttn("qwen-0.5b", 1, 14, 2, 896, 200, 640);
    attn(1, 512, 0, 1024);
    attn(8, 512, 0, 1024);
    attn(1, 1, 4000, 4096);
    attn(8, 1, 4000, 4096);
    attn(1, 1, 200, 640);
    attn(8, 1, 200, 640);
  }
  auto mm = [&](int64_t M, int64_t N, int64_t K) {
    Buf x(dt, size_t(M * K)), w(dt, size_t(N * K)), y(dt, size_t(M * N));
    x.upload(randomVec(x.n));
    w.upload(randomVec(w.n, 0.02f));
    double ms = timeIt(
        g,
        [&] { olmg_matmul(&g, x.p, w.p, nullptr, y.p, M, N, K, 0, 0, -1, N); },
        50);
    std::printf("matmul %lldx%lldx%lld: %.4f ms (%.0f GB/s of weights, %.1f "
                "TFLOP/s)\n",
                (long long)M, (long long)N, (long long)K, ms,
                double(N * K * 2) / ms * 1e-6,
                2.0 * double(M * N * K) / ms * 1e-9);
  };
  // Llama-3.2-1B's decode products: qkv, o, gate+up, down, head.
  if (section("matmul")) {
    mm(1, 3072, 2048);
    mm(1, 2048, 2048);
    mm(1, 16384, 2048);
    mm(1, 2048, 8192);
    mm(1, 128256, 2048);
    mm(2, 16384, 2048);
    mm(4, 16384, 2048);
    mm(8, 16384, 2048);
    mm(4096, 16384, 2048);
  }
  // Batch-1 products of a normalised row as a decode step runs them (20
  // back to back in a graph, programmatic dependent launch): the RMSNorm
  // kernel then the GEMV, against the GEMV that normalises the row itself
  // (olmg_matmul_norm).
  // A LayerNorm (layer): GPT-2's, weight and bias, the product with a bias.
  auto normed = [&](int64_t N, int64_t K, bool gated, bool yF32,
                    bool layer = false) {
    DType yt = yF32 ? DType::F32 : dt;
    Buf x(dt, size_t(K)), xn(dt, size_t(K)), nw(dt, size_t(K)),
        nb(dt, size_t(K)), w(dt, size_t((gated ? 2 : 1) * N * K)),
        b(dt, size_t(N)), y(yt, size_t(N));
    for (Buf *v : {&x, &nw, &nb, &w, &b})
      v->upload(randomVec(v->n));
    int act = gated ? OLMK_ACT_SILU : -1;
    const void *bias = layer ? b.p : nullptr;
    auto product = [&] {
      if (gated)
        olmg_matmul_gated(&g, xn.p, w.p, nullptr, y.p, 1, N, K, act);
      else
        olmg_matmul(&g, xn.p, w.p, bias, y.p, 1, N, K, 0, yF32, -1, N);
    };
    double sep = timeChained(g, [&] {
      if (layer)
        olmg_layernorm(&g, x.p, nw.p, nb.p, xn.p, 1, K, 1e-5f);
      else
        olmg_rmsnorm(&g, x.p, nw.p, xn.p, 1, K, 1e-5f, 0.0f);
      product();
    });
    double fused = timeChained(g, [&] {
      if (layer)
        olmg_matmul_layernorm(&g, x.p, nw.p, nb.p, 1e-5f, w.p, bias, y.p, 1, N,
                              K, 0, yF32, act, N, gated ? 1 : 0);
      else
        olmg_matmul_norm(&g, x.p, nw.p, 1e-5f, 0.0f, w.p, nullptr, y.p, 1, N, K,
                         0, yF32, act, N, gated ? 1 : 0);
    });
    double plain = timeChained(g, product);
    const char *norm = layer ? "layernorm" : "rmsnorm";
    std::printf("normed product 1x%lldx%lld%s%s (us each, in a graph): "
                "%s + gemv %.2f, gemv alone %.2f, matmul_%s %.2f\n",
                (long long)N, (long long)K, gated ? " gated" : "",
                yF32 ? " y_f32" : "", norm, sep * 1e3, plain * 1e3, norm,
                fused * 1e3);
  };
  if (section("normed")) {
    normed(3072, 2048, false, false);
    normed(8192, 2048, true, false);
    normed(128256, 2048, false, true);
    normed(1152, 896, false, false);
    normed(4864, 896, true, false);
    normed(2304, 768, false, false, true); // GPT-2's q/k/v
    normed(3072, 768, false, false, true); // GPT-2's fc
    normed(50257, 768, false, true, true); // GPT-2's head
  }
  // Every batch-1 product of a GPT-2, Llama-3.2-1B and Qwen2.5-0.5B
  // decode step (the norm, bias, gating and f32 logits they have) at the
  // group width the runtime chooses ([0]) and at each width, 20 back to
  // back in a graph (how Gemv.cu's groupWidth() was chosen).
  enum Norm { kNone, kRms, kLn };
  auto gemvWidths = [&](const char *what, int64_t N, int64_t K, Norm norm,
                        bool bias, bool acc, bool gated, bool yF32, int act) {
    DType yt = yF32 ? DType::F32 : dt;
    int64_t rowsW = gated ? 2 * N : N;
    Buf x(dt, size_t(K)), nw(dt, size_t(K)), nb(dt, size_t(K)),
        w(dt, size_t(rowsW * K)), b(dt, size_t(rowsW)), y(yt, size_t(N));
    for (Buf *v : {&x, &nw, &nb, &w, &b, &y})
      v->upload(randomVec(v->n, 0.05f));
    const void *bp = bias ? b.p : nullptr;
    auto call = [&] {
      if (gated && norm == kNone)
        olmg_matmul_gated(&g, x.p, w.p, bp, y.p, 1, N, K, act);
      else if (norm == kRms)
        olmg_matmul_norm(&g, x.p, nw.p, 1e-5f, 0.0f, w.p, bp, y.p, 1, N, K, acc,
                         yF32, act, N, gated);
      else if (norm == kLn)
        olmg_matmul_layernorm(&g, x.p, nw.p, nb.p, 1e-5f, w.p, bp, y.p, 1, N, K,
                              acc, yF32, act, N, gated);
      else
        olmg_matmul(&g, x.p, w.p, bp, y.p, 1, N, K, acc, yF32, act, N);
    };
    std::printf("gemv %-22s 1x%lldx%lld (us in a graph / TB/s of weights):",
                what, (long long)rowsW, (long long)K);
    for (int width : {0, 32, 64, 128, 256}) {
      g.gemvWidth = width;
      double us = timeChained(g, call) * 1e3;
      std::printf(" [%d] %.2f / %.2f", width, us,
                  double(rowsW * K * 2) / us * 1e-6);
    }
    g.gemvWidth = 0;
    std::printf("\n");
  };
  if (section("gemv")) {
    const int gelu = OLMK_ACT_GELU_TANH, silu = OLMK_ACT_SILU;
    gemvWidths("llama qkv (rms)", 3072, 2048, kRms, false, false, false, false,
               -1);
    gemvWidths("llama o (acc)", 2048, 2048, kNone, false, true, false, false,
               -1);
    gemvWidths("llama gate/up", 8192, 2048, kNone, false, false, true, false,
               silu);
    gemvWidths("llama down (acc)", 2048, 8192, kNone, false, true, false, false,
               -1);
    gemvWidths("llama head (rms, f32)", 128256, 2048, kRms, false, false, false,
               true, -1);
    gemvWidths("gpt2 qkv (ln)", 2304, 768, kLn, true, false, false, false, -1);
    gemvWidths("gpt2 o (acc)", 768, 768, kNone, true, true, false, false, -1);
    gemvWidths("gpt2 fc (ln, gelu)", 3072, 768, kLn, true, false, false, false,
               gelu);
    gemvWidths("gpt2 proj (acc)", 768, 3072, kNone, true, true, false, false,
               -1);
    gemvWidths("gpt2 head (ln, f32)", 50257, 768, kLn, false, false, false,
               true, -1);
    gemvWidths("qwen qkv (rms)", 1152, 896, kRms, true, false, false, false,
               -1);
    gemvWidths("qwen o (acc)", 896, 896, kNone, false, true, false, false, -1);
    gemvWidths("qwen gate/up", 4864, 896, kNone, false, false, true, false,
               silu);
    gemvWidths("qwen down (acc)", 896, 4864, kNone, false, true, false, false,
               -1);
    gemvWidths("qwen head (rms, f32)", 151936, 896, kRms, false, false, false,
               true, -1);
  }
  if (!section("matmul"))
    return;
  Buf x(dt, 2048 * 8), w(dt, 2048);
  x.upload(randomVec(x.n));
  w.upload(randomVec(w.n));
  double ms = timeIt(
      g, [&] { olmg_rmsnorm(&g, x.p, w.p, x.p, 1, 2048, 1e-5f, 0.0f); }, 50);
  std::printf("rmsnorm 1x2048: %.4f ms (launch-bound)\n", ms);
}

/// Batch-1 products of every kind at each group width of the GEMV
/// (OlmgContext::gemvWidth, forced; the runtime picks one by shape): plain
/// with bias, accumulation, activations and padded f32 logits; gated;
/// RMS- and layer-normalised (rows that end mid-set, K under a warp's 32
/// packs, K not a multiple of them).
void runGemvWidths(DType dt) {
  OlmgContext g(dt, 4);
  const NormKind ln = NormKind::kLayer;
  for (int width : {32, 64, 128, 256}) {
    g.gemvWidth = width;
    formTag = " [gemv width " + std::to_string(width) + "]";
    checkMatmul(g, 1, 4096, 1024, false, false, false);
    checkMatmul(g, 1, 3072, 768, true, false, false, OLMK_ACT_GELU_TANH);
    checkMatmul(g, 1, 333, 16, false, true, false);
    checkMatmul(g, 1, 2050, 8192, true, true, false);
    checkMatmul(g, 1, 40000, 2048, false, false, true, -1, 40004);
    checkMatmulGated(g, 1, 8192, 2048, true, OLMK_ACT_SILU);
    checkMatmulGated(g, 1, 333, 64, true, OLMK_ACT_GELU_TANH);
    checkMatmulGated(g, 1, 4864, 896, false, OLMK_ACT_SILU);
    checkMatmulNorm(g, 1, 3072, 2048, false, false, false, -1, false, 0.0f);
    checkMatmulNorm(g, 1, 8192, 2048, false, false, false, OLMK_ACT_SILU, true,
                    0.0f);
    checkMatmulNorm(g, 1, 1000, 96, true, true, false, OLMK_ACT_RELU, false,
                    1.0f);
    checkMatmulNorm(g, 1, 2304, 768, true, false, false, -1, false, 0.0f, 0,
                    ln);
    checkMatmulNorm(g, 1, 1000, 896, false, true, false, -1, false, 0.0f, 0,
                    ln);
    checkMatmulNorm(g, 1, 2304, 768, true, false, false, -1, false, 0.0f, 0,
                    NormKind::kLayerFarMean);
    checkMatmulNorm(g, 1, 333, 64, true, false, false, OLMK_ACT_SILU, true,
                    0.0f, 0, ln);
  }
  formTag.clear();
}

void runAll(DType dt) {
  OlmgContext g(dt, 4);
  checkEmbedding(g, 37, 300, 1000, 1.0f);
  checkEmbedding(g, 5, 2048, 50000, 0.5f);
  checkPosEmbedding(g, 2, 5, 96, 7, 2);
  checkPosEmbedding(g, 3, 1, 768, 100, 0);
  checkMatmul(g, 1, 4096, 1024, false, false, false);
  checkMatmul(g, 67, 513, 320, true, false, false);
  checkMatmul(g, 67, 513, 320, true, true, false);
  checkMatmul(g, 8, 768, 768, false, true, false);
  checkMatmul(g, 9, 1000, 256, false, false, true);
  checkMatmul(g, 3, 1000, 256, true, false, true);
  checkMatmul(g, 4, 96, 33, true, true, false); // odd K: alignment 2
  // Rows of y not 16-byte aligned, M >= 64: the padded-pitch path, in two
  // chunks of rows for the 50257-wide f32 one (GPT-2's logits).
  checkMatmul(g, 1400, 50257, 32, false, false, true);
  checkMatmul(g, 100, 1001, 64, true, false, false);
  // Activations in (or after) the product: the GELU epilogue must be the
  // tanh approximation, erf-GELU and SiLU run as a kernel after it.
  for (int act = 0; act < 4; ++act) {
    checkMatmul(g, 256, 3072, 768, true, false, false, act);
    checkMatmul(g, 1, 3072, 768, act % 2 == 0, false, false, act);
  }
  // Logits with rows padded to 16 bytes (GPT-2's vocabulary): prefill,
  // decode, and a bias.
  checkMatmul(g, 1400, 50257, 32, false, false, true, -1, 50260);
  checkMatmul(g, 1, 50257, 64, false, false, true, -1, 50260);
  checkMatmul(g, 3, 1001, 64, true, false, true, -1, 1004);
  // Batch 1 goes to the own GEMV (Gemv.cu): rows that do not fill the
  // last block, a K of two packs, the head-like 40000 rows walked in 8
  // steps of 32-thread groups (with the cases above: every group width,
  // bias, accumulation, activations, padded logits). Batches 2-8 of the
  // same kinds of shapes go to the tensor-core GEMV (GemvMma.cu) where K
  // is a multiple of 32, else to cuBLASLt.
  checkMatmul(g, 3, 2050, 2048, true, true, false);
  checkMatmul(g, 2, 517, 8192, false, false, false);
  checkMatmul(g, 4, 300, 264, true, false, true);
  checkMatmul(g, 4, 1024, 1000, true, false, false, OLMK_ACT_SILU);
  checkMatmul(g, 1, 333, 16, false, true, false);
  checkMatmul(g, 1, 40000, 2048, false, false, true, -1, 40004);
  checkMatmul(g, 4, 6000, 3072, false, true, false);
  checkMatmul(g, 2, 2000, 512, false, false, true, -1, 2004);
  // Batches 2-8 with K a multiple of 32 go to the tensor-core GEMV
  // (GemvMma.cu; the checks above with M 2-4 and such a K too): Llama's
  // decode shapes at batch 8, rows that do not fill the last block, the
  // head into padded float32 logits, GELU, gated products, the normed
  // gated product (norm into scratch, then the kernel); each once more
  // with the kernel off (cuBLASLt, as before it).
  for (bool mma : {true, false}) {
    g.useGemvMma = mma;
    formTag = mma ? "" : " [cublaslt]";
    checkMatmul(g, 8, 3072, 2048, false, false, false);
    checkMatmul(g, 8, 2050, 8192, true, true, false);
    checkMatmul(g, 5, 40000, 2048, false, false, true, -1, 40004);
    checkMatmul(g, 2, 896, 896, true, true, false);
    checkMatmul(g, 8, 3072, 768, true, false, false, OLMK_ACT_GELU_TANH);
    checkMatmul(g, 6, 100, 96, false, false, false, OLMK_ACT_RELU);
    checkMatmulGated(g, 8, 8192, 2048, false, OLMK_ACT_SILU);
    checkMatmulGated(g, 7, 4864, 896, true, OLMK_ACT_GELU_TANH);
    checkMatmulGated(g, 2, 333, 64, true, OLMK_ACT_SILU);
    checkMatmulNorm(g, 8, 8192, 2048, false, false, false, OLMK_ACT_SILU, true,
                    0.0f);
    checkMatmulNorm(g, 4, 3072, 2048, false, true, false, -1, false, 0.0f);
  }
  g.useGemvMma = true;
  formTag.clear();
  checkRmsnorm(g, 33, 2048, 0.0f, false);
  checkRmsnorm(g, 7, 4096, 1.0f, true);
  checkRmsnorm(g, 5, 96, 0.0f, false);
  checkLayernorm(g, 33, 768, true);
  checkLayernorm(g, 3, 100, false);
  for (int kind = 0; kind < 4; ++kind) {
    checkActivation(g, 100003, kind);
    checkGated(g, 7, 1000, kind);
  }
  for (int kind = 0; kind < 4; ++kind) {
    checkMatmulGated(g, 1, 8192, 2048, kind % 2 == 1, kind);
    checkMatmulGated(g, 3, 1000, 256, kind % 2 == 0, kind);
  }
  checkMatmulGated(g, 1, 333, 64, true, OLMK_ACT_SILU);    // a partial block
  checkMatmulGated(g, 1, 4864, 896, false, OLMK_ACT_SILU); // Qwen2.5-0.5B
  // Normed products: the GEMV (batch 1) with every epilogue, the head into
  // padded float32 logits, Gemma's 1 + w; the scratch path at 3 and 70.
  checkMatmulNorm(g, 1, 3072, 2048, false, false, false, -1, false, 0.0f);
  checkMatmulNorm(g, 1, 2048, 8192, true, true, false, -1, false, 0.0f);
  checkMatmulNorm(g, 1, 8192, 2048, false, false, false, OLMK_ACT_SILU, true,
                  0.0f);
  checkMatmulNorm(g, 1, 333, 64, true, false, false, OLMK_ACT_GELU_TANH, true,
                  1.0f);
  checkMatmulNorm(g, 1, 1000, 96, true, false, false, OLMK_ACT_RELU, false,
                  1.0f);
  checkMatmulNorm(g, 1, 50257, 768, false, false, true, -1, false, 0.0f, 50260);
  checkMatmulNorm(g, 3, 1000, 256, true, true, false, -1, false, 0.0f);
  checkMatmulNorm(g, 70, 513, 320, false, false, false, OLMK_ACT_SILU, true,
                  0.0f);
  checkMatmulNorm(g, 70, 50257, 64, false, false, true, -1, false, 1.0f, 50260);
  // LayerNorms (olmg_matmul_layernorm): GPT-2's q/k/v, fc and tied head,
  // an accumulating and a gated product, a partial block, the scratch path.
  const NormKind ln = NormKind::kLayer, lnW = NormKind::kLayerNoBias;
  checkMatmulNorm(g, 1, 2304, 768, true, false, false, -1, false, 0.0f, 0, ln);
  checkMatmulNorm(g, 1, 3072, 768, true, false, false, OLMK_ACT_GELU_TANH,
                  false, 0.0f, 0, ln);
  checkMatmulNorm(g, 1, 50257, 768, false, false, true, -1, false, 0.0f, 50260,
                  ln);
  checkMatmulNorm(g, 1, 2048, 8192, true, true, false, -1, false, 0.0f, 0, lnW);
  checkMatmulNorm(g, 1, 333, 64, true, false, false, OLMK_ACT_SILU, true, 0.0f,
                  0, ln);
  checkMatmulNorm(g, 3, 1000, 256, true, true, false, -1, false, 0.0f, 0, ln);
  checkMatmulNorm(g, 70, 513, 320, false, false, false, OLMK_ACT_SILU, true,
                  0.0f, 0, lnW);
  // Rows whose mean dwarfs their spread, K not a multiple of a warp's 32
  // packs, GPT-2's prefill head (scratch path).
  checkMatmulNorm(g, 1, 2304, 768, true, false, false, -1, false, 0.0f, 0,
                  NormKind::kLayerFarMean);
  checkMatmulNorm(g, 1, 1000, 896, false, true, false, -1, false, 0.0f, 0, ln);
  checkMatmulNorm(g, 70, 50257, 64, false, false, true, -1, false, 0.0f, 50260,
                  ln);
  checkSoftcap(g, 10007, 30.0f, false);
  checkSoftcap(g, 10007, 50.0f, true);
  checkSimple(g, 100003);
  checkArgmax(g, 3, 50257);
  checkArgmax(g, 4, 128256, true);
  // B, T, pos0, H, KVH, hd, rot, interleaved, window, causal, maxSeq,
  // qkNorm, softcap
  std::vector<AttnCase> cases = {
      {"MHA prefill T17 hd64 rope-half", 2, 17, 0, 4, 4, 64, 64, 0, 0, 1, 64, 0,
       0.0f},
      {"GQA 8:2 prefill T33 pos0 5 hd128", 2, 33, 5, 8, 2, 128, 128, 0, 0, 1,
       128, 0, 0.0f},
      {"GQA 12:4 decode pos0 1500 hd64", 2, 1, 1500, 12, 4, 64, 64, 0, 0, 1,
       2048, 0, 0.0f},
      {"GQA 32:8 decode pos0 4000 hd128 (llama)", 1, 1, 4000, 32, 8, 128, 128,
       0, 0, 1, 4096, 0, 0.0f},
      {"window 16 softcap 50 prefill T40 pos0 9", 1, 40, 9, 4, 2, 64, 64, 0, 16,
       1, 64, 0, 50.0f},
      {"window 50 decode pos0 300 hd64", 1, 1, 300, 4, 2, 64, 64, 0, 50, 1, 512,
       0, 0.0f},
      {"softcap 30 decode pos0 77 hd128", 2, 1, 77, 4, 2, 128, 128, 0, 0, 1,
       128, 0, 30.0f},
      {"window 16 softcap 30 decode pos0 700", 2, 1, 700, 4, 2, 256, 256, 0, 16,
       1, 1024, 0, 30.0f},
      {"qk-norm rms partial interleaved rope 32/80", 2, 11, 3, 4, 2, 80, 32, 1,
       0, 1, 32, 1, 0.0f},
      {"qk-norm layernorm partial half rope 16/64 decode", 2, 1, 20, 4, 1, 64,
       16, 0, 0, 1, 32, 2, 0.0f},
      {"no rope non-causal T12", 2, 12, 0, 4, 4, 32, 0, 0, 0, 0, 16, 0, 0.0f},
      {"gpt2 12 heads hd64 prefill T128", 1, 128, 0, 12, 12, 64, 0, 0, 0, 1,
       256, 0, 0.0f},
      {"GQA 32:8 prefill T300 pos0 100 hd64 (llama)", 2, 300, 100, 32, 8, 64,
       64, 0, 0, 1, 512, 0, 0.0f},
      {"window 100 prefill T257 pos0 30 hd128", 1, 257, 30, 4, 2, 128, 128, 0,
       100, 1, 512, 0, 0.0f},
      {"hd256 window 64 softcap 50 prefill T70 (gemma)", 1, 70, 0, 4, 2, 256,
       256, 0, 64, 1, 128, 0, 50.0f},
      // Prefill blocks of 128 query rows (head_dim 64): several blocks, a
      // window that starts inside a block, keys a row tile skips.
      {"window 100 softcap 30 prefill T333 pos0 40 hd64", 2, 333, 40, 4, 2, 64,
       64, 0, 100, 1, 512, 0, 30.0f},
      {"non-causal prefill T200 hd64", 1, 200, 0, 4, 2, 64, 64, 0, 0, 0, 256, 0,
       0.0f},
      // Decode at a chunk's first and last key (32 keys a chunk), and with
      // a block of chunks (4) cut by a window on both sides.
      {"decode pos0 64 hd64 (new chunk)", 3, 1, 64, 8, 2, 64, 64, 0, 0, 1, 128,
       0, 0.0f},
      {"decode pos0 127 hd128 (chunk end)", 2, 1, 127, 8, 8, 128, 128, 0, 0, 1,
       256, 0, 0.0f},
      {"window 200 decode pos0 900 hd64", 2, 1, 900, 6, 3, 64, 64, 0, 200, 1,
       1024, 0, 0.0f},
      // A window shorter than a chunk on the vectorised decode path: the
      // chunk starts inside the window, lanes past the last key.
      {"window 20 decode pos0 70 hd64", 2, 1, 70, 4, 2, 64, 64, 0, 20, 1, 128,
       0, 0.0f},
      {"qk-norm rms decode pos0 33 hd128", 1, 1, 33, 4, 2, 128, 128, 0, 0, 1,
       64, 1, 0.0f},
      // Decode with prep inside the split kernel: interleaved and partial
      // rotations, none (GPT-2), the new key at a chunk's first key.
      {"interleaved rope decode pos0 45 hd64", 2, 1, 45, 4, 2, 64, 64, 1, 0, 1,
       128, 0, 0.0f},
      {"partial half rope 16/64 decode pos0 90", 2, 1, 90, 4, 2, 64, 16, 0, 0,
       1, 128, 0, 0.0f},
      {"interleaved partial rope 32/128 decode pos0 32", 1, 1, 32, 8, 2, 128,
       32, 1, 0, 1, 64, 0, 0.0f},
      {"gpt2 12 heads hd64 decode pos0 200 no rope", 2, 1, 200, 12, 12, 64, 0,
       0, 0, 1, 256, 0, 0.0f},
      // The 16-byte prep path with a partial rotary dimension (GPT-NeoX).
      {"partial half rope 16/64 prefill T37 pos0 5", 2, 37, 5, 4, 2, 64, 16, 0,
       0, 1, 64, 0, 0.0f},
  };
  // GQA decode takes the grouped split kernel; its cases again with the
  // per-head one. Prefill's flash kernel turns its queries itself, whatever
  // OLMRT_CUDA_FLASH_QUERIES says.
  g.flashQueries = true;
  for (bool perHead : {false, true}) {
    g.splitGrouped = perHead ? 0 : 1;
    formTag = perHead ? " [split per head]" : "";
    for (const AttnCase &c : cases)
      if (!perHead || (c.T == 1 && c.H != c.KVH))
        checkAttention(g, c);
  }
  g.splitGrouped = -1;
  // Prefill's flash kernel turns its queries itself (the default, above);
  // its cases again with prep writing them.
  g.flashQueries = false;
  formTag = " [prep writes queries]";
  for (const AttnCase &c : cases)
    if (c.T > 1)
      checkAttention(g, c);
  g.flashQueries = true;
  formTag.clear();
}

} // namespace

int main(int argc, char **argv) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--filter")
      filter = argv[i + 1];
  std::string why;
  try {
    for (DType dt : {DType::F32, DType::BF16, DType::F16}) {
      runAll(dt);
      runGemvWidths(dt);
    }
    runTimings();
  } catch (const std::exception &e) {
    std::printf("kernel_check: error: %s\n", e.what());
    return 2;
  }
  int failed = 0;
  std::printf("\n%-58s %-5s %-10s %s\n", "check", "dtype", "rel err", "result");
  for (const Row &r : rows) {
    failed += !r.pass;
    std::printf("%-58s %-5s %.3e  %s\n", r.name.c_str(), r.dtype.c_str(), r.rel,
                r.pass ? "ok" : "FAIL");
  }
  std::printf("%d of %zu checks failed\n", failed, rows.size());
  return failed ? 1 : 0;
}
