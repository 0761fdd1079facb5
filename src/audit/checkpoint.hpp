// Signed tree heads ("checkpoints") of the audit log, in the spirit of RFC 9162 section 4.10 and
// the C2SP tlog-checkpoint note format: a small text body naming the log, the tree size and root
// and the time, signed with ECDSA P-256 / SHA-256. The body is signed as is, so any third party
// checks it with stock tools:
//
//   socmesh audit export-checkpoint --log DIR --body body.txt --signature sig.der
//   openssl dgst -sha256 -verify pub.pem -signature sig.der body.txt
//
// Body (every line ends with "\n"):
//
//   socmesh-audit-checkpoint/v1
//   origin <log id: 1-128 printable ASCII characters, no spaces>
//   size <number of entries covered>
//   root <lower-case hex of the RFC 9162 Merkle tree hash of those entries>
//   time <RFC 3339 UTC timestamp with microseconds>
//
// Stored as one canonical JSON line {"body":"…","signature":"<base64 DER>"} in checkpoints.jsonl;
// the same line in a file of its own is a trusted checkpoint for `audit verify`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "audit/signing_key.hpp"
#include "core/error.hpp"
#include "crypto/merkle.hpp"
#include "model/timestamp.hpp"

namespace socmesh::audit {

inline constexpr std::string_view kCheckpointHeader = "socmesh-audit-checkpoint/v1";

struct TreeHead {
  std::string origin;
  uint64_t size = 0;
  crypto::merkle::Hash root{};
  model::Timestamp time;
  friend bool operator==(const TreeHead&, const TreeHead&) = default;
};

struct Checkpoint {
  TreeHead head;
  std::string body;       // exactly the signed bytes
  std::string signature;  // DER ECDSA signature (binary)
};

// kInvalidArgument unless `origin` is 1-128 printable ASCII characters without spaces.
Result<void> ValidateOrigin(std::string_view origin);

std::string FormatCheckpointBody(const TreeHead& head);
// Strict inverse of FormatCheckpointBody (kParse naming the line otherwise).
Result<TreeHead> ParseCheckpointBody(std::string_view body);

// Formats and signs `head`. REQUIRES: `key` is a P-256 private key.
Result<Checkpoint> SignCheckpoint(const TreeHead& head, EVP_PKEY* key);

// True iff the signature over the body verifies under `key`.
bool VerifyCheckpointSignature(const Checkpoint& checkpoint, EVP_PKEY* key);

// The stored JSON line (no newline), and back. Parsing checks the body's form, not the signature.
std::string SerializeCheckpoint(const Checkpoint& checkpoint);
Result<Checkpoint> ParseCheckpoint(std::string_view line);

}  // namespace socmesh::audit
