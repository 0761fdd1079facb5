// The receiver's durable writes per transfer (issue 6 item 2, performance without weaker
// guarantees, E3/E4): federation.db is committed twice per transfer — transfer id, heads, proofs
// and envelopes in one transaction before the store ingest, receipts in a second — and a replay
// or a failed record writes nothing. Counted with the state's commit counter (every commit of a
// durable connection is one fsync).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "common/test_data.hpp"
#include "crypto/cms_test_pki.hpp"
#include "federation/receiver.hpp"
#include "federation/state.hpp"
#include "federation/wire.hpp"
#include "model/identifier.hpp"
#include "store/store.hpp"

namespace socmesh::federation {
namespace {

namespace ct = socmesh::crypto::testing;

model::Timestamp Now() {
  return model::Timestamp{std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count()};
}

std::string Indicator(size_t n) {
  char id[64];
  std::snprintf(id, sizeof id, "indicator--%08zx-0000-4000-8000-0000000000c7", n);
  return std::string(R"({"type":"indicator","spec_version":"2.1","id":")") + id +
         R"(","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z",)"
         R"("pattern":"[ipv4-addr:value = '192.0.2.)" +
         std::to_string(n & 255) +
         R"(']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"})";
}

class ReceiverCommits : public ::testing::Test {
 protected:
  ReceiverCommits()
      : origin_(pki_.Organisation("CERT-DE")),
        self_(pki_.Organisation("CERT-FR")),
        trust_(*crypto::TrustStore::FromCertificates(std::vector<X509*>{pki_.root.cert.get()})),
        verifier_(trust_) {
    config_.node_name = "fr";
    config_.self = {"CERT-FR", "FR", "", {}, true};
    peer_.name = "de";
    peer_.holder = {"CERT-DE", "DE", "", {}, true};
    config_.peers.push_back(peer_);
    auto store = store::OpenStore({.location = (dir_.path() / "store.db").string()});
    EXPECT_TRUE(store.has_value()) << store.error().message;
    store_ = std::move(*store);
    auto state = FederationState::Open(dir_.path() / "federation.db");
    EXPECT_TRUE(state.has_value()) << state.error().message;
    state_ = std::move(*state);
  }

  // `count` objects starting at `first`, signed by CERT-DE as one batch `batch_id`.
  std::vector<TransferItem> Batch(size_t first, size_t count, const std::string& batch_id) {
    std::vector<model::StixObject> objects;
    for (size_t i = first; i < first + count; ++i) {
      auto o = model::ParseStixObject(Indicator(i));
      EXPECT_TRUE(o.has_value());
      objects.push_back(std::move(*o));
    }
    auto batch = crypto::SignBatch(objects, batch_id, pki_.SignerFor(origin_), Now());
    EXPECT_TRUE(batch.has_value()) << batch.error().message;
    std::vector<TransferItem> items;
    for (size_t i = 0; i < objects.size(); ++i) {
      items.push_back(
          {objects[i].canonical_json, crypto::SerializeOriginProof(batch->proofs[i], {i == 0})});
    }
    return items;
  }

  Transfer TransferOf(std::vector<TransferItem> items) {
    Transfer t;
    t.sender = "CERT-DE";
    t.receiver = "CERT-FR";
    t.sent_time = Now();
    t.transfer_id = model::FormatUuid(model::NewUuidV4());
    t.items = std::move(items);
    // Through the wire format, as a peer's transfer arrives.
    auto parsed = ParseTransfer(SerializeTransfer(t));
    EXPECT_TRUE(parsed.has_value());
    return std::move(*parsed);
  }

  Receiver MakeReceiver() {
    return Receiver(config_, *store_, *state_, trust_, verifier_, signer_,
                    [](audit::AuditEvent) -> Result<void> { return {}; });
  }

  socmesh::testing::TempDir dir_;
  ct::TestPki pki_;
  ct::Identity origin_, self_;
  crypto::TrustStore trust_;
  crypto::OriginVerifier verifier_;
  crypto::Signer signer_ = pki_.SignerFor(self_);
  ReplicationConfig config_;
  PeerLink peer_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<FederationState> state_;
};

// Two federation.db commits per transfer, whatever its size: before the ingest (id, head,
// proofs) and after it (receipts). Everything each of them carries is there afterwards.
TEST_F(ReceiverCommits, ATransferCommitsFederationDbTwiceAndKeepsEverything) {
  ASSERT_TRUE(state_->durable());
  Receiver receiver = MakeReceiver();
  const Transfer t = TransferOf(Batch(0, 40, "batch-1"));
  const uint64_t before = state_->commits();
  auto applied = receiver.Apply(t, peer_, "push");
  ASSERT_TRUE(applied.has_value()) << applied.error().message;
  EXPECT_EQ(state_->commits() - before, 2u);
  EXPECT_EQ(applied->accepted, 40u);
  EXPECT_EQ(applied->inserted, 40u);
  ASSERT_EQ(applied->reply.receipts_der.size(), 1u);

  EXPECT_TRUE(*state_->TransferSeen("CERT-DE", t.transfer_id));
  auto issued = state_->Receipts("de", "issued");
  ASSERT_TRUE(issued.has_value());
  ASSERT_EQ(issued->size(), 1u);
  EXPECT_EQ((*issued)[0].accepted, 40u);
  EXPECT_EQ((*issued)[0].batch_id, "batch-1");
  for (size_t i : {size_t{0}, size_t{17}, size_t{39}}) {
    auto object = model::ParseStixObject(Indicator(i));
    ASSERT_TRUE(object.has_value());
    auto proof = state_->GetProof(object->id, object->version());
    ASSERT_TRUE(proof.has_value() && proof->has_value()) << "proof of object " << i;
    EXPECT_EQ((*proof)->arrived_from, "de");
    // The head it names was kept in the same transaction: a relay can forward the proof.
    auto travelling = state_->LoadOriginProof(**proof);
    ASSERT_TRUE(travelling.has_value() && travelling->has_value());
    EXPECT_FALSE((*travelling)->head->signature_der.empty());
  }

  // The same transfer again is a replay: refused before any write.
  const uint64_t second = state_->commits();
  auto replay = receiver.Apply(t, peer_, "push");
  ASSERT_FALSE(replay.has_value());
  EXPECT_EQ(replay.error().code, ErrorCode::kConflict);
  EXPECT_EQ(state_->commits(), second);

  // A retry under a new id (at least once) is answered and changes nothing in the store.
  Transfer retry = t;
  retry.transfer_id = model::FormatUuid(model::NewUuidV4());
  auto again = receiver.Apply(retry, peer_, "push");
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(again->accepted, 40u);
  EXPECT_EQ(again->inserted, 0u);
  EXPECT_EQ(state_->commits() - second, 2u);
}

// Heads are written only with the transfer's record, so a batch id reused for another head
// within ONE transfer must be caught without the database: the second head's items are
// rejected in its receipt, the first batch is applied.
TEST_F(ReceiverCommits, ABatchIdReusedWithinOneTransferIsRejected) {
  Receiver receiver = MakeReceiver();
  std::vector<TransferItem> items = Batch(100, 5, "reused");
  for (auto& item : Batch(200, 3, "reused")) items.push_back(std::move(item));
  auto applied = receiver.Apply(TransferOf(std::move(items)), peer_, "push");
  ASSERT_TRUE(applied.has_value()) << applied.error().message;
  EXPECT_EQ(applied->accepted, 5u);
  EXPECT_EQ(applied->inserted, 5u);
  EXPECT_EQ(applied->rejected, 3u);
  auto issued = state_->Receipts("de", "issued");
  ASSERT_TRUE(issued.has_value());
  ASSERT_EQ(issued->size(), 2u);
  EXPECT_EQ((*issued)[0].accepted + (*issued)[1].accepted, 5u);
  EXPECT_EQ((*issued)[0].rejected + (*issued)[1].rejected, 3u);
  // And across transfers, through federation.db.
  auto later = receiver.Apply(TransferOf(Batch(300, 2, "reused")), peer_, "push");
  ASSERT_TRUE(later.has_value()) << later.error().message;
  EXPECT_EQ(later->accepted, 0u);
  EXPECT_EQ(later->rejected, 2u);
}

// RecordTransfer is all or nothing: a replayed id or a head whose batch id is taken leaves no
// trace (neither the proofs nor the id), so a crash or a refusal never half-records a transfer.
TEST_F(ReceiverCommits, RecordTransferIsAllOrNothing) {
  const Transfer t = TransferOf(Batch(400, 2, "b-400"));
  auto proof = crypto::ParseOriginProof(t.items[0].proof_json);
  ASSERT_TRUE(proof.has_value());
  auto object = model::ParseStixObject(t.items[0].object_json);
  ASSERT_TRUE(object.has_value());
  FederationState::TransferRecord record;
  record.sender = "CERT-DE";
  record.transfer_id = "t-1";
  record.now = Now();
  record.heads = {proof->head};
  record.proofs = {{object->id, object->version(), crypto::BatchHeadHash(proof->head->head),
                    proof->leaf_index, proof->path, "de"}};
  const uint64_t before = state_->commits();
  auto first = state_->RecordTransfer(record);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_TRUE(*first);
  EXPECT_EQ(state_->commits() - before, 1u);
  ASSERT_TRUE(state_->GetProof(object->id, object->version())->has_value());

  // Replay: false, and the other proof it carries is not written.
  auto other = model::ParseStixObject(Indicator(401));
  ASSERT_TRUE(other.has_value());
  record.proofs[0].id = other->id;
  auto replay = state_->RecordTransfer(record);
  ASSERT_TRUE(replay.has_value());
  EXPECT_FALSE(*replay);
  EXPECT_FALSE(state_->GetProof(other->id, other->version())->has_value());

  // A head reusing batch id "b-400" with other content: an error, nothing written.
  const Transfer reuse = TransferOf(Batch(500, 2, "b-400"));
  auto reused = crypto::ParseOriginProof(reuse.items[0].proof_json);
  ASSERT_TRUE(reused.has_value());
  auto checked = state_->CheckHead(*reused->head);
  ASSERT_FALSE(checked.has_value());
  EXPECT_EQ(checked.error().code, ErrorCode::kConflict);
  record.transfer_id = "t-2";
  record.heads = {reused->head};
  auto conflict = state_->RecordTransfer(record);
  ASSERT_FALSE(conflict.has_value());
  EXPECT_EQ(conflict.error().code, ErrorCode::kConflict);
  EXPECT_FALSE(*state_->TransferSeen("CERT-DE", "t-2"));
  EXPECT_FALSE(state_->GetProof(other->id, other->version())->has_value());
}

}  // namespace
}  // namespace socmesh::federation
