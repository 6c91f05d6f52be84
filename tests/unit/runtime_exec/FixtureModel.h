//===- FixtureModel.h - The hand-written test model and its reference -----===//
//
// Fixture.c is the code; this builds the artifact around it (manifest plus
// code section), a checkpoint for it, and computes what it must output
// directly from the checkpoint, without the runtime's weight assembly.
//
//===----------------------------------------------------------------------===//

#ifndef TESTS_UNIT_RUNTIME_EXEC_FIXTUREMODEL_H
#define TESTS_UNIT_RUNTIME_EXEC_FIXTUREMODEL_H

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace fixture {

// As compiled into Fixture.c.
constexpr int64_t kVocab = 16;
constexpr int64_t kDim = 8;
constexpr int64_t kMaxSeq = 12;
constexpr int64_t kMaxBatch = 2;
/// The LM head comes from two Conv1D-layout tensors: head.a [kDim,
/// kHeadA] and head.b [kDim, kVocab - kHeadA], transposed and stacked.
constexpr int64_t kHeadA = 6;

/// A fresh directory in the system temp dir, removed with its contents.
class TempDir {
public:
  TempDir();
  ~TempDir();
  std::string path(const std::string &name) const { return dir_ + "/" + name; }

private:
  std::string dir_;
};

/// A valid manifest for Fixture.c. Sources are named with the
/// "transformer." prefix, as save_pretrained writes them.
nlohmann::json manifest();
/// The bytes of the compiled Fixture.c.
std::string codeImage();
/// An artifact of `manifest` and the fixture code.
void writeArtifact(const std::string &path, const nlohmann::json &manifest);

struct Checkpoint {
  std::vector<float> wte;   // [kVocab, kDim]
  std::vector<float> headA; // [kDim, kHeadA]
  std::vector<float> headB; // [kDim, kVocab - kHeadA]
};
/// Deterministic values in [-1, 1).
Checkpoint makeCheckpoint(uint32_t seed);
/// Writes it as F32 safetensors, each name being `prefix` + "wte.weight",
/// "head.a", "head.b".
void writeCheckpoint(const std::string &path, const Checkpoint &checkpoint,
                     const std::string &prefix);

/// Logits [batch, seq, kVocab] of ids [batch, seq] at positions 0...
std::vector<float> referenceLogits(const Checkpoint &checkpoint,
                                   const std::vector<int64_t> &ids,
                                   int64_t batch, int64_t seq);
/// Greedy generation by re-running referenceLogits on the whole sequence
/// for every token (no cache): [batch, seq + newTokens].
std::vector<int64_t> referenceGreedy(const Checkpoint &checkpoint,
                                     const std::vector<int64_t> &ids,
                                     int64_t batch, int64_t seq,
                                     int64_t newTokens);

} // namespace fixture

#endif // TESTS_UNIT_RUNTIME_EXEC_FIXTUREMODEL_H
