// The audit trail of the command line (E5: every operation leaves an entry — ingest, read, share,
// admin, PKI — and a wrong PIN is an `auth-failure` entry). With --audit-log DIR every command
// appends exactly one entry to the tamper-evident log in DIR, signed with --audit-key:
//
//   actor   org = --audit-org (if given), user = the local OS user, node = the host name
//   action  the command's class (ingest, read, pki, admin, share, detect, audit, …) or
//           auth-failure when the command failed on a wrong PIN / passphrase (kPermission)
//   target  what the command acted on (noted by the command, else its first positional argument
//           or first required option)
//   outcome success (exit 0), denied (auth-failure), failure (any other exit); details: the
//           command ("pki sign"), exit code, error code and counts the command noted (stored,
//           rejected, serial, …). Never PINs, tokens or error messages (they may quote input).
//
// Fail closed, as the node does: the log is opened (key, lock, integrity) before the command runs
// and the command does not run if that fails; if the entry cannot be written afterwards, the
// command exits 1 with a clear message even though it did its work.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "core/error.hpp"

namespace socmesh::cli {

struct AuditTrailOptions {
  std::string log;           // directory; empty: no trail
  std::string key;           // signing key: PEM file or pkcs11: URI (ECDSA P-256)
  std::string key_pin_file;  // its PIN / passphrase (else $SOCMESH_AUDIT_KEY_PIN)
  std::string org;           // actor.org of every entry
};

// Adds --audit-log, --audit-key, --audit-key-pin-file, --audit-org (and their environment
// variables) to `app`.
void AddAuditTrailOptions(CLI::App& app, AuditTrailOptions& options);

// What the running command wants in its entry; callable from any command (no-ops without a
// trail). Details whose names mean secrets are redacted by audit::Sanitize anyway.
void NoteAuditTarget(std::string target);
void NoteAuditDetail(std::string key, std::string value);
// Called by PrintError: the last error decides the action (auth-failure) and the error detail.
void NoteAuditError(const Error& error);

// Runs `command` (the subcommand chosen on `app`) under the trail and returns its exit code, or
// kExitFailure when the trail cannot be opened (the command is then not run) or written.
int RunAudited(const AuditTrailOptions& options, const CLI::App& app,
               const std::function<int()>& command);

}  // namespace socmesh::cli
