//===- AttentionTile.h - Attention of a tile of query rows ------*- C++ -*-===//
#ifndef OLMRT_CPU_ATTENTIONTILE_H
#define OLMRT_CPU_ATTENTIONTILE_H

#include "AttentionParams.h"

namespace olmrt::cpu {

/// Keys per block of the online softmax. Blocks start at multiples of this
/// in absolute key position, whatever the tile, so a query's result does not
/// depend on how its call split the sequence.
constexpr int64_t kKeyBlock = 128;

/// Multiply-adds up to which OpenBLAS (0.3.x: 65536 * 4) runs a GEMM on
/// one thread. Tiles are sized to stay under it: on these small products
/// its threads cost more than they bring (prefill of 512 tokens measured
/// 18 ms single-threaded, 38-79 ms threaded on a loaded 2-core machine).
constexpr int64_t kSerialGemmMacs = 65536 * 4;

/// Most query rows in one tile, and the floats of scratch a tile may use
/// for its queries or outputs (rows * headDim; so head_dim <= kTileFloats).
/// Callers keep these buffers on the stack: kernels do not allocate.
constexpr int64_t kMaxTileRows = 64;
constexpr int64_t kTileFloats = 4096;

/// Query rows per tile for a head size: as many as keep both products
/// (rows x kKeyBlock x headDim) single-threaded in OpenBLAS.
inline int64_t tileRowsFor(int64_t headDim) {
  int64_t rows = kSerialGemmMacs / (kKeyBlock * headDim);
  rows = rows < 1 ? 1 : rows;
  return rows > kMaxTileRows ? kMaxTileRows : rows;
}

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
