//===- SafetensorsTest.cpp - Reading, writing and rejecting safetensors ---===//

#include "TestUtil.h"

#include "olmrt/Error.h"
#include "olmrt/Safetensors.h"

#include <cmath>
#include <cstring>
#include <sys/stat.h>

using namespace olmrt;
using namespace olmrt::test;

namespace {

uint32_t bitsOf(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  return bits;
}

/// A safetensors file from its header text and data section, byte by byte.
std::string craft(const std::string &header, const std::string &data = "") {
  return le(header.size(), 8) + header + data;
}

/// Opens a file holding `bytes`, as a thunk for throwsError.
std::function<void()> openBytes(const TempDir &dir, const std::string &bytes,
                                const std::string &name = "t.safetensors") {
  std::string path = dir.file(name);
  writeFile(path, bytes);
  return [path] { SafetensorsFile file(path); };
}

std::string f32Bytes(const std::vector<float> &values) {
  return std::string(reinterpret_cast<const char *>(values.data()),
                     values.size() * sizeof(float));
}

//===-- Element conversion ----------------------------------------------===//

TEST(HalfToFloat, HandComputedValues) {
  EXPECT_EQ(halfToFloat(0x3c00), 1.0f);
  EXPECT_EQ(halfToFloat(0xc000), -2.0f);
  EXPECT_EQ(halfToFloat(0x3555), 0.333251953125f);       // 1365/4096
  EXPECT_EQ(halfToFloat(0x7bff), 65504.0f);              // largest finite
  EXPECT_EQ(halfToFloat(0x0400), std::ldexp(1.0f, -14)); // smallest normal
  // Subnormals: mantissa * 2^-24.
  EXPECT_EQ(halfToFloat(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(halfToFloat(0x8001), -std::ldexp(1.0f, -24));
  EXPECT_EQ(halfToFloat(0x0200), std::ldexp(1.0f, -15));
  EXPECT_EQ(halfToFloat(0x03ff), std::ldexp(1023.0f, -24));
  // Zeros keep their sign.
  EXPECT_EQ(bitsOf(halfToFloat(0x0000)), 0x00000000u);
  EXPECT_EQ(bitsOf(halfToFloat(0x8000)), 0x80000000u);
  // Infinities and NaNs; payload and quiet bit carry over.
  EXPECT_EQ(halfToFloat(0x7c00), INFINITY);
  EXPECT_EQ(halfToFloat(0xfc00), -INFINITY);
  EXPECT_TRUE(std::isnan(halfToFloat(0x7e00)));
  EXPECT_EQ(bitsOf(halfToFloat(0x7e00)), 0x7fc00000u);
  EXPECT_EQ(bitsOf(halfToFloat(0x7d00)), 0x7fa00000u); // signalling
  EXPECT_EQ(bitsOf(halfToFloat(0xfe01)), 0xffc02000u);
}

TEST(HalfToFloat, EveryFiniteValueMatchesFormula) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    uint32_t exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
    if (exponent == 0x1f)
      continue;
    double magnitude =
        exponent ? std::ldexp(1.0 + mantissa / 1024.0, int(exponent) - 15)
                 : std::ldexp(double(mantissa), -24);
    double expected = (h & 0x8000) ? -magnitude : magnitude;
    ASSERT_EQ(double(halfToFloat(uint16_t(h))), expected) << std::hex << h;
  }
}

TEST(BFloat16ToFloat, HandComputedValues) {
  EXPECT_EQ(bfloat16ToFloat(0x3f80), 1.0f);
  EXPECT_EQ(bfloat16ToFloat(0x4049), 3.140625f);
  EXPECT_EQ(bfloat16ToFloat(0xc2f7), -123.5f);
  EXPECT_EQ(bfloat16ToFloat(0x0001), std::ldexp(1.0f, -133)); // subnormal
  EXPECT_EQ(bfloat16ToFloat(0x0080), std::ldexp(1.0f, -126)); // min normal
  EXPECT_EQ(bitsOf(bfloat16ToFloat(0x8000)), 0x80000000u);
  EXPECT_EQ(bfloat16ToFloat(0x7f80), INFINITY);
  EXPECT_EQ(bfloat16ToFloat(0xff80), -INFINITY);
  EXPECT_EQ(bitsOf(bfloat16ToFloat(0x7fc1)), 0x7fc10000u);
}

TEST(ConvertToFloat32, IntegersBoolAndDouble) {
  int8_t i8[] = {-128, 127};
  uint8_t u8[] = {0, 255};
  int16_t i16[] = {-32768, 7};
  int64_t i64[] = {-5, (int64_t(1) << 53) + 1};
  uint8_t bools[] = {0, 1, 2};
  double f64[] = {0.1, -1e300};
  float out[3];
  convertToFloat32(DType::I8, i8, 2, out);
  EXPECT_EQ(out[0], -128.0f);
  EXPECT_EQ(out[1], 127.0f);
  convertToFloat32(DType::U8, u8, 2, out);
  EXPECT_EQ(out[1], 255.0f);
  convertToFloat32(DType::I16, i16, 2, out);
  EXPECT_EQ(out[0], -32768.0f);
  convertToFloat32(DType::I64, i64, 2, out);
  EXPECT_EQ(out[0], -5.0f);
  EXPECT_EQ(out[1], 9007199254740992.0f); // rounds to nearest
  convertToFloat32(DType::BOOL, bools, 3, out);
  EXPECT_EQ(out[2], 1.0f);
  convertToFloat32(DType::F64, f64, 2, out);
  EXPECT_EQ(out[0], 0.1f);
  EXPECT_EQ(out[1], -INFINITY);
}

TEST(DType, NamesAndSizes) {
  EXPECT_EQ(parseDType("BF16"), DType::BF16);
  EXPECT_EQ(parseDType("BOOL"), DType::BOOL);
  EXPECT_FALSE(parseDType("bf16").has_value());
  EXPECT_EQ(dtypeSize(DType::F64), 8u);
  EXPECT_EQ(dtypeSize(DType::BOOL), 1u);
  EXPECT_STREQ(dtypeName(DType::I32), "I32");
}

//===-- Reading well-formed files -----------------------------------------===//

TEST(SafetensorsFile, ReadsHandBuiltFile) {
  TempDir dir;
  std::string path = dir.file("ok.safetensors");
  // An I8 first puts the F16 and BF16 data at odd, unaligned addresses.
  std::string header =
      R"({"__metadata__":{"format":"pt"},)"
      R"("a":{"dtype":"I8","shape":[1],"data_offsets":[0,1]},)"
      R"("h":{"dtype":"F16","shape":[3],"data_offsets":[1,7]},)"
      R"("b":{"dtype":"BF16","shape":[1,2],"data_offsets":[7,11]},)"
      R"("f":{"dtype":"F32","shape":[2],"data_offsets":[11,19]},)"
      R"("e":{"dtype":"F32","shape":[0,4],"data_offsets":[19,19]}})";
  std::string data = std::string("\xfe") + le(0x3c00, 2) + le(0x0001, 2) +
                     le(0xfc00, 2) + le(0x3f80, 2) + le(0xc2f7, 2) +
                     f32Bytes({1.5f, -2.25f});
  writeFile(path, craft(header, data));

  SafetensorsFile file(path);
  EXPECT_EQ(file.names(), (std::vector<std::string>{"a", "b", "e", "f", "h"}));
  EXPECT_EQ(file.metadata().at("format"), "pt");
  EXPECT_EQ(file.find("nope"), nullptr);

  const TensorInfo *h = file.find("h");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->dtype, DType::F16);
  EXPECT_EQ(h->shape, std::vector<int64_t>{3});
  EXPECT_EQ(h->nbytes, 6u);
  float out[3];
  file.readAsFloat32(*h, out);
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], std::ldexp(1.0f, -24));
  EXPECT_EQ(out[2], -INFINITY);

  file.readAsFloat32(*file.find("b"), out);
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], -123.5f);
  file.readAsFloat32(*file.find("f"), out);
  EXPECT_EQ(out[1], -2.25f);
  file.readAsFloat32(*file.find("a"), out);
  EXPECT_EQ(out[0], -2.0f);
  EXPECT_EQ(file.find("e")->numElements(), 0);

  // Moving keeps the mapping alive in the new owner.
  SafetensorsFile moved(std::move(file));
  moved.readAsFloat32(*moved.find("f"), out);
  EXPECT_EQ(out[0], 1.5f);
}

TEST(SafetensorsFile, ReadsFileWrittenByPythonSafetensors) {
  SafetensorsFile file(OLMRT_IO_INPUTS "/python.safetensors");
  EXPECT_EQ(file.metadata().at("source"), "make_npy_fixtures.py");
  const TensorInfo *w = file.find("w");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->dtype, DType::F32);
  EXPECT_EQ(w->shape, (std::vector<int64_t>{2, 3}));
  std::vector<float> out(6);
  file.readAsFloat32(*w, out.data());
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(out[i], float(i) * 0.5f - 1.0f);
  const TensorInfo *h = file.find("h");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->dtype, DType::F16);
  file.readAsFloat32(*h, out.data());
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], std::ldexp(1.0f, -24));
  EXPECT_EQ(out[2], INFINITY);
  EXPECT_TRUE(std::isnan(out[3]));
  EXPECT_EQ(file.find("ids")->dtype, DType::I64);
}

TEST(SafetensorsFile, RejectsForeignTensorInfo) {
  TempDir dir;
  std::string header =
      R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  writeFile(dir.file("a.safetensors"), craft(header, f32Bytes({1})));
  writeFile(dir.file("b.safetensors"), craft(header, f32Bytes({2})));
  SafetensorsFile a(dir.file("a.safetensors"));
  SafetensorsFile b(dir.file("b.safetensors"));
  float out;
  EXPECT_TRUE(throwsError([&] { a.readAsFloat32(*b.find("x"), &out); },
                          {"a.safetensors", "'x'", "does not belong"}));
}

//===-- Writing -----------------------------------------------------------===//

TEST(WriteSafetensors, RoundTrip) {
  TempDir dir;
  std::string path = dir.file("rt.safetensors");
  std::vector<float> w = {1, 2, 3, 4, 5, 6};
  uint16_t half[] = {0x3c00, 0x8000};
  int64_t ids[] = {-1, int64_t(1) << 40, 7};
  float scalar = 42;
  writeSafetensors(
      path,
      {{"w", DType::F32, {2, 3}, w.data(), w.size() * sizeof(float)},
       {"h", DType::F16, {2}, half, sizeof half},
       {"ids", DType::I64, {3}, ids, sizeof ids},
       {"s", DType::F32, {}, &scalar, sizeof scalar},
       {"empty", DType::BF16, {0}, nullptr, 0}},
      {{"creator", "olmrt init-weights"}});

  // The data section starts 8-byte aligned, the header padded with spaces.
  std::string bytes = readFile(path);
  uint64_t headerSize = 0;
  std::memcpy(&headerSize, bytes.data(), 8);
  EXPECT_EQ((8 + headerSize) % 8, 0u);
  EXPECT_EQ(dir.list(), std::vector<std::string>{"rt.safetensors"});

  SafetensorsFile file(path);
  EXPECT_EQ(file.metadata().at("creator"), "olmrt init-weights");
  EXPECT_EQ(file.names().size(), 5u);
  std::vector<float> out(6);
  file.readAsFloat32(*file.find("w"), out.data());
  EXPECT_EQ(out, w);
  const TensorInfo *idsInfo = file.find("ids");
  ASSERT_EQ(idsInfo->nbytes, sizeof ids);
  EXPECT_EQ(std::memcmp(idsInfo->data, ids, sizeof ids), 0);
  EXPECT_EQ(file.find("s")->shape, std::vector<int64_t>{});
  file.readAsFloat32(*file.find("s"), out.data());
  EXPECT_EQ(out[0], 42.0f);
  file.readAsFloat32(*file.find("h"), out.data());
  EXPECT_EQ(bitsOf(out[1]), 0x80000000u);
  EXPECT_EQ(file.find("empty")->nbytes, 0u);
}

TEST(WriteSafetensors, RejectsBadTensors) {
  TempDir dir;
  std::string path = dir.file("bad.safetensors");
  float v[2] = {};
  EXPECT_TRUE(throwsError(
      [&] {
        writeSafetensors(path, {{"w", DType::F32, {3}, v, 8}}, {});
      },
      {"bad.safetensors", "'w'", "8 bytes", "[3]", "needs 12"}));
  EXPECT_TRUE(throwsError(
      [&] {
        writeSafetensors(
            path, {{"w", DType::F32, {1}, v, 4}, {"w", DType::F32, {1}, v, 4}},
            {});
      },
      {"'w'", "twice"}));
  EXPECT_TRUE(throwsError(
      [&] {
        writeSafetensors(path, {{"w", DType::F32, {-1}, v, 4}}, {});
      },
      {"invalid shape [-1]"}));
  EXPECT_TRUE(throwsError(
      [&] {
        writeSafetensors(path, {{"__metadata__", DType::F32, {1}, v, 4}}, {});
      },
      {"cannot write a tensor named '__metadata__'"}));
  EXPECT_TRUE(dir.list().empty()); // Nothing, not even a temporary, remains.
}

//===-- Rejecting defective files -----------------------------------------===//

TEST(SafetensorsDefects, ShortFile) {
  TempDir dir;
  EXPECT_TRUE(throwsError(openBytes(dir, "abcde"),
                          {"t.safetensors", "5 bytes", "too short"}));
  EXPECT_TRUE(throwsError(openBytes(dir, ""), {"0 bytes", "too short"}));
}

TEST(SafetensorsDefects, HeaderLengthPastEnd) {
  TempDir dir;
  EXPECT_TRUE(throwsError(
      openBytes(dir, le(1000, 8) + "{}"),
      {"header length 1000 runs past the end of the file (10 bytes)"}));
  EXPECT_TRUE(throwsError(openBytes(dir, le(~uint64_t(0), 8) + "{}"),
                          {"header length 18446744073709551615",
                           "exceeds the limit of 104857600 bytes"}));
}

TEST(SafetensorsDefects, BadJson) {
  TempDir dir;
  EXPECT_TRUE(throwsError(openBytes(dir, craft("{not json")),
                          {"t.safetensors", "header is not valid JSON"}));
  EXPECT_TRUE(throwsError(openBytes(dir, craft("[1, 2]")),
                          {"header is not a JSON object"}));
  EXPECT_TRUE(throwsError(openBytes(dir, craft("{\"a\": \"\xff\"}")),
                          {"header is not valid JSON"}));
  // Deep nesting is refused early rather than parsed.
  EXPECT_TRUE(throwsError(
      openBytes(dir, craft(std::string(5000, '[') + std::string(5000, ']'))),
      {"nests deeper than 8 levels"}));
  EXPECT_TRUE(throwsError(openBytes(dir, craft(R"({"x": 1})")),
                          {"tensor 'x' is not a JSON object"}));
}

// Regression (found by fuzz_safetensors): a number too large for a double
// makes nlohmann::json throw out_of_range, not parse_error, and it escaped
// the reader instead of becoming an olmrt::Error.
TEST(SafetensorsDefects, NumberOverflowInHeader) {
  TempDir dir;
  EXPECT_TRUE(throwsError(
      openBytes(dir, craft(R"({"w":{"dtype":"F32","shape":[1e400],)"
                           R"("data_offsets":[0,4]}})",
                           "abcd")),
      {"t.safetensors: header is not valid JSON: number overflow parsing "
       "'1e400'"}));
  EXPECT_TRUE(throwsError(openBytes(dir, craft(R"({"__metadata__": -1e999})")),
                          {"number overflow parsing '-1e999'"}));
}

TEST(SafetensorsDefects, UnknownDType) {
  TempDir dir;
  EXPECT_TRUE(
      throwsError(openBytes(dir, craft(R"({"w":{"dtype":"Q4","shape":[1],)"
                                       R"("data_offsets":[0,1]}})",
                                       "x")),
                  {"t.safetensors", "tensor 'w' has unsupported dtype 'Q4'"}));
  EXPECT_TRUE(throwsError(
      openBytes(dir, craft(R"({"w":{"shape":[1],"data_offsets":[0,1]}})", "x")),
      {"tensor 'w' has no string field 'dtype'"}));
}

TEST(SafetensorsDefects, BadShapes) {
  TempDir dir;
  auto withShape = [&](const std::string &shape) {
    return openBytes(dir, craft(R"({"w":{"dtype":"F32","shape":)" + shape +
                                    R"(,"data_offsets":[0,8]}})",
                                std::string(8, '\0')));
  };
  EXPECT_TRUE(
      throwsError(withShape("[-1, 2]"), {"tensor 'w'", "shape entry -1",
                                         "not a non-negative integer"}));
  EXPECT_TRUE(throwsError(withShape("[2.5]"), {"shape entry 2.5"}));
  EXPECT_TRUE(throwsError(withShape("\"2\""), {"no array field 'shape'"}));
  EXPECT_TRUE(
      throwsError(withShape("[4294967296, 4294967296, 4]"),
                  {"tensor 'w' shape [4294967296, 4294967296, 4] of F32",
                   "overflows 64 bits"}));
  EXPECT_TRUE(throwsError(withShape("[18446744073709551615]"),
                          {"[18446744073709551615]", "overflows 64 bits"}));
  // Elements fit but bytes do not.
  EXPECT_TRUE(
      throwsError(withShape("[4611686018427387904]"), {"overflows 64 bits"}));
}

TEST(SafetensorsDefects, OffsetsOutOfRange) {
  TempDir dir;
  std::string header = R"({"h.0.attn.c_attn.weight":{"dtype":"F32",)"
                       R"("shape":[250],"data_offsets":[1000,2000]}})";
  EXPECT_TRUE(
      throwsError(openBytes(dir, craft(header, std::string(1500, '\0')),
                            "model.safetensors"),
                  {"model.safetensors: tensor 'h.0.attn.c_attn.weight' data "
                   "[1000, 2000) lies outside the data section (1500 bytes)"}));
  EXPECT_TRUE(
      throwsError(openBytes(dir, craft(R"({"w":{"dtype":"F32","shape":[0],)"
                                       R"("data_offsets":[8,4]}})",
                                       std::string(8, '\0'))),
                  {"tensor 'w' data [8, 4) ends before it begins"}));
  for (const char *offsets : {"[0]", "[0,1,2]", "[-1,3]", "[0,\"4\"]", "{}"})
    EXPECT_TRUE(
        throwsError(openBytes(dir, craft(R"({"w":{"dtype":"U8","shape":[4],)"
                                         R"("data_offsets":)" +
                                             std::string(offsets) + "}}",
                                         "abcd")),
                    {"tensor 'w' needs 'data_offsets' [begin, end]"}))
        << offsets;
}

TEST(SafetensorsDefects, SizeMismatch) {
  TempDir dir;
  EXPECT_TRUE(throwsError(
      openBytes(dir, craft(R"({"w":{"dtype":"F32","shape":[3],)"
                           R"("data_offsets":[0,8]}})",
                           std::string(12, '\0'))),
      {"tensor 'w' data [0, 8) holds 8 bytes but shape [3] of F32 needs "
       "12"}));
}

TEST(SafetensorsDefects, OverlappingTensors) {
  TempDir dir;
  EXPECT_TRUE(
      throwsError(openBytes(dir, craft(R"({"a":{"dtype":"F32","shape":[2],)"
                                       R"("data_offsets":[0,8]},)"
                                       R"("b":{"dtype":"F32","shape":[2],)"
                                       R"("data_offsets":[4,12]}})",
                                       std::string(12, '\0'))),
                  {"tensors 'a' [0, 8) and 'b' [4, 12) overlap"}));
  // Empty tensors own no bytes and may sit anywhere.
  writeFile(dir.file("ok.safetensors"),
            craft(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                  R"("b":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}})",
                  std::string(8, '\0')));
  EXPECT_NO_THROW(SafetensorsFile(dir.file("ok.safetensors")));
}

TEST(SafetensorsDefects, OtherHeaderFields) {
  TempDir dir;
  std::string good = R"("dtype":"U8","shape":[1],"data_offsets":[0,1])";
  EXPECT_TRUE(throwsError(
      openBytes(dir,
                craft(R"({"w":{)" + good + R"(},"w":{)" + good + "}}", "x")),
      {"tensor 'w' appears twice in the header"}));
  EXPECT_TRUE(throwsError(
      openBytes(dir, craft(R"({"w":{)" + good + R"(,"extra":1}})", "x")),
      {"tensor 'w' has unexpected field 'extra'"}));
  EXPECT_TRUE(throwsError(openBytes(dir, craft(R"({"__metadata__":{"k":1}})")),
                          {"__metadata__ entry 'k' is not a string"}));
  // A name with control characters still gives a one-line message.
  EXPECT_TRUE(throwsError(openBytes(dir, craft(R"({"a\nb":{"dtype":"Q4"}})")),
                          {"tensor 'a\\x0ab' has unsupported dtype"}));
}

TEST(SafetensorsDefects, NotARegularFile) {
  TempDir dir;
  EXPECT_TRUE(throwsError([&] { SafetensorsFile file(dir.file("missing")); },
                          {"missing: cannot open: No such file"}));
  EXPECT_TRUE(throwsError([&] { SafetensorsFile file(dir.file("")); },
                          {"not a regular file"}));
  // Opening a FIFO must not wait for a writer.
  ASSERT_EQ(mkfifo(dir.file("fifo").c_str(), 0600), 0);
  EXPECT_TRUE(throwsError([&] { SafetensorsFile file(dir.file("fifo")); },
                          {"fifo: not a regular file"}));
}

} // namespace
