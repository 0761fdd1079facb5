#include "events/decoder.hpp"

namespace socmesh::events {

std::string_view InputFormatName(InputFormat format) {
  switch (format) {
    case InputFormat::kSyslog:
      return "syslog";
    case InputFormat::kCef:
      return "cef";
    case InputFormat::kJson:
      return "json";
  }
  return "syslog";
}

std::optional<InputFormat> ParseInputFormat(std::string_view name) {
  if (name == "syslog") return InputFormat::kSyslog;
  if (name == "cef") return InputFormat::kCef;
  if (name == "json") return InputFormat::kJson;
  return std::nullopt;
}

Result<std::unique_ptr<EventDecoder>> EventDecoder::Create(const DecoderConfig& config) {
  std::unique_ptr<EventDecoder> decoder(new EventDecoder(config));
  decoder->cef_.reference_time = config.syslog.reference_time;
  decoder->cef_.extract_indicators = config.syslog.extract_indicators;
  decoder->cef_.max_record_bytes = config.syslog.max_message_bytes;
  if (config.format == InputFormat::kJson) {
    auto parser = config.field_map ? JsonEventParser::Create(*config.field_map, config.json)
                                   : JsonEventParser::CreateAuto(config.json);
    if (!parser) return std::unexpected(parser.error());
    decoder->json_ = std::move(*parser);
  }
  return decoder;
}

Result<void> EventDecoder::Decode(std::string_view frame, Event& event) {
  switch (config_.format) {
    case InputFormat::kSyslog:
      return ParseSyslog(frame, event, config_.syslog);
    case InputFormat::kCef:
      return ParseCef(frame, event, cef_);
    case InputFormat::kJson:
      return json_->Parse(frame, event);
  }
  return Fail(ErrorCode::kInternal, "unknown input format");
}

}  // namespace socmesh::events
