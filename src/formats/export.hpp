// One exit point for stored objects in other formats (`socmesh export --format misp|iodef|csv`),
// the counterpart of formats/import.hpp. STIX itself is streamed by the CLI without this.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "formats/detect.hpp"
#include "model/stix_object.hpp"

namespace socmesh::formats {

struct Exported {
  std::string document;              // MISP event JSON, IODEF-Document XML or CSV
  std::vector<std::string> skipped;  // "<stix id>: why" for objects the format cannot express
};

// Errors: kUnsupported for kStix/kText (not export targets here), else the exporter's errors.
Result<Exported> Export(Format format, std::span<const model::StixObject> objects);

}  // namespace socmesh::formats
