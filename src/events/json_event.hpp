// JSON-lines events (Suricata EVE, Zeek JSON logs, any JSON with a field map) into Events (B2c).
//
// Built on simdjson's on-demand API and made for the detection hot path: one pass over each
// object in document order, keys matched against a trie compiled from the field map, values read
// only when a rule names them, normalised values referring to the input when they already are in
// normal form. A parser reused over a stream allocates nothing per event once warmed up.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "core/error.hpp"
#include "events/event.hpp"
#include "events/field_map.hpp"

namespace socmesh::events {

// ParsePadded's callers keep this many readable bytes after each line (any content).
inline constexpr size_t kJsonPadding = 64;

struct JsonEventOptions {
  // Longer lines are refused (kTooLarge).
  size_t max_line_bytes = 1 << 20;
};

class JsonEventParser {
 public:
  // A parser for one field map (the map is copied and compiled).
  static Result<std::unique_ptr<JsonEventParser>> Create(const FieldMap& map,
                                                         const JsonEventOptions& options = {});
  // A parser that tells Suricata EVE from Zeek per line: a line with an "event_type" key is EVE,
  // else one with "_path", "ts" or "uid" is Zeek, else the line is refused (kParse).
  static Result<std::unique_ptr<JsonEventParser>> CreateAuto(const JsonEventOptions& options = {});

  ~JsonEventParser();
  JsonEventParser(const JsonEventParser&) = delete;
  JsonEventParser& operator=(const JsonEventParser&) = delete;

  // Parses one JSON object into `event` (cleared first; `event.source` is kept). The line is
  // copied into a padded buffer owned by the parser. Views in `event` point into that buffer,
  // the parser's string buffer and `event.arena`: valid until the next Parse/ParsePadded call.
  // Values that do not normalise are skipped and counted (event.skipped_values); an unreadable
  // time is a warning. Errors: kParse with the byte offset ("offset 17: JSON: …"; not JSON, not an
  // object, invalid UTF-8, trailing content), kTooLarge. Not thread-safe: one parser per thread.
  Result<void> Parse(std::string_view line, Event& event);
  // As Parse, without the copy. REQUIRES: kJsonPadding readable bytes after line.end(); views in
  // `event` may also point into `line`.
  Result<void> ParsePadded(std::string_view line, Event& event);

  const FieldMap& map() const;

 private:
  struct Impl;
  explicit JsonEventParser(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace socmesh::events
