// Internal to formats/misp: turning (STIX property path, value) comparisons into STIX patterns and
// SCOs on import, and reading them back out of patterns and SCOs on export.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "core/error.hpp"

namespace socmesh::formats::misp::detail {

// One equality comparison: "file:hashes.'SHA-256'" = "ab12…".
struct Comparison {
  std::string path;  // "<sco-type>:<property path>" as written in STIX patterns
  std::string value;
};

// The STIX pattern matching all comparisons: comparisons on the same SCO type share one observation
// expression unless a property repeats, observations are joined with AND. Integer properties
// (ports, sizes, AS numbers) are written as numbers. Errors (kInvalidArgument) name the value that
// is not an integer where one is needed.
Result<std::string> BuildPattern(std::span<const Comparison> comparisons);

// The SCOs holding the comparisons' values, as JSON texts with deterministic (UUIDv5) ids; roots
// first in order of appearance, then the SCOs they reference. `ids` is parallel to `json`.
struct BuiltScos {
  std::vector<std::string> json;
  std::vector<std::string> ids;
};
Result<BuiltScos> BuildScos(std::span<const Comparison> comparisons);

// Reads the `path = value` comparisons of a STIX pattern, in order (other operators skipped;
// string escapes undone). Never fails: malformed text yields the comparisons read so far.
std::vector<Comparison> ReadPatternComparisons(std::string_view pattern);

// Flattens an SCO into comparisons with the paths BuildScos uses, following *_ref(s) through
// `resolve` (which returns nullopt for unknown ids).
using ScoResolver = std::function<std::optional<simdjson::dom::object>(std::string_view id)>;
std::vector<Comparison> FlattenSco(simdjson::dom::object sco, const ScoResolver& resolve);

// The SCO type and property path that hold a comparison's value once references are followed:
// "network-traffic:dst_ref.value" = "2001:db8::1" -> ("ipv6-addr", "value").
std::pair<std::string, std::string> ValueHolder(const Comparison& comparison);

// Escapes a string for a single-quoted STIX pattern literal.
std::string QuotePatternString(std::string_view value);

}  // namespace socmesh::formats::misp::detail
