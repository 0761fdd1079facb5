// ParseStixObject reuses the calling thread's JSON parser and padding buffer, and AppendJcsString
// scans 16, 8 or 1 bytes at a time: neither may change a result. Importers (MISP, IODEF, CSV)
// call both once per object they make (issue 3).
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "model/canonical_json.hpp"
#include "model/stix_object.hpp"

namespace socmesh::model {
namespace {

constexpr std::string_view kIndicator =
    R"({"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",)"
    R"("created":"2020-01-01T00:00:00.000Z","modified":"2020-01-01T00:00:00.000Z",)"
    R"("pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix",)"
    R"("valid_from":"2020-01-01T00:00:00Z"})";

std::string Note(size_t description_bytes) {
  return R"({"type":"note","spec_version":"2.1","id":"note--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",)"
         R"("created":"2020-01-01T00:00:00.000Z","modified":"2020-01-01T00:00:00.000Z",)"
         R"("content":")" +
         std::string(description_bytes, 'x') +
         R"(","object_refs":["indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"]})";
}

TEST(ParseStixObjectReuse, EarlierCallsDoNotLeakIntoLaterOnes) {
  auto first = ParseStixObject(kIndicator);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  // A large object (grows the reused buffers), a truncated one and a non-object in between.
  auto big = ParseStixObject(Note(3 << 20));
  ASSERT_TRUE(big.has_value()) << big.error().message;
  EXPECT_EQ(big->canonical_json.size(), Note(3 << 20).size());
  auto truncated = ParseStixObject(kIndicator.substr(0, kIndicator.size() / 2));
  ASSERT_FALSE(truncated.has_value());
  EXPECT_EQ(truncated.error().code, ErrorCode::kParse);
  EXPECT_FALSE(ParseStixObject("[1,2,3]").has_value());
  // Shorter text after longer text: stale bytes past the end must not be read as content.
  auto again = ParseStixObject(kIndicator);
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(again->canonical_json, first->canonical_json);
  EXPECT_EQ(again->digest, first->digest);
  EXPECT_EQ(again->observables, first->observables);
}

TEST(ParseStixObjectReuse, ThreadsGetTheSameResults) {
  auto expected = ParseStixObject(kIndicator);
  ASSERT_TRUE(expected.has_value());
  std::vector<int> mismatches(4, 0);
  {
    std::vector<std::jthread> threads;
    for (size_t t = 0; t < mismatches.size(); ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 200; ++i) {
          auto note = ParseStixObject(Note(static_cast<size_t>(i) * 37));
          auto got = ParseStixObject(kIndicator);
          if (!note || !got || got->canonical_json != expected->canonical_json ||
              got->digest != expected->digest) {
            ++mismatches[t];
          }
        }
      });
    }
  }
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

// AppendJcsString as RFC 8785 defines it, one byte at a time.
std::string ReferenceJcsString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xf]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
  return out;
}

TEST(AppendJcsStringScan, EveryEscapeAtEveryPositionMatchesTheByteWiseDefinition) {
  // Lengths and positions across the 16- and 8-byte steps and the byte-wise tail; UTF-8 bytes
  // (>= 0x80) and DEL must pass unescaped, whatever their position.
  const std::string specials = std::string("\"\\\b\t\n\f\r\x01\x1f\x7f", 10) + "\xC3\xA9";
  for (size_t length = 0; length <= 40; ++length) {
    for (size_t at = 0; at < length; ++at) {
      for (char special : specials) {
        std::string s(length, 'a');
        s[at] = special;
        std::string out = "prefix";
        AppendJcsString(out, s);
        ASSERT_EQ(out, "prefix" + ReferenceJcsString(s)) << "length " << length << " at " << at;
      }
    }
    std::string plain(length, 'z');
    std::string out;
    AppendJcsString(out, plain);
    ASSERT_EQ(out, ReferenceJcsString(plain));
  }
}

TEST(AppendJcsStringScan, AnEmptyViewWithoutDataIsTheEmptyString) {
  // A default string_view has data() == nullptr (MISP export writes such empty values); the
  // sanitizer build checks that nothing copies from it.
  std::string out = "x";
  AppendJcsString(out, std::string_view{});
  EXPECT_EQ(out, "x\"\"");
}

}  // namespace
}  // namespace socmesh::model
