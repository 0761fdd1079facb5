// Live updates of the matcher index (requirement B2c): add, replace, revoke and expire indicators
// while lookups run; snapshots are immutable and each batch is seen whole or not at all;
// compaction changes no answer.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "detect/matcher.hpp"

namespace socmesh::detect {
namespace {

using K = model::ObservableKind;

std::string Id(int n) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "indicator--00000000-0000-4000-8000-%012d", n);
  return buf;
}

std::string Ip(int n) {
  return "10." + std::to_string(n >> 16 & 255) + "." + std::to_string(n >> 8 & 255) + "." +
         std::to_string(n & 255);
}

IndicatorEntry Entry(int n, std::vector<model::Observable> observables, int64_t version = 1000,
                     std::optional<model::Timestamp> valid_until = std::nullopt) {
  return IndicatorEntry{Id(n), model::Timestamp{version}, valid_until, std::move(observables)};
}

std::unique_ptr<IndicatorIndex> Build(const std::vector<IndicatorEntry>& entries,
                                      MatcherOptions options = {}) {
  auto index = IndicatorIndex::Create(entries, options);
  EXPECT_TRUE(index.has_value()) << (index ? "" : index.error().message);
  return index ? std::move(*index) : nullptr;
}

// "id@version" of each indicator matching the value.
std::vector<std::string> Find(const Snapshot& s, K kind, std::string_view value) {
  std::vector<Match> out;
  s.Lookup(kind, value, out);
  std::vector<std::string> ids;
  for (const Match& m : out) {
    ids.push_back(m.indicator->Id().substr(m.indicator->Id().size() - 3) + "@" +
                  std::to_string(m.indicator->Version().micros));
  }
  return ids;
}

using Ids = std::vector<std::string>;

MatcherOptions Manual() {
  MatcherOptions o;
  o.background_compaction = false;
  return o;
}

TEST(IndicatorIndexTest, AppliesAddsReplacementsAndRemovalsAsNewSnapshots) {
  auto index =
      Build({Entry(1, {{K::kIpv4, "192.0.2.1"}}), Entry(2, {{K::kDomain, "a.example"}})}, Manual());
  const auto before = index->Current();

  UpdateBatch add;
  add.upserts = {Entry(3, {{K::kIpv4, "192.0.2.3"}}), Entry(4, {{K::kDomain, "b.example"}})};
  auto stats = index->Apply(add);
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->added, 2u);
  auto s = index->Current();
  EXPECT_EQ(s->indicator_count(), 4u);
  EXPECT_EQ(s->delta_indicators(), 2u);
  EXPECT_EQ(Find(*s, K::kIpv4, "192.0.2.3"), (Ids{"003@1000"}));
  EXPECT_EQ(Find(*s, K::kDomain, "x.b.example"), (Ids{"004@1000"}));
  EXPECT_EQ(Find(*s, K::kIpv4, "192.0.2.1"), (Ids{"001@1000"}));
  // A snapshot never changes: the one taken before the batch still answers as before.
  EXPECT_TRUE(Find(*before, K::kIpv4, "192.0.2.3").empty());
  EXPECT_EQ(before->indicator_count(), 2u);

  // A newer version replaces the old one's observables (base and delta alike); older or equal
  // versions are stale.
  UpdateBatch replace;
  replace.upserts = {Entry(1, {{K::kIpv4, "192.0.2.11"}}, 2000),
                     Entry(3, {{K::kIpv4, "192.0.2.33"}}, 2000), Entry(2, {}, 1000),
                     Entry(4, {{K::kDomain, "c.example"}}, 999)};
  stats = index->Apply(replace);
  EXPECT_EQ(stats->replaced, 2u);
  EXPECT_EQ(stats->stale, 2u);
  s = index->Current();
  EXPECT_TRUE(Find(*s, K::kIpv4, "192.0.2.1").empty());
  EXPECT_TRUE(Find(*s, K::kIpv4, "192.0.2.3").empty());
  EXPECT_EQ(Find(*s, K::kIpv4, "192.0.2.11"), (Ids{"001@2000"}));
  EXPECT_EQ(Find(*s, K::kIpv4, "192.0.2.33"), (Ids{"003@2000"}));
  EXPECT_EQ(Find(*s, K::kDomain, "a.example"), (Ids{"002@1000"}));
  EXPECT_TRUE(Find(*s, K::kDomain, "c.example").empty());
  EXPECT_EQ(s->indicator_count(), 4u);

  UpdateBatch remove;
  remove.removals = {Id(2), Id(3), Id(99), "indicator--bad", Id(2)};
  stats = index->Apply(remove);
  EXPECT_EQ(stats->removed, 2u);
  EXPECT_EQ(stats->not_found, 2u);  // 99, and 2 a second time
  EXPECT_EQ(stats->invalid, 1u);
  s = index->Current();
  EXPECT_TRUE(Find(*s, K::kDomain, "a.example").empty());
  EXPECT_TRUE(Find(*s, K::kIpv4, "192.0.2.33").empty());
  EXPECT_EQ(s->indicator_count(), 2u);

  // A removed id can come back (a new version after a correction).
  UpdateBatch again;
  again.upserts = {Entry(2, {{K::kDomain, "a.example"}}, 3000)};
  EXPECT_EQ(index->Apply(again)->added, 1u);
  EXPECT_EQ(Find(*index->Current(), K::kDomain, "a.example"), (Ids{"002@3000"}));
}

TEST(IndicatorIndexTest, ExpiresIndicatorsPastValidUntil) {
  const int64_t t = int64_t{1'700'000'000} * 1'000'000;  // whole second
  auto index = Build({Entry(1, {{K::kIpv4, "192.0.2.1"}}, 1, model::Timestamp{t}),
                      Entry(2, {{K::kIpv4, "192.0.2.2"}}, 1, model::Timestamp{t + 500'000}),
                      Entry(3, {{K::kIpv4, "192.0.2.3"}})},
                     Manual());
  UpdateBatch add;
  add.upserts = {Entry(4, {{K::kIpv4, "192.0.2.4"}}, 1, model::Timestamp{t + 500'000})};
  ASSERT_TRUE(index->Apply(add).has_value());

  EXPECT_EQ(index->ExpireBefore(model::Timestamp{t - 1})->removed, 0u);
  EXPECT_EQ(index->ExpireBefore(model::Timestamp{t})->removed, 1u);  // valid_until is exclusive
  auto s = index->Current();
  EXPECT_TRUE(Find(*s, K::kIpv4, "192.0.2.1").empty());
  EXPECT_EQ(Find(*s, K::kIpv4, "192.0.2.2").size(), 1u);
  // Delta entries expire at their exact instant; base entries keep whole seconds rounded up, so
  // they expire up to a second late, never early.
  EXPECT_EQ(index->ExpireBefore(model::Timestamp{t + 500'000})->removed, 1u);
  s = index->Current();
  EXPECT_TRUE(Find(*s, K::kIpv4, "192.0.2.4").empty());
  EXPECT_EQ(Find(*s, K::kIpv4, "192.0.2.2").size(), 1u);
  EXPECT_EQ(index->ExpireBefore(model::Timestamp{t + 1'000'000})->removed, 1u);
  s = index->Current();
  EXPECT_TRUE(Find(*s, K::kIpv4, "192.0.2.2").empty());
  EXPECT_EQ(Find(*s, K::kIpv4, "192.0.2.3").size(), 1u);
  EXPECT_EQ(s->indicator_count(), 1u);
}

// A model of the index (id -> version, value) to check answers against after random updates.
struct Model {
  std::map<int, std::pair<int64_t, int>> live;  // id -> (version, value number)

  void Check(const Snapshot& s, int values) const {
    std::map<int, std::set<std::string>> expected;
    for (const auto& [id, vv] : live) {
      expected[vv.second].insert(Id(id).substr(Id(id).size() - 3) + "@" + std::to_string(vv.first));
    }
    for (int v = 0; v < values; ++v) {
      const std::vector<std::string> found = Find(s, K::kIpv4, Ip(v));
      ASSERT_EQ(std::set<std::string>(found.begin(), found.end()), expected[v]) << Ip(v);
    }
    ASSERT_EQ(s.indicator_count(), live.size());
  }
};

TEST(IndicatorIndexTest, CompactionKeepsEveryAnswer) {
  constexpr int kIds = 500, kValues = 300;
  std::mt19937 rng(7);
  std::vector<IndicatorEntry> initial;
  Model model;
  for (int id = 0; id < kIds; id += 2) {
    initial.push_back(Entry(id, {{K::kIpv4, Ip(id % kValues)}}, 1));
    model.live[id] = {1, id % kValues};
  }
  auto index = Build(initial, Manual());
  int64_t version = 2;
  for (int round = 0; round < 20; ++round) {
    UpdateBatch batch;
    std::set<int> touched;  // one change per id and batch: the model applies them in order
    for (int i = 0; i < 40; ++i) {
      const int id = static_cast<int>(rng() % kIds);
      if (!touched.insert(id).second) continue;
      if (rng() % 3 == 0) {
        batch.removals.push_back(Id(id));
        model.live.erase(id);
      } else {
        const int value = static_cast<int>(rng() % kValues);
        batch.upserts.push_back(Entry(id, {{K::kIpv4, Ip(value)}}, version));
        model.live[id] = {version, value};
      }
      ++version;
    }
    ASSERT_TRUE(index->Apply(batch).has_value());
    model.Check(*index->Current(), kValues);
    if (round % 5 == 4) {
      auto stats = index->Compact();
      ASSERT_TRUE(stats.has_value());
      EXPECT_EQ(index->Current()->delta_indicators(), 0u);
      EXPECT_TRUE(index->Current()->hidden_base().empty());
      model.Check(*index->Current(), kValues);
    }
  }
}

// Readers look up while a writer moves a set of indicators from one generation of values to the
// next in single batches, with compaction running in the background. Every snapshot must show
// exactly one whole generation (never a mix: that would be a torn update), and once the writer
// is done every reader agrees on the last one.
TEST(IndicatorIndexTest, ReadersSeeWholeBatchesWhileWriterUpdatesAndCompacts) {
  constexpr int kIndicators = 64, kRounds = 300, kReaders = 2;
  auto value = [](int round, int i) { return Ip(round * kIndicators + i); };
  std::vector<IndicatorEntry> initial;
  for (int i = 0; i < kIndicators; ++i) {
    initial.push_back(Entry(i, {{K::kIpv4, value(0, i)}}, 0));
  }
  // Unrelated indicators so that the base is not trivial.
  for (int i = 0; i < 5000; ++i) {
    initial.push_back(Entry(10'000 + i, {{K::kDomain, "d" + std::to_string(i) + ".example"}}));
  }
  MatcherOptions options;
  options.compact_min_delta = 100;  // compaction every couple of rounds
  auto index = Build(initial, options);

  std::atomic<int> published{0};
  std::atomic<bool> done{false};
  std::atomic<long> checks{0};
  std::vector<std::string> failures[kReaders];
  auto reader = [&](int r) {
    std::vector<Match> out;
    while (!done.load()) {
      const int low = published.load();  // read first: the snapshot is at least this recent
      const auto s = index->Current();
      int whole = -1;
      for (int round = 0; round < kRounds; ++round) {
        int matched = 0;
        for (int i = 0; i < kIndicators; ++i) {
          out.clear();
          s->Lookup(K::kIpv4, value(round, i), out);
          if (out.size() == 1 && out[0].indicator->Version().micros == round) ++matched;
        }
        if (matched == kIndicators) {
          if (whole != -1) failures[r].push_back("two generations visible");
          whole = round;
        } else if (matched != 0) {
          failures[r].push_back("torn: " + std::to_string(matched) + " of round " +
                                std::to_string(round));
        }
      }
      if (whole < low) failures[r].push_back("older than published round " + std::to_string(low));
      checks.fetch_add(1);
      if (failures[r].size() > 5) return;
    }
  };
  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) readers.emplace_back(reader, r);
  for (int round = 1; round < kRounds; ++round) {
    UpdateBatch batch;
    for (int i = 0; i < kIndicators; ++i) {
      batch.upserts.push_back(Entry(i, {{K::kIpv4, value(round, i)}}, round));
    }
    auto stats = index->Apply(batch);
    ASSERT_TRUE(stats.has_value());
    ASSERT_EQ(stats->replaced, size_t{kIndicators});
    published.store(round);
  }
  // Let the readers see the final state too, then stop them.
  const long seen = checks.load();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (checks.load() < seen + 2 * kReaders && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  done.store(true);
  for (auto& t : readers) t.join();
  for (int r = 0; r < kReaders; ++r) {
    EXPECT_TRUE(failures[r].empty()) << failures[r].front();
  }
  EXPECT_GT(checks.load(), 0);
  // After the updates every lookup agrees: the last generation only, 5064 indicators in all.
  (void)index->Compact();
  for (const auto& s : {index->Current(), index->Current()}) {
    EXPECT_EQ(s->indicator_count(), size_t{kIndicators + 5000});
    for (int i = 0; i < kIndicators; ++i) {
      EXPECT_EQ(Find(*s, K::kIpv4, value(kRounds - 1, i)).size(), 1u);
      EXPECT_TRUE(Find(*s, K::kIpv4, value(kRounds - 2, i)).empty());
    }
  }
}

TEST(IndicatorIndexTest, CompactionCarriesOverConcurrentUpdates) {
  constexpr int kIds = 2000, kValues = 1000;
  std::vector<IndicatorEntry> initial;
  Model model;
  for (int id = 0; id < kIds; ++id) {
    initial.push_back(Entry(id, {{K::kIpv4, Ip(id % kValues)}}, 1));
    model.live[id] = {1, id % kValues};
  }
  auto index = Build(initial, Manual());
  std::atomic<bool> stop{false};
  std::thread compactor([&] {
    while (!stop.load()) ASSERT_TRUE(index->Compact().has_value());
  });
  std::mt19937 rng(11);
  int64_t version = 2;
  for (int round = 0; round < 200; ++round) {
    UpdateBatch batch;
    std::set<int> touched;
    for (int i = 0; i < 20; ++i) {
      const int id = static_cast<int>(rng() % kIds);
      if (!touched.insert(id).second) continue;
      if (rng() % 4 == 0) {
        batch.removals.push_back(Id(id));
        model.live.erase(id);
      } else {
        const int v = static_cast<int>(rng() % kValues);
        batch.upserts.push_back(Entry(id, {{K::kIpv4, Ip(v)}}, version++));
        model.live[id] = {version - 1, v};
      }
    }
    ASSERT_TRUE(index->Apply(batch).has_value());
    if (round % 50 == 0) model.Check(*index->Current(), kValues);
  }
  stop.store(true);
  compactor.join();
  model.Check(*index->Current(), kValues);
  ASSERT_TRUE(index->Compact().has_value());
  model.Check(*index->Current(), kValues);
  EXPECT_GE(index->MemoryBytes(), index->Current()->MemoryBytes());
}

}  // namespace
}  // namespace socmesh::detect
