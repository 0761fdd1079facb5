// Origin signatures (E3): the organisation that produces STIX objects signs a batch of them once,
// and every object carries an OriginProof that lets any receiver, after any number of relays,
// check on its own that the object is exactly what that organisation signed.
//
// The organisation builds an RFC 9162 Merkle tree whose leaves are LeafHash(canonical JSON of each
// object version), and signs a small "batch head" statement naming the root with CMS SignedData
// (detached, SHA-256, signer certificate included). A proof is the head, the signature (or a
// reference to an already known head), the leaf index and the audit path; docs/architecture.md
// ("Signatures, receipts and envelopes") gives the wire format. A receiver verifies one signature
// per batch (cached by head hash) plus one inclusion proof per object.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.hpp"
#include "crypto/merkle.hpp"
#include "crypto/signer.hpp"
#include "crypto/trust_store.hpp"
#include "model/stix_object.hpp"
#include "model/timestamp.hpp"

namespace socmesh::crypto {

// The statement an origin signs for a batch.
struct BatchHead {
  std::string origin;    // the signing organisation: its certificate's O=
  std::string batch_id;  // unique per origin (e.g. a UUID); at most 256 bytes
  uint64_t tree_size = 0;
  merkle::Hash root{};
  model::Timestamp signing_time;  // microseconds; the statement carries six fraction digits
};

// The exact bytes that are signed: RFC 8785 canonical JSON
// {"batch_id","origin","root" (hex),"signing_time","tree_size","type":"socmesh-batch-head",
// "version":1}.
std::string BatchHeadStatement(const BatchHead& head);
// SHA-256 of the statement: the head's identity in caches and in receipts.
merkle::Hash BatchHeadHash(const BatchHead& head);
// Reads a statement; kParse/kUnsupported/kTooLarge naming the property for anything that is not
// exactly what BatchHeadStatement writes.
Result<BatchHead> ParseBatchHeadStatement(std::string_view statement);

// A head and its detached CMS SignedData (DER), which `openssl cms -verify -binary -content
// <statement> -inform DER` accepts.
struct SignedBatchHead {
  BatchHead head;
  std::string statement;      // BatchHeadStatement(head)
  std::string signature_der;  // CMS SignedData, detached
};

// What one object carries. Proofs of one batch share the head.
struct OriginProof {
  std::shared_ptr<const SignedBatchHead> head;
  uint64_t leaf_index = 0;
  std::vector<merkle::Hash> path;  // RFC 9162 audit path, bottom-up
};

struct SignedBatch {
  std::shared_ptr<const SignedBatchHead> head;
  std::vector<OriginProof> proofs;  // proofs[i] belongs to objects[i]
};

// Signs `objects` (non-empty, at most kMaxBatchSize) as one batch: one ECDSA signature, then every
// object's audit path in O(n log n). The origin is `signer`'s certificate O=.
// Errors: kInvalidArgument (empty batch, bad batch id, signer without O=, CMS signing failed),
// kTooLarge.
inline constexpr uint64_t kMaxBatchSize = uint64_t{1} << 32;
Result<SignedBatch> SignBatch(std::span<const model::StixObject> objects, std::string_view batch_id,
                              const Signer& signer, model::Timestamp signing_time);

struct ProofEncoding {
  // false: the proof refers to its head by content only (no CMS bytes, ~700 bytes smaller); the
  // receiver must already have verified that head, e.g. from the first object of the batch.
  bool embed_signature = true;
};
// Compact JSON: {"head":{…statement fields except type/version…},"leaf_index":n,"path":[hex…],
// "signature":"<base64 DER>","type":"socmesh-origin-proof","version":1}.
std::string SerializeOriginProof(const OriginProof& proof, const ProofEncoding& encoding = {});
// Parses a proof (at most kMaxProofBytes). kParse/kTooLarge/kUnsupported naming the JSON path.
inline constexpr size_t kMaxProofBytes = 64 * 1024;
Result<OriginProof> ParseOriginProof(std::string_view json);

// The result of a successful verification.
struct VerifiedOrigin {
  std::string origin;  // the organisation, as certified (O=) and claimed by the head
  std::string batch_id;
  merkle::Hash head_hash{};
  uint64_t leaf_index = 0;
};

// Verifies origin proofs against a trust store, remembering verified heads (by BatchHeadHash) so a
// batch of N objects costs one CMS verification and N inclusion checks. Thread-safe.
class OriginVerifier {
 public:
  // `trust` must outlive the verifier. At most `max_cached_heads` heads are remembered; when full
  // the cache is emptied (heads are simply verified again).
  explicit OriginVerifier(const TrustStore& trust, size_t max_cached_heads = 65536);

  // Checks a head's signature (chain to the trust store, signer O= equal to head.origin) unless
  // already verified, and caches it. Errors: kVerification ("signature does not verify",
  // "signer certificate not trusted: …", "signer organisation … is not the claimed origin …"),
  // kParse (signature not DER CMS), kNotFound (no signature and the head is not known yet).
  Result<VerifiedOrigin> VerifyHead(const SignedBatchHead& head);

  // Verifies that `canonical_json` is leaf proof.leaf_index of the signed batch head.
  // Errors: those of VerifyHead, and kVerification "… is not leaf n of batch …" when the object or
  // the audit path was changed.
  Result<VerifiedOrigin> Verify(std::string_view canonical_json, const OriginProof& proof);
  // Parses `proof_json` and verifies `object` against it. The embedded signature is decoded and
  // checked only while the head is not yet verified (a later proof of a known head is as good
  // without it).
  Result<VerifiedOrigin> Verify(const model::StixObject& object, std::string_view proof_json);

  // CMS signature verifications performed so far (cache misses), for tests and benchmarks.
  uint64_t signature_verifications() const;

 private:
  // VerifyHead for a head whose BatchHeadHash is `head_hash`. `statement` is its
  // BatchHeadStatement when the caller has it; otherwise it is built, and only when the head is not
  // verified yet (the per-object calls of a known batch then cost a cache lookup).
  Result<VerifiedOrigin> VerifyHeadWithHash(const SignedBatchHead& signed_head,
                                            const merkle::Hash& head_hash,
                                            const std::string* statement);
  Result<VerifiedOrigin> VerifyLeaf(std::string_view canonical_json, const OriginProof& proof,
                                    VerifiedOrigin head);

  struct Known {
    std::string origin;
    std::string batch_id;
  };
  // Head hashes are SHA-256 outputs: their first bytes are already a good hash.
  struct HeadHashHasher {
    size_t operator()(const merkle::Hash& h) const {
      size_t v = 0;
      std::memcpy(&v, h.data(), sizeof v);
      return v;
    }
  };
  const TrustStore& trust_;
  size_t max_cached_heads_;
  mutable std::mutex mu_;
  std::unordered_map<merkle::Hash, Known, HeadHashHasher> verified_;  // GUARDED_BY(mu_)
  uint64_t signature_verifications_ = 0;                              // GUARDED_BY(mu_)
};

}  // namespace socmesh::crypto
