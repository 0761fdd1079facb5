// Fuzzes the RFC 7512 PKCS#11 URI parser (crypto/pkcs11_uri.hpp), which reads key locations from
// configuration and command lines. Invariants: never crash; a parsed URI printed with ToString
// parses again to the same attributes, and ToString never contains the PIN.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "crypto/pkcs11_uri.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto uri = socmesh::crypto::ParsePkcs11Uri(text);
  if (!uri) return 0;
  const std::string printed = uri->ToString();
  auto again = socmesh::crypto::ParsePkcs11Uri(printed);
  if (!again) std::abort();
  if (again->token != uri->token || again->object != uri->object || again->id != uri->id ||
      again->type != uri->type || again->serial != uri->serial ||
      again->manufacturer != uri->manufacturer || again->model != uri->model ||
      again->module_path != uri->module_path || again->pin_source != uri->pin_source ||
      !again->pin_value.empty()) {
    std::abort();
  }
  return 0;
}
