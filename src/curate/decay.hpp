// Decay of indicators (E8): how much an indicator is still worth, as a score that falls with the
// time since it was last seen and is refreshed by new sightings and new reports.
//
//   score(now) = base * 2^(-age / half_life)       age = max(0, now - last_seen)
//
//   base       the indicator's confidence (combined over its sources, consolidate.hpp), or
//              `default_confidence` when it states none;
//   last_seen  the latest of: the newest provenance last_seen of the socmesh extension, the
//              indicator's `modified`, and the last_seen (else modified) of every STIX sighting
//              whose sighting_of_ref names it;
//   half_life  per observable kind (addresses churn in days, domains in weeks, hashes never:
//              a malicious file stays malicious — half_life 0 means no decay).
//
// An indicator is expired when its score is below `expire_below` or its valid_until has passed.
// Compared with MISP's polynomial decaying models and OpenCTI's decay rules: one parameter per
// kind, a closed formula anyone can recompute from the STIX data, and the score is local — it is
// never written into STIX (see maintenance.hpp).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "model/observable.hpp"
#include "model/timestamp.hpp"

namespace socmesh::curate {

inline constexpr int64_t kMicrosPerDay = int64_t{86400} * 1'000'000;

struct DecayPolicy {
  std::map<model::ObservableKind, int64_t> half_life_micros;  // missing kinds: default
  int64_t default_half_life_micros = 30 * kMicrosPerDay;
  int default_confidence = 50;
  double expire_below = 20.0;
  // Write a revoked version of local indicators expired for this long (nullopt: never).
  std::optional<int64_t> revoke_after_micros;

  // The shipped defaults: ipv4/ipv6 14 d, url 30 d, domain 60 d, email 90 d, asn 180 d,
  // hashes / file names / mutexes / registry keys 0 (no decay), others 30 d.
  static DecayPolicy Defaults();
  int64_t HalfLife(std::optional<model::ObservableKind> kind) const;
};

// base * 2^(-age/half_life), age clamped at 0; half_life <= 0 returns base.
double DecayScore(double base, model::Timestamp last_seen, model::Timestamp now,
                  int64_t half_life_micros);

// Parses "14d", "12h", "90m", "30s", "2w" or "0" into microseconds. kInvalidArgument otherwise.
Result<int64_t> ParseDuration(std::string_view text);

// Reads a TOML policy file over the defaults:
//   expire_below = 20.0
//   default_confidence = 50
//   default_half_life = "30d"
//   revoke_after = "90d"            # optional; absent: never revoke
//   [half_life]
//   ipv4 = "14d"                    # keys are observable kind names (model::ObservableKindName)
// Errors: kIo, kParse with the file's own line, kInvalidArgument naming the key.
Result<DecayPolicy> LoadDecayPolicy(const std::string& path);

}  // namespace socmesh::curate
