// socmesh's own metadata on a STIX object, carried in a STIX 2.1 property extension
// (ARCHITECTURE.md §2): who originated the object, how far it may travel (distribution scope,
// explicit recipients, sharing groups) and where it was seen (provenance, one entry per source).
//
// Keeping it in a standard extension means any STIX 2.1 consumer still reads the object (unknown
// extensions are ignored), and the metadata is covered by the origin signature like every other
// property, so a relay cannot widen an object's scope without breaking the signature.
//
// Wire form, under "extensions"."<kSocmeshExtensionId>":
//   { "extension_type": "property-extension",
//     "origin_organisation": "CERT-FR", "origin_country": "FR",
//     "scope": "organisation" | "national" | "consortium" | "network" | "sharing-group",
//     "recipients": ["CERT-DE", …], "sharing_groups": ["energy-isac", …],
//     "provenance": [ {"source": "feodotracker", "reference": "https://…",
//                      "first_seen": "…Z", "last_seen": "…Z", "confidence": 80}, … ] }
// Every property but extension_type is optional; lists are kept in the order given.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "model/timestamp.hpp"

namespace socmesh::model {

// The id of socmesh's extension-definition (fixed forever: objects in the wild refer to it).
inline constexpr std::string_view kSocmeshExtensionId =
    "extension-definition--6ccb63b3-f49c-4e3c-bcff-8f322980244b";

// How far an object may be distributed (B7, E17), from narrowest to widest.
enum class DistributionScope {
  kOrganisation = 0,  // the originating organisation only
  kNational = 1,      // organisations of the origin's country
  kConsortium = 2,    // the origin's consortium (through its platform)
  kNetwork = 3,       // every consortium (through gateways)
  kSharingGroup = 4,  // only the members of the listed sharing groups (and recipients)
};

// "organisation", "national", "consortium", "network", "sharing-group".
std::string_view DistributionScopeName(DistributionScope scope);
std::optional<DistributionScope> ParseDistributionScope(std::string_view name);

// One source that reported the object (a feed, a connector, a peer organisation, an analyst).
struct Provenance {
  std::string source;
  std::string reference;  // the source's own id or URL of the record; empty when none
  std::optional<Timestamp> first_seen;
  std::optional<Timestamp> last_seen;
  std::optional<int> confidence;  // 0..100, the source's confidence

  friend bool operator==(const Provenance&, const Provenance&) = default;
};

struct SocmeshMetadata {
  std::string origin_organisation;  // empty when not stated
  std::string origin_country;       // ISO 3166-1 alpha-2, empty when not stated
  std::optional<DistributionScope> scope;
  std::vector<std::string> recipients;      // organisations explicitly granted access
  std::vector<std::string> sharing_groups;  // sharing-group names
  std::vector<Provenance> provenance;

  friend bool operator==(const SocmeshMetadata&, const SocmeshMetadata&) = default;
};

// Reads the socmesh extension of the STIX object `object_json`; nullopt when the object has none.
// Errors: kParse (not JSON), kInvalidStix naming the JSON path of a malformed property
// ("$.extensions['extension-definition--…'].scope: unknown scope \"planet\"").
Result<std::optional<SocmeshMetadata>> ReadSocmeshMetadata(std::string_view object_json);

// Returns `object_json` with its socmesh extension set to `metadata` (added, or replacing the
// existing one; other extensions kept), in RFC 8785 canonical form. The caller decides whether that
// is a new version (bump `modified`) — this function changes nothing else.
// Errors: kParse / kInvalidArgument from the input, kInvalidArgument for metadata that cannot be
// written (a confidence outside 0..100, an empty source name).
Result<std::string> WithSocmeshMetadata(std::string_view object_json,
                                        const SocmeshMetadata& metadata);

// The extension-definition object that describes the extension (STIX 2.1 §7.3), for bundles that
// ship it alongside objects using it. `created_by_ref` is the socmesh project identity.
std::string SocmeshExtensionDefinitionJson();

}  // namespace socmesh::model
