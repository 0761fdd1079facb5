// HTTP(S) feed connector (B2a): polls one URL on a schedule with conditional requests
// (If-None-Match / If-Modified-Since from the last stored response; 304 → nothing imported),
// follows a bounded number of redirects, retries network errors, 5xx and 429 with exponential
// backoff honouring Retry-After, then imports the body as `socmesh ingest` would and stores it.
// Public feeds are verified against ca_file or the system store, without a client certificate;
// a client certificate (mTLS) is sent when configured. See docs/cli.md, "socmesh connect".
#pragma once

#include <map>
#include <memory>
#include <string>

#include "connect/connector.hpp"
#include "connect/url.hpp"
#include "net/http_client.hpp"

namespace socmesh::connect {

class HttpFeedConnector : public Connector {
 public:
  // Errors: kInvalidArgument (URL), TLS configuration errors (CA, certificate, key files).
  static Result<std::unique_ptr<Connector>> Create(const ConnectorConfig& config, StoreSink& sink);

  RunReport Run(RunContext& ctx) override;

 private:
  HttpFeedConnector(const ConnectorConfig& config, Url url, StoreSink& sink)
      : Connector(config), url_(std::move(url)), sink_(sink) {}

  struct Fetched {
    int status = 0;
    std::string body;
    std::string etag;
    std::string last_modified;
  };
  struct Attempt {
    bool transient = false;  // worth retrying
    std::optional<std::chrono::milliseconds> retry_after;
    std::string reason;  // short, for the report's notes
  };
  // One request, following redirects. Fills `attempt` on failure.
  Result<Fetched> Fetch(const ConnectorState& state, Attempt& attempt);
  // The kept-alive client for `url`'s origin (one per scheme, host and port).
  Result<net::HttpClient*> ClientFor(const Url& url);

  Url url_;
  StoreSink& sink_;
  std::map<std::string, std::unique_ptr<net::HttpClient>> clients_;
};

}  // namespace socmesh::connect
