// Index hints: which observable values an observation must contain to match an expression.
//
// Rules on the comparison tree of one observation expression (a "key set" means: a match needs at
// least one of these values):
//  - `path = 'v'` (no NOT) on a path KindForObjectPath knows, with a string or integer value that
//    normalises: {v};
//    `path IN (...)` likewise with every value;
//  - `ipv4-addr:value ISSUBSET 'cidr'` (and ipv6): {cidr} as a network key;
//  - AND: any child's key set is necessary; the smallest one is chosen (fewest index probes);
//  - OR: the union, but only when every child has a key set;
//  - anything else (NOT, LIKE, MATCHES, ordering, unknown paths): no key set.
#include <algorithm>
#include <optional>

#include "model/pattern/values.hpp"
#include "model/pattern_match.hpp"

namespace socmesh::model {
namespace {

// The path as STIX writes it ("hashes.'SHA-256'"), the form KindForObjectPath reads.
std::string StixPropertyPath(const PatternObjectPath& path) {
  std::string out;
  for (size_t i = 0; i < path.steps.size(); ++i) {
    const PatternPathStep& step = path.steps[i];
    switch (step.kind) {
      case PatternPathStep::Kind::kKey:
        if (i > 0) out += '.';
        if (pattern_detail::KeyNeedsQuotes(step.key)) {
          pattern_detail::AppendQuoted(out, step.key);
        } else {
          out += step.key;
        }
        break;
      case PatternPathStep::Kind::kIndex:
        out += "[" + std::to_string(step.index) + "]";
        break;
      case PatternPathStep::Kind::kAnyIndex:
        out += "[*]";
        break;
    }
  }
  return out;
}

using KeySet = std::optional<std::vector<PatternIndexKey>>;

KeySet TestKeys(const PatternComparison& c) {
  if (c.negated) return std::nullopt;
  const std::optional<ObservableKind> kind =
      KindForObjectPath(c.path.object_type, StixPropertyPath(c.path));
  if (!kind) return std::nullopt;
  std::vector<PatternIndexKey> keys;
  if (c.op == PatternOperator::kEqual || c.op == PatternOperator::kIn) {
    if (c.values.empty()) return std::nullopt;
    for (const PatternLiteral& v : c.values) {
      // Integers for numeric observables (autonomous-system:number = 64500).
      std::string text;
      if (v.kind == PatternLiteral::Kind::kString) {
        text = v.bytes;
      } else if (v.kind == PatternLiteral::Kind::kInt) {
        text = std::to_string(v.int_value);
      } else {
        return std::nullopt;
      }
      Result<std::string> normal = NormalizeObservable(*kind, text);
      if (!normal) return std::nullopt;
      keys.push_back({Observable{*kind, std::move(*normal)}, false});
    }
    return keys;
  }
  if (c.op == PatternOperator::kIsSubset &&
      (*kind == ObservableKind::kIpv4 || *kind == ObservableKind::kIpv6)) {
    const bool v6 = c.values[0].network->v6;
    const ObservableKind net_kind = v6 ? ObservableKind::kIpv6 : ObservableKind::kIpv4;
    Result<std::string> normal = NormalizeObservable(net_kind, c.values[0].bytes);
    if (!normal) return std::nullopt;
    keys.push_back({Observable{net_kind, std::move(*normal)}, true});
    return keys;
  }
  return std::nullopt;
}

KeySet NodeKeys(const Pattern& p, uint32_t index) {
  const PatternComparisonNode& node = p.comparison_nodes[index];
  switch (node.kind) {
    case PatternComparisonNode::Kind::kTest:
      return TestKeys(p.comparisons[node.test]);
    case PatternComparisonNode::Kind::kAnd: {
      KeySet best;
      for (uint32_t child : node.children) {
        KeySet keys = NodeKeys(p, child);
        if (keys && (!best || keys->size() < best->size())) best = std::move(keys);
      }
      return best;
    }
    case PatternComparisonNode::Kind::kOr: {
      std::vector<PatternIndexKey> all;
      for (uint32_t child : node.children) {
        KeySet keys = NodeKeys(p, child);
        if (!keys) return std::nullopt;
        all.insert(all.end(), keys->begin(), keys->end());
      }
      return all;
    }
  }
  return std::nullopt;
}

}  // namespace

std::vector<PatternIndexHint> IndexHints(const Pattern& pattern) {
  std::vector<PatternIndexHint> hints;
  for (uint32_t leaf : pattern.leaves) {
    PatternIndexHint hint;
    hint.leaf = leaf;
    KeySet keys = NodeKeys(pattern, pattern.observation_nodes[leaf].comparison_root);
    if (keys) {
      hint.indexable = true;
      for (PatternIndexKey& k : *keys) {
        if (std::find(hint.any_of.begin(), hint.any_of.end(), k) == hint.any_of.end()) {
          hint.any_of.push_back(std::move(k));
        }
      }
    }
    hints.push_back(std::move(hint));
  }
  return hints;
}

}  // namespace socmesh::model
