// IODEF v2 (RFC 7970) import to STIX 2.1 and export from it (requirements B2b, E7).
//
// Import parses untrusted XML with libxml2 in its safe configuration (no network, no DTD, no
// entity substitution: a document with a DOCTYPE is refused outright), validates it against the
// RFC 7970 XSD resolved offline through the schema directory's catalog.xml, and maps each Incident
// to STIX objects (incident, report, identity, indicator, observed-data + SCOs, attack-pattern,
// vulnerability, threat-actor, campaign, relationships). Identifiers are UUIDv5 over the IncidentID
// (name, instance, value) so importing the same document twice yields the same objects.
// The mapping, property by property, is in docs/formats.md ("IODEF").
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "model/bundle.hpp"
#include "model/stix_object.hpp"

namespace socmesh::formats::iodef {

// Which form of the RFC 7970 schema a document is checked against. The examples published with
// the RFC and the MILE drafts are written to one or the other (docs/formats.md lists them), so a
// document is IODEF when either accepts it.
enum class SchemaVariant {
  kErrataApplied,  // iodef-2.0.errata-applied.xsd: the RFC with its verified errata
  kAsPublished,    // iodef-2.0.rfc7970-as-published.xsd
  kEither,         // accepted when one of the two accepts it (errors reported are the errata one's)
};

// The directory holding catalog.xml and the XSDs: $SOCMESH_IODEF_SCHEMAS when set, else the
// directory configured at build time (CMake SOCMESH_IODEF_SCHEMAS_DIR).
std::filesystem::path DefaultSchemaDir();

struct ImportOptions {
  std::filesystem::path schema_dir = DefaultSchemaDir();
  SchemaVariant schema = SchemaVariant::kEither;
  bool validate = true;                     // XSD validation; off only for tests and fuzzing
  size_t max_bytes = size_t{64} << 20;      // larger input is refused before parsing (kTooLarge)
  size_t max_depth = 64;                    // element nesting (RFC examples reach 15)
  size_t max_text_bytes = size_t{1} << 20;  // one text or attribute value
  bool strict = false;  // any rejected Incident empties `objects` (findings are still all reported)
};

// Imports one IODEF document. Each Incident is a record: it is rejected as a whole when it has an
// error finding (schema violation inside it, or a mapped object the STIX validator refuses), the
// other Incidents are kept. In the result, `input_objects` and `rejected` count Incidents;
// a finding's `index` is the 0-based Incident position (or 0 for the document), its `path` an
// XPath to the element ("/IODEF-Document/iodef:Incident[2]/iodef:EventData/...") and its message
// starts with "line N: ". Values that cannot be mapped (an Address that is no IP address, an
// unknown hash algorithm) are warnings and leave that value out.
// Errors for the document as a whole: kTooLarge (size, depth, text length), kParse (not
// well-formed XML, a DOCTYPE, not an IODEF-Document, or schema errors outside any Incident),
// kIo (schema directory unusable). Thread-safe.
Result<model::ParsedBundle> ImportIodef(std::string_view xml, const ImportOptions& options = {});

// One schema finding: where and why (libxml2's own message, e.g. "Element '{…}Node': Missing child
// element(s). Expected is one of ( … )").
struct SchemaFinding {
  int line = 0;
  std::string path;  // XPath of the element, empty when unknown
  std::string message;
};

// Parses `xml` safely (as ImportIodef) and validates it against one variant (kEither: the errata
// one first, then the other). Returns the findings of the variant that was checked last: empty
// when the document is valid. Errors as ImportIodef for documents that cannot be parsed at all.
Result<std::vector<SchemaFinding>> ValidateIodef(
    std::string_view xml, SchemaVariant schema,
    const std::filesystem::path& schema_dir = DefaultSchemaDir());

struct ExportOptions {
  // Schema the output must satisfy. kEither is treated as kErrataApplied. The two differ in what
  // socmesh writes only in registry values (KeyValue / Value) and Confidence (the as-published
  // schema allows no numeric value, so Confidence is left out).
  SchemaVariant schema = SchemaVariant::kErrataApplied;
  // IncidentID name (the issuing CSIRT, RFC 7970 section 3.4) for incidents that carry none and
  // for the Incident that collects objects not tied to any incident.
  std::string issuer = "socmesh.invalid";
  // Contact written when an incident has no identity to name (RFC 7970 requires one Contact).
  std::string contact_name = "socmesh";
  std::string contact_email;  // optional
};

// Writes STIX objects as one IODEF-Document. Every STIX incident becomes an Incident holding the
// objects tied to it (through a report that lists it or a relationship); objects tied to none
// (indicators, observed-data, …) go into one further Incident with purpose "watch". Objects
// imported from IODEF keep their original IncidentID, times, purpose and assessment (x_iodef_*
// properties). Indicator patterns are written as Observables where they consist of equality
// comparisons socmesh can express in IODEF; other patterns are reported in `skipped`.
// Errors: kInvalidArgument when `objects` holds nothing that can be exported.
struct ExportResult {
  std::string xml;
  std::vector<std::string> skipped;  // "<id>: why" for objects that could not be expressed
};
Result<ExportResult> ExportIodef(std::span<const model::StixObject> objects,
                                 const ExportOptions& options = {});

}  // namespace socmesh::formats::iodef
