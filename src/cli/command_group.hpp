// Extension point of the command line: each module's commands (pki, audit, node, …) live in their
// own file and register themselves here, so commands.cpp does not grow with every module.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace socmesh::cli {

// Options shared by every command; filled in by parsing before any runner runs.
struct GlobalOptions {
  std::string store;
};

// Returns the exit code if its subcommand was chosen on the command line, else nullopt.
using CommandRunner = std::function<std::optional<int>()>;

// Adds a group's subcommands to `app` and one runner per subcommand to `runners`. Runners may keep
// references to `global` and to state they own (captured by value / shared_ptr).
using CommandGroup = void (*)(CLI::App& app, const GlobalOptions& global,
                              std::vector<CommandRunner>& runners);

// Prints "socmesh: <code>: <message>" to stderr, the common error line of every command.
void PrintError(const Error& e);

// The groups (each in <name>_commands.cpp), listed in commands.cpp.
void AuditCommands(CLI::App& app, const GlobalOptions& global, std::vector<CommandRunner>& runners);
void PkiCommands(CLI::App& app, const GlobalOptions& global, std::vector<CommandRunner>& runners);

}  // namespace socmesh::cli
