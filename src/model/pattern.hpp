// STIX 2.1 patterning language (STIX 2.1 section 9): parser and abstract syntax tree.
//
// ParsePattern turns pattern text into a Pattern: an arena of nodes (indices, not pointers) so that
// copying is cheap, destruction never recurses, and evaluation (pattern_match.hpp,
// pattern_stream.hpp) walks plain vectors. AND/OR chains are n-ary nodes, so the tree depth is
// bounded by the nesting of brackets and parentheses, which ParseOptions limits: hostile nesting is
// an error, never a stack overflow.
//
// Invalid patterns are rejected with ErrorCode::kParse (or kTooLarge for limits) and a message
// "position N: reason", N being the 0-based byte offset of the offending token in the text, e.g.
// "position 17: expected ']' to close the observation expression".
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "model/timestamp.hpp"

namespace re2 {
class RE2;
}

namespace socmesh::model {

// One step of an object path after the object type: `.name`, `.'quoted-name'`, `[3]` or `[*]`.
struct PatternPathStep {
  enum class Kind : uint8_t { kKey, kIndex, kAnyIndex };
  Kind kind = Kind::kKey;
  std::string key;    // kKey: the property or dictionary key, unquoted and unescaped
  int64_t index = 0;  // kIndex (negative indexes parse, as in the grammar, but never match)

  friend bool operator==(const PatternPathStep&, const PatternPathStep&) = default;
};

// `<object-type>:<step>...`, e.g. network-traffic:extensions.'http-request-ext'.request_header.Host
struct PatternObjectPath {
  std::string object_type;
  std::vector<PatternPathStep> steps;  // at least one, the first is a kKey

  // The steps as an observation property path (see ObservedObject in pattern_match.hpp): keys
  // joined by '.', indexes as "[n]", "[*]" kept; hash algorithm keys after "hashes" canonicalised.
  std::string PropertyPath() const;
  bool HasAnyIndex() const;
};

// An IPv4 or IPv6 network; a single address is a network of 32 / 128 bits. IPv4 uses the first 4
// bytes of `addr`; host bits are always cleared.
struct PatternNetwork {
  bool v6 = false;
  uint8_t prefix = 0;
  std::array<uint8_t, 16> addr{};

  uint8_t max_prefix() const { return v6 ? 128 : 32; }
  friend bool operator==(const PatternNetwork&, const PatternNetwork&) = default;
};

struct PatternLiteral {
  enum class Kind : uint8_t { kString, kInt, kFloat, kBool, kTimestamp, kHex, kBinary };
  Kind kind = Kind::kString;
  std::string bytes;  // kString: unescaped text; kHex / kBinary: the decoded bytes
  int64_t int_value = 0;
  double float_value = 0;
  bool bool_value = false;
  Timestamp timestamp;
  // kString literals that are IP addresses or CIDRs: compared as networks, so that
  // '198.51.100.1/32' equals an observed "198.51.100.1" (as in the spec's examples).
  std::optional<PatternNetwork> network;
};

enum class PatternOperator : uint8_t {
  kEqual,         // = or ==
  kNotEqual,      // != or <>
  kLess,          // <
  kLessEqual,     // <=
  kGreater,       // >
  kGreaterEqual,  // >=
  kIn,            // IN (set)
  kLike,          // LIKE 'SQL%wildcards_'
  kMatches,       // MATCHES 'regular expression' (RE2 syntax, see docs/architecture.md)
  kIsSubset,      // ISSUBSET 'CIDR': the observed address or network lies within the literal
  kIsSuperset,    // ISSUPERSET 'CIDR': the observed network contains the literal
  kExists,        // EXISTS <path>
};

// Returns "=", "!=", "<", ..., "IN", "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET", "EXISTS".
std::string_view PatternOperatorName(PatternOperator op);

// `<path> [NOT] <operator> <literal>` or `[NOT] EXISTS <path>`.
struct PatternComparison {
  PatternObjectPath path;
  PatternOperator op = PatternOperator::kEqual;
  bool negated = false;                   // NOT before the operator (or before EXISTS)
  std::vector<PatternLiteral> values;     // one literal; IN: the set (may be empty); EXISTS: none
  std::shared_ptr<const re2::RE2> regex;  // kMatches: compiled at parse time
  uint32_t position = 0;                  // byte offset of the object path in the pattern text
  // Precomputed for evaluation: path.PropertyPath() and whether it holds "[*]".
  std::string property_path;
  bool any_index = false;
  uint32_t type_slot = 0;  // index of path.object_type in its leaf's object_types
};

// Comparison expression inside one observation expression `[ ... ]`.
struct PatternComparisonNode {
  enum class Kind : uint8_t { kTest, kAnd, kOr };
  Kind kind = Kind::kTest;
  uint32_t test = 0;               // kTest: index into Pattern::comparisons
  std::vector<uint32_t> children;  // kAnd / kOr: indexes into Pattern::comparison_nodes (>= 2)
};

// Observation expression: a leaf `[ ... ]`, an n-ary operator, or a qualified expression.
struct PatternObservationNode {
  enum class Kind : uint8_t { kLeaf, kAnd, kOr, kFollowedBy, kWithin, kRepeats, kStartStop };
  Kind kind = Kind::kLeaf;
  uint32_t comparison_root = 0;    // kLeaf: index into Pattern::comparison_nodes
  std::vector<uint32_t> children;  // operators: >= 2 children; qualifiers: exactly 1
  int64_t within_micros = 0;       // kWithin (WITHIN n SECONDS, fractions kept to the µs)
  uint32_t repeats = 0;            // kRepeats (>= 1)
  Timestamp start, stop;           // kStartStop: [start, stop)
  uint32_t position = 0;           // byte offset where the expression (or qualifier) starts
  // kLeaf: its comparisons are Pattern::comparisons[first_test, first_test + test_count), naming
  // these distinct object types (each binds to one object when evaluating).
  uint32_t first_test = 0;
  uint32_t test_count = 0;
  std::vector<std::string> object_types;
};

struct Pattern {
  std::vector<PatternComparison> comparisons;
  std::vector<PatternComparisonNode> comparison_nodes;
  std::vector<PatternObservationNode> observation_nodes;
  uint32_t root = 0;  // index into observation_nodes
  // Indexes of the kLeaf observation nodes in text order (the `[ ... ]` of the pattern).
  std::vector<uint32_t> leaves;
};

struct PatternParseOptions {
  size_t max_bytes = 1 << 20;  // longer text: kTooLarge
  uint32_t max_depth = 64;     // nesting of '(' and '[' together
  uint32_t max_comparisons = 10000;
  uint32_t max_repeats = 1000;       // REPEATS n TIMES keeps n partial matches per key
  size_t max_regex_bytes = 1 << 20;  // RE2 program memory per MATCHES
};

// Parses and checks a STIX 2.1 pattern. Besides the grammar (STIXPattern.g4 of the OASIS
// cti-pattern-validator, STIX 2.1 flavour: START/STOP take t'' timestamps, EXISTS), it checks what
// the OASIS validator checks and what evaluation needs:
//  - hash values compared with =, != or IN against `hashes.<algorithm>` of a known algorithm must
//    have that algorithm's form ("'f00' is not a valid SHA-256 hash");
//  - ISSUBSET / ISSUPERSET take an IPv4 or IPv6 address or CIDR;
//  - MATCHES takes a regular expression RE2 accepts (no back-references or look-around);
//  - the same qualifier (WITHIN, REPEATS, START/STOP) twice on one expression is refused, as is
//    REPEATS 0 TIMES and STOP not after START.
Result<Pattern> ParsePattern(std::string_view text, const PatternParseOptions& options = {});

// Prints the pattern back as STIX with every operator node parenthesised, e.g.
// "(([a:b = 1]) AND ([c:d = 2])) WITHIN 5 SECONDS": shows how the text was grouped.
std::string FormatPattern(const Pattern& pattern);

}  // namespace socmesh::model
