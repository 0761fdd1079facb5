#include "formats/iodef/detail/pattern_tree.hpp"

#include <cctype>

namespace socmesh::formats::iodef::detail {
namespace {

constexpr int kMaxNesting = 32;

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  std::optional<PatternNode> Run(std::string* why) {
    auto node = Observations(0);
    Skip();
    if (node && pos_ != s_.size()) Fail("unexpected text at offset " + std::to_string(pos_));
    if (!error_.empty()) {
      *why = error_;
      return std::nullopt;
    }
    return node;
  }

 private:
  void Fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
  }
  void Skip() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool Eat(char c) {
    Skip();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  // Reads AND / OR as whole words; returns 0 when neither follows.
  char Operator() {
    Skip();
    auto word = [&](std::string_view w) {
      if (s_.substr(pos_, w.size()) != w) return false;
      size_t end = pos_ + w.size();
      return end == s_.size() || !std::isalnum(static_cast<unsigned char>(s_[end]));
    };
    if (word("AND")) {
      pos_ += 3;
      return 'A';
    }
    if (word("OR")) {
      pos_ += 2;
      return 'O';
    }
    return 0;
  }

  // Joins operands with one operator; mixing AND and OR at one level follows STIX precedence
  // (AND binds tighter) by grouping the AND runs first.
  template <typename Operand>
  std::optional<PatternNode> Join(Operand operand, bool bracket) {
    std::vector<PatternNode> or_parts;
    std::vector<PatternNode> and_run;
    auto first = operand();
    if (!first) return std::nullopt;
    and_run.push_back(std::move(*first));
    while (true) {
      size_t save = pos_;
      char op = Operator();
      if (op == 0) {
        pos_ = save;
        break;
      }
      auto next = operand();
      if (!next) return std::nullopt;
      if (op == 'O') {
        or_parts.push_back(Group(std::move(and_run), PatternNode::Kind::kAnd, bracket));
        and_run.clear();
      }
      and_run.push_back(std::move(*next));
    }
    or_parts.push_back(Group(std::move(and_run), PatternNode::Kind::kAnd, bracket));
    return Group(std::move(or_parts), PatternNode::Kind::kOr, bracket);
  }

  static PatternNode Group(std::vector<PatternNode> parts, PatternNode::Kind kind, bool bracket) {
    if (parts.size() == 1) return std::move(parts.front());
    PatternNode n;
    n.kind = kind;
    n.bracket = bracket;
    n.children = std::move(parts);
    return n;
  }

  std::optional<PatternNode> Observations(int depth) {
    if (depth > kMaxNesting) {
      Fail("pattern nested deeper than " + std::to_string(kMaxNesting));
      return std::nullopt;
    }
    return Join([&] { return Observation(depth); }, false);
  }

  std::optional<PatternNode> Observation(int depth) {
    std::optional<PatternNode> node;
    if (Eat('(')) {
      node = Observations(depth + 1);
      if (node && !Eat(')')) Fail("missing ) at offset " + std::to_string(pos_));
    } else if (Eat('[')) {
      node = Comparisons(depth + 1);
      if (node && !Eat(']')) Fail("missing ] at offset " + std::to_string(pos_));
      if (node) node->bracket = true;
    } else {
      Fail("expected [ or ( at offset " + std::to_string(pos_));
    }
    if (!error_.empty()) return std::nullopt;
    Skip();
    for (std::string_view q : {"WITHIN", "REPEATS", "START", "FOLLOWEDBY"}) {
      if (s_.substr(pos_, q.size()) == q) {
        Fail(std::string(q) + " has no IODEF equivalent");
        return std::nullopt;
      }
    }
    return node;
  }

  std::optional<PatternNode> Comparisons(int depth) {
    if (depth > kMaxNesting) {
      Fail("pattern nested deeper than " + std::to_string(kMaxNesting));
      return std::nullopt;
    }
    return Join([&] { return Comparison(depth); }, true);
  }

  std::optional<PatternNode> Comparison(int depth) {
    if (Eat('(')) {
      auto inner = Comparisons(depth + 1);
      if (inner && !Eat(')')) Fail("missing ) at offset " + std::to_string(pos_));
      if (!error_.empty()) return std::nullopt;
      return inner;
    }
    Skip();
    size_t colon = s_.find(':', pos_);
    if (colon == std::string_view::npos) {
      Fail("expected an object path at offset " + std::to_string(pos_));
      return std::nullopt;
    }
    PatternNode n;
    n.object_type = std::string(s_.substr(pos_, colon - pos_));
    pos_ = colon + 1;
    // The path runs to the operator; quoted components may hold spaces.
    size_t start = pos_;
    bool quoted = false;
    while (pos_ < s_.size() && (quoted || !std::isspace(static_cast<unsigned char>(s_[pos_])))) {
      if (s_[pos_] == '\'') quoted = !quoted;
      if (!quoted && s_[pos_] == '=') break;
      ++pos_;
    }
    n.path = std::string(s_.substr(start, pos_ - start));
    if (!Eat('=')) {
      Fail("only = comparisons have an IODEF equivalent (" + n.object_type + ":" + n.path + ")");
      return std::nullopt;
    }
    Skip();
    if (pos_ < s_.size() && s_[pos_] == '\'') {
      ++pos_;
      while (pos_ < s_.size() && s_[pos_] != '\'') {
        if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;
        n.value.push_back(s_[pos_++]);
      }
      if (pos_ >= s_.size()) {
        Fail("unterminated string");
        return std::nullopt;
      }
      ++pos_;
    } else {
      while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) ||
                                  s_[pos_] == '.' || s_[pos_] == '-')) {
        n.value.push_back(s_[pos_++]);
      }
      if (n.value.empty()) {
        Fail("expected a literal at offset " + std::to_string(pos_));
        return std::nullopt;
      }
    }
    return n;
  }

  std::string_view s_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace

std::optional<PatternNode> ParsePatternSubset(std::string_view pattern, std::string* why) {
  return Parser(pattern).Run(why);
}

}  // namespace socmesh::formats::iodef::detail
