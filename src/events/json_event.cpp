#include "events/json_event.hpp"

#include <simdjson.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "events/detail/event_time.hpp"

namespace socmesh::events {

namespace {

namespace od = simdjson::ondemand;
using model::ObservableKind;

static_assert(kJsonPadding >= simdjson::SIMDJSON_PADDING);

// --- Scanning the input ---

// Offset of the first '"' or '\\' at or after `p`. Callers scan inside a JSON string whose closing
// quote stage 1 has found, with kJsonPadding readable bytes after the line, so the 16-byte (or
// 8-byte) reads stay inside the buffer.
inline size_t FindQuoteOrBackslash(const char* p) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  for (size_t i = 0;; i += 16) {
    const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const auto hits = static_cast<unsigned>(_mm_movemask_epi8(
        _mm_or_si128(_mm_cmpeq_epi8(chunk, quote), _mm_cmpeq_epi8(chunk, backslash))));
    if (hits != 0) return i + static_cast<size_t>(std::countr_zero(hits));
  }
#else
  for (size_t i = 0;; ++i) {
    if (p[i] == '"' || p[i] == '\\') return i;
  }
#endif
}

// Bit i set when chunk[i] is '"' and chunk[i + 1] the first letter of a name Choose looks for
// ('e', '_', 't' or 'u'), for the kQuoteChunk bytes at `chunk` (kQuoteChunk + 1 readable).
inline constexpr size_t kQuoteChunk = 16;
inline uint32_t NameQuotesIn(const char* chunk) {
#if defined(__SSE2__)
  const __m128i here = _mm_loadu_si128(reinterpret_cast<const __m128i*>(chunk));
  const __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(chunk + 1));
  const __m128i first = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(next, _mm_set1_epi8('e')),
                                                  _mm_cmpeq_epi8(next, _mm_set1_epi8('_'))),
                                     _mm_or_si128(_mm_cmpeq_epi8(next, _mm_set1_epi8('t')),
                                                  _mm_cmpeq_epi8(next, _mm_set1_epi8('u'))));
  return static_cast<uint32_t>(
      _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(here, _mm_set1_epi8('"')), first)));
#else
  uint32_t bits = 0;
  for (size_t i = 0; i < kQuoteChunk; ++i) {
    const char c = chunk[i + 1];
    const bool hit = chunk[i] == '"' && (c == 'e' || c == '_' || c == 't' || c == 'u');
    bits |= uint32_t{hit} << i;
  }
  return bits;
#endif
}

// The first 8 bytes of a key, zero-padded, as one word: with the key's size it tells almost every
// pair of keys apart with one compare. `readable8` says 8 bytes may be read at `p` (input keys,
// followed by the padding); unescaped keys in simdjson's buffer are copied byte by byte.
inline uint64_t KeyHead(const char* p, size_t size, bool readable8) {
  uint64_t word = 0;
  if (readable8 || size >= 8) {
    std::memcpy(&word, p, 8);
    if (size < 8) {
      const uint64_t keep = (uint64_t{1} << (8 * size)) - 1;
      word &= std::endian::native == std::endian::little ? keep : ~(~uint64_t{0} >> (8 * size));
    }
  } else {
    std::memcpy(&word, p, size);
  }
  return word;
}

// The last 8 bytes of a key longer than 8 (they overlap the head for sizes 9 to 15).
inline uint64_t KeyTail(const char* p, size_t size) {
  uint64_t word = 0;
  if (size > 8) std::memcpy(&word, p + size - 8, 8);
  return word;
}

// 24 bits: the low ones index a node's table, bits 16-22 make the slot's tag (never 0).
inline uint32_t KeyHash(uint64_t head, size_t size) {
  return static_cast<uint32_t>(((head ^ size) * 0x9E3779B97F4A7C15ull) >> 40);
}
inline uint8_t KeyTag(uint32_t hash) { return static_cast<uint8_t>((hash >> 16) | 0x80); }

// --- The compiled map: a trie over object keys ---

struct Action {
  FieldRole role;
  ObservableKind kind;
  std::string_view field;  // the rule's path, owned by CompiledMap::map
};

// One key of a node's open-addressing table (Node::tags tells the empty slots).
struct KeySlot {
  uint64_t head = 0;
  uint64_t tail = 0;
  uint32_t size = 0;
  uint32_t node = 0;
  const char* key = nullptr;  // the whole key (compared past 16 bytes), owned by Node::keys
};

inline constexpr uint32_t kNoChild = ~uint32_t{0};

struct Node {
  std::vector<std::string> keys;    // children's keys, in insertion order
  std::vector<uint32_t> key_nodes;  // ...and their nodes
  std::vector<KeySlot> table;       // built from keys by CompiledMap::BuildTables
  std::vector<uint8_t> tags;        // per slot: 0 empty, else KeyTag of its key's hash
  uint32_t mask = 0;                // table.size() - 1
  std::vector<Action> actions;      // for a value at this node

  bool has_children() const { return !keys.empty(); }

  // The child under `key`, or kNoChild. Most keys of an event are named by no rule: they miss on
  // the one-byte tags (a few cache lines per node) and only a tag match reads the slot.
  uint32_t Find(const char* key, size_t size, bool readable8) const {
    const uint64_t head = KeyHead(key, size, readable8);
    const uint32_t hash = KeyHash(head, size);
    const uint8_t tag = KeyTag(hash);
    for (uint32_t i = hash & mask;; i = (i + 1) & mask) {
      if (tags[i] == 0) return kNoChild;
      if (tags[i] != tag) continue;
      const KeySlot& slot = table[i];
      if (slot.size == size && slot.head == head && slot.tail == KeyTail(key, size) &&
          (size <= 16 || std::memcmp(slot.key + 8, key + 8, size - 16) == 0)) {
        return slot.node;
      }
    }
  }
};

struct CompiledMap {
  FieldMap map;
  std::vector<Node> nodes;  // nodes[0] is the root object

  uint32_t Child(uint32_t node, std::string_view key) {
    for (size_t i = 0; i < nodes[node].keys.size(); ++i) {
      if (nodes[node].keys[i] == key) return nodes[node].key_nodes[i];
    }
    nodes.push_back({});
    const auto index = static_cast<uint32_t>(nodes.size() - 1);
    nodes[node].keys.emplace_back(key);
    nodes[node].key_nodes.push_back(index);
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

  // Once every key is in: each node's table at most a quarter full, so misses end quickly. The
  // table is never full (at least 4 slots per key), so probing always meets an empty slot.
  void BuildTables() {
    for (Node& node : nodes) {
      size_t size = 4;
      while (size < 4 * node.keys.size()) size *= 2;
      node.table.assign(size, KeySlot{});
      node.tags.assign(size, 0);
      node.mask = static_cast<uint32_t>(size - 1);
      for (size_t k = 0; k < node.keys.size(); ++k) {
        const std::string& key = node.keys[k];
        KeySlot slot{KeyHead(key.data(), key.size(), false), KeyTail(key.data(), key.size()),
                     static_cast<uint32_t>(key.size()), node.key_nodes[k], key.data()};
        const uint32_t hash = KeyHash(slot.head, key.size());
        uint32_t i = hash & node.mask;
        while (node.tags[i] != 0) i = (i + 1) & node.mask;
        node.table[i] = slot;
        node.tags[i] = KeyTag(hash);
      }
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
  compiled->BuildTables();
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

simdjson::error_code WalkObject(od::object object, uint32_t node, WalkState& state);

// A string value as a view into the input when it has no escapes (the common case: no copy into
// simdjson's string buffer), else unescaped by simdjson. The raw token of a string runs from its
// opening quote to the closing one, then only white space up to the next token. The value is
// consumed either way, so that simdjson checks what follows it at the same point (and an error
// names the same offset) as with get_string.
simdjson::error_code StringOf(od::value& value, std::string_view token, std::string_view& text) {
  const size_t end = FindQuoteOrBackslash(token.data() + 1) + 1;
  if (token.data()[end] != '"') return value.get_string().get(text);
  od::raw_json_string raw;
  if (auto error = value.get_raw_json_string().get(raw)) return error;
  text = std::string_view(token.data() + 1, end - 1);
  return simdjson::SUCCESS;
}

// The value of a successful simdjson result, used where it lies. Copying these small structs
// (get(), value_unsafe() &&, pass by value) right after simdjson stored them member by member made
// the CPU wait on store forwarding (a 16-byte load over two 8-byte stores): about a quarter of
// the parse time. simdjson only offers a const reference; the result is our own non-const local.
template <typename T>
T& InPlace(simdjson::simdjson_result<T>& result) {
  return const_cast<T&>(std::as_const(result).value_unsafe());
}

simdjson::error_code HandleValue(od::value& value, uint32_t node, WalkState& state, bool in_array) {
  const Node& n = state.map.nodes[node];
  od::json_type type;
  if (auto error = value.type().get(type)) return error;
  switch (type) {
    case od::json_type::object: {
      if (!n.has_children()) return simdjson::SUCCESS;
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
        if (auto error = element.error()) return error;
        if (auto error = HandleValue(InPlace(element), node, state, true)) return error;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::string: {
      if (n.actions.empty()) return simdjson::SUCCESS;
      std::string_view text;
      if (auto error = StringOf(value, value.raw_json_token(), text)) return error;
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
  const Node& n = state.map.nodes[node];
  for (auto result : object) {
    if (auto error = result.error()) return error;
    od::field& field = InPlace(result);
    // The key as it is in the input when it has no escapes (the common case, no copy), else
    // unescaped by simdjson into its string buffer.
    const char* raw = field.key().raw();
    size_t size = FindQuoteOrBackslash(raw);
    uint32_t child;
    if (raw[size] == '"') {
      if (size == 0) continue;
      child = n.Find(raw, size, /*readable8=*/true);
    } else {
      // Unescaped (and so checked, as simdjson checks a key it reads) even when no rule could
      // name it: an invalid escape in any key is an error.
      std::string_view key;
      if (auto error = field.unescaped_key().get(key)) return error;
      if (key.empty()) continue;
      child = n.Find(key.data(), key.size(), /*readable8=*/false);
    }
    // Fields no rule names are skipped by the iteration.
    if (child == kNoChild) continue;
    if (auto error = HandleValue(field.value(), child, state, false)) return error;
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

  // EVE when "event_type" (quotes included) occurs anywhere in the line, else Zeek when "_path",
  // "ts" or "uid" does, else neither. One pass over the quotes of the line instead of a search
  // per name (a Zeek line would be read four times), quotes refused on the byte after them.
  // REQUIRES: kJsonPadding readable bytes after the line (ParsePadded's contract).
  const CompiledMap* Choose(std::string_view line) const {
    if (!zeek) return map.get();
    bool zeek_named = false;
    const char* const begin = line.data();
    const char* const end = begin + line.size();
    // What follows the quote at `q` (bounded by the line: the padding is any content).
    auto named = [end](const char* q, std::string_view name) {
      return static_cast<size_t>(end - q - 1) >= name.size() &&
             std::memcmp(q + 1, name.data(), name.size()) == 0;
    };
    for (const char* chunk = begin; chunk < end; chunk += kQuoteChunk) {
      uint32_t quotes = NameQuotesIn(chunk);
      const auto left = static_cast<size_t>(end - chunk);
      if (left < kQuoteChunk) quotes &= (uint32_t{1} << left) - 1;
      for (; quotes != 0; quotes &= quotes - 1) {
        const char* q = chunk + std::countr_zero(quotes);
        switch (q + 1 < end ? q[1] : '\0') {
          case 'e':
            if (named(q, "event_type\"")) return map.get();
            break;
          case '_':
            zeek_named = zeek_named || named(q, "_path\"");
            break;
          case 't':
            zeek_named = zeek_named || named(q, "ts\"");
            break;
          case 'u':
            zeek_named = zeek_named || named(q, "uid\"");
            break;
          default:
            break;
        }
      }
    }
    return zeek_named ? zeek.get() : nullptr;
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
