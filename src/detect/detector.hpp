// The detection pipeline of one worker (B2c; ARCHITECTURE.md §4, flow 3): parsed events ->
// observable lookups in the live indicator index -> alerts, aggregated STIX sightings, and anomaly
// baselines. Inputs (files, sockets, NATS) and the CLI feed it events; it owns no threads.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
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
  ~Detector();

  // Matches one event. Uses the index snapshot current at the call. Drains a submitted event
  // first, so Process and Submit may be mixed and events are always handled in order.
  void Process(const events::Event& event);

  // Process, pipelined by one event: starts `event`'s lookups (its memory reads are requested,
  // not awaited; what the event says is copied, so it may be refilled at once) and completes the
  // event submitted before, whose reads had the time since to arrive. Alerts, sightings and stats
  // of an event therefore come one Submit later, or at Drain / Flush / Process. Same outputs, in
  // the same order, as Process on each event: on a large index the caller's parsing of the next
  // event hides the round trips to memory instead of waiting for them.
  void Submit(const events::Event& event);
  // Completes the submitted event, if any.
  void Drain();

  // Closes sighting intervals ended by `now` (all with `all`) and writes their objects to `store`
  // in one batch; advances the rate baselines so silent sources are noticed. Returns the number of
  // sightings written. The indicator's marking and origin are read from `store`. Drains first.
  Result<size_t> Flush(model::Timestamp now, store::Store* store, bool all = false);

  const DetectorStats& stats() const { return stats_; }

 private:
  // What handling an event needs of it, as views (into the Event, or into a Pending copy).
  struct EventView {
    model::Timestamp at;
    std::string_view source;
    events::EventFormat format = events::EventFormat::kUnknown;
    std::string_view sensor;
    std::string_view type;
    std::span<const events::EventObservable> observables;
  };
  // A submitted event: an owned copy of its view, its snapshot and its prepared lookup.
  struct Pending {
    std::string text;  // source, sensor, type, values and field names, back to back
    std::vector<events::EventObservable> observables;  // views into `text`
    EventView view;
    std::shared_ptr<const Snapshot> snapshot;
    PreparedLookup lookup;
  };
  // Rate bookkeeping of one baseline key, batched: counts of the key's open interval are added
  // to the RateBaseline only when a later interval starts (or on Flush), which is exact because
  // the baseline only adds to an open interval until then. One string-keyed map lookup per key and
  // interval instead of one per event and observable.
  struct RateSlot {
    bool live = false;
    int64_t interval = 0;  // the open interval of the key in the baseline, as last seen
    uint64_t pending = 0;  // events counted here, not yet added to the baseline
  };

  const std::shared_ptr<const Snapshot>& CurrentSnapshot();
  void PrepareQueries(const events::Event& event);
  void Handle(const EventView& e, const Snapshot& snapshot, PreparedLookup* prepared);
  void Finish(Pending& p);
  void CountRate(RateSlot& slot, std::string_view key, model::Timestamp at, int64_t interval);
  void SyncRates();
  void Alert(const AnomalyAlert& a);

  IndicatorIndex& index_;
  DetectorOptions options_;
  AlertLineSink alerts_;
  SightingAggregator sightings_;
  std::unique_ptr<RateBaseline> rates_;
  std::unique_ptr<FirstSeen> first_seen_;
  std::vector<Query> queries_;  // reused between events
  std::vector<Match> matches_;  // reused between events
  // The snapshot is reloaded only when the index published a new one (IndicatorIndex::generation).
  std::shared_ptr<const Snapshot> snapshot_;
  uint64_t snapshot_generation_ = 0;
  // Submitted events in flight (at most kDepth between calls), oldest at `oldest_`.
  static constexpr size_t kDepth = 1;
  std::array<Pending, kDepth + 1> pending_;
  size_t oldest_ = 0;
  size_t in_flight_ = 0;
  // Rate slots of the current source: the source key, and "source/kind" per observable kind.
  std::string rate_source_;
  bool rate_source_set_ = false;
  RateSlot source_slot_;
  std::array<RateSlot, 64> kind_slots_{};
  std::array<std::string, 64> kind_keys_;
  DetectorStats stats_;
};

}  // namespace socmesh::detect
