// The replication wire format (issue 6, B9; docs/architecture.md "federation/: replication"): one
// JSON document, the *transfer*, carries STIX objects from one node to a peer, each with the
// origin proof that lets the receiver check who produced it (crypto/origin_signature.hpp). The same
// document is the body of a push (POST /federation/v1/transfers) and the answer to a pull
// (GET /federation/v1/changes?after=CURSOR), so both directions are verified by the same code.
//
//   {"type":"socmesh-transfer","version":1,"transfer_id":"<uuid>","sender":"CERT-FR",
//    "receiver":"CERT-DE","sent_time":"2026-11-23T10:00:00.000000Z",
//    "items":[{"object":{…STIX…},"proof":{…socmesh-origin-proof…}}, …],
//    "next":"<cursor>","more":false}                       (next/more: pull answers only)
//
// The receiver answers a push with signed receipts, one per origin batch head in the transfer
// (crypto/receipt.hpp), and lists the items it could not attach to any head:
//
//   {"type":"socmesh-transfer-reply","version":1,"transfer_id":"…",
//    "receipts":["<base64 DER CMS>",…],"refused":[{"index":3,"reason":"…"}]}
//
// Reading is strict (unknown keys, wrong types, missing fields are kParse errors naming the JSON
// path) and bounded (kMaxTransferBytes, kMaxTransferItems); one bad item never costs the others:
// items that do not parse are returned in `item_errors` with their index.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "federation/policy.hpp"
#include "model/stix_object.hpp"
#include "model/timestamp.hpp"

namespace socmesh::federation {

inline constexpr size_t kMaxTransferBytes = size_t{32} << 20;
inline constexpr size_t kMaxTransferItems = 5000;

// A transfer item's object as validated while the transfer was read (ParseTransfer,
// ParseSealedItem): straight from the transfer's DOM, so each object is parsed once, not minified
// out and parsed again. Exactly what model::ParseStixObject returns for the same object.
struct ValidatedObject {
  Result<model::StixObject> object;
  std::string invalid_text;  // object_json when `object` is an error (else it is canonical_json)
};

// An item carries the object in clear (object + proof), an end-to-end envelope (envelope +
// facts), or both: a clear object whose tree further down needs the envelope (B12) brings it along.
struct TransferItem {
  TransferItem() = default;
  TransferItem(std::string object, std::string proof, std::string envelope_text = "",
               std::string facts = "")
      : object_json(std::move(object)),
        proof_json(std::move(proof)),
        envelope(std::move(envelope_text)),
        facts_json(std::move(facts)) {}

  // The STIX object as sent (parsed and canonicalised by the receiver); read by ParseTransfer, a
  // valid object holds its canonical JSON (the same object: canonical JSON is what is signed).
  std::string object_json;
  std::string proof_json;  // crypto::SerializeOriginProof text
  std::string envelope;    // crypto::SealEnvelope wire text (a JSON object); "" when none
  std::string facts_json;  // with `envelope`: SerializeRoutingFacts text, bound to it by its id

  std::shared_ptr<const ValidatedObject> validated;  // set when read; see ObjectOf
  bool has_object() const { return !object_json.empty(); }
  bool has_envelope() const { return !envelope.empty(); }
};

struct ItemError {
  size_t index = 0;
  std::string reason;
};

struct Transfer {
  std::string transfer_id;
  std::string sender;    // organisation (the sending node's certificate O=)
  std::string receiver;  // organisation the transfer is addressed to
  model::Timestamp sent_time;
  std::vector<TransferItem> items;
  std::vector<ItemError> item_errors;  // parse problems of single items (reading only)
  std::string next;                    // pull answers: the cursor to continue after
  bool more = false;                   // pull answers: more changes wait after `next`
};

// model::ParseStixObject(item.object_json): taken from `item.validated` while it still describes
// object_json (an item edited after reading is parsed again), so a read item is parsed once.
Result<model::StixObject> ObjectOf(const TransferItem& item);

// Serialises `transfer` (item_errors are not written). Objects and proofs are inserted as they are
// (they must be JSON objects: canonical JSON and SerializeOriginProof output are).
std::string SerializeTransfer(const Transfer& transfer);
// Errors: kTooLarge (bytes or items), kParse (not JSON, missing/unknown/mistyped field, naming the
// JSON path), kUnsupported (other type or version).
Result<Transfer> ParseTransfer(std::string_view json);

struct TransferReply {
  std::string transfer_id;
  std::vector<std::string> receipts_der;  // CMS SignedData of each receipt
  std::vector<ItemError> refused;         // items without a usable origin proof
};

std::string SerializeTransferReply(const TransferReply& reply);
Result<TransferReply> ParseTransferReply(std::string_view json);

// ---- End-to-end envelopes (B12) -----------------------------------------------------------------
//
// Relays route an envelope without reading it, so the policy facts travel next to it in clear:
//
//   {"items":[{"envelope":{…crypto envelope…},
//              "facts":{"id":"indicator--…","modified":"…","type":"indicator","tlp":"amber",
//                       "scope":"sharing-group","origin_organisation":"ORG-A",
//                       "origin_country":"FR","origin_consortium":"west",
//                       "recipients":["ORG-B"],"sharing_groups":["g1"]}}, …]}
//
// The envelope's routing metadata (signed by the origin, crypto/envelope.hpp) has envelope_id =
// EnvelopeIdOf(facts), the SHA-256 of the canonical facts: a relay that edits a fact changes the
// digest, one that edits the id breaks the origin's signature. The payload sealed inside is a
// clear item ({"object":…,"proof":…} with the head's signature), so the recipient checks the
// origin exactly as for clear objects, and then that the object's own facts are these facts.

// The policy facts of one object version, as they travel next to its envelope.
struct RoutingFacts {
  std::string id;
  model::Timestamp modified;
  ObjectFacts facts;
};

// Canonical compact JSON (keys sorted, absent tlp/scope left out, lists as given).
std::string SerializeRoutingFacts(const RoutingFacts& facts);
// Strict (unknown keys, wrong types: kParse naming the path).
Result<RoutingFacts> ParseRoutingFacts(std::string_view json);
// "facts-sha256:<hex>" of SerializeRoutingFacts: the envelope_id of the envelope of these facts.
std::string EnvelopeIdOf(const RoutingFacts& facts);

// The sealed payload: a clear item's object and proof. ParseSealedItem is strict like items are.
std::string SerializeSealedItem(const TransferItem& item);
Result<TransferItem> ParseSealedItem(std::string_view json);

}  // namespace socmesh::federation
