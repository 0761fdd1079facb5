#include "formats/detect.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace socmesh::formats {

namespace {

constexpr size_t kSniffBytes = 64 * 1024;

std::string_view SkipBomAndSpace(std::string_view s) {
  if (s.starts_with("\xEF\xBB\xBF")) s.remove_prefix(3);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  return s;
}

bool EndsWith(std::string_view name, std::string_view suffix) {
  if (name.size() < suffix.size()) return false;
  auto tail = name.substr(name.size() - suffix.size());
  return std::equal(tail.begin(), tail.end(), suffix.begin(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == b;
  });
}

// The keys of the outermost JSON object within the first bytes: a tiny scanner that tracks
// nesting and strings, enough to tell {"Event": …} from {"type": "bundle", …} without parsing a
// possibly huge document.
std::vector<std::string_view> TopLevelKeys(std::string_view s, size_t max_keys) {
  std::vector<std::string_view> keys;
  int depth = 0;
  bool expect_key = false;
  for (size_t i = 0; i < s.size() && keys.size() < max_keys; ++i) {
    const char c = s[i];
    if (c == '"') {
      size_t j = i + 1;
      while (j < s.size() && s[j] != '"') j += s[j] == '\\' ? 2 : 1;
      if (j >= s.size()) break;
      if (depth == 1 && expect_key) keys.push_back(s.substr(i + 1, j - i - 1));
      expect_key = false;
      i = j;
    } else if (c == '{' || c == '[') {
      ++depth;
      expect_key = c == '{' && depth == 1;
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (c == ',' && depth == 1) {
      expect_key = true;
    }
  }
  return keys;
}

bool LooksLikeUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

Format DetectJson(std::string_view head) {
  if (head.front() == '[') {
    // A REST search answer can be a bare array of {"Event": …}; a STIX bare array holds objects
    // with "type". Look at the first object's keys.
    auto first = head.find('{');
    if (first != std::string_view::npos) {
      for (auto key : TopLevelKeys(head.substr(first), 16)) {
        if (key == "Event") return Format::kMisp;
      }
    }
    return Format::kStix;
  }
  const auto keys = TopLevelKeys(head, 64);
  for (auto key : keys) {
    if (key == "Event" || key == "response") return Format::kMisp;
  }
  if (!keys.empty() && LooksLikeUuid(keys.front()) &&
      head.find("\"info\"") != std::string_view::npos) {
    return Format::kMisp;  // a MISP feed manifest: {"<event uuid>": {"info": …}, …}
  }
  return Format::kStix;
}

// Data lines (not blank, not comments) from the start of the input.
std::vector<std::string_view> DataLines(std::string_view s, size_t max_lines) {
  std::vector<std::string_view> lines;
  while (!s.empty() && lines.size() < max_lines) {
    auto end = s.find('\n');
    auto line = s.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    s = end == std::string_view::npos ? std::string_view{} : s.substr(end + 1);
    auto trimmed = SkipBomAndSpace(line);
    if (trimmed.empty() || trimmed.front() == '#' || trimmed.front() == ';' ||
        trimmed.starts_with("//")) {
      continue;
    }
    // The last line of a sniffed prefix may be cut off; it would skew the field count.
    if (s.empty() && end == std::string_view::npos && lines.size() >= 2) break;
    lines.push_back(line);
  }
  return lines;
}

bool IsTabular(const std::vector<std::string_view>& lines) {
  if (lines.empty()) return false;
  // One bare token per line (IP lists, hash lists, DROP lists before their "; SBL" comment).
  const bool bare = std::all_of(lines.begin(), lines.end(), [](std::string_view l) {
    auto token_end = l.find_first_of(" \t;");
    auto rest = token_end == std::string_view::npos ? std::string_view{} : l.substr(token_end);
    rest = SkipBomAndSpace(rest);
    return rest.empty() || rest.front() == ';' || rest.front() == '#';
  });
  if (bare) return true;
  // Prose also splits on commas; table cells rarely hold sentences (four words or more).
  auto sentence = [](std::string_view l, char delim) {
    size_t spaces = 0;
    for (char c : l) {
      if (c == delim) spaces = 0;
      if (c == ' ' && ++spaces > 2) return true;
    }
    return false;
  };
  if (lines.size() < 2) return false;
  for (char delim : {',', '\t', ';', '|'}) {
    size_t fields = 0;
    bool same = true;
    for (auto l : lines) {
      if (sentence(l, delim)) {
        same = false;
        break;
      }
      const size_t n = static_cast<size_t>(std::count(l.begin(), l.end(), delim)) + 1;
      if (fields == 0) fields = n;
      if (n != fields) {
        same = false;
        break;
      }
    }
    if (same && fields >= 2) return true;
  }
  return false;
}

}  // namespace

std::string_view FormatName(Format f) {
  switch (f) {
    case Format::kStix:
      return "stix";
    case Format::kMisp:
      return "misp";
    case Format::kIodef:
      return "iodef";
    case Format::kCsv:
      return "csv";
    case Format::kText:
      return "text";
  }
  return "unknown";
}

std::optional<Format> ParseFormatName(std::string_view name) {
  for (Format f : {Format::kStix, Format::kMisp, Format::kIodef, Format::kCsv, Format::kText}) {
    if (FormatName(f) == name) return f;
  }
  return std::nullopt;
}

Result<Format> DetectFormat(std::string_view bytes, std::string_view name) {
  std::string_view head = SkipBomAndSpace(bytes.substr(0, kSniffBytes));
  if (head.find('\0') != std::string_view::npos) {
    return Fail(ErrorCode::kUnsupported, "binary input (NUL byte): not a supported format");
  }
  if (head.empty()) return EndsWith(name, ".json") ? Format::kStix : Format::kText;
  if (head.front() == '{' || head.front() == '[') return DetectJson(head);
  if (head.front() == '<') {
    // Past the XML declaration, comments and DOCTYPE, the first element names the document.
    size_t pos = 0;
    while ((pos = head.find('<', pos)) != std::string_view::npos) {
      if (pos + 1 < head.size() && (head[pos + 1] == '?' || head[pos + 1] == '!')) {
        ++pos;
        continue;
      }
      auto name_end = head.find_first_of(" \t\r\n>/", pos + 1);
      auto element = head.substr(pos + 1, name_end - pos - 1);
      if (auto colon = element.find(':'); colon != std::string_view::npos) {
        element.remove_prefix(colon + 1);
      }
      if (element == "IODEF-Document") return Format::kIodef;
      return Fail(ErrorCode::kUnsupported, "XML document with root element <" +
                                               std::string(element) +
                                               ">: only IODEF-Document (RFC 7970) is supported");
    }
    return Fail(ErrorCode::kUnsupported, "XML without a root element");
  }
  if (EndsWith(name, ".csv") || EndsWith(name, ".tsv")) return Format::kCsv;
  if (IsTabular(DataLines(head, 20))) return Format::kCsv;
  return Format::kText;
}

}  // namespace socmesh::formats
