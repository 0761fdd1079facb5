#include "model/observable.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <unordered_set>
#include <utility>

#include "model/detail/idna.hpp"
#include "model/detail/uri_normalize.hpp"
#include "model/refang.hpp"

namespace socmesh::model {

namespace {

// Error messages quote at most this many bytes of the offending value: enough to recognise it,
// bounded so a megabyte of garbage does not end up in a log line.
constexpr size_t kMaxQuotedBytes = 80;

// The names of ObservableKindName, indexed by the enum value.
constexpr std::array<std::string_view, 20> kKindNames = {
    "",       "ipv4", "ipv6",      "domain", "url",          "email",      "mac",
    "asn",    "md5",  "sha1",      "sha256", "sha512",       "sha3-256",   "sha3-512",
    "ssdeep", "tlsh", "file-name", "mutex",  "registry-key", "user-agent",
};

// What a valid value of each kind is, for "… is not <what>" messages.
constexpr std::array<std::string_view, 20> kKindDescriptions = {
    "",
    "an IPv4 address",
    "an IPv6 address",
    "a domain name",
    "a URL",
    "an e-mail address",
    "a MAC address",
    "an AS number",
    "an MD5 hash",
    "a SHA-1 hash",
    "a SHA-256 hash",
    "a SHA-512 hash",
    "a SHA3-256 hash",
    "a SHA3-512 hash",
    "an SSDEEP hash",
    "a TLSH hash",
    "a file name",
    "a mutex name",
    "a registry key",
    "a user agent",
};

bool IsKnownKind(ObservableKind kind) {
  auto index = static_cast<size_t>(kind);
  return index >= 1 && index < kKindNames.size();
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiAlnum(char c) { return IsDigit(c) || IsAsciiAlpha(c); }
bool IsHexDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool IsNonAscii(char c) { return static_cast<unsigned char>(c) >= 0x80; }
bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

char ToLowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ToLowerAscii(c);
  return out;
}

bool EqualsIgnoreAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToLowerAscii(a[i]) != ToLowerAscii(b[i])) return false;
  }
  return true;
}

bool AllOf(std::string_view s, bool (*pred)(char)) {
  for (char c : s) {
    if (!pred(c)) return false;
  }
  return true;
}

bool AllDigits(std::string_view s) { return !s.empty() && AllOf(s, IsDigit); }
bool AllHex(std::string_view s) { return !s.empty() && AllOf(s, IsHexDigit); }

// Offset of the first byte that breaks UTF-8 (overlongs, surrogates and code points above
// U+10FFFF included), or npos. Values end up in JSON output, which must be valid UTF-8.
size_t InvalidUtf8Offset(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0;
    uint32_t min = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2, cp = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3, cp = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return i;
    }
    if (s.size() - i < len) return i;
    for (size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return std::string_view::npos;
}

void AppendEscapedByte(std::string& out, unsigned char c) {
  char buf[5];
  std::snprintf(buf, sizeof buf, "\\x%02x", c);
  out += buf;
}

// The value in double quotes for an error message: control bytes, quotes and backslashes escaped
// (so a value cannot forge log lines), non-ASCII kept only when it is valid UTF-8, and long values
// cut at a character boundary with their size noted.
std::string Quote(std::string_view value) {
  const bool utf8 = InvalidUtf8Offset(value) == std::string_view::npos;
  std::string_view shown = value;
  if (value.size() > kMaxQuotedBytes) {
    size_t cut = kMaxQuotedBytes - 3;
    if (utf8) {
      while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;
    }
    shown = value.substr(0, cut);
  }
  std::string out = "\"";
  for (char ch : shown) {
    auto c = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c == 0x7F || (c >= 0x80 && !utf8)) {
      AppendEscapedByte(out, c);
    } else {
      out += ch;
    }
  }
  out += '"';
  if (shown.size() < value.size()) out += "... (" + std::to_string(value.size()) + " bytes)";
  return out;
}

std::string DescribeChar(char ch) {
  auto c = static_cast<unsigned char>(ch);
  if (c < 0x20 || c >= 0x7F) {
    std::string out = "byte ";
    AppendEscapedByte(out, c);
    return out;
  }
  return std::string("character '") + ch + "'";
}

std::unexpected<Error> Invalid(std::string_view value, std::string_view what,
                               std::string_view why) {
  std::string message = Quote(value) + " is not " + std::string(what);
  if (!why.empty()) message += ": " + std::string(why);
  return Fail(ErrorCode::kInvalidArgument, std::move(message));
}

// --- IP addresses ---

// Why `text` is not a dotted quad, or "" when it is one. Leading zeros are refused rather than
// guessed: inet_aton() and many tools read "010.0.0.1" as octal (8.0.0.1), others as decimal, and
// an indicator that silently names the wrong host is worse than one that is rejected.
std::string Ipv4Problem(std::string_view text) {
  constexpr std::string_view kShape = "expected four decimal octets separated by dots";
  size_t i = 0;
  int parts = 0;
  while (true) {
    const size_t start = i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    const std::string_view octet = text.substr(start, i - start);
    if (octet.empty()) return std::string(kShape);
    if (octet.size() > 3) return "octet with more than three digits";
    if (octet.size() > 1 && octet[0] == '0') {
      return "octet \"" + std::string(octet) +
             "\" has a leading zero (ambiguous: octal for some parsers, decimal for others)";
    }
    int number = 0;
    for (char c : octet) number = number * 10 + (c - '0');
    if (number > 255) return "octet " + std::string(octet) + " is out of range 0-255";
    ++parts;
    if (i == text.size()) break;
    if (text[i] != '.' || parts == 4) return std::string(kShape);
    ++i;
  }
  if (parts != 4) return std::string(kShape);
  return {};
}

// Parses a CIDR prefix length ("24", "0"); nullopt unless 0 <= value <= max_bits.
std::optional<int> ParsePrefixLength(std::string_view text, int max_bits) {
  if (!AllDigits(text) || text.size() > 3) return std::nullopt;
  int value = 0;
  for (char c : text) value = value * 10 + (c - '0');
  if (value > max_bits) return std::nullopt;
  return value;
}

template <size_t N>
void ClearHostBits(std::array<uint8_t, N>& bytes, int prefix) {
  for (size_t i = 0; i < N; ++i) {
    const int first_bit = static_cast<int>(i) * 8;
    if (first_bit >= prefix) {
      bytes[i] = 0;
    } else if (first_bit + 8 > prefix) {
      bytes[i] &= static_cast<uint8_t>(0xFF << (8 - (prefix - first_bit)));
    }
  }
}

std::string FormatIpv4(const uint8_t* b) {
  return std::to_string(b[0]) + "." + std::to_string(b[1]) + "." + std::to_string(b[2]) + "." +
         std::to_string(b[3]);
}

// RFC 5952 text, written here rather than by inet_ntop(): glibc prints IPv4-compatible addresses
// in the deprecated mixed form ("::2:3" becomes "::0.2.0.3") and other C libraries differ, while
// the stored form must not depend on the platform. Mixed notation is used for IPv4-mapped
// addresses (::ffff:0:0/96) only, as section 5 recommends.
std::string FormatIpv6(const std::array<uint8_t, 16>& b) {
  bool mapped = b[10] == 0xFF && b[11] == 0xFF;
  for (size_t i = 0; i < 10 && mapped; ++i) mapped = b[i] == 0;
  const int word_count = mapped ? 6 : 8;
  std::array<unsigned, 8> words{};
  for (int i = 0; i < 8; ++i) words[i] = (unsigned{b[2 * i]} << 8) | b[2 * i + 1];

  // The longest run of at least two zero words is shortened to "::", the first one on a tie.
  int best_start = -1;
  int best_len = 1;
  for (int i = 0; i < word_count;) {
    if (words[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < word_count && words[j] == 0) ++j;
    if (j - i > best_len) best_start = i, best_len = j - i;
    i = j;
  }

  std::string out;
  for (int i = 0; i < word_count;) {
    if (i == best_start) {
      out += "::";
      i += best_len;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    char buf[8];
    std::snprintf(buf, sizeof buf, "%x", words[i]);
    out += buf;
    ++i;
  }
  if (mapped) out += ":" + FormatIpv4(&b[12]);
  return out;
}

Result<std::string> NormalizeIpv4(std::string_view value) {
  const size_t slash = value.find('/');
  const std::string_view what =
      slash == std::string_view::npos ? "an IPv4 address" : "an IPv4 CIDR block";
  const std::string_view address = value.substr(0, slash);
  if (std::string why = Ipv4Problem(address); !why.empty()) return Invalid(value, what, why);
  std::array<uint8_t, 4> bytes{};
  if (inet_pton(AF_INET, std::string(address).c_str(), bytes.data()) != 1) {
    return Invalid(value, what, "");
  }
  if (slash == std::string_view::npos) return FormatIpv4(bytes.data());

  const std::optional<int> prefix = ParsePrefixLength(value.substr(slash + 1), 32);
  if (!prefix) return Invalid(value, what, "prefix length must be a number from 0 to 32");
  ClearHostBits(bytes, *prefix);
  std::string out = FormatIpv4(bytes.data());
  if (*prefix != 32) out += "/" + std::to_string(*prefix);
  return out;
}

Result<std::string> NormalizeIpv6(std::string_view value) {
  const size_t slash = value.find('/');
  const std::string_view what =
      slash == std::string_view::npos ? "an IPv6 address" : "an IPv6 CIDR block";
  const std::string_view address = value.substr(0, slash);
  std::array<uint8_t, 16> bytes{};
  if (inet_pton(AF_INET6, std::string(address).c_str(), bytes.data()) != 1) {
    // Zone indexes name an interface of one host: meaningless in shared intelligence.
    if (address.find('%') != std::string_view::npos) {
      return Invalid(value, what, "zone indexes (\"%...\") are not supported");
    }
    return Invalid(value, what, "");
  }
  if (slash == std::string_view::npos) return FormatIpv6(bytes);

  const std::optional<int> prefix = ParsePrefixLength(value.substr(slash + 1), 128);
  if (!prefix) return Invalid(value, what, "prefix length must be a number from 0 to 128");
  ClearHostBits(bytes, *prefix);
  std::string out = FormatIpv6(bytes);
  if (*prefix != 128) out += "/" + std::to_string(*prefix);
  return out;
}

// --- Domains, URLs, e-mail ---

// Why `name` (trailing dot already removed, IDNs already in A-label form) is not a domain name, or
// "" when it is one. Letters, digits, '-' and '_' (service labels such as "_dmarc"); non-ASCII
// bytes only reach here from callers that skip IDNA.
std::string DomainProblem(std::string_view name) {
  if (name.empty()) return "empty name";
  if (name.size() > 253) return "longer than 253 bytes";
  size_t start = 0;
  while (true) {
    size_t end = name.find('.', start);
    if (end == std::string_view::npos) end = name.size();
    const std::string_view label = name.substr(start, end - start);
    if (label.empty()) return "empty label";
    if (label.size() > 63) return "label longer than 63 bytes";
    for (char c : label) {
      if (!IsAsciiAlnum(c) && c != '-' && c != '_' && !IsNonAscii(c)) {
        return DescribeChar(c) + " is not allowed in a domain name";
      }
    }
    if (label.front() == '-' || label.back() == '-') {
      return "label \"" + std::string(label) + "\" starts or ends with a hyphen";
    }
    if (end == name.size()) break;
    start = end + 1;
  }
  return {};
}

// The normalised domain, or an error reason. Internationalised names become their A-label form
// (detail/idna.hpp), so "bücher.example", "BÜCHER.example" and "xn--bcher-kva.example" are one
// observable: DNS, TLS certificates and resolver logs only ever carry the A-label.
std::expected<std::string, std::string> NormalizeDomainName(std::string_view value) {
  std::string_view name = value;
  if (name.ends_with('.')) name.remove_suffix(1);
  std::string ascii;
  if (detail::NeedsIdna(name)) {
    auto converted = detail::IdnaToAscii(name);
    if (!converted) return std::unexpected(std::move(converted.error()));
    ascii = std::move(*converted);
    name = ascii;
  }
  if (std::string why = DomainProblem(name); !why.empty()) return std::unexpected(std::move(why));
  return LowerAscii(name);
}

Result<std::string> NormalizeDomain(std::string_view value) {
  auto name = NormalizeDomainName(value);
  if (!name) return Invalid(value, "a domain name", name.error());
  return std::move(*name);
}

bool IsSchemeChar(char c) { return IsAsciiAlnum(c) || c == '+' || c == '-' || c == '.'; }

// Characters that may not appear in a URL host (the WHATWG "forbidden host code points" that are
// not already delimiters here; controls are refused for every kind).
bool IsForbiddenHostChar(char c) {
  return c == ' ' || c == '<' || c == '>' || c == '[' || c == ']' || c == '\\' || c == '^' ||
         c == '|';
}

// The default port of the schemes whose default RFC 3986 section 6.2.3 lets us drop; 0 for others.
uint32_t DefaultPort(std::string_view lower_scheme) {
  if (lower_scheme == "http" || lower_scheme == "ws") return 80;
  if (lower_scheme == "https" || lower_scheme == "wss") return 443;
  if (lower_scheme == "ftp") return 21;
  return 0;
}

// Schemes for which an empty path means "/" (RFC 9110 section 4.2.3 for http and https; RFC 6455
// and RFC 1738 for ws, wss and ftp).
bool EmptyPathIsRoot(std::string_view lower_scheme) { return DefaultPort(lower_scheme) != 0; }

// RFC 3986 section 6.2.2 syntax-based normalisation plus the scheme-based rules of 6.2.3, so that
// spellings of one request are one observable:
//  - scheme and host lower-cased; an internationalised host becomes its A-label form (IDNA, as in
//    NormalizeDomainName) because that is what is resolved and sent;
//  - percent-escapes normalised in user info, path and query (detail/uri_normalize.hpp): escapes
//    of unreserved characters decoded, hex upper-cased, spaces and non-ASCII encoded;
//  - dot segments removed from the path ("/a/./b/../c" -> "/a/c"), as every client does before
//    sending;
//  - the default port dropped (http 80, https 443, ws 80, wss 443, ftp 21) and an empty port too;
//  - an empty path becomes "/" for those schemes ("http://a.example" requests "/");
//  - the fragment dropped: it is never sent to the server, so it cannot tell two requests apart
//    and would split one indicator into many ("…/x#1", "…/x#2").
// Case in the path and the query is kept (servers treat it as significant), and so is the order of
// query parameters.
Result<std::string> NormalizeUrl(std::string_view value) {
  constexpr std::string_view kWhat = "a URL";
  const size_t scheme_end = value.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) {
    return Invalid(value, kWhat, "expected a scheme followed by \"://\"");
  }
  const std::string_view scheme = value.substr(0, scheme_end);
  if (!IsAsciiAlpha(scheme[0]) || !AllOf(scheme, IsSchemeChar)) {
    return Invalid(value, kWhat,
                   "the scheme must be a letter followed by letters, digits, +, - or .");
  }
  std::string_view rest = value.substr(scheme_end + 3);
  if (const size_t hash = rest.find('#'); hash != std::string_view::npos) {
    rest = rest.substr(0, hash);
  }
  const size_t authority_end = std::min(rest.find_first_of("/?"), rest.size());
  const std::string_view authority = rest.substr(0, authority_end);
  const std::string_view tail = rest.substr(authority_end);
  const size_t query_start = std::min(tail.find('?'), tail.size());
  const std::string_view path = tail.substr(0, query_start);
  const std::string_view query = tail.substr(query_start);  // with its '?'

  const size_t at = authority.rfind('@');
  const std::string_view user_info =
      at == std::string_view::npos ? std::string_view() : authority.substr(0, at);
  const std::string_view host_port =
      at == std::string_view::npos ? authority : authority.substr(at + 1);

  std::string_view host;
  std::string_view port_part;  // with its ':'
  std::string normal_host;
  if (host_port.starts_with('[')) {
    const size_t close = host_port.find(']');
    if (close == std::string_view::npos) return Invalid(value, kWhat, "unterminated \"[\" in host");
    host = host_port.substr(0, close + 1);
    port_part = host_port.substr(close + 1);
    if (!port_part.empty() && port_part[0] != ':') {
      return Invalid(value, kWhat, "unexpected text after \"]\" in host");
    }
    for (char c : host.substr(1, host.size() - 2)) {
      if (!IsHexDigit(c) && c != ':' && c != '.') {
        return Invalid(value, kWhat, DescribeChar(c) + " is not allowed in an IPv6 host");
      }
    }
    normal_host = LowerAscii(host);
  } else {
    const size_t colon = host_port.find(':');
    host = host_port.substr(0, colon);
    if (colon != std::string_view::npos) port_part = host_port.substr(colon);
    for (char c : host) {
      if (IsForbiddenHostChar(c)) {
        return Invalid(value, kWhat, DescribeChar(c) + " is not allowed in a host");
      }
    }
    if (detail::NeedsIdna(host)) {
      auto converted = detail::IdnaToAscii(host);
      if (!converted) return Invalid(value, kWhat, "host: " + converted.error());
      normal_host = std::move(*converted);
    } else {
      normal_host = LowerAscii(host);
    }
  }

  const std::string lower_scheme = LowerAscii(scheme);
  if (host.empty() && (lower_scheme == "http" || lower_scheme == "https")) {
    return Invalid(value, kWhat, "empty host");
  }

  std::string port;
  if (!port_part.empty()) {
    std::string_view digits = port_part.substr(1);
    if (!digits.empty() && !AllDigits(digits)) {
      return Invalid(value, kWhat, "the port must be a decimal number");
    }
    while (digits.size() > 1 && digits[0] == '0') digits.remove_prefix(1);
    uint32_t number = 0;
    for (char c : digits) {
      number = number * 10 + static_cast<uint32_t>(c - '0');
      if (number > 65535) return Invalid(value, kWhat, "the port is out of range 0-65535");
    }
    // An empty port means the default one (RFC 3986, section 6.2.3).
    const bool is_default = digits.empty() || number == DefaultPort(lower_scheme);
    if (!is_default) port = ":" + std::string(digits);
  }

  std::string out = lower_scheme;
  out += "://";
  if (at != std::string_view::npos) {
    out += detail::NormalizePercentEncoding(user_info);
    out += '@';
  }
  out += normal_host;
  out += port;
  std::string normal_path = detail::RemoveDotSegments(detail::NormalizePercentEncoding(path));
  if (normal_path.empty() && EmptyPathIsRoot(lower_scheme)) normal_path = "/";
  out += normal_path;
  out += detail::NormalizePercentEncoding(query);
  return out;
}

// Only the domain part is normalised: local parts are case-sensitive per RFC 5321 even though most
// providers ignore case, and folding them would merge addresses that may differ. Address literals
// ("user@[192.0.2.1]") and quoted local parts with '@' or spaces are not accepted.
Result<std::string> NormalizeEmail(std::string_view value) {
  constexpr std::string_view kWhat = "an e-mail address";
  const size_t at = value.find('@');
  if (at == std::string_view::npos || value.find('@', at + 1) != std::string_view::npos) {
    return Invalid(value, kWhat, "expected exactly one '@'");
  }
  const std::string_view local = value.substr(0, at);
  if (local.empty()) return Invalid(value, kWhat, "empty local part");
  for (char c : local) {
    if (IsAsciiSpace(c)) return Invalid(value, kWhat, "space in the local part");
  }
  auto domain = NormalizeDomainName(value.substr(at + 1));
  if (!domain) return Invalid(value, kWhat, "domain part: " + domain.error());
  return std::string(local) + "@" + *domain;
}

// --- Other kinds ---

// Accepts exactly "aa:bb:cc:dd:ee:ff", "aa-bb-cc-dd-ee-ff" (one separator throughout) and Cisco's
// "aabb.ccdd.eeff", in any case.
Result<std::string> NormalizeMac(std::string_view value) {
  std::string hex;
  if (value.size() == 17) {
    const char sep = value[2];
    if (sep == ':' || sep == '-') {
      for (size_t i = 0; i < value.size(); ++i) {
        if (i % 3 == 2) {
          if (value[i] != sep) {
            hex.clear();
            break;
          }
        } else {
          hex += value[i];
        }
      }
    }
  } else if (value.size() == 14 && value[4] == '.' && value[9] == '.') {
    hex = std::string(value.substr(0, 4)) + std::string(value.substr(5, 4)) +
          std::string(value.substr(10, 4));
  }
  if (hex.size() != 12 || !AllHex(hex)) {
    return Invalid(value, "a MAC address",
                   "expected six hex pairs separated by ':' or '-', or \"xxxx.xxxx.xxxx\"");
  }
  std::string out;
  for (size_t i = 0; i < 12; i += 2) {
    if (i > 0) out += ':';
    out += ToLowerAscii(hex[i]);
    out += ToLowerAscii(hex[i + 1]);
  }
  return out;
}

// "AS123", "as123" and "123" are the same AS; asdot notation ("AS1.10") is not accepted.
Result<std::string> NormalizeAsn(std::string_view value) {
  constexpr std::string_view kWhat = "an AS number";
  std::string_view digits = value;
  if (digits.size() >= 2 && EqualsIgnoreAsciiCase(digits.substr(0, 2), "as")) {
    digits.remove_prefix(2);
  }
  if (!AllDigits(digits))
    return Invalid(value, kWhat, "expected a decimal number, optionally after \"AS\"");
  while (digits.size() > 1 && digits[0] == '0') digits.remove_prefix(1);
  uint64_t number = 0;
  for (char c : digits) {
    number = number * 10 + static_cast<uint64_t>(c - '0');
    if (number > 4294967295u) return Invalid(value, kWhat, "out of range 0-4294967295");
  }
  return std::to_string(number);
}

Result<std::string> NormalizeHexHash(std::string_view value, size_t length, std::string_view what) {
  if (value.size() != length || !AllHex(value)) {
    return Invalid(value, what,
                   "expected " + std::to_string(length) + " hex digits, got " +
                       (AllHex(value) ? std::to_string(value.size()) + " hex digits"
                                      : std::string("other characters")));
  }
  return LowerAscii(value);
}

// TLSH digests: 70 hex digits (128 buckets, 1-byte checksum), 74 (3-byte checksum), 134 and 138
// (256 buckets), optionally behind the "T1" version prefix of TLSH 4.x, which is kept (lower-cased)
// because it is part of the digest as tools print and compare it.
Result<std::string> NormalizeTlsh(std::string_view value) {
  std::string_view body = value;
  if (body.size() >= 2 && (body[0] == 'T' || body[0] == 't') && body[1] == '1') {
    body.remove_prefix(2);
  }
  const size_t n = body.size();
  if (!AllHex(body) || (n != 70 && n != 74 && n != 134 && n != 138)) {
    return Invalid(value, "a TLSH hash",
                   "expected 70, 74, 134 or 138 hex digits, optionally after \"T1\"");
  }
  return LowerAscii(value);
}

bool IsBase64Char(char c) { return IsAsciiAlnum(c) || c == '+' || c == '/'; }

// "blocksize:hash:hash" as ssdeep prints it (without the ",\"file name\"" suffix), kept exactly:
// the base64 alphabet is case-sensitive.
Result<std::string> NormalizeSsdeep(std::string_view value) {
  const size_t first = value.find(':');
  const size_t second = first == std::string_view::npos ? first : value.find(':', first + 1);
  const std::string_view block_size = value.substr(0, first);
  if (second == std::string_view::npos || !AllDigits(block_size) || block_size.size() > 10 ||
      !AllOf(value.substr(first + 1, second - first - 1), IsBase64Char) ||
      !AllOf(value.substr(second + 1), IsBase64Char)) {
    return Invalid(value, "an SSDEEP hash", "expected \"blocksize:hash:hash\"");
  }
  return std::string(value);
}

// --- Object paths ---

struct SimplePath {
  std::string_view sco_type;
  std::string_view property;
  ObservableKind kind;
};

constexpr std::array<SimplePath, 10> kSimplePaths = {{
    {"ipv4-addr", "value", ObservableKind::kIpv4},
    {"ipv6-addr", "value", ObservableKind::kIpv6},
    {"domain-name", "value", ObservableKind::kDomain},
    {"url", "value", ObservableKind::kUrl},
    {"email-addr", "value", ObservableKind::kEmail},
    {"mac-addr", "value", ObservableKind::kMac},
    {"autonomous-system", "number", ObservableKind::kAsn},
    {"file", "name", ObservableKind::kFileName},
    {"mutex", "name", ObservableKind::kMutex},
    {"windows-registry-key", "key", ObservableKind::kRegistryKey},
}};

// Paths longer than this hold nothing we index; the scanner stops collecting components there so
// a pathological path costs no memory.
constexpr size_t kMaxPathComponents = 8;

// The kind of an object path split into components (keys unquoted; list indexes as "[...]").
// Paths through references ("dst_ref.value", "resolves_to_refs[*].value") are not indexed here:
// the referenced object's type is not known from the path, and the referenced SCO is indexed
// itself. The one exception, network-traffic's address refs, is decided by the value's form in
// ObservableCollector (see IsAddressRefPath).
std::optional<ObservableKind> KindForComponents(std::string_view sco_type,
                                                const std::vector<std::string>& components) {
  if (components.size() == 1) {
    for (const SimplePath& p : kSimplePaths) {
      if (p.sco_type == sco_type && p.property == components[0]) return p.kind;
    }
    return std::nullopt;
  }
  if (components.size() == 2 && components[0] == "hashes" &&
      (sco_type == "file" || sco_type == "artifact" || sco_type == "x509-certificate")) {
    return KindForHashAlgorithm(components[1]);
  }
  // HTTP header names are case-insensitive.
  if (components.size() == 4 && sco_type == "network-traffic" && components[0] == "extensions" &&
      components[1] == "http-request-ext" && components[2] == "request_header" &&
      EqualsIgnoreAsciiCase(components[3], "user-agent")) {
    return ObservableKind::kUserAgent;
  }
  return std::nullopt;
}

// Reads a STIX string literal whose opening quote is at s[pos]. Escapes other than \' and \\ are
// not valid STIX; they are kept as written rather than guessed at. Returns the position after the
// closing quote, or npos when the literal is unterminated.
size_t ReadQuoted(std::string_view s, size_t pos, std::string& out) {
  out.clear();
  for (size_t i = pos + 1; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\'') return i + 1;
    if (c == '\\') {
      if (i + 1 >= s.size()) break;
      const char next = s[++i];
      if (next != '\'' && next != '\\') out += '\\';
      out += next;
    } else {
      out += c;
    }
  }
  return std::string_view::npos;
}

// Splits an object path as written in patterns ("hashes.'SHA-256'", "values[*].name") into
// components; nullopt when it is not a well-formed path.
std::optional<std::vector<std::string>> SplitPropertyPath(std::string_view path) {
  std::vector<std::string> components;
  size_t i = 0;
  bool expect_key = true;
  while (i < path.size()) {
    if (components.size() > kMaxPathComponents) return std::nullopt;
    const char c = path[i];
    if (expect_key) {
      std::string key;
      if (c == '\'') {
        i = ReadQuoted(path, i, key);
        if (i == std::string_view::npos) return std::nullopt;
      } else {
        const size_t start = i;
        while (i < path.size() && (IsAsciiAlnum(path[i]) || path[i] == '_' || path[i] == '-')) ++i;
        if (i == start) return std::nullopt;
        key = path.substr(start, i - start);
      }
      components.push_back(std::move(key));
      expect_key = false;
    } else if (c == '.') {
      ++i;
      expect_key = true;
    } else if (c == '[') {
      const size_t close = path.find(']', i);
      if (close == std::string_view::npos) return std::nullopt;
      const std::string_view index = path.substr(i + 1, close - i - 1);
      std::string_view digits = index;
      if (digits.starts_with('-')) digits.remove_prefix(1);
      if (index != "*" && !AllDigits(digits)) return std::nullopt;
      components.push_back("[" + std::string(index) + "]");
      i = close + 1;
    } else {
      return std::nullopt;
    }
  }
  if (expect_key) return std::nullopt;  // empty path or trailing '.'
  return components;
}

// --- Pattern scanning ---

enum class TokenType {
  kEnd,
  kWord,          // identifier or keyword: [A-Za-z_][A-Za-z0-9_-]*
  kString,        // '...' (text holds the unescaped content)
  kInt,           // [+-]?[0-9]+
  kOtherLiteral,  // float, b'...', h'...', t'...'
  kPunct,         // = == != <> < <= > >= [ ] ( ) , : . *
  kOther,         // any other byte
};

struct Token {
  TokenType type = TokenType::kEnd;
  std::string_view raw;  // as written
  std::string text;      // unescaped content of a kString
};

// A tokenizer for STIX patterning text, after the lexer rules of the STIX 2.1 ANTLR grammar.
// Every call consumes at least one byte, so scanning is linear in the input.
class PatternLexer {
 public:
  explicit PatternLexer(std::string_view input) : s_(input) {}

  void Next(Token& token) {
    SkipSpaceAndComments();
    token.text.clear();
    if (pos_ >= s_.size()) {
      token.type = TokenType::kEnd;
      token.raw = {};
      return;
    }
    const size_t start = pos_;
    const char c = s_[pos_];
    if (c == '\'') {
      pos_ = ReadQuoted(s_, pos_, token.text);
      // An unterminated literal swallows the rest of the input, as the grammar's lexer would.
      if (pos_ == std::string_view::npos) return End(token);
      return Emit(token, TokenType::kString, start);
    }
    if (IsAsciiAlpha(c) || c == '_') {
      while (pos_ < s_.size() && (IsAsciiAlnum(s_[pos_]) || s_[pos_] == '_' || s_[pos_] == '-')) {
        ++pos_;
      }
      const std::string_view word = s_.substr(start, pos_ - start);
      if ((word == "b" || word == "h" || word == "t") && pos_ < s_.size() && s_[pos_] == '\'') {
        pos_ = ReadQuoted(s_, pos_, token.text);
        token.text.clear();
        if (pos_ == std::string_view::npos) return End(token);
        return Emit(token, TokenType::kOtherLiteral, start);
      }
      return Emit(token, TokenType::kWord, start);
    }
    const bool signed_number = (c == '+' || c == '-') && pos_ + 1 < s_.size() &&
                               (IsDigit(s_[pos_ + 1]) || s_[pos_ + 1] == '.');
    if (IsDigit(c) || signed_number ||
        (c == '.' && pos_ + 1 < s_.size() && IsDigit(s_[pos_ + 1]))) {
      if (c == '+' || c == '-') ++pos_;
      while (pos_ < s_.size() && IsDigit(s_[pos_])) ++pos_;
      bool is_float = false;
      if (pos_ + 1 < s_.size() && s_[pos_] == '.' && IsDigit(s_[pos_ + 1])) {
        is_float = true;
        ++pos_;
        while (pos_ < s_.size() && IsDigit(s_[pos_])) ++pos_;
      }
      if (pos_ == start + 1 && !IsDigit(c)) {  // a lone sign or dot
        return Emit(token, TokenType::kOther, start);
      }
      return Emit(token, is_float ? TokenType::kOtherLiteral : TokenType::kInt, start);
    }
    ++pos_;
    if (pos_ < s_.size()) {
      const char next = s_[pos_];
      if ((c == '=' && next == '=') || (c == '!' && next == '=') || (c == '<' && next == '>') ||
          (c == '<' && next == '=') || (c == '>' && next == '=')) {
        ++pos_;
        return Emit(token, TokenType::kPunct, start);
      }
    }
    constexpr std::string_view kSingle = "=<>[](),:.*";
    const bool punct = kSingle.find(c) != std::string_view::npos;
    return Emit(token, punct ? TokenType::kPunct : TokenType::kOther, start);
  }

 private:
  void SkipSpaceAndComments() {
    while (pos_ < s_.size()) {
      if (IsAsciiSpace(s_[pos_])) {
        ++pos_;
      } else if (s_.substr(pos_).starts_with("/*")) {
        const size_t end = s_.find("*/", pos_ + 2);
        pos_ = end == std::string_view::npos ? s_.size() : end + 2;
      } else if (s_.substr(pos_).starts_with("//")) {
        const size_t end = s_.find('\n', pos_ + 2);
        pos_ = end == std::string_view::npos ? s_.size() : end + 1;
      } else {
        return;
      }
    }
  }

  void Emit(Token& token, TokenType type, size_t start) {
    token.type = type;
    token.raw = s_.substr(start, pos_ - start);
  }

  void End(Token& token) {
    pos_ = s_.size();
    token.type = TokenType::kEnd;
    token.raw = {};
    token.text.clear();
  }

  std::string_view s_;
  size_t pos_ = 0;
};

bool IsPunct(const Token& token, std::string_view p) {
  return token.type == TokenType::kPunct && token.raw == p;
}

bool IsWord(const Token& token, std::string_view w) {
  return token.type == TokenType::kWord && token.raw == w;
}

// `network-traffic:src_ref.value` / `dst_ref.value`: how MISP exports ip-src / ip-dst attributes
// (`[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '1.2.3.4']`).
// Without them detect/ would never see those indicators' addresses (B2c).
bool IsAddressRefPath(std::string_view sco_type, const std::vector<std::string>& components) {
  return sco_type == "network-traffic" && components.size() == 2 &&
         (components[0] == "src_ref" || components[0] == "dst_ref") && components[1] == "value";
}

// The kind of an address-ref value by its form: a ':' can only be IPv6 (the ref's `type`
// comparison may be elsewhere in the pattern or absent, so it is not relied on). Refs to
// domain-name or mac-addr objects are not indexed from here.
ObservableKind AddressKindByForm(std::string_view value) {
  return value.find(':') != std::string_view::npos ? ObservableKind::kIpv6 : ObservableKind::kIpv4;
}

// Collects normalised observables without duplicates, in first-seen order.
class ObservableCollector {
 public:
  void Add(std::string_view sco_type, const std::vector<std::string>& components,
           bool path_too_long, const Token& literal) {
    if (path_too_long) return;
    std::optional<ObservableKind> kind = KindForComponents(sco_type, components);
    if (!kind && literal.type == TokenType::kString && IsAddressRefPath(sco_type, components)) {
      kind = AddressKindByForm(literal.text);  // a non-address value fails to normalise below
    }
    if (!kind) return;
    std::string_view value;
    if (literal.type == TokenType::kString) {
      value = literal.text;
    } else if (literal.type == TokenType::kInt && *kind == ObservableKind::kAsn) {
      value = literal.raw;  // autonomous-system:number is an integer property
    } else {
      return;
    }
    Result<std::string> normalized = NormalizeObservable(*kind, value);
    if (!normalized) return;
    std::string key(1, static_cast<char>(*kind));
    key += *normalized;
    if (seen_.insert(std::move(key)).second) {
      result_.push_back(Observable{*kind, std::move(*normalized)});
    }
  }

  std::vector<Observable> Take() { return std::move(result_); }

 private:
  std::unordered_set<std::string> seen_;
  std::vector<Observable> result_;
};

}  // namespace

std::string_view ObservableKindName(ObservableKind kind) {
  if (!IsKnownKind(kind)) return "unknown";
  return kKindNames[static_cast<size_t>(kind)];
}

std::optional<ObservableKind> ParseObservableKindName(std::string_view name) {
  for (size_t i = 1; i < kKindNames.size(); ++i) {
    if (kKindNames[i] == name) return static_cast<ObservableKind>(i);
  }
  return std::nullopt;
}

Result<std::string> NormalizeObservable(ObservableKind kind, std::string_view value) {
  if (!IsKnownKind(kind)) {
    return Fail(ErrorCode::kInvalidArgument,
                "unknown observable kind " + std::to_string(static_cast<unsigned>(kind)));
  }
  const std::string_view what = kKindDescriptions[static_cast<size_t>(kind)];
  if (value.empty()) return Invalid(value, what, "empty value");
  for (size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c < 0x20 || c == 0x7F) {
      return Invalid(value, what,
                     "control " + DescribeChar(value[i]) + " at offset " + std::to_string(i));
    }
  }
  if (size_t bad = InvalidUtf8Offset(value); bad != std::string_view::npos) {
    return Invalid(value, what, "not valid UTF-8 at offset " + std::to_string(bad));
  }

  // Defanged network indicators ("1.2.3[.]4", "hxxp://evil[.]example") are the same indicators.
  // A marker is never valid in an address, a domain or an e-mail domain; in a URL path or query it
  // could be, but that is far rarer than defanged URLs in feeds and reports.
  std::string refanged;
  if (kind == ObservableKind::kIpv4 || kind == ObservableKind::kIpv6 ||
      kind == ObservableKind::kDomain || kind == ObservableKind::kUrl ||
      kind == ObservableKind::kEmail) {
    refanged = Refang(value);
    value = refanged;
  }

  switch (kind) {
    case ObservableKind::kIpv4:
      return NormalizeIpv4(value);
    case ObservableKind::kIpv6:
      return NormalizeIpv6(value);
    case ObservableKind::kDomain:
      return NormalizeDomain(value);
    case ObservableKind::kUrl:
      return NormalizeUrl(value);
    case ObservableKind::kEmail:
      return NormalizeEmail(value);
    case ObservableKind::kMac:
      return NormalizeMac(value);
    case ObservableKind::kAsn:
      return NormalizeAsn(value);
    case ObservableKind::kMd5:
      return NormalizeHexHash(value, 32, what);
    case ObservableKind::kSha1:
      return NormalizeHexHash(value, 40, what);
    case ObservableKind::kSha256:
    case ObservableKind::kSha3_256:
      return NormalizeHexHash(value, 64, what);
    case ObservableKind::kSha512:
    case ObservableKind::kSha3_512:
      return NormalizeHexHash(value, 128, what);
    case ObservableKind::kSsdeep:
      return NormalizeSsdeep(value);
    case ObservableKind::kTlsh:
      return NormalizeTlsh(value);
    case ObservableKind::kRegistryKey:
      // Only ASCII is folded: Windows' own case folding of other characters is locale-independent
      // but table-driven, and keys outside ASCII are rare enough to match exactly.
      return LowerAscii(value);
    case ObservableKind::kFileName:
    case ObservableKind::kMutex:
    case ObservableKind::kUserAgent:
      return std::string(value);
  }
  return Fail(ErrorCode::kInternal, "unhandled observable kind");
}

std::optional<Observable> ClassifyObservable(std::string_view value) {
  // Typed or pasted values often carry stray blanks; nothing indexed starts or ends with one.
  while (!value.empty() && IsAsciiSpace(value.front())) value.remove_prefix(1);
  while (!value.empty() && IsAsciiSpace(value.back())) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;

  auto as = [value](ObservableKind kind) -> std::optional<Observable> {
    Result<std::string> normalized = NormalizeObservable(kind, value);
    if (!normalized) return std::nullopt;
    return Observable{kind, std::move(*normalized)};
  };

  if (value.find("://") != std::string_view::npos) return as(ObservableKind::kUrl);
  if (value.find('@') != std::string_view::npos) return as(ObservableKind::kEmail);
  if (value.find('/') != std::string_view::npos) {
    if (auto v4 = as(ObservableKind::kIpv4)) return v4;
    return as(ObservableKind::kIpv6);
  }
  if (AllHex(value)) {
    switch (value.size()) {
      case 32:
        return as(ObservableKind::kMd5);
      case 40:
        return as(ObservableKind::kSha1);
      case 64:
        return as(ObservableKind::kSha256);
      case 128:
        return as(ObservableKind::kSha512);
      default:
        break;
    }
  }
  // Before domains: "aabb.ccdd.eeff" is read as a MAC address, not as a name under ".eeff".
  if (auto mac = as(ObservableKind::kMac)) return mac;
  if (value.find(':') != std::string_view::npos) return as(ObservableKind::kIpv6);
  if (value.size() > 2 && EqualsIgnoreAsciiCase(value.substr(0, 2), "as") &&
      AllDigits(value.substr(2))) {
    return as(ObservableKind::kAsn);
  }
  if (auto v4 = as(ObservableKind::kIpv4)) return v4;
  if (value.find('.') == std::string_view::npos) return std::nullopt;
  std::optional<Observable> domain = as(ObservableKind::kDomain);
  if (!domain) return std::nullopt;
  // The last label must look like a TLD: letters (ASCII or not, for IDN TLDs) or an "xn--" label.
  // This keeps "1.2.3.999" and version strings like "2.0.1" out.
  const std::string_view tld = std::string_view(domain->value).substr(domain->value.rfind('.') + 1);
  const bool letters =
      tld.size() >= 2 && AllOf(tld, [](char c) { return IsAsciiAlpha(c) || IsNonAscii(c); });
  if (!letters && !(tld.starts_with("xn--") && tld.size() > 4)) return std::nullopt;
  return domain;
}

std::optional<ObservableKind> KindForObjectPath(std::string_view sco_type,
                                                std::string_view property_path) {
  std::optional<std::vector<std::string>> components = SplitPropertyPath(property_path);
  if (!components) return std::nullopt;
  return KindForComponents(sco_type, *components);
}

std::optional<ObservableKind> KindForHashAlgorithm(std::string_view algorithm) {
  // Feeds spell algorithms every which way ("SHA-256", "sha256", "SHA_256"); the separators carry
  // no meaning.
  std::string key;
  for (char c : algorithm) {
    if (c != '-' && c != '_') key += ToLowerAscii(c);
  }
  if (key == "md5") return ObservableKind::kMd5;
  if (key == "sha1") return ObservableKind::kSha1;
  if (key == "sha256") return ObservableKind::kSha256;
  if (key == "sha512") return ObservableKind::kSha512;
  if (key == "sha3256") return ObservableKind::kSha3_256;
  if (key == "sha3512") return ObservableKind::kSha3_512;
  if (key == "ssdeep") return ObservableKind::kSsdeep;
  if (key == "tlsh") return ObservableKind::kTlsh;
  return std::nullopt;
}

std::vector<Observable> ExtractPatternObservables(std::string_view pattern) {
  // A flat state machine over tokens rather than a parser: brackets, parentheses, AND/OR,
  // FOLLOWEDBY and qualifiers are simply skipped, so nesting depth costs nothing (no recursion on
  // untrusted input) and a malformed pattern still yields its complete comparisons. Each token is
  // looked at no more than twice (see `reprocess`), so the work is linear.
  enum class State {
    kIdle,            // looking for "<type> :"
    kAfterType,       // saw a word that may be an object type
    kFirstComponent,  // saw "<type> :"
    kInPath,          // after a path component: more path, NOT, or an operator
    kNextKey,         // after '.'
    kIndex,           // after '['
    kIndexClose,      // after "[n" or "[*"
    kNegated,         // after NOT: the comparison is skipped
    kValue,           // after '='
    kSetOpen,         // after IN
    kInSet,           // inside IN ( ... )
  };

  PatternLexer lexer(pattern);
  ObservableCollector collector;
  Token token;
  State state = State::kIdle;
  std::string sco_type;
  std::vector<std::string> components;
  bool path_too_long = false;

  auto push_component = [&](std::string component) {
    if (components.size() >= kMaxPathComponents) {
      path_too_long = true;
    } else {
      components.push_back(std::move(component));
    }
  };

  lexer.Next(token);
  while (token.type != TokenType::kEnd) {
    bool reprocess = false;
    switch (state) {
      case State::kIdle:
        if (token.type == TokenType::kWord) {
          sco_type = token.raw;
          state = State::kAfterType;
        }
        break;
      case State::kAfterType:
        if (IsPunct(token, ":")) {
          components.clear();
          path_too_long = false;
          state = State::kFirstComponent;
        } else {
          reprocess = true;
        }
        break;
      case State::kFirstComponent:
      case State::kNextKey:
        if (token.type == TokenType::kWord) {
          push_component(std::string(token.raw));
          state = State::kInPath;
        } else if (token.type == TokenType::kString) {
          push_component(token.text);
          state = State::kInPath;
        } else {
          reprocess = true;
        }
        break;
      case State::kInPath:
        if (IsPunct(token, ".")) {
          state = State::kNextKey;
        } else if (IsPunct(token, "[")) {
          state = State::kIndex;
        } else if (IsPunct(token, "=") || IsPunct(token, "==")) {
          state = State::kValue;
        } else if (IsWord(token, "IN")) {
          state = State::kSetOpen;
        } else if (IsWord(token, "NOT")) {
          state = State::kNegated;
        } else {
          reprocess = true;  // another operator, or not a comparison at all
        }
        break;
      case State::kIndex:
        if (IsPunct(token, "*") || token.type == TokenType::kInt) {
          push_component("[" + std::string(token.raw) + "]");
          state = State::kIndexClose;
        } else {
          reprocess = true;
        }
        break;
      case State::kIndexClose:
        if (IsPunct(token, "]")) {
          state = State::kInPath;
        } else {
          reprocess = true;
        }
        break;
      case State::kNegated:
        reprocess = true;
        break;
      case State::kValue:
        collector.Add(sco_type, components, path_too_long, token);
        reprocess = token.type != TokenType::kString && token.type != TokenType::kInt;
        if (!reprocess) state = State::kIdle;
        break;
      case State::kSetOpen:
        if (IsPunct(token, "(")) {
          state = State::kInSet;
        } else {
          reprocess = true;
        }
        break;
      case State::kInSet:
        if (token.type == TokenType::kString || token.type == TokenType::kInt) {
          collector.Add(sco_type, components, path_too_long, token);
        } else if (IsPunct(token, ")")) {
          state = State::kIdle;
        } else if (!IsPunct(token, ",") && token.type != TokenType::kOtherLiteral &&
                   !IsWord(token, "true") && !IsWord(token, "false")) {
          reprocess = true;
        }
        break;
    }
    if (reprocess) {
      state = State::kIdle;  // kIdle never asks to reprocess, so no token is seen three times
      continue;
    }
    lexer.Next(token);
  }
  return collector.Take();
}

}  // namespace socmesh::model
