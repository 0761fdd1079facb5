#include "audit/checkpoint.hpp"

#include <simdjson.h>

#include <charconv>

#include "model/canonical_json.hpp"

namespace socmesh::audit {

namespace {

constexpr size_t kMaxCheckpointLine = 4096;

// Splits off the next "\n"-terminated line of `text`; false if there is none.
bool NextLine(std::string_view& text, std::string_view& line) {
  const size_t nl = text.find('\n');
  if (nl == std::string_view::npos) return false;
  line = text.substr(0, nl);
  text.remove_prefix(nl + 1);
  return true;
}

Result<std::string_view> Field(std::string_view& body, std::string_view name, int line_no) {
  std::string_view line;
  const std::string where = "checkpoint body line " + std::to_string(line_no) + ": ";
  if (!NextLine(body, line)) return Fail(ErrorCode::kParse, where + "missing");
  if (line.size() <= name.size() || line.substr(0, name.size()) != name ||
      line[name.size()] != ' ') {
    return Fail(ErrorCode::kParse, where + "expected \"" + std::string(name) + " …\"");
  }
  return line.substr(name.size() + 1);
}

}  // namespace

Result<void> ValidateOrigin(std::string_view origin) {
  if (origin.empty() || origin.size() > 128) {
    return Fail(ErrorCode::kInvalidArgument, "log origin must have 1-128 characters");
  }
  for (char c : origin) {
    if (c <= ' ' || c > '~') {
      return Fail(ErrorCode::kInvalidArgument, "log origin must be printable ASCII without spaces");
    }
  }
  return {};
}

std::string FormatCheckpointBody(const TreeHead& head) {
  std::string out(kCheckpointHeader);
  out += "\norigin " + head.origin + "\nsize " + std::to_string(head.size) + "\nroot " +
         crypto::merkle::ToHex(head.root) + "\ntime " +
         model::FormatTimestamp(head.time, /*micro=*/true) + "\n";
  return out;
}

Result<TreeHead> ParseCheckpointBody(std::string_view body) {
  std::string_view rest = body;
  std::string_view line;
  if (!NextLine(rest, line) || line != kCheckpointHeader) {
    return Fail(ErrorCode::kParse,
                "checkpoint body line 1: expected \"" + std::string(kCheckpointHeader) + "\"");
  }
  TreeHead head;
  auto origin = Field(rest, "origin", 2);
  if (!origin) return std::unexpected(origin.error());
  if (auto ok = ValidateOrigin(*origin); !ok) {
    return Fail(ErrorCode::kParse, "checkpoint body line 2: " + ok.error().message);
  }
  head.origin = *origin;
  auto size = Field(rest, "size", 3);
  if (!size) return std::unexpected(size.error());
  auto [end, ec] = std::from_chars(size->data(), size->data() + size->size(), head.size);
  if (ec != std::errc() || end != size->data() + size->size()) {
    return Fail(ErrorCode::kParse, "checkpoint body line 3: size is not a decimal integer");
  }
  auto root = Field(rest, "root", 4);
  if (!root) return std::unexpected(root.error());
  auto hash = crypto::merkle::FromHex(*root);
  if (!hash) return Fail(ErrorCode::kParse, "checkpoint body line 4: " + hash.error().message);
  head.root = *hash;
  auto time = Field(rest, "time", 5);
  if (!time) return std::unexpected(time.error());
  auto t = model::ParseTimestamp(*time);
  if (!t) return Fail(ErrorCode::kParse, "checkpoint body line 5: " + t.error().message);
  head.time = *t;
  if (!rest.empty()) return Fail(ErrorCode::kParse, "checkpoint body: text after line 5");
  // Leading zeros, upper-case hex or other time precisions would give a second body for the same
  // head; exactly one spelling is accepted.
  if (FormatCheckpointBody(head) != body) {
    return Fail(ErrorCode::kParse, "checkpoint body is not in canonical form");
  }
  return head;
}

Result<Checkpoint> SignCheckpoint(const TreeHead& head, EVP_PKEY* key) {
  if (auto ok = ValidateOrigin(head.origin); !ok) return std::unexpected(ok.error());
  Checkpoint cp;
  cp.head = head;
  cp.body = FormatCheckpointBody(head);
  auto sig = SignSha256(key, cp.body);
  if (!sig) return std::unexpected(sig.error());
  cp.signature = std::move(*sig);
  return cp;
}

bool VerifyCheckpointSignature(const Checkpoint& checkpoint, EVP_PKEY* key) {
  return VerifySha256(key, checkpoint.body, checkpoint.signature);
}

std::string SerializeCheckpoint(const Checkpoint& checkpoint) {
  std::string out = "{\"body\":";
  model::AppendJcsString(out, checkpoint.body);
  out += ",\"signature\":";
  model::AppendJcsString(out, Base64Encode(checkpoint.signature));
  out += "}";
  return out;
}

Result<Checkpoint> ParseCheckpoint(std::string_view line) {
  if (line.size() > kMaxCheckpointLine) {
    return Fail(ErrorCode::kTooLarge,
                "checkpoint line longer than " + std::to_string(kMaxCheckpointLine) + " bytes");
  }
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (auto err = parser.parse(line.data(), line.size()).get_object().get(obj); err) {
    return Fail(ErrorCode::kParse,
                std::string("checkpoint is not a JSON object: ") + simdjson::error_message(err));
  }
  std::string_view body, signature;
  if (obj.size() != 2 || obj["body"].get_string().get(body) != simdjson::SUCCESS ||
      obj["signature"].get_string().get(signature) != simdjson::SUCCESS) {
    return Fail(ErrorCode::kParse,
                "checkpoint: expected exactly the string fields \"body\" and \"signature\"");
  }
  Checkpoint cp;
  auto head = ParseCheckpointBody(body);
  if (!head) return std::unexpected(head.error());
  cp.head = std::move(*head);
  cp.body = body;
  auto sig = Base64Decode(signature);
  if (!sig) return Fail(ErrorCode::kParse, "checkpoint signature: " + sig.error().message);
  if (sig->empty()) return Fail(ErrorCode::kParse, "checkpoint signature is empty");
  cp.signature = std::move(*sig);
  if (SerializeCheckpoint(cp) != line) {
    return Fail(ErrorCode::kParse, "checkpoint line is not in canonical form");
  }
  return cp;
}

}  // namespace socmesh::audit
