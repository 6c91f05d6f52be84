//===- YAMLTreeTest.cpp - the importer's YAML writer ----------------------===//
#include "YAMLTree.h"
#include "Common.h"

#include <cmath>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

using namespace olmc::hf;

namespace {

TEST(FormatReal, ShortestTextThatReadsAsAFloat) {
  EXPECT_EQ(formatReal(1e-5), "1e-5");
  EXPECT_EQ(formatReal(1e-6), "1e-6");
  EXPECT_EQ(formatReal(500000.0), "500000.0");
  EXPECT_EQ(formatReal(1000000.0), "1000000.0");
  EXPECT_EQ(formatReal(0.0625), "0.0625");
  EXPECT_EQ(formatReal(0.25), "0.25");
  EXPECT_EQ(formatReal(59.75), "59.75");
  EXPECT_EQ(formatReal(1.0), "1.0");
  EXPECT_EQ(formatReal(0.0), "0.0");
  EXPECT_EQ(formatReal(-2.5), "-2.5");
  EXPECT_EQ(formatReal(1e20), "1e20");
  EXPECT_EQ(formatReal(0.1), "0.1");
}

TEST(FormatReal, RoundTrips) {
  for (double v : {1.0 / 3.0, 59.866518012114746, 1e-12, 123456.789, 2e-300})
    EXPECT_EQ(std::stod(formatReal(v)), v) << formatReal(v);
}

TEST(RoundToDtype, MatchesTorchConversions) {
  // sqrt(3584) = 59.8665...: bf16 keeps 8 significant bits (step 0.25 in
  // [32, 64)), f16 keeps 11 (step 1/32).
  double root = std::sqrt(3584.0);
  EXPECT_EQ(roundToDtype(root, "bf16"), 59.75);
  EXPECT_EQ(roundToDtype(root, "f16"), 59.875);
  EXPECT_EQ(roundToDtype(root, "f32"), double(float(root)));
  EXPECT_EQ(roundToDtype(48.0, "bf16"), 48.0);
  // sqrt(4608) = 67.88 -> 68 in bf16 (step 0.5 in [64, 128)).
  EXPECT_EQ(roundToDtype(std::sqrt(4608.0), "bf16"), 68.0);
}

TEST(YAMLWriter, QuotesOnlyWhatNeedsIt) {
  YDocument doc;
  YNode map = YNode::map();
  map.add("plain", YNode::string("model.layers"));
  map.add("absolute", YNode::string("/lm_head.weight"));
  map.add("brace", YNode::string("{2*i}"));
  map.add("boolish", YNode::string("yes"));
  map.add("ref", YNode::ref("d_model"));
  map.add("expr", YNode::expr("${d_model} // ${n_heads}"));
  map.add("number", YNode::real(1e-5), "a comment");
  doc.root.add("values", std::move(map));
  YAML::Node parsed = YAML::Load(writeYAML(doc));
  YAML::Node values = parsed["values"];
  EXPECT_EQ(values["plain"].as<std::string>(), "model.layers");
  EXPECT_EQ(values["absolute"].as<std::string>(), "/lm_head.weight");
  EXPECT_EQ(values["brace"].as<std::string>(), "{2*i}");
  EXPECT_EQ(values["boolish"].Tag(), "!");
  EXPECT_EQ(values["boolish"].as<std::string>(), "yes");
  EXPECT_EQ(values["ref"].as<std::string>(), "${d_model}");
  EXPECT_EQ(values["expr"].as<std::string>(), "${d_model} // ${n_heads}");
  EXPECT_EQ(values["number"].as<std::string>(), "1e-5");
}

TEST(YAMLWriter, NestedListsAndFlowMaps) {
  YDocument doc;
  doc.headerComments = {"header"};
  YNode options = YNode::map();
  options.add("name", YNode::string("ln"));
  options.add("dim", YNode::integer(8));
  YNode inner = YNode::seq();
  inner.push(layer("layernorm", options));
  YNode outer = YNode::seq();
  outer.push(layer("residual", inner), "a residual");
  outer.push(YNode::seq().push(YNode::integer(1)).push(YNode::integer(2)));
  doc.root.add("structure", outer);
  std::string text = writeYAML(doc);
  EXPECT_NE(text.find("# header\n"), std::string::npos) << text;
  EXPECT_NE(text.find("- layernorm: {name: ln, dim: 8}"), std::string::npos)
      << text;
  YAML::Node parsed = YAML::Load(text);
  YAML::Node structure = parsed["structure"];
  ASSERT_TRUE(structure.IsSequence());
  EXPECT_EQ(structure[0]["residual"][0]["layernorm"]["dim"].as<int>(), 8);
  EXPECT_EQ(structure[1][1].as<int>(), 2);
}

} // namespace
