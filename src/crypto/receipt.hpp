// Signed receipts (E4): the receiver of a batch signs what it received, accepted and rejected (and
// why), bound to the batch head by its hash; the sender verifies and stores the receipt. With the
// origin's batch head signature and the receipt, a third party can prove both the sending and the
// receiving (VerifyExchange).
//
// A receipt is CMS SignedData (DER, content attached, SHA-256, signer certificate included) over an
// RFC 8785 canonical JSON statement; `openssl cms -verify -binary -inform DER -CAfile …` checks it
// and prints the statement. docs/architecture.md ("Signatures, receipts and envelopes") gives the
// statement's fields.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "crypto/merkle.hpp"
#include "crypto/origin_signature.hpp"
#include "crypto/signer.hpp"
#include "crypto/trust_store.hpp"
#include "model/timestamp.hpp"

namespace socmesh::crypto {

// What happened to one received object, as the receiver reports it.
struct ObjectOutcome {
  uint64_t leaf_index = 0;  // the object's leaf in the batch (its OriginProof's leaf_index)
  std::string id;           // STIX id, quoted in the receipt for rejected objects
  bool accepted = false;
  std::string reason;  // why it was rejected (kept to kMaxReasonBytes)
};

struct RejectedObject {
  uint64_t leaf_index = 0;
  std::string id;
  std::string reason;

  friend bool operator==(const RejectedObject&, const RejectedObject&) = default;
};

struct Receipt {
  std::string batch_id;
  std::string sender;    // organisation that sent the batch
  std::string receiver;  // organisation that signs the receipt (its certificate's O=)
  model::Timestamp received_time;
  merkle::Hash head_hash{};  // BatchHeadHash of the received batch
  uint64_t received = 0;     // objects received = accepted + rejected
  // Accepted leaf indices as inclusive ranges [first, last], ascending and disjoint: a batch whose
  // objects were all accepted costs one range however large it is.
  std::vector<std::pair<uint64_t, uint64_t>> accepted;
  std::vector<RejectedObject> rejected;  // ascending leaf index

  uint64_t accepted_count() const;
  friend bool operator==(const Receipt&, const Receipt&) = default;
};

inline constexpr size_t kMaxReasonBytes = 512;
inline constexpr size_t kMaxReceiptBytes = 64 * 1024 * 1024;

// Builds the receipt for `head` from per-object outcomes (any order; a leaf index at most once).
// Errors: kInvalidArgument (a duplicate index, an index outside the batch, invalid UTF-8 in an id).
Result<Receipt> MakeReceipt(const BatchHead& head, std::string_view sender,
                            std::span<const ObjectOutcome> outcomes,
                            model::Timestamp received_time);

// The canonical JSON statement that is signed, and its strict reader (kParse/kTooLarge/
// kUnsupported naming the JSON path; kParse for inconsistent counts or overlapping indices).
std::string ReceiptStatement(const Receipt& receipt);
Result<Receipt> ParseReceiptStatement(std::string_view statement);

// Signs `receipt` (its receiver must be empty or equal to the signer's O=, and is set to it).
// Returns the DER CMS SignedData with the statement attached.
Result<std::string> SignReceipt(Receipt receipt, const Signer& signer);

// Verifies a receipt: CMS signature, signer chain to `trust`, signer O= equal to the receiver
// named inside. Errors: kParse (not CMS / bad statement), kVerification (signature, chain,
// organisation).
Result<Receipt> VerifyReceipt(std::string_view receipt_der, const TrustStore& trust);

struct VerifiedExchange {
  VerifiedOrigin sent;  // the origin's batch head, verified
  Receipt received;     // the receiver's receipt, verified
};

// A third party's check of one exchange: the origin signed the batch head, the receiver signed the
// receipt, and the receipt is for exactly that head (hash, batch id), was sent by the origin, and
// names only leaves of that batch. Errors: those of VerifyHead and VerifyReceipt, and
// kVerification naming the broken link.
Result<VerifiedExchange> VerifyExchange(const SignedBatchHead& head, std::string_view receipt_der,
                                        const TrustStore& trust);

}  // namespace socmesh::crypto
