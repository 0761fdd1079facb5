// Randomised property test of sharing policy + routing (ARCHITECTURE.md §6, B7, B12, E17): over
// random topologies of every kind and size 3..30 and random objects, flooding an object from its
// origin with NextHops alone
//   (a) never leaves it in clear at a node the policy forbids (no leak),
//   (b) delivers it in clear to every node the policy allows (completeness),
//   (c) delivers it at most once per node, never back to its origin, in at most n-1 messages
//       (no loops, no duplicates),
//   (d) never has a node that holds only the envelope send the clear object, nor RED in clear.
// The policy is checked against an oracle written from the rule table (random_network.cpp).
//
// Reproducible: every case is derived from one seed (SOCMESH_FEDERATION_SEED overrides the fixed
// default) and a failure prints the seed, the case number, the topology as a TOML file and the
// object.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <sstream>

#include "federation/random_network.hpp"

namespace socmesh::federation {
namespace {

using testing::Flood;
using testing::OracleAllows;

constexpr uint64_t kDefaultSeed = 0x50C3E5Bu;
constexpr size_t kTopologies = 4000;
constexpr size_t kObjectsPerTopology = 3;  // 12 000 cases

uint64_t Seed() {
  if (const char* s = std::getenv("SOCMESH_FEDERATION_SEED")) return std::strtoull(s, nullptr, 0);
  return kDefaultSeed;
}

// What the generator covered, so the test fails if it stops exercising a case that matters.
struct Coverage {
  size_t cases = 0, lower[3] = {}, upper[2] = {}, envelope_relays = 0, red_deliveries = 0,
         export_refusals = 0, nobody_else = 0, everybody = 0, standalone = 0, sizes_small = 0,
         sizes_large = 0;
};

TEST(FederationProperty, NoLeakCompleteNoLoopsOverRandomNetworks) {
  const uint64_t seed = Seed();
  Coverage cov;
  for (size_t t = 0; t < kTopologies; ++t) {
    std::mt19937_64 rng(seed + t);
    const size_t size = std::uniform_int_distribution<size_t>(3, 30)(rng);
    const TopologySpec spec = testing::RandomTopologySpec(rng, size);
    const std::string toml = FormatTopologySpec(spec);
    const std::string where = "seed " + std::to_string(seed) + " topology " + std::to_string(t) +
                              " (rerun: SOCMESH_FEDERATION_SEED=" + std::to_string(seed) + ")\n" +
                              toml;
    // Every generated network goes through the file format too: write, read back, build.
    auto topology = ParseTopology(toml, "random");
    ASSERT_TRUE(topology.has_value()) << where << "\n" << topology.error().message;
    ASSERT_EQ(topology->size(), size) << where;
    for (const auto& c : topology->consortia()) ++cov.lower[static_cast<int>(c.kind)];
    ++cov.upper[static_cast<int>(topology->upper())];
    cov.sizes_small += size <= 5;
    cov.sizes_large += size >= 25;
    for (const Node& n : topology->nodes()) {
      if (!n.consortium && !n.Has(NodeRole::kAwareness)) ++cov.standalone;
    }

    for (size_t k = 0; k < kObjectsPerTopology; ++k) {
      ++cov.cases;
      const ObjectFacts object = testing::RandomObject(rng, *topology);
      const std::string what =
          where + "object " + std::to_string(k) + ": " + testing::Describe(object);
      const size_t n = topology->size();
      const auto result = Flood(*topology, object, 4 * n * n);
      const std::vector<bool> allowed = AllowedNodes(*topology, object);
      size_t allowed_count = 0;
      for (NodeIndex i = 0; i < n; ++i) {
        const Node& node = topology->nodes()[i];
        const bool oracle = OracleAllows(spec, object, node.name);
        ASSERT_EQ(allowed[i], oracle) << what << "\npolicy and oracle differ at " << node.name;
        // (a) no leak
        ASSERT_TRUE(!result.clear[i] || oracle)
            << what << "\nleak: " << node.name << " holds the object in clear";
        // (b) completeness
        ASSERT_TRUE(!oracle || result.clear[i]) << what << "\nnot delivered to " << node.name;
        // (c) at most one delivery, none back to the origin
        ASSERT_LE(result.receptions[i], 1)
            << what << "\n"
            << node.name << " received it " << result.receptions[i] << " times";
        // An envelope relay is on the way to someone: no pointless copies of the envelope.
        if (result.envelope[i] && !oracle) {
          ASSERT_TRUE(result.forwarded[i]) << what << "\n"
                                           << node.name << " got the envelope for nobody";
          ++cov.envelope_relays;
        }
        allowed_count += oracle;
        if (oracle && result.envelope[i] && TravelsOnlyAsEnvelope(object)) ++cov.red_deliveries;
        if (DecideForNode(*topology, object, i).verdict == Verdict::kExportRefused) {
          ++cov.export_refusals;
        }
      }
      const auto origin = OriginNode(*topology, object);
      ASSERT_TRUE(origin.has_value()) << what;
      ASSERT_EQ(result.receptions[*origin], 0) << what << "\nthe object came back to its origin";
      ASSERT_LT(result.messages, n) << what << "\nmore messages than tree edges";
      // (d) envelope-only holders never send clear text; RED never travels in clear
      ASSERT_TRUE(result.impossible_hops.empty()) << what << "\n" << result.impossible_hops[0];
      cov.nobody_else += allowed_count == 1;
      cov.everybody += allowed_count == n;
    }
  }
  std::ostringstream summary;
  summary << "cases " << cov.cases << ", consortia centralised/decentralised/distributed "
          << cov.lower[0] << "/" << cov.lower[1] << "/" << cov.lower[2]
          << ", upper centralised/distributed " << cov.upper[0] << "/" << cov.upper[1]
          << ", envelope relays " << cov.envelope_relays << ", RED deliveries "
          << cov.red_deliveries << ", export refusals " << cov.export_refusals << ", origin-only "
          << cov.nobody_else << ", everybody " << cov.everybody << ", standalone nodes "
          << cov.standalone;
  std::printf("[ federation ] seed %llu: %s\n", static_cast<unsigned long long>(seed),
              summary.str().c_str());
  EXPECT_GE(cov.cases, 10000u);
  for (size_t v : {cov.lower[0], cov.lower[1], cov.lower[2], cov.upper[0], cov.upper[1],
                   cov.envelope_relays, cov.red_deliveries, cov.export_refusals, cov.nobody_else,
                   cov.everybody, cov.standalone, cov.sizes_small, cov.sizes_large}) {
    EXPECT_GT(v, 0u) << summary.str();
  }
}

}  // namespace
}  // namespace socmesh::federation
