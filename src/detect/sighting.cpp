#include "detect/sighting.hpp"

#include <algorithm>

#include "model/canonical_json.hpp"
#include "model/identifier.hpp"
#include "model/sco_id.hpp"
#include "model/socmesh_extension.hpp"

namespace socmesh::detect {

namespace {

using model::ObservableKind;

// Namespace of socmesh's deterministic sighting ids (a fixed random UUID).
constexpr model::Uuid kSightingNamespace = {0x3f, 0x1d, 0x7a, 0x52, 0x94, 0x0b, 0x4e, 0x61,
                                            0xa8, 0x2c, 0x5d, 0x17, 0xe0, 0x93, 0x4b, 0xc6};

std::optional<std::string_view> HashName(ObservableKind kind) {
  switch (kind) {
    case ObservableKind::kMd5:
      return "MD5";
    case ObservableKind::kSha1:
      return "SHA-1";
    case ObservableKind::kSha256:
      return "SHA-256";
    case ObservableKind::kSha512:
      return "SHA-512";
    case ObservableKind::kSha3_256:
      return "SHA3-256";
    case ObservableKind::kSha3_512:
      return "SHA3-512";
    case ObservableKind::kSsdeep:
      return "SSDEEP";
    case ObservableKind::kTlsh:
      return "TLSH";
    default:
      return std::nullopt;
  }
}

std::string Time(model::Timestamp t) { return model::FormatTimestamp(t); }

Result<model::StixObject> Parse(const std::string& json) {
  auto parsed = model::ParseStixObject(json);
  if (!parsed) return std::unexpected(parsed.error().WithContext("sighting objects"));
  return parsed;
}

}  // namespace

SightingAggregator::SightingAggregator(int64_t interval_seconds, size_t max_open)
    : interval_micros_(std::max<int64_t>(interval_seconds, 1) * 1'000'000), max_open_(max_open) {}

bool SightingAggregator::Record(std::string_view indicator_id, ObservableKind kind,
                                std::string_view value, model::Timestamp at) {
  const int64_t start =
      at.micros - ((at.micros % interval_micros_) + interval_micros_) % interval_micros_;
  Key key{start, std::string(indicator_id), kind, std::string(value)};
  auto it = open_.find(key);
  if (it == open_.end()) {
    if (open_.size() >= max_open_) {
      ++dropped_;
      return false;
    }
    SightingRecord r{std::string(indicator_id), {kind, std::string(value)}, {start}, at, at, 0};
    it = open_.emplace(std::move(key), std::move(r)).first;
  }
  SightingRecord& r = it->second;
  r.first_seen = std::min(r.first_seen, at);
  r.last_seen = std::max(r.last_seen, at);
  ++r.count;
  return true;
}

std::vector<SightingRecord> SightingAggregator::Take(model::Timestamp now, bool all) {
  std::vector<SightingRecord> out;
  auto it = open_.begin();
  while (it != open_.end()) {
    if (!all && std::get<0>(it->first) + interval_micros_ > now.micros) break;
    out.push_back(std::move(it->second));
    it = open_.erase(it);
  }
  return out;
}

std::optional<std::string> ScoForObservable(const model::Observable& o) {
  model::JsonWriter w;
  w.BeginObject();
  auto simple = [&](std::string_view type, std::string_view key) {
    w.Key("type").String(type).Key(key).String(o.value);
  };
  switch (o.kind) {
    case ObservableKind::kIpv4:
      simple("ipv4-addr", "value");
      break;
    case ObservableKind::kIpv6:
      simple("ipv6-addr", "value");
      break;
    case ObservableKind::kDomain:
      simple("domain-name", "value");
      break;
    case ObservableKind::kUrl:
      simple("url", "value");
      break;
    case ObservableKind::kEmail:
      simple("email-addr", "value");
      break;
    case ObservableKind::kMac:
      simple("mac-addr", "value");
      break;
    case ObservableKind::kFileName:
      simple("file", "name");
      break;
    case ObservableKind::kMutex:
      simple("mutex", "name");
      break;
    case ObservableKind::kRegistryKey:
      simple("windows-registry-key", "key");
      break;
    case ObservableKind::kAsn: {
      int64_t number = 0;
      for (char c : o.value) {
        if (c < '0' || c > '9' || number > 0xffffffffLL) return std::nullopt;
        number = number * 10 + (c - '0');
      }
      w.Key("type").String("autonomous-system").Key("number").Int(number);
      break;
    }
    case ObservableKind::kUserAgent:
      return std::nullopt;
    default: {
      auto hash = HashName(o.kind);
      if (!hash) return std::nullopt;
      w.Key("type").String("file").Key("hashes").BeginObject().Key(*hash).String(o.value);
      w.EndObject();
      break;
    }
  }
  w.Key("spec_version").String("2.1");
  w.EndObject();
  return w.Take();
}

Result<std::vector<model::StixObject>> SightingObjects(const SightingRecord& r,
                                                       const SightingContext& context,
                                                       const SightedIndicator& indicator,
                                                       model::Timestamp now) {
  if (context.identity_id.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "sightings need this organisation's identity id");
  }
  const std::string name = r.indicator_id + "|" +
                           std::string(model::ObservableKindName(r.observable.kind)) + "|" +
                           r.observable.value + "|" + std::to_string(r.interval_start.micros) +
                           "|" + context.identity_id;
  const std::string uuid = model::FormatUuid(model::UuidV5(kSightingNamespace, name));
  std::vector<model::StixObject> out;

  // The SCO with its deterministic id, when STIX has one for this kind.
  std::optional<std::string> sco_id;
  if (auto sco = ScoForObservable(r.observable)) {
    auto id = model::ComputeScoId(*sco);
    if (id && *id) {
      sco_id = **id;
      std::string with_id = sco->substr(0, sco->size() - 1) + ",\"id\":\"" + *sco_id + "\"}";
      auto obj = Parse(with_id);
      if (!obj) return std::unexpected(obj.error());
      out.push_back(std::move(*obj));
    }
  }
  auto common = [&](model::JsonWriter& w, std::string_view type, std::string_view id) {
    w.Key("type").String(type).Key("spec_version").String("2.1").Key("id").String(id);
    w.Key("created").String(Time(now)).Key("modified").String(Time(now));
    w.Key("created_by_ref").String(context.identity_id);
    if (indicator.tlp) {
      w.Key("object_marking_refs").BeginArray().String(model::Tlp2MarkingId(*indicator.tlp));
      w.EndArray();
    }
  };
  model::SocmeshMetadata meta;
  meta.origin_organisation = context.organisation;
  meta.origin_country = context.country;
  if (!indicator.origin_organisation.empty() &&
      indicator.origin_organisation != context.organisation) {
    meta.recipients.push_back(indicator.origin_organisation);
  }
  auto finish = [&](model::JsonWriter& w) -> Result<model::StixObject> {
    w.EndObject();
    auto with_meta = model::WithSocmeshMetadata(w.str(), meta);
    if (!with_meta) return std::unexpected(with_meta.error());
    return Parse(*with_meta);
  };

  std::optional<std::string> observed_id;
  if (sco_id) {
    observed_id = "observed-data--" + uuid;
    model::JsonWriter w;
    w.BeginObject();
    common(w, "observed-data", *observed_id);
    w.Key("first_observed")
        .String(Time(r.first_seen))
        .Key("last_observed")
        .String(Time(r.last_seen));
    w.Key("number_observed").Int(static_cast<int64_t>(std::min<uint64_t>(r.count, 999'999'999)));
    w.Key("object_refs").BeginArray().String(*sco_id).EndArray();
    auto obj = finish(w);
    if (!obj) return std::unexpected(obj.error());
    out.push_back(std::move(*obj));
  }
  model::JsonWriter w;
  w.BeginObject();
  common(w, "sighting", "sighting--" + uuid);
  w.Key("first_seen").String(Time(r.first_seen)).Key("last_seen").String(Time(r.last_seen));
  w.Key("count").Int(static_cast<int64_t>(std::min<uint64_t>(r.count, 999'999'999)));
  w.Key("sighting_of_ref").String(r.indicator_id);
  w.Key("where_sighted_refs").BeginArray().String(context.identity_id).EndArray();
  if (observed_id) w.Key("observed_data_refs").BeginArray().String(*observed_id).EndArray();
  auto sighting = finish(w);
  if (!sighting) return std::unexpected(sighting.error());
  out.push_back(std::move(*sighting));
  return out;
}

}  // namespace socmesh::detect
