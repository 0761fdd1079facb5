// Recursive-descent parser for STIX 2.1 patterns (STIX 2.1 section 9; the OASIS STIXPattern.g4
// grammar is the reference for what is a token).
//
// Precedence, lowest first (as in the grammar): observation FOLLOWEDBY, OR, AND, then the postfix
// qualifiers WITHIN / REPEATS / START..STOP on one observation expression; inside brackets OR, AND,
// then single comparisons and parentheses. Operator chains are read with loops into n-ary nodes,
// and recursion happens only on '(' and '[', which the depth limit bounds.
//
// The first error stops the parse: members return a dummy index and set `error_`, and every caller
// checks `failed()` before going on.
#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "model/pattern.hpp"
#include "model/pattern/lexer.hpp"
#include "model/pattern/values.hpp"

namespace socmesh::model {
namespace {

using pattern_detail::DescribeToken;
using pattern_detail::Lexer;
using pattern_detail::PositionError;
using pattern_detail::Tok;
using pattern_detail::Token;

class Parser {
 public:
  Parser(std::string_view text, const PatternParseOptions& options)
      : text_(text), lexer_(text), options_(options) {}

  Result<Pattern> Run() {
    Advance();
    if (!failed()) pattern_.root = ObservationFollowedBy();
    if (!failed() && tok_.kind != Tok::kEnd) {
      Fail(tok_.pos, "unexpected " + Describe() +
                         " after the end of the pattern (expected AND, OR, FOLLOWEDBY or a "
                         "qualifier)");
    }
    if (failed()) return std::unexpected(std::move(*error_));
    return std::move(pattern_);
  }

 private:
  bool failed() const { return error_.has_value(); }

  void Fail(size_t position, std::string_view message, ErrorCode code = ErrorCode::kParse) {
    if (!error_) error_ = PositionError(position, message, code);
  }

  void Advance() {
    if (failed()) return;
    Result<Token> next = lexer_.Next();
    if (!next) {
      error_ = std::move(next.error());
      tok_ = Token{};
      return;
    }
    tok_ = std::move(*next);
  }

  std::string Describe() const { return DescribeToken(tok_, text_); }

  // Consumes a token of `kind`, or fails with "expected <what>".
  bool Expect(Tok kind, std::string_view what) {
    if (failed()) return false;
    if (tok_.kind != kind) {
      Fail(tok_.pos, "expected " + std::string(what) + ", found " + Describe());
      return false;
    }
    Advance();
    return !failed();
  }

  bool Enter(uint32_t position) {
    if (++depth_ > options_.max_depth) {
      Fail(position,
           "nesting deeper than " + std::to_string(options_.max_depth) + " brackets/parentheses",
           ErrorCode::kTooLarge);
      return false;
    }
    return true;
  }

  uint32_t AddObservation(PatternObservationNode node) {
    pattern_.observation_nodes.push_back(std::move(node));
    return static_cast<uint32_t>(pattern_.observation_nodes.size() - 1);
  }

  uint32_t AddComparisonNode(PatternComparisonNode node) {
    pattern_.comparison_nodes.push_back(std::move(node));
    return static_cast<uint32_t>(pattern_.comparison_nodes.size() - 1);
  }

  // --- Observation expressions ---

  // Reads `operand (KEYWORD operand)*` into one n-ary node (children are created before their
  // parent, so node indexes are a valid bottom-up evaluation order).
  template <typename Operand>
  uint32_t ObservationChain(Tok keyword, PatternObservationNode::Kind kind, Operand operand) {
    const uint32_t position = tok_.pos;
    std::vector<uint32_t> children{operand()};
    while (!failed() && tok_.kind == keyword) {
      Advance();
      children.push_back(operand());
    }
    if (failed()) return 0;
    if (children.size() == 1) return children[0];
    PatternObservationNode node;
    node.kind = kind;
    node.children = std::move(children);
    node.position = position;
    return AddObservation(std::move(node));
  }

  uint32_t ObservationFollowedBy() {
    return ObservationChain(Tok::kFollowedBy, PatternObservationNode::Kind::kFollowedBy,
                            [this] { return ObservationOr(); });
  }
  uint32_t ObservationOr() {
    return ObservationChain(Tok::kOr, PatternObservationNode::Kind::kOr,
                            [this] { return ObservationAnd(); });
  }
  uint32_t ObservationAnd() {
    return ObservationChain(Tok::kAnd, PatternObservationNode::Kind::kAnd,
                            [this] { return QualifiedObservation(); });
  }

  uint32_t QualifiedObservation() {
    uint32_t node = PrimaryObservation();
    bool seen_within = false, seen_repeats = false, seen_start = false;
    while (!failed()) {
      const uint32_t position = tok_.pos;
      PatternObservationNode q;
      q.position = position;
      if (tok_.kind == Tok::kWithin) {
        if (seen_within) return Fail(position, "duplicate WITHIN qualifier"), 0;
        seen_within = true;
        Advance();
        if (!Within(q)) return 0;
      } else if (tok_.kind == Tok::kRepeats) {
        if (seen_repeats) return Fail(position, "duplicate REPEATS qualifier"), 0;
        seen_repeats = true;
        Advance();
        if (!Repeats(q)) return 0;
      } else if (tok_.kind == Tok::kStart) {
        if (seen_start) return Fail(position, "duplicate START/STOP qualifier"), 0;
        seen_start = true;
        Advance();
        if (!StartStop(q)) return 0;
      } else {
        break;
      }
      q.children = {node};
      node = AddObservation(std::move(q));
    }
    return node;
  }

  bool Within(PatternObservationNode& q) {
    q.kind = PatternObservationNode::Kind::kWithin;
    double seconds = 0;
    if (tok_.kind == Tok::kInt && tok_.int_value >= 0 && !text_.substr(tok_.pos).starts_with('-')) {
      seconds = static_cast<double>(tok_.int_value);
    } else if (tok_.kind == Tok::kFloat && tok_.float_value >= 0 &&
               !text_.substr(tok_.pos).starts_with('-')) {
      seconds = tok_.float_value;
    } else {
      Fail(tok_.pos, "expected a positive number of seconds after WITHIN, found " + Describe());
      return false;
    }
    // 10^12 s (about 31 700 years) keeps the microsecond count far from overflow.
    if (seconds > 1e12) {
      Fail(tok_.pos, "WITHIN window too large");
      return false;
    }
    q.within_micros = static_cast<int64_t>(std::llround(seconds * 1e6));
    Advance();
    return Expect(Tok::kSeconds, "SECONDS after the WITHIN value");
  }

  bool Repeats(PatternObservationNode& q) {
    q.kind = PatternObservationNode::Kind::kRepeats;
    if (tok_.kind != Tok::kInt || text_.substr(tok_.pos).starts_with('-')) {
      Fail(tok_.pos, "expected a positive integer after REPEATS, found " + Describe());
      return false;
    }
    if (tok_.int_value == 0) {
      Fail(tok_.pos, "REPEATS needs at least 1 repetition");
      return false;
    }
    if (tok_.int_value > options_.max_repeats) {
      Fail(tok_.pos, "REPEATS above the limit of " + std::to_string(options_.max_repeats),
           ErrorCode::kTooLarge);
      return false;
    }
    q.repeats = static_cast<uint32_t>(tok_.int_value);
    Advance();
    return Expect(Tok::kTimes, "TIMES after the REPEATS count");
  }

  bool StartStop(PatternObservationNode& q) {
    q.kind = PatternObservationNode::Kind::kStartStop;
    if (tok_.kind != Tok::kTimestamp) {
      Fail(tok_.pos, "expected a timestamp t'...' after START, found " + Describe());
      return false;
    }
    q.start = tok_.timestamp;
    Advance();
    if (!Expect(Tok::kStop, "STOP after the START timestamp")) return false;
    if (tok_.kind != Tok::kTimestamp) {
      Fail(tok_.pos, "expected a timestamp t'...' after STOP, found " + Describe());
      return false;
    }
    q.stop = tok_.timestamp;
    if (q.stop <= q.start) {
      Fail(tok_.pos, "STOP must be later than START");
      return false;
    }
    Advance();
    return !failed();
  }

  uint32_t PrimaryObservation() {
    const uint32_t position = tok_.pos;
    if (tok_.kind == Tok::kLBracket) {
      if (!Enter(position)) return 0;
      Advance();
      PatternObservationNode leaf;
      leaf.kind = PatternObservationNode::Kind::kLeaf;
      leaf.position = position;
      leaf.first_test = static_cast<uint32_t>(pattern_.comparisons.size());
      leaf.comparison_root = ComparisonOr();
      if (failed()) return 0;
      leaf.test_count = static_cast<uint32_t>(pattern_.comparisons.size()) - leaf.first_test;
      for (uint32_t t = leaf.first_test; t < leaf.first_test + leaf.test_count; ++t) {
        PatternComparison& cmp = pattern_.comparisons[t];
        auto& types = leaf.object_types;
        auto it = std::find(types.begin(), types.end(), cmp.path.object_type);
        if (it == types.end()) it = types.insert(types.end(), cmp.path.object_type);
        cmp.type_slot = static_cast<uint32_t>(it - types.begin());
      }
      if (tok_.kind != Tok::kRBracket) {
        Fail(tok_.pos, "expected ']' to close the observation expression opened at position " +
                           std::to_string(position) + ", found " + Describe());
        return 0;
      }
      Advance();
      --depth_;
      const uint32_t index = AddObservation(std::move(leaf));
      pattern_.leaves.push_back(index);
      return index;
    }
    if (tok_.kind == Tok::kLParen) {
      if (!Enter(position)) return 0;
      Advance();
      const uint32_t inner = ObservationFollowedBy();
      if (failed()) return 0;
      if (tok_.kind != Tok::kRParen) {
        Fail(tok_.pos, "expected ')' to close the parenthesis opened at position " +
                           std::to_string(position) + ", found " + Describe());
        return 0;
      }
      Advance();
      --depth_;
      return inner;
    }
    Fail(position, "expected '[' or '(' to start an observation expression, found " + Describe());
    return 0;
  }

  // --- Comparison expressions ---

  template <typename Operand>
  uint32_t ComparisonChain(Tok keyword, PatternComparisonNode::Kind kind, Operand operand) {
    std::vector<uint32_t> children{operand()};
    while (!failed() && tok_.kind == keyword) {
      Advance();
      children.push_back(operand());
    }
    if (failed()) return 0;
    if (children.size() == 1) return children[0];
    PatternComparisonNode node;
    node.kind = kind;
    node.children = std::move(children);
    return AddComparisonNode(std::move(node));
  }

  uint32_t ComparisonOr() {
    return ComparisonChain(Tok::kOr, PatternComparisonNode::Kind::kOr,
                           [this] { return ComparisonAnd(); });
  }
  uint32_t ComparisonAnd() {
    return ComparisonChain(Tok::kAnd, PatternComparisonNode::Kind::kAnd,
                           [this] { return ComparisonPrimary(); });
  }

  uint32_t ComparisonPrimary() {
    const uint32_t position = tok_.pos;
    if (tok_.kind == Tok::kLParen) {
      if (!Enter(position)) return 0;
      Advance();
      const uint32_t inner = ComparisonOr();
      if (failed()) return 0;
      if (tok_.kind != Tok::kRParen) {
        Fail(tok_.pos, "expected ')' to close the parenthesis opened at position " +
                           std::to_string(position) + ", found " + Describe());
        return 0;
      }
      Advance();
      --depth_;
      return inner;
    }
    if (pattern_.comparisons.size() >= options_.max_comparisons) {
      Fail(position,
           "more than " + std::to_string(options_.max_comparisons) + " comparison expressions",
           ErrorCode::kTooLarge);
      return 0;
    }
    PatternComparison cmp;
    cmp.position = position;
    if (tok_.kind == Tok::kNot || tok_.kind == Tok::kExists) {
      cmp.negated = tok_.kind == Tok::kNot;
      Advance();
      if (cmp.negated && !Expect(Tok::kExists, "EXISTS after a leading NOT")) return 0;
      cmp.op = PatternOperator::kExists;
      cmp.position = tok_.pos;
      if (!ObjectPath(cmp.path)) return 0;
    } else {
      if (!ObjectPath(cmp.path)) return 0;
      if (tok_.kind == Tok::kNot) {
        cmp.negated = true;
        Advance();
      }
      if (!OperatorAndValue(cmp)) return 0;
    }
    cmp.property_path = cmp.path.PropertyPath();
    cmp.any_index = cmp.path.HasAnyIndex();
    if (!CheckComparison(cmp)) return 0;
    pattern_.comparisons.push_back(std::move(cmp));
    PatternComparisonNode node;
    node.kind = PatternComparisonNode::Kind::kTest;
    node.test = static_cast<uint32_t>(pattern_.comparisons.size() - 1);
    return AddComparisonNode(std::move(node));
  }

  bool ObjectPath(PatternObjectPath& path) {
    if (failed()) return false;
    if (tok_.kind != Tok::kIdent) {
      Fail(tok_.pos, "expected an object path such as file:name, found " + Describe());
      return false;
    }
    path.object_type = tok_.text;
    Advance();
    if (!Expect(Tok::kColon, "':' between the object type and the property")) return false;
    if (!KeyStep(path, "a property name after ':'")) return false;
    while (!failed()) {
      if (tok_.kind == Tok::kDot) {
        Advance();
        if (!KeyStep(path, "a property name after '.'")) return false;
      } else if (tok_.kind == Tok::kLBracket) {
        const uint32_t open = tok_.pos;
        Advance();
        PatternPathStep step;
        if (tok_.kind == Tok::kStar) {
          step.kind = PatternPathStep::Kind::kAnyIndex;
        } else if (tok_.kind == Tok::kInt) {
          step.kind = PatternPathStep::Kind::kIndex;
          step.index = tok_.int_value;
        } else {
          Fail(tok_.pos,
               "expected a list index or '*' after '[' in the object path, found " + Describe());
          return false;
        }
        Advance();
        if (tok_.kind != Tok::kRBracket) {
          Fail(tok_.pos, "expected ']' to close the list index opened at position " +
                             std::to_string(open) + ", found " + Describe());
          return false;
        }
        Advance();
        path.steps.push_back(std::move(step));
      } else {
        break;
      }
    }
    return !failed();
  }

  bool KeyStep(PatternObjectPath& path, std::string_view what) {
    // Unquoted keys with '-' are outside the strict grammar but appear in the specification's own
    // examples (file:extensions.windows-pebinary-ext...), which the OASIS validator accepts.
    if (tok_.kind != Tok::kIdent && tok_.kind != Tok::kString && tok_.kind != Tok::kBool) {
      Fail(tok_.pos, "expected " + std::string(what) + ", found " + Describe());
      return false;
    }
    PatternPathStep step;
    step.key = tok_.text;
    path.steps.push_back(std::move(step));
    Advance();
    return !failed();
  }

  bool OperatorAndValue(PatternComparison& cmp) {
    const Tok op = tok_.kind;
    const uint32_t op_pos = tok_.pos;
    switch (op) {
      case Tok::kEq:
        cmp.op = PatternOperator::kEqual;
        break;
      case Tok::kNe:
        cmp.op = PatternOperator::kNotEqual;
        break;
      case Tok::kLt:
        cmp.op = PatternOperator::kLess;
        break;
      case Tok::kLe:
        cmp.op = PatternOperator::kLessEqual;
        break;
      case Tok::kGt:
        cmp.op = PatternOperator::kGreater;
        break;
      case Tok::kGe:
        cmp.op = PatternOperator::kGreaterEqual;
        break;
      case Tok::kIn:
        cmp.op = PatternOperator::kIn;
        break;
      case Tok::kLike:
        cmp.op = PatternOperator::kLike;
        break;
      case Tok::kMatches:
        cmp.op = PatternOperator::kMatches;
        break;
      case Tok::kIsSubset:
        cmp.op = PatternOperator::kIsSubset;
        break;
      case Tok::kIsSuperset:
        cmp.op = PatternOperator::kIsSuperset;
        break;
      default:
        Fail(op_pos,
             "expected a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, "
             "ISSUBSET, ISSUPERSET) after the object path, found " +
                 Describe());
        return false;
    }
    Advance();
    if (failed()) return false;
    const std::string op_name(PatternOperatorName(cmp.op));
    if (cmp.op == PatternOperator::kIn) {
      if (!Expect(Tok::kLParen, "'(' to open the set after IN")) return false;
      if (tok_.kind != Tok::kRParen) {
        while (true) {
          PatternLiteral literal;
          if (!Literal(literal, /*allow_bool=*/true, "a value in the IN set")) return false;
          cmp.values.push_back(std::move(literal));
          if (tok_.kind != Tok::kComma) break;
          Advance();
        }
      }
      return Expect(Tok::kRParen, "',' or ')' in the IN set");
    }
    if (cmp.op == PatternOperator::kLike || cmp.op == PatternOperator::kMatches ||
        cmp.op == PatternOperator::kIsSubset || cmp.op == PatternOperator::kIsSuperset) {
      if (tok_.kind != Tok::kString) {
        Fail(tok_.pos, "expected a string literal after " + op_name + ", found " + Describe());
        return false;
      }
    }
    const bool ordered =
        cmp.op == PatternOperator::kLess || cmp.op == PatternOperator::kLessEqual ||
        cmp.op == PatternOperator::kGreater || cmp.op == PatternOperator::kGreaterEqual;
    PatternLiteral literal;
    if (!Literal(literal, !ordered, "a value after " + op_name)) return false;
    cmp.values.push_back(std::move(literal));
    return true;
  }

  bool Literal(PatternLiteral& literal, bool allow_bool, std::string_view what) {
    switch (tok_.kind) {
      case Tok::kString:
        literal.kind = PatternLiteral::Kind::kString;
        literal.bytes = tok_.text;
        literal.network = pattern_detail::ParseIpNetwork(literal.bytes);
        break;
      case Tok::kInt:
        literal.kind = PatternLiteral::Kind::kInt;
        literal.int_value = tok_.int_value;
        break;
      case Tok::kFloat:
        literal.kind = PatternLiteral::Kind::kFloat;
        literal.float_value = tok_.float_value;
        break;
      case Tok::kBool:
        if (!allow_bool) {
          Fail(tok_.pos, "a boolean cannot be compared with <, <=, > or >=");
          return false;
        }
        literal.kind = PatternLiteral::Kind::kBool;
        literal.bool_value = tok_.bool_value;
        break;
      case Tok::kTimestamp:
        literal.kind = PatternLiteral::Kind::kTimestamp;
        literal.timestamp = tok_.timestamp;
        literal.bytes = tok_.text;
        break;
      case Tok::kHex:
        literal.kind = PatternLiteral::Kind::kHex;
        literal.bytes = tok_.text;
        break;
      case Tok::kBinary:
        literal.kind = PatternLiteral::Kind::kBinary;
        literal.bytes = tok_.text;
        break;
      default:
        Fail(tok_.pos, "expected " + std::string(what) + ", found " + Describe());
        return false;
    }
    Advance();
    return !failed();
  }

  // Checks that need the whole comparison: hash forms, CIDRs, regular expressions.
  bool CheckComparison(PatternComparison& cmp) {
    const auto& steps = cmp.path.steps;
    const size_t n = steps.size();
    if ((cmp.op == PatternOperator::kEqual || cmp.op == PatternOperator::kNotEqual ||
         cmp.op == PatternOperator::kIn) &&
        n >= 2 && steps[n - 2].kind == PatternPathStep::Kind::kKey &&
        steps[n - 2].key == "hashes" && steps[n - 1].kind == PatternPathStep::Kind::kKey) {
      const std::string algorithm = pattern_detail::CanonicalHashKey(steps[n - 1].key);
      for (const PatternLiteral& v : cmp.values) {
        if (v.kind != PatternLiteral::Kind::kString) continue;
        if (pattern_detail::IsValidHashValue(algorithm, v.bytes) == false) {
          Fail(cmp.position, "'" + v.bytes + "' is not a valid " + algorithm + " hash");
          return false;
        }
      }
    }
    if (cmp.op == PatternOperator::kIsSubset || cmp.op == PatternOperator::kIsSuperset) {
      if (!cmp.values[0].network) {
        Fail(cmp.position, std::string(PatternOperatorName(cmp.op)) +
                               " needs an IPv4 or IPv6 address or CIDR, not '" +
                               cmp.values[0].bytes + "'");
        return false;
      }
    }
    if (cmp.op == PatternOperator::kMatches) {
      // Binary properties (*_bin, *_hex) are matched byte by byte: '\xd4' means the byte 0xd4
      // there, so their expressions are compiled as Latin-1 rather than UTF-8.
      const std::string& last = steps.back().key;
      const bool binary = steps.back().kind == PatternPathStep::Kind::kKey &&
                          (last.ends_with("_bin") || last.ends_with("_hex"));
      RE2::Options re_options;
      re_options.set_log_errors(false);
      re_options.set_max_mem(static_cast<int64_t>(options_.max_regex_bytes));
      if (binary) re_options.set_encoding(RE2::Options::EncodingLatin1);
      auto regex = std::make_shared<const RE2>(cmp.values[0].bytes, re_options);
      if (!regex->ok()) {
        Fail(cmp.position, "MATCHES regular expression not supported: " + regex->error());
        return false;
      }
      cmp.regex = std::move(regex);
    }
    return true;
  }

  std::string_view text_;
  Lexer lexer_;
  const PatternParseOptions& options_;
  Token tok_;
  uint32_t depth_ = 0;
  std::optional<Error> error_;
  Pattern pattern_;
};

}  // namespace

Result<Pattern> ParsePattern(std::string_view text, const PatternParseOptions& options) {
  if (text.size() > options.max_bytes) {
    return Fail(ErrorCode::kTooLarge, "pattern of " + std::to_string(text.size()) +
                                          " bytes exceeds the limit of " +
                                          std::to_string(options.max_bytes));
  }
  return Parser(text, options).Run();
}

}  // namespace socmesh::model
