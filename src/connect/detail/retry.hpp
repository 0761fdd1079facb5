// Exponential backoff shared by the HTTP and TAXII connectors.
#pragma once

#include <algorithm>
#include <chrono>
#include <optional>

#include "connect/config.hpp"

namespace socmesh::connect::detail {

// The wait before retry number `retry` (1 = the first retry): initial_backoff * 2^(retry-1), or
// the server's Retry-After when longer, both capped by max_backoff.
inline std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, unsigned retry,
                                              std::optional<std::chrono::milliseconds> server) {
  auto delay = policy.initial_backoff;
  for (unsigned i = 1; i < retry && delay < policy.max_backoff; ++i) delay *= 2;
  if (server) delay = std::max(delay, *server);
  return std::min(delay, policy.max_backoff);
}

}  // namespace socmesh::connect::detail
