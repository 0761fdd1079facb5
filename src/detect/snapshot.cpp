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

size_t Snapshot::LookupMany(std::span<const Query> queries, std::vector<Match>& out) const {
  const size_t before = out.size();
  // The delta is usually empty; skipping it keeps the common lookup to one set of tables.
  const detail::Tables* delta = delta_->empty() ? nullptr : delta_.get();
  const std::vector<uint32_t>* hidden = hidden_base_->empty() ? nullptr : hidden_base_.get();
  // One plan for both tables: values are parsed and hashed once, for the network lengths and
  // label counts either table has.
  detail::TableMasks masks = base_->masks();
  if (delta != nullptr) masks |= delta->masks();
  thread_local detail::LookupPlan plan;
  plan.Clear();
  for (size_t i = 0; i < queries.size(); ++i) {
    plan.Add(static_cast<uint32_t>(i), queries[i].kind, queries[i].normalized_value, masks);
  }
  base_->Run(plan, hidden, out);
  if (delta != nullptr) delta->Run(plan, nullptr, out);
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
