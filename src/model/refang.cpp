#include "model/refang.hpp"

#include <array>
#include <utility>

namespace socmesh::model {

namespace {

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool StartsWithIgnoreCase(std::string_view text, size_t pos, std::string_view prefix) {
  if (text.size() - pos < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (Lower(text[pos + i]) != prefix[i]) return false;
  }
  return true;
}

// Inner text of a bracketed marker and what it stands for. Longest first where one is a prefix of
// another ("://" before ":").
constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kMarkers = {{
    {"://", "://"},
    {"//", "//"},
    {"dot", "."},
    {".", "."},
    {"at", "@"},
    {"@", "@"},
    {":", ":"},
    {"/", "/"},
}};

constexpr std::array<std::pair<char, char>, 3> kBrackets = {{{'[', ']'}, {'(', ')'}, {'{', '}'}}};

// Length of the marker at `pos` and its replacement; 0 when there is none.
size_t MatchMarker(std::string_view text, size_t pos, std::string_view* plain) {
  const char c = text[pos];
  for (const auto& [open, close] : kBrackets) {
    if (c != open) continue;
    for (const auto& [inner, replacement] : kMarkers) {
      const size_t close_at = pos + 1 + inner.size();
      if (close_at < text.size() && StartsWithIgnoreCase(text, pos + 1, inner) &&
          text[close_at] == close) {
        *plain = replacement;
        return inner.size() + 2;
      }
    }
  }
  return 0;
}

// Defanged scheme spellings at the start of a value, lower-case, longest first per family.
constexpr std::array<std::pair<std::string_view, std::string_view>, 14> kSchemes = {{
    {"hxxps", "https"},
    {"hxxp", "http"},
    {"h**ps", "https"},
    {"h**p", "http"},
    {"h__ps", "https"},
    {"h__p", "http"},
    {"hxtps", "https"},
    {"hxtp", "http"},
    {"htxps", "https"},
    {"htxp", "http"},
    {"fxps", "ftps"},
    {"fxp", "ftp"},
    {"hxxxps", "https"},
    {"hxxxp", "http"},
}};

// Length of a defanged scheme at the start of `text` (followed by ':' or a bracket, so a host
// named "hxxp.example" is left alone) and its plain spelling.
size_t MatchScheme(std::string_view text, std::string_view* plain) {
  for (const auto& [defanged, scheme] : kSchemes) {
    if (!StartsWithIgnoreCase(text, 0, defanged) || text.size() == defanged.size()) continue;
    const char next = text[defanged.size()];
    if (next == ':' || next == '[' || next == '(' || next == '{') {
      *plain = scheme;
      return defanged.size();
    }
  }
  return 0;
}

}  // namespace

std::string Refang(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  size_t i = 0;
  std::string_view plain;
  if (const size_t n = MatchScheme(value, &plain); n != 0) {
    out += plain;
    i = n;
  }
  while (i < value.size()) {
    if (const size_t n = MatchMarker(value, i, &plain); n != 0) {
      out += plain;
      i += n;
    } else {
      out += value[i++];
    }
  }
  return out;
}

bool IsDefanged(std::string_view value) { return Refang(value) != value; }

}  // namespace socmesh::model
