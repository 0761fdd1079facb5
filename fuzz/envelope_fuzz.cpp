// libFuzzer target for end-to-end envelopes (B12): any input is refused with a described error or
// parsed into parts whose serialisation parses back to the same parts; the relay check (routing
// signature over a CMS blob) never accepts without a trusted signer and never crashes.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "crypto/envelope.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  namespace crypto = socmesh::crypto;
  using socmesh::ErrorCode;

  auto parts = crypto::ParseEnvelope(input);
  if (!parts) {
    const auto code = parts.error().code;
    if (parts.error().message.empty() ||
        !(code == ErrorCode::kParse || code == ErrorCode::kTooLarge ||
          code == ErrorCode::kUnsupported)) {
      __builtin_trap();
    }
    return 0;
  }
  auto again = crypto::ParseEnvelope(crypto::SerializeEnvelope(*parts));
  if (!again || again->routing != parts->routing || again->cms_der != parts->cms_der ||
      again->routing_signature != parts->routing_signature) {
    __builtin_trap();
  }
  static const crypto::TrustStore* const kNobody =
      new crypto::TrustStore(*crypto::TrustStore::FromCertificates(std::vector<X509*>{}));
  auto inspected = crypto::InspectEnvelope(input, *kNobody);
  if (inspected || inspected.error().message.empty()) __builtin_trap();
  return 0;
}
