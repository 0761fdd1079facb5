// Syslog messages: RFC 5424 and RFC 3164 (BSD) as senders write them, into Events (B2c).
//
// The message text (MSG) and structured-data values go through the free-text indicator extractor
// of formats/text, so IPs, domains, URLs, e-mail addresses and hashes named in log lines become
// observables. A MSG that is a CEF record ("CEF:0|…") is read as CEF instead (events/cef.hpp).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "events/event.hpp"
#include "model/timestamp.hpp"

namespace socmesh::events {

struct SyslogOptions {
  // "Now" for year-less RFC 3164 time stamps (the year is the one nearest to it); the system clock
  // when unset. Tests inject it.
  std::optional<model::Timestamp> reference_time;
  // Run MSG and structured-data values through the free-text extractor.
  bool extract_indicators = true;
  // Read a MSG that starts with "CEF:" as a CEF record.
  bool parse_cef = true;
  // Longer messages are refused (kTooLarge) before any parsing.
  size_t max_message_bytes = 64 * 1024;
};

// RFC 5424 6.3.3 SD-PARAM. `value` is as written between the quotes: '"', '\' and ']' are still
// escaped with '\' (UnescapeSdValue gives the value).
struct SdParam {
  std::string_view name;
  std::string_view value;
};

struct SdElement {
  std::string_view id;  // "exampleSDID@32473", "origin", "meta", "timeQuality"
  std::vector<SdParam> params;
};

// One parsed message. Views point into the parsed text. Fields a message did not have are empty
// (RFC 5424 NILVALUE "-" reads as empty).
struct SyslogMessage {
  EventFormat format = EventFormat::kUnknown;  // kSyslog5424 or kSyslog3164
  bool has_pri = false;  // RFC 3164 4.3.3: a message without PRI is taken as <13> (user.notice)
  int facility = 1;
  int severity = 5;
  int version = 0;  // 1 for RFC 5424, 0 for RFC 3164
  std::optional<model::Timestamp> time;
  std::string_view hostname;
  std::string_view app_name;  // RFC 3164 TAG
  std::string_view procid;    // RFC 3164 "[pid]"
  std::string_view msgid;
  std::vector<SdElement> structured_data;
  std::string_view msg;  // without the UTF-8 BOM and trailing CR/LF/NUL
  bool msg_has_bom = false;
};

// Parses one message (no framing: the caller has removed octet counts and line ends; trailing CR,
// LF and NUL are ignored). "<PRI>1 " selects RFC 5424, read strictly: an error names the header
// field and the byte offset ("offset 27: HOSTNAME longer than 255 bytes"). Anything else is RFC
// 3164, read as leniently as relays do (RFC 3164 4.3): a missing or unrecognised time stamp leaves
// the rest as MSG. Time stamps: BSD "Mmm dd hh:mm:ss[.fff]", "Mmm dd yyyy hh:mm:ss" and RFC 3339;
// the year of BSD ones comes from `reference`. Errors: kParse (bad PRI, bad RFC 5424 header or
// structured data), kTooLarge.
Result<SyslogMessage> ParseSyslogMessage(std::string_view text, model::Timestamp reference,
                                         size_t max_message_bytes = 64 * 1024);

// The value of an SD-PARAM with its escapes ('\"', '\\', '\]') removed; other backslashes stay.
std::string UnescapeSdValue(std::string_view raw);

// Parses `text` into `event` (cleared first; `event.source` is kept): format, time, sensor
// (HOSTNAME), type (APP-NAME), message (MSG) and the observables of MSG (field "msg"), of the
// structured data (field "sd.<SD-ID>.<name>"; the RFC 5424 "origin ip" parameter as an IP
// address) or of the CEF record in MSG. Same errors as ParseSyslogMessage, and those of ParseCef
// when MSG is a CEF record.
Result<void> ParseSyslog(std::string_view text, Event& event, const SyslogOptions& options = {});

}  // namespace socmesh::events
