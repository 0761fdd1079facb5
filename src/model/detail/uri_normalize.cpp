#include "model/detail/uri_normalize.hpp"

namespace socmesh::model::detail {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsUnreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// The WHATWG URL Standard's path percent-encode set without '#' and '?' (delimiters here): what
// browsers encode before sending. '\\', '|' and '^' are left alone: clients disagree on them
// (browsers turn a backslash into '/', curl sends it as is), so no rewrite would be right for all.
bool MustEncode(unsigned char c) {
  return c <= 0x20 || c >= 0x7F || c == '"' || c == '<' || c == '>' || c == '`' || c == '{' ||
         c == '}';
}

void AppendEscape(std::string& out, unsigned char c) {
  constexpr char kHex[] = "0123456789ABCDEF";
  out += '%';
  out += kHex[c >> 4];
  out += kHex[c & 0xF];
}

}  // namespace

std::string NormalizePercentEncoding(std::string_view component) {
  std::string out;
  out.reserve(component.size());
  for (size_t i = 0; i < component.size(); ++i) {
    const auto c = static_cast<unsigned char>(component[i]);
    if (c == '%' && i + 2 < component.size() && HexValue(component[i + 1]) >= 0 &&
        HexValue(component[i + 2]) >= 0) {
      const auto decoded =
          static_cast<unsigned char>(HexValue(component[i + 1]) * 16 + HexValue(component[i + 2]));
      if (IsUnreserved(decoded)) {
        out += static_cast<char>(decoded);
      } else {
        AppendEscape(out, decoded);
      }
      i += 2;
    } else if (MustEncode(c)) {
      AppendEscape(out, c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string RemoveDotSegments(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  std::string_view in = path;
  // Removes the last segment and its preceding "/" from `out` (rule 2C/2D of section 5.2.4).
  auto pop_segment = [&out] {
    const size_t slash = out.rfind('/');
    out.erase(slash == std::string::npos ? 0 : slash);
  };
  while (!in.empty()) {
    if (in.starts_with("../")) {
      in.remove_prefix(3);
    } else if (in.starts_with("./")) {
      in.remove_prefix(2);
    } else if (in.starts_with("/./")) {
      in.remove_prefix(2);
    } else if (in == "/.") {
      in = "/";
    } else if (in.starts_with("/../")) {
      in.remove_prefix(3);
      pop_segment();
    } else if (in == "/..") {
      in = "/";
      pop_segment();
    } else if (in == "." || in == "..") {
      in = {};
    } else {
      const size_t next = in.find('/', in.starts_with('/') ? 1 : 0);
      const size_t n = next == std::string_view::npos ? in.size() : next;
      out += in.substr(0, n);
      in.remove_prefix(n);
    }
  }
  return out;
}

}  // namespace socmesh::model::detail
