#include "sim/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

namespace socmesh::sim {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Waits up to `timeout` for `pid`; the exit code (-1 for a signal), nullopt when still running.
std::optional<int> WaitExit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (r < 0) return -1;  // not our child any more
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(10ms);
  }
}

}  // namespace

NodeProcess::NodeProcess(fs::path binary, fs::path config)
    : binary_(std::move(binary)), config_(std::move(config)) {}

NodeProcess::~NodeProcess() {
  if (pid_ > 0) Kill();
}

Result<uint16_t> NodeProcess::Start(std::chrono::milliseconds timeout) {
  if (auto ok = Spawn(); !ok) return std::unexpected(ok.error());
  return WaitReady(timeout);
}

Result<void> NodeProcess::Spawn() {
  if (pid_ > 0) return Fail(ErrorCode::kInternal, config_.string() + ": already running");
  ++runs_;
  out_ = config_.parent_path() / ("run-" + std::to_string(runs_) + ".out");
  err_ = config_.parent_path() / ("run-" + std::to_string(runs_) + ".err");
  const std::string binary = binary_.string(), config = config_.string();
  const std::string out = out_.string(), err = err_.string();
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) return Fail(ErrorCode::kIo, "fork: " + std::string(std::strerror(errno)));
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the simulator died before prctl
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int in = ::open("/dev/null", O_RDONLY);
    if (o < 0 || e < 0 || in < 0) ::_exit(127);
    ::dup2(in, 0);
    ::dup2(o, 1);
    ::dup2(e, 2);
    // Nothing else of the simulator may live on in the node: an inherited copy of a proxy socket
    // would keep a connection open after the proxy closed it (a partition that does not cut).
    ::close_range(3, ~0U, 0);
    const char* argv[] = {binary.c_str(), "node", "run", "--config", config.c_str(), nullptr};
    ::execv(binary.c_str(), const_cast<char* const*>(argv));
    ::_exit(127);
  }
  pid_ = pid;
  return {};
}

Result<uint16_t> NodeProcess::WaitReady(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return Fail(ErrorCode::kInternal, config_.string() + ": not started");
  static const std::regex kListening(R"(listening on https://127\.0\.0\.1:(\d+))");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch m;
    const std::string text = ReadAll(out_);
    if (std::regex_search(text, m, kListening)) {
      port_ = static_cast<uint16_t>(std::stoi(m[1]));
      return port_;
    }
    if (auto code = WaitExit(pid_, 0ms)) {
      pid_ = -1;
      return Fail(ErrorCode::kIo, config_.string() + ": node exited with " + std::to_string(*code) +
                                      ": " + ErrTail());
    }
    std::this_thread::sleep_for(20ms);
  }
  Kill();
  return Fail(ErrorCode::kIo, config_.string() + ": no startup line within " +
                                  std::to_string(timeout.count()) + " ms: " + ErrTail());
}

void NodeProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  (void)WaitExit(pid_, 30s);
  pid_ = -1;
  port_ = 0;
}

std::optional<int> NodeProcess::Stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return std::nullopt;
  ::kill(pid_, SIGTERM);
  auto code = WaitExit(pid_, grace);
  if (!code) {
    ::kill(pid_, SIGKILL);
    code = WaitExit(pid_, 30s);
    if (code) code = -1;
  }
  pid_ = -1;
  port_ = 0;
  return code;
}

std::string NodeProcess::ErrTail(size_t bytes) const {
  std::string text = ReadAll(err_);
  if (text.size() > bytes) text = "…" + text.substr(text.size() - bytes);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace socmesh::sim
