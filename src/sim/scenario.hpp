// The simulator's workload (issue 6 item 5): indicators with random TLP markings and random socmesh
// distribution metadata (scope, recipients, sharing groups), each published at a chosen node of
// the topology by its own organisation. Seeded: the same seed and topology give the same objects
// (ids included), so a failing run can be replayed.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "federation/policy.hpp"
#include "federation/topology.hpp"

namespace socmesh::sim {

// When an object was published; latency figures use the steady phase only (no fault running).
enum class Phase : uint8_t { kSteady, kKill, kPartition };
std::string_view PhaseName(Phase phase);  // "steady", "kill", "partition"

struct ScenarioObject {
  std::string id;
  std::string json;  // canonical JSON as POSTed
  federation::NodeIndex origin = federation::kNoNode;
  federation::ObjectFacts facts;  // what the policy reads (Topology::Describe)
  std::string tlp;                // "clear", "green", "amber", "amber+strict", "red", "unmarked"
  std::string scope;              // "none" or a model::DistributionScopeName
  Phase phase = Phase::kSteady;
};

class ScenarioGenerator {
 public:
  ScenarioGenerator(const federation::Topology& topology, uint64_t seed);

  // A uniformly chosen node among those with available[i] true; kNoNode when there is none.
  federation::NodeIndex PickNode(const std::vector<bool>& available);
  // A random index in [0, n).
  size_t PickIndex(size_t n);

  // The next indicator, originated by `origin`'s organisation; `created` and `modified` are now.
  // `shareable`: TLP:GREEN with network scope (every node may hold it), for objects that must
  // cross a fault (the partition is only tested if something has to pass it).
  Result<ScenarioObject> Next(federation::NodeIndex origin, Phase phase, bool shareable = false);

 private:
  const federation::Topology& topology_;
  std::mt19937_64 rng_;
  std::vector<std::string> groups_;  // every sharing group named in the topology, sorted
};

}  // namespace socmesh::sim
