// Bringing feed bytes to UTF-8 before they are split: byte-order marks, UTF-16 exports (Excel,
// PowerShell) and Latin-1 lists still circulate among CSIRTs.
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace socmesh::formats::csv {

enum class Encoding {
  kAuto,    // UTF-8; a UTF-8 BOM is dropped; a UTF-16 BOM (LE or BE) switches to UTF-16
  kLatin1,  // ISO-8859-1: every byte is one code point
};

// The UTF-8 text is `text()`: a view into the input when no conversion was needed, else into
// `storage`. (Not a stored view: moving a short std::string would leave it dangling.)
struct DecodedText {
  std::string storage;     // the converted text, when `converted`
  std::string_view input;  // the input without its BOM, when not `converted`
  bool converted = false;

  std::string_view text() const { return converted ? std::string_view(storage) : input; }
};

// Returns the input as UTF-8. Invalid UTF-8 is left for the row-level checks (one bad row must
// not cost the file); malformed UTF-16 (odd length, unpaired surrogates) is kParse with the byte
// offset.
Result<DecodedText> DecodeToUtf8(std::string_view bytes, Encoding encoding);

// Byte offset of the first ill-formed UTF-8 sequence in `s`, or npos.
size_t FindInvalidUtf8(std::string_view s);

}  // namespace socmesh::formats::csv
