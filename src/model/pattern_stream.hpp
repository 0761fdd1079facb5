// Stateful evaluation of a STIX pattern's observation operators over a time-ordered event stream
// (STIX 2.1 section 9.5 and 9.6: AND, OR, FOLLOWEDBY, WITHIN, REPEATS, START/STOP).
//
// State is kept per key (e.g. a host or a source address: the caller decides what events must share
// to be correlated) and is bounded: each operator node keeps at most `max_partial_matches` partial
// matches per key (the oldest is evicted and counted), partial matches older than the tightest
// enclosing WITHIN window are dropped, and at most `max_keys` keys are tracked (least recently used
// evicted, counted).
//
// Semantics (see docs/architecture.md, "STIX patterns"):
//  - the operands of AND, FOLLOWEDBY and the repetitions of REPEATS are satisfied by distinct
//    events; FOLLOWEDBY needs each operand's events to come after the previous operand's
//    (stream order, and first_observed not earlier than the previous last_observed);
//  - a match spans [min first_observed, max last_observed] of its events; WITHIN n SECONDS keeps
//    matches whose span is <= n s; START/STOP keeps matches with start <= first and last < stop;
//  - when an event completes a match, the operands are combined greedily with the most recent
//    partial matches (the tightest span ending at this event). This finds every "tightest" match;
//    it can miss a match that only an older combination would give (e.g. AND where the most recent
//    operand matches share an event), which is the price of bounded, per-event constant work.
//  - every completed match is reported: REPEATS 3 TIMES on events e1..e5 reports at e3, e4 and e5
//    (sliding), so consumers deduplicate alerts.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/pattern.hpp"
#include "model/pattern_match.hpp"

namespace socmesh::model {

struct PatternStreamOptions {
  size_t max_partial_matches = 256;  // per operator node and key
  size_t max_keys = 100000;
};

struct PatternStreamMatch {
  std::string key;
  Timestamp first, last;
  std::vector<uint64_t> event_ids;  // ascending
};

struct PatternStreamStats {
  uint64_t events = 0;            // fed
  uint64_t events_matching = 0;   // satisfied at least one observation expression
  uint64_t matches = 0;           // complete pattern matches reported
  uint64_t partials_evicted = 0;  // dropped by max_partial_matches (not by WITHIN expiry)
  uint64_t keys_evicted = 0;      // dropped by max_keys
  uint64_t out_of_order = 0;      // skipped: earlier than the key's previous event, or id not
                                  // increasing
};

class PatternStream {
 public:
  explicit PatternStream(Pattern pattern, PatternStreamOptions options = {});
  ~PatternStream();
  PatternStream(PatternStream&&) noexcept;
  PatternStream& operator=(PatternStream&&) noexcept;

  // Feeds the next event. `event_id` must increase strictly per key (a sequence number); events
  // whose first_observed is earlier than the key's previous event are counted and skipped: the
  // temporal operators need order. Returns the matches this event completes.
  std::vector<PatternStreamMatch> Feed(const Observation& event, std::string_view key,
                                       uint64_t event_id);

  const PatternStreamStats& stats() const { return stats_; }
  const Pattern& pattern() const { return pattern_; }
  size_t key_count() const { return keys_.size(); }

 private:
  struct Partial {
    Timestamp first, last;
    std::vector<uint64_t> events;  // ascending
  };
  struct KeyState;

  void Process(KeyState& state, const Observation& event, uint64_t event_id,
               const std::vector<uint8_t>& leaf_hits, std::vector<PatternStreamMatch>& out,
               std::string_view key);
  KeyState& StateFor(std::string_view key);

  Pattern pattern_;
  PatternStreamOptions options_;
  PatternStreamStats stats_;
  std::vector<int64_t> horizon_micros_;  // per node: tightest enclosing WITHIN, or -1
  std::vector<uint8_t> keeps_history_;   // per node: a parent combines its past matches
  std::list<std::string> lru_;           // front = most recently used
  std::unordered_map<std::string, std::unique_ptr<KeyState>> keys_;
  std::vector<std::vector<Partial>> fresh_;  // per node, scratch for one event
};

}  // namespace socmesh::model
