// One audit log entry (E5): who did what to which resource, when, with what outcome.
//
// Stored as one line of RFC 8785 canonical JSON, so that the bytes that are hashed into the Merkle
// tree (RFC 9162 leaf hash) are a deterministic function of the entry:
//
//   {"action":"ingest","actor":{"node":"n1","org":"CERT-EU","user":"alice"},
//    "details":{"objects":"120"},"outcome":"success","prev":"<64 hex>","seq":41,
//    "target":"bundle--…","time":"2026-11-23T10:00:00.000000Z"}
//
// `prev` is the leaf hash of the previous entry (64 zeros for seq 0): the signed tree heads already
// protect every entry, the chain only lets the verifier name the exact line that was modified.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "model/timestamp.hpp"

namespace socmesh::audit {

// Standard actions; modules may use other names matching [a-z0-9.-]{1,64}.
inline constexpr std::string_view kActionIngest = "ingest";
inline constexpr std::string_view kActionRead = "read";
inline constexpr std::string_view kActionShare = "share";
inline constexpr std::string_view kActionReceipt = "receipt";
inline constexpr std::string_view kActionAdmin = "admin";
inline constexpr std::string_view kActionPki = "pki";
inline constexpr std::string_view kActionAuthFailure = "auth-failure";
inline constexpr std::string_view kActionAuditRecovery = "audit-recovery";

enum class Outcome { kSuccess, kFailure, kDenied };
std::string_view OutcomeName(Outcome outcome);  // "success", "failure", "denied"
Result<Outcome> ParseOutcome(std::string_view name);

// Who acted: the organisation, the user within it and the node that did the work. Any may be
// empty (a node acting on its own has no user).
struct Actor {
  std::string org;
  std::string user;
  std::string node;
  friend bool operator==(const Actor&, const Actor&) = default;
};

// What a caller records; the log adds seq, time and prev.
struct AuditEvent {
  Actor actor;
  std::string action;
  std::string target;  // object id, resource or peer the operation was about
  Outcome outcome = Outcome::kSuccess;
  std::map<std::string, std::string> details;  // free-form context; never secrets (see Sanitize)
  friend bool operator==(const AuditEvent&, const AuditEvent&) = default;
};

struct AuditEntry {
  uint64_t seq = 0;
  model::Timestamp time;
  std::string prev;  // lower-case hex of the previous entry's leaf hash
  AuditEvent event;
  friend bool operator==(const AuditEntry&, const AuditEntry&) = default;
};

inline constexpr size_t kMaxEntryBytes = 64 * 1024;
inline constexpr std::string_view kValueRedacted = "[redacted]";

// Removes secrets before anything is written (E5 records operations, never credentials):
//  - a detail whose key names a secret — any word of the key (split at non-alphanumerics and
//    lower/upper case changes) among pin, password, passwd, passphrase, secret, token,
//    credential(s), cookie, authorization, apikey, otp, or "private"/"api"/"access" + "key" — has
//    its value replaced by
//    "[redacted]";
//  - any string (details, target, actor) holding a PEM private key or an HTTP "Bearer"/"Basic"
//    credential is replaced by "[redacted]", and a "pin-value=" attribute of a PKCS#11 URI
//    (RFC 7512) has its value redacted.
// Returns the names of the redacted fields (e.g. "details.pin", "target"), empty if none.
std::vector<std::string> Sanitize(AuditEvent& event);

// Errors: kInvalidArgument when the action is not [a-z0-9.-]{1,64}.
Result<void> ValidateEvent(const AuditEvent& event);

// The canonical JSON line of `entry` (no trailing newline). Invalid UTF-8 in any string becomes
// U+FFFD. Errors: kInvalidArgument (seq beyond 2^53, bad action), kTooLarge (> kMaxEntryBytes).
Result<std::string> SerializeEntry(const AuditEntry& entry);

// Parses one stored line (without its newline). Errors: kParse naming the problem (not JSON, a
// missing or mistyped field, unknown field, not in canonical form), kTooLarge.
Result<AuditEntry> ParseEntry(std::string_view line);

}  // namespace socmesh::audit
