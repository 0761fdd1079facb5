#include "formats/misp/detail/observable_paths.hpp"

#include <charconv>
#include <cstdint>
#include <deque>
#include <utility>

#include "model/canonical_json.hpp"
#include "model/identifier.hpp"
#include "model/sco_id.hpp"

namespace socmesh::formats::misp::detail {
namespace {

// Properties whose STIX type is integer among those the MISP table uses.
bool IsIntegerProperty(std::string_view name) {
  return name == "number" || name == "src_port" || name == "dst_port" || name == "size";
}

struct Segment {
  std::string name;
  bool list = false;  // written "name[*]"
};

// "hashes.'SHA-256'" -> [hashes, SHA-256]; "to_refs[*].value" -> [to_refs (list), value].
std::vector<Segment> SplitPath(std::string_view path) {
  std::vector<Segment> out;
  Segment cur;
  for (size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == '\'') {
      size_t end = path.find('\'', i + 1);
      if (end == std::string_view::npos) end = path.size();
      cur.name.append(path.substr(i + 1, end - i - 1));
      i = end;
    } else if (c == '.') {
      out.push_back(std::move(cur));
      cur = {};
    } else if (path.substr(i).starts_with("[*]")) {
      cur.list = true;
      i += 2;
    } else {
      cur.name.push_back(c);
    }
  }
  out.push_back(std::move(cur));
  return out;
}

std::pair<std::string_view, std::string_view> SplitRoot(std::string_view path) {
  size_t colon = path.find(':');
  if (colon == std::string_view::npos) return {"", path};
  return {path.substr(0, colon), path.substr(colon + 1)};
}

bool IsRefName(std::string_view name) { return name.ends_with("_ref") || name.ends_with("_refs"); }

std::string_view IpType(std::string_view value) {
  return value.find(':') != std::string_view::npos ? "ipv6-addr" : "ipv4-addr";
}

// The SCO type a reference property points to, for the references the MISP table uses.
std::string_view ChildType(std::string_view ref, std::string_view value) {
  if (ref == "src_ref" || ref == "dst_ref" || ref == "resolves_to_refs") return IpType(value);
  if (ref == "from_ref" || ref == "sender_ref" || ref == "to_refs" || ref == "cc_refs" ||
      ref == "bcc_refs") {
    return "email-addr";
  }
  if (ref == "body_raw_ref") return "file";
  if (ref == "content_ref") return "artifact";
  if (ref == "parent_directory_ref") return "directory";
  return "";
}

Result<int64_t> ParseInteger(std::string_view property, std::string_view value) {
  std::string_view digits = value;
  // MISP writes AS numbers as "AS174"; STIX autonomous-system.number is the bare integer.
  if (property == "number" && digits.size() > 2 && (digits[0] == 'A' || digits[0] == 'a') &&
      (digits[1] == 'S' || digits[1] == 's')) {
    digits.remove_prefix(2);
  }
  int64_t n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc{} || end != digits.data() + digits.size() || n < 0) {
    return Fail(ErrorCode::kInvalidArgument, std::string(property) + " \"" +
                                                 std::string(value.substr(0, 64)) +
                                                 "\" is not a non-negative integer");
  }
  return n;
}

// A small JSON tree: enough to assemble SCOs whose references are resolved to ids at the end.
struct Node {
  enum class Kind { kObject, kArray, kString, kInt, kBool, kRef } kind = Kind::kObject;
  std::string text;
  int64_t number = 0;
  size_t ref = 0;  // index of the referenced SCO
  std::vector<std::pair<std::string, Node>> members;
  std::vector<Node> items;

  Node* Find(std::string_view name) {
    for (auto& [k, v] : members) {
      if (k == name) return &v;
    }
    return nullptr;
  }
  Node& Get(std::string_view name, Kind kind) {
    if (Node* n = Find(name)) return *n;
    members.emplace_back(std::string(name), Node{});
    members.back().second.kind = kind;
    return members.back().second;
  }
};

struct Sco {
  std::string type;
  Node root;
};

class ScoGraph {
 public:
  // Adds one comparison to the first root of its type that can take it, else to a new root.
  Result<void> Add(const Comparison& c) {
    auto [type, rest] = SplitRoot(c.path);
    if (type.empty()) return Fail(ErrorCode::kInternal, "path without SCO type: " + c.path);
    auto segments = SplitPath(rest);
    for (size_t i : roots_) {
      if (scos_[i].type == type && Fits(scos_[i].root, segments, 0)) {
        return Apply(i, segments, 0, scos_[i].root, c.value);
      }
    }
    roots_.push_back(NewSco(type));
    return Apply(roots_.back(), segments, 0, scos_[roots_.back()].root, c.value);
  }

  Result<BuiltScos> Finish() {
    Complete();
    std::vector<std::string> ids(scos_.size());
    std::vector<std::string> json(scos_.size());
    // Referenced SCOs always come after their referrers: resolve ids from the back.
    for (size_t i = scos_.size(); i-- > 0;) {
      auto body = Serialize(scos_[i], ids, "");
      auto id = model::ComputeScoId(body);
      if (!id) return std::unexpected(id.error());
      ids[i] = id->has_value()
                   ? **id
                   : scos_[i].type + "--" +
                         model::FormatUuid(model::UuidV5(model::kStixScoNamespace, body));
      json[i] = Serialize(scos_[i], ids, ids[i]);
    }
    BuiltScos out;
    std::vector<bool> placed(scos_.size(), false);
    for (size_t i : roots_) placed[i] = true;
    for (size_t i : roots_) {
      out.json.push_back(json[i]);
      out.ids.push_back(ids[i]);
    }
    for (size_t i = 0; i < scos_.size(); ++i) {
      if (placed[i]) continue;
      out.json.push_back(json[i]);
      out.ids.push_back(ids[i]);
    }
    return out;
  }

 private:
  size_t NewSco(std::string_view type) {
    scos_.push_back({std::string(type), Node{}});
    return scos_.size() - 1;
  }

  // False when the path ends in a single-valued property that is already set.
  bool Fits(Node& node, const std::vector<Segment>& segs, size_t i) {
    const Segment& s = segs[i];
    Node* existing = node.Find(s.name);
    if (existing == nullptr || s.list) return true;
    if (i + 1 == segs.size() || IsRefName(s.name)) return false;
    return existing->kind == Node::Kind::kObject && Fits(*existing, segs, i + 1);
  }

  Result<void> Apply(size_t sco, const std::vector<Segment>& segs, size_t i, Node& node,
                     const std::string& value) {
    const Segment& s = segs[i];
    bool last = i + 1 == segs.size();
    if (IsRefName(s.name) && !last) {
      std::string_view child_type = ChildType(s.name, value);
      if (child_type.empty()) {
        return Fail(ErrorCode::kInternal, "no SCO type known for reference " + s.name);
      }
      size_t child = NewSco(child_type);
      Node ref;
      ref.kind = Node::Kind::kRef;
      ref.ref = child;
      if (s.list) {
        node.Get(s.name, Node::Kind::kArray).items.push_back(ref);
      } else {
        node.members.emplace_back(s.name, ref);
      }
      return Apply(child, segs, i + 1, scos_[child].root, value);
    }
    if (last) {
      Node leaf;
      if (IsIntegerProperty(s.name)) {
        auto n = ParseInteger(s.name, value);
        if (!n) return std::unexpected(n.error());
        leaf.kind = Node::Kind::kInt;
        leaf.number = *n;
      } else {
        leaf.kind = Node::Kind::kString;
        leaf.text = value;
      }
      if (s.list) {
        node.Get(s.name, Node::Kind::kArray).items.push_back(std::move(leaf));
      } else {
        node.members.emplace_back(s.name, std::move(leaf));
      }
      return {};
    }
    if (s.list) {
      Node& list = node.Get(s.name, Node::Kind::kArray);
      list.items.emplace_back();
      return Apply(sco, segs, i + 1, list.items.back(), value);
    }
    return Apply(sco, segs, i + 1, node.Get(s.name, Node::Kind::kObject), value);
  }

  // Adds the properties STIX requires that MISP values do not carry.
  void Complete() {
    for (auto& sco : scos_) {
      if (sco.type == "email-message" && sco.root.Find("is_multipart") == nullptr) {
        Node b;
        b.kind = Node::Kind::kBool;
        b.number = sco.root.Find("body_multipart") != nullptr;
        sco.root.members.emplace_back("is_multipart", b);
      }
      if (sco.type == "network-traffic" && sco.root.Find("protocols") == nullptr) {
        // The network layer follows from the address; MISP does not say which transport.
        Node protocols;
        protocols.kind = Node::Kind::kArray;
        for (std::string_view ref : {"src_ref", "dst_ref"}) {
          const Node* r = sco.root.Find(ref);
          if (r == nullptr || r->kind != Node::Kind::kRef) continue;
          Node p;
          p.kind = Node::Kind::kString;
          p.text = scos_[r->ref].type == "ipv6-addr" ? "ipv6" : "ipv4";
          if (protocols.items.empty() || protocols.items[0].text != p.text) {
            protocols.items.push_back(p);
          }
        }
        if (!protocols.items.empty()) sco.root.members.emplace_back("protocols", protocols);
      }
    }
  }

  static void Write(model::JsonWriter& w, const Node& n, const std::vector<std::string>& ids) {
    switch (n.kind) {
      case Node::Kind::kObject:
        w.BeginObject();
        for (const auto& [k, v] : n.members) {
          w.Key(k);
          Write(w, v, ids);
        }
        w.EndObject();
        break;
      case Node::Kind::kArray:
        w.BeginArray();
        for (const auto& item : n.items) Write(w, item, ids);
        w.EndArray();
        break;
      case Node::Kind::kString:
        w.String(n.text);
        break;
      case Node::Kind::kInt:
        w.Int(n.number);
        break;
      case Node::Kind::kBool:
        w.Bool(n.number != 0);
        break;
      case Node::Kind::kRef:
        w.String(ids[n.ref]);
        break;
    }
  }

  static std::string Serialize(const Sco& sco, const std::vector<std::string>& ids,
                               std::string_view id) {
    model::JsonWriter w;
    w.BeginObject().Key("type").String(sco.type);
    if (!id.empty()) w.Key("spec_version").String("2.1").Key("id").String(id);
    for (const auto& [k, v] : sco.root.members) {
      w.Key(k);
      Write(w, v, ids);
    }
    w.EndObject();
    return w.Take();
  }

  std::deque<Sco> scos_;  // a deque: references to SCOs stay valid while new ones are added
  std::vector<size_t> roots_;
};

bool NeedsQuotes(std::string_view key) {
  for (char c : key) {
    bool plain =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!plain) return true;
  }
  return key.empty();
}

std::string PathKey(std::string_view key) {
  return NeedsQuotes(key) ? "'" + std::string(key) + "'" : std::string(key);
}

void Flatten(simdjson::dom::object obj, std::string_view root_type, const std::string& prefix,
             const ScoResolver& resolve, int depth, std::vector<Comparison>& out) {
  if (depth > 8) return;  // reference cycles or hostile nesting
  for (auto [key, value] : obj) {
    if (prefix.empty() &&
        (key == "type" || key == "id" || key == "spec_version" || key == "defanged" ||
         key == "object_marking_refs" || key == "granular_markings" || key == "protocols" ||
         key == "is_multipart")) {
      continue;
    }
    std::string_view s;
    int64_t i = 0;
    uint64_t u = 0;
    simdjson::dom::object child;
    simdjson::dom::array array;
    if (key.ends_with("_ref") && value.get(s) == simdjson::SUCCESS) {
      if (auto target = resolve(s)) {
        Flatten(*target, root_type, prefix + std::string(key) + ".", resolve, depth + 1, out);
      }
    } else if (value.get(array) == simdjson::SUCCESS) {
      std::string list_prefix = prefix + PathKey(key) + "[*]";
      for (auto item : array) {
        if (key.ends_with("_refs") && item.get(s) == simdjson::SUCCESS) {
          if (auto target = resolve(s)) {
            Flatten(*target, root_type, list_prefix + ".", resolve, depth + 1, out);
          }
        } else if (item.get(child) == simdjson::SUCCESS) {
          Flatten(child, root_type, list_prefix + ".", resolve, depth + 1, out);
        } else if (item.get(s) == simdjson::SUCCESS) {
          out.push_back({std::string(root_type) + ":" + list_prefix, std::string(s)});
        }
      }
    } else if (value.get(child) == simdjson::SUCCESS) {
      Flatten(child, root_type, prefix + PathKey(key) + ".", resolve, depth + 1, out);
    } else if (value.get(s) == simdjson::SUCCESS) {
      out.push_back({std::string(root_type) + ":" + prefix + PathKey(key), std::string(s)});
    } else if (value.get(i) == simdjson::SUCCESS) {
      out.push_back({std::string(root_type) + ":" + prefix + PathKey(key), std::to_string(i)});
    } else if (value.get(u) == simdjson::SUCCESS) {
      out.push_back({std::string(root_type) + ":" + prefix + PathKey(key), std::to_string(u)});
    }
  }
}

}  // namespace

std::pair<std::string, std::string> ValueHolder(const Comparison& c) {
  auto [type, rest] = SplitRoot(c.path);
  std::string holder(type);
  auto segments = SplitPath(rest);
  size_t i = 0;
  for (; i + 1 < segments.size() && IsRefName(segments[i].name); ++i) {
    holder = std::string(ChildType(segments[i].name, c.value));
  }
  if (i == 0) return {holder, std::string(rest)};
  std::string path;
  for (; i < segments.size(); ++i) {
    if (!path.empty()) path += ".";
    path += PathKey(segments[i].name);
  }
  return {holder, path};
}

std::string QuotePatternString(std::string_view value) {
  std::string out;
  out.reserve(value.size() + 2);
  out.push_back('\'');
  for (char c : value) {
    if (c == '\\' || c == '\'') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

Result<std::string> BuildPattern(std::span<const Comparison> comparisons) {
  struct Observation {
    std::string_view type;
    std::vector<std::string_view> paths;
    std::string text;
  };
  std::vector<Observation> observations;
  for (const auto& c : comparisons) {
    auto [type, rest] = SplitRoot(c.path);
    auto segments = SplitPath(rest);
    const std::string& leaf = segments.back().name;
    std::string literal;
    if (IsIntegerProperty(leaf)) {
      auto n = ParseInteger(leaf, c.value);
      if (!n) return std::unexpected(n.error());
      literal = std::to_string(*n);
    } else {
      literal = QuotePatternString(c.value);
    }
    bool repeatable = rest.find("[*]") != std::string_view::npos;
    Observation* target = nullptr;
    for (auto& o : observations) {
      if (o.type != type) continue;
      bool taken = false;
      for (auto p : o.paths) taken = taken || p == c.path;
      if (!taken || repeatable) {
        target = &o;
        break;
      }
    }
    if (target == nullptr) {
      observations.push_back({type, {}, {}});
      target = &observations.back();
    }
    auto append = [&](std::string_view comparison) {
      if (!target->text.empty()) target->text += " AND ";
      target->text += comparison;
    };
    // A network-traffic endpoint may be an IPv4, IPv6 or MAC address or a domain: say which.
    if (type == "network-traffic" && segments.size() == 2 &&
        (segments[0].name == "src_ref" || segments[0].name == "dst_ref")) {
      append(std::string(type) + ":" + segments[0].name + ".type = '" +
             std::string(IpType(c.value)) + "'");
    }
    append(c.path + " = " + literal);
    target->paths.push_back(c.path);
  }
  std::string pattern;
  for (const auto& o : observations) {
    if (!pattern.empty()) pattern += " AND ";
    pattern += "[" + o.text + "]";
  }
  return pattern;
}

Result<BuiltScos> BuildScos(std::span<const Comparison> comparisons) {
  ScoGraph graph;
  for (const auto& c : comparisons) {
    if (auto added = graph.Add(c); !added) return std::unexpected(added.error());
  }
  return graph.Finish();
}

std::vector<Comparison> ReadPatternComparisons(std::string_view p) {
  std::vector<Comparison> out;
  auto is_path_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == ':' || c == '.' || c == '[' || c == ']' || c == '*';
  };
  size_t i = 0;
  const size_t n = p.size();
  auto skip_spaces = [&] {
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r')) ++i;
  };
  auto read_string = [&](std::string* value) {  // at the opening quote
    ++i;
    while (i < n && p[i] != '\'') {
      if (p[i] == '\\' && i + 1 < n) ++i;
      if (value) value->push_back(p[i]);
      ++i;
    }
    ++i;  // closing quote
  };
  while (i < n) {
    char c = p[i];
    if (c == '\'') {
      read_string(nullptr);
      continue;
    }
    bool starts_token = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!starts_token) {
      ++i;
      continue;
    }
    std::string path;
    while (i < n && (is_path_char(p[i]) || p[i] == '\'')) {
      if (p[i] == '\'') {
        size_t end = p.find('\'', i + 1);
        if (end == std::string_view::npos) return out;
        path.append(p.substr(i, end - i + 1));
        i = end + 1;
      } else {
        path.push_back(p[i++]);
      }
    }
    if (path.find(':') == std::string::npos) continue;  // a keyword (AND, OR, …)
    skip_spaces();
    if (i >= n || p[i] != '=') continue;
    ++i;
    skip_spaces();
    if (i >= n) break;
    std::string value;
    if (p[i] == '\'') {
      read_string(&value);
    } else {
      while (i < n && p[i] != ' ' && p[i] != ']' && p[i] != ')') value.push_back(p[i++]);
    }
    out.push_back({std::move(path), std::move(value)});
  }
  return out;
}

std::vector<Comparison> FlattenSco(simdjson::dom::object sco, const ScoResolver& resolve) {
  std::vector<Comparison> out;
  std::string_view type;
  if (sco["type"].get(type) != simdjson::SUCCESS) return out;
  Flatten(sco, type, "", resolve, 0, out);
  return out;
}

}  // namespace socmesh::formats::misp::detail
