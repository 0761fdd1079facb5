// Anomaly detection on the event stream (B2c, issue 7 item 6): what indicator matching cannot see
// because nobody has published an indicator for it yet.
//
// Two detectors, both driven by event time (not wall-clock time), so that replaying a log gives the
// same alerts as watching it live, and both with memory bounded by configuration:
//
//  * RateBaseline — events per interval for each key (an input source, or a source and an
//  observable
//    kind). The expected rate is an exponentially weighted moving average (EWMA) with an EWMA of
//    the squared deviation; an interval whose count leaves the band mean ± k·σ fires (a burst, or a
//    sensor falling silent), once warm-up has seen enough intervals to trust the band.
//  * FirstSeen — destinations (IPs, domains) never seen before for a source, after a learning
//  period.
//    Seen sets are kept per period in two generations (current and previous), so a destination is
//    "known" when it was seen within the last one to two periods and the memory of one generation
//    is capped: when full, the oldest generation is dropped early and the reason is counted.
//
// Every alert carries a sentence that says why it fired, with the numbers that made it fire.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "model/timestamp.hpp"

namespace socmesh::detect {

struct AnomalyAlert {
  enum class Kind { kRateHigh, kRateLow, kFirstSeen };
  Kind kind;
  std::string key;          // the baseline key or "<source> -> <destination>"
  model::Timestamp at;      // start of the interval (rates) or the event time (first seen)
  double observed = 0;      // events in the interval (rates); 1 for first seen
  double expected = 0;      // EWMA mean (rates); 0 for first seen
  double deviation = 0;     // EWMA standard deviation (rates)
  std::string explanation;  // human sentence: why this fired
};

// "rate-high", "rate-low", "first-seen".
std::string_view AnomalyKindName(AnomalyAlert::Kind kind);

using AlertSink = std::function<void(const AnomalyAlert&)>;

struct RateBaselineOptions {
  int64_t interval_seconds = 60;
  double alpha = 0.1;            // EWMA weight of the newest interval
  double band_sigmas = 4.0;      // alert outside mean ± band_sigmas·σ
  double min_deviation = 1.0;    // σ floor, so a perfectly steady source does not alert on ±1
  size_t warmup_intervals = 30;  // intervals seen before a key may alert
  double min_high_count = 10;    // a burst needs at least this many events
  bool alert_low = true;         // alert when a source falls (nearly) silent
  size_t max_keys = 100'000;     // keys beyond this are not tracked (counted in dropped_keys)
};

class RateBaseline {
 public:
  explicit RateBaseline(RateBaselineOptions options, AlertSink sink);

  // Counts one event of `key` at `at`. Event times may go backwards a little (out-of-order logs):
  // an event older than the key's current interval is counted in the current one.
  void Observe(std::string_view key, model::Timestamp at);
  // Counts `count` events of `key` at `at`: the same as `count` calls of Observe(key, at), in one
  // lookup (callers that batch counts per interval use it).
  void Observe(std::string_view key, model::Timestamp at, uint64_t count);

  // The interval `at` falls in (floor division by the interval length), and the start of one.
  int64_t IntervalOf(model::Timestamp at) const;
  model::Timestamp IntervalStart(int64_t interval) const;

  // Closes every interval that ended at or before `now` (empty intervals count as zero), firing
  // alerts. Call it periodically so silence is noticed even when no event arrives.
  void Advance(model::Timestamp now);

  size_t keys() const { return keys_.size(); }
  uint64_t dropped_keys() const { return dropped_keys_; }

 private:
  struct KeyState {
    int64_t interval = 0;  // index of the open interval (event time / interval length)
    double count = 0;      // events in the open interval
    double mean = 0;
    double variance = 0;
    size_t closed = 0;          // intervals folded into the baseline
    bool in_excursion = false;  // the last interval was outside the band (alerted already)
  };
  void CloseUpTo(const std::string& key, KeyState& s, int64_t interval);
  void Fold(const std::string& key, KeyState& s);

  RateBaselineOptions options_;
  AlertSink sink_;
  // Transparent hashing: a lookup by string_view builds no std::string.
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view k) const { return std::hash<std::string_view>{}(k); }
  };
  std::unordered_map<std::string, KeyState, KeyHash, std::equal_to<>> keys_;
  uint64_t dropped_keys_ = 0;
};

struct FirstSeenOptions {
  int64_t learning_seconds = 24 * 3600;    // after the first event, learn without alerting
  int64_t period_seconds = 7 * 24 * 3600;  // a generation of the seen set
  size_t max_entries = 1'000'000;          // per generation, over all sources
};

class FirstSeen {
 public:
  explicit FirstSeen(FirstSeenOptions options, AlertSink sink);

  // Records that `source` talked to `destination` at `at`; fires when the pair is new after the
  // learning period.
  void Observe(std::string_view source, std::string_view destination, model::Timestamp at);

  uint64_t early_rotations() const { return early_rotations_; }

 private:
  void Rotate(model::Timestamp at);

  FirstSeenOptions options_;
  AlertSink sink_;
  std::unordered_set<std::string> current_;
  std::unordered_set<std::string> previous_;
  std::optional<model::Timestamp> started_;
  model::Timestamp period_start_{};
  uint64_t early_rotations_ = 0;
};

}  // namespace socmesh::detect
