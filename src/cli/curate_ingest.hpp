// Curation during `socmesh ingest` (curate/): warning lists and one indicator per observable.
// Kept out of commands.cpp so ingest only gains two calls.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "formats/detect.hpp"
#include "model/stix_object.hpp"
#include "store/store.hpp"

namespace socmesh::cli {

struct IngestCurationOptions {
  std::string warninglists = "flag";        // off | flag | drop (curate::WarningMode)
  std::string warninglists_dir;             // empty: curate::DefaultWarningListDir()
  std::vector<std::string> list_overrides;  // "NAME=flag|drop|off"
  bool no_consolidate = false;
  std::string preset = "plain";  // the CSV preset in use (its feed is the provenance source)
  bool quiet = false;
};

// Adds --warninglists, --warninglists-dir, --warninglist and --no-consolidate to `ingest`.
void AddIngestCurationOptions(CLI::App* ingest, IngestCurationOptions& options);

class IngestCuration {
 public:
  virtual ~IngestCuration() = default;
  // The objects to store in place of `batch` (read from `path` as `format`). Dropped indicators
  // are printed to stderr unless quiet.
  virtual Result<std::vector<model::StixObject>> Curate(std::span<const model::StixObject> batch,
                                                        store::Store& store, formats::Format format,
                                                        const std::string& path) = 0;
  // One line for the end of ingest ("curation: …"), empty when nothing happened.
  virtual std::string Summary() const = 0;
};

// Errors: kInvalidArgument for a bad mode or override, the warning-list loading errors.
Result<std::unique_ptr<IngestCuration>> MakeIngestCuration(const IngestCurationOptions& options);

}  // namespace socmesh::cli
