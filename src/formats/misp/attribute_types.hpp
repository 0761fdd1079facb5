// The MISP attribute types (PyMISP describeTypes.json) and how each maps to STIX 2.1.
//
// One table drives both directions: import turns a value into pattern comparisons and SCOs through
// the property paths listed here, export reads the same paths back out of patterns and SCOs. The
// paths follow the misp-stix mapping pairs (../shared/data/misp/misp-stix/mapping) except where
// docs/formats.md ("MISP mapping") lists a deliberate deviation.
#pragma once

#include <array>
#include <span>
#include <string_view>

namespace socmesh::formats::misp {

enum class AttributeMapping {
  kObservable,     // IDS: indicator with a STIX pattern; not IDS: observed-data + SCOs
  kPatternOnly,    // IDS: indicator; not IDS: custom object (no SCO holds the value faithfully)
  kNativePattern,  // IDS: indicator whose pattern_type is a rule language (yara, sigma, …)
  kVulnerability,  // vulnerability SDO
  kCampaign,       // campaign SDO
  kThreatActor,    // threat-actor SDO
  kCustom,         // x-misp-attribute custom object (type, category, value kept verbatim)
};

struct AttributeType {
  std::string_view name;  // MISP type, e.g. "filename|sha256"
  AttributeMapping mapping = AttributeMapping::kCustom;
  // One STIX property path per '|'-separated component of the value, as written in patterns:
  // "<sco-type>:<property path>", e.g. "file:hashes.'SHA-256'". Empty for non-observable mappings.
  std::array<std::string_view, 2> paths{};
  // A comparison that is always part of the pattern (e.g. account_type 'github'), or empty.
  std::string_view fixed_path{};
  std::string_view fixed_value{};
  // For kNativePattern: the STIX pattern_type.
  std::string_view pattern_type{};

  size_t components() const { return paths[1].empty() ? 1 : 2; }
};

// Every type of describeTypes.json, in its order; unknown types are not in the list.
std::span<const AttributeType> AllAttributeTypes();

// The entry for a MISP type. Types that describeTypes.json does not know map to kCustom (MISP
// instances can define their own), with `name` set to the given string.
AttributeType FindAttributeType(std::string_view misp_type);

// The MISP category a type defaults to (describeTypes "sane_defaults"), used on export when a
// STIX object carries no misp:category label. "Other" when unknown.
std::string_view DefaultCategory(std::string_view misp_type);

// True when `category` is one of the MISP categories.
bool IsCategory(std::string_view category);

}  // namespace socmesh::formats::misp
