// Hostile XML against the IODEF importer (issue 3, "Bad input"): a clear error, no crash, no
// expansion, no file read, no network.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "common/test_data.hpp"
#include "formats/iodef/iodef.hpp"

namespace socmesh::formats::iodef {
namespace {

using socmesh::testing::DataPath;
using socmesh::testing::ReadFile;

ImportOptions Options() {
  ImportOptions o;
  o.schema_dir = DataPath("iodef/schemas");
  return o;
}

const char* kDocStart =
    R"(<IODEF-Document version="2.00" xmlns="urn:ietf:params:xml:ns:iodef-2.0">)";

std::string Minimal() {
  return ReadFile(DataPath("iodef/examples/rfc7970/RFC7970_MinimalIODEF.xml"));
}

TEST(IodefHostile, BillionLaughsIsRefusedWithoutExpansion) {
  std::string xml = R"(<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">)";
  std::string previous = "lol";
  for (int i = 1; i <= 9; ++i) {
    std::string name = "lol" + std::to_string(i);
    xml += "<!ENTITY " + name + " \"";
    for (int k = 0; k < 10; ++k) xml += "&" + previous + ";";
    xml += "\">";
    previous = name;
  }
  xml += "]>" + std::string(kDocStart) + "<Incident><Description>&lol9;</Description>" +
         "</Incident></IODEF-Document>";
  auto start = std::chrono::steady_clock::now();
  auto parsed = ImportIodef(xml, Options());
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().code, ErrorCode::kParse);
  EXPECT_NE(parsed.error().message.find("DOCTYPE is not allowed"), std::string::npos);
  EXPECT_NE(parsed.error().message.find("line 1"), std::string::npos);
  EXPECT_LT(elapsed, std::chrono::seconds(1));  // 10^9 "lol"s would take far longer
}

TEST(IodefHostile, ExternalEntityIsNotRead) {
  std::string xml = Minimal();
  xml.insert(xml.find("<IODEF-Document"),
             "<!DOCTYPE IODEF-Document [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n");
  xml.replace(xml.find("<!-- Add more"), 4, "&xxe;<!--");
  auto parsed = ImportIodef(xml, Options());
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().code, ErrorCode::kParse);
  EXPECT_EQ(parsed.error().message.find("root:"), std::string::npos);
  EXPECT_NE(parsed.error().message.find("DOCTYPE"), std::string::npos);
}

TEST(IodefHostile, ExternalDtdIsNotLoaded) {
  std::string xml = Minimal();
  xml.insert(xml.find("<IODEF-Document"),
             "<!DOCTYPE IODEF-Document SYSTEM \"http://127.0.0.1:9/iodef.dtd\">\n");
  auto parsed = ImportIodef(xml, Options());
  ASSERT_FALSE(parsed.has_value());
  EXPECT_NE(parsed.error().message.find("DOCTYPE"), std::string::npos);
}

// XInclude is never processed: the include element is just an unknown element the schema
// refuses, and nothing of /etc/passwd reaches the output.
TEST(IodefHostile, XIncludeIsNotProcessed) {
  std::string xml = Minimal();
  xml.replace(xml.find("<!-- Add more"), 4,
              R"(<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="/etc/passwd" )"
              R"(parse="text"/><!--)");
  auto parsed = ImportIodef(xml, Options());
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(parsed->rejected, 1u);
  for (const auto& f : parsed->findings) {
    EXPECT_EQ(f.diagnostic.message.find("root:"), std::string::npos);
  }
  ImportOptions unchecked = Options();
  unchecked.validate = false;
  auto mapped = ImportIodef(xml, unchecked);
  ASSERT_TRUE(mapped.has_value());
  for (const auto& o : mapped->objects) {
    EXPECT_EQ(o.canonical_json.find("root:"), std::string::npos) << o.id;
  }
}

TEST(IodefHostile, DeepNestingIsRefused) {
  std::string xml = std::string(kDocStart) + "<Incident>";
  for (int i = 0; i < 100000; ++i) xml += "<a>";
  for (int i = 0; i < 100000; ++i) xml += "</a>";
  xml += "</Incident></IODEF-Document>";
  auto parsed = ImportIodef(xml, Options());
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().code, ErrorCode::kTooLarge);
  EXPECT_NE(parsed.error().message.find("nested deeper than 64"), std::string::npos);
}

TEST(IodefHostile, HugeTextIsRefused) {
  std::string xml = Minimal();
  xml.replace(xml.find("<!-- Add more"), 4,
              "<Description>" + std::string(3 << 20, 'A') + "</Description><!--");
  auto parsed = ImportIodef(xml, Options());
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().code, ErrorCode::kTooLarge);
  EXPECT_NE(parsed.error().message.find("longer than 1048576 bytes"), std::string::npos);
  // A huge attribute value as well.
  std::string attr = Minimal();
  attr.replace(attr.find(R"(name="csirt.example.com")"), 24,
               "name=\"" + std::string(2 << 20, 'n') + "\"");
  auto refused = ImportIodef(attr, Options());
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kTooLarge);
}

TEST(IodefHostile, OversizedInputIsRefusedBeforeParsing) {
  ImportOptions o = Options();
  o.max_bytes = 100;
  auto parsed = ImportIodef(Minimal(), o);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().code, ErrorCode::kTooLarge);
}

TEST(IodefHostile, MalformedXmlNamesLineAndReason) {
  std::string xml = Minimal();
  xml.replace(xml.find("</IncidentID>"), 13, "</IncidentId>");
  auto parsed = ImportIodef(xml, Options());
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().code, ErrorCode::kParse);
  EXPECT_NE(parsed.error().message.find("line 8"), std::string::npos) << parsed.error().message;
  EXPECT_NE(parsed.error().message.find("mismatch"), std::string::npos) << parsed.error().message;
  for (std::string garbage :
       {std::string(), std::string("\x00\xff\xfe", 3), std::string("{}"), std::string("<a>")}) {
    auto r = ImportIodef(garbage, Options());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ErrorCode::kParse);
  }
}

TEST(IodefHostile, OtherXmlIsNotIodef) {
  auto parsed =
      ImportIodef(R"(<?xml version="1.0"?><rss version="2.0"><channel/></rss>)", Options());
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().code, ErrorCode::kParse);
  EXPECT_NE(parsed.error().message.find("not IODEF-Document"), std::string::npos);
}

// Unvalidated garbage in IODEF clothing (what the fuzzer feeds) maps what it can and reports the
// rest: an Incident without IncidentID is rejected, not crashed on.
TEST(IodefHostile, UnvalidatedIncidentWithoutIdIsRejected) {
  ImportOptions o = Options();
  o.validate = false;
  auto parsed = ImportIodef(std::string(kDocStart) +
                                "<Incident><Address category=\"ipv4-addr\">999.1.1.1</Address>"
                                "</Incident></IODEF-Document>",
                            o);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->rejected, 1u);
  EXPECT_TRUE(parsed->objects.empty());
}

}  // namespace
}  // namespace socmesh::formats::iodef
