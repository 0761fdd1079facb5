#include "audit/log_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace socmesh::audit {

Result<LineFile> ReadLineFile(const std::filesystem::path& path) {
  LineFile out;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return out;
    return Fail(ErrorCode::kIo, path.string() + ": " + std::strerror(errno));
  }
  std::string data;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return Fail(ErrorCode::kIo, path.string() + ": read: " + std::strerror(err));
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  size_t start = 0;
  for (size_t nl; (nl = data.find('\n', start)) != std::string::npos; start = nl + 1) {
    out.lines.emplace_back(data, start, nl - start);
  }
  out.complete_bytes = start;
  out.torn_tail = data.substr(start);
  return out;
}

Result<LogSnapshot> ReadLog(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::exists(dir / kEntriesFile, ec)) {
    return Fail(ErrorCode::kNotFound,
                dir.string() + ": no audit log here (no " + std::string(kEntriesFile) + ")");
  }
  LogSnapshot snap;
  auto entries = ReadLineFile(dir / kEntriesFile);
  if (!entries) return std::unexpected(entries.error());
  snap.entries = std::move(*entries);
  snap.leaves.reserve(snap.entries.lines.size());
  for (const auto& line : snap.entries.lines) {
    snap.leaves.push_back(crypto::merkle::LeafHash(line));
  }
  auto cps = ReadLineFile(dir / kCheckpointsFile);
  if (!cps) return std::unexpected(cps.error());
  snap.checkpoint_lines = std::move(*cps);
  return snap;
}

}  // namespace socmesh::audit
