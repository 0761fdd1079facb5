#include "curate/detail/object_json.hpp"

#include <simdjson.h>

#include <algorithm>

#include "model/canonical_json.hpp"

namespace socmesh::curate::detail {

namespace {

bool IsRefKey(std::string_view key) { return key.ends_with("_ref") || key.ends_with("_refs"); }

// One parser per thread: a fresh simdjson parser allocates (and first-touches) its buffers on every
// use, which cost more than the parse itself for objects of a few hundred bytes. Callers finish
// with one parsed document before parsing the next.
simdjson::dom::parser& ThreadParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

Result<simdjson::dom::object> ParseObject(simdjson::dom::parser& parser, std::string_view json) {
  simdjson::dom::element root;
  if (auto error = parser.parse(json.data(), json.size()).get(root); error) {
    return Fail(ErrorCode::kParse, std::string("invalid JSON: ") + simdjson::error_message(error));
  }
  simdjson::dom::object object;
  if (root.get(object) != simdjson::SUCCESS) return Fail(ErrorCode::kParse, "not a JSON object");
  return object;
}

}  // namespace

std::string JsonString(std::string_view s) {
  model::JsonWriter w;
  w.String(s);
  return w.Take();
}

std::string JsonStringList(const std::vector<std::string>& items) {
  model::JsonWriter w;
  w.BeginArray();
  for (const auto& item : items) w.String(item);
  w.EndArray();
  return w.Take();
}

namespace {

// The end of the JSON string starting at json[pos] == '"' (the index after its closing quote), or
// npos.
size_t SkipString(std::string_view json, size_t pos) {
  for (size_t i = pos + 1; i < json.size(); ++i) {
    if (json[i] == '\\') {
      ++i;
    } else if (json[i] == '"') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// The end of the JSON value starting at json[pos] (the index of the ',' or '}' after it at the
// same depth), or npos.
size_t SkipValue(std::string_view json, size_t pos) {
  int depth = 0;
  while (pos < json.size()) {
    const char c = json[pos];
    if (c == '"') {
      pos = SkipString(json, pos);
      if (pos == std::string_view::npos) return pos;
      continue;
    }
    if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (depth == 0) return pos;
      --depth;
    } else if (c == ',' && depth == 0) {
      return pos;
    }
    ++pos;
  }
  return std::string_view::npos;
}

}  // namespace

std::optional<std::string> InsertCanonicalProperty(std::string_view json, std::string_view key,
                                                   std::string_view raw_value) {
  if (json.size() < 2 || json.front() != '{' || json.back() != '}') return std::nullopt;
  if (key.empty() || !std::all_of(key.begin(), key.end(),
                                  [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; })) {
    return std::nullopt;
  }
  auto insert_at = [&](size_t pos, bool comma_before) {
    std::string out;
    out.reserve(json.size() + key.size() + raw_value.size() + 4);
    out.append(json.substr(0, pos));
    if (comma_before) out += ',';
    out += '"';
    out.append(key);
    out += "\":";
    out.append(raw_value);
    if (!comma_before) out += ',';
    out.append(json.substr(pos));
    return out;
  };
  if (json == "{}") return "{\"" + std::string(key) + "\":" + std::string(raw_value) + "}";
  size_t pos = 1;
  while (true) {
    if (pos >= json.size() || json[pos] != '"') return std::nullopt;
    const size_t key_end = SkipString(json, pos);
    if (key_end == std::string_view::npos) return std::nullopt;
    const std::string_view name = json.substr(pos + 1, key_end - pos - 2);
    if (name == key) return std::nullopt;
    if (name > key) return insert_at(pos, false);
    if (key_end >= json.size() || json[key_end] != ':') return std::nullopt;
    const size_t value_end = SkipValue(json, key_end + 1);
    if (value_end == std::string_view::npos) return std::nullopt;
    if (json[value_end] == '}') {
      // The last property; the object must end here.
      if (value_end != json.size() - 1) return std::nullopt;
      return insert_at(value_end, true);
    }
    pos = value_end + 1;
  }
}

Result<IndicatorFields> ReadIndicatorFields(std::string_view json) {
  auto object = ParseObject(ThreadParser(), json);
  if (!object) return std::unexpected(object.error());
  IndicatorFields f;
  std::string_view s;
  if ((*object)["pattern"].get(s) == simdjson::SUCCESS) f.pattern = std::string(s);
  if ((*object)["created_by_ref"].get(s) == simdjson::SUCCESS) f.created_by_ref = std::string(s);
  for (auto [key, into] :
       {std::pair<const char*, std::optional<model::Timestamp>*>{"created", &f.created},
        {"modified", &f.modified},
        {"valid_from", &f.valid_from},
        {"valid_until", &f.valid_until}}) {
    if ((*object)[key].get(s) == simdjson::SUCCESS) {
      if (auto t = model::ParseTimestamp(s)) *into = *t;
    }
  }
  int64_t confidence = 0;
  if ((*object)["confidence"].get(confidence) == simdjson::SUCCESS) {
    f.confidence = static_cast<int>(confidence);
  }
  simdjson::dom::array labels;
  if ((*object)["labels"].get(labels) == simdjson::SUCCESS) {
    for (simdjson::dom::element l : labels) {
      if (l.get(s) == simdjson::SUCCESS) f.labels.emplace_back(s);
    }
  }
  return f;
}

Result<std::string> ReadPattern(std::string_view json) {
  thread_local simdjson::ondemand::parser parser;
  thread_local std::string padded;  // reused: on-demand parsing needs padding after the text
  padded.reserve(json.size() + simdjson::SIMDJSON_PADDING);
  padded.assign(json);
  simdjson::ondemand::document doc;
  simdjson::ondemand::object object;
  auto error =
      parser.iterate(simdjson::padded_string_view(padded.data(), json.size(), padded.capacity()))
          .get(doc);
  if (!error) error = doc.get_object().get(object);
  if (error) return Fail(ErrorCode::kParse, "not a JSON object");
  simdjson::ondemand::value value;
  error = object.find_field_unordered("pattern").get(value);
  if (error == simdjson::NO_SUCH_FIELD) return std::string();
  std::string_view pattern;
  if (!error) error = value.get_string().get(pattern);
  if (error) {
    return Fail(ErrorCode::kParse, std::string("pattern: ") + simdjson::error_message(error));
  }
  return std::string(pattern);
}

Result<std::vector<std::string>> ReadReferences(std::string_view json) {
  auto object = ParseObject(ThreadParser(), json);
  if (!object) return std::unexpected(object.error());
  std::vector<std::string> refs;
  for (auto [key, value] : *object) {
    if (!IsRefKey(key)) continue;
    std::string_view s;
    if (value.get(s) == simdjson::SUCCESS) {
      refs.emplace_back(s);
      continue;
    }
    simdjson::dom::array list;
    if (value.get(list) != simdjson::SUCCESS) continue;
    for (simdjson::dom::element item : list) {
      if (item.get(s) == simdjson::SUCCESS) refs.emplace_back(s);
    }
  }
  return refs;
}

Result<std::string> PatchJson(std::string_view json, const JsonPatch& patch, bool* refs_changed) {
  auto object = ParseObject(ThreadParser(), json);
  if (!object) return std::unexpected(object.error());
  if (refs_changed) *refs_changed = false;
  auto rewrite = [&](std::string_view id) -> std::string_view {
    if (patch.rewrite_refs == nullptr) return id;
    auto it = patch.rewrite_refs->find(std::string(id));
    if (it == patch.rewrite_refs->end()) return id;
    if (refs_changed) *refs_changed = true;
    return it->second;
  };
  model::JsonWriter w;
  w.BeginObject();
  for (auto [key, value] : *object) {
    const bool replaced = std::any_of(patch.set.begin(), patch.set.end(),
                                      [&](const auto& kv) { return kv.first == key; });
    if (replaced) continue;
    w.Key(key);
    std::string_view s;
    simdjson::dom::array list;
    if (IsRefKey(key) && value.get(s) == simdjson::SUCCESS) {
      w.String(rewrite(s));
    } else if (IsRefKey(key) && value.get(list) == simdjson::SUCCESS) {
      std::vector<std::string> ids;
      for (simdjson::dom::element item : list) {
        if (item.get(s) != simdjson::SUCCESS) continue;
        std::string id(rewrite(s));
        if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(std::move(id));
      }
      w.BeginArray();
      for (const auto& id : ids) w.String(id);
      w.EndArray();
    } else {
      w.Raw(simdjson::minify(value));
    }
  }
  for (const auto& [key, raw] : patch.set) w.Key(key).Raw(raw);
  w.EndObject();
  return model::CanonicalizeJson(w.str());
}

}  // namespace socmesh::curate::detail
