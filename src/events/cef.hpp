// ArcSight Common Event Format (CEF, "Implementing ArcSight CEF" revision 25) into Events (B2c):
//
//   CEF:Version|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity|Extension
//
// Header fields escape '|' and '\' with '\'. The extension is space-separated key=value pairs
// whose values may contain spaces (a value ends where " key=" starts) and escape '=', '\', and
// line breaks ("\n", "\r"). Standard keys with observables (src, dst, shost, dhost, request, …)
// and custom strings cs1..cs6 interpreted through their csNLabel are listed in docs/formats.md
// ("Event inputs").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "events/event.hpp"
#include "model/timestamp.hpp"

namespace socmesh::events {

struct CefOptions {
  // "Now" for "rt" values without a year; the system clock when unset.
  std::optional<model::Timestamp> reference_time;
  // Run the "msg" extension through the free-text extractor.
  bool extract_indicators = true;
  // Longer records are refused (kTooLarge).
  size_t max_record_bytes = 64 * 1024;
};

struct CefExtension {
  std::string_view key;
  std::string_view
      value;  // unescaped: a view into the input, or into the arena when it had escapes
};

struct CefRecord {
  int version = 0;
  std::string_view vendor, product, device_version, signature_id, name, severity;
  std::vector<CefExtension> extensions;  // in input order
  // Recoverable problems (an unknown escape kept literally, a pair without a key): the count and
  // the first one's message ("offset 57: unknown escape \\q in the value of act").
  uint32_t warnings = 0;
  std::string first_warning;

  void Clear();
};

// Parses a record that starts with "CEF:" into `record` (cleared first; its capacity is reused).
// Unescaped values are copied into `arena`. Errors (kParse): no "CEF:" prefix, a bad version,
// fewer than the 7 header fields ("truncated CEF header: field 4 of 7 (Device Version) not
// terminated by '|'"); kTooLarge.
Result<void> ParseCefRecord(std::string_view text, ScratchArena& arena, CefRecord& record,
                            size_t max_record_bytes = 64 * 1024);

// Looks up an extension value by key; empty when absent.
std::string_view CefValue(const CefRecord& record, std::string_view key);

// Parses a CEF record into `event` (cleared first; `event.source` is kept). The record may be
// bare ("CEF:0|…") or the MSG of a syslog message ("<134>Feb 14 19:04:54 fw01 CEF:0|…"). Event
// time from rt (else end, start), sensor from dvchost (else dvc, else the syslog HOSTNAME), type
// the Signature ID, message the Name. Errors as ParseCefRecord; a line with neither is kParse.
Result<void> ParseCef(std::string_view text, Event& event, const CefOptions& options = {});

namespace detail {
// ParseCef without clearing `event` (used for CEF inside syslog).
Result<void> ParseCefInto(std::string_view record_text, Event& event, const CefOptions& options);
}  // namespace detail

}  // namespace socmesh::events
