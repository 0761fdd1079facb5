// Input format detection for `socmesh ingest --format auto`: a look at the first bytes (and the
// file name as a hint), so that an analyst can drop any supported file on the node.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace socmesh::formats {

enum class Format { kStix, kMisp, kIodef, kCsv, kText };

// "stix", "misp", "iodef", "csv", "text".
std::string_view FormatName(Format f);
// The inverse of FormatName; nullopt for anything else ("auto" included).
std::optional<Format> ParseFormatName(std::string_view name);

// Decides from content first, because files travel under wrong names:
//  - JSON: MISP when a top-level key is "Event", "response" or a MISP feed manifest (event UUIDs
//    whose values carry "info"); otherwise STIX (the STIX parser gives the precise error).
//  - XML: IODEF when the root element is IODEF-Document; other XML is refused (kUnsupported).
//  - Otherwise line-oriented: CSV when the first data lines split into the same number (>= 2) of
//    fields on one delimiter, or hold one bare value each (plain feeds); free text else.
// `name` (file name or empty) only breaks ties (.csv/.tsv/.txt). Never fails on text: kUnsupported
// only for binary input (NUL bytes) or foreign XML.
Result<Format> DetectFormat(std::string_view bytes, std::string_view name = {});

}  // namespace socmesh::formats
