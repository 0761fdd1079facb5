#include "federation/receiver.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "crypto/envelope.hpp"
#include "crypto/receipt.hpp"
#include "federation/routing.hpp"
#include "model/socmesh_extension.hpp"

namespace socmesh::federation {
namespace {

namespace merkle = crypto::merkle;

model::Timestamp Now() {
  return model::Timestamp{std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count()};
}

std::string Clip(std::string s, size_t n = crypto::kMaxReasonBytes) {
  if (s.size() > n) {
    s.resize(n);
    // Never cut a UTF-8 sequence in half: receipts refuse invalid UTF-8.
    while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) s.pop_back();
    if (!s.empty() && static_cast<unsigned char>(s.back()) >= 0xC0) s.pop_back();
  }
  return s;
}

// One origin batch head met in the transfer and what happened to its items.
struct HeadGroup {
  std::shared_ptr<const crypto::SignedBatchHead> head;
  std::optional<Error> head_error;  // signature or batch-id problem: every item rejected
  std::vector<crypto::ObjectOutcome> outcomes;
  std::vector<size_t> items;  // items[k]: the transfer index of outcomes[k]
};

// The verified heads of one transfer, kept by Apply's single transaction before the ingest. A batch
// id names one head forever: checked against federation.db and against the heads met earlier in
// this transfer (they are not written yet, so the database alone cannot see them).
class HeadsToKeep {
 public:
  explicit HeadsToKeep(FederationState& state) : state_(state) {}

  Result<void> Admit(std::shared_ptr<const crypto::SignedBatchHead> head) {
    const std::string batch = head->head.origin + '\n' + head->head.batch_id;
    const merkle::Hash hash = crypto::BatchHeadHash(head->head);
    if (auto it = by_batch_.find(batch); it != by_batch_.end()) {
      if (it->second != hash) {
        return Fail(ErrorCode::kConflict, "batch id \"" + head->head.batch_id + "\" of " +
                                              head->head.origin +
                                              " is already known for another batch head (replay "
                                              "or reuse of a batch id)");
      }
      return {};
    }
    if (auto ok = state_.CheckHead(*head); !ok) return ok;
    by_batch_.emplace(batch, hash);
    heads_.push_back(std::move(head));
    return {};
  }
  std::vector<std::shared_ptr<const crypto::SignedBatchHead>> Take() { return std::move(heads_); }

 private:
  FederationState& state_;
  std::map<std::string, merkle::Hash> by_batch_;
  std::vector<std::shared_ptr<const crypto::SignedBatchHead>> heads_;
};

}  // namespace

crypto::BatchHead EnvelopeItemsHead(const Transfer& transfer) {
  crypto::BatchHead head;
  head.origin = transfer.sender;
  head.batch_id = "envelopes:" + transfer.transfer_id;
  head.tree_size = transfer.items.size();
  const std::string seed = "socmesh-envelope-items\n" + transfer.transfer_id;
  unsigned int n = 0;
  EVP_Digest(seed.data(), seed.size(), head.root.data(), &n, EVP_sha256(), nullptr);
  head.signing_time = transfer.sent_time;
  return head;
}

std::optional<NodeIndex> TopologyNodeOf(const ReplicationConfig& config, std::string_view name) {
  if (!config.topology) return std::nullopt;
  return config.topology->FindNode(name);
}

const PeerLink* FindPeerByOrganisation(const ReplicationConfig& config,
                                       std::string_view organisation) {
  for (const auto& p : config.peers) {
    if (p.holder.organisation == organisation) return &p;
  }
  return nullptr;
}

int PriorityOf(std::string_view type) {
  if (type == "incident") return 0;
  if (type == "sighting") return 1;
  if (type == "report") return 2;
  if (type == "indicator") return 4;
  static constexpr std::string_view kSdos[] = {
      "attack-pattern", "campaign",      "course-of-action", "grouping",     "identity",
      "infrastructure", "intrusion-set", "location",         "malware",      "malware-analysis",
      "note",           "observed-data", "opinion",          "threat-actor", "tool",
      "vulnerability",  "relationship"};
  for (auto t : kSdos) {
    if (t == type) return 3;
  }
  return 5;
}

Result<ObjectFacts> FactsOf(const ReplicationConfig& config, std::string_view canonical_json,
                            std::optional<model::Tlp> tlp, std::string type,
                            std::string_view signer) {
  auto metadata = model::ReadSocmeshMetadata(canonical_json);
  if (!metadata) return std::unexpected(metadata.error());
  ObjectFacts facts =
      FactsFromMetadata(metadata->value_or(model::SocmeshMetadata{}), tlp, std::move(type));
  if (facts.origin_organisation.empty()) facts.origin_organisation = std::string(signer);
  if (config.topology) {
    // The topology is the one source of consortia: every node derives the same facts from it
    // (as Topology::Describe does), whatever its own [[peers]] say.
    const Topology& topology = *config.topology;
    std::optional<NodeIndex> origin = topology.FindOrganisation(facts.origin_organisation);
    if (origin && facts.origin_country.empty()) {
      facts.origin_country = topology.nodes()[*origin].country;
    }
    if (!origin) origin = topology.NationalSoc(facts.origin_country);
    if (origin) facts.origin_consortium = std::string(topology.ConsortiumName(*origin));
    return facts;
  }
  if (facts.origin_organisation == config.self.organisation) {
    facts.origin_consortium = config.self.consortium;
    if (facts.origin_country.empty()) facts.origin_country = config.self.country;
  } else if (const auto* p = FindPeerByOrganisation(config, facts.origin_organisation)) {
    facts.origin_consortium = p->holder.consortium;
    if (facts.origin_country.empty()) facts.origin_country = p->holder.country;
  }
  return facts;
}

std::string Receiver::CheckClaims(const model::StixObject& object, const std::string& origin,
                                  ObjectFacts& facts) const {
  auto read = FactsOf(config_, object.canonical_json, object.tlp, object.type, origin);
  if (!read) return "socmesh extension: " + read.error().message;
  facts = std::move(*read);
  if (facts.origin_organisation != origin) {
    return "claims origin \"" + facts.origin_organisation + "\" but is signed by \"" + origin +
           "\"";
  }
  if (!object.created_by_ref.empty()) {
    auto owner = config_.identity_organisations.find(object.created_by_ref);
    if (owner != config_.identity_organisations.end() && owner->second != origin) {
      return "created_by_ref " + object.created_by_ref + " belongs to \"" + owner->second +
             "\", not to the signer \"" + origin + "\"";
    }
  }
  return "";
}

std::string Receiver::CheckPolicy(const ObjectFacts& facts, const PeerLink& peer,
                                  bool sender_holds) const {
  const Holder& self = config_.self;
  if (config_.topology) {
    // The same decision routing.hpp takes: the origin consortium's export rule applies.
    const auto me = config_.topology->FindNode(config_.node_name);
    if (!me) return "policy: " + config_.node_name + " is not in the topology";
    if (auto d = DecideForNode(*config_.topology, facts, *me); !d.allowed) {
      return "policy: " + std::string(VerdictName(d.verdict)) + " for " + self.organisation;
    }
    const auto sender = TopologyNodeOf(config_, peer.name);
    if (sender_holds && sender) {
      if (auto d = DecideForNode(*config_.topology, facts, *sender); !d.allowed) {
        return "policy: arrived from " + peer.holder.organisation + ", which may not hold it (" +
               std::string(VerdictName(d.verdict)) + ")";
      }
    }
    return "";
  }
  if (auto d = Decide(facts, self); !d.allowed) {
    return "policy: " + std::string(VerdictName(d.verdict)) + " for " + self.organisation;
  }
  if (sender_holds) {
    if (auto d = Decide(facts, peer.holder); !d.allowed) {
      return "policy: arrived from " + peer.holder.organisation + ", which may not hold it (" +
             std::string(VerdictName(d.verdict)) + ")";
    }
  }
  return "";
}

struct Receiver::Opened {
  HeadsToKeep* heads = nullptr;  // in: where a verified head inside goes (kept by Apply)
  std::optional<model::StixObject> object;
  ProofRow proof;
  EnvelopeRow envelope;
  std::optional<FederationState::TransferRecord::Envelope> relay;  // out: to keep and queue
};

std::string Receiver::ReceiveEnvelope(const TransferItem& item, const PeerLink& peer,
                                      Opened& opened, bool& relayed) {
  auto routing = crypto::InspectEnvelope(item.envelope, trust_);
  if (!routing) return "envelope: " + routing.error().message;
  auto carried = ParseRoutingFacts(item.facts_json);
  if (!carried) return "envelope facts: " + carried.error().message;
  const ObjectFacts& facts = carried->facts;
  if (routing->envelope_id != EnvelopeIdOf(*carried)) {
    return "envelope facts were altered on the way (they are not the ones the origin sealed)";
  }
  if (routing->origin != facts.origin_organisation) {
    return "envelope sealed by \"" + routing->origin + "\" for an object of \"" +
           facts.origin_organisation + "\"";
  }
  if (!config_.topology) return "envelope: this node routes no envelopes (no topology)";
  const Topology& topology = *config_.topology;
  const auto me = topology.FindNode(config_.node_name);
  const auto sender = TopologyNodeOf(config_, peer.name);
  const auto origin = OriginNode(topology, facts);
  if (!me || !sender || !origin) return "envelope: origin or sender not in the topology";
  // Envelopes go from tree parent to child only (routing.hpp): anything else is a detour.
  if (topology.TreeParent(*origin, *me) != *sender) {
    return "envelope: " + peer.name + " is not on the way from its origin " +
           facts.origin_organisation + " to this node";
  }
  const bool allowed = MayHoldInClear(topology, facts, *me);
  const std::vector<Hop> hops = NextHops(topology, *me, facts, sender);
  if (!allowed && hops.empty()) {
    return "envelope: neither for " + config_.self.organisation + " nor for a node behind it";
  }
  EnvelopeRow row{routing->envelope_id,
                  carried->id,
                  carried->modified,
                  item.facts_json,
                  item.envelope,
                  peer.name,
                  false};
  row.facts_json = SerializeRoutingFacts(*carried);
  const bool addressed =
      allowed && std::ranges::find(routing->recipients, config_.self.organisation) !=
                     routing->recipients.end();
  if (!addressed) {
    // A relay: kept and queued for the next hops in one transaction, never opened.
    std::vector<std::string> forward;
    for (const Hop& hop : hops) {
      for (const auto& p : config_.peers) {
        if (TopologyNodeOf(config_, p.name) == hop.peer) forward.push_back(p.name);
      }
    }
    // Kept and queued by Apply, in the transaction that records the transfer.
    opened.relay = FederationState::TransferRecord::Envelope{std::move(row), std::move(forward),
                                                             PriorityOf(facts.type)};
    relayed = true;
    return "";
  }
  auto open = crypto::OpenEnvelope(item.envelope, signer_.key, signer_.certificate, trust_);
  if (!open) return "envelope: " + open.error().message;
  auto sealed = ParseSealedItem(open->payload);
  if (!sealed) return "sealed item: " + sealed.error().message;
  auto proof = crypto::ParseOriginProof(sealed->proof_json);
  if (!proof) return "origin proof: " + proof.error().message;
  if (auto v = verifier_.VerifyHead(*proof->head); !v) {
    return "origin signature: " + v.error().message;
  }
  if (auto kept = opened.heads->Admit(proof->head); !kept) {
    return "origin signature: " + kept.error().message;
  }
  auto object = ObjectOf(*sealed);
  if (!object) return "invalid STIX: " + object.error().message;
  auto verified = verifier_.Verify(object->canonical_json, *proof);
  if (!verified) return "origin proof: " + verified.error().message;
  ObjectFacts own;
  if (auto why = CheckClaims(*object, verified->origin, own); !why.empty()) return why;
  if (SerializeRoutingFacts({object->id, object->version(), own}) != row.facts_json) {
    return "envelope facts differ from the sealed object's";
  }
  // The sender only relayed the envelope: whether it may hold the object is not asked.
  if (auto why = CheckPolicy(own, peer, false); !why.empty()) return why;
  opened.proof = {object->id,        object->version(), crypto::BatchHeadHash(proof->head->head),
                  proof->leaf_index, proof->path,       peer.name};
  opened.object = std::move(*object);
  row.opened = true;
  opened.envelope = std::move(row);
  return "";
}

void Receiver::AuditRefusal(std::string_view peer_organisation, std::string_view how,
                            const Error& error) {
  audit::AuditEvent e;
  e.actor = {std::string(peer_organisation), "", config_.node_name};
  e.action = "federation-refused";
  e.target = std::string(how);
  e.outcome = audit::Outcome::kDenied;
  e.details["reason"] = Clip(error.message);
  e.details["code"] = std::string(ErrorCodeName(error.code));
  (void)audit_(std::move(e));
}

Result<ApplyReport> Receiver::Apply(const Transfer& t, const PeerLink& peer, std::string_view how) {
  const model::Timestamp now = Now();
  auto refuse = [&](ErrorCode code, std::string why) -> Result<ApplyReport> {
    Error e{code, "transfer " + Clip(t.transfer_id, 64) + " from " + peer.name + ": " + why};
    AuditRefusal(peer.holder.organisation, how, e);
    return std::unexpected(e);
  };
  // Identity: a peer speaks for its own organisation only.
  if (t.sender != peer.holder.organisation) {
    return refuse(ErrorCode::kPermission, "sender \"" + Clip(t.sender, 64) +
                                              "\" is not the certificate's organisation \"" +
                                              peer.holder.organisation + "\"");
  }
  if (t.receiver != config_.self.organisation) {
    return refuse(ErrorCode::kPermission, "addressed to \"" + Clip(t.receiver, 64) + "\", not \"" +
                                              config_.self.organisation + "\"");
  }
  const int64_t window = std::chrono::microseconds(config_.replay_window).count();
  if (t.sent_time.micros < now.micros - window || t.sent_time.micros > now.micros + window) {
    return refuse(ErrorCode::kInvalidArgument,
                  "sent_time " + model::FormatTimestamp(t.sent_time, true) +
                      " is outside the replay window (stale or replayed transfer)");
  }
  // Transfer ids are remembered for twice the window: a replay cannot outlive both checks. This
  // read refuses the common replay early; the id is recorded (and a concurrent duplicate caught)
  // by the one transaction before the ingest, below.
  auto seen = state_.TransferSeen(t.sender, t.transfer_id);
  if (!seen) return std::unexpected(seen.error());
  if (*seen) return refuse(ErrorCode::kConflict, "replayed transfer id (already received)");
  HeadsToKeep heads(state_);

  ApplyReport report;
  report.items = t.items.size();
  report.reply.transfer_id = t.transfer_id;
  std::map<std::string, HeadGroup> groups;  // by raw head hash
  std::vector<std::string> group_order;
  std::vector<model::StixObject> accepted;
  std::vector<ProofRow> proofs;
  struct Pending {
    std::string group;
    size_t item = 0;
    crypto::ObjectOutcome outcome;
  };
  std::vector<Pending> pending;  // accepted so far, until the store has them
  std::map<size_t, std::string> item_error;
  for (const auto& e : t.item_errors) item_error[e.index] = e.reason;
  std::vector<EnvelopeRow> envelopes;  // brought along by accepted clear items, or opened here
  std::vector<size_t> envelope_items;  // items that carry only an envelope
  std::vector<FederationState::TransferRecord::Envelope> relays;  // envelopes only passing through

  for (size_t i = 0; i < t.items.size(); ++i) {
    if (auto it = item_error.find(i); it != item_error.end()) {
      report.reply.refused.push_back({i, Clip(it->second)});
      continue;
    }
    if (!t.items[i].has_object()) {
      envelope_items.push_back(i);
      continue;
    }
    auto proof = crypto::ParseOriginProof(t.items[i].proof_json);
    if (!proof) {
      report.reply.refused.push_back({i, Clip("origin proof: " + proof.error().message)});
      continue;
    }
    // A proof without signature refers to a head met earlier (in this transfer or before).
    const merkle::Hash hash = crypto::BatchHeadHash(proof->head->head);
    const std::string key(hash.begin(), hash.end());
    if (proof->head->signature_der.empty()) {
      if (auto it = groups.find(key); it != groups.end()) {
        proof->head = it->second.head;
      } else if (auto known = state_.GetHead(hash)) {
        proof->head = *known;
      }
    }
    auto [git, inserted] = groups.try_emplace(key);
    HeadGroup& group = git->second;
    if (inserted) {
      group_order.push_back(key);
      group.head = proof->head;
      if (auto v = verifier_.VerifyHead(*group.head); !v) {
        group.head_error = v.error();
      } else if (auto kept = heads.Admit(group.head); !kept) {
        group.head_error = kept.error();
      }
    } else if (group.head->signature_der.empty() && !proof->head->signature_der.empty()) {
      group.head = proof->head;  // the first item lacked the signature, a later one has it
      group.head_error.reset();
      if (auto v = verifier_.VerifyHead(*group.head); !v) {
        group.head_error = v.error();
      } else if (auto kept = heads.Admit(group.head); !kept) {
        group.head_error = kept.error();
      }
    }
    proof->head = group.head;

    crypto::ObjectOutcome outcome;
    outcome.leaf_index = proof->leaf_index;
    auto reject = [&](std::string why) {
      outcome.accepted = false;
      outcome.reason = Clip(std::move(why));
      group.outcomes.push_back(outcome);
      group.items.push_back(i);
    };
    auto object = ObjectOf(t.items[i]);
    if (object) outcome.id = object->id;
    if (group.head_error) {
      reject("origin signature: " + group.head_error->message);
      continue;
    }
    if (!object) {
      reject("invalid STIX: " + object.error().message);
      continue;
    }
    auto verified = verifier_.Verify(object->canonical_json, *proof);
    if (!verified) {
      reject("origin proof: " + verified.error().message);
      continue;
    }
    const std::string& origin = verified->origin;
    ObjectFacts facts;
    if (auto why = CheckClaims(*object, origin, facts); !why.empty()) {
      reject(std::move(why));
      continue;
    }
    if (TravelsOnlyAsEnvelope(facts)) {
      reject("policy: TLP:RED travels only as an end-to-end envelope");
      continue;
    }
    if (auto why = CheckPolicy(facts, peer, true); !why.empty()) {
      reject(std::move(why));
      continue;
    }
    if (t.items[i].has_envelope()) {
      // The envelope this object's tree needs further down: the same facts, sealed by the origin.
      std::string why;
      auto routing = crypto::InspectEnvelope(t.items[i].envelope, trust_);
      auto carried = ParseRoutingFacts(t.items[i].facts_json);
      if (!routing) {
        why = "envelope: " + routing.error().message;
      } else if (!carried) {
        why = "envelope facts: " + carried.error().message;
      } else if (SerializeRoutingFacts(*carried) !=
                 SerializeRoutingFacts({object->id, object->version(), facts})) {
        why = "envelope facts differ from the object's";
      } else if (routing->envelope_id != EnvelopeIdOf(*carried) || routing->origin != origin) {
        why = "envelope: its routing metadata does not name these facts and origin";
      }
      if (!why.empty()) {
        reject(std::move(why));
        continue;
      }
      envelopes.push_back({routing->envelope_id, object->id, object->version(),
                           SerializeRoutingFacts(*carried), t.items[i].envelope, peer.name, false});
    }
    outcome.accepted = true;
    proofs.push_back(
        {object->id, object->version(), hash, proof->leaf_index, proof->path, peer.name});
    accepted.push_back(std::move(*object));
    pending.push_back({key, i, outcome});
  }

  // Envelope items: relayed (kept and queued now) or opened (applied with the clear objects).
  constexpr std::string_view kEnvelopeGroup = "";  // head groups are keyed by 32-byte hashes
  std::vector<crypto::ObjectOutcome> envelope_outcomes;
  for (size_t i : envelope_items) {
    crypto::ObjectOutcome outcome;
    outcome.leaf_index = i;
    if (auto facts = ParseRoutingFacts(t.items[i].facts_json)) outcome.id = Clip(facts->id, 256);
    Opened opened;
    opened.heads = &heads;
    bool relayed = false;
    if (auto why = ReceiveEnvelope(t.items[i], peer, opened, relayed); !why.empty()) {
      outcome.reason = Clip(std::move(why));
      envelope_outcomes.push_back(std::move(outcome));
      continue;
    }
    outcome.accepted = true;
    if (relayed) {
      relays.push_back(std::move(*opened.relay));
      ++report.relayed;
      envelope_outcomes.push_back(std::move(outcome));
      continue;
    }
    ++report.opened;
    envelopes.push_back(std::move(opened.envelope));
    proofs.push_back(std::move(opened.proof));
    accepted.push_back(std::move(*opened.object));
    pending.push_back({std::string(kEnvelopeGroup), i, std::move(outcome)});
  }

  // federation.db is committed twice per transfer (each commit is an fsync with durable state):
  //   1. the transfer id, verified heads, proofs, envelopes and relays, BEFORE the store ingest;
  //   2. the receipts, after it.
  // Proofs and envelopes first: a proof or envelope without its object is harmless (never served),
  // an object without them could not be relayed (the feeder may read it the moment it is stored).
  // A crash at any point stays safe:
  //   - before 1: nothing of the transfer is kept, not even its id. No object was stored, so
  //     applying the same transfer again later is its first effect (and the sender, which got no
  //     answer, retries with a new id anyway);
  //   - between 1 and the ingest: ids, heads, proofs and envelopes without objects (harmless, as
  //     above; relays are queued, which is all a relay does). The id is remembered, so the same
  //     transfer is refused as a replay; the sender's retry has a new id and stores the objects
  //     ("first proof wins" keeps the proof already written, from the same delivery path);
  //   - between the ingest and 2: objects stored, no receipt issued or sent; the retry finds
  //     them "unchanged" (idempotent by (id, modified)) and is answered then — as before, when
  //     the receipts were committed after the ingest too.
  // A replay racing the early check (same id in two concurrent applies) is refused here, before
  // anything of it is written; a batch id taken meanwhile by another head fails the transaction
  // (rolled back, nothing applied: the sender retries).
  FederationState::TransferRecord record;
  record.sender = t.sender;
  record.transfer_id = t.transfer_id;
  record.now = now;
  record.forget_before = model::Timestamp{now.micros - 2 * window};
  record.heads = heads.Take();
  record.proofs = std::move(proofs);
  for (auto& row : envelopes) record.envelopes.push_back({std::move(row), {}, 0});
  for (auto& relay : relays) record.envelopes.push_back(std::move(relay));
  auto fresh = state_.RecordTransfer(record);
  if (!fresh) return std::unexpected(fresh.error());
  if (!*fresh) return refuse(ErrorCode::kConflict, "replayed transfer id (already received)");

  if (!accepted.empty()) {
    auto outcome = store_.Ingest(accepted);
    if (!outcome) return std::unexpected(outcome.error());
    report.inserted = outcome->inserted;
    std::map<size_t, std::string> conflicts;
    for (const auto& r : outcome->rejected) conflicts[r.index] = r.error.message;
    for (size_t k = 0; k < pending.size(); ++k) {
      auto& p = pending[k];
      if (auto c = conflicts.find(k); c != conflicts.end()) {
        p.outcome.accepted = false;
        p.outcome.reason = Clip("store: " + c->second);
      }
      if (p.group == kEnvelopeGroup) {
        envelope_outcomes.push_back(p.outcome);
        continue;
      }
      groups[p.group].outcomes.push_back(p.outcome);
      groups[p.group].items.push_back(p.item);
    }
  }

  std::string reasons;
  std::vector<ReceiptRow> receipts;  // kept in one transaction before the reply leaves
  for (const auto& key : group_order) {
    HeadGroup& g = groups[key];
    // A leaf index twice in one transfer is not a receipt we can sign: keep the first.
    std::map<uint64_t, std::pair<crypto::ObjectOutcome, size_t>> unique;
    for (size_t k = 0; k < g.outcomes.size(); ++k) {
      unique.try_emplace(g.outcomes[k].leaf_index, g.outcomes[k], g.items[k]);
    }
    std::vector<crypto::ObjectOutcome> outcomes;
    for (auto& [index, entry] : unique) {
      auto& [o, item] = entry;
      if (o.leaf_index >= g.head->head.tree_size) {  // not a leaf of this head: no receipt line
        report.reply.refused.push_back({item, Clip(o.id + ": " + o.reason)});
        continue;
      }
      if (o.accepted) {
        ++report.accepted;
      } else {
        ++report.rejected;
        if (reasons.size() < 1024) {
          reasons += (reasons.empty() ? "" : "; ") + o.id + ": " + o.reason;
        }
      }
      outcomes.push_back(std::move(o));
    }
    auto receipt = crypto::MakeReceipt(g.head->head, t.sender, outcomes, now);
    if (!receipt) continue;  // a head with out-of-range fields: its items stay unanswered
    auto der = crypto::SignReceipt(*receipt, signer_);
    if (!der) return std::unexpected(der.error().WithContext("sign receipt"));
    ReceiptRow row{peer.name,
                   "issued",
                   g.head->head.batch_id,
                   crypto::BatchHeadHash(g.head->head),
                   receipt->accepted_count(),
                   receipt->rejected.size(),
                   now,
                   *der};
    receipts.push_back(std::move(row));
    report.reply.receipts_der.push_back(std::move(*der));
  }
  if (!envelope_outcomes.empty()) {
    const crypto::BatchHead head = EnvelopeItemsHead(t);
    for (const auto& o : envelope_outcomes) {
      if (o.accepted) {
        ++report.accepted;
      } else {
        ++report.rejected;
        if (reasons.size() < 1024) {
          reasons += (reasons.empty() ? "" : "; ") + ("envelope " + o.id) + ": " + o.reason;
        }
      }
    }
    auto receipt = crypto::MakeReceipt(head, t.sender, envelope_outcomes, now);
    if (!receipt) return std::unexpected(receipt.error().WithContext("envelope receipt"));
    auto der = crypto::SignReceipt(*receipt, signer_);
    if (!der) return std::unexpected(der.error().WithContext("sign receipt"));
    ReceiptRow row{peer.name,
                   "issued",
                   head.batch_id,
                   crypto::BatchHeadHash(head),
                   receipt->accepted_count(),
                   receipt->rejected.size(),
                   now,
                   *der};
    receipts.push_back(std::move(row));
    report.reply.receipts_der.push_back(std::move(*der));
  }
  if (!receipts.empty()) {
    if (auto ok = state_.PutReceipts(receipts); !ok) return std::unexpected(ok.error());
  }
  for (const auto& r : report.reply.refused) {
    ++report.rejected;
    if (reasons.size() < 1024) {
      reasons +=
          (reasons.empty() ? "" : "; ") + ("item " + std::to_string(r.index)) + ": " + r.reason;
    }
  }

  audit::AuditEvent e;
  e.actor = {peer.holder.organisation, "", config_.node_name};
  e.action = "federation-receive";
  e.target = t.transfer_id;
  e.outcome = report.rejected == 0 ? audit::Outcome::kSuccess : audit::Outcome::kDenied;
  e.details["peer"] = peer.name;
  e.details["how"] = std::string(how);
  e.details["items"] = std::to_string(report.items);
  e.details["accepted"] = std::to_string(report.accepted);
  e.details["inserted"] = std::to_string(report.inserted);
  e.details["rejected"] = std::to_string(report.rejected);
  e.details["receipts"] = std::to_string(report.reply.receipts_der.size());
  if (!envelope_items.empty()) {
    e.details["envelopes"] = std::to_string(envelope_items.size());
    e.details["relayed"] = std::to_string(report.relayed);
    e.details["opened"] = std::to_string(report.opened);
  }
  if (!reasons.empty()) e.details["reasons"] = Clip(reasons, 2048);
  if (auto ok = audit_(std::move(e)); !ok) return std::unexpected(ok.error());
  return report;
}

}  // namespace socmesh::federation
