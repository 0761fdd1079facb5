// libFuzzer target for the replication wire format (federation/wire.hpp): a transfer or a reply
// from a peer is untrusted input. Parsing returns a value or an error naming where, never crashes;
// a parsed transfer written back parses again to the same fields. The clear routing facts next to
// an envelope, and an envelope's sealed payload, are read from the same input (B12).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "federation/wire.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  namespace federation = socmesh::federation;

  auto transfer = federation::ParseTransfer(input);
  if (transfer) {
    if (transfer->items.size() > federation::kMaxTransferItems) __builtin_trap();
    // Items that failed to parse are kept as placeholders; drop them before writing back.
    bool clean = transfer->item_errors.empty();
    if (clean) {
      auto again = federation::ParseTransfer(federation::SerializeTransfer(*transfer));
      if (!again || again->transfer_id != transfer->transfer_id ||
          again->items.size() != transfer->items.size() || again->sender != transfer->sender) {
        __builtin_trap();
      }
    }
  } else if (transfer.error().message.empty()) {
    __builtin_trap();
  }
  auto facts = federation::ParseRoutingFacts(input);
  if (facts) {
    // Canonical: what is written back reads back to the same text, hence the same envelope id.
    const std::string text = federation::SerializeRoutingFacts(*facts);
    auto again = federation::ParseRoutingFacts(text);
    if (!again || federation::SerializeRoutingFacts(*again) != text ||
        federation::EnvelopeIdOf(*again) != federation::EnvelopeIdOf(*facts)) {
      __builtin_trap();
    }
  } else if (facts.error().message.empty()) {
    __builtin_trap();
  }
  auto sealed = federation::ParseSealedItem(input);
  if (sealed && (!sealed->has_object() || sealed->has_envelope())) __builtin_trap();
  if (!sealed && sealed.error().message.empty()) __builtin_trap();
  auto reply = federation::ParseTransferReply(input);
  if (!reply && reply.error().message.empty()) __builtin_trap();
  if (reply) {
    auto again = federation::ParseTransferReply(federation::SerializeTransferReply(*reply));
    if (!again || again->receipts_der != reply->receipts_der) __builtin_trap();
  }
  return 0;
}
