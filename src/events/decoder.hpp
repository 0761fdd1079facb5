// One configured event format (syslog, CEF, JSON lines with a field map) behind one call, for
// inputs that receive frames (datagrams, lines, octet-counted messages) and want Events.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "core/error.hpp"
#include "events/cef.hpp"
#include "events/event.hpp"
#include "events/field_map.hpp"
#include "events/json_event.hpp"
#include "events/syslog.hpp"

namespace socmesh::events {

enum class InputFormat : uint8_t {
  kSyslog,  // RFC 5424 / RFC 3164, CEF inside MSG recognised
  kCef,     // CEF records, bare or behind a syslog header
  kJson,    // JSON lines: Suricata EVE, Zeek, or a custom field map
};

// "syslog", "cef", "json"; ParseInputFormat reads them back.
std::string_view InputFormatName(InputFormat format);
std::optional<InputFormat> ParseInputFormat(std::string_view name);

struct DecoderConfig {
  InputFormat format = InputFormat::kSyslog;
  // kJson: the field map; unset = tell Suricata EVE from Zeek per line.
  std::optional<FieldMap> field_map;
  SyslogOptions syslog;  // also used for CEF (reference time, indicator extraction, size limit)
  JsonEventOptions json;
};

// Not thread-safe: one decoder per input (or per thread).
class EventDecoder {
 public:
  static Result<std::unique_ptr<EventDecoder>> Create(const DecoderConfig& config);

  // Decodes one frame into `event` (cleared first; `event.source` kept). Views in `event` are
  // valid until the next Decode and as long as `frame`'s bytes. Errors as the format's parser.
  Result<void> Decode(std::string_view frame, Event& event);

  const DecoderConfig& config() const { return config_; }

 private:
  explicit EventDecoder(DecoderConfig config) : config_(std::move(config)) {}
  DecoderConfig config_;
  CefOptions cef_;
  std::unique_ptr<JsonEventParser> json_;
};

}  // namespace socmesh::events
