#include "formats/text/detail/defang.hpp"

#include <array>

namespace socmesh::formats::text::detail {

namespace {

bool StartsWithIgnoreCase(std::string_view text, size_t pos, std::string_view prefix) {
  if (text.size() - pos < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (LowerAscii(text[pos + i]) != prefix[i]) return false;
  }
  return true;
}

// Brackets used around a defanged character: "[x]", "(x)", "{x}".
constexpr std::array<std::array<char, 2>, 3> kBrackets = {{{'[', ']'}, {'(', ')'}, {'{', '}'}}};

size_t MatchBracketed(std::string_view text, size_t pos, std::string_view inner1,
                      std::string_view inner2) {
  if (pos >= text.size()) return 0;
  // Called at every character of URL paths and after every label: most calls see no bracket.
  const char c = text[pos];
  if (c != '[' && c != '(' && c != '{') return 0;
  for (const auto& [open, close] : kBrackets) {
    if (text[pos] != open) continue;
    for (std::string_view inner : {inner1, inner2}) {
      const size_t close_at = pos + 1 + inner.size();
      if (close_at < text.size() && StartsWithIgnoreCase(text, pos + 1, inner) &&
          text[close_at] == close) {
        return inner.size() + 2;
      }
    }
  }
  return 0;
}

}  // namespace

size_t MatchDot(std::string_view text, size_t pos, bool* defanged) {
  if (pos >= text.size()) return 0;
  if (text[pos] == '.') return 1;
  const size_t n = MatchBracketed(text, pos, ".", "dot");
  if (n != 0) *defanged = true;
  return n;
}

size_t MatchAt(std::string_view text, size_t pos, bool* defanged) {
  if (pos >= text.size()) return 0;
  if (text[pos] == '@') return 1;
  const size_t n = MatchBracketed(text, pos, "@", "at");
  if (n != 0) *defanged = true;
  return n;
}

size_t MatchSchemeSeparator(std::string_view text, size_t pos) {
  if (StartsWithIgnoreCase(text, pos, "[://]")) return 5;
  size_t colon = 0;
  if (StartsWithIgnoreCase(text, pos, ":")) {
    colon = 1;
  } else {
    colon = MatchBracketed(text, pos, ":", ":");
  }
  if (colon == 0) return 0;
  for (std::string_view slashes : {"//", "[//]", "[/]/", "\\/\\/", "/[/]"}) {
    if (StartsWithIgnoreCase(text, pos + colon, slashes)) return colon + slashes.size();
  }
  return 0;
}

size_t MatchPathDefang(std::string_view text, size_t pos, std::string_view* plain) {
  // Every path marker opens with a bracket; this runs at each character of a URL's tail.
  if (pos >= text.size() || (text[pos] != '[' && text[pos] != '(' && text[pos] != '{')) return 0;
  bool ignored = false;
  if (text[pos] != '.') {
    if (const size_t n = MatchDot(text, pos, &ignored); n != 0) {
      *plain = ".";
      return n;
    }
  }
  if (const size_t n = MatchBracketed(text, pos, "/", "/"); n != 0) {
    *plain = "/";
    return n;
  }
  return 0;
}

HostName ReadHostName(std::string_view text, size_t pos) {
  HostName host;
  ReadHostName(text, pos, &host);
  return host;
}

void ReadHostName(std::string_view text, size_t pos, HostName* out) {
  HostName& host = *out;
  host.end = 0;
  host.name.clear();
  host.defanged = false;
  host.labels = 0;
  host.all_numeric = true;
  size_t i = pos;
  while (true) {
    const size_t label_start = i;
    bool digits = true;
    for (; i < text.size() && IsLabelChar(text[i]); ++i) digits = digits && IsAsciiDigit(text[i]);
    if (i == label_start) break;
    // Appended as one piece and lower-cased in place: a push_back per character was a tenth of
    // validation time.
    const size_t name_start = host.name.size();
    host.name.append(text.data() + label_start, i - label_start);
    if (!digits) {
      for (size_t k = name_start; k < host.name.size(); ++k)
        host.name[k] = LowerAscii(host.name[k]);
    }
    host.all_numeric = host.all_numeric && digits;
    ++host.labels;
    host.end = i;
    bool defanged = false;
    const size_t dot = MatchDot(text, i, &defanged);
    if (dot == 0 || i + dot >= text.size() || !IsLabelChar(text[i + dot])) break;
    host.defanged = host.defanged || defanged;
    host.name.push_back('.');
    i += dot;
  }
  if (host.labels == 0) host.all_numeric = false;
}

}  // namespace socmesh::formats::text::detail
