// The audit log's directory, read without locking (verifiers, `audit show`, proof export):
//
//   DIR/entries.jsonl      one canonical JSON entry per line (entry.hpp), seq = line number - 1
//   DIR/checkpoints.jsonl  one signed checkpoint per line (checkpoint.hpp), oldest first
//   DIR/lock               held with flock(LOCK_EX) by the one process appending
//   DIR/torn/              incomplete last lines set aside by crash recovery (log.hpp)
//
// Both .jsonl files are append-only; every line ends with "\n", so a last line without one is the
// trace of an interrupted write (or of truncation).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "audit/checkpoint.hpp"
#include "core/error.hpp"
#include "crypto/merkle.hpp"

namespace socmesh::audit {

inline constexpr char kEntriesFile[] = "entries.jsonl";
inline constexpr char kCheckpointsFile[] = "checkpoints.jsonl";
inline constexpr char kLockFile[] = "lock";
inline constexpr char kTornDir[] = "torn";

// A line file split into its complete lines (without "\n") and an incomplete tail.
struct LineFile {
  std::vector<std::string> lines;
  std::string torn_tail;        // bytes after the last "\n" (empty when the file ends cleanly)
  uint64_t complete_bytes = 0;  // offset just after the last "\n"
};

// Reads `path`; a missing file reads as empty. Errors: kIo.
Result<LineFile> ReadLineFile(const std::filesystem::path& path);

// Everything a reader needs: entries, their leaf hashes, checkpoints (parsed where possible).
struct LogSnapshot {
  LineFile entries;
  std::vector<crypto::merkle::Hash> leaves;  // LeafHash of each complete entry line
  LineFile checkpoint_lines;
};

// Errors: kNotFound when `dir` is not a directory or holds no entries file; kIo.
Result<LogSnapshot> ReadLog(const std::filesystem::path& dir);

}  // namespace socmesh::audit
