// Byte keys of the matcher tables, and their hash.
//
// A key is the observable kind followed by a compact form of the normalised value, so one hash
// table holds every kind without collisions between kinds:
//   IPv4 / IPv6   [kind][prefix length][address bytes, host bits cleared]  (6 / 18 bytes)
//   hex hashes    [kind][binary digest]  (half the bytes of the hex text; hex case-insensitive)
//                 [kind | 0x80][text] when the value is not even-length hex (e.g. "t1…" TLSH)
//   other kinds   [kind][normalised text]
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "model/observable.hpp"

namespace socmesh::detect::detail {

inline uint64_t HashKey(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }

// Maps a 32-bit value onto [0, n) without a division (Lemire's fast range reduction).
inline uint32_t FastRange(uint32_t x, uint32_t n) {
  return static_cast<uint32_t>((static_cast<uint64_t>(x) * n) >> 32);
}

constexpr size_t kIpv4KeySize = 6;
constexpr size_t kIpv6KeySize = 18;
constexpr size_t kMaxKeySize = 65535;

// An IP network parsed from normalised text ("192.0.2.0/24", "2001:db8::1").
struct IpNetwork {
  bool v6 = false;
  int prefix = 0;                   // 32 / 128 for an address
  std::array<uint8_t, 16> bytes{};  // IPv4 in the first 4, network byte order
};

// Parses "a.b.c.d[/n]" or an IPv6 text form with an optional "/n". nullopt when invalid.
std::optional<IpNetwork> ParseIpNetwork(std::string_view text, bool v6);

// Writes [kind][prefix][bytes with host bits beyond `prefix` cleared] into `out` (18 bytes room);
// returns the key length.
size_t WriteIpKey(const IpNetwork& net, int prefix, char* out);

inline uint32_t Ipv4Word(const IpNetwork& net) {
  return (uint32_t{net.bytes[0]} << 24) | (uint32_t{net.bytes[1]} << 16) |
         (uint32_t{net.bytes[2]} << 8) | uint32_t{net.bytes[3]};
}

bool IsHexHashKind(model::ObservableKind kind);

// Appends the key of a non-IP observable to `out` (cleared first). false when the value is longer
// than kMaxKeySize - 1.
bool EncodeTextKey(model::ObservableKind kind, std::string_view normalized, std::string& out);

// Counts the labels of a normalised domain name ("a.example" = 2).
size_t LabelCount(std::string_view domain);

// The hash a domain key is filtered by in the Bloom filter: the block (high half) comes from the
// name's last two labels, the bits (low half) from the whole key's hash. Every label suffix of a
// host ("a.b.evil.example", "b.evil.example", "evil.example") thus shares one filter block, and
// one cache miss answers them all instead of one per suffix. `key_hash` = HashKey of the key,
// `domain` = the name without the kind byte.
inline uint64_t DomainBloomHash(std::string_view domain, uint64_t key_hash) {
  const size_t last = domain.rfind('.');
  size_t start = 0;
  if (last != std::string_view::npos && last > 0) {
    const size_t second = domain.rfind('.', last - 1);
    if (second != std::string_view::npos) start = second + 1;
  }
  const std::string_view base = domain.substr(start);
  const uint64_t block = XXH3_64bits_withSeed(base.data(), base.size(), 0x646f6d61696eULL);
  return (block & 0xFFFFFFFF00000000ULL) | (key_hash & 0xFFFFFFFFULL);
}

}  // namespace socmesh::detect::detail
