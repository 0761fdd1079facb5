// Replication between peers (issue 6, B9, E3, E4, E16; ARCHITECTURE.md §4 flow 2 "Share").
//
//   store change feed (Scan after_seq)
//     -> signer: versions this node originates are signed in batches (one CMS signature per
//        batch, an inclusion proof per version), proofs kept in federation.db
//     -> feeder, per peer: versions the policy lets that peer hold, not received from it and not
//        its own, queued in the peer's durable outbox with a priority; the feeder waits while the
//        outbox is full (back-pressure: the store itself is the buffer, nothing is dropped)
//     -> pusher, per peer: the most urgent queued versions with their ORIGIN's proofs (relays
//        forward the origin's signature unchanged) -> POST /federation/v1/transfers over mTLS ->
//        the peer's Receiver -> signed receipts -> verified, kept, audited -> outbox advances.
//   A peer that was away catches up by pulling: GET /federation/v1/changes?after=CURSOR returns
//   the same transfer document from the serving node's change feed, with the cursor to continue.
//
// Delivery is at least once (the outbox and cursors move only after the peer answered or the
// pulled changes are stored) and apply is idempotent by (id, modified): exactly one effect.
// No loops: a version is fed only once per store (its seq), never back to the peer it came from
// or to its origin, and a repeat is "unchanged" at the receiver, which therefore feeds nothing.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "crypto/origin_signature.hpp"
#include "crypto/trust_store.hpp"
#include "federation/receiver.hpp"
#include "federation/replication_config.hpp"
#include "federation/routing.hpp"
#include "federation/state.hpp"
#include "net/http.hpp"
#include "store/store.hpp"

namespace socmesh::federation {

inline constexpr std::string_view kFederationPrefix = "/federation/v1/";

// The feeder's decision for one stored version (policy facts `facts`, received from the peer
// named `arrived_from`, "" at its origin) and one peer: nullopt when it does not go there, else
// how it travels. Without a topology: in clear to every peer the policy allows (Decide, default
// export rule), never RED. With one: routing::NextHops from this node (the origin's tree, pruned
// to branches with allowed nodes; DecideForNode with the origin consortium's export rule).
// Never back to where it came from, never to its origin.
std::optional<Carriage> FeedDecision(const ReplicationConfig& config, const ObjectFacts& facts,
                                     std::string_view arrived_from, const PeerLink& peer);

// True when some hop of the object's tree carries its envelope: an allowed node lies behind a
// node that may not read the object, or the object is RED with a recipient. The origin then seals
// once, and the envelope travels along with clear copies to where it is needed.
bool NeedsEnvelope(const Topology& topology, const ObjectFacts& facts);

class Replicator {
 public:
  // Opens federation.db, loads the signing certificate (its O= must be config.self.organisation)
  // and the trust anchors, and starts the threads. `store` (thread-safe, e.g. the TAXII server's
  // serialised store) and `audit` must outlive the replicator.
  static Result<std::unique_ptr<Replicator>> Start(ReplicationConfig config, store::Store& store,
                                                   AuditSink audit);
  ~Replicator();
  Replicator(const Replicator&) = delete;
  Replicator& operator=(const Replicator&) = delete;

  // Stops the threads (a transfer in flight finishes or times out). Idempotent.
  void Stop();

  static bool Handles(std::string_view path) { return path.starts_with(kFederationPrefix); }
  // POST /federation/v1/transfers (push) and GET /federation/v1/changes (pull), for configured
  // peers only (by certificate O=). Thread-safe.
  net::Response Handle(const net::Request& request);

  // Something changed in the store: sign and feed now rather than at the next interval.
  void Wake();

 private:
  struct Impl;
  explicit Replicator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace socmesh::federation
