#include <simdjson.h>

#include <cassert>
#include <charconv>
#include <string>
#include <string_view>

#include "model/canonical_json.hpp"  // JsonWriter lives there, next to the JCS helpers it uses
#include "model/detail/json_parse.hpp"

namespace socmesh::model {
namespace {

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD

// Mappers feed text from MISP, CSV and free-text sources, which is not always valid UTF-8; the
// writer promises valid JSON, so ill-formed bytes become U+FFFD (one per byte) instead.
void AppendString(std::string& out, std::string_view text) {
  if (simdjson::validate_utf8(text.data(), text.size())) {
    AppendJcsString(out, text);
    return;
  }
  std::string repaired;
  repaired.reserve(text.size() + 8);
  while (!text.empty()) {
    const size_t bad = detail::FindInvalidUtf8(text);
    if (bad == std::string_view::npos) {
      repaired.append(text);
      break;
    }
    repaired.append(text.substr(0, bad));
    repaired.append(kReplacementCharacter);
    text.remove_prefix(bad + 1);
  }
  AppendJcsString(out, repaired);
}

}  // namespace

void JsonWriter::BeforeValue() {
  // A value goes at the top level (once), into an array, or after a key.
  assert(scopes_.empty() ? out_.empty() : (scopes_.back() == '[' || after_key_));
  if (need_comma_) out_.push_back(',');
  after_key_ = false;
}

JsonWriter& JsonWriter::BeginObject() {
  BeforeValue();
  out_.push_back('{');
  scopes_.push_back('{');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  assert(!scopes_.empty() && scopes_.back() == '{' && !after_key_);
  if (!scopes_.empty()) scopes_.pop_back();
  out_.push_back('}');
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  BeforeValue();
  out_.push_back('[');
  scopes_.push_back('[');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  assert(!scopes_.empty() && scopes_.back() == '[');
  if (!scopes_.empty()) scopes_.pop_back();
  out_.push_back(']');
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view name) {
  assert(!scopes_.empty() && scopes_.back() == '{' && !after_key_);
  if (need_comma_) out_.push_back(',');
  AppendString(out_, name);
  out_.push_back(':');
  need_comma_ = false;
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view utf8) {
  BeforeValue();
  AppendString(out_, utf8);
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::Int(int64_t value) {
  BeforeValue();
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out_.append(buf, end);
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::Double(double value) {
  // JSON has no NaN or infinities; AppendJcsNumber asserts and writes null for them.
  BeforeValue();
  AppendJcsNumber(out_, value);
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::Bool(bool value) {
  BeforeValue();
  out_.append(value ? "true" : "false");
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::Null() {
  BeforeValue();
  out_.append("null");
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::Raw(std::string_view json) {
  BeforeValue();
  out_.append(json);
  need_comma_ = true;
  return *this;
}

}  // namespace socmesh::model
