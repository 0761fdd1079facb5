// One entry point for every input format (B2a): `socmesh ingest --format auto|stix|misp|iodef|
// csv|text` and the connectors call this, so every source is validated and reported the same way.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "formats/detect.hpp"
#include "model/bundle.hpp"

namespace socmesh::formats {

struct ImportRequest {
  std::optional<Format> format;  // nullopt: DetectFormat on the content
  std::string name;              // file name, for detection hints and messages
  bool strict = false;           // any rejected record stores nothing of this input
  size_t max_bytes = size_t{2} << 30;
  std::string csv_preset = "plain";  // csv: a preset of formats/csv/feed_config.hpp
};

struct Imported {
  Format format = Format::kStix;  // what was read (detected or given)
  model::ParsedBundle bundle;
};

// Reads `bytes` as the requested (or detected) format. Errors as the format's importer gives them
// (kParse, kInvalidStix, kTooLarge, …), plus kUnsupported from detection and kNotFound for an
// unknown CSV preset.
Result<Imported> Import(std::string_view bytes, const ImportRequest& request);

}  // namespace socmesh::formats
