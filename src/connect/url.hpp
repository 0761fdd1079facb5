// URLs and HTTP header values the connectors act on. Everything here reads what a remote server
// sent (Location, Retry-After), so it is strict, bounded, and fuzzed (fuzz/connect_url_fuzz.cpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace socmesh::connect {

struct Url {
  std::string scheme;  // "https" or "http"
  std::string host;    // DNS name or IP literal (IPv6 without brackets)
  uint16_t port = 0;   // explicit or the scheme's default
  std::string target;  // origin-form: path and query, at least "/"

  // scheme://host[:port]/target, IPv6 hosts in brackets.
  std::string ToString() const;
  // As ToString without the query: query strings of feeds may carry API keys.
  std::string Redacted() const;
};

// Parses an absolute http(s) URL. No user info (credentials in URLs end up in logs), no fragment
// kept. Errors: kInvalidArgument naming what is wrong.
Result<Url> ParseUrl(std::string_view text);

// The URL a redirect's Location header points to: absolute, or relative to `base` ("/path",
// "//host/path", "path"). Errors: kInvalidArgument.
Result<Url> ResolveLocation(const Url& base, std::string_view location);

// Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date, relative to `now`. nullopt when
// unreadable; a date in the past is zero.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         std::chrono::system_clock::time_point now);

}  // namespace socmesh::connect
