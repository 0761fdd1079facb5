#include "curate/consolidate.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "curate/detail/object_json.hpp"
#include "model/pattern.hpp"
#include "model/socmesh_extension.hpp"

namespace socmesh::curate {

namespace {

constexpr int64_t kMicrosPerMilli = 1000;
constexpr std::string_view kWarningLabelPrefix = "warninglist:";

std::string ObservableKey(const model::Observable& o) {
  std::string key(model::ObservableKindName(o.kind));
  key += ' ';
  key += o.value;
  return key;
}

model::Timestamp FloorMillis(model::Timestamp t) {
  int64_t m = t.micros / kMicrosPerMilli;
  if (t.micros < 0 && t.micros % kMicrosPerMilli != 0) --m;
  return {m * kMicrosPerMilli};
}

// An indicator kept for this batch: either one already stored (its current version, to be
// versioned only if the batch changes it) or a new one from the batch.
struct Kept {
  std::string id;
  std::string json;       // the content to store (after merges)
  std::string base_json;  // stored: the current stored content; new: empty
  model::Timestamp base_modified;
  bool stored = false;
};

// Provenance entry of the batch's source for indicator `x`.
model::Provenance SourceEntry(const model::StixObject& x, const CurateOptions& options) {
  model::Provenance p;
  p.source = options.source;
  p.reference = options.reference;
  p.first_seen = x.created.value_or(x.version());
  p.last_seen = x.version();
  p.confidence = x.confidence;
  return p;
}

// Folds the source entry `add` into `m`; returns whether anything changed.
bool FoldProvenance(model::SocmeshMetadata& m, const model::Provenance& add, int64_t granularity) {
  for (model::Provenance& p : m.provenance) {
    if (p.source != add.source) continue;
    bool changed = false;
    if (add.first_seen && (!p.first_seen || *add.first_seen < *p.first_seen)) {
      p.first_seen = add.first_seen;
      changed = true;
    }
    if (add.last_seen &&
        (!p.last_seen || add.last_seen->micros - p.last_seen->micros >= granularity)) {
      p.last_seen = add.last_seen;
      changed = true;
    }
    if (add.confidence && add.confidence != p.confidence) {
      p.confidence = add.confidence;
      changed = true;
    }
    if (p.reference.empty() && !add.reference.empty()) {
      p.reference = add.reference;
      changed = true;
    }
    return changed;
  }
  m.provenance.push_back(add);
  return true;
}

std::vector<std::string> WarningLabels(const std::vector<std::string>& labels) {
  std::vector<std::string> out;
  for (const auto& l : labels) {
    if (l.starts_with(kWarningLabelPrefix)) out.push_back(l);
  }
  return out;
}

class Curator {
 public:
  Curator(store::Store& store, const CurateOptions& options) : store_(store), options_(options) {}

  Result<CuratedBatch> Run(std::span<const model::StixObject> batch) {
    if (options_.consolidate) {
      if (auto ok = CollectForeignReferences(batch); !ok) return std::unexpected(ok.error());
    }
    for (const model::StixObject& object : batch) {
      if (object.type != "indicator") {
        others_.push_back(object);
        continue;
      }
      ++out_.report.indicators;
      auto ok = CurateIndicator(object);
      if (!ok) return std::unexpected(ok.error());
    }
    return Finish();
  }

 private:
  bool IsLocal(const model::StixObject& o) const {
    return !o.created_by_ref.empty() && options_.local_creators.contains(o.created_by_ref);
  }
  bool IsLocalCreator(std::string_view creator) const {
    return !creator.empty() && options_.local_creators.contains(std::string(creator));
  }

  // Ids referenced by peers' objects in the batch: rewriting those references is not ours to do,
  // so the indicators they name are stored under their own id.
  Result<void> CollectForeignReferences(std::span<const model::StixObject> batch) {
    for (const model::StixObject& o : batch) {
      if (IsLocal(o) || o.category == model::ObjectCategory::kCyberObservable) continue;
      if (o.type == "indicator" || o.type == "identity" || o.type == "marking-definition") continue;
      auto refs = detail::ReadReferences(o.canonical_json);
      if (!refs) return std::unexpected(refs.error());
      foreign_refs_.insert(refs->begin(), refs->end());
    }
    return {};
  }

  Result<void> CurateIndicator(const model::StixObject& x) {
    std::string json = x.canonical_json;
    const bool local = IsLocal(x);
    std::vector<std::string> flags;  // warning-list labels to add
    if (options_.warninglists != nullptr && options_.warning_mode != WarningMode::kOff &&
        !x.observables.empty()) {
      bool all_drop = true;
      std::string drop_list;
      std::set<std::string> names;
      for (const model::Observable& o : x.observables) {
        bool dropped_here = false;
        for (const WarningList* l : options_.warninglists->Match(o)) {
          names.insert(l->name);
          if (options_.warning_mode == WarningMode::kDrop && l->action == WarningAction::kDrop) {
            dropped_here = true;
            if (drop_list.empty()) drop_list = l->name;
          }
        }
        all_drop = all_drop && dropped_here;
      }
      // An indicator is dropped only when every observable it names is on a dropping list: one
      // real address next to a private one keeps the indicator (flagged).
      if (all_drop) {
        out_.report.dropped.push_back(
            {x.id, ObservableKey(x.observables.front()), std::move(drop_list)});
        return {};
      }
      for (const auto& n : names) flags.push_back(std::string(kWarningLabelPrefix) + n);
      if (!flags.empty()) {
        ++out_.report.flagged;
        if (!local) ++out_.report.flag_not_written;
      }
    }
    if (local && !flags.empty()) {
      auto flagged = Flag(json, x.confidence, flags);
      if (!flagged) return std::unexpected(flagged.error());
      json = std::move(*flagged);
    }

    if (!options_.consolidate || !local || x.observables.size() != 1 ||
        foreign_refs_.contains(x.id)) {
      return Emit(json, x.canonical_json == json ? &x : nullptr);
    }
    auto fields = detail::ReadIndicatorFields(x.canonical_json);
    if (!fields) return std::unexpected(fields.error());
    if (!IsSingleComparisonPattern(fields->pattern)) {
      return Emit(json, x.canonical_json == json ? &x : nullptr);
    }

    const std::string key = ObservableKey(x.observables.front());
    auto it = kept_by_key_.find(key);
    if (it == kept_by_key_.end()) {
      auto found = FindStored(x);
      if (!found) return std::unexpected(found.error());
      if (!*found) {
        // First indicator of this observable: it is kept, with its source on record.
        auto annotated = blocked_ ? Result<std::string>(json) : Annotate(json, x);
        if (!annotated) return std::unexpected(annotated.error());
        kept_.push_back({x.id, std::move(*annotated), "", {}, false});
        kept_by_key_.emplace(key, kept_.size() - 1);
        return {};
      }
      kept_.push_back(std::move(**found));
      it = kept_by_key_.emplace(key, kept_.size() - 1).first;
    }
    Kept& k = kept_[it->second];
    auto merged = Merge(k.json, x, flags);
    if (!merged) return std::unexpected(merged.error());
    k.json = std::move(*merged);
    if (x.id != k.id) {
      ++out_.report.consolidated;
      out_.report.merged.emplace_back(x.id, k.id);
      rewrites_[x.id] = k.id;
    }
    return {};
  }

  // The stored indicator to keep for `x`'s observable, if any. Sets blocked_ when `x`'s own id is
  // already stored but cannot be kept (revoked, expired, not a plain single comparison): `x` is
  // then stored as given rather than annotated, so its content stays what was stored before.
  Result<std::optional<Kept>> FindStored(const model::StixObject& x) {
    blocked_ = false;
    store::Query q;
    q.observable = x.observables.front();
    q.types = {"indicator"};
    q.include_revoked = true;
    std::optional<store::StoredVersion> best;
    std::optional<model::Timestamp> best_created;
    auto scanned = store_.Scan(q, [&](const store::StoredVersion& v) {
      // Light reads only: full validation (ParseStixObject) is kept for the one that wins.
      auto f = detail::ReadIndicatorFields(v.json);
      if (!f) return true;
      const bool usable = !v.revoked && IsLocalCreator(f->created_by_ref) &&
                          (!f->valid_until || *f->valid_until > options_.now) &&
                          IsSingleComparisonPattern(f->pattern);
      if (!usable) {
        if (v.id == x.id) blocked_ = true;
        return true;
      }
      const model::Timestamp created = f->created.value_or(v.modified);
      if (!best || created < *best_created || (created == *best_created && v.id < best->id)) {
        best = v;
        best_created = created;
      }
      return true;
    });
    if (!scanned) return std::unexpected(scanned.error());
    if (!best) return std::optional<Kept>{};
    if (best->id == x.id) blocked_ = false;
    auto parsed = model::ParseStixObject(best->json);
    if (!parsed) return std::unexpected(parsed.error());
    std::string json = best->json;
    auto meta = model::ReadSocmeshMetadata(json);
    if (!meta) return std::unexpected(meta.error());
    if (!*meta || (*meta)->provenance.empty()) {
      // Stored before curation: its own source goes on record first, so merging keeps it.
      model::SocmeshMetadata m = meta->value_or(model::SocmeshMetadata{});
      model::Provenance p;
      auto named = options_.creator_sources.find(parsed->created_by_ref);
      p.source = named != options_.creator_sources.end() ? named->second : parsed->created_by_ref;
      p.first_seen = parsed->created.value_or(parsed->version());
      p.last_seen = parsed->version();
      p.confidence = parsed->confidence;
      m.provenance.push_back(std::move(p));
      auto with = model::WithSocmeshMetadata(json, m);
      if (!with) return std::unexpected(with.error());
      json = std::move(*with);
    }
    return std::optional<Kept>(Kept{best->id, std::move(json), best->json, best->modified, true});
  }

  Result<std::string> Annotate(const std::string& json, const model::StixObject& x) {
    auto meta = model::ReadSocmeshMetadata(json);
    if (!meta) return std::unexpected(meta.error());
    model::SocmeshMetadata m = meta->value_or(model::SocmeshMetadata{});
    if (!FoldProvenance(m, SourceEntry(x, options_), options_.refresh_granularity_micros)) {
      return json;
    }
    return model::WithSocmeshMetadata(json, m);
  }

  Result<std::string> Flag(const std::string& json, std::optional<int> confidence,
                           const std::vector<std::string>& flags) {
    auto fields = detail::ReadIndicatorFields(json);
    if (!fields) return std::unexpected(fields.error());
    std::vector<std::string> labels = fields->labels;
    for (const auto& f : flags) {
      if (std::find(labels.begin(), labels.end(), f) == labels.end()) labels.push_back(f);
    }
    const int capped =
        std::min(confidence.value_or(options_.default_confidence), options_.flagged_confidence_cap);
    detail::JsonPatch patch;
    patch.set = {{"labels", detail::JsonStringList(labels)},
                 {"confidence", std::to_string(capped)}};
    return detail::PatchJson(json, patch);
  }

  // `k_json` with `x`'s source folded in, warning-list labels united and confidence recombined.
  Result<std::string> Merge(const std::string& k_json, const model::StixObject& x,
                            const std::vector<std::string>& x_flags) {
    auto meta = model::ReadSocmeshMetadata(k_json);
    if (!meta) return std::unexpected(meta.error());
    model::SocmeshMetadata m = meta->value_or(model::SocmeshMetadata{});
    FoldProvenance(m, SourceEntry(x, options_), options_.refresh_granularity_micros);
    auto with = model::WithSocmeshMetadata(k_json, m);
    if (!with) return std::unexpected(with.error());

    auto fields = detail::ReadIndicatorFields(*with);
    if (!fields) return std::unexpected(fields.error());
    std::vector<std::string> labels = fields->labels;
    for (const auto& f : x_flags) {
      if (std::find(labels.begin(), labels.end(), f) == labels.end()) labels.push_back(f);
    }
    std::vector<int> confidences;
    for (const auto& p : m.provenance) {
      if (p.confidence) confidences.push_back(*p.confidence);
    }
    std::optional<int> confidence = CombineConfidence(confidences);
    const bool flagged = !WarningLabels(labels).empty();
    if (flagged) {
      confidence = std::min(confidence.value_or(options_.default_confidence),
                            options_.flagged_confidence_cap);
    }
    detail::JsonPatch patch;
    if (labels != fields->labels) patch.set.emplace_back("labels", detail::JsonStringList(labels));
    if (confidence) patch.set.emplace_back("confidence", std::to_string(*confidence));
    if (patch.set.empty()) return with;
    return detail::PatchJson(*with, patch);
  }

  Result<void> Emit(const std::string& json, const model::StixObject* unchanged) {
    if (unchanged != nullptr) {
      others_.push_back(*unchanged);
      return {};
    }
    auto parsed = model::ParseStixObject(json);
    if (!parsed) {
      return Fail(ErrorCode::kInternal,
                  "curated object does not validate: " + parsed.error().message);
    }
    others_.push_back(std::move(*parsed));
    return {};
  }

  Result<CuratedBatch> Finish() {
    for (Kept& k : kept_) {
      if (k.stored) {
        if (k.json == k.base_json) {
          ++out_.report.unchanged;
          continue;
        }
        // A new version: now, but strictly after the stored one (millisecond precision).
        model::Timestamp modified = FloorMillis(options_.now);
        const model::Timestamp after{FloorMillis(k.base_modified).micros + kMicrosPerMilli};
        if (modified < after) modified = after;
        detail::JsonPatch patch;
        patch.set = {{"modified", detail::JsonString(model::FormatTimestamp(modified))}};
        auto bumped = detail::PatchJson(k.json, patch);
        if (!bumped) return std::unexpected(bumped.error());
        k.json = std::move(*bumped);
        ++out_.report.new_versions;
      }
      auto parsed = model::ParseStixObject(k.json);
      if (!parsed) {
        return Fail(ErrorCode::kInternal,
                    "curated indicator " + k.id + " does not validate: " + parsed.error().message);
      }
      out_.objects.push_back(std::move(*parsed));
    }
    for (model::StixObject& o : others_) {
      if (!rewrites_.empty() && IsLocal(o) && o.type != "indicator") {
        detail::JsonPatch patch;
        patch.rewrite_refs = &rewrites_;
        bool changed = false;
        auto rewritten = detail::PatchJson(o.canonical_json, patch, &changed);
        if (!rewritten) return std::unexpected(rewritten.error());
        if (changed) {
          auto parsed = model::ParseStixObject(*rewritten);
          if (!parsed) {
            return Fail(ErrorCode::kInternal, "object " + o.id +
                                                  " with rewritten references "
                                                  "does not validate: " +
                                                  parsed.error().message);
          }
          ++out_.report.references_rewritten;
          out_.objects.push_back(std::move(*parsed));
          continue;
        }
      }
      out_.objects.push_back(std::move(o));
    }
    return std::move(out_);
  }

  store::Store& store_;
  const CurateOptions& options_;
  CuratedBatch out_;
  std::vector<model::StixObject> others_;  // everything that is stored as is (or rewritten)
  std::vector<Kept> kept_;
  std::unordered_map<std::string, size_t> kept_by_key_;
  std::unordered_map<std::string, std::string> rewrites_;
  std::unordered_set<std::string> foreign_refs_;
  bool blocked_ = false;
};

}  // namespace

std::optional<WarningMode> ParseWarningMode(std::string_view name) {
  if (name == "off") return WarningMode::kOff;
  if (name == "flag") return WarningMode::kFlag;
  if (name == "drop") return WarningMode::kDrop;
  return std::nullopt;
}

std::optional<int> CombineConfidence(const std::vector<int>& confidences) {
  if (confidences.empty()) return std::nullopt;
  double miss = 1.0;
  for (int c : confidences) miss *= 1.0 - std::clamp(c, 0, 100) / 100.0;
  return static_cast<int>(std::lround(100.0 * (1.0 - miss)));
}

bool IsSingleComparisonPattern(std::string_view pattern) {
  auto parsed = model::ParsePattern(pattern);
  if (!parsed) return false;
  const model::PatternObservationNode& root = parsed->observation_nodes[parsed->root];
  if (root.kind != model::PatternObservationNode::Kind::kLeaf || parsed->comparisons.size() != 1) {
    return false;
  }
  const model::PatternComparison& c = parsed->comparisons.front();
  return c.op == model::PatternOperator::kEqual && !c.negated && c.values.size() == 1;
}

Result<CuratedBatch> CurateBatch(std::span<const model::StixObject> batch, store::Store& store,
                                 const CurateOptions& options) {
  return Curator(store, options).Run(batch);
}

}  // namespace socmesh::curate
