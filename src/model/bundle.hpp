// STIX bundles (spec section 8): the unit in which STIX travels in files, TAXII and federation.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "model/stix_object.hpp"

namespace socmesh::model {

struct BundleOptions {
  size_t max_bytes = size_t{2} << 30;  // larger input is refused before parsing (kTooLarge)
  size_t max_depth = 64;               // nesting of arrays/objects
  size_t max_objects = 50'000'000;     // objects in one bundle
  bool strict = false;                 // any rejected object rejects the whole input
};

// What happened to one object of the input.
struct ObjectDiagnostic {
  size_t index = 0;  // position in "objects" (0-based); for a lone object, 0
  std::string id;    // the object's id when it had a readable one
  Diagnostic diagnostic;
};

struct ParsedBundle {
  std::string bundle_id;                   // empty for a lone object or a bare array
  std::vector<StixObject> objects;         // the valid objects, input order
  std::vector<ObjectDiagnostic> findings;  // errors (object rejected) and warnings (kept)
  size_t input_objects = 0;                // how many objects the input held
  size_t rejected = 0;                     // how many of them were rejected
};

// Parses a STIX 2.1 bundle, a single STIX object, or a bare JSON array of objects (accepted with a
// warning). Objects are validated independently: invalid ones are reported in `findings` and left
// out, the valid rest returned — unless `strict`, when any rejection empties `objects` (findings
// are still all reported, so the caller can print the full reject report). Duplicate versions
// within the input are kept once (later copies reported as warnings). Errors for the input as a
// whole: kTooLarge, kParse (not JSON: message has the byte offset), kInvalidStix (JSON but not
// STIX, e.g. a bundle whose "objects" is not an array). Thread-safe: no shared state.
Result<ParsedBundle> ParseBundle(std::string_view json, const BundleOptions& options = {});

}  // namespace socmesh::model
