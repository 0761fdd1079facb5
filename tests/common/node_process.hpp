// `socmesh node run --config CONFIG` as a child process, for end-to-end suites (node, federation):
// killed (SIGKILL) and reaped by the destructor whatever happened to the test.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace socmesh::testing {

class NodeProcess {
 public:
  // Starts the node; stdout and stderr go to `out` and `err`.
  NodeProcess(const std::filesystem::path& config, const std::filesystem::path& out,
              const std::filesystem::path& err);
  ~NodeProcess();
  NodeProcess(const NodeProcess&) = delete;
  NodeProcess& operator=(const NodeProcess&) = delete;

  // The port of the startup line, or 0 when the node exited or printed nothing within `timeout`.
  uint16_t WaitForPort(std::chrono::seconds timeout);

  // Sends `signal` and waits up to `timeout` for the exit; the exit code, -1 for death by a
  // signal, nullopt when still running.
  std::optional<int> SignalAndWait(int signal, std::chrono::seconds timeout);

  bool running() const { return pid_ > 0; }
  std::string Out() const;
  std::string Err() const;

 private:
  pid_t pid_ = -1;
  std::filesystem::path out_, err_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (for configs that must name their peers'
// ports before the peers start).
uint16_t FreeLoopbackPort();

}  // namespace socmesh::testing
