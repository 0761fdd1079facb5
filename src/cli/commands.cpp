// socmesh's command line. Composition only: every decision lives in model/, formats/ and store/;
// this file turns options into calls and results into text and exit codes.
#include "cli/commands.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/audit_trail.hpp"
#include "cli/command_group.hpp"
#include "cli/curate_ingest.hpp"
#include "cli/progress.hpp"
#include "formats/export.hpp"
#include "formats/import.hpp"
#include "formats/stix_input.hpp"
#include "model/canonical_json.hpp"
#include "model/identifier.hpp"
#include "store/store.hpp"

namespace socmesh::cli {

namespace {

struct IngestOptions {
  std::vector<std::string> inputs;
  bool strict = false;
  size_t batch_size = 10'000;
  std::string report;
  size_t max_bytes = size_t{2} << 30;
  size_t max_errors = 100;
  bool quiet = false;
  bool warnings = false;
  bool no_progress = false;
  std::string durability = "full";
  std::string format = "auto";
  std::string preset = "plain";
  IngestCurationOptions curation;
};

struct FilterOptions {
  std::vector<std::string> types;
  std::vector<std::string> ids;
  std::string value;
  std::string kind;
  std::string since;
  std::string until;
  std::string added_after;
  bool all_versions = false;
  bool no_revoked = false;
  size_t limit = 0;
};

// Accepts a STIX timestamp, or a plain date (midnight UTC).
Result<model::Timestamp> ParseTimeOption(const std::string& name, const std::string& text) {
  std::string t = text;
  if (t.size() == 10) t += "T00:00:00Z";
  auto parsed = model::ParseTimestamp(t);
  if (!parsed) {
    return Fail(ErrorCode::kInvalidArgument,
                "--" + name + ": " + parsed.error().message + " (or give a date YYYY-MM-DD)");
  }
  return parsed;
}

Result<store::Query> BuildQuery(const FilterOptions& f) {
  store::Query q;
  q.types = f.types;
  q.ids = f.ids;
  q.all_versions = f.all_versions;
  q.include_revoked = !f.no_revoked;
  q.limit = f.limit;
  if (!f.since.empty()) {
    auto t = ParseTimeOption("since", f.since);
    if (!t) return std::unexpected(t.error());
    q.modified_from = *t;
  }
  if (!f.until.empty()) {
    auto t = ParseTimeOption("until", f.until);
    if (!t) return std::unexpected(t.error());
    q.modified_to = *t;
  }
  if (!f.added_after.empty()) {
    auto t = ParseTimeOption("added-after", f.added_after);
    if (!t) return std::unexpected(t.error());
    q.added_after = *t;
  }
  if (!f.value.empty()) {
    if (!f.kind.empty()) {
      auto kind = model::ParseObservableKindName(f.kind);
      if (!kind)
        return Fail(ErrorCode::kInvalidArgument, "--kind: unknown kind \"" + f.kind + "\"");
      auto normalized = model::NormalizeObservable(*kind, f.value);
      if (!normalized) return std::unexpected(normalized.error());
      q.observable = model::Observable{*kind, *normalized};
    } else {
      auto guessed = model::ClassifyObservable(f.value);
      if (!guessed) {
        return Fail(ErrorCode::kInvalidArgument, "--value: cannot tell what kind of observable \"" +
                                                     f.value + "\" is; give --kind");
      }
      q.observable = *guessed;
    }
  } else if (!f.kind.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "--kind needs --value");
  }
  return q;
}

void AddFilterOptions(CLI::App* cmd, FilterOptions& f, bool with_limit) {
  cmd->add_option("--type", f.types, "Only objects of this STIX type (repeatable)");
  cmd->add_option("--id", f.ids, "Only the object with this id (repeatable)");
  cmd->add_option("--value", f.value,
                  "Only objects carrying this observable (IP, domain, URL, hash, e-mail…)");
  cmd->add_option("--kind", f.kind, "Kind of --value (ipv4, domain, sha256, …) if not obvious");
  cmd->add_option("--since", f.since, "Only versions modified at or after this time");
  cmd->add_option("--until", f.until, "Only versions modified at or before this time");
  cmd->add_option("--added-after", f.added_after,
                  "Only versions this store received after this time");
  cmd->add_flag("--all-versions", f.all_versions, "Every stored version, not only the current one");
  cmd->add_flag("--no-revoked", f.no_revoked, "Leave out revoked objects");
  if (with_limit) cmd->add_option("--limit", f.limit, "At most this many results (0: no limit)");
}

Result<std::unique_ptr<store::Store>> Open(
    const GlobalOptions& g, bool read_only,
    store::Durability durability = store::Durability::kFull) {
  store::StoreOptions options;
  options.location = g.store.empty() ? store::DefaultStoreLocation() : g.store;
  auto key = LoadStoreKey(g);  // encryption at rest (B13): unlocks the store's keyring
  if (!key) return std::unexpected(key.error());
  options.at_rest_key = std::move(*key);
  options.read_only = read_only;
  options.create_if_missing = !read_only;
  options.durability = durability;
  return store::OpenStore(options);
}

// --- ingest ---------------------------------------------------------------------------------

struct FileOutcome {
  std::string path;
  std::optional<Error> error;  // the whole file was unusable
  model::ParsedBundle parsed;
  store::IngestOutcome stored;
};

void WriteReport(const std::string& path, const std::vector<FileOutcome>& files) {
  model::JsonWriter w;
  w.BeginObject().Key("files").BeginArray();
  for (const FileOutcome& f : files) {
    w.BeginObject().Key("path").String(f.path);
    if (f.error) {
      w.Key("error").String(f.error->message).Key("code").String(ErrorCodeName(f.error->code));
    }
    w.Key("objects").Int(static_cast<int64_t>(f.parsed.input_objects));
    w.Key("inserted").Int(static_cast<int64_t>(f.stored.inserted));
    w.Key("unchanged").Int(static_cast<int64_t>(f.stored.unchanged));
    w.Key("rejected").Int(static_cast<int64_t>(f.parsed.rejected + f.stored.rejected.size()));
    w.Key("findings").BeginArray();
    for (const auto& d : f.parsed.findings) {
      w.BeginObject()
          .Key("index")
          .Int(static_cast<int64_t>(d.index))
          .Key("id")
          .String(d.id)
          .Key("severity")
          .String(d.diagnostic.severity == model::Severity::kError ? "error" : "warning")
          .Key("path")
          .String(d.diagnostic.path)
          .Key("message")
          .String(d.diagnostic.message)
          .EndObject();
    }
    for (const auto& r : f.stored.rejected) {
      w.BeginObject()
          .Key("id")
          .String(r.id)
          .Key("severity")
          .String("error")
          .Key("message")
          .String(r.error.message)
          .EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray().EndObject();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << w.str() << "\n";
  if (!out) std::cerr << "socmesh: cannot write report " << path << "\n";
}

int RunIngest(const GlobalOptions& g, const IngestOptions& o) {
  if (o.batch_size == 0) {
    PrintError({ErrorCode::kInvalidArgument, "--batch-size must be at least 1"});
    return kExitUsage;
  }
  std::optional<formats::Format> format;
  if (o.format != "auto") format = formats::ParseFormatName(o.format);
  // Directories contribute the files the chosen format is found in.
  std::vector<std::string> extensions = {".json"};
  if (!format || *format != formats::Format::kStix) {
    extensions = {".json", ".xml", ".csv", ".tsv", ".txt"};
  }
  auto inputs = formats::ExpandInputs(o.inputs.empty() ? std::vector<std::string>{"-"} : o.inputs,
                                      extensions);
  if (!inputs) {
    PrintError(inputs.error());
    return kExitFailure;
  }
  auto store = Open(
      g, false, o.durability == "normal" ? store::Durability::kNormal : store::Durability::kFull);
  if (!store) {
    PrintError(store.error());
    return kExitFailure;
  }
  formats::ImportRequest request;
  request.format = format;
  request.strict = o.strict;
  request.max_bytes = o.max_bytes;
  request.csv_preset = o.preset;
  const bool progress = !o.quiet && !o.no_progress && ProgressBar::StderrIsTerminal();
  IngestCurationOptions curation_options = o.curation;
  curation_options.preset = o.preset;
  curation_options.quiet = o.quiet;
  auto curation = MakeIngestCuration(curation_options);
  if (!curation) {
    PrintError(curation.error());
    return kExitUsage;
  }

  std::vector<FileOutcome> outcomes;
  size_t total_objects = 0, total_inserted = 0, total_unchanged = 0, total_rejected = 0;
  size_t failed_files = 0;
  bool storage_failed = false;
  const auto start = std::chrono::steady_clock::now();
  for (const std::string& path : *inputs) {
    FileOutcome f;
    f.path = path == formats::kStdinName ? "<stdin>" : path;
    formats::Format read_as = formats::Format::kStix;
    Result<model::ParsedBundle> parsed = [&]() -> Result<model::ParsedBundle> {
      auto bytes = formats::ReadInput(path, o.max_bytes);
      if (!bytes) return std::unexpected(bytes.error());
      request.name = path;
      auto imported = formats::Import(*bytes, request);
      if (!imported) return std::unexpected(imported.error());
      read_as = imported->format;
      return std::move(imported->bundle);
    }();
    if (!parsed) {
      f.error = parsed.error();
      ++failed_files;
      std::cerr << "socmesh: " << f.path << ": rejected: " << parsed.error().message << "\n";
      outcomes.push_back(std::move(f));
      continue;
    }
    f.parsed = std::move(*parsed);
    size_t printed = 0;
    for (const auto& d : f.parsed.findings) {
      const bool error = d.diagnostic.severity == model::Severity::kError;
      if (!error && !o.warnings) continue;
      if (printed++ == o.max_errors) {
        std::cerr << "socmesh: " << f.path << ": … more findings not shown (use --report)\n";
      }
      if (printed > o.max_errors) continue;
      std::cerr << f.path << ": " << (error ? "rejected" : "warning") << " object " << d.index
                << (d.id.empty() ? "" : " (" + d.id + ")") << ": " << d.diagnostic.path << ": "
                << d.diagnostic.message << "\n";
    }
    // Strict input is stored in one transaction so that a file lands whole or not at all.
    const size_t batch = o.strict ? std::max<size_t>(f.parsed.objects.size(), 1) : o.batch_size;
    ProgressBar bar("ingest " + f.path, f.parsed.objects.size(),
                    progress && f.parsed.objects.size() >= 2 * batch);
    std::span<const model::StixObject> all(f.parsed.objects);
    for (size_t i = 0; i < all.size(); i += batch) {
      auto chunk = all.subspan(i, std::min(batch, all.size() - i));
      auto curated = (*curation)->Curate(chunk, **store, read_as, path);
      if (!curated) {
        PrintError(curated.error().WithContext(f.path));
        storage_failed = true;
        break;
      }
      auto result = (*store)->Ingest(*curated);
      if (!result) {
        PrintError(result.error().WithContext(f.path));
        storage_failed = true;
        break;
      }
      f.stored.inserted += result->inserted;
      f.stored.unchanged += result->unchanged;
      for (auto& r : result->rejected) {
        r.index += i;
        std::cerr << f.path << ": rejected " << r.id << ": " << r.error.message << "\n";
        f.stored.rejected.push_back(std::move(r));
      }
      bar.Update(i + chunk.size());
    }
    bar.Finish();
    const size_t rejected = f.parsed.rejected + f.stored.rejected.size();
    if (!o.quiet) {
      std::cout << f.path << ": " << f.parsed.input_objects << " objects, " << f.stored.inserted
                << " stored, " << f.stored.unchanged << " already present, " << rejected
                << " rejected"
                << (o.strict && f.parsed.rejected > 0 ? " (strict: file not stored)" : "") << "\n";
    }
    total_objects += f.parsed.input_objects;
    total_inserted += f.stored.inserted;
    total_unchanged += f.stored.unchanged;
    total_rejected += rejected;
    outcomes.push_back(std::move(f));
    if (storage_failed) break;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!o.quiet) {
    std::cout << "total: " << outcomes.size() << " file(s), " << total_objects << " objects, "
              << total_inserted << " stored, " << total_unchanged << " already present, "
              << total_rejected << " rejected, " << failed_files << " file(s) unreadable; "
              << static_cast<int64_t>(seconds * 1000) << " ms\n";
    if (const std::string summary = (*curation)->Summary(); !summary.empty()) {
      std::cout << summary << "\n";
    }
  }
  if (!o.report.empty()) WriteReport(o.report, outcomes);
  NoteAuditDetail("objects", std::to_string(total_objects));
  NoteAuditDetail("stored", std::to_string(total_inserted));
  NoteAuditDetail("unchanged", std::to_string(total_unchanged));
  NoteAuditDetail("rejected", std::to_string(total_rejected));
  NoteAuditDetail("unreadable_files", std::to_string(failed_files));
  if (storage_failed) return kExitFailure;
  return total_rejected > 0 || failed_files > 0 ? kExitRejected : kExitOk;
}

// --- get / search / export / stats ----------------------------------------------------------

int RunGet(const GlobalOptions& g, const std::string& id, bool all_versions) {
  if (auto parsed = model::ParseIdentifier(id); !parsed) {
    PrintError({ErrorCode::kInvalidArgument, parsed.error().message});
    return kExitUsage;
  }
  auto store = Open(g, true);
  if (!store) {
    PrintError(store.error());
    return kExitFailure;
  }
  if (all_versions) {
    auto versions = (*store)->GetVersions(id);
    if (!versions) {
      PrintError(versions.error());
      return kExitFailure;
    }
    if (versions->empty()) {
      std::cerr << "socmesh: not-found: " << id << "\n";
      return kExitNotFound;
    }
    for (const auto& v : *versions) std::cout << v.json << "\n";
    return kExitOk;
  }
  auto current = (*store)->GetCurrent(id);
  if (!current) {
    PrintError(current.error());
    return current.error().code == ErrorCode::kNotFound ? kExitNotFound : kExitFailure;
  }
  std::cout << current->json << "\n";
  return kExitOk;
}

// What search and export both start from: the filters as a query and the store opened read-only.
// On failure the error is printed and the exit code returned.
struct Selection {
  store::Query query;
  std::unique_ptr<store::Store> store;
};

std::expected<Selection, int> Select(const GlobalOptions& g, const FilterOptions& f) {
  auto query = BuildQuery(f);
  if (!query) {
    PrintError(query.error());
    return std::unexpected(kExitUsage);
  }
  auto store = Open(g, true);
  if (!store) {
    PrintError(store.error());
    return std::unexpected(kExitFailure);
  }
  return Selection{std::move(*query), std::move(*store)};
}

int RunSearch(const GlobalOptions& g, const FilterOptions& f, bool json) {
  auto selected = Select(g, f);
  if (!selected) return selected.error();
  auto& [query, store] = *selected;
  size_t count = 0;
  auto scanned = store->Scan(query, [&](const store::StoredVersion& v) {
    ++count;
    if (json) {
      std::cout << v.json << "\n";
    } else {
      std::cout << model::FormatTimestamp(v.modified) << "  " << v.id;
      if (v.tlp) std::cout << "  TLP:" << model::TlpName(*v.tlp);
      if (v.revoked) std::cout << "  revoked";
      std::cout << "\n";
    }
    return true;
  });
  if (!scanned) {
    PrintError(scanned.error());
    return kExitFailure;
  }
  if (!json) std::cerr << count << " result(s)\n";
  return kExitOk;
}

// MISP, IODEF or CSV: the selected objects are collected, converted as one document and written.
int ExportConverted(store::Store& store, const store::Query& query, formats::Format format,
                    std::ostream& out) {
  std::vector<model::StixObject> objects;
  Result<void> bad;
  auto scanned = store.Scan(query, [&](const store::StoredVersion& v) {
    auto object = model::ParseStixObject(v.json);
    if (!object) {
      bad = std::unexpected(object.error().WithContext("stored " + v.id));
      return false;
    }
    objects.push_back(std::move(*object));
    return true;
  });
  if (!scanned || !bad) {
    PrintError(!scanned ? scanned.error() : bad.error());
    return kExitFailure;
  }
  auto exported = formats::Export(format, objects);
  if (!exported) {
    PrintError(exported.error());
    return kExitFailure;
  }
  out << exported->document;
  out.flush();
  if (!out) {
    PrintError({ErrorCode::kIo, "write failed"});
    return kExitFailure;
  }
  for (const auto& s : exported->skipped) std::cerr << "socmesh: not exported: " << s << "\n";
  std::cerr << "exported " << objects.size() - exported->skipped.size() << " of " << objects.size()
            << " object version(s) as " << formats::FormatName(format) << "\n";
  return kExitOk;
}

int RunExport(const GlobalOptions& g, const FilterOptions& f, const std::string& output,
              const std::string& format_name) {
  auto selected = Select(g, f);
  if (!selected) return selected.error();
  auto& [query, store] = *selected;
  std::ofstream file;
  std::ostream* out = &std::cout;
  if (!output.empty() && output != "-") {
    file.open(output, std::ios::binary | std::ios::trunc);
    if (!file) {
      PrintError({ErrorCode::kIo, output + ": cannot create"});
      return kExitFailure;
    }
    out = &file;
  }
  if (format_name != "stix") {
    return ExportConverted(*store, query, *formats::ParseFormatName(format_name), *out);
  }
  *out << R"({"id":"bundle--)" << model::FormatUuid(model::NewUuidV4()) << R"(","objects":[)";
  size_t count = 0;
  auto scanned = store->Scan(query, [&](const store::StoredVersion& v) {
    if (count++ > 0) *out << ",";
    *out << v.json;
    return true;
  });
  *out << R"(],"type":"bundle"})"
       << "\n";
  out->flush();
  if (!scanned) {
    PrintError(scanned.error());
    return kExitFailure;
  }
  if (!*out) {
    PrintError({ErrorCode::kIo, "write failed"});
    return kExitFailure;
  }
  std::cerr << "exported " << count << " object version(s)\n";
  return kExitOk;
}

int RunStats(const GlobalOptions& g, bool json) {
  auto store = Open(g, true);
  if (!store) {
    PrintError(store.error());
    return kExitFailure;
  }
  auto stats = (*store)->Stats();
  if (!stats) {
    PrintError(stats.error());
    return kExitFailure;
  }
  if (json) {
    model::JsonWriter w;
    w.BeginObject()
        .Key("backend")
        .String(stats->backend)
        .Key("location")
        .String(stats->location)
        .Key("schema_version")
        .Int(stats->schema_version)
        .Key("object_versions")
        .Int(stats->object_versions)
        .Key("objects")
        .Int(stats->objects)
        .Key("revoked_objects")
        .Int(stats->revoked_objects)
        .Key("observables")
        .Int(stats->observables)
        .Key("objects_by_type")
        .BeginObject();
    for (const auto& [type, n] : stats->objects_by_type) w.Key(type).Int(n);
    w.EndObject().EndObject();
    std::cout << w.str() << "\n";
    return kExitOk;
  }
  std::cout << "store:           " << stats->backend << " " << stats->location << " (schema "
            << stats->schema_version << ")\n"
            << "object versions: " << stats->object_versions << "\n"
            << "objects:         " << stats->objects << "\n"
            << "revoked objects: " << stats->revoked_objects << "\n"
            << "observables:     " << stats->observables << "\n";
  for (const auto& [type, n] : stats->objects_by_type) {
    std::printf("  %-24s %lld\n", type.c_str(), static_cast<long long>(n));
  }
  std::fflush(stdout);
  return kExitOk;
}

// Command groups defined in their own files (see command_group.hpp).
constexpr CommandGroup kCommandGroups[] = {AuditCommands,    PkiCommands,    NodeCommands,
                                           IdentityCommands, CurateCommands, StoreCommands,
                                           ConnectCommands,  DetectCommands, SimCommands};

}  // namespace

void PrintError(const Error& e) {
  NoteAuditError(e);  // the audit trail records the code (auth-failure on kPermission)
  std::cerr << "socmesh: " << ErrorCodeName(e.code) << ": " << e.message << "\n";
}

int Run(int argc, char** argv) {
  CLI::App app{"socmesh — a node of the EU network of Security Operations Centres"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "socmesh 0.1.0");
  GlobalOptions g;
  app.add_option("--store", g.store,
                 "Store location (sqlite:PATH or PATH); default $SOCMESH_STORE or "
                 "~/.local/share/socmesh/store.db")
      ->envname("SOCMESH_STORE");
  app.add_option("--store-key", g.store_key,
                 "Key wrapping the store's keyring, if encrypted at rest: FILE or pkcs11:URI")
      ->envname("SOCMESH_STORE_KEY");
  app.add_option("--store-key-pin-file", g.store_key_pin_file,
                 "File holding the PIN of --store-key (else $SOCMESH_STORE_KEY_PIN)")
      ->envname("SOCMESH_STORE_KEY_PIN_FILE");
  AuditTrailOptions audit_trail;
  AddAuditTrailOptions(app, audit_trail);

  IngestOptions ingest;
  auto* ingest_cmd = app.add_subcommand("ingest",
                                        "Store threat intelligence (STIX, MISP, IODEF, CSV feeds, "
                                        "text) from files, directories or stdin");
  ingest_cmd->add_option("inputs", ingest.inputs, "Files, directories or - for stdin");
  ingest_cmd->add_flag("--strict", ingest.strict,
                       "Store nothing of a file with any invalid object");
  ingest_cmd->add_option("--batch-size", ingest.batch_size,
                         "Objects per transaction (default 10000)");
  ingest_cmd->add_option("--report", ingest.report, "Write a JSON report of every finding to FILE");
  ingest_cmd->add_option("--max-bytes", ingest.max_bytes, "Refuse inputs larger than this");
  ingest_cmd->add_option("--max-errors", ingest.max_errors,
                         "Findings printed per file (default 100)");
  ingest_cmd->add_flag("--warnings", ingest.warnings, "Print warnings as well as rejections");
  ingest_cmd->add_flag("--no-progress", ingest.no_progress, "Never draw a progress bar");
  ingest_cmd->add_flag("-q,--quiet", ingest.quiet, "Print only rejections");
  ingest_cmd
      ->add_option("--durability", ingest.durability,
                   "full: fsync every batch (default); normal: survive crashes, not power loss")
      ->check(CLI::IsMember({"full", "normal"}));
  ingest_cmd
      ->add_option("--format", ingest.format,
                   "auto (default: from the content), stix, misp, iodef, csv or text")
      ->check(CLI::IsMember({"auto", "stix", "misp", "iodef", "csv", "text"}));
  AddIngestCurationOptions(ingest_cmd, ingest.curation);
  ingest_cmd->add_option("--preset", ingest.preset,
                         "CSV feed layout: feodo, urlhaus, ipsum, spamhaus-drop, plain (default), "
                         "… (see docs/formats.md)");

  std::string get_id;
  bool get_all = false;
  auto* get_cmd = app.add_subcommand("get", "Print an object by id (current version)");
  get_cmd->add_option("id", get_id, "STIX id, e.g. indicator--…")->required();
  get_cmd->add_flag("--all-versions", get_all, "Print every version, oldest first, one per line");

  FilterOptions search;
  bool search_json = false;
  auto* search_cmd = app.add_subcommand("search", "List objects by type, observable value, time");
  AddFilterOptions(search_cmd, search, true);
  search_cmd->add_flag("--json", search_json, "Print matching objects as JSON lines");

  FilterOptions exp;
  std::string export_output;
  auto* export_cmd = app.add_subcommand("export", "Write a STIX 2.1 bundle of stored objects");
  AddFilterOptions(export_cmd, exp, true);
  export_cmd->add_option("-o,--output", export_output, "Output file (default stdout)");
  std::string export_format = "stix";
  export_cmd
      ->add_option("--format", export_format,
                   "stix (default: a bundle), misp (one event), iodef (one IODEF-Document) or "
                   "csv (indicators: value,kind,first_seen,labels,tlp)")
      ->check(CLI::IsMember({"stix", "misp", "iodef", "csv"}));

  bool stats_json = false;
  auto* stats_cmd = app.add_subcommand("stats", "Summarise the store");
  stats_cmd->add_flag("--json", stats_json, "Machine-readable output");

  std::vector<CommandRunner> runners;
  for (CommandGroup group : kCommandGroups) {
    group(app, g, runners);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  // Every command runs under the audit trail (E5); without --audit-log it is a plain call.
  return RunAudited(audit_trail, app, [&]() -> int {
    try {
      if (*ingest_cmd) return RunIngest(g, ingest);
      if (*get_cmd) return RunGet(g, get_id, get_all);
      if (*search_cmd) return RunSearch(g, search, search_json);
      if (*export_cmd) return RunExport(g, exp, export_output, export_format);
      if (*stats_cmd) return RunStats(g, stats_json);
      for (const auto& runner : runners) {
        if (auto code = runner()) return *code;
      }
    } catch (const std::exception& e) {
      // Modules return errors as values; anything thrown here is a bug or memory exhaustion.
      std::cerr << "socmesh: internal-error: " << e.what() << "\n";
      return kExitFailure;
    }
    return kExitUsage;
  });
}

}  // namespace socmesh::cli
