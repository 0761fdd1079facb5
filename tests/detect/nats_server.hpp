// A real nats-server with JetStream (Debian package nats-server) on a free loopback port, its
// store in a temp dir, killed by the destructor: for the detect scale-out tests.
#pragma once

#include <sys/types.h>

#include <string>

#include "common/test_data.hpp"

namespace socmesh::testing {

// A TCP port on 127.0.0.1 that was free a moment ago.
int FreePort();

class NatsServer {
 public:
  NatsServer();
  ~NatsServer();
  NatsServer(const NatsServer&) = delete;
  NatsServer& operator=(const NatsServer&) = delete;
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }
  bool up() const;

 private:
  TempDir dir_;
  int port_;
  pid_t pid_ = -1;
};

}  // namespace socmesh::testing
