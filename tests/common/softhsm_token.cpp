#include "common/softhsm_token.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>

namespace socmesh::testing {

SoftHsmToken& SoftHsmToken::Shared() {
  static SoftHsmToken token({"node1", "ca"});  // removed at exit
  if (!token.ok()) ADD_FAILURE() << "SoftHSM2 token set-up failed: " << token.error();
  return token;
}

SoftHsmToken::SoftHsmToken(const std::vector<std::string>& labels) {
  if (!std::filesystem::exists(kModule)) {
    error_ = std::string(kModule) + " missing (install softhsm2: scripts/install-deps.sh)";
    return;
  }
  const auto tokens = dir_.path() / "tokens";
  std::filesystem::create_directories(tokens);
  conf_ = dir_.path() / "softhsm2.conf";
  std::ofstream(conf_) << "directories.tokendir = " << tokens.string()
                       << "\nobjectstore.backend = file\nlog.level = ERROR\n";
  ::setenv("SOFTHSM2_CONF", conf_.c_str(), 1);
  for (const auto& label : labels) {
    const std::string cmd = "softhsm2-util --init-token --free --label '" + label + "' --pin " +
                            kPin + " --so-pin " + kSoPin + " >/dev/null 2>&1";
    if (RunWithConf(cmd) != 0) {
      error_ = "softhsm2-util --init-token --label " + label + " failed";
      return;
    }
  }
  ok_ = true;
}

std::string SoftHsmToken::Uri(const std::string& label, const std::string& object) {
  return "pkcs11:token=" + label + ";object=" + object + ";type=private";
}

std::filesystem::path SoftHsmToken::PinFile() const {
  const auto path = dir_.path() / "pin.txt";
  std::ofstream(path) << kPin << "\n";
  ::chmod(path.c_str(), 0600);
  return path;
}

int SoftHsmToken::RunWithConf(const std::string& command) const {
  const std::string full = "SOFTHSM2_CONF='" + conf_.string() + "' " + command;
  int status = std::system(full.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace socmesh::testing
