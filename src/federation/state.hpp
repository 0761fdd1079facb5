// The replicator's durable state, `federation.db` next to the node's store (SQLite, WAL, fsync per
// commit). Kept apart from the CTI store so that the store stays the STIX store (TAXII, search,
// export see nothing of it) and an operator can reset replication without touching the objects.
//
//   heads      origin batch heads with their CMS signature: what relays forward unchanged
//   proofs     per (id, modified): head, leaf index, audit path, and the peer it arrived from
//              ("" for objects this node signed as their origin)
//   cursors    "signer" (store seq signed up to), "feed:<peer>" (store seq queued up to),
//              "pull:<peer>" (the peer's cursor)
//   outbox     per peer, the versions still to deliver, with their priority (bounded by the feeder)
//   receipts   signed receipts received from peers (and issued to them), DER, with counts
//   transfers  transfer ids seen per sender (replay refusal), pruned after the replay window
//   envelopes  end-to-end envelopes sealed here, relayed or opened, with their routing facts
//
// Thread-safe: one connection behind a mutex; each method is one transaction.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.hpp"
#include "crypto/origin_signature.hpp"
#include "model/timestamp.hpp"

struct sqlite3;

namespace socmesh::federation {

// One object version's origin proof as kept here.
struct ProofRow {
  std::string id;
  model::Timestamp modified;
  crypto::merkle::Hash head_hash{};
  uint64_t leaf_index = 0;
  std::vector<crypto::merkle::Hash> path;
  std::string arrived_from;  // peer name; "" when this node is the origin
};

struct OutboxItem {
  int64_t n = 0;  // queue order
  int priority = 0;
  std::string id;
  model::Timestamp modified;
  bool envelope = false;  // send the version's end-to-end envelope, not the clear object
};

// An end-to-end envelope (B12) this node sealed, relays or opened: kept until forgotten by an
// operator, so a relay forwards it after a restart and a recipient can pass it further on.
struct EnvelopeRow {
  std::string envelope_id;  // EnvelopeIdOf(facts)
  std::string id;           // the object version inside (from the facts)
  model::Timestamp modified;
  std::string facts_json;    // SerializeRoutingFacts
  std::string wire;          // the envelope as it travels
  std::string arrived_from;  // peer name; "" when this node sealed it
  bool opened = false;       // this node is a recipient and stored the object in clear
};

struct ReceiptRow {
  std::string peer;
  std::string direction;  // "received" (from the peer, for what we sent) or "issued"
  std::string batch_id;
  crypto::merkle::Hash head_hash{};
  uint64_t accepted = 0;
  uint64_t rejected = 0;
  model::Timestamp time;
  std::string der;
};

class FederationState {
 public:
  // `durable`: every commit reaches the disk (synchronous = FULL) and survives a power cut; else
  // commits survive a crash of the process (WAL, synchronous = NORMAL), as the store's
  // "normal" durability, which the node matches.
  static Result<std::unique_ptr<FederationState>> Open(const std::filesystem::path& file,
                                                       bool durable = true);
  ~FederationState();
  FederationState(const FederationState&) = delete;
  FederationState& operator=(const FederationState&) = delete;

  // True when this connection commits with synchronous = FULL (read back from SQLite).
  bool durable() const;

  // Keeps `head` (no-op when known). kConflict when the origin already used its batch id for a
  // different head: a batch id names one signed batch forever.
  Result<void> PutHead(const crypto::SignedBatchHead& head);
  // The head with BatchHeadHash `hash`; kNotFound when unknown.
  Result<std::shared_ptr<const crypto::SignedBatchHead>> GetHead(const crypto::merkle::Hash& hash);

  // Keeps proofs (the first proof of a version wins: its arrival is the one that counts).
  Result<void> PutProofs(std::span<const ProofRow> proofs);
  // A signed batch of this node: its head, proofs and the signer cursor, in one transaction.
  Result<void> RecordSignedBatch(const crypto::SignedBatchHead& head,
                                 std::span<const ProofRow> proofs, int64_t signed_up_to);
  Result<std::optional<ProofRow>> GetProof(std::string_view id, model::Timestamp modified);
  // The proof as it travels (head and signature included); nullopt when there is none.
  Result<std::optional<crypto::OriginProof>> LoadOriginProof(const ProofRow& row);

  // Cursors: "" when never set.
  Result<std::string> Cursor(std::string_view name);
  Result<void> SetCursor(std::string_view name, std::string_view value);

  Result<size_t> OutboxSize(std::string_view peer);
  // Queues `items` for `peer` (versions already queued are not queued twice) and moves the peer's
  // feed cursor, in one transaction.
  Result<void> Enqueue(std::string_view peer, std::span<const OutboxItem> items, int64_t fed_up_to);
  // The next `limit` items, most urgent first (priority, then queue order).
  Result<std::vector<OutboxItem>> Peek(std::string_view peer, size_t limit);
  Result<void> Remove(std::string_view peer, std::span<const int64_t> ns);

  // Keeps `envelope` (a no-op when its envelope_id is known) and, only when it is new, queues it
  // for `forward` (peer names), in one transaction; true when it was new.
  Result<bool> PutEnvelope(const EnvelopeRow& envelope, std::span<const std::string> forward,
                           int priority);
  // The envelope of a version; nullopt when this node has none.
  Result<std::optional<EnvelopeRow>> EnvelopeFor(std::string_view id, model::Timestamp modified);

  Result<void> PutReceipt(const ReceiptRow& receipt);
  Result<std::vector<ReceiptRow>> Receipts(std::string_view peer, std::string_view direction);

  // Records transfer `id` of `sender`; false when it was already seen (a replay). Forgets ids
  // older than `forget_before`.
  Result<bool> MarkTransferSeen(std::string_view sender, std::string_view id, model::Timestamp now,
                                model::Timestamp forget_before);
  // True when transfer `id` of `sender` is remembered (read only: an early replay refusal).
  Result<bool> TransferSeen(std::string_view sender, std::string_view id);

  // Read-only PutHead check: kConflict when the origin already used the head's batch id for a
  // different head (so a receiver can reject before it writes anything).
  Result<void> CheckHead(const crypto::SignedBatchHead& head);

  // What a receiver keeps of one transfer before the store sees its objects (issue 6 item 2).
  struct TransferRecord {
    struct Envelope {
      EnvelopeRow row;
      std::vector<std::string> forward;  // peers to queue it for when it is new (relays)
      int priority = 0;
    };
    std::string sender;
    std::string transfer_id;
    model::Timestamp now;
    model::Timestamp forget_before;  // transfer ids older than this are forgotten
    std::vector<std::shared_ptr<const crypto::SignedBatchHead>> heads;
    std::vector<ProofRow> proofs;
    std::vector<Envelope> envelopes;
  };
  // The transfer id (as MarkTransferSeen), heads, proofs and envelopes in ONE transaction, so one
  // fsync instead of one per kind. False when the id was already seen (a replay racing the early
  // check): then nothing is written. An error (e.g. a head's batch id taken meanwhile) writes
  // nothing either.
  Result<bool> RecordTransfer(const TransferRecord& record);
  // Receipts, in one transaction.
  Result<void> PutReceipts(std::span<const ReceiptRow> receipts);

  // Commits on this connection so far (explicit transactions and autocommitted statements): what
  // a durable commit costs is one fsync, so tests count them.
  uint64_t commits() const;

 private:
  explicit FederationState(sqlite3* db) : db_(db) {}
  Result<void> Exec(const char* sql);
  Result<void> PutHeadLocked(const crypto::SignedBatchHead& head);
  Result<void> PutProofsLocked(std::span<const ProofRow> proofs);
  Result<bool> PutEnvelopeLocked(const EnvelopeRow& envelope, std::span<const std::string> forward,
                                 int priority);
  Result<void> PutReceiptLocked(const ReceiptRow& receipt);
  Result<bool> MarkTransferSeenLocked(std::string_view sender, std::string_view id,
                                      model::Timestamp now, model::Timestamp forget_before);

  std::mutex mu_;
  sqlite3* db_;  // GUARDED_BY(mu_)
  // Heads already loaded, by raw hash bytes: a relay forwards many objects of one batch.
  std::unordered_map<std::string, std::shared_ptr<const crypto::SignedBatchHead>> heads_;
  std::atomic<uint64_t> commits_{0};  // by sqlite3_commit_hook
};

}  // namespace socmesh::federation
