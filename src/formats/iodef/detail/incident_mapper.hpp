// The mapping of one IODEF Incident to STIX 2.1 objects (docs/formats.md, "IODEF").
#pragma once

#include <libxml/tree.h>

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/stix_object.hpp"
#include "model/tlp.hpp"

namespace socmesh::formats::iodef::detail {

struct MappedObject {
  std::string id;
  std::string json;  // not yet validated
  std::optional<model::Tlp> tlp;
  bool sco = false;
};

struct MapFinding {
  model::Severity severity = model::Severity::kWarning;
  const xmlNode* node = nullptr;  // where, for the XPath and line
  std::string message;
};

struct IncidentMapping {
  std::vector<MappedObject> objects;  // SDOs, SCOs and relationships; the report last
  std::vector<MapFinding> findings;   // an error means the Incident cannot be mapped at all
};

// Elements carrying observable-id, by that id (xs:ID: unique in the document), for resolving
// ObservableReference/@uid-ref.
using ObservableIndex = std::unordered_map<std::string, const xmlNode*>;

// Maps one iodef:Incident element. `occurrence` counts earlier Incidents of the same document with
// the same IncidentID (0 for the first): later ones get ids of their own. Never throws; values
// that cannot be mapped become warnings.
IncidentMapping MapIncident(const xmlNode* incident, const ObservableIndex& observables,
                            size_t occurrence = 0);

// The id socmesh gives the STIX incident for an IncidentID (name, instance, value): also used to
// link RelatedActivity/IncidentID to incidents imported from other documents.
std::string IncidentStixId(const std::string& name, const std::string& instance,
                           const std::string& value);

}  // namespace socmesh::formats::iodef::detail
