// The simulator's links (issue 6 item 5): one TCP listener on 127.0.0.1 per directed link a -> b,
// splicing bytes to b's real port. TLS passes through untouched (mutual TLS stays end to end
// between the nodes); the proxy only decides whether bytes flow, which is how partitions are
// injected:
//
//   Partition(a, b)  closes the connections of both directions and refuses new ones (accepted and
//                    closed at once, so the peer sees a reset, as with a failed route);
//   Heal(a, b)       accepts again.
//
// A node that is down (SetTarget(b, 0)) or restarted on another port is handled the same way: the
// proxy's port, which is what the peers' configs name, never changes.
//
// One I/O thread (Boost.Asio); bounded: connections per link, one fixed buffer per direction.
// The public methods are thread-safe and return once the I/O thread has applied them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/error.hpp"

namespace socmesh::sim {

struct ProxyLimits {
  size_t max_connections_per_link = 64;
  size_t buffer_bytes = 64 * 1024;  // per direction and connection
};

struct LinkStats {
  uint64_t accepted = 0;  // connections spliced
  uint64_t refused = 0;   // closed at once: partitioned, target down, or over the limit
  uint64_t bytes = 0;     // both directions
  size_t open = 0;
};

class LinkProxy {
 public:
  static Result<std::unique_ptr<LinkProxy>> Start(ProxyLimits limits = {});
  ~LinkProxy();
  LinkProxy(const LinkProxy&) = delete;
  LinkProxy& operator=(const LinkProxy&) = delete;

  // Opens the listener of the directed link from -> to (127.0.0.1, a free port) and returns the
  // port. kConflict when the link exists, kIo when no port can be bound.
  Result<uint16_t> AddLink(const std::string& from, const std::string& to);
  // Where `to` listens now; 0: down (new connections to it are refused).
  void SetTarget(const std::string& to, uint16_t port);
  // Both directions of the link between a and b (either may be missing).
  void Partition(const std::string& a, const std::string& b);
  void Heal(const std::string& a, const std::string& b);
  LinkStats Stats(const std::string& from, const std::string& to);

  // Closes every listener and connection and joins the I/O thread. Idempotent.
  void Stop();

  struct Impl;

 private:
  explicit LinkProxy(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace socmesh::sim
