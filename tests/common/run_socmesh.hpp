// Running the socmesh binary under test as a user would (Zeek btest style): one helper for every
// end-to-end suite instead of a copy per suite.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace socmesh::testing {

struct RunResult {
  int exit_code = -1;  // -1 when the process did not exit normally (signal)
  std::string out;
  std::string err;
};

// Quotes `s` for a POSIX shell (single quotes, embedded ones escaped).
std::string ShellQuote(const std::string& s);

// Runs SOCMESH_BINARY with `args`, stdin from `stdin_file`, capturing stdout and stderr through
// files in `scratch` (which must exist).
RunResult RunSocmesh(const std::vector<std::string>& args, const std::filesystem::path& scratch,
                     const std::string& stdin_file = "/dev/null");

// Runs a bash script (set -euo pipefail) in `dir`, with a shell function `socmesh` bound to the
// binary under test; stdout and stderr are captured together in `out`.
RunResult RunBash(const std::filesystem::path& dir, const std::string& script);

// The first ```sh fenced block after the line `<!-- marker -->` in docs/<doc>; empty when absent.
// Lets tests run the examples of the documentation exactly as written.
std::string DocExample(const std::string& doc, const std::string& marker);

}  // namespace socmesh::testing
