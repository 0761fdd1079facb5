// A small certificate authority for network tests, built on the OpenSSL-only test PKI
// (common/test_pki.hpp, independent of socmesh's pki/ module, so a bug there cannot hide a bug in
// net/): a P-256 root, TLS leaf certificates with chosen subject and validity, and CRLs. Writes PEM
// files to a directory.
#pragma once

#include <string>
#include <vector>

#include "common/test_pki.hpp"

namespace socmesh::testing {

struct Issued {
  std::string cert_file;  // PEM certificate of the leaf
  std::string key_file;   // PEM private key
  long serial = 0;
};

class TestCa {
 public:
  // Creates a root CA "CN=<name>" with its certificate written to <dir>/<name>-ca.pem.
  TestCa(std::string dir, std::string name);
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  const std::string& ca_file() const { return ca_file_; }

  // A leaf certificate for O=<org>, C=<country>, CN=<cn>, valid from now+not_before_days to
  // now+not_after_days, with SAN IP:127.0.0.1, IP:::1 and DNS:localhost.
  Issued Issue(const std::string& file_stem, const std::string& org, const std::string& country,
               const std::string& cn, long not_before_days = -1, long not_after_days = 30);

  // Writes a CRL revoking `serials` to <dir>/<name>-crl.pem and returns its path.
  std::string Crl(const std::vector<long>& serials);

 private:
  std::string dir_;
  std::string name_;
  std::string ca_file_;
  Identity ca_;
  long next_serial_ = 100;
};

}  // namespace socmesh::testing
