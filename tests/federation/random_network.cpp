#include "federation/random_network.hpp"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <tuple>

namespace socmesh::federation::testing {
namespace {

using model::DistributionScope;
using model::Tlp;

bool Chance(std::mt19937_64& rng, double p) { return std::bernoulli_distribution(p)(rng); }

size_t Uniform(std::mt19937_64& rng, size_t lo, size_t hi) {
  return std::uniform_int_distribution<size_t>(lo, hi)(rng);
}

template <typename T>
const T& Pick(std::mt19937_64& rng, const std::vector<T>& v) {
  return v[Uniform(rng, 0, v.size() - 1)];
}

bool In(const std::vector<std::string>& v, const std::string& s) {
  return std::ranges::find(v, s) != v.end();
}

// Distinct two-capital codes, skipping "EU" (the awareness node's).
std::string CountryCode(size_t i) {
  if (i >= 4 * 26 + 20) ++i;
  return {static_cast<char>('A' + (i / 26) % 26), static_cast<char>('A' + i % 26)};
}

class Generator {
 public:
  Generator(std::mt19937_64& rng, TopologySpec& spec) : rng_(rng), spec_(spec) {}

  NodeSpec& AddNode(std::vector<NodeRole> roles, std::string country) {
    NodeSpec n;
    char name[16];
    std::snprintf(name, sizeof name, "n%02zu", next_name_++);
    n.name = name;
    n.organisation = "ORG-" + n.name;
    n.country = std::move(country);
    n.roles = std::move(roles);
    for (int g = 0; g + 1 < kGroupCount; ++g) {
      if (Chance(rng_, 0.3)) n.sharing_groups.push_back("g" + std::to_string(g));
    }
    spec_.nodes.push_back(std::move(n));
    return spec_.nodes.back();
  }

  NodeSpec& Find(const std::string& name) {
    return *std::ranges::find(spec_.nodes, name, &NodeSpec::name);
  }

  void AddRole(const std::string& name, NodeRole role) {
    auto& roles = Find(name).roles;
    if (std::ranges::find(roles, role) == roles.end()) roles.push_back(role);
  }

  // A consortium of exactly `size` nodes.
  ConsortiumSpec Consortium(size_t index, size_t size) {
    ConsortiumSpec c;
    c.name = "c" + std::to_string(index);
    c.kind = static_cast<LowerLayer>(Uniform(rng_, 0, 2));
    // Sometimes a centralised consortium's platform is a dedicated node, hosted in a member state
    // but not its national SOC.
    const bool dedicated = c.kind == LowerLayer::kCentralised && size >= 2 && Chance(rng_, 0.3);
    const size_t members = dedicated ? size - 1 : size;
    for (size_t i = 0; i < members; ++i) {
      c.members.push_back(AddNode({NodeRole::kNational}, CountryCode(next_country_++)).name);
    }
    std::vector<std::string> shuffled = c.members;
    std::ranges::shuffle(shuffled, rng_);
    switch (c.kind) {
      case LowerLayer::kCentralised:
        if (dedicated) {
          c.platform = AddNode({NodeRole::kPlatform}, Find(c.members[0]).country).name;
          c.members.push_back(c.platform);
        } else {
          c.platform = shuffled[0];
        }
        AddRole(c.platform, NodeRole::kPlatform);
        c.gateway = Pick(rng_, c.members);
        break;
      case LowerLayer::kDecentralised: {
        const size_t core = Uniform(rng_, 1, members);
        c.core.assign(shuffled.begin(), shuffled.begin() + static_cast<ptrdiff_t>(core));
        for (const auto& n : c.core) AddRole(n, NodeRole::kPlatform);
        for (size_t i = core; i < shuffled.size(); ++i) {
          c.satellites.emplace_back(shuffled[i], Pick(rng_, c.core));
        }
        std::ranges::sort(c.satellites);  // as a TOML table gives them back
        c.gateway = Pick(rng_, c.members);
        break;
      }
      case LowerLayer::kDistributed:
        for (const auto& n : c.members) {
          if (Chance(rng_, 0.3)) AddRole(n, NodeRole::kPlatform);
        }
        c.gateway = Pick(rng_, c.members);
        break;
    }
    AddRole(c.gateway, NodeRole::kGateway);
    if (Chance(rng_, 0.4)) {
      c.export_rule.max_tlp = static_cast<Tlp>(Uniform(rng_, 0, 4));
      if (Chance(rng_, 0.5)) {
        for (const auto& t : kObjectTypes) {
          if (Chance(rng_, 0.5)) c.export_rule.object_types.push_back(t);
        }
      }
    }
    return c;
  }

  void Build(size_t size) {
    spec_.source = "random";
    spec_.name = "random";
    spec_.upper = Chance(rng_, 0.5) ? UpperLayer::kCentralised : UpperLayer::kDistributed;
    size_t budget = size;
    if (spec_.upper == UpperLayer::kCentralised) {
      spec_.awareness = AddNode({NodeRole::kAwareness}, "EU").name;
      --budget;
    }
    const bool standalone = budget >= 3 && Chance(rng_, 0.15);
    if (standalone) --budget;
    const size_t count = Uniform(rng_, 1, std::min<size_t>(5, budget));
    std::vector<size_t> sizes(count, 1);
    for (size_t left = budget - count; left > 0; --left) ++sizes[Uniform(rng_, 0, count - 1)];
    for (size_t i = 0; i < count; ++i) spec_.consortia.push_back(Consortium(i, sizes[i]));
    std::vector<std::string> gateways;
    for (const auto& c : spec_.consortia) gateways.push_back(c.gateway);
    if (standalone) {
      const std::string n = AddNode({NodeRole::kNational}, CountryCode(next_country_++)).name;
      spec_.links.push_back({n, Pick(rng_, gateways), 0});
      if (!spec_.awareness.empty() && Chance(rng_, 0.5))
        spec_.links.push_back({n, spec_.awareness, 0});
    }
    for (size_t extra = Uniform(rng_, 0, 2); extra > 0; --extra) {
      if (gateways.size() >= 2 && Chance(rng_, 0.5)) {
        const auto& a = Pick(rng_, gateways);
        const auto& b = Pick(rng_, gateways);
        if (a != b) spec_.links.push_back({a, b, 0});
      } else {
        const auto& c = Pick(rng_, spec_.consortia);
        const auto& a = Pick(rng_, c.members);
        const auto& b = Pick(rng_, c.members);
        if (a != b) spec_.links.push_back({a, b, 0});
      }
    }
    std::ranges::shuffle(spec_.nodes, rng_);  // routes must not depend on the file's order
  }

 private:
  std::mt19937_64& rng_;
  TopologySpec& spec_;
  size_t next_name_ = 0;
  size_t next_country_ = 0;
};

}  // namespace

TopologySpec RandomTopologySpec(std::mt19937_64& rng, size_t size) {
  TopologySpec spec;
  Generator(rng, spec).Build(size);
  return spec;
}

ObjectFacts RandomObject(std::mt19937_64& rng, const Topology& topology) {
  const Node& origin = topology.nodes()[Uniform(rng, 0, topology.size() - 1)];
  model::SocmeshMetadata metadata;
  metadata.origin_organisation = origin.organisation;
  metadata.origin_country = origin.country;
  if (const size_t s = Uniform(rng, 0, 5); s < 5)
    metadata.scope = static_cast<DistributionScope>(s);
  const double p = std::vector<double>{0.0, 0.1, 0.3, 0.6}[Uniform(rng, 0, 3)];
  for (const Node& n : topology.nodes()) {
    if (Chance(rng, p)) metadata.recipients.push_back(n.organisation);
  }
  if (Chance(rng, 0.2)) metadata.recipients.push_back("ORG-outside-the-network");
  for (int g = 0; g < kGroupCount; ++g) {
    if (Chance(rng, 0.25)) metadata.sharing_groups.push_back("g" + std::to_string(g));
  }
  std::optional<Tlp> tlp;
  if (const size_t t = Uniform(rng, 0, 5); t < 5) tlp = static_cast<Tlp>(t);
  return topology.Describe(metadata, tlp, Pick(rng, kObjectTypes));
}

bool OracleAllows(const TopologySpec& spec, const ObjectFacts& object, const std::string& name) {
  const NodeSpec& node = *std::ranges::find(spec.nodes, name, &NodeSpec::name);
  const ConsortiumSpec* home = nullptr;
  const ConsortiumSpec* origin_home = nullptr;
  for (const auto& c : spec.consortia) {
    if (In(c.members, name)) home = &c;
    if (c.name == object.origin_consortium) origin_home = &c;
  }
  if (!node.organisation.empty() && node.organisation == object.origin_organisation) return true;

  const bool recipient = In(object.recipients, node.organisation);
  const bool group = std::ranges::any_of(object.sharing_groups,
                                         [&](const auto& g) { return In(node.sharing_groups, g); });
  const Tlp tlp = object.tlp.value_or(Tlp::kGreen);  // unmarked: GREEN
  bool by_tlp = false;
  switch (tlp) {
    case Tlp::kClear:
    case Tlp::kGreen:
      by_tlp = true;  // every node is in the community
      break;
    case Tlp::kAmber:
      by_tlp = recipient || group;
      break;
    case Tlp::kAmberStrict:
    case Tlp::kRed:
      by_tlp = recipient;
      break;
  }
  bool by_scope = true;
  if (object.scope) {
    switch (*object.scope) {
      case DistributionScope::kOrganisation:
        by_scope = false;
        break;
      case DistributionScope::kNational:
        by_scope = !object.origin_country.empty() && node.country == object.origin_country;
        break;
      case DistributionScope::kConsortium:
        by_scope = origin_home && home == origin_home;
        break;
      case DistributionScope::kNetwork:
        by_scope = true;
        break;
      case DistributionScope::kSharingGroup:
        by_scope = recipient || group;
        break;
    }
  }
  bool by_export = true;
  if (origin_home && home != origin_home) {
    const ExportRule& rule = origin_home->export_rule;
    by_export =
        tlp <= rule.max_tlp && (rule.object_types.empty() || In(rule.object_types, object.type));
  }
  return by_tlp && by_scope && by_export;
}

FloodResult Flood(const Topology& topology, const ObjectFacts& object, size_t max_messages) {
  const size_t n = topology.size();
  FloodResult r{
      std::vector<bool>(n), std::vector<bool>(n), std::vector<int>(n), std::vector<bool>(n), 0, {}};
  const auto origin = OriginNode(topology, object);
  if (!origin) return r;
  const std::vector<bool> allowed = AllowedNodes(topology, object);
  std::vector<bool> held(n);
  std::vector<std::optional<NodeIndex>> arrived_from(n);
  std::deque<std::tuple<NodeIndex, NodeIndex, Carriage>> queue;

  auto send_from = [&](NodeIndex from) {
    for (const Hop& hop : NextHops(topology, from, object, arrived_from[from])) {
      const std::string where = topology.nodes()[from].name + " -> " +
                                (hop.peer < n ? topology.nodes()[hop.peer].name : "?");
      if (hop.peer >= n || !topology.Linked(from, hop.peer)) {
        r.impossible_hops.push_back(where + ": not a peer");
        continue;
      }
      if (hop.carriage == Carriage::kClear && !r.clear[from]) {
        r.impossible_hops.push_back(where + ": clear hop from a node without the clear object");
      }
      if (hop.carriage == Carriage::kClear && TravelsOnlyAsEnvelope(object)) {
        r.impossible_hops.push_back(where + ": RED object sent in clear");
      }
      r.forwarded[from] = true;
      queue.emplace_back(hop.peer, from, hop.carriage);
    }
  };

  held[*origin] = true;
  r.clear[*origin] = true;
  send_from(*origin);
  while (!queue.empty() && r.messages < max_messages) {
    const auto [to, from, carriage] = queue.front();
    queue.pop_front();
    ++r.messages;
    ++r.receptions[to];
    if (held[to]) continue;  // dedup by (id, modified): a second delivery is dropped
    held[to] = true;
    arrived_from[to] = from;
    if (carriage == Carriage::kClear) {
      r.clear[to] = true;
    } else {
      r.envelope[to] = true;
      if (allowed[to]) r.clear[to] = true;  // one of the organisations the envelope is for
    }
    send_from(to);
  }
  return r;
}

std::string Describe(const ObjectFacts& o) {
  std::string s =
      "tlp=" + std::string(o.tlp ? model::TlpName(*o.tlp) : "unmarked") +
      " scope=" + std::string(o.scope ? model::DistributionScopeName(*o.scope) : "none") +
      " type=" + o.type + " origin=" + o.origin_organisation + "/" + o.origin_country + "/" +
      o.origin_consortium + " recipients=[";
  for (const auto& x : o.recipients) s += x + " ";
  s += "] groups=[";
  for (const auto& x : o.sharing_groups) s += x + " ";
  return s + "]";
}

}  // namespace socmesh::federation::testing
