// Value conversions between IODEF (XML Schema types, XML-DSig URIs, restriction attributes) and
// STIX 2.1. Internal to formats/iodef.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/error.hpp"
#include "model/timestamp.hpp"
#include "model/tlp.hpp"

namespace socmesh::formats::iodef::detail {

// xs:dateTime ("2013-03-07T16:14:56.757+05:30", surrounding white space allowed) to UTC. A value
// without a zone offset is read as UTC and `*had_zone` is set false. Error kInvalidArgument.
Result<model::Timestamp> ParseXsDateTime(std::string_view text, bool* had_zone = nullptr);

// STIX hash name ("SHA-256") for an XML-DSig / XML-Enc DigestMethod Algorithm URI, by its
// fragment (md5, sha1, sha224, sha256, sha384, sha512, sha3-256, sha3-512); nullopt if unknown.
std::optional<std::string> HashNameForDigestUri(std::string_view uri);
// The Algorithm URI for a STIX hash name; empty when IODEF has none for it.
std::string DigestUriForHashName(std::string_view stix_name);

// A ds:DigestValue as lower-case hex for hash `stix_name`. DigestValue is base64 (xs:base64Binary)
// but real documents also write hex, and base64 of "0x…" hex text: all three are accepted when
// they give a digest of the algorithm's length. nullopt otherwise.
std::optional<std::string> DigestToHex(std::string_view digest_value, std::string_view stix_name);
// Hex digest to base64 for ds:DigestValue; empty when `hex` is not even-length hex.
std::string HexToBase64(std::string_view hex);

// The TLP 2.0 level for an IODEF restriction attribute (RFC 7970 section 3.3.1, plus the TLP
// names used as ext-restriction): public/white/clear -> CLEAR, partner/green -> GREEN, amber ->
// AMBER, need-to-know/amber-strict -> AMBER+STRICT, private/red -> RED. "default" and absent give
// nullopt (the parties' prior agreement applies). `known` is false for values not understood.
std::optional<model::Tlp> TlpForRestriction(std::string_view restriction,
                                            std::string_view ext_restriction, bool* known);
// The restriction attribute (and ext-restriction, usually empty) written for a TLP level.
std::pair<std::string, std::string> RestrictionForTlp(model::Tlp tlp);

}  // namespace socmesh::formats::iodef::detail
