// The fast paths of matching (B2c, issue 7 performance) must not change what is found:
//  - LookupMany (one filter block for all label suffixes of a host, no probes for kinds no
//    indicator has, repeated values probed once) against a naive matcher, on randomized
//    indicators and events, with and without a delta of recent updates;
//  - Snapshot::Prepare/Finish against LookupMany;
//  - Detector::Submit (pipelined) against Detector::Process, and the Detector's batched rate
//    bookkeeping against a RateBaseline fed one Observe per event and observable (the old code).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "detect/anomaly.hpp"
#include "detect/detector.hpp"
#include "detect/matcher.hpp"
#include "model/canonical_json.hpp"

namespace socmesh::detect {
namespace {

using K = model::ObservableKind;

std::string Id(int n) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "indicator--00000000-0000-4000-8000-%012d", n);
  return buf;
}

std::string Ipv4(uint32_t a) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255);
  return buf;
}

uint32_t ParseIpv4(const std::string& s) {
  unsigned a, b, c, d;
  std::sscanf(s.c_str(), "%u.%u.%u.%u", &a, &b, &c, &d);
  return a << 24 | b << 16 | c << 8 | d;
}

// Indicators drawn so that values collide on purpose: a small label alphabet (suffixes shared
// between indicator domains and event hosts), 300 subdomain indicators of one parent (a saturated
// filter block), networks of several lengths over a few /16s, values carried by two indicators.
struct World {
  std::vector<IndicatorEntry> entries;
  std::mt19937 rng{20261123};

  uint32_t Below(uint32_t n) { return std::uniform_int_distribution<uint32_t>(0, n - 1)(rng); }
  std::string Label() {
    static const char* kLabels[] = {"a", "b", "evil", "cdn", "x1", "mail", "hot", "www"};
    return kLabels[Below(8)];
  }
  std::string Domain(int labels) {
    std::string d = Label();
    for (int i = 1; i < labels; ++i) d = Label() + "." + d;
    return d + "." + (Below(2) == 0 ? "example" : "test");
  }
  uint32_t Address() { return 0xC6330000U | Below(1 << 12); }  // 198.51.0.0 - 198.51.15.255
  std::string Sha256() {
    std::string s;
    for (int i = 0; i < 64; ++i) s += "0123456789abcdef"[Below(4)];  // few distinct values
    return s;
  }
  model::Observable Value() {
    switch (Below(6)) {
      case 0:
        return {K::kIpv4, Ipv4(Address())};
      case 1: {
        static const int kLengths[] = {16, 20, 22, 24, 24, 26, 28, 30};
        const int length = kLengths[Below(8)];
        const uint32_t a = Address() & ~((uint32_t{1} << (32 - length)) - 1);
        return {K::kIpv4, Ipv4(a) + "/" + std::to_string(length)};
      }
      case 2:
        return {K::kDomain, Domain(1 + static_cast<int>(Below(3)))};
      case 3:
        return {K::kUrl, "http://" + Domain(1 + static_cast<int>(Below(2))) + "/p" +
                             std::to_string(Below(4))};
      case 4:
        return {K::kSha256, Sha256().substr(0, 60) + "0000"};
      default:
        return {K::kEmail, Label() + "@" + Domain(1)};
    }
  }
  void Build(int count) {
    for (int n = 0; n < count; ++n) {
      IndicatorEntry e{Id(n), model::Timestamp{1000}, std::nullopt, {Value()}};
      if (Below(10) == 0) e.observables.push_back(Value());
      entries.push_back(std::move(e));
    }
    for (int n = count; n < count + 300; ++n) {
      entries.push_back({Id(n),
                         model::Timestamp{1000},
                         std::nullopt,
                         {{K::kDomain, "s" + std::to_string(n) + ".hot.example"}}});
    }
  }
  // An event's queries: addresses (some inside networks), hosts with extra labels, URLs, hashes,
  // kinds no indicator has, and repeats of earlier values.
  std::vector<model::Observable> Event() {
    std::vector<model::Observable> q;
    const int n = 4 + static_cast<int>(Below(8));
    for (int i = 0; i < n; ++i) {
      if (!q.empty() && Below(5) == 0) {
        q.push_back(q[Below(static_cast<uint32_t>(q.size()))]);
        continue;
      }
      switch (Below(7)) {
        case 0:
          q.push_back({K::kIpv4, Ipv4(Address())});
          break;
        case 1:
          q.push_back({K::kDomain, Domain(1 + static_cast<int>(Below(4)))});
          break;
        case 2:
          q.push_back({K::kDomain, "s" + std::to_string(Below(400)) + ".hot.example"});
          break;
        case 3:
          q.push_back({K::kUserAgent, "Mozilla/5.0"});
          break;
        case 4:
          q.push_back({K::kFileName, "a.exe"});
          break;
        default:
          q.push_back(entries[Below(static_cast<uint32_t>(entries.size()))].observables[0]);
          if (q.back().kind == K::kIpv4 && q.back().value.find('/') != std::string::npos) {
            const std::string& v = q.back().value;
            q.back().value = Ipv4(ParseIpv4(v.substr(0, v.find('/'))) + Below(4));
          }
      }
    }
    return q;
  }
};

// What a query should match: (indicator id, specificity), by brute force over `live` entries.
std::multiset<std::pair<std::string, int>> Naive(const std::vector<IndicatorEntry>& live,
                                                 const model::Observable& q) {
  std::multiset<std::pair<std::string, int>> out;
  for (const IndicatorEntry& e : live) {
    std::set<std::pair<std::string, int>> found;  // one match per (indicator, key)
    for (const model::Observable& o : e.observables) {
      if (o.kind != q.kind) continue;
      if (q.kind == K::kIpv4) {
        const size_t slash = o.value.find('/');
        const int length = slash == std::string::npos ? 32 : std::stoi(o.value.substr(slash + 1));
        const uint32_t net = ParseIpv4(o.value.substr(0, slash));
        const uint32_t mask = length == 0 ? 0 : ~uint32_t{0} << (32 - length);
        if ((ParseIpv4(q.value) & mask) == net) found.insert({e.id, length});
      } else if (q.kind == K::kDomain) {
        if (q.value == o.value ||
            (q.value.size() > o.value.size() && q.value.ends_with("." + o.value))) {
          found.insert(
              {e.id, static_cast<int>(std::count(o.value.begin(), o.value.end(), '.')) + 1});
        }
      } else if (q.value == o.value) {
        found.insert({e.id, 0});
      }
    }
    out.insert(found.begin(), found.end());
  }
  return out;
}

using Found = std::vector<std::pair<std::string, int>>;

Found Of(const std::vector<Match>& out, uint32_t query) {
  Found f;
  for (const Match& m : out) {
    if (m.query == query) f.push_back({m.indicator->Id(), m.specificity});
  }
  return f;
}

void CheckAgainstNaive(const Snapshot& s, World& w, const std::vector<IndicatorEntry>& live,
                       int events) {
  std::vector<Match> out, staged;
  PreparedLookup prepared;
  size_t total = 0;
  for (int e = 0; e < events; ++e) {
    const std::vector<model::Observable> values = w.Event();
    std::vector<Query> queries;
    for (const auto& v : values) queries.push_back({v.kind, v.value});
    out.clear();
    s.LookupMany(queries, out);
    total += out.size();
    for (uint32_t i = 0; i < queries.size(); ++i) {
      const Found got = Of(out, i);
      const auto expected = Naive(live, values[i]);
      const std::multiset<std::pair<std::string, int>> got_set(got.begin(), got.end());
      ASSERT_EQ(got_set, expected) << "event " << e << " query " << i << ": " << values[i].value;
      // A repeated value reports the same matches in the same order as its first occurrence.
      for (uint32_t j = 0; j < i; ++j) {
        if (values[j] == values[i]) {
          ASSERT_EQ(Of(out, j), got) << values[i].value;
          break;
        }
      }
    }
    // The two-step lookup finds exactly the same, in the same order.
    staged.clear();
    s.Prepare(queries, prepared);
    s.Finish(prepared, staged);
    ASSERT_EQ(staged.size(), out.size());
    for (size_t i = 0; i < out.size(); ++i) {
      EXPECT_EQ(staged[i].indicator, out[i].indicator);
      EXPECT_EQ(staged[i].query, out[i].query);
      EXPECT_EQ(staged[i].specificity, out[i].specificity);
    }
  }
  EXPECT_GT(total, static_cast<size_t>(events));  // the corpus does hit, often
}

// B2c: fast paths find what a naive matcher finds.
TEST(DetectFastTest, LookupManyEqualsANaiveMatcherOnRandomizedData) {
  World w;
  w.Build(3000);
  MatcherOptions options;
  options.background_compaction = false;
  auto index = IndicatorIndex::Create(w.entries, options);
  ASSERT_TRUE(index.has_value()) << index.error().message;
  CheckAgainstNaive(*(*index)->Current(), w, w.entries, 1500);

  // With a delta: new indicators (some sharing values with the base) and removals.
  UpdateBatch batch;
  std::vector<IndicatorEntry> live = w.entries;
  for (int n = 5000; n < 5400; ++n) {
    IndicatorEntry e{Id(n), model::Timestamp{2000}, std::nullopt, {w.Value()}};
    batch.upserts.push_back(e);
    live.push_back(e);
  }
  for (int n = 0; n < 3000; n += 7) {
    batch.removals.push_back(Id(n));
    live.erase(std::remove_if(live.begin(), live.end(),
                              [&](const IndicatorEntry& e) { return e.id == Id(n); }),
               live.end());
  }
  ASSERT_TRUE((*index)->Apply(batch).has_value());
  ASSERT_GT((*index)->Current()->delta_indicators(), 0u);
  CheckAgainstNaive(*(*index)->Current(), w, live, 1500);
}

// Kinds no indicator has cost no probe but still match once such an indicator arrives (the
// kinds mask is per table, the delta's included).
TEST(DetectFastTest, AKindFirstSeenInTheDeltaMatches) {
  MatcherOptions options;
  options.background_compaction = false;
  auto index = IndicatorIndex::Create(
      std::vector<IndicatorEntry>{
          {Id(1), model::Timestamp{1}, std::nullopt, {{K::kIpv4, "192.0.2.1"}}}},
      options);
  ASSERT_TRUE(index.has_value());
  std::vector<Match> out;
  EXPECT_EQ((*index)->Current()->Lookup(K::kUserAgent, "EvilBot/1.0", out), 0u);
  UpdateBatch batch;
  batch.upserts.push_back(
      {Id(2), model::Timestamp{1}, std::nullopt, {{K::kUserAgent, "EvilBot/1.0"}}});
  ASSERT_TRUE((*index)->Apply(batch).has_value());
  const Query queries[] = {{K::kUserAgent, "EvilBot/1.0"}, {K::kUserAgent, "EvilBot/1.0"}};
  EXPECT_EQ((*index)->Current()->LookupMany(queries, out), 2u);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].indicator->Id(), Id(2));
  EXPECT_EQ(out[0].query, 0u);
  EXPECT_EQ(out[1].query, 1u);
}

// --- The Detector ---

constexpr int64_t kSecond = 1'000'000;

struct EventSpec {
  model::Timestamp at;
  std::string source;
  std::vector<model::Observable> observables;
};

// Events with times that mostly advance, sometimes jump several intervals or go back (late
// events), from two sources, with a burst and a silence so rate alerts fire.
std::vector<EventSpec> MakeEvents(World& w, int count) {
  std::vector<EventSpec> events;
  int64_t t = 1'800'000'000 * kSecond;
  for (int i = 0; i < count; ++i) {
    const uint32_t r = w.Below(100);
    if (i > count / 2 && i < count / 2 + 400) {
      t += kSecond / 20;  // a burst
    } else if (r < 2) {
      t += 5 * 60 * kSecond;  // silence over several intervals
    } else if (r < 5) {
      t -= 70 * kSecond;  // a late event, older than the open interval
    } else {
      t += 3 * kSecond;
    }
    EventSpec e{{t}, w.Below(20) == 0 ? "zeek" : "eve", w.Event()};
    events.push_back(std::move(e));
  }
  return events;
}

// Fills `event` from `spec`, with values copied into `buffer` (overwritten by the next event, as
// a parser's buffers are), so a detector that kept views would see the wrong bytes.
void Fill(const EventSpec& spec, std::string& buffer, events::Event& event) {
  event.Clear();
  buffer.clear();
  size_t bytes = spec.source.size() + 4;                                // + "http"
  for (const auto& o : spec.observables) bytes += o.value.size() + 13;  // + the field name
  buffer.reserve(bytes);
  auto keep = [&](std::string_view v) -> std::string_view {
    const size_t at = buffer.size();
    buffer.append(v);
    return {buffer.data() + at, v.size()};
  };
  event.time = spec.at;
  event.source = keep(spec.source);
  event.format = events::EventFormat::kSuricataEve;
  event.type = keep("http");
  for (const auto& o : spec.observables) {
    events::EventObservable& e = event.observables.emplace_back();
    e.kind = o.kind;
    e.value = keep(o.value);
    e.field = keep(o.kind == K::kDomain ? "http.hostname" : "value");
  }
}

RateBaselineOptions QuickRates() {
  RateBaselineOptions r;
  r.interval_seconds = 60;
  r.warmup_intervals = 3;
  r.band_sigmas = 2;
  r.min_high_count = 3;
  return r;
}

// The anomaly alert line as Detector::Alert writes it.
std::string AlertLine(const AnomalyAlert& a) {
  model::JsonWriter w;
  w.BeginObject().Key("alert").String(AnomalyKindName(a.kind));
  w.Key("time").String(model::FormatTimestamp(a.at, true)).Key("key").String(a.key);
  w.Key("observed").Double(a.observed).Key("expected").Double(a.expected);
  w.Key("deviation").Double(a.deviation).Key("why").String(a.explanation).EndObject();
  return w.str();
}

// Submit gives Process's alerts, sightings and stats, in order; B2c output must not depend on
// how the pipeline is driven.
TEST(DetectFastTest, SubmitEqualsProcessAndRatesEqualPerEventObserve) {
  World w;
  w.Build(2000);
  MatcherOptions options;
  options.background_compaction = false;
  auto index = IndicatorIndex::Create(w.entries, options);
  ASSERT_TRUE(index.has_value());
  const std::vector<EventSpec> specs = MakeEvents(w, 2500);

  DetectorOptions o;
  o.rates = QuickRates();
  std::vector<std::string> by_process, by_submit;
  Detector process(**index, o, [&](std::string_view l) { by_process.emplace_back(l); });
  Detector submit(**index, o, [&](std::string_view l) { by_submit.emplace_back(l); });
  // The old bookkeeping: one Observe per event and per observable, straight into a baseline.
  std::vector<std::string> by_baseline;
  RateBaseline baseline(QuickRates(),
                        [&](const AnomalyAlert& a) { by_baseline.push_back(AlertLine(a)); });

  events::Event a, b;
  std::string buffer_a, buffer_b;
  for (size_t i = 0; i < specs.size(); ++i) {
    Fill(specs[i], buffer_a, a);
    process.Process(a);
    Fill(specs[i], buffer_b, b);
    if (i % 997 == 500) {
      submit.Process(b);  // mixing drains first: order is kept
    } else {
      submit.Submit(b);
    }
    baseline.Observe(specs[i].source, specs[i].at);
    for (const auto& ob : specs[i].observables) {
      baseline.Observe(specs[i].source + "/" + std::string(model::ObservableKindName(ob.kind)),
                       specs[i].at);
    }
    if (i % 600 == 599) {  // a Flush drains and syncs the rates before advancing them
      const model::Timestamp now{specs[i].at.micros + 30 * kSecond};
      ASSERT_TRUE(process.Flush(now, nullptr).has_value());
      ASSERT_TRUE(submit.Flush(now, nullptr).has_value());
      baseline.Advance(now);
    }
  }
  submit.Drain();
  EXPECT_EQ(by_submit, by_process);
  EXPECT_EQ(submit.stats().events, process.stats().events);
  EXPECT_EQ(submit.stats().matches, process.stats().matches);
  EXPECT_EQ(submit.stats().events_matched, process.stats().events_matched);
  EXPECT_EQ(submit.stats().observables, process.stats().observables);
  EXPECT_EQ(submit.stats().anomalies, process.stats().anomalies);
  EXPECT_GT(process.stats().matches, 100u);

  std::vector<std::string> anomalies;
  for (const std::string& line : by_process) {
    if (line.find(R"("alert":"indicator-match")") == std::string::npos) anomalies.push_back(line);
  }
  EXPECT_EQ(anomalies, by_baseline);
  EXPECT_GE(anomalies.size(), 3u);  // bursts and silences did fire
}

// Counting n events at once is n single counts (what the Detector's batching relies on).
TEST(DetectFastTest, ObserveWithACountEqualsRepeatedObserve) {
  std::vector<std::string> one, many;
  RateBaseline a(QuickRates(), [&](const AnomalyAlert& x) { one.push_back(AlertLine(x)); });
  RateBaseline b(QuickRates(), [&](const AnomalyAlert& x) { many.push_back(AlertLine(x)); });
  const int64_t t0 = 1'800'000'000 * kSecond;
  for (int minute = 0; minute < 40; ++minute) {
    const uint64_t n = minute == 30 ? 90 : (minute == 35 ? 0 : 10 + minute % 3);
    const model::Timestamp at{t0 + minute * 60 * kSecond};
    for (uint64_t i = 0; i < n; ++i) a.Observe("k", at);
    b.Observe("k", at, n);
  }
  a.Advance({t0 + 41 * 60 * kSecond});
  b.Advance({t0 + 41 * 60 * kSecond});
  EXPECT_EQ(one, many);
  EXPECT_FALSE(one.empty());
}

}  // namespace
}  // namespace socmesh::detect
