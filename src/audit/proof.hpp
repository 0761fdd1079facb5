// Audit proofs a third party can check with only the log's public key (RFC 9162 section 2.1.3 and
// 2.1.4), exported as JSON:
//
// Inclusion — entry `seq` is in the tree signed by `checkpoint`:
//   {"checkpoint":{"body":…,"signature":…},"entry":"<the entry line, exactly as hashed>",
//    "path":["<hex>",…],"seq":N,"tree_size":S,"type":"socmesh-audit-inclusion-proof/v1"}
//   Check: the checkpoint signature (openssl dgst -sha256 -verify), leaf = SHA-256(0x00 || entry),
//   then RFC 9162 2.1.3.2 with (seq, S, path) against the root in the checkpoint body.
//
// Consistency — the tree signed by `old` is a prefix of the tree signed by `new`:
//   {"new":{…},"old":{…},"path":["<hex>",…],"type":"socmesh-audit-consistency-proof/v1"}
//   Check: both signatures, same origin, then RFC 9162 2.1.4.2.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "audit/checkpoint.hpp"
#include "audit/log_files.hpp"
#include "core/error.hpp"
#include "crypto/merkle.hpp"

namespace socmesh::audit {

inline constexpr std::string_view kInclusionProofType = "socmesh-audit-inclusion-proof/v1";
inline constexpr std::string_view kConsistencyProofType = "socmesh-audit-consistency-proof/v1";

struct InclusionProof {
  Checkpoint checkpoint;
  uint64_t seq = 0;
  std::string entry;  // the canonical entry line
  std::vector<crypto::merkle::Hash> path;
};

struct ConsistencyProof {
  Checkpoint old_checkpoint;
  Checkpoint new_checkpoint;
  std::vector<crypto::merkle::Hash> path;
};

// Proves entry `seq` of `log` against checkpoint number `checkpoint` (0-based line of
// checkpoints.jsonl; default: the newest). The log is not trusted: the checkpoint's root is
// recomputed from the entries first. Errors: kNotFound (no such entry or checkpoint, or the entry
// is newer than the checkpoint), kParse (the checkpoint line), kConflict (the entries do not match
// the checkpoint: run `audit verify`).
Result<InclusionProof> BuildInclusionProof(const LogSnapshot& log, uint64_t seq,
                                           std::optional<size_t> checkpoint = std::nullopt);

// Proves checkpoint `from` is a prefix of checkpoint `to` (0-based lines). Errors as above, and
// kInvalidArgument when `from` covers more entries than `to`.
Result<ConsistencyProof> BuildConsistencyProof(const LogSnapshot& log, size_t from, size_t to);

std::string SerializeProof(const InclusionProof& proof);
std::string SerializeProof(const ConsistencyProof& proof);

// Parses either kind of proof. Errors: kParse / kTooLarge naming the field.
Result<std::variant<InclusionProof, ConsistencyProof>> ParseProof(std::string_view json);

// Checks a proof with the log's public key. Errors: kVerification with the reason it does not hold
// (bad signature, different origins, wrong path, entry seq differs).
Result<void> VerifyProof(const InclusionProof& proof, EVP_PKEY* key);
Result<void> VerifyProof(const ConsistencyProof& proof, EVP_PKEY* key);

}  // namespace socmesh::audit
