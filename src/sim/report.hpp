// What a simulation run found (issue 6 item 5): every (object, node) pair judged against the
// sharing policy, and propagation latency from the stores' own receive times.
//
//   lost        (object, node) pairs the policy allows (federation::AllowedNodes, export rules
//               included) that the node does not hold at the end;
//   leaked      pairs held where the policy forbids it;
//   duplicated  pairs held as more than one stored version (row), or with content whose digest
//               differs from the origin's (a relay that altered or re-signed the object);
//   latency     added(node) - added(origin) of the same version, in ms, for objects of the steady
//               phase (no fault running), overall and by hop count (shortest path in the topology);
//   convergence the last arrival after the partition healed, minus the heal time.
// Pure functions of their inputs, so the maths is unit-tested without processes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "federation/topology.hpp"
#include "sim/scenario.hpp"

namespace socmesh::sim {

// One object as stored at one node.
struct Holding {
  int64_t added_us = 0;  // the store's receive time of the (first) version, µs since the epoch
  size_t versions = 0;   // stored versions (rows) of the id
  std::string digest;    // SHA-256 (hex) of the first version's canonical JSON
};
// id -> holding, for one node.
using NodeHoldings = std::unordered_map<std::string, Holding>;

struct FaultRecord {
  std::string kind;    // "kill" or "partition"
  std::string target;  // the node killed, or "a<->b"
  int64_t start_us = 0;
  int64_t end_us = 0;  // restart or heal; 0 when it never ended
};

struct LatencyStats {
  size_t count = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
};

// A few concrete pairs per finding, so a failure can be investigated.
struct Finding {
  std::string kind;  // "lost", "leaked", "duplicated"
  std::string id;
  std::string node;
  std::string detail;  // tlp, scope, verdict, …
};

struct Report {
  std::string network;
  uint64_t seed = 0;
  size_t nodes = 0;
  size_t objects = 0;           // published (POST accepted)
  size_t publish_failures = 0;  // POSTs refused or failed (not counted anywhere else)
  size_t expected_pairs = 0;    // (object, allowed node other than the origin)
  size_t deliveries = 0;        // allowed pairs held, origin excluded
  size_t lost = 0, leaked = 0, duplicated = 0;
  LatencyStats latency;
  std::map<int, LatencyStats> latency_by_hops;
  std::optional<double> convergence_ms;  // nullopt: no partition was healed
  bool converged = false;                // every allowed pair held when measuring stopped
  double wait_ms = 0;                    // time spent waiting for convergence at the end
  double duration_s = 0;
  std::string routing;  // "topology" or "peers" (what the node configs said)
  std::vector<FaultRecord> faults;
  std::vector<Finding> findings;  // at most kMaxFindings
  std::vector<std::string> notes;
};

inline constexpr size_t kMaxFindings = 20;

// Nearest-rank percentile (p in [0, 100]) of `sorted` (ascending); 0 for an empty input.
double Percentile(std::span<const double> sorted, double p);
LatencyStats Summarise(std::vector<double> values_ms);

// Hop counts of the shortest paths from every node (BFS over Topology::Peers): [from][to].
std::vector<std::vector<int>> HopCounts(const federation::Topology& topology);

// Judges `objects` (published ones only) against `holdings` (one per topology node, in node
// order). `heal_us` (0: none) is the time the partition healed. Fills the counts, latencies,
// convergence and findings of `report`; other fields are left as they are.
void Evaluate(const federation::Topology& topology, std::span<const ScenarioObject> objects,
              std::span<const NodeHoldings> holdings, int64_t heal_us, Report& report);

// Counts only: true when every allowed pair is held (what the convergence wait polls).
bool Complete(const federation::Topology& topology, std::span<const ScenarioObject> objects,
              std::span<const NodeHoldings> holdings);

std::string ReportJson(const Report& report);
std::string ReportText(const Report& report);

}  // namespace socmesh::sim
