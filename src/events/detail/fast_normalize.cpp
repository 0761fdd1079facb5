#include "events/detail/fast_normalize.hpp"

#include <algorithm>

namespace socmesh::events::detail {

namespace {

using model::ObservableKind;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLowerHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f'); }
bool IsPrintableAscii(char c) { return c >= 0x20 && c <= 0x7E; }

// Four decimal octets 0-255 without leading zeros, no prefix length: exactly FormatIpv4's output.
bool IsCanonicalIpv4(std::string_view s) {
  if (s.size() < 7 || s.size() > 15) return false;
  size_t i = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
    const size_t start = i;
    int number = 0;
    while (i < s.size() && IsDigit(s[i]) && i - start < 4) number = number * 10 + (s[i++] - '0');
    const size_t digits = i - start;
    if (digits == 0 || digits > 3 || number > 255 || (digits > 1 && s[start] == '0')) return false;
  }
  return i == s.size();
}

// Lower-case ASCII labels of letters, digits, '-' and '_', no trailing dot, DNS length limits, no
// A-label ("xn--", which NormalizeObservable checks through IDNA): what DomainProblem accepts and
// LowerAscii leaves unchanged.
bool IsCanonicalDomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  size_t label_start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '.') {
      const size_t len = i - label_start;
      if (len == 0 || len > 63 || s[label_start] == '-' || s[i - 1] == '-') return false;
      if (len >= 4 && s.substr(label_start, 4) == "xn--") return false;
      label_start = i + 1;
      continue;
    }
    const char c = s[i];
    if (!((c >= 'a' && c <= 'z') || IsDigit(c) || c == '-' || c == '_')) return false;
  }
  return true;
}

bool IsLowerHexOfLength(std::string_view s, size_t length) {
  if (s.size() != length) return false;
  for (char c : s) {
    if (!IsLowerHex(c)) return false;
  }
  return true;
}

bool IsPrintable(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsPrintableAscii(c)) return false;
  }
  return true;
}

// Path and query characters NormalizeUrl keeps as they are: unreserved and sub-delimiters, ':',
// '@', '/', '?'. Not '%' (escapes are rewritten), '#' (fragments are dropped), nor what browsers
// percent-encode (space, '"', '<', '>', '`', '{', '}', non-ASCII).
bool IsPlainUrlChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c)) return true;
  switch (c) {
    case '-':
    case '.':
    case '_':
    case '~':
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
    case ':':
    case '@':
    case '/':
    case '?':
      return true;
    default:
      return false;
  }
}

// "http://host/path" or "https://…" with a lower-case ASCII host (no A-label, no user info, no
// port) and a non-empty path of plain characters without dot segments ("/./", "/../").
bool IsCanonicalUrl(std::string_view s) {
  std::string_view rest;
  if (s.starts_with("http://")) {
    rest = s.substr(7);
  } else if (s.starts_with("https://")) {
    rest = s.substr(8);
  } else {
    return false;
  }
  const size_t host_end = std::min(rest.find_first_of("/?"), rest.size());
  const std::string_view host = rest.substr(0, host_end);
  if (host.empty() || rest.size() == host_end || rest[host_end] != '/') return false;
  for (char c : host) {
    if (!((c >= 'a' && c <= 'z') || IsDigit(c) || c == '.' || c == '-' || c == '_')) return false;
  }
  if (host.starts_with("xn--") || host.find(".xn--") != std::string_view::npos) return false;
  const std::string_view tail = rest.substr(host_end);
  const size_t query = std::min(tail.find('?'), tail.size());
  for (size_t i = 0; i < tail.size(); ++i) {
    const char c = tail[i];
    if (!IsPlainUrlChar(c)) return false;
    // A "." or ".." segment in the path (not the query).
    if (c == '/' && i < query && i + 1 < tail.size() && tail[i + 1] == '.') {
      const size_t after = i + 2 < tail.size() && tail[i + 2] == '.' ? i + 3 : i + 2;
      if (after >= query || tail[after] == '/') return false;
    }
  }
  return true;
}

}  // namespace

bool IsAlreadyNormal(ObservableKind kind, std::string_view value) {
  switch (kind) {
    case ObservableKind::kIpv4:
      return IsCanonicalIpv4(value);
    case ObservableKind::kDomain:
      return IsCanonicalDomain(value);
    case ObservableKind::kUrl:
      return IsCanonicalUrl(value);
    case ObservableKind::kMd5:
      return IsLowerHexOfLength(value, 32);
    case ObservableKind::kSha1:
      return IsLowerHexOfLength(value, 40);
    case ObservableKind::kSha256:
    case ObservableKind::kSha3_256:
      return IsLowerHexOfLength(value, 64);
    case ObservableKind::kSha512:
    case ObservableKind::kSha3_512:
      return IsLowerHexOfLength(value, 128);
    case ObservableKind::kFileName:
    case ObservableKind::kMutex:
    case ObservableKind::kUserAgent:
      return IsPrintable(value);
    default:
      return false;
  }
}

}  // namespace socmesh::events::detail
