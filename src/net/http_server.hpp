// The HTTPS server every socmesh node listens with (B10, E20): TLS 1.3 only, mutual
// authentication, asynchronous I/O on a few threads (no thread per connection), handlers on their
// own pool so a slow store query never stalls TLS traffic, limits on everything a client controls.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "net/http.hpp"
#include "net/tls.hpp"

namespace socmesh::net {

struct ServerLimits {
  size_t max_header_bytes = 16 * 1024;       // request line + headers (431 beyond)
  size_t max_body_bytes = size_t{64} << 20;  // 413 beyond
  size_t max_connections = 4096;             // further connections are closed at once
  std::chrono::milliseconds handshake_timeout{10'000};
  std::chrono::milliseconds idle_timeout{30'000};  // wait for the first bytes of the next request
  // Once a request has begun, the rest of its request line and headers must arrive within this:
  // a client trickling bytes (slow loris) is cut however often it sends, while a kept-alive
  // connection may still sit idle for idle_timeout between requests.
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{60'000};   // to receive a body once headers arrived
  std::chrono::milliseconds write_timeout{60'000};  // to send a response
};

struct ServerOptions {
  std::string host = "127.0.0.1";  // address to bind (IPv4 or IPv6 literal)
  uint16_t port = 0;               // 0: any free port (see HttpServer::port())
  TlsOptions tls;
  ServerLimits limits;
  unsigned io_threads = 1;
  unsigned handler_threads = 2;
};

// Called for every well-formed request on a handler thread; must be thread-safe. Exceptions are
// caught and answered with 500 (and are a bug: handlers return errors as responses).
using Handler = std::function<Response(const Request&)>;

struct ServerStats {
  uint64_t connections_accepted = 0;
  uint64_t connections_refused = 0;  // over max_connections
  uint64_t handshakes_failed = 0;    // bad, missing, revoked or expired client certificates…
  uint64_t requests = 0;
  uint64_t bad_requests = 0;  // malformed or over a limit
  uint64_t connections_open = 0;
};

class HttpServer {
 public:
  // Binds, starts the threads and returns; the server runs until Stop() or destruction.
  static Result<std::unique_ptr<HttpServer>> Start(ServerOptions options, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const;
  ServerStats stats() const;

  // Graceful shutdown: stops accepting, lets requests in progress finish and be answered
  // (with Connection: close), closes idle connections, and after `grace` drops whatever is left.
  void Stop(std::chrono::milliseconds grace = std::chrono::milliseconds{5000});

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace socmesh::net
