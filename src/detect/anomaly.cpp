#include "detect/anomaly.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace socmesh::detect {

namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;

// Floor division: event times before 1970 would otherwise land in the wrong interval.
int64_t IntervalIndex(model::Timestamp t, int64_t seconds) {
  const int64_t len = seconds * kMicrosPerSecond;
  return t.micros >= 0 ? t.micros / len : -((-t.micros + len - 1) / len);
}

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// After this many empty intervals in a row the EWMA is indistinguishable from zero for any alpha
// worth using; folding more would only burn time on a key that was idle for months.
constexpr int64_t kMaxGapIntervals = 10'000;

}  // namespace

std::string_view AnomalyKindName(AnomalyAlert::Kind kind) {
  switch (kind) {
    case AnomalyAlert::Kind::kRateHigh:
      return "rate-high";
    case AnomalyAlert::Kind::kRateLow:
      return "rate-low";
    case AnomalyAlert::Kind::kFirstSeen:
      return "first-seen";
  }
  return "rate-high";
}

RateBaseline::RateBaseline(RateBaselineOptions options, AlertSink sink)
    : options_(options), sink_(std::move(sink)) {
  options_.interval_seconds = std::max<int64_t>(options_.interval_seconds, 1);
  options_.alpha = std::clamp(options_.alpha, 1e-6, 1.0);
}

void RateBaseline::Observe(std::string_view key, model::Timestamp at) { Observe(key, at, 1); }

void RateBaseline::Observe(std::string_view key, model::Timestamp at, uint64_t count) {
  if (count == 0) return;
  const int64_t interval = IntervalIndex(at, options_.interval_seconds);
  auto it = keys_.find(key);
  if (it == keys_.end()) {
    if (keys_.size() >= options_.max_keys) {
      dropped_keys_ += count;
      return;
    }
    it = keys_.emplace(std::string(key), KeyState{.interval = interval}).first;
  }
  KeyState& s = it->second;
  if (interval > s.interval) CloseUpTo(it->first, s, interval);
  s.count += static_cast<double>(count);
}

int64_t RateBaseline::IntervalOf(model::Timestamp at) const {
  return detect::IntervalIndex(at, options_.interval_seconds);
}

model::Timestamp RateBaseline::IntervalStart(int64_t interval) const {
  return {interval * options_.interval_seconds * kMicrosPerSecond};
}

void RateBaseline::Advance(model::Timestamp now) {
  const int64_t interval = IntervalIndex(now, options_.interval_seconds);
  for (auto& [key, s] : keys_) {
    if (interval > s.interval) CloseUpTo(key, s, interval);
  }
}

void RateBaseline::CloseUpTo(const std::string& key, KeyState& s, int64_t interval) {
  Fold(key, s);
  const int64_t gap = std::min(interval - s.interval - 1, kMaxGapIntervals);
  for (int64_t i = 0; i < gap; ++i) {
    ++s.interval;
    s.count = 0;
    Fold(key, s);
  }
  s.interval = interval;
  s.count = 0;
}

void RateBaseline::Fold(const std::string& key, KeyState& s) {
  const double c = s.count;
  if (s.closed == 0) {
    s.mean = c;
    s.variance = 0;
    s.closed = 1;
    return;
  }
  if (s.closed >= options_.warmup_intervals) {
    const double sd = std::max(std::sqrt(s.variance), options_.min_deviation);
    const double high = s.mean + options_.band_sigmas * sd;
    const double low = s.mean - options_.band_sigmas * sd;
    const bool is_high = c > high && c >= options_.min_high_count;
    const bool is_low = options_.alert_low && c < low;
    // One alert per excursion: a sensor that stays silent for an hour is one alert, not sixty.
    if ((is_high || is_low) && !s.in_excursion) {
      AnomalyAlert a;
      a.kind = is_high ? AnomalyAlert::Kind::kRateHigh : AnomalyAlert::Kind::kRateLow;
      a.key = key;
      a.at = {s.interval * options_.interval_seconds * kMicrosPerSecond};
      a.observed = c;
      a.expected = s.mean;
      a.deviation = sd;
      a.explanation = std::string(is_high ? "burst: " : "drop: ") + Number(c) + " events from " +
                      key + " in " + std::to_string(options_.interval_seconds) + " s, expected " +
                      Number(s.mean) + " ± " + Number(sd) + " (outside " +
                      Number(options_.band_sigmas) + " σ band of an EWMA over " +
                      std::to_string(s.closed) + " intervals)";
      sink_(a);
    }
    s.in_excursion = is_high || is_low;
  }
  // West's incremental EWMA of mean and variance. Anomalous intervals are folded in too, so a
  // lasting change of level becomes the new normal instead of alerting forever.
  const double diff = c - s.mean;
  const double incr = options_.alpha * diff;
  s.mean += incr;
  s.variance = (1 - options_.alpha) * (s.variance + diff * incr);
  ++s.closed;
}

FirstSeen::FirstSeen(FirstSeenOptions options, AlertSink sink)
    : options_(options), sink_(std::move(sink)) {
  options_.period_seconds = std::max<int64_t>(options_.period_seconds, 1);
  options_.max_entries = std::max<size_t>(options_.max_entries, 1);
}

void FirstSeen::Observe(std::string_view source, std::string_view destination,
                        model::Timestamp at) {
  if (!started_) {
    started_ = at;
    period_start_ = at;
  }
  if (at.micros - period_start_.micros >= options_.period_seconds * kMicrosPerSecond) Rotate(at);
  std::string pair;
  pair.reserve(source.size() + destination.size() + 1);
  pair.append(source).push_back('\0');
  pair.append(destination);
  if (current_.contains(pair)) return;
  const bool known = previous_.contains(pair);
  if (current_.size() >= options_.max_entries) {
    previous_ = std::move(current_);
    current_.clear();
    ++early_rotations_;
  }
  current_.insert(std::move(pair));
  if (known) return;
  if (at.micros - started_->micros < options_.learning_seconds * kMicrosPerSecond) return;
  AnomalyAlert a;
  a.kind = AnomalyAlert::Kind::kFirstSeen;
  a.key = std::string(source) + " -> " + std::string(destination);
  a.at = at;
  a.observed = 1;
  a.explanation = "first contact: " + std::string(source) + " talked to " +
                  std::string(destination) + ", not seen from it in the last " +
                  std::to_string(options_.period_seconds / 3600) + " h or more (learning since " +
                  model::FormatTimestamp(*started_) + ")";
  sink_(a);
}

void FirstSeen::Rotate(model::Timestamp at) {
  previous_ = std::move(current_);
  current_.clear();
  period_start_ = at;
}

}  // namespace socmesh::detect
