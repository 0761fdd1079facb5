// The network's shape (B1, B3–B6; ARCHITECTURE.md §1): nodes with roles, consortia with their
// lower-layer kind, the upper layer between gateways, and the peer graph derived from them. The
// same topology file drives tests, the simulator and real deployments (docs/cli.md, "Topology
// file"); every node of a network loads the same file and so derives the same graph.
//
// Derived links:
//   lower layer  centralised    every member <-> the consortium's platform node
//                decentralised  core nodes fully meshed; each satellite <-> its core node
//                distributed    every member <-> every other member
//   upper layer  centralised    every gateway <-> the awareness node
//                distributed    every gateway <-> every other gateway
//   plus the explicit [[link]] entries.
//
// Validation (BuildTopology) reports every problem as "SOURCE:LINE: KEY: reason":
//   - names, organisations unique; countries ISO 3166-1 alpha-2 shaped (two capitals; "EU" for
//     EU-level bodies such as the awareness platform);
//   - B1: at most one national SOC per country, and every node that is not a national SOC holds
//     an infrastructure role (platform, gateway, awareness), so a country's organisations reach
//     the network only through their national SOC;
//   - B4: exactly one gateway per consortium (a member with the gateway role), no other node has
//     the gateway role, and every link that crosses a consortium boundary ends at gateways;
//   - B5/B6: the keys each kind needs (platform, core + satellites, awareness) name nodes that
//     exist, belong where they must and hold the right role;
//   - no node in two consortia; every referenced node exists; the graph is connected.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "federation/policy.hpp"

namespace socmesh::federation {

enum class NodeRole : uint8_t { kNational, kPlatform, kGateway, kAwareness };
enum class LowerLayer : uint8_t { kCentralised, kDecentralised, kDistributed };
enum class UpperLayer : uint8_t { kCentralised, kDistributed };

// "national", "platform", "gateway", "awareness"; "centralised", "decentralised", "distributed".
std::string_view NodeRoleName(NodeRole role);
std::string_view LowerLayerName(LowerLayer kind);
std::string_view UpperLayerName(UpperLayer kind);
std::optional<NodeRole> ParseNodeRole(std::string_view name);
std::optional<LowerLayer> ParseLowerLayer(std::string_view name);
std::optional<UpperLayer> ParseUpperLayer(std::string_view name);

// ---- What a topology file says (before validation). Lines are 1-based, 0 when unknown; `lines`
// maps a key of the entry to the line of its value, for error messages.
struct NodeSpec {
  std::string name;
  std::string organisation;
  std::string country;
  std::vector<NodeRole> roles;
  std::vector<std::string> sharing_groups;
  int line = 0;
  std::map<std::string, int> lines;
};

struct ConsortiumSpec {
  std::string name;
  LowerLayer kind = LowerLayer::kDistributed;
  std::vector<std::string> members;
  std::string gateway;
  std::string platform;                                         // centralised
  std::vector<std::string> core;                                // decentralised
  std::vector<std::pair<std::string, std::string>> satellites;  // decentralised: satellite, core
  ExportRule export_rule;
  int line = 0;
  std::map<std::string, int> lines;
};

struct LinkSpec {
  std::string a;
  std::string b;
  int line = 0;
};

struct TopologySpec {
  std::string source;  // file name for messages
  std::string name;    // the network's name, free text
  UpperLayer upper = UpperLayer::kDistributed;
  std::string awareness;  // upper centralised: the awareness node
  int network_line = 0;
  std::vector<NodeSpec> nodes;
  std::vector<ConsortiumSpec> consortia;
  std::vector<LinkSpec> links;
};

// ---- The validated network.
using NodeIndex = uint32_t;
inline constexpr NodeIndex kNoNode = UINT32_MAX;

struct Node {
  std::string name;
  std::string organisation;
  std::string country;
  std::vector<NodeRole> roles;              // sorted, unique
  std::vector<std::string> sharing_groups;  // sorted, unique
  std::optional<size_t> consortium;         // index into Topology::consortia()

  bool Has(NodeRole role) const;
};

struct Consortium {
  std::string name;
  LowerLayer kind = LowerLayer::kDistributed;
  std::vector<NodeIndex> members;  // sorted
  NodeIndex gateway = kNoNode;
  NodeIndex platform = kNoNode;  // centralised only
  std::vector<NodeIndex> core;   // decentralised only, sorted
  ExportRule export_rule;
};

class Topology {
 public:
  // Nodes are kept sorted by name, so every node derives the same indexes and the same routes
  // whatever the order of the file.
  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<Consortium>& consortia() const { return consortia_; }
  const std::string& name() const { return name_; }
  UpperLayer upper() const { return upper_; }
  NodeIndex awareness() const { return awareness_; }  // kNoNode unless upper is centralised
  size_t size() const { return nodes_.size(); }

  std::optional<NodeIndex> FindNode(std::string_view name) const;
  std::optional<NodeIndex> FindOrganisation(std::string_view organisation) const;
  // The node holding the national role for `country`, if any.
  std::optional<NodeIndex> NationalSoc(std::string_view country) const;

  // The node's peers (sorted, no duplicates) and the number of undirected links.
  std::span<const NodeIndex> Peers(NodeIndex node) const { return peers_[node]; }
  size_t LinkCount() const { return link_count_; }
  bool Linked(NodeIndex a, NodeIndex b) const;

  // The node as a would-be holder for the policy.
  Holder HolderOf(NodeIndex node) const;
  // The consortium name of a node ("" when in none).
  std::string_view ConsortiumName(NodeIndex node) const;
  // The export rule of the consortium named `consortium`; the default rule for "" or unknown.
  const ExportRule& ExportRuleOf(std::string_view consortium) const;

  // Policy facts of an object published under `metadata` in this network: origin_consortium is the
  // consortium of the origin organisation's node, else of the origin country's national SOC.
  ObjectFacts Describe(const model::SocmeshMetadata& metadata, std::optional<model::Tlp> tlp,
                       std::string type) const;

  // The shortest-path tree rooted at `origin` (breadth first, peers in index order): the parent
  // of `node`, kNoNode for the origin itself. Routing forwards along these trees.
  NodeIndex TreeParent(NodeIndex origin, NodeIndex node) const {
    return tree_parent_[static_cast<size_t>(origin) * nodes_.size() + node];
  }

 private:
  friend Result<Topology> BuildTopology(const TopologySpec& spec);

  std::string name_;
  UpperLayer upper_ = UpperLayer::kDistributed;
  NodeIndex awareness_ = kNoNode;
  std::vector<Node> nodes_;
  std::map<std::string, NodeIndex, std::less<>> by_organisation_;
  std::vector<Consortium> consortia_;
  std::vector<std::vector<NodeIndex>> peers_;
  size_t link_count_ = 0;
  std::vector<NodeIndex> tree_parent_;  // nodes_.size()^2
  ExportRule default_export_;
};

// Limits that keep hostile files cheap: one route tree per origin costs O(nodes x links), a full
// mesh of 500 nodes builds in well under a second. The EU has 27 member states.
inline constexpr size_t kMaxTopologyBytes = 4 << 20;
inline constexpr size_t kMaxTopologyNodes = 500;

// Validates `spec` and derives the peer graph. Errors: kInvalidArgument listing every problem,
// one per line, as "SOURCE:LINE: KEY: reason" (at most 50); kTooLarge above kMaxTopologyNodes.
Result<Topology> BuildTopology(const TopologySpec& spec);

// Reads a topology file's TOML (format in docs/cli.md). Errors: kTooLarge; kParse for TOML syntax
// ("SOURCE:LINE:COLUMN: reason"); kInvalidArgument for missing keys, unknown keys, wrong types and
// unknown names of roles and kinds, each naming the key and its line. Does not validate the
// network (BuildTopology does).
Result<TopologySpec> ParseTopologySpec(std::string_view toml_text, std::string_view source);

// ParseTopologySpec then BuildTopology.
Result<Topology> ParseTopology(std::string_view toml_text, std::string_view source);
// Reads and parses the file at `path` (source = the file name). Errors: kIo, and the above.
Result<Topology> LoadTopology(const std::filesystem::path& path);

// The spec as a topology file (ParseTopologySpec reads it back to an equal spec, lines aside).
std::string FormatTopologySpec(const TopologySpec& spec);

}  // namespace socmesh::federation
