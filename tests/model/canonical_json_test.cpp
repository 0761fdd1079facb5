#include "model/canonical_json.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/test_data.hpp"

namespace socmesh::model {
namespace {

std::string Canonical(std::string_view json) {
  auto result = CanonicalizeJson(json);
  EXPECT_TRUE(result.has_value()) << "input: " << json << "\nerror: " << result.error().message;
  return result.value_or("");
}

Error CanonicalError(std::string_view json, const CanonicalizeOptions& options = {}) {
  auto result = CanonicalizeJson(json, options);
  EXPECT_FALSE(result.has_value()) << "input: " << json << "\nunexpected output: " << *result;
  return result.has_value() ? Error{} : result.error();
}

std::string Number(double value) {
  std::string out;
  AppendJcsNumber(out, value);
  return out;
}

// RFC 8785 section 3.2.2 (primitive data) and 3.2.3 (sorting) applied to its example input.
TEST(CanonicalizeJsonTest, MatchesRfc8785Example) {
  const std::string_view input = R"({
    "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
    "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
    "literals": [null, true, false]
  })";
  EXPECT_EQ(Canonical(input),
            "{\"literals\":[null,true,false],"
            "\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
            "\"string\":\"\xE2\x82\xAC$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
}

// RFC 8785 section 3.2.3: properties sort by UTF-16 code units, which puts the emoji (a surrogate
// pair, 0xD83D...) before U+FB33 although its code point is larger.
TEST(CanonicalizeJsonTest, SortsPropertiesByUtf16CodeUnits) {
  const std::string_view input = R"({
    "\u20ac": "Euro Sign",
    "\r": "Carriage Return",
    "\ufb33": "Hebrew Letter Dalet With Dagesh",
    "1": "One",
    "\ud83d\ude00": "Emoji: Grinning Face",
    "\u0080": "Control",
    "\u00f6": "Latin Small Letter O With Diaeresis"
  })";
  const std::string expected =
      "{\"\\r\":\"Carriage Return\","
      "\"1\":\"One\","
      "\"\xC2\x80\":\"Control\","
      "\"\xC3\xB6\":\"Latin Small Letter O With Diaeresis\","
      "\"\xE2\x82\xAC\":\"Euro Sign\","
      "\"\xF0\x9F\x98\x80\":\"Emoji: Grinning Face\","
      "\"\xEF\xAC\xB3\":\"Hebrew Letter Dalet With Dagesh\"}";
  EXPECT_EQ(Canonical(input), expected);
}

TEST(JcsKeyLessTest, OrdersByUtf16CodeUnits) {
  const std::string_view emoji = "\xF0\x9F\x98\x80";         // U+1F600, UTF-16 D83D DE00
  const std::string_view private_use = "\xEE\x80\x80";       // U+E000
  const std::string_view replacement = "\xEF\xBF\xBD";       // U+FFFD
  const std::string_view hangul = "\xED\x9E\xA3";            // U+D7A3, below the surrogates
  const std::string_view first_astral = "\xF0\x90\x80\x80";  // U+10000, UTF-16 D800 DC00
  EXPECT_TRUE(JcsKeyLess(emoji, private_use));
  EXPECT_FALSE(JcsKeyLess(private_use, emoji));
  EXPECT_TRUE(JcsKeyLess(first_astral, replacement));
  EXPECT_TRUE(JcsKeyLess(hangul, first_astral));
  EXPECT_TRUE(JcsKeyLess(first_astral, emoji));
  EXPECT_TRUE(JcsKeyLess("a", "b"));
  EXPECT_TRUE(JcsKeyLess("created", "created_by_ref"));  // a prefix sorts first
  EXPECT_TRUE(JcsKeyLess("Z", "a"));
  EXPECT_FALSE(JcsKeyLess("same", "same"));
  EXPECT_TRUE(JcsKeyLess("", "a"));
  // The same comparisons after a long common prefix (the word-at-a-time scan).
  const std::string prefix(21, 'p');
  EXPECT_TRUE(JcsKeyLess(prefix + std::string(emoji), prefix + std::string(private_use)));
  EXPECT_FALSE(JcsKeyLess(prefix + "b", prefix + "a"));
}

// Appendix B of RFC 8785: IEEE-754 bit patterns and their JCS text.
TEST(AppendJcsNumberTest, MatchesRfc8785AppendixB) {
  struct Case {
    uint64_t bits;
    std::string_view expected;
  };
  const Case cases[] = {
      {0x0000000000000000, "0"},
      {0x8000000000000000, "0"},
      {0x0000000000000001, "5e-324"},
      {0x8000000000000001, "-5e-324"},
      {0x7fefffffffffffff, "1.7976931348623157e+308"},
      {0xffefffffffffffff, "-1.7976931348623157e+308"},
      {0x4340000000000000, "9007199254740992"},
      {0xc340000000000000, "-9007199254740992"},
      {0x4430000000000000, "295147905179352830000"},
      {0x44b52d02c7e14af5, "9.999999999999997e+22"},
      {0x44b52d02c7e14af6, "1e+23"},
      {0x44b52d02c7e14af7, "1.0000000000000001e+23"},
      {0x444b1ae4d6e2ef4e, "999999999999999700000"},
      {0x444b1ae4d6e2ef4f, "999999999999999900000"},
      {0x444b1ae4d6e2ef50, "1e+21"},
      {0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
      {0x3eb0c6f7a0b5ed8d, "0.000001"},
      {0x41b3de4355555553, "333333333.3333332"},
      {0x41b3de4355555554, "333333333.33333325"},
      {0x41b3de4355555555, "333333333.3333333"},
      {0x41b3de4355555556, "333333333.3333334"},
      {0x41b3de4355555557, "333333333.33333343"},
      {0xbecbf647612f3696, "-0.0000033333333333333333"},
      {0x43143ff3c1cb0959, "1424953923781206.2"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Number(std::bit_cast<double>(c.bits)), c.expected) << std::hex << c.bits;
  }
}

TEST(AppendJcsNumberTest, SwitchesToExponentFormAtEcmaScriptThresholds) {
  EXPECT_EQ(Number(1e21), "1e+21");
  EXPECT_EQ(Number(1e20), "100000000000000000000");
  EXPECT_EQ(Number(123456789012345680000.0), "123456789012345680000");
  EXPECT_EQ(Number(1e-6), "0.000001");
  EXPECT_EQ(Number(1e-7), "1e-7");
  EXPECT_EQ(Number(1.5e-7), "1.5e-7");
  EXPECT_EQ(Number(-1e-7), "-1e-7");
  EXPECT_EQ(Number(0.1), "0.1");
  EXPECT_EQ(Number(100.0), "100");
  EXPECT_EQ(Number(-0.0), "0");
  EXPECT_EQ(Number(12.75), "12.75");
  EXPECT_EQ(Number(1e100), "1e+100");
}

TEST(CanonicalizeJsonTest, WritesNumbersAsEcmaScriptDoes) {
  EXPECT_EQ(Canonical("[1e30, 4.50, 2e-3, 0.000001, 1e-7, 333333333.33333329, -0, -0.0, 0.0]"),
            "[1e+30,4.5,0.002,0.000001,1e-7,333333333.3333333,0,0,0]");
  EXPECT_EQ(Canonical("[9007199254740992, -9007199254740992, 1E2, 10.0e1, 1e21, 1e-400]"),
            "[9007199254740992,-9007199254740992,100,100,1e+21,0]");
}

TEST(CanonicalizeJsonTest, RejectsIntegersThatJcsWouldChange) {
  struct Case {
    std::string_view json;
    std::string_view where;
  };
  for (const Case& c : {
           Case{R"({"n": 9007199254740993})", "at $.n"},                  // int64, 2^53 + 1
           Case{R"({"n": -9007199254740993})", "at $.n"},                 // int64
           Case{R"({"n": 18446744073709551615})", "at $.n"},              // uint64
           Case{R"({"n": 18446744073709551616})", "at byte offset 6"},    // beyond 64 bits
           Case{R"({"n": 1000000000000000000000})", "at byte offset 6"},  // JCS writes 1e+21
       }) {
    Error error = CanonicalError(c.json);
    EXPECT_EQ(error.code, ErrorCode::kInvalidArgument) << c.json;
    EXPECT_NE(error.message.find(c.where), std::string::npos) << error.message;
    EXPECT_NE(error.message.find("not exactly representable"), std::string::npos) << error.message;
  }
}

// Beyond 2^53 an integer is accepted when it is exactly how JCS writes the nearest double, which
// is the form JCS itself produces for large doubles.
TEST(CanonicalizeJsonTest, AcceptsLargeIntegersThatJcsWritesUnchanged) {
  const std::string_view json =
      "[9007199254740994,-9007199254740994,1152921504606847000,10000000000000000000,"
      "100000000000000000000,295147905179352830000,-700000048314434500000]";
  EXPECT_EQ(Canonical(json), json);
}

// A canonical form must itself canonicalize to itself, also for doubles from 2^53 to 1e21, which
// JCS writes as plain integers (found by fuzzing: 700000048314434433443.0).
TEST(CanonicalizeJsonTest, RecanonicalizesItsOwnNumberOutput) {
  EXPECT_EQ(Canonical("700000048314434433443.0"), "700000048314434500000");
  EXPECT_EQ(Canonical("700000048314434500000"), "700000048314434500000");
  uint64_t state = 0x9E3779B97F4A7C15ull;
  for (int i = 0; i < 20000; ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    // Random bit patterns, and doubles spread evenly over exponents 2^0 to 2^127.
    const uint64_t exponent = 1023 + static_cast<uint64_t>(i / 2 % 128);
    const uint64_t bits = i % 2 ? state : (state >> 12) | (exponent << 52);
    const double value = std::bit_cast<double>(bits);
    if (!std::isfinite(value)) continue;
    const std::string text = Number(value);
    auto again = CanonicalizeJson(text);
    ASSERT_TRUE(again.has_value()) << text << ": " << again.error().message;
    EXPECT_EQ(*again, text);
  }
}

TEST(AppendJcsStringTest, EscapesOnlyQuoteBackslashAndControlCharacters) {
  std::string input;
  for (int c = 0; c < 0x20; ++c) input.push_back(static_cast<char>(c));
  input += "\"\\/\x7F\xE2\x80\xA8 \xF0\x9F\x98\x80";  // DEL, U+2028 and astral stay literal
  std::string out;
  AppendJcsString(out, input);
  EXPECT_EQ(out,
            "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r"
            "\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018"
            "\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\\\"\\\\/\x7F\xE2\x80\xA8 "
            "\xF0\x9F\x98\x80\"");
}

TEST(AppendJcsStringTest, EscapesCharactersAtEveryPositionOfALongString) {
  // Escapes found by the 8-bytes-at-a-time scan must land at the right place.
  for (size_t position = 0; position < 40; ++position) {
    std::string input(40, 'x');
    input[position] = '"';
    std::string expected =
        "\"" + input.substr(0, position) + "\\\"" + input.substr(position + 1) + "\"";
    std::string out;
    AppendJcsString(out, input);
    EXPECT_EQ(out, expected) << position;
  }
}

TEST(CanonicalizeJsonTest, UnescapesNeedlessEscapesAndKeepsSurrogatePairs) {
  EXPECT_EQ(Canonical(R"(["\u0041\/\ud83d\ude00\u00e9\u001F"])"),
            "[\"A/\xF0\x9F\x98\x80\xC3\xA9\\u001f\"]");
}

TEST(CanonicalizeJsonTest, RemovesWhitespaceAndKeepsArrayOrder) {
  EXPECT_EQ(Canonical(" \n\t{ \"b\" : [ 3 , 1 , 2 ] ,\r\n \"a\" : { } , \"c\" : [ ] } \n"),
            R"({"a":{},"b":[3,1,2],"c":[]})");
}

TEST(CanonicalizeJsonTest, AcceptsTopLevelScalars) {
  EXPECT_EQ(Canonical(" \"x\" "), "\"x\"");
  EXPECT_EQ(Canonical("1.50"), "1.5");
  EXPECT_EQ(Canonical("true"), "true");
  EXPECT_EQ(Canonical("null"), "null");
}

TEST(CanonicalizeJsonTest, IsIndependentOfPropertyOrder) {
  const std::vector<std::string> members = {
      R"("type":"file")", R"("hashes":{"SHA-256":"aa","MD5":"bb"})", R"("name":"a.exe")",
      R"("size":3)",      R"("x_\u00e9":[1,{"z":0,"y":1}])",         R"("\u00e9":true)",
  };
  std::vector<size_t> order(members.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::set<std::string> outputs;
  do {
    std::string json = "{";
    for (size_t i = 0; i < order.size(); ++i) {
      if (i != 0) json += i % 2 ? " , " : ",";
      json += members[order[i]];
    }
    json += "}";
    outputs.insert(Canonical(json));
  } while (std::next_permutation(order.begin(), order.end()));
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_EQ(*outputs.begin(),
            "{\"hashes\":{\"MD5\":\"bb\",\"SHA-256\":\"aa\"},\"name\":\"a.exe\",\"size\":3,"
            "\"type\":\"file\",\"x_\xC3\xA9\":[1,{\"y\":1,\"z\":0}],\"\xC3\xA9\":true}");
}

TEST(CanonicalizeJsonTest, RejectsDuplicatePropertyNames) {
  Error error = CanonicalError(R"({"a": {"b": 1, "c": 2, "b": 3}})");
  EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
  EXPECT_NE(error.message.find("\"b\""), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("$.a"), std::string::npos) << error.message;
}

TEST(CanonicalizeJsonTest, RejectsDuplicatesSpelledWithDifferentEscapes) {
  Error error = CanonicalError(R"({"a": 1, "\u0061": 2})");
  EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
}

TEST(CanonicalizeJsonTest, ErrorMessagesNameTheJsonPath) {
  Error error = CanonicalError(R"({"objects": [{}, {}, {}, {"name": {"x": 1, "x": 2}}]})");
  EXPECT_NE(error.message.find("$.objects[3].name"), std::string::npos) << error.message;
  error = CanonicalError(R"({"odd key": [0, 9007199254740993]})");
  EXPECT_NE(error.message.find(R"($["odd key"][1])"), std::string::npos) << error.message;
}

std::string Nested(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(CanonicalizeJsonTest, RejectsNestingDeeperThanTheLimit) {
  EXPECT_EQ(Canonical(Nested(64)), Nested(64));
  Error error = CanonicalError(Nested(65));
  EXPECT_EQ(error.code, ErrorCode::kTooLarge);

  const CanonicalizeOptions shallow{.max_depth = 2};
  EXPECT_TRUE(CanonicalizeJson(R"({"a":[1]})", shallow).has_value());
  error = CanonicalError(R"({"a":[{"b":1}]})", shallow);
  EXPECT_EQ(error.code, ErrorCode::kTooLarge);
  EXPECT_NE(error.message.find("$.a[0]"), std::string::npos) << error.message;
}

TEST(CanonicalizeJsonTest, RejectsNestingBeyondTheParserLimitEvenWhenAllowed) {
  const CanonicalizeOptions deep{.max_depth = 100000};
  Error error = CanonicalError(Nested(5000), deep);
  EXPECT_EQ(error.code, ErrorCode::kTooLarge);
}

TEST(CanonicalizeJsonTest, RejectsInvalidUtf8) {
  for (std::string_view json : {
           std::string_view("[\"ab\xFF\"]"),
           std::string_view("[\"\xC0\xAF\"]"),          // overlong '/'
           std::string_view("[\"\xED\xA0\x80\"]"),      // an encoded surrogate
           std::string_view("[\"\xF4\x90\x80\x80\"]"),  // above U+10FFFF
           std::string_view("[\"\xE2\x82\"]"),          // truncated
       }) {
    Error error = CanonicalError(json);
    EXPECT_EQ(error.code, ErrorCode::kParse);
    EXPECT_NE(error.message.find("UTF-8"), std::string::npos) << error.message;
  }
  EXPECT_NE(CanonicalError("[\"ab\xFF\"]").message.find("byte offset 4"), std::string::npos);
}

TEST(CanonicalizeJsonTest, RejectsUnpairedSurrogateEscapes) {
  for (std::string_view json : {R"(["\ud800"])", R"(["\udc00"])", R"(["x\ud800\u0041"])",
                                R"(["\ude00\ud83d"])", R"({"\ud800":1})"}) {
    Error error = CanonicalError(json);
    EXPECT_EQ(error.code, ErrorCode::kParse) << json;
    EXPECT_NE(error.message.find("surrogate"), std::string::npos) << error.message;
  }
}

TEST(CanonicalizeJsonTest, RejectsMalformedJson) {
  for (std::string_view json :
       {"", "{", "[1,]", "{\"a\" 1}", "nul", "[01]", "[1] [2]", "\"a\x01\"", "{\"a\":1,}"}) {
    EXPECT_EQ(CanonicalError(json).code, ErrorCode::kParse) << json;
  }
}

// The files of the shared STIX data set; two of them are deliberately not JSON (VALIDATION.md).
TEST(CanonicalizeJsonTest, IsIdempotentOnSharedStixData) {
  const std::set<std::string> not_json = {"invalid_braces.json", "invalid_comma.json"};
  size_t checked = 0;
  size_t bytes = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(socmesh::testing::DataDir() / "stix")) {
    if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
    const std::string text = socmesh::testing::ReadFile(entry.path());
    auto first = CanonicalizeJson(text);
    if (not_json.contains(entry.path().filename().string())) {
      ASSERT_FALSE(first.has_value()) << entry.path();
      EXPECT_EQ(first.error().code, ErrorCode::kParse);
      continue;
    }
    ASSERT_TRUE(first.has_value()) << entry.path() << ": " << first.error().message;
    auto second = CanonicalizeJson(*first);
    ASSERT_TRUE(second.has_value()) << entry.path() << ": " << second.error().message;
    EXPECT_EQ(*second, *first) << entry.path();
    ++checked;
    bytes += text.size();
  }
  EXPECT_GE(checked, 50u);
  EXPECT_GE(bytes, size_t{7} << 20);  // the two ATT&CK files alone are 7.5 MB
}

}  // namespace
}  // namespace socmesh::model
