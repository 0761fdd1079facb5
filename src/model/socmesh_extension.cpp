#include "model/socmesh_extension.hpp"

#include <simdjson.h>

#include <array>
#include <utility>

#include "model/canonical_json.hpp"
#include "model/detail/json_parse.hpp"

namespace socmesh::model {

namespace {

constexpr std::array<std::pair<DistributionScope, std::string_view>, 5> kScopeNames{{
    {DistributionScope::kOrganisation, "organisation"},
    {DistributionScope::kNational, "national"},
    {DistributionScope::kConsortium, "consortium"},
    {DistributionScope::kNetwork, "network"},
    {DistributionScope::kSharingGroup, "sharing-group"},
}};

std::string ExtensionPath() { return "$.extensions['" + std::string(kSocmeshExtensionId) + "']"; }

Error Malformed(const std::string& path, std::string_view what) {
  return Error{ErrorCode::kInvalidStix, path + ": " + std::string(what)};
}

Result<std::string> ReadString(simdjson::dom::element value, const std::string& path) {
  std::string_view s;
  if (value.get(s) != simdjson::SUCCESS) return std::unexpected(Malformed(path, "not a string"));
  return std::string(s);
}

Result<std::vector<std::string>> ReadStringList(simdjson::dom::element value,
                                                const std::string& path) {
  simdjson::dom::array array;
  if (value.get(array) != simdjson::SUCCESS) {
    return std::unexpected(Malformed(path, "not a list"));
  }
  std::vector<std::string> out;
  size_t i = 0;
  for (simdjson::dom::element item : array) {
    auto s = ReadString(item, path + "[" + std::to_string(i++) + "]");
    if (!s) return std::unexpected(s.error());
    if (s->empty()) return std::unexpected(Malformed(path, "empty name in list"));
    out.push_back(std::move(*s));
  }
  return out;
}

Result<Timestamp> ReadTime(simdjson::dom::element value, const std::string& path) {
  auto s = ReadString(value, path);
  if (!s) return std::unexpected(s.error());
  auto t = ParseTimestamp(*s);
  if (!t) return std::unexpected(Malformed(path, t.error().message));
  return *t;
}

Result<Provenance> ReadProvenance(simdjson::dom::element value, const std::string& path) {
  simdjson::dom::object object;
  if (value.get(object) != simdjson::SUCCESS) {
    return std::unexpected(Malformed(path, "not an object"));
  }
  Provenance p;
  for (auto [key, field] : object) {
    const std::string field_path = path + "." + std::string(key);
    if (key == "source" || key == "reference") {
      auto s = ReadString(field, field_path);
      if (!s) return std::unexpected(s.error());
      (key == "source" ? p.source : p.reference) = std::move(*s);
    } else if (key == "first_seen" || key == "last_seen") {
      auto t = ReadTime(field, field_path);
      if (!t) return std::unexpected(t.error());
      (key == "first_seen" ? p.first_seen : p.last_seen) = *t;
    } else if (key == "confidence") {
      int64_t c = 0;
      if (field.get(c) != simdjson::SUCCESS || c < 0 || c > 100) {
        return std::unexpected(Malformed(field_path, "not an integer from 0 to 100"));
      }
      p.confidence = static_cast<int>(c);
    }
    // Unknown provenance properties are ignored: newer socmesh versions may add some.
  }
  if (p.source.empty()) return std::unexpected(Malformed(path, "source missing or empty"));
  return p;
}

Result<SocmeshMetadata> ReadExtension(simdjson::dom::object ext, const std::string& path) {
  SocmeshMetadata m;
  for (auto [key, value] : ext) {
    const std::string field_path = path + "." + std::string(key);
    if (key == "origin_organisation" || key == "origin_country") {
      auto s = ReadString(value, field_path);
      if (!s) return std::unexpected(s.error());
      (key == "origin_organisation" ? m.origin_organisation : m.origin_country) = std::move(*s);
    } else if (key == "scope") {
      auto s = ReadString(value, field_path);
      if (!s) return std::unexpected(s.error());
      auto scope = ParseDistributionScope(*s);
      if (!scope) return std::unexpected(Malformed(field_path, "unknown scope \"" + *s + "\""));
      m.scope = *scope;
    } else if (key == "recipients" || key == "sharing_groups") {
      auto list = ReadStringList(value, field_path);
      if (!list) return std::unexpected(list.error());
      (key == "recipients" ? m.recipients : m.sharing_groups) = std::move(*list);
    } else if (key == "provenance") {
      simdjson::dom::array array;
      if (value.get(array) != simdjson::SUCCESS) {
        return std::unexpected(Malformed(field_path, "not a list"));
      }
      size_t i = 0;
      for (simdjson::dom::element item : array) {
        auto p = ReadProvenance(item, field_path + "[" + std::to_string(i++) + "]");
        if (!p) return std::unexpected(p.error());
        m.provenance.push_back(std::move(*p));
      }
    }
  }
  if (!m.origin_country.empty() && m.origin_country.size() != 2) {
    return std::unexpected(
        Malformed(path + ".origin_country", "not an ISO 3166-1 alpha-2 country code"));
  }
  return m;
}

void WriteExtension(JsonWriter& w, const SocmeshMetadata& m) {
  w.BeginObject().Key("extension_type").String("property-extension");
  if (!m.origin_organisation.empty()) {
    w.Key("origin_organisation").String(m.origin_organisation);
  }
  if (!m.origin_country.empty()) w.Key("origin_country").String(m.origin_country);
  if (m.scope) w.Key("scope").String(DistributionScopeName(*m.scope));
  auto list = [&w](std::string_view key, const std::vector<std::string>& items) {
    if (items.empty()) return;
    w.Key(key).BeginArray();
    for (const auto& item : items) w.String(item);
    w.EndArray();
  };
  list("recipients", m.recipients);
  list("sharing_groups", m.sharing_groups);
  if (!m.provenance.empty()) {
    w.Key("provenance").BeginArray();
    for (const auto& p : m.provenance) {
      w.BeginObject().Key("source").String(p.source);
      if (!p.reference.empty()) w.Key("reference").String(p.reference);
      if (p.first_seen) w.Key("first_seen").String(FormatTimestamp(*p.first_seen, true));
      if (p.last_seen) w.Key("last_seen").String(FormatTimestamp(*p.last_seen, true));
      if (p.confidence) w.Key("confidence").Int(*p.confidence);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
}

Result<void> CheckWritable(const SocmeshMetadata& m) {
  for (const auto& p : m.provenance) {
    if (p.source.empty()) return Fail(ErrorCode::kInvalidArgument, "provenance without a source");
    if (p.confidence && (*p.confidence < 0 || *p.confidence > 100)) {
      return Fail(ErrorCode::kInvalidArgument,
                  "provenance confidence " + std::to_string(*p.confidence) + " outside 0..100");
    }
  }
  if (!m.origin_country.empty() && m.origin_country.size() != 2) {
    return Fail(ErrorCode::kInvalidArgument,
                "origin country \"" + m.origin_country + "\" is not ISO 3166-1 alpha-2");
  }
  return {};
}

}  // namespace

std::string_view DistributionScopeName(DistributionScope scope) {
  for (const auto& [s, name] : kScopeNames) {
    if (s == scope) return name;
  }
  return "organisation";
}

std::optional<DistributionScope> ParseDistributionScope(std::string_view name) {
  for (const auto& [s, n] : kScopeNames) {
    if (n == name) return s;
  }
  return std::nullopt;
}

Result<std::optional<SocmeshMetadata>> ReadSocmeshMetadata(std::string_view object_json) {
  detail::ParserLease lease;
  auto root = detail::ParseJson(lease.get(), object_json);
  if (!root) return std::unexpected(root.error());
  simdjson::dom::object object;
  if (root->get(object) != simdjson::SUCCESS) {
    return std::unexpected(Malformed("$", "not a JSON object"));
  }
  simdjson::dom::element extensions;
  if (object["extensions"].get(extensions) != simdjson::SUCCESS) {
    return std::optional<SocmeshMetadata>{};
  }
  simdjson::dom::object ext_map;
  if (extensions.get(ext_map) != simdjson::SUCCESS) {
    return std::unexpected(Malformed("$.extensions", "not an object"));
  }
  simdjson::dom::element ours;
  if (ext_map[kSocmeshExtensionId].get(ours) != simdjson::SUCCESS) {
    return std::optional<SocmeshMetadata>{};
  }
  simdjson::dom::object ext;
  if (ours.get(ext) != simdjson::SUCCESS) {
    return std::unexpected(Malformed(ExtensionPath(), "not an object"));
  }
  auto m = ReadExtension(ext, ExtensionPath());
  if (!m) return std::unexpected(m.error());
  return std::optional<SocmeshMetadata>(std::move(*m));
}

Result<std::string> WithSocmeshMetadata(std::string_view object_json,
                                        const SocmeshMetadata& metadata) {
  if (auto ok = CheckWritable(metadata); !ok) return std::unexpected(ok.error());
  detail::ParserLease lease;
  auto root = detail::ParseJson(lease.get(), object_json);
  if (!root) return std::unexpected(root.error());
  simdjson::dom::object object;
  if (root->get(object) != simdjson::SUCCESS) {
    return Fail(ErrorCode::kInvalidArgument, "$: not a JSON object");
  }
  JsonWriter w;
  w.BeginObject();
  bool wrote_extensions = false;
  for (auto [key, value] : object) {
    w.Key(key);
    if (key != "extensions") {
      w.Raw(simdjson::minify(value));
      continue;
    }
    simdjson::dom::object ext_map;
    if (value.get(ext_map) != simdjson::SUCCESS) {
      return Fail(ErrorCode::kInvalidArgument, "$.extensions: not an object");
    }
    w.BeginObject();
    for (auto [ext_id, ext] : ext_map) {
      if (ext_id == kSocmeshExtensionId) continue;
      w.Key(ext_id).Raw(simdjson::minify(ext));
    }
    w.Key(kSocmeshExtensionId);
    WriteExtension(w, metadata);
    w.EndObject();
    wrote_extensions = true;
  }
  if (!wrote_extensions) {
    w.Key("extensions").BeginObject().Key(kSocmeshExtensionId);
    WriteExtension(w, metadata);
    w.EndObject();
  }
  w.EndObject();
  return CanonicalizeJson(w.str());
}

std::string SocmeshExtensionDefinitionJson() {
  JsonWriter w;
  w.BeginObject()
      .Key("type")
      .String("extension-definition")
      .Key("spec_version")
      .String("2.1")
      .Key("id")
      .String(kSocmeshExtensionId)
      .Key("created_by_ref")
      .String("identity--2b8a4cbe-5f0e-4a43-8f7d-4d0f1c9b6a11")
      .Key("created")
      .String("2026-11-23T00:00:00.000Z")
      .Key("modified")
      .String("2026-11-23T00:00:00.000Z")
      .Key("name")
      .String("socmesh distribution and provenance")
      .Key("description")
      .String(
          "Origin organisation and country, distribution scope (organisation, national, "
          "consortium, network, sharing-group), explicit recipients, sharing groups and per-source "
          "provenance of an object shared in the socmesh network of SOCs.")
      .Key("schema")
      .String("https://socmesh.invalid/schema/socmesh-extension-1.json")
      .Key("version")
      .String("1.0.0")
      .Key("extension_types")
      .BeginArray()
      .String("property-extension")
      .EndArray()
      .EndObject();
  return *CanonicalizeJson(w.str());
}

}  // namespace socmesh::model
