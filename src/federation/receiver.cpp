#include "federation/receiver.hpp"

#include <chrono>
#include <map>

#include "crypto/receipt.hpp"
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

}  // namespace

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
  if (facts.origin_organisation == config.self.organisation) {
    facts.origin_consortium = config.self.consortium;
    if (facts.origin_country.empty()) facts.origin_country = config.self.country;
  } else if (const auto* p = FindPeerByOrganisation(config, facts.origin_organisation)) {
    facts.origin_consortium = p->holder.consortium;
    if (facts.origin_country.empty()) facts.origin_country = p->holder.country;
  }
  return facts;
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
  // Transfer ids are remembered for twice the window: a replay cannot outlive both checks.
  auto fresh = state_.MarkTransferSeen(t.sender, t.transfer_id, now,
                                       model::Timestamp{now.micros - 2 * window});
  if (!fresh) return std::unexpected(fresh.error());
  if (!*fresh) return refuse(ErrorCode::kConflict, "replayed transfer id (already received)");

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
  const Holder& self = config_.self;

  for (size_t i = 0; i < t.items.size(); ++i) {
    if (auto it = item_error.find(i); it != item_error.end()) {
      report.reply.refused.push_back({i, Clip(it->second)});
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
      } else if (auto kept = state_.PutHead(*group.head); !kept) {
        group.head_error = kept.error();
      }
    } else if (group.head->signature_der.empty() && !proof->head->signature_der.empty()) {
      group.head = proof->head;  // the first item lacked the signature, a later one has it
      group.head_error.reset();
      if (auto v = verifier_.VerifyHead(*group.head); !v) group.head_error = v.error();
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
    auto object = model::ParseStixObject(t.items[i].object_json);
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
    auto facts = FactsOf(config_, object->canonical_json, object->tlp, object->type, origin);
    if (!facts) {
      reject("socmesh extension: " + facts.error().message);
      continue;
    }
    if (facts->origin_organisation != origin) {
      reject("claims origin \"" + facts->origin_organisation + "\" but is signed by \"" + origin +
             "\"");
      continue;
    }
    if (!object->created_by_ref.empty()) {
      auto owner = config_.identity_organisations.find(object->created_by_ref);
      if (owner != config_.identity_organisations.end() && owner->second != origin) {
        reject("created_by_ref " + object->created_by_ref + " belongs to \"" + owner->second +
               "\", not to the signer \"" + origin + "\"");
        continue;
      }
    }
    if (TravelsOnlyAsEnvelope(*facts)) {
      reject("policy: TLP:RED travels only as an end-to-end envelope");
      continue;
    }
    if (auto d = Decide(*facts, self); !d.allowed) {
      reject("policy: " + std::string(VerdictName(d.verdict)) + " for " + self.organisation);
      continue;
    }
    if (auto d = Decide(*facts, peer.holder); !d.allowed) {
      reject("policy: arrived from " + peer.holder.organisation + ", which may not hold it (" +
             std::string(VerdictName(d.verdict)) + ")");
      continue;
    }
    outcome.accepted = true;
    proofs.push_back(
        {object->id, object->version(), hash, proof->leaf_index, proof->path, peer.name});
    accepted.push_back(std::move(*object));
    pending.push_back({key, i, outcome});
  }

  // Proofs first: a proof without its object is harmless (never served), an object without its
  // proof could not be relayed.
  if (!accepted.empty()) {
    if (auto ok = state_.PutProofs(proofs); !ok) return std::unexpected(ok.error());
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
      groups[p.group].outcomes.push_back(p.outcome);
      groups[p.group].items.push_back(p.item);
    }
  }

  std::string reasons;
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
    if (auto ok = state_.PutReceipt(row); !ok) return std::unexpected(ok.error());
    report.reply.receipts_der.push_back(std::move(*der));
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
  if (!reasons.empty()) e.details["reasons"] = Clip(reasons, 2048);
  if (auto ok = audit_(std::move(e)); !ok) return std::unexpected(ok.error());
  return report;
}

}  // namespace socmesh::federation
