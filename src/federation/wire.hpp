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
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "model/timestamp.hpp"

namespace socmesh::federation {

inline constexpr size_t kMaxTransferBytes = size_t{32} << 20;
inline constexpr size_t kMaxTransferItems = 5000;

struct TransferItem {
  std::string object_json;  // the STIX object as sent (parsed and canonicalised by the receiver)
  std::string proof_json;   // crypto::SerializeOriginProof text
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

}  // namespace socmesh::federation
