#include "detect/detector.hpp"

#include <chrono>

#include "model/canonical_json.hpp"
#include "model/socmesh_extension.hpp"

namespace socmesh::detect {

namespace {

model::Timestamp WallClock() {
  return {std::chrono::duration_cast<std::chrono::microseconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count()};
}

// The marking and origin of a sighted indicator, for the sighting's own marking and recipients.
SightedIndicator LookUpIndicator(store::Store& store, const std::string& id) {
  SightedIndicator out;
  auto v = store.GetCurrent(id);
  if (!v) return out;
  out.tlp = v->tlp;
  if (auto meta = model::ReadSocmeshMetadata(v->json); meta && *meta) {
    out.origin_organisation = (*meta)->origin_organisation;
  }
  return out;
}

}  // namespace

Detector::Detector(IndicatorIndex& index, DetectorOptions options, AlertLineSink alerts)
    : index_(index),
      options_(std::move(options)),
      alerts_(std::move(alerts)),
      sightings_(options_.sighting_interval_seconds) {
  if (options_.anomalies) {
    auto sink = [this](const AnomalyAlert& a) { Alert(a); };
    rates_ = std::make_unique<RateBaseline>(options_.rates, sink);
    if (options_.first_seen_enabled) {
      first_seen_ = std::make_unique<FirstSeen>(options_.first_seen, sink);
    }
  }
}

Detector::~Detector() = default;

const std::shared_ptr<const Snapshot>& Detector::CurrentSnapshot() {
  // Read the generation before the snapshot: a snapshot published in between is then at least
  // as new as the generation recorded, and the next call reloads it.
  const uint64_t generation = index_.generation();
  if (snapshot_ == nullptr || generation != snapshot_generation_) {
    snapshot_generation_ = generation;
    snapshot_ = index_.Current();
  }
  return snapshot_;
}

void Detector::Process(const events::Event& event) {
  Drain();
  const EventView view{event.time ? *event.time : WallClock(),
                       event.source,
                       event.format,
                       event.sensor,
                       event.type,
                       event.observables};
  Handle(view, *CurrentSnapshot(), nullptr);
}

void Detector::PrepareQueries(const events::Event& event) {
  queries_.clear();
  for (const events::EventObservable& o : event.observables) queries_.push_back({o.kind, o.value});
}

void Detector::Submit(const events::Event& event) {
  Pending& next = pending_[(oldest_ + in_flight_) % pending_.size()];
  // The copy: one buffer sized up front, so the views taken while filling it stay valid.
  size_t bytes = event.source.size() + event.sensor.size() + event.type.size();
  for (const events::EventObservable& o : event.observables)
    bytes += o.value.size() + o.field.size();
  next.text.clear();
  next.text.reserve(bytes);
  auto keep = [&next](std::string_view v) -> std::string_view {
    const size_t at = next.text.size();
    next.text.append(v);
    return {next.text.data() + at, v.size()};
  };
  next.view.at = event.time ? *event.time : WallClock();
  next.view.source = keep(event.source);
  next.view.format = event.format;
  next.view.sensor = keep(event.sensor);
  next.view.type = keep(event.type);
  next.observables.clear();
  for (const events::EventObservable& o : event.observables) {
    events::EventObservable& copy = next.observables.emplace_back();
    copy.kind = o.kind;
    copy.value = keep(o.value);
    copy.field = keep(o.field);
  }
  next.view.observables = next.observables;
  next.snapshot = CurrentSnapshot();
  PrepareQueries(event);
  next.snapshot->Prepare(queries_, next.lookup);
  // Plain loads of its filter lines as well as the prefetches: see detail::Tables::Load. (Loading
  // them one Submit later instead, two events in flight, measured no better.)
  next.snapshot->Load(next.lookup);
  ++in_flight_;
  // The previous event's filter lines were requested one Submit ago: complete it now.
  if (in_flight_ > kDepth) {
    Finish(pending_[oldest_]);
    oldest_ = (oldest_ + 1) % pending_.size();
    --in_flight_;
  }
}

void Detector::Drain() {
  while (in_flight_ > 0) {
    Finish(pending_[oldest_]);
    oldest_ = (oldest_ + 1) % pending_.size();
    --in_flight_;
  }
}

void Detector::Finish(Pending& p) { Handle(p.view, *p.snapshot, &p.lookup); }

void Detector::Handle(const EventView& e, const Snapshot& snapshot, PreparedLookup* prepared) {
  ++stats_.events;
  const model::Timestamp at = e.at;
  stats_.observables += e.observables.size();
  matches_.clear();
  bool matched = false;
  if (prepared != nullptr) {
    matched = snapshot.Finish(*prepared, matches_) > 0;
  } else {
    // All of an event's lookups in one call: the index plans and prefetches their memory reads
    // together, which is what makes matching fast on a large index (see docs/benchmarks.md).
    queries_.clear();
    for (const events::EventObservable& o : e.observables) queries_.push_back({o.kind, o.value});
    matched = !queries_.empty() && snapshot.LookupMany(queries_, matches_) > 0;
  }
  for (const Match& m : matches_) {
    const events::EventObservable& o = e.observables[m.query];
    ++stats_.matches;
    const std::string indicator = m.indicator->Id();
    if (!sightings_.Record(indicator, o.kind, o.value, at)) ++stats_.sightings_dropped;
    if (!alerts_) continue;
    model::JsonWriter w;
    w.BeginObject().Key("alert").String("indicator-match");
    w.Key("time").String(model::FormatTimestamp(at, true));
    w.Key("indicator").String(indicator);
    w.Key("observable").BeginObject();
    w.Key("kind").String(model::ObservableKindName(o.kind)).Key("value").String(o.value);
    w.Key("field").String(o.field).EndObject();
    w.Key("specificity").Int(m.specificity);
    w.Key("event").BeginObject().Key("source").String(e.source);
    w.Key("format").String(events::EventFormatName(e.format));
    if (!e.sensor.empty()) w.Key("sensor").String(e.sensor);
    if (!e.type.empty()) w.Key("type").String(e.type);
    w.EndObject();
    std::string why =
        std::string(o.field) + " " + std::string(o.value) + " is carried by " + indicator;
    if (m.kind == model::ObservableKind::kIpv4 || m.kind == model::ObservableKind::kIpv6) {
      why += " (network /" + std::to_string(m.specificity) + ")";
    } else if (m.kind == model::ObservableKind::kDomain) {
      why += " (an indicator domain of " + std::to_string(m.specificity) +
             " labels: the value or a parent domain)";
    }
    w.Key("why").String(why).EndObject();
    alerts_(w.str());
  }
  if (matched) ++stats_.events_matched;
  if (rates_) {
    // Keys "<source>" and "<source>/<kind>", counted in the order a per-event Observe of each
    // would have been made, so alerts come out exactly as before batching.
    if (!rate_source_set_ || e.source != rate_source_) {
      SyncRates();
      rate_source_.assign(e.source);
      rate_source_set_ = true;
      source_slot_ = {};
      kind_slots_.fill({});
      for (std::string& k : kind_keys_) k.clear();
    }
    const int64_t interval = rates_->IntervalOf(at);
    CountRate(source_slot_, rate_source_, at, interval);
    for (const events::EventObservable& o : e.observables) {
      const size_t k = static_cast<size_t>(o.kind) & (kind_keys_.size() - 1);
      if (kind_keys_[k].empty()) {
        kind_keys_[k].assign(rate_source_).append("/").append(model::ObservableKindName(o.kind));
      }
      CountRate(kind_slots_[k], kind_keys_[k], at, interval);
    }
  }
  if (first_seen_) {
    const std::string_view from = e.sensor.empty() ? e.source : e.sensor;
    for (const events::EventObservable& o : e.observables) {
      if (o.kind == model::ObservableKind::kDomain) first_seen_->Observe(from, o.value, at);
    }
  }
}

void Detector::CountRate(RateSlot& slot, std::string_view key, model::Timestamp at,
                         int64_t interval) {
  // Same or earlier interval than the key's open one: the baseline would only add one to it.
  if (slot.live && interval <= slot.interval) {
    ++slot.pending;
    return;
  }
  if (slot.pending > 0) {
    rates_->Observe(key, rates_->IntervalStart(slot.interval), slot.pending);
    slot.pending = 0;
  }
  rates_->Observe(key, at);  // may close intervals (and alert), as a per-event call would
  slot.live = true;
  slot.interval = interval;
}

void Detector::SyncRates() {
  if (!rates_ || !rate_source_set_) return;
  auto sync = [this](RateSlot& slot, std::string_view key) {
    if (slot.pending == 0) return;
    rates_->Observe(key, rates_->IntervalStart(slot.interval), slot.pending);
    slot.pending = 0;
  };
  sync(source_slot_, rate_source_);
  for (size_t k = 0; k < kind_slots_.size(); ++k) sync(kind_slots_[k], kind_keys_[k]);
}

void Detector::Alert(const AnomalyAlert& a) {
  ++stats_.anomalies;
  if (!alerts_) return;
  model::JsonWriter w;
  w.BeginObject().Key("alert").String(AnomalyKindName(a.kind));
  w.Key("time").String(model::FormatTimestamp(a.at, true)).Key("key").String(a.key);
  w.Key("observed").Double(a.observed).Key("expected").Double(a.expected);
  w.Key("deviation").Double(a.deviation).Key("why").String(a.explanation).EndObject();
  alerts_(w.str());
}

Result<size_t> Detector::Flush(model::Timestamp now, store::Store* store, bool all) {
  Drain();
  // An idle detector should not keep an index snapshot (and, after a compaction, the old base
  // tables) alive.
  snapshot_.reset();
  for (Pending& p : pending_) p.snapshot.reset();
  SyncRates();
  if (rates_) rates_->Advance(now);
  std::vector<SightingRecord> closed = sightings_.Take(now, all);
  if (closed.empty() || store == nullptr || options_.sighting.identity_id.empty()) return 0;
  std::vector<model::StixObject> batch;
  for (const SightingRecord& r : closed) {
    auto objects =
        SightingObjects(r, options_.sighting, LookUpIndicator(*store, r.indicator_id), WallClock());
    if (!objects) return std::unexpected(objects.error());
    for (auto& o : *objects) batch.push_back(std::move(o));
  }
  auto outcome = store->Ingest(batch);
  if (!outcome) return std::unexpected(outcome.error().WithContext("store sightings"));
  stats_.sightings_written += closed.size();
  return closed.size();
}

}  // namespace socmesh::detect
