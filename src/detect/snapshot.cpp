// Snapshot lookups and the per-indicator record: the readers' side of the matcher index.
#include "detect/detail/key.hpp"
#include "detect/detail/tables.hpp"
#include "detect/matcher.hpp"
#include "model/identifier.hpp"

namespace socmesh::detect {

using model::ObservableKind;

std::string IndicatorRef::Id() const { return "indicator--" + model::FormatUuid(uuid); }

model::Timestamp IndicatorRef::Version() const {
  return model::Timestamp{
      static_cast<int64_t>((uint64_t{version_high} << 32) | uint64_t{version_low})};
}

std::optional<model::Timestamp> IndicatorRef::ValidUntil() const {
  if (valid_until_s == 0) return std::nullopt;
  return model::Timestamp{int64_t{valid_until_s} * 1'000'000};
}

Snapshot::Snapshot(std::shared_ptr<const detail::Tables> base,
                   std::shared_ptr<const detail::Tables> delta,
                   std::shared_ptr<const std::vector<uint32_t>> hidden_base)
    : base_(std::move(base)), delta_(std::move(delta)), hidden_base_(std::move(hidden_base)) {}

Snapshot::~Snapshot() = default;

size_t Snapshot::Lookup(ObservableKind kind, std::string_view normalized_value,
                        std::vector<Match>& out) const {
  const Query query{kind, normalized_value};
  return LookupMany({&query, 1}, out);
}

PreparedLookup::PreparedLookup() : plan_(std::make_unique<detail::LookupPlan>()) {}
PreparedLookup::~PreparedLookup() = default;

namespace {

// Plans `queries` for `base` and `delta` (nullptr when empty): values are parsed and hashed
// once, for the network lengths and label counts either table has.
void Plan(std::span<const Query> queries, const detail::Tables& base, const detail::Tables* delta,
          detail::LookupPlan& plan) {
  detail::TableMasks masks = base.masks();
  if (delta != nullptr) masks |= delta->masks();
  plan.Clear();
  for (size_t i = 0; i < queries.size(); ++i) {
    // A value repeated in one event (tls.sni = http.hostname, a DNS answer's rrname = the query)
    // is probed once; its matches are copied, so the result is as if it were looked up again.
    const Query& q = queries[i];
    size_t same = i;
    for (size_t j = 0; j < i; ++j) {
      if (queries[j].kind == q.kind && queries[j].normalized_value == q.normalized_value) {
        same = j;
        break;
      }
    }
    if (same != i) {
      plan.AddAlias(static_cast<uint32_t>(i), static_cast<uint32_t>(same));
    } else {
      plan.Add(static_cast<uint32_t>(i), q.kind, q.normalized_value, masks);
    }
  }
}

}  // namespace

size_t Snapshot::LookupMany(std::span<const Query> queries, std::vector<Match>& out) const {
  const size_t before = out.size();
  // The delta is usually empty; skipping it keeps the common lookup to one set of tables.
  const detail::Tables* delta = delta_->empty() ? nullptr : delta_.get();
  const std::vector<uint32_t>* hidden = hidden_base_->empty() ? nullptr : hidden_base_.get();
  thread_local detail::LookupPlan plan;
  Plan(queries, *base_, delta, plan);
  base_->Run(plan, hidden, out);
  if (delta != nullptr) delta->Run(plan, nullptr, out);
  return out.size() - before;
}

void Snapshot::Prepare(std::span<const Query> queries, PreparedLookup& lookup) const {
  const detail::Tables* delta = delta_->empty() ? nullptr : delta_.get();
  Plan(queries, *base_, delta, *lookup.plan_);
  base_->Prefetch(*lookup.plan_);
  if (delta != nullptr) delta->Prefetch(*lookup.plan_);
}

void Snapshot::Load(const PreparedLookup& lookup) const {
  base_->Load(*lookup.plan_);
  if (!delta_->empty()) delta_->Load(*lookup.plan_);
}

size_t Snapshot::Finish(PreparedLookup& lookup, std::vector<Match>& out) const {
  const size_t before = out.size();
  const detail::Tables* delta = delta_->empty() ? nullptr : delta_.get();
  const std::vector<uint32_t>* hidden = hidden_base_->empty() ? nullptr : hidden_base_.get();
  base_->Run(*lookup.plan_, hidden, out);
  if (delta != nullptr) delta->Run(*lookup.plan_, nullptr, out);
  return out.size() - before;
}

size_t Snapshot::indicator_count() const {
  return base_->indicators().size() - hidden_base_->size() + delta_->indicators().size();
}

size_t Snapshot::delta_indicators() const { return delta_->indicators().size(); }

size_t Snapshot::MemoryBytes() const {
  return sizeof(*this) + base_->MemoryBytes() + delta_->MemoryBytes() +
         hidden_base_->capacity() * sizeof(uint32_t);
}

}  // namespace socmesh::detect
