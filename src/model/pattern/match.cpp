// Evaluation of comparison expressions on one observation (STIX 2.1 sections 9.3-9.6).
#include <re2/re2.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "model/pattern/values.hpp"
#include "model/pattern_match.hpp"

namespace socmesh::model {
namespace {

using pattern_detail::IpNetwork;
using pattern_detail::ParseIpNetwork;

// Assignments of objects to object types tried per observation expression: bounds the work of
// [a:x = 1 AND b:y = 2 AND c:z = 3] on an observation with many objects of each type.
constexpr size_t kMaxAssignments = 4096;

enum class BinaryForm : uint8_t { kNone, kHex, kBase64 };

// Binary properties are carried as text in JSON: *_hex as hex, *_bin as base64.
BinaryForm BinaryFormOf(std::string_view path) {
  if (path.ends_with("_hex")) return BinaryForm::kHex;
  if (path.ends_with("_bin")) return BinaryForm::kBase64;
  return BinaryForm::kNone;
}

// The bytes a binary-aware operator sees: decoded for binary properties (raw text when the value
// does not decode, so a malformed value can still be matched as written).
std::string_view ValueBytes(std::string_view path, const std::string& text, std::string& scratch) {
  std::optional<std::string> decoded;
  switch (BinaryFormOf(path)) {
    case BinaryForm::kHex:
      decoded = pattern_detail::DecodeHex(text);
      break;
    case BinaryForm::kBase64:
      decoded = pattern_detail::DecodeBase64(text);
      break;
    case BinaryForm::kNone:
      return text;
  }
  if (!decoded) return text;
  scratch = std::move(*decoded);
  return scratch;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Whether texts that differ can still name the same network, so that parsing is worth it. IPv4
// text is unique per address (inet_pton refuses leading zeros), so two different IPv4 texts are
// equal only through a prefix ("192.0.2.1/32", or host bits after '/'); IPv6 has many spellings.
bool MayBeSameNetwork(const IpNetwork& literal, std::string_view literal_text,
                      std::string_view observed) {
  if (literal.v6) return observed.find(':') != std::string_view::npos;
  return observed.find('/') != std::string_view::npos ||
         literal_text.find('/') != std::string_view::npos;
}

template <typename T>
int Sign(T a, T b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

// Orders an observed value against a literal: <0, 0, >0, or nullopt when they are not comparable
// (different types that no rule relates). Hash values compare case-insensitively (hex digits);
// IP literals compare as networks, so '192.0.2.1/32' equals "192.0.2.1".
std::optional<int> Order(const PatternLiteral& lit, const ObservedValue& v, std::string_view path,
                         bool hash_value) {
  using L = PatternLiteral::Kind;
  using V = ObservedValue::Kind;
  switch (lit.kind) {
    case L::kString:
      if (v.kind == V::kString) {
        const int c = std::string_view(v.text).compare(lit.bytes);
        if (c == 0) return 0;
        if (hash_value && EqualsIgnoreCase(v.text, lit.bytes)) return 0;
        if (lit.network && MayBeSameNetwork(*lit.network, lit.bytes, v.text)) {
          if (std::optional<IpNetwork> net = ParseIpNetwork(v.text); net && *net == *lit.network) {
            return 0;
          }
        }
        return c < 0 ? -1 : 1;
      }
      // Feeds write numbers as strings ("src_port = '1234'"); compare them as numbers.
      if (v.kind == V::kInt || v.kind == V::kFloat) {
        std::optional<double> n = pattern_detail::ParseNumber(lit.bytes);
        if (!n) return std::nullopt;
        const double observed =
            v.kind == V::kInt ? static_cast<double>(v.int_value) : v.float_value;
        return Sign(observed, *n);
      }
      return std::nullopt;
    case L::kInt:
    case L::kFloat: {
      if (v.kind == V::kInt && lit.kind == L::kInt) return Sign(v.int_value, lit.int_value);
      const double literal =
          lit.kind == L::kInt ? static_cast<double>(lit.int_value) : lit.float_value;
      if (v.kind == V::kInt) return Sign(static_cast<double>(v.int_value), literal);
      if (v.kind == V::kFloat) return Sign(v.float_value, literal);
      if (v.kind == V::kString) {
        std::optional<double> n = pattern_detail::ParseNumber(v.text);
        if (!n) return std::nullopt;
        return Sign(*n, literal);
      }
      return std::nullopt;
    }
    case L::kBool:
      if (v.kind != V::kBool) return std::nullopt;
      return v.bool_value == lit.bool_value ? 0 : 1;
    case L::kTimestamp: {
      if (v.kind != V::kString) return std::nullopt;
      Result<Timestamp> t = ParseTimestamp(v.text);
      if (!t) return std::nullopt;
      return Sign(*t, lit.timestamp);
    }
    case L::kHex:
    case L::kBinary: {
      if (v.kind != V::kString) return std::nullopt;
      std::string scratch;
      const std::string_view bytes = ValueBytes(path, v.text, scratch);
      const int c = bytes.compare(lit.bytes);
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
  }
  return std::nullopt;
}

// The operator on one value: true / false, or nullopt when not comparable (false either way).
std::optional<bool> Apply(const PatternComparison& c, std::string_view path,
                          const ObservedValue& v) {
  switch (c.op) {
    case PatternOperator::kEqual:
    case PatternOperator::kNotEqual:
    case PatternOperator::kLess:
    case PatternOperator::kLessEqual:
    case PatternOperator::kGreater:
    case PatternOperator::kGreaterEqual: {
      const bool hash_value = c.property_path.starts_with("hashes.");
      std::optional<int> o = Order(c.values[0], v, path, hash_value);
      if (!o) return std::nullopt;
      switch (c.op) {
        case PatternOperator::kEqual:
          return *o == 0;
        case PatternOperator::kNotEqual:
          return *o != 0;
        case PatternOperator::kLess:
          return *o < 0;
        case PatternOperator::kLessEqual:
          return *o <= 0;
        case PatternOperator::kGreater:
          return *o > 0;
        default:
          return *o >= 0;
      }
    }
    case PatternOperator::kIn: {
      const bool hash_value = c.property_path.starts_with("hashes.");
      bool comparable = false;
      for (const PatternLiteral& lit : c.values) {
        std::optional<int> o = Order(lit, v, path, hash_value);
        if (o && *o == 0) return true;
        comparable = comparable || o.has_value();
      }
      if (!comparable) return std::nullopt;
      return false;
    }
    case PatternOperator::kLike:
    case PatternOperator::kMatches: {
      if (v.kind != ObservedValue::Kind::kString) return std::nullopt;
      std::string scratch;
      const std::string_view bytes = ValueBytes(path, v.text, scratch);
      if (c.op == PatternOperator::kLike)
        return pattern_detail::LikeMatch(bytes, c.values[0].bytes);
      return RE2::PartialMatch(bytes, *c.regex);
    }
    case PatternOperator::kIsSubset:
    case PatternOperator::kIsSuperset: {
      if (v.kind != ObservedValue::Kind::kString) return std::nullopt;
      std::optional<IpNetwork> net = ParseIpNetwork(v.text);
      if (!net) return std::nullopt;
      if (c.op == PatternOperator::kIsSubset) {
        return pattern_detail::NetworkContains(*c.values[0].network, *net);
      }
      return pattern_detail::NetworkContains(*net, *c.values[0].network);
    }
    case PatternOperator::kExists:
      return true;
  }
  return std::nullopt;
}

// Matches an observed property path against a pattern path that may hold "[*]". With
// `allow_prefix`, the pattern path may also name an ancestor of the observed one (EXISTS).
bool PathMatches(std::string_view pattern, std::string_view observed, bool allow_prefix) {
  size_t i = 0, j = 0;
  while (i < pattern.size()) {
    if (pattern.compare(i, 3, "[*]") == 0) {
      if (j >= observed.size() || observed[j] != '[') return false;
      size_t k = j + 1;
      while (k < observed.size() && observed[k] >= '0' && observed[k] <= '9') ++k;
      if (k == j + 1 || k >= observed.size() || observed[k] != ']') return false;
      i += 3;
      j = k + 1;
      continue;
    }
    if (j >= observed.size() || pattern[i] != observed[j]) return false;
    ++i;
    ++j;
  }
  if (j == observed.size()) return true;
  return allow_prefix && (observed[j] == '.' || observed[j] == '[');
}

bool TestObject(const PatternComparison& c, const ObservedObject& object) {
  const bool exists = c.op == PatternOperator::kExists;
  for (const auto& [path, value] : object.properties) {
    const bool on_path = c.any_index || exists ? PathMatches(c.property_path, path, exists)
                                               : path == c.property_path;
    if (!on_path) continue;
    if (exists) return !c.negated;
    std::optional<bool> r = Apply(c, path, value);
    if (r && *r != c.negated) return true;
  }
  return exists && c.negated;
}

// Evaluates one observation expression for one assignment of objects to its object types.
class LeafEvaluator {
 public:
  LeafEvaluator(const Pattern& p, const PatternObservationNode& leaf, const Observation& o)
      : p_(p), leaf_(leaf), o_(o) {}

  bool Run() {
    const size_t slots = leaf_.object_types.size();
    if (slots == 1) {
      // The common case (one object type): try each object of that type in turn, no allocation.
      // Each comparison is evaluated at most once per object because a comparison tree holds each
      // test once.
      bool any = false;
      for (const ObservedObject& object : o_.objects) {
        if (object.type != leaf_.object_types[0]) continue;
        any = true;
        single_ = &object;
        if (Eval(leaf_.comparison_root)) return true;
      }
      if (any) return false;
      single_ = nullptr;
      single_mode_ = true;
      return Eval(leaf_.comparison_root);  // no object of the type: only NOT EXISTS can hold
    }
    candidates_.assign(slots, {});
    for (size_t i = 0; i < o_.objects.size(); ++i) {
      for (size_t s = 0; s < slots; ++s) {
        if (o_.objects[i].type == leaf_.object_types[s]) candidates_[s].push_back(i);
      }
    }
    size_t total = 1;
    for (const auto& c : candidates_)
      total = std::min(kMaxAssignments, total * std::max<size_t>(1, c.size()));
    // memo_[test * objects + object]: -1 unknown, else the result; tests are evaluated lazily so
    // AND/OR short-circuit, and at most once per object.
    memo_.assign(static_cast<size_t>(leaf_.test_count) * std::max<size_t>(1, o_.objects.size()),
                 -1);
    choice_.assign(slots, 0);
    for (size_t n = 0; n < total; ++n) {
      if (Eval(leaf_.comparison_root)) return true;
      // Next assignment (odometer).
      for (size_t s = 0; s < slots; ++s) {
        if (++choice_[s] < candidates_[s].size()) break;
        choice_[s] = 0;
      }
    }
    return false;
  }

 private:
  bool Eval(uint32_t index) {
    const PatternComparisonNode& node = p_.comparison_nodes[index];
    switch (node.kind) {
      case PatternComparisonNode::Kind::kTest:
        return Test(node.test);
      case PatternComparisonNode::Kind::kAnd:
        for (uint32_t child : node.children) {
          if (!Eval(child)) return false;
        }
        return true;
      case PatternComparisonNode::Kind::kOr:
        for (uint32_t child : node.children) {
          if (Eval(child)) return true;
        }
        return false;
    }
    return false;
  }

  bool Test(uint32_t test) {
    const PatternComparison& c = p_.comparisons[test];
    if (single_ != nullptr) return TestObject(c, *single_);
    if (single_mode_) return c.op == PatternOperator::kExists && c.negated;
    const auto& cands = candidates_[c.type_slot];
    if (cands.empty()) return c.op == PatternOperator::kExists && c.negated;
    const size_t object = cands[choice_[c.type_slot]];
    int8_t& m = memo_[(test - leaf_.first_test) * o_.objects.size() + object];
    if (m < 0) m = TestObject(c, o_.objects[object]) ? 1 : 0;
    return m == 1;
  }

  const Pattern& p_;
  const PatternObservationNode& leaf_;
  const Observation& o_;
  std::vector<std::vector<size_t>> candidates_;
  std::vector<size_t> choice_;
  std::vector<int8_t> memo_;
  const ObservedObject* single_ = nullptr;  // one-type expressions: the object under test
  bool single_mode_ = false;                // one-type expression, no object of the type
};

bool MatchesNode(const Pattern& p, uint32_t index, const Observation& o) {
  using Kind = PatternObservationNode::Kind;
  const PatternObservationNode& node = p.observation_nodes[index];
  switch (node.kind) {
    case Kind::kLeaf:
      return MatchesObservationExpression(p, index, o);
    case Kind::kOr:
      for (uint32_t child : node.children) {
        if (MatchesNode(p, child, o)) return true;
      }
      return false;
    case Kind::kAnd:
    case Kind::kFollowedBy:
      return false;  // needs distinct observations
    case Kind::kWithin:
      return MatchesNode(p, node.children[0], o);
    case Kind::kRepeats:
      return node.repeats == 1 && MatchesNode(p, node.children[0], o);
    case Kind::kStartStop:
      return o.first_observed >= node.start && o.last_observed < node.stop &&
             MatchesNode(p, node.children[0], o);
  }
  return false;
}

}  // namespace

ObservedObject& ObservedObject::Add(std::string path, ObservedValue value) {
  // Canonicalise the key after every "hashes" component, as PatternObjectPath::PropertyPath()
  // does: "hashes.sha256" -> "hashes.SHA-256".
  size_t at = 0;
  while ((at = path.find("hashes.", at)) != std::string::npos) {
    const bool component_start = at == 0 || path[at - 1] == '.';
    const size_t key_start = at + 7;
    const size_t key_end = std::min(path.find_first_of(".[", key_start), path.size());
    if (component_start) {
      const std::string key = pattern_detail::CanonicalHashKey(
          std::string_view(path).substr(key_start, key_end - key_start));
      path.replace(key_start, key_end - key_start, key);
      at = key_start + key.size();
    } else {
      at = key_start;
    }
  }
  properties.emplace_back(std::move(path), std::move(value));
  return *this;
}

bool MatchesObservationExpression(const Pattern& pattern, uint32_t leaf,
                                  const Observation& observation) {
  const PatternObservationNode& node = pattern.observation_nodes[leaf];
  if (node.kind != PatternObservationNode::Kind::kLeaf) return false;
  return LeafEvaluator(pattern, node, observation).Run();
}

bool Matches(const Pattern& pattern, const Observation& observation) {
  if (pattern.observation_nodes.empty()) return false;
  return MatchesNode(pattern, pattern.root, observation);
}

}  // namespace socmesh::model
