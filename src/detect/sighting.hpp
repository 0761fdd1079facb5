// Turning matches into STIX sightings (B2c output, issue 7 item 5).
//
// A busy sensor can match the same indicator thousands of times a minute; one STIX sighting per
// match would flood the store and every peer. Matches are therefore aggregated per (indicator,
// observable, interval): one `sighting` per key with `count`, `first_seen` and `last_seen`, plus
// the `observed-data` (and its SCO) that says what was seen. Ids are deterministic (UUIDv5 of the
// key and this organisation), so reprocessing the same events yields the same objects and
// federation's idempotent apply drops duplicates.
//
// Sightings are owned by this organisation (`created_by_ref`, `where_sighted_refs`) and carry the
// socmesh extension with the indicator's origin organisation as explicit recipient, so the sharing
// policy can send them back to whoever published the indicator (ARCHITECTURE.md §4, flow 3).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/error.hpp"
#include "model/observable.hpp"
#include "model/stix_object.hpp"
#include "model/timestamp.hpp"
#include "model/tlp.hpp"

namespace socmesh::detect {

// Who sights: this node's organisation.
struct SightingContext {
  std::string identity_id;   // "identity--…" of the organisation (created_by_ref, where_sighted)
  std::string organisation;  // its name (certificate O=)
  std::string country;       // ISO 3166-1 alpha-2, may be empty
};

// One aggregated key: an indicator seen through one observable value during one interval.
struct SightingRecord {
  std::string indicator_id;
  model::Observable observable;
  model::Timestamp interval_start;
  model::Timestamp first_seen;
  model::Timestamp last_seen;
  uint64_t count = 0;
};

class SightingAggregator {
 public:
  explicit SightingAggregator(int64_t interval_seconds = 300, size_t max_open = 1'000'000);

  // Counts one match. Returns false (and counts it in dropped()) when `max_open` keys are already
  // open: memory stays bounded under a flood; Flush early to avoid it.
  bool Record(std::string_view indicator_id, model::ObservableKind kind, std::string_view value,
              model::Timestamp at);

  // Removes and returns the records whose interval ended at or before `now` (all with `all`).
  std::vector<SightingRecord> Take(model::Timestamp now, bool all = false);

  size_t open() const { return open_.size(); }
  uint64_t dropped() const { return dropped_; }

 private:
  using Key = std::tuple<int64_t, std::string, model::ObservableKind, std::string>;
  int64_t interval_micros_;
  size_t max_open_;
  std::map<Key, SightingRecord> open_;  // ordered by interval first: Take stops early
  uint64_t dropped_ = 0;
};

// What the sighting needs to know about the indicator it refers to (from the store).
struct SightedIndicator {
  std::optional<model::Tlp> tlp;    // the sighting is marked at least as strictly
  std::string origin_organisation;  // recipient of the sighting; empty when unknown
};

// The STIX objects of one record: the SCO of the observable (when the kind has one), the
// observed-data referring to it, and the sighting — valid, canonical, ready for Store::Ingest.
// `now` becomes created/modified. Errors: kInvalidArgument when the context has no identity id.
Result<std::vector<model::StixObject>> SightingObjects(const SightingRecord& record,
                                                       const SightingContext& context,
                                                       const SightedIndicator& indicator,
                                                       model::Timestamp now);

// The SCO JSON for an observable ({"type":"ipv4-addr","value":…}, a file with one hash, …) without
// id; nullopt for kinds STIX has no SCO for (user agents).
std::optional<std::string> ScoForObservable(const model::Observable& observable);

}  // namespace socmesh::detect
