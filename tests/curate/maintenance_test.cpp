// Decay, expiry, sightings and revocation (E8): the formula at fixed times, and the maintenance
// pass over a real store with --now, --dry-run and the side state file.
#include "curate/maintenance.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "common/test_data.hpp"
#include "curate/local_sources.hpp"
#include "formats/csv/feed_import.hpp"

namespace socmesh::curate {
namespace {

using K = model::ObservableKind;

model::Timestamp T(std::string_view text) { return *model::ParseTimestamp(text); }

TEST(DecayScoreTest, HalvesEveryHalfLife) {
  const model::Timestamp seen = T("2026-01-01T00:00:00Z");
  const int64_t h = 14 * kMicrosPerDay;
  const struct {
    const char* now;
    double expected;
  } kRows[] = {
      {"2026-01-01T00:00:00Z", 80.0},
      {"2026-01-15T00:00:00Z", 40.0},
      {"2026-01-29T00:00:00Z", 20.0},
      {"2026-02-12T00:00:00Z", 10.0},
      {"2026-01-08T00:00:00Z", 80.0 / std::sqrt(2.0)},
      {"2025-12-01T00:00:00Z", 80.0},  // seen "in the future": no negative age
  };
  for (const auto& row : kRows) {
    EXPECT_NEAR(DecayScore(80, seen, T(row.now), h), row.expected, 1e-9) << row.now;
  }
  EXPECT_EQ(DecayScore(80, seen, T("2036-01-01T00:00:00Z"), 0), 80.0);  // hashes never decay
}

TEST(DecayScoreTest, DefaultPolicyPerKind) {
  const DecayPolicy p = DecayPolicy::Defaults();
  EXPECT_EQ(p.HalfLife(K::kIpv4), 14 * kMicrosPerDay);
  EXPECT_EQ(p.HalfLife(K::kDomain), 60 * kMicrosPerDay);
  EXPECT_EQ(p.HalfLife(K::kSha256), 0);
  EXPECT_EQ(p.HalfLife(K::kUserAgent), 30 * kMicrosPerDay);
  EXPECT_EQ(p.HalfLife(std::nullopt), 30 * kMicrosPerDay);
}

TEST(DecayPolicyTest, ParsesDurationsAndTomlFiles) {
  EXPECT_EQ(*ParseDuration("14d"), 14 * kMicrosPerDay);
  EXPECT_EQ(*ParseDuration("2w"), 14 * kMicrosPerDay);
  EXPECT_EQ(*ParseDuration("90m"), int64_t{90} * 60 * 1'000'000);
  EXPECT_EQ(*ParseDuration("0"), 0);
  for (const char* bad : {"", "d", "14", "14y", "-1d", "1.5d"})
    EXPECT_FALSE(ParseDuration(bad)) << bad;

  testing::TempDir dir;
  const auto path = (dir.path() / "decay.toml").string();
  std::ofstream(path) << "expire_below = 30.0\nrevoke_after = \"7d\"\n[half_life]\nipv4 = \"2d\"\n";
  auto p = LoadDecayPolicy(path);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->expire_below, 30.0);
  EXPECT_EQ(p->revoke_after_micros, 7 * kMicrosPerDay);
  EXPECT_EQ(p->HalfLife(K::kIpv4), 2 * kMicrosPerDay);
  EXPECT_EQ(p->HalfLife(K::kDomain), 60 * kMicrosPerDay);
  std::ofstream(path) << "[half_life]\nipv7 = \"2d\"\n";
  auto bad = LoadDecayPolicy(path);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("half_life.ipv7"), std::string::npos) << bad.error().message;
}

class MaintenanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    location_ = (dir_.path() / "store.db").string();
    store::StoreOptions o;
    o.location = location_;
    auto s = store::OpenStore(o);
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    for (const auto& [id, name] : LocalFeedCreators()) options_.local_creators.insert(id);
  }

  void Store(const std::vector<std::string>& jsons) {
    std::vector<model::StixObject> batch;
    for (const auto& j : jsons) {
      auto o = model::ParseStixObject(j);
      ASSERT_TRUE(o) << o.error().message << "\n" << j;
      batch.push_back(std::move(*o));
    }
    auto r = store_->Ingest(batch);
    ASSERT_TRUE(r);
    ASSERT_TRUE(r->rejected.empty()) << r->rejected.front().error.message;
  }

  const IndicatorState* Find(const MaintenanceReport& r, const std::string& id) {
    for (const auto& s : r.states) {
      if (s.id == id) return &s;
    }
    return nullptr;
  }

  std::string StatePath() const { return StatePathForStore(location_); }

  testing::TempDir dir_;
  std::string location_;
  std::unique_ptr<store::Store> store_;
  MaintenanceOptions options_;
};

const std::string kLocal = formats::csv::FeedIdentityId("abuse.ch-feodotracker");

std::string Indicator(const std::string& uuid, const std::string& pattern, int confidence,
                      const std::string& modified, const std::string& extra = "") {
  return R"({"type":"indicator","spec_version":"2.1","id":"indicator--)" + uuid +
         R"(","created":"2026-01-01T00:00:00.000Z","modified":")" + modified +
         R"(","created_by_ref":")" + kLocal + R"(","pattern":")" + pattern +
         R"(","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","confidence":)" +
         std::to_string(confidence) + extra + "}";
}

const std::string kIp = "aaaaaaaa-0000-4000-8000-000000000001";
const std::string kHash = "aaaaaaaa-0000-4000-8000-000000000002";
const std::string kUntil = "aaaaaaaa-0000-4000-8000-000000000003";

TEST_F(MaintenanceTest, ScoresExpiresAndKeepsStateOutsideStix) {
  Store({Indicator(kIp, "[ipv4-addr:value = '192.9.135.73']", 80, "2026-01-01T00:00:00.000Z"),
         Indicator(kHash,
                   "[file:hashes.'SHA-256' = "
                   "'6ea1dd5bd7128ca69d612814a5fb388b6876745b0a94a20e286f0b2e0b2e3c00']",
                   80, "2026-01-01T00:00:00.000Z"),
         Indicator(kUntil, "[domain-name:value = 'c2.evil-domain.net']", 90,
                   "2026-01-01T00:00:00.000Z", R"(,"valid_until":"2026-01-10T00:00:00Z")")});
  auto before = store_->Stats();
  options_.now = T("2026-02-12T00:00:00Z");  // 42 days: three IPv4 half-lives
  auto r = RunMaintenance(*store_, StatePath(), options_);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->indicators, 3u);
  EXPECT_EQ(r->expired, 2u);
  EXPECT_EQ(r->newly_expired, 2u);
  const IndicatorState* ip = Find(*r, "indicator--" + kIp);
  ASSERT_NE(ip, nullptr);
  EXPECT_NEAR(ip->score, 10.0, 1e-9);
  EXPECT_EQ(ip->status, IndicatorStatus::kExpired);
  EXPECT_EQ(ip->reason, "score 10.0 below 20.0");
  EXPECT_EQ(Find(*r, "indicator--" + kHash)->status, IndicatorStatus::kActive);
  EXPECT_EQ(Find(*r, "indicator--" + kUntil)->reason,
            "valid_until 2026-01-10T00:00:00.000Z passed");
  // The state file has it; the store has no new version (federation sees nothing).
  auto cached = ReadIndicatorState(StatePath(), "indicator--" + kIp);
  ASSERT_TRUE(cached && *cached);
  EXPECT_EQ((*cached)->status, IndicatorStatus::kExpired);
  EXPECT_EQ((*cached)->expired_since, options_.now);
  auto after = store_->Stats();
  EXPECT_EQ(after->object_versions, before->object_versions);
  // A second pass later: still expired, not newly.
  options_.now = T("2026-02-13T00:00:00Z");
  auto again = RunMaintenance(*store_, StatePath(), options_);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->newly_expired, 0u);
  EXPECT_EQ((*ReadIndicatorState(StatePath(), "indicator--" + kIp))->expired_since,
            T("2026-02-12T00:00:00Z"));
}

TEST_F(MaintenanceTest, SightingsRefreshLastSeen) {
  Store(
      {Indicator(kIp, "[ipv4-addr:value = '192.9.135.73']", 80, "2026-01-01T00:00:00.000Z"),
       R"({"type":"sighting","spec_version":"2.1","id":"sighting--bbbbbbbb-0000-4000-8000-000000000001","created":"2026-02-01T00:00:00.000Z","modified":"2026-02-01T00:00:00.000Z","sighting_of_ref":"indicator--)" +
           kIp + R"(","first_seen":"2026-02-01T00:00:00Z","last_seen":"2026-02-05T00:00:00Z"})"});
  options_.now = T("2026-02-19T00:00:00Z");  // one half-life after the sighting
  auto r = RunMaintenance(*store_, StatePath(), options_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->sightings, 1u);
  const IndicatorState* ip = Find(*r, "indicator--" + kIp);
  EXPECT_EQ(ip->last_seen, T("2026-02-05T00:00:00Z"));
  EXPECT_NEAR(ip->score, 40.0, 1e-9);
  EXPECT_EQ(ip->status, IndicatorStatus::kActive);
}

TEST_F(MaintenanceTest, DryRunChangesNothing) {
  Store({Indicator(kIp, "[ipv4-addr:value = '192.9.135.73']", 80, "2026-01-01T00:00:00.000Z")});
  options_.now = T("2026-06-01T00:00:00Z");
  options_.dry_run = true;
  options_.policy.revoke_after_micros = 0;
  auto before = store_->Stats();
  auto r = RunMaintenance(*store_, StatePath(), options_);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->expired, 1u);
  EXPECT_EQ(r->revocations, 1u);  // what would be written
  EXPECT_FALSE(std::filesystem::exists(StatePath()));
  EXPECT_EQ(store_->Stats()->object_versions, before->object_versions);
}

TEST_F(MaintenanceTest, RevokesOnlyLocalIndicatorsAfterTheGracePeriod) {
  const std::string peer =
      R"({"type":"indicator","spec_version":"2.1","id":"indicator--cccccccc-0000-4000-8000-000000000001","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","created_by_ref":"identity--dddddddd-0000-4000-8000-000000000001","pattern":"[ipv4-addr:value = '45.77.1.2']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","confidence":80})";
  Store(
      {Indicator(kIp, "[ipv4-addr:value = '192.9.135.73']", 80, "2026-01-01T00:00:00.000Z"), peer});
  options_.policy.revoke_after_micros = 7 * kMicrosPerDay;
  options_.now = T("2026-03-01T00:00:00Z");  // expired from here on
  auto first = RunMaintenance(*store_, StatePath(), options_);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->revocations, 0u);  // grace period not over
  options_.now = T("2026-03-09T00:00:00Z");
  auto second = RunMaintenance(*store_, StatePath(), options_);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->revocations, 1u);
  auto current = store_->GetCurrent("indicator--" + kIp);
  ASSERT_TRUE(current);
  EXPECT_TRUE(current->revoked);
  EXPECT_EQ(current->modified, T("2026-03-09T00:00:00Z"));
  EXPECT_FALSE(store_->GetCurrent("indicator--cccccccc-0000-4000-8000-000000000001")->revoked);
}

}  // namespace
}  // namespace socmesh::curate
