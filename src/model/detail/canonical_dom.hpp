// Internal to model/: JCS serialisation straight from a simdjson DOM element, so that the STIX
// parser canonicalises objects without re-parsing or building a second tree.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace socmesh::model::detail {

// Appends the RFC 8785 form of `element` to `out`. `path` is the JSON path of `element` used in
// error messages ("$.objects[2]"). Errors as CanonicalizeJson. On error `out` may hold a partial
// write: callers discard it.
Result<void> AppendCanonical(simdjson::dom::element element, std::string& out,
                             std::string_view path, size_t max_depth);

}  // namespace socmesh::model::detail
