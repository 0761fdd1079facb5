// Deterministic identifiers of STIX Cyber-observable Objects (spec section 2.9 and each SCO's
// "ID Contributing Properties"): UUIDv5 in the STIX namespace over the JCS form of an object made
// of the contributing properties present.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace socmesh::model {

// The ID contributing properties of an SCO type, in spec order; empty for types without any
// (process) and for types that are not SCOs.
std::span<const std::string_view> IdContributingProperties(std::string_view sco_type);

// Computes the deterministic id ("ipv4-addr--<uuidv5>") of the SCO given as JSON text. Returns
// nullopt when the type has no contributing properties or none of them is present (the spec then
// asks for a UUIDv4). For `hashes`, only one hash contributes, picked as the spec says (MD5, then
// SHA-1, then SHA-256, then SHA-512, else the first in JCS order).
// Errors: kParse for invalid JSON, kInvalidStix when there is no string `type`.
Result<std::optional<std::string>> ComputeScoId(std::string_view sco_json);

}  // namespace socmesh::model
