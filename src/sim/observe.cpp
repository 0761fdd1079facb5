#include "sim/observe.hpp"

#include <openssl/evp.h>

#include "store/store.hpp"

namespace socmesh::sim {

std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

Result<NodeHoldings> ReadHoldings(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Fail(ErrorCode::kNotFound, path.string() + ": no store yet");
  }
  store::StoreOptions options;
  options.location = path.string();
  options.read_only = true;
  options.create_if_missing = false;
  auto store = store::OpenStore(options);
  if (!store) return std::unexpected(store.error());
  store::Query query;
  query.types = {"indicator"};
  query.all_versions = true;
  NodeHoldings holdings;
  auto ok = (*store)->Scan(query, [&](const store::StoredVersion& v) {
    Holding& h = holdings[v.id];
    if (h.versions++ == 0) {
      h.added_us = v.added.micros;
      h.digest = Sha256Hex(v.json);
    }
    return true;
  });
  if (!ok) return std::unexpected(ok.error());
  return holdings;
}

}  // namespace socmesh::sim
