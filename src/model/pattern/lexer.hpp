// Internal to the STIX pattern parser: the tokens of STIXPattern.g4 (STIX 2.1 flavour).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "model/timestamp.hpp"

namespace socmesh::model::pattern_detail {

enum class Tok : uint8_t {
  kEnd,
  kLBracket,
  kRBracket,
  kLParen,
  kRParen,
  kColon,
  kDot,
  kComma,
  kStar,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kIdent,
  kString,
  kInt,
  kFloat,
  kTimestamp,
  kHex,
  kBinary,
  kBool,
  // Keywords (upper case only, as in the grammar).
  kAnd,
  kOr,
  kNot,
  kFollowedBy,
  kLike,
  kMatches,
  kIsSubset,
  kIsSuperset,
  kIn,
  kStart,
  kStop,
  kSeconds,
  kWithin,
  kRepeats,
  kTimes,
  kExists,
  kLast,  // reserved by the grammar, used by no rule
};

struct Token {
  Tok kind = Tok::kEnd;
  uint32_t pos = 0;      // byte offset of the first character
  uint32_t end = 0;      // byte offset after the last character
  std::string text;      // kIdent: the name; kString: unescaped; kHex / kBinary: decoded bytes
  bool hyphen = false;   // kIdent containing '-' (allowed in object types only, by the grammar)
  bool signed_ = false;  // kInt / kFloat written with a leading '+' or '-'
  int64_t int_value = 0;
  double float_value = 0;
  bool bool_value = false;
  Timestamp timestamp;
};

// Describes a token for error messages: "']'", "end of pattern", "string 'abc'".
std::string DescribeToken(const Token& token, std::string_view source);

class Lexer {
 public:
  explicit Lexer(std::string_view source) : src_(source) {}

  // The next token, or kParse "position N: reason" for text no token can start with.
  Result<Token> Next();

 private:
  Result<void> SkipSpaceAndComments();
  Result<Token> Number(size_t start);
  Result<Token> Quoted(size_t start, Tok kind);

  std::string_view src_;
  size_t pos_ = 0;
};

// "position N: message".
Error PositionError(size_t position, std::string_view message, ErrorCode code = ErrorCode::kParse);

}  // namespace socmesh::model::pattern_detail
