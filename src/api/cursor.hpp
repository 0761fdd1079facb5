// The TAXII `next` cursor: the store's insertion `seq` of the last object of a page, so paging is
// by position in insertion order — objects added while a client pages appear after the cursor and
// none is skipped or repeated (an offset would shift). Opaque to clients and tamper-checked with an
// HMAC-SHA256 under a per-server key, and bound to the query it belongs to.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace socmesh::api {

class CursorCodec {
 public:
  CursorCodec();  // random 32-byte key
  explicit CursorCodec(std::string key) : key_(std::move(key)) {}

  // `scope` names the query (collection and filters) the cursor is valid for.
  std::string Encode(int64_t seq, std::string_view scope) const;
  // kInvalidArgument when the cursor is malformed, forged or from another query.
  Result<int64_t> Decode(std::string_view cursor, std::string_view scope) const;

 private:
  std::string Mac(int64_t seq, std::string_view scope) const;
  std::string key_;
};

}  // namespace socmesh::api
