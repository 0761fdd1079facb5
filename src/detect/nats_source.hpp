// Scale-out of detection over NATS JetStream (B2c, ARCHITECTURE.md §7; issue 7 item 7).
//
// Sensors (or a relay in front of them) publish raw event lines to a JetStream stream; every
// socmesh detect worker pulls from ONE durable consumer, so JetStream spreads messages over the
// workers and redelivers what a crashed worker had not acknowledged. A national SOC that outgrows
// one machine starts more workers with the same consumer name: nothing else changes.
//
// Delivery is at least once: a message is acknowledged only after the handler has processed it, so
// a worker killed mid-batch loses nothing (its unacknowledged messages come back after `ack_wait`).
// Detection is idempotent enough for that (a duplicate event may repeat a sighting count; sightings
// are aggregated per indicator and interval).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace socmesh::detect {

struct NatsOptions {
  std::string url = "nats://127.0.0.1:4222";
  std::string stream = "SOCMESH_EVENTS";
  std::string subject =
      "socmesh.events";  // stream subject; sensors may publish to socmesh.events.>
  std::string durable = "socmesh-detect";  // the shared consumer
  bool create_stream = true;               // create the stream (file storage) if it does not exist
  int batch = 512;                         // messages per fetch
  std::chrono::milliseconds fetch_wait{200};
  std::chrono::seconds ack_wait{30};  // redelivery delay of unacknowledged messages
  size_t max_message_bytes = 1 << 20;
};

struct NatsStats {
  uint64_t received = 0;
  uint64_t acknowledged = 0;
  uint64_t rejected = 0;     // handler refused: terminated, never redelivered (malformed events)
  uint64_t redelivered = 0;  // messages seen for the second time or more
};

class NatsEventSource {
 public:
  // What the handler says about one message.
  enum class Verdict {
    kDone,       // processed: acknowledge
    kMalformed,  // cannot ever be processed: terminate (never redelivered), counted
    kRetry,      // transient failure: negative-acknowledge, JetStream redelivers
  };
  using Handler = std::function<Verdict(std::string_view message)>;

  // Connects, creates the stream when asked, and binds to (or creates) the durable pull consumer.
  // Errors: kIo (no server), kInvalidArgument (bad names), kStorage (JetStream refused).
  static Result<std::unique_ptr<NatsEventSource>> Connect(const NatsOptions& options);
  ~NatsEventSource();
  NatsEventSource(const NatsEventSource&) = delete;
  NatsEventSource& operator=(const NatsEventSource&) = delete;

  // Fetches one batch (waiting up to fetch_wait) and hands each message to `handle`. Returns how
  // many messages were handled (0 on timeout).
  Result<size_t> Poll(const Handler& handle);

  const NatsStats& stats() const { return stats_; }

 private:
  struct Impl;
  explicit NatsEventSource(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  NatsStats stats_;
};

// Publishes `messages` to `subject` on the JetStream stream (created when asked), waiting for every
// acknowledgement. For sensors' relays, tests and benchmarks.
Result<void> PublishEvents(const NatsOptions& options, std::span<const std::string> messages);

}  // namespace socmesh::detect
