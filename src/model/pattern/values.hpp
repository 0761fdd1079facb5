// Internal to the STIX pattern code: value helpers shared by the parser and the evaluator.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/pattern.hpp"

namespace socmesh::model::pattern_detail {

using IpNetwork = PatternNetwork;

// Parses "192.0.2.1", "192.0.2.0/24", "2001:db8::/32". Host bits are cleared (the OASIS examples
// write '192.168.0.1/24'). nullopt when the text is not an address of either family.
std::optional<IpNetwork> ParseIpNetwork(std::string_view text);

// True when `inner` lies within `outer` (same family, longer or equal prefix, same leading bits).
bool NetworkContains(const IpNetwork& outer, const IpNetwork& inner);

// "SHA-256" for "sha256", "SHA_256", "'SHA-256'"... for the algorithms of the STIX
// hashing-algorithm vocabulary and the usual extra ones; other names are returned unchanged.
// Applied to the key after `hashes` on both sides of a comparison, because feeds spell algorithm
// names every which way.
std::string CanonicalHashKey(std::string_view key);

// Whether `value` has the form of a hash of `canonical_algorithm` (as CanonicalHashKey returns).
// nullopt when the algorithm has no fixed form we check (e.g. TLSH, unknown vendor algorithms).
std::optional<bool> IsValidHashValue(std::string_view canonical_algorithm, std::string_view value);

// Decoders for binary properties; nullopt on malformed input.
std::optional<std::string> DecodeHex(std::string_view hex);
std::optional<std::string> DecodeBase64(std::string_view b64);

// SQL LIKE: '%' any run of characters, '_' exactly one (UTF-8) character, everything else literal.
// Linear in the common cases, O(n*m) at worst (no exponential backtracking).
bool LikeMatch(std::string_view value, std::string_view pattern);

// Parses a whole decimal number (optional sign, digits, optional fraction/exponent) as double.
std::optional<double> ParseNumber(std::string_view text);

// Whether `key` needs quoting in an object path (anything but [A-Za-z_][A-Za-z0-9_]*, the
// grammar's IdentifierWithoutHyphen).
bool KeyNeedsQuotes(std::string_view key);

// Appends `text` as a STIX string literal ('...' with \' and \\ escaped).
void AppendQuoted(std::string& out, std::string_view text);

}  // namespace socmesh::model::pattern_detail
