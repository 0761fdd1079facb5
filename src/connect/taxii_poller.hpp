// TAXII 2.1 collection poller (B2a, client side): pulls the objects added since the last poll
// (`added_after` = the X-TAXII-Date-Added-Last of the last complete poll), page after page
// following `next`. After each page is stored, the page's cursor is saved to the state file, so a
// connector stopped mid-poll resumes where it was: no object is lost and none fetched twice.
// Credentials: the node's client certificate (mTLS) and optionally an API token read from a file.
#pragma once

#include <memory>
#include <string>

#include "api/taxii_client.hpp"
#include "connect/connector.hpp"
#include "connect/url.hpp"

namespace socmesh::connect {

class TaxiiPollConnector : public Connector {
 public:
  // Errors: kInvalidArgument (URL, no collection), kIo (token file), TLS configuration errors.
  static Result<std::unique_ptr<Connector>> Create(const ConnectorConfig& config, StoreSink& sink);

  RunReport Run(RunContext& ctx) override;

 private:
  TaxiiPollConnector(const ConnectorConfig& config, StoreSink& sink)
      : Connector(config), sink_(sink) {}
  // Finds the API root and collection from the configured URL (discovery when needed).
  Result<void> Resolve();

  StoreSink& sink_;
  std::unique_ptr<api::TaxiiClient> client_;
  std::string api_root_;    // path, e.g. "/api1/"
  std::string collection_;  // id
  bool needs_discovery_ = false;
};

}  // namespace socmesh::connect
