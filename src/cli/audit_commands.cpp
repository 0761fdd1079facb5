// `socmesh audit …`: the tamper-evident audit log (E5) from the command line. Composition only;
// every decision lives in audit/. See docs/cli.md, "socmesh audit".
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "audit/log.hpp"
#include "audit/log_files.hpp"
#include "audit/proof.hpp"
#include "audit/verify.hpp"
#include "cli/command_group.hpp"
#include "cli/commands.hpp"
#include "crypto/key.hpp"
#include "model/canonical_json.hpp"

namespace socmesh::cli {

namespace {

constexpr char kDefaultOrigin[] = "socmesh-audit";
constexpr char kPinEnv[] = "SOCMESH_KEY_PIN";

struct AuditOptions {
  std::string log;
  // signing
  std::string key;
  std::string pin_file;
  std::string origin;
  // verification
  std::string cert;
  std::string pubkey;
  std::string trusted;
  bool allow_unsigned_tail = false;
  bool json = false;
  // record
  audit::AuditEvent event;
  std::string outcome = "success";
  std::vector<std::string> details;
  // show
  std::string actor;
  std::string action;
  std::string since;
  std::string until;
  bool checkpoints = false;
  // proof / export
  std::optional<uint64_t> seq;
  std::optional<size_t> checkpoint;  // 1-based
  std::optional<size_t> from;
  std::optional<size_t> to;
  std::string output;
  std::string proof;
  std::string body;
  std::string signature;
};

int Failed(const Error& e, int code = kExitFailure) {
  PrintError(e);
  return code;
}

Result<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(ErrorCode::kIo, path + ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<void> WriteText(const std::string& path, std::string_view data) {
  if (path.empty() || path == "-") {
    std::cout << data;
    std::cout.flush();
    return {};
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  out.close();
  if (!out) return Fail(ErrorCode::kIo, path + ": cannot write");
  return {};
}

Result<audit::PkeyPtr> VerificationKey(const AuditOptions& o) {
  if (o.cert.empty() == o.pubkey.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "give exactly one of --cert and --pubkey");
  }
  return audit::LoadPublicKeyPem(o.cert.empty() ? o.pubkey : o.cert);
}

// The origin of an existing log (its newest checkpoint), so that operators need not repeat it.
std::string ExistingOrigin(const std::string& dir) {
  auto cps = audit::ReadLineFile(std::filesystem::path(dir) / audit::kCheckpointsFile);
  if (!cps || cps->lines.empty()) return {};
  auto cp = audit::ParseCheckpoint(cps->lines.back());
  return cp ? cp->head.origin : std::string();
}

// Opens the log for writing with the key at --key (file or pkcs11: URI; PIN from --pin-file or
// $SOCMESH_KEY_PIN, never from the command line, where `ps` would show it).
Result<std::unique_ptr<audit::AuditLog>> OpenForWriting(const AuditOptions& o,
                                                        std::optional<crypto::Key>& key) {
  auto pin = crypto::ResolvePin("", o.pin_file, kPinEnv);
  if (!pin) return std::unexpected(pin.error());
  auto loaded = crypto::Key::Load(o.key, {.pin = *pin, .module_path = {}});
  if (!loaded) return std::unexpected(loaded.error());
  key.emplace(std::move(*loaded));
  audit::AuditLogOptions options;
  options.dir = o.log;
  options.origin = o.origin;
  if (options.origin.empty()) options.origin = ExistingOrigin(o.log);
  if (options.origin.empty()) options.origin = kDefaultOrigin;
  options.signing_key = key->pkey();
  options.lock_timeout = std::chrono::seconds(10);
  return audit::AuditLog::Open(std::move(options));
}

void PrintRecovery(const audit::AuditLog& log) {
  for (const auto& r : log.open_report().recovered)
    std::cerr << "socmesh: recovered: " << r << "\n";
}

int RunRecord(AuditOptions o) {
  auto outcome = audit::ParseOutcome(o.outcome);
  if (!outcome) return Failed(outcome.error(), kExitUsage);
  o.event.outcome = *outcome;
  for (const auto& d : o.details) {
    const size_t eq = d.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Failed({ErrorCode::kInvalidArgument, "--detail \"" + d + "\": expected KEY=VALUE"},
                    kExitUsage);
    }
    o.event.details[d.substr(0, eq)] = d.substr(eq + 1);
  }
  if (auto ok = audit::ValidateEvent(o.event); !ok) return Failed(ok.error(), kExitUsage);
  std::optional<crypto::Key> key;
  auto log = OpenForWriting(o, key);
  if (!log) return Failed(log.error());
  PrintRecovery(**log);
  auto seq = (*log)->Append(o.event);
  if (!seq) return Failed(seq.error());
  if (auto closed = (*log)->Close(); !closed) return Failed(closed.error());
  std::cout << *seq << "\n";
  return kExitOk;
}

int RunCheckpoint(const AuditOptions& o) {
  std::optional<crypto::Key> key;
  auto log = OpenForWriting(o, key);
  if (!log) return Failed(log.error());
  PrintRecovery(**log);
  auto cp = (*log)->WriteCheckpoint();
  if (!cp) return Failed(cp.error());
  if (auto closed = (*log)->Close(); !closed) return Failed(closed.error());
  std::cout << cp->body;
  return kExitOk;
}

std::string ReportJson(const audit::VerifyReport& r) {
  model::JsonWriter w;
  w.BeginObject()
      .Key("checkpoints")
      .Int(static_cast<int64_t>(r.checkpoints))
      .Key("entries")
      .Int(static_cast<int64_t>(r.entries));
  if (r.latest) {
    w.Key("latest")
        .BeginObject()
        .Key("root")
        .String(crypto::merkle::ToHex(r.latest->root))
        .Key("size")
        .Int(static_cast<int64_t>(r.latest->size))
        .Key("time")
        .String(model::FormatTimestamp(r.latest->time, true))
        .EndObject();
  }
  w.Key("ok").Bool(r.ok()).Key("problems").BeginArray();
  for (const auto& p : r.problems) {
    w.BeginObject().Key("file").String(p.file).Key("kind").String(audit::ProblemKindName(p.kind));
    if (p.line > 0) w.Key("line").Int(static_cast<int64_t>(p.line));
    w.Key("reason").String(p.reason);
    if (p.seq) w.Key("seq").Int(static_cast<int64_t>(*p.seq));
    w.EndObject();
  }
  w.EndArray().Key("signed_entries").Int(static_cast<int64_t>(r.signed_entries));
  w.Key("warnings").BeginArray();
  for (const auto& warning : r.warnings) w.String(warning);
  w.EndArray().EndObject();
  return w.Take() + "\n";
}

int RunVerify(const AuditOptions& o) {
  auto key = VerificationKey(o);
  if (!key)
    return Failed(key.error(),
                  key.error().code == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure);
  audit::VerifyOptions v;
  v.key = key->get();
  v.origin = o.origin;
  v.allow_unsigned_tail = o.allow_unsigned_tail;
  if (!o.trusted.empty()) {
    auto text = ReadText(o.trusted);
    if (!text) return Failed(text.error());
    std::string_view line = *text;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    auto cp = audit::ParseCheckpoint(line);
    if (!cp) return Failed(cp.error().WithContext(o.trusted));
    v.trusted = std::move(*cp);
  }
  auto report = audit::VerifyLog(o.log, v);
  if (!report) return Failed(report.error());
  if (o.json) {
    std::cout << ReportJson(*report);
  } else {
    for (const auto& p : report->problems) {
      std::cout << p.file;
      if (p.line > 0) std::cout << ":" << p.line;
      std::cout << ": " << audit::ProblemKindName(p.kind);
      if (p.seq) std::cout << " (seq " << *p.seq << ")";
      std::cout << ": " << p.reason << "\n";
    }
    for (const auto& w : report->warnings) std::cerr << "socmesh: warning: " << w << "\n";
    if (report->ok()) {
      std::cout << "ok: " << report->entries << " entries, " << report->checkpoints
                << " checkpoints";
      if (report->latest) {
        std::cout << "; latest checkpoint: size " << report->latest->size << ", root "
                  << crypto::merkle::ToHex(report->latest->root) << ", "
                  << model::FormatTimestamp(report->latest->time, true);
      }
      std::cout << "\n";
    } else {
      std::cout << "FAILED: " << report->problems.size()
                << " problem(s); first: " << report->problems.front().file << " line "
                << report->problems.front().line << "\n";
    }
  }
  return report->ok() ? kExitOk : kExitRejected;
}

Result<model::Timestamp> TimeOption(const std::string& name, const std::string& text) {
  std::string t = text;
  if (t.size() == 10) t += "T00:00:00Z";
  auto parsed = model::ParseTimestamp(t);
  if (!parsed) {
    return Fail(ErrorCode::kInvalidArgument,
                "--" + name + ": " + parsed.error().message + " (or give a date YYYY-MM-DD)");
  }
  return parsed;
}

int RunShow(const AuditOptions& o) {
  auto snap = audit::ReadLog(o.log);
  if (!snap) return Failed(snap.error());
  if (o.checkpoints) {
    size_t n = 0;
    for (const auto& line : snap->checkpoint_lines.lines) {
      ++n;
      auto cp = audit::ParseCheckpoint(line);
      if (!cp) {
        std::cout << n << "  (unreadable: " << cp.error().message << ")\n";
        continue;
      }
      std::cout << n << "  size " << cp->head.size << "  "
                << model::FormatTimestamp(cp->head.time, true) << "  "
                << crypto::merkle::ToHex(cp->head.root) << "\n";
    }
    return kExitOk;
  }
  std::optional<model::Timestamp> since, until;
  if (!o.since.empty()) {
    auto t = TimeOption("since", o.since);
    if (!t) return Failed(t.error(), kExitUsage);
    since = *t;
  }
  if (!o.until.empty()) {
    auto t = TimeOption("until", o.until);
    if (!t) return Failed(t.error(), kExitUsage);
    until = *t;
  }
  size_t shown = 0, unreadable = 0;
  for (size_t i = 0; i < snap->entries.lines.size(); ++i) {
    const std::string& line = snap->entries.lines[i];
    auto e = audit::ParseEntry(line);
    if (!e) {
      // Listing is not verification, but a bad line must not vanish from view either.
      std::cerr << "socmesh: " << audit::kEntriesFile << " line " << i + 1 << ": "
                << e.error().message << "\n";
      ++unreadable;
      continue;
    }
    const auto& a = e->event.actor;
    if (!o.actor.empty() && a.org != o.actor && a.user != o.actor && a.node != o.actor) continue;
    if (!o.action.empty() && e->event.action != o.action) continue;
    if (since && e->time < *since) continue;
    if (until && e->time > *until) continue;
    ++shown;
    if (o.json) {
      std::cout << line << "\n";
      continue;
    }
    std::cout << e->seq << "  " << model::FormatTimestamp(e->time, true) << "  " << e->event.action
              << "  " << audit::OutcomeName(e->event.outcome) << "  "
              << (a.org.empty() ? "-" : a.org) << "/" << (a.user.empty() ? "-" : a.user) << "@"
              << (a.node.empty() ? "-" : a.node) << "  " << e->event.target;
    for (const auto& [k, v] : e->event.details) std::cout << "  " << k << "=" << v;
    std::cout << "\n";
  }
  if (!o.json) std::cerr << shown << " entr" << (shown == 1 ? "y" : "ies") << "\n";
  return unreadable > 0 ? kExitRejected : kExitOk;
}

int RunProof(const AuditOptions& o) {
  auto snap = audit::ReadLog(o.log);
  if (!snap) return Failed(snap.error());
  auto index = [](std::optional<size_t> one_based) -> std::optional<size_t> {
    if (!one_based) return std::nullopt;
    return *one_based == 0 ? SIZE_MAX : *one_based - 1;
  };
  std::string json;
  if (o.seq) {
    if (o.from || o.to) {
      return Failed({ErrorCode::kInvalidArgument, "--seq and --from/--to exclude each other"},
                    kExitUsage);
    }
    auto proof = audit::BuildInclusionProof(*snap, *o.seq, index(o.checkpoint));
    if (!proof)
      return Failed(proof.error(),
                    proof.error().code == ErrorCode::kNotFound ? kExitNotFound : kExitFailure);
    json = audit::SerializeProof(*proof);
  } else if (o.from && o.to) {
    auto proof = audit::BuildConsistencyProof(*snap, *index(o.from), *index(o.to));
    if (!proof)
      return Failed(proof.error(),
                    proof.error().code == ErrorCode::kNotFound ? kExitNotFound : kExitFailure);
    json = audit::SerializeProof(*proof);
  } else {
    return Failed({ErrorCode::kInvalidArgument, "give --seq N, or --from K --to K"}, kExitUsage);
  }
  if (auto w = WriteText(o.output, json + "\n"); !w) return Failed(w.error());
  return kExitOk;
}

int RunVerifyProof(const AuditOptions& o) {
  auto key = VerificationKey(o);
  if (!key)
    return Failed(key.error(),
                  key.error().code == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure);
  auto text = ReadText(o.proof);
  if (!text) return Failed(text.error());
  std::string_view json = *text;
  while (!json.empty() && (json.back() == '\n' || json.back() == '\r')) json.remove_suffix(1);
  auto proof = audit::ParseProof(json);
  if (!proof) return Failed(proof.error().WithContext(o.proof), kExitRejected);
  Result<void> ok =
      std::visit([&](const auto& p) { return audit::VerifyProof(p, key->get()); }, *proof);
  if (!ok) return Failed(ok.error().WithContext(o.proof), kExitRejected);
  if (const auto* inc = std::get_if<audit::InclusionProof>(&*proof)) {
    std::cout << "ok: entry " << inc->seq << " is in the tree of size " << inc->checkpoint.head.size
              << " signed at " << model::FormatTimestamp(inc->checkpoint.head.time, true) << "\n";
  } else {
    const auto& c = std::get<audit::ConsistencyProof>(*proof);
    std::cout << "ok: the tree of size " << c.old_checkpoint.head.size
              << " is a prefix of the tree of size " << c.new_checkpoint.head.size << "\n";
  }
  return kExitOk;
}

int RunExportCheckpoint(const AuditOptions& o) {
  auto snap = audit::ReadLog(o.log);
  if (!snap) return Failed(snap.error());
  const auto& lines = snap->checkpoint_lines.lines;
  if (lines.empty())
    return Failed({ErrorCode::kNotFound, "the log has no checkpoint"}, kExitNotFound);
  const size_t k = o.checkpoint.value_or(lines.size());
  if (k == 0 || k > lines.size()) {
    return Failed({ErrorCode::kNotFound, "no checkpoint " + std::to_string(k) + " (the log has " +
                                             std::to_string(lines.size()) + ")"},
                  kExitNotFound);
  }
  auto cp = audit::ParseCheckpoint(lines[k - 1]);
  if (!cp) return Failed(cp.error().WithContext("checkpoint " + std::to_string(k)));
  if (o.body.empty() && o.signature.empty()) {
    std::cout << lines[k - 1] << "\n";  // the trusted-checkpoint form
    return kExitOk;
  }
  if (!o.body.empty()) {
    if (auto w = WriteText(o.body, cp->body); !w) return Failed(w.error());
  }
  if (!o.signature.empty()) {
    if (auto w = WriteText(o.signature, cp->signature); !w) return Failed(w.error());
  }
  return kExitOk;
}

}  // namespace

void AuditCommands(CLI::App& app, const GlobalOptions& /*global*/,
                   std::vector<CommandRunner>& runners) {
  auto o = std::make_shared<AuditOptions>();
  auto* audit = app.add_subcommand("audit", "Tamper-evident audit log: record, verify, prove");
  audit->require_subcommand(1);
  auto log_option = [&](CLI::App* cmd) {
    cmd->add_option("--log", o->log, "Audit log directory")->required();
  };
  auto signing = [&](CLI::App* cmd) {
    cmd->add_option("--key", o->key, "Signing key: PEM file or pkcs11: URI (ECDSA P-256)")
        ->required();
    cmd->add_option(
        "--pin-file", o->pin_file,
        "File whose first line is the token PIN / key passphrase (else $SOCMESH_KEY_PIN)");
    cmd->add_option("--origin", o->origin,
                    "Log id in checkpoints (default: the log's own, else socmesh-audit)");
  };
  auto verifying = [&](CLI::App* cmd) {
    cmd->add_option("--cert", o->cert, "The log's certificate (PEM)");
    cmd->add_option("--pubkey", o->pubkey, "The log's public key (PEM)");
  };

  auto* record = audit->add_subcommand("record", "Append one entry (for scripts and operators)");
  log_option(record);
  signing(record);
  record->add_option("--action", o->event.action, "ingest, read, share, receipt, admin, pki, …")
      ->required();
  record->add_option("--org", o->event.actor.org, "Acting organisation");
  record->add_option("--user", o->event.actor.user, "Acting user");
  record->add_option("--node", o->event.actor.node, "Acting node");
  record->add_option("--target", o->event.target, "Object id or resource acted on");
  record->add_option("--outcome", o->outcome, "success (default), failure or denied");
  record->add_option("--detail", o->details, "KEY=VALUE (repeatable); secrets are redacted");

  auto* checkpoint = audit->add_subcommand("checkpoint", "Write a signed checkpoint now");
  log_option(checkpoint);
  signing(checkpoint);

  auto* verify = audit->add_subcommand("verify", "Check the whole log; exit 3 if tampered with");
  log_option(verify);
  verifying(verify);
  verify->add_option("--trusted-checkpoint", o->trusted,
                     "A checkpoint kept outside the log (one JSON line): detects truncation");
  verify->add_option("--origin", o->origin, "Expected log id");
  verify->add_flag("--allow-unsigned-tail", o->allow_unsigned_tail,
                   "Entries after the last checkpoint are a warning, not a failure (live logs)");
  verify->add_flag("--json", o->json, "Machine-readable report");

  auto* show = audit->add_subcommand("show", "List entries, filtered");
  log_option(show);
  show->add_option("--actor", o->actor, "Only entries whose org, user or node is this");
  show->add_option("--action", o->action, "Only this action");
  show->add_option("--since", o->since, "Only entries at or after this time");
  show->add_option("--until", o->until, "Only entries at or before this time");
  show->add_flag("--json", o->json, "Print the stored JSON lines");
  show->add_flag("--checkpoints", o->checkpoints, "List the checkpoints instead (numbered)");

  auto* proof = audit->add_subcommand("proof", "Export an inclusion or consistency proof (JSON)");
  log_option(proof);
  proof->add_option("--seq", o->seq, "Inclusion proof of this entry");
  proof->add_option("--checkpoint", o->checkpoint, "… in checkpoint K (default: the newest)");
  proof->add_option("--from", o->from, "Consistency proof from checkpoint K …");
  proof->add_option("--to", o->to, "… to checkpoint K");
  proof->add_option("-o,--output", o->output, "Output file (default stdout)");

  auto* verify_proof = audit->add_subcommand("verify-proof", "Check a proof with the log's key");
  verify_proof->add_option("--proof", o->proof, "Proof JSON file")->required();
  verifying(verify_proof);

  auto* export_cp = audit->add_subcommand(
      "export-checkpoint", "Print a checkpoint line, or write its body and DER signature");
  log_option(export_cp);
  export_cp->add_option("--checkpoint", o->checkpoint, "Checkpoint K (default: the newest)");
  export_cp->add_option("--body", o->body, "Write the signed body here");
  export_cp->add_option("--signature", o->signature, "Write the DER signature here");

  runners.push_back([=]() -> std::optional<int> {
    if (*record) return RunRecord(*o);
    if (*checkpoint) return RunCheckpoint(*o);
    if (*verify) return RunVerify(*o);
    if (*show) return RunShow(*o);
    if (*proof) return RunProof(*o);
    if (*verify_proof) return RunVerifyProof(*o);
    if (*export_cp) return RunExportCheckpoint(*o);
    return std::nullopt;
  });
}

}  // namespace socmesh::cli
