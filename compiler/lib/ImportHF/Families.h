//===- Families.h - one translation per model_type --------------*- C++ -*-===//
//
// Each function reads the keys its family uses (recording the first error in
// the config's ErrorSink) and, when all were valid, fills `doc`.
//
//===----------------------------------------------------------------------===//
#ifndef OLMC_LIB_IMPORTHF_FAMILIES_H
#define OLMC_LIB_IMPORTHF_FAMILIES_H

#include "HFConfig.h"
#include "YAMLTree.h"

namespace olmc {
namespace hf {

void translateGPT2(HFConfig &cfg, YDocument &doc);
void translateLlama(HFConfig &cfg, YDocument &doc);
void translateQwen2(HFConfig &cfg, YDocument &doc);
void translateMistral(HFConfig &cfg, YDocument &doc);
void translateGPTNeoX(HFConfig &cfg, YDocument &doc);
void translateGemma2(HFConfig &cfg, YDocument &doc);

} // namespace hf
} // namespace olmc

#endif // OLMC_LIB_IMPORTHF_FAMILIES_H
