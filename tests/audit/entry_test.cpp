// Audit entries (E5): canonical JSON lines, strict parsing, and no secrets ever written.
#include "audit/entry.hpp"

#include <gtest/gtest.h>

#include <string>

namespace socmesh::audit {
namespace {

AuditEntry SampleEntry() {
  AuditEntry e;
  e.seq = 7;
  e.time = model::Timestamp{1'767'225'600'123'456};
  e.prev = std::string(64, 'a');
  e.event.actor = {"CERT-EU", "alice", "node-1"};
  e.event.action = std::string(kActionIngest);
  e.event.target = "bundle--6b1ac8a2-7f7f-4c5f-9f55-7d8e0f6a1b2c";
  e.event.outcome = Outcome::kSuccess;
  e.event.details = {{"objects", "120"}, {"rejected", "2"}};
  return e;
}

TEST(AuditEntryTest, SerializesAsCanonicalJsonWithSortedKeys) {
  auto line = SerializeEntry(SampleEntry());
  ASSERT_TRUE(line) << line.error().message;
  EXPECT_EQ(*line, R"({"action":"ingest","actor":{"node":"node-1","org":"CERT-EU","user":"alice"},)"
                   R"("details":{"objects":"120","rejected":"2"},"outcome":"success","prev":")" +
                       std::string(64, 'a') +
                       R"(","seq":7,"target":"bundle--6b1ac8a2-7f7f-4c5f-9f55-7d8e0f6a1b2c",)"
                       R"("time":"2026-01-01T00:00:00.123456Z"})");
}

TEST(AuditEntryTest, ParseIsTheInverseOfSerialize) {
  const AuditEntry e = SampleEntry();
  auto line = SerializeEntry(e);
  ASSERT_TRUE(line);
  auto parsed = ParseEntry(*line);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(*parsed, e);
}

TEST(AuditEntryTest, RefusesNonCanonicalText) {
  // E5: what is displayed must be exactly what was hashed, so only one spelling is accepted.
  auto line = SerializeEntry(SampleEntry());
  ASSERT_TRUE(line);
  std::string spaced = *line;
  spaced.insert(1, " ");
  auto parsed = ParseEntry(spaced);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, ErrorCode::kParse);
  EXPECT_NE(parsed.error().message.find("canonical"), std::string::npos);
}

TEST(AuditEntryTest, NamesTheBadField) {
  auto line = SerializeEntry(SampleEntry());
  ASSERT_TRUE(line);
  std::string bad = *line;
  bad.replace(bad.find("\"success\""), 9, "\"maybe\"");
  auto parsed = ParseEntry(bad);
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("outcome"), std::string::npos);

  auto not_json = ParseEntry("{\"action\":");
  ASSERT_FALSE(not_json);
  EXPECT_EQ(not_json.error().code, ErrorCode::kParse);

  std::string extra = *line;
  extra.insert(1, R"("aaa":"x",)");
  auto unknown = ParseEntry(extra);
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("unknown field \"aaa\""), std::string::npos);
}

TEST(AuditEntryTest, RejectsMalformedAction) {
  AuditEntry e = SampleEntry();
  e.event.action = "Ingest Everything";
  auto line = SerializeEntry(e);
  ASSERT_FALSE(line);
  EXPECT_EQ(line.error().code, ErrorCode::kInvalidArgument);
}

TEST(AuditEntryTest, InvalidUtf8FromTheNetworkIsRepairedNotRefused) {
  // An auth failure with a garbage user name must still be recorded (E5).
  AuditEntry e = SampleEntry();
  e.event.actor.user = "mallory\xff\xfe";
  auto line = SerializeEntry(e);
  ASSERT_TRUE(line) << line.error().message;
  auto parsed = ParseEntry(*line);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->event.actor.user, "mallory\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(AuditEntryTest, RedactsSecretsByKeyName) {
  // E5 "never secrets": a token PIN, password or bearer token given as a detail is never stored.
  AuditEvent ev;
  ev.action = "auth-failure";
  ev.details = {{"pin", "1234"},         {"userPIN", "9999"},       {"api_key", "k"},
                {"password", "hunter2"}, {"private_key", "secret"}, {"Session-Token", "tok"},
                {"mapping", "kept"},     {"key_id", "kept too"},    {"shipping", "kept"}};
  const auto redacted = Sanitize(ev);
  for (const char* k : {"pin", "userPIN", "password", "private_key", "Session-Token", "api_key"}) {
    EXPECT_EQ(ev.details[k], kValueRedacted) << k;
  }
  EXPECT_EQ(ev.details["mapping"], "kept");
  EXPECT_EQ(ev.details["key_id"], "kept too");
  EXPECT_EQ(ev.details["shipping"], "kept");
  EXPECT_EQ(redacted.size(), 6u);
}

TEST(AuditEntryTest, RedactsSecretsByContent) {
  AuditEvent ev;
  ev.action = "pki";
  ev.target = "pkcs11:token=soc;object=node-key?pin-value=123456&module-name=softhsm2";
  ev.details = {{"header", "Bearer eyJhbGciOi.secret"},
                {"note", "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE...\n"},
                {"basic", "  Basic dXNlcjpwYXNz"},
                {"cert", "-----BEGIN CERTIFICATE-----\nMIIB...\n"}};
  const auto redacted = Sanitize(ev);
  EXPECT_EQ(ev.target,
            "pkcs11:token=soc;object=node-key?pin-value=[redacted]&module-name=softhsm2");
  EXPECT_EQ(ev.details["header"], kValueRedacted);
  EXPECT_EQ(ev.details["note"], kValueRedacted);
  EXPECT_EQ(ev.details["basic"], kValueRedacted);
  EXPECT_EQ(ev.details["cert"], "-----BEGIN CERTIFICATE-----\nMIIB...\n");  // public: kept
  EXPECT_EQ(redacted.size(), 4u);
  EXPECT_TRUE(Sanitize(ev).empty());  // idempotent
}

}  // namespace
}  // namespace socmesh::audit
