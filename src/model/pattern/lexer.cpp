#include "model/pattern/lexer.hpp"

#include <charconv>
#include <cstring>

#include "model/pattern/values.hpp"

namespace socmesh::model::pattern_detail {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c) || c == '-'; }

// Byte length of a whitespace character of the grammar's WS rule at s[i], 0 if none. Besides ASCII
// it lists the Unicode spaces U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F,
// U+205F and U+3000 (here in UTF-8).
size_t SpaceLength(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const char c = s[i];
  if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f') return 1;
  const size_t left = s.size() - i;
  if (left >= 2 && b(0) == 0xC2 && (b(1) == 0x85 || b(1) == 0xA0)) return 2;
  if (left >= 3 && b(0) == 0xE1 && b(1) == 0x9A && b(2) == 0x80) return 3;
  if (left >= 3 && b(0) == 0xE2 && b(1) == 0x80 &&
      ((b(2) >= 0x80 && b(2) <= 0x8A) || b(2) == 0xA8 || b(2) == 0xA9 || b(2) == 0xAF)) {
    return 3;
  }
  if (left >= 3 && b(0) == 0xE2 && b(1) == 0x81 && b(2) == 0x9F) return 3;
  if (left >= 3 && b(0) == 0xE3 && b(1) == 0x80 && b(2) == 0x80) return 3;
  return 0;
}

struct Keyword {
  std::string_view word;
  Tok kind;
};
constexpr Keyword kKeywords[] = {
    {"AND", Tok::kAnd},
    {"OR", Tok::kOr},
    {"NOT", Tok::kNot},
    {"FOLLOWEDBY", Tok::kFollowedBy},
    {"LIKE", Tok::kLike},
    {"MATCHES", Tok::kMatches},
    {"ISSUBSET", Tok::kIsSubset},
    {"ISSUPERSET", Tok::kIsSuperset},
    {"IN", Tok::kIn},
    {"START", Tok::kStart},
    {"STOP", Tok::kStop},
    {"SECONDS", Tok::kSeconds},
    {"WITHIN", Tok::kWithin},
    {"REPEATS", Tok::kRepeats},
    {"TIMES", Tok::kTimes},
    {"EXISTS", Tok::kExists},
    {"LAST", Tok::kLast},
};

// Shows at most 24 bytes of source text.
std::string Excerpt(std::string_view text) {
  if (text.size() <= 24) return std::string(text);
  return std::string(text.substr(0, 24)) + "...";
}

}  // namespace

Error PositionError(size_t position, std::string_view message, ErrorCode code) {
  return Error{code, "position " + std::to_string(position) + ": " + std::string(message)};
}

std::string DescribeToken(const Token& token, std::string_view source) {
  if (token.kind == Tok::kEnd) return "end of pattern";
  const std::string_view text = source.substr(token.pos, token.end - token.pos);
  return "'" + Excerpt(text) + "'";
}

Result<void> Lexer::SkipSpaceAndComments() {
  while (pos_ < src_.size()) {
    if (size_t n = SpaceLength(src_, pos_); n > 0) {
      pos_ += n;
    } else if (src_.substr(pos_).starts_with("/*")) {
      const size_t close = src_.find("*/", pos_ + 2);
      if (close == std::string_view::npos) {
        return std::unexpected(PositionError(pos_, "unterminated comment"));
      }
      pos_ = close + 2;
    } else if (src_.substr(pos_).starts_with("//")) {
      while (pos_ < src_.size() && src_[pos_] != '\n' && src_[pos_] != '\r') ++pos_;
    } else {
      break;
    }
  }
  return {};
}

Result<Token> Lexer::Next() {
  if (auto ok = SkipSpaceAndComments(); !ok) return std::unexpected(ok.error());
  Token t;
  t.pos = static_cast<uint32_t>(pos_);
  if (pos_ >= src_.size()) {
    t.end = t.pos;
    return t;
  }
  const char c = src_[pos_];
  const char next = pos_ + 1 < src_.size() ? src_[pos_ + 1] : '\0';
  auto single = [&](Tok kind, size_t length = 1) {
    pos_ += length;
    t.kind = kind;
    t.end = static_cast<uint32_t>(pos_);
    return t;
  };
  switch (c) {
    case '[':
      return single(Tok::kLBracket);
    case ']':
      return single(Tok::kRBracket);
    case '(':
      return single(Tok::kLParen);
    case ')':
      return single(Tok::kRParen);
    case ':':
      return single(Tok::kColon);
    case ',':
      return single(Tok::kComma);
    case '*':
      return single(Tok::kStar);
    case '=':
      return next == '=' ? single(Tok::kEq, 2) : single(Tok::kEq);
    case '!':
      if (next == '=') return single(Tok::kNe, 2);
      break;
    case '<':
      if (next == '>') return single(Tok::kNe, 2);
      if (next == '=') return single(Tok::kLe, 2);
      return single(Tok::kLt);
    case '>':
      return next == '=' ? single(Tok::kGe, 2) : single(Tok::kGt);
    case '\'':
      return Quoted(pos_, Tok::kString);
    case '.':
      if (IsDigit(next)) return Number(pos_);
      return single(Tok::kDot);
    default:
      break;
  }
  if (IsDigit(c) || ((c == '+' || c == '-') && (IsDigit(next) || next == '.'))) {
    return Number(pos_);
  }
  if (next == '\'' && (c == 't' || c == 'h' || c == 'b')) {
    return Quoted(pos_, c == 't' ? Tok::kTimestamp : c == 'h' ? Tok::kHex : Tok::kBinary);
  }
  if (IsIdentStart(c)) {
    size_t end = pos_ + 1;
    while (end < src_.size() && IsIdentChar(src_[end])) ++end;
    t.text = std::string(src_.substr(pos_, end - pos_));
    t.hyphen = t.text.find('-') != std::string::npos;
    pos_ = end;
    t.end = static_cast<uint32_t>(end);
    t.kind = Tok::kIdent;
    if (t.text == "true" || t.text == "false") {
      t.kind = Tok::kBool;
      t.bool_value = t.text == "true";
    }
    for (const Keyword& k : kKeywords) {
      if (t.text == k.word) t.kind = k.kind;
    }
    return t;
  }
  const unsigned char u = static_cast<unsigned char>(c);
  std::string shown = (u >= 0x20 && u < 0x7F)
                          ? "'" + std::string(1, c) + "'"
                          : "byte 0x" + std::string(1, "0123456789abcdef"[u >> 4]) +
                                std::string(1, "0123456789abcdef"[u & 15]);
  return std::unexpected(PositionError(pos_, "unexpected character " + shown));
}

Result<Token> Lexer::Number(size_t start) {
  Token t;
  t.pos = static_cast<uint32_t>(start);
  size_t i = start;
  if (src_[i] == '+' || src_[i] == '-') {
    t.signed_ = true;
    ++i;
  }
  const size_t digits_start = i;
  while (i < src_.size() && IsDigit(src_[i])) ++i;
  const size_t int_digits = i - digits_start;
  bool is_float = false;
  if (i < src_.size() && src_[i] == '.' && i + 1 < src_.size() && IsDigit(src_[i + 1])) {
    is_float = true;
    ++i;
    while (i < src_.size() && IsDigit(src_[i])) ++i;
  }
  pos_ = i;
  t.end = static_cast<uint32_t>(i);
  // The number as from_chars reads it: no '+' sign.
  std::string_view text = src_.substr(start, i - start);
  if (text.starts_with('+')) text.remove_prefix(1);
  if (is_float) {
    t.kind = Tok::kFloat;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), t.float_value);
    if (ec != std::errc()) return std::unexpected(PositionError(start, "number out of range"));
    return t;
  }
  if (int_digits > 1 && src_[digits_start] == '0') {
    return std::unexpected(PositionError(start, "integer with a leading zero"));
  }
  t.kind = Tok::kInt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), t.int_value);
  if (ec != std::errc()) {
    return std::unexpected(PositionError(start, "integer out of the 64-bit range"));
  }
  return t;
}

Result<Token> Lexer::Quoted(size_t start, Tok kind) {
  Token t;
  t.kind = kind;
  t.pos = static_cast<uint32_t>(start);
  size_t i = start + (kind == Tok::kString ? 1 : 2);
  std::string raw;
  bool closed = false;
  while (i < src_.size()) {
    const char c = src_[i];
    if (c == '\'') {
      closed = true;
      ++i;
      break;
    }
    if (c == '\\') {
      const char e = i + 1 < src_.size() ? src_[i + 1] : '\0';
      if (e != '\'' && e != '\\') {
        return std::unexpected(
            PositionError(i, "invalid escape in string literal (only \\' and \\\\ are allowed)"));
      }
      raw += e;
      i += 2;
      continue;
    }
    raw += c;
    ++i;
  }
  if (!closed) return std::unexpected(PositionError(start, "unterminated string literal"));
  pos_ = i;
  t.end = static_cast<uint32_t>(i);
  switch (kind) {
    case Tok::kTimestamp: {
      Result<Timestamp> ts = ParseTimestamp(raw);
      if (!ts) {
        return std::unexpected(
            PositionError(start, "invalid timestamp literal: " + ts.error().message));
      }
      t.timestamp = *ts;
      t.text = std::move(raw);
      return t;
    }
    case Tok::kHex: {
      std::optional<std::string> bytes = DecodeHex(raw);
      if (!bytes) {
        return std::unexpected(
            PositionError(start, "invalid hex literal: expected pairs of hexadecimal digits"));
      }
      t.text = std::move(*bytes);
      return t;
    }
    case Tok::kBinary: {
      std::optional<std::string> bytes = raw.empty() ? std::nullopt : DecodeBase64(raw);
      if (!bytes) {
        return std::unexpected(PositionError(start, "invalid binary literal: expected base64"));
      }
      t.text = std::move(*bytes);
      return t;
    }
    default:
      t.text = std::move(raw);
      return t;
  }
}

}  // namespace socmesh::model::pattern_detail
