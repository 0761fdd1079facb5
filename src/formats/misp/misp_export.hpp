// Export of STIX 2.1 objects (as stored: model::StixObject with canonical JSON) to one MISP event
// in the MISP core format, `{"Event": {…}}`, valid against PyMISP's schema-lax.json.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "model/stix_object.hpp"

namespace socmesh::formats::misp {

struct ExportOptions {
  // Used when the objects hold no report or grouping to stand for the event.
  std::string info = "socmesh export";
  std::string uuid;  // empty: a UUIDv5 over the exported ids (same objects, same event uuid)
};

struct ExportResult {
  std::string json;       // {"Event": {…}}
  size_t attributes = 0;  // top-level attributes written
  size_t objects = 0;     // MISP objects written
  size_t galaxy_clusters = 0;
  std::vector<std::string> skipped;  // "<stix id>: why" for objects that have no MISP form
};

// Builds one MISP event from `objects`. When they hold a report or grouping, it becomes the event
// (its uuid, name, dates, labels) and only the objects it references are exported; otherwise every
// object is. Objects that came from MISP (labels misp:type=…, x_misp_* properties) go back to
// the same attribute type, category and value; foreign STIX is mapped by its pattern or SCO
// properties. TLP markings become tlp:* tags and the event distribution. Errors: kParse when an
// object's canonical JSON is not JSON (a corrupted store), kInvalidArgument for no objects.
Result<ExportResult> ExportMispEvent(std::span<const model::StixObject> objects,
                                     const ExportOptions& options = {});

}  // namespace socmesh::formats::misp
