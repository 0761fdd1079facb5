// The simulator's workload (issue 6 item 5): seeded and reproducible, valid STIX with the socmesh
// extension naming the publishing node's organisation, and covering every TLP and scope.
#include "sim/scenario.hpp"

#include <gtest/gtest.h>

#include <set>

#include "common/test_data.hpp"
#include "model/socmesh_extension.hpp"
#include "model/stix_object.hpp"

namespace socmesh::sim {
namespace {

federation::Topology Mini9() {
  auto t =
      federation::LoadTopology(std::filesystem::path(SOCMESH_SOURCE_DIR) / "sim" / "mini9.toml");
  EXPECT_TRUE(t.has_value()) << t.error().message;
  return std::move(*t);
}

TEST(SimScenario, SameSeedSameObjects) {
  const auto t = Mini9();
  ScenarioGenerator a(t, 7), b(t, 7), c(t, 8);
  std::vector<bool> all(t.size(), true);
  bool differs = false;
  for (int i = 0; i < 50; ++i) {
    const auto na = a.PickNode(all), nb = b.PickNode(all), nc = c.PickNode(all);
    ASSERT_EQ(na, nb);
    auto oa = a.Next(na, Phase::kSteady);
    auto ob = b.Next(nb, Phase::kSteady);
    auto oc = c.Next(nc, Phase::kSteady);
    ASSERT_TRUE(oa && ob && oc);
    EXPECT_EQ(oa->id, ob->id);
    EXPECT_EQ(oa->tlp, ob->tlp);
    EXPECT_EQ(oa->scope, ob->scope);
    EXPECT_EQ(oa->facts.recipients, ob->facts.recipients);
    differs |= oa->id != oc->id;
  }
  EXPECT_TRUE(differs) << "another seed must give other objects";
}

TEST(SimScenario, ObjectsAreValidAndOriginatedByThePublisher) {
  const auto t = Mini9();
  ScenarioGenerator g(t, 1);
  std::set<std::string> tlps, scopes, ids;
  std::vector<bool> available(t.size(), false);
  available[*t.FindNode("soc-cz")] = true;
  for (int i = 0; i < 300; ++i) {
    const auto origin = g.PickNode(available);
    ASSERT_EQ(origin, *t.FindNode("soc-cz")) << "only available nodes publish";
    auto o = g.Next(origin, Phase::kKill);
    ASSERT_TRUE(o.has_value()) << o.error().message;
    EXPECT_EQ(o->phase, Phase::kKill);
    EXPECT_TRUE(ids.insert(o->id).second) << "ids are unique";
    auto parsed = model::ParseStixObject(o->json);
    ASSERT_TRUE(parsed.has_value()) << o->json;
    auto meta = model::ReadSocmeshMetadata(o->json);
    ASSERT_TRUE(meta.has_value() && meta->has_value()) << o->json;
    EXPECT_EQ((*meta)->origin_organisation, "SOC-CZ");
    EXPECT_EQ(o->facts.origin_organisation, "SOC-CZ");
    EXPECT_EQ(o->facts.origin_consortium, "central");
    for (const auto& r : o->facts.recipients) EXPECT_NE(r, "SOC-CZ");
    if (o->scope == "sharing-group") {
      EXPECT_FALSE(o->facts.sharing_groups.empty());
    }
    EXPECT_EQ(o->facts.tlp.has_value(), o->tlp != "unmarked");
    tlps.insert(o->tlp);
    scopes.insert(o->scope);
  }
  EXPECT_EQ(tlps,
            (std::set<std::string>{"clear", "green", "amber", "amber+strict", "red", "unmarked"}));
  EXPECT_EQ(scopes, (std::set<std::string>{"none", "organisation", "national", "consortium",
                                           "network", "sharing-group"}));
  EXPECT_EQ(g.PickNode(std::vector<bool>(t.size(), false)), federation::kNoNode);
}

}  // namespace
}  // namespace socmesh::sim
