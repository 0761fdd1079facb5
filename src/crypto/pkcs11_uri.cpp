#include "crypto/pkcs11_uri.hpp"

#include <array>
#include <functional>
#include <set>

namespace socmesh::crypto {

namespace {

constexpr std::string_view kScheme = "pkcs11:";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> PercentDecode(std::string_view name, std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '%') {
      out += value[i];
      continue;
    }
    if (i + 2 >= value.size()) {
      return Fail(ErrorCode::kInvalidArgument,
                  "PKCS#11 URI: attribute '" + std::string(name) + "': truncated %-escape");
    }
    int hi = HexValue(value[i + 1]);
    int lo = HexValue(value[i + 2]);
    if (hi < 0 || lo < 0) {
      return Fail(ErrorCode::kInvalidArgument,
                  "PKCS#11 URI: attribute '" + std::string(name) + "': bad %-escape");
    }
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

// RFC 7512 section 2.3: characters that may appear unescaped in a path attribute value.
bool IsUnreserved(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '-':
    case '.':
    case '_':
    case '~':
    case ':':
    case '[':
    case ']':
    case '@':
    case '!':
    case '$':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case '=':
    case '&':
      return true;
    default:
      return false;
  }
}

void AppendEncoded(std::string& out, bool& first, std::string_view name, std::string_view value,
                   char sep) {
  if (value.empty()) return;
  if (!first) out += sep;
  first = false;
  out += name;
  out += '=';
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : value) {
    // '&' separates query attributes, so it is escaped there.
    if (IsUnreserved(static_cast<char>(c)) && !(sep == '&' && c == '&')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
}

std::string* PathField(Pkcs11Uri& uri, std::string_view name) {
  if (name == "token") return &uri.token;
  if (name == "manufacturer") return &uri.manufacturer;
  if (name == "model") return &uri.model;
  if (name == "serial") return &uri.serial;
  if (name == "object") return &uri.object;
  if (name == "id") return &uri.id;
  if (name == "type") return &uri.type;
  return nullptr;
}

std::string* QueryField(Pkcs11Uri& uri, std::string_view name) {
  if (name == "pin-value") return &uri.pin_value;
  if (name == "pin-source") return &uri.pin_source;
  if (name == "module-path") return &uri.module_path;
  return nullptr;
}

// Attributes defined by RFC 7512 that socmesh does not use: accepted and ignored.
bool IsIgnoredStandardAttribute(std::string_view name) {
  static constexpr std::array<std::string_view, 6> kIgnored = {
      "library-manufacturer", "library-description", "library-version",
      "slot-manufacturer",    "slot-description",    "slot-id"};
  for (auto n : kIgnored) {
    if (n == name) return true;
  }
  return name == "module-name";
}

Result<void> ParseAttributes(std::string_view part, char sep, bool query, Pkcs11Uri& uri,
                             std::set<std::string, std::less<>>& seen) {
  size_t pos = 0;
  while (pos < part.size()) {
    size_t end = part.find(sep, pos);
    if (end == std::string_view::npos) end = part.size();
    std::string_view attr = part.substr(pos, end - pos);
    pos = end + 1;
    if (attr.empty()) continue;  // tolerate "a=b;;c=d" and a trailing separator
    size_t eq = attr.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return Fail(ErrorCode::kInvalidArgument,
                  // Not echoed: a mangled attribute may be a PIN.
                  "PKCS#11 URI: an attribute is not name=value");
    }
    std::string_view name = attr.substr(0, eq);
    std::string* field = query ? QueryField(uri, name) : PathField(uri, name);
    if (field == nullptr) {
      if (name.starts_with("x-") || IsIgnoredStandardAttribute(name)) continue;
      return Fail(ErrorCode::kInvalidArgument,
                  "PKCS#11 URI: unknown attribute '" + std::string(name) + "'");
    }
    // RFC 7512 2.3: "an attribute name MUST NOT appear more than once".
    if (!seen.emplace(name).second) {
      return Fail(ErrorCode::kInvalidArgument,
                  "PKCS#11 URI: attribute '" + std::string(name) + "' given twice");
    }
    auto value = PercentDecode(name, attr.substr(eq + 1));
    if (!value) return std::unexpected(value.error());
    *field = std::move(*value);
  }
  return {};
}

}  // namespace

bool IsPkcs11Uri(std::string_view location) { return location.starts_with(kScheme); }

Result<Pkcs11Uri> ParsePkcs11Uri(std::string_view text) {
  if (!IsPkcs11Uri(text)) {
    return Fail(ErrorCode::kInvalidArgument, "PKCS#11 URI must start with 'pkcs11:'");
  }
  text.remove_prefix(kScheme.size());
  Pkcs11Uri uri;
  std::set<std::string, std::less<>> seen;
  size_t q = text.find('?');
  auto path = ParseAttributes(text.substr(0, q), ';', false, uri, seen);
  if (!path) return std::unexpected(path.error());
  if (q != std::string_view::npos) {
    auto query = ParseAttributes(text.substr(q + 1), '&', true, uri, seen);
    if (!query) return std::unexpected(query.error());
  }
  if (!uri.type.empty() && uri.type != "private" && uri.type != "public" && uri.type != "cert" &&
      uri.type != "secret-key" && uri.type != "data") {
    return Fail(ErrorCode::kInvalidArgument, "PKCS#11 URI: unknown type '" + uri.type + "'");
  }
  return uri;
}

std::string Pkcs11Uri::ToString() const {
  std::string out(kScheme);
  bool first = true;
  AppendEncoded(out, first, "token", token, ';');
  AppendEncoded(out, first, "manufacturer", manufacturer, ';');
  AppendEncoded(out, first, "model", model, ';');
  AppendEncoded(out, first, "serial", serial, ';');
  AppendEncoded(out, first, "object", object, ';');
  AppendEncoded(out, first, "id", id, ';');
  AppendEncoded(out, first, "type", type, ';');
  if (!pin_source.empty() || !module_path.empty()) {
    out += '?';
    first = true;
    AppendEncoded(out, first, "pin-source", pin_source, '&');
    AppendEncoded(out, first, "module-path", module_path, '&');
  }
  return out;
}

}  // namespace socmesh::crypto
