// Internal to model/: deterministic SCO ids from a simdjson DOM object (used by the STIX parser).
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace socmesh::model::detail {

// As ComputeScoId, for an already-parsed object of SCO type `type`.
Result<std::optional<std::string>> ComputeScoIdFromObject(std::string_view type,
                                                          simdjson::dom::object object);

}  // namespace socmesh::model::detail
