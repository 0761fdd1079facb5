// The receiving side of replication (issue 6 "Bad input"; E3, E4, E16, E17): one transfer from a
// peer is checked and applied, whether the peer pushed it or this node pulled it.
//
// Transfer level (refused as a whole, audited, store untouched):
//   - the transfer's sender is the organisation of the peer's certificate, its receiver is us;
//   - sent_time within the replay window, and a transfer id not seen before from that sender.
// Per item (rejected in the signed receipt with a reason, the rest applied):
//   - an origin proof that parses; the head's CMS signature chains to the network's root and its
//     signer O= is the head's origin; the object is leaf n of that head (not tampered);
//   - a valid STIX object whose socmesh origin_organisation (if stated) is the signer, and whose
//     created_by_ref (if mapped) belongs to the signer: nobody speaks for another organisation;
//   - the sharing policy: this node may hold it in clear, the peer it came from may too (else it
//     should never have had it), and TLP:RED never travels in clear (B12); with a topology, the
//     policy of routing.hpp (DecideForNode: the origin consortium's export rule).
// Envelope items (B12; wire.hpp): the origin's routing signature verifies (InspectEnvelope), the
// clear facts are the ones its envelope_id names, the envelope came down the origin's tree, and
// this node is allowed or lies on the way to one that is. A relay keeps it and queues it for its
// next hops (one transaction); a recipient opens it with its signing key, checks the object inside
// exactly as a clear one (origin proof, claims, policy) and that its facts are the envelope's,
// and applies it. Envelope items get their own signed receipt (EnvelopeItemsHead).
// Accepted objects are applied by (id, modified) (a repeat is a no-op), their proofs kept for
// relaying, and one signed receipt per origin batch head is returned and kept.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "audit/entry.hpp"
#include "core/error.hpp"
#include "crypto/origin_signature.hpp"
#include "crypto/signer.hpp"
#include "crypto/trust_store.hpp"
#include "federation/replication_config.hpp"
#include "federation/state.hpp"
#include "federation/wire.hpp"
#include "store/store.hpp"

namespace socmesh::federation {

// Appends one audit entry and waits until it is written.
using AuditSink = std::function<Result<void>(audit::AuditEvent)>;

struct ApplyReport {
  TransferReply reply;
  size_t items = 0;
  size_t accepted = 0;  // stored now or already held (idempotent)
  size_t inserted = 0;  // new versions
  size_t rejected = 0;  // in receipts or refused
  size_t relayed = 0;   // envelopes kept and queued for the next hops
  size_t opened = 0;    // envelopes addressed to this node, opened and applied
};

class Receiver {
 public:
  // Every reference must outlive the receiver.
  Receiver(const ReplicationConfig& config, store::Store& store, FederationState& state,
           const crypto::TrustStore& trust, crypto::OriginVerifier& verifier,
           const crypto::Signer& signer, AuditSink audit)
      : config_(config),
        store_(store),
        state_(state),
        trust_(trust),
        verifier_(verifier),
        signer_(signer),
        audit_(std::move(audit)) {}

  // Checks and applies `transfer` received from `peer` ("push" or "pull" for the audit entry).
  // Errors (the transfer refused, audited): kPermission (identity), kConflict (replay),
  // kInvalidArgument (stale); kStorage when the store failed (nothing applied).
  Result<ApplyReport> Apply(const Transfer& transfer, const PeerLink& peer, std::string_view how);

  // Audits a transfer refused before it could be parsed (too large, not JSON, unknown peer).
  void AuditRefusal(std::string_view peer_organisation, std::string_view how, const Error& error);

 private:
  struct Opened;
  // Checks envelope item `item` from `peer`: relays it (queued for the next hops) or opens it
  // into `opened`; "" when accepted, else the reason.
  std::string ReceiveEnvelope(const TransferItem& item, const PeerLink& peer, Opened& opened,
                              bool& relayed);
  // The checks every object passes whatever carried it: signer and claims. "" or the reason.
  std::string CheckClaims(const model::StixObject& object, const std::string& origin,
                          ObjectFacts& facts) const;
  // The policy for this node and for the sender; "" or the reason.
  std::string CheckPolicy(const ObjectFacts& facts, const PeerLink& peer, bool sender_holds) const;

  const ReplicationConfig& config_;
  store::Store& store_;
  FederationState& state_;
  const crypto::TrustStore& trust_;
  crypto::OriginVerifier& verifier_;
  const crypto::Signer& signer_;
  AuditSink audit_;
};

// The peer whose certificate organisation is `organisation`; nullptr when none.
const PeerLink* FindPeerByOrganisation(const ReplicationConfig& config,
                                       std::string_view organisation);

// The head the receipt for a transfer's envelope items refers to: relays cannot see the origin
// batch inside an envelope, so the receiver signs for the transfer's items themselves (leaf index
// = item index). Sender and receiver derive the same head from the transfer: batch_id
// "envelopes:<transfer id>", origin = the sender, tree_size = the number of items, root =
// SHA-256("socmesh-envelope-items\n" + transfer id), signing_time = sent_time.
crypto::BatchHead EnvelopeItemsHead(const Transfer& transfer);

// The topology node of a configured peer (by name); nullopt without a topology or when unknown.
std::optional<NodeIndex> TopologyNodeOf(const ReplicationConfig& config, std::string_view name);

// Delivery order (issue 6: incidents before bulk indicators): incident 0, sighting 1, report 2,
// other SDOs and relationships 3, indicators 4, everything else (observables, meta objects) 5.
int PriorityOf(std::string_view type);

// The policy facts of a stored or received object: its socmesh extension, TLP and type; the
// origin defaults to `signer` when the extension names none.
Result<ObjectFacts> FactsOf(const ReplicationConfig& config, std::string_view canonical_json,
                            std::optional<model::Tlp> tlp, std::string type,
                            std::string_view signer);

}  // namespace socmesh::federation
