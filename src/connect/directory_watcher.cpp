#include "connect/directory_watcher.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "connect/detail/import_input.hpp"
#include "model/timestamp.hpp"

namespace socmesh::connect {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

enum class WriterCheck { kNoWriter, kBeingWritten, kUnknown };

// A read lease is granted only when no process has the file open for writing (fcntl(2)), which
// is exactly "the writer has finished". Released at once: we only needed the answer.
WriterCheck CheckWriters(int fd) {
  if (::fcntl(fd, F_SETLEASE, F_RDLCK) == 0) {
    ::fcntl(fd, F_SETLEASE, F_UNLCK);
    return WriterCheck::kNoWriter;
  }
  return errno == EAGAIN ? WriterCheck::kBeingWritten : WriterCheck::kUnknown;
}

bool Ignored(const std::string& name) {
  return name.starts_with(".") || name.ends_with(".part") || name.ends_with(".tmp") ||
         name.ends_with(".error");
}

Result<std::string> ReadAll(int fd, size_t max_bytes, const std::string& path) {
  std::string data;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Fail(ErrorCode::kIo, path + ": " + std::strerror(errno));
    if (n == 0) break;
    if (data.size() + static_cast<size_t>(n) > max_bytes) {
      return Fail(ErrorCode::kTooLarge,
                  path + ": larger than max_bytes (" + std::to_string(max_bytes) + ")");
    }
    data.append(buf, static_cast<size_t>(n));
  }
  return data;
}

// `dir/name`, or `dir/name.<n>` when taken: an earlier file of the same name is never overwritten.
fs::path FreeName(const fs::path& dir, const std::string& name) {
  fs::path target = dir / name;
  for (int n = 1; fs::exists(target) || fs::exists(target.string() + ".error"); ++n) {
    target = dir / (name + "." + std::to_string(n));
  }
  return target;
}

std::string NowText() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return model::FormatTimestamp(
      {std::chrono::duration_cast<std::chrono::microseconds>(now).count()});
}

void WriteReport(const fs::path& path, const std::string& file, const std::string& headline,
                 const std::vector<std::string>& problems) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << "file: " << file << "\n"
      << "time: " << NowText() << "\n"
      << headline << "\n";
  for (const auto& p : problems) out << "rejected " << p << "\n";
}

}  // namespace

Result<std::unique_ptr<Connector>> DirectoryConnector::Create(const ConnectorConfig& config,
                                                              StoreSink& sink) {
  const DirectorySettings& d = config.directory;
  for (const std::string& dir : {d.path, d.done_dir, d.failed_dir}) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
      return Fail(ErrorCode::kIo, "connector " + config.name + ": " + dir + ": " + ec.message());
    }
  }
  int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    return Fail(ErrorCode::kIo, "connector " + config.name + ": inotify: " + std::strerror(errno));
  }
  // Only finished files: IN_CLOSE_WRITE (written in place) and IN_MOVED_TO (renamed in).
  if (::inotify_add_watch(fd, d.path.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO) < 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    return Fail(ErrorCode::kIo, "connector " + config.name + ": watch " + d.path + ": " + why);
  }
  return std::unique_ptr<Connector>(new DirectoryConnector(config, sink, fd));
}

DirectoryConnector::~DirectoryConnector() {
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
}

void DirectoryConnector::WaitForWork(std::chrono::milliseconds duration, const StopSignal& stop) {
  const auto deadline = Clock::now() + duration;
  // Short poll slices keep the stop latency low without a second wake-up descriptor.
  while (!stop.stopped()) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return;
    pollfd p{inotify_fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 200)));
    if (ready > 0) {
      alignas(inotify_event) char buf[16 * 1024];
      while (::read(inotify_fd_, buf, sizeof buf) > 0) {
      }
      return;
    }
  }
}

RunReport DirectoryConnector::Run(RunContext& ctx) {
  const auto start = Clock::now();
  const DirectorySettings& d = config_.directory;
  RunReport report;
  report.connector = config_.name;
  report.type = ConnectorType::kDirectory;
  report.attempts = 1;

  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(d.path, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    std::string name = it->path().filename().string();
    if (!Ignored(name)) names.push_back(std::move(name));
  }
  if (ec) {
    report.result = RunResult::kFailed;
    report.error = Error{ErrorCode::kIo, d.path + ": " + ec.message()};
    return report;
  }
  std::sort(names.begin(), names.end());  // reproducible order

  size_t busy = 0;
  for (const std::string& name : names) {
    if (ctx.stop.stopped()) break;
    const fs::path path = fs::path(d.path) / name;
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (fd.get() < 0) continue;  // gone meanwhile
    const WriterCheck writers = CheckWriters(fd.get());
    if (writers == WriterCheck::kBeingWritten) {
      ++busy;  // its IN_CLOSE_WRITE will bring us back
      continue;
    }
    if (writers == WriterCheck::kUnknown) {
      struct stat st {};
      const auto settle = std::chrono::duration_cast<std::chrono::seconds>(d.settle).count();
      if (::fstat(fd.get(), &st) != 0 ||
          st.st_mtime + std::max<int64_t>(settle, 1) > ::time(nullptr)) {
        ++busy;
        continue;
      }
    }
    auto bytes = ReadAll(fd.get(), config_.input.max_bytes, path.string());
    detail::ImportOutcome imported;
    if (bytes) {
      report.counts.bytes += static_cast<int64_t>(bytes->size());
      imported = detail::ImportAndStore(*bytes, name, config_.input, sink_);
    } else {
      imported.error = bytes.error();
    }
    if (imported.error && imported.error->code == ErrorCode::kStorage) {
      // The store failed, not the file: leave it for the next run.
      report.result = RunResult::kFailed;
      report.error = imported.error->WithContext(name);
      break;
    }
    const bool failed = imported.error.has_value();
    const fs::path target = FreeName(failed ? d.failed_dir : d.done_dir, name);
    std::error_code move_ec;
    fs::rename(path, target, move_ec);
    if (move_ec) {
      report.result = RunResult::kFailed;
      report.error = Error{ErrorCode::kIo, "moving " + path.string() + " to " + target.string() +
                                               ": " + move_ec.message()};
      break;
    }
    report.counts.objects += imported.counts.objects;
    report.counts.rejected += imported.counts.rejected;
    if (failed) {
      ++report.counts.files_failed;
      WriteReport(target.string() + ".error", name,
                  "failed: " + std::string(ErrorCodeName(imported.error->code)) + ": " +
                      imported.error->message,
                  imported.problems);
      report.notes.push_back(name + " failed: " + imported.error->message);
      continue;
    }
    ++report.counts.files_done;
    report.counts.inserted += imported.counts.inserted;
    report.counts.unchanged += imported.counts.unchanged;
    report.counts.merged += imported.counts.merged;
    report.counts.dropped += imported.counts.dropped;
    if (imported.counts.rejected > 0) {
      WriteReport(target.string() + ".error", name,
                  "stored with rejections: " + std::to_string(imported.counts.rejected) + " of " +
                      std::to_string(imported.counts.objects) + " objects rejected",
                  imported.problems);
    }
  }
  if (busy > 0) report.notes.push_back(std::to_string(busy) + " file(s) still being written");
  if (!report.error) {
    report.result = report.counts.files_done + report.counts.files_failed > 0 ? RunResult::kOk
                                                                              : RunResult::kIdle;
  }
  report.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  return report;
}

}  // namespace socmesh::connect
