#include "events/json_event.hpp"

#include <simdjson.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "events/detail/event_time.hpp"

namespace socmesh::events {

namespace {

namespace od = simdjson::ondemand;
using model::ObservableKind;

static_assert(kJsonPadding >= simdjson::SIMDJSON_PADDING);

// --- The compiled map: a trie over object keys ---

struct Action {
  FieldRole role;
  ObservableKind kind;
  std::string_view field;  // the rule's path, owned by CompiledMap::map
};

struct ChildKey {
  std::string key;
  uint32_t node;
  uint32_t size;  // key.size(), and its first byte: most keys are refused on these two
  char first;
};

struct Node {
  std::vector<ChildKey> children;
  std::vector<Action> actions;  // for a value at this node
};

struct CompiledMap {
  FieldMap map;
  std::vector<Node> nodes;  // nodes[0] is the root object

  uint32_t Child(uint32_t node, std::string_view key) {
    for (const ChildKey& child : nodes[node].children) {
      if (child.key == key) return child.node;
    }
    nodes.push_back({});
    const auto index = static_cast<uint32_t>(nodes.size() - 1);
    nodes[node].children.push_back(
        {std::string(key), index, static_cast<uint32_t>(key.size()), key[0]});
    return index;
  }

  // Adds `action` under every way of reading `segments[i..]` as keys: nested objects, or flat
  // keys that contain dots ("id.orig_h"), or a mix.
  void Insert(uint32_t node, const std::vector<std::string_view>& segments, size_t i,
              const Action& action) {
    if (i == segments.size()) {
      nodes[node].actions.push_back(action);
      return;
    }
    std::string key;
    for (size_t j = i; j < segments.size(); ++j) {
      if (j > i) key += '.';
      key += segments[j];
      Insert(Child(node, key), segments, j + 1, action);
    }
  }
};

std::unique_ptr<CompiledMap> Compile(const FieldMap& map) {
  auto compiled = std::make_unique<CompiledMap>();
  compiled->map = map;  // rules' paths are not touched again: Actions refer to them
  compiled->nodes.push_back({});
  for (const FieldRule& rule : compiled->map.rules) {
    std::vector<std::string_view> segments;
    std::string_view path = rule.path;
    while (true) {
      const size_t dot = path.find('.');
      segments.push_back(path.substr(0, dot));
      if (dot == std::string_view::npos) break;
      path.remove_prefix(dot + 1);
    }
    compiled->Insert(0, segments, 0, Action{rule.role, rule.kind, rule.path});
  }
  return compiled;
}

// --- The walk ---

struct WalkState {
  const CompiledMap& map;
  Event& event;
  std::string_view url_host, url_path, url_field;
};

void ApplyString(const Action& action, std::string_view value, WalkState& state) {
  Event& event = state.event;
  switch (action.role) {
    case FieldRole::kObservable:
      event.AddObservable(action.kind, value, action.field);
      break;
    case FieldRole::kIp:
      event.AddIp(value, action.field);
      break;
    case FieldRole::kHost:
      event.AddHost(value, action.field);
      break;
    case FieldRole::kHash:
      event.AddHash(value, action.field);
      break;
    case FieldRole::kEmail:
      event.AddEmail(value, action.field);
      break;
    case FieldRole::kUrlHost:
      state.url_host = value;
      break;
    case FieldRole::kUrlPath:
      state.url_path = value;
      state.url_field = action.field;
      break;
    case FieldRole::kTime:
      event.time = detail::ParseIsoTime(value);
      if (!event.time) event.Warn("unreadable time", /*message_is_stable=*/true);
      break;
    case FieldRole::kSensor:
      event.sensor = value;
      break;
    case FieldRole::kType:
      event.type = value;
      break;
    case FieldRole::kText:
      event.message = value;
      break;
  }
}

// The key of a field as a view: into the input when it has no escapes (the common case, no
// copy), else unescaped by simdjson into its string buffer.
simdjson::error_code KeyOf(od::field& field, std::string_view& key) {
  const char* raw = field.key().raw();
  size_t n = 0;
  // Stage 1 has checked that every string is closed, so the scan stops inside the buffer.
  while (raw[n] != '"' && raw[n] != '\\') ++n;
  if (raw[n] == '"') {
    key = std::string_view(raw, n);
    return simdjson::SUCCESS;
  }
  return field.unescaped_key().get(key);
}

simdjson::error_code WalkObject(od::object object, uint32_t node, WalkState& state);

simdjson::error_code HandleValue(od::value value, uint32_t node, WalkState& state, bool in_array) {
  const Node& n = state.map.nodes[node];
  od::json_type type;
  if (auto error = value.type().get(type)) return error;
  switch (type) {
    case od::json_type::object: {
      if (n.children.empty()) return simdjson::SUCCESS;
      od::object object;
      if (auto error = value.get_object().get(object)) return error;
      return WalkObject(object, node, state);
    }
    case od::json_type::array: {
      // One level of arrays is looked through; arrays of arrays are not data any map names.
      if (in_array) return simdjson::SUCCESS;
      od::array array;
      if (auto error = value.get_array().get(array)) return error;
      for (auto element : array) {
        od::value v;
        if (auto error = std::move(element).get(v)) return error;
        if (auto error = HandleValue(v, node, state, true)) return error;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::string: {
      if (n.actions.empty()) return simdjson::SUCCESS;
      std::string_view text;
      if (auto error = value.get_string().get(text)) return error;
      for (const Action& action : n.actions) ApplyString(action, text, state);
      return simdjson::SUCCESS;
    }
    case od::json_type::number: {
      for (const Action& action : n.actions) {
        if (action.role != FieldRole::kTime) continue;
        double seconds;
        if (auto error = value.get_double().get(seconds)) return error;
        state.event.time = detail::EpochSecondsToTime(seconds);
        if (!state.event.time) state.event.Warn("unreadable time", true);
        break;
      }
      return simdjson::SUCCESS;
    }
    default:
      return simdjson::SUCCESS;
  }
}

simdjson::error_code WalkObject(od::object object, uint32_t node, WalkState& state) {
  for (auto result : object) {
    od::field field;
    if (auto error = std::move(result).get(field)) return error;
    std::string_view key;
    if (auto error = KeyOf(field, key)) return error;
    if (key.empty()) continue;
    for (const ChildKey& child : state.map.nodes[node].children) {
      if (child.size == key.size() && child.first == key[0] &&
          std::memcmp(child.key.data(), key.data(), key.size()) == 0) {
        if (auto error = HandleValue(field.value(), child.node, state, false)) return error;
        break;
      }
    }
    // Fields no rule names are skipped by the iteration.
  }
  return simdjson::SUCCESS;
}

// http.hostname + http.url -> "http://hostname/url"; an absolute URL in the path field is taken
// as it is (proxy requests); authority-form paths ("host:443" of CONNECT) give no URL.
void AddSplitUrl(WalkState& state) {
  Event& event = state.event;
  const std::string_view path = state.url_path;
  if (path.starts_with("http://") || path.starts_with("https://")) {
    event.AddObservable(ObservableKind::kUrl, path, state.url_field);
    return;
  }
  if (!path.starts_with('/') || state.url_host.empty()) return;
  constexpr std::string_view kScheme = "http://";
  const size_t size = kScheme.size() + state.url_host.size() + path.size();
  char* out = event.arena.Allocate(size);
  std::memcpy(out, kScheme.data(), kScheme.size());
  std::memcpy(out + kScheme.size(), state.url_host.data(), state.url_host.size());
  std::memcpy(out + kScheme.size() + state.url_host.size(), path.data(), path.size());
  event.AddObservable(ObservableKind::kUrl, std::string_view(out, size), state.url_field);
}

std::unexpected<Error> JsonError(simdjson::error_code error, od::document& doc,
                                 std::string_view line) {
  size_t offset = 0;
  const char* location = nullptr;
  if (doc.current_location().get(location) == simdjson::SUCCESS && location >= line.data() &&
      location <= line.data() + line.size()) {
    offset = static_cast<size_t>(location - line.data());
  } else if (error != simdjson::INCORRECT_TYPE) {
    offset = line.size();
  }
  return Fail(ErrorCode::kParse,
              "offset " + std::to_string(offset) + ": JSON: " + simdjson::error_message(error));
}

}  // namespace

struct JsonEventParser::Impl {
  JsonEventOptions options;
  std::unique_ptr<CompiledMap> map;   // fixed map, or EVE when auto
  std::unique_ptr<CompiledMap> zeek;  // set when auto
  od::parser parser;
  std::unique_ptr<char[]> buffer;  // padded copy for Parse()
  size_t buffer_size = 0;

  const CompiledMap* Choose(std::string_view line) const {
    if (!zeek) return map.get();
    if (line.find("\"event_type\"") != std::string_view::npos) return map.get();
    if (line.find("\"_path\"") != std::string_view::npos ||
        line.find("\"ts\"") != std::string_view::npos ||
        line.find("\"uid\"") != std::string_view::npos) {
      return zeek.get();
    }
    return nullptr;
  }
};

JsonEventParser::JsonEventParser(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JsonEventParser::~JsonEventParser() = default;

Result<std::unique_ptr<JsonEventParser>> JsonEventParser::Create(const FieldMap& map,
                                                                 const JsonEventOptions& options) {
  if (map.rules.empty()) return Fail(ErrorCode::kInvalidArgument, "empty field map");
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->map = Compile(map);
  return std::unique_ptr<JsonEventParser>(new JsonEventParser(std::move(impl)));
}

Result<std::unique_ptr<JsonEventParser>> JsonEventParser::CreateAuto(
    const JsonEventOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->map = Compile(SuricataEveFieldMap());
  impl->zeek = Compile(ZeekFieldMap());
  return std::unique_ptr<JsonEventParser>(new JsonEventParser(std::move(impl)));
}

const FieldMap& JsonEventParser::map() const { return impl_->map->map; }

Result<void> JsonEventParser::Parse(std::string_view line, Event& event) {
  if (line.size() > impl_->options.max_line_bytes) return ParsePadded(line, event);  // refuses
  if (impl_->buffer_size < line.size() + kJsonPadding) {
    impl_->buffer_size = std::max<size_t>(line.size() + kJsonPadding, 4096);
    impl_->buffer = std::make_unique<char[]>(impl_->buffer_size);
  }
  std::memcpy(impl_->buffer.get(), line.data(), line.size());
  std::memset(impl_->buffer.get() + line.size(), ' ', kJsonPadding);
  return ParsePadded(std::string_view(impl_->buffer.get(), line.size()), event);
}

Result<void> JsonEventParser::ParsePadded(std::string_view line, Event& event) {
  const std::string_view source = event.source;
  event.Clear();
  event.source = source;
  if (line.size() > impl_->options.max_line_bytes) {
    return Fail(ErrorCode::kTooLarge, "JSON line of " + std::to_string(line.size()) +
                                          " bytes exceeds the limit of " +
                                          std::to_string(impl_->options.max_line_bytes));
  }
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  const CompiledMap* map = impl_->Choose(line);
  if (map == nullptr) {
    return Fail(ErrorCode::kParse,
                "offset 0: neither Suricata EVE (no \"event_type\") nor Zeek (no \"ts\", \"_path\" "
                "or \"uid\") JSON");
  }
  event.format = map->map.format;

  od::document doc;
  if (auto error =
          impl_->parser.iterate(line.data(), line.size(), line.size() + kJsonPadding).get(doc)) {
    return Fail(ErrorCode::kParse,
                "offset 0: JSON: " + std::string(simdjson::error_message(error)));
  }
  od::object root;
  if (auto error = doc.get_object().get(root)) return JsonError(error, doc, line);
  WalkState state{*map, event, {}, {}, {}};
  if (auto error = WalkObject(root, 0, state)) return JsonError(error, doc, line);
  const char* rest = nullptr;
  if (doc.current_location().get(rest) == simdjson::SUCCESS) {
    return Fail(ErrorCode::kParse, "offset " + std::to_string(rest - line.data()) +
                                       ": JSON: content after the object");
  }
  if (!state.url_path.empty()) AddSplitUrl(state);
  return {};
}

}  // namespace socmesh::events
