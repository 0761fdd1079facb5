#include "audit/proof.hpp"

#include <simdjson.h>

#include <span>

#include "audit/entry.hpp"
#include "model/canonical_json.hpp"

namespace socmesh::audit {

namespace {

namespace merkle = crypto::merkle;

constexpr size_t kMaxProofBytes = 256 * 1024;
constexpr size_t kMaxPath = 64;  // a tree of 2^64 leaves has paths of 64 hashes at most

Result<Checkpoint> CheckpointAt(const LogSnapshot& log, std::optional<size_t> index) {
  const auto& lines = log.checkpoint_lines.lines;
  if (lines.empty()) return Fail(ErrorCode::kNotFound, "the log has no checkpoint yet");
  const size_t i = index.value_or(lines.size() - 1);
  if (i >= lines.size()) {
    return Fail(ErrorCode::kNotFound, "no checkpoint " + std::to_string(i + 1) + " (the log has " +
                                          std::to_string(lines.size()) + ")");
  }
  auto cp = ParseCheckpoint(lines[i]);
  if (!cp) return std::unexpected(cp.error().WithContext("checkpoint " + std::to_string(i + 1)));
  if (cp->head.size > log.leaves.size()) {
    return Fail(ErrorCode::kConflict,
                "checkpoint " + std::to_string(i + 1) + " covers " + std::to_string(cp->head.size) +
                    " entries but the log has " + std::to_string(log.leaves.size()));
  }
  const auto prefix = std::span(log.leaves).first(cp->head.size);
  if (merkle::Root(prefix) != cp->head.root) {
    return Fail(ErrorCode::kConflict, "checkpoint " + std::to_string(i + 1) +
                                          " does not match the entries (run socmesh audit verify)");
  }
  return cp;
}

void WritePath(model::JsonWriter& w, const std::vector<merkle::Hash>& path) {
  w.Key("path").BeginArray();
  for (const auto& h : path) w.String(merkle::ToHex(h));
  w.EndArray();
}

Result<Checkpoint> ParseCheckpointObject(simdjson::dom::element e, std::string_view name) {
  simdjson::dom::object obj;
  std::string_view body, signature;
  if (e.get_object().get(obj) != simdjson::SUCCESS || obj.size() != 2 ||
      obj["body"].get_string().get(body) != simdjson::SUCCESS ||
      obj["signature"].get_string().get(signature) != simdjson::SUCCESS) {
    return Fail(ErrorCode::kParse,
                std::string(name) + ": expected {\"body\": string, \"signature\": string}");
  }
  Checkpoint raw;
  raw.body = body;
  std::string line = "{\"body\":";
  model::AppendJcsString(line, body);
  line += ",\"signature\":";
  model::AppendJcsString(line, signature);
  line += "}";
  auto cp = ParseCheckpoint(line);
  if (!cp) return std::unexpected(cp.error().WithContext(name));
  return cp;
}

Result<std::vector<merkle::Hash>> ParsePath(simdjson::dom::object obj) {
  simdjson::dom::array arr;
  if (obj["path"].get_array().get(arr) != simdjson::SUCCESS) {
    return Fail(ErrorCode::kParse, "\"path\" missing or not an array");
  }
  if (arr.size() > kMaxPath) {
    return Fail(ErrorCode::kTooLarge,
                "\"path\" has more than " + std::to_string(kMaxPath) + " hashes");
  }
  std::vector<merkle::Hash> path;
  size_t i = 0;
  for (auto item : arr) {
    std::string_view hex;
    if (item.get_string().get(hex) != simdjson::SUCCESS) {
      return Fail(ErrorCode::kParse, "path[" + std::to_string(i) + "] is not a string");
    }
    auto h = merkle::FromHex(hex);
    if (!h) return Fail(ErrorCode::kParse, "path[" + std::to_string(i) + "]: " + h.error().message);
    path.push_back(*h);
    ++i;
  }
  return path;
}

}  // namespace

Result<InclusionProof> BuildInclusionProof(const LogSnapshot& log, uint64_t seq,
                                           std::optional<size_t> checkpoint) {
  if (seq >= log.leaves.size()) {
    return Fail(ErrorCode::kNotFound, "no entry with seq " + std::to_string(seq) +
                                          " (the log has " + std::to_string(log.leaves.size()) +
                                          ")");
  }
  auto cp = CheckpointAt(log, checkpoint);
  if (!cp) return std::unexpected(cp.error());
  if (seq >= cp->head.size) {
    return Fail(ErrorCode::kNotFound, "entry " + std::to_string(seq) +
                                          " is newer than the checkpoint (size " +
                                          std::to_string(cp->head.size) +
                                          "); write a checkpoint first (socmesh audit checkpoint)");
  }
  InclusionProof proof;
  proof.seq = seq;
  proof.entry = log.entries.lines[seq];
  proof.path = merkle::InclusionProof(std::span(log.leaves).first(cp->head.size), seq);
  proof.checkpoint = std::move(*cp);
  return proof;
}

Result<ConsistencyProof> BuildConsistencyProof(const LogSnapshot& log, size_t from, size_t to) {
  auto old_cp = CheckpointAt(log, from);
  if (!old_cp) return std::unexpected(old_cp.error());
  auto new_cp = CheckpointAt(log, to);
  if (!new_cp) return std::unexpected(new_cp.error());
  if (old_cp->head.size > new_cp->head.size) {
    return Fail(ErrorCode::kInvalidArgument, "checkpoint " + std::to_string(from + 1) +
                                                 " covers more entries than checkpoint " +
                                                 std::to_string(to + 1));
  }
  ConsistencyProof proof;
  proof.path =
      merkle::ConsistencyProof(std::span(log.leaves).first(new_cp->head.size), old_cp->head.size);
  proof.old_checkpoint = std::move(*old_cp);
  proof.new_checkpoint = std::move(*new_cp);
  return proof;
}

std::string SerializeProof(const InclusionProof& proof) {
  model::JsonWriter w;
  w.BeginObject().Key("checkpoint").Raw(SerializeCheckpoint(proof.checkpoint));
  w.Key("entry").String(proof.entry);
  WritePath(w, proof.path);
  w.Key("seq")
      .Int(static_cast<int64_t>(proof.seq))
      .Key("tree_size")
      .Int(static_cast<int64_t>(proof.checkpoint.head.size))
      .Key("type")
      .String(kInclusionProofType)
      .EndObject();
  return w.Take();
}

std::string SerializeProof(const ConsistencyProof& proof) {
  model::JsonWriter w;
  w.BeginObject().Key("new").Raw(SerializeCheckpoint(proof.new_checkpoint));
  w.Key("old").Raw(SerializeCheckpoint(proof.old_checkpoint));
  WritePath(w, proof.path);
  w.Key("type").String(kConsistencyProofType).EndObject();
  return w.Take();
}

Result<std::variant<InclusionProof, ConsistencyProof>> ParseProof(std::string_view json) {
  if (json.size() > kMaxProofBytes) {
    return Fail(ErrorCode::kTooLarge,
                "proof larger than " + std::to_string(kMaxProofBytes) + " bytes");
  }
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (auto err = parser.parse(json.data(), json.size()).get_object().get(obj); err) {
    return Fail(ErrorCode::kParse,
                std::string("proof is not a JSON object: ") + simdjson::error_message(err));
  }
  std::string_view type;
  if (obj["type"].get_string().get(type) != simdjson::SUCCESS) {
    return Fail(ErrorCode::kParse, "proof: \"type\" missing or not a string");
  }
  auto path = ParsePath(obj);
  if (!path) return std::unexpected(path.error());
  if (type == kInclusionProofType) {
    if (obj.size() != 6) return Fail(ErrorCode::kParse, "inclusion proof: unexpected fields");
    InclusionProof proof;
    simdjson::dom::element cp_el;
    if (obj["checkpoint"].get(cp_el) != simdjson::SUCCESS) {
      return Fail(ErrorCode::kParse, "inclusion proof: \"checkpoint\" missing");
    }
    auto cp = ParseCheckpointObject(cp_el, "checkpoint");
    if (!cp) return std::unexpected(cp.error());
    proof.checkpoint = std::move(*cp);
    std::string_view entry;
    uint64_t seq = 0, tree_size = 0;
    if (obj["entry"].get_string().get(entry) != simdjson::SUCCESS) {
      return Fail(ErrorCode::kParse, "inclusion proof: \"entry\" missing or not a string");
    }
    if (obj["seq"].get_uint64().get(seq) != simdjson::SUCCESS ||
        obj["tree_size"].get_uint64().get(tree_size) != simdjson::SUCCESS) {
      return Fail(ErrorCode::kParse, "inclusion proof: \"seq\" and \"tree_size\" must be integers");
    }
    if (tree_size != proof.checkpoint.head.size) {
      return Fail(ErrorCode::kParse, "inclusion proof: tree_size differs from the checkpoint's");
    }
    proof.entry = entry;
    proof.seq = seq;
    proof.path = std::move(*path);
    return proof;
  }
  if (type == kConsistencyProofType) {
    if (obj.size() != 4) return Fail(ErrorCode::kParse, "consistency proof: unexpected fields");
    simdjson::dom::element old_el, new_el;
    if (obj["old"].get(old_el) != simdjson::SUCCESS ||
        obj["new"].get(new_el) != simdjson::SUCCESS) {
      return Fail(ErrorCode::kParse, "consistency proof: \"old\" and \"new\" are required");
    }
    ConsistencyProof proof;
    auto old_cp = ParseCheckpointObject(old_el, "old");
    if (!old_cp) return std::unexpected(old_cp.error());
    auto new_cp = ParseCheckpointObject(new_el, "new");
    if (!new_cp) return std::unexpected(new_cp.error());
    proof.old_checkpoint = std::move(*old_cp);
    proof.new_checkpoint = std::move(*new_cp);
    proof.path = std::move(*path);
    return proof;
  }
  return Fail(ErrorCode::kParse, "proof: unknown type \"" + std::string(type) + "\"");
}

Result<void> VerifyProof(const InclusionProof& proof, EVP_PKEY* key) {
  if (!VerifyCheckpointSignature(proof.checkpoint, key)) {
    return Fail(ErrorCode::kVerification,
                "the checkpoint's signature does not verify under the key");
  }
  auto entry = ParseEntry(proof.entry);
  if (!entry)
    return Fail(ErrorCode::kVerification, "the entry is not valid: " + entry.error().message);
  if (entry->seq != proof.seq) {
    return Fail(ErrorCode::kVerification, "the entry has seq " + std::to_string(entry->seq) +
                                              ", the proof claims " + std::to_string(proof.seq));
  }
  const TreeHead& h = proof.checkpoint.head;
  if (!merkle::VerifyInclusion(merkle::LeafHash(proof.entry), proof.seq, h.size, proof.path,
                               h.root)) {
    return Fail(ErrorCode::kVerification, "the audit path does not lead from entry " +
                                              std::to_string(proof.seq) + " to the signed root");
  }
  return {};
}

Result<void> VerifyProof(const ConsistencyProof& proof, EVP_PKEY* key) {
  if (!VerifyCheckpointSignature(proof.old_checkpoint, key)) {
    return Fail(ErrorCode::kVerification, "the old checkpoint's signature does not verify");
  }
  if (!VerifyCheckpointSignature(proof.new_checkpoint, key)) {
    return Fail(ErrorCode::kVerification, "the new checkpoint's signature does not verify");
  }
  const TreeHead& o = proof.old_checkpoint.head;
  const TreeHead& n = proof.new_checkpoint.head;
  if (o.origin != n.origin) {
    return Fail(ErrorCode::kVerification, "the checkpoints belong to different logs (\"" +
                                              o.origin + "\", \"" + n.origin + "\")");
  }
  if (!merkle::VerifyConsistency(o.size, n.size, o.root, n.root, proof.path)) {
    return Fail(ErrorCode::kVerification, "the tree of size " + std::to_string(o.size) +
                                              " is not shown to be a prefix of the tree of size " +
                                              std::to_string(n.size));
  }
  return {};
}

}  // namespace socmesh::audit
