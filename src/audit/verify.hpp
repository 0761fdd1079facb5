// The offline verifier of an audit log directory (E5): what `socmesh audit verify` runs.
//
// It recomputes every leaf hash and the RFC 9162 tree, checks every checkpoint's signature and
// that its signed root is the root of the first `size` entries (which implies each checkpoint is
// consistent with every earlier one), that checkpoint sizes and times never go backwards, and the
// per-entry `seq` and `prev` chain that pinpoint the line where the log was changed.
//
// What a verifier holding only the directory cannot see: the removal of the newest entries
// *together with* the checkpoints that cover them leaves a shorter, self-consistent log. That is
// only detectable against a checkpoint kept elsewhere (VerifyOptions::trusted): the log must still
// contain the trusted tree as a prefix and have a checkpoint at least as recent.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/checkpoint.hpp"
#include "core/error.hpp"

namespace socmesh::audit {

enum class ProblemKind {
  kTornLine,              // a last line without "\n": interrupted write or truncated file
  kMalformedEntry,        // not a well-formed, canonical entry
  kSeqMismatch,           // seq is not the line's position: entries removed, inserted, reordered
  kEntryModified,         // an entry's hash differs from the next entry's "prev"
  kMalformedCheckpoint,   // unparseable checkpoint line
  kBadSignature,          // checkpoint not signed by the given key (forged)
  kOriginMismatch,        // checkpoint of another log
  kCheckpointRollback,    // size or time smaller than an earlier checkpoint's (replayed)
  kCheckpointBeyondLog,   // checkpoint covers more entries than the log has (truncated)
  kRootMismatch,          // the entries do not hash to the signed root (modified)
  kUnsignedEntries,       // entries after the last checkpoint (not covered by any signature)
  kTrustedBeyondLog,      // the log has fewer entries than the trusted checkpoint (truncated)
  kTrustedMismatch,       // the log's prefix differs from the trusted checkpoint (rewritten)
  kCheckpointsTruncated,  // the log's newest checkpoint is older than the trusted one
};
std::string_view ProblemKindName(ProblemKind kind);  // e.g. "seq-mismatch"

struct Problem {
  ProblemKind kind;
  std::string file;             // "entries.jsonl", "checkpoints.jsonl" or "trusted checkpoint"
  uint64_t line = 0;            // 1-based line in `file` (0 when not about a line)
  std::optional<uint64_t> seq;  // the (first) entry concerned, when known
  std::string reason;           // for humans: what is wrong and what it implies
};

struct VerifyOptions {
  EVP_PKEY* key = nullptr;            // the log's public (or private) key, P-256
  std::optional<Checkpoint> trusted;  // a checkpoint obtained earlier, kept outside the log
  std::string origin;                 // expected log id; empty: that of the first checkpoint
  // Entries after the last checkpoint are a problem unless this is set (a running node's log
  // always has some).
  bool allow_unsigned_tail = false;
};

struct VerifyReport {
  uint64_t entries = 0;         // complete entry lines
  uint64_t checkpoints = 0;     // checkpoint lines
  uint64_t signed_entries = 0;  // entries covered by the newest valid checkpoint
  std::optional<TreeHead> latest;
  std::vector<Problem> problems;  // entries.jsonl first, then checkpoints, then trusted; by line
  std::vector<std::string> warnings;
  bool ok() const { return problems.empty(); }
};

// Errors (as opposed to findings): kNotFound (no log in `dir`), kIo, kInvalidArgument (no key).
Result<VerifyReport> VerifyLog(const std::filesystem::path& dir, const VerifyOptions& options);

}  // namespace socmesh::audit
