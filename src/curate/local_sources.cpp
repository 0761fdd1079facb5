#include "curate/local_sources.hpp"

#include "formats/csv/feed_config.hpp"
#include "formats/csv/feed_import.hpp"
#include "model/canonical_json.hpp"

namespace socmesh::curate {

namespace {

std::string TextIdentityJson(const std::string& id) {
  model::JsonWriter w;
  w.BeginObject()
      .Key("type")
      .String("identity")
      .Key("spec_version")
      .String("2.1")
      .Key("id")
      .String(id)
      // Fixed times: the identity is the same object on every import (no new version).
      .Key("created")
      .String("1970-01-01T00:00:00.000Z")
      .Key("modified")
      .String("1970-01-01T00:00:00.000Z")
      .Key("name")
      .String("socmesh free-text import")
      .Key("identity_class")
      .String("system")
      .EndObject();
  return w.Take();
}

}  // namespace

std::unordered_map<std::string, std::string> LocalFeedCreators() {
  std::unordered_map<std::string, std::string> out;
  for (std::string_view name : formats::csv::FeedPresetNames()) {
    auto preset = formats::csv::FindFeedPreset(name);
    if (!preset) continue;
    out.emplace(formats::csv::FeedIdentityId(preset->name), preset->name);
  }
  out.emplace(formats::csv::FeedIdentityId(kTextImportFeed), std::string(kTextImportFeed));
  return out;
}

Result<std::vector<model::StixObject>> AdoptAnonymousIndicators(
    std::span<const model::StixObject> batch) {
  const std::string identity = formats::csv::FeedIdentityId(kTextImportFeed);
  std::vector<model::StixObject> out;
  out.reserve(batch.size() + 1);
  auto parsed = model::ParseStixObject(TextIdentityJson(identity));
  if (!parsed) return std::unexpected(parsed.error());
  out.push_back(std::move(*parsed));
  for (const model::StixObject& o : batch) {
    if (o.type != "indicator" || !o.created_by_ref.empty()) {
      out.push_back(o);
      continue;
    }
    // Canonical JSON starts with "{": the new property goes first and JCS re-sorts it.
    auto json = model::CanonicalizeJson("{\"created_by_ref\":\"" + identity + "\"," +
                                        o.canonical_json.substr(1));
    if (!json) return std::unexpected(json.error());
    auto owned = model::ParseStixObject(*json);
    if (!owned) return std::unexpected(owned.error());
    out.push_back(std::move(*owned));
  }
  return out;
}

}  // namespace socmesh::curate
