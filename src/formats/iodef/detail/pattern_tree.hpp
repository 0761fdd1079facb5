// The subset of STIX patterning that IODEF can express: equality comparisons joined by AND/OR,
// inside and between observation expressions, without qualifiers. Parsed into a tree for export.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace socmesh::formats::iodef::detail {

struct PatternNode {
  enum class Kind { kAnd, kOr, kComparison };
  Kind kind = Kind::kComparison;
  bool bracket = false;  // an observation expression ([...]): its comparisons share one object
  std::vector<PatternNode> children;
  // kComparison: `object_type`:`path` = `value` (the literal unquoted and unescaped).
  std::string object_type;
  std::string path;
  std::string value;
};

// Parses `pattern`; nullopt (with `why` set) when it uses anything outside the subset: other
// operators, qualifiers (WITHIN, REPEATS, START/STOP), FOLLOWEDBY, NOT, or nesting deeper than 32.
std::optional<PatternNode> ParsePatternSubset(std::string_view pattern, std::string* why);

}  // namespace socmesh::formats::iodef::detail
