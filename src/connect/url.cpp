#include "connect/url.hpp"

#include <arpa/inet.h>

#include <cctype>
#include <charconv>
#include <ctime>

namespace socmesh::connect {

namespace {

constexpr size_t kMaxUrl = 8192;

bool HasControlOrSpace(std::string_view s) {
  for (unsigned char c : s) {
    if (c <= 0x20 || c == 0x7f) return true;
  }
  return false;
}

// RFC 3986 reg-name: unreserved, sub-delims and percent-encoding. Non-ASCII names must come in
// their IDNA (xn--) form; anything else would print to a different URL than the one parsed.
bool IsRegName(std::string_view host) {
  for (unsigned char c : host) {
    if (std::isalnum(c) != 0) continue;
    if (std::string_view("-._~!$&'()*+,;=%").find(static_cast<char>(c)) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

bool IsIpv6Literal(const std::string& host) {
  in6_addr address{};
  return inet_pton(AF_INET6, host.c_str(), &address) == 1;
}

std::string HostPort(const Url& u) {
  std::string host = u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host;
  const uint16_t default_port = u.scheme == "https" ? 443 : 80;
  return u.port == default_port ? host : host + ":" + std::to_string(u.port);
}

}  // namespace

std::string Url::ToString() const { return scheme + "://" + HostPort(*this) + target; }

std::string Url::Redacted() const {
  std::string_view t = target;
  auto q = t.find('?');
  if (q == std::string_view::npos) return ToString();
  return scheme + "://" + HostPort(*this) + std::string(t.substr(0, q)) + "?…";
}

Result<Url> ParseUrl(std::string_view text) {
  auto bad = [&](const std::string& why) {
    std::string shown(text.substr(0, 200));
    if (auto q = shown.find('?'); q != std::string::npos) shown = shown.substr(0, q) + "?…";
    return Fail(ErrorCode::kInvalidArgument, "URL \"" + shown + "\": " + why);
  };
  if (text.size() > kMaxUrl) return bad("longer than 8192 bytes");
  if (HasControlOrSpace(text)) return bad("contains spaces or control characters");
  Url u;
  auto sep = text.find("://");
  if (sep == std::string_view::npos) return bad("not absolute (scheme://host/…)");
  std::string scheme(text.substr(0, sep));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "https" && scheme != "http") return bad("scheme must be https or http");
  u.scheme = scheme;
  std::string_view rest = text.substr(sep + 3);
  if (auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  size_t path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  std::string_view target =
      path_start == std::string_view::npos ? std::string_view{} : rest.substr(path_start);
  if (authority.find('@') != std::string_view::npos) {
    return bad("credentials in the URL are refused (use headers or a token file)");
  }
  std::string_view port_text;
  if (authority.starts_with("[")) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return bad("unterminated [IPv6] host");
    u.host = std::string(authority.substr(1, close - 1));
    if (!IsIpv6Literal(u.host)) return bad("[" + u.host.substr(0, 64) + "] is not an IPv6 address");
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return bad("garbage after the [IPv6] host");
      port_text = after.substr(1);
    }
  } else {
    auto colon = authority.find(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    if (!IsRegName(u.host))
      return bad("host name with characters outside RFC 3986 (use xn-- form)");
  }
  if (u.host.empty()) return bad("no host");
  u.port = scheme == "https" ? 443 : 80;
  if (!port_text.empty() || authority.ends_with(":")) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return bad("invalid port");
    }
    u.port = static_cast<uint16_t>(port);
  }
  u.target = target.empty() ? "/" : std::string(target);
  if (u.target[0] == '?') u.target = "/" + u.target;
  return u;
}

Result<Url> ResolveLocation(const Url& base, std::string_view location) {
  if (location.empty()) return Fail(ErrorCode::kInvalidArgument, "redirect without Location");
  if (location.size() > kMaxUrl || HasControlOrSpace(location)) {
    return Fail(ErrorCode::kInvalidArgument, "redirect Location is not a valid URL");
  }
  if (location.find("://") != std::string_view::npos &&
      location.find("://") < location.find_first_of("/?")) {
    return ParseUrl(location);
  }
  if (location.starts_with("//")) return ParseUrl(base.scheme + ":" + std::string(location));
  Url u = base;
  if (auto hash = location.find('#'); hash != std::string_view::npos) {
    location = location.substr(0, hash);
  }
  if (location.starts_with("/")) {
    u.target = std::string(location);
  } else if (location.starts_with("?")) {
    std::string_view path = base.target;
    u.target = std::string(path.substr(0, path.find('?'))) + std::string(location);
  } else {
    // Relative to the base path's directory (RFC 3986 §5.2.3; dot segments left to the server).
    std::string_view path = base.target;
    path = path.substr(0, path.find('?'));
    u.target = std::string(path.substr(0, path.rfind('/') + 1)) + std::string(location);
  }
  return u;
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(
    std::string_view value, std::chrono::system_clock::time_point now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty() || value.size() > 64) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(value[0]))) {
    uint64_t seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc{} || end != value.data() + value.size()) return std::nullopt;
    if (seconds > 86'400 * 365) seconds = 86'400 * 365;
    return std::chrono::seconds{seconds};
  }
  // IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT" (the obsolete forms are not accepted).
  std::string text(value);
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  const time_t at = timegm(&tm);
  if (at == static_cast<time_t>(-1)) return std::nullopt;
  // Compare in whole seconds first: a server-chosen year like 3000 would overflow
  // system_clock's nanosecond ticks in from_time_t.
  const time_t now_s = std::chrono::system_clock::to_time_t(now);
  if (at <= now_s) return std::chrono::milliseconds{0};
  constexpr time_t kMaxWait = 86'400 * 365;  // same cap as the delta-seconds form
  if (at - now_s > kMaxWait) return std::chrono::seconds{kMaxWait};
  auto when = std::chrono::system_clock::from_time_t(at);
  if (when <= now) return std::chrono::milliseconds{0};
  return std::chrono::duration_cast<std::chrono::milliseconds>(when - now);
}

}  // namespace socmesh::connect
