// Random networks and objects for the federation property tests, an oracle of the sharing policy
// written independently of federation/policy.cpp (straight from the rule table, over the file's
// spec rather than the built Topology), and a flood simulator that moves an object through a
// network using nothing but NextHops at each node.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "federation/routing.hpp"
#include "federation/topology.hpp"

namespace socmesh::federation::testing {

// The STIX types the generator picks from (export rules list some of them).
inline const std::vector<std::string> kObjectTypes = {"indicator", "report", "sighting", "malware"};
// Sharing groups: g0..g3 have members; g4 never has any.
inline constexpr int kGroupCount = 5;

// A valid topology spec of exactly `size` nodes (3..30 and beyond): random upper layer, 1..5
// consortia of random lower-layer kinds, sometimes a dedicated (non-national) platform node, a
// standalone national SOC outside every consortium, extra links and export rules.
TopologySpec RandomTopologySpec(std::mt19937_64& rng, size_t size);

// A random object published by a random node of `topology`: every TLP (and unmarked), every scope
// (and none), random recipients (sometimes an organisation that is no node) and sharing groups.
ObjectFacts RandomObject(std::mt19937_64& rng, const Topology& topology);

// The policy from its definition (docs/architecture.md): may node `node_name` of `spec` hold
// `object` in clear?
bool OracleAllows(const TopologySpec& spec, const ObjectFacts& object,
                  const std::string& node_name);

struct FloodResult {
  std::vector<bool> clear;      // held the object in clear (origin, clear hop, decrypted envelope)
  std::vector<bool> envelope;   // received the envelope
  std::vector<int> receptions;  // deliveries to each node
  std::vector<bool> forwarded;  // sent at least one hop
  size_t messages = 0;
  // Hops a node could not have made: kClear from a node that does not hold the clear object, a
  // hop to a non-peer, a kClear hop of a RED object.
  std::vector<std::string> impossible_hops;
};

// Publishes `object` at its origin node and delivers hop by hop (breadth first) with NextHops.
// Receivers deduplicate (a second delivery is counted, not forwarded). A node receiving the
// envelope decrypts it when it is among AllowedNodes (the organisations the origin encrypted to).
// Stops after `max_messages` deliveries (a loop guard).
FloodResult Flood(const Topology& topology, const ObjectFacts& object, size_t max_messages);

// The object in one line, for failure messages.
std::string Describe(const ObjectFacts& object);

}  // namespace socmesh::federation::testing
