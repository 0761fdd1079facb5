// The HTTPS client socmesh uses to talk to peers and feeds (TAXII client, federation, connectors):
// TLS 1.3 with its own certificate, the server's certificate checked against the network's CAs
// (and its name), one kept-alive connection reused across requests, timeouts and a response limit.
// Public feeds may relax this on request (TlsOptions::use_system_trust / allow_tls12, and
// ClientOptions::plaintext); peers never do.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "net/http.hpp"
#include "net/tls.hpp"

namespace socmesh::net {

struct ClientOptions {
  std::string host;  // IP address or DNS name of the server
  uint16_t port = 443;
  TlsOptions tls;  // server_name defaults to host
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds request_timeout{60'000};  // whole exchange, per request
  size_t max_response_bytes = size_t{256} << 20;
  // Plain HTTP without TLS (`tls` is ignored). Only for public feeds an operator explicitly allowed
  // (connect/ `allow_plain_http`); never for peers.
  bool plaintext = false;
};

class HttpClient {
 public:
  static Result<std::unique_ptr<HttpClient>> Create(ClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request (method, target, headers, body of `request`; Host is added) and returns the
  // response. Reconnects once when a kept-alive connection turns out to be closed. Errors: kIo
  // (connect, TLS handshake — with the verification reason — timeout, reset), kTooLarge.
  Result<Response> Send(const Request& request);

  // Certificate of the server on the current connection (after a successful Send).
  std::optional<PeerIdentity> server() const;

  struct Impl;

 private:
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace socmesh::net
