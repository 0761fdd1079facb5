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

void Detector::Process(const events::Event& event) {
  ++stats_.events;
  const model::Timestamp at = event.time.value_or(WallClock());
  const std::shared_ptr<const Snapshot> snapshot = index_.Current();
  // All of an event's lookups in one call: the index plans and prefetches their memory reads
  // together, which is what makes matching fast on a large index (see docs/benchmarks.md).
  queries_.clear();
  for (const events::EventObservable& o : event.observables) queries_.push_back({o.kind, o.value});
  stats_.observables += queries_.size();
  matches_.clear();
  const bool matched = !queries_.empty() && snapshot->LookupMany(queries_, matches_) > 0;
  for (const Match& m : matches_) {
    const events::EventObservable& o = event.observables[m.query];
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
    w.Key("event").BeginObject().Key("source").String(event.source);
    w.Key("format").String(events::EventFormatName(event.format));
    if (!event.sensor.empty()) w.Key("sensor").String(event.sensor);
    if (!event.type.empty()) w.Key("type").String(event.type);
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
    rates_->Observe(event.source, at);
    for (const events::EventObservable& o : event.observables) {
      line_.assign(event.source).append("/").append(model::ObservableKindName(o.kind));
      rates_->Observe(line_, at);
    }
  }
  if (first_seen_) {
    const std::string_view from = event.sensor.empty() ? event.source : event.sensor;
    for (const events::EventObservable& o : event.observables) {
      if (o.kind == model::ObservableKind::kDomain) first_seen_->Observe(from, o.value, at);
    }
  }
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
