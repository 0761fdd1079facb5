// Envelope recipients (B12): the certificate each organisation receives end-to-end envelopes
// with, taken from the PKI's signed directory (pki/directory.hpp, `socmesh pki directory sign`).
// The directory is checked against the network root before anything in it is used: a relay or a
// stale copy on disk must not be able to add a recipient that the root never vouched for.
#pragma once

#include <openssl/types.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "model/timestamp.hpp"

namespace socmesh::federation {

// Organisation -> the certificate its envelopes are sealed to.
using RecipientCertificates = std::map<std::string, std::shared_ptr<X509>, std::less<>>;

// True for a certificate that can receive envelopes: the `user` profile of pki/ (S/MIME:
// extendedKeyUsage emailProtection; keyUsage, when present, with keyAgreement for ECDH), valid at
// `now`.
bool IsEnvelopeRecipient(X509* certificate, model::Timestamp now);

// Reads the signed directory at `directory`, verifies it against a root certificate of the PEM
// bundle `ca_bundle` (the node's tls.ca), and keeps for each organisation its envelope-recipient
// certificate (the one issued last when several qualify; organisations without one are left out).
// Errors: kIo/kNotFound (files), kInvalidArgument (signature or signer, naming the file), kParse.
Result<RecipientCertificates> LoadRecipients(const std::filesystem::path& directory,
                                             const std::filesystem::path& ca_bundle,
                                             model::Timestamp now);

}  // namespace socmesh::federation
