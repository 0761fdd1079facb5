// The immutable lookup structures behind a Snapshot, and their builder.
//
// Memory per indicator is the design constraint (<= 64 bytes at 5 M indicators, everything
// counted), so nothing here holds a pointer or a std::string per entry:
//   side_     28-byte IndicatorRef per indicator, sorted by UUID (its index is the indicator's
//             number; ids are found by binary search, so no id hash table is needed)
//   v4_       IPv4 addresses: 8-byte slots {address, posting}, the key itself in the slot
//   slots_    every other key: 8-byte slots {32-bit fingerprint, arena offset}, linear probing
//   arena_    records [u32 posting][length: 1 byte, or 0xFF + u16][key bytes], back to back
//   multi_    postings of keys carried by several indicators: [count, number, number, …]
//   bloom_    blocked Bloom filter over the exact keys: most lookups miss and stop here
//   cover4_   one bit per IPv4 /24 that some indicator network overlaps (2 MiB, only when IPv4
//             networks exist): addresses outside every network skip the per-length probes
// A posting is an indicator number, or kMultiBit | offset into multi_.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "detect/detail/bloom.hpp"
#include "detect/detail/huge_pages.hpp"
#include "detect/detail/key.hpp"
#include "detect/matcher.hpp"

namespace socmesh::detect::detail {

using Uuid = std::array<uint8_t, 16>;

// Parses "indicator--<8-4-4-4-12 hex>" (either case). nullopt otherwise.
std::optional<Uuid> ParseIndicatorId(std::string_view id);

// Microseconds -> whole seconds rounded up (0 stays "none"; instants before 1970 are clamped).
uint32_t CeilSeconds(model::Timestamp t);

// Which network lengths and domain label counts a table holds: lookups only probe those.
struct TableMasks {
  uint64_t v4_lengths = 0;               // bit L: IPv4 networks /L (L < 32)
  std::array<uint64_t, 3> v6_lengths{};  // bit L (0..128): IPv6 keys /L
  uint64_t domain_labels = 0;            // bit n: domains of n labels (bit 63: 63 or more)
  uint64_t kinds = 0;                    // bit k: some key of ObservableKind k (lookups of other
                                         // text kinds cost no probe: user agents, file names, …)

  TableMasks& operator|=(const TableMasks& o) {
    v4_lengths |= o.v4_lengths;
    kinds |= o.kinds;
    for (size_t i = 0; i < v6_lengths.size(); ++i) v6_lengths[i] |= o.v6_lengths[i];
    domain_labels |= o.domain_labels;
    return *this;
  }
};

// One probe of a lookup: planned once (value parsed, key written, hash computed), then run
// against the base and the delta tables.
struct Probe {
  enum class Type : uint8_t {
    kIpv4Address,   // the IPv4 address table; `address`
    kKey,           // Bloom filter, then the key table
    kIpv4Networks,  // every IPv4 network containing `address` (event prefix `prefix`)
    kAlias,         // a query equal to an earlier one (`address`): its matches, copied
  };
  Type type = Type::kKey;
  model::ObservableKind kind = model::ObservableKind::kIpv4;
  uint8_t prefix = 32;
  bool pass = false;  // set by Tables::Run: the filter let it through
  uint16_t specificity = 0;
  uint32_t query = 0;
  uint32_t address = 0;
  uint32_t key_offset = 0;  // into LookupPlan::keys
  uint32_t key_size = 0;
  uint64_t hash = 0;        // of the key: picks the table slot
  uint64_t bloom_hash = 0;  // what the Bloom filter is probed with (DomainBloomHash for domains)
};

// The probes of one batch of queries (the observables of an event).
class LookupPlan {
 public:
  void Clear() {
    probes_.clear();
    keys_.clear();
    queries_ = 0;
  }
  // Adds the probes for `value` as `kind`; `masks` (of every table to be probed) bound the
  // network lengths and domain suffixes tried. A value that does not parse adds nothing.
  // Queries are added in order, 0, 1, 2, …
  void Add(uint32_t query, model::ObservableKind kind, std::string_view value,
           const TableMasks& masks);
  // Query `query` has the same kind and value as the earlier query `same_as`: no probes of its
  // own; Tables::Run reports a copy of each match of `same_as` for it, in its place.
  void AddAlias(uint32_t query, uint32_t same_as);

  std::span<Probe> probes() { return probes_; }
  std::span<const Probe> probes() const { return probes_; }
  // Per query, the range of `out` its matches took in the current Tables::Run (for aliases).
  std::vector<std::pair<size_t, size_t>>& ranges() { return ranges_; }
  uint32_t query_count() const { return queries_; }
  std::string_view key(const Probe& p) const { return {keys_.data() + p.key_offset, p.key_size}; }

 private:
  void AddIp(uint32_t query, const IpNetwork& net, const TableMasks& masks);
  void AddKey(uint32_t query, model::ObservableKind kind, uint16_t specificity,
              std::string_view key);

  std::vector<Probe> probes_;
  std::string keys_;
  std::vector<std::pair<size_t, size_t>> ranges_;
  uint32_t queries_ = 0;  // highest query number added + 1
};

class Tables {
 public:
  static constexpr uint32_t kEmpty = 0xFFFFFFFFU;
  static constexpr uint32_t kMultiBit = 0x80000000U;

  // Runs the probes of `plan` against these tables and appends the matches, in probe order.
  // Memory accesses overlap: every filter line is prefetched first, then every table slot that
  // passed, then the slots are read. `hidden`: sorted indicator numbers to leave out (or nullptr).
  void Run(LookupPlan& plan, const std::vector<uint32_t>* hidden, std::vector<Match>& out) const;
  // Starts loading the filter lines `plan` will read (what Run does first), without waiting.
  void Prefetch(const LookupPlan& plan) const;
  // The same with plain loads of each line (see the .cpp for why both exist).
  void Load(const LookupPlan& plan) const;
  TableMasks masks() const { return masks_; }

  std::span<const IndicatorRef> indicators() const { return side_; }
  bool empty() const { return side_.empty(); }
  // The number of the indicator with this UUID (binary search), nullopt when absent.
  std::optional<uint32_t> Find(const Uuid& uuid) const;
  // Calls `visit(key, numbers)` for every key (compaction rebuilds from this).
  void ForEachKey(
      const std::function<void(std::string_view, std::span<const uint32_t>)>& visit) const;
  size_t MemoryBytes() const;
  size_t key_count() const { return key_count_; }

 private:
  friend class TablesBuilder;
  struct Slot {
    uint32_t fingerprint;
    uint32_t offset;
  };
  struct V4Slot {
    uint32_t address;
    uint32_t posting;
  };

  // The arena record at `offset`: its posting and key.
  uint32_t PostingAt(uint32_t offset) const;
  std::string_view KeyAt(uint32_t offset) const;
  // Returns the arena offset of `key`, or kEmpty.
  uint32_t FindKey(std::string_view key, uint64_t hash) const;
  // The IPv4 address table's posting for `address`, or kEmpty.
  uint32_t FindAddress(uint32_t address, uint64_t hash) const;
  void RunNetworks4(const Probe& p, const std::vector<uint32_t>* hidden,
                    std::vector<Match>& out) const;
  // Resolves a posting to numbers; `one` holds a single number.
  std::span<const uint32_t> Numbers(uint32_t posting, uint32_t& one) const;
  void Emit(uint32_t posting, const Probe& p, uint16_t specificity,
            const std::vector<uint32_t>* hidden, std::vector<Match>& out) const;
  bool Covered4(uint32_t address) const {
    const uint32_t bit = address >> 8;
    return !cover4_.empty() && (cover4_[bit >> 6] >> (bit & 63) & 1) != 0;
  }

  HugeVector<IndicatorRef> side_;
  HugeVector<V4Slot> v4_;
  HugeVector<Slot> slots_;
  HugeVector<char> arena_;
  HugeVector<uint32_t> multi_;
  BlockedBloom bloom_;
  HugeVector<uint64_t> cover4_;
  TableMasks masks_;
  uint32_t fingerprint_mask_ = 0xFFFFFFFFU;
  size_t key_count_ = 0;
};

// Collects indicators and their keys, then builds Tables in one go. Not thread-safe.
class TablesBuilder {
 public:
  // `fingerprint_mask` < 0xFFFFFFFF only in tests: it forces fingerprint collisions so that key
  // comparison is what tells keys apart.
  explicit TablesBuilder(const MatcherOptions& options, uint32_t fingerprint_mask = 0xFFFFFFFFU);

  // Adds an indicator; returns its provisional number, nullopt when `id` is not an indicator id.
  std::optional<uint32_t> AddIndicator(std::string_view id, model::Timestamp version,
                                       std::optional<model::Timestamp> valid_until);
  uint32_t AddIndicator(const IndicatorRef& ref);
  // Adds an observable of indicator `number`; values that cannot be indexed are counted.
  void AddObservable(uint32_t number, const model::Observable& observable);
  // Adds an already-encoded key (from Tables::ForEachKey).
  void AddKey(uint32_t number, std::string_view key);

  size_t indicator_count() const { return side_.size(); }

  // Builds the tables (several versions of one UUID: the newest wins). Errors: kTooLarge beyond
  // 2^31 indicators or a 4 GiB arena. The builder is empty afterwards.
  Result<std::shared_ptr<const Tables>> Build(BuildStats* stats = nullptr);

 private:
  MatcherOptions options_;
  uint32_t fingerprint_mask_;
  std::vector<IndicatorRef> side_;
  std::string raw_;  // [u32 provisional number][u16 key length][key], back to back
  BuildStats stats_;
};

}  // namespace socmesh::detect::detail
