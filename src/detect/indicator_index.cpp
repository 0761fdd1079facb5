// The writer side of the matcher index: batches of upserts and removals, expiry, compaction.
//
// State = base tables (large, immutable, shared by every snapshot) + `hidden` (base indicators
// removed or replaced since the base was built) + `delta` (indicators added since, kept as entries
// by the writer and as small tables in the snapshot). Every change publishes a new Snapshot with
// one atomic store, so readers never see half a batch. Compaction builds a new base from a copy of
// the state without holding the writer lock, then carries over what changed meanwhile.
#include <algorithm>
#include <map>
#include <unordered_set>

#include "detect/detail/tables.hpp"
#include "detect/matcher.hpp"

namespace socmesh::detect {

namespace detail {

struct DeltaEntry {
  model::Timestamp version;
  std::optional<model::Timestamp> valid_until;
  std::vector<model::Observable> observables;
};

struct IndexState {
  std::shared_ptr<const Tables> base;
  std::vector<uint32_t> hidden;  // sorted base numbers
  std::map<Uuid, DeltaEntry> delta;
};

}  // namespace detail

namespace {

using detail::DeltaEntry;
using detail::Tables;
using detail::TablesBuilder;
using detail::Uuid;

Result<void> CheckOptions(const MatcherOptions& o) {
  if (o.min_ipv4_prefix < 0 || o.min_ipv4_prefix > 32 || o.min_ipv6_prefix < 0 ||
      o.min_ipv6_prefix > 128) {
    return Fail(ErrorCode::kInvalidArgument,
                "matcher: minimum prefix lengths must be 0-32 (IPv4) and 0-128 (IPv6)");
  }
  if (!(o.load_factor >= 0.1 && o.load_factor <= 0.95)) {
    return Fail(ErrorCode::kInvalidArgument, "matcher: load_factor must be within 0.1-0.95");
  }
  if (!(o.bloom_bits_per_key >= 1 && o.bloom_bits_per_key <= 64)) {
    return Fail(ErrorCode::kInvalidArgument, "matcher: bloom_bits_per_key must be within 1-64");
  }
  if (o.compact_delta_fraction == 0) {
    return Fail(ErrorCode::kInvalidArgument, "matcher: compact_delta_fraction must be > 0");
  }
  return {};
}

std::string IdOf(const Uuid& uuid) {
  IndicatorRef r;
  r.uuid = uuid;
  return r.Id();
}

bool IsHidden(const std::vector<uint32_t>& hidden, uint32_t n) {
  return std::binary_search(hidden.begin(), hidden.end(), n);
}

Result<std::shared_ptr<const Tables>> BuildDelta(const std::map<Uuid, DeltaEntry>& delta,
                                                 const MatcherOptions& options) {
  TablesBuilder builder(options);
  for (const auto& [uuid, e] : delta) {
    const std::optional<uint32_t> n = builder.AddIndicator(IdOf(uuid), e.version, e.valid_until);
    if (!n) continue;  // cannot happen: the UUID came from a parsed id
    for (const model::Observable& o : e.observables) builder.AddObservable(*n, o);
  }
  return builder.Build();
}

}  // namespace

Result<std::unique_ptr<IndicatorIndex>> IndicatorIndex::Create(
    std::span<const IndicatorEntry> entries, const MatcherOptions& options, BuildStats* stats) {
  if (auto ok = CheckOptions(options); !ok) return std::unexpected(ok.error());
  TablesBuilder builder(options);
  size_t invalid_ids = 0;
  for (const IndicatorEntry& e : entries) {
    const std::optional<uint32_t> n = builder.AddIndicator(e.id, e.version, e.valid_until);
    if (!n) {
      ++invalid_ids;
      continue;
    }
    for (const model::Observable& o : e.observables) builder.AddObservable(*n, o);
  }
  Result<std::shared_ptr<const Tables>> base = builder.Build(stats);
  if (!base) return std::unexpected(base.error());
  if (stats != nullptr) stats->invalid_ids = invalid_ids;
  return Create(std::move(*base), options);
}

Result<std::unique_ptr<IndicatorIndex>> IndicatorIndex::Create(
    std::shared_ptr<const detail::Tables> base, const MatcherOptions& options) {
  if (auto ok = CheckOptions(options); !ok) return std::unexpected(ok.error());
  if (base == nullptr) return Fail(ErrorCode::kInvalidArgument, "matcher: no base tables");
  return std::unique_ptr<IndicatorIndex>(new IndicatorIndex(std::move(base), options));
}

IndicatorIndex::IndicatorIndex(std::shared_ptr<const detail::Tables> base,
                               const MatcherOptions& options)
    : options_(options), state_(std::make_unique<detail::IndexState>()) {
  state_->base = std::move(base);
  {
    std::lock_guard lock(mu_);
    Publish();
  }
  if (options_.background_compaction) {
    compactor_ = std::jthread([this](std::stop_token stop) { CompactionLoop(stop); });
  }
}

IndicatorIndex::~IndicatorIndex() {
  if (compactor_.joinable()) {
    compactor_.request_stop();
    compactor_.join();
  }
}

void IndicatorIndex::Publish() {
  // Building the delta's tables cannot fail for lack of room (the delta is far below 2^31).
  Result<std::shared_ptr<const Tables>> delta = BuildDelta(state_->delta, options_);
  auto snapshot = std::make_shared<const Snapshot>(
      state_->base, delta ? *delta : std::make_shared<const Tables>(),
      std::make_shared<const std::vector<uint32_t>>(state_->hidden));
  current_.store(std::move(snapshot));
  generation_.fetch_add(1, std::memory_order_release);
}

bool IndicatorIndex::NeedsCompaction() const {
  const size_t bound = std::max(options_.compact_min_delta, state_->base->indicators().size() /
                                                                options_.compact_delta_fraction);
  return state_->delta.size() + state_->hidden.size() > bound;
}

Result<UpdateStats> IndicatorIndex::Apply(const UpdateBatch& batch) {
  UpdateStats stats;
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    detail::IndexState& s = *state_;
    std::unordered_set<uint32_t> newly_hidden;
    auto live_base = [&](const Uuid& uuid) -> std::optional<uint32_t> {
      const std::optional<uint32_t> n = s.base->Find(uuid);
      if (!n || IsHidden(s.hidden, *n) || newly_hidden.contains(*n)) return std::nullopt;
      return n;
    };
    for (const std::string& id : batch.removals) {
      const std::optional<Uuid> uuid = detail::ParseIndicatorId(id);
      if (!uuid) {
        ++stats.invalid;
      } else if (s.delta.erase(*uuid) > 0) {
        ++stats.removed;
      } else if (const std::optional<uint32_t> n = live_base(*uuid)) {
        newly_hidden.insert(*n);
        ++stats.removed;
      } else {
        ++stats.not_found;
      }
    }
    for (const IndicatorEntry& e : batch.upserts) {
      const std::optional<Uuid> uuid = detail::ParseIndicatorId(e.id);
      if (!uuid) {
        ++stats.invalid;
        continue;
      }
      auto in_delta = s.delta.find(*uuid);
      const std::optional<uint32_t> in_base = live_base(*uuid);
      std::optional<model::Timestamp> indexed;
      if (in_delta != s.delta.end()) {
        indexed = in_delta->second.version;
      } else if (in_base) {
        indexed = s.base->indicators()[*in_base].Version();
      }
      if (indexed && *indexed >= e.version) {
        ++stats.stale;
        continue;
      }
      ++(indexed ? stats.replaced : stats.added);
      if (in_base) newly_hidden.insert(*in_base);
      s.delta[*uuid] = DeltaEntry{e.version, e.valid_until, e.observables};
    }
    if (!newly_hidden.empty()) {
      s.hidden.insert(s.hidden.end(), newly_hidden.begin(), newly_hidden.end());
      std::sort(s.hidden.begin(), s.hidden.end());
    }
    Publish();
    wake = NeedsCompaction();
  }
  if (wake && options_.background_compaction) {
    {
      std::lock_guard lock(wake_mu_);
      wake_ = true;
    }
    compact_wake_.notify_one();
  }
  return stats;
}

Result<UpdateStats> IndicatorIndex::ExpireBefore(model::Timestamp now) {
  UpdateStats stats;
  std::lock_guard lock(mu_);
  detail::IndexState& s = *state_;
  // Base entries keep whole seconds rounded up: they expire up to a second late, never early.
  const int64_t now_s = now.micros >= 0 ? now.micros / 1'000'000 : -1;
  const std::span<const IndicatorRef> side = s.base->indicators();
  std::vector<uint32_t> expired;
  for (uint32_t n = 0; n < side.size(); ++n) {
    if (side[n].valid_until_s != 0 && int64_t{side[n].valid_until_s} <= now_s &&
        !IsHidden(s.hidden, n)) {
      expired.push_back(n);
    }
  }
  for (auto it = s.delta.begin(); it != s.delta.end();) {
    if (it->second.valid_until && *it->second.valid_until <= now) {
      it = s.delta.erase(it);
      ++stats.removed;
    } else {
      ++it;
    }
  }
  stats.removed += expired.size();
  if (stats.removed == 0) return stats;
  std::vector<uint32_t> merged;
  merged.reserve(s.hidden.size() + expired.size());
  std::merge(s.hidden.begin(), s.hidden.end(), expired.begin(), expired.end(),
             std::back_inserter(merged));
  s.hidden = std::move(merged);
  Publish();
  return stats;
}

Result<BuildStats> IndicatorIndex::Compact() {
  std::lock_guard one_at_a_time(compact_mu_);
  // 1. A copy of the state to fold (the delta and `hidden` are small; the base is shared).
  detail::IndexState before;
  {
    std::lock_guard lock(mu_);
    before = *state_;
  }
  // 2. The new base, built without the writer lock: readers and Apply carry on meanwhile.
  TablesBuilder builder(options_);
  const std::span<const IndicatorRef> side = before.base->indicators();
  std::vector<uint32_t> renumber(side.size(), Tables::kEmpty);
  {
    auto hidden = before.hidden.begin();
    for (uint32_t n = 0; n < side.size(); ++n) {
      while (hidden != before.hidden.end() && *hidden < n) ++hidden;
      if (hidden != before.hidden.end() && *hidden == n) continue;
      renumber[n] = builder.AddIndicator(side[n]);
    }
  }
  before.base->ForEachKey([&](std::string_view key, std::span<const uint32_t> numbers) {
    for (uint32_t n : numbers) {
      if (renumber[n] != Tables::kEmpty) builder.AddKey(renumber[n], key);
    }
  });
  std::vector<uint32_t>().swap(renumber);
  for (const auto& [uuid, e] : before.delta) {
    const std::optional<uint32_t> n = builder.AddIndicator(IdOf(uuid), e.version, e.valid_until);
    if (!n) continue;
    for (const model::Observable& o : e.observables) builder.AddObservable(*n, o);
  }
  BuildStats stats;
  Result<std::shared_ptr<const Tables>> built = builder.Build(&stats);
  if (!built) return std::unexpected(built.error());
  const std::shared_ptr<const Tables>& base = *built;

  // 3. Carry over what Apply / ExpireBefore changed since step 1, then publish.
  std::lock_guard lock(mu_);
  detail::IndexState& now = *state_;
  std::vector<uint32_t> hidden;
  auto hide = [&](const Uuid& uuid) {
    if (const std::optional<uint32_t> n = base->Find(uuid)) hidden.push_back(*n);
  };
  std::vector<uint32_t> newly_hidden;
  std::set_difference(now.hidden.begin(), now.hidden.end(), before.hidden.begin(),
                      before.hidden.end(), std::back_inserter(newly_hidden));
  for (uint32_t n : newly_hidden) hide(side[n].uuid);
  std::map<Uuid, DeltaEntry> delta;
  for (const auto& [uuid, e] : before.delta) {
    auto it = now.delta.find(uuid);
    if (it == now.delta.end() || it->second.version != e.version) hide(uuid);
  }
  for (const auto& [uuid, e] : now.delta) {
    auto it = before.delta.find(uuid);
    if (it == before.delta.end() || it->second.version != e.version) delta.emplace(uuid, e);
  }
  std::sort(hidden.begin(), hidden.end());
  hidden.erase(std::unique(hidden.begin(), hidden.end()), hidden.end());
  now.base = base;
  now.hidden = std::move(hidden);
  now.delta = std::move(delta);
  Publish();
  return stats;
}

void IndicatorIndex::CompactionLoop(std::stop_token stop) {
  for (;;) {
    {
      std::unique_lock lock(wake_mu_);
      if (!compact_wake_.wait(lock, stop, [this] { return wake_; })) return;  // stop requested
      wake_ = false;
    }
    // A failure (kTooLarge) leaves the delta in place: lookups stay correct, only slower.
    (void)Compact();
  }
}

size_t IndicatorIndex::MemoryBytes() const {
  size_t bytes = Current()->MemoryBytes();
  std::lock_guard lock(mu_);
  for (const auto& [uuid, e] : state_->delta) {
    bytes += sizeof(uuid) + sizeof(e) + 64;  // map node overhead, roughly
    for (const model::Observable& o : e.observables) bytes += sizeof(o) + o.value.capacity();
  }
  return bytes;
}

}  // namespace socmesh::detect
