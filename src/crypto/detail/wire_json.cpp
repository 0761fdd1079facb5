#include "crypto/detail/wire_json.hpp"

#include <algorithm>
#include <memory>

#include "model/canonical_json.hpp"

namespace socmesh::crypto::detail {

Result<simdjson::dom::element> ParseWire(std::string_view text, size_t max_bytes,
                                         std::string_view what) {
  if (text.size() > max_bytes) {
    return Fail(ErrorCode::kTooLarge, std::string(what) + ": " + std::to_string(text.size()) +
                                          " bytes exceed the limit of " +
                                          std::to_string(max_bytes));
  }
  // One parser per thread: verification runs at 100 k documents/s and must not allocate parser
  // buffers per document.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element element;
  if (auto err = parser.parse(text.data(), text.size(), true).get(element)) {
    return Fail(ErrorCode::kParse,
                std::string(what) + ": invalid JSON: " + simdjson::error_message(err));
  }
  return element;
}

Result<WireObject> WireObject::From(simdjson::dom::element element, std::string path,
                                    std::initializer_list<std::string_view> allowed) {
  simdjson::dom::object object;
  if (element.get_object().get(object)) {
    return Fail(ErrorCode::kParse, path + ": expected a JSON object");
  }
  // Duplicate keys are refused too: another implementation might read the other copy.
  uint64_t seen = 0;
  for (auto field : object) {
    const auto it = std::find(allowed.begin(), allowed.end(), field.key);
    if (it == allowed.end()) {
      return Fail(ErrorCode::kParse,
                  path + ": unknown property \"" + std::string(field.key.substr(0, 64)) + "\"");
    }
    const uint64_t bit = uint64_t{1} << (it - allowed.begin());
    if (seen & bit) {
      return Fail(ErrorCode::kParse, path + ": duplicate property \"" + std::string(*it) + "\"");
    }
    seen |= bit;
  }
  return WireObject(object, std::move(path));
}

bool WireObject::Has(std::string_view key) const {
  simdjson::dom::element e;
  return !object_.at_key(key).get(e);
}

Result<simdjson::dom::element> WireObject::Element(std::string_view key) const {
  simdjson::dom::element e;
  if (object_.at_key(key).get(e)) return Fail(ErrorCode::kParse, PathOf(key) + ": missing");
  return e;
}

Result<std::string_view> WireObject::String(std::string_view key) const {
  auto e = Element(key);
  if (!e) return std::unexpected(e.error());
  std::string_view s;
  if (e->get_string().get(s)) return Fail(ErrorCode::kParse, PathOf(key) + ": expected a string");
  return s;
}

Result<uint64_t> WireObject::Uint(std::string_view key, uint64_t max) const {
  auto e = Element(key);
  if (!e) return std::unexpected(e.error());
  uint64_t v = 0;
  if (e->get_uint64().get(v)) {
    return Fail(ErrorCode::kParse, PathOf(key) + ": expected a non-negative integer");
  }
  if (v > max) {
    return Fail(ErrorCode::kTooLarge,
                PathOf(key) + ": " + std::to_string(v) + " exceeds " + std::to_string(max));
  }
  return v;
}

Result<simdjson::dom::array> WireObject::Array(std::string_view key) const {
  auto e = Element(key);
  if (!e) return std::unexpected(e.error());
  simdjson::dom::array a;
  if (e->get_array().get(a)) return Fail(ErrorCode::kParse, PathOf(key) + ": expected an array");
  return a;
}

void AppendKey(std::string& out, std::string_view key) {
  if (!out.empty() && out.back() != '{') out.push_back(',');
  model::AppendJcsString(out, key);
  out.push_back(':');
}

void AppendStringField(std::string& out, std::string_view key, std::string_view value) {
  AppendKey(out, key);
  model::AppendJcsString(out, value);
}

void AppendUintField(std::string& out, std::string_view key, uint64_t value) {
  AppendKey(out, key);
  out += std::to_string(value);
}

}  // namespace socmesh::crypto::detail
