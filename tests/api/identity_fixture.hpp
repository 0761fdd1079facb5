// The api test node (taxii_fixture.hpp) with an identity registry attached: the five test
// organisations registered with their certificates' countries and roles, CERT-EU operating the
// node (its admins are network administrators).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "api/taxii_fixture.hpp"
#include "identity/registry.hpp"

namespace socmesh::api::testing {

struct IdentityNode : Node {
  IdentityNode() {
    identity::RegistryOptions o;
    o.path = (dir.path() / "identity.db").string();
    auto opened = identity::Registry::Open(std::move(o));
    EXPECT_TRUE(opened.has_value()) << opened.error().message;
    registry = std::move(*opened);
    for (auto [name, country, role] :
         {std::tuple{"CERT-EU", "BE", Role::kAdmin}, std::tuple{"ANSSI", "FR", Role::kAnalyst},
          std::tuple{"BSI", "DE", Role::kReader}, std::tuple{"NCSC", "NL", Role::kPeer},
          std::tuple{"ENISA", "GR", Role::kAuditor}}) {
      auto added = registry->AddOrganisation(name, country, role);
      EXPECT_TRUE(added.has_value()) << added.error().message;
    }
    auth.Attach(registry);
    auth.SetOperatorOrganisation("CERT-EU");
  }

  // A token for a (new) user `user` of `organisation` holding `role`.
  std::string TokenFor(const std::string& organisation, const std::string& user, Role role) {
    auto added = registry->AddUser(organisation, user, role);
    EXPECT_TRUE(added.has_value()) << added.error().message;
    auto issued = registry->IssueToken(organisation, user);
    EXPECT_TRUE(issued.has_value()) << issued.error().message;
    return issued ? issued->token : std::string();
  }

  std::shared_ptr<identity::Registry> registry;
};

// One request with an optional bearer token and JSON body; 599 when it could not be sent.
inline net::Response Send(net::HttpClient& client, const std::string& method,
                          const std::string& target, const std::string& body = {},
                          const std::string& token = {}) {
  net::Request r;
  r.method = method;
  r.target = target;
  r.headers.Set("Accept", "application/taxii+json;version=2.1");
  if (!body.empty()) r.headers.Set("Content-Type", "application/json");
  if (!token.empty()) r.headers.Set("Authorization", "Bearer " + token);
  r.body = body;
  auto res = client.Send(r);
  EXPECT_TRUE(res.has_value()) << method << " " << target << ": " << res.error().message;
  return res ? *res : net::Response{599, {}, {}};
}

// The string value of "key" in a flat JSON body (test helper, not a parser).
inline std::string JsonField(const std::string& body, const std::string& key) {
  const std::string marker = "\"" + key + "\":\"";
  const size_t at = body.find(marker);
  if (at == std::string::npos) return {};
  const size_t start = at + marker.size();
  return body.substr(start, body.find('"', start) - start);
}

}  // namespace socmesh::api::testing
