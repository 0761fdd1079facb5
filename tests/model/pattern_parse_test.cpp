// STIX 2.1 pattern parser (issue 7 item 4, requirement B2c): grammar, literals, precedence, errors
// with positions, limits.
//
// Oracle: the OASIS cti-pattern-validator (stix2patterns) is not packaged by Debian, so its
// verdicts are transcribed by hand: the STIX 2.1 specification's examples (its spec_examples.txt)
// and the pass/fail cases of its v21 test suite, with the error column it reports. Positions here
// are 0-based byte offsets, as ANTLR's columns are.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "model/pattern.hpp"

namespace socmesh::model {
namespace {

std::string Format(std::string_view text) {
  Result<Pattern> p = ParsePattern(text);
  return p ? FormatPattern(*p) : "<error: " + p.error().message + ">";
}

// Expects a parse error whose message starts with "position <pos>: " and contains `reason`.
void ExpectError(std::string_view text, size_t pos, std::string_view reason,
                 ErrorCode code = ErrorCode::kParse) {
  Result<Pattern> p = ParsePattern(text);
  ASSERT_FALSE(p.has_value()) << text << " parsed as " << FormatPattern(*p);
  EXPECT_EQ(p.error().code, code) << p.error().message;
  const std::string prefix = "position " + std::to_string(pos) + ": ";
  EXPECT_TRUE(p.error().message.starts_with(prefix))
      << text << "\n  got: " << p.error().message << "\n  want prefix: " << prefix;
  EXPECT_NE(p.error().message.find(reason), std::string::npos)
      << text << "\n  got: " << p.error().message << "\n  want: " << reason;
}

// The STIX 2.1 specification's pattern examples (section 9.9 and the operator sections), as the
// OASIS validator's spec_examples.txt lists them: all valid.
const std::vector<std::string> kSpecExamples = {
    R"([file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f'])",
    R"([email-message:from_ref.value MATCHES '.+\\@example\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\.exe$'])",
    R"([file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' AND file:mime_type = 'application/x-pdf'])",
    R"([file:hashes.'SHA-256' = 'bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c' OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] AND [file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f'])",
    R"(([file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY [win-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar']) WITHIN 300 SECONDS)",
    R"([user-account:account_type = 'unix' AND user-account:user_id = '1007' AND user-account:account_login = 'Peter'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1008' AND user-account:account_login = 'Paul'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1009' AND user-account:account_login = 'Mary'])",
    R"([artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES '\\xd4\\xc3\\xb2\\xa1\\x02\\x00\\x04\\x00'])",
    R"([file:name = 'foo.dll' AND file:parent_directory_ref.path = 'C:\\Windows\\System32'])",
    R"([file:extensions.windows-pebinary-ext.sections[*].entropy > 7.0])",
    R"([file:mime_type = 'image/bmp' AND file:magic_number_hex = h'ffd8'])",
    R"([network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32'])",
    R"([network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] REPEATS 5 TIMES WITHIN 1800 SECONDS)",
    R"([domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1/32'])",
    R"([url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar'])",
    R"([x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28'])",
    R"([windows-registry-key:key = 'HKEY_CURRENT_USER\\Software\\CryptoLocker\\Files' OR windows-registry-key:key = 'HKEY_CURRENT_USER\\Software\\Microsoft\\CurrentVersion\\Run\\CryptoLocker_0388'])",
    R"([(file:name = 'pdf.exe' OR file:size = '371712') AND file:created = t'2014-01-13T07:03:17Z'])",
    R"([email-message:sender_ref.value = 'jdoe@example.com' AND email-message:subject = 'Conference Info'])",
    R"([x-usb-device:usbdrive.serial_number = '575833314133343231313937'])",
    R"([process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachine Root$'] FOLLOWEDBY [process:command_line MATCHES'^.+>-add GlobalSign.cer -c -s -r localMachineTrustedPublisher$'] WITHIN 300 SECONDS)",
    R"([network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64'])",
    R"(([file:name = 'foo.dll'] AND [win-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar']) OR [process:name = 'fooproc' OR process:name = 'procfoo'])",
};

// The validator's other passing cases (its v21 test_validator.py PASS_CASES).
const std::vector<std::string> kValidatorPassCases = {
    "[file:size = 1280]",
    "[file:size != 1280]",
    "[file:size < 1024]",
    "[file:size <= 1024]",
    "[file:size > 1024]",
    "[file:size >= 1024]",
    "[file:file_name = 'my_file_name']",
    "[file:extended_properties.'ntfs-ext'.sid = '234']",
    R"([emailaddr:value MATCHES '.+\\@ibm\\.com$' OR file:name MATCHES '^Final Report.+\\.exe$'])",
    "[ipv4addr:value ISSUBSET '192.168.0.1/24']",
    "[ipv4addr:value NOT ISSUBSET '192.168.0.1/24']",
    "[user-account:value = 'Peter'] AND [user-account:value != 'Paul'] AND [user-account:value = "
    "'Mary'] WITHIN 5 SECONDS",
    "[file:file_system_properties.file_name LIKE 'name%']",
    "[file:file_name IN ('test.txt', 'test2.exe', 'README')]",
    "[file:size IN (1024, 2048, 4096)]",
    "[network-connection:extended_properties[0].source_payload MATCHES 'dGVzdHRlc3R0ZXN0']",
    R"([win-registry-key:key = 'hkey_local_machine\\foo\\bar'] WITHIN 5 SECONDS)",
    "[x_whatever:detected == t'2018-03-22T12:11:14.1Z']",
    "[artifact:payload_bin = b'dGhpcyBpcyBhIHRlc3Q=']",
    "[foo:bar=1] REPEATS 9 TIMES",
    "[network-traffic:start = '2018-04-20T12:36:24.558Z']",
    "( [(network-traffic:dst_port IN(443,6443,8443) AND network-traffic:src_packets != 0) ])",
    R"(([win-registry-key:key = 'hkey_local_machine\\foo\\bar'] REPEATS 2 TIMES) REPEATS 2 TIMES)",
    "[network-traffic:src_port = 37020 AND user-account:user_id = 'root'] "
    "START t'2016-06-01T01:30:00.123Z' STOP t'2016-06-01T02:20:00.123Z' OR "
    "[ipv4-addr:value = '192.168.122.83'] "
    "START t'2016-06-01T03:55:00.123Z' STOP t'2016-06-01T04:30:24.743Z'",
};

TEST(PatternParseTest, AcceptsEverySpecificationExample) {
  for (const std::string& text : kSpecExamples) {
    Result<Pattern> p = ParsePattern(text);
    EXPECT_TRUE(p.has_value()) << text << "\n  " << (p ? "" : p.error().message);
  }
}

TEST(PatternParseTest, AcceptsTheOasisValidatorsPassCases) {
  for (const std::string& text : kValidatorPassCases) {
    Result<Pattern> p = ParsePattern(text);
    EXPECT_TRUE(p.has_value()) << text << "\n  " << (p ? "" : p.error().message);
  }
}

// The validator's FAIL_CASES, with the column it reports where it reports one.
TEST(PatternParseTest, RejectsTheOasisValidatorsFailCasesAtTheSamePosition) {
  ExpectError("file:size = 1280", 0, "expected '[' or '(' to start an observation expression");
  ExpectError("[file:size = ]", 13, "expected a value after =, found ']'");
  ExpectError("[file:hashes.MD5 = cead3f77f6cda6ec00f57d76c9a6879f]", 19,
              "expected a value after =");
  ExpectError("[file.size = 1280]", 5, "expected ':' between the object type and the property");
  ExpectError(R"([file:name MATCHES /.*\\.dll/])", 19, "unexpected character '/'");
  const std::string key = R"([win-registry-key:key = 'hkey_local_machine\\foo\\bar'])";
  ExpectError(key + " WITHIN ]", key.size() + 8, "expected a positive number of seconds");
  ExpectError(key + " WITHIN 5 HOURS]", key.size() + 10, "expected SECONDS after the WITHIN value");
  ExpectError(key + " WITHIN -5 SECONDS]", key.size() + 8,
              "expected a positive number of seconds after WITHIN, found '-5'");
  ExpectError("[network-traffic:dst_ref.value ISSUBSET ]", 40,
              "expected a string literal after ISSUBSET");
  ExpectError("[file:hashes.MD5 =? 'cead3f77f6cda6ec00f57d76c9a6879f']", 18,
              "unexpected character '?'");
  ExpectError("[x_whatever:detected == t'2457-73-22T32:81:84.1Z']", 24,
              "invalid timestamp literal");
  ExpectError("[artifact:payload_bin = b'====']", 24, "invalid binary literal");
  ExpectError("[foo:bar=1] within 2 seconds", 12,
              "unexpected 'within' after the end of the pattern");
  ExpectError("[file:hashes.'SHA-256' = 'f00']", 1, "'f00' is not a valid SHA-256 hash");
  ExpectError(key + " WITHIN 5 SECONDS WITHIN 6 SECONDS", key.size() + 18,
              "duplicate WITHIN qualifier");
  ExpectError("(" + key + " REPEATS 2 TIMES REPEATS 3 TIMES)", key.size() + 18,
              "duplicate REPEATS qualifier");
  const std::string start_stop =
      " START t'2016-06-01T01:30:00.123Z' STOP t'2016-06-01T02:20:00.123Z'";
  ExpectError(key + start_stop + start_stop, key.size() + start_stop.size() + 1,
              "duplicate START/STOP qualifier");
}

// Deliberate difference: the validator accepts a repeated qualifier after a parenthesis
// ("([x]) WITHIN 5 SECONDS WITHIN 6 SECONDS") but not after a bracket; one rule here for both.
TEST(PatternParseTest, RejectsRepeatedQualifiersAfterParenthesesToo) {
  const std::string text = "([a:b = 1]) WITHIN 5 SECONDS WITHIN 6 SECONDS";
  ExpectError(text, 29, "duplicate WITHIN qualifier");
}

TEST(PatternParseTest, NamesWhereAndWhyForOtherErrors) {
  ExpectError("[a:b = 'x'", 10,
              "expected ']' to close the observation expression opened at position 0, found end "
              "of pattern");
  ExpectError("[a:b = 'x' AND a:c = 1", 22, "expected ']' to close the observation expression");
  ExpectError("([a:b = 1]", 10, "expected ')' to close the parenthesis opened at position 0");
  ExpectError("[a:b = 'unterminated]", 7, "unterminated string literal");
  ExpectError(R"([a:b = 'C:\dir'])", 10, "invalid escape in string literal");
  ExpectError("", 0, "expected '[' or '('");
  ExpectError("[]", 1, "expected an object path");
  ExpectError("[a:b = 1] AND", 13, "expected '[' or '('");
  ExpectError("[a:b = 1] and [a:c = 2]", 10, "unexpected 'and'");
  ExpectError("[a:b ~ 1]", 5, "unexpected character '~'");
  ExpectError("[a:b LIKE 1]", 10, "expected a string literal after LIKE");
  ExpectError("[a:b > true]", 7, "a boolean cannot be compared");
  ExpectError("[a:b = 01]", 7, "integer with a leading zero");
  ExpectError("[a:b = 99999999999999999999]", 7, "integer out of the 64-bit range");
  ExpectError("[a:b[x] = 1]", 5, "expected a list index or '*'");
  ExpectError("[NOT a:b = 1]", 5, "expected EXISTS after a leading NOT");
  ExpectError("[a:b IN 1]", 8, "expected '(' to open the set after IN");
  ExpectError("[a:b IN (1, 2]", 13, "expected ',' or ')' in the IN set");
  ExpectError("[a:b = h'abc']", 7, "invalid hex literal");
  ExpectError("[a:b = 1] REPEATS 0 TIMES", 18, "REPEATS needs at least 1 repetition");
  ExpectError("[a:b = 1] START t'2020-01-02T00:00:00Z' STOP t'2020-01-01T00:00:00Z'", 45,
              "STOP must be later than START");
  ExpectError("[a:b = 1] START '2020-01-01T00:00:00Z' STOP t'2020-01-02T00:00:00Z'", 16,
              "expected a timestamp t'...' after START");
  ExpectError("[ipv4-addr:value ISSUBSET 'example.com']", 1,
              "ISSUBSET needs an IPv4 or IPv6 address or CIDR");
  ExpectError("[ipv4-addr:value ISSUPERSET '10.0.0.0/33']", 1, "ISSUPERSET needs an IPv4 or IPv6");
  ExpectError(R"([file:name MATCHES '(a)\\1'])", 1, "MATCHES regular expression not supported");
  ExpectError("[file:name MATCHES '(?=x)']", 1, "MATCHES regular expression not supported");
  ExpectError("[file:hashes.MD5 IN ('d41d8cd98f00b204e9800998ecf8427e', 'nothex')]", 1,
              "'nothex' is not a valid MD5 hash");
  ExpectError("[a:b = 1] /* unterminated", 10, "unterminated comment");
  ExpectError("[a:b = 1\x01]", 8, "unexpected character byte 0x01");
}

TEST(PatternParseTest, HashValuesOfUnknownAlgorithmsOrOtherOperatorsAreNotChecked) {
  EXPECT_TRUE(ParsePattern("[file:hashes.IMPHASH = 'anything']").has_value());
  EXPECT_TRUE(ParsePattern("[file:hashes.MD5 LIKE 'd41d8%']").has_value());
  EXPECT_TRUE(ParsePattern("[file:hashes.md5 = 'D41D8CD98F00B204E9800998ECF8427E']").has_value());
}

TEST(PatternParseTest, ObservationOperatorPrecedenceIsAndThenOrThenFollowedBy) {
  EXPECT_EQ(Format("[a:b = 1] AND [c:d = 2] OR [e:f = 3] FOLLOWEDBY [g:h = 4]"),
            "((([a:b = 1] AND [c:d = 2]) OR [e:f = 3]) FOLLOWEDBY [g:h = 4])");
  EXPECT_EQ(Format("[a:b = 1] FOLLOWEDBY [c:d = 2] OR [e:f = 3] AND [g:h = 4]"),
            "([a:b = 1] FOLLOWEDBY ([c:d = 2] OR ([e:f = 3] AND [g:h = 4])))");
  // Chains of one operator are one n-ary node.
  EXPECT_EQ(Format("[a:b = 1] AND [a:b = 2] AND [a:b = 3]"),
            "([a:b = 1] AND [a:b = 2] AND [a:b = 3])");
}

TEST(PatternParseTest, QualifiersBindToTheObservationExpressionBeforeThem) {
  EXPECT_EQ(Format("[a:b = 1] AND [c:d = 2] WITHIN 5 SECONDS"),
            "([a:b = 1] AND ([c:d = 2]) WITHIN 5 SECONDS)");
  EXPECT_EQ(Format("([a:b = 1] AND [c:d = 2]) WITHIN 2.5 SECONDS"),
            "(([a:b = 1] AND [c:d = 2])) WITHIN 2.5 SECONDS");
  EXPECT_EQ(Format("[a:b = 1] REPEATS 5 TIMES WITHIN 1800 SECONDS"),
            "(([a:b = 1]) REPEATS 5 TIMES) WITHIN 1800 SECONDS");
  EXPECT_EQ(Format("[a:b = 1] START t'2016-06-01T01:30:00.123Z' STOP t'2016-06-01T02:20:00Z'"),
            "([a:b = 1]) START t'2016-06-01T01:30:00.123000Z' STOP t'2016-06-01T02:20:00.000000Z'");
}

TEST(PatternParseTest, ComparisonAndBindsTighterThanOr) {
  EXPECT_EQ(Format("[a:b = 1 OR a:c = 2 AND a:d = 3]"), "[(a:b = 1 OR (a:c = 2 AND a:d = 3))]");
  EXPECT_EQ(Format("[(a:b = 1 OR a:c = 2) AND a:d = 3]"), "[((a:b = 1 OR a:c = 2) AND a:d = 3)]");
  EXPECT_EQ(Format("[a:b NOT = 1 AND NOT EXISTS a:c AND EXISTS a:d]"),
            "[(a:b NOT = 1 AND NOT EXISTS a:c AND EXISTS a:d)]");
}

TEST(PatternParseTest, FormattedPatternsParseBackToTheSameTree) {
  std::vector<std::string> all = kSpecExamples;
  all.insert(all.end(), kValidatorPassCases.begin(), kValidatorPassCases.end());
  for (const std::string& text : all) {
    const std::string once = Format(text);
    ASSERT_FALSE(once.starts_with("<error")) << text << ": " << once;
    EXPECT_EQ(Format(once), once) << text;
  }
}

TEST(PatternParseTest, DecodesLiterals) {
  Result<Pattern> p = ParsePattern(
      R"([a:s = 'it\'s \\ here' AND a:i = -5 AND a:j = +7 AND a:f = -.5 AND a:g = 7.25 AND )"
      R"(a:t = t'2014-01-13T07:03:17Z' AND a:h = h'ffD8' AND a:b = b'dGhpcyBpcyBhIHRlc3Q=' AND )"
      R"(a:x = true AND a:y IN () AND a:z = 'x' AND a:e = h''])");
  ASSERT_TRUE(p.has_value()) << p.error().message;
  const auto& c = p->comparisons;
  ASSERT_EQ(c.size(), 12u);
  EXPECT_EQ(c[0].values[0].bytes, R"(it's \ here)");
  EXPECT_EQ(c[1].values[0].kind, PatternLiteral::Kind::kInt);
  EXPECT_EQ(c[1].values[0].int_value, -5);
  EXPECT_EQ(c[2].values[0].int_value, 7);
  EXPECT_EQ(c[3].values[0].kind, PatternLiteral::Kind::kFloat);
  EXPECT_DOUBLE_EQ(c[3].values[0].float_value, -0.5);
  EXPECT_DOUBLE_EQ(c[4].values[0].float_value, 7.25);
  EXPECT_EQ(c[5].values[0].kind, PatternLiteral::Kind::kTimestamp);
  EXPECT_EQ(c[5].values[0].timestamp, ParseTimestamp("2014-01-13T07:03:17Z").value());
  EXPECT_EQ(c[6].values[0].bytes, std::string("\xff\xd8"));
  EXPECT_EQ(c[7].values[0].bytes, "this is a test");
  EXPECT_EQ(c[8].values[0].kind, PatternLiteral::Kind::kBool);
  EXPECT_TRUE(c[8].values[0].bool_value);
  EXPECT_EQ(c[9].op, PatternOperator::kIn);
  EXPECT_TRUE(c[9].values.empty());
  EXPECT_EQ(c[11].values[0].kind, PatternLiteral::Kind::kHex);
  EXPECT_TRUE(c[11].values[0].bytes.empty());
}

TEST(PatternParseTest, ReadsObjectPaths) {
  Result<Pattern> p = ParsePattern(
      "[network-traffic:extensions.'http-request-ext'.request_header.Host = 'x' AND "
      "email-message:body_multipart[*].body_raw_ref.name = 'y' AND a:'b c'[-1][0] = 1 AND "
      "file:hashes.sha256 = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']");
  ASSERT_TRUE(p.has_value()) << p.error().message;
  const PatternObjectPath& http = p->comparisons[0].path;
  EXPECT_EQ(http.object_type, "network-traffic");
  ASSERT_EQ(http.steps.size(), 4u);
  EXPECT_EQ(http.steps[1].key, "http-request-ext");
  EXPECT_EQ(p->comparisons[0].property_path, "extensions.http-request-ext.request_header.Host");
  EXPECT_FALSE(p->comparisons[0].any_index);
  EXPECT_EQ(p->comparisons[1].property_path, "body_multipart[*].body_raw_ref.name");
  EXPECT_TRUE(p->comparisons[1].any_index);
  const PatternObjectPath& quoted = p->comparisons[2].path;
  ASSERT_EQ(quoted.steps.size(), 3u);
  EXPECT_EQ(quoted.steps[0].key, "b c");
  EXPECT_EQ(quoted.steps[1].kind, PatternPathStep::Kind::kIndex);
  EXPECT_EQ(quoted.steps[1].index, -1);
  // Hash algorithm keys are canonicalised so 'SHA-256', sha256 and SHA_256 name one property.
  EXPECT_EQ(p->comparisons[3].property_path, "hashes.SHA-256");
  // Object types bind per observation expression: two types, two slots.
  const PatternObservationNode& leaf = p->observation_nodes[p->leaves[0]];
  EXPECT_EQ(leaf.object_types,
            (std::vector<std::string>{"network-traffic", "email-message", "a", "file"}));
  EXPECT_EQ(p->comparisons[3].type_slot, 3u);
}

TEST(PatternParseTest, SkipsCommentsAndUnicodeWhitespace) {
  EXPECT_EQ(Format("[a:b /* note */ = 1] // trailing\n"), "[a:b = 1]");
  EXPECT_EQ(Format("[a:b\xC2\xA0=\xE2\x80\x83"
                   "1]"),
            "[a:b = 1]");  // NBSP, EM SPACE
  EXPECT_EQ(Format("\t[a:b = 1]\r\n  FOLLOWEDBY\n[a:c = 2]  "), "([a:b = 1] FOLLOWEDBY [a:c = 2])");
}

TEST(PatternParseTest, AcceptsTheOperatorSpellingsOfTheGrammar) {
  EXPECT_EQ(Format("[a:b == 1 AND a:c <> 2 AND a:d != 3]"),
            "[(a:b = 1 AND a:c != 2 AND a:d != 3)]");
  EXPECT_EQ(Format("[a:b NOT IN ('x', 1, true) AND a:c NOT LIKE 'x%' AND a:d NOT MATCHES '^x']"),
            "[(a:b NOT IN ('x', 1, true) AND a:c NOT LIKE 'x%' AND a:d NOT MATCHES '^x')]");
}

TEST(PatternParseTest, HostileNestingIsAnErrorNotAStackOverflow) {
  const std::string deep_parens(100000, '(');
  ExpectError(deep_parens, 64, "nesting deeper than 64", ErrorCode::kTooLarge);
  std::string deep_comparison = "[";
  for (int i = 0; i < 100000; ++i) deep_comparison += '(';
  ExpectError(deep_comparison, 64, "nesting deeper than 64", ErrorCode::kTooLarge);
  // Exactly at the limit is fine.
  std::string ok = std::string(63, '(') + "[a:b = 1]" + std::string(63, ')');
  EXPECT_TRUE(ParsePattern(ok).has_value());
}

TEST(PatternParseTest, LongFlatChainsNeedNoDepth) {
  std::string text = "[a:b = 0";
  for (int i = 1; i < 5000; ++i) text += " OR a:b = " + std::to_string(i);
  text += "]";
  for (int i = 0; i < 2000; ++i) text += " AND [a:c = 1]";
  Result<Pattern> p = ParsePattern(text);
  ASSERT_TRUE(p.has_value()) << p.error().message;
  EXPECT_EQ(p->comparisons.size(), 5000u + 2000u);
  EXPECT_EQ(p->leaves.size(), 2001u);
}

TEST(PatternParseTest, EnforcesSizeLimits) {
  PatternParseOptions options;
  options.max_bytes = 16;
  Result<Pattern> p = ParsePattern("[a:b = 'longer than sixteen']", options);
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().code, ErrorCode::kTooLarge);

  options = {};
  options.max_comparisons = 2;
  p = ParsePattern("[a:b = 1 AND a:c = 2 AND a:d = 3]", options);
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().code, ErrorCode::kTooLarge);
  EXPECT_EQ(p.error().message, "position 25: more than 2 comparison expressions");

  ExpectError("[a:b = 1] REPEATS 1001 TIMES", 18, "REPEATS above the limit of 1000",
              ErrorCode::kTooLarge);
}

}  // namespace
}  // namespace socmesh::model
