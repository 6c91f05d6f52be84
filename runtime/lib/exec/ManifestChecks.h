//===- ManifestChecks.h - Checks across manifest fields ---------*- C++ -*-===//
//
// Private to olmrt_exec. parseManifest checks each field on its own; these
// check that fields agree with each other, so that building weights and
// running the generated code can trust every size and offset.
//
//===----------------------------------------------------------------------===//

#ifndef OLMRT_LIB_EXEC_MANIFESTCHECKS_H
#define OLMRT_LIB_EXEC_MANIFESTCHECKS_H

#include "JsonFields.h"

#include "olmrt/Manifest.h"

namespace olmrt::exec {

/// Weight names are unique; each weight's sources, after the transpose,
/// concatenate along dimension 0 to its shape; a permutation covers its
/// rows exactly; a tensor named by several sources has one shape; all
/// weights together stay within ManifestLimits::kMaxWeightElements.
void checkWeights(const JsonFields &f, const Manifest &manifest);

/// Buffers lie inside the arena; each KV layer's K and V blocks
/// [max_batch, kv_heads, max_seq, head_dim] lie inside the KV cache.
void checkMemory(const JsonFields &f, const Manifest &manifest);

} // namespace olmrt::exec

#endif // OLMRT_LIB_EXEC_MANIFESTCHECKS_H
