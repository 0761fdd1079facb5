// End-to-end envelopes (B12): a STIX object or batch encrypted to a set of recipient
// organisations, with clear routing metadata that relays read, but can neither decrypt past nor
// silently rewrite.
//
// The ciphertext is CMS AuthEnvelopedData (RFC 5083) with AES-256-GCM and one ECDH key-agreement
// recipient info per recipient certificate (P-256), so `openssl cms -decrypt -binary -inform DER
// -recip cert.pem -inkey key.pem` opens it. The routing metadata is bound to the ciphertext by the
// origin's detached CMS signature over {routing fields, SHA-256 of the CMS DER}: a relay that edits
// the recipients, TLP or scope, or swaps the ciphertext, breaks that signature. The wire format is
// compact JSON (docs/architecture.md, "Signatures, receipts and envelopes").
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "crypto/openssl_types.hpp"
#include "crypto/signer.hpp"
#include "crypto/trust_store.hpp"

namespace socmesh::crypto {

// What relays see.
struct RoutingMetadata {
  std::string envelope_id;              // unique per origin, e.g. a UUID
  std::string origin;                   // the sealing organisation (its certificate's O=)
  std::vector<std::string> recipients;  // organisations (O= of the recipient certificates), sorted
  std::string tlp;                      // e.g. "red", "amber+strict"; may be empty
  std::string scope;  // distribution scope (consortium, sharing group); may be empty

  friend bool operator==(const RoutingMetadata&, const RoutingMetadata&) = default;
};

inline constexpr size_t kMaxEnvelopeBytes = size_t{256} << 20;

// Encrypts `payload` to every certificate in `recipients` and signs the routing metadata as
// `origin`. `routing.origin` and `routing.recipients` are filled from the certificates (when
// given, they must agree). Returns the envelope's wire text.
// Errors: kInvalidArgument (no recipients, a certificate without O=, fields too long or not UTF-8,
// disagreeing origin/recipients, a key CMS cannot encrypt to), kTooLarge.
Result<std::string> SealEnvelope(std::string_view payload, RoutingMetadata routing,
                                 std::span<X509* const> recipients, const Signer& origin);

// The parsed, unverified envelope (what the fuzz target exercises).
struct EnvelopeParts {
  RoutingMetadata routing;
  std::string cms_der;            // AuthEnvelopedData
  std::string routing_signature;  // CMS SignedData (DER), detached over RoutingStatement
};
// kParse/kTooLarge/kUnsupported naming the JSON path.
Result<EnvelopeParts> ParseEnvelope(std::string_view wire);
// The wire text of `parts` (what SealEnvelope returns; ParseEnvelope reads it back). REQUIRES:
// routing fields are valid UTF-8.
std::string SerializeEnvelope(const EnvelopeParts& parts);
// The canonical statement the origin signs (routing fields + "cms_sha256").
std::string RoutingStatement(const RoutingMetadata& routing, std::string_view cms_der);

// For relays: parses the envelope and checks that its routing metadata and ciphertext are the ones
// the origin signed (chain to `trust`, signer O= equal to routing.origin). Errors: kParse…,
// kVerification ("routing signature does not verify" when the metadata or the ciphertext changed).
Result<RoutingMetadata> InspectEnvelope(std::string_view wire, const TrustStore& trust);

struct OpenedEnvelope {
  RoutingMetadata routing;
  std::string payload;
};
// For recipients: InspectEnvelope, then decryption with the recipient's key and certificate.
// Errors: those of InspectEnvelope; kPermission when the envelope is not addressed to
// `certificate`; kVerification when the AES-GCM tag does not check (ciphertext changed).
Result<OpenedEnvelope> OpenEnvelope(std::string_view wire, EVP_PKEY* key, X509* certificate,
                                    const TrustStore& trust);

// Decrypts AuthEnvelopedData DER alone (no routing check): what OpenEnvelope does after the
// routing check. Same errors; kUnsupported for other CMS types (unauthenticated EnvelopedData is
// refused on purpose).
Result<std::string> DecryptAuthEnveloped(std::string_view cms_der, EVP_PKEY* key,
                                         X509* certificate);

}  // namespace socmesh::crypto
