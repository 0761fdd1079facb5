// STIX 2.1 timestamps (spec section 3.2): RFC 3339 restricted to UTC, "YYYY-MM-DDTHH:mm:ss[.s+]Z".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace socmesh::model {

// An instant in UTC, in microseconds since 1970-01-01T00:00:00Z. Sub-microsecond digits of the
// source text are truncated (they never occur in practice; the canonical JSON keeps the text).
struct Timestamp {
  int64_t micros = 0;

  friend auto operator<=>(const Timestamp&, const Timestamp&) = default;
};

enum class TimestampPrecision {
  kAny,          // any number of fractional digits, including none
  kMillisecond,  // at least three fractional digits (STIX 2.1 `created` / `modified`)
};

// Parses a STIX timestamp. Rejects other time zones than "Z", lower-case "t"/"z", out-of-range
// fields (month 13, February 30, hour 24) and, with kMillisecond, fewer than three fraction digits.
// Leap seconds (":60") are accepted and counted as the next second, as RFC 3339 allows.
Result<Timestamp> ParseTimestamp(std::string_view text,
                                 TimestampPrecision precision = TimestampPrecision::kAny);

// Formats as "YYYY-MM-DDTHH:mm:ss.sssZ" (milliseconds) or with six digits when `micro` is true.
std::string FormatTimestamp(Timestamp t, bool micro = false);

}  // namespace socmesh::model
