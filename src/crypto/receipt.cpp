#include "crypto/receipt.hpp"

#include <simdjson.h>

#include <algorithm>

#include "crypto/detail/cms_util.hpp"
#include "crypto/detail/wire_json.hpp"

namespace socmesh::crypto {

namespace {

constexpr std::string_view kReceiptType = "socmesh-receipt";
constexpr size_t kMaxNameBytes = 256;

bool IsUtf8(std::string_view s) { return simdjson::validate_utf8(s.data(), s.size()); }

// Cuts `text` to at most `max` bytes without splitting a UTF-8 sequence.
std::string Truncate(std::string_view text, size_t max) {
  if (text.size() <= max) return std::string(text);
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

Result<std::string> Name(const detail::WireObject& obj, std::string_view key, size_t max,
                         bool allow_empty = false) {
  auto s = obj.String(key);
  if (!s) return std::unexpected(s.error());
  if ((!allow_empty && s->empty()) || s->size() > max) {
    return Fail(ErrorCode::kParse,
                obj.PathOf(key) + ": must have 1 to " + std::to_string(max) + " bytes");
  }
  return std::string(*s);
}

bool IsAccepted(const Receipt& r, uint64_t index) {
  auto it = std::upper_bound(r.accepted.begin(), r.accepted.end(), index,
                             [](uint64_t i, const auto& range) { return i < range.first; });
  return it != r.accepted.begin() && std::prev(it)->second >= index;
}

// The invariants a signed receipt must hold, checked when building and when reading one.
Result<void> CheckConsistent(const Receipt& r) {
  for (size_t i = 0; i < r.accepted.size(); ++i) {
    const auto& [first, last] = r.accepted[i];
    if (first > last || last > detail::kMaxJsonInteger ||
        (i > 0 && first <= r.accepted[i - 1].second)) {
      return Fail(ErrorCode::kParse, "$.accepted[" + std::to_string(i) +
                                         "]: ranges must be ascending, disjoint and first <= last");
    }
  }
  for (size_t i = 0; i < r.rejected.size(); ++i) {
    const uint64_t index = r.rejected[i].leaf_index;
    if ((i > 0 && index <= r.rejected[i - 1].leaf_index) || IsAccepted(r, index)) {
      return Fail(ErrorCode::kParse, "$.rejected[" + std::to_string(i) +
                                         "]: indices must be ascending and not also accepted");
    }
  }
  if (r.accepted_count() + r.rejected.size() != r.received) {
    return Fail(ErrorCode::kParse,
                "$.counts: received " + std::to_string(r.received) + " is not accepted + rejected");
  }
  return {};
}

}  // namespace

uint64_t Receipt::accepted_count() const {
  uint64_t n = 0;
  for (const auto& [first, last] : accepted) n += last - first + 1;
  return n;
}

Result<Receipt> MakeReceipt(const BatchHead& head, std::string_view sender,
                            std::span<const ObjectOutcome> outcomes,
                            model::Timestamp received_time) {
  if (sender.empty() || sender.size() > kMaxNameBytes || !IsUtf8(sender)) {
    return Fail(ErrorCode::kInvalidArgument, "receipt: sender must be 1 to 256 bytes of UTF-8");
  }
  Receipt r;
  r.batch_id = head.batch_id;
  r.sender = std::string(sender);
  r.received_time = received_time;
  r.head_hash = BatchHeadHash(head);
  r.received = outcomes.size();
  std::vector<const ObjectOutcome*> sorted;
  sorted.reserve(outcomes.size());
  for (const auto& o : outcomes) sorted.push_back(&o);
  std::sort(sorted.begin(), sorted.end(),
            [](auto* a, auto* b) { return a->leaf_index < b->leaf_index; });
  for (size_t i = 0; i < sorted.size(); ++i) {
    const ObjectOutcome& o = *sorted[i];
    if (o.leaf_index >= head.tree_size) {
      return Fail(ErrorCode::kInvalidArgument,
                  "receipt: leaf index " + std::to_string(o.leaf_index) + " is outside the batch");
    }
    if (i > 0 && sorted[i - 1]->leaf_index == o.leaf_index) {
      return Fail(ErrorCode::kInvalidArgument,
                  "receipt: leaf index " + std::to_string(o.leaf_index) + " reported twice");
    }
    if (o.accepted) {
      if (!r.accepted.empty() && r.accepted.back().second + 1 == o.leaf_index) {
        r.accepted.back().second = o.leaf_index;
      } else {
        r.accepted.emplace_back(o.leaf_index, o.leaf_index);
      }
      continue;
    }
    if (o.id.size() > kMaxNameBytes || !IsUtf8(o.id) || !IsUtf8(o.reason)) {
      return Fail(ErrorCode::kInvalidArgument, "receipt: object at leaf " +
                                                   std::to_string(o.leaf_index) +
                                                   ": id or reason is not short UTF-8");
    }
    r.rejected.push_back({o.leaf_index, o.id, Truncate(o.reason, kMaxReasonBytes)});
  }
  return r;
}

std::string ReceiptStatement(const Receipt& r) {
  std::string out = "{";
  detail::AppendKey(out, "accepted");
  out.push_back('[');
  for (size_t i = 0; i < r.accepted.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += "[" + std::to_string(r.accepted[i].first) + "," + std::to_string(r.accepted[i].second) +
           "]";
  }
  out.push_back(']');
  detail::AppendStringField(out, "batch_id", r.batch_id);
  detail::AppendKey(out, "counts");
  out.push_back('{');
  detail::AppendUintField(out, "accepted", r.accepted_count());
  detail::AppendUintField(out, "received", r.received);
  detail::AppendUintField(out, "rejected", r.rejected.size());
  out.push_back('}');
  detail::AppendStringField(out, "head_hash", merkle::ToHex(r.head_hash));
  detail::AppendStringField(out, "received_time", model::FormatTimestamp(r.received_time, true));
  detail::AppendStringField(out, "receiver", r.receiver);
  detail::AppendKey(out, "rejected");
  out.push_back('[');
  for (size_t i = 0; i < r.rejected.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back('{');
    detail::AppendStringField(out, "id", r.rejected[i].id);
    detail::AppendUintField(out, "index", r.rejected[i].leaf_index);
    detail::AppendStringField(out, "reason", r.rejected[i].reason);
    out.push_back('}');
  }
  out.push_back(']');
  detail::AppendStringField(out, "sender", r.sender);
  detail::AppendStringField(out, "type", kReceiptType);
  detail::AppendUintField(out, "version", 1);
  out.push_back('}');
  return out;
}

Result<Receipt> ParseReceiptStatement(std::string_view statement) {
  auto element = detail::ParseWire(statement, kMaxReceiptBytes, "receipt");
  if (!element) return std::unexpected(element.error());
  auto obj =
      detail::WireObject::From(*element, "$",
                               {"accepted", "batch_id", "counts", "head_hash", "received_time",
                                "receiver", "rejected", "sender", "type", "version"});
  if (!obj) return std::unexpected(obj.error());
  auto type = obj->String("type");
  if (!type) return std::unexpected(type.error());
  if (*type != kReceiptType) return Fail(ErrorCode::kParse, "$.type: expected \"socmesh-receipt\"");
  auto version = obj->Uint("version", detail::kMaxJsonInteger);
  if (!version) return std::unexpected(version.error());
  if (*version != 1) return Fail(ErrorCode::kUnsupported, "$.version: supported: 1");

  Receipt r;
  auto batch_id = Name(*obj, "batch_id", kMaxNameBytes);
  if (!batch_id) return std::unexpected(batch_id.error());
  r.batch_id = std::move(*batch_id);
  auto sender = Name(*obj, "sender", kMaxNameBytes);
  if (!sender) return std::unexpected(sender.error());
  r.sender = std::move(*sender);
  auto receiver = Name(*obj, "receiver", kMaxNameBytes);
  if (!receiver) return std::unexpected(receiver.error());
  r.receiver = std::move(*receiver);
  auto hash_hex = obj->String("head_hash");
  if (!hash_hex) return std::unexpected(hash_hex.error());
  auto hash = merkle::FromHex(*hash_hex);
  if (!hash) return std::unexpected(hash.error().WithContext("$.head_hash"));
  r.head_hash = *hash;
  auto time_text = obj->String("received_time");
  if (!time_text) return std::unexpected(time_text.error());
  auto time = model::ParseTimestamp(*time_text);
  if (!time) {  // a wire-format error here, whatever code the STIX timestamp parser uses
    return Fail(ErrorCode::kParse, "$.received_time: " + time.error().message);
  }
  r.received_time = *time;

  auto counts_element = obj->Element("counts");
  if (!counts_element) return std::unexpected(counts_element.error());
  auto counts =
      detail::WireObject::From(*counts_element, "$.counts", {"accepted", "received", "rejected"});
  if (!counts) return std::unexpected(counts.error());
  auto received = counts->Uint("received", detail::kMaxJsonInteger);
  if (!received) return std::unexpected(received.error());
  r.received = *received;

  auto accepted = obj->Array("accepted");
  if (!accepted) return std::unexpected(accepted.error());
  size_t i = 0;
  for (simdjson::dom::element range : *accepted) {
    const std::string where = "$.accepted[" + std::to_string(i++) + "]";
    simdjson::dom::array pair;
    uint64_t first = 0, last = 0;
    if (range.get_array().get(pair) || pair.size() != 2 || pair.at(0).get_uint64().get(first) ||
        pair.at(1).get_uint64().get(last)) {
      return Fail(ErrorCode::kParse, where + ": expected [first, last] leaf indices");
    }
    r.accepted.emplace_back(first, last);
  }
  auto rejected = obj->Array("rejected");
  if (!rejected) return std::unexpected(rejected.error());
  i = 0;
  for (simdjson::dom::element entry : *rejected) {
    auto item = detail::WireObject::From(entry, "$.rejected[" + std::to_string(i++) + "]",
                                         {"id", "index", "reason"});
    if (!item) return std::unexpected(item.error());
    RejectedObject rej;
    auto id = Name(*item, "id", kMaxNameBytes, /*allow_empty=*/true);
    if (!id) return std::unexpected(id.error());
    auto index = item->Uint("index", detail::kMaxJsonInteger);
    if (!index) return std::unexpected(index.error());
    auto reason = Name(*item, "reason", kMaxReasonBytes, /*allow_empty=*/true);
    if (!reason) return std::unexpected(reason.error());
    r.rejected.push_back({*index, std::move(*id), std::move(*reason)});
  }
  if (auto ok = CheckConsistent(r); !ok) return std::unexpected(ok.error());
  // The counts are derived data: they must agree with the lists, which the rebuilt text checks.
  if (ReceiptStatement(r) != statement) {
    return Fail(ErrorCode::kParse, "receipt: not in canonical form (or counts disagree)");
  }
  return r;
}

Result<std::string> SignReceipt(Receipt receipt, const Signer& signer) {
  if (signer.certificate == nullptr || signer.key == nullptr) {
    return Fail(ErrorCode::kInvalidArgument, "sign receipt: no signing key or certificate");
  }
  auto org = detail::SubjectOrganization(signer.certificate, "sign receipt: signer");
  if (!org) return std::unexpected(org.error());
  if (!receipt.receiver.empty() && receipt.receiver != *org) {
    return Fail(ErrorCode::kInvalidArgument,
                "sign receipt: receiver is not the signer's organisation");
  }
  receipt.receiver = std::move(*org);
  if (receipt.receiver.size() > kMaxNameBytes) {
    return Fail(ErrorCode::kInvalidArgument, "sign receipt: organisation name too long");
  }
  if (auto ok = CheckConsistent(receipt); !ok) {
    return std::unexpected(ok.error().WithContext("sign receipt"));
  }
  auto der = detail::CmsSign(signer, ReceiptStatement(receipt), /*detached=*/false);
  if (!der) return std::unexpected(der.error().WithContext("sign receipt"));
  return der;
}

Result<Receipt> VerifyReceipt(std::string_view receipt_der, const TrustStore& trust) {
  auto verified = detail::CmsVerify(receipt_der, std::nullopt, trust, "receipt");
  if (!verified) return std::unexpected(verified.error());
  auto receipt = ParseReceiptStatement(verified->content);
  if (!receipt) return std::unexpected(receipt.error().WithContext("receipt"));
  auto org = detail::SubjectOrganization(verified->signer.get(), "receipt: signer");
  if (!org) return std::unexpected(org.error());
  if (*org != receipt->receiver) {
    return Fail(ErrorCode::kVerification, "receipt: signer organisation \"" + org->substr(0, 64) +
                                              "\" is not the receiver named in it");
  }
  return receipt;
}

Result<VerifiedExchange> VerifyExchange(const SignedBatchHead& head, std::string_view receipt_der,
                                        const TrustStore& trust) {
  OriginVerifier origin(trust, 1);
  auto sent = origin.VerifyHead(head);
  if (!sent) return std::unexpected(sent.error().WithContext("exchange"));
  auto received = VerifyReceipt(receipt_der, trust);
  if (!received) return std::unexpected(received.error().WithContext("exchange"));
  const Receipt& r = *received;
  if (r.head_hash != sent->head_hash) {
    return Fail(ErrorCode::kVerification, "exchange: the receipt is for another batch head");
  }
  if (r.batch_id != head.head.batch_id) {
    return Fail(ErrorCode::kVerification, "exchange: the receipt names another batch id");
  }
  if (r.sender != head.head.origin) {
    return Fail(ErrorCode::kVerification,
                "exchange: the receipt names a sender other than the batch's origin");
  }
  const uint64_t size = head.head.tree_size;
  const bool outside = r.received > size ||
                       (!r.accepted.empty() && r.accepted.back().second >= size) ||
                       (!r.rejected.empty() && r.rejected.back().leaf_index >= size);
  if (outside) {
    return Fail(ErrorCode::kVerification, "exchange: the receipt names leaves outside the batch");
  }
  return VerifiedExchange{std::move(*sent), std::move(*received)};
}

}  // namespace socmesh::crypto
