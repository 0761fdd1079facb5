// PKCS#11 URIs (RFC 7512): the names of keys held in tokens, e.g.
// `pkcs11:token=node1;object=nodekey;type=private`.
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace socmesh::crypto {

// The attributes of a PKCS#11 URI that socmesh uses, percent-decoded. Empty means "not given".
struct Pkcs11Uri {
  // Path attributes (RFC 7512 section 2.3): which token and which object in it.
  std::string token;         // CKA/token label
  std::string manufacturer;  // token manufacturer
  std::string model;         // token model
  std::string serial;        // token serial number
  std::string object;        // CKA_LABEL of the key
  std::string id;            // CKA_ID, raw bytes
  std::string type;          // "private", "public", "cert", "secret-key" or "data"
  // Query attributes (section 2.4).
  std::string pin_value;    // discouraged (it ends up in shell history); kept only to be honoured
  std::string pin_source;   // a file holding the PIN
  std::string module_path;  // the PKCS#11 module to load

  // The URI again, percent-encoded, without pin-value: safe to log and to store in a CA directory.
  std::string ToString() const;
};

// True when `location` names a key in a token rather than a file (it starts with "pkcs11:").
bool IsPkcs11Uri(std::string_view location);

// Parses an RFC 7512 URI. Errors (kInvalidArgument) name the offending attribute: a missing
// "pkcs11:" scheme, bad percent-encoding, an attribute given twice, an unknown standard attribute
// (vendor attributes "x-…" are ignored), or an unknown object type.
Result<Pkcs11Uri> ParsePkcs11Uri(std::string_view text);

}  // namespace socmesh::crypto
