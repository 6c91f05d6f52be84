//===- NpyTest.cpp - Reading numpy's .npy files and writing our own -------===//

#include "TestUtil.h"

#include "olmrt/Error.h"
#include "olmrt/Npy.h"

#include <cmath>
#include <cstring>

using namespace olmrt;
using namespace olmrt::test;

namespace {

std::string input(const std::string &name) {
  return std::string(OLMRT_IO_INPUTS) + "/" + name;
}

template <typename T> std::vector<T> valuesOf(const NpyArray &array) {
  std::vector<T> values(array.bytes.size() / sizeof(T));
  std::memcpy(values.data(), array.bytes.data(), array.bytes.size());
  return values;
}

/// A .npy file from its header dict and data; the length field is sized
/// for `major` and the dict is written as given (no padding).
std::string craftNpy(const std::string &dict, const std::string &data,
                     int major = 1) {
  std::string bytes("\x93NUMPY", 6);
  bytes.push_back(char(major));
  bytes.push_back(0);
  bytes += le(dict.size(), major == 1 ? 2 : 4);
  return bytes + dict + data;
}

std::function<void()> readBytes(const TempDir &dir, const std::string &bytes) {
  std::string path = dir.file("x.npy");
  writeFile(path, bytes);
  return [path] { readNpy(path); };
}

//===-- Files written by numpy --------------------------------------------===//

TEST(ReadNpy, Float32Matrix) {
  NpyArray a = readNpy(input("f32_2x3.npy"));
  EXPECT_EQ(a.dtype, DType::F32);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a.numElements(), 6);
  EXPECT_EQ(valuesOf<float>(a),
            (std::vector<float>{0, 0.25f, 0.5f, 0.75f, 1, 1.25f}));
}

TEST(ReadNpy, OtherDTypes) {
  NpyArray f64 = readNpy(input("f64_3.npy"));
  EXPECT_EQ(f64.dtype, DType::F64);
  EXPECT_EQ(valuesOf<double>(f64), (std::vector<double>{0.1, -2.5, 1e300}));

  NpyArray i32 = readNpy(input("i32_2x2.npy"));
  EXPECT_EQ(i32.dtype, DType::I32);
  EXPECT_EQ(valuesOf<int32_t>(i32),
            (std::vector<int32_t>{1, -2, INT32_MAX, INT32_MIN}));

  NpyArray u8 = readNpy(input("u8_4.npy"));
  EXPECT_EQ(u8.dtype, DType::U8);
  EXPECT_EQ(u8.bytes, (std::vector<uint8_t>{0, 1, 128, 255}));

  NpyArray b = readNpy(input("bool_3.npy"));
  EXPECT_EQ(b.dtype, DType::BOOL);
  EXPECT_EQ(b.bytes, (std::vector<uint8_t>{1, 0, 1}));

  NpyArray scalar = readNpy(input("scalar_f32.npy"));
  EXPECT_TRUE(scalar.shape.empty());
  EXPECT_EQ(scalar.numElements(), 1);
  EXPECT_EQ(valuesOf<float>(scalar), std::vector<float>{3.5f});

  NpyArray empty = readNpy(input("empty_i64.npy"));
  EXPECT_EQ(empty.shape, (std::vector<int64_t>{0, 3}));
  EXPECT_TRUE(empty.bytes.empty());
}

TEST(ReadNpy, Versions2And3) {
  for (const char *name : {"v2_f32.npy", "v3_f32.npy"}) {
    NpyArray a = readNpy(input(name));
    EXPECT_EQ(a.shape, std::vector<int64_t>{3}) << name;
    EXPECT_EQ(valuesOf<float>(a), (std::vector<float>{1, 2, 3})) << name;
  }
}

TEST(ReadNpy, RefusesFortranOrderBigEndianAndComplex) {
  EXPECT_TRUE(throwsError([] { readNpy(input("fortran_f32.npy")); },
                          {"fortran_f32.npy: Fortran-order arrays are not "
                           "supported"}));
  EXPECT_TRUE(throwsError([] { readNpy(input("bigendian_i4.npy")); },
                          {"bigendian_i4.npy: big-endian data '>i4' is not "
                           "supported"}));
  EXPECT_TRUE(throwsError([] { readNpy(input("complex_c8.npy")); },
                          {"complex_c8.npy: unsupported .npy dtype '<c8'"}));
}

TEST(ReadNpyInt64, AcceptsInt32AndInt64) {
  std::vector<int64_t> shape;
  EXPECT_EQ(
      readNpyInt64(input("i64_5.npy"), &shape),
      (std::vector<int64_t>{0, -1, int64_t(1) << 40, int64_t(1) << 62, 50256}));
  EXPECT_EQ(shape, std::vector<int64_t>{5});
  EXPECT_EQ(readNpyInt64(input("i32_2x2.npy"), &shape),
            (std::vector<int64_t>{1, -2, INT32_MAX, INT32_MIN}));
  EXPECT_EQ(shape, (std::vector<int64_t>{2, 2}));
  EXPECT_TRUE(throwsError([] { readNpyInt64(input("f32_2x3.npy")); },
                          {"f32_2x3.npy: holds float32 data; expected int32 "
                           "or int64"}));
}

TEST(ReadNpyFloat32, ConvertsHalfAndDouble) {
  std::vector<float> f16 = readNpyFloat32(input("f16_4.npy"));
  ASSERT_EQ(f16.size(), 4u);
  EXPECT_EQ(f16[0], 1.0f);
  EXPECT_EQ(f16[1], std::ldexp(1.0f, -24)); // float16 subnormal
  EXPECT_EQ(f16[2], INFINITY);
  EXPECT_TRUE(std::signbit(f16[3]) && f16[3] == 0.0f);
  std::vector<float> f64 = readNpyFloat32(input("f64_3.npy"));
  EXPECT_EQ(f64[0], 0.1f);
  EXPECT_EQ(f64[2], INFINITY); // 1e300 overflows float
  EXPECT_TRUE(throwsError([] { readNpyFloat32(input("u8_4.npy")); },
                          {"holds uint8 data"}));
}

//===-- Writing -----------------------------------------------------------===//

TEST(WriteNpy, ByteIdenticalToNumpy) {
  TempDir dir;
  writeNpy(dir.file("f.npy"),
           std::vector<float>{0, 0.25f, 0.5f, 0.75f, 1, 1.25f}, {2, 3});
  EXPECT_EQ(readFile(dir.file("f.npy")), readFile(input("f32_2x3.npy")));
  writeNpy(
      dir.file("i.npy"),
      std::vector<int64_t>{0, -1, int64_t(1) << 40, int64_t(1) << 62, 50256},
      {5});
  EXPECT_EQ(readFile(dir.file("i.npy")), readFile(input("i64_5.npy")));
  writeNpy(dir.file("s.npy"), std::vector<float>{3.5f}, {});
  EXPECT_EQ(readFile(dir.file("s.npy")), readFile(input("scalar_f32.npy")));
  writeNpy(dir.file("e.npy"), std::vector<int64_t>{}, {0, 3});
  EXPECT_EQ(readFile(dir.file("e.npy")), readFile(input("empty_i64.npy")));
}

TEST(WriteNpy, RoundTripAndErrors) {
  TempDir dir;
  std::string path = dir.file("r.npy");
  std::vector<float> values = {1.5f, -0.0f, INFINITY, 7};
  writeNpy(path, values, {2, 1, 2});
  std::vector<int64_t> shape;
  EXPECT_EQ(readNpyFloat32(path, &shape), values);
  EXPECT_EQ(shape, (std::vector<int64_t>{2, 1, 2}));
  // The data starts 64-byte aligned, as numpy lays it out.
  EXPECT_EQ((readFile(path).size() - values.size() * 4) % 64, 0u);

  EXPECT_TRUE(throwsError(
      [&] {
        writeNpy(path, std::vector<float>{1, 2, 3}, {2, 2});
      },
      {"r.npy: cannot write 3 values as shape [2, 2] (needs 4)"}));
  EXPECT_TRUE(
      throwsError([&] { writeNpy(path, std::vector<int64_t>{1}, {-1}); },
                  {"cannot write shape [-1]"}));
  EXPECT_EQ(dir.list(), std::vector<std::string>{"r.npy"});
  EXPECT_TRUE(throwsError(
      [&] { writeNpy(dir.file("no/such/dir.npy"), values, {4}); },
      {"no/such/dir.npy: cannot create", "No such file or directory"}));
}

//===-- Rejecting defective files -----------------------------------------===//

const char kGoodDict[] =
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n";

TEST(NpyDefects, CraftedGoodFileReads) {
  TempDir dir;
  std::string path = dir.file("ok.npy");
  writeFile(path, craftNpy(kGoodDict, std::string(8, '\0')));
  EXPECT_EQ(readNpy(path).shape, std::vector<int64_t>{2});
  // Double quotes, no trailing comma, key order and Python 2 longs are all
  // things numpy's own reader accepts.
  writeFile(path, craftNpy("{\"shape\": (2L,), \"fortran_order\": False, "
                           "\"descr\": \"<f4\"}",
                           std::string(8, '\0'), 2));
  EXPECT_EQ(readNpy(path).shape, std::vector<int64_t>{2});
}

TEST(NpyDefects, MagicVersionAndLengths) {
  TempDir dir;
  EXPECT_TRUE(throwsError(readBytes(dir, "hello"),
                          {"x.npy: not a .npy file (bad magic)"}));
  EXPECT_TRUE(throwsError(readBytes(dir, craftNpy(kGoodDict, "", 4)),
                          {"unsupported .npy format version 4.0"}));
  EXPECT_TRUE(throwsError(
      readBytes(dir, std::string("\x93NUMPY\x01\x00", 8) + le(500, 2) + "{}"),
      {"x.npy: .npy header length 500 runs past the end of the file (12 "
       "bytes)"}));
  EXPECT_TRUE(throwsError(
      readBytes(dir, std::string("\x93NUMPY\x02\x00", 8) + le(~0u, 4)),
      {"header length 4294967295 exceeds the limit"}));
  EXPECT_TRUE(
      throwsError(readBytes(dir, std::string("\x93NUMPY\x02\x00", 8) + "ab"),
                  {"too short for a .npy header"}));
}

TEST(NpyDefects, DataLength) {
  TempDir dir;
  EXPECT_TRUE(
      throwsError(readBytes(dir, craftNpy(kGoodDict, std::string(7, '\0'))),
                  {"x.npy: data is 7 bytes but shape [2] of '<f4' needs 8"}));
  EXPECT_TRUE(
      throwsError(readBytes(dir, craftNpy(kGoodDict, std::string(9, '\0'))),
                  {"data is 9 bytes"}));
  EXPECT_TRUE(throwsError(
      readBytes(dir, craftNpy("{'descr': '<f8', 'fortran_order': False, "
                              "'shape': (4294967296, 4294967296), }",
                              "")),
      {"shape [4294967296, 4294967296] of '<f8' overflows 64 bits"}));
}

TEST(NpyDefects, MalformedHeaderDicts) {
  TempDir dir;
  struct Case {
    const char *dict;
    const char *expected;
  } cases[] = {
      {"{'descr': '<f4', 'fortran_order': False}", "missing key 'shape'"},
      {"{'descr': '<f4', 'shape': (2,)}", "missing key 'fortran_order'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}",
       "unexpected key 'x'"},
      {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, "
       "'shape': (2,)}",
       "key 'descr' appears twice"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': [2]}",
       "expected '('"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2)}",
       "shape must be a tuple"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}",
       "negative dimension"},
      {"{'descr': '<f4', 'fortran_order': False, "
       "'shape': (99999999999999999999,)}",
       "dimension does not fit in 64 bits"},
      {"{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}",
       "expected True or False"},
      {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,)}",
       "structured dtypes are not supported"},
      {"{'descr': '<f4\\n', 'fortran_order': False, 'shape': (2,)}",
       "escapes and line breaks"},
      {"{'descr' '<f4', 'fortran_order': False, 'shape': (2,)}",
       "expected ':'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} x",
       "unexpected text after the dict"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,,)}",
       "expected a non-negative integer"},
      {"{'descr': '<f4' 'fortran_order': False, 'shape': (2,)}",
       "expected '}'"},
      {"{'descr", "unterminated string"},
      {"", "expected '{'"},
      {"{'descr': '|f4', 'fortran_order': False, 'shape': (2,)}",
       "unsupported .npy dtype '|f4'"},
  };
  for (const Case &c : cases)
    EXPECT_TRUE(throwsError(readBytes(dir, craftNpy(c.dict, std::string(8, 0))),
                            {"x.npy: ", c.expected}))
        << c.dict;
}

TEST(NpyDefects, TooManyDimensions) {
  TempDir dir;
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (";
  for (int i = 0; i < 65; ++i)
    dict += "1, ";
  dict += ")}";
  EXPECT_TRUE(throwsError(readBytes(dir, craftNpy(dict, std::string(4, 0))),
                          {"more than 64 dimensions"}));
}

} // namespace
