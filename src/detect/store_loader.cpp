#include "detect/store_loader.hpp"

#include <simdjson.h>

#include "detect/detail/tables.hpp"
#include "model/observable.hpp"

namespace socmesh::detect {

Result<std::unique_ptr<IndicatorIndex>> BuildFromStore(store::Store& store, model::Timestamp now,
                                                       const MatcherOptions& options,
                                                       LoadStats* stats) {
  LoadStats local;
  LoadStats& st = stats != nullptr ? *stats : local;
  st = {};
  detail::TablesBuilder builder(options);
  // The stored JSON is canonical and was validated at ingest: only the three properties the
  // index needs are read (on-demand, no DOM), not a full re-validation per indicator.
  simdjson::ondemand::parser parser;
  simdjson::padded_string buffer;
  store::Query query;
  query.types = {"indicator"};
  query.include_revoked = false;
  Result<void> scanned = store.Scan(query, [&](const store::StoredVersion& v) {
    ++st.scanned;
    buffer = simdjson::padded_string(v.json);
    simdjson::ondemand::document doc;
    simdjson::ondemand::object object;
    if (parser.iterate(buffer).get(doc) != simdjson::SUCCESS ||
        doc.get_object().get(object) != simdjson::SUCCESS) {
      ++st.unreadable;
      return true;
    }
    std::string_view pattern, pattern_type, valid_until_text;
    std::optional<model::Timestamp> valid_until;
    for (auto field : object) {
      std::string_view key;
      if (field.unescaped_key().get(key) != simdjson::SUCCESS) break;
      if (key == "pattern") {
        if (field.value().get_string().get(pattern) != simdjson::SUCCESS) pattern = {};
      } else if (key == "pattern_type") {
        if (field.value().get_string().get(pattern_type) != simdjson::SUCCESS) pattern_type = {};
      } else if (key == "valid_until") {
        if (field.value().get_string().get(valid_until_text) == simdjson::SUCCESS) {
          if (auto t = model::ParseTimestamp(valid_until_text)) valid_until = *t;
        }
      }
    }
    // The views above point into the parser's string buffer, valid until the next iterate().
    if (valid_until && *valid_until <= now) {
      ++st.expired;
      return true;
    }
    if (pattern_type != "stix") {
      ++st.not_stix_pattern;
      return true;
    }
    const std::vector<model::Observable> observables = model::ExtractPatternObservables(pattern);
    if (observables.empty()) {
      ++st.without_observables;
      return true;
    }
    const std::optional<uint32_t> n = builder.AddIndicator(v.id, v.modified, valid_until);
    if (!n) {
      ++st.build.invalid_ids;
      return true;
    }
    for (const model::Observable& o : observables) builder.AddObservable(*n, o);
    return true;
  });
  if (!scanned) return std::unexpected(scanned.error().WithContext("loading indicators"));
  const size_t invalid_ids = st.build.invalid_ids;
  Result<std::shared_ptr<const detail::Tables>> base = builder.Build(&st.build);
  if (!base) return std::unexpected(base.error());
  st.build.invalid_ids = invalid_ids;
  return IndicatorIndex::Create(std::move(*base), options);
}

}  // namespace socmesh::detect
