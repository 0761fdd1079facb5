// Internal to formats/misp: reading MISP's loosely typed JSON (numbers written as strings, booleans
// as "1"/"0", missing or null properties) without failing on the first surprise.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "model/identifier.hpp"

namespace socmesh::formats::misp::detail {

// The string value of `key`, or "" when absent, null or not a string.
std::string_view String(simdjson::dom::object o, std::string_view key);

// The strings of an array `key` (non-strings skipped); a lone string counts as one.
std::vector<std::string_view> Strings(simdjson::dom::object o, std::string_view key);

// true, 1, "1", "true" (MISP writes booleans all these ways).
bool Flag(simdjson::dom::object o, std::string_view key);

// Seconds since the epoch from a number or a decimal string.
std::optional<int64_t> Epoch(simdjson::dom::object o, std::string_view key);

// "2020-10-25", "2020-10-25T16:22:00+00:00", "2021-10-25T16:22:00.123456Z", "… 16:22:00" (UTC
// unless an offset is given) -> seconds since the epoch; nullopt when unreadable.
std::optional<int64_t> ParseMispDateTime(std::string_view text);

// The namespace of the name-based UUIDs socmesh derives for MISP data that has no usable UUID.
const model::Uuid& MispNamespace();

// The UUID to put in a STIX id for a MISP uuid: the MISP uuid (lower-cased) when it is an RFC 4122
// UUID, else a UUIDv5 over `fallback_name` (or over the malformed uuid when it is not empty), so
// that importing the same data twice gives the same ids.
std::string StixUuid(std::string_view misp_uuid, std::string_view fallback_name);

}  // namespace socmesh::formats::misp::detail
