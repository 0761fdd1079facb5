// Printing patterns back as text, and the property-path form shared with observations.
#include <charconv>
#include <cstdio>

#include "model/pattern.hpp"
#include "model/pattern/values.hpp"

namespace socmesh::model {
namespace {

using pattern_detail::AppendQuoted;
using pattern_detail::KeyNeedsQuotes;

void AppendKey(std::string& out, std::string_view key) {
  if (KeyNeedsQuotes(key)) {
    AppendQuoted(out, key);
  } else {
    out += key;
  }
}

void AppendHex(std::string& out, std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
}

void AppendBase64(std::string& out, std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const size_t rest = bytes.size() - i;
  if (rest == 0) return;
  uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
  if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
  out += kAlphabet[(v >> 18) & 63];
  out += kAlphabet[(v >> 12) & 63];
  out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
  out += '=';
}

void AppendLiteral(std::string& out, const PatternLiteral& v) {
  switch (v.kind) {
    case PatternLiteral::Kind::kString:
      AppendQuoted(out, v.bytes);
      break;
    case PatternLiteral::Kind::kInt:
      out += std::to_string(v.int_value);
      break;
    case PatternLiteral::Kind::kFloat: {
      // Shortest text that reads back as the same double, without exponent (the grammar has none)
      // and with the '.' the grammar needs.
      char buf[400];
      auto [end, ec] =
          std::to_chars(buf, buf + sizeof buf, v.float_value, std::chars_format::fixed);
      std::string text = ec == std::errc() ? std::string(buf, end) : "0";
      if (text.find('.') == std::string::npos) text += ".0";
      out += text;
      break;
    }
    case PatternLiteral::Kind::kBool:
      out += v.bool_value ? "true" : "false";
      break;
    case PatternLiteral::Kind::kTimestamp:
      out += "t'";
      out += FormatTimestamp(v.timestamp, /*micro=*/true);
      out += '\'';
      break;
    case PatternLiteral::Kind::kHex:
      out += "h'";
      AppendHex(out, v.bytes);
      out += '\'';
      break;
    case PatternLiteral::Kind::kBinary:
      out += "b'";
      AppendBase64(out, v.bytes);
      out += '\'';
      break;
  }
}

void AppendPath(std::string& out, const PatternObjectPath& path) {
  out += path.object_type;
  out += ':';
  bool first = true;
  for (const PatternPathStep& step : path.steps) {
    switch (step.kind) {
      case PatternPathStep::Kind::kKey:
        if (!first) out += '.';
        AppendKey(out, step.key);
        break;
      case PatternPathStep::Kind::kIndex:
        out += "[" + std::to_string(step.index) + "]";
        break;
      case PatternPathStep::Kind::kAnyIndex:
        out += "[*]";
        break;
    }
    first = false;
  }
}

void AppendComparison(std::string& out, const Pattern& p, uint32_t index) {
  const PatternComparisonNode& node = p.comparison_nodes[index];
  if (node.kind == PatternComparisonNode::Kind::kTest) {
    const PatternComparison& c = p.comparisons[node.test];
    if (c.op == PatternOperator::kExists) {
      out += c.negated ? "NOT EXISTS " : "EXISTS ";
      AppendPath(out, c.path);
      return;
    }
    AppendPath(out, c.path);
    out += c.negated ? " NOT " : " ";
    out += PatternOperatorName(c.op);
    out += ' ';
    if (c.op == PatternOperator::kIn) {
      out += '(';
      for (size_t i = 0; i < c.values.size(); ++i) {
        if (i > 0) out += ", ";
        AppendLiteral(out, c.values[i]);
      }
      out += ')';
    } else {
      AppendLiteral(out, c.values[0]);
    }
    return;
  }
  const char* op = node.kind == PatternComparisonNode::Kind::kAnd ? " AND " : " OR ";
  out += '(';
  for (size_t i = 0; i < node.children.size(); ++i) {
    if (i > 0) out += op;
    AppendComparison(out, p, node.children[i]);
  }
  out += ')';
}

void AppendObservation(std::string& out, const Pattern& p, uint32_t index) {
  using Kind = PatternObservationNode::Kind;
  const PatternObservationNode& node = p.observation_nodes[index];
  switch (node.kind) {
    case Kind::kLeaf:
      out += '[';
      AppendComparison(out, p, node.comparison_root);
      out += ']';
      return;
    case Kind::kAnd:
    case Kind::kOr:
    case Kind::kFollowedBy: {
      const char* op = node.kind == Kind::kAnd  ? " AND "
                       : node.kind == Kind::kOr ? " OR "
                                                : " FOLLOWEDBY ";
      out += '(';
      for (size_t i = 0; i < node.children.size(); ++i) {
        if (i > 0) out += op;
        AppendObservation(out, p, node.children[i]);
      }
      out += ')';
      return;
    }
    case Kind::kWithin: {
      out += '(';
      AppendObservation(out, p, node.children[0]);
      out += ") WITHIN ";
      const int64_t whole = node.within_micros / 1000000;
      const int64_t frac = node.within_micros % 1000000;
      out += std::to_string(whole);
      if (frac != 0) {
        char buf[16];
        std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(frac));
        std::string f = buf;
        while (f.back() == '0') f.pop_back();
        out += f;
      }
      out += " SECONDS";
      return;
    }
    case Kind::kRepeats:
      out += '(';
      AppendObservation(out, p, node.children[0]);
      out += ") REPEATS " + std::to_string(node.repeats) + " TIMES";
      return;
    case Kind::kStartStop:
      out += '(';
      AppendObservation(out, p, node.children[0]);
      out += ") START t'" + FormatTimestamp(node.start, true) + "' STOP t'" +
             FormatTimestamp(node.stop, true) + "'";
      return;
  }
}

}  // namespace

std::string_view PatternOperatorName(PatternOperator op) {
  switch (op) {
    case PatternOperator::kEqual:
      return "=";
    case PatternOperator::kNotEqual:
      return "!=";
    case PatternOperator::kLess:
      return "<";
    case PatternOperator::kLessEqual:
      return "<=";
    case PatternOperator::kGreater:
      return ">";
    case PatternOperator::kGreaterEqual:
      return ">=";
    case PatternOperator::kIn:
      return "IN";
    case PatternOperator::kLike:
      return "LIKE";
    case PatternOperator::kMatches:
      return "MATCHES";
    case PatternOperator::kIsSubset:
      return "ISSUBSET";
    case PatternOperator::kIsSuperset:
      return "ISSUPERSET";
    case PatternOperator::kExists:
      return "EXISTS";
  }
  return "?";
}

std::string PatternObjectPath::PropertyPath() const {
  std::string out;
  for (size_t i = 0; i < steps.size(); ++i) {
    const PatternPathStep& step = steps[i];
    switch (step.kind) {
      case PatternPathStep::Kind::kKey:
        if (i > 0) out += '.';
        if (i > 0 && steps[i - 1].kind == PatternPathStep::Kind::kKey &&
            steps[i - 1].key == "hashes") {
          out += pattern_detail::CanonicalHashKey(step.key);
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

bool PatternObjectPath::HasAnyIndex() const {
  for (const PatternPathStep& step : steps) {
    if (step.kind == PatternPathStep::Kind::kAnyIndex) return true;
  }
  return false;
}

std::string FormatPattern(const Pattern& pattern) {
  std::string out;
  if (pattern.observation_nodes.empty()) return out;
  AppendObservation(out, pattern, pattern.root);
  return out;
}

}  // namespace socmesh::model
