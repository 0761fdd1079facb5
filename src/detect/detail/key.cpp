#include "detect/detail/key.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace socmesh::detect::detail {

namespace {

// Hex digit values, -1 for other bytes. A table, not comparisons: the digits of a hash are random,
// so branches on "digit or letter" mispredict on every other character (that doubled the cost of
// a hash lookup).
constexpr std::array<int8_t, 256> kHexValues = [] {
  std::array<int8_t, 256> t{};
  for (size_t c = 0; c < t.size(); ++c) {
    t[c] = c >= '0' && c <= '9'   ? static_cast<int8_t>(c - '0')
           : c >= 'a' && c <= 'f' ? static_cast<int8_t>(c - 'a' + 10)
           : c >= 'A' && c <= 'F' ? static_cast<int8_t>(c - 'A' + 10)
                                  : int8_t{-1};
  }
  return t;
}();

int HexValue(char c) { return kHexValues[static_cast<uint8_t>(c)]; }

}  // namespace

std::optional<IpNetwork> ParseIpNetwork(std::string_view text, bool v6) {
  IpNetwork net;
  net.v6 = v6;
  const int max_bits = v6 ? 128 : 32;
  net.prefix = max_bits;
  const size_t slash = text.find('/');
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    int prefix = -1;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (ec != std::errc{} || end != digits.data() + digits.size() || digits.empty() || prefix < 0 ||
        prefix > max_bits) {
      return std::nullopt;
    }
    net.prefix = prefix;
    text = text.substr(0, slash);
  }
  if (!v6) {
    // Dotted quad by hand: the common case on the lookup path, where inet_pton's copy and
    // locale-free parsing cost as much as the table probe.
    size_t i = 0;
    for (int part = 0; part < 4; ++part) {
      if (part > 0) {
        if (i >= text.size() || text[i] != '.') return std::nullopt;
        ++i;
      }
      const size_t start = i;
      unsigned value = 0;
      while (i < text.size() && i - start < 3 && text[i] >= '0' && text[i] <= '9') {
        value = value * 10 + static_cast<unsigned>(text[i] - '0');
        ++i;
      }
      // No empty parts, no values above 255, no leading zeros (inet_pton refuses them too).
      if (i == start || value > 255 || (text[start] == '0' && i - start > 1)) return std::nullopt;
      net.bytes[static_cast<size_t>(part)] = static_cast<uint8_t>(value);
    }
    if (i != text.size()) return std::nullopt;
    return net;
  }
  // inet_pton needs a terminated string; the longest IPv6 text form is 45 characters.
  char buf[64];
  if (text.empty() || text.size() >= sizeof buf) return std::nullopt;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  if (inet_pton(v6 ? AF_INET6 : AF_INET, buf, net.bytes.data()) != 1) return std::nullopt;
  return net;
}

size_t WriteIpKey(const IpNetwork& net, int prefix, char* out) {
  const size_t n = net.v6 ? 16 : 4;
  out[0] = static_cast<char>(net.v6 ? model::ObservableKind::kIpv6 : model::ObservableKind::kIpv4);
  out[1] = static_cast<char>(prefix);
  for (size_t i = 0; i < n; ++i) {
    const int bits = prefix - static_cast<int>(i * 8);
    uint8_t mask = 0xFF;
    if (bits <= 0) {
      mask = 0;
    } else if (bits < 8) {
      mask = static_cast<uint8_t>(0xFF << (8 - bits));
    }
    out[2 + i] = static_cast<char>(net.bytes[i] & mask);
  }
  return 2 + n;
}

bool IsHexHashKind(model::ObservableKind kind) {
  using K = model::ObservableKind;
  switch (kind) {
    case K::kMd5:
    case K::kSha1:
    case K::kSha256:
    case K::kSha512:
    case K::kSha3_256:
    case K::kSha3_512:
    case K::kTlsh:
      return true;
    default:
      return false;
  }
}

bool EncodeTextKey(model::ObservableKind kind, std::string_view normalized, std::string& out) {
  if (normalized.size() >= kMaxKeySize) {
    out.clear();
    return false;
  }
  const auto tag = static_cast<char>(kind);
  // Written through a pointer into a resized buffer: this runs for most lookups, and per-byte
  // push_back costs more than the hash of the key.
  if (IsHexHashKind(kind) && normalized.size() % 2 == 0) {
    out.resize(1 + normalized.size() / 2);
    char* p = out.data();
    *p++ = tag;
    int bad = 0;
    for (size_t i = 0; i < normalized.size(); i += 2) {
      const int hi = HexValue(normalized[i]);
      const int lo = HexValue(normalized[i + 1]);
      bad |= hi | lo;  // negative when either is not a hex digit
      *p++ = static_cast<char>((hi & 0xF) << 4 | (lo & 0xF));
    }
    if (bad >= 0) return true;
  }
  // Text form; the high bit keeps a text hash apart from a binary one of the same bytes.
  out.resize(1 + normalized.size());
  out[0] = IsHexHashKind(kind) ? static_cast<char>(tag | 0x80) : tag;
  std::memcpy(out.data() + 1, normalized.data(), normalized.size());
  return true;
}

size_t LabelCount(std::string_view domain) {
  if (domain.empty()) return 0;
  size_t n = 1;
  for (char c : domain) n += c == '.';
  return n;
}

}  // namespace socmesh::detect::detail
