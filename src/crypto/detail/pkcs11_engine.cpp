// The only file that uses OpenSSL's ENGINE API, deprecated in OpenSSL 3 but the only way Debian 12
// reaches PKCS#11 keys (there is no pkcs11 provider in bookworm). The deprecation warning is
// silenced here and nowhere else.
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "crypto/detail/pkcs11_engine.hpp"

#include "crypto/x509.hpp"

#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <algorithm>
#include <mutex>

namespace socmesh::crypto::detail {

namespace {

struct EngineState {
  std::mutex mu;
  ENGINE* engine = nullptr;  // functional reference, kept for the life of the process
  std::string module_path;
};

EngineState& State() {
  static EngineState state;
  return state;
}

// Requires State().mu.
Result<ENGINE*> EngineFor(const std::string& module_path) {
  EngineState& s = State();
  if (s.engine != nullptr) {
    if (s.module_path != module_path) {
      return Fail(ErrorCode::kUnsupported,
                  "PKCS#11 module " + module_path + ": this process already uses " + s.module_path);
    }
    return s.engine;
  }
  ENGINE_load_dynamic();
  ENGINE* e = ENGINE_by_id("dynamic");
  if (e == nullptr) return Fail(ErrorCode::kUnsupported, "OpenSSL has no dynamic engine loader");
  const std::string so_path(kPkcs11EnginePath);
  if (ENGINE_ctrl_cmd_string(e, "SO_PATH", so_path.c_str(), 0) != 1 ||
      ENGINE_ctrl_cmd_string(e, "ID", "pkcs11", 0) != 1 ||
      ENGINE_ctrl_cmd_string(e, "LIST_ADD", "1", 0) != 1 ||
      ENGINE_ctrl_cmd_string(e, "LOAD", nullptr, 0) != 1) {
    std::string why = OpenSslErrors();
    ENGINE_free(e);
    return Fail(ErrorCode::kNotFound, "cannot load the libp11 engine " + so_path +
                                          " (Debian package libengine-pkcs11-openssl): " + why);
  }
  if (ENGINE_ctrl_cmd_string(e, "MODULE_PATH", module_path.c_str(), 0) != 1 ||
      ENGINE_init(e) != 1) {
    std::string why = OpenSslErrors();
    ENGINE_free(e);
    return Fail(ErrorCode::kNotFound,
                "libp11 engine cannot use module " + module_path + ": " + why);
  }
  ENGINE_free(e);  // drop the structural reference; ENGINE_init's functional one stays
  s.engine = e;
  s.module_path = module_path;
  return e;
}

}  // namespace

Result<EvpPkeyPtr> LoadEnginePrivateKey(const Pkcs11Uri& uri, const std::string& module_path,
                                        std::string_view pin) {
  EngineState& s = State();
  std::lock_guard lock(s.mu);
  auto engine = EngineFor(module_path);
  if (!engine) return std::unexpected(engine.error());
  std::string pin_copy(pin);
  int pin_ok = ENGINE_ctrl_cmd_string(*engine, "PIN", pin_copy.c_str(), 0);
  std::fill(pin_copy.begin(), pin_copy.end(), '\0');
  if (pin_ok != 1) {
    return Fail(ErrorCode::kInternal, "libp11 engine refused the PIN: " + OpenSslErrors());
  }
  Pkcs11Uri key_uri = uri;
  key_uri.pin_value.clear();
  key_uri.module_path.clear();
  key_uri.pin_source.clear();
  if (key_uri.type.empty()) key_uri.type = "private";
  const std::string id = key_uri.ToString();
  ERR_clear_error();
  EVP_PKEY* pkey = ENGINE_load_private_key(*engine, id.c_str(), nullptr, nullptr);
  if (pkey == nullptr) {
    std::string why = OpenSslErrors();
    return Fail(ErrorCode::kNotFound, "no private key at " + id + (why.empty() ? "" : ": " + why));
  }
  return EvpPkeyPtr(pkey);
}

}  // namespace socmesh::crypto::detail
