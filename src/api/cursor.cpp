#include "api/cursor.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <charconv>

namespace socmesh::api {

CursorCodec::CursorCodec() : key_(32, '\0') {
  RAND_bytes(reinterpret_cast<unsigned char*>(key_.data()), static_cast<int>(key_.size()));
}

std::string CursorCodec::Mac(int64_t seq, std::string_view scope) const {
  std::string message = std::to_string(seq) + '\n' + std::string(scope);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &len);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned i = 0; i < 16; ++i) {  // 128 bits are plenty against forgery
    hex += kDigits[mac[i] >> 4];
    hex += kDigits[mac[i] & 15];
  }
  return hex;
}

std::string CursorCodec::Encode(int64_t seq, std::string_view scope) const {
  return std::to_string(seq) + "-" + Mac(seq, scope);
}

Result<int64_t> CursorCodec::Decode(std::string_view cursor, std::string_view scope) const {
  size_t dash = cursor.find('-');
  int64_t seq = 0;
  if (dash == std::string_view::npos || dash == 0) {
    return Fail(ErrorCode::kInvalidArgument, "next: malformed cursor");
  }
  auto [end, ec] = std::from_chars(cursor.data(), cursor.data() + dash, seq);
  if (ec != std::errc{} || end != cursor.data() + dash || seq < 0) {
    return Fail(ErrorCode::kInvalidArgument, "next: malformed cursor");
  }
  std::string expected = Mac(seq, scope);
  std::string_view given = cursor.substr(dash + 1);
  if (given.size() != expected.size() ||
      CRYPTO_memcmp(given.data(), expected.data(), expected.size()) != 0) {
    return Fail(ErrorCode::kInvalidArgument,
                "next: cursor was not issued by this server for this query");
  }
  return seq;
}

}  // namespace socmesh::api
