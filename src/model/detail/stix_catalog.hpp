// Internal to model/: the STIX 2.1 type catalogue — for each object type its category, required
// properties and the value kinds / reference targets of the properties the spec defines.
// The validator (stix_object.cpp) is generic; what the spec says about each type lives here as
// data.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "model/stix_object.hpp"

namespace socmesh::model::detail {

enum class ValueKind {
  kString,
  kStringList,
  kTimestamp,
  kBoolean,
  kInteger,          // any JSON integer
  kNonNegative,      // integer >= 0
  kNumber,           // any JSON number
  kIdentifier,       // a *_ref: one identifier
  kIdentifierList,   // a *_refs: a non-empty list of identifiers
  kDictionary,       // a JSON object
  kList,             // a non-empty JSON array of anything
  kHashes,           // hashes dictionary (algorithm -> hex/text)
  kKillChainPhases,  // list of {kill_chain_name, phase_name}
  kBinary,           // base64 text (RFC 4648)
  kHex,              // hexadecimal text
};

// Reference target constraints: concrete type names, or one of these category tokens.
inline constexpr std::string_view kAnySdo = "<sdo>";
inline constexpr std::string_view kAnySco = "<sco>";

struct PropertyRule {
  std::string_view name;
  ValueKind kind;
  std::vector<std::string_view> targets = {};  // for identifiers: allowed types; empty: any type
};

struct TypeRule {
  std::string_view type;
  ObjectCategory category;
  std::vector<std::string_view> required;  // beyond the common ones of the category
  std::vector<PropertyRule> properties;
};

// The rule for a STIX 2.1 type; nullptr for custom types.
const TypeRule* FindTypeRule(std::string_view type);

// Rules of the common properties (spec section 3.2), used for every object.
std::span<const PropertyRule> CommonPropertyRules();

// Predefined SCO extension names ("archive-ext", "http-request-ext", …).
bool IsPredefinedExtensionName(std::string_view name);

}  // namespace socmesh::model::detail
