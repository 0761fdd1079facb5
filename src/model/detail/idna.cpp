#include "model/detail/idna.hpp"

#include <idn2.h>

#include <array>
#include <cstdint>
#include <memory>

namespace socmesh::model::detail {

namespace {

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsAceLabel(std::string_view label) {
  return label.size() >= 4 && Lower(label[0]) == 'x' && Lower(label[1]) == 'n' && label[2] == '-' &&
         label[3] == '-';
}

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// The full stops that UTS #46 maps to "." (U+3002, U+FF0E, U+FF61), in UTF-8.
constexpr std::array<std::string_view, 3> kOtherFullStops = {"\xE3\x80\x82", "\xEF\xBC\x8E",
                                                             "\xEF\xBD\xA1"};

std::string UnifyFullStops(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (size_t i = 0; i < name.size();) {
    bool replaced = false;
    for (std::string_view stop : kOtherFullStops) {
      if (name.substr(i, stop.size()) == stop) {
        out += '.';
        i += stop.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) out += name[i++];
  }
  return out;
}

struct Idn2Free {
  void operator()(char* p) const { idn2_free(p); }
};

}  // namespace

bool NeedsIdna(std::string_view name) {
  if (!IsAscii(name)) return true;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('.', start);
    if (end == std::string_view::npos) end = name.size();
    if (IsAceLabel(name.substr(start, end - start))) return true;
    start = end + 1;
  }
  return false;
}

std::expected<std::string, std::string> IdnaToAscii(std::string_view name) {
  const std::string unified = UnifyFullStops(name);
  std::string out;
  out.reserve(unified.size() + 16);
  size_t start = 0;
  while (true) {
    size_t end = unified.find('.', start);
    if (end == std::string::npos) end = unified.size();
    const std::string label = unified.substr(start, end - start);
    if (!out.empty() || start > 0) out += '.';
    if (IsAscii(label) && !IsAceLabel(label)) {
      for (char c : label) out += Lower(c);
    } else {
      // Non-transitional: "ß" stays "ß" (xn--zca), as IDNA2008 and current browsers have it;
      // the round-trip flag makes libidn2 refuse "xn--" labels that do not decode to themselves.
      char* converted = nullptr;
      const int rc = idn2_lookup_u8(reinterpret_cast<const uint8_t*>(label.c_str()),
                                    reinterpret_cast<uint8_t**>(&converted),
                                    IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT | IDN2_ALABEL_ROUNDTRIP);
      std::unique_ptr<char, Idn2Free> owned(converted);
      if (rc != IDN2_OK) {
        return std::unexpected("label \"" + (IsAscii(label) ? label : std::string("(non-ASCII)")) +
                               "\" is not a valid IDNA label: " + idn2_strerror(rc));
      }
      out += converted;
    }
    if (end == unified.size()) break;
    start = end + 1;
  }
  return out;
}

}  // namespace socmesh::model::detail
