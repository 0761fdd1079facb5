// libFuzzer target for signed receipts (E4): the statement reader accepts exactly the canonical,
// self-consistent statements the writer produces; the CMS reader refuses anything not signed by a
// trusted receiver (here: nothing is trusted) with an error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "crypto/receipt.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  namespace crypto = socmesh::crypto;
  using socmesh::ErrorCode;

  auto receipt = crypto::ParseReceiptStatement(input);
  if (receipt) {
    if (crypto::ReceiptStatement(*receipt) != input) __builtin_trap();
    if (receipt->accepted_count() + receipt->rejected.size() != receipt->received) __builtin_trap();
  } else {
    const auto code = receipt.error().code;
    if (receipt.error().message.empty() ||
        !(code == ErrorCode::kParse || code == ErrorCode::kTooLarge ||
          code == ErrorCode::kUnsupported || code == ErrorCode::kInvalidArgument)) {
      __builtin_trap();
    }
  }

  // As DER: parsed by OpenSSL's CMS decoder, then refused (an empty trust store trusts no one).
  static const crypto::TrustStore* const kNobody =
      new crypto::TrustStore(*crypto::TrustStore::FromCertificates(std::vector<X509*>{}));
  auto verified = crypto::VerifyReceipt(input, *kNobody);
  if (verified || verified.error().message.empty()) __builtin_trap();
  return 0;
}
