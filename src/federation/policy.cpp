#include "federation/policy.hpp"

#include <algorithm>

namespace socmesh::federation {
namespace {

using model::DistributionScope;
using model::Tlp;

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::ranges::find(list, value) != list.end();
}

// Empty names never match: an unknown origin or holder must not be mistaken for another unknown.
bool SameName(std::string_view a, std::string_view b) { return !a.empty() && a == b; }

bool IsRecipient(const ObjectFacts& object, const Holder& holder) {
  return !holder.organisation.empty() && Contains(object.recipients, holder.organisation);
}

bool InListedGroup(const ObjectFacts& object, const Holder& holder) {
  return std::ranges::any_of(object.sharing_groups, [&](const std::string& group) {
    return !group.empty() && Contains(holder.sharing_groups, group);
  });
}

// Rule 1 (TLP 2.0). Returns the allowing verdict, or the denying one.
Decision ByTlp(const ObjectFacts& object, const Holder& holder) {
  switch (object.EffectiveTlp()) {
    case Tlp::kClear:
      return {true, Verdict::kClear};
    case Tlp::kGreen:
      if (holder.in_community) return {true, Verdict::kCommunity};
      return {false, Verdict::kNotCommunity};
    case Tlp::kAmber:
      if (IsRecipient(object, holder)) return {true, Verdict::kRecipient};
      if (InListedGroup(object, holder)) return {true, Verdict::kSharingGroup};
      return {false, Verdict::kNotRecipient};
    case Tlp::kAmberStrict:
    case Tlp::kRed:
      // Sharing groups do not count here: AMBER+STRICT and RED name organisations one by one.
      if (IsRecipient(object, holder)) return {true, Verdict::kRecipient};
      return {false, Verdict::kNotRecipient};
  }
  return {false, Verdict::kNotRecipient};
}

// Rule 2 (distribution scope): true when the scope includes the holder.
bool InScope(const ObjectFacts& object, const Holder& holder) {
  if (!object.scope) return true;
  switch (*object.scope) {
    case DistributionScope::kOrganisation:
      return false;  // the origin was allowed before any scope check
    case DistributionScope::kNational:
      return SameName(object.origin_country, holder.country);
    case DistributionScope::kConsortium:
      return SameName(object.origin_consortium, holder.consortium);
    case DistributionScope::kNetwork:
      return holder.in_community;
    case DistributionScope::kSharingGroup:
      return IsRecipient(object, holder) || InListedGroup(object, holder);
  }
  return false;
}

}  // namespace

bool ExportRule::Admits(Tlp tlp, std::string_view type) const {
  return tlp <= max_tlp && (object_types.empty() || Contains(object_types, type));
}

ObjectFacts FactsFromMetadata(const model::SocmeshMetadata& metadata, std::optional<Tlp> tlp,
                              std::string type) {
  ObjectFacts facts;
  facts.tlp = tlp;
  facts.scope = metadata.scope;
  facts.type = std::move(type);
  facts.origin_organisation = metadata.origin_organisation;
  facts.origin_country = metadata.origin_country;
  facts.recipients = metadata.recipients;
  facts.sharing_groups = metadata.sharing_groups;
  return facts;
}

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kOrigin:
      return "origin";
    case Verdict::kClear:
      return "clear";
    case Verdict::kCommunity:
      return "community";
    case Verdict::kRecipient:
      return "recipient";
    case Verdict::kSharingGroup:
      return "sharing-group";
    case Verdict::kNotCommunity:
      return "not-community";
    case Verdict::kNotRecipient:
      return "not-recipient";
    case Verdict::kOutsideScope:
      return "outside-scope";
    case Verdict::kExportRefused:
      return "export-refused";
  }
  return "unknown";
}

Decision Decide(const ObjectFacts& object, const Holder& holder, const ExportRule& origin_export) {
  // Rule 0: whatever the marking says, its author keeps it.
  if (SameName(object.origin_organisation, holder.organisation)) return {true, Verdict::kOrigin};

  const Decision by_tlp = ByTlp(object, holder);
  if (!by_tlp.allowed) return by_tlp;
  if (!InScope(object, holder)) return {false, Verdict::kOutsideScope};

  // Rule 3: the boundary of the origin consortium. An object from outside every consortium (a
  // standalone node) has no gateway to pass and no export rule.
  const bool leaves_consortium =
      !object.origin_consortium.empty() && holder.consortium != object.origin_consortium;
  if (leaves_consortium && !origin_export.Admits(object.EffectiveTlp(), object.type)) {
    return {false, Verdict::kExportRefused};
  }
  return by_tlp;
}

}  // namespace socmesh::federation
