// Curation of imported batches, shared by `socmesh ingest` (cli/) and the connectors (connect/):
// the same warning lists, consolidation and provenance whether an operator runs an import by hand
// or a connector fetches the feed on its schedule (B2a, B2b, E7). Why one place: a feed polled by a
// connector and the same file ingested by hand must end up as the same indicators.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "curate/consolidate.hpp"
#include "curate/warninglist.hpp"
#include "formats/detect.hpp"
#include "model/stix_object.hpp"
#include "store/store.hpp"

namespace socmesh::curate {

struct IngestCurationSettings {
  std::string warninglists = "flag";        // off | flag | drop (WarningMode)
  std::string warninglists_dir;             // empty: DefaultWarningListDir()
  std::vector<std::string> list_overrides;  // "NAME=flag|drop|off"
  bool consolidate = true;
};

// Where a batch came from: its format and the name provenance records.
struct IngestSource {
  formats::Format format = formats::Format::kStix;
  std::string name;                  // file name or connector name
  std::string csv_preset = "plain";  // the CSV layout (its feed is the provenance source)
};

// What curation did over all batches so far.
struct CurationTotals {
  size_t consolidated = 0, new_versions = 0, unchanged = 0, flagged = 0, flag_not_written = 0,
         dropped = 0;
  // "curation: 3 merged into existing indicators, …"; empty when nothing happened.
  std::string Summary() const;
};

class IngestCurator {
 public:
  // Loads the warning lists the settings ask for. `warnings` receives skipped list entries.
  // Errors: kInvalidArgument naming the bad mode or override, the list loading errors.
  static Result<IngestCurator> Create(const IngestCurationSettings& settings,
                                      std::vector<std::string>* warnings = nullptr);

  // Curates one batch read from `source` against `store` (read only; the caller stores
  // `objects`). Text imports first adopt their anonymous indicators as this node's (they name
  // no creator). Not thread-safe: one caller at a time.
  Result<CuratedBatch> Curate(std::span<const model::StixObject> batch, store::Store& store,
                              const IngestSource& source);

  const CurationTotals& totals() const { return totals_; }

 private:
  IngestCurator(std::optional<WarningLists> lists, WarningMode mode, bool consolidate)
      : lists_(std::move(lists)), mode_(mode), consolidate_(consolidate) {}

  std::optional<WarningLists> lists_;
  WarningMode mode_ = WarningMode::kFlag;
  bool consolidate_ = true;
  CurationTotals totals_;
};

}  // namespace socmesh::curate
