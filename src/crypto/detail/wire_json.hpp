// Internal to crypto/: reading and writing the compact JSON of socmesh's own wire formats (origin
// proofs, receipts, envelope metadata). Writers emit RFC 8785 canonical text directly (keys are
// written in sorted order by the callers), so the bytes that are signed are reproducible from the
// parsed fields. Readers are strict: unknown or missing keys and wrong types are errors naming the
// JSON path, because every one of these documents is security relevant.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace socmesh::crypto::detail {

// Parses `text` (at most `max_bytes`) into the calling thread's parser; the element stays valid
// until the next ParseWire on this thread. Errors: kTooLarge, kParse ("<what>: invalid JSON: …").
Result<simdjson::dom::element> ParseWire(std::string_view text, size_t max_bytes,
                                         std::string_view what);

// A JSON object being read, with the path used in error messages ("$.head").
class WireObject {
 public:
  // kParse unless `element` is an object whose keys are all in `allowed`.
  static Result<WireObject> From(simdjson::dom::element element, std::string path,
                                 std::initializer_list<std::string_view> allowed);

  Result<std::string_view> String(std::string_view key) const;
  // A non-negative integer no greater than `max`.
  Result<uint64_t> Uint(std::string_view key, uint64_t max) const;
  Result<simdjson::dom::array> Array(std::string_view key) const;
  Result<simdjson::dom::element> Element(std::string_view key) const;
  bool Has(std::string_view key) const;
  std::string PathOf(std::string_view key) const { return path_ + "." + std::string(key); }

 private:
  WireObject(simdjson::dom::object object, std::string path)
      : object_(object), path_(std::move(path)) {}
  simdjson::dom::object object_;
  std::string path_;
};

// Appends "key": to `out` (with a leading comma unless `out` ends with '{').
void AppendKey(std::string& out, std::string_view key);
void AppendStringField(std::string& out, std::string_view key, std::string_view value);
void AppendUintField(std::string& out, std::string_view key, uint64_t value);

// Largest integer JCS (IEEE-754 doubles) represents exactly: counts and indices stay below it.
inline constexpr uint64_t kMaxJsonInteger = (uint64_t{1} << 53) - 1;

}  // namespace socmesh::crypto::detail
