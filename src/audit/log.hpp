// The tamper-evident audit log (E5): append-only entries, an RFC 9162 Merkle tree over them and
// signed checkpoints (tree heads). Files: log_files.hpp. Verification: verify.hpp. Proofs:
// proof.hpp.
//
// Durability: an entry is on disk when Append returns under SyncPolicy::kEveryAppend (fdatasync per
// call; AppendBatch makes one write and one sync for many entries). A checkpoint is written only
// after the entries it covers are synced, so a signed head never covers an entry lost in a crash.
//
// Concurrency: one AuditLog per directory at a time, across processes: Open takes an exclusive
// flock on DIR/lock for the object's lifetime (writes of two processes never interleave). An
// AuditLog object is not thread-safe; callers serialise (or give each thread its own log).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "audit/checkpoint.hpp"
#include "audit/entry.hpp"
#include "core/error.hpp"
#include "crypto/merkle.hpp"

namespace socmesh::audit {

enum class SyncPolicy {
  kEveryAppend,   // fdatasync at the end of every Append/AppendBatch (default)
  kOnCheckpoint,  // fdatasync before each checkpoint and at close: faster; a power loss may lose
                  // the entries written since the last checkpoint (a process crash loses none)
};

struct AuditLogOptions {
  std::filesystem::path dir;             // created if missing
  std::string origin = "socmesh-audit";  // log id in every checkpoint; must match existing ones
  EVP_PKEY* signing_key = nullptr;       // ECDSA P-256 private key; not owned, outlives the log
  SyncPolicy sync = SyncPolicy::kEveryAppend;
  // A checkpoint is written when this many entries or this much time have accumulated since the
  // last one (checked on append; 0 disables the rule), on Checkpoint() and on Close().
  uint64_t checkpoint_every_entries = 1000;
  std::chrono::seconds checkpoint_every{60};
  // How long Open waits for another process to release the lock (0: fail at once).
  std::chrono::milliseconds lock_timeout{5000};
  // The time stamped on entries and checkpoints; default: the system clock. (Tests inject one.)
  std::function<model::Timestamp()> clock;
};

// What Open found and repaired.
struct OpenReport {
  uint64_t entries = 0;      // complete entries found
  uint64_t checkpoints = 0;  // checkpoints found
  // One message per incomplete last line set aside (file, offset, bytes, where it was saved); each
  // is also recorded in the log itself as an "audit-recovery" entry.
  std::vector<std::string> recovered;
};

class AuditLog {
 public:
  // Opens or creates the log in options.dir. Reads it once to rebuild the tree, checks the last
  // checkpoint's signature and root against the entries (a tampered log is not extended), and
  // recovers an incomplete last line of either file: the bytes are moved to DIR/torn/, the file
  // is cut back to its last complete line, and an "audit-recovery" entry records it.
  // Errors: kInvalidArgument (no key, bad origin), kUnsupported (key not P-256), kConflict (lock
  // held by another process; origin differs; last checkpoint does not match the entries or this
  // key — run `socmesh audit verify`), kParse (last entry or checkpoint unreadable), kIo.
  static Result<std::unique_ptr<AuditLog>> Open(AuditLogOptions options);

  // Closes (see Close), ignoring errors.
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends one entry (secrets removed by Sanitize) and returns its seq. May write a checkpoint.
  // Errors: kInvalidArgument (action), kTooLarge, kIo (the log then refuses further appends).
  Result<uint64_t> Append(AuditEvent event);
  // Appends several entries with one write and one sync; returns the first seq.
  Result<uint64_t> AppendBatch(std::span<const AuditEvent> events);

  // Syncs the entries and writes a signed checkpoint of the current tree, even if one of the same
  // size exists (its time is newer).
  Result<Checkpoint> WriteCheckpoint();

  // Writes a final checkpoint if entries were added since the last one, syncs, releases the lock.
  // Idempotent.
  Result<void> Close();

  uint64_t size() const { return tree_.size(); }
  crypto::merkle::Hash root() const { return tree_.Root(); }
  const std::optional<Checkpoint>& last_checkpoint() const { return last_checkpoint_; }
  const OpenReport& open_report() const { return report_; }

 private:
  explicit AuditLog(AuditLogOptions options);
  Result<void> Load();
  Result<void> RecoverTornTail(const std::filesystem::path& file, uint64_t complete_bytes,
                               const std::string& tail, std::vector<AuditEvent>& notes);
  Result<uint64_t> WriteEntries(std::span<const AuditEvent> events);
  Result<void> MaybeCheckpoint();
  model::Timestamp Now() const;

  AuditLogOptions options_;
  int lock_fd_ = -1;
  int entries_fd_ = -1;
  int checkpoints_fd_ = -1;
  bool failed_ = false;    // a write failed part-way: refuse to append after an unknown state
  bool unsynced_ = false;  // entries written but not yet fdatasync'ed
  crypto::merkle::CompactTree tree_;
  crypto::merkle::Hash last_leaf_{};
  model::Timestamp last_time_;
  std::optional<Checkpoint> last_checkpoint_;
  std::chrono::steady_clock::time_point last_checkpoint_at_;
  OpenReport report_;
};

}  // namespace socmesh::audit
