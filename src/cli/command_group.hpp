// Extension point of the command line: each module's commands (pki, audit, node, …) live in their
// own file and register themselves here, so commands.cpp does not grow with every module.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "crypto/key.hpp"

namespace socmesh::cli {

// Options shared by every command; filled in by parsing before any runner runs.
struct GlobalOptions {
  std::string store;
  // Encryption at rest (B13): the key that wraps the store's keyring, and the file holding its
  // PIN (else $SOCMESH_STORE_KEY_PIN). See docs/cli.md, "socmesh store".
  std::string store_key;
  std::string store_key_pin_file;
};

// Returns the exit code if its subcommand was chosen on the command line, else nullopt.
using CommandRunner = std::function<std::optional<int>()>;

// Adds a group's subcommands to `app` and one runner per subcommand to `runners`. Runners may keep
// references to `global` and to state they own (captured by value / shared_ptr).
using CommandGroup = void (*)(CLI::App& app, const GlobalOptions& global,
                              std::vector<CommandRunner>& runners);

// Prints "socmesh: <code>: <message>" to stderr, the common error line of every command.
void PrintError(const Error& e);

// The --store-key given (PIN from --store-key-pin-file or $SOCMESH_STORE_KEY_PIN), for
// StoreOptions::at_rest_key; null when none was given. Every command that opens the store uses it.
Result<std::shared_ptr<const crypto::Key>> LoadStoreKey(const GlobalOptions& global);

// The groups (each in <name>_commands.cpp), listed in commands.cpp.
void StoreCommands(CLI::App& app, const GlobalOptions& global, std::vector<CommandRunner>& runners);
void AuditCommands(CLI::App& app, const GlobalOptions& global, std::vector<CommandRunner>& runners);
void PkiCommands(CLI::App& app, const GlobalOptions& global, std::vector<CommandRunner>& runners);
void DetectCommands(CLI::App& app, const GlobalOptions& global,
                    std::vector<CommandRunner>& runners);
void IdentityCommands(CLI::App& app, const GlobalOptions& global,
                      std::vector<CommandRunner>& runners);
void NodeCommands(CLI::App& app, const GlobalOptions& global, std::vector<CommandRunner>& runners);
void CurateCommands(CLI::App& app, const GlobalOptions& global,
                    std::vector<CommandRunner>& runners);
void ConnectCommands(CLI::App& app, const GlobalOptions& global,
                     std::vector<CommandRunner>& runners);
void SimCommands(CLI::App& app, const GlobalOptions& global, std::vector<CommandRunner>& runners);

}  // namespace socmesh::cli
