// What the replicator needs to know (filled by node/ from the node's config, docs/cli.md
// "[federation]" and "[[peers]]"): who this node is for the sharing policy, its peers and how it
// talks to each, where its state lives, the keys it signs with, and the limits.
#pragma once

#include <openssl/types.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "federation/policy.hpp"
#include "federation/recipients.hpp"
#include "federation/topology.hpp"

namespace socmesh::federation {

struct PeerLink {
  std::string name;   // the operator's name for the peer (cursors, outbox, audit)
  std::string url;    // https://host:port[/base]: its federation endpoints live below
  Holder holder;      // organisation (certificate O=), country, consortium, groups
  bool push = true;   // this node opens connections to push its outbox
  bool pull = false;  // this node opens connections to pull the peer's changes
  std::chrono::milliseconds push_interval{1000};
  std::chrono::milliseconds pull_interval{5000};
};

struct ReplicationConfig {
  std::string node_name;
  Holder self;  // this node's organisation, country, consortium, sharing groups
  std::vector<PeerLink> peers;
  std::filesystem::path state_file;  // federation.db
  bool durable_state = true;         // FederationState::Open: survive power cuts, not only crashes

  // mTLS towards peers: the node's TLS identity and the network's trust anchors.
  std::string tls_certificate_chain;
  std::shared_ptr<EVP_PKEY> tls_key;
  std::string ca_bundle;
  std::vector<std::string> crls;

  // Origin signatures and receipts: a key whose certificate (first of the chain file) carries the
  // node's organisation as O= and the S/MIME signing purpose (pki profile "user").
  std::shared_ptr<EVP_PKEY> signing_key;
  std::string signing_certificate_chain;

  // created_by_ref identity id -> organisation (the TAXII config's mapping): an object whose
  // creator belongs to another organisation than its signer is refused.
  std::map<std::string, std::string, std::less<>> identity_organisations;

  // The network's topology ([federation] topology): with it, objects follow routing::NextHops
  // (node_name and peer names are topology node names) and the origin consortium's export rule
  // applies; without it, every peer gets what Decide lets it hold (default export rule).
  std::shared_ptr<const Topology> topology;
  // Envelope recipients (B12) from the signed directory ([federation] directory): where objects
  // are sealed for hops through nodes that may not read them. Empty: nothing is sealed, and what
  // needs an envelope stays where it is.
  RecipientCertificates recipients;

  size_t sign_batch_objects = 1000;  // versions signed per origin batch
  size_t transfer_objects = 500;     // versions per push transfer / pull page
  size_t outbox_limit = 10'000;      // queued versions per peer before the feeder waits
  std::chrono::milliseconds feed_interval{500};
  std::chrono::seconds replay_window{600};  // transfers older (or newer) than this are refused
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{30'000};
};

}  // namespace socmesh::federation
