// Fetched bytes → formats::Import → store, shared by the three connector types so that every
// source is read, validated and counted the same way (and the same way as `socmesh ingest`).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connect/config.hpp"
#include "connect/connector.hpp"
#include "connect/state.hpp"
#include "core/error.hpp"

namespace socmesh::connect::detail {

struct ImportOutcome {
  // Set when the input as a whole failed and nothing of it was stored: not parseable, or it held
  // objects and every one was rejected (an error page served as a feed, a strict input with a
  // rejection: kInvalidStix), or the store failed (kStorage).
  std::optional<Error> error;
  RunCounters counts;                 // objects, inserted, unchanged, rejected (bytes: not set)
  std::vector<std::string> problems;  // one line per rejected object (at most max_problems)
};

// Imports `bytes` (named `name` for detection and messages) as `input` says and stores the valid
// objects.
ImportOutcome ImportAndStore(std::string_view bytes, const std::string& name,
                             const InputSettings& input, StoreSink& sink,
                             size_t max_problems = 100);

}  // namespace socmesh::connect::detail
