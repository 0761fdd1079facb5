// The audit trail of the command line; see audit_trail.hpp.
#include "cli/audit_trail.hpp"

#include <pwd.h>
#include <unistd.h>

#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "audit/checkpoint.hpp"
#include "audit/entry.hpp"
#include "audit/log.hpp"
#include "audit/log_files.hpp"
#include "cli/commands.hpp"
#include "crypto/key.hpp"

namespace socmesh::cli {

namespace {

constexpr char kAuditKeyPinEnv[] = "SOCMESH_AUDIT_KEY_PIN";
constexpr char kDefaultOrigin[] = "socmesh-audit";
constexpr size_t kMaxTargetBytes = 512;

// What the running command noted. One command runs per process, so one record suffices.
struct Notes {
  bool active = false;
  std::optional<std::string> target;
  std::map<std::string, std::string> details;
  std::optional<Error> error;
};

Notes& CurrentNotes() {
  static Notes notes;
  return notes;
}

// The chosen subcommands from the root down, e.g. {"pki", "sign"}.
std::vector<const CLI::App*> ChosenPath(const CLI::App& app) {
  std::vector<const CLI::App*> path;
  const CLI::App* at = &app;
  for (;;) {
    const CLI::App* next = nullptr;
    for (const CLI::App* sub : at->get_subcommands()) {
      next = sub;  // parsed subcommands only; one per level
      break;
    }
    if (next == nullptr) break;
    path.push_back(next);
    at = next;
  }
  return path;
}

// The class of operation of a command, as the node's entries and `audit show --action` use them.
std::string ActionOf(std::string_view top, std::string_view leaf) {
  if (top == "ingest") return std::string(audit::kActionIngest);
  if (top == "get" || top == "search" || top == "export" || top == "stats") {
    return std::string(audit::kActionRead);
  }
  if (top == "pki") return std::string(audit::kActionPki);
  if (top == "connect") {
    // Running connectors stores what they fetch; status only reads their state.
    return std::string(leaf == "run" ? audit::kActionIngest : audit::kActionRead);
  }
  if (top == "events") return std::string(audit::kActionShare);
  if (top == "detect") return "detect";
  if (top == "audit") return "audit";
  // store, org, user, token, group, node, maintain and any future group: administration.
  return std::string(audit::kActionAdmin);
}

// The target when the command noted none: its positional arguments, else its first required
// option (pki sign --ca DIR, org add --name N …).
std::string DefaultTarget(const CLI::App& leaf) {
  std::string positional;
  for (const CLI::Option* opt : leaf.get_options()) {
    if (!opt->get_positional() || opt->count() == 0) continue;
    for (const std::string& value : opt->results()) {
      if (!positional.empty()) positional += " ";
      positional += value;
    }
  }
  if (!positional.empty()) return positional;
  for (const CLI::Option* opt : leaf.get_options()) {
    if (opt->get_required() && opt->count() > 0 && !opt->results().empty()) {
      return opt->results().front();
    }
  }
  return {};
}

std::string UserName() {
  if (const passwd* pw = getpwuid(geteuid()); pw != nullptr && pw->pw_name != nullptr) {
    return pw->pw_name;
  }
  return "uid:" + std::to_string(geteuid());
}

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return {};
  return name;
}

// The origin of an existing log (its newest checkpoint), so that the trail extends logs made by
// `socmesh audit` or a node under their own log id.
std::string ExistingOrigin(const std::string& dir) {
  auto cps = audit::ReadLineFile(std::filesystem::path(dir) / audit::kCheckpointsFile);
  if (!cps || cps->lines.empty()) return kDefaultOrigin;
  auto cp = audit::ParseCheckpoint(cps->lines.back());
  return cp ? cp->head.origin : std::string(kDefaultOrigin);
}

Result<std::unique_ptr<audit::AuditLog>> OpenLog(const AuditTrailOptions& o,
                                                 const crypto::Key& key) {
  audit::AuditLogOptions options;
  options.dir = o.log;
  options.origin = ExistingOrigin(o.log);
  options.signing_key = key.pkey();
  options.lock_timeout = std::chrono::seconds(10);
  return audit::AuditLog::Open(std::move(options));
}

audit::AuditEvent BuildEvent(const AuditTrailOptions& o, const CLI::App& app, int exit_code) {
  const Notes& notes = CurrentNotes();
  const std::vector<const CLI::App*> path = ChosenPath(app);
  std::string command;
  for (const CLI::App* sub : path) command += (command.empty() ? "" : " ") + sub->get_name();
  audit::AuditEvent event;
  event.actor = {.org = o.org, .user = UserName(), .node = HostName()};
  event.action = path.empty() ? std::string(audit::kActionAdmin)
                              : ActionOf(path.front()->get_name(), path.back()->get_name());
  event.target = notes.target ? *notes.target : path.empty() ? "" : DefaultTarget(*path.back());
  if (event.target.size() > kMaxTargetBytes) event.target.resize(kMaxTargetBytes);
  event.details = notes.details;
  event.details["command"] = command.empty() ? "socmesh" : command;
  event.details["exit"] = std::to_string(exit_code);
  if (exit_code == kExitOk) {
    event.outcome = audit::Outcome::kSuccess;
  } else if (notes.error && notes.error->code == ErrorCode::kPermission) {
    // A wrong or locked PIN, a wrong passphrase: an authentication failure (E5, issue 4).
    event.action = std::string(audit::kActionAuthFailure);
    event.outcome = audit::Outcome::kDenied;
  } else {
    event.outcome = audit::Outcome::kFailure;
  }
  // The code only: messages may quote input, paths or URIs the operator did not mean to keep.
  if (exit_code != kExitOk && notes.error)
    event.details["error"] = ErrorCodeName(notes.error->code);
  return event;
}

int TrailFailed(const Error& e, std::string_view when) {
  std::cerr << "socmesh: audit-trail: " << ErrorCodeName(e.code) << ": " << e.message << " ("
            << when << ")\n";
  return kExitFailure;
}

}  // namespace

void AddAuditTrailOptions(CLI::App& app, AuditTrailOptions& o) {
  app.add_option("--audit-log", o.log,
                 "Append one audit entry per command to this audit log directory (E5)")
      ->envname("SOCMESH_AUDIT_LOG");
  app.add_option("--audit-key", o.key,
                 "Key signing the audit log's checkpoints: FILE or pkcs11:URI (ECDSA P-256)")
      ->envname("SOCMESH_AUDIT_KEY");
  app.add_option("--audit-key-pin-file", o.key_pin_file,
                 "File holding the PIN of --audit-key (else $SOCMESH_AUDIT_KEY_PIN)")
      ->envname("SOCMESH_AUDIT_KEY_PIN_FILE");
  app.add_option("--audit-org", o.org, "Organisation recorded as the actor of audit entries")
      ->envname("SOCMESH_AUDIT_ORG");
}

void NoteAuditTarget(std::string target) {
  if (CurrentNotes().active) CurrentNotes().target = std::move(target);
}

void NoteAuditDetail(std::string key, std::string value) {
  if (CurrentNotes().active) CurrentNotes().details[std::move(key)] = std::move(value);
}

void NoteAuditError(const Error& error) {
  if (CurrentNotes().active) CurrentNotes().error = error;
}

int RunAudited(const AuditTrailOptions& o, const CLI::App& app,
               const std::function<int()>& command) {
  if (o.log.empty()) return command();
  if (o.key.empty()) {
    return TrailFailed(
        {ErrorCode::kInvalidArgument, "--audit-log needs --audit-key FILE|pkcs11:URI"},
        "command not run");
  }
  auto pin = crypto::ResolvePin("", o.key_pin_file, kAuditKeyPinEnv);
  if (!pin) return TrailFailed(pin.error(), "command not run");
  auto key = crypto::Key::Load(o.key, {.pin = *pin, .module_path = {}});
  if (!key) return TrailFailed(key.error().WithContext("audit key"), "command not run");
  // Opened once before the command so that nothing is done that cannot be recorded: a missing
  // key, a held lock or a tampered log stop the command here. It is closed again while the
  // command runs, because commands such as `audit record` or `node run` may open the same log.
  {
    auto log = OpenLog(o, *key);
    if (!log) return TrailFailed(log.error().WithContext(o.log), "command not run");
    if (auto closed = (*log)->Close(); !closed) {
      return TrailFailed(closed.error().WithContext(o.log), "command not run");
    }
  }
  CurrentNotes() = Notes{};
  CurrentNotes().active = true;
  const int exit_code = command();
  audit::AuditEvent event = BuildEvent(o, app, exit_code);
  CurrentNotes().active = false;
  auto log = OpenLog(o, *key);
  if (!log)
    return TrailFailed(log.error().WithContext(o.log), "the command ran; its entry is missing");
  if (auto seq = (*log)->Append(std::move(event)); !seq) {
    return TrailFailed(seq.error().WithContext(o.log), "the command ran; its entry is missing");
  }
  if (auto closed = (*log)->Close(); !closed) {
    return TrailFailed(closed.error().WithContext(o.log), "the command ran; its entry is missing");
  }
  return exit_code;
}

}  // namespace socmesh::cli
