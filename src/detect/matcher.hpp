// The real-time indicator matcher index (requirement B2c): normalised observables of live events
// -> the indicators that carry them.
//
// An IndicatorIndex answers "which current indicators carry this value?" for the observables the
// event parsers (events/) extract, at millions of lookups per second per core, while indicators
// are added, replaced, expired and revoked from other threads. What it matches:
//
//  - exact values of every observable kind (IPs, domains, URLs, e-mail, hashes, …), compared in
//    their model::NormalizeObservable form (hash values in binary, case-insensitive);
//  - IP networks (CIDR indicators, IPv4 and IPv6): an address matches every indicator network that
//    contains it. All containing networks are reported, the longest prefix first (each one is a
//    distinct indicator that was sighted). Networks broader than MatcherOptions::min_ipv4_prefix /
//    min_ipv6_prefix (default /8 and /16; "0.0.0.0/0" would flag every event) are not indexed;
//  - domain suffixes: an indicator on "evil.example" matches "evil.example" and "a.b.evil.example"
//    (whole labels only: "notevil.example" does not match), the longest suffix first;
//  - IPv4-mapped IPv6 addresses ("::ffff:192.0.2.1") also match as the IPv4 address.
//
// Readers take an immutable Snapshot (IndicatorIndex::Current()) and look up against it for as
// long as they like; writers publish a new snapshot atomically, so a reader sees a batch of
// updates entirely or not at all. Snapshots share the large base tables and differ by a small
// delta (added indicators) and a list of hidden base indicators; compaction folds the delta into
// a new base off the readers' path. Layout and memory accounting: docs/architecture.md, "detect/".
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "model/observable.hpp"
#include "model/timestamp.hpp"

namespace socmesh::detect {

namespace detail {
class Tables;
class LookupPlan;
struct IndexState;
}  // namespace detail

struct MatcherOptions {
  // IP networks broader than these are skipped (counted in BuildStats::broad_prefixes): an
  // indicator on a /0 or /4 is a data error that would flood every event with sightings.
  int min_ipv4_prefix = 8;
  int min_ipv6_prefix = 16;
  // Bloom filter bits per exact key. Most lookups miss; the filter answers them from ~1/5 of the
  // table's memory (one cache line per probe). 14 bits give about 0.3 % false positives.
  double bloom_bits_per_key = 14;
  // Slots per key of the hash tables are 1/load_factor (linear probing, fingerprints in slots).
  double load_factor = 0.8;
  // The delta (indicators added since the last compaction) is folded into a new base when it holds
  // more than max(compact_min_delta, base size / compact_delta_fraction) indicators.
  size_t compact_min_delta = 4096;
  size_t compact_delta_fraction = 64;
  // true: compaction runs on a thread owned by the index; false: only when Compact() is called.
  bool background_compaction = true;
};

// One indicator as the index takes it.
struct IndicatorEntry {
  std::string id;                               // "indicator--<uuid>"
  model::Timestamp version;                     // the STIX `modified` of this version
  std::optional<model::Timestamp> valid_until;  // expires at this instant (exclusive)
  std::vector<model::Observable> observables;   // normalised (model::NormalizeObservable)
};

// What the index keeps per indicator: 28 bytes, reported with every match.
struct IndicatorRef {
  std::array<uint8_t, 16> uuid{};
  uint32_t version_low = 0;    // `modified` in microseconds, split so the struct packs to 28
  uint32_t version_high = 0;   // bytes (4-byte alignment)
  uint32_t valid_until_s = 0;  // seconds since the epoch, rounded up; 0: no valid_until

  std::string Id() const;  // "indicator--<uuid>" (UUID hex in lower case)
  model::Timestamp Version() const;
  std::optional<model::Timestamp> ValidUntil() const;
};

// One indicator matched by a lookup. `indicator` points into the Snapshot looked up against and is
// valid as long as the caller holds that snapshot.
struct Match {
  const IndicatorRef* indicator = nullptr;
  model::ObservableKind kind = model::ObservableKind::kIpv4;
  // How specific the indicator's value is: for IPs the prefix length of its network (32 / 128 for
  // an address), for domains its number of labels ("evil.example" = 2), otherwise 0.
  uint16_t specificity = 0;
  uint32_t query = 0;  // LookupMany: the index of the query matched (Lookup: 0)
};

// One value to look up (LookupMany).
struct Query {
  model::ObservableKind kind = model::ObservableKind::kIpv4;
  std::string_view normalized_value;
};

// A lookup started with Snapshot::Prepare and completed with Snapshot::Finish: the planned probes
// (values parsed, keys copied, hashes computed). Reusable; one per lookup in flight.
class PreparedLookup {
 public:
  PreparedLookup();
  ~PreparedLookup();
  PreparedLookup(const PreparedLookup&) = delete;
  PreparedLookup& operator=(const PreparedLookup&) = delete;

 private:
  friend class Snapshot;
  std::unique_ptr<detail::LookupPlan> plan_;
};

// Counts from building tables (the base, a delta, or a whole load).
struct BuildStats {
  size_t indicators = 0;      // indexed (after dropping older versions of the same id)
  size_t keys = 0;            // distinct (kind, value) keys
  size_t postings = 0;        // (key, indicator) pairs
  size_t broad_prefixes = 0;  // IP networks skipped for being broader than the minimum
  size_t oversized = 0;       // values longer than 65535 bytes, skipped
  size_t invalid = 0;         // observables that do not parse as their kind, skipped
  size_t superseded = 0;      // older versions dropped in favour of a newer one of the same id
  size_t invalid_ids = 0;     // entries whose id is not "indicator--<uuid>", skipped
};

// An immutable view of the index. Thread-safe: any number of threads may look up concurrently.
class Snapshot {
 public:
  Snapshot(std::shared_ptr<const detail::Tables> base, std::shared_ptr<const detail::Tables> delta,
           std::shared_ptr<const std::vector<uint32_t>> hidden_base);
  ~Snapshot();

  // Appends to `out` (not cleared) one Match per indicator carrying `normalized_value` as `kind`
  // (see the header comment for networks and domain suffixes); returns how many were appended.
  // `normalized_value` must be in model::NormalizeObservable form (hash hex may be either case);
  // a value that is not valid for `kind` matches nothing. Does not allocate once `out` has grown
  // to the largest result (keep one vector per thread and clear it between events).
  size_t Lookup(model::ObservableKind kind, std::string_view normalized_value,
                std::vector<Match>& out) const;

  // Looks up several values at once, typically the observables of one event: the same matches as
  // Lookup on each, with Match::query set, but their memory accesses overlap (every Bloom line is
  // requested before any is read), which is what makes a 5 M-indicator index fast: each event
  // costs about one round trip to memory instead of one per probe. Order: matches in the base
  // tables by query, then those among recent updates by query. Does not allocate once `out` and
  // the calling thread's scratch space have grown to the largest batch.
  size_t LookupMany(std::span<const Query> queries, std::vector<Match>& out) const;

  // LookupMany in two steps, so that a pipeline can overlap one event's memory reads with other
  // work (parsing the next event): Prepare plans `queries` into `lookup` (the values are copied:
  // they need not outlive the call) and starts loading the filter lines they need; Finish, later
  // and on this same snapshot, appends exactly the matches LookupMany would have.
  void Prepare(std::span<const Query> queries, PreparedLookup& lookup) const;
  size_t Finish(PreparedLookup& lookup, std::vector<Match>& out) const;
  // Optional, between Prepare and Finish: reads the filter lines with plain loads (see
  // detail::Tables::Load for why a pipeline wants both).
  void Load(const PreparedLookup& lookup) const;

  size_t indicator_count() const;   // indicators visible in this snapshot
  size_t delta_indicators() const;  // of which in the delta (not yet compacted)
  // Every byte this snapshot's structures hold (tables, arena, Bloom filter, side table, delta).
  size_t MemoryBytes() const;

  const detail::Tables& base() const { return *base_; }
  const detail::Tables& delta() const { return *delta_; }
  const std::vector<uint32_t>& hidden_base() const { return *hidden_base_; }

 private:
  std::shared_ptr<const detail::Tables> base_;
  std::shared_ptr<const detail::Tables> delta_;
  std::shared_ptr<const std::vector<uint32_t>> hidden_base_;  // sorted base indicator numbers
};

// A batch of changes published atomically: readers see all of it or none of it.
struct UpdateBatch {
  // New indicators and new versions. A version older than or equal to the one indexed is ignored
  // (counted as stale); a newer one replaces the old version's observables.
  std::vector<IndicatorEntry> upserts;
  // Ids to remove (revoked, deleted, or expired by the caller's clock).
  std::vector<std::string> removals;
};

struct UpdateStats {
  size_t added = 0;      // ids not indexed before
  size_t replaced = 0;   // newer versions of indexed ids
  size_t stale = 0;      // upserts not newer than the indexed version
  size_t removed = 0;    // removals (and expiries) that hid an indexed indicator
  size_t not_found = 0;  // removals of ids not indexed
  size_t invalid = 0;    // entries whose id is not "indicator--<uuid>"
};

// The live index: one writer side (Apply / ExpireBefore / Compact, serialised internally) and any
// number of readers (Current). Thread-safe.
class IndicatorIndex {
 public:
  // Builds the index from `entries` (several versions of one id: the newest wins). Entries whose
  // id is not "indicator--<uuid>" are skipped (BuildStats::invalid_ids), as are observables that
  // cannot be indexed (see BuildStats). Errors: kInvalidArgument for bad options, kTooLarge
  // beyond 2^31 indicators or a 4 GiB arena.
  static Result<std::unique_ptr<IndicatorIndex>> Create(std::span<const IndicatorEntry> entries,
                                                        const MatcherOptions& options = {},
                                                        BuildStats* stats = nullptr);
  // Takes already-built base tables (BuildFromStore and the benchmark build them incrementally).
  static Result<std::unique_ptr<IndicatorIndex>> Create(std::shared_ptr<const detail::Tables> base,
                                                        const MatcherOptions& options);
  ~IndicatorIndex();
  IndicatorIndex(const IndicatorIndex&) = delete;
  IndicatorIndex& operator=(const IndicatorIndex&) = delete;

  // The current snapshot. Cheap (an atomic shared_ptr load): take one per batch of events.
  std::shared_ptr<const Snapshot> Current() const { return current_.load(); }
  // Bumped after each published snapshot. A reader that keeps a snapshot reloads Current() only
  // when this changed: one plain load per event instead of the shared_ptr's atomic operations.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  // Applies `batch` and publishes it as one new snapshot. Cost: O(batch + delta) (the delta's
  // small tables are rebuilt); may wake the background compaction.
  Result<UpdateStats> Apply(const UpdateBatch& batch);

  // Removes every indicator whose valid_until is at or before `now` (whole seconds, rounded up),
  // in one new snapshot. Scans the base's side table: O(indicators), ~10 ms per million.
  Result<UpdateStats> ExpireBefore(model::Timestamp now);

  // Folds the delta and the hidden base indicators into new base tables, built without blocking
  // readers or Apply; updates applied meanwhile are carried over. Returns the build's stats.
  Result<BuildStats> Compact();

  // Bytes of the current snapshot plus the writer's copy of the delta entries.
  size_t MemoryBytes() const;

 private:
  IndicatorIndex(std::shared_ptr<const detail::Tables> base, const MatcherOptions& options);
  void Publish();                // REQUIRES: mu_ held
  bool NeedsCompaction() const;  // REQUIRES: mu_ held
  void CompactionLoop(std::stop_token stop);

  MatcherOptions options_;
  mutable std::mutex mu_;                      // serialises writers; readers never take it
  std::unique_ptr<detail::IndexState> state_;  // GUARDED_BY(mu_)
  std::atomic<std::shared_ptr<const Snapshot>> current_;
  std::atomic<uint64_t> generation_{0};
  std::mutex compact_mu_;  // one compaction at a time
  std::mutex wake_mu_;
  bool wake_ = false;  // GUARDED_BY(wake_mu_): the delta outgrew its bound
  std::condition_variable_any compact_wake_;
  std::jthread compactor_;  // last member: stopped and joined first
};

}  // namespace socmesh::detect
