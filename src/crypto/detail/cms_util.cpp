#include "crypto/detail/cms_util.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <limits>

namespace socmesh::crypto::detail {

void FreeX509Stack(STACK_OF(X509) * stack) { sk_X509_pop_free(stack, X509_free); }

std::string TakeOpenSslErrors() {
  std::string out;
  while (unsigned long err = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(err);
    if (!out.empty()) out += "; ";
    out += reason != nullptr ? reason : "error " + std::to_string(err);
  }
  return out;
}

std::unexpected<Error> FailWithOpenSsl(ErrorCode code, std::string what) {
  const std::string queued = TakeOpenSslErrors();
  if (!queued.empty()) what += ": " + queued;
  return Fail(code, std::move(what));
}

std::array<uint8_t, 32> Sha256(std::string_view data) {
  std::array<uint8_t, 32> out{};
  unsigned int len = 0;
  // Fetched once: the implicit fetch behind EVP_sha256() takes a global lock on every call, which
  // shows in per-object verification.
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_Digest(data.data(), data.size(), out.data(), &len, kSha256, nullptr);
  return out;
}

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

Result<std::string> Base64Decode(std::string_view text, std::string_view what) {
  // EVP_DecodeBlock skips leading/trailing whitespace and ignores padding in its length: check
  // the shape first so that exactly one text decodes to given bytes.
  if (text.size() % 4 != 0 || text.size() > size_t{std::numeric_limits<int>::max()}) {
    return Fail(ErrorCode::kParse, std::string(what) + ": not base64 (length " +
                                       std::to_string(text.size()) + " is not a multiple of 4)");
  }
  // A table lookup per byte: envelopes carry megabytes of base64.
  static const std::array<bool, 256> kAlphabet = [] {
    std::array<bool, 256> t{};
    for (unsigned char c :
         std::string_view("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")) {
      t[c] = true;
    }
    return t;
  }();
  size_t padding = 0;
  if (!text.empty() && text.back() == '=') ++padding;
  if (text.size() >= 2 && padding == 1 && text[text.size() - 2] == '=') ++padding;
  const size_t body = text.size() - padding;
  for (size_t i = 0; i < body; ++i) {
    if (!kAlphabet[static_cast<unsigned char>(text[i])]) {
      return Fail(ErrorCode::kParse, std::string(what) + ": not base64 (bad character at offset " +
                                         std::to_string(i) + ")");
    }
  }
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return Fail(ErrorCode::kParse, std::string(what) + ": not base64");
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

Result<std::string> SubjectOrganization(X509* cert, std::string_view what) {
  const X509_NAME* name = X509_get_subject_name(cert);
  const int first = X509_NAME_get_index_by_NID(name, NID_organizationName, -1);
  if (first < 0) {
    return Fail(ErrorCode::kVerification,
                std::string(what) + ": certificate subject has no organisation (O=)");
  }
  if (X509_NAME_get_index_by_NID(name, NID_organizationName, first) >= 0) {
    return Fail(ErrorCode::kVerification,
                std::string(what) + ": certificate subject has several organisations (O=)");
  }
  const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, first));
  unsigned char* utf8 = nullptr;
  const int len = ASN1_STRING_to_UTF8(&utf8, value);
  if (len < 0) return FailWithOpenSsl(ErrorCode::kVerification, std::string(what) + ": bad O=");
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

Result<CmsPtr> CmsFromDer(std::string_view der, std::string_view what) {
  if (der.size() > size_t{std::numeric_limits<long>::max()}) {
    return Fail(ErrorCode::kTooLarge, std::string(what) + ": too large");
  }
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
  if (!cms) return FailWithOpenSsl(ErrorCode::kParse, std::string(what) + ": not DER CMS");
  if (p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    return Fail(ErrorCode::kParse, std::string(what) + ": trailing bytes after the CMS structure");
  }
  return cms;
}

Result<std::string> CmsToDer(CMS_ContentInfo* cms, std::string_view what) {
  unsigned char* der = nullptr;
  const int len = i2d_CMS_ContentInfo(cms, &der);
  if (len <= 0) return FailWithOpenSsl(ErrorCode::kInternal, std::string(what) + ": DER encoding");
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

Result<std::string> CmsSign(const Signer& signer, std::string_view content, bool detached) {
  if (signer.key == nullptr || signer.certificate == nullptr) {
    return Fail(ErrorCode::kInvalidArgument, "signing: no key or no certificate");
  }
  X509StackPtr chain(sk_X509_new_null());
  for (X509* cert : signer.intermediates) {
    if (!chain || !X509_up_ref(cert)) return Fail(ErrorCode::kInternal, "signing: out of memory");
    if (sk_X509_push(chain.get(), cert) <= 0) {
      X509_free(cert);
      return Fail(ErrorCode::kInternal, "signing: out of memory");
    }
  }
  BioPtr in(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
  // CMS_NOSMIMECAP: receivers do not need the S/MIME capabilities list; it only adds bytes to
  // every proof. Signed attributes (content type, signing time, message digest) stay.
  unsigned flags = CMS_BINARY | CMS_NOSMIMECAP;
  if (detached) flags |= CMS_DETACHED;
  CmsPtr cms(CMS_sign(signer.certificate, signer.key, chain.get(), in.get(), flags));
  if (!cms) return FailWithOpenSsl(ErrorCode::kInvalidArgument, "CMS signing failed");
  return CmsToDer(cms.get(), "CMS signature");
}

Result<CmsVerified> CmsVerify(std::string_view der,
                              std::optional<std::string_view> detached_content,
                              const TrustStore& trust, std::string_view what) {
  auto cms = CmsFromDer(der, what);
  if (!cms) return std::unexpected(cms.error());
  if (OBJ_obj2nid(CMS_get0_type(cms->get())) != NID_pkcs7_signed) {
    return Fail(ErrorCode::kParse, std::string(what) + ": not CMS SignedData");
  }
  STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms->get());
  if (infos == nullptr || sk_CMS_SignerInfo_num(infos) != 1) {
    return Fail(ErrorCode::kVerification, std::string(what) + ": expected exactly one signer");
  }
  BioPtr content;
  if (detached_content) {
    if (!CMS_is_detached(cms->get())) {
      return Fail(ErrorCode::kParse, std::string(what) + ": expected a detached signature");
    }
    // Behind a buffer BIO, not a bare memory BIO: for a memory BIO OpenSSL 3.0's CMS_verify makes
    // a private copy that it leaks when the CMS names an unknown digest (found by envelope_fuzz).
    content.reset(BIO_new(BIO_f_buffer()));
    BIO* data =
        BIO_new_mem_buf(detached_content->data(), static_cast<int>(detached_content->size()));
    if (!content || data == nullptr) {
      BIO_free(data);
      return Fail(ErrorCode::kInternal, std::string(what) + ": out of memory");
    }
    BIO_push(content.get(), data);
  } else if (CMS_is_detached(cms->get())) {
    return Fail(ErrorCode::kParse, std::string(what) + ": signed content is missing (detached)");
  }
  BioPtr out(BIO_new(BIO_s_mem()));
  // Signature first, chain second: the two failures mean different things to an operator (a
  // changed statement vs. a signer outside the network), and CMS_verify reports them alike.
  if (CMS_verify(cms->get(), nullptr, nullptr, content.get(), out.get(),
                 CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) != 1) {
    return FailWithOpenSsl(ErrorCode::kVerification,
                           std::string(what) + ": signature does not verify");
  }
  STACK_OF(X509)* signers = CMS_get0_signers(cms->get());
  if (signers == nullptr || sk_X509_num(signers) != 1) {
    sk_X509_free(signers);
    return Fail(ErrorCode::kVerification, std::string(what) + ": signer certificate missing");
  }
  X509* signer = sk_X509_value(signers, 0);
  sk_X509_free(signers);
  X509StackPtr carried(CMS_get1_certs(cms->get()));
  std::unique_ptr<X509_STORE_CTX, OpenSslDeleter<X509_STORE_CTX_free>> ctx(X509_STORE_CTX_new());
  if (!ctx || !X509_STORE_CTX_init(ctx.get(), trust.native(), signer, carried.get()) ||
      !X509_STORE_CTX_set_default(ctx.get(), "smime_sign")) {
    return FailWithOpenSsl(ErrorCode::kInternal, std::string(what) + ": verifier set-up");
  }
  if (trust.verification_time()) {
    X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx.get()),
                               static_cast<time_t>(*trust.verification_time()));
  }
  if (X509_verify_cert(ctx.get()) != 1) {
    const int err = X509_STORE_CTX_get_error(ctx.get());
    TakeOpenSslErrors();
    return Fail(ErrorCode::kVerification, std::string(what) + ": signer certificate not trusted: " +
                                              X509_verify_cert_error_string(err));
  }
  CmsVerified verified;
  X509_up_ref(signer);
  verified.signer.reset(signer);
  if (detached_content) {
    verified.content = std::string(*detached_content);
  } else {
    char* data = nullptr;
    const long len = BIO_get_mem_data(out.get(), &data);
    verified.content.assign(data, static_cast<size_t>(len));
  }
  return verified;
}

}  // namespace socmesh::crypto::detail
