// What a feed server controls in the connectors (connect/url.hpp): the Location of a redirect and
// Retry-After. Invariants beyond "no crash": a parsed URL prints to a URL that parses back to the
// same parts; a redacted URL shows nothing of the query; a redirect resolves to an http(s) URL with
// a host and a target starting with '/'.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "connect/url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace socmesh::connect;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto url = ParseUrl(input)) {
    auto again = ParseUrl(url->ToString());
    if (!again || again->scheme != url->scheme || again->host != url->host ||
        again->port != url->port || again->target != url->target) {
      std::abort();
    }
    // A redacted URL keeps nothing after the '?' of the query (the only '?' it may contain).
    if (url->target.find('?') != std::string::npos) {
      const std::string redacted = url->Redacted();
      if (!redacted.ends_with("?\u2026") || redacted.find('?') != redacted.size() - 4) std::abort();
    }
  }
  static const Url base = *ParseUrl("https://feeds.example:8443/downloads/list.csv?k=1");
  if (auto next = ResolveLocation(base, input)) {
    if ((next->scheme != "https" && next->scheme != "http") || next->host.empty() ||
        next->target.empty() || next->target[0] != '/') {
      std::abort();
    }
  }
  (void)ParseRetryAfter(input, std::chrono::system_clock::from_time_t(1'700'000'000));
  return 0;
}
