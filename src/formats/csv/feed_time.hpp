// Time columns of feeds: "2024-02-08 19:20:49" (abuse.ch), "01/Aug/2018:09:49:41 +0200" (web logs),
// Windows FILETIME (Microsoft DCU), Unix epochs, RFC 3339.
#pragma once

#include <string_view>

#include "core/error.hpp"
#include "model/timestamp.hpp"

namespace socmesh::formats::csv {

// Parses `text` as an instant using `format`:
//  - "" or "auto": RFC 3339 / ISO 8601 with 'T' or a blank, optional fraction and zone ("Z",
//    "+02:00", "+0200", " UTC"), a bare date, or the web-log form "01/Aug/2018:09:49:41 +0200";
//  - "epoch": seconds since 1970 (a fraction allowed); "epoch-ms": milliseconds;
//  - "filetime": Windows FILETIME, 100 ns ticks since 1601-01-01;
//  - otherwise a pattern: %Y (4 digits) %m %d %H %M %S (1-2 digits; %S takes an optional
//  ".fraction"),
//    %b (English month abbreviation), %z ("Z", "+hh", "+hhmm", "+hh:mm"), %% ; a blank matches one
//    or more blanks; other characters match themselves. Times without a zone are UTC.
// The whole text must match. Errors: kInvalidArgument saying what did not match; instants before
// 1970 or after 9999 are refused (no feed has them; they are a wrong format or garbage).
Result<model::Timestamp> ParseFeedTime(std::string_view text, std::string_view format);

}  // namespace socmesh::formats::csv
