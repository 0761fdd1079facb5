// A private SoftHSM2 installation for tests: a temporary token directory, a softhsm2.conf naming
// it, SOFTHSM2_CONF pointing at that file, and initialised tokens (softhsm2-util --init-token).
//
// SoftHSM reads its configuration once per process, at C_Initialize, and socmesh never finalises a
// PKCS#11 module (the libp11 engine shares it), so there is one instance per test process:
// Shared(). Its tokens are created up front; tests that add keys give them unique names.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/test_data.hpp"

namespace socmesh::testing {

class SoftHsmToken {
 public:
  static constexpr const char* kModule = "/usr/lib/softhsm/libsofthsm2.so";
  static constexpr const char* kPin = "1234";
  static constexpr const char* kSoPin = "5678";

  // The process-wide instance with tokens "node1" and "ca" (user PIN kPin). Fails the calling
  // test (ADD_FAILURE) when SoftHSM2 is not installed or a token cannot be initialised.
  static SoftHsmToken& Shared();

  // A PKCS#11 URI for a private key named `object` in token `label`.
  static std::string Uri(const std::string& label, const std::string& object);

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  const std::filesystem::path& conf() const { return conf_; }
  // Writes kPin to a file (mode 0600) under the token directory and returns its path.
  std::filesystem::path PinFile() const;
  // Runs a shell command with SOFTHSM2_CONF set; returns its exit status (-1 if it did not exit).
  int RunWithConf(const std::string& command) const;

 private:
  explicit SoftHsmToken(const std::vector<std::string>& labels);

  TempDir dir_;
  std::filesystem::path conf_;
  bool ok_ = false;
  std::string error_;
};

}  // namespace socmesh::testing
