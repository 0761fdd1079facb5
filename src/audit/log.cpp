#include "audit/log.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "audit/log_files.hpp"

namespace socmesh::audit {

namespace {

namespace merkle = crypto::merkle;

Error IoError(const std::filesystem::path& path, std::string_view what) {
  return Error{ErrorCode::kIo,
               path.string() + ": " + std::string(what) + ": " + std::strerror(errno)};
}

Result<void> WriteAll(int fd, std::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(IoError(path, "write"));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

Result<void> SyncFd(int fd, const std::filesystem::path& path) {
  if (::fdatasync(fd) != 0) return std::unexpected(IoError(path, "fdatasync"));
  return {};
}

// Makes a newly created file's directory entry durable too.
void SyncDir(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

AuditLog::AuditLog(AuditLogOptions options) : options_(std::move(options)) {}

AuditLog::~AuditLog() { (void)Close(); }

model::Timestamp AuditLog::Now() const {
  if (options_.clock) return options_.clock();
  return model::Timestamp{std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count()};
}

Result<std::unique_ptr<AuditLog>> AuditLog::Open(AuditLogOptions options) {
  if (auto ok = ValidateOrigin(options.origin); !ok) return std::unexpected(ok.error());
  if (auto ok = CheckP256(options.signing_key); !ok) return std::unexpected(ok.error());
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) return Fail(ErrorCode::kIo, options.dir.string() + ": " + ec.message());
  std::unique_ptr<AuditLog> log(new AuditLog(std::move(options)));
  const auto lock_path = log->options_.dir / kLockFile;
  log->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (log->lock_fd_ < 0) return std::unexpected(IoError(lock_path, "open"));
  // flock, not fcntl locks: fcntl locks belong to the process, so a second AuditLog in the same
  // process would silently share the lock instead of being refused.
  const auto deadline = std::chrono::steady_clock::now() + log->options_.lock_timeout;
  while (::flock(log->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) return std::unexpected(IoError(lock_path, "flock"));
    if (std::chrono::steady_clock::now() >= deadline) {
      ::close(log->lock_fd_);
      log->lock_fd_ = -1;
      return Fail(ErrorCode::kConflict, lock_path.string() +
                                            ": the audit log is locked by another writer "
                                            "(only one process may append at a time)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (auto loaded = log->Load(); !loaded) return std::unexpected(loaded.error());
  return log;
}

Result<void> AuditLog::Load() {
  const auto entries_path = options_.dir / kEntriesFile;
  const auto checkpoints_path = options_.dir / kCheckpointsFile;
  auto entries = ReadLineFile(entries_path);
  if (!entries) return std::unexpected(entries.error());
  auto checkpoints = ReadLineFile(checkpoints_path);
  if (!checkpoints) return std::unexpected(checkpoints.error());

  // Validate before repairing anything: a tampered log is left exactly as found, for the verifier.
  if (!checkpoints->lines.empty()) {
    const size_t n = checkpoints->lines.size();
    auto cp = ParseCheckpoint(checkpoints->lines.back());
    if (!cp) {
      return std::unexpected(
          cp.error().WithContext(checkpoints_path.string() + " line " + std::to_string(n)));
    }
    if (!VerifyCheckpointSignature(*cp, options_.signing_key)) {
      return Fail(ErrorCode::kConflict,
                  checkpoints_path.string() + " line " + std::to_string(n) +
                      ": last checkpoint is not signed by this key (run socmesh audit verify)");
    }
    if (cp->head.origin != options_.origin) {
      return Fail(ErrorCode::kConflict,
                  "log origin is \"" + cp->head.origin + "\", not \"" + options_.origin + "\"");
    }
    last_checkpoint_ = std::move(*cp);
  }
  const uint64_t covered = last_checkpoint_ ? last_checkpoint_->head.size : 0;
  if (covered > entries->lines.size()) {
    return Fail(ErrorCode::kConflict, "the last checkpoint covers " + std::to_string(covered) +
                                          " entries but " + entries_path.string() + " has " +
                                          std::to_string(entries->lines.size()) +
                                          " (truncated? run socmesh audit verify)");
  }
  for (const std::string& line : entries->lines) {
    last_leaf_ = merkle::LeafHash(line);
    tree_.Append(last_leaf_);
    if (last_checkpoint_ && tree_.size() == covered &&
        tree_.Root() != last_checkpoint_->head.root) {
      return Fail(ErrorCode::kConflict, entries_path.string() +
                                            ": entries do not match the last checkpoint's root "
                                            "(modified? run socmesh audit verify)");
    }
  }
  if (!entries->lines.empty()) {
    const uint64_t n = entries->lines.size();
    auto last = ParseEntry(entries->lines.back());
    if (!last) {
      return std::unexpected(
          last.error().WithContext(entries_path.string() + " line " + std::to_string(n)));
    }
    if (last->seq != n - 1) {
      return Fail(ErrorCode::kConflict, entries_path.string() + " line " + std::to_string(n) +
                                            ": seq " + std::to_string(last->seq) +
                                            " (entries removed or inserted? run socmesh audit "
                                            "verify)");
    }
    last_time_ = last->time;
  }

  std::vector<AuditEvent> notes;
  if (!entries->torn_tail.empty()) {
    auto r = RecoverTornTail(entries_path, entries->complete_bytes, entries->torn_tail, notes);
    if (!r) return r;
  }
  if (!checkpoints->torn_tail.empty()) {
    auto r = RecoverTornTail(checkpoints_path, checkpoints->complete_bytes, checkpoints->torn_tail,
                             notes);
    if (!r) return r;
  }
  entries_fd_ = ::open(entries_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (entries_fd_ < 0) return std::unexpected(IoError(entries_path, "open"));
  checkpoints_fd_ =
      ::open(checkpoints_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (checkpoints_fd_ < 0) return std::unexpected(IoError(checkpoints_path, "open"));
  SyncDir(options_.dir);
  report_.entries = entries->lines.size();
  report_.checkpoints = checkpoints->lines.size();
  last_checkpoint_at_ = std::chrono::steady_clock::now();
  if (!notes.empty()) {
    auto written = WriteEntries(notes);
    if (!written) return std::unexpected(written.error());
    if (auto synced = SyncFd(entries_fd_, entries_path); !synced) return synced;
    unsynced_ = false;
  }
  return {};
}

Result<void> AuditLog::RecoverTornTail(const std::filesystem::path& file, uint64_t complete_bytes,
                                       const std::string& tail, std::vector<AuditEvent>& notes) {
  // The tail was never acknowledged (a line and its "\n" go out in one write that is synced before
  // Append returns), so cutting it loses nothing promised; keeping its bytes aside and recording
  // the cut makes the repair itself auditable.
  const auto torn_dir = options_.dir / kTornDir;
  std::error_code ec;
  std::filesystem::create_directories(torn_dir, ec);
  if (ec) return Fail(ErrorCode::kIo, torn_dir.string() + ": " + ec.message());
  const auto saved = torn_dir / (file.filename().string() + "." + std::to_string(complete_bytes) +
                                 "." + std::to_string(Now().micros));
  const int fd = ::open(saved.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return std::unexpected(IoError(saved, "create"));
  auto written = WriteAll(fd, tail, saved);
  if (written) written = SyncFd(fd, saved);
  ::close(fd);
  if (!written) return written;
  SyncDir(torn_dir);
  const int file_fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
  if (file_fd < 0) return std::unexpected(IoError(file, "open"));
  const bool cut =
      ::ftruncate(file_fd, static_cast<off_t>(complete_bytes)) == 0 && ::fdatasync(file_fd) == 0;
  if (!cut) {
    auto err = IoError(file, "truncate torn tail");
    ::close(file_fd);
    return std::unexpected(err);
  }
  ::close(file_fd);
  const std::string where = file.filename().string();
  report_.recovered.push_back(where + ": incomplete last line of " + std::to_string(tail.size()) +
                              " bytes at offset " + std::to_string(complete_bytes) +
                              " (interrupted write) moved to " + saved.string());
  AuditEvent note;
  note.actor.node = options_.origin;
  note.action = std::string(kActionAuditRecovery);
  note.target = where;
  note.outcome = Outcome::kFailure;
  note.details = {{"offset", std::to_string(complete_bytes)},
                  {"bytes", std::to_string(tail.size())},
                  {"saved_to", std::filesystem::relative(saved, options_.dir).string()}};
  notes.push_back(std::move(note));
  return {};
}

Result<uint64_t> AuditLog::WriteEntries(std::span<const AuditEvent> events) {
  const auto path = options_.dir / kEntriesFile;
  if (failed_ || entries_fd_ < 0) {
    return Fail(ErrorCode::kIo, path.string() + ": log closed or failed earlier; reopen it");
  }
  const uint64_t first = tree_.size();
  std::string buffer;
  std::vector<merkle::Hash> leaves;
  leaves.reserve(events.size());
  merkle::Hash prev = last_leaf_;
  for (size_t i = 0; i < events.size(); ++i) {
    AuditEntry entry;
    entry.seq = first + i;
    entry.time = Now();
    entry.prev = first + i == 0 ? std::string(64, '0') : merkle::ToHex(prev);
    entry.event = events[i];
    const auto redacted = Sanitize(entry.event);
    if (!redacted.empty()) {
      std::string names;
      for (const auto& r : redacted) names += (names.empty() ? "" : ",") + r;
      entry.event.details["redacted"] = names;
    }
    auto line = SerializeEntry(entry);
    if (!line) return std::unexpected(line.error());
    prev = merkle::LeafHash(*line);
    leaves.push_back(prev);
    buffer += *line;
    buffer += '\n';
  }
  // With the lock held nobody else appends, so the end of file is where this batch starts.
  const off_t start = ::lseek(entries_fd_, 0, SEEK_END);
  if (auto w = WriteAll(entries_fd_, buffer, path); !w) {
    // Cut a partial write back so the file keeps only whole lines. The log still refuses further
    // appends: a failed write (ENOSPC, EIO) is not something to retry blindly on an audit trail.
    if (start >= 0) (void)::ftruncate(entries_fd_, start);
    failed_ = true;
    return std::unexpected(w.error());
  }
  if (options_.sync == SyncPolicy::kEveryAppend) {
    if (auto s = SyncFd(entries_fd_, path); !s) {
      failed_ = true;  // after a failed fsync the page cache state is unknown (fsyncgate)
      return std::unexpected(s.error());
    }
  } else {
    unsynced_ = true;
  }
  for (const auto& leaf : leaves) tree_.Append(leaf);
  last_leaf_ = prev;
  return first;
}

Result<uint64_t> AuditLog::Append(AuditEvent event) {
  return AppendBatch(std::span<const AuditEvent>(&event, 1));
}

Result<uint64_t> AuditLog::AppendBatch(std::span<const AuditEvent> events) {
  if (events.empty()) return tree_.size();
  auto first = WriteEntries(events);
  if (!first) return first;
  if (auto cp = MaybeCheckpoint(); !cp) {
    return std::unexpected(cp.error().WithContext("entries " + std::to_string(*first) +
                                                  ".. appended, but the checkpoint failed"));
  }
  return first;
}

Result<void> AuditLog::MaybeCheckpoint() {
  const uint64_t covered = last_checkpoint_ ? last_checkpoint_->head.size : 0;
  const uint64_t pending = tree_.size() - covered;
  if (pending == 0) return {};
  const bool by_count =
      options_.checkpoint_every_entries > 0 && pending >= options_.checkpoint_every_entries;
  const bool by_time =
      options_.checkpoint_every.count() > 0 &&
      std::chrono::steady_clock::now() - last_checkpoint_at_ >= options_.checkpoint_every;
  if (!by_count && !by_time) return {};
  auto cp = WriteCheckpoint();
  if (!cp) return std::unexpected(cp.error());
  return {};
}

Result<Checkpoint> AuditLog::WriteCheckpoint() {
  const auto entries_path = options_.dir / kEntriesFile;
  const auto path = options_.dir / kCheckpointsFile;
  if (failed_ || checkpoints_fd_ < 0) {
    return Fail(ErrorCode::kIo, path.string() + ": log closed or failed earlier; reopen it");
  }
  if (unsynced_) {
    if (auto s = SyncFd(entries_fd_, entries_path); !s) {
      failed_ = true;
      return std::unexpected(s.error());
    }
    unsynced_ = false;
  }
  TreeHead head{options_.origin, tree_.size(), tree_.Root(), Now()};
  // Checkpoint times never go backwards (the verifier treats that as a replay), even if the
  // system clock does.
  if (last_checkpoint_ && head.time < last_checkpoint_->head.time) {
    head.time = last_checkpoint_->head.time;
  }
  auto cp = SignCheckpoint(head, options_.signing_key);
  if (!cp) return std::unexpected(cp.error());
  if (auto w = WriteAll(checkpoints_fd_, SerializeCheckpoint(*cp) + "\n", path); !w) {
    failed_ = true;
    return std::unexpected(w.error());
  }
  if (auto s = SyncFd(checkpoints_fd_, path); !s) {
    failed_ = true;
    return std::unexpected(s.error());
  }
  last_checkpoint_ = *cp;
  last_checkpoint_at_ = std::chrono::steady_clock::now();
  return cp;
}

Result<void> AuditLog::Close() {
  if (lock_fd_ < 0) return {};
  Result<void> result;
  if (!failed_ && entries_fd_ >= 0 &&
      tree_.size() > (last_checkpoint_ ? last_checkpoint_->head.size : 0)) {
    if (auto cp = WriteCheckpoint(); !cp) result = std::unexpected(cp.error());
  }
  if (unsynced_ && entries_fd_ >= 0 && ::fdatasync(entries_fd_) != 0 && result) {
    result = std::unexpected(IoError(options_.dir / kEntriesFile, "fdatasync"));
  }
  for (int* fd : {&entries_fd_, &checkpoints_fd_, &lock_fd_}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
  return result;
}

}  // namespace socmesh::audit
