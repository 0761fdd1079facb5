// Internal to model/: validation of one STIX object from a simdjson DOM element. Shared by
// ParseStixObject (one object) and ParseBundle (many), so both apply exactly the same rules.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string_view>
#include <vector>

#include "model/stix_object.hpp"

namespace socmesh::model::detail {

// Validates the object at JSON path `path` and appends every finding to `diagnostics`. Returns the
// StixObject (canonical JSON, digest, header fields, observables) when there is no error-severity
// finding, nullopt otherwise. `bundle_spec_version` is the spec_version the enclosing bundle
// declares (STIX 2.0 style), or empty: objects without spec_version are rejected unless it is set.
// Never throws.
std::optional<StixObject> ValidateObject(simdjson::dom::element element, std::string_view path,
                                         size_t max_depth, std::string_view bundle_spec_version,
                                         std::vector<Diagnostic>& diagnostics);

// SHA-256 of `data`.
Digest Sha256(std::string_view data);

}  // namespace socmesh::model::detail
