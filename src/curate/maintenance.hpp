// The scheduled maintenance pass (E8): decay scores, expiry and optional revocation.
//
// Federation shapes this: a STIX version written for every score change would send every
// indicator to every peer every day. So the score stays local and derived — recomputed from STIX
// data (confidence, provenance, sightings, valid_until; decay.hpp) and cached in a small side
// SQLite file next to the store (`<store file>.curate`, one row per indicator id). Only real
// lifecycle changes become STIX versions: a local indicator expired for longer than
// `revoke_after` gets a revoked version (off unless configured).
#pragma once

#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/error.hpp"
#include "curate/decay.hpp"
#include "store/store.hpp"

namespace socmesh::curate {

enum class IndicatorStatus { kActive, kExpired, kRevoked };
std::string_view IndicatorStatusName(IndicatorStatus status);  // "active", "expired", "revoked"

struct IndicatorState {
  std::string id;
  IndicatorStatus status = IndicatorStatus::kActive;
  double base = 0;   // confidence the score starts from
  double score = 0;  // 0..100
  model::Timestamp last_seen;
  std::optional<model::Timestamp> expired_since;
  std::string reason;  // "score 12.5 below 20", "valid_until 2024-01-01T00:00:00.000Z passed"
};

struct MaintenanceOptions {
  model::Timestamp now;
  DecayPolicy policy = DecayPolicy::Defaults();
  bool dry_run = false;  // compute and report; write neither the state file nor the store
  // created_by_ref ids of this node (consolidate.hpp); only their indicators may be revoked.
  std::unordered_set<std::string> local_creators;
};

struct MaintenanceReport {
  size_t indicators = 0;  // current indicator versions looked at
  size_t active = 0;
  size_t expired = 0;        // expired now (score or valid_until), revoked ones not counted
  size_t newly_expired = 0;  // expired now but not at the previous pass
  size_t revoked = 0;        // indicators revoked before this pass
  size_t revocations = 0;    // revoked versions written by this pass
  size_t sightings = 0;      // sightings that refreshed an indicator
  std::vector<IndicatorState> states;  // every indicator, in store order
};

// The side file of a store location ("sqlite:/x/store.db" or "/x/store.db" ->
// "/x/store.db.curate").
std::string StatePathForStore(const std::string& store_location);

// Runs one pass over `store`, reading and (unless dry_run) updating the state file `state_path`.
// Errors: store errors; kStorage for the state file.
Result<MaintenanceReport> RunMaintenance(store::Store& store, const std::string& state_path,
                                         const MaintenanceOptions& options);

// The cached state of one indicator; nullopt when the pass has not seen it.
Result<std::optional<IndicatorState>> ReadIndicatorState(const std::string& state_path,
                                                         const std::string& id);

}  // namespace socmesh::curate
