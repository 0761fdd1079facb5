#include "model/canonical_json.hpp"

#include <simdjson.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/detail/canonical_dom.hpp"
#include "model/detail/json_parse.hpp"

namespace socmesh::model {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// Every integer up to this magnitude is an IEEE-754 double, so JCS (which reads every number as a
// double) writes it back unchanged.
constexpr uint64_t kMaxExactInteger = uint64_t{1} << 53;

// ---------------------------------------------------------------------------------------------
// Strings

constexpr uint64_t kEveryByte = 0x0101010101010101ULL;
constexpr uint64_t kHighBits = 0x8080808080808080ULL;

// Exact as a yes/no answer (the per-byte bits above the first hit may be wrong, which is fine).
inline bool HasZeroByte(uint64_t w) { return ((w - kEveryByte) & ~w & kHighBits) != 0; }

// True when one of the 8 bytes in `w` is '"', '\\' or below 0x20. Checking 8 bytes at a time
// matters because most string bytes in STIX (descriptions, patterns) need no escaping at all.
inline bool WordNeedsEscape(uint64_t w) {
  const bool has_control = ((w - kEveryByte * 0x20) & ~w & kHighBits) != 0;
  return has_control || HasZeroByte(w ^ (kEveryByte * '"')) || HasZeroByte(w ^ (kEveryByte * '\\'));
}

inline bool ByteNeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

inline uint64_t Load8(const unsigned char* p);

// The first byte in [p, end) that JCS escapes, or `end`: 16 bytes per step where SSE2 is there
// (every x86-64), then 8, then single bytes.
inline const unsigned char* SkipPlainBytes(const unsigned char* p, const unsigned char* end) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i space = _mm_set1_epi8(0x20);
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i special = _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash));
    const __m128i printable = _mm_cmpeq_epi8(_mm_max_epu8(v, space), v);  // unsigned v >= 0x20
    const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(special)) |
                          (~static_cast<unsigned>(_mm_movemask_epi8(printable)) & 0xFFFFu);
    if (mask != 0) return p + __builtin_ctz(mask);
    p += 16;
  }
#endif
  while (end - p >= 8 && !WordNeedsEscape(Load8(p))) p += 8;
  while (p != end && !ByteNeedsEscape(*p)) ++p;
  return p;
}

void AppendEscape(std::string& out, unsigned char c) {
  switch (c) {
    case '"':
      out.append("\\\"");
      return;
    case '\\':
      out.append("\\\\");
      return;
    case '\b':
      out.append("\\b");
      return;
    case '\t':
      out.append("\\t");
      return;
    case '\n':
      out.append("\\n");
      return;
    case '\f':
      out.append("\\f");
      return;
    case '\r':
      out.append("\\r");
      return;
    default: {
      static constexpr char kHex[] = "0123456789abcdef";
      const char escape[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
      out.append(escape, sizeof escape);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Numbers

// Appends `value` and returns the digits written.
template <typename Integer>
std::string_view AppendInteger(std::string& out, Integer value) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  const size_t start = out.size();
  out.append(buf, end);
  return std::string_view(out).substr(start);
}

// Beyond 2^53 an integer literal survives JCS only when it is exactly how JCS writes the nearest
// double: 9007199254740993 would silently become 9007199254740992, while 1152921504606847000 (how
// JCS writes 2^60) must be accepted, or canonical output could not be canonicalized again.
std::optional<std::string> JcsChangedInteger(std::string_view literal, double nearest) {
  std::string canonical;
  AppendJcsNumber(canonical, nearest);
  if (canonical == literal) return std::nullopt;
  return canonical;
}

// ---------------------------------------------------------------------------------------------
// Property order

inline uint64_t Load8(const unsigned char* p) {
  uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

// UTF-8 byte order is code point order, and UTF-16 code unit order agrees with it except where a
// supplementary character (a surrogate pair, 0xD800-0xDBFF first) meets U+E000-U+FFFF. At the
// first differing byte both strings are at the same character boundary (their prefixes are
// identical), so only the two lead bytes decide: 4-byte leads are 0xF0-0xF4 and the characters
// U+E000-U+FFFF have the lead bytes 0xEE and 0xEF.
inline bool KeyLess(std::string_view a, std::string_view b) {
  const auto* pa = reinterpret_cast<const unsigned char*>(a.data());
  const auto* pb = reinterpret_cast<const unsigned char*>(b.data());
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i + 8 <= n && Load8(pa + i) == Load8(pb + i)) i += 8;
  while (i < n && pa[i] == pb[i]) ++i;
  if (i == n) return a.size() < b.size();
  const unsigned x = pa[i];
  const unsigned y = pb[i];
  if (x >= 0xF0 && (y == 0xEE || y == 0xEF)) return true;
  if (y >= 0xF0 && (x == 0xEE || x == 0xEF)) return false;
  return x < y;
}

// ---------------------------------------------------------------------------------------------
// Error messages

// Longest key quoted in an error message; property names are attacker-controlled.
constexpr size_t kMaxQuotedKey = 64;

std::string QuoteKey(std::string_view key) {
  size_t cut = key.size();
  if (cut > kMaxQuotedKey) {
    cut = kMaxQuotedKey;
    // Never split a UTF-8 sequence: the message must stay valid UTF-8.
    while (cut > 0 && (static_cast<unsigned char>(key[cut]) & 0xC0) == 0x80) --cut;
  }
  std::string quoted;
  AppendJcsString(quoted, key.substr(0, cut));
  if (cut < key.size()) quoted.append("...");
  return quoted;
}

bool IsPlainKey(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// The JSON path of a value is only needed when reporting an error, so the canonicalizer keeps a
// chain of stack-allocated nodes and turns it into text on failure.
struct PathNode {
  const PathNode* parent;
  std::string_view key;  // property name, unless is_index
  size_t index;
  bool is_index;
};

std::string FormatPath(std::string_view root, const PathNode* node) {
  std::vector<const PathNode*> chain;
  for (; node != nullptr; node = node->parent) chain.push_back(node);
  std::string path(root);
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const PathNode& n = **it;
    if (n.is_index) {
      path.push_back('[');
      path.append(std::to_string(n.index));
      path.push_back(']');
    } else if (IsPlainKey(n.key) && n.key.size() <= kMaxQuotedKey) {
      path.push_back('.');
      path.append(n.key);
    } else {
      path.push_back('[');
      path.append(QuoteKey(n.key));
      path.push_back(']');
    }
  }
  return path;
}

// ---------------------------------------------------------------------------------------------
// Canonicalization of a DOM tree

struct Member {
  std::string_view key;
  element value;
};

// Members of all objects currently being written, innermost object last. Sharing one vector per
// thread avoids an allocation per object on the hot path.
std::vector<Member>& MemberStack() {
  thread_local std::vector<Member> stack;
  return stack;
}

// Above this many entries the shared vector is released after use (a pathological input should not
// pin its memory for the thread's lifetime).
constexpr size_t kMaxRetainedMembers = size_t{1} << 16;

class Canonicalizer {
 public:
  Canonicalizer(std::string& out, std::string_view root_path, size_t max_depth,
                std::vector<Member>& members)
      : out_(out), root_path_(root_path), max_depth_(max_depth), members_(members) {}

  // `depth` is the number of arrays/objects enclosing `value`.
  Result<void> Write(element value, const PathNode* path, size_t depth) {
    switch (value.type()) {
      case element_type::OBJECT:
        if (depth >= max_depth_) return TooDeep(path);
        return WriteObject(value.get_object().value_unsafe(), path, depth + 1);
      case element_type::ARRAY:
        if (depth >= max_depth_) return TooDeep(path);
        return WriteArray(value.get_array().value_unsafe(), path, depth + 1);
      case element_type::STRING:
        AppendJcsString(out_, value.get_string().value_unsafe());
        return {};
      case element_type::INT64: {
        const int64_t v = value.get_int64().value_unsafe();
        const uint64_t magnitude = v < 0 ? uint64_t{0} - static_cast<uint64_t>(v) : v;
        const std::string_view text = AppendInteger(out_, v);
        if (magnitude > kMaxExactInteger) {
          if (auto changed = JcsChangedInteger(text, static_cast<double>(v))) {
            return Inexact(text, *changed, path);
          }
        }
        return {};
      }
      case element_type::UINT64: {  // simdjson's type for integers above INT64_MAX
        const uint64_t v = value.get_uint64().value_unsafe();
        const std::string_view text = AppendInteger(out_, v);
        if (auto changed = JcsChangedInteger(text, static_cast<double>(v))) {
          return Inexact(text, *changed, path);
        }
        return {};
      }
      case element_type::DOUBLE:
        AppendJcsNumber(out_, value.get_double().value_unsafe());
        return {};
      case element_type::BOOL:
        out_.append(value.get_bool().value_unsafe() ? "true" : "false");
        return {};
      case element_type::NULL_VALUE:
        out_.append("null");
        return {};
    }
    return Fail(ErrorCode::kInternal, "unknown simdjson element type at " + Path(path));
  }

 private:
  Result<void> WriteObject(simdjson::dom::object object, const PathNode* path, size_t depth) {
    const size_t base = members_.size();
    for (simdjson::dom::key_value_pair field : object) {
      members_.push_back(Member{field.key, field.value});
    }
    const auto by_key = [](const Member& a, const Member& b) { return KeyLess(a.key, b.key); };
    // Input that is already canonical (re-canonicalisation, stored objects) is common.
    if (!std::is_sorted(members_.begin() + base, members_.end(), by_key)) {
      std::sort(members_.begin() + base, members_.end(), by_key);
    }
    const size_t end = members_.size();
    for (size_t i = base + 1; i < end; ++i) {
      if (members_[i].key == members_[i - 1].key) {
        std::string message = "duplicate property name " + QuoteKey(members_[i].key) +
                              " in the object at " + Path(path);
        members_.erase(members_.begin() + base, members_.end());
        return Fail(ErrorCode::kInvalidArgument, std::move(message));
      }
    }
    out_.push_back('{');
    for (size_t i = base; i < end; ++i) {
      if (i != base) out_.push_back(',');
      // A copy: writing a nested object appends to members_, which may reallocate.
      const Member member = members_[i];
      AppendJcsString(out_, member.key);
      out_.push_back(':');
      const PathNode node{path, member.key, 0, false};
      if (auto written = Write(member.value, &node, depth); !written) {
        members_.erase(members_.begin() + base, members_.end());
        return written;
      }
    }
    members_.erase(members_.begin() + base, members_.end());
    out_.push_back('}');
    return {};
  }

  Result<void> WriteArray(simdjson::dom::array array, const PathNode* path, size_t depth) {
    out_.push_back('[');
    size_t index = 0;
    for (element item : array) {
      if (index != 0) out_.push_back(',');
      const PathNode node{path, {}, index, true};
      if (auto written = Write(item, &node, depth); !written) return written;
      ++index;
    }
    out_.push_back(']');
    return {};
  }

  std::string Path(const PathNode* path) const { return FormatPath(root_path_, path); }

  std::unexpected<Error> TooDeep(const PathNode* path) const {
    return Fail(ErrorCode::kTooLarge, "JSON nesting deeper than " + std::to_string(max_depth_) +
                                          " levels at " + Path(path));
  }

  std::unexpected<Error> Inexact(std::string_view number, const std::string& canonical,
                                 const PathNode* path) const {
    return Fail(ErrorCode::kInvalidArgument,
                "integer " + std::string(number) + " at " + Path(path) +
                    " is not exactly representable as an IEEE-754 double: JCS would silently "
                    "change it to " +
                    canonical);
  }

  std::string& out_;
  std::string_view root_path_;
  size_t max_depth_;
  std::vector<Member>& members_;
};

// ---------------------------------------------------------------------------------------------
// Parse errors

bool ParseHex4(std::string_view s, size_t pos, uint32_t& value) {
  if (pos + 4 > s.size()) return false;
  value = 0;
  for (size_t i = pos; i < pos + 4; ++i) {
    const char c = s[i];
    uint32_t digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      return false;
    }
    value = value * 16 + digit;
  }
  return true;
}

// Byte offset of the backslash of the first unpaired surrogate escape. simdjson reports these as a
// generic string error; finding the culprit lets the message say what is wrong. Backslashes only
// occur inside strings in JSON, so string boundaries need no tracking.
std::optional<size_t> FindUnpairedSurrogateEscape(std::string_view s) {
  size_t i = 0;
  while (i + 1 < s.size()) {
    if (s[i] != '\\') {
      ++i;
      continue;
    }
    uint32_t unit;
    if (s[i + 1] != 'u' || !ParseHex4(s, i + 2, unit)) {
      i += 2;
      continue;
    }
    if (unit >= 0xDC00 && unit <= 0xDFFF) return i;
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      uint32_t low;
      const bool paired = i + 7 < s.size() && s[i + 6] == '\\' && s[i + 7] == 'u' &&
                          ParseHex4(s, i + 8, low) && low >= 0xDC00 && low <= 0xDFFF;
      if (!paired) return i;
      i += 12;
      continue;
    }
    i += 6;
  }
  return std::nullopt;
}

Error DescribeParseError(simdjson::error_code code, std::string_view json) {
  const std::string simdjson_message = simdjson::error_message(code);
  switch (code) {
    case simdjson::UTF8_ERROR: {
      const size_t offset = detail::FindInvalidUtf8(json);
      if (offset != std::string_view::npos) {
        return Error{ErrorCode::kParse,
                     "invalid JSON: invalid UTF-8 at byte offset " + std::to_string(offset)};
      }
      break;
    }
    case simdjson::STRING_ERROR: {
      if (auto offset = FindUnpairedSurrogateEscape(json)) {
        // The escape as written, e.g. \ud800 (it is ASCII, safe to quote).
        const std::string_view written = json.substr(*offset, 6);
        return Error{ErrorCode::kParse,
                     "invalid JSON: unpaired UTF-16 surrogate escape " + std::string(written) +
                         " at byte offset " + std::to_string(*offset) +
                         " (JSON text must be valid Unicode to be canonicalized)"};
      }
      break;
    }
    case simdjson::NUMBER_ERROR:
      return Error{ErrorCode::kParse, "invalid JSON: " + simdjson_message +
                                          " (malformed, or beyond the IEEE-754 double range)"};
    case simdjson::DEPTH_ERROR:
      return Error{ErrorCode::kTooLarge, "JSON nesting deeper than the parser limit of " +
                                             std::to_string(simdjson::DEFAULT_MAX_DEPTH) +
                                             " levels"};
    case simdjson::CAPACITY:
      return Error{ErrorCode::kTooLarge, "invalid JSON: " + simdjson_message};
    default:
      break;
  }
  return Error{ErrorCode::kParse, "invalid JSON: " + simdjson_message};
}

}  // namespace

void AppendJcsString(std::string& out, std::string_view utf8) {
  const auto* p = reinterpret_cast<const unsigned char*>(utf8.data());
  const auto* const end = p + utf8.size();
  p = SkipPlainBytes(p, end);
  if (p == end) {
    // Nothing to escape (keys, ids, timestamps, most values): quotes and text in one write
    // instead of three appends, each with its own capacity check.
    const size_t n = utf8.size();
    const size_t at = out.size();
    out.resize(at + n + 2);
    char* buffer = out.data() + at;
    buffer[0] = '"';
    if (n != 0) std::memcpy(buffer + 1, utf8.data(), n);  // an empty view may have no data()
    buffer[n + 1] = '"';
    return;
  }
  out.push_back('"');
  const auto* run = reinterpret_cast<const unsigned char*>(utf8.data());  // not yet copied
  while (true) {
    p = SkipPlainBytes(p, end);
    if (p == end) break;
    out.append(reinterpret_cast<const char*>(run), p - run);
    AppendEscape(out, *p);
    run = ++p;
  }
  out.append(reinterpret_cast<const char*>(run), end - run);
  out.push_back('"');
}

void AppendJcsNumber(std::string& out, double value) {
  assert(std::isfinite(value));
  if (!std::isfinite(value)) {
    // Unreachable from parsed JSON; keeps the output valid JSON if a caller breaks the contract.
    out.append("null");
    return;
  }
  if (value == 0) {  // also -0, which ECMAScript prints as "0"
    out.push_back('0');
    return;
  }
  if (value < 0) {
    out.push_back('-');
    value = -value;
  }
  // Shortest round-trip digits in the form d[.ddd]e(+|-)x; ECMAScript Number::toString is specified
  // in terms of the same digits and exponent, only laid out differently.
  char sci[32];
  const auto [sci_end, ec] =
      std::to_chars(sci, sci + sizeof sci, value, std::chars_format::scientific);
  const char* e = std::find(sci, sci_end, 'e');
  char digits[20];
  int k = 0;  // number of significant digits
  for (const char* p = sci; p != e; ++p) {
    if (*p != '.') digits[k++] = *p;
  }
  const bool negative_exponent = e[1] == '-';
  int exponent = 0;
  std::from_chars(e + 2, sci_end, exponent);
  if (negative_exponent) exponent = -exponent;
  // value = 0.d1d2...dk * 10^n in the notation of ECMA-262 Number::toString.
  const int n = exponent + 1;
  if (k <= n && n <= 21) {
    out.append(digits, k);
    out.append(n - k, '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, n);
    out.push_back('.');
    out.append(digits + n, k - n);
  } else if (-6 < n && n <= 0) {
    out.append("0.");
    out.append(-n, '0');
    out.append(digits, k);
  } else {
    out.push_back(digits[0]);
    if (k > 1) {
      out.push_back('.');
      out.append(digits + 1, k - 1);
    }
    out.push_back('e');
    out.push_back(n - 1 >= 0 ? '+' : '-');
    char exp_buf[8];
    const auto [exp_end, exp_ec] =
        std::to_chars(exp_buf, exp_buf + sizeof exp_buf, std::abs(n - 1));
    out.append(exp_buf, exp_end);
  }
}

bool JcsKeyLess(std::string_view a, std::string_view b) { return KeyLess(a, b); }

Result<std::string> CanonicalizeJson(std::string_view json, const CanonicalizeOptions& options) {
  detail::ParserLease lease;
  auto root = detail::ParseJson(lease.get(), json);
  if (!root) return std::unexpected(std::move(root.error()));
  std::string out;
  out.reserve(json.size());
  if (auto written = detail::AppendCanonical(*root, out, "$", options.max_depth); !written) {
    return std::unexpected(std::move(written.error()));
  }
  return out;
}

namespace detail {

Result<void> AppendCanonical(simdjson::dom::element element, std::string& out,
                             std::string_view path, size_t max_depth) {
  std::vector<Member>& members = MemberStack();
  Canonicalizer canonicalizer(out, path, max_depth, members);
  Result<void> written = canonicalizer.Write(element, nullptr, 0);
  if (members.empty() && members.capacity() > kMaxRetainedMembers) {
    std::vector<Member>().swap(members);
  }
  return written;
}

namespace {

// Documents up to this size are copied into a reused thread-local buffer with the padding simdjson
// needs; larger ones are rare, and simdjson's own padded copy costs little next to parsing them.
constexpr size_t kMaxReusedPaddingCopy = size_t{1} << 20;

// Parser buffers kept by a thread after a lease (simdjson sizes them to the largest document).
constexpr size_t kMaxRetainedParserCapacity = size_t{8} << 20;

struct ThreadParser {
  simdjson::dom::parser parser;
  bool lent = false;
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

template <typename Integer>
bool ParsesAs(std::string_view literal) {
  Integer value;
  const auto [end, ec] = std::from_chars(literal.data(), literal.data() + literal.size(), value);
  return ec == std::errc{} && end == literal.data() + literal.size();
}

// Offsets and lengths of the integer literals outside strings that fit neither int64 nor uint64.
std::vector<std::pair<size_t, size_t>> FindWideIntegers(std::string_view json) {
  std::vector<std::pair<size_t, size_t>> wide;
  const size_t n = json.size();
  size_t i = 0;
  while (i < n) {
    const char c = json[i];
    if (c == '"') {
      for (++i; i < n && json[i] != '"'; ++i) {
        if (json[i] == '\\') ++i;
      }
      ++i;
      continue;
    }
    if (c != '-' && !IsDigit(c)) {
      ++i;
      continue;
    }
    const size_t start = i;
    if (c == '-') ++i;
    const size_t digits = i;
    while (i < n && IsDigit(json[i])) ++i;
    const size_t end = i;
    bool integer = true;
    while (i < n && (IsDigit(json[i]) || json[i] == '.' || json[i] == 'e' || json[i] == 'E' ||
                     json[i] == '+' || json[i] == '-')) {
      integer = false;
      ++i;
    }
    const std::string_view literal = json.substr(start, end - start);
    const bool well_formed = end > digits && !(json[digits] == '0' && end - digits > 1);
    if (integer && well_formed && !ParsesAs<int64_t>(literal) && !ParsesAs<uint64_t>(literal)) {
      wide.emplace_back(start, end - start);
    }
  }
  return wide;
}

// simdjson's DOM rejects integer literals beyond 64 bits, yet JCS writes every double from 2^64 up
// to 1e21 as one ("100000000000000000000" for 1e20): without this, canonical output could not be
// canonicalized again. Literals that are exactly the JCS form of a double are re-read as that
// double; any other wide literal would be silently changed by JCS and is rejected. Returns
// nullopt when the number error has another cause.
std::optional<Result<simdjson::dom::element>> ParseWithWideIntegers(simdjson::dom::parser& parser,
                                                                    std::string_view json) {
  const auto wide = FindWideIntegers(json);
  if (wide.empty()) return std::nullopt;
  std::string rewritten;
  rewritten.reserve(json.size() + 2 * wide.size() + simdjson::SIMDJSON_PADDING);
  size_t copied = 0;
  for (const auto& [offset, length] : wide) {
    const std::string_view literal = json.substr(offset, length);
    double nearest;
    const auto [end, ec] = std::from_chars(literal.data(), literal.data() + length, nearest);
    if (ec != std::errc{}) return std::nullopt;  // beyond the double range: simdjson is right
    if (auto changed = JcsChangedInteger(literal, nearest)) {
      constexpr size_t kMaxQuoted = 40;
      const std::string quoted = length > kMaxQuoted
                                     ? std::string(literal.substr(0, kMaxQuoted)) + "..."
                                     : std::string(literal);
      return Fail(ErrorCode::kInvalidArgument,
                  "integer " + quoted + " at byte offset " + std::to_string(offset) +
                      " is not exactly representable as an IEEE-754 double: JCS would silently "
                      "change it to " +
                      *changed);
    }
    rewritten.append(json.substr(copied, offset + length - copied));
    rewritten.append(".0");  // now a double literal of the same value
    copied = offset + length;
  }
  rewritten.append(json.substr(copied));
  const size_t length = rewritten.size();
  rewritten.append(simdjson::SIMDJSON_PADDING, '\0');
  simdjson::dom::element root;
  if (parser.parse(rewritten.data(), length, false).get(root) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  return root;
}

ThreadParser& ThisThreadParser() {
  thread_local ThreadParser state;
  return state;
}

}  // namespace

ParserLease::ParserLease() {
  ThreadParser& state = ThisThreadParser();
  if (state.lent) {
    own_ = std::make_unique<simdjson::dom::parser>();
    parser_ = own_.get();
  } else {
    state.lent = true;
    parser_ = &state.parser;
  }
}

ParserLease::~ParserLease() {
  if (own_ != nullptr) return;
  ThreadParser& state = ThisThreadParser();
  state.lent = false;
  if (state.parser.capacity() > kMaxRetainedParserCapacity) state.parser = simdjson::dom::parser{};
}

Result<simdjson::dom::element> ParseJson(simdjson::dom::parser& parser, std::string_view json) {
  simdjson::dom::element root;
  simdjson::error_code code;
  if (json.size() <= kMaxReusedPaddingCopy) {
    thread_local std::string padded;
    padded.assign(json);
    padded.append(simdjson::SIMDJSON_PADDING, '\0');
    code = parser.parse(padded.data(), json.size(), false).get(root);
  } else {
    code = parser.parse(json.data(), json.size(), true).get(root);
  }
  if (code == simdjson::NUMBER_ERROR) {
    if (auto reparsed = ParseWithWideIntegers(parser, json)) return *reparsed;
  }
  if (code != simdjson::SUCCESS) return std::unexpected(DescribeParseError(code, json));
  return root;
}

size_t FindInvalidUtf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char lead = s[i];
    if (lead < 0x80) {
      ++i;
      continue;
    }
    size_t length;
    uint32_t code_point;
    uint32_t min_code_point;
    if ((lead & 0xE0) == 0xC0) {
      length = 2;
      code_point = lead & 0x1F;
      min_code_point = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      code_point = lead & 0x0F;
      min_code_point = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
      code_point = lead & 0x07;
      min_code_point = 0x10000;
    } else {
      return i;
    }
    if (n - i < length) return i;
    for (size_t j = 1; j < length; ++j) {
      if ((s[i + j] & 0xC0) != 0x80) return i;
      code_point = (code_point << 6) | (s[i + j] & 0x3F);
    }
    if (code_point < min_code_point || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return i;
    }
    i += length;
  }
  return std::string_view::npos;
}

}  // namespace detail
}  // namespace socmesh::model
