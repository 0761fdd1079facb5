// The `socmesh` command line: parses arguments and runs one command. See docs/cli.md.
#pragma once

namespace socmesh::cli {

// Exit codes, documented in docs/cli.md.
enum ExitCode : int {
  kExitOk = 0,        // done, nothing rejected
  kExitFailure = 1,   // could not do the job (store unusable, I/O error, internal error)
  kExitUsage = 2,     // wrong command line
  kExitRejected = 3,  // ingest: some input rejected; the valid rest stored (nothing with --strict)
  kExitNotFound = 4,  // get: no such object
};

// Runs the command line; returns the process exit code. Never throws.
int Run(int argc, char** argv);

}  // namespace socmesh::cli
