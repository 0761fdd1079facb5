#include "events/detail/fast_normalize.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace socmesh::events::detail {

namespace {

using model::ObservableKind;

// Character classes as bit flags in one 256-entry table: one load and one test per byte on the
// hot path instead of a chain of range compares.
enum CharClass : uint8_t {
  kDigit = 1,          // 0-9
  kLowerHex = 2,       // 0-9 a-f
  kDomainChar = 4,     // a-z 0-9 '-' '_' (a lower-case DNS label)
  kPrintable = 8,      // 0x20-0x7E
  kPlainUrlChar = 16,  // see IsPlainUrlChar below
  kUrlHostChar = 32,   // a-z 0-9 '.' '-' '_'
};

// Path and query characters NormalizeUrl keeps as they are: unreserved and sub-delimiters, ':',
// '@', '/', '?'. Not '%' (escapes are rewritten), '#' (fragments are dropped), nor what browsers
// percent-encode (space, '"', '<', '>', '`', '{', '}', non-ASCII).
constexpr bool IsPlainUrlChar(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
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

struct CharTable {
  uint8_t flags[256] = {};
  constexpr CharTable() {
    for (int i = 0; i < 256; ++i) {
      const auto c = static_cast<unsigned char>(i);
      const bool digit = c >= '0' && c <= '9';
      const bool lower = c >= 'a' && c <= 'z';
      uint8_t f = 0;
      if (digit) f |= kDigit;
      if (digit || (c >= 'a' && c <= 'f')) f |= kLowerHex;
      if (digit || lower || c == '-' || c == '_') f |= kDomainChar;
      if (c >= 0x20 && c <= 0x7E) f |= kPrintable;
      if (IsPlainUrlChar(c)) f |= kPlainUrlChar;
      if (digit || lower || c == '.' || c == '-' || c == '_') f |= kUrlHostChar;
      flags[i] = f;
    }
  }
};

constexpr CharTable kChars;

inline bool Is(char c, uint8_t cls) {
  return (kChars.flags[static_cast<unsigned char>(c)] & cls) != 0;
}

// True when every byte of `s` is in `cls`.
inline bool AllOf(std::string_view s, uint8_t cls) {
  for (char c : s) {
    if (!Is(c, cls)) return false;
  }
  return true;
}

// Lower-case ASCII labels of letters, digits, '-' and '_', no trailing dot, DNS length limits, no
// A-label ("xn--", which NormalizeObservable checks through IDNA): what DomainProblem accepts and
// LowerAscii leaves unchanged. Counts the dots and the bytes other than digits for AddHost.
bool IsCanonicalDomain(std::string_view s, size_t* dots = nullptr, size_t* non_digits = nullptr) {
  if (s.empty() || s.size() > 253) return false;
  const char* const begin = s.data();
  const char* const end = begin + s.size();
  const char* label = begin;
  size_t dot_count = 0, digit_count = 0;
  for (const char* p = begin;; ++p) {
    if (p == end || *p == '.') {
      const auto len = static_cast<size_t>(p - label);
      if (len == 0 || len > 63 || *label == '-' || p[-1] == '-') return false;
      if (len >= 4 && label[0] == 'x' && label[1] == 'n' && label[2] == '-' && label[3] == '-') {
        return false;
      }
      if (p == end) break;
      ++dot_count;
      label = p + 1;
      continue;
    }
    const uint8_t flags = kChars.flags[static_cast<unsigned char>(*p)];
    if ((flags & kDomainChar) == 0) return false;
    digit_count += flags & kDigit;
  }
  if (dots != nullptr) *dots = dot_count;
  if (non_digits != nullptr) *non_digits = s.size() - dot_count - digit_count;
  return true;
}

bool IsLowerHexOfLength(std::string_view s, size_t length) {
  return s.size() == length && AllOf(s, kLowerHex);
}

// 0x20-0x7E, eight bytes at a time: a byte below 0x20 borrows in the subtraction, one of 0x7F
// carries into bit 7 in the addition, one of 0x80 or more has bit 7 set. A borrow or carry only
// crosses into the next byte from a byte that already fails, so the test is exact.
bool IsPrintable(std::string_view s) {
  if (s.empty()) return false;
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, s.data() + i, 8);
    if (((word - 0x20 * kOnes) | word | (word + kOnes)) & kHigh) return false;
  }
  return AllOf(s.substr(i), kPrintable);
}

// "http://host/path" or "https://…" with a lower-case ASCII host (no A-label, no user info, no
// port) and a non-empty path of plain characters without dot segments ("/./", "/../"). One pass.
bool IsCanonicalUrl(std::string_view s) {
  size_t i;
  if (s.starts_with("http://")) {
    i = 7;
  } else if (s.starts_with("https://")) {
    i = 8;
  } else {
    return false;
  }
  // The host runs to the first '/' (a '?', ':', '@' or upper-case letter before it refuses).
  const size_t host_begin = i;
  while (i < s.size() && Is(s[i], kUrlHostChar)) ++i;
  if (i == host_begin || i == s.size() || s[i] != '/') return false;
  const std::string_view host = s.substr(host_begin, i - host_begin);
  if (host.starts_with("xn--") || host.find(".xn--") != std::string_view::npos) return false;
  bool in_query = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (!Is(c, kPlainUrlChar)) return false;
    if (c == '?') in_query = true;
    // A "." or ".." segment in the path (not the query): "/." or "/.." followed by '/', '?' or
    // the end.
    if (c == '/' && !in_query && i + 1 < s.size() && s[i + 1] == '.') {
      const size_t after = i + 2 < s.size() && s[i + 2] == '.' ? i + 3 : i + 2;
      if (after >= s.size() || s[after] == '/' || s[after] == '?') return false;
    }
  }
  return true;
}

}  // namespace

// Four decimal octets 0-255 without leading zeros, no prefix length: exactly FormatIpv4's output.
bool IsCanonicalIpv4(std::string_view s) {
  if (s.size() < 7 || s.size() > 15) return false;
  const char* p = s.data();
  const char* const end = p + s.size();
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (p == end || *p != '.') return false;
      ++p;
    }
    if (p == end || !Is(*p, kDigit)) return false;
    unsigned octet = static_cast<unsigned>(*p++ - '0');
    if (p == end || !Is(*p, kDigit)) continue;  // one digit
    if (octet == 0) return false;               // leading zero
    octet = octet * 10 + static_cast<unsigned>(*p++ - '0');
    if (p == end || !Is(*p, kDigit)) continue;  // two digits
    octet = octet * 10 + static_cast<unsigned>(*p++ - '0');
    if (octet > 255) return false;
    if (p != end && Is(*p, kDigit)) return false;  // four digits
  }
  return p == end;
}

bool IsCanonicalHostName(std::string_view value) {
  size_t dots = 0, non_digits = 0;
  return IsCanonicalDomain(value, &dots, &non_digits) && dots > 0 && non_digits > 0;
}

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
