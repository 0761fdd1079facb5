// Internal to model/: parsing JSON text with simdjson's DOM, with error messages precise enough for
// users (byte offsets of encoding problems) and a parser reused across calls on one thread.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <memory>
#include <string_view>

#include "core/error.hpp"

namespace socmesh::model::detail {

// Parses `json` with `parser`. The element stays valid until `parser` parses again.
// Unlike a bare simdjson parse, integer literals beyond 64 bits are accepted when they are exactly
// the JCS form of a double (JCS writes 1e20 as 100000000000000000000) and read as that double.
// Errors: kParse ("invalid JSON: ..."; invalid UTF-8 and unpaired surrogate escapes name the byte
// offset), kInvalidArgument for other integer literals beyond 64 bits (JCS would change them),
// kTooLarge when nesting exceeds the parser's own depth limit (1024 levels).
Result<simdjson::dom::element> ParseJson(simdjson::dom::parser& parser, std::string_view json);

// Lends the calling thread's simdjson parser for the lease's lifetime, so that hot paths do not
// allocate parser buffers per call. A lease taken while another is alive on the same thread gets a
// parser of its own. When the lease ends, buffers grown by an unusually large document are freed so
// that one big input does not pin memory for the thread's lifetime.
class ParserLease {
 public:
  ParserLease();
  ~ParserLease();
  ParserLease(const ParserLease&) = delete;
  ParserLease& operator=(const ParserLease&) = delete;

  simdjson::dom::parser& get() { return *parser_; }

 private:
  std::unique_ptr<simdjson::dom::parser> own_;
  simdjson::dom::parser* parser_;
};

// Byte offset of the first byte of `text` that does not start a well-formed UTF-8 sequence
// (overlong forms, surrogates and code points above U+10FFFF are ill-formed), or npos.
size_t FindInvalidUtf8(std::string_view text);

}  // namespace socmesh::model::detail
