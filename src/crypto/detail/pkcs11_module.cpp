#include "crypto/detail/pkcs11_module.hpp"

#include <dlfcn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <p11-kit/pkcs11.h>

#include <array>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace socmesh::crypto::detail {

namespace {

CK_FUNCTION_LIST* Fn(void* functions) { return static_cast<CK_FUNCTION_LIST*>(functions); }

std::string RvText(CK_RV rv) {
  switch (rv) {
    case CKR_PIN_INCORRECT:
      return "PIN incorrect";
    case CKR_PIN_LOCKED:
      return "PIN locked";
    case CKR_PIN_LEN_RANGE:
      return "PIN length out of range";
    case CKR_TOKEN_NOT_PRESENT:
      return "token not present";
    case CKR_USER_PIN_NOT_INITIALIZED:
      return "user PIN not initialised";
    case CKR_MECHANISM_INVALID:
      return "mechanism not supported by the token";
    default: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "CKR 0x%lx", static_cast<unsigned long>(rv));
      return buf;
    }
  }
}

Error RvError(CK_RV rv, std::string_view what) {
  ErrorCode code = ErrorCode::kInternal;
  if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED || rv == CKR_PIN_LEN_RANGE ||
      rv == CKR_PIN_EXPIRED || rv == CKR_PIN_INVALID) {
    code = ErrorCode::kPermission;
  } else if (rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_TOKEN_NOT_RECOGNIZED) {
    code = ErrorCode::kNotFound;
  } else if (rv == CKR_MECHANISM_INVALID) {
    code = ErrorCode::kUnsupported;
  }
  return Error{code, std::string(what) + ": " + RvText(rv)};
}

// Token info strings are blank-padded fixed-size fields.
std::string Padded(const unsigned char* field, size_t size) {
  std::string s(reinterpret_cast<const char*>(field), size);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

bool TokenMatches(const CK_TOKEN_INFO& info, const Pkcs11Uri& uri) {
  if (!uri.token.empty() && Padded(info.label, sizeof info.label) != uri.token) return false;
  if (!uri.serial.empty() && Padded(info.serialNumber, sizeof info.serialNumber) != uri.serial) {
    return false;
  }
  if (!uri.manufacturer.empty() &&
      Padded(info.manufacturerID, sizeof info.manufacturerID) != uri.manufacturer) {
    return false;
  }
  if (!uri.model.empty() && Padded(info.model, sizeof info.model) != uri.model) return false;
  return true;
}

std::string TokenName(const Pkcs11Uri& uri) {
  return uri.token.empty() ? std::string("the token") : "token '" + uri.token + "'";
}

// Salted SHA-256 digests of the PINs C_Login accepted in this process, per module and slot.
class PinRegistry {
 public:
  PinRegistry() { RAND_bytes(salt_, sizeof salt_); }

  void Remember(const void* module, CK_SLOT_ID slot, std::string_view pin) {
    std::lock_guard lock(mu_);
    digests_[{module, slot}] = Digest(pin);
  }
  bool Matches(const void* module, CK_SLOT_ID slot, std::string_view pin) {
    std::lock_guard lock(mu_);
    auto it = digests_.find({module, slot});
    if (it == digests_.end()) return false;  // logged in by someone else: cannot vouch for it
    const auto d = Digest(pin);
    return CRYPTO_memcmp(d.data(), it->second.data(), d.size()) == 0;
  }

 private:
  std::array<unsigned char, 32> Digest(std::string_view pin) const {
    std::array<unsigned char, 32> out{};
    unsigned int len = 0;
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
    EVP_DigestUpdate(ctx, salt_, sizeof salt_);
    EVP_DigestUpdate(ctx, pin.data(), pin.size());
    EVP_DigestFinal_ex(ctx, out.data(), &len);
    EVP_MD_CTX_free(ctx);
    return out;
  }

  std::mutex mu_;
  unsigned char salt_[16];
  std::map<std::pair<const void*, CK_SLOT_ID>, std::array<unsigned char, 32>> digests_;
};

PinRegistry& VerifiedPins() {
  static PinRegistry registry;
  return registry;
}

// An open session, closed (and logged out if it logged in) on scope exit.
class Session {
 public:
  Session(CK_FUNCTION_LIST* f, CK_SESSION_HANDLE h) : f_(f), h_(h) {}
  ~Session() {
    // Login state is per application in PKCS#11: log out only what this session logged in, or the
    // engine's sessions on the same token would lose their login.
    if (logged_in_) f_->C_Logout(h_);
    f_->C_CloseSession(h_);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Logs in with `pin`. When the application is already logged in (login state is shared by all
  // sessions of a process, e.g. the engine's), C_Login cannot check the PIN; it is then compared
  // with the digest of the PIN that did log in, so a wrong PIN is refused all the same.
  Result<void> Login(std::string_view pin, const Pkcs11Uri& uri, CK_SLOT_ID slot) {
    std::string copy(pin);
    CK_RV rv = f_->C_Login(h_, CKU_USER, reinterpret_cast<CK_UTF8CHAR*>(copy.data()), copy.size());
    std::fill(copy.begin(), copy.end(), '\0');
    if (rv == CKR_USER_ALREADY_LOGGED_IN) {
      if (!VerifiedPins().Matches(f_, slot, pin)) {
        return std::unexpected(RvError(CKR_PIN_INCORRECT, "login to " + TokenName(uri)));
      }
      return {};
    }
    if (rv != CKR_OK) return std::unexpected(RvError(rv, "login to " + TokenName(uri)));
    VerifiedPins().Remember(f_, slot, pin);
    logged_in_ = true;
    return {};
  }
  CK_SESSION_HANDLE handle() const { return h_; }

 private:
  CK_FUNCTION_LIST* f_;
  CK_SESSION_HANDLE h_;
  bool logged_in_ = false;
};

Result<CK_SLOT_ID> FindSlot(CK_FUNCTION_LIST* f, const Pkcs11Uri& uri) {
  CK_ULONG count = 0;
  CK_RV rv = f->C_GetSlotList(CK_TRUE, nullptr, &count);
  if (rv != CKR_OK) return std::unexpected(RvError(rv, "listing PKCS#11 slots"));
  std::vector<CK_SLOT_ID> slots(count);
  rv = f->C_GetSlotList(CK_TRUE, slots.data(), &count);
  if (rv != CKR_OK) return std::unexpected(RvError(rv, "listing PKCS#11 slots"));
  slots.resize(count);
  for (CK_SLOT_ID slot : slots) {
    CK_TOKEN_INFO info;
    if (f->C_GetTokenInfo(slot, &info) != CKR_OK) continue;
    if ((info.flags & CKF_TOKEN_INITIALIZED) == 0) continue;
    if (TokenMatches(info, uri)) return slot;
  }
  return Fail(ErrorCode::kNotFound, "PKCS#11: no initialised token matches " + uri.ToString());
}

Result<std::unique_ptr<Session>> OpenLoggedIn(CK_FUNCTION_LIST* f, const Pkcs11Uri& uri,
                                              std::string_view pin, bool read_write) {
  auto slot = FindSlot(f, uri);
  if (!slot) return std::unexpected(slot.error());
  CK_SESSION_HANDLE h = 0;
  CK_FLAGS flags = CKF_SERIAL_SESSION | (read_write ? CKF_RW_SESSION : 0);
  CK_RV rv = f->C_OpenSession(*slot, flags, nullptr, nullptr, &h);
  if (rv != CKR_OK) return std::unexpected(RvError(rv, "opening a session on " + TokenName(uri)));
  auto session = std::make_unique<Session>(f, h);
  auto login = session->Login(pin, uri, *slot);
  if (!login) return std::unexpected(login.error());
  return session;
}

}  // namespace

Result<Pkcs11Module*> Pkcs11Module::Get(const std::string& path) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<Pkcs11Module>> modules;
  std::lock_guard lock(mu);
  if (auto it = modules.find(path); it != modules.end()) return it->second.get();
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    return Fail(ErrorCode::kNotFound, "PKCS#11 module " + path + " cannot be loaded: " + dlerror());
  }
  using GetFunctionList = CK_RV (*)(CK_FUNCTION_LIST**);
  auto get = reinterpret_cast<GetFunctionList>(dlsym(handle, "C_GetFunctionList"));
  CK_FUNCTION_LIST* functions = nullptr;
  if (get == nullptr || get(&functions) != CKR_OK || functions == nullptr) {
    dlclose(handle);
    return Fail(ErrorCode::kUnsupported, path + " is not a PKCS#11 module");
  }
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  CK_RV rv = functions->C_Initialize(&args);
  // The libp11 engine may have initialised the same module in this process first.
  if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
    return std::unexpected(RvError(rv, "initialising PKCS#11 module " + path));
  }
  auto module = std::unique_ptr<Pkcs11Module>(new Pkcs11Module(path, handle, functions));
  Pkcs11Module* raw = module.get();
  modules.emplace(path, std::move(module));
  return raw;
}

Result<void> Pkcs11Module::CheckPin(const Pkcs11Uri& uri, std::string_view pin) {
  auto session = OpenLoggedIn(Fn(functions_), uri, pin, false);
  if (!session) return std::unexpected(session.error());
  return {};
}

Result<void> Pkcs11Module::GenerateEcP256(const Pkcs11Uri& uri, std::string_view pin) {
  if (uri.object.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                "PKCS#11 URI " + uri.ToString() + ": give the new key a name (object=…)");
  }
  CK_FUNCTION_LIST* f = Fn(functions_);
  auto session = OpenLoggedIn(f, uri, pin, true);
  if (!session) return std::unexpected(session.error());
  CK_SESSION_HANDLE h = (*session)->handle();

  // Refuse to shadow an existing key: libp11 would pick one of two same-named keys arbitrarily.
  CK_OBJECT_CLASS priv_class = CKO_PRIVATE_KEY;
  std::string label = uri.object;
  CK_ATTRIBUTE find[] = {{CKA_CLASS, &priv_class, sizeof priv_class},
                         {CKA_LABEL, label.data(), label.size()}};
  CK_RV rv = f->C_FindObjectsInit(h, find, 2);
  if (rv != CKR_OK) return std::unexpected(RvError(rv, "searching " + TokenName(uri)));
  CK_OBJECT_HANDLE found = 0;
  CK_ULONG n = 0;
  rv = f->C_FindObjects(h, &found, 1, &n);
  f->C_FindObjectsFinal(h);
  if (rv != CKR_OK) return std::unexpected(RvError(rv, "searching " + TokenName(uri)));
  if (n > 0) {
    return Fail(ErrorCode::kConflict,
                TokenName(uri) + " already holds a private key named '" + uri.object + "'");
  }

  std::string id = uri.id;
  if (id.empty()) {
    id.resize(8);
    if (RAND_bytes(reinterpret_cast<unsigned char*>(id.data()), 8) != 1) {
      return Fail(ErrorCode::kInternal, "no randomness for a key id");
    }
  }
  // DER of the OID prime256v1 (1.2.840.10045.3.1.7): the only curve used in tokens (see
  // PLATFORM_NOTES: an Ed25519 key breaks libp11's key enumeration for the whole token).
  static const unsigned char kP256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
  CK_BBOOL yes = CK_TRUE;
  CK_BBOOL no = CK_FALSE;
  CK_ATTRIBUTE pub[] = {
      {CKA_TOKEN, &yes, sizeof yes},
      {CKA_VERIFY, &yes, sizeof yes},
      {CKA_EC_PARAMS, const_cast<unsigned char*>(kP256), sizeof kP256},
      {CKA_LABEL, label.data(), label.size()},
      {CKA_ID, id.data(), id.size()},
  };
  CK_ATTRIBUTE priv[] = {
      {CKA_TOKEN, &yes, sizeof yes},
      {CKA_PRIVATE, &yes, sizeof yes},
      {CKA_SENSITIVE, &yes, sizeof yes},
      {CKA_EXTRACTABLE, &no, sizeof no},
      {CKA_SIGN, &yes, sizeof yes},
      {CKA_DERIVE, &yes, sizeof yes},
      {CKA_LABEL, label.data(), label.size()},
      {CKA_ID, id.data(), id.size()},
  };
  CK_MECHANISM mech = {CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  CK_OBJECT_HANDLE pub_h = 0;
  CK_OBJECT_HANDLE priv_h = 0;
  rv = f->C_GenerateKeyPair(h, &mech, pub, sizeof pub / sizeof pub[0], priv,
                            sizeof priv / sizeof priv[0], &pub_h, &priv_h);
  if (rv != CKR_OK) {
    return std::unexpected(RvError(rv, "generating a P-256 key in " + TokenName(uri)));
  }
  return {};
}

}  // namespace socmesh::crypto::detail
