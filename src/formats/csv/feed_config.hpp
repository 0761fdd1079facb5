// How a CSV or plain-text feed maps onto STIX indicators: the dialect, which column holds what, and
// the feed's identity. Presets describe the real feeds socmesh ships support for.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "formats/csv/csv_records.hpp"
#include "formats/csv/text_encoding.hpp"
#include "model/observable.hpp"
#include "model/tlp.hpp"

namespace socmesh::formats::csv {

// What a column means for the indicator built from its row.
enum class Role {
  kIgnore,
  kValue,      // the observable; several value columns give several indicators per row
  kKind,       // the observable kind of the row's values ("ipv4", "url", … as ObservableKindName)
  kFirstSeen,  // -> valid_from and created
  kLastSeen,   // -> modified (when later than first seen)
  kMalware,    // malware family -> label
  kThreat,     // threat / classification -> label
  kLabels,     // a list of tags (split at `list_separator`) -> labels
  kPort,       // 1-65535 -> description "port N"
  kStatus,     // "online", "offline" … -> description "status: …"
  kConfidence,   // 0-100 -> confidence
  kReference,    // URL -> external_references[].url
  kExternalId,   // the feed's own id for the entry (SBL123, URLhaus id) -> external_references[]
  kDescription,  // free text -> description
  kTlp,          // TLP name for this row, overriding the feed's
};

std::string_view RoleName(Role role);
std::optional<Role> ParseRoleName(std::string_view name);

struct ColumnSpec {
  Role role = Role::kIgnore;
  std::string header;  // header name (matched case-insensitively, blanks trimmed) …
  int index = -1;      // … or 0-based column index when `header` is empty
  // kValue: the kind of every value; nullopt = model::ClassifyObservable, or the kKind column.
  std::optional<model::ObservableKind> kind;
  std::string time_format;   // kFirstSeen / kLastSeen: see ParseFeedTime ("" = auto)
  std::string label_prefix;  // kMalware / kThreat / kLabels: prepended to each label
  char list_separator = 0;   // kLabels: splits the cell into several labels
};

struct FeedConfig {
  // Stable machine name: part of every indicator id (UUIDv5 of name + value), so re-importing the
  // feed updates the same indicators. Never rename a feed that has been imported.
  std::string name;
  std::string title;     // human name of the feed identity (created_by_ref)
  std::string home_url;  // the feed's page, on the identity's external reference
  Dialect dialect;
  Encoding encoding = Encoding::kAuto;
  bool has_header = false;  // the first data line (or a "# a,b,c" banner line) names the columns
  std::vector<ColumnSpec> columns;
  Role trailing_comment_role = Role::kIgnore;  // role of Record::trailing_comment
  std::vector<std::string> labels;             // added to every indicator
  std::optional<model::Tlp> tlp;               // marking of every indicator (rows may override)
  std::optional<int> confidence;               // when no confidence column says otherwise
  std::string default_url_scheme;  // prefixed to URL values without "://" (e.g. "http://")
  std::vector<std::string> null_values = {""};  // cells that mean "no value" (skipped silently)
};

// Presets: "feodo", "urlhaus", "urlhaus-text", "ipsum", "spamhaus-drop", "spamhaus-asndrop",
// "plain" (one value per line, classified), "socmesh-csv" (what ExportIndicatorsCsv writes), and
// the IntelMQ fixtures "intelmq-generic", "intelmq-invalid", "intelmq-multivalue", "cert-eu".
std::vector<std::string_view> FeedPresetNames();

// The preset called `name`. Errors: kNotFound listing the known names.
Result<FeedConfig> FindFeedPreset(std::string_view name);

}  // namespace socmesh::formats::csv
