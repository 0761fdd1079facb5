#include "audit/entry.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "model/canonical_json.hpp"

namespace socmesh::audit {

namespace {

constexpr uint64_t kMaxSafeInteger = uint64_t{1} << 53;  // JCS numbers are IEEE doubles

// Words of a detail key, lower-cased: "userPIN" -> user, pin; "api_key" -> api, key.
std::vector<std::string> KeyWords(std::string_view key) {
  std::vector<std::string> words;
  std::string cur;
  char prev = 0;
  for (char c : key) {
    const bool alnum = std::isalnum(static_cast<unsigned char>(c)) != 0;
    const bool boundary = !alnum || (std::isupper(static_cast<unsigned char>(c)) &&
                                     std::islower(static_cast<unsigned char>(prev)));
    if (boundary && !cur.empty()) words.push_back(std::exchange(cur, {}));
    if (alnum) cur.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    prev = c;
  }
  if (!cur.empty()) words.push_back(cur);
  return words;
}

bool KeyNamesSecret(std::string_view key) {
  static constexpr std::array<std::string_view, 14> kSecretWords = {
      "pin",         "password", "passwd", "passphrase",    "secret", "token",   "credential",
      "credentials", "cookie",   "apikey", "authorization", "otp",    "secrets", "pwd"};
  const auto words = KeyWords(key);
  bool has_qualifier = false, has_key = false;
  for (const auto& w : words) {
    if (std::find(kSecretWords.begin(), kSecretWords.end(), w) != kSecretWords.end()) return true;
    has_qualifier |= w == "private" || w == "priv" || w == "api" || w == "access";
    has_key |= w == "key";
  }
  // "key" alone names public things too (key_id, key usage); with these qualifiers it is a secret.
  return has_qualifier && has_key;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

// Redacts secret-looking content of a string in place; true if anything changed.
bool RedactValue(std::string& value) {
  std::string_view v = value;
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  if ((value.find("-----BEGIN") != std::string::npos &&
       value.find("PRIVATE KEY") != std::string::npos) ||
      StartsWithNoCase(v, "bearer ") || StartsWithNoCase(v, "basic ")) {
    value = kValueRedacted;
    return true;
  }
  bool changed = false;
  // PKCS#11 URIs (RFC 7512) may carry the token PIN as a query attribute.
  for (size_t pos = 0; (pos = value.find("pin-value=", pos)) != std::string::npos;) {
    const size_t start = pos + 10;
    size_t end = value.find_first_of("&;?#", start);
    if (end == std::string::npos) end = value.size();
    if (value.compare(start, end - start, kValueRedacted) != 0) {
      value.replace(start, end - start, kValueRedacted);
      changed = true;
    }
    pos = start + kValueRedacted.size();
  }
  return changed;
}

bool ValidAction(std::string_view action) {
  if (action.empty() || action.size() > 64) return false;
  return std::all_of(action.begin(), action.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
  });
}

Result<std::string_view> GetString(simdjson::dom::object obj, const char* key,
                                   std::string_view where) {
  std::string_view out;
  if (obj[key].get_string().get(out) != simdjson::SUCCESS) {
    return Fail(ErrorCode::kParse, std::string(where) + "\"" + key + "\" missing or not a string");
  }
  return out;
}

}  // namespace

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kSuccess:
      return "success";
    case Outcome::kFailure:
      return "failure";
    case Outcome::kDenied:
      return "denied";
  }
  return "failure";
}

Result<Outcome> ParseOutcome(std::string_view name) {
  if (name == "success") return Outcome::kSuccess;
  if (name == "failure") return Outcome::kFailure;
  if (name == "denied") return Outcome::kDenied;
  return Fail(ErrorCode::kInvalidArgument,
              "outcome \"" + std::string(name) + "\": expected success, failure or denied");
}

std::vector<std::string> Sanitize(AuditEvent& event) {
  std::vector<std::string> redacted;
  for (auto& [key, value] : event.details) {
    if (KeyNamesSecret(key)) {
      if (value != kValueRedacted) {
        value = kValueRedacted;
        redacted.push_back("details." + key);
      }
    } else if (RedactValue(value)) {
      redacted.push_back("details." + key);
    }
  }
  if (RedactValue(event.target)) redacted.push_back("target");
  if (RedactValue(event.actor.org)) redacted.push_back("actor.org");
  if (RedactValue(event.actor.user)) redacted.push_back("actor.user");
  if (RedactValue(event.actor.node)) redacted.push_back("actor.node");
  return redacted;
}

Result<void> ValidateEvent(const AuditEvent& event) {
  if (!ValidAction(event.action)) {
    return Fail(ErrorCode::kInvalidArgument,
                "audit action \"" + event.action + "\": expected 1-64 of [a-z0-9.-]");
  }
  return {};
}

Result<std::string> SerializeEntry(const AuditEntry& entry) {
  if (auto ok = ValidateEvent(entry.event); !ok) return std::unexpected(ok.error());
  if (entry.seq >= kMaxSafeInteger) {
    return Fail(ErrorCode::kInvalidArgument, "audit seq beyond 2^53 cannot be written as JCS");
  }
  const AuditEvent& e = entry.event;
  model::JsonWriter w;
  w.BeginObject()
      .Key("action")
      .String(e.action)
      .Key("actor")
      .BeginObject()
      .Key("node")
      .String(e.actor.node)
      .Key("org")
      .String(e.actor.org)
      .Key("user")
      .String(e.actor.user)
      .EndObject()
      .Key("details")
      .BeginObject();
  for (const auto& [k, v] : e.details) w.Key(k).String(v);
  w.EndObject()
      .Key("outcome")
      .String(OutcomeName(e.outcome))
      .Key("prev")
      .String(entry.prev)
      .Key("seq")
      .Int(static_cast<int64_t>(entry.seq))
      .Key("target")
      .String(e.target)
      .Key("time")
      .String(model::FormatTimestamp(entry.time, /*micro=*/true))
      .EndObject();
  // The writer escapes and repairs UTF-8; JCS then fixes key order (detail keys sort by UTF-16
  // code units, which std::map's byte order does not match beyond ASCII).
  auto canonical = model::CanonicalizeJson(w.str());
  if (!canonical) return std::unexpected(canonical.error().WithContext("audit entry"));
  if (canonical->size() > kMaxEntryBytes) {
    return Fail(ErrorCode::kTooLarge, "audit entry of " + std::to_string(canonical->size()) +
                                          " bytes exceeds " + std::to_string(kMaxEntryBytes));
  }
  return canonical;
}

Result<AuditEntry> ParseEntry(std::string_view line) {
  if (line.size() > kMaxEntryBytes) {
    return Fail(ErrorCode::kTooLarge, "entry of " + std::to_string(line.size()) +
                                          " bytes exceeds " + std::to_string(kMaxEntryBytes));
  }
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.parse(line.data(), line.size()).get(root); err) {
    return Fail(ErrorCode::kParse, std::string("not JSON: ") + simdjson::error_message(err));
  }
  simdjson::dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) {
    return Fail(ErrorCode::kParse, "not a JSON object");
  }
  static constexpr std::array<std::string_view, 8> kFields = {
      "action", "actor", "details", "outcome", "prev", "seq", "target", "time"};
  for (auto field : obj) {
    if (std::find(kFields.begin(), kFields.end(), field.key) == kFields.end()) {
      return Fail(ErrorCode::kParse, "unknown field \"" + std::string(field.key) + "\"");
    }
  }
  AuditEntry entry;
  AuditEvent& e = entry.event;
  auto action = GetString(obj, "action", "");
  if (!action) return std::unexpected(action.error());
  e.action = *action;
  simdjson::dom::object actor;
  if (obj["actor"].get_object().get(actor) != simdjson::SUCCESS) {
    return Fail(ErrorCode::kParse, "\"actor\" missing or not an object");
  }
  for (auto [name, field] : {std::pair{"node", &e.actor.node}, std::pair{"org", &e.actor.org},
                             std::pair{"user", &e.actor.user}}) {
    auto v = GetString(actor, name, "actor.");
    if (!v) return std::unexpected(v.error());
    *field = *v;
  }
  simdjson::dom::object details;
  if (obj["details"].get_object().get(details) != simdjson::SUCCESS) {
    return Fail(ErrorCode::kParse, "\"details\" missing or not an object");
  }
  for (auto field : details) {
    std::string_view v;
    if (field.value.get_string().get(v) != simdjson::SUCCESS) {
      return Fail(ErrorCode::kParse, "details.\"" + std::string(field.key) + "\" is not a string");
    }
    e.details[std::string(field.key)] = v;
  }
  auto outcome_name = GetString(obj, "outcome", "");
  if (!outcome_name) return std::unexpected(outcome_name.error());
  auto outcome = ParseOutcome(*outcome_name);
  if (!outcome) return Fail(ErrorCode::kParse, outcome.error().message);
  e.outcome = *outcome;
  auto prev = GetString(obj, "prev", "");
  if (!prev) return std::unexpected(prev.error());
  entry.prev = *prev;
  uint64_t seq = 0;
  if (obj["seq"].get_uint64().get(seq) != simdjson::SUCCESS || seq >= kMaxSafeInteger) {
    return Fail(ErrorCode::kParse, "\"seq\" missing or not an integer in [0, 2^53)");
  }
  entry.seq = seq;
  auto target = GetString(obj, "target", "");
  if (!target) return std::unexpected(target.error());
  e.target = *target;
  auto time_text = GetString(obj, "time", "");
  if (!time_text) return std::unexpected(time_text.error());
  auto time = model::ParseTimestamp(*time_text);
  if (!time) return Fail(ErrorCode::kParse, "\"time\": " + time.error().message);
  entry.time = *time;
  if (entry.prev.size() != 64 || !std::all_of(entry.prev.begin(), entry.prev.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      })) {
    return Fail(ErrorCode::kParse, "\"prev\" is not 64 lower-case hex digits");
  }
  // Only the canonical form is accepted, so that what is displayed is exactly what was hashed.
  auto again = SerializeEntry(entry);
  if (!again) return Fail(ErrorCode::kParse, again.error().message);
  if (*again != line) return Fail(ErrorCode::kParse, "entry is not in canonical form");
  return entry;
}

}  // namespace socmesh::audit
