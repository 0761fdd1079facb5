// libFuzzer target for the RFC 8785 canonicalizer: any input either fails with a described error
// or yields text that is a fixed point of canonicalization.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "model/canonical_json.hpp"

namespace {

bool IsExpectedErrorCode(socmesh::ErrorCode code) {
  return code == socmesh::ErrorCode::kParse || code == socmesh::ErrorCode::kInvalidArgument ||
         code == socmesh::ErrorCode::kTooLarge;
}

// Canonical text has no whitespace between tokens and escapes control characters in strings.
bool HasNoRawControlBytes(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto first = socmesh::model::CanonicalizeJson(input);
  if (!first) {
    if (!IsExpectedErrorCode(first.error().code) || first.error().message.empty()) {
      __builtin_trap();
    }
    return 0;
  }
  if (first->empty() || !HasNoRawControlBytes(*first)) __builtin_trap();

  // The output must parse and be its own canonical form.
  auto second = socmesh::model::CanonicalizeJson(*first);
  if (!second || *second != *first) __builtin_trap();

  // A lower depth limit may reject the text but never changes an accepted result.
  auto shallow = socmesh::model::CanonicalizeJson(input, {.max_depth = 3});
  if (shallow && *shallow != *first) __builtin_trap();
  if (!shallow && shallow.error().code != socmesh::ErrorCode::kTooLarge) __builtin_trap();
  return 0;
}
