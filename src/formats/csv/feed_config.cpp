#include "formats/csv/feed_config.hpp"

#include <array>
#include <string>
#include <utility>

namespace socmesh::formats::csv {
namespace {

using model::ObservableKind;

struct RoleEntry {
  Role role;
  std::string_view name;
};

constexpr std::array<RoleEntry, 15> kRoles = {{
    {Role::kIgnore, "ignore"},
    {Role::kValue, "value"},
    {Role::kKind, "kind"},
    {Role::kFirstSeen, "first_seen"},
    {Role::kLastSeen, "last_seen"},
    {Role::kMalware, "malware"},
    {Role::kThreat, "threat"},
    {Role::kLabels, "labels"},
    {Role::kPort, "port"},
    {Role::kStatus, "status"},
    {Role::kConfidence, "confidence"},
    {Role::kReference, "reference"},
    {Role::kExternalId, "external_id"},
    {Role::kDescription, "description"},
    {Role::kTlp, "tlp"},
}};

ColumnSpec Named(std::string header, Role role) {
  ColumnSpec c;
  c.header = std::move(header);
  c.role = role;
  return c;
}

ColumnSpec At(int index, Role role) {
  ColumnSpec c;
  c.index = index;
  c.role = role;
  return c;
}

ColumnSpec WithKind(ColumnSpec c, ObservableKind kind) {
  c.kind = kind;
  return c;
}

ColumnSpec WithTime(ColumnSpec c, std::string format) {
  c.time_format = std::move(format);
  return c;
}

ColumnSpec WithList(ColumnSpec c, char separator, std::string prefix = {}) {
  c.list_separator = separator;
  c.label_prefix = std::move(prefix);
  return c;
}

// One value per line, '#' banners: URLhaus text export, OpenPHish, blocklist.de, ESET hash lists.
FeedConfig PlainList(std::string name, std::string title, std::optional<ObservableKind> kind) {
  FeedConfig f;
  f.name = std::move(name);
  f.title = std::move(title);
  f.dialect.delimiter = kWhitespaceDelimiter;
  f.dialect.quoting = false;
  f.dialect.comment_prefixes = "#;";
  ColumnSpec value = At(0, Role::kValue);
  value.kind = kind;
  f.columns = {value};
  return f;
}

FeedConfig Feodo() {
  FeedConfig f;
  f.name = "abuse.ch-feodotracker";
  f.title = "abuse.ch Feodo Tracker";
  f.home_url = "https://feodotracker.abuse.ch/blocklist/";
  f.has_header = true;
  f.tlp = model::Tlp::kClear;
  f.labels = {"botnet-c2"};
  f.columns = {
      WithTime(Named("first_seen_utc", Role::kFirstSeen), "%Y-%m-%d %H:%M:%S"),
      WithKind(Named("dst_ip", Role::kValue), ObservableKind::kIpv4),
      Named("dst_port", Role::kPort),
      Named("c2_status", Role::kStatus),
      WithTime(Named("last_online", Role::kLastSeen), "%Y-%m-%d"),
      Named("malware", Role::kMalware),
  };
  return f;
}

FeedConfig Urlhaus() {
  FeedConfig f;
  f.name = "abuse.ch-urlhaus";
  f.title = "abuse.ch URLhaus";
  f.home_url = "https://urlhaus.abuse.ch/";
  f.has_header = true;  // "# id,dateadded,…" in the live dump; some mirrors drop the '#'
  f.tlp = model::Tlp::kClear;
  f.columns = {
      Named("id", Role::kExternalId),
      WithTime(Named("dateadded", Role::kFirstSeen), "%Y-%m-%d %H:%M:%S"),
      WithKind(Named("url", Role::kValue), ObservableKind::kUrl),
      Named("url_status", Role::kStatus),
      WithTime(Named("last_online", Role::kLastSeen), "%Y-%m-%d %H:%M:%S"),
      Named("threat", Role::kThreat),
      WithList(Named("tags", Role::kLabels), ','),
      Named("urlhaus_link", Role::kReference),
  };
  return f;
}

FeedConfig Ipsum() {
  FeedConfig f;
  f.name = "stamparm-ipsum";
  f.title = "IPsum";
  f.home_url = "https://github.com/stamparm/ipsum";
  f.dialect.delimiter = kWhitespaceDelimiter;
  f.dialect.quoting = false;
  f.tlp = model::Tlp::kClear;
  // The second column counts the blocklists that list the address: kept as a label so analysts
  // can filter on it ("blocklists:3").
  f.columns = {WithKind(At(0, Role::kValue), ObservableKind::kIpv4),
               WithList(At(1, Role::kLabels), 0, "blocklists:")};
  return f;
}

FeedConfig SpamhausDrop(bool asn) {
  FeedConfig f;
  f.name = asn ? "spamhaus-asndrop" : "spamhaus-drop";
  f.title = asn ? "Spamhaus ASN-DROP" : "Spamhaus DROP";
  f.home_url = "https://www.spamhaus.org/drop/";
  f.dialect.delimiter = kWhitespaceDelimiter;
  f.dialect.quoting = false;
  f.dialect.comment_prefixes = ";#";
  f.dialect.trailing_comment = ';';
  f.tlp = model::Tlp::kClear;
  ColumnSpec value = At(0, Role::kValue);
  if (asn) value.kind = ObservableKind::kAsn;  // DROP mixes IPv4 and IPv6 ranges: classified
  f.columns = {value};
  // "1.4.0.0/17 ; SBL256893": the SBL record; "AS260 ; AE | XCONNECT24 …": country and holder.
  f.trailing_comment_role = asn ? Role::kDescription : Role::kExternalId;
  return f;
}

FeedConfig SocmeshCsv() {
  FeedConfig f;
  f.name = "socmesh-csv";
  f.title = "socmesh CSV export";
  f.has_header = true;
  f.columns = {Named("value", Role::kValue), Named("kind", Role::kKind),
               Named("first_seen", Role::kFirstSeen), WithList(Named("labels", Role::kLabels), ','),
               Named("tlp", Role::kTlp)};
  return f;
}

// IntelMQ generic CSV parser fixtures (intelmq/tests/bots/parsers/generic): the same column
// layouts as the IntelMQ tests configure.
FeedConfig IntelmqGeneric() {
  FeedConfig f;
  f.name = "intelmq-generic";
  f.title = "Sample CSV Feed";
  f.dialect.delimiter = '\t';
  f.dialect.quoting = false;
  f.default_url_scheme = "http://";
  f.columns = {
      WithTime(At(0, Role::kFirstSeen), "%Y-%m-%d %H:%M:%S"),
      At(2, Role::kDescription),
      WithKind(At(5, Role::kValue), ObservableKind::kUrl),
      WithKind(At(6, Role::kValue), ObservableKind::kIpv4),
      WithKind(At(7, Role::kValue), ObservableKind::kDomain),
  };
  return f;
}

FeedConfig IntelmqInvalid() {
  FeedConfig f;
  f.name = "intelmq-invalid";
  f.title = "Sample CSV Feed";
  f.dialect.quoting = false;
  f.columns = {
      WithTime(At(0, Role::kFirstSeen), "%d/%b/%Y:%H:%M:%S %z"),
      WithKind(At(1, Role::kValue), ObservableKind::kIpv4),
      WithKind(At(2, Role::kValue), ObservableKind::kDomain),
  };
  return f;
}

FeedConfig IntelmqMultivalue() {
  FeedConfig f;
  f.name = "intelmq-multivalue";
  f.title = "Sample CSV Feed";
  f.has_header = true;
  f.columns = {Named("source_ip", Role::kValue),  // an address or a CIDR range: classified
               WithKind(Named("source_url", Role::kValue), ObservableKind::kUrl)};
  return f;
}

FeedConfig MicrosoftDcu() {
  FeedConfig f;
  f.name = "microsoft-dcu";
  f.title = "Microsoft DCU";
  f.has_header = true;
  f.columns = {
      WithKind(Named("SourceIp", Role::kValue), ObservableKind::kIpv4),
      WithTime(Named("FileTimeUtc", Role::kFirstSeen), "filetime"),
      Named("Botnet", Role::kMalware),
      Named("SourcePort", Role::kPort),
  };
  return f;
}

FeedConfig CertEu() {
  FeedConfig f;
  f.name = "cert-eu";
  f.title = "CERT-EU";
  f.has_header = true;
  f.columns = {
      WithKind(Named("source ip", Role::kValue), ObservableKind::kIpv4),
      WithKind(Named("url", Role::kValue), ObservableKind::kUrl),
      WithKind(Named("domain name", Role::kValue), ObservableKind::kDomain),
      Named("first seen", Role::kFirstSeen),
      Named("last seen", Role::kLastSeen),
      Named("tlp", Role::kTlp),
      Named("description", Role::kDescription),
      Named("type", Role::kThreat),
      Named("destination port", Role::kPort),
      Named("confidence level", Role::kConfidence),
      Named("status", Role::kStatus),
  };
  return f;
}

struct Preset {
  std::string_view name;
  FeedConfig (*make)();
};

constexpr std::array<Preset, 13> kPresets = {{
    {"feodo", Feodo},
    {"urlhaus", Urlhaus},
    {"urlhaus-text",
     [] { return PlainList("abuse.ch-urlhaus", "abuse.ch URLhaus", ObservableKind::kUrl); }},
    {"ipsum", Ipsum},
    {"spamhaus-drop", [] { return SpamhausDrop(false); }},
    {"spamhaus-asndrop", [] { return SpamhausDrop(true); }},
    {"plain", [] { return PlainList("plain", "Plain list", std::nullopt); }},
    {"socmesh-csv", SocmeshCsv},
    {"intelmq-generic", IntelmqGeneric},
    {"intelmq-invalid", IntelmqInvalid},
    {"intelmq-multivalue", IntelmqMultivalue},
    {"microsoft-dcu", MicrosoftDcu},
    {"cert-eu", CertEu},
}};

}  // namespace

std::string_view RoleName(Role role) {
  for (const RoleEntry& e : kRoles) {
    if (e.role == role) return e.name;
  }
  return "ignore";
}

std::optional<Role> ParseRoleName(std::string_view name) {
  for (const RoleEntry& e : kRoles) {
    if (e.name == name) return e.role;
  }
  return std::nullopt;
}

std::vector<std::string_view> FeedPresetNames() {
  std::vector<std::string_view> names;
  for (const Preset& p : kPresets) names.push_back(p.name);
  return names;
}

Result<FeedConfig> FindFeedPreset(std::string_view name) {
  std::string known;
  for (const Preset& p : kPresets) {
    if (p.name == name) return p.make();
    known += known.empty() ? "" : ", ";
    known += p.name;
  }
  return Fail(ErrorCode::kNotFound,
              "unknown feed preset \"" + std::string(name) + "\" (known: " + known + ")");
}

}  // namespace socmesh::formats::csv
