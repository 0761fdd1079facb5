#include "sim/scenario.hpp"

#include <algorithm>
#include <chrono>
#include <set>

#include "model/canonical_json.hpp"
#include "model/identifier.hpp"
#include "model/socmesh_extension.hpp"
#include "model/timestamp.hpp"
#include "model/tlp.hpp"

namespace socmesh::sim {
namespace {

struct Marking {
  const char* name;
  std::optional<model::Tlp> tlp;
  const char* marking_id;  // TLP 2.0 marking-definition; nullptr when unmarked
};

// TLP 2.0 marking-definition ids (FIRST; model/tlp.cpp knows them all).
constexpr Marking kMarkings[] = {
    {"clear", model::Tlp::kClear, "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"},
    {"green", model::Tlp::kGreen, "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"},
    {"amber", model::Tlp::kAmber, "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"},
    {"amber+strict", model::Tlp::kAmberStrict,
     "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"},
    {"red", model::Tlp::kRed, "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"},
    {"unmarked", std::nullopt, nullptr},
};

constexpr std::optional<model::DistributionScope> kScopes[] = {
    std::nullopt,
    model::DistributionScope::kOrganisation,
    model::DistributionScope::kNational,
    model::DistributionScope::kConsortium,
    model::DistributionScope::kNetwork,
    model::DistributionScope::kSharingGroup,
};

model::Uuid RandomUuid(std::mt19937_64& rng) {
  model::Uuid u{};
  for (size_t i = 0; i < u.size(); i += 8) {
    uint64_t r = rng();
    for (size_t j = 0; j < 8; ++j) u[i + j] = static_cast<uint8_t>(r >> (8 * j));
  }
  u[6] = static_cast<uint8_t>((u[6] & 0x0f) | 0x40);  // version 4
  u[8] = static_cast<uint8_t>((u[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return u;
}

}  // namespace

std::string_view PhaseName(Phase phase) {
  switch (phase) {
    case Phase::kSteady:
      return "steady";
    case Phase::kKill:
      return "kill";
    case Phase::kPartition:
      return "partition";
  }
  return "?";
}

ScenarioGenerator::ScenarioGenerator(const federation::Topology& topology, uint64_t seed)
    : topology_(topology), rng_(seed) {
  std::set<std::string> groups;
  for (const auto& n : topology.nodes())
    groups.insert(n.sharing_groups.begin(), n.sharing_groups.end());
  groups_.assign(groups.begin(), groups.end());
}

size_t ScenarioGenerator::PickIndex(size_t n) {
  if (n <= 1) return 0;
  return std::uniform_int_distribution<size_t>(0, n - 1)(rng_);
}

federation::NodeIndex ScenarioGenerator::PickNode(const std::vector<bool>& available) {
  std::vector<federation::NodeIndex> candidates;
  for (size_t i = 0; i < available.size(); ++i) {
    if (available[i]) candidates.push_back(static_cast<federation::NodeIndex>(i));
  }
  if (candidates.empty()) return federation::kNoNode;
  return candidates[PickIndex(candidates.size())];
}

Result<ScenarioObject> ScenarioGenerator::Next(federation::NodeIndex origin, Phase phase,
                                               bool shareable) {
  const federation::Node& node = topology_.nodes().at(origin);
  const Marking& marking = kMarkings[shareable ? 1 : PickIndex(std::size(kMarkings))];
  const auto scope = shareable ? std::optional(model::DistributionScope::kNetwork)
                               : kScopes[PickIndex(std::size(kScopes))];

  model::SocmeshMetadata metadata;
  metadata.origin_organisation = node.organisation;
  metadata.origin_country = node.country;
  metadata.scope = scope;
  // 0-3 explicit recipients among the other organisations, 0-2 sharing groups; a sharing-group
  // scope always names at least one group when the topology has any.
  const size_t recipients = PickIndex(4);
  for (size_t i = 0; i < recipients && topology_.size() > 1; ++i) {
    const auto& other = topology_.nodes()[PickIndex(topology_.size())];
    if (other.organisation == node.organisation) continue;
    if (std::ranges::find(metadata.recipients, other.organisation) != metadata.recipients.end()) {
      continue;
    }
    metadata.recipients.push_back(other.organisation);
  }
  size_t groups = groups_.empty() ? 0 : PickIndex(3);
  if (scope == model::DistributionScope::kSharingGroup && !groups_.empty() && groups == 0) {
    groups = 1;
  }
  for (size_t i = 0; i < groups; ++i) {
    const std::string& g = groups_[PickIndex(groups_.size())];
    if (std::ranges::find(metadata.sharing_groups, g) == metadata.sharing_groups.end()) {
      metadata.sharing_groups.push_back(g);
    }
  }

  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  const std::string stamp = model::FormatTimestamp({now.count() * 1000});
  ScenarioObject o;
  o.id = "indicator--" + model::FormatUuid(RandomUuid(rng_));
  o.origin = origin;
  o.phase = phase;
  o.tlp = marking.name;
  o.scope = scope ? std::string(model::DistributionScopeName(*scope)) : "none";
  const uint64_t r = rng_();
  const std::string ip = "10." + std::to_string((r >> 16) & 0xff) + "." +
                         std::to_string((r >> 8) & 0xff) + "." + std::to_string(r & 0xff);
  std::string json = R"({"type":"indicator","spec_version":"2.1","id":")" + o.id +
                     R"(","created":")" + stamp + R"(","modified":")" + stamp +
                     R"(","name":"sim )" + o.tlp + " " + o.scope +
                     R"(","pattern":"[ipv4-addr:value = ')" + ip +
                     R"(']","pattern_type":"stix","valid_from":")" + stamp + "\"";
  if (marking.marking_id)
    json += R"(,"object_marking_refs":[")" + std::string(marking.marking_id) + "\"]";
  json += "}";
  auto with = model::WithSocmeshMetadata(json, metadata);
  if (!with) return std::unexpected(with.error().WithContext("scenario object"));
  o.json = std::move(*with);
  o.facts = topology_.Describe(metadata, marking.tlp, "indicator");
  return o;
}

}  // namespace socmesh::sim
