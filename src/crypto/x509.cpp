#include "crypto/x509.hpp"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>

namespace socmesh::crypto {

namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free_all(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

BioPtr MemBio(std::string_view data) {
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, n > 0 ? static_cast<size_t>(n) : 0);
}

Result<void> WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail(ErrorCode::kIo, std::strerror(errno));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

template <typename T>
Result<T> FromFile(const std::filesystem::path& path,
                   Result<T> (*parse)(std::string_view, std::string_view)) {
  auto bytes = ReadFileBytes(path);
  if (!bytes) return std::unexpected(bytes.error());
  return parse(*bytes, path.string());
}

}  // namespace

void X509Free::operator()(X509* p) const { X509_free(p); }
void X509ReqFree::operator()(X509_req_st* p) const { X509_REQ_free(p); }
void X509CrlFree::operator()(X509_crl_st* p) const { X509_CRL_free(p); }

std::string OpenSslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

Result<CertPtr> ParseCertificatePem(std::string_view pem, std::string_view source) {
  auto bio = MemBio(pem);
  X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
  if (cert == nullptr) {
    return Fail(ErrorCode::kParse,
                std::string(source) + ": no PEM certificate (" + OpenSslErrors() + ")");
  }
  return CertPtr(cert);
}

Result<std::vector<CertPtr>> ParseCertificatesPem(std::string_view pem, std::string_view source) {
  std::vector<CertPtr> certs;
  size_t pos = 0;
  constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  while ((pos = pem.find(kBegin, pos)) != std::string_view::npos) {
    auto bio = MemBio(pem.substr(pos));
    X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (cert == nullptr) {
      return Fail(ErrorCode::kParse, std::string(source) + ": certificate " +
                                         std::to_string(certs.size() + 1) + " is malformed (" +
                                         OpenSslErrors() + ")");
    }
    certs.emplace_back(cert);
    pos += kBegin.size();
  }
  if (certs.empty()) return Fail(ErrorCode::kParse, std::string(source) + ": no PEM certificate");
  return certs;
}

Result<CsrPtr> ParseCsrPem(std::string_view pem, std::string_view source) {
  auto bio = MemBio(pem);
  X509_REQ* csr = PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr);
  if (csr == nullptr) {
    return Fail(ErrorCode::kParse,
                std::string(source) + ": no PEM certificate request (" + OpenSslErrors() + ")");
  }
  return CsrPtr(csr);
}

Result<CrlPtr> ParseCrlPem(std::string_view pem, std::string_view source) {
  auto bio = MemBio(pem);
  X509_CRL* crl = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr);
  if (crl == nullptr) {
    return Fail(ErrorCode::kParse, std::string(source) + ": no PEM CRL (" + OpenSslErrors() + ")");
  }
  return CrlPtr(crl);
}

Result<CertPtr> LoadCertificate(const std::filesystem::path& path) {
  return FromFile<CertPtr>(path, ParseCertificatePem);
}
Result<std::vector<CertPtr>> LoadCertificates(const std::filesystem::path& path) {
  return FromFile<std::vector<CertPtr>>(path, ParseCertificatesPem);
}
Result<CsrPtr> LoadCsr(const std::filesystem::path& path) {
  return FromFile<CsrPtr>(path, ParseCsrPem);
}
Result<CrlPtr> LoadCrl(const std::filesystem::path& path) {
  return FromFile<CrlPtr>(path, ParseCrlPem);
}

std::string CertificatePem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  return BioText(bio.get());
}
std::string CsrPem(X509_req_st* csr) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509_REQ(bio.get(), csr);
  return BioText(bio.get());
}
std::string CrlPem(X509_crl_st* crl) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509_CRL(bio.get(), crl);
  return BioText(bio.get());
}

std::string SubjectText(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0,
                     XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB & ~XN_FLAG_SPC_EQ);
  return BioText(bio.get());
}

std::string SubjectCountry(X509* cert) {
  char buf[8] = {0};
  int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_countryName, buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

std::string SerialHex(X509* cert) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  char* hex = bn != nullptr ? BN_bn2hex(bn) : nullptr;
  std::string out = hex != nullptr ? hex : "";
  OPENSSL_free(hex);
  BN_free(bn);
  // BN_bn2hex pads to whole bytes ("01"); one spelling per serial keeps index lookups exact.
  while (out.size() > 1 && out[0] == '0') out.erase(0, 1);
  return out;
}

Result<std::string> ReadFileBytes(const std::filesystem::path& path, size_t max_bytes) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Fail(ErrorCode::kNotFound, path.string() + " does not exist");
  }
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return Fail(ErrorCode::kIo, path.string() + ": " + ec.message());
  if (size > max_bytes) {
    return Fail(ErrorCode::kTooLarge,
                path.string() + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  std::ifstream in(path, std::ios::binary);
  std::string data(size, '\0');
  if (!in || !in.read(data.data(), static_cast<std::streamsize>(size))) {
    return Fail(ErrorCode::kIo, "cannot read " + path.string());
  }
  return data;
}

Result<void> WriteFileAtomic(const std::filesystem::path& path, std::string_view data,
                             unsigned mode) {
  std::filesystem::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  std::string tmp = (dir / ("." + path.filename().string() + ".tmp." + std::to_string(::getpid()) +
                            "." + std::to_string(std::random_device{}())))
                        .string();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    return Fail(ErrorCode::kIo, "cannot create " + tmp + ": " + std::strerror(errno));
  }
  auto written = WriteAll(fd, data);
  bool synced = written && ::fsync(fd) == 0;
  bool closed = ::close(fd) == 0;
  if (!written || !synced || !closed) {
    ::unlink(tmp.c_str());
    return Fail(ErrorCode::kIo, "cannot write " + path.string());
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Fail(ErrorCode::kIo, "cannot replace " + path.string() + ": " + std::strerror(err));
  }
  // The rename is durable only once the directory entry is.
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

}  // namespace socmesh::crypto
