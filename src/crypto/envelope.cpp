#include "crypto/envelope.hpp"

#include <openssl/err.h>
#include <simdjson.h>

#include <algorithm>

#include "crypto/detail/cms_util.hpp"
#include "crypto/detail/wire_json.hpp"
#include "crypto/merkle.hpp"
#include "model/canonical_json.hpp"

namespace socmesh::crypto {

namespace {

constexpr std::string_view kEnvelopeType = "socmesh-envelope";
constexpr std::string_view kRoutingType = "socmesh-envelope-routing";
constexpr size_t kMaxNameBytes = 256;
constexpr size_t kMaxRecipients = 1024;

bool IsUtf8(std::string_view s) { return simdjson::validate_utf8(s.data(), s.size()); }

void AppendRoutingFields(std::string& out, const RoutingMetadata& r) {
  detail::AppendStringField(out, "envelope_id", r.envelope_id);
  detail::AppendStringField(out, "origin", r.origin);
  detail::AppendKey(out, "recipients");
  out.push_back('[');
  for (size_t i = 0; i < r.recipients.size(); ++i) {
    if (i > 0) out.push_back(',');
    model::AppendJcsString(out, r.recipients[i]);
  }
  out.push_back(']');
  detail::AppendStringField(out, "scope", r.scope);
  detail::AppendStringField(out, "tlp", r.tlp);
}

Result<void> CheckRouting(const RoutingMetadata& r, std::string_view where) {
  auto bad = [&](std::string what) {
    return std::unexpected(Error{ErrorCode::kInvalidArgument, std::string(where) + ": " + what});
  };
  if (r.envelope_id.empty() || r.envelope_id.size() > kMaxNameBytes || !IsUtf8(r.envelope_id)) {
    return bad("envelope_id must be 1 to 256 bytes of UTF-8");
  }
  if (r.origin.empty() || r.origin.size() > kMaxNameBytes || !IsUtf8(r.origin)) {
    return bad("origin must be 1 to 256 bytes of UTF-8");
  }
  if (r.tlp.size() > 32 || !IsUtf8(r.tlp) || r.scope.size() > kMaxNameBytes || !IsUtf8(r.scope)) {
    return bad("tlp or scope too long or not UTF-8");
  }
  if (r.recipients.empty() || r.recipients.size() > kMaxRecipients) {
    return bad("1 to 1024 recipients required");
  }
  for (size_t i = 0; i < r.recipients.size(); ++i) {
    const auto& name = r.recipients[i];
    if (name.empty() || name.size() > kMaxNameBytes || !IsUtf8(name)) {
      return bad("recipient names must be 1 to 256 bytes of UTF-8");
    }
    if (i > 0 && !(r.recipients[i - 1] < name)) return bad("recipients must be sorted and unique");
  }
  return {};
}

}  // namespace

std::string RoutingStatement(const RoutingMetadata& routing, std::string_view cms_der) {
  std::string out = "{";
  detail::AppendStringField(out, "cms_sha256", merkle::ToHex(detail::Sha256(cms_der)));
  AppendRoutingFields(out, routing);
  detail::AppendStringField(out, "type", kRoutingType);
  detail::AppendUintField(out, "version", 1);
  out.push_back('}');
  return out;
}

Result<std::string> SealEnvelope(std::string_view payload, RoutingMetadata routing,
                                 std::span<X509* const> recipients, const Signer& origin) {
  if (payload.size() > kMaxEnvelopeBytes / 2) {
    return Fail(ErrorCode::kTooLarge, "seal envelope: payload exceeds 128 MiB");
  }
  if (recipients.empty()) return Fail(ErrorCode::kInvalidArgument, "seal envelope: no recipients");
  if (origin.certificate == nullptr || origin.key == nullptr) {
    return Fail(ErrorCode::kInvalidArgument, "seal envelope: no signing key or certificate");
  }
  auto origin_org = detail::SubjectOrganization(origin.certificate, "seal envelope: origin");
  if (!origin_org) return std::unexpected(origin_org.error());
  if (!routing.origin.empty() && routing.origin != *origin_org) {
    return Fail(ErrorCode::kInvalidArgument, "seal envelope: origin is not the signer's O=");
  }
  routing.origin = std::move(*origin_org);

  detail::X509StackPtr certs(sk_X509_new_null());
  std::vector<std::string> names;
  for (X509* cert : recipients) {
    if (cert == nullptr) return Fail(ErrorCode::kInvalidArgument, "seal envelope: null recipient");
    auto org = detail::SubjectOrganization(cert, "seal envelope: recipient");
    if (!org) return std::unexpected(org.error());
    names.push_back(std::move(*org));
    // The stack owns a reference of its own, so that every exit path frees it alike.
    if (!certs || !X509_up_ref(cert)) return Fail(ErrorCode::kInternal, "seal envelope: memory");
    if (sk_X509_push(certs.get(), cert) <= 0) {
      X509_free(cert);
      return Fail(ErrorCode::kInternal, "seal envelope: out of memory");
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  if (!routing.recipients.empty()) {
    std::sort(routing.recipients.begin(), routing.recipients.end());
    if (routing.recipients != names) {
      return Fail(ErrorCode::kInvalidArgument,
                  "seal envelope: recipients do not match the certificates' organisations");
    }
  }
  routing.recipients = std::move(names);
  if (auto ok = CheckRouting(routing, "seal envelope"); !ok) return std::unexpected(ok.error());

  detail::BioPtr in(BIO_new_mem_buf(payload.data(), static_cast<int>(payload.size())));
  // An AEAD cipher makes OpenSSL 3 produce AuthEnvelopedData; EC certificates get ECDH
  // key-agreement recipient infos with an ephemeral key each.
  detail::CmsPtr cms(CMS_encrypt(certs.get(), in.get(), EVP_aes_256_gcm(), CMS_BINARY));
  if (!cms) return detail::FailWithOpenSsl(ErrorCode::kInvalidArgument, "seal envelope: encrypt");
  auto der = detail::CmsToDer(cms.get(), "seal envelope");
  if (!der) return std::unexpected(der.error());
  auto signature = detail::CmsSign(origin, RoutingStatement(routing, *der), /*detached=*/true);
  if (!signature) return std::unexpected(signature.error().WithContext("seal envelope"));

  return SerializeEnvelope(EnvelopeParts{.routing = std::move(routing),
                                         .cms_der = std::move(*der),
                                         .routing_signature = std::move(*signature)});
}

std::string SerializeEnvelope(const EnvelopeParts& parts) {
  const std::string cms_b64 = detail::Base64Encode(parts.cms_der);
  std::string out;
  out.reserve(cms_b64.size() + parts.routing_signature.size() * 2 + 512);
  out = "{";
  detail::AppendKey(out, "cms");
  out.push_back('"');
  out += cms_b64;  // base64 needs no escaping
  out.push_back('"');
  detail::AppendKey(out, "routing");
  out.push_back('{');
  AppendRoutingFields(out, parts.routing);
  out.push_back('}');
  detail::AppendStringField(out, "routing_signature",
                            detail::Base64Encode(parts.routing_signature));
  detail::AppendStringField(out, "type", kEnvelopeType);
  detail::AppendUintField(out, "version", 1);
  out.push_back('}');
  return out;
}

Result<EnvelopeParts> ParseEnvelope(std::string_view wire) {
  auto element = detail::ParseWire(wire, kMaxEnvelopeBytes, "envelope");
  if (!element) return std::unexpected(element.error());
  auto obj = detail::WireObject::From(*element, "$",
                                      {"cms", "routing", "routing_signature", "type", "version"});
  if (!obj) return std::unexpected(obj.error());
  auto type = obj->String("type");
  if (!type) return std::unexpected(type.error());
  if (*type != kEnvelopeType) {
    return Fail(ErrorCode::kParse, "$.type: expected \"socmesh-envelope\"");
  }
  auto version = obj->Uint("version", detail::kMaxJsonInteger);
  if (!version) return std::unexpected(version.error());
  if (*version != 1) return Fail(ErrorCode::kUnsupported, "$.version: supported: 1");

  EnvelopeParts parts;
  auto routing_element = obj->Element("routing");
  if (!routing_element) return std::unexpected(routing_element.error());
  auto routing = detail::WireObject::From(*routing_element, "$.routing",
                                          {"envelope_id", "origin", "recipients", "scope", "tlp"});
  if (!routing) return std::unexpected(routing.error());
  RoutingMetadata& r = parts.routing;
  for (auto [key, field] :
       {std::pair{"envelope_id", &r.envelope_id}, std::pair{"origin", &r.origin},
        std::pair{"scope", &r.scope}, std::pair{"tlp", &r.tlp}}) {
    auto s = routing->String(key);
    if (!s) return std::unexpected(s.error());
    *field = std::string(*s);
  }
  auto recipients = routing->Array("recipients");
  if (!recipients) return std::unexpected(recipients.error());
  size_t i = 0;
  for (simdjson::dom::element name : *recipients) {
    std::string_view s;
    if (name.get_string().get(s)) {
      return Fail(ErrorCode::kParse,
                  "$.routing.recipients[" + std::to_string(i) + "]: expected a string");
    }
    if (++i > kMaxRecipients) return Fail(ErrorCode::kTooLarge, "$.routing.recipients: too many");
    r.recipients.emplace_back(s);
  }
  if (auto ok = CheckRouting(r, "$.routing"); !ok) {
    return Fail(ErrorCode::kParse, ok.error().message);
  }
  auto cms = obj->String("cms");
  if (!cms) return std::unexpected(cms.error());
  auto der = detail::Base64Decode(*cms, "$.cms");
  if (!der) return std::unexpected(der.error());
  parts.cms_der = std::move(*der);
  auto sig = obj->String("routing_signature");
  if (!sig) return std::unexpected(sig.error());
  auto sig_der = detail::Base64Decode(*sig, "$.routing_signature");
  if (!sig_der) return std::unexpected(sig_der.error());
  parts.routing_signature = std::move(*sig_der);
  return parts;
}

namespace {

Result<EnvelopeParts> InspectParts(std::string_view wire, const TrustStore& trust) {
  auto parts = ParseEnvelope(wire);
  if (!parts) return parts;
  const std::string what = "envelope \"" + parts->routing.envelope_id.substr(0, 64) + "\"";
  auto verified = detail::CmsVerify(parts->routing_signature,
                                    RoutingStatement(parts->routing, parts->cms_der), trust,
                                    what +
                                        ": routing signature (routing metadata or ciphertext "
                                        "changed?)");
  if (!verified) return std::unexpected(verified.error());
  auto org = detail::SubjectOrganization(verified->signer.get(), what + ": signer");
  if (!org) return std::unexpected(org.error());
  if (*org != parts->routing.origin) {
    return Fail(ErrorCode::kVerification, what + ": signer organisation \"" + org->substr(0, 64) +
                                              "\" is not the claimed origin");
  }
  return parts;
}

}  // namespace

Result<RoutingMetadata> InspectEnvelope(std::string_view wire, const TrustStore& trust) {
  auto parts = InspectParts(wire, trust);
  if (!parts) return std::unexpected(parts.error());
  return std::move(parts->routing);
}

namespace {

bool NamesRecipient(CMS_ContentInfo* cms, X509* certificate) {
  STACK_OF(CMS_RecipientInfo)* infos = CMS_get0_RecipientInfos(cms);
  for (int i = 0; i < sk_CMS_RecipientInfo_num(infos); ++i) {
    CMS_RecipientInfo* ri = sk_CMS_RecipientInfo_value(infos, i);
    switch (CMS_RecipientInfo_type(ri)) {
      case CMS_RECIPINFO_TRANS:
        if (CMS_RecipientInfo_ktri_cert_cmp(ri, certificate) == 0) return true;
        break;
      case CMS_RECIPINFO_AGREE: {
        STACK_OF(CMS_RecipientEncryptedKey)* reks = CMS_RecipientInfo_kari_get0_reks(ri);
        for (int k = 0; k < sk_CMS_RecipientEncryptedKey_num(reks); ++k) {
          if (CMS_RecipientEncryptedKey_cert_cmp(sk_CMS_RecipientEncryptedKey_value(reks, k),
                                                 certificate) == 0) {
            return true;
          }
        }
        break;
      }
      default:
        break;
    }
  }
  return false;
}

}  // namespace

Result<std::string> DecryptAuthEnveloped(std::string_view cms_der, EVP_PKEY* key,
                                         X509* certificate) {
  if (key == nullptr || certificate == nullptr) {
    return Fail(ErrorCode::kInvalidArgument, "decrypt envelope: no key or certificate");
  }
  auto cms = detail::CmsFromDer(cms_der, "envelope ciphertext");
  if (!cms) return std::unexpected(cms.error());
  if (OBJ_obj2nid(CMS_get0_type(cms->get())) != NID_id_smime_ct_authEnvelopedData) {
    return Fail(ErrorCode::kUnsupported,
                "envelope ciphertext: not CMS AuthEnvelopedData (unauthenticated encryption is "
                "refused)");
  }
  // Whether the envelope names this certificate is decided here rather than from CMS_decrypt's
  // error queue, which OpenSSL 3.0 leaves empty for an unmatched key-agreement recipient.
  if (!NamesRecipient(cms->get(), certificate)) {
    return Fail(ErrorCode::kPermission,
                "decrypt envelope: not addressed to this certificate (no matching recipient)");
  }
  detail::BioPtr out(BIO_new(BIO_s_mem()));
  if (CMS_decrypt(cms->get(), key, certificate, nullptr, out.get(), CMS_BINARY) != 1) {
    return detail::FailWithOpenSsl(ErrorCode::kVerification,
                                   "decrypt envelope: decryption failed (ciphertext changed, or "
                                   "the key does not belong to the certificate)");
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

Result<OpenedEnvelope> OpenEnvelope(std::string_view wire, EVP_PKEY* key, X509* certificate,
                                    const TrustStore& trust) {
  auto parts = InspectParts(wire, trust);
  if (!parts) return std::unexpected(parts.error());
  auto payload = DecryptAuthEnveloped(parts->cms_der, key, certificate);
  if (!payload) {
    return std::unexpected(payload.error().WithContext(
        "envelope \"" + parts->routing.envelope_id.substr(0, 64) + "\""));
  }
  return OpenedEnvelope{std::move(parts->routing), std::move(*payload)};
}

}  // namespace socmesh::crypto
