// Loading the matcher index from the indicator store (B2c): what a node does at start-up and
// whenever it rebuilds the index from scratch.
#pragma once

#include <memory>

#include "core/error.hpp"
#include "detect/matcher.hpp"
#include "model/timestamp.hpp"
#include "store/store.hpp"

namespace socmesh::detect {

struct LoadStats {
  size_t scanned = 0;              // current, non-revoked indicator versions read
  size_t expired = 0;              // left out: valid_until at or before `now`
  size_t not_stix_pattern = 0;     // left out: pattern_type other than "stix" (no observables)
  size_t without_observables = 0;  // STIX patterns without an equality the index can use
  size_t unreadable = 0;           // stored JSON that did not parse (should not happen)
  BuildStats build;                // of the tables built from the rest
};

// Builds an index of the current, non-revoked `indicator` objects of `store` that are not past
// their `valid_until` at `now`. Observables come from the indicators' STIX patterns
// (model::ExtractPatternObservables: the equality comparisons, including MISP's network-traffic
// address refs). Indicators whose `valid_from` is still ahead of `now` are included (the index has
// no scheduled activation; such indicators are rare and a sighting of them is still informative).
// Streams the store: memory is the index plus one object at a time. Errors: those of
// Store::Scan, and of IndicatorIndex::Create.
Result<std::unique_ptr<IndicatorIndex>> BuildFromStore(store::Store& store, model::Timestamp now,
                                                       const MatcherOptions& options = {},
                                                       LoadStats* stats = nullptr);

}  // namespace socmesh::detect
