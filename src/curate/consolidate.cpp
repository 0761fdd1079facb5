#include "curate/consolidate.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <set>

#include <openssl/evp.h>

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

// An indicator's curation state: its content and what curation has read from that content, kept
// in step so that each merge does not parse the JSON again.
struct Curated {
  std::string json;
  detail::IndicatorFields fields;              // of `json`
  std::optional<model::SocmeshMetadata> meta;  // of `json`; nullopt: no socmesh extension
  bool changed = false;                        // `json` was rewritten by curation
};

// An indicator kept for this batch: either one already stored (its current version, to be
// versioned only if the batch changes it) or a new one from the batch.
struct Kept {
  std::string id;
  Curated now;  // the content to store (after merges)
  model::Timestamp base_modified;
  bool stored = false;
  // New: the batch indicator it is (validated on input); see Rebuild.
  const model::StixObject* origin = nullptr;
};

// One observable that batch indicators may be consolidated on: what the store holds for it
// (looked up for the whole batch at once) and the indicator kept for it so far.
struct ObservableSlot {
  std::optional<store::StoredVersion> best;  // the usable stored indicator to keep, if any
  std::optional<detail::IndicatorFields> best_fields;
  model::Timestamp best_created;
  std::vector<std::string> unusable_ids;  // current indicators carrying it that cannot be kept
  std::optional<size_t> kept;             // index in Curator::kept_
};

// An observable of the batch, by reference (the batch outlives its curation): the lookups are
// deduplicated without copying values.
struct ObservableRef {
  model::ObservableKind kind;
  std::string_view value;
  friend bool operator==(const ObservableRef&, const ObservableRef&) = default;
};

struct ObservableRefHash {
  size_t operator()(const ObservableRef& o) const {
    return std::hash<std::string_view>{}(o.value) * 31 + static_cast<size_t>(o.kind);
  }
};

// SHA-256 of `data` (StixObject::digest).
model::Digest Sha256(std::string_view data) {
  model::Digest out{};
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &size, EVP_sha256(), nullptr);
  return out;
}

// `base` (a validated batch indicator) with the content curation derived from it. Curation
// changes only an indicator's socmesh extension, `labels` and `confidence` — never its id, type,
// timestamps, pattern, markings or creator — so every other field of `base` still holds, and a
// full ParseStixObject (pattern, catalogue walk, JCS) would redo the input's validation to learn
// nothing. What did change is checked: confidence is within STIX's 0..100.
// tests/curate/consolidate_test.cpp compares every rebuilt object with ParseStixObject's.
Result<model::StixObject> Rebuild(const model::StixObject& base, Curated curated) {
  const std::optional<int>& confidence = curated.fields.confidence;
  if (confidence && (*confidence < 0 || *confidence > 100)) {
    return Fail(ErrorCode::kInternal, "curated indicator " + base.id + ": confidence " +
                                          std::to_string(*confidence) + " is outside 0..100");
  }
  model::StixObject out = base;
  out.confidence = confidence;
  out.digest = Sha256(curated.json);
  out.canonical_json = std::move(curated.json);
  return out;
}

// The socmesh metadata of `json`. Most feed indicators have none: when the extension's id does
// not occur in the text at all, no parse is needed to know.
Result<std::optional<model::SocmeshMetadata>> ReadMetadata(std::string_view json) {
  if (json.find(model::kSocmeshExtensionId) == std::string_view::npos) {
    return std::optional<model::SocmeshMetadata>{};
  }
  return model::ReadSocmeshMetadata(json);
}

bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The form feed importers write, `[type:prop.sub = 'value']`, recognised without the pattern
// parser (~10 % of curation's time when it ran for every indicator): type
// `[a-z][a-z0-9-]*[a-z0-9]`, path components
// `[a-z_][a-z0-9_]*`, a string without quotes or backslashes, nothing after the bracket. Every
// pattern it accepts is a single equality for model::ParsePattern too; anything else (quoted path
// components, escapes, other literals) is left to the parser.
bool IsPlainEquality(std::string_view p) {
  size_t i = 0;
  auto at = [&](size_t k) { return k < p.size() ? p[k] : '\0'; };
  if (at(i++) != '[') return false;
  const size_t type_begin = i;
  if (!IsLower(at(i))) return false;
  while (IsLower(at(i)) || IsDigit(at(i)) || at(i) == '-') ++i;
  // The pattern lexer reads `true` and `false` as boolean literals, never as names.
  auto is_literal = [&](size_t begin) {
    const std::string_view word = p.substr(begin, i - begin);
    return word == "true" || word == "false";
  };
  if (at(i - 1) == '-' || i - type_begin < 2 || is_literal(type_begin) || at(i++) != ':') {
    return false;
  }
  do {
    const size_t component_begin = i;
    if (!IsLower(at(i)) && at(i) != '_') return false;
    while (IsLower(at(i)) || IsDigit(at(i)) || at(i) == '_') ++i;
    if (is_literal(component_begin)) return false;
  } while (at(i) == '.' && ++i);
  while (at(i) == ' ') ++i;
  if (at(i++) != '=') return false;
  while (at(i) == ' ') ++i;
  if (at(i++) != '\'') return false;
  const size_t close = p.find_first_of("'\\", i);
  return close != std::string_view::npos && p[close] == '\'' && close + 2 == p.size() &&
         p[close + 1] == ']';
}

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

bool HasWarningLabel(const std::vector<std::string>& labels) {
  return std::any_of(labels.begin(), labels.end(),
                     [](const std::string& l) { return l.starts_with(kWarningLabelPrefix); });
}

// Adds `flags` missing from `labels`; returns whether any was.
bool AddLabels(std::vector<std::string>& labels, const std::vector<std::string>& flags) {
  bool added = false;
  for (const auto& f : flags) {
    if (std::find(labels.begin(), labels.end(), f) != labels.end()) continue;
    labels.push_back(f);
    added = true;
  }
  return added;
}

class Curator {
 public:
  Curator(store::Store& store, const CurateOptions& options) : store_(store), options_(options) {}

  Result<CuratedBatch> Run(std::span<const model::StixObject> batch) {
    for (auto [name, value] :
         {std::pair<const char*, int>{"flagged_confidence_cap", options_.flagged_confidence_cap},
          {"default_confidence", options_.default_confidence}}) {
      if (value < 0 || value > 100) {
        return Fail(ErrorCode::kInvalidArgument,
                    std::string(name) + " " + std::to_string(value) + " is outside 0..100");
      }
    }
    others_.reserve(batch.size());
    kept_.reserve(batch.size());
    slot_of_.assign(batch.size(), nullptr);
    if (options_.consolidate) {
      if (auto ok = CollectForeignReferences(batch); !ok) return std::unexpected(ok.error());
      if (auto ok = LookUpStored(batch); !ok) return std::unexpected(ok.error());
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      const model::StixObject& object = batch[i];
      if (object.type != "indicator") {
        others_.push_back(object);
        continue;
      }
      ++out_.report.indicators;
      auto ok = CurateIndicator(object, slot_of_[i]);
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

  // Could `x` be folded into another indicator? (Necessary, not sufficient: its pattern must also
  // be a single comparison.)
  bool MayConsolidate(const model::StixObject& x) const {
    return options_.consolidate && x.type == "indicator" && IsLocal(x) &&
           x.observables.size() == 1 && !foreign_refs_.contains(x.id);
  }

  // The stored candidates for every observable the batch may consolidate, in one store call: one
  // query per chunk of values instead of one per indicator. The store is only read during
  // curation, so the answers are those that per-indicator queries would give.
  Result<void> LookUpStored(std::span<const model::StixObject> batch) {
    std::unordered_map<ObservableRef, ObservableSlot*, ObservableRefHash> by_value;
    by_value.reserve(batch.size());
    std::vector<model::Observable> wanted;
    std::vector<ObservableSlot*> wanted_slots;
    for (size_t i = 0; i < batch.size(); ++i) {
      const model::StixObject& x = batch[i];
      if (!MayConsolidate(x)) continue;
      const model::Observable& o = x.observables.front();
      auto [it, inserted] = by_value.try_emplace(ObservableRef{o.kind, o.value}, nullptr);
      if (inserted) {
        it->second = &slots_.emplace_back();  // a deque: addresses stay valid
        wanted.push_back(x.observables.front());
        wanted_slots.push_back(it->second);
      }
      slot_of_[i] = it->second;
    }
    store::ObservableLookup lookup;
    lookup.types = {"indicator"};
    lookup.include_revoked = true;
    return store_.ScanByObservables(wanted, lookup, [&](size_t i, store::StoredVersion& v) {
      ObservableSlot& c = *wanted_slots[i];
      // Light reads only: stored objects were validated when they were ingested.
      auto f = detail::ReadIndicatorFields(v.json);
      if (!f) return true;
      const bool usable = !v.revoked && IsLocalCreator(f->created_by_ref) &&
                          (!f->valid_until || *f->valid_until > options_.now) &&
                          IsSingleComparisonPattern(f->pattern);
      if (!usable) {
        c.unusable_ids.push_back(v.id);
        return true;
      }
      const model::Timestamp created = f->created.value_or(v.modified);
      if (!c.best || created < c.best_created || (created == c.best_created && v.id < c.best->id)) {
        c.best = std::move(v);
        c.best_fields = std::move(*f);
        c.best_created = created;
      }
      return true;
    });
  }

  // `x`'s curation state as given: its fields and socmesh metadata.
  Result<Curated> ReadCurated(const model::StixObject& x) {
    auto fields = detail::ReadIndicatorFields(x.canonical_json);
    if (!fields) return std::unexpected(fields.error());
    auto meta = ReadMetadata(x.canonical_json);
    if (!meta) return std::unexpected(meta.error());
    return Curated{x.canonical_json, std::move(*fields), std::move(*meta)};
  }

  // `slot`: the observable `x` may be consolidated on, nullptr when it may not.
  Result<void> CurateIndicator(const model::StixObject& x, ObservableSlot* slot) {
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
    const bool flag = local && !flags.empty();
    bool merge = false;
    if (slot != nullptr) {
      auto pattern = detail::ReadPattern(x.canonical_json);
      if (!pattern) return std::unexpected(pattern.error());
      merge = IsSingleComparisonPattern(*pattern);
    }
    if (!merge) {
      if (!flag) {
        others_.push_back(x);
        return {};
      }
      auto c = ReadCurated(x);
      if (!c) return std::unexpected(c.error());
      if (auto ok = Flag(*c, x.confidence, flags); !ok) return std::unexpected(ok.error());
      return Emit(x, std::move(*c));
    }
    if (!slot->kept) {
      auto found = FindStored(x, *slot);
      if (!found) return std::unexpected(found.error());
      if (!*found) {
        // First indicator of this observable: it is kept, with its source on record.
        auto c = ReadCurated(x);
        if (!c) return std::unexpected(c.error());
        if (flag) {
          if (auto ok = Flag(*c, x.confidence, flags); !ok) return std::unexpected(ok.error());
        }
        if (!blocked_) {
          if (auto ok = Annotate(*c, x); !ok) return std::unexpected(ok.error());
        }
        kept_.push_back({x.id, std::move(*c), {}, false, &x});
        slot->kept = kept_.size() - 1;
        return {};
      }
      kept_.push_back(std::move(**found));
      slot->kept = kept_.size() - 1;
    }
    // Folded into the kept indicator: `x`'s own content (and any flag on it) is not stored.
    Kept& k = kept_[*slot->kept];
    if (auto ok = Merge(k.now, x, flags); !ok) return std::unexpected(ok.error());
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
  Result<std::optional<Kept>> FindStored(const model::StixObject& x, ObservableSlot& c) {
    blocked_ =
        std::find(c.unusable_ids.begin(), c.unusable_ids.end(), x.id) != c.unusable_ids.end();
    if (!c.best) return std::optional<Kept>{};
    // Taken once: later indicators of this observable find it through ObservableSlot::kept.
    store::StoredVersion best = std::move(*c.best);
    c.best.reset();
    Curated now{std::move(best.json), std::move(*c.best_fields), std::nullopt};
    auto meta = ReadMetadata(now.json);
    if (!meta) return std::unexpected(meta.error());
    now.meta = std::move(*meta);
    if (!now.meta || now.meta->provenance.empty()) {
      // Stored before curation: its own source goes on record first, so merging keeps it.
      model::SocmeshMetadata m = now.meta.value_or(model::SocmeshMetadata{});
      const detail::IndicatorFields& f = now.fields;
      model::Provenance p;
      auto named = options_.creator_sources.find(f.created_by_ref);
      p.source = named != options_.creator_sources.end() ? named->second : f.created_by_ref;
      p.first_seen = f.created.value_or(best.modified);
      p.last_seen = best.modified;
      p.confidence = f.confidence;
      m.provenance.push_back(std::move(p));
      auto with = WithMetadata(now.json, m);
      if (!with) return std::unexpected(with.error());
      now.json = std::move(*with);
      now.changed = true;
      now.meta = std::move(m);
    }
    return std::optional<Kept>(Kept{best.id, std::move(now), best.modified, true, nullptr});
  }

  // `json` with its socmesh extension set to `m`. An object without "extensions" gets the property
  // spliced into its canonical text: the same bytes as model::WithSocmeshMetadata, without
  // parsing and re-canonicalising the whole object. The extension's own JSON is reused while `m`
  // stays the same (a feed's rows often share their times and source). Others take the general
  // path.
  Result<std::string> WithMetadata(std::string_view json, const model::SocmeshMetadata& m) {
    if (json.find("\"extensions\"") == std::string_view::npos) {
      if (!last_extension_ || last_extension_->first != m) {
        auto alone = model::WithSocmeshMetadata("{}", m);  // {"extensions":{…}}, canonical
        if (!alone) return std::unexpected(alone.error());
        constexpr std::string_view kPrefix = "{\"extensions\":";
        if (!alone->starts_with(kPrefix) || !alone->ends_with('}')) {
          return Fail(ErrorCode::kInternal, "unexpected socmesh extension JSON " + *alone);
        }
        last_extension_.emplace(m,
                                alone->substr(kPrefix.size(), alone->size() - kPrefix.size() - 1));
      }
      if (auto spliced =
              detail::InsertCanonicalProperty(json, "extensions", last_extension_->second)) {
        return std::move(*spliced);
      }
    }
    return model::WithSocmeshMetadata(json, m);
  }

  // Puts `x`'s source on record in `c` (a new indicator).
  Result<void> Annotate(Curated& c, const model::StixObject& x) {
    if (!c.meta) c.meta.emplace();
    // Folded in place: on an error the whole batch fails, so `c` need not stay consistent.
    if (!FoldProvenance(*c.meta, SourceEntry(x, options_), options_.refresh_granularity_micros)) {
      return {};
    }
    auto with = WithMetadata(c.json, *c.meta);
    if (!with) return std::unexpected(with.error());
    c.json = std::move(*with);
    c.changed = true;
    return {};
  }

  // Labels `c` with `flags` and caps its confidence.
  Result<void> Flag(Curated& c, std::optional<int> confidence,
                    const std::vector<std::string>& flags) {
    AddLabels(c.fields.labels, flags);
    const int capped =
        std::min(confidence.value_or(options_.default_confidence), options_.flagged_confidence_cap);
    detail::JsonPatch patch;
    patch.set = {{"labels", detail::JsonStringList(c.fields.labels)},
                 {"confidence", std::to_string(capped)}};
    auto patched = detail::PatchJson(c.json, patch);
    if (!patched) return std::unexpected(patched.error());
    c.json = std::move(*patched);
    c.changed = true;
    c.fields.confidence = capped;
    return {};
  }

  // Folds `x`'s source into `k`, unites warning-list labels and recombines confidence.
  Result<void> Merge(Curated& k, const model::StixObject& x,
                     const std::vector<std::string>& x_flags) {
    if (!k.meta) k.meta.emplace();
    // Folded in place: on an error the whole batch fails, so `k` need not stay consistent.
    model::SocmeshMetadata& m = *k.meta;
    const bool sources_changed =
        FoldProvenance(m, SourceEntry(x, options_), options_.refresh_granularity_micros);
    std::vector<std::string> labels = k.fields.labels;
    const bool labels_changed = AddLabels(labels, x_flags);
    std::vector<int> confidences;
    for (const auto& p : m.provenance) {
      if (p.confidence) confidences.push_back(*p.confidence);
    }
    std::optional<int> confidence = CombineConfidence(confidences);
    if (HasWarningLabel(labels)) {
      confidence = std::min(confidence.value_or(options_.default_confidence),
                            options_.flagged_confidence_cap);
    }
    detail::JsonPatch patch;
    if (labels_changed) patch.set.emplace_back("labels", detail::JsonStringList(labels));
    if (confidence && confidence != k.fields.confidence) {
      patch.set.emplace_back("confidence", std::to_string(*confidence));
    }
    // A re-ingest's common case: nothing new, found without writing any JSON.
    if (!sources_changed && patch.set.empty()) return {};
    if (sources_changed) {
      auto with = WithMetadata(k.json, m);
      if (!with) return std::unexpected(with.error());
      k.json = std::move(*with);
      k.changed = true;
    }
    if (!patch.set.empty()) {
      auto patched = detail::PatchJson(k.json, patch);
      if (!patched) return std::unexpected(patched.error());
      k.json = std::move(*patched);
      k.changed = true;
      k.fields.labels = std::move(labels);
      if (confidence) k.fields.confidence = confidence;
    }
    return {};
  }

  // `c` is `x` itself or `x` flagged.
  Result<void> Emit(const model::StixObject& x, Curated c) {
    if (!c.changed) {
      others_.push_back(x);
      return {};
    }
    auto rebuilt = Rebuild(x, std::move(c));
    if (!rebuilt) return std::unexpected(rebuilt.error());
    others_.push_back(std::move(*rebuilt));
    return {};
  }

  Result<CuratedBatch> Finish() {
    for (Kept& k : kept_) {
      if (!k.stored) {
        // New: the batch's own indicator, with curation's changes if any.
        if (!k.now.changed) {
          out_.objects.push_back(*k.origin);
          continue;
        }
        auto rebuilt = Rebuild(*k.origin, std::move(k.now));
        if (!rebuilt) return std::unexpected(rebuilt.error());
        out_.objects.push_back(std::move(*rebuilt));
        continue;
      }
      if (!k.now.changed) {
        ++out_.report.unchanged;
        continue;
      }
      // A new version: now, but strictly after the stored one (millisecond precision).
      model::Timestamp modified = FloorMillis(options_.now);
      const model::Timestamp after{FloorMillis(k.base_modified).micros + kMicrosPerMilli};
      if (modified < after) modified = after;
      detail::JsonPatch patch;
      patch.set = {{"modified", detail::JsonString(model::FormatTimestamp(modified))}};
      auto bumped = detail::PatchJson(k.now.json, patch);
      if (!bumped) return std::unexpected(bumped.error());
      ++out_.report.new_versions;
      // Written from a stored body and the batch's sources: validated in full, as any version.
      auto parsed = model::ParseStixObject(*bumped);
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
  std::unordered_map<std::string, std::string> rewrites_;
  std::unordered_set<std::string> foreign_refs_;
  std::deque<ObservableSlot> slots_;      // one per observable the batch may consolidate on
  std::vector<ObservableSlot*> slot_of_;  // by batch index; nullptr: not consolidated

  bool blocked_ = false;
  // The last extension WithMetadata wrote: metadata and its canonical JSON.
  std::optional<std::pair<model::SocmeshMetadata, std::string>> last_extension_;
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
  if (IsPlainEquality(pattern)) return true;
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
