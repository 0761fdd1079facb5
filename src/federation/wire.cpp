#include "federation/wire.hpp"

#include <openssl/evp.h>
#include <simdjson.h>

#include <set>

#include "model/canonical_json.hpp"
#include "model/detail/stix_validator.hpp"
#include "model/socmesh_extension.hpp"
#include "model/tlp.hpp"

namespace socmesh::federation {
namespace {

constexpr std::string_view kTransferType = "socmesh-transfer";
constexpr std::string_view kReplyType = "socmesh-transfer-reply";
constexpr size_t kMaxFieldBytes = 256;

std::string Base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

Result<std::string> Unbase64(std::string_view text, const std::string& where) {
  if (text.size() % 4 != 0) return Fail(ErrorCode::kParse, where + ": not base64");
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return Fail(ErrorCode::kParse, where + ": not base64");
  size_t pad = 0;
  if (!text.empty() && text.back() == '=') ++pad;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

// Reads the members of one JSON object strictly: each key at most once, unknown keys refused.
class Members {
 public:
  Members(simdjson::dom::object object, std::string path)
      : object_(object), path_(std::move(path)) {}

  Result<void> Check(std::initializer_list<std::string_view> known) const {
    std::set<std::string_view> seen;
    for (auto field : object_) {
      if (!seen.insert(field.key).second) {
        return Fail(ErrorCode::kParse, path_ + "." + std::string(field.key) + ": duplicate key");
      }
      if (std::find(known.begin(), known.end(), field.key) == known.end()) {
        return Fail(ErrorCode::kParse, path_ + "." + std::string(field.key) + ": unknown key");
      }
    }
    return {};
  }

  std::string Path(std::string_view key) const { return path_ + "." + std::string(key); }

  Result<simdjson::dom::element> Get(std::string_view key) const {
    auto v = object_[key];
    if (v.error()) return Fail(ErrorCode::kParse, Path(key) + ": missing");
    return v.value_unsafe();
  }

  Result<std::string> String(std::string_view key, size_t max_bytes = kMaxFieldBytes) const {
    auto v = Get(key);
    if (!v) return std::unexpected(v.error());
    std::string_view s;
    if (v->get_string().get(s)) return Fail(ErrorCode::kParse, Path(key) + ": expected a string");
    if (s.size() > max_bytes) return Fail(ErrorCode::kTooLarge, Path(key) + ": too long");
    return std::string(s);
  }

  bool Has(std::string_view key) const { return !object_[key].error(); }

 private:
  simdjson::dom::object object_;
  std::string path_;
};

Result<simdjson::dom::object> Root(simdjson::dom::parser& parser, std::string_view json,
                                   std::string_view type) {
  if (json.size() > kMaxTransferBytes) {
    return Fail(ErrorCode::kTooLarge, "transfer of " + std::to_string(json.size()) +
                                          " bytes exceeds " + std::to_string(kMaxTransferBytes));
  }
  simdjson::dom::element root;
  if (auto e = parser.parse(json.data(), json.size()).get(root); e) {
    return Fail(ErrorCode::kParse, "$: not JSON: " + std::string(simdjson::error_message(e)));
  }
  simdjson::dom::object object;
  if (root.get_object().get(object)) return Fail(ErrorCode::kParse, "$: expected an object");
  std::string_view t;
  if (object["type"].get_string().get(t) || t != type) {
    return Fail(ErrorCode::kUnsupported, "$.type: expected \"" + std::string(type) + "\"");
  }
  int64_t version = 0;
  if (object["version"].get_int64().get(version) || version != 1) {
    return Fail(ErrorCode::kUnsupported, "$.version: expected 1");
  }
  return object;
}

// ParseStixObject's validation on the object's DOM element: the same call with the same arguments,
// the same first error as the message, so canonical JSON, digest and reasons are the ones the
// text would give (ParseStixObject parses the same values: minified text re-parses to this DOM).
Result<model::StixObject> ValidateStix(simdjson::dom::element element) {
  std::vector<model::Diagnostic> diagnostics;
  auto object = model::detail::ValidateObject(element, "$", model::CanonicalizeOptions{}.max_depth,
                                              "", diagnostics);
  if (object) return std::move(*object);
  for (const auto& d : diagnostics) {
    if (d.severity == model::Severity::kError) {
      return Fail(ErrorCode::kInvalidStix, d.path + ": " + d.message);
    }
  }
  return Fail(ErrorCode::kInternal, "object rejected without a diagnostic");
}

// A clear item has object + proof, an envelope item envelope + facts, a clear item that brings
// its envelope along all four; `sealed` (an envelope's payload) only object + proof.
Result<TransferItem> ParseItem(simdjson::dom::element element, const std::string& path,
                               bool sealed = false) {
  simdjson::dom::object object;
  if (element.get_object().get(object)) return Fail(ErrorCode::kParse, path + ": not an object");
  Members m(object, path);
  auto known =
      sealed ? m.Check({"object", "proof"}) : m.Check({"object", "proof", "envelope", "facts"});
  if (!known) return std::unexpected(known.error());
  TransferItem item;
  const bool clear = sealed || m.Has("object") || m.Has("proof") || !m.Has("envelope");
  const bool envelope = !sealed && (m.Has("envelope") || m.Has("facts"));
  for (std::string_view key : {"object", "proof", "envelope", "facts"}) {
    const bool wanted = (key == "object" || key == "proof") ? clear : envelope;
    if (!wanted) continue;
    auto v = m.Get(key);
    if (!v) return std::unexpected(v.error());
    if (!v->is_object()) return Fail(ErrorCode::kParse, m.Path(key) + ": expected an object");
    if (key == "object") {
      // Validated here, once: a valid object's text is its canonical JSON (no minify, no second
      // parse); an invalid one keeps its minified text and its reason.
      auto validated = std::make_shared<ValidatedObject>(ValidatedObject{ValidateStix(*v), ""});
      if (validated->object) {
        item.object_json = validated->object->canonical_json;
      } else {
        item.object_json = simdjson::minify(*v);
        validated->invalid_text = item.object_json;
      }
      item.validated = std::move(validated);
      continue;
    }
    std::string text = simdjson::minify(*v);
    if (key == "object") item.object_json = std::move(text);
    if (key == "proof") item.proof_json = std::move(text);
    if (key == "envelope") item.envelope = std::move(text);
    if (key == "facts") item.facts_json = std::move(text);
  }
  return item;
}

void WriteItem(model::JsonWriter& w, const TransferItem& item) {
  w.BeginObject();
  if (item.has_envelope()) w.Key("envelope").Raw(item.envelope).Key("facts").Raw(item.facts_json);
  if (item.has_object()) w.Key("object").Raw(item.object_json).Key("proof").Raw(item.proof_json);
  w.EndObject();
}

Result<std::vector<std::string>> Names(const Members& m, std::string_view key) {
  std::vector<std::string> out;
  if (!m.Has(key)) return out;
  simdjson::dom::array array;
  if (m.Get(key)->get_array().get(array)) {
    return Fail(ErrorCode::kParse, m.Path(key) + ": expected an array");
  }
  if (array.size() > 1024) return Fail(ErrorCode::kTooLarge, m.Path(key) + ": too many");
  for (auto e : array) {
    std::string_view name;
    if (e.get_string().get(name) || name.empty() || name.size() > kMaxFieldBytes) {
      return Fail(ErrorCode::kParse, m.Path(key) + ": expected names (1 to 256 bytes)");
    }
    out.emplace_back(name);
  }
  return out;
}

}  // namespace

std::string SerializeTransfer(const Transfer& transfer) {
  model::JsonWriter w;
  w.BeginObject();
  w.Key("items").BeginArray();
  for (const auto& item : transfer.items) WriteItem(w, item);
  w.EndArray();
  if (!transfer.next.empty() || transfer.more) {
    w.Key("more").Bool(transfer.more).Key("next").String(transfer.next);
  }
  w.Key("receiver").String(transfer.receiver).Key("sender").String(transfer.sender);
  w.Key("sent_time").String(model::FormatTimestamp(transfer.sent_time, true));
  w.Key("transfer_id").String(transfer.transfer_id);
  w.Key("type").String(kTransferType).Key("version").Int(1);
  w.EndObject();
  return w.Take();
}

Result<Transfer> ParseTransfer(std::string_view json) {
  simdjson::dom::parser parser;
  auto root = Root(parser, json, kTransferType);
  if (!root) return std::unexpected(root.error());
  Members m(*root, "$");
  if (auto ok = m.Check({"type", "version", "transfer_id", "sender", "receiver", "sent_time",
                         "items", "next", "more"});
      !ok) {
    return std::unexpected(ok.error());
  }
  Transfer t;
  for (auto [key, field] : {std::pair{"transfer_id", &t.transfer_id},
                            {"sender", &t.sender},
                            {"receiver", &t.receiver}}) {
    auto v = m.String(key);
    if (!v) return std::unexpected(v.error());
    if (v->empty()) return Fail(ErrorCode::kParse, m.Path(key) + ": must not be empty");
    *field = std::move(*v);
  }
  auto sent = m.String("sent_time");
  if (!sent) return std::unexpected(sent.error());
  auto when = model::ParseTimestamp(*sent);
  if (!when) return Fail(ErrorCode::kParse, "$.sent_time: " + when.error().message);
  t.sent_time = *when;
  if (m.Has("next")) {
    auto next = m.String("next");
    if (!next) return std::unexpected(next.error());
    t.next = std::move(*next);
  }
  if (m.Has("more")) {
    auto more = m.Get("more");
    if (more->get_bool().get(t.more)) return Fail(ErrorCode::kParse, "$.more: expected a boolean");
  }
  auto items = m.Get("items");
  if (!items) return std::unexpected(items.error());
  simdjson::dom::array array;
  if (items->get_array().get(array)) return Fail(ErrorCode::kParse, "$.items: expected an array");
  if (array.size() > kMaxTransferItems) {
    return Fail(ErrorCode::kTooLarge, "$.items: " + std::to_string(array.size()) +
                                          " items exceed " + std::to_string(kMaxTransferItems));
  }
  size_t index = 0;
  for (auto element : array) {
    const std::string path = "$.items[" + std::to_string(index) + "]";
    auto item = ParseItem(element, path);
    if (item) {
      t.items.push_back(std::move(*item));
    } else {
      // Keep the position: the receiver reports items by their index in the transfer.
      t.items.push_back({});
      t.item_errors.push_back({index, item.error().message});
    }
    ++index;
  }
  return t;
}

std::string SerializeTransferReply(const TransferReply& reply) {
  model::JsonWriter w;
  w.BeginObject().Key("receipts").BeginArray();
  for (const auto& der : reply.receipts_der) w.String(Base64(der));
  w.EndArray().Key("refused").BeginArray();
  for (const auto& r : reply.refused) {
    w.BeginObject().Key("index").Int(static_cast<int64_t>(r.index)).Key("reason").String(r.reason);
    w.EndObject();
  }
  w.EndArray().Key("transfer_id").String(reply.transfer_id);
  w.Key("type").String(kReplyType).Key("version").Int(1).EndObject();
  return w.Take();
}

Result<TransferReply> ParseTransferReply(std::string_view json) {
  simdjson::dom::parser parser;
  auto root = Root(parser, json, kReplyType);
  if (!root) return std::unexpected(root.error());
  Members m(*root, "$");
  if (auto ok = m.Check({"type", "version", "transfer_id", "receipts", "refused"}); !ok) {
    return std::unexpected(ok.error());
  }
  TransferReply reply;
  auto id = m.String("transfer_id");
  if (!id) return std::unexpected(id.error());
  reply.transfer_id = std::move(*id);
  simdjson::dom::array receipts, refused;
  if (auto v = m.Get("receipts"); !v || v->get_array().get(receipts)) {
    return Fail(ErrorCode::kParse, "$.receipts: expected an array");
  }
  size_t i = 0;
  for (auto r : receipts) {
    const std::string path = "$.receipts[" + std::to_string(i++) + "]";
    std::string_view text;
    if (r.get_string().get(text)) return Fail(ErrorCode::kParse, path + ": expected a string");
    auto der = Unbase64(text, path);
    if (!der) return std::unexpected(der.error());
    reply.receipts_der.push_back(std::move(*der));
  }
  if (auto v = m.Get("refused"); !v || v->get_array().get(refused)) {
    return Fail(ErrorCode::kParse, "$.refused: expected an array");
  }
  i = 0;
  for (auto r : refused) {
    const std::string path = "$.refused[" + std::to_string(i++) + "]";
    int64_t index = 0;
    std::string_view reason;
    if (r["index"].get_int64().get(index) || index < 0 || r["reason"].get_string().get(reason)) {
      return Fail(ErrorCode::kParse, path + ": expected {index, reason}");
    }
    reply.refused.push_back({static_cast<size_t>(index), std::string(reason)});
  }
  return reply;
}

std::string SerializeRoutingFacts(const RoutingFacts& r) {
  const ObjectFacts& f = r.facts;
  model::JsonWriter w;
  w.BeginObject().Key("id").String(r.id);
  w.Key("modified").String(model::FormatTimestamp(r.modified, true));
  w.Key("origin_consortium").String(f.origin_consortium);
  w.Key("origin_country").String(f.origin_country);
  w.Key("origin_organisation").String(f.origin_organisation);
  w.Key("recipients").BeginArray();
  for (const auto& name : f.recipients) w.String(name);
  w.EndArray();
  if (f.scope) w.Key("scope").String(model::DistributionScopeName(*f.scope));
  w.Key("sharing_groups").BeginArray();
  for (const auto& name : f.sharing_groups) w.String(name);
  w.EndArray();
  if (f.tlp) w.Key("tlp").String(model::TlpName(*f.tlp));
  w.Key("type").String(f.type).EndObject();
  return w.Take();
}

Result<RoutingFacts> ParseRoutingFacts(std::string_view json) {
  if (json.size() > 1 << 20) return Fail(ErrorCode::kTooLarge, "$.facts: too large");
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto e = parser.parse(json.data(), json.size()).get(root); e) {
    return Fail(ErrorCode::kParse, "$.facts: not JSON: " + std::string(simdjson::error_message(e)));
  }
  simdjson::dom::object object;
  if (root.get_object().get(object)) return Fail(ErrorCode::kParse, "$.facts: expected an object");
  Members m(object, "$.facts");
  if (auto ok = m.Check({"id", "modified", "type", "tlp", "scope", "origin_organisation",
                         "origin_country", "origin_consortium", "recipients", "sharing_groups"});
      !ok) {
    return std::unexpected(ok.error());
  }
  RoutingFacts r;
  ObjectFacts& f = r.facts;
  for (auto [key, field] : {std::pair{"id", &r.id},
                            {"type", &f.type},
                            {"origin_organisation", &f.origin_organisation},
                            {"origin_country", &f.origin_country},
                            {"origin_consortium", &f.origin_consortium}}) {
    auto v = m.String(key);
    if (!v) return std::unexpected(v.error());
    *field = std::move(*v);
  }
  if (r.id.empty() || f.type.empty() || f.origin_organisation.empty()) {
    return Fail(ErrorCode::kParse, "$.facts: id, type and origin_organisation must not be empty");
  }
  auto modified = m.String("modified");
  if (!modified) return std::unexpected(modified.error());
  auto when = model::ParseTimestamp(*modified);
  if (!when) return Fail(ErrorCode::kParse, "$.facts.modified: " + when.error().message);
  r.modified = *when;
  if (m.Has("tlp")) {
    auto v = m.String("tlp");
    if (!v) return std::unexpected(v.error());
    f.tlp = model::ParseTlpName(*v);
    if (!f.tlp) return Fail(ErrorCode::kParse, "$.facts.tlp: unknown TLP \"" + *v + "\"");
  }
  if (m.Has("scope")) {
    auto v = m.String("scope");
    if (!v) return std::unexpected(v.error());
    f.scope = model::ParseDistributionScope(*v);
    if (!f.scope) return Fail(ErrorCode::kParse, "$.facts.scope: unknown scope \"" + *v + "\"");
  }
  auto recipients = Names(m, "recipients");
  if (!recipients) return std::unexpected(recipients.error());
  f.recipients = std::move(*recipients);
  auto groups = Names(m, "sharing_groups");
  if (!groups) return std::unexpected(groups.error());
  f.sharing_groups = std::move(*groups);
  return r;
}

std::string EnvelopeIdOf(const RoutingFacts& facts) {
  const std::string text = SerializeRoutingFacts(facts);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(text.data(), text.size(), digest, &n, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "facts-sha256:";
  for (unsigned int i = 0; i < n; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

std::string SerializeSealedItem(const TransferItem& item) {
  model::JsonWriter w;
  w.BeginObject().Key("object").Raw(item.object_json).Key("proof").Raw(item.proof_json);
  w.EndObject();
  return w.Take();
}

Result<model::StixObject> ObjectOf(const TransferItem& item) {
  if (item.validated) {
    const ValidatedObject& v = *item.validated;
    const std::string& text = v.object ? v.object->canonical_json : v.invalid_text;
    if (text == item.object_json) return v.object;
  }
  return model::ParseStixObject(item.object_json);
}

Result<TransferItem> ParseSealedItem(std::string_view json) {
  if (json.size() > kMaxTransferBytes) return Fail(ErrorCode::kTooLarge, "sealed item too large");
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto e = parser.parse(json.data(), json.size()).get(root); e) {
    return Fail(ErrorCode::kParse,
                "sealed item: not JSON: " + std::string(simdjson::error_message(e)));
  }
  return ParseItem(root, "sealed", true);
}

}  // namespace socmesh::federation
