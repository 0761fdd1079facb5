#include <string>
#include <string_view>

#include "formats/csv/detail/feed_objects.hpp"
#include "formats/csv/feed_import.hpp"
#include "model/canonical_json.hpp"
#include "model/identifier.hpp"

namespace socmesh::formats::csv {
namespace {

using model::ObservableKind;

// Namespace of feed object ids (a random UUID fixed once for socmesh; never change it, or every
// feed indicator gets a new id on the next import).
constexpr model::Uuid kFeedNamespace = {0x5b, 0x0c, 0x6e, 0x3a, 0x7d, 0x21, 0x4f, 0x4e,
                                        0x9a, 0x43, 0x1c, 0x8e, 0x52, 0xd7, 0x60, 0x9f};

// The object path of the pattern comparison for each kind.
std::string_view PatternPath(ObservableKind kind) {
  switch (kind) {
    case ObservableKind::kIpv4:
      return "ipv4-addr:value";
    case ObservableKind::kIpv6:
      return "ipv6-addr:value";
    case ObservableKind::kDomain:
      return "domain-name:value";
    case ObservableKind::kUrl:
      return "url:value";
    case ObservableKind::kEmail:
      return "email-addr:value";
    case ObservableKind::kMac:
      return "mac-addr:value";
    case ObservableKind::kAsn:
      return "autonomous-system:number";
    case ObservableKind::kMd5:
      return "file:hashes.MD5";
    case ObservableKind::kSha1:
      return "file:hashes.'SHA-1'";
    case ObservableKind::kSha256:
      return "file:hashes.'SHA-256'";
    case ObservableKind::kSha512:
      return "file:hashes.'SHA-512'";
    case ObservableKind::kSha3_256:
      return "file:hashes.'SHA3-256'";
    case ObservableKind::kSha3_512:
      return "file:hashes.'SHA3-512'";
    case ObservableKind::kSsdeep:
      return "file:hashes.SSDEEP";
    case ObservableKind::kTlsh:
      return "file:hashes.TLSH";
    case ObservableKind::kFileName:
      return "file:name";
    case ObservableKind::kMutex:
      return "mutex:name";
    case ObservableKind::kRegistryKey:
      return "windows-registry-key:key";
    case ObservableKind::kUserAgent:
      return "network-traffic:extensions.'http-request-ext'.request_header.'User-Agent'";
  }
  return "x-unknown:value";
}

void AppendTlpMarking(model::JsonWriter& w, std::optional<model::Tlp> tlp) {
  if (!tlp) return;
  w.Key("object_marking_refs").BeginArray().String(model::Tlp2MarkingId(*tlp)).EndArray();
}

}  // namespace

std::string FeedIdentityId(std::string_view feed_name) {
  return "identity--" +
         model::FormatUuid(model::UuidV5(kFeedNamespace, "feed\n" + std::string(feed_name)));
}

std::string FeedIndicatorId(std::string_view feed_name, const model::Observable& observable) {
  std::string name = "indicator\n";
  name += feed_name;
  name += '\n';
  name += model::ObservableKindName(observable.kind);
  name += '\n';
  name += observable.value;
  return "indicator--" + model::FormatUuid(model::UuidV5(kFeedNamespace, name));
}

std::string PatternForObservable(const model::Observable& observable) {
  std::string pattern = "[";
  pattern += PatternPath(observable.kind);
  pattern += " = ";
  if (observable.kind == ObservableKind::kAsn) {
    pattern += observable.value;  // normalised to decimal digits
  } else {
    pattern += '\'';
    for (char c : observable.value) {
      if (c == '\'' || c == '\\') pattern += '\\';
      pattern += c;
    }
    pattern += '\'';
  }
  pattern += ']';
  return pattern;
}

namespace detail {

std::string IndicatorJson(const FeedConfig& config, const std::string& identity_id,
                          const std::string& id, const IndicatorFields& f) {
  model::JsonWriter w;
  const std::string created = model::FormatTimestamp(f.created);
  w.BeginObject();
  w.Key("type").String("indicator");
  w.Key("spec_version").String("2.1");
  w.Key("id").String(id);
  w.Key("created").String(created);
  w.Key("modified").String(f.modified == f.created ? created : model::FormatTimestamp(f.modified));
  w.Key("created_by_ref").String(identity_id);
  w.Key("name").String(f.observable.value);
  if (!f.description.empty()) w.Key("description").String(f.description);
  w.Key("indicator_types").BeginArray().String("malicious-activity").EndArray();
  w.Key("pattern").String(PatternForObservable(f.observable));
  w.Key("pattern_type").String("stix");
  w.Key("pattern_version").String("2.1");
  w.Key("valid_from").String(created);
  if (!f.labels.empty()) {
    w.Key("labels").BeginArray();
    for (const std::string& label : f.labels) w.String(label);
    w.EndArray();
  }
  if (f.confidence) w.Key("confidence").Int(*f.confidence);
  if (!f.reference_url.empty() || !f.external_id.empty()) {
    w.Key("external_references").BeginArray().BeginObject();
    w.Key("source_name").String(config.name);
    if (!f.reference_url.empty()) w.Key("url").String(f.reference_url);
    if (!f.external_id.empty()) w.Key("external_id").String(f.external_id);
    w.EndObject().EndArray();
  }
  AppendTlpMarking(w, f.tlp);
  w.EndObject();
  return w.Take();
}

std::string IdentityJson(const FeedConfig& config, const std::string& identity_id) {
  // A fixed creation time: the identity is the same object on every import (no new version).
  constexpr std::string_view kEpoch = "1970-01-01T00:00:00.000Z";
  model::JsonWriter w;
  w.BeginObject();
  w.Key("type").String("identity");
  w.Key("spec_version").String("2.1");
  w.Key("id").String(identity_id);
  w.Key("created").String(kEpoch);
  w.Key("modified").String(kEpoch);
  w.Key("name").String(config.title.empty() ? config.name : config.title);
  w.Key("identity_class").String("organization");
  if (!config.home_url.empty()) {
    w.Key("external_references").BeginArray().BeginObject();
    w.Key("source_name").String(config.name);
    w.Key("url").String(config.home_url);
    w.EndObject().EndArray();
  }
  AppendTlpMarking(w, config.tlp);
  w.EndObject();
  return w.Take();
}

}  // namespace detail
}  // namespace socmesh::formats::csv
