#include "store/detail/row_cipher.hpp"

#include <simdjson.h>

namespace socmesh::store::detail {

namespace {

constexpr std::string_view kAadLabel = "socmesh-at-rest-v1";
// Truncated HMACs: 128 bits keep collisions out of reach for any number of stored objects while
// halving the index entries.
constexpr size_t kBlindBytes = 16;

void AppendBigEndian(std::string& out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((value >> (8 * i)) & 0xff);
}

}  // namespace

Result<void> RowCipher::Reload(std::string_view document) {
  auto keyring = crypto::AtRestKeyring::Unlock(document, *key_);
  if (!keyring) return std::unexpected(keyring.error());
  keyring_ = std::move(*keyring);
  return {};
}

Result<std::string> RowCipher::BlindId(std::string_view id) const {
  auto mac = keyring_.Blind("id", id);
  if (!mac) return std::unexpected(mac.error());
  static constexpr char kDigits[] = "0123456789abcdef";
  const size_t sep = id.find("--");
  std::string out(id.substr(0, sep == std::string_view::npos ? 0 : sep));
  out += "--";
  for (size_t i = 0; i < kBlindBytes; ++i) {
    out += kDigits[(*mac)[i] >> 4];
    out += kDigits[(*mac)[i] & 15];
  }
  return out;
}

Result<std::string> RowCipher::BlindObservable(const model::Observable& observable) const {
  auto mac = keyring_.Blind("observable:" + std::to_string(static_cast<int>(observable.kind)),
                            observable.value);
  if (!mac) return std::unexpected(mac.error());
  return std::string(reinterpret_cast<const char*>(mac->data()), kBlindBytes);
}

Result<std::array<uint8_t, 32>> RowCipher::Digest(const std::array<uint8_t, 32>& sha256) const {
  return keyring_.Blind("digest",
                        std::string_view(reinterpret_cast<const char*>(sha256.data()), 32));
}

std::string RowCipher::Aad(crypto::DataKeyId key_id, const RowBinding& row) {
  std::string aad(kAadLabel);
  aad += '\0';
  AppendBigEndian(aad, key_id, 4);
  AppendBigEndian(aad, static_cast<uint64_t>(row.modified), 8);
  aad += static_cast<char>(row.revoked ? 1 : 0);
  aad += static_cast<char>(row.tlp ? static_cast<int>(*row.tlp) : 0xff);
  aad += row.type;
  aad += '\0';
  aad += row.blind_id;
  return aad;
}

Result<std::string> RowCipher::Seal(const RowBinding& row, std::string_view json) const {
  return keyring_.Seal(json, Aad(keyring_.current_key(), row));
}

Result<std::string> RowCipher::Open(crypto::DataKeyId key_id, const RowBinding& row,
                                    std::span<const uint8_t> sealed) const {
  return keyring_.Open(key_id, sealed, Aad(key_id, row));
}

Result<std::string> TopLevelId(std::string_view json) {
  thread_local simdjson::ondemand::parser parser;
  simdjson::padded_string padded(json);
  simdjson::ondemand::document doc;
  std::string_view id;
  if (parser.iterate(padded).get(doc) || doc["id"].get_string().get(id)) {
    return Fail(ErrorCode::kParse, "stored object has no top-level id");
  }
  return std::string(id);
}

}  // namespace socmesh::store::detail
