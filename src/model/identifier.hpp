// STIX identifiers (spec section 2.9): "<object-type>--<UUID>", and UUID generation (v4, v5).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace socmesh::model {

using Uuid = std::array<uint8_t, 16>;

// The STIX 2.1 namespace for deterministic SCO identifiers (spec section 2.9):
// 00abedb4-aa42-466c-9c01-fed23315a9b7.
extern const Uuid kStixScoNamespace;

// True when `type` is a valid STIX type name: 3-250 characters of [a-z0-9-], starting with a
// letter, no "--", not ending with "-" (spec section 2.8 / 11.1 rules for object type names).
bool IsValidTypeName(std::string_view type);

// A parsed identifier; both views point into the text passed to ParseIdentifier.
struct Identifier {
  std::string_view type;
  std::string_view uuid;  // 36 characters, 8-4-4-4-12 hexadecimal
  int uuid_version = 0;   // the RFC 4122 version nibble (1-5)
};

// Parses "<type>--<uuid>". The UUID must have the 8-4-4-4-12 form, an RFC 4122 variant (8, 9, a, b)
// and a version 1-5. Error kInvalidStix names what is wrong.
Result<Identifier> ParseIdentifier(std::string_view id);

// Formats 16 bytes as the lower-case 8-4-4-4-12 text form.
std::string FormatUuid(const Uuid& uuid);

// A random (version 4) UUID from OpenSSL's CSPRNG.
Uuid NewUuidV4();

// A name-based (version 5, SHA-1) UUID, RFC 4122 section 4.3.
Uuid UuidV5(const Uuid& name_space, std::string_view name);

}  // namespace socmesh::model
