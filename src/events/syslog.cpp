#include "events/syslog.hpp"

#include <string>
#include <variant>

#include "events/cef.hpp"
#include "events/detail/event_time.hpp"
#include "events/detail/text_observables.hpp"

namespace socmesh::events {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
// RFC 5424 PRINTUSASCII: %d33-126.
bool IsPrintUsAscii(char c) { return c >= 33 && c <= 126; }

std::unexpected<Error> ParseError(size_t offset, std::string_view what) {
  return Fail(ErrorCode::kParse, "offset " + std::to_string(offset) + ": " + std::string(what));
}

// Reads "<PRI>" (RFC 5424 6.2.1: 1-3 digits, 0-191, no leading zeros beyond "0").
Result<size_t> ReadPri(std::string_view s, SyslogMessage& out) {
  size_t i = 1;
  int value = 0;
  while (i < s.size() && IsDigit(s[i]) && i <= 3) value = value * 10 + (s[i++] - '0');
  if (i == 1) return ParseError(1, "PRI: expected 1 to 3 digits after '<'");
  if (i >= s.size() || s[i] != '>')
    return ParseError(i, "PRI: expected '>' after at most 3 digits");
  if (i > 2 && s[1] == '0') return ParseError(1, "PRI: leading zero");
  if (value > 191) return ParseError(1, "PRI: " + std::to_string(value) + " is above 191");
  out.has_pri = true;
  out.facility = value / 8;
  out.severity = value % 8;
  return i + 1;
}

// --- RFC 5424 ---

// One header field up to the next SP: NILVALUE "-" gives an empty field.
Result<std::string_view> HeaderField(std::string_view s, size_t& pos, std::string_view name,
                                     size_t max_len) {
  const size_t start = pos;
  while (pos < s.size() && s[pos] != ' ') {
    if (!IsPrintUsAscii(s[pos])) {
      return ParseError(pos, std::string(name) + ": byte outside printable US-ASCII");
    }
    ++pos;
  }
  const std::string_view field = s.substr(start, pos - start);
  if (field.empty()) return ParseError(start, std::string(name) + ": empty (use \"-\" for none)");
  if (field.size() > max_len) {
    return ParseError(start,
                      std::string(name) + " longer than " + std::to_string(max_len) + " bytes");
  }
  if (pos >= s.size()) return ParseError(pos, "message ends after " + std::string(name));
  ++pos;  // the SP
  return field == "-" ? std::string_view() : field;
}

// SD-NAME: 1*32 PRINTUSASCII except '=', SP, ']', '"'.
Result<std::string_view> SdName(std::string_view s, size_t& pos, std::string_view what) {
  const size_t start = pos;
  while (pos < s.size() && IsPrintUsAscii(s[pos]) && s[pos] != '=' && s[pos] != ']' &&
         s[pos] != '"') {
    ++pos;
  }
  if (pos == start) return ParseError(start, std::string(what) + ": empty name");
  if (pos - start > 32) return ParseError(start, std::string(what) + " longer than 32 bytes");
  if (pos >= s.size()) return ParseError(pos, "structured data truncated in " + std::string(what));
  return s.substr(start, pos - start);
}

// STRUCTURED-DATA = NILVALUE / 1*SD-ELEMENT (RFC 5424 6.3).
Result<size_t> ReadStructuredData(std::string_view s, size_t pos, SyslogMessage& out) {
  if (pos >= s.size()) return ParseError(pos, "message ends before STRUCTURED-DATA");
  if (s[pos] == '-') return pos + 1;
  if (s[pos] != '[') return ParseError(pos, "STRUCTURED-DATA: expected '[' or '-'");
  while (pos < s.size() && s[pos] == '[') {
    ++pos;
    SdElement element;
    auto id = SdName(s, pos, "SD-ID");
    if (!id) return std::unexpected(id.error());
    element.id = *id;
    while (s[pos] == ' ') {
      ++pos;
      auto name = SdName(s, pos, "PARAM-NAME");
      if (!name) return std::unexpected(name.error());
      if (s[pos] != '=' || pos + 1 >= s.size() || s[pos + 1] != '"') {
        return ParseError(pos, "SD-PARAM " + std::string(*name) + ": expected =\"");
      }
      pos += 2;
      const size_t value_start = pos;
      while (pos < s.size() && s[pos] != '"') pos += s[pos] == '\\' ? 2 : 1;
      if (pos >= s.size()) {
        return ParseError(value_start, "SD-PARAM " + std::string(*name) + ": unterminated value");
      }
      element.params.push_back({*name, s.substr(value_start, pos - value_start)});
      ++pos;  // closing quote
      if (pos >= s.size()) return ParseError(pos, "structured data truncated after a value");
    }
    if (s[pos] != ']')
      return ParseError(pos,
                        "SD-ELEMENT " + std::string(element.id) + ": expected ']' or a parameter");
    ++pos;
    out.structured_data.push_back(std::move(element));
  }
  return pos;
}

Result<SyslogMessage> Parse5424(std::string_view s, size_t pos, SyslogMessage out) {
  out.format = EventFormat::kSyslog5424;
  out.version = 1;
  pos += 2;  // "1 "
  const size_t time_start = pos;
  auto time_text = HeaderField(s, pos, "TIMESTAMP", 64);
  if (!time_text) return std::unexpected(time_text.error());
  if (!time_text->empty()) {
    out.time = detail::ParseIsoTime(*time_text, /*strict=*/true);
    if (!out.time) return ParseError(time_start, "TIMESTAMP is not an RFC 5424 time stamp");
  }
  auto host = HeaderField(s, pos, "HOSTNAME", 255);
  if (!host) return std::unexpected(host.error());
  auto app = HeaderField(s, pos, "APP-NAME", 48);
  if (!app) return std::unexpected(app.error());
  auto procid = HeaderField(s, pos, "PROCID", 128);
  if (!procid) return std::unexpected(procid.error());
  auto msgid = HeaderField(s, pos, "MSGID", 32);
  if (!msgid) return std::unexpected(msgid.error());
  out.hostname = *host, out.app_name = *app, out.procid = *procid, out.msgid = *msgid;
  auto after_sd = ReadStructuredData(s, pos, out);
  if (!after_sd) return std::unexpected(after_sd.error());
  pos = *after_sd;
  if (pos < s.size()) {
    if (s[pos] != ' ') return ParseError(pos, "expected SP before MSG");
    out.msg = s.substr(pos + 1);
    if (out.msg.starts_with(kBom)) {
      out.msg.remove_prefix(kBom.size());
      out.msg_has_bom = true;
    }
  }
  return out;
}

// --- RFC 3164 ---

bool IsTagChar(char c) {
  // RFC 3164 says alphanumeric; real tags also have '-', '_', '.', '/' ("postfix/smtpd").
  return IsPrintUsAscii(c) && c != '[' && c != ':' && c != ']';
}

// Reads "TAG: ", "TAG[pid]: " at the start of `content`; returns the bytes it covers (0: none).
size_t ReadTag(std::string_view content, SyslogMessage& out) {
  size_t i = 0;
  while (i < content.size() && i < 48 && IsTagChar(content[i])) ++i;
  if (i == 0 || i >= content.size()) return 0;
  const std::string_view tag = content.substr(0, i);
  std::string_view pid;
  if (content[i] == '[') {
    const size_t close = content.find(']', i);
    if (close == std::string_view::npos || close - i > 129) return 0;
    pid = content.substr(i + 1, close - i - 1);
    i = close + 1;
    if (i < content.size() && content[i] == ':') ++i;
  } else if (content[i] == ':') {
    ++i;
  } else {
    return 0;
  }
  out.app_name = tag;
  out.procid = pid;
  if (i < content.size() && content[i] == ' ') ++i;
  return i;
}

SyslogMessage Parse3164(std::string_view s, size_t pos, model::Timestamp reference,
                        SyslogMessage out) {
  out.format = EventFormat::kSyslog3164;
  std::string_view rest = s.substr(pos);
  size_t consumed = 0;
  if (auto t = detail::ParseBsdTime(rest, reference, &consumed)) {
    out.time = t;
  } else if (auto iso = detail::ParseIsoTime(rest, false, &consumed)) {
    out.time = iso;  // rsyslog's RFC 3339 time in a BSD header
  }
  if (!out.time || consumed >= rest.size() || rest[consumed] != ' ') {
    // RFC 3164 4.3.2: without a valid TIMESTAMP the whole rest is CONTENT.
    out.time.reset();
    out.msg = rest;
    return out;
  }
  rest.remove_prefix(consumed + 1);
  while (rest.starts_with(' ')) rest.remove_prefix(1);
  // HOSTNAME, unless the next word already is a TAG ("su:", "sshd[42]:") or a CEF record.
  const size_t word_end = std::min(rest.find(' '), rest.size());
  const std::string_view word = rest.substr(0, word_end);
  const bool word_is_tag = word.ends_with(':') || word.find('[') != std::string_view::npos;
  if (!word_is_tag && !rest.starts_with("CEF:") && word_end < rest.size()) {
    out.hostname = word;
    rest.remove_prefix(word_end + 1);
  }
  if (!rest.starts_with("CEF:")) rest.remove_prefix(ReadTag(rest, out));
  out.msg = rest;
  return out;
}

std::string_view StripLineEnd(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == '\0')) {
    s.remove_suffix(1);
  }
  return s;
}

// "sd.<id>.<name>" in the event's arena.
std::string_view SdFieldName(Event& event, std::string_view id, std::string_view name) {
  char* out = event.arena.Allocate(4 + id.size() + name.size());
  size_t n = 0;
  for (std::string_view part : {std::string_view("sd."), id, std::string_view("."), name}) {
    for (char c : part) out[n++] = c;
  }
  return {out, n};
}

}  // namespace

std::string UnescapeSdValue(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 1 < raw.size() &&
        (raw[i + 1] == '"' || raw[i + 1] == '\\' || raw[i + 1] == ']')) {
      ++i;
    }
    out += raw[i];
  }
  return out;
}

Result<SyslogMessage> ParseSyslogMessage(std::string_view text, model::Timestamp reference,
                                         size_t max_message_bytes) {
  if (text.size() > max_message_bytes) {
    return Fail(ErrorCode::kTooLarge, "syslog message of " + std::to_string(text.size()) +
                                          " bytes exceeds the limit of " +
                                          std::to_string(max_message_bytes));
  }
  const std::string_view s = StripLineEnd(text);
  if (s.empty()) return ParseError(0, "empty message");
  SyslogMessage out;
  size_t pos = 0;
  if (s[0] == '<') {
    auto after = ReadPri(s, out);
    if (!after) return std::unexpected(after.error());
    pos = *after;
  }
  if (out.has_pri && pos + 1 < s.size() && s[pos] == '1' && s[pos + 1] == ' ') {
    return Parse5424(s, pos, std::move(out));
  }
  if (out.has_pri && pos < s.size() && IsDigit(s[pos]) && pos + 1 < s.size() &&
      IsDigit(s[pos + 1]) && pos + 2 < s.size() && s[pos + 2] == ' ') {
    return ParseError(pos, "VERSION " + std::string(s.substr(pos, 2)) + " is not supported");
  }
  return Parse3164(s, pos, reference, std::move(out));
}

Result<void> ParseSyslog(std::string_view text, Event& event, const SyslogOptions& options) {
  const std::string_view source = event.source;
  event.Clear();
  event.source = source;
  const model::Timestamp reference = options.reference_time.value_or(detail::Now());
  auto message = ParseSyslogMessage(text, reference, options.max_message_bytes);
  if (!message) return std::unexpected(message.error());
  event.format = message->format;
  event.time = message->time;
  event.sensor = message->hostname;
  event.type = message->app_name;
  event.message = message->msg;

  for (const SdElement& element : message->structured_data) {
    for (const SdParam& param : element.params) {
      std::string_view value = param.value;
      bool stable = true;
      if (value.find('\\') != std::string_view::npos) {
        value = event.arena.Copy(UnescapeSdValue(value));
      }
      const std::string_view field = SdFieldName(event, element.id, param.name);
      if (element.id == "origin" && param.name == "ip") {  // RFC 5424 7.2.1
        event.AddIp(value, field, stable);
      } else if (options.extract_indicators) {
        detail::AddTextObservables(value, field, event);
      }
    }
  }

  if (options.parse_cef && message->msg.starts_with("CEF:")) {
    CefOptions cef;
    cef.reference_time = reference;
    cef.extract_indicators = options.extract_indicators;
    auto parsed = detail::ParseCefInto(message->msg, event, cef);
    if (!parsed) return std::unexpected(parsed.error().WithContext("CEF in syslog MSG"));
    if (event.sensor.empty()) event.sensor = message->hostname;
    if (!event.time) event.time = message->time;
    return {};
  }
  if (options.extract_indicators) detail::AddTextObservables(message->msg, "msg", event);
  return {};
}

}  // namespace socmesh::events
