//===- WeightTransformTest.cpp - Building weights from their sources ------===//

#include "FixtureModel.h"

#include "olmrt/Error.h"
#include "olmrt/Manifest.h"
#include "olmrt/Safetensors.h"
#include "olmrt/Weights.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <numeric>

namespace {

using nlohmann::json;
using olmrt::ManifestSource;
using olmrt::ManifestWeight;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

/// Source tensors in memory, each filled with first, first+1, ...
class Sources {
public:
  void add(const std::string &name, std::vector<int64_t> shape, float first) {
    int64_t n = std::accumulate(shape.begin(), shape.end(), int64_t(1),
                                std::multiplies<int64_t>());
    std::vector<float> data(static_cast<size_t>(n));
    std::iota(data.begin(), data.end(), first);
    tensors_[name] = data;
  }
  olmrt::SourceReader reader() const {
    return [this](size_t, const ManifestSource &source, float *dst) {
      const std::vector<float> &data = tensors_.at(source.tensor);
      std::copy(data.begin(), data.end(), dst);
    };
  }

private:
  std::map<std::string, std::vector<float>> tensors_;
};

std::vector<float> assemble(const ManifestWeight &weight,
                            const Sources &sources) {
  std::vector<float> out(size_t(weight.numElements()));
  olmrt::assembleWeight(weight, 0, sources.reader(), out.data());
  return out;
}

TEST(WeightTransformTest, TransposeTurnsConv1DIntoLinearLayout) {
  Sources sources;
  sources.add("c_attn", {2, 3}, 0); // [[0 1 2] [3 4 5]], [in, out]
  ManifestWeight weight{"w", {3, 2}, {{"c_attn", {2, 3}}}, true, {}, {}};
  EXPECT_THAT(assemble(weight, sources), ElementsAre(0, 3, 1, 4, 2, 5));
}

TEST(WeightTransformTest, ConcatStacksAlongDimZero) {
  Sources sources;
  sources.add("q", {1, 2}, 0);
  sources.add("k", {2, 2}, 10);
  ManifestWeight weight{"qk",  {3, 2}, {{"q", {1, 2}}, {"k", {2, 2}}},
                        false, {},     {}};
  EXPECT_THAT(assemble(weight, sources), ElementsAre(0, 1, 10, 11, 12, 13));
}

TEST(WeightTransformTest, TransposeEachSourceThenConcat) {
  Sources sources;
  sources.add("a", {2, 1}, 0);  // transposed: [[0 1]]
  sources.add("b", {2, 2}, 10); // transposed: [[10 12] [11 13]]
  ManifestWeight weight{"ab", {3, 2}, {{"a", {2, 1}}, {"b", {2, 2}}},
                        true, {},     {}};
  EXPECT_THAT(assemble(weight, sources), ElementsAre(0, 1, 10, 12, 11, 13));
}

TEST(WeightTransformTest, QkvPerHeadReordersRows) {
  // Rows [heads=2, 3, head_dim=2]: h0 q q k k v v, h1 q q k k v v.
  Sources sources;
  sources.add("query_key_value.bias", {12}, 0);
  ManifestWeight bias{"qkv_bias",
                      {12},
                      {{"query_key_value.bias", {12}}},
                      false,
                      olmrt::QkvPerHeadPermute{2, 2},
                      {}};
  EXPECT_THAT(assemble(bias, sources),
              ElementsAre(0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11));

  // The same order for rows of 2 floats each.
  sources.add("query_key_value.weight", {12, 2}, 0);
  ManifestWeight matrix{"qkv",
                        {12, 2},
                        {{"query_key_value.weight", {12, 2}}},
                        false,
                        olmrt::QkvPerHeadPermute{2, 2},
                        {}};
  EXPECT_THAT(assemble(matrix, sources),
              ElementsAreArray({0.f, 1.f, 2.f,  3.f,  12.f, 13.f, 14.f, 15.f,
                                4.f, 5.f, 6.f,  7.f,  16.f, 17.f, 18.f, 19.f,
                                8.f, 9.f, 10.f, 11.f, 20.f, 21.f, 22.f, 23.f}));
}

/// A manifest of the fixture's shape whose weights are `weights`.
olmrt::Manifest manifestWith(const json &weights) {
  json m = fixture::manifest();
  m["weights"] = weights;
  return olmrt::parseManifest("m.olmx", m);
}

json weightJson(const std::string &name, std::vector<int64_t> shape,
                const json &sources, bool transpose = false) {
  return {{"name", name},
          {"shape", shape},
          {"sources", sources},
          {"transpose", transpose},
          {"init", {{"kind", "zeros"}}}};
}

TEST(WeightTransformTest, HalfAndBfloat16ConvertToFloat32) {
  fixture::TempDir dir;
  std::string path = dir.path("w.safetensors");
  std::vector<uint16_t> half = {0x3E00, 0xC000}; // 1.5, -2
  std::vector<uint16_t> bf16 = {0x3F80, 0x3F00}; // 1, 0.5
  std::vector<double> f64 = {0.25, -8};
  olmrt::writeSafetensors(path,
                          {{"h", olmrt::DType::F16, {2}, half.data(), 4},
                           {"b", olmrt::DType::BF16, {2}, bf16.data(), 4},
                           {"d", olmrt::DType::F64, {2}, f64.data(), 16}},
                          {});
  olmrt::Manifest manifest = manifestWith(json::array(
      {weightJson("all", {6},
                  json::array({{{"tensor", "h"}, {"shape", {2}}},
                               {{"tensor", "b"}, {"shape", {2}}},
                               {{"tensor", "d"}, {"shape", {2}}}}))}));
  olmrt::Weights weights(manifest, path);
  ASSERT_EQ(weights.size(), 1u);
  EXPECT_THAT(std::vector<float>(weights.data(0), weights.data(0) + 6),
              ElementsAre(1.5f, -2.f, 1.f, 0.5f, 0.25f, -8.f));
}

TEST(WeightTransformTest, ExactNameWinsOverPrefixFallback) {
  fixture::TempDir dir;
  std::string path = dir.path("w.safetensors");
  float exact = 1, prefixed = 2, bare = 3, unused = 4;
  olmrt::writeSafetensors(
      path,
      {{"x", olmrt::DType::F32, {1}, &exact, 4},
       {"transformer.x", olmrt::DType::F32, {1}, &prefixed, 4},
       {"y", olmrt::DType::F32, {1}, &bare, 4},
       {"extra.tensor", olmrt::DType::F32, {1}, &unused, 4}},
      {});
  olmrt::Manifest manifest = manifestWith(json::array(
      {weightJson("a", {1}, json::array({{{"tensor", "x"}, {"shape", {1}}}})),
       weightJson(
           "b", {1},
           json::array({{{"tensor", "transformer.y"}, {"shape", {1}}}}))}));
  olmrt::Weights weights(manifest, path);
  EXPECT_EQ(weights.data(0)[0], 1.f);
  EXPECT_EQ(weights.data(1)[0], 3.f);
  for (size_t i = 0; i < weights.size(); ++i)
    EXPECT_EQ(reinterpret_cast<uintptr_t>(weights.data(i)) % 64, 0u);
}

TEST(WeightTransformTest, IntegerTensorIsRefused) {
  fixture::TempDir dir;
  std::string path = dir.path("w.safetensors");
  int32_t value = 1;
  olmrt::writeSafetensors(path, {{"x", olmrt::DType::I32, {1}, &value, 4}}, {});
  olmrt::Manifest manifest = manifestWith(json::array({weightJson(
      "a", {1}, json::array({{{"tensor", "x"}, {"shape", {1}}}}))}));
  try {
    olmrt::Weights weights(manifest, path);
    FAIL() << "no error";
  } catch (const olmrt::Error &e) {
    EXPECT_EQ(std::string(e.what()),
              path + ": weight 'x' has dtype I32; weights must be F32, F16, "
                     "BF16 or F64");
  }
}

/// The message parseManifest gives for `weights`, or "" when it accepts.
std::string manifestError(const json &weights) {
  try {
    manifestWith(weights);
  } catch (const olmrt::Error &e) {
    return e.what();
  }
  return "";
}

TEST(WeightTransformTest, ManifestShapesMustFitTogether) {
  json src23 = {{"tensor", "s"}, {"shape", {2, 3}}};
  EXPECT_EQ(manifestError(
                json::array({weightJson("w", {4, 3}, json::array({src23}))})),
            "m.olmx: manifest weight 0 'w' of shape [4, 3] cannot be built "
            "from its sources: they concatenate to 2 rows, not 4");
  EXPECT_EQ(manifestError(
                json::array({weightJson("w", {2, 4}, json::array({src23}))})),
            "m.olmx: manifest weight 0 'w' of shape [2, 4] cannot be built "
            "from source 's' of shape [2, 3]: dimensions after the first "
            "must match");
  EXPECT_EQ(
      manifestError(json::array({weightJson(
          "w", {3}, json::array({{{"tensor", "v"}, {"shape", {3}}}}), true)})),
      "m.olmx: manifest weight 0 'w' transposes source 'v' of shape [3], "
      "which is not 2-D");
  json permuted =
      weightJson("w", {6}, json::array({{{"tensor", "v"}, {"shape", {6}}}}));
  permuted["permute"] = {
      {"kind", "qkv_per_head"}, {"heads", 2}, {"head_dim", 2}};
  EXPECT_EQ(manifestError(json::array({permuted})),
            "m.olmx: manifest weight 0 'w': qkv_per_head permutation with 2 "
            "heads of 2 does not cover its 6 rows");
  EXPECT_EQ(
      manifestError(json::array(
          {weightJson("a", {2, 3}, json::array({src23})),
           weightJson("b", {3, 2},
                      json::array({{{"tensor", "s"}, {"shape", {3, 2}}}}))})),
      "m.olmx: manifest gives tensor 's' shape [2, 3] and also [3, 2]");
}

} // namespace
