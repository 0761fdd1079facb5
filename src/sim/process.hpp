// A simulated node as its own process: `SOCMESH node run --config FILE`, stdout and stderr to
// numbered files next to the config (run-1.out, run-1.err, …; a restart gets the next number).
//
// Never left behind: the child is put in its own process group (a Ctrl-C at the terminal reaches
// the simulator only, which then stops the nodes in order) and asks the kernel for SIGKILL when
// the simulator dies (PR_SET_PDEATHSIG), so even a `kill -9` of the simulator takes its nodes
// with it; the destructor kills and reaps a node still running.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "core/error.hpp"

namespace socmesh::sim {

class NodeProcess {
 public:
  NodeProcess(std::filesystem::path binary, std::filesystem::path config);
  ~NodeProcess();
  NodeProcess(const NodeProcess&) = delete;
  NodeProcess& operator=(const NodeProcess&) = delete;

  // Starts the node and waits for its startup line; returns the port it listens on.
  // kIo with the tail of its stderr when it exits or stays silent for `timeout`.
  Result<uint16_t> Start(std::chrono::milliseconds timeout);
  // Start in two steps, so that many nodes boot in parallel: fork + exec, then wait.
  Result<void> Spawn();
  Result<uint16_t> WaitReady(std::chrono::milliseconds timeout);
  // kill -9 and reap (the fault the simulator injects).
  void Kill();
  // SIGTERM, then SIGKILL after `grace`; the exit code (-1: killed by a signal), nullopt when it
  // was not running.
  std::optional<int> Stop(std::chrono::milliseconds grace);

  bool running() const { return pid_ > 0; }
  uint16_t port() const { return port_; }
  int runs() const { return runs_; }
  std::string ErrTail(size_t bytes = 2000) const;

 private:
  std::filesystem::path binary_, config_;
  std::filesystem::path out_, err_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  int runs_ = 0;
};

}  // namespace socmesh::sim
