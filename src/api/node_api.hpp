// The node's HTTPS API as one net::Handler: TAXII 2.1 (taxii_server.hpp), the REST API under
// /api/v1/ (health, stats, search; identity and access in identity_rest.hpp) and Prometheus
// /metrics. mTLS is mandatory on every port, so even health needs a valid client certificate. Every
// request is counted in Metrics.
#pragma once

#include "api/auth.hpp"
#include "api/identity_rest.hpp"
#include "api/metrics.hpp"
#include "api/taxii_server.hpp"
#include "net/http.hpp"
#include "store/store.hpp"

namespace socmesh::api {

class NodeApi {
 public:
  // Uses the taxii server's (serialised) store for stats, search and metrics.
  NodeApi(Authenticator& auth, TaxiiServer& taxii)
      : store_(taxii.store()), auth_(auth), taxii_(taxii), identity_(auth) {}

  // Thread-safe.
  net::Response Handle(const net::Request& request);
  const Metrics& metrics() const { return metrics_; }

 private:
  net::Response Rest(const net::Request& request, const Caller& caller);
  net::Response Search(const net::Request& request, const Caller& caller);
  store::Store& store_;
  Authenticator& auth_;
  TaxiiServer& taxii_;
  IdentityRest identity_;
  Metrics metrics_;
};

}  // namespace socmesh::api
