#include "formats/text/text_import.hpp"

#include <chrono>
#include <set>
#include <string>
#include <utility>

#include "model/canonical_json.hpp"
#include "model/identifier.hpp"
#include "model/sco_id.hpp"

namespace socmesh::formats::text {

namespace {

using model::JsonWriter;
using model::ObservableKind;

struct ScoShape {
  std::string_view type;      // SCO type
  std::string_view property;  // "value", or the hash algorithm under "hashes"
  bool is_hash = false;
};

ScoShape ShapeOf(ObservableKind kind) {
  switch (kind) {
    case ObservableKind::kIpv4:
      return {"ipv4-addr", "value"};
    case ObservableKind::kIpv6:
      return {"ipv6-addr", "value"};
    case ObservableKind::kDomain:
      return {"domain-name", "value"};
    case ObservableKind::kUrl:
      return {"url", "value"};
    case ObservableKind::kEmail:
      return {"email-addr", "value"};
    case ObservableKind::kMd5:
      return {"file", "MD5", true};
    case ObservableKind::kSha1:
      return {"file", "SHA-1", true};
    case ObservableKind::kSha256:
      return {"file", "SHA-256", true};
    default:  // the extractor yields no other kind
      return {"file", "SHA-512", true};
  }
}

// A STIX pattern string literal: backslash and quote escaped (STIX 2.1 section 9.3).
std::string PatternLiteral(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\\' || c == '\'') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

std::string Pattern(ObservableKind kind, std::string_view value) {
  const ScoShape shape = ShapeOf(kind);
  std::string path(shape.type);
  path += shape.is_hash ? ":hashes.'" + std::string(shape.property) + "'" : ":value";
  return "[" + path + " = " + PatternLiteral(value) + "]";
}

void CommonSdoProperties(JsonWriter& w, std::string_view type, const std::string& timestamp) {
  w.Key("type").String(type).Key("spec_version").String("2.1");
  w.Key("id").String(std::string(type) + "--" + model::FormatUuid(model::NewUuidV4()));
  w.Key("created").String(timestamp).Key("modified").String(timestamp);
}

void WriteIndicator(JsonWriter& w, ObservableKind kind, const std::string& value,
                    const std::string& timestamp) {
  w.BeginObject();
  CommonSdoProperties(w, "indicator", timestamp);
  w.Key("name").String(value);
  w.Key("pattern").String(Pattern(kind, value));
  w.Key("pattern_type").String("stix");
  w.Key("valid_from").String(timestamp);
  w.EndObject();
}

void WriteScoBody(JsonWriter& w, ObservableKind kind, const std::string& value) {
  const ScoShape shape = ShapeOf(kind);
  w.Key("type").String(shape.type).Key("spec_version").String("2.1");
  if (shape.is_hash) {
    w.Key("hashes").BeginObject().Key(shape.property).String(value).EndObject();
  } else {
    w.Key(shape.property).String(value);
  }
}

Result<void> WriteSco(JsonWriter& w, ObservableKind kind, const std::string& value) {
  // The id is derived from the contributing properties (spec section 2.9): the same observable
  // extracted from two reports is the same SCO.
  JsonWriter body;
  body.BeginObject();
  WriteScoBody(body, kind, value);
  body.EndObject();
  Result<std::optional<std::string>> id = model::ComputeScoId(body.str());
  if (!id) return std::unexpected(id.error());
  w.BeginObject();
  WriteScoBody(w, kind, value);
  w.Key("id").String(
      id->value_or(std::string(ShapeOf(kind).type) + "--" + model::FormatUuid(model::NewUuidV4())));
  w.EndObject();
  return {};
}

void WriteIdentifierObject(JsonWriter& w, IdKind kind, const std::string& value,
                           const std::string& timestamp) {
  const bool cve = kind == IdKind::kCve;
  w.BeginObject();
  CommonSdoProperties(w, cve ? "vulnerability" : "attack-pattern", timestamp);
  w.Key("name").String(value);
  w.Key("external_references").BeginArray().BeginObject();
  w.Key("source_name").String(cve ? "cve" : "mitre-attack");
  w.Key("external_id").String(value);
  if (!cve) {
    // T1059.001 -> https://attack.mitre.org/techniques/T1059/001/
    std::string url = "https://attack.mitre.org/techniques/" + value + "/";
    if (const size_t dot = url.find('.', 30); dot != std::string::npos) url[dot] = '/';
    w.Key("url").String(url);
  }
  w.EndObject().EndArray();
  w.EndObject();
}

model::Timestamp CurrentTime() {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return {std::chrono::duration_cast<std::chrono::microseconds>(since_epoch).count()};
}

}  // namespace

Result<model::ParsedBundle> HitsToStix(const std::vector<TextHit>& hits,
                                       const TextImportOptions& options) {
  const std::string timestamp = model::FormatTimestamp(options.now.value_or(CurrentTime()));
  JsonWriter w;
  w.BeginObject().Key("type").String("bundle");
  w.Key("id").String("bundle--" + model::FormatUuid(model::NewUuidV4()));
  w.Key("objects").BeginArray();
  std::set<std::pair<std::string_view, std::string_view>> seen;
  for (const TextHit& hit : hits) {
    if (!seen.emplace(HitKindName(hit.kind), hit.value).second) continue;
    if (const auto* id_kind = std::get_if<IdKind>(&hit.kind)) {
      WriteIdentifierObject(w, *id_kind, hit.value, timestamp);
      continue;
    }
    const auto kind = std::get<ObservableKind>(hit.kind);
    if (options.mode == TextImportMode::kIndicators) {
      WriteIndicator(w, kind, hit.value, timestamp);
    } else if (Result<void> sco = WriteSco(w, kind, hit.value); !sco) {
      return std::unexpected(sco.error());
    }
  }
  w.EndArray().EndObject();
  return model::ParseBundle(w.str());
}

Result<model::ParsedBundle> ImportText(std::string_view text, const TextImportOptions& options) {
  Result<std::vector<TextHit>> hits = ExtractIndicators(text, options.extract);
  if (!hits) return std::unexpected(hits.error());
  return HitsToStix(*hits, options);
}

}  // namespace socmesh::formats::text
