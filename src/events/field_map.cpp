#include "events/field_map.hpp"

#include <optional>

namespace socmesh::events {

namespace {

using model::ObservableKind;

FieldRule Rule(std::string path, FieldRole role) { return {std::move(path), role, {}}; }
FieldRule Obs(std::string path, ObservableKind kind) {
  return {std::move(path), FieldRole::kObservable, kind};
}

FieldMap MakeEveMap() {
  FieldMap map{"suricata-eve", EventFormat::kSuricataEve, {}};
  map.rules = {
      Rule("timestamp", FieldRole::kTime),
      Rule("event_type", FieldRole::kType),
      Rule("host", FieldRole::kSensor),  // sensor-name in suricata.yaml
      Rule("src_ip", FieldRole::kIp),
      Rule("dest_ip", FieldRole::kIp),
      Rule("alert.signature", FieldRole::kText),
      // http (also inside alert events with http metadata)
      Rule("http.hostname", FieldRole::kHost),
      Rule("http.hostname", FieldRole::kUrlHost),
      Rule("http.url", FieldRole::kUrlPath),
      Obs("http.http_user_agent", ObservableKind::kUserAgent),
      Obs("http.http_refer", ObservableKind::kUrl),
      Obs("http.redirect", ObservableKind::kUrl),
      // dns: version 2 (rrname, answers, grouped) and version 3 (queries, answers)
      Obs("dns.rrname", ObservableKind::kDomain),
      Obs("dns.queries.rrname", ObservableKind::kDomain),
      Obs("dns.answers.rrname", ObservableKind::kDomain),
      Rule("dns.answers.rdata", FieldRole::kHost),
      Rule("dns.grouped.A", FieldRole::kIp),
      Rule("dns.grouped.AAAA", FieldRole::kIp),
      Rule("dns.grouped.CNAME", FieldRole::kHost),
      Rule("dns.grouped.PTR", FieldRole::kHost),
      Rule("dns.grouped.NS", FieldRole::kHost),
      Rule("dns.grouped.MX", FieldRole::kHost),
      // tls / quic
      Rule("tls.sni", FieldRole::kHost),
      Rule("quic.sni", FieldRole::kHost),
      // fileinfo
      Obs("fileinfo.filename", ObservableKind::kFileName),
      Obs("fileinfo.md5", ObservableKind::kMd5),
      Obs("fileinfo.sha1", ObservableKind::kSha1),
      Obs("fileinfo.sha256", ObservableKind::kSha256),
      // smtp envelope and parsed e-mail headers
      Rule("smtp.mail_from", FieldRole::kEmail),
      Rule("smtp.rcpt_to", FieldRole::kEmail),
      Rule("email.from", FieldRole::kEmail),
      Rule("email.to", FieldRole::kEmail),
      Rule("email.cc", FieldRole::kEmail),
      Obs("email.attachment", ObservableKind::kFileName),
      Obs("email.url", ObservableKind::kUrl),
      // dhcp / ethernet
      Rule("dhcp.assigned_ip", FieldRole::kIp),
      Rule("dhcp.client_ip", FieldRole::kIp),
      Obs("dhcp.client_mac", ObservableKind::kMac),
      Obs("ether.src_mac", ObservableKind::kMac),
      Obs("ether.dest_mac", ObservableKind::kMac),
  };
  return map;
}

FieldMap MakeZeekMap() {
  FieldMap map{"zeek", EventFormat::kZeek, {}};
  map.rules = {
      Rule("ts", FieldRole::kTime),
      Rule("_path", FieldRole::kType),
      Rule("_system_name", FieldRole::kSensor),
      Rule("id.orig_h", FieldRole::kIp),
      Rule("id.resp_h", FieldRole::kIp),
      // notice.log
      Rule("src", FieldRole::kIp),
      Rule("dst", FieldRole::kIp),
      Rule("msg", FieldRole::kText),
      // dns.log
      Obs("query", ObservableKind::kDomain),
      Rule("answers", FieldRole::kHost),
      // http.log (software.log's "host" is an address: kHost reads both)
      Rule("host", FieldRole::kHost),
      Rule("host", FieldRole::kUrlHost),
      Rule("uri", FieldRole::kUrlPath),
      Obs("referrer", ObservableKind::kUrl),
      Obs("user_agent", ObservableKind::kUserAgent),
      // ssl.log, x509.log
      Rule("server_name", FieldRole::kHost),
      Rule("san.dns", FieldRole::kHost),
      Rule("san.ip", FieldRole::kIp),
      // files.log
      Obs("md5", ObservableKind::kMd5),
      Obs("sha1", ObservableKind::kSha1),
      Obs("sha256", ObservableKind::kSha256),
      Obs("filename", ObservableKind::kFileName),
      Rule("tx_hosts", FieldRole::kIp),
      Rule("rx_hosts", FieldRole::kIp),
      // smtp.log
      Rule("mailfrom", FieldRole::kEmail),
      Rule("rcptto", FieldRole::kEmail),
      Rule("from", FieldRole::kEmail),
      Rule("to", FieldRole::kEmail),
      Rule("cc", FieldRole::kEmail),
      Rule("reply_to", FieldRole::kEmail),
      Rule("x_originating_ip", FieldRole::kIp),
      Rule("path", FieldRole::kIp),
      // dhcp.log
      Rule("assigned_addr", FieldRole::kIp),
      Rule("client_addr", FieldRole::kIp),
      Obs("mac", ObservableKind::kMac),
  };
  return map;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::optional<FieldRule> RuleFor(std::string_view path, std::string_view role) {
  struct Named {
    std::string_view name;
    FieldRole role;
  };
  static constexpr Named kRoles[] = {
      {"ip", FieldRole::kIp},
      {"host", FieldRole::kHost},
      {"hash", FieldRole::kHash},
      {"email-header", FieldRole::kEmail},
      {"url-host", FieldRole::kUrlHost},
      {"url-path", FieldRole::kUrlPath},
      {"time", FieldRole::kTime},
      {"sensor", FieldRole::kSensor},
      {"type", FieldRole::kType},
      {"text", FieldRole::kText},
  };
  for (const Named& named : kRoles) {
    if (named.name == role) return Rule(std::string(path), named.role);
  }
  if (auto kind = model::ParseObservableKindName(role)) return Obs(std::string(path), *kind);
  return std::nullopt;
}

}  // namespace

const FieldMap& SuricataEveFieldMap() {
  static const FieldMap map = MakeEveMap();
  return map;
}

const FieldMap& ZeekFieldMap() {
  static const FieldMap map = MakeZeekMap();
  return map;
}

Result<FieldMap> FindFieldMap(std::string_view name) {
  if (name == "suricata-eve" || name == "eve" || name == "suricata") return SuricataEveFieldMap();
  if (name == "zeek") return ZeekFieldMap();
  return Fail(ErrorCode::kNotFound,
              "no built-in field map \"" + std::string(name) + "\" (known: suricata-eve, zeek)");
}

Result<FieldMap> ParseFieldMap(std::string_view spec, std::string name) {
  FieldMap map{std::move(name), EventFormat::kJson, {}};
  size_t entry = 0;
  while (!spec.empty()) {
    const size_t end = std::min(spec.find_first_of(",;\n"), spec.size());
    const std::string_view item = Trim(spec.substr(0, end));
    spec.remove_prefix(std::min(end + 1, spec.size()));
    if (item.empty()) continue;
    ++entry;
    const std::string where = "entry " + std::to_string(entry) + " (\"" + std::string(item) + "\")";
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return Fail(ErrorCode::kInvalidArgument, where + ": expected path=role");
    }
    const std::string_view path = Trim(item.substr(0, eq));
    const std::string_view role = Trim(item.substr(eq + 1));
    if (path.empty() || path.front() == '.' || path.back() == '.' ||
        path.find("..") != std::string_view::npos) {
      return Fail(ErrorCode::kInvalidArgument, where + ": empty path or path segment");
    }
    auto rule = RuleFor(path, role);
    if (!rule) {
      return Fail(ErrorCode::kInvalidArgument,
                  where + ": unknown role \"" + std::string(role) + "\"");
    }
    map.rules.push_back(std::move(*rule));
  }
  if (map.rules.empty()) return Fail(ErrorCode::kInvalidArgument, "empty field map");
  return map;
}

}  // namespace socmesh::events
