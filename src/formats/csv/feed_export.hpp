// Exporting indicators as CSV for tools that only read flat lists (firewalls, SIEM lookups,
// spreadsheets): one row per observable of each indicator.
#pragma once

#include <span>
#include <string>

#include "core/error.hpp"
#include "model/stix_object.hpp"

namespace socmesh::formats::csv {

// Writes RFC 4180 CSV (CRLF line ends) with the header "value,kind,first_seen,labels,tlp":
// value = the normalised observable, kind = model::ObservableKindName, first_seen = valid_from,
// labels joined with ',', tlp = the object's strictest TLP (empty when unmarked). Objects that are
// not indicators are skipped. The preset "socmesh-csv" reads this format back.
// Errors: kInvalidStix when an indicator's canonical JSON cannot be read (a corrupt object).
Result<std::string> ExportIndicatorsCsv(std::span<const model::StixObject> objects);

}  // namespace socmesh::formats::csv
