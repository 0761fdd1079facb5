// Reading what a node holds, from its store file, read-only while the node runs (SQLite WAL lets a
// reader in beside the writer): every stored version of every indicator, with the store's own
// receive time (`added`), which is what latency is measured with.
#pragma once

#include <filesystem>

#include "core/error.hpp"
#include "sim/report.hpp"

namespace socmesh::sim {

// Errors: kNotFound when the store does not exist yet, else the store's errors.
Result<NodeHoldings> ReadHoldings(const std::filesystem::path& store);

// SHA-256 of `data`, lower-case hex.
std::string Sha256Hex(std::string_view data);

}  // namespace socmesh::sim
