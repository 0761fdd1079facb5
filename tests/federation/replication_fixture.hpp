// A small network of real `socmesh node run` processes on loopback for the replication suites:
// the PKI made with `socmesh pki` (root, one country CA per node), node directories made with
// `socmesh node init`, an origin-signing certificate (profile "user") per node, and [federation] /
// [[peers]] sections appended to each node.toml. Nodes are spoken to with curl and the analyst
// certificate of their organisation (the origin certificate doubles as one: O = organisation).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/node_process.hpp"
#include "common/run_socmesh.hpp"
#include "common/test_data.hpp"

namespace socmesh::federation::testing {

struct NodeSpec {
  NodeSpec(std::string name_, std::string organisation_, std::string country_)
      : name(std::move(name_)),
        organisation(std::move(organisation_)),
        country(std::move(country_)) {}
  std::string name;  // directory and peer name: "a", "b", "c"
  std::string organisation;
  std::string country;  // ISO code; the country CA's directory is its lower-case form
  uint16_t port = 0;
  std::string objects_path;  // TAXII objects endpoint of the node's collection
};

struct HttpResult {
  int curl_exit = -1;
  int status = 0;
  std::string body;
  std::string log;
};

class ReplicationNetwork : public ::testing::Test {
 protected:
  // Creates the PKI and one node directory per spec (ports chosen now, so peers can name them).
  void Build(std::vector<NodeSpec> nodes);
  // Appends [federation] and one [[peers]] entry per (peer, mode) to the node's config.
  // `extra` is appended to the [federation] table (e.g. "transfer_objects = 50\n").
  void Federate(const std::string& node,
                const std::vector<std::pair<std::string, std::string>>& peers_and_modes,
                const std::string& extra = "");

  // Writes `toml` as dir()/topology.toml (topology node names are "<name>.test", the nodes'
  // config names) and dir()/directory.pem: the PKI's signed directory listing every node's
  // organisation with its origin certificate (profile user: the envelope recipient).
  void WriteTopologyAndDirectory(const std::string& toml);
  // Like Federate, with [federation] topology and directory; peers are named by their topology
  // node only (organisation, country and consortium come from the topology).
  void FederateByTopology(const std::string& node,
                          const std::vector<std::pair<std::string, std::string>>& peers_and_modes,
                          const std::string& extra = "");

  void Start(const std::string& node);
  void Kill(const std::string& node);  // SIGKILL
  void Stop(const std::string& node);  // SIGTERM, expects exit 0

  NodeSpec& Spec(const std::string& node);
  const std::filesystem::path& dir() const { return dir_.path(); }

  // curl with the analyst certificate `who` (a node name: its organisation's origin certificate;
  // "node:b" for b's node certificate; "" for none) against `node`.
  HttpResult Curl(const std::string& node, const std::string& who, const std::string& method,
                  const std::string& path, const std::string& body = "",
                  const std::string& content_type = "application/taxii+json;version=2.1");
  // POSTs STIX objects to `node`'s collection as its own analyst; expects 202.
  void Post(const std::string& node, const std::vector<std::string>& objects);
  // Distinct objects and stored versions of `node` (REST stats); -1 when unavailable.
  std::pair<int64_t, int64_t> Counts(const std::string& node);
  // True when the object `id` is readable at `node` by its analyst.
  bool Has(const std::string& node, const std::string& id);
  // `socmesh audit show --json` of the node's log.
  std::string Audit(const std::string& node);
  // Runs a python3 snippet against the node's federation.db (sqlite3 module) in dir().
  socmesh::testing::RunResult Python(const std::string& script);

  // Polls `done` every 100 ms until true or `timeout`.
  static bool WaitUntil(const std::function<bool()>& done, std::chrono::seconds timeout);

  socmesh::testing::TempDir dir_;
  std::vector<NodeSpec> specs_;
  std::map<std::string, std::unique_ptr<socmesh::testing::NodeProcess>> running_;
  std::map<std::string, int> runs_;
};

// An indicator with a recognisable id; `tlp` "" for unmarked, else a TLP 2.0 name.
std::string Indicator(int n, const std::string& tlp = "", const std::string& extra = "");
std::string IndicatorId(int n);
// Occurrences of `needle` in `text`.
int Count(const std::string& text, const std::string& needle);

}  // namespace socmesh::federation::testing
