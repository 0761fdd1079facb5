// Where an object goes next (B7, B12, E16; ARCHITECTURE.md §4 "Share"). Every node evaluates
// NextHops with only what it knows — the shared topology, the object's clear routing metadata and
// the peer it came from — and the network as a whole delivers the object:
//
//   - to every node the policy allows (policy.hpp), in clear;
//   - to no other node in clear: nodes on the way that the policy does not allow carry an opaque
//     envelope encrypted to the allowed organisations (crypto/envelope.hpp), which they can
//     forward but not read; TLP:RED travels as an envelope on every hop;
//   - once per node, without loops: hops follow the breadth-first tree rooted at the object's
//     origin node (Topology::TreeParent), pruned to the branches that lead to an allowed node.
//
// The tree is a pure function of the topology file (nodes sorted by name, peers in index order),
// so every node computes the same one; receivers still deduplicate by (id, modified), which makes a
// re-delivery after a crash or a pull harmless (E16).
#pragma once

#include <optional>
#include <vector>

#include "federation/policy.hpp"
#include "federation/topology.hpp"

namespace socmesh::federation {

// How an object crosses one link.
enum class Carriage : uint8_t {
  kClear,     // the object itself (over mutual TLS): only to a peer allowed to hold it
  kEnvelope,  // end-to-end envelope for the allowed organisations; the peer only relays it
};

// "clear", "envelope".
std::string_view CarriageName(Carriage carriage);

struct Hop {
  NodeIndex peer = kNoNode;
  Carriage carriage = Carriage::kEnvelope;

  friend bool operator==(const Hop&, const Hop&) = default;
};

// The policy applied to a node of `topology`, with the export rule of the object's origin
// consortium.
Decision DecideForNode(const Topology& topology, const ObjectFacts& object, NodeIndex node);
inline bool MayHoldInClear(const Topology& topology, const ObjectFacts& object, NodeIndex node) {
  return DecideForNode(topology, object, node).allowed;
}

// allowed[i] == MayHoldInClear(topology, object, i) for every node.
std::vector<bool> AllowedNodes(const Topology& topology, const ObjectFacts& object);

// The node that publishes the object into the network: the node of its origin organisation.
// nullopt when no node has that organisation (then the object is not routed).
std::optional<NodeIndex> OriginNode(const Topology& topology, const ObjectFacts& object);

// The peers `self` forwards the object to, in peer order, and how. `arrived_from` is the peer that
// delivered it (nullopt at the origin); it is never a next hop. A node that holds only the
// envelope (not allowed, or RED) never gets kClear hops. Empty when the object has no origin node
// or no allowed node lies beyond `self`.
std::vector<Hop> NextHops(const Topology& topology, NodeIndex self, const ObjectFacts& object,
                          std::optional<NodeIndex> arrived_from);

}  // namespace socmesh::federation
