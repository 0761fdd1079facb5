// libFuzzer target for origin proofs (E3) and batch head statements: any input is either refused
// with a described parse-class error, or read into a proof whose serialisation is a fixed point
// (parse(serialise(p)) serialises to the same text) and whose leaf index lies inside the tree.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/origin_signature.hpp"

namespace {

bool IsInputError(const socmesh::Error& e) {
  using socmesh::ErrorCode;
  return !e.message.empty() &&
         (e.code == ErrorCode::kParse || e.code == ErrorCode::kTooLarge ||
          e.code == ErrorCode::kUnsupported || e.code == ErrorCode::kInvalidArgument);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  namespace crypto = socmesh::crypto;

  auto head = crypto::ParseBatchHeadStatement(input);
  if (head) {
    // Only canonical statements are accepted: the input is exactly what the writer produces.
    if (crypto::BatchHeadStatement(*head) != input) __builtin_trap();
  } else if (!IsInputError(head.error())) {
    __builtin_trap();
  }

  auto proof = crypto::ParseOriginProof(input);
  if (!proof) {
    if (!IsInputError(proof.error())) __builtin_trap();
    return 0;
  }
  if (!proof->head || proof->leaf_index >= proof->head->head.tree_size) __builtin_trap();
  if (proof->head->statement != crypto::BatchHeadStatement(proof->head->head)) __builtin_trap();
  for (bool embed : {true, false}) {
    const std::string text = crypto::SerializeOriginProof(*proof, {.embed_signature = embed});
    auto again = crypto::ParseOriginProof(text);
    if (!again) __builtin_trap();
    if (crypto::SerializeOriginProof(*again, {.embed_signature = embed}) != text) __builtin_trap();
  }
  return 0;
}
