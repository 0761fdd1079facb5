// libFuzzer target for at-rest keyring documents (B13), read from the store file at every open: any
// input is refused with a described parse or verification error — never unlocked, since no input
// can carry keys wrapped for this process's own key — and never crashes.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "crypto/at_rest.hpp"
#include "crypto/key.hpp"

namespace {

// One P-256 file key per process, made on first use and removed at once (Key keeps it in memory).
const socmesh::crypto::Key& OwnKey() {
  static const socmesh::crypto::Key* const kKey = [] {
    const auto path = std::filesystem::temp_directory_path() /
                      ("socmesh-keyring-fuzz-" + std::to_string(::getpid()) + ".pem");
    std::filesystem::remove(path);
    auto key = socmesh::crypto::Key::Generate(path.string(), {});
    std::filesystem::remove(path);
    if (!key) __builtin_trap();
    return new socmesh::crypto::Key(std::move(*key));
  }();
  return *kKey;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  using socmesh::ErrorCode;
  auto keyring = socmesh::crypto::AtRestKeyring::Unlock(input, OwnKey());
  if (keyring) __builtin_trap();  // keys wrapped for a fresh key cannot be in any input
  const auto code = keyring.error().code;
  if (keyring.error().message.empty() ||
      !(code == ErrorCode::kParse || code == ErrorCode::kTooLarge ||
        code == ErrorCode::kVerification)) {
    __builtin_trap();
  }
  return 0;
}
