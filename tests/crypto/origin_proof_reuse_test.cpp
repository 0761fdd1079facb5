// Issue 6 (replication apply speed): origin proofs of one batch repeat their head, so the proof
// reader, BatchHeadHash and OriginVerifier remember the thread's last head instead of decoding,
// rebuilding and hashing it for every object. These tests pin down that the shortcuts change no
// result (E3): identical fields, hashes and errors whatever was read before on the thread, across
// interleaved batches, heads that differ in a single field, and threads; and that a head whose
// fields were changed is never taken for the verified one.
#include <openssl/evp.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "common/test_data.hpp"
#include "crypto/cms_test_pki.hpp"
#include "crypto/origin_signature.hpp"
#include "model/bundle.hpp"

namespace socmesh::crypto {
namespace {

using socmesh::testing::DataPath;
using socmesh::testing::ReadFile;
using testing::TestPki;

const model::Timestamp kSigningTime{1'795'000'000'123'456};

// SHA-256 straight from OpenSSL: the oracle for the memoised hashes.
merkle::Hash OracleSha256(std::string_view bytes) {
  merkle::Hash out{};
  unsigned int n = 0;
  EVP_Digest(bytes.data(), bytes.size(), out.data(), &n, EVP_sha256(), nullptr);
  return out;
}

bool SameFields(const BatchHead& a, const BatchHead& b) {
  return a.origin == b.origin && a.batch_id == b.batch_id && a.tree_size == b.tree_size &&
         a.root == b.root && a.signing_time == b.signing_time;
}

// Replaces the first occurrence of `from` in `text` (which must contain it).
std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

class OriginProofReuseTest : public ::testing::Test {
 protected:
  OriginProofReuseTest()
      : acme_(pki_.Organisation("ACME CERT")),
        trust_(*TrustStore::FromCertificates(std::vector<X509*>{pki_.root.cert.get()})) {
    auto parsed =
        model::ParseBundle(ReadFile(DataPath("stix/mitre-attack-stix-data/ics-attack-18.1.json")));
    EXPECT_TRUE(parsed.has_value());
    if (!parsed) return;
    // Two batches of one origin (same signer, same time, different ids and roots).
    const auto& all = parsed->objects;
    first_.assign(all.begin(), all.begin() + 300);
    second_.assign(all.begin() + 300, all.begin() + 557);
    auto a = SignBatch(first_, "batch-a", pki_.SignerFor(acme_), kSigningTime);
    auto b = SignBatch(second_, "batch-b", pki_.SignerFor(acme_), kSigningTime);
    EXPECT_TRUE(a && b);
    if (a) a_ = std::move(*a);
    if (b) b_ = std::move(*b);
  }

  // The proofs of both batches as text, interleaved a0 b0 a1 b1 …, the first of each signed.
  std::vector<std::pair<const SignedBatch*, size_t>> Interleaved() const {
    std::vector<std::pair<const SignedBatch*, size_t>> order;
    for (size_t i = 0; i < std::max(first_.size(), second_.size()); ++i) {
      if (i < first_.size()) order.emplace_back(&a_, i);
      if (i < second_.size()) order.emplace_back(&b_, i);
    }
    return order;
  }

  static std::string Text(const SignedBatch& batch, size_t i) {
    return SerializeOriginProof(batch.proofs[i], {.embed_signature = i == 0});
  }

  TestPki pki_;
  testing::Identity acme_;
  TrustStore trust_;
  std::vector<model::StixObject> first_, second_;
  SignedBatch a_, b_;
};

// Parsing the proofs of two batches in runs and interleaved gives each proof its own batch's head,
// leaf and path, and a signature exactly when its text carries one (the remembered head never lends
// one proof's signature to another).
TEST_F(OriginProofReuseTest, ProofsParseToTheirOwnHeadInRunsAndInterleaved) {
  ASSERT_EQ(a_.proofs.size(), 300u);
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<std::pair<const SignedBatch*, size_t>> order;
    if (pass == 0) {
      for (size_t i = 0; i < a_.proofs.size(); ++i) order.emplace_back(&a_, i);
      for (size_t i = 0; i < b_.proofs.size(); ++i) order.emplace_back(&b_, i);
    } else {
      order = Interleaved();
    }
    for (const auto& [batch, i] : order) {
      auto proof = ParseOriginProof(Text(*batch, i));
      ASSERT_TRUE(proof) << proof.error().message;
      EXPECT_TRUE(SameFields(proof->head->head, batch->head->head)) << i;
      EXPECT_EQ(proof->head->statement, batch->head->statement);
      EXPECT_EQ(proof->leaf_index, i);
      EXPECT_EQ(proof->path, batch->proofs[i].path);
      if (i == 0) {
        EXPECT_EQ(proof->head->signature_der, batch->head->signature_der);
      } else {
        EXPECT_TRUE(proof->head->signature_der.empty()) << i;
      }
    }
  }
}

// A head that differs from the thread's last one in any single field, in its text only (upper-case
// hex) or in value, reads as a fresh parse on a new thread reads it: same fields or same error.
TEST_F(OriginProofReuseTest, AHeadDifferingInOneFieldIsReadAfresh) {
  const std::string base = Text(a_, 5);
  const std::string root_hex = merkle::ToHex(a_.head->head.root);
  std::string upper_root = root_hex;
  for (char& c : upper_root) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string other_root = root_hex;
  other_root[10] = other_root[10] == '0' ? '1' : '0';
  const std::vector<std::string> variants = {
      Replace(base, "\"batch_id\":\"batch-a\"", "\"batch_id\":\"batch-z\""),
      Replace(base, "\"origin\":\"ACME CERT\"", "\"origin\":\"ACME CERU\""),
      Replace(base, root_hex, upper_root),
      Replace(base, root_hex, other_root),
      Replace(base, root_hex, Replace(root_hex, root_hex.substr(0, 1), "g")),
      Replace(base, "\"tree_size\":300", "\"tree_size\":301"),
      Replace(base, "\"tree_size\":300", "\"tree_size\":3"),  // leaf 5 is then out of range
      Replace(base, "\"tree_size\":300", "\"tree_size\":0"),
      Replace(base, ".123456Z", ".123457Z"),
      Replace(base, ".123456Z", ".123456"),  // not a timestamp
  };
  for (const auto& text : variants) {
    // The reference: a thread that has read nothing before.
    Result<OriginProof> fresh = Fail(ErrorCode::kInternal, "not run");
    std::thread([&] { fresh = ParseOriginProof(text); }).join();
    // This thread: the batch's head is remembered right before the variant.
    ASSERT_TRUE(ParseOriginProof(base));
    auto after_base = ParseOriginProof(text);
    ASSERT_EQ(after_base.has_value(), fresh.has_value()) << text;
    if (!fresh) {
      EXPECT_EQ(after_base.error().message, fresh.error().message);
      EXPECT_EQ(after_base.error().code, fresh.error().code);
      continue;
    }
    EXPECT_TRUE(SameFields(after_base->head->head, fresh->head->head)) << text;
    EXPECT_EQ(after_base->head->statement, fresh->head->statement);
    // And the base proof still reads as itself right after the variant.
    auto again = ParseOriginProof(base);
    ASSERT_TRUE(again);
    EXPECT_TRUE(SameFields(again->head->head, a_.head->head));
  }
}

// BatchHeadHash remembers the thread's last head: alternating heads, and heads differing in one
// field, still hash to SHA-256 of their own statement.
TEST_F(OriginProofReuseTest, BatchHeadHashIsTheStatementHashWhateverCameBefore) {
  std::vector<BatchHead> heads = {a_.head->head, b_.head->head};
  BatchHead h = a_.head->head;
  h.tree_size += 1;
  heads.push_back(h);
  h = a_.head->head;
  h.signing_time.micros += 1;
  heads.push_back(h);
  h = a_.head->head;
  h.root[31] ^= 1;
  heads.push_back(h);
  h = a_.head->head;
  h.origin += "x";
  heads.push_back(h);
  h = a_.head->head;
  h.batch_id += "x";
  heads.push_back(h);
  for (int round = 0; round < 3; ++round) {
    for (const auto& head : heads) {
      EXPECT_EQ(BatchHeadHash(head), OracleSha256(BatchHeadStatement(head)));
      EXPECT_EQ(BatchHeadHash(head), OracleSha256(BatchHeadStatement(head)));  // remembered
    }
  }
}

// The verifier's cache is keyed by the head's hash, computed from its fields: once a head is
// verified, a copy with any field changed but the same signature is checked afresh and refused, and
// a changed object of the verified batch is still refused.
TEST_F(OriginProofReuseTest, AChangedHeadIsNeverTakenForTheVerifiedOne) {
  OriginVerifier verifier(trust_);
  ASSERT_TRUE(verifier.VerifyHead(*a_.head));
  ASSERT_TRUE(verifier.Verify(first_[3].canonical_json, a_.proofs[3]));
  EXPECT_EQ(verifier.signature_verifications(), 1u);

  auto changed = [&](auto change) {
    SignedBatchHead copy = *a_.head;
    change(copy.head);
    copy.statement = BatchHeadStatement(copy.head);
    return copy;
  };
  const std::vector<SignedBatchHead> forged = {
      changed([](BatchHead& h) { h.tree_size += 1; }),
      changed([](BatchHead& h) { h.signing_time.micros += 1; }),
      changed([](BatchHead& h) { h.root[0] ^= 0x80; }),
      changed([](BatchHead& h) { h.batch_id = "batch-b"; }),
  };
  for (const auto& head : forged) {
    auto v = verifier.VerifyHead(head);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, ErrorCode::kVerification) << v.error().message;
  }
  EXPECT_EQ(verifier.signature_verifications(), 1u + forged.size());
  // The verified head is still recognised, and a changed object is not its leaf.
  ASSERT_TRUE(verifier.VerifyHead(*a_.head));
  auto tampered = verifier.Verify(first_[4].canonical_json + " ", a_.proofs[4]);
  ASSERT_FALSE(tampered);
  EXPECT_EQ(tampered.error().code, ErrorCode::kVerification);
  EXPECT_EQ(verifier.signature_verifications(), 1u + forged.size());
}

// Both verification entry points, interleaving the two batches' proofs: every object verifies
// with one CMS check per batch; an object paired with the other batch's proof is refused.
TEST_F(OriginProofReuseTest, InterleavedBatchesVerifyWithOneSignatureCheckEach) {
  OriginVerifier by_text(trust_);
  OriginVerifier parsed(trust_);
  for (const auto& [batch, i] : Interleaved()) {
    const auto& object = batch == &a_ ? first_[i] : second_[i];
    auto v = by_text.Verify(object, Text(*batch, i));
    ASSERT_TRUE(v) << v.error().message;
    EXPECT_EQ(v->batch_id, batch->head->head.batch_id);
    EXPECT_EQ(v->leaf_index, i);
    EXPECT_EQ(v->head_hash, OracleSha256(batch->head->statement));
    auto proof = ParseOriginProof(Text(*batch, i));
    ASSERT_TRUE(proof);
    auto w = parsed.Verify(object.canonical_json, *proof);
    ASSERT_TRUE(w) << w.error().message;
    EXPECT_EQ(w->head_hash, v->head_hash);
    const auto& other = batch == &a_ ? b_ : a_;
    if (i > 0 && i < other.proofs.size()) {
      EXPECT_FALSE(by_text.Verify(object, Text(other, i)));
    }
  }
  EXPECT_EQ(by_text.signature_verifications(), 2u);
  EXPECT_EQ(parsed.signature_verifications(), 2u);
}

// Threads each with their own remembered head: parsing and verifying the two batches from four
// threads at once gives every thread the single-threaded results.
TEST_F(OriginProofReuseTest, ThreadsReadAndVerifyIndependently) {
  OriginVerifier verifier(trust_);
  ASSERT_TRUE(verifier.VerifyHead(*a_.head));
  ASSERT_TRUE(verifier.VerifyHead(*b_.head));
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < failures.size(); ++t) {
    threads.emplace_back([&, t] {
      auto order = Interleaved();
      if (t % 2 == 1) std::reverse(order.begin(), order.end());
      for (const auto& [batch, i] : order) {
        const auto& object = batch == &a_ ? first_[i] : second_[i];
        auto proof = ParseOriginProof(Text(*batch, i));
        if (!proof || !SameFields(proof->head->head, batch->head->head) ||
            proof->path != batch->proofs[i].path ||
            BatchHeadHash(proof->head->head) != OracleSha256(batch->head->statement)) {
          ++failures[t];
          continue;
        }
        auto v = verifier.Verify(object.canonical_json, *proof);
        if (!v || v->leaf_index != i || v->batch_id != batch->head->head.batch_id) ++failures[t];
        if (i + 1 < batch->proofs.size() &&
            verifier.Verify(object.canonical_json, batch->proofs[i + 1])) {
          ++failures[t];  // another leaf's proof must not verify this object
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
  EXPECT_EQ(verifier.signature_verifications(), 2u);
}

// Merkle primitives behind the proofs: node hashes are SHA-256(0x01 || left || right), leaf hashes
// SHA-256(0x00 || data); hex parsing accepts both cases and names the first bad digit.
TEST(MerkleReuseTest, HashesMatchOpenSslAndHexErrorsNameTheOffset) {
  merkle::Hash left{}, right{};
  for (size_t i = 0; i < left.size(); ++i) {
    left[i] = static_cast<uint8_t>(i * 7 + 1);
    right[i] = static_cast<uint8_t>(255 - i);
  }
  std::string node(1, '\x01');
  node.append(reinterpret_cast<const char*>(left.data()), left.size());
  node.append(reinterpret_cast<const char*>(right.data()), right.size());
  EXPECT_EQ(merkle::NodeHash(left, right), OracleSha256(node));
  EXPECT_EQ(merkle::LeafHash("abc"), OracleSha256(std::string("\0abc", 4)));
  EXPECT_EQ(merkle::LeafHash(""), OracleSha256(std::string(1, '\0')));

  const std::string hex = merkle::ToHex(left);
  std::string upper = hex;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(*merkle::FromHex(hex), left);
  EXPECT_EQ(*merkle::FromHex(upper), left);
  for (size_t at : {size_t{0}, size_t{1}, size_t{30}, size_t{63}}) {
    for (char bad : {'g', 'G', ' ', '\0', '\xC3', ':', '/', '@', '`'}) {
      std::string broken = hex;
      broken[at] = bad;
      auto parsed = merkle::FromHex(broken);
      ASSERT_FALSE(parsed);
      EXPECT_EQ(parsed.error().message, "hash: not a hex digit at offset " + std::to_string(at));
    }
  }
  EXPECT_FALSE(merkle::FromHex(hex.substr(1)));
}

// VerifyInclusion remembers recent interior nodes per thread: every leaf of trees of many sizes
// still verifies in any order, and a proof changed in any single step, or checked against another
// root or index, is refused even right after its untouched twin filled the table.
TEST(MerkleReuseTest, InclusionVerdictsDoNotDependOnWhatWasVerifiedBefore) {
  std::vector<merkle::Hash> leaves;
  for (int i = 0; i < 70; ++i) leaves.push_back(merkle::LeafHash("leaf " + std::to_string(i)));
  auto check_tree = [&](size_t n) {
    const std::span<const merkle::Hash> tree(leaves.data(), n);
    const merkle::Hash root = merkle::Root(tree);
    const auto paths = merkle::AllInclusionProofs(tree);
    int wrong = 0;
    for (size_t k = 0; k < n; ++k) {
      const size_t i = (k * 37) % n;  // not in leaf order
      if (!merkle::VerifyInclusion(tree[i], i, n, paths[i], root)) ++wrong;
      for (size_t step = 0; step < paths[i].size(); ++step) {
        auto changed = paths[i];
        changed[step][step % 32] ^= 0x01;
        if (merkle::VerifyInclusion(tree[i], i, n, changed, root)) ++wrong;
        if (!merkle::VerifyInclusion(tree[i], i, n, paths[i], root)) ++wrong;  // twin again
      }
      if (n > 1 && merkle::VerifyInclusion(tree[i], (i + 1) % n, n, paths[i], root)) ++wrong;
      if (n > 1 && merkle::VerifyInclusion(tree[(i + 1) % n], i, n, paths[i], root)) ++wrong;
      merkle::Hash other_root = root;
      other_root[0] ^= 0x80;
      if (merkle::VerifyInclusion(tree[i], i, n, paths[i], other_root)) ++wrong;
    }
    return wrong;
  };
  for (size_t n = 1; n <= leaves.size(); ++n) EXPECT_EQ(check_tree(n), 0) << "tree of " << n;
  // Two threads verifying different trees at once.
  int wrong_a = -1, wrong_b = -1;
  std::thread a([&] {
    wrong_a = 0;
    for (size_t n = 40; n <= 70; ++n) wrong_a += check_tree(n);
  });
  std::thread b([&] {
    wrong_b = 0;
    for (size_t n = 70; n >= 40; --n) wrong_b += check_tree(n);
  });
  a.join();
  b.join();
  EXPECT_EQ(wrong_a, 0);
  EXPECT_EQ(wrong_b, 0);
}

}  // namespace
}  // namespace socmesh::crypto
