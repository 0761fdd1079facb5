// Free text as an input format: extracted indicators become STIX 2.1 objects, so `socmesh ingest
// --format text` stores a report's indicators like any other feed (requirement B2b).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "formats/text/text_extractor.hpp"
#include "model/bundle.hpp"
#include "model/timestamp.hpp"

namespace socmesh::formats::text {

enum class TextImportMode {
  kIndicators,   // one indicator per observable, pattern "[ipv4-addr:value = '…']"
  kObservables,  // one SCO per observable (ipv4-addr, domain-name, url, email-addr, file)
};

struct TextImportOptions {
  TextImportMode mode = TextImportMode::kIndicators;
  // created / modified / valid_from of the new objects; the current time when unset.
  std::optional<model::Timestamp> now;
  ExtractOptions extract;
};

// Turns hits into STIX objects, one per distinct (kind, value) in order of first occurrence:
// observables as the mode says, CVE ids as `vulnerability` objects and ATT&CK ids as
// `attack-pattern` objects, each with an external reference (source "cve" / "mitre-attack") that
// the store and the ATT&CK data can be joined on. The objects are built as JSON and then parsed
// and validated by model::ParseBundle, so they are exactly what any other input would yield.
Result<model::ParsedBundle> HitsToStix(const std::vector<TextHit>& hits,
                                       const TextImportOptions& options = {});

// ExtractIndicators + HitsToStix. Text without any indicator gives an empty bundle, not an error.
Result<model::ParsedBundle> ImportText(std::string_view text,
                                       const TextImportOptions& options = {});

}  // namespace socmesh::formats::text
