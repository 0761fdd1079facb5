// Anomaly detectors of detect/ (B2c, issue 7 item 6): rate baselines and first-seen destinations.
#include "detect/anomaly.hpp"

#include <gtest/gtest.h>

#include <random>

namespace socmesh::detect {
namespace {

constexpr int64_t kMinute = 60'000'000;  // µs

model::Timestamp At(int64_t minute, int64_t second = 0) {
  return {1'800'000'000'000'000 + minute * kMinute + second * 1'000'000};
}

struct Collect {
  std::vector<AnomalyAlert> alerts;
  AlertSink sink() {
    return [this](const AnomalyAlert& a) { alerts.push_back(a); };
  }
};

// `n` events of `key` spread over minute `m`.
void Feed(RateBaseline& r, std::string_view key, int64_t m, int n) {
  for (int i = 0; i < n; ++i) r.Observe(key, At(m, (i * 59) / std::max(n, 1)));
}

TEST(RateBaseline, SteadyNoiseDoesNotAlertAndABurstAlertsOnceWithItsNumbers) {
  Collect c;
  RateBaseline r({}, c.sink());
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> noise(90, 110);
  for (int m = 0; m < 60; ++m) Feed(r, "sensor-1", m, noise(rng));
  EXPECT_TRUE(c.alerts.empty()) << c.alerts.front().explanation;
  Feed(r, "sensor-1", 60, 400);
  Feed(r, "sensor-1", 61, 100);  // closes minute 60
  ASSERT_EQ(c.alerts.size(), 1u);
  const AnomalyAlert& a = c.alerts[0];
  EXPECT_EQ(a.kind, AnomalyAlert::Kind::kRateHigh);
  EXPECT_EQ(a.key, "sensor-1");
  EXPECT_EQ(a.at, At(60));
  EXPECT_EQ(a.observed, 400);
  EXPECT_NEAR(a.expected, 100, 10);
  EXPECT_NE(a.explanation.find("burst: 400.0 events from sensor-1 in 60 s"), std::string::npos)
      << a.explanation;
}

TEST(RateBaseline, WarmUpNeverAlerts) {
  Collect c;
  RateBaseline r({.warmup_intervals = 30}, c.sink());
  for (int m = 0; m < 30; ++m) Feed(r, "s", m, m % 2 ? 1000 : 1);
  EXPECT_TRUE(c.alerts.empty());
}

TEST(RateBaseline, SilenceIsOneAlertNoticedWithoutEvents) {
  Collect c;
  RateBaseline r({}, c.sink());
  for (int m = 0; m < 40; ++m) Feed(r, "fw-paris", m, 100);
  r.Advance(At(55));  // fifteen silent minutes, no event arrived to close them
  ASSERT_EQ(c.alerts.size(), 1u);
  EXPECT_EQ(c.alerts[0].kind, AnomalyAlert::Kind::kRateLow);
  EXPECT_EQ(c.alerts[0].observed, 0);
  EXPECT_EQ(c.alerts[0].at, At(40));
  EXPECT_NE(c.alerts[0].explanation.find("drop: 0.0 events from fw-paris"), std::string::npos);
}

TEST(RateBaseline, ALastingNewLevelBecomesNormal) {
  Collect c;
  RateBaseline r({}, c.sink());
  for (int m = 0; m < 40; ++m) Feed(r, "s", m, 100);
  for (int m = 40; m < 200; ++m) Feed(r, "s", m, 300);
  r.Advance(At(200));
  ASSERT_EQ(c.alerts.size(), 1u);  // one excursion, then the baseline follows
  Feed(r, "s", 201, 100);          // back to the old level: now that is the anomaly
  Feed(r, "s", 202, 300);
  ASSERT_EQ(c.alerts.size(), 2u);
  EXPECT_EQ(c.alerts[1].kind, AnomalyAlert::Kind::kRateLow);
}

TEST(RateBaseline, ConstantSourceToleratesPlusOneThanksToTheDeviationFloor) {
  Collect c;
  RateBaseline r({.min_deviation = 1.0}, c.sink());
  for (int m = 0; m < 50; ++m) Feed(r, "s", m, 20);
  Feed(r, "s", 50, 22);
  Feed(r, "s", 51, 20);
  EXPECT_TRUE(c.alerts.empty());
  Feed(r, "s", 52, 40);
  Feed(r, "s", 53, 20);
  EXPECT_EQ(c.alerts.size(), 1u);
}

TEST(RateBaseline, KeysAreIndependentAndBounded) {
  Collect c;
  RateBaseline r({.max_keys = 2}, c.sink());
  r.Observe("a", At(0));
  r.Observe("b", At(0));
  r.Observe("c", At(0));
  r.Observe("a", At(0));
  EXPECT_EQ(r.keys(), 2u);
  EXPECT_EQ(r.dropped_keys(), 1u);
}

TEST(RateBaseline, LateEventsCountInTheOpenInterval) {
  Collect c;
  RateBaseline r({.warmup_intervals = 3, .min_high_count = 1}, c.sink());
  for (int m = 0; m < 10; ++m) Feed(r, "s", m, 10);
  r.Observe("s", At(3));  // an old line arriving late: counted in minute 9
  r.Advance(At(10));
  EXPECT_TRUE(c.alerts.empty());  // 11 is within 10 ± 4σ (σ floor 1)
}

TEST(RateBaseline, AYearOfIdlenessIsCheap) {
  Collect c;
  RateBaseline r({}, c.sink());
  for (int m = 0; m < 40; ++m) Feed(r, "s", m, 100);
  r.Observe("s", At(60 * 24 * 365));
  EXPECT_EQ(c.alerts.size(), 1u);  // one drop, no alert storm, returns promptly
}

TEST(FirstSeen, LearnsThenAlertsOncePerNewDestination) {
  Collect c;
  FirstSeen f({.learning_seconds = 3600, .period_seconds = 86400}, c.sink());
  f.Observe("10.0.0.5", "update.example", At(0));
  f.Observe("10.0.0.5", "cdn.example", At(30));
  EXPECT_TRUE(c.alerts.empty());  // still learning
  f.Observe("10.0.0.5", "update.example", At(90));
  f.Observe("10.0.0.5", "rare.example", At(90));
  f.Observe("10.0.0.5", "rare.example", At(91));
  f.Observe("10.0.0.6", "update.example", At(92));  // known destination, new source: new pair
  ASSERT_EQ(c.alerts.size(), 2u);
  EXPECT_EQ(c.alerts[0].key, "10.0.0.5 -> rare.example");
  EXPECT_EQ(c.alerts[0].kind, AnomalyAlert::Kind::kFirstSeen);
  EXPECT_NE(c.alerts[0].explanation.find("first contact: 10.0.0.5 talked to rare.example"),
            std::string::npos);
  EXPECT_EQ(c.alerts[1].key, "10.0.0.6 -> update.example");
}

TEST(FirstSeen, ForgetsAfterTwoQuietPeriods) {
  Collect c;
  FirstSeen f({.learning_seconds = 0, .period_seconds = 86400}, c.sink());
  f.Observe("h", "a.example", At(0));  // learning 0: even the first contact alerts
  ASSERT_EQ(c.alerts.size(), 1u);
  f.Observe("h", "b.example", At(60 * 25));      // rotates: a.example now in previous
  f.Observe("h", "a.example", At(60 * 26));      // known from previous, refreshed
  EXPECT_EQ(c.alerts.size(), 2u);                // only b.example alerted
  f.Observe("h", "c.example", At(60 * 24 * 3));  // rotates
  f.Observe("h", "d.example", At(60 * 24 * 5));  // rotates again: a.example forgotten
  f.Observe("h", "a.example", At(60 * 24 * 5 + 1));
  EXPECT_EQ(c.alerts.size(), 5u);
  EXPECT_EQ(c.alerts.back().key, "h -> a.example");
}

TEST(FirstSeen, MemoryCapRotatesEarlyAndSaysSo) {
  Collect c;
  FirstSeen f({.learning_seconds = 0, .max_entries = 3}, c.sink());
  for (int i = 0; i < 10; ++i) f.Observe("h", "d" + std::to_string(i), At(0, i));
  EXPECT_EQ(c.alerts.size(), 10u);
  EXPECT_EQ(f.early_rotations(), 3u);
}

TEST(AnomalyKind, StableNames) {
  EXPECT_EQ(AnomalyKindName(AnomalyAlert::Kind::kRateHigh), "rate-high");
  EXPECT_EQ(AnomalyKindName(AnomalyAlert::Kind::kRateLow), "rate-low");
  EXPECT_EQ(AnomalyKindName(AnomalyAlert::Kind::kFirstSeen), "first-seen");
}

}  // namespace
}  // namespace socmesh::detect
