// `socmesh store …`: encryption at rest of the store (B13) from the command line — status,
// encrypting a store in clear, data key rotation with re-encryption, rewrapping the keyring under a
// new (token) key. Composition only; every decision lives in store/ and crypto/. docs/cli.md,
// "socmesh store".
//
// PINs never come from the command line (`ps` would show them): --store-key-pin-file, or the
// environment variable SOCMESH_STORE_KEY_PIN; they are never printed.
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/audit_trail.hpp"
#include "cli/command_group.hpp"
#include "cli/commands.hpp"
#include "crypto/key.hpp"
#include "store/store.hpp"

namespace socmesh::cli {

namespace {

constexpr char kStoreKeyPinEnv[] = "SOCMESH_STORE_KEY_PIN";
constexpr char kNewStoreKeyPinEnv[] = "SOCMESH_NEW_STORE_KEY_PIN";

struct StoreCommandOptions {
  size_t batch = 1000;
  bool json = false;
  bool keep_old_keys = false;
  bool no_reencrypt = false;
  std::string new_key;
  std::string new_key_pin_file;
};

Result<std::shared_ptr<const crypto::Key>> LoadKey(const std::string& location,
                                                   const std::string& pin_file,
                                                   const char* pin_env) {
  auto pin = crypto::ResolvePin("", pin_file, pin_env);
  if (!pin) return std::unexpected(pin.error());
  crypto::KeyOptions options;
  options.pin = std::move(*pin);
  auto key = crypto::Key::Load(location, options);
  if (!key) return std::unexpected(key.error().WithContext("store key"));
  return std::make_shared<const crypto::Key>(std::move(*key));
}

Result<std::unique_ptr<store::Store>> OpenForMaintenance(const GlobalOptions& g,
                                                         bool encrypt_existing) {
  if (g.store_key.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                "give the key that wraps the store's keyring: --store-key FILE|pkcs11:URI");
  }
  auto key = LoadStoreKey(g);
  if (!key) return std::unexpected(key.error());
  store::StoreOptions options;
  options.location = g.store.empty() ? store::DefaultStoreLocation() : g.store;
  options.create_if_missing = false;
  options.at_rest_key = *key;
  options.encrypt_existing = encrypt_existing;
  return store::OpenStore(options);
}

// Runs the re-encryption pass to the end, one line per 10 batches on stderr.
Result<store::ReencryptProgress> ReencryptAll(store::Store& s, size_t batch) {
  store::ReencryptOptions options;
  options.batch_rows = batch;
  size_t batches = 0;
  options.progress = [&](const store::ReencryptProgress& p) {
    if (++batches % 10 == 0) std::cerr << "re-encrypted " << p.rewritten << " rows\n";
    return true;
  };
  return s.Reencrypt(options);
}

int PrintStatus(store::Store& s, bool json) {
  auto status = s.GetAtRestStatus();
  if (!status) {
    PrintError(status.error());
    return kExitFailure;
  }
  if (json) {
    std::cout << "{\"converting\":" << (status->converting ? "true" : "false")
              << ",\"current_key\":" << status->current_key
              << ",\"encrypted\":" << (status->encrypted ? "true" : "false") << ",\"keyring_id\":\""
              << status->keyring_id << "\",\"keyring_keys\":[";
    for (size_t i = 0; i < status->keyring_keys.size(); ++i) {
      std::cout << (i ? "," : "") << status->keyring_keys[i];
    }
    std::cout << "],\"rows_by_key\":{";
    for (size_t i = 0; i < status->rows_by_key.size(); ++i) {
      std::cout << (i ? "," : "") << "\"" << status->rows_by_key[i].first
                << "\":" << status->rows_by_key[i].second;
    }
    // A URI or a path; neither holds a PIN (Key::location() drops pin-value).
    std::cout << "}}\n";
    return kExitOk;
  }
  if (!status->encrypted) {
    std::cout << "encryption at rest: off\n";
    return kExitOk;
  }
  std::cout << "encryption at rest: AES-256-GCM"
            << (status->converting ? " (conversion in progress: run `socmesh store encrypt`)" : "")
            << "\nkeyring:           " << status->keyring_id
            << "\nwrapped by:        " << status->wrapping_key
            << "\ncurrent data key:  " << status->current_key << "\nkeys in keyring:  ";
  for (uint32_t id : status->keyring_keys) std::cout << " " << id;
  std::cout << "\nrows by data key:  ";
  for (const auto& [id, n] : status->rows_by_key) {
    std::cout << " " << (id == 0 ? std::string("clear") : std::to_string(id)) << ":" << n;
  }
  std::cout << "\n";
  return kExitOk;
}

int Finish(store::Store& s, const StoreCommandOptions& o, const char* what) {
  if (!o.no_reencrypt) {
    auto done = ReencryptAll(s, o.batch);
    if (!done) {
      PrintError(done.error());
      std::cerr << "socmesh: the pass can be resumed with `socmesh store reencrypt`\n";
      return kExitFailure;
    }
    std::cout << what << ": " << done->rewritten << " rows re-encrypted\n";
    if (!o.keep_old_keys) {
      auto retired = s.RetireUnusedDataKeys();
      if (!retired) {
        PrintError(retired.error());
        return kExitFailure;
      }
      for (uint32_t id : *retired) std::cout << "retired data key " << id << "\n";
    }
  }
  return PrintStatus(s, false);
}

}  // namespace

Result<std::shared_ptr<const crypto::Key>> LoadStoreKey(const GlobalOptions& g) {
  if (g.store_key.empty()) return std::shared_ptr<const crypto::Key>();
  return LoadKey(g.store_key, g.store_key_pin_file, kStoreKeyPinEnv);
}

void StoreCommands(CLI::App& app, const GlobalOptions& global,
                   std::vector<CommandRunner>& runners) {
  auto o = std::make_shared<StoreCommandOptions>();
  auto* group = app.add_subcommand("store", "Encryption at rest of the store (B13)");
  group->require_subcommand(1);
  auto add_batch = [&](CLI::App* cmd) {
    cmd->add_option("--batch", o->batch, "Rows per transaction of the re-encryption (1000)");
  };

  auto* status = group->add_subcommand("status", "Is the store encrypted, under which keys");
  status->add_flag("--json", o->json, "Machine-readable output");

  auto* encrypt = group->add_subcommand(
      "encrypt", "Encrypt the store (a new keyring wrapped by --store-key); resumable");
  add_batch(encrypt);

  auto* rotate = group->add_subcommand(
      "rotate-key", "New data key for new writes; re-encrypt old rows; retire old keys");
  add_batch(rotate);
  rotate->add_flag("--no-reencrypt", o->no_reencrypt,
                   "Only rotate: old rows stay under their keys (run `store reencrypt` later)");
  rotate->add_flag("--keep-old-keys", o->keep_old_keys, "Do not retire unused data keys");

  auto* reencrypt = group->add_subcommand(
      "reencrypt", "Resume or finish re-encryption under the current key; retire unused keys");
  add_batch(reencrypt);
  reencrypt->add_flag("--keep-old-keys", o->keep_old_keys, "Do not retire unused data keys");

  auto* rewrap = group->add_subcommand(
      "rewrap", "Wrap the keyring for a new key (e.g. a new token); no row is rewritten");
  rewrap->add_option("--new-key", o->new_key, "The new wrapping key: FILE or pkcs11:URI")
      ->required();
  rewrap->add_option("--new-key-pin-file", o->new_key_pin_file,
                     "PIN of the new key (else $SOCMESH_NEW_STORE_KEY_PIN)");

  runners.push_back([&global, o, status]() -> std::optional<int> {
    if (!*status) return std::nullopt;
    store::StoreOptions options;
    options.location = global.store.empty() ? store::DefaultStoreLocation() : global.store;
    options.read_only = true;
    options.create_if_missing = false;
    auto key = LoadStoreKey(global);
    if (!key) {
      PrintError(key.error());
      return kExitFailure;
    }
    options.at_rest_key = *key;
    auto s = store::OpenStore(options);
    if (!s) {
      PrintError(s.error());
      return kExitFailure;
    }
    return PrintStatus(**s, o->json);
  });
  runners.push_back([&global, o, encrypt]() -> std::optional<int> {
    if (!*encrypt) return std::nullopt;
    auto s = OpenForMaintenance(global, /*encrypt_existing=*/true);
    if (!s) {
      PrintError(s.error());
      return kExitFailure;
    }
    return Finish(**s, *o, "encrypt");
  });
  runners.push_back([&global, o, rotate]() -> std::optional<int> {
    if (!*rotate) return std::nullopt;
    auto s = OpenForMaintenance(global, false);
    if (!s) {
      PrintError(s.error());
      return kExitFailure;
    }
    auto id = (*s)->RotateDataKey();
    if (!id) {
      PrintError(id.error());
      return kExitFailure;
    }
    NoteAuditDetail("data_key", std::to_string(*id));
    std::cout << "data key " << *id << " is current\n";
    return Finish(**s, *o, "rotate-key");
  });
  runners.push_back([&global, o, reencrypt]() -> std::optional<int> {
    if (!*reencrypt) return std::nullopt;
    auto s = OpenForMaintenance(global, false);
    if (!s) {
      PrintError(s.error());
      return kExitFailure;
    }
    return Finish(**s, *o, "reencrypt");
  });
  runners.push_back([&global, o, rewrap]() -> std::optional<int> {
    if (!*rewrap) return std::nullopt;
    auto s = OpenForMaintenance(global, false);
    if (!s) {
      PrintError(s.error());
      return kExitFailure;
    }
    auto new_key = LoadKey(o->new_key, o->new_key_pin_file, kNewStoreKeyPinEnv);
    if (!new_key) {
      PrintError(new_key.error());
      return kExitFailure;
    }
    const std::string location = (*new_key)->location();
    if (auto r = (*s)->RewrapKeyring(std::move(*new_key)); !r) {
      PrintError(r.error());
      return kExitFailure;
    }
    std::cout << "keyring rewrapped for " << location << "; open the store with --store-key "
              << location << " from now on\n";
    return kExitOk;
  });
}

}  // namespace socmesh::cli
