// Event time stamps in the forms security products write them. All results are UTC instants.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "model/timestamp.hpp"

namespace socmesh::events::detail {

// Microseconds since the epoch of a UTC calendar date and time (proleptic Gregorian), or nullopt
// for out-of-range fields (month 13, February 30, hour 24; second 60 is accepted).
std::optional<int64_t> CivilToMicros(int year, int month, int day, int hour, int minute, int second,
                                     int64_t micros);

// RFC 3339 / ISO 8601: "YYYY-MM-DD(T| )hh:mm:ss[.f+][Z|±hh:mm|±hhmm]"; without an offset the time
// is taken as UTC. With `strict` (RFC 5424 TIMESTAMP): 'T', at most 6 fraction digits, and an
// offset
// ('Z' or ±hh:mm) are required. Sets `*consumed` to the bytes read when it is not null, and then
// accepts text after the time stamp; otherwise the whole text must be the time stamp.
std::optional<model::Timestamp> ParseIsoTime(std::string_view text, bool strict = false,
                                             size_t* consumed = nullptr);

// The BSD syslog time stamp (RFC 3164 4.1.2) "Mmm dd hh:mm:ss" ("Oct  1 …" pads with a space),
// with an optional fraction (".123") and the Cisco form with the year "Mmm dd yyyy hh:mm:ss". The
// year, when not written, is the one that puts the time closest to `reference` (at most one month
// ahead of it: "Dec 31" read on January 1st is last year's). The text after the time stamp is
// left; `*consumed` gets the bytes read.
std::optional<model::Timestamp> ParseBsdTime(std::string_view text, model::Timestamp reference,
                                             size_t* consumed);

// CEF's "rt"/"start"/"end" forms: milliseconds since the epoch, or "MMM dd yyyy HH:mm:ss[.SSS]"
// (optional trailing time-zone name ignored: taken as UTC), or "MMM dd HH:mm:ss[.SSS]".
std::optional<model::Timestamp> ParseCefTime(std::string_view text, model::Timestamp reference);

// Seconds since the epoch with a fraction (Zeek "ts": 1591367999.305988).
std::optional<model::Timestamp> EpochSecondsToTime(double seconds);

// The current time (the reference for year-less time stamps when the caller sets none).
model::Timestamp Now();

}  // namespace socmesh::events::detail
