// `socmesh sim TOPOLOGY` (issue 6 item 5; docs/cli.md "socmesh sim"): builds the PKI and one
// config per topology node, starts every node as its own process on loopback behind the link
// proxy, plays a seeded scenario and injects faults, then judges every (object, node) pair from
// the nodes' stores against the sharing policy (report.hpp).
//
// Scenario: (a) steady publishing at random nodes (latency is measured on these objects only);
// (b) faults: kill -9 of a random non-gateway node while publishing elsewhere, restart; partition
// of one link (a bridge of the graph when there is one, else a gateway-gateway link) while
// publishing on both sides, heal; then wait until every allowed node holds every object, or
// nothing new arrived for `settle`, or `timeout`.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "core/error.hpp"
#include "sim/report.hpp"

namespace socmesh::sim {

struct SimOptions {
  std::filesystem::path topology;
  std::filesystem::path workdir;  // empty: a fresh directory under $TMPDIR (or /tmp)
  bool keep = false;              // keep the working directory (always kept when given)
  uint64_t seed = 1;
  size_t objects = 200;
  std::string faults = "all";  // "all", "none", "kill", "partition"
  std::chrono::seconds timeout{120};
  std::chrono::seconds settle{15};  // give up waiting when nothing arrived for this long
  std::chrono::milliseconds publish_interval{50};
  std::chrono::milliseconds fault_duration{3000};  // node down / link cut
  std::filesystem::path socmesh_binary;            // empty: /proc/self/exe
  bool durable = false;                            // fsync per commit in stores and audit logs
  int push_interval_ms = 1000;
  int feed_interval_ms = 1000;
  std::function<void(const std::string&)> progress;  // one line per step; may be empty
  const std::atomic<bool>* interrupted = nullptr;    // set by a signal handler: stop cleanly
};

// kInvalidArgument: bad options or topology; kIo: a node did not start, interrupted, …
Result<Report> RunSimulation(const SimOptions& options);

}  // namespace socmesh::sim
