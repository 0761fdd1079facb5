// Observation operators over an event stream (issue 7 item 4, requirement B2c event correlation):
// AND, OR, FOLLOWEDBY, WITHIN, REPEATS, START/STOP, per-key state and its bounds.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "model/pattern.hpp"
#include "model/pattern_match.hpp"
#include "model/pattern_stream.hpp"

namespace socmesh::model {
namespace {

constexpr int64_t kSecond = 1000000;
const Timestamp kT0 = ParseTimestamp("2024-05-01T00:00:00Z").value();

Observation Event(std::string type, std::string value, int64_t seconds) {
  Observation o;
  o.first_observed = o.last_observed = Timestamp{kT0.micros + seconds * kSecond};
  ObservedObject object;
  object.type = std::move(type);
  object.Add("value", ObservedValue::String(std::move(value)));
  o.objects.push_back(std::move(object));
  return o;
}

Observation Ip(std::string value, int64_t seconds) {
  return Event("ipv4-addr", std::move(value), seconds);
}
Observation Domain(std::string value, int64_t seconds) {
  return Event("domain-name", std::move(value), seconds);
}

PatternStream Stream(std::string_view text, PatternStreamOptions options = {}) {
  Result<Pattern> p = ParsePattern(text);
  EXPECT_TRUE(p.has_value()) << text << ": " << (p ? "" : p.error().message);
  return PatternStream(p ? std::move(*p) : Pattern{}, options);
}

// Feeds events with ids 1, 2, ... under one key; returns the event ids of every match, one
// string per match ("1,3"), in report order.
class Feeder {
 public:
  explicit Feeder(PatternStream& stream) : stream_(stream) {}
  std::vector<std::string> Feed(const Observation& event, std::string_view key = "host-a") {
    std::vector<std::string> out;
    for (const PatternStreamMatch& m : stream_.Feed(event, key, ++id_)) {
      std::string ids;
      for (uint64_t e : m.event_ids) ids += (ids.empty() ? "" : ",") + std::to_string(e);
      out.push_back(ids);
    }
    return out;
  }

 private:
  PatternStream& stream_;
  uint64_t id_ = 0;
};

using Matches = std::vector<std::string>;

TEST(PatternStreamTest, SingleObservationExpressionMatchesEachEvent) {
  PatternStream s = Stream("[ipv4-addr:value = '10.0.0.1']");
  Feeder f(s);
  EXPECT_EQ(f.Feed(Ip("10.0.0.1", 0)), Matches{"1"});
  EXPECT_EQ(f.Feed(Ip("10.0.0.2", 1)), Matches{});
  EXPECT_EQ(f.Feed(Ip("10.0.0.1", 2)), Matches{"3"});
  EXPECT_EQ(s.stats().events, 3u);
  EXPECT_EQ(s.stats().events_matching, 2u);
  EXPECT_EQ(s.stats().matches, 2u);
}

TEST(PatternStreamTest, AndNeedsBothInDistinctEventsInAnyOrder) {
  PatternStream s =
      Stream("[ipv4-addr:value = '10.0.0.1'] AND [domain-name:value = 'evil.example']");
  Feeder f(s);
  EXPECT_EQ(f.Feed(Domain("evil.example", 0)), Matches{});
  EXPECT_EQ(f.Feed(Ip("10.0.0.9", 1)), Matches{});
  EXPECT_EQ(f.Feed(Ip("10.0.0.1", 2)), Matches{"1,3"});

  // One event satisfying both sides is not enough on its own.
  PatternStream same = Stream("[ipv4-addr:value = '10.0.0.1'] AND [ipv4-addr:value = '10.0.0.1']");
  Feeder g(same);
  EXPECT_EQ(g.Feed(Ip("10.0.0.1", 0)), Matches{});
  // With a second one, each side takes one event (both assignments are reported).
  EXPECT_EQ(g.Feed(Ip("10.0.0.1", 1)), (Matches{"1,2", "1,2"}));
}

TEST(PatternStreamTest, OrNeedsEitherSide) {
  PatternStream s =
      Stream("[ipv4-addr:value = '10.0.0.1'] OR [domain-name:value = 'evil.example']");
  Feeder f(s);
  EXPECT_EQ(f.Feed(Domain("evil.example", 0)), Matches{"1"});
  EXPECT_EQ(f.Feed(Domain("good.example", 1)), Matches{});
  EXPECT_EQ(f.Feed(Ip("10.0.0.1", 2)), Matches{"3"});
}

TEST(PatternStreamTest, FollowedByNeedsTheOrder) {
  PatternStream s =
      Stream("[ipv4-addr:value = '10.0.0.1'] FOLLOWEDBY [domain-name:value = 'evil.example']");
  Feeder f(s);
  EXPECT_EQ(f.Feed(Domain("evil.example", 0)), Matches{});  // the wrong order
  EXPECT_EQ(f.Feed(Ip("10.0.0.1", 1)), Matches{});
  EXPECT_EQ(f.Feed(Domain("evil.example", 2)), Matches{"2,3"});
}

TEST(PatternStreamTest, FollowedByChainsPickTheMostRecentPredecessors) {
  PatternStream s = Stream(
      "[ipv4-addr:value = 'a'] FOLLOWEDBY [ipv4-addr:value = 'b'] "
      "FOLLOWEDBY [ipv4-addr:value = 'c']");
  Feeder f(s);
  EXPECT_EQ(f.Feed(Ip("a", 0)), Matches{});
  EXPECT_EQ(f.Feed(Ip("c", 1)), Matches{});
  EXPECT_EQ(f.Feed(Ip("b", 2)), Matches{});
  EXPECT_EQ(f.Feed(Ip("a", 3)), Matches{});
  EXPECT_EQ(f.Feed(Ip("c", 4)), Matches{"1,3,5"});  // 'a' at 4 came after 'b': not usable
}

TEST(PatternStreamTest, WithinBoundsTheSpanOfAMatch) {
  // Specification example (section 9.9) in the form of its FOLLOWEDBY ... WITHIN 300 SECONDS.
  PatternStream s =
      Stream(R"(([file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY )"
             R"([windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar']) WITHIN 300 SECONDS)");
  Feeder f(s);
  auto file = [](int64_t t) {
    Observation o = Event("file", "", t);
    o.objects[0].Add("hashes.MD5", ObservedValue::String("79054025255fb1a26e4bc422aef54eb4"));
    return o;
  };
  auto key = [](int64_t t) {
    Observation o = Event("windows-registry-key", "", t);
    o.objects[0].Add("key", ObservedValue::String(R"(HKEY_LOCAL_MACHINE\foo\bar)"));
    return o;
  };
  EXPECT_EQ(f.Feed(file(0)), Matches{});
  EXPECT_EQ(f.Feed(key(301)), Matches{});  // 301 s later: outside the window
  EXPECT_EQ(f.Feed(file(400)), Matches{});
  EXPECT_EQ(f.Feed(key(700)), Matches{"3,4"});  // exactly 300 s: inside
}

TEST(PatternStreamTest, RepeatsCountsDistinctEventsAndSlides) {
  PatternStream s = Stream("[ipv4-addr:value = '10.0.0.1'] REPEATS 3 TIMES");
  Feeder f(s);
  EXPECT_EQ(f.Feed(Ip("10.0.0.1", 0)), Matches{});
  EXPECT_EQ(f.Feed(Ip("10.0.0.1", 1)), Matches{});
  EXPECT_EQ(f.Feed(Ip("10.0.0.2", 2)), Matches{});
  EXPECT_EQ(f.Feed(Ip("10.0.0.1", 3)), Matches{"1,2,4"});
  EXPECT_EQ(f.Feed(Ip("10.0.0.1", 4)), Matches{"2,4,5"});
}

TEST(PatternStreamTest, RepeatsWithinAWindow) {
  // Specification example: five connections to a domain within half an hour.
  PatternStream s = Stream(
      "[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = "
      "'example.com'] REPEATS 5 TIMES WITHIN 1800 SECONDS");
  Feeder f(s);
  auto flow = [](int64_t t) {
    Observation o;
    o.first_observed = o.last_observed = Timestamp{kT0.micros + t * kSecond};
    ObservedObject nt;
    nt.type = "network-traffic";
    nt.Add("dst_ref", ObservedValue::String("domain-name--1"))
        .Add("dst_ref.type", ObservedValue::String("domain-name"))
        .Add("dst_ref.value", ObservedValue::String("example.com"));
    o.objects.push_back(std::move(nt));
    return o;
  };
  // 5 events 1000 s apart span 4000 s: too slow.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(f.Feed(flow(i * 1000)), Matches{}) << i;
  // Then three more at 10 s intervals: with those at 3000 s and 4000 s, five within 1800 s.
  EXPECT_EQ(f.Feed(flow(4010)), Matches{});
  EXPECT_EQ(f.Feed(flow(4020)), Matches{});
  EXPECT_EQ(f.Feed(flow(4030)), Matches{"4,5,6,7,8"});
}

TEST(PatternStreamTest, StartStopKeepsMatchesInsideTheInterval) {
  PatternStream s = Stream(
      "[ipv4-addr:value = '10.0.0.1'] START t'2024-05-01T00:01:00Z' STOP t'2024-05-01T00:02:00Z'");
  Feeder f(s);
  EXPECT_EQ(f.Feed(Ip("10.0.0.1", 59)), Matches{});
  EXPECT_EQ(f.Feed(Ip("10.0.0.1", 60)), Matches{"2"});  // START is inclusive
  EXPECT_EQ(f.Feed(Ip("10.0.0.1", 119)), Matches{"3"});
  EXPECT_EQ(f.Feed(Ip("10.0.0.1", 120)), Matches{});  // STOP is exclusive
}

TEST(PatternStreamTest, QualifiersInsideOperators) {
  // The validator's example: each side has its own START/STOP.
  PatternStream s = Stream(
      "[ipv4-addr:value = 'a'] START t'2024-05-01T00:00:00Z' STOP t'2024-05-01T00:01:00Z' AND "
      "[ipv4-addr:value = 'b'] START t'2024-05-01T00:10:00Z' STOP t'2024-05-01T00:11:00Z'");
  Feeder f(s);
  EXPECT_EQ(f.Feed(Ip("a", 70)), Matches{});   // outside its interval: not remembered
  EXPECT_EQ(f.Feed(Ip("b", 610)), Matches{});  // no usable 'a' yet
  EXPECT_EQ(f.Feed(Ip("b", 615)), Matches{});
  PatternStream s2 = Stream(
      "[ipv4-addr:value = 'a'] START t'2024-05-01T00:00:00Z' STOP t'2024-05-01T00:01:00Z' AND "
      "[ipv4-addr:value = 'b'] START t'2024-05-01T00:10:00Z' STOP t'2024-05-01T00:11:00Z'");
  Feeder g(s2);
  EXPECT_EQ(g.Feed(Ip("a", 30)), Matches{});
  EXPECT_EQ(g.Feed(Ip("b", 610)), Matches{"1,2"});
}

TEST(PatternStreamTest, KeysAreCorrelatedSeparately) {
  PatternStream s = Stream("[ipv4-addr:value = 'a'] FOLLOWEDBY [ipv4-addr:value = 'b']");
  uint64_t id = 0;
  EXPECT_TRUE(s.Feed(Ip("a", 0), "host-1", ++id).empty());
  EXPECT_TRUE(s.Feed(Ip("b", 1), "host-2", ++id).empty());  // other host: no match
  std::vector<PatternStreamMatch> m = s.Feed(Ip("b", 2), "host-1", ++id);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].key, "host-1");
  EXPECT_EQ(m[0].event_ids, (std::vector<uint64_t>{1, 3}));
  EXPECT_EQ(m[0].first.micros, kT0.micros);
  EXPECT_EQ(m[0].last.micros, kT0.micros + 2 * kSecond);
  EXPECT_EQ(s.key_count(), 2u);
}

TEST(PatternStreamTest, PartialMatchesAreBoundedOldestFirst) {
  PatternStreamOptions options;
  options.max_partial_matches = 4;
  PatternStream s = Stream("[ipv4-addr:value = 'a'] REPEATS 5 TIMES", options);
  Feeder f(s);
  // Only 4 past repetitions are kept, so 5 in total can still be assembled...
  for (int i = 0; i < 4; ++i) EXPECT_EQ(f.Feed(Ip("a", i)), Matches{});
  EXPECT_EQ(f.Feed(Ip("a", 4)), Matches{"1,2,3,4,5"});
  // ...and every further one evicts the oldest (counted).
  EXPECT_EQ(f.Feed(Ip("a", 5)), Matches{"2,3,4,5,6"});
  EXPECT_EQ(s.stats().partials_evicted, 2u);

  // With a bound below what the pattern needs, it can never match: the bound wins, visibly.
  options.max_partial_matches = 2;
  PatternStream tight = Stream("[ipv4-addr:value = 'a'] REPEATS 5 TIMES", options);
  Feeder g(tight);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(g.Feed(Ip("a", i)), Matches{});
  EXPECT_EQ(tight.stats().partials_evicted, 8u);
}

TEST(PatternStreamTest, WithinExpiryDropsStateWithoutCountingEvictions) {
  PatternStream s = Stream(
      "([ipv4-addr:value = 'a'] FOLLOWEDBY [ipv4-addr:value = 'b']) WITHIN 10 "
      "SECONDS");
  Feeder f(s);
  for (int i = 0; i < 1000; ++i) f.Feed(Ip("a", i * 100));
  EXPECT_EQ(s.stats().partials_evicted, 0u);
  EXPECT_EQ(f.Feed(Ip("b", 999 * 100 + 5)), Matches{"1000,1001"});
}

TEST(PatternStreamTest, KeysAreBoundedLeastRecentlyUsedFirst) {
  PatternStreamOptions options;
  options.max_keys = 2;
  PatternStream s = Stream("[ipv4-addr:value = 'a'] FOLLOWEDBY [ipv4-addr:value = 'b']", options);
  uint64_t id = 0;
  s.Feed(Ip("a", 0), "k1", ++id);
  s.Feed(Ip("a", 1), "k2", ++id);
  s.Feed(Ip("a", 2), "k1", ++id);  // k1 used again: k2 is now the oldest
  s.Feed(Ip("a", 3), "k3", ++id);  // evicts k2
  EXPECT_EQ(s.key_count(), 2u);
  EXPECT_EQ(s.stats().keys_evicted, 1u);
  EXPECT_TRUE(s.Feed(Ip("b", 4), "k2", ++id).empty());  // k2's 'a' is gone
  EXPECT_EQ(s.Feed(Ip("b", 5), "k3", ++id).size(), 1u);
}

TEST(PatternStreamTest, OutOfOrderEventsAreCountedAndSkipped) {
  PatternStream s = Stream("[ipv4-addr:value = 'a'] FOLLOWEDBY [ipv4-addr:value = 'b']");
  EXPECT_TRUE(s.Feed(Ip("a", 10), "k", 1).empty());
  EXPECT_TRUE(s.Feed(Ip("b", 5), "k", 2).empty());   // earlier than the previous event
  EXPECT_TRUE(s.Feed(Ip("b", 11), "k", 1).empty());  // id not increasing
  EXPECT_EQ(s.stats().out_of_order, 2u);
  EXPECT_EQ(s.Feed(Ip("b", 12), "k", 3).size(), 1u);
}

TEST(PatternStreamTest, EventsMatchingNothingCreateNoState) {
  PatternStream s = Stream("[ipv4-addr:value = 'a'] FOLLOWEDBY [ipv4-addr:value = 'b']");
  uint64_t id = 0;
  for (int i = 0; i < 1000; ++i) s.Feed(Ip("c", i), "key-" + std::to_string(i), ++id);
  EXPECT_EQ(s.key_count(), 0u);
  EXPECT_EQ(s.stats().events, 1000u);
  EXPECT_EQ(s.stats().events_matching, 0u);
}

TEST(PatternStreamTest, SpecificationExampleWithAndOfTwoUsers) {
  // Section 9.9: three user accounts (Peter, Paul, Mary) seen in three observations.
  PatternStream s = Stream(
      "[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND "
      "user-account:account_login = 'Peter'] AND [user-account:account_type = 'unix' AND "
      "user-account:user_id = '1008' AND user-account:account_login = 'Paul'] AND "
      "[user-account:account_type = 'unix' AND user-account:user_id = '1009' AND "
      "user-account:account_login = 'Mary']");
  Feeder f(s);
  auto user = [](std::string id, std::string login, int64_t t) {
    Observation o;
    o.first_observed = o.last_observed = Timestamp{kT0.micros + t * kSecond};
    ObservedObject u;
    u.type = "user-account";
    u.Add("account_type", ObservedValue::String("unix"))
        .Add("user_id", ObservedValue::String(std::move(id)))
        .Add("account_login", ObservedValue::String(std::move(login)));
    o.objects.push_back(std::move(u));
    return o;
  };
  EXPECT_EQ(f.Feed(user("1009", "Mary", 0)), Matches{});
  EXPECT_EQ(f.Feed(user("1007", "Peter", 5)), Matches{});
  EXPECT_EQ(f.Feed(user("1008", "Mallory", 6)), Matches{});  // wrong login
  EXPECT_EQ(f.Feed(user("1008", "Paul", 9)), Matches{"1,2,4"});
}

}  // namespace
}  // namespace socmesh::model
