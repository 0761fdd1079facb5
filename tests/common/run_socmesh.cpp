#include "common/run_socmesh.hpp"

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "common/test_data.hpp"

namespace socmesh::testing {

namespace fs = std::filesystem;

namespace {

int ExitCode(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }

}  // namespace

std::string ShellQuote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

RunResult RunSocmesh(const std::vector<std::string>& args, const fs::path& scratch,
                     const std::string& stdin_file) {
  std::string cmd = ShellQuote(SOCMESH_BINARY);
  for (const auto& a : args) cmd += " " + ShellQuote(a);
  const fs::path out = scratch / "socmesh.out";
  const fs::path err = scratch / "socmesh.err";
  cmd += " <" + ShellQuote(stdin_file) + " >" + ShellQuote(out.string()) + " 2>" +
         ShellQuote(err.string());
  RunResult r;
  r.exit_code = ExitCode(std::system(cmd.c_str()));
  r.out = ReadFile(out);
  r.err = ReadFile(err);
  return r;
}

RunResult RunBash(const fs::path& dir, const std::string& script) {
  const fs::path file = dir / "script.sh";
  std::ofstream(file) << "set -euo pipefail\ncd " << ShellQuote(dir.string()) << "\nsocmesh() { "
                      << ShellQuote(SOCMESH_BINARY) << " \"$@\"; }\n"
                      << script << "\n";
  RunResult r;
  FILE* p = ::popen(("bash " + ShellQuote(file.string()) + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  r.exit_code = ExitCode(::pclose(p));
  return r;
}

std::string DocExample(const std::string& doc, const std::string& marker) {
  const std::string text = ReadFile(fs::path(SOCMESH_SOURCE_DIR) / "docs" / doc);
  const size_t at = text.find("<!-- " + marker + " -->");
  if (at == std::string::npos) return {};
  const size_t start = text.find("```sh\n", at);
  if (start == std::string::npos) return {};
  const size_t end = text.find("\n```", start + 6);
  if (end == std::string::npos) return {};
  return text.substr(start + 6, end - start - 6);
}

}  // namespace socmesh::testing
