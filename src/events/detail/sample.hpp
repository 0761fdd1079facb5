// Malformed-input samples that are safe to log: short, printable, secrets masked.
#pragma once

#include <string>
#include <string_view>

namespace socmesh::events::detail {

// The first `max_bytes` of `text` with control and non-ASCII bytes written as \xNN, and the
// values after secret-looking keys ("password", "passwd", "pwd", "secret", "token", "apikey",
// "api_key", "authorization", "cookie"; any case, followed by '=', ':' or '":') masked as "***".
std::string SafeSample(std::string_view text, size_t max_bytes = 160);

}  // namespace socmesh::events::detail
