#include "model/pattern/values.hpp"

#include <arpa/inet.h>

#include <cctype>
#include <charconv>
#include <cstring>
#include <vector>

namespace socmesh::model::pattern_detail {
namespace {

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  return LowerAscii(c) - 'a' + 10;
}

// Length in bytes of the UTF-8 character starting with `lead` (1 for stray continuation bytes, so
// malformed text still advances).
size_t Utf8Length(unsigned char lead) {
  if (lead < 0xC0) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return 4;
}

}  // namespace

std::optional<IpNetwork> ParseIpNetwork(std::string_view text) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  std::string_view addr_text = text;
  std::optional<int> prefix;
  if (size_t slash = text.find('/'); slash != std::string_view::npos) {
    addr_text = text.substr(0, slash);
    std::string_view p = text.substr(slash + 1);
    int value = 0;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
    if (ec != std::errc() || end != p.data() + p.size() || p.empty() || p.size() > 3 ||
        (p.size() > 1 && p[0] == '0')) {
      return std::nullopt;
    }
    prefix = value;
  }
  char buf[65];
  std::memcpy(buf, addr_text.data(), addr_text.size());
  buf[addr_text.size()] = '\0';
  IpNetwork net;
  if (addr_text.find(':') != std::string_view::npos) {
    if (inet_pton(AF_INET6, buf, net.addr.data()) != 1) return std::nullopt;
    net.v6 = true;
  } else {
    // inet_pton(AF_INET) accepts only dotted-quad decimal, which is what STIX means.
    if (inet_pton(AF_INET, buf, net.addr.data()) != 1) return std::nullopt;
  }
  const int max = net.max_prefix();
  if (prefix && (*prefix < 0 || *prefix > max)) return std::nullopt;
  net.prefix = static_cast<uint8_t>(prefix.value_or(max));
  for (int bit = net.prefix; bit < max; ++bit) {
    net.addr[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
  }
  return net;
}

bool NetworkContains(const IpNetwork& outer, const IpNetwork& inner) {
  if (outer.v6 != inner.v6 || inner.prefix < outer.prefix) return false;
  const int full = outer.prefix / 8;
  if (std::memcmp(outer.addr.data(), inner.addr.data(), full) != 0) return false;
  const int rest = outer.prefix % 8;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xFFu << (8 - rest));
  return (outer.addr[full] & mask) == (inner.addr[full] & mask);
}

std::string CanonicalHashKey(std::string_view key) {
  std::string folded;
  for (char c : key) {
    if (c != '-' && c != '_') folded += LowerAscii(c);
  }
  static constexpr std::pair<std::string_view, std::string_view> kNames[] = {
      {"md5", "MD5"},
      {"sha1", "SHA-1"},
      {"sha224", "SHA-224"},
      {"sha256", "SHA-256"},
      {"sha384", "SHA-384"},
      {"sha512", "SHA-512"},
      {"sha3224", "SHA3-224"},
      {"sha3256", "SHA3-256"},
      {"sha3384", "SHA3-384"},
      {"sha3512", "SHA3-512"},
      {"ssdeep", "SSDEEP"},
      {"tlsh", "TLSH"},
      {"ripemd160", "RIPEMD-160"},
      {"whirlpool", "WHIRLPOOL"},
  };
  for (const auto& [from, to] : kNames) {
    if (folded == from) return std::string(to);
  }
  return std::string(key);
}

std::optional<bool> IsValidHashValue(std::string_view algorithm, std::string_view value) {
  size_t hex_length = 0;
  if (algorithm == "MD5") hex_length = 32;
  if (algorithm == "SHA-1" || algorithm == "RIPEMD-160") hex_length = 40;
  if (algorithm == "SHA-224" || algorithm == "SHA3-224") hex_length = 56;
  if (algorithm == "SHA-256" || algorithm == "SHA3-256") hex_length = 64;
  if (algorithm == "SHA-384" || algorithm == "SHA3-384") hex_length = 96;
  if (algorithm == "SHA-512" || algorithm == "SHA3-512" || algorithm == "WHIRLPOOL") {
    hex_length = 128;
  }
  if (hex_length != 0) {
    if (value.size() != hex_length) return false;
    for (char c : value) {
      if (!IsHex(c)) return false;
    }
    return true;
  }
  if (algorithm == "SSDEEP") {
    if (value.empty() || value.size() > 148) return false;
    for (char c : value) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '/' && c != '+' && c != ':' &&
          c != '.') {
        return false;
      }
    }
    return true;
  }
  return std::nullopt;
}

std::optional<std::string> DecodeHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    if (!IsHex(hex[i]) || !IsHex(hex[i + 1])) return std::nullopt;
    out += static_cast<char>(HexValue(hex[i]) * 16 + HexValue(hex[i + 1]));
  }
  return out;
}

std::optional<std::string> DecodeBase64(std::string_view b64) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (b64.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(b64.size() / 4 * 3);
  for (size_t i = 0; i < b64.size(); i += 4) {
    const bool last = i + 4 == b64.size();
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = b64[i + k];
      if (c == '=' && last && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      if (pad > 0) return std::nullopt;  // data after padding
      v[k] = value(c);
      if (v[k] < 0) return std::nullopt;
    }
    const uint32_t triple = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out += static_cast<char>((triple >> 16) & 0xFF);
    if (pad < 2) out += static_cast<char>((triple >> 8) & 0xFF);
    if (pad < 1) out += static_cast<char>(triple & 0xFF);
  }
  return out;
}

bool LikeMatch(std::string_view value, std::string_view pattern) {
  // Classic wildcard matching with one backtrack point (the last '%'): on a mismatch the last '%'
  // absorbs one more character. Never exponential.
  size_t v = 0, p = 0;
  size_t star_p = std::string_view::npos, star_v = 0;
  while (v < value.size()) {
    if (p < pattern.size() && pattern[p] == '%') {
      star_p = p++;
      star_v = v;
      continue;
    }
    if (p < pattern.size() && pattern[p] == '_') {
      v += Utf8Length(static_cast<unsigned char>(value[v]));
      ++p;
      continue;
    }
    if (p < pattern.size() && pattern[p] == value[v]) {
      ++p;
      ++v;
      continue;
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p + 1;
    star_v += Utf8Length(static_cast<unsigned char>(value[star_v]));
    v = star_v;
  }
  while (p < pattern.size() && pattern[p] == '%') ++p;
  return p == pattern.size() && v == value.size();
}

std::optional<double> ParseNumber(std::string_view text) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  std::string_view t = text;
  if (t[0] == '+') t.remove_prefix(1);
  double value = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (ec != std::errc() || end != t.data() + t.size()) return std::nullopt;
  return value;
}

bool KeyNeedsQuotes(std::string_view key) {
  if (key.empty()) return true;
  // Words the lexer reads as keywords or booleans must be quoted to stay keys.
  static constexpr std::string_view kReserved[] = {
      "AND",        "OR",     "NOT",   "FOLLOWEDBY", "LIKE",    "MATCHES", "ISSUBSET",
      "ISSUPERSET", "IN",     "START", "STOP",       "SECONDS", "WITHIN",  "REPEATS",
      "TIMES",      "EXISTS", "LAST",  "true",       "false"};
  for (std::string_view word : kReserved) {
    if (key == word) return true;
  }
  const char first = key[0];
  if (!std::isalpha(static_cast<unsigned char>(first)) && first != '_') return true;
  for (char c : key) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return true;
  }
  return false;
}

void AppendQuoted(std::string& out, std::string_view text) {
  out += '\'';
  for (char c : text) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
}

}  // namespace socmesh::model::pattern_detail
