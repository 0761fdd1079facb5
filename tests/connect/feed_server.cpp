#include "connect/feed_server.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

namespace socmesh::connect::testing {

FeedServer::FeedServer(const socmesh::testing::TestCa& ca,
                       const socmesh::testing::Issued& server_cert,
                       bool require_client_certificate) {
  net::ServerOptions o;
  o.tls.certificate_file = server_cert.cert_file;
  o.tls.private_key_file = server_cert.key_file;
  o.tls.ca_file = ca.ca_file();
  o.tls.require_peer_certificate = require_client_certificate;
  auto started = net::HttpServer::Start(o, [this](const net::Request& r) { return Handle(r); });
  EXPECT_TRUE(started.has_value()) << started.error().message;
  server_ = std::move(*started);
}

FeedServer::~FeedServer() {
  if (server_) server_->Stop(std::chrono::milliseconds{1000});
}

std::string FeedServer::Url(const std::string& path) const {
  return "https://127.0.0.1:" + std::to_string(port()) + path;
}

void FeedServer::Serve(const std::string& path, std::string body, std::string etag,
                       std::string last_modified) {
  std::lock_guard lock(mutex_);
  documents_[path] = {std::move(body), std::move(etag), std::move(last_modified)};
}

void FeedServer::Queue(const std::string& path, net::Response response) {
  std::lock_guard lock(mutex_);
  queued_[path].push_back(std::move(response));
}

std::vector<SeenRequest> FeedServer::requests() const {
  std::lock_guard lock(mutex_);
  return seen_;
}

net::Response FeedServer::Handle(const net::Request& request) {
  std::lock_guard lock(mutex_);
  SeenRequest seen;
  seen.target = request.target;
  seen.if_none_match = std::string(request.headers.Get("If-None-Match").value_or(""));
  seen.if_modified_since = std::string(request.headers.Get("If-Modified-Since").value_or(""));
  seen.user_agent = std::string(request.headers.Get("User-Agent").value_or(""));
  for (const auto& [name, value] : request.headers.fields()) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    seen.headers[lower] = value;
  }
  seen.client_certificate = request.peer.has_value();
  seen_.push_back(seen);

  const std::string path(request.path());
  if (auto q = queued_.find(path); q != queued_.end() && !q->second.empty()) {
    net::Response r = std::move(q->second.front());
    q->second.pop_front();
    return r;
  }
  auto doc = documents_.find(path);
  if (doc == documents_.end()) return net::Response::Text(404, "no such feed\n");
  const Document& d = doc->second;
  // RFC 9110 §13.1.3: If-None-Match takes precedence; If-Modified-Since is compared as the
  // exact date this server sent (enough for a server that only ever sends one).
  const bool not_modified =
      !seen.if_none_match.empty()
          ? (!d.etag.empty() && seen.if_none_match == d.etag)
          : (!seen.if_modified_since.empty() && seen.if_modified_since == d.last_modified);
  net::Response r;
  r.status = not_modified ? 304 : 200;
  if (!d.etag.empty()) r.headers.Set("ETag", d.etag);
  if (!d.last_modified.empty()) r.headers.Set("Last-Modified", d.last_modified);
  if (!not_modified) {
    r.headers.Set("Content-Type", "text/csv");
    r.body = d.body;
  }
  return r;
}

}  // namespace socmesh::connect::testing
