//===- AttentionTile.h - Attention of a tile of query rows ------*- C++ -*-===//
#ifndef OLMRT_CPU_ATTENTIONTILE_H
#define OLMRT_CPU_ATTENTIONTILE_H

#include "AttentionParams.h"

namespace olmrt::cpu {

/// Keys per block of the online softmax. Blocks start at multiples of this
/// in absolute key position, whatever the tile, so a query's result does not
/// depend on how its call split the sequence.
constexpr int64_t kKeyBlock = 128;

/// Most query rows in one tile, and the floats of scratch a tile may use
/// for its queries or outputs (rows * headDim). Callers keep these buffers
/// on the stack: kernels do not allocate.
constexpr int64_t kMaxTileRows = 128;
constexpr int64_t kTileFloats = 8192;

/// One tile: `rows` consecutive query rows of one kv-head group. The rows of
/// a group are numbered token-major (token t, query head e of the group is
/// row t * groupSize + e); this tile holds rows firstRow .. firstRow+rows-1,
/// so row r is at position pos0 + r / groupSize.
struct QueryTile {
  const float *q; // [rows, headDim], normed and rotated
  float *out;     // [rows, headDim]
  int64_t rows;
  int64_t firstRow;
  int64_t pos0;
};

/// Attends the tile to keys [0, keyEnd) of one kv head's cache (kCache,
/// vCache: [maxSeq, headDim]) under the layer's mask, with a streaming
/// (online) softmax over blocks of kKeyBlock keys. scores must hold
/// rows * kKeyBlock floats; rowMax and rowSum hold rows floats each.
void attendTile(const AttentionParams &p, const QueryTile &tile,
                const float *kCache, const float *vCache, int64_t keyEnd,
                float *scores, float *rowMax, float *rowSum);

} // namespace olmrt::cpu

#endif // OLMRT_CPU_ATTENTIONTILE_H
