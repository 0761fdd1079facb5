// A validated STIX 2.1 object as the rest of socmesh sees it: its canonical JSON plus the header
// fields that storage, policy and matching need, extracted once at parse time.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "model/observable.hpp"
#include "model/timestamp.hpp"
#include "model/tlp.hpp"

namespace socmesh::model {

enum class ObjectCategory {
  kDomainObject,         // SDO: indicator, malware, report, …
  kRelationshipObject,   // SRO: relationship, sighting
  kCyberObservable,      // SCO: ipv4-addr, file, url, …
  kMarkingDefinition,    // marking-definition
  kLanguageContent,      // language-content
  kExtensionDefinition,  // extension-definition
  kCustomObject,         // any other type (x-mitre-tactic, x-acme-widget, …), kept as is
};

std::string_view ObjectCategoryName(ObjectCategory category);

// Classifies a type name by the STIX 2.1 catalogue; unknown names are kCustomObject.
ObjectCategory CategoryOfType(std::string_view type);

// SHA-256 of the canonical JSON.
using Digest = std::array<uint8_t, 32>;

// The identity of one version of an object: (id, modified). Objects without `modified` (SCOs,
// marking definitions) have one version keyed by `created` or, failing that, by 0.
struct VersionKey {
  std::string id;
  Timestamp modified;

  friend auto operator<=>(const VersionKey&, const VersionKey&) = default;
};

struct StixObject {
  std::string type;
  std::string id;
  ObjectCategory category = ObjectCategory::kCustomObject;
  std::string spec_version;  // "2.1"; empty for SCOs that omit it
  std::optional<Timestamp> created;
  std::optional<Timestamp> modified;
  std::string created_by_ref;  // empty when absent
  bool revoked = false;
  std::optional<int> confidence;
  std::optional<Timestamp> valid_until;
  std::optional<Tlp> tlp;  // strictest TLP of object_marking_refs; nullopt when unmarked
  std::vector<Observable> observables;  // normalised, for the observable index
  std::string canonical_json;           // RFC 8785
  Digest digest{};                      // SHA-256(canonical_json)

  // The version this object is: `modified`, else `created`, else the epoch.
  Timestamp version() const { return modified.value_or(created.value_or(Timestamp{})); }
  VersionKey version_key() const { return {id, version()}; }
};

enum class Severity { kWarning, kError };

// One finding about an input. An object with any kError diagnostic is rejected as a whole (never
// stored in part); warnings are reported and the object kept.
struct Diagnostic {
  Severity severity = Severity::kError;
  std::string path;     // JSON path of the offending value, e.g. "$.objects[4].created"
  std::string message;  // what is wrong, quoting the value when short and not secret
};

// Parses and validates one STIX object given as JSON text (spec MUSTs: required properties, types,
// identifiers, timestamps, modified >= created, reference types, spec_version). On success returns
// the object and appends warnings to `diagnostics` (when non-null); on failure returns kInvalidStix
// or kParse with the first error in the message and appends every error found to `diagnostics`.
Result<StixObject> ParseStixObject(std::string_view json,
                                   std::vector<Diagnostic>* diagnostics = nullptr);

}  // namespace socmesh::model
