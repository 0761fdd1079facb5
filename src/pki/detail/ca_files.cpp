#include "pki/detail/ca_files.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <sstream>

#include "crypto/x509.hpp"

namespace socmesh::pki::detail {

namespace {

std::vector<std::string_view> SplitTabs(std::string_view line) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (true) {
    size_t tab = line.find('\t', pos);
    out.push_back(line.substr(pos, tab == std::string_view::npos ? tab : tab - pos));
    if (tab == std::string_view::npos) break;
    pos = tab + 1;
  }
  return out;
}

template <typename T>
bool ParseNumber(std::string_view text, T& out, int base = 10) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
  return ec == std::errc() && ptr == text.data() + text.size();
}

std::string Flatten(std::string s) {
  for (char& c : s) {
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

}  // namespace

Result<DirectoryLock> DirectoryLock::Acquire(const std::filesystem::path& dir) {
  const std::string path = (dir / ".lock").string();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Fail(ErrorCode::kIo, "cannot open " + path + ": " + std::strerror(errno));
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno != EINTR) {
      ::close(fd);
      return Fail(ErrorCode::kIo, "cannot lock " + path);
    }
  }
  return DirectoryLock(fd);
}

DirectoryLock::~DirectoryLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

Result<std::map<std::string, std::string>> ReadConf(const std::filesystem::path& dir) {
  auto text = crypto::ReadFileBytes(dir / "ca.conf", 1 << 20);
  if (!text) {
    if (text.error().code == ErrorCode::kNotFound) {
      return Fail(ErrorCode::kNotFound, dir.string() + " is not a CA directory (no ca.conf)");
    }
    return std::unexpected(text.error());
  }
  std::map<std::string, std::string> conf;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t eq = line.find('=');
    if (eq == std::string::npos) {
      return Fail(ErrorCode::kParse, (dir / "ca.conf").string() + ": line without '='");
    }
    conf[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return conf;
}

Result<void> WriteConf(const std::filesystem::path& dir,
                       const std::map<std::string, std::string>& conf) {
  std::string text = "# socmesh CA (written by socmesh pki; no secrets here)\n";
  for (const auto& [k, v] : conf) text += k + "=" + Flatten(v) + "\n";
  return crypto::WriteFileAtomic(dir / "ca.conf", text);
}

Result<uint64_t> TakeCounter(const std::filesystem::path& dir, const std::string& name) {
  auto text = crypto::ReadFileBytes(dir / name, 64);
  if (!text) return std::unexpected(text.error());
  std::string_view t = *text;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.remove_suffix(1);
  uint64_t value = 0;
  if (!ParseNumber(t, value, 16) || value == UINT64_MAX) {
    return Fail(ErrorCode::kParse, (dir / name).string() + " does not hold a hex counter");
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%llX\n", static_cast<unsigned long long>(value + 1));
  auto written = crypto::WriteFileAtomic(dir / name, buf);
  if (!written) return std::unexpected(written.error());
  return value;
}

Result<std::vector<IndexEntry>> ReadIndex(const std::filesystem::path& dir) {
  const auto path = dir / "index.tsv";
  auto text = crypto::ReadFileBytes(path, size_t{256} << 20);
  if (!text) return std::unexpected(text.error());
  std::vector<IndexEntry> entries;
  std::istringstream in(*text);
  std::string line;
  size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    auto f = SplitTabs(line);
    IndexEntry e;
    bool ok = f.size() == 7 && (f[0] == "V" || f[0] == "R") && ParseNumber(f[2], e.not_after);
    if (ok && f[0] == "R") {
      ok = ParseNumber(f[3], e.revoked_at) && ParseNumber(f[4], e.reason);
    }
    if (!ok) {
      return Fail(ErrorCode::kParse,
                  path.string() + ":" + std::to_string(line_no) + ": malformed index line");
    }
    e.revoked = f[0] == "R";
    e.serial = f[1];
    e.profile = f[5];
    e.subject = f[6];
    entries.push_back(std::move(e));
  }
  return entries;
}

Result<void> WriteIndex(const std::filesystem::path& dir, const std::vector<IndexEntry>& entries) {
  std::string text;
  for (const IndexEntry& e : entries) {
    text += e.revoked ? "R\t" : "V\t";
    text += e.serial + "\t" + std::to_string(e.not_after) + "\t";
    text += e.revoked ? std::to_string(e.revoked_at) + "\t" + std::to_string(e.reason) : "-\t-";
    text += "\t" + Flatten(e.profile) + "\t" + Flatten(e.subject) + "\n";
  }
  return crypto::WriteFileAtomic(dir / "index.tsv", text);
}

}  // namespace socmesh::pki::detail
