#include "events/cef.hpp"

#include <algorithm>
#include <array>
#include <string>

#include "events/detail/event_time.hpp"
#include "events/detail/text_observables.hpp"
#include "events/syslog.hpp"

namespace socmesh::events {

namespace {

using model::ObservableKind;

std::unexpected<Error> ParseError(size_t offset, std::string_view what) {
  return Fail(ErrorCode::kParse, "offset " + std::to_string(offset) + ": " + std::string(what));
}

void Warn(CefRecord& record, size_t offset, std::string_view what) {
  if (record.warnings++ == 0) {
    record.first_warning = "offset " + std::to_string(offset) + ": " + std::string(what);
  }
}

// Extension keys: letters, digits and the '_', '.', '-', '[', ']' seen in vendor keys
// ("ad.Process", "cs1Label", "deviceCustomIPv6Address1").
bool IsKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-' || c == '[' || c == ']';
}

// Length of a key followed by an unescaped '=' at `pos`, or 0.
size_t KeyAt(std::string_view s, size_t pos) {
  size_t i = pos;
  while (i < s.size() && IsKeyChar(s[i])) ++i;
  return i > pos && i < s.size() && s[i] == '=' ? i - pos : 0;
}

// Unescapes a header field ("\|", "\\") or an extension value ("\=", "\\", "\n", "\r"; "\|" is
// tolerated there too). Unknown escapes stay literal, with a warning. `base` is the offset of
// `raw` in the record, for messages.
std::string_view Unescape(std::string_view raw, bool header, size_t base, std::string_view name,
                          ScratchArena& arena, CefRecord& record) {
  if (raw.find('\\') == std::string_view::npos) return raw;
  char* out = arena.Allocate(raw.size());
  size_t n = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\') {
      out[n++] = raw[i];
      continue;
    }
    const char next = i + 1 < raw.size() ? raw[i + 1] : '\0';
    if (next == '\\' || next == '|' || (!header && next == '=')) {
      out[n++] = next;
      ++i;
    } else if (!header && (next == 'n' || next == 'r')) {
      out[n++] = next == 'n' ? '\n' : '\r';
      ++i;
    } else {
      const std::string what = header ? std::string(name) : "the value of " + std::string(name);
      Warn(record, base + i,
           i + 1 < raw.size() ? "unknown escape \\" + std::string(1, next) + " in " + what
                              : "lone backslash at the end of " + what);
      out[n++] = '\\';
    }
  }
  return {out, n};
}

constexpr std::array<std::string_view, 6> kHeaderNames = {
    "Device Vendor", "Device Product", "Device Version", "Signature ID", "Name", "Severity"};

// How an extension key's value becomes observables.
enum class Role : uint8_t {
  kIp,
  kHost,
  kDomain,
  kUrl,
  kUserAgent,
  kHash,
  kFileName,
  kUser,
  kMac,
  kText,
  kCustom
};

struct KeyRole {
  std::string_view key;
  Role role;
};

// Key names (short and the full dictionary names some producers write) from the CEF
// specification's extension dictionary.
constexpr KeyRole kKeyRoles[] = {
    {"src", Role::kIp},
    {"dst", Role::kIp},
    {"dvc", Role::kIp},
    {"agt", Role::kIp},
    {"sourceTranslatedAddress", Role::kIp},
    {"destinationTranslatedAddress", Role::kIp},
    {"deviceTranslatedAddress", Role::kIp},
    {"sourceAddress", Role::kIp},
    {"destinationAddress", Role::kIp},
    {"deviceAddress", Role::kIp},
    {"c6a1", Role::kCustom},
    {"c6a2", Role::kCustom},
    {"c6a3", Role::kCustom},
    {"c6a4", Role::kCustom},
    {"shost", Role::kHost},
    {"dhost", Role::kHost},
    {"dvchost", Role::kHost},
    {"ahost", Role::kHost},
    {"sourceHostName", Role::kHost},
    {"destinationHostName", Role::kHost},
    {"deviceHostName", Role::kHost},
    {"sourceDnsDomain", Role::kDomain},
    {"destinationDnsDomain", Role::kDomain},
    {"deviceDnsDomain", Role::kDomain},
    {"request", Role::kUrl},
    {"requestUrl", Role::kUrl},
    {"requestClientApplication", Role::kUserAgent},
    {"fileHash", Role::kHash},
    {"oldFileHash", Role::kHash},
    {"fname", Role::kFileName},
    {"oldFileName", Role::kFileName},
    {"fileName", Role::kFileName},
    {"suser", Role::kUser},
    {"duser", Role::kUser},
    {"sourceUserName", Role::kUser},
    {"destinationUserName", Role::kUser},
    {"smac", Role::kMac},
    {"dmac", Role::kMac},
    {"dvcmac", Role::kMac},
    {"amac", Role::kMac},
    {"msg", Role::kText},
    {"message", Role::kText},
    {"cs1", Role::kCustom},
    {"cs2", Role::kCustom},
    {"cs3", Role::kCustom},
    {"cs4", Role::kCustom},
    {"cs5", Role::kCustom},
    {"cs6", Role::kCustom},
};

std::optional<Role> RoleOf(std::string_view key) {
  for (const KeyRole& entry : kKeyRoles) {
    if (entry.key == key) return entry.role;
  }
  return std::nullopt;
}

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// The meaning of a custom field from its label ("cs1Label=Malicious URL" -> kUrl); nullopt when
// the label names nothing matchable. c6a* fields are IPv6 addresses whatever their label says.
std::optional<Role> RoleFromLabel(std::string_view key, std::string_view label) {
  if (key.starts_with("c6a")) return Role::kIp;
  const std::string l = LowerAscii(label);
  auto has = [&l](std::string_view word) { return l.find(word) != std::string::npos; };
  if (has("url") || has("uri")) return Role::kUrl;
  if (has("mail") || has("sender") || has("recipient")) return Role::kUser;
  if (has("md5") || has("sha1") || has("sha256") || has("sha-") || has("hash")) return Role::kHash;
  if (has("user agent") || has("useragent") || has("user-agent")) return Role::kUserAgent;
  if (has("file name") || has("filename")) return Role::kFileName;
  if (has("domain") || has("host") || has("fqdn")) return Role::kHost;
  if (l == "ip" || has("ip address") || has("ipaddress") || has(" ip") || l.starts_with("ip ")) {
    return Role::kIp;
  }
  return std::nullopt;
}

void AddByRole(Role role, std::string_view value, std::string_view field, Event& event,
               const CefOptions& options) {
  if (value.empty()) return;
  switch (role) {
    case Role::kIp:
      event.AddIp(value, field);
      break;
    case Role::kHost:
      event.AddHost(value, field);
      break;
    case Role::kDomain:
      event.AddObservable(ObservableKind::kDomain, value, field);
      break;
    case Role::kUrl:
      event.AddObservable(ObservableKind::kUrl, value, field);
      break;
    case Role::kUserAgent:
      event.AddObservable(ObservableKind::kUserAgent, value, field);
      break;
    case Role::kHash:
      event.AddHash(value, field);
      break;
    case Role::kFileName:
      event.AddObservable(ObservableKind::kFileName, value, field);
      break;
    case Role::kUser:
      // User names are not observables; those that are e-mail addresses are.
      if (value.find('@') != std::string_view::npos) event.AddEmail(value, field);
      break;
    case Role::kMac:
      event.AddObservable(ObservableKind::kMac, value, field);
      break;
    case Role::kText:
      if (options.extract_indicators) detail::AddTextObservables(value, field, event);
      break;
    case Role::kCustom:
      break;
  }
}

// The CefRecord of the calling thread, reused so that a stream of records stops allocating.
CefRecord& ThreadRecord() {
  thread_local CefRecord record;
  return record;
}

}  // namespace

void CefRecord::Clear() {
  version = 0;
  vendor = product = device_version = signature_id = name = severity = {};
  extensions.clear();
  warnings = 0;
  first_warning.clear();
}

Result<void> ParseCefRecord(std::string_view text, ScratchArena& arena, CefRecord& record,
                            size_t max_record_bytes) {
  record.Clear();
  if (text.size() > max_record_bytes) {
    return Fail(ErrorCode::kTooLarge, "CEF record of " + std::to_string(text.size()) +
                                          " bytes exceeds the limit of " +
                                          std::to_string(max_record_bytes));
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == '\0')) {
    text.remove_suffix(1);
  }
  if (!text.starts_with("CEF:")) return ParseError(0, "expected \"CEF:\"");
  size_t pos = 4;
  // Version: "0" or "1" in practice; any small decimal number is read.
  const size_t version_start = pos;
  int version = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && pos - version_start < 3) {
    version = version * 10 + (text[pos++] - '0');
  }
  if (pos == version_start || pos >= text.size() || text[pos] != '|') {
    return ParseError(version_start, "CEF version: expected a number followed by '|'");
  }
  record.version = version;
  ++pos;
  std::array<std::string_view*, 6> header = {&record.vendor,         &record.product,
                                             &record.device_version, &record.signature_id,
                                             &record.name,           &record.severity};
  for (size_t field = 0; field < header.size(); ++field) {
    const size_t start = pos;
    while (pos < text.size() && text[pos] != '|') pos += text[pos] == '\\' ? 2 : 1;
    if (pos >= text.size()) {
      return ParseError(std::min(pos, text.size()),
                        "truncated CEF header: field " + std::to_string(field + 2) + " of 7 (" +
                            std::string(kHeaderNames[field]) + ") not terminated by '|'");
    }
    *header[field] =
        Unescape(text.substr(start, pos - start), true, start, kHeaderNames[field], arena, record);
    ++pos;
  }

  // Extension: key=value pairs; a value runs until the space before the next "key=".
  while (pos < text.size()) {
    while (pos < text.size() && text[pos] == ' ') ++pos;
    if (pos >= text.size()) break;
    const size_t key_len = KeyAt(text, pos);
    if (key_len == 0) {
      Warn(record, pos, "extension text without a key= before it");
      while (pos < text.size() && !(text[pos] == ' ' && KeyAt(text, pos + 1) > 0)) ++pos;
      continue;
    }
    const std::string_view key = text.substr(pos, key_len);
    pos += key_len + 1;
    const size_t value_start = pos;
    while (pos < text.size()) {
      if (text[pos] == '\\') {
        pos += 2;
        continue;
      }
      if (text[pos] == ' ' && KeyAt(text, pos + 1) > 0) break;
      if (text[pos] == '=') Warn(record, pos, "unescaped '=' in the value of " + std::string(key));
      ++pos;
    }
    pos = std::min(pos, text.size());
    std::string_view raw = text.substr(value_start, pos - value_start);
    while (!raw.empty() && raw.back() == ' ') raw.remove_suffix(1);
    const std::string_view value = Unescape(raw, false, value_start, key, arena, record);
    record.extensions.push_back({key, value});
  }
  return {};
}

std::string_view CefValue(const CefRecord& record, std::string_view key) {
  for (const CefExtension& e : record.extensions) {
    if (e.key == key) return e.value;
  }
  return {};
}

namespace detail {

Result<void> ParseCefInto(std::string_view record_text, Event& event, const CefOptions& options) {
  CefRecord& record = ThreadRecord();
  auto parsed = ParseCefRecord(record_text, event.arena, record, options.max_record_bytes);
  if (!parsed) return parsed;
  if (record.warnings > 0) {
    event.warnings += record.warnings - 1;
    event.Warn(record.first_warning);
  }
  event.format = EventFormat::kCef;
  event.type = record.signature_id;
  event.message = record.name;
  const model::Timestamp reference = options.reference_time.value_or(Now());
  for (std::string_view key : {"rt", "deviceReceiptTime", "end", "start"}) {
    const std::string_view value = CefValue(record, key);
    if (value.empty()) continue;
    event.time = ParseCefTime(value, reference);
    if (!event.time) event.Warn("unreadable time in " + std::string(key));
    break;
  }
  for (std::string_view key : {"dvchost", "deviceHostName", "dvc", "deviceAddress"}) {
    if (std::string_view value = CefValue(record, key); !value.empty()) {
      event.sensor = value;
      break;
    }
  }
  for (const CefExtension& e : record.extensions) {
    std::optional<Role> role = RoleOf(e.key);
    if (!role) continue;
    std::string_view field = e.key;
    if (*role == Role::kCustom) {
      // "cs1" is labelled by "cs1Label"; the label, when present, names the field.
      char label_key[16];
      const size_t n = std::min(e.key.size(), sizeof label_key - 5);
      std::copy_n(e.key.data(), n, label_key);
      std::copy_n("Label", 5, label_key + n);
      const std::string_view label = CefValue(record, std::string_view(label_key, n + 5));
      role = RoleFromLabel(e.key, label);
      if (!role) continue;
      if (!label.empty()) field = label;
    }
    AddByRole(*role, e.value, field, event, options);
  }
  return {};
}

}  // namespace detail

Result<void> ParseCef(std::string_view text, Event& event, const CefOptions& options) {
  if (!text.starts_with("CEF:")) {
    // A syslog header before the record: the syslog parser finds and reads it.
    SyslogOptions syslog;
    syslog.reference_time = options.reference_time;
    syslog.extract_indicators = options.extract_indicators;
    syslog.max_message_bytes = options.max_record_bytes;
    auto parsed = ParseSyslog(text, event, syslog);
    if (!parsed) return parsed;
    if (event.format != EventFormat::kCef) {
      return Fail(ErrorCode::kParse, "offset 0: no CEF record (expected \"CEF:\")");
    }
    return {};
  }
  const std::string_view source = event.source;
  event.Clear();
  event.source = source;
  return detail::ParseCefInto(text, event, options);
}

}  // namespace socmesh::events
