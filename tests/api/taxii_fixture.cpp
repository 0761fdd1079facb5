#include "api/taxii_fixture.hpp"

#include <gtest/gtest.h>

#include <cstdio>

namespace socmesh::api::testing {

std::string Indicator(int n, const std::string& modified, std::optional<model::Tlp> tlp,
                      const std::string& created_by) {
  char id[64];
  std::snprintf(id, sizeof id, "indicator--%08x-0000-4000-8000-000000000000", n);
  std::string json = std::string("{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"") +
                     id + "\",\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":\"" + modified +
                     "\",\"pattern\":\"[ipv4-addr:value = '198.51.100." + std::to_string(n % 250) +
                     "']\",\"pattern_type\":\"stix\",\"valid_from\":\"2024-01-01T00:00:00Z\"";
  if (tlp) json += ",\"object_marking_refs\":[\"" + std::string(model::Tlp2MarkingId(*tlp)) + "\"]";
  if (!created_by.empty()) json += ",\"created_by_ref\":\"" + created_by + "\"";
  return json + "}";
}

Node::Node() {
  auto opened = store::OpenStore({(dir.path() / "store.db").string()});
  EXPECT_TRUE(opened.has_value()) << opened.error().message;
  store = std::move(*opened);
  auth.SetOrganisationRole("ANSSI", Role::kAnalyst);
  auth.SetOrganisationRole("NCSC", Role::kPeer);
  auth.SetOrganisationRole("ENISA", Role::kAuditor);
  auth.SetOrganisationRole("CERT-EU", Role::kAdmin);
  TaxiiConfig config;
  config.title = "socmesh test node";
  config.default_api_root = "api1";
  config.identity_organisations = {{kAnssiIdentity, "ANSSI"}, {kBsiIdentity, "BSI"}};
  config.max_page_size = 1000;
  ApiRootConfig root{"api1", "EU SOC sharing", "test root", 64 * 1024, {}};
  root.collections.push_back({kOpenCollection, "Everything", "", true, true, {}, std::nullopt});
  root.collections.push_back({kReadOnlyCollection, "Read only", "", true, false, {}, std::nullopt});
  root.collections.push_back({kGreenIndicators,
                              "Green indicators",
                              "indicators up to TLP:GREEN",
                              true,
                              true,
                              {"indicator"},
                              model::Tlp::kGreen});
  config.api_roots.push_back(std::move(root));
  taxii = std::make_unique<TaxiiServer>(*store, auth, std::move(config));
  net::ServerOptions o;
  o.tls.certificate_file = server_cert.cert_file;
  o.tls.private_key_file = server_cert.key_file;
  o.tls.ca_file = ca.ca_file();
  api = std::make_unique<NodeApi>(auth, *taxii);
  NodeApi* handler = api.get();
  auto started =
      net::HttpServer::Start(o, [handler](const net::Request& r) { return handler->Handle(r); });
  EXPECT_TRUE(started.has_value()) << started.error().message;
  server = std::move(*started);
}

Node::~Node() {
  if (server) server->Stop();
}

net::ClientOptions Node::ClientOptionsFor(const socmesh::testing::Issued& who) const {
  net::ClientOptions o;
  o.host = "127.0.0.1";
  o.port = port();
  o.tls.certificate_file = who.cert_file;
  o.tls.private_key_file = who.key_file;
  o.tls.ca_file = ca.ca_file();
  o.request_timeout = std::chrono::milliseconds{20'000};
  return o;
}

std::unique_ptr<net::HttpClient> Node::Client(const socmesh::testing::Issued& who) const {
  auto client = net::HttpClient::Create(ClientOptionsFor(who));
  EXPECT_TRUE(client.has_value()) << client.error().message;
  return std::move(*client);
}

net::Response Call(net::HttpClient& client, const std::string& method, const std::string& target,
                   const std::string& body) {
  net::Request r;
  r.method = method;
  r.target = target;
  r.headers.Set("Accept", "application/taxii+json;version=2.1");
  if (!body.empty()) r.headers.Set("Content-Type", "application/taxii+json;version=2.1");
  r.body = body;
  auto res = client.Send(r);
  EXPECT_TRUE(res.has_value()) << method << " " << target << ": " << res.error().message;
  return res ? *res : net::Response{599, {}, {}};
}

}  // namespace socmesh::api::testing
