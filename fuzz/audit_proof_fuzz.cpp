// libFuzzer target for the audit proof parser (E5): proofs come from third parties. Accepted
// proofs serialise back to the same kind, and verifying them with an arbitrary key never crashes.
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "audit/proof.hpp"

namespace {

EVP_PKEY* TestKey() {
  static EVP_PKEY* key = EVP_EC_gen("P-256");
  return key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto proof = socmesh::audit::ParseProof(input);
  if (!proof) {
    const auto code = proof.error().code;
    if ((code != socmesh::ErrorCode::kParse && code != socmesh::ErrorCode::kTooLarge) ||
        proof.error().message.empty()) {
      __builtin_trap();
    }
    return 0;
  }
  std::visit(
      [](const auto& p) {
        auto reparsed = socmesh::audit::ParseProof(socmesh::audit::SerializeProof(p));
        if (!reparsed ||
            reparsed->index() !=
                (std::is_same_v<std::decay_t<decltype(p)>, socmesh::audit::InclusionProof> ? 0u
                                                                                           : 1u)) {
          __builtin_trap();
        }
        auto verified = socmesh::audit::VerifyProof(p, TestKey());
        if (verified) __builtin_trap();  // nobody can forge a signature of this fresh key
      },
      *proof);
  return 0;
}
