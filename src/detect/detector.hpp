// The detection pipeline of one worker (B2c; ARCHITECTURE.md §4, flow 3): parsed events ->
// observable lookups in the live indicator index -> alerts, aggregated STIX sightings, and anomaly
// baselines. Inputs (files, sockets, NATS) and the CLI feed it events; it owns no threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "detect/anomaly.hpp"
#include "detect/matcher.hpp"
#include "detect/sighting.hpp"
#include "events/event.hpp"
#include "store/store.hpp"

namespace socmesh::detect {

struct DetectorOptions {
  SightingContext sighting;  // this organisation; no identity id = no sightings
  int64_t sighting_interval_seconds = 300;
  bool anomalies = true;
  RateBaselineOptions rates;        // keyed by event source, and by source + observable kind
  FirstSeenOptions first_seen;      // (sensor, destination domain / IP) pairs
  bool first_seen_enabled = false;  // off by default: noisy until tuned to a network
};

struct DetectorStats {
  uint64_t events = 0;
  uint64_t observables = 0;
  uint64_t matches = 0;         // (event observable, indicator) pairs
  uint64_t events_matched = 0;  // events with at least one match
  uint64_t anomalies = 0;
  uint64_t sightings_written = 0;
  uint64_t sightings_dropped = 0;  // aggregation table full
};

// One alert line (JSON Lines, one object per line, no trailing newline).
using AlertLineSink = std::function<void(std::string_view json_line)>;

class Detector {
 public:
  Detector(IndicatorIndex& index, DetectorOptions options, AlertLineSink alerts);

  // Matches one event. Uses the index snapshot current at the call.
  void Process(const events::Event& event);

  // Closes sighting intervals ended by `now` (all with `all`) and writes their objects to `store`
  // in one batch; advances the rate baselines so silent sources are noticed. Returns the number of
  // sightings written. The indicator's marking and origin are read from `store`.
  Result<size_t> Flush(model::Timestamp now, store::Store* store, bool all = false);

  const DetectorStats& stats() const { return stats_; }

 private:
  void Alert(const AnomalyAlert& a);

  IndicatorIndex& index_;
  DetectorOptions options_;
  AlertLineSink alerts_;
  SightingAggregator sightings_;
  std::unique_ptr<RateBaseline> rates_;
  std::unique_ptr<FirstSeen> first_seen_;
  std::vector<Query> queries_;  // reused between events
  std::vector<Match> matches_;  // reused between events
  std::string line_;            // reused alert buffer
  DetectorStats stats_;
};

}  // namespace socmesh::detect
