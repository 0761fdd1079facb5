#include "federation/routing.hpp"

namespace socmesh::federation {

std::string_view CarriageName(Carriage carriage) {
  return carriage == Carriage::kClear ? "clear" : "envelope";
}

Decision DecideForNode(const Topology& topology, const ObjectFacts& object, NodeIndex node) {
  return Decide(object, topology.HolderOf(node), topology.ExportRuleOf(object.origin_consortium));
}

std::vector<bool> AllowedNodes(const Topology& topology, const ObjectFacts& object) {
  std::vector<bool> allowed(topology.size());
  for (NodeIndex i = 0; i < topology.size(); ++i) allowed[i] = MayHoldInClear(topology, object, i);
  return allowed;
}

std::optional<NodeIndex> OriginNode(const Topology& topology, const ObjectFacts& object) {
  if (object.origin_organisation.empty()) return std::nullopt;
  return topology.FindOrganisation(object.origin_organisation);
}

std::vector<Hop> NextHops(const Topology& topology, NodeIndex self, const ObjectFacts& object,
                          std::optional<NodeIndex> arrived_from) {
  std::vector<Hop> hops;
  const auto origin = OriginNode(topology, object);
  if (!origin || self >= topology.size()) return hops;

  // A peer is a next hop when it is self's child in the origin's tree and some allowed node lies
  // in its subtree: walk up from every allowed node and mark the child of self on the way.
  const std::vector<bool> allowed = AllowedNodes(topology, object);
  std::vector<bool> wanted(topology.size());
  for (NodeIndex a = 0; a < topology.size(); ++a) {
    if (!allowed[a] || a == self) continue;
    for (NodeIndex v = a; v != kNoNode;) {
      const NodeIndex parent = topology.TreeParent(*origin, v);
      if (parent == self) {
        wanted[v] = true;
        break;
      }
      v = parent;
    }
  }

  // Clear only from a node that holds the clear object to a node allowed to hold it.
  const bool self_holds_clear = allowed[self] && !TravelsOnlyAsEnvelope(object);
  for (NodeIndex peer : topology.Peers(self)) {
    if (!wanted[peer] || peer == arrived_from) continue;
    hops.push_back(
        {peer, self_holds_clear && allowed[peer] ? Carriage::kClear : Carriage::kEnvelope});
  }
  return hops;
}

}  // namespace socmesh::federation
