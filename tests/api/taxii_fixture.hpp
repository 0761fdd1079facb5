// A TAXII node on loopback for the api tests: a test CA (tests/net/test_certs), a store in a temp
// directory, the node API (TaxiiServer inside NodeApi) behind net::HttpServer, and clients for
// several organisations.
#pragma once

#include <memory>
#include <string>

#include "api/auth.hpp"
#include "api/node_api.hpp"
#include "api/taxii_server.hpp"
#include "common/test_data.hpp"
#include "model/tlp.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "net/test_certs.hpp"
#include "store/store.hpp"

namespace socmesh::api::testing {

inline constexpr char kOpenCollection[] = "91a7b528-80eb-42ed-a74d-c6fbd5a26116";
inline constexpr char kReadOnlyCollection[] = "52892447-4d7e-4f70-b94d-d7f22742ff63";
inline constexpr char kGreenIndicators[] = "64993447-4d7e-4f70-b94d-d7f33742ee63";
inline constexpr char kAnssiIdentity[] = "identity--a0000000-0000-4000-8000-000000000001";
inline constexpr char kBsiIdentity[] = "identity--b0000000-0000-4000-8000-000000000002";

// A valid STIX 2.1 indicator; `n` makes the id, `modified` the version.
std::string Indicator(int n, const std::string& modified = "2024-01-01T00:00:00.000Z",
                      std::optional<model::Tlp> tlp = std::nullopt,
                      const std::string& created_by = "");

struct Node {
  Node();
  ~Node();
  socmesh::testing::TempDir dir;
  socmesh::testing::TestCa ca{dir.path().string(), "eu-root"};
  socmesh::testing::Issued server_cert = ca.Issue("server", "CERT-EU", "BE", "node.be");
  socmesh::testing::Issued anssi = ca.Issue("anssi", "ANSSI", "FR", "soc.fr");        // analyst
  socmesh::testing::Issued bsi = ca.Issue("bsi", "BSI", "DE", "soc.de");              // reader
  socmesh::testing::Issued ncsc = ca.Issue("ncsc", "NCSC", "NL", "soc.nl");           // peer
  socmesh::testing::Issued enisa = ca.Issue("enisa", "ENISA", "GR", "audit.eu");      // auditor
  socmesh::testing::Issued certeu = ca.Issue("certeu", "CERT-EU", "BE", "admin.eu");  // admin
  std::unique_ptr<store::Store> store;
  Authenticator auth;
  std::unique_ptr<TaxiiServer> taxii;
  std::unique_ptr<NodeApi> api;  // the handler: TAXII, /api/v1/, /metrics
  std::unique_ptr<net::HttpServer> server;

  uint16_t port() const { return server->port(); }
  std::unique_ptr<net::HttpClient> Client(const socmesh::testing::Issued& who) const;
  net::ClientOptions ClientOptionsFor(const socmesh::testing::Issued& who) const;
};

// Sends with Accept: application/taxii+json;version=2.1 (and the TAXII Content-Type on bodies).
net::Response Call(net::HttpClient& client, const std::string& method, const std::string& target,
                   const std::string& body = {});

}  // namespace socmesh::api::testing
