// The sharing policy (E17, B7, B12; ARCHITECTURE.md §6): ONE pure function that decides whether a
// holder may keep an object *in clear*. The origin, every relay and gateway, and the receiver call
// it with the same inputs and therefore reach the same answer; routing (routing.hpp) only ever
// sends the clear object to holders it allows and carries an opaque envelope through the others.
//
// The rules, checked in this order (docs/architecture.md "federation/: topology and policy"):
//   0. The origin organisation always holds its own object.
//   1. TLP 2.0 (FIRST, 2022):
//        CLEAR        "Recipients can spread this to the world, there is no limit on disclosure."
//                     -> anyone.
//        GREEN        "Recipients can spread this within their community [...] may not be shared
//                     outside of the community" -> every member of the network, never the public.
//        AMBER        "need-to-know basis within their organization and its clients" -> the
//                     explicit recipient organisations and the members of the listed sharing
//                     groups.
//        AMBER+STRICT "restricts sharing to the organization only" -> explicit recipients only.
//        RED          "For the eyes and ears of individual recipients only" -> explicit recipients
//                     only, and the object only ever travels as an end-to-end envelope (B12).
//        unmarked     treated as kUnmarkedTlp (GREEN): stays in the network, never public.
//   2. Scope narrows further: organisation -> nobody else; national -> the origin's country;
//      consortium -> the origin's consortium; network -> network members; sharing-group -> the
//      members of the listed groups and the explicit recipients; no scope -> TLP alone decides.
//   3. Leaving the origin's consortium, the consortium's gateway export rule must admit the object
//      (B4): a maximum TLP and, optionally, a list of STIX object types.
//
// Everything here is a pure function of its arguments: thread-safe, no I/O, no allocation beyond
// the result. Organisation names compare exactly (they are the O= of certificates, E19).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/socmesh_extension.hpp"
#include "model/tlp.hpp"

namespace socmesh::federation {

// The marking assumed for an object without any TLP marking. GREEN rather than CLEAR so that an
// unmarked object never leaves the community (fail closed towards the public), and rather than
// AMBER so that unmarked feed data — most of what national sources produce — still flows.
inline constexpr model::Tlp kUnmarkedTlp = model::Tlp::kGreen;

// What a consortium's gateway lets leave the consortium (B4). The default admits everything the
// object's own marking and scope admit: a consortium tightens it in its topology file.
struct ExportRule {
  model::Tlp max_tlp = model::Tlp::kRed;  // the most restrictive TLP that may leave
  std::vector<std::string> object_types;  // STIX types that may leave; empty: every type

  // True when an object of effective TLP `tlp` and STIX type `type` may leave.
  bool Admits(model::Tlp tlp, std::string_view type) const;

  friend bool operator==(const ExportRule&, const ExportRule&) = default;
};

// What the policy reads of an object: its marking and the socmesh extension (clear metadata that
// also travels outside an envelope, so relays can route without reading the content).
struct ObjectFacts {
  std::optional<model::Tlp> tlp;                  // strictest TLP marking; nullopt: unmarked
  std::optional<model::DistributionScope> scope;  // nullopt: no scope restriction
  std::string type;                               // STIX type ("indicator"), for export rules
  std::string origin_organisation;                // empty: unknown (then only recipients hold it)
  std::string origin_country;                     // ISO 3166-1 alpha-2
  std::string origin_consortium;                  // from the topology; empty: none
  std::vector<std::string> recipients;            // organisations explicitly granted access
  std::vector<std::string> sharing_groups;        // sharing-group names

  // The TLP the rules apply: the marking, or kUnmarkedTlp.
  model::Tlp EffectiveTlp() const { return tlp.value_or(kUnmarkedTlp); }
};

// Fills the object-side facts from the socmesh extension (model/socmesh_extension.hpp), the
// object's strictest TLP and its STIX type. origin_consortium is left empty: it is a fact of the
// topology (Topology::Describe fills it).
ObjectFacts FactsFromMetadata(const model::SocmeshMetadata& metadata, std::optional<model::Tlp> tlp,
                              std::string type);

// The would-be holder: a node of the network, a user's organisation, or the public.
struct Holder {
  std::string organisation;
  std::string country;
  std::string consortium;                   // empty: in no consortium
  std::vector<std::string> sharing_groups;  // groups the organisation is a member of
  bool in_community = true;                 // false: the public, outside the network (GREEN rule)
};

// Why a decision was taken; stable names for audit entries and test messages.
enum class Verdict {
  kOrigin,         // allowed: the origin organisation
  kClear,          // allowed: TLP:CLEAR
  kCommunity,      // allowed: TLP:GREEN (or unmarked) inside the network
  kRecipient,      // allowed: an explicit recipient
  kSharingGroup,   // allowed: a member of a listed sharing group (AMBER)
  kNotCommunity,   // denied: TLP:GREEN never goes public
  kNotRecipient,   // denied: AMBER, AMBER+STRICT or RED and neither recipient nor group member
  kOutsideScope,   // denied: the distribution scope excludes the holder
  kExportRefused,  // denied: the origin consortium's export rule keeps it inside
};

// "origin", "clear", "community", "recipient", "sharing-group", "not-community",
// "not-recipient", "outside-scope", "export-refused".
std::string_view VerdictName(Verdict verdict);

struct Decision {
  bool allowed = false;
  Verdict verdict = Verdict::kNotRecipient;
};

// The policy. `origin_export` is the export rule of the object's origin consortium; it applies
// only when the holder is outside that consortium.
Decision Decide(const ObjectFacts& object, const Holder& holder,
                const ExportRule& origin_export = {});

inline bool MayHoldInClear(const ObjectFacts& object, const Holder& holder,
                           const ExportRule& origin_export = {}) {
  return Decide(object, holder, origin_export).allowed;
}

// True for objects that never travel in clear, even between two holders allowed to read them
// (TLP:RED, B12): every hop carries the envelope made for the recipients.
inline bool TravelsOnlyAsEnvelope(const ObjectFacts& object) {
  return object.EffectiveTlp() == model::Tlp::kRed;
}

}  // namespace socmesh::federation
