#include "formats/csv/text_encoding.hpp"

#include <simdjson.h>

#include <cstdint>
#include <string>

namespace socmesh::formats::csv {
namespace {

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

Result<std::string> Utf16ToUtf8(std::string_view bytes, bool little_endian) {
  if (bytes.size() % 2 != 0) {
    return Fail(ErrorCode::kParse, "UTF-16 input has an odd number of bytes");
  }
  std::string out;
  out.reserve(bytes.size());
  auto unit = [&](size_t i) {
    const auto lo = static_cast<uint8_t>(bytes[little_endian ? i : i + 1]);
    const auto hi = static_cast<uint8_t>(bytes[little_endian ? i + 1 : i]);
    return static_cast<uint32_t>(hi << 8 | lo);
  };
  for (size_t i = 0; i < bytes.size(); i += 2) {
    uint32_t cp = unit(i);
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (i + 2 >= bytes.size() || unit(i + 2) < 0xDC00 || unit(i + 2) > 0xDFFF) {
        return Fail(ErrorCode::kParse,
                    "UTF-16 input has an unpaired surrogate at byte " + std::to_string(i));
      }
      cp = 0x10000 + ((cp - 0xD800) << 10) + (unit(i + 2) - 0xDC00);
      i += 2;
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
      return Fail(ErrorCode::kParse,
                  "UTF-16 input has an unpaired surrogate at byte " + std::to_string(i));
    }
    AppendUtf8(out, cp);
  }
  return out;
}

}  // namespace

Result<DecodedText> DecodeToUtf8(std::string_view bytes, Encoding encoding) {
  DecodedText result;
  if (encoding == Encoding::kLatin1) {
    result.storage.reserve(bytes.size() + bytes.size() / 8);
    for (char c : bytes) AppendUtf8(result.storage, static_cast<uint8_t>(c));
    result.converted = true;
    return result;
  }
  if (bytes.starts_with("\xEF\xBB\xBF")) {
    result.input = bytes.substr(3);
    return result;
  }
  const bool le = bytes.starts_with("\xFF\xFE");
  if (le || bytes.starts_with("\xFE\xFF")) {
    auto converted = Utf16ToUtf8(bytes.substr(2), le);
    if (!converted) return std::unexpected(converted.error());
    result.storage = std::move(*converted);
    result.converted = true;
    return result;
  }
  result.input = bytes;
  return result;
}

size_t FindInvalidUtf8(std::string_view s) {
  if (simdjson::validate_utf8(s.data(), s.size())) return std::string_view::npos;
  // Rare path: find the offset with a scalar walk (RFC 3629 well-formed sequences).
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<uint8_t>(s[i]);
    size_t n = 0;
    uint32_t min = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, min = 0x10000;
    } else {
      return i;
    }
    uint32_t cp = c & (0x3F >> n);
    for (size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return i;
      const auto cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += n + 1;
  }
  return std::string_view::npos;
}

}  // namespace socmesh::formats::csv
