// RFC 8785 JSON Canonicalization Scheme (JCS), and a small writer for building JSON text.
//
// Canonical JSON is how socmesh stores, hashes and (later) signs STIX objects: two semantically
// equal objects have byte-identical canonical forms whatever their source formatting.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "core/error.hpp"

namespace socmesh::model {

struct CanonicalizeOptions {
  // Deepest nesting of arrays/objects accepted; deeper input is rejected with kTooLarge.
  size_t max_depth = 64;
};

// Returns the RFC 8785 canonical form of the JSON text `json`.
// Errors: kParse (not JSON, invalid UTF-8, unpaired surrogate escapes), kInvalidArgument (a
// duplicate property name, or an integer beyond ±2^53 that IEEE-754 doubles — and hence JCS —
// cannot represent exactly; integers written exactly as JCS writes the nearest double, such as
// 100000000000000000000, are accepted), kTooLarge (depth). Messages name the JSON path of the
// problem ("$.objects[3].name"), or the byte offset for problems found while parsing.
Result<std::string> CanonicalizeJson(std::string_view json,
                                     const CanonicalizeOptions& options = {});

// Appends `utf8` as a JCS string literal (quotes included): only '"', '\\' and control characters
// below U+0020 are escaped, with the short forms \b \t \n \f \r and lower-case \u00xx otherwise.
// REQUIRES: `utf8` is valid UTF-8.
void AppendJcsString(std::string& out, std::string_view utf8);

// Appends `value` as ECMAScript Number.prototype.toString would (RFC 8785 section 3.2.2.3):
// shortest round-trip digits, exponent form below 1e-6 and from 1e21 on, "-0" written as "0".
// REQUIRES: `value` is finite.
void AppendJcsNumber(std::string& out, double value);

// True when property name `a` sorts before `b` in JCS order (UTF-16 code units, not bytes).
bool JcsKeyLess(std::string_view a, std::string_view b);

// Builds compact JSON text with correct escaping, for code that produces STIX objects (mappers from
// MISP, IODEF, CSV, text). The result is valid JSON; run it through CanonicalizeJson or the STIX
// parser for the canonical form. Misuse (a value where a key is expected) is a programming error
// caught by assertions in debug builds.
class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view name);
  JsonWriter& String(std::string_view utf8);
  JsonWriter& Int(int64_t value);
  JsonWriter& Double(double value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // Inserts already-valid JSON text as a value (e.g. a stored canonical object).
  JsonWriter& Raw(std::string_view json);

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void BeforeValue();
  std::string out_;
  bool need_comma_ = false;
  // Open containers, innermost last ('{' or '['), and whether a key awaits its value: the state the
  // debug-build assertions need to catch misuse.
  std::string scopes_;
  bool after_key_ = false;
};

}  // namespace socmesh::model
