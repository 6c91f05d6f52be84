//===- WeightAssembly.cpp - Build a weight from its sources ---------------===//
//
// Steps 2-4 of docs/artifact-format.md: transpose each source, concatenate
// along dimension 0, permute qkv rows. parseManifest has checked that the
// shapes fit together, so this only moves floats.
//
//===----------------------------------------------------------------------===//

#include "olmrt/Weights.h"

#include <algorithm>
#include <cstring>

namespace olmrt {

namespace {

int64_t product(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t dim : shape)
    n *= dim;
  return n;
}

/// dst[c, r] = src[r, c] for src [rows, cols], in tiles so that both sides
/// stay in cache for large matrices.
void transpose(const float *src, float *dst, int64_t rows, int64_t cols) {
  constexpr int64_t kTile = 32;
  for (int64_t r0 = 0; r0 < rows; r0 += kTile)
    for (int64_t c0 = 0; c0 < cols; c0 += kTile)
      for (int64_t r = r0; r < std::min(rows, r0 + kTile); ++r)
        for (int64_t c = c0; c < std::min(cols, c0 + kTile); ++c)
          dst[c * rows + r] = src[r * cols + c];
}

/// Rows [heads, 3, headDim] -> [3, heads, headDim], each row `rowSize`
/// floats.
void permuteQkvPerHead(float *data, int64_t heads, int64_t headDim,
                       int64_t rowSize) {
  int64_t block = headDim * rowSize;
  std::vector<float> original(data, data + 3 * heads * block);
  for (int64_t h = 0; h < heads; ++h)
    for (int64_t part = 0; part < 3; ++part)
      std::memcpy(data + (part * heads + h) * block,
                  original.data() + (h * 3 + part) * block,
                  size_t(block) * sizeof(float));
}

} // namespace

void assembleWeight(const ManifestWeight &weight, size_t weightIndex,
                    const SourceReader &read, float *out) {
  float *cursor = out;
  std::vector<float> scratch;
  for (const ManifestSource &source : weight.sources) {
    int64_t elements = product(source.shape);
    if (!weight.transpose) {
      read(weightIndex, source, cursor);
    } else {
      scratch.resize(size_t(elements));
      read(weightIndex, source, scratch.data());
      transpose(scratch.data(), cursor, source.shape[0], source.shape[1]);
    }
    cursor += elements;
  }
  if (weight.permute) {
    int64_t rowSize = weight.numElements() / weight.shape[0];
    permuteQkvPerHead(out, weight.permute->heads, weight.permute->headDim,
                      rowSize);
  }
}

} // namespace olmrt
