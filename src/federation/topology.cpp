#include "federation/topology.hpp"

#include <algorithm>
#include <deque>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include "federation/detail/problems.hpp"

namespace socmesh::federation {
namespace {

using detail::Problems;

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

int LineOf(const std::map<std::string, int>& lines, const std::string& key, int fallback) {
  auto it = lines.find(key);
  return it == lines.end() || it->second == 0 ? fallback : it->second;
}

bool IsCountryShaped(std::string_view c) {
  return c.size() == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z';
}

template <typename T>
void SortUnique(std::vector<T>& v) {
  std::ranges::sort(v);
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

// Builds the validated topology step by step; every step records problems and goes on, so that a
// file with several mistakes gets them all reported at once.
class Builder {
 public:
  Builder(const TopologySpec& spec, NodeIndex& awareness, std::vector<Node>& nodes,
          std::vector<Consortium>& consortia)
      : spec_(spec),
        problems_(spec.source),
        awareness_(awareness),
        nodes_(nodes),
        consortia_(consortia) {}

  Problems& problems() { return problems_; }

  void Nodes() {
    // Sorted by name: indexes (and therefore routes) do not depend on the file's order.
    std::vector<size_t> order(spec_.nodes.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::ranges::stable_sort(order, {}, [&](size_t i) { return spec_.nodes[i].name; });
    std::map<std::string, size_t> organisations;
    for (size_t i : order) {
      const NodeSpec& n = spec_.nodes[i];
      const std::string key = "node " + Quoted(n.name);
      if (n.name.empty()) {
        problems_.Add(n.line, "node.name", "must not be empty");
        continue;
      }
      if (index_.contains(n.name)) {
        problems_.Add(n.line, key,
                      "defined twice (first at line " +
                          std::to_string(spec_.nodes[spec_index_[n.name]].line) + ")");
        continue;
      }
      if (n.organisation.empty()) {
        problems_.Add(LineOf(n.lines, "organisation", n.line), key + ".organisation",
                      "must not be empty");
      } else if (auto [it, fresh] = organisations.emplace(n.organisation, i); !fresh) {
        // The organisation is the actor of every policy decision (E19): one node each, several
        // roles on it when one organisation runs several functions.
        problems_.Add(LineOf(n.lines, "organisation", n.line), key + ".organisation",
                      Quoted(n.organisation) + " is already the organisation of node " +
                          Quoted(spec_.nodes[it->second].name));
      }
      if (!IsCountryShaped(n.country)) {
        problems_.Add(LineOf(n.lines, "country", n.line), key + ".country",
                      Quoted(n.country) + " is not an ISO 3166-1 alpha-2 code (two capitals)");
      }
      if (n.roles.empty())
        problems_.Add(LineOf(n.lines, "roles", n.line), key + ".roles",
                      "a node needs at least one role");
      for (const auto& g : n.sharing_groups) {
        if (g.empty()) {
          problems_.Add(LineOf(n.lines, "sharing_groups", n.line), key + ".sharing_groups",
                        "empty group name");
        }
      }
      Node node{n.name, n.organisation, n.country, n.roles, n.sharing_groups, std::nullopt};
      SortUnique(node.roles);
      SortUnique(node.sharing_groups);
      index_[n.name] = static_cast<NodeIndex>(nodes_.size());
      spec_index_[n.name] = i;
      nodes_.push_back(std::move(node));
    }
  }

  void Consortia() {
    std::map<std::string, int> names;
    for (const ConsortiumSpec& c : spec_.consortia) {
      const std::string key = "consortium " + Quoted(c.name);
      if (c.name.empty()) {
        problems_.Add(c.line, "consortium.name", "must not be empty");
        continue;
      }
      if (auto [it, fresh] = names.emplace(c.name, c.line); !fresh) {
        problems_.Add(c.line, key,
                      "defined twice (first at line " + std::to_string(it->second) + ")");
        continue;
      }
      const size_t ci = consortia_.size();
      Consortium out{c.name, c.kind, {}, kNoNode, kNoNode, {}, c.export_rule};
      const int members_line = LineOf(c.lines, "members", c.line);
      if (c.members.empty()) problems_.Add(members_line, key + ".members", "no members");
      for (const auto& m : c.members) {
        auto n = Resolve(m, members_line, key + ".members");
        if (!n) continue;
        if (nodes_[*n].consortium == ci) {
          // Still being built: consortia_[ci] does not exist yet.
          problems_.Add(members_line, key + ".members", "node " + Quoted(m) + " is listed twice");
          continue;
        }
        if (nodes_[*n].consortium) {
          problems_.Add(members_line, key + ".members",
                        "node " + Quoted(m) + " is already a member of consortium " +
                            Quoted(NameOfConsortium(*nodes_[*n].consortium)) +
                            " (a node belongs to one consortium at most)");
          continue;
        }
        nodes_[*n].consortium = ci;
        out.members.push_back(*n);
      }
      std::ranges::sort(out.members);
      consortia_.push_back(out);  // before the member checks below, which read it
      Consortium& done = consortia_.back();

      const int gateway_line = LineOf(c.lines, "gateway", c.line);
      if (c.gateway.empty()) {
        problems_.Add(c.line, key + ".gateway", "missing: every consortium has one gateway (B4)");
      } else if (auto g = Resolve(c.gateway, gateway_line, key + ".gateway")) {
        if (MemberOf(*g, ci, gateway_line, key + ".gateway") &&
            NeedsRole(*g, NodeRole::kGateway, gateway_line, key + ".gateway")) {
          done.gateway = *g;
        }
      }
      LowerLayerKeys(c, ci, key);
    }
  }

  void Roles() {
    std::map<std::string, NodeIndex> national;
    for (NodeIndex i = 0; i < nodes_.size(); ++i) {
      const Node& n = nodes_[i];
      const NodeSpec& s = spec_.nodes[spec_index_[n.name]];
      const std::string key = "node " + Quoted(n.name) + ".roles";
      const int line = LineOf(s.lines, "roles", s.line);
      if (n.Has(NodeRole::kNational)) {
        if (auto [it, fresh] = national.emplace(n.country, i); !fresh) {
          problems_.Add(line, key,
                        "country " + n.country + " already has a national SOC, node " +
                            Quoted(nodes_[it->second].name) + " (B1: one per member state)");
        }
      } else if (!n.Has(NodeRole::kPlatform) && !n.Has(NodeRole::kGateway) &&
                 !n.Has(NodeRole::kAwareness)) {
        problems_.Add(line, key,
                      "a node that is not its country's national SOC must be a platform, gateway "
                      "or awareness node (B1: the national SOC is the country's only door)");
      }
      if (n.Has(NodeRole::kGateway) && !(n.consortium && consortia_[*n.consortium].gateway == i)) {
        problems_.Add(line, key,
                      "has the gateway role but is not the gateway of its consortium (B4: one "
                      "gateway per consortium)");
      }
    }
  }

  void Upper() {
    const int line = spec_.network_line;
    if (spec_.upper == UpperLayer::kDistributed) {
      if (!spec_.awareness.empty()) {
        problems_.Add(line, "network.awareness",
                      "only a centralised upper layer has an awareness node");
      }
    } else if (spec_.awareness.empty()) {
      problems_.Add(line, "network.awareness",
                    "missing: a centralised upper layer connects gateways through an awareness "
                    "node (B6)");
    } else if (auto a = Resolve(spec_.awareness, line, "network.awareness")) {
      if (NeedsRole(*a, NodeRole::kAwareness, line, "network.awareness")) {
        if (nodes_[*a].consortium) {
          problems_.Add(line, "network.awareness",
                        "node " + Quoted(spec_.awareness) + " is a member of consortium " +
                            Quoted(NameOfConsortium(*nodes_[*a].consortium)) +
                            "; the awareness node stands above the consortia");
        } else {
          awareness_ = *a;
        }
      }
    }
    for (NodeIndex i = 0; i < nodes_.size(); ++i) {
      if (nodes_[i].Has(NodeRole::kAwareness) && i != awareness_ &&
          !(spec_.awareness == nodes_[i].name)) {
        const NodeSpec& s = spec_.nodes[spec_index_[nodes_[i].name]];
        problems_.Add(LineOf(s.lines, "roles", s.line), "node " + Quoted(nodes_[i].name) + ".roles",
                      "has the awareness role but is not network.awareness");
      }
    }
  }

  void Links(std::set<std::pair<NodeIndex, NodeIndex>>& edges) {
    for (const LinkSpec& l : spec_.links) {
      auto a = Resolve(l.a, l.line, "link");
      auto b = Resolve(l.b, l.line, "link");
      if (!a || !b) continue;
      if (*a == *b) {
        problems_.Add(l.line, "link", "links node " + Quoted(l.a) + " to itself");
        continue;
      }
      const auto ca = nodes_[*a].consortium;
      const auto cb = nodes_[*b].consortium;
      // B4: crossing a consortium boundary is a gateway's job. A node in no consortium (the
      // awareness node, a standalone member) is its own side of the boundary.
      const bool crosses = !(ca && cb && *ca == *cb);
      bool door_ok = true;
      if (crosses) {
        for (NodeIndex end : {*a, *b}) {
          const auto c = nodes_[end].consortium;
          if (c && consortia_[*c].gateway != end) {
            door_ok = false;
            problems_.Add(l.line, "link",
                          Quoted(l.a) + " - " + Quoted(l.b) + " crosses the boundary of " +
                              "consortium " + Quoted(consortia_[*c].name) + " at node " +
                              Quoted(nodes_[end].name) +
                              ", which is not its gateway (B4: the gateway is the only door)");
          }
        }
      }
      if (door_ok) edges.insert(std::minmax(*a, *b));
    }
  }

  // Derived links of the lower and upper layers (valid parts only).
  void DerivedLinks(std::set<std::pair<NodeIndex, NodeIndex>>& edges) {
    auto link = [&](NodeIndex a, NodeIndex b) {
      if (a != b && a != kNoNode && b != kNoNode) edges.insert(std::minmax(a, b));
    };
    auto mesh = [&](const std::vector<NodeIndex>& v) {
      for (size_t i = 0; i < v.size(); ++i)
        for (size_t j = i + 1; j < v.size(); ++j) link(v[i], v[j]);
    };
    for (size_t ci = 0; ci < consortia_.size(); ++ci) {
      const Consortium& c = consortia_[ci];
      switch (c.kind) {
        case LowerLayer::kCentralised:
          for (NodeIndex m : c.members) link(m, c.platform);
          break;
        case LowerLayer::kDecentralised:
          mesh(c.core);
          for (auto [sat, core] : satellite_core_[ci]) link(sat, core);
          break;
        case LowerLayer::kDistributed:
          mesh(c.members);
          break;
      }
    }
    std::vector<NodeIndex> gateways;
    for (const Consortium& c : consortia_) {
      if (c.gateway != kNoNode) gateways.push_back(c.gateway);
    }
    if (spec_.upper == UpperLayer::kDistributed) {
      mesh(gateways);
    } else {
      for (NodeIndex g : gateways) link(g, awareness_);
    }
  }

 private:
  std::optional<NodeIndex> Resolve(const std::string& name, int line, const std::string& key) {
    auto it = index_.find(name);
    if (it != index_.end()) return it->second;
    problems_.Add(line, key, "node " + Quoted(name) + " is not defined");
    return std::nullopt;
  }

  bool MemberOf(NodeIndex n, size_t ci, int line, const std::string& key) {
    if (nodes_[n].consortium == ci) return true;
    problems_.Add(line, key,
                  "node " + Quoted(nodes_[n].name) + " is not a member of consortium " +
                      Quoted(consortia_[ci].name));
    return false;
  }

  bool NeedsRole(NodeIndex n, NodeRole role, int line, const std::string& key) {
    if (nodes_[n].Has(role)) return true;
    problems_.Add(line, key,
                  "node " + Quoted(nodes_[n].name) + " lacks the " +
                      std::string(NodeRoleName(role)) + " role");
    return false;
  }

  std::string NameOfConsortium(size_t ci) const { return consortia_[ci].name; }

  void LowerLayerKeys(const ConsortiumSpec& c, size_t ci, const std::string& key) {
    Consortium& out = consortia_[ci];
    auto not_for_kind = [&](bool present, const char* name) {
      if (present) {
        problems_.Add(LineOf(c.lines, name, c.line), key + "." + name,
                      "not used by a " + std::string(LowerLayerName(c.kind)) + " consortium");
      }
    };
    satellite_core_.resize(ci + 1);
    if (c.kind == LowerLayer::kCentralised) {
      const int line = LineOf(c.lines, "platform", c.line);
      if (c.platform.empty()) {
        problems_.Add(c.line, key + ".platform",
                      "missing: a centralised consortium's members all talk to one platform node");
      } else if (auto p = Resolve(c.platform, line, key + ".platform")) {
        if (MemberOf(*p, ci, line, key + ".platform") &&
            NeedsRole(*p, NodeRole::kPlatform, line, key + ".platform")) {
          out.platform = *p;
        }
      }
    } else {
      not_for_kind(!c.platform.empty(), "platform");
    }
    if (c.kind == LowerLayer::kDecentralised) {
      const int core_line = LineOf(c.lines, "core", c.line);
      const int sat_line = LineOf(c.lines, "satellites", c.line);
      if (c.core.empty()) {
        problems_.Add(core_line, key + ".core", "a decentralised consortium needs core nodes");
      }
      for (const auto& name : c.core) {
        if (auto n = Resolve(name, core_line, key + ".core");
            n && MemberOf(*n, ci, core_line, key + ".core")) {
          out.core.push_back(*n);
        }
      }
      SortUnique(out.core);
      std::set<NodeIndex> attached;
      for (const auto& [sat, core] : c.satellites) {
        auto s = Resolve(sat, sat_line, key + ".satellites");
        auto k = Resolve(core, sat_line, key + ".satellites." + sat);
        if (!s || !k || !MemberOf(*s, ci, sat_line, key + ".satellites")) continue;
        if (!std::ranges::binary_search(out.core, *k)) {
          problems_.Add(sat_line, key + ".satellites." + sat,
                        "attached to " + Quoted(core) + ", which is not a core node");
          continue;
        }
        if (std::ranges::binary_search(out.core, *s)) {
          problems_.Add(sat_line, key + ".satellites." + sat, "is a core node");
          continue;
        }
        if (!attached.insert(*s).second) {
          problems_.Add(sat_line, key + ".satellites." + sat, "attached twice");
          continue;
        }
        satellite_core_[ci].emplace_back(*s, *k);
      }
      for (NodeIndex m : out.members) {
        if (!std::ranges::binary_search(out.core, m) && !attached.contains(m)) {
          problems_.Add(sat_line, key + ".satellites",
                        "member " + Quoted(nodes_[m].name) +
                            " is neither a core node nor a satellite attached to one");
        }
      }
    } else {
      not_for_kind(!c.core.empty(), "core");
      not_for_kind(!c.satellites.empty(), "satellites");
    }
  }

  const TopologySpec& spec_;
  Problems problems_;
  NodeIndex& awareness_;
  std::vector<Node>& nodes_;
  std::vector<Consortium>& consortia_;
  std::map<std::string, NodeIndex> index_;
  std::map<std::string, size_t> spec_index_;
  std::vector<std::vector<std::pair<NodeIndex, NodeIndex>>> satellite_core_;
};

}  // namespace

std::string_view NodeRoleName(NodeRole role) {
  switch (role) {
    case NodeRole::kNational:
      return "national";
    case NodeRole::kPlatform:
      return "platform";
    case NodeRole::kGateway:
      return "gateway";
    case NodeRole::kAwareness:
      return "awareness";
  }
  return "unknown";
}

std::string_view LowerLayerName(LowerLayer kind) {
  switch (kind) {
    case LowerLayer::kCentralised:
      return "centralised";
    case LowerLayer::kDecentralised:
      return "decentralised";
    case LowerLayer::kDistributed:
      return "distributed";
  }
  return "unknown";
}

std::string_view UpperLayerName(UpperLayer kind) {
  return kind == UpperLayer::kCentralised ? "centralised" : "distributed";
}

std::optional<NodeRole> ParseNodeRole(std::string_view name) {
  for (NodeRole r :
       {NodeRole::kNational, NodeRole::kPlatform, NodeRole::kGateway, NodeRole::kAwareness}) {
    if (NodeRoleName(r) == name) return r;
  }
  return std::nullopt;
}

std::optional<LowerLayer> ParseLowerLayer(std::string_view name) {
  for (LowerLayer k :
       {LowerLayer::kCentralised, LowerLayer::kDecentralised, LowerLayer::kDistributed}) {
    if (LowerLayerName(k) == name) return k;
  }
  return std::nullopt;
}

std::optional<UpperLayer> ParseUpperLayer(std::string_view name) {
  for (UpperLayer k : {UpperLayer::kCentralised, UpperLayer::kDistributed}) {
    if (UpperLayerName(k) == name) return k;
  }
  return std::nullopt;
}

bool Node::Has(NodeRole role) const { return std::ranges::find(roles, role) != roles.end(); }

std::optional<NodeIndex> Topology::FindNode(std::string_view name) const {
  auto it = std::ranges::lower_bound(nodes_, name, {}, &Node::name);
  if (it == nodes_.end() || it->name != name) return std::nullopt;
  return static_cast<NodeIndex>(it - nodes_.begin());
}

std::optional<NodeIndex> Topology::FindOrganisation(std::string_view organisation) const {
  auto it = by_organisation_.find(organisation);
  if (it == by_organisation_.end()) return std::nullopt;
  return it->second;
}

std::optional<NodeIndex> Topology::NationalSoc(std::string_view country) const {
  for (NodeIndex i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].country == country && nodes_[i].Has(NodeRole::kNational)) return i;
  }
  return std::nullopt;
}

bool Topology::Linked(NodeIndex a, NodeIndex b) const {
  return std::ranges::binary_search(peers_[a], b);
}

Holder Topology::HolderOf(NodeIndex node) const {
  const Node& n = nodes_[node];
  return Holder{n.organisation, n.country, std::string(ConsortiumName(node)), n.sharing_groups,
                true};
}

std::string_view Topology::ConsortiumName(NodeIndex node) const {
  const auto& c = nodes_[node].consortium;
  return c ? std::string_view(consortia_[*c].name) : std::string_view();
}

const ExportRule& Topology::ExportRuleOf(std::string_view consortium) const {
  for (const Consortium& c : consortia_) {
    if (!consortium.empty() && c.name == consortium) return c.export_rule;
  }
  return default_export_;
}

ObjectFacts Topology::Describe(const model::SocmeshMetadata& metadata,
                               std::optional<model::Tlp> tlp, std::string type) const {
  ObjectFacts facts = FactsFromMetadata(metadata, tlp, std::move(type));
  std::optional<NodeIndex> origin = FindOrganisation(metadata.origin_organisation);
  if (!origin) origin = NationalSoc(metadata.origin_country);
  if (origin) facts.origin_consortium = std::string(ConsortiumName(*origin));
  return facts;
}

Result<Topology> BuildTopology(const TopologySpec& spec) {
  if (spec.nodes.size() > kMaxTopologyNodes) {
    return Fail(ErrorCode::kTooLarge, spec.source + ": " + std::to_string(spec.nodes.size()) +
                                          " nodes, more than the limit of " +
                                          std::to_string(kMaxTopologyNodes));
  }
  Topology t;
  t.name_ = spec.name;
  t.upper_ = spec.upper;
  Builder b(spec, t.awareness_, t.nodes_, t.consortia_);
  b.Nodes();
  b.Consortia();
  b.Roles();
  b.Upper();
  std::set<std::pair<NodeIndex, NodeIndex>> edges;
  b.Links(edges);
  if (!b.problems().empty())
    return std::unexpected(b.problems().ToError(ErrorCode::kInvalidArgument));
  b.DerivedLinks(edges);

  const size_t n = t.nodes_.size();
  for (NodeIndex i = 0; i < n; ++i) t.by_organisation_[t.nodes_[i].organisation] = i;
  t.peers_.assign(n, {});
  for (auto [a, c] : edges) {
    t.peers_[a].push_back(c);
    t.peers_[c].push_back(a);
  }
  for (auto& p : t.peers_) std::ranges::sort(p);
  t.link_count_ = edges.size();

  // One breadth-first tree per origin; a tree from node 0 also proves connectivity.
  t.tree_parent_.assign(n * n, kNoNode);
  std::vector<bool> seen(n);
  std::deque<NodeIndex> queue;
  for (NodeIndex origin = 0; origin < n; ++origin) {
    std::fill(seen.begin(), seen.end(), false);
    seen[origin] = true;
    queue.assign(1, origin);
    size_t reached = 1;
    while (!queue.empty()) {
      const NodeIndex u = queue.front();
      queue.pop_front();
      for (NodeIndex v : t.peers_[u]) {
        if (seen[v]) continue;
        seen[v] = true;
        ++reached;
        t.tree_parent_[static_cast<size_t>(origin) * n + v] = u;
        queue.push_back(v);
      }
    }
    if (origin == 0 && reached < n) {
      Problems problems(spec.source);
      for (NodeIndex v = 0; v < n; ++v) {
        if (seen[v]) continue;
        const auto it = std::ranges::find(spec.nodes, t.nodes_[v].name, &NodeSpec::name);
        problems.Add(it->line, "node " + Quoted(t.nodes_[v].name),
                     "not connected to node " + Quoted(t.nodes_[0].name) +
                         " (no consortium, link or upper layer reaches it)");
      }
      return std::unexpected(problems.ToError(ErrorCode::kInvalidArgument));
    }
  }
  return t;
}

Result<Topology> ParseTopology(std::string_view toml_text, std::string_view source) {
  auto spec = ParseTopologySpec(toml_text, source);
  if (!spec) return std::unexpected(spec.error());
  return BuildTopology(*spec);
}

Result<Topology> LoadTopology(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(ErrorCode::kIo, path.string() + ": cannot open");
  std::string text;
  char buffer[65536];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxTopologyBytes) {
      return Fail(ErrorCode::kTooLarge,
                  path.string() + ": larger than " + std::to_string(kMaxTopologyBytes) + " bytes");
    }
  }
  if (in.bad()) return Fail(ErrorCode::kIo, path.string() + ": read error");
  return ParseTopology(text, path.filename().string());
}

}  // namespace socmesh::federation
