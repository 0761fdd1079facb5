// The files of a CA directory (see pki/ca.hpp): lock, configuration, counters, index.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "pki/ca.hpp"

namespace socmesh::pki::detail {

// An exclusive flock on <dir>/.lock for the life of the object: one CA operation at a time.
class DirectoryLock {
 public:
  static Result<DirectoryLock> Acquire(const std::filesystem::path& dir);
  DirectoryLock(DirectoryLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DirectoryLock& operator=(DirectoryLock&&) = delete;
  ~DirectoryLock();

 private:
  explicit DirectoryLock(int fd) : fd_(fd) {}
  int fd_;
};

// ca.conf: "key=value" lines.
Result<std::map<std::string, std::string>> ReadConf(const std::filesystem::path& dir);
Result<void> WriteConf(const std::filesystem::path& dir,
                       const std::map<std::string, std::string>& conf);

// Returns the counter stored in <dir>/<name> (hex) and stores counter+1 first, so a crash
// after this call skips the number rather than reusing it.
Result<uint64_t> TakeCounter(const std::filesystem::path& dir, const std::string& name);

Result<std::vector<IndexEntry>> ReadIndex(const std::filesystem::path& dir);
Result<void> WriteIndex(const std::filesystem::path& dir, const std::vector<IndexEntry>& entries);

}  // namespace socmesh::pki::detail
