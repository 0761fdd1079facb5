// Curation of an ingest batch before it is stored (B2a, B2b, E7): warning lists, and one indicator
// per observable across sources.
//
// Consolidation. A local indicator (see CurateOptions::local_creators) whose pattern is a single
// equality on one observable (`[ipv4-addr:value = '198.51.100.7']`) is folded into the current,
// non-revoked, unexpired local indicator that already carries that observable — in the store or
// earlier in the same batch — instead of being stored as a second indicator:
//  - the kept indicator gets a new version whose socmesh extension `provenance` (model/
//    socmesh_extension.hpp) has the batch's source appended, or that source's `last_seen` moved;
//  - its confidence is the combination of the sources' confidences (CombineConfidence);
//  - references to the dropped id in the batch's local relationships, sightings, reports, … are
//    rewritten to the kept id.
// Idempotent: a batch that brings nothing new (same sources, last_seen moved by less than
// `refresh_granularity`, same confidences) writes no version at all.
//
// Why only local objects: in STIX 2.1 (section 3.6) only an object's creator may version it. A new
// version of a peer's indicator would be a version its creator never made, outside its origin
// signature (E3), and peers would see two diverging histories of one id. Indicators that socmesh's
// own importers minted from feeds (deterministic ids under a feed identity) are this node's to
// version. Peers' indicators stay as they are; a warning-list flag on them is reported, not
// written.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "curate/warninglist.hpp"
#include "model/stix_object.hpp"
#include "store/store.hpp"

namespace socmesh::curate {

// How warning lists act: kOff ignores them; kFlag flags every match (nothing is dropped, the
// default: no indicator disappears without an operator asking for it); kDrop lets each list's own
// action apply (lists with action "drop" drop, the others flag).
enum class WarningMode { kOff, kFlag, kDrop };

std::optional<WarningMode> ParseWarningMode(std::string_view name);  // "off", "flag", "drop"

struct CurateOptions {
  // Provenance of this batch: the source name (a feed preset such as "stamparm-ipsum", or
  // "text:<file>") and an optional reference (URL or record id).
  std::string source;
  std::string reference;
  // created_by_ref ids whose indicators this node owns (its feed identities); anything else is
  // never rewritten.
  std::unordered_set<std::string> local_creators;
  // Source names of local creators, to seed the provenance of indicators stored before curation.
  std::unordered_map<std::string, std::string> creator_sources;
  model::Timestamp now;
  // A source's last_seen is moved (a new version written) only when it advances by this much.
  int64_t refresh_granularity_micros = int64_t{24} * 3600 * 1'000'000;
  bool consolidate = true;
  const WarningLists* warninglists = nullptr;  // nullptr: no warning lists
  WarningMode warning_mode = WarningMode::kFlag;
  // A flagged indicator's confidence is lowered to at most this (STIX scale 0..100).
  int flagged_confidence_cap = 10;
  // Confidence assumed for a flagged indicator without one.
  int default_confidence = 50;
};

struct DroppedIndicator {
  std::string id;
  std::string observable;  // "ipv4 10.0.0.1"
  std::string list;        // the warning list that dropped it
};

struct CurateReport {
  size_t indicators = 0;            // indicators in the batch
  size_t consolidated = 0;          // indicators folded into another id (not stored themselves)
  size_t new_versions = 0;          // new versions of stored indicators written
  size_t unchanged = 0;             // stored indicators the batch brought nothing new to
  size_t flagged = 0;               // indicators flagged by a warning list (local: labelled)
  size_t flag_not_written = 0;      // of those, peers' indicators: reported only
  size_t references_rewritten = 0;  // objects whose references were rewritten
  std::vector<DroppedIndicator> dropped;
  std::vector<std::pair<std::string, std::string>> merged;  // (dropped id, kept id)
};

struct CuratedBatch {
  std::vector<model::StixObject> objects;  // what to store
  CurateReport report;
};

// Curates `batch` against `store` (read only here; the caller stores `objects`). The store is
// asked once per batch (Store::ScanByObservables) for the indicators that carry the batch's
// observables. `batch` must be validated objects (model::ParseStixObject); objects curation
// derives from them are not parsed again, new versions of stored indicators are. Errors: store
// errors, kInvalidArgument for confidence options outside 0..100, and kInternal when a rewritten
// object fails validation (a bug, never the input's fault).
Result<CuratedBatch> CurateBatch(std::span<const model::StixObject> batch, store::Store& store,
                                 const CurateOptions& options);

// Combined confidence of independent sources (noisy-OR): 100 * (1 - Π(1 - c_i/100)), rounded to
// the nearest integer. Two sources at 50 give 75; one at 100 gives 100; no source gives nullopt.
// Why noisy-OR: each extra independent report raises confidence but never beyond certainty, and
// the order of sources does not matter. Feeds are not always independent (aggregators re-list
// others), so feeds without a stated confidence contribute nothing rather than a guess.
std::optional<int> CombineConfidence(const std::vector<int>& confidences);

// True when `pattern` is a single equality comparison in one observation expression
// (`[type:path = 'value']`), the only indicators consolidation merges.
bool IsSingleComparisonPattern(std::string_view pattern);

}  // namespace socmesh::curate
