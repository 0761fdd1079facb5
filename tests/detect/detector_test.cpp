// The detection pipeline (B2c; ARCHITECTURE.md §4 flow 3): events -> index lookups -> alert lines,
// aggregated sightings stored as STIX, anomaly baselines.
#include "detect/detector.hpp"

#include <gtest/gtest.h>

#include "common/test_data.hpp"
#include "model/socmesh_extension.hpp"
#include "model/stix_object.hpp"

namespace socmesh::detect {
namespace {

using model::ObservableKind;

constexpr int64_t kSecond = 1'000'000;
const model::Timestamp kT0{1'800'000'000 * kSecond};
model::Timestamp At(int64_t s) { return {kT0.micros + s * kSecond}; }

constexpr char kBad[] = "indicator--11111111-1111-4111-8111-111111111111";
constexpr char kNet[] = "indicator--22222222-2222-4222-8222-222222222222";

std::string IndicatorJson(const char* id, std::string_view pattern) {
  std::string j =
      R"({"type":"indicator","spec_version":"2.1","id":")" + std::string(id) +
      R"(","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z",)"
      R"("pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","pattern":")" +
      std::string(pattern) +
      R"(","object_marking_refs":["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]})";
  model::SocmeshMetadata meta;
  meta.origin_organisation = "CERT-DE";
  return *model::WithSocmeshMetadata(j, meta);
}

class DetectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::StoreOptions so;
    so.location = (dir_.path() / "store.db").string();
    so.durability = store::Durability::kNormal;
    auto s = store::OpenStore(so);
    ASSERT_TRUE(s.has_value()) << s.error().message;
    store_ = std::move(*s);
    std::vector<model::StixObject> objects;
    for (auto [id, pattern] : {std::pair{kBad, "[domain-name:value = 'evil.example']"},
                               std::pair{kNet, "[ipv4-addr:value = '198.51.100.0/24']"}}) {
      auto o = model::ParseStixObject(IndicatorJson(id, pattern));
      ASSERT_TRUE(o.has_value()) << o.error().message;
      objects.push_back(std::move(*o));
    }
    ASSERT_TRUE(store_->Ingest(objects).has_value());
    std::vector<IndicatorEntry> entries = {
        {kBad, kT0, std::nullopt, {{ObservableKind::kDomain, "evil.example"}}},
        {kNet, kT0, std::nullopt, {{ObservableKind::kIpv4, "198.51.100.0/24"}}},
    };
    auto index = IndicatorIndex::Create(entries, {.background_compaction = false});
    ASSERT_TRUE(index.has_value()) << index.error().message;
    index_ = std::move(*index);
  }

  void Event(events::Event& e, model::Timestamp at, std::string_view host, std::string_view ip) {
    e.Clear();
    e.source = "eve-test";
    e.format = events::EventFormat::kSuricataEve;
    e.time = at;
    e.AddHost(host, "http.hostname");
    e.AddIp(ip, "dest_ip");
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<IndicatorIndex> index_;
};

TEST_F(DetectorTest, MatchesAlertWithReasonsAndStoresOneAggregatedSightingPerKey) {
  std::vector<std::string> alerts;
  DetectorOptions o;
  o.sighting = {"identity--1f2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "CERT-FR", "FR"};
  o.sighting_interval_seconds = 300;
  Detector d(*index_, o, [&](std::string_view l) { alerts.emplace_back(l); });
  events::Event e;
  Event(e, At(1), "www.evil.example", "198.51.100.9");  // both match (suffix, CIDR)
  d.Process(e);
  Event(e, At(2), "notevil.example", "203.0.113.1");  // neither
  d.Process(e);
  Event(e, At(3), "evil.example", "192.0.2.1");  // domain only
  d.Process(e);
  EXPECT_EQ(d.stats().events, 3u);
  EXPECT_EQ(d.stats().events_matched, 2u);
  EXPECT_EQ(d.stats().matches, 3u);
  ASSERT_EQ(alerts.size(), 3u);
  EXPECT_NE(alerts[0].find(R"("alert":"indicator-match")"), std::string::npos) << alerts[0];
  EXPECT_NE(alerts[0].find(kBad), std::string::npos) << alerts[0];
  EXPECT_NE(alerts[0].find("http.hostname www.evil.example is carried by"), std::string::npos);
  EXPECT_NE(alerts[1].find("(network /24)"), std::string::npos) << alerts[1];

  // Nothing stored before the interval closes; then one sighting per (indicator, value).
  auto none = d.Flush(At(299), store_.get());
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(*none, 0u);
  auto written = d.Flush(At(300), store_.get());
  ASSERT_TRUE(written.has_value()) << written.error().message;
  EXPECT_EQ(*written, 3u);  // evil.example x2 values (www., bare) + 198.51.100.9
  store::Query q;
  q.types = {"sighting"};
  std::vector<store::StoredVersion> sightings;
  ASSERT_TRUE(store_
                  ->Scan(q,
                         [&](const store::StoredVersion& v) {
                           sightings.push_back(v);
                           return true;
                         })
                  .has_value());
  ASSERT_EQ(sightings.size(), 3u);
  for (const auto& s : sightings) {
    EXPECT_EQ(s.tlp, model::Tlp::kAmber);  // at least the indicator's marking (TLP 1.0 AMBER)
    auto meta = model::ReadSocmeshMetadata(s.json);
    ASSERT_TRUE(meta.has_value() && meta->has_value());
    EXPECT_EQ((*meta)->recipients, std::vector<std::string>{"CERT-DE"});  // back to the origin
  }
  EXPECT_EQ(d.stats().sightings_written, 3u);
}

TEST_F(DetectorTest, ReplayingTheSameEventsStoresNothingNew) {
  DetectorOptions o;
  o.sighting = {"identity--1f2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "CERT-FR", "FR"};
  events::Event e;
  for (int run = 0; run < 2; ++run) {
    Detector d(*index_, o, nullptr);
    Event(e, At(1), "evil.example", "192.0.2.1");
    d.Process(e);
    ASSERT_TRUE(d.Flush(At(0), store_.get(), /*all=*/true).has_value());
  }
  auto stats = store_->Stats();
  ASSERT_TRUE(stats.has_value());
  int64_t sightings = 0;
  for (const auto& [type, n] : stats->objects_by_type) {
    if (type == "sighting") sightings = n;
  }
  EXPECT_EQ(sightings, 1);  // same deterministic id both times
}

TEST_F(DetectorTest, RevokingAnIndicatorStopsItsMatchesWithoutRestart) {
  std::vector<std::string> alerts;
  Detector d(*index_, {}, [&](std::string_view l) { alerts.emplace_back(l); });
  events::Event e;
  Event(e, At(1), "evil.example", "192.0.2.1");
  d.Process(e);
  ASSERT_EQ(alerts.size(), 1u);
  UpdateBatch batch;
  batch.removals.push_back(kBad);
  ASSERT_TRUE(index_->Apply(batch).has_value());
  d.Process(e);
  EXPECT_EQ(alerts.size(), 1u);
}

TEST_F(DetectorTest, ABurstFromOneSourceRaisesAnExplainedAnomaly) {
  std::vector<std::string> alerts;
  DetectorOptions o;
  o.rates.warmup_intervals = 5;
  Detector d(*index_, o, [&](std::string_view l) { alerts.emplace_back(l); });
  events::Event e;
  for (int minute = 0; minute < 10; ++minute) {
    for (int i = 0; i < 20; ++i) {
      Event(e, At(minute * 60 + i), "quiet.example", "192.0.2.1");
      d.Process(e);
    }
  }
  for (int i = 0; i < 500; ++i) {
    Event(e, At(600 + i % 60), "quiet.example", "192.0.2.1");
    d.Process(e);
  }
  ASSERT_TRUE(d.Flush(At(720), nullptr).has_value());
  bool burst = false;
  for (const auto& a : alerts) {
    if (a.find(R"("alert":"rate-high")") != std::string::npos &&
        a.find(R"("key":"eve-test")") != std::string::npos) {
      burst = a.find("burst: 500.0 events from eve-test") != std::string::npos;
    }
  }
  EXPECT_TRUE(burst);
  EXPECT_GE(d.stats().anomalies, 1u);
}

}  // namespace
}  // namespace socmesh::detect
