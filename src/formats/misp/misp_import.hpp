// Import of the MISP core format (draft-dulaunoy-misp-core-format) into STIX 2.1 objects.
//
// Accepts the three shapes real MISP data comes in: an event file `{"Event": {…}}`, a REST answer
// `{"response": [{"Event": …}, …]}` (also the attribute and object collections
// `{"response": {"Attribute": […]}}`, `{"response": [{"Object": …}]}`), and a MISP feed directory
// (`manifest.json` + `<event-uuid>.json`). The mapping is described in docs/formats.md ("MISP").
#pragma once

#include <cstddef>
#include <filesystem>
#include <string_view>

#include "core/error.hpp"
#include "model/bundle.hpp"

namespace socmesh::formats::misp {

struct ImportOptions {
  size_t max_bytes = size_t{512} << 20;  // larger input is refused before parsing (kTooLarge)
  size_t max_depth = 64;                 // JSON nesting; deeper input is refused (kTooLarge)
  bool strict = false;                   // any rejected record empties the result
  size_t threads = 0;                    // validation threads; 0 = hardware concurrency
};

// What the input held and what became of it, counted in MISP terms.
struct ImportStats {
  size_t events = 0;
  size_t attributes = 0;           // every attribute, including those inside objects
  size_t attributes_imported = 0;  // attributes whose STIX objects all validated
  size_t attributes_rejected = 0;  // each has an error finding naming its MISP path
  size_t objects = 0;              // MISP objects
  size_t galaxy_clusters = 0;
  size_t sightings = 0;
};

// Maps MISP JSON to STIX. The result lists valid STIX objects (MISP UUIDs become STIX ids, SCOs get
// deterministic ids, so importing the same data twice yields the same objects) and findings whose
// path is the MISP location of the record (e.g. "response[0].Event.Attribute[12]"), with the
// record's UUID as id. A record whose STIX objects fail validation is left out as a whole; the rest
// is kept (unless `strict`). ParsedBundle::input_objects/rejected count STIX objects. Errors for
// the input as a whole: kTooLarge (bytes, depth), kParse (not JSON; byte offset), kInvalidStix
// (JSON, but none of the MISP shapes).
Result<model::ParsedBundle> ImportMispJson(std::string_view json, const ImportOptions& options = {},
                                           ImportStats* stats = nullptr);

// Imports a MISP feed directory: every event listed in manifest.json, read from
// `<dir>/<uuid>.json`. A listed event that is missing or broken is one error finding (naming the
// file); the other events are kept. Errors: kIo (no readable manifest.json), kParse/kInvalidStix
// for a manifest that is not a JSON object of event UUIDs.
Result<model::ParsedBundle> ImportMispFeed(const std::filesystem::path& dir,
                                           const ImportOptions& options = {},
                                           ImportStats* stats = nullptr);

// True when `json` starts like an event file or a REST answer (its first key is "Event" or
// "response"): a cheap test for `--format auto` that reads at most the first 512 bytes. Feed
// directories are recognised by their manifest.json, not by this.
bool LooksLikeMisp(std::string_view json);

}  // namespace socmesh::formats::misp
