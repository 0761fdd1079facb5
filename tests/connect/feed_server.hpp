// A scripted HTTPS feed server for the connector tests: net::HttpServer on 127.0.0.1 (port 0,
// test CA certificates), serving documents with ETag / Last-Modified and answering conditional
// requests, with queued one-off answers (500, 503 + Retry-After, redirects), and a record of
// every request it saw. Stopped by its destructor.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/test_data.hpp"
#include "net/http_server.hpp"
#include "net/test_certs.hpp"

namespace socmesh::connect::testing {

struct SeenRequest {
  std::string target;
  std::string if_none_match;
  std::string if_modified_since;
  std::string user_agent;
  std::map<std::string, std::string> headers;  // every header, lower-case names
  bool client_certificate = false;
};

class FeedServer {
 public:
  // `require_client_certificate`: mTLS as between peers; otherwise a public feed.
  FeedServer(const socmesh::testing::TestCa& ca, const socmesh::testing::Issued& server_cert,
             bool require_client_certificate = false);
  ~FeedServer();

  uint16_t port() const { return server_->port(); }
  std::string Url(const std::string& path) const;

  // Serves `body` at `path` with these validators (empty: not sent).
  void Serve(const std::string& path, std::string body, std::string etag,
             std::string last_modified);
  // The next request for `path` gets this answer instead (queued, first in first out).
  void Queue(const std::string& path, net::Response response);

  std::vector<SeenRequest> requests() const;

 private:
  net::Response Handle(const net::Request& request);
  struct Document {
    std::string body, etag, last_modified;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Document> documents_;
  std::map<std::string, std::deque<net::Response>> queued_;
  std::vector<SeenRequest> seen_;
  std::unique_ptr<net::HttpServer> server_;
};

}  // namespace socmesh::connect::testing
