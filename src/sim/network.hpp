// The simulated network on disk (issue 6 item 5): the PKI made in-process with pki/ (root, one CA
// per country, per node a TLS certificate and an origin-signing certificate, the signed directory
// of organisations) and one node directory with its TOML config per topology node.
//
//   WORKDIR/pki/root, pki/<cc>/          CA directories (pki/ca.hpp), CRLs included
//   WORKDIR/pki/directory.cms            the signed directory (origin-signing certificates)
//   WORKDIR/nodes/<name>/node.toml       listen 127.0.0.1:0 (the port is read from the startup
//   line)
//                        node.key/.pem   TLS key and chain (profile node, CN = name, O =
//                        organisation) origin.key/.pem origin-signing key and chain (profile user):
//                        signs batches
//                                        and receipts, and is the simulator's TAXII client identity
//                                        (O = organisation, mapped to role analyst)
//                        audit.key, store.db, audit/, federation.db
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "federation/topology.hpp"

namespace socmesh::sim {

// The collection every simulated node serves (fixed, so the simulator knows where to POST).
inline constexpr std::string_view kCollectionId = "5e0b8a0e-51a7-4d43-a3c5-8b7f3a6c2d10";

struct SimNode {
  std::string name, organisation, country;
  std::filesystem::path dir;
  std::filesystem::path config;
  std::filesystem::path client_chain, client_key;  // TAXII client identity (origin certificate)
  std::filesystem::path store;
};

struct NetworkOptions {
  std::filesystem::path workdir;
  std::filesystem::path topology_file;  // absolute; every node config names it
  // The proxy port of the directed link from -> to (what from's [[peers]] url names).
  std::function<uint16_t(const std::string& from, const std::string& to)> link_port;
  bool durable =
      false;  // store durability full + audit fsync per append (default: crash-safe only)
  int push_interval_ms = 1000;
  int feed_interval_ms = 1000;
};

struct Network {
  std::filesystem::path root_ca;  // trust anchor (PEM)
  std::filesystem::path directory;
  std::vector<SimNode> nodes;  // in topology node order
};

Result<Network> BuildNetwork(const federation::Topology& topology, const NetworkOptions& options);

}  // namespace socmesh::sim
