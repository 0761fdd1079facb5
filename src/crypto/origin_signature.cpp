#include "crypto/origin_signature.hpp"

#include <simdjson.h>

#include <algorithm>
#include <functional>

#include "crypto/detail/cms_util.hpp"
#include "crypto/detail/wire_json.hpp"

namespace socmesh::crypto {

namespace {

constexpr std::string_view kHeadType = "socmesh-batch-head";
constexpr std::string_view kProofType = "socmesh-origin-proof";
constexpr size_t kMaxBatchIdBytes = 256;
constexpr size_t kMaxOriginBytes = 256;

// The head's own fields, shared by the signed statement and the proof's "head" object.
void AppendHeadFields(std::string& out, const BatchHead& head) {
  detail::AppendStringField(out, "batch_id", head.batch_id);
  detail::AppendStringField(out, "origin", head.origin);
  detail::AppendStringField(out, "root", merkle::ToHex(head.root));
  detail::AppendStringField(out, "signing_time", model::FormatTimestamp(head.signing_time, true));
  detail::AppendUintField(out, "tree_size", head.tree_size);
}

Result<std::string> BoundedText(const detail::WireObject& obj, std::string_view key,
                                size_t max_bytes) {
  auto s = obj.String(key);
  if (!s) return std::unexpected(s.error());
  if (s->empty() || s->size() > max_bytes) {
    return Fail(ErrorCode::kParse,
                obj.PathOf(key) + ": must have 1 to " + std::to_string(max_bytes) + " bytes");
  }
  return std::string(*s);
}

Result<BatchHead> ReadHeadFields(const detail::WireObject& obj) {
  BatchHead head;
  auto batch_id = BoundedText(obj, "batch_id", kMaxBatchIdBytes);
  if (!batch_id) return std::unexpected(batch_id.error());
  auto origin = BoundedText(obj, "origin", kMaxOriginBytes);
  if (!origin) return std::unexpected(origin.error());
  auto root = obj.String("root");
  if (!root) return std::unexpected(root.error());
  auto root_hash = merkle::FromHex(*root);
  if (!root_hash) return std::unexpected(root_hash.error().WithContext(obj.PathOf("root")));
  auto time_text = obj.String("signing_time");
  if (!time_text) return std::unexpected(time_text.error());
  auto time = model::ParseTimestamp(*time_text);
  if (!time) {  // a wire-format error here, whatever code the STIX timestamp parser uses
    return Fail(ErrorCode::kParse, obj.PathOf("signing_time") + ": " + time.error().message);
  }
  auto size = obj.Uint("tree_size", kMaxBatchSize);
  if (!size) return std::unexpected(size.error());
  if (*size == 0) return Fail(ErrorCode::kParse, obj.PathOf("tree_size") + ": must be at least 1");
  head.batch_id = std::move(*batch_id);
  head.origin = std::move(*origin);
  head.root = *root_hash;
  head.signing_time = *time;
  head.tree_size = *size;
  return head;
}

Result<void> CheckTypeAndVersion(const detail::WireObject& obj, std::string_view type) {
  auto t = obj.String("type");
  if (!t) return std::unexpected(t.error());
  if (*t != type) {
    return Fail(ErrorCode::kParse, obj.PathOf("type") + ": expected \"" + std::string(type) + "\"");
  }
  auto version = obj.Uint("version", detail::kMaxJsonInteger);
  if (!version) return std::unexpected(version.error());
  if (*version != 1) {
    return Fail(ErrorCode::kUnsupported, obj.PathOf("version") + ": version " +
                                             std::to_string(*version) + " (supported: 1)");
  }
  return {};
}

bool IsUtf8(std::string_view s) { return simdjson::validate_utf8(s.data(), s.size()); }

}  // namespace

std::string BatchHeadStatement(const BatchHead& head) {
  std::string out = "{";
  AppendHeadFields(out, head);
  detail::AppendStringField(out, "type", kHeadType);
  detail::AppendUintField(out, "version", 1);
  out.push_back('}');
  return out;
}

namespace {

bool SameHead(const BatchHead& a, const BatchHead& b) {
  return a.tree_size == b.tree_size && a.signing_time == b.signing_time && a.root == b.root &&
         a.origin == b.origin && a.batch_id == b.batch_id;
}

}  // namespace

merkle::Hash BatchHeadHash(const BatchHead& head) {
  // Receivers ask once per object, and the objects of a batch share their head: the thread's last
  // answer is kept, so that a run of one batch builds and hashes its statement once.
  struct LastHash {
    BatchHead head;
    merkle::Hash hash{};
    bool valid = false;
  };
  thread_local LastHash last;
  if (last.valid && SameHead(last.head, head)) return last.hash;
  const merkle::Hash hash = detail::Sha256(BatchHeadStatement(head));
  last.valid = false;  // stays false should copying the head throw
  last.head = head;
  last.hash = hash;
  last.valid = true;
  return hash;
}

Result<BatchHead> ParseBatchHeadStatement(std::string_view statement) {
  auto element = detail::ParseWire(statement, 4096, "batch head");
  if (!element) return std::unexpected(element.error());
  auto obj = detail::WireObject::From(
      *element, "$",
      {"batch_id", "origin", "root", "signing_time", "tree_size", "type", "version"});
  if (!obj) return std::unexpected(obj.error());
  if (auto ok = CheckTypeAndVersion(*obj, kHeadType); !ok) return std::unexpected(ok.error());
  auto head = ReadHeadFields(*obj);
  if (!head) return head;
  // Only the canonical text is a statement: a reformatted one would not be what was signed.
  if (BatchHeadStatement(*head) != statement) {
    return Fail(ErrorCode::kParse, "batch head: not in canonical form");
  }
  return head;
}

Result<SignedBatch> SignBatch(std::span<const model::StixObject> objects, std::string_view batch_id,
                              const Signer& signer, model::Timestamp signing_time) {
  if (objects.empty()) return Fail(ErrorCode::kInvalidArgument, "sign batch: no objects");
  if (objects.size() > kMaxBatchSize) {
    return Fail(ErrorCode::kTooLarge, "sign batch: more than 2^32 objects");
  }
  if (batch_id.empty() || batch_id.size() > kMaxBatchIdBytes || !IsUtf8(batch_id)) {
    return Fail(ErrorCode::kInvalidArgument,
                "sign batch: batch id must be 1 to 256 bytes of UTF-8");
  }
  if (signer.certificate == nullptr || signer.key == nullptr) {
    return Fail(ErrorCode::kInvalidArgument, "sign batch: no signing key or certificate");
  }
  auto origin = detail::SubjectOrganization(signer.certificate, "sign batch: signer");
  if (!origin) return std::unexpected(origin.error());
  if (origin->size() > kMaxOriginBytes) {
    return Fail(ErrorCode::kInvalidArgument, "sign batch: signer organisation name too long");
  }

  std::vector<merkle::Hash> leaves;
  leaves.reserve(objects.size());
  for (const auto& object : objects) leaves.push_back(merkle::LeafHash(object.canonical_json));

  auto head = std::make_shared<SignedBatchHead>();
  head->head = BatchHead{.origin = std::move(*origin),
                         .batch_id = std::string(batch_id),
                         .tree_size = leaves.size(),
                         .root = merkle::Root(leaves),
                         .signing_time = signing_time};
  head->statement = BatchHeadStatement(head->head);
  auto signature = detail::CmsSign(signer, head->statement, /*detached=*/true);
  if (!signature) return std::unexpected(signature.error().WithContext("sign batch"));
  head->signature_der = std::move(*signature);

  SignedBatch batch;
  batch.head = head;
  auto paths = merkle::AllInclusionProofs(leaves);
  batch.proofs.reserve(paths.size());
  for (size_t i = 0; i < paths.size(); ++i) {
    batch.proofs.push_back(OriginProof{.head = head, .leaf_index = i, .path = std::move(paths[i])});
  }
  return batch;
}

std::string SerializeOriginProof(const OriginProof& proof, const ProofEncoding& encoding) {
  std::string out = "{";
  detail::AppendKey(out, "head");
  out.push_back('{');
  AppendHeadFields(out, proof.head->head);
  out.push_back('}');
  detail::AppendUintField(out, "leaf_index", proof.leaf_index);
  detail::AppendKey(out, "path");
  out.push_back('[');
  for (size_t i = 0; i < proof.path.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back('"');
    out += merkle::ToHex(proof.path[i]);
    out.push_back('"');
  }
  out.push_back(']');
  if (encoding.embed_signature && !proof.head->signature_der.empty()) {
    detail::AppendStringField(out, "signature", detail::Base64Encode(proof.head->signature_der));
  }
  detail::AppendStringField(out, "type", kProofType);
  detail::AppendUintField(out, "version", 1);
  out.push_back('}');
  return out;
}

namespace {

// The head of the last proof this thread read, as its wire text. The proofs of a batch repeat
// their head: recognising it by text saves decoding the root and the time and building and hashing
// the statement for every object.
struct LastProofHead {
  std::string batch_id, origin, root, signing_time;
  uint64_t tree_size = 0;
  std::shared_ptr<const SignedBatchHead> head;  // without signature; null while none was read
  merkle::Hash hash{};
};

bool TextIs(const detail::WireObject& obj, std::string_view key, const std::string& expected) {
  auto s = obj.String(key);
  return s && *s == expected;
}

// True when `head_obj` is, byte for byte, the head `last` was read from (then reading it again
// would give the same fields or the same error, so `last` stands for it).
bool IsLastHead(const LastProofHead& last, const detail::WireObject& head_obj) {
  if (last.head == nullptr) return false;
  auto size = head_obj.Uint("tree_size", kMaxBatchSize);
  return size && *size == last.tree_size && TextIs(head_obj, "root", last.root) &&
         TextIs(head_obj, "batch_id", last.batch_id) && TextIs(head_obj, "origin", last.origin) &&
         TextIs(head_obj, "signing_time", last.signing_time);
}

// Reads the head fields of a proof, or recognises the thread's last one.
Result<std::shared_ptr<const SignedBatchHead>> ReadProofHead(const detail::WireObject& head_obj,
                                                             merkle::Hash& hash) {
  thread_local LastProofHead last;
  if (!IsLastHead(last, head_obj)) {
    auto fields = ReadHeadFields(head_obj);
    if (!fields) return std::unexpected(fields.error());
    auto head = std::make_shared<SignedBatchHead>();
    head->head = std::move(*fields);
    head->statement = BatchHeadStatement(head->head);
    const merkle::Hash head_hash = detail::Sha256(head->statement);
    // ReadHeadFields succeeded: every field is there as a string or integer.
    LastProofHead next{std::string(*head_obj.String("batch_id")),
                       std::string(*head_obj.String("origin")),
                       std::string(*head_obj.String("root")),
                       std::string(*head_obj.String("signing_time")),
                       head->head.tree_size,
                       std::move(head),
                       head_hash};
    last = std::move(next);
  }
  hash = last.hash;
  return last.head;
}

// Reads a proof and the hash of its head; decodes its signature only when
// `need_signature(head hash)` says so, because base64-decoding ~1.3 KB per object would dominate
// verification of a batch whose head is known.
Result<OriginProof> ReadProof(std::string_view json,
                              const std::function<bool(const merkle::Hash&)>& need_signature,
                              merkle::Hash& head_hash) {
  auto element = detail::ParseWire(json, kMaxProofBytes, "origin proof");
  if (!element) return std::unexpected(element.error());
  auto obj = detail::WireObject::From(
      *element, "$", {"head", "leaf_index", "path", "signature", "type", "version"});
  if (!obj) return std::unexpected(obj.error());
  if (auto ok = CheckTypeAndVersion(*obj, kProofType); !ok) return std::unexpected(ok.error());

  auto head_element = obj->Element("head");
  if (!head_element) return std::unexpected(head_element.error());
  auto head_obj = detail::WireObject::From(
      *head_element, "$.head", {"batch_id", "origin", "root", "signing_time", "tree_size"});
  if (!head_obj) return std::unexpected(head_obj.error());
  auto unsigned_head = ReadProofHead(*head_obj, head_hash);
  if (!unsigned_head) return std::unexpected(unsigned_head.error());
  const BatchHead& fields = (*unsigned_head)->head;

  auto index = obj->Uint("leaf_index", kMaxBatchSize);
  if (!index) return std::unexpected(index.error());
  if (*index >= fields.tree_size) {
    return Fail(ErrorCode::kParse, "$.leaf_index: " + std::to_string(*index) +
                                       " is not below tree_size " +
                                       std::to_string(fields.tree_size));
  }
  auto path = obj->Array("path");
  if (!path) return std::unexpected(path.error());
  OriginProof proof;
  proof.leaf_index = *index;
  proof.path.reserve(std::min<size_t>(path->size(), 32));
  size_t i = 0;
  for (simdjson::dom::element step : *path) {
    // A tree of at most 2^32 leaves has audit paths of at most 32 hashes.
    if (i >= 32) return Fail(ErrorCode::kTooLarge, "$.path: more than 32 hashes");
    auto where = [i] { return "$.path[" + std::to_string(i) + "]"; };  // only on errors
    ++i;
    std::string_view hex;
    if (step.get_string().get(hex)) return Fail(ErrorCode::kParse, where() + ": expected a string");
    auto hash = merkle::FromHex(hex);
    if (!hash) return std::unexpected(hash.error().WithContext(where()));
    proof.path.push_back(*hash);
  }

  if (need_signature(head_hash) && obj->Has("signature")) {
    auto b64 = obj->String("signature");
    if (!b64) return std::unexpected(b64.error());
    auto der = detail::Base64Decode(*b64, "$.signature");
    if (!der) return std::unexpected(der.error());
    if (der->empty()) return Fail(ErrorCode::kParse, "$.signature: empty");
    auto head = std::make_shared<SignedBatchHead>(**unsigned_head);
    head->signature_der = std::move(*der);
    proof.head = std::move(head);
  } else {
    // Heads are immutable once read: the proofs of a batch may share one.
    proof.head = std::move(*unsigned_head);
  }
  return proof;
}

}  // namespace

Result<OriginProof> ParseOriginProof(std::string_view json) {
  merkle::Hash head_hash{};
  return ReadProof(
      json, [](const merkle::Hash&) { return true; }, head_hash);
}

OriginVerifier::OriginVerifier(const TrustStore& trust, size_t max_cached_heads)
    : trust_(trust), max_cached_heads_(max_cached_heads == 0 ? 1 : max_cached_heads) {}

uint64_t OriginVerifier::signature_verifications() const {
  std::lock_guard lock(mu_);
  return signature_verifications_;
}

Result<VerifiedOrigin> OriginVerifier::VerifyHead(const SignedBatchHead& signed_head) {
  // The hash is computed from the fields rather than taken from `statement`: what is verified is
  // then exactly what the fields say.
  return VerifyHeadWithHash(signed_head, BatchHeadHash(signed_head.head), nullptr);
}

Result<VerifiedOrigin> OriginVerifier::VerifyHeadWithHash(const SignedBatchHead& signed_head,
                                                          const merkle::Hash& head_hash,
                                                          const std::string* statement) {
  {
    std::lock_guard lock(mu_);
    if (auto it = verified_.find(head_hash); it != verified_.end()) {
      return VerifiedOrigin{it->second.origin, it->second.batch_id, head_hash, 0};
    }
  }
  const std::string batch = "batch \"" + signed_head.head.batch_id.substr(0, 64) + "\" of \"" +
                            signed_head.head.origin.substr(0, 64) + "\"";
  if (signed_head.signature_der.empty()) {
    return Fail(ErrorCode::kNotFound, batch +
                                          ": head not verified yet and the proof carries no "
                                          "signature (send one proof of the batch with it)");
  }
  const std::string rebuilt = statement == nullptr ? BatchHeadStatement(signed_head.head) : "";
  auto verified =
      detail::CmsVerify(signed_head.signature_der, statement == nullptr ? rebuilt : *statement,
                        trust_, batch + ": origin signature");
  {
    std::lock_guard lock(mu_);
    ++signature_verifications_;
  }
  if (!verified) return std::unexpected(verified.error());
  auto org = detail::SubjectOrganization(verified->signer.get(), batch + ": signer");
  if (!org) return std::unexpected(org.error());
  if (*org != signed_head.head.origin) {
    return Fail(ErrorCode::kVerification, batch + ": signer organisation \"" + org->substr(0, 64) +
                                              "\" is not the claimed origin");
  }
  std::lock_guard lock(mu_);
  if (verified_.size() >= max_cached_heads_) verified_.clear();
  verified_.emplace(head_hash, Known{signed_head.head.origin, signed_head.head.batch_id});
  return VerifiedOrigin{signed_head.head.origin, signed_head.head.batch_id, head_hash, 0};
}

Result<VerifiedOrigin> OriginVerifier::Verify(std::string_view canonical_json,
                                              const OriginProof& proof) {
  if (!proof.head) return Fail(ErrorCode::kInvalidArgument, "origin proof without a head");
  auto head = VerifyHead(*proof.head);
  if (!head) return head;
  return VerifyLeaf(canonical_json, proof, std::move(*head));
}

Result<VerifiedOrigin> OriginVerifier::VerifyLeaf(std::string_view canonical_json,
                                                  const OriginProof& proof, VerifiedOrigin head) {
  if (!merkle::VerifyInclusion(merkle::LeafHash(canonical_json), proof.leaf_index,
                               proof.head->head.tree_size, proof.path, proof.head->head.root)) {
    return Fail(ErrorCode::kVerification,
                "object is not leaf " + std::to_string(proof.leaf_index) + " of batch \"" +
                    proof.head->head.batch_id.substr(0, 64) +
                    "\": the inclusion proof does not lead to the signed root (object or proof "
                    "changed)");
  }
  head.leaf_index = proof.leaf_index;
  return head;
}

Result<VerifiedOrigin> OriginVerifier::Verify(const model::StixObject& object,
                                              std::string_view proof_json) {
  // ReadProof builds the statement from the parsed fields itself, so the hash it returns is the
  // head's hash.
  merkle::Hash head_hash{};
  auto proof = ReadProof(
      proof_json,
      [this](const merkle::Hash& hash) {
        std::lock_guard lock(mu_);
        return !verified_.contains(hash);
      },
      head_hash);
  if (!proof) return std::unexpected(proof.error().WithContext(object.id + ": origin proof"));
  auto head = VerifyHeadWithHash(*proof->head, head_hash, &proof->head->statement);
  if (!head) return std::unexpected(head.error().WithContext(object.id));
  auto verified = VerifyLeaf(object.canonical_json, *proof, std::move(*head));
  if (!verified) return std::unexpected(verified.error().WithContext(object.id));
  return verified;
}

}  // namespace socmesh::crypto
