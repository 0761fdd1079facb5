#include "formats/import.hpp"

#include "formats/csv/feed_config.hpp"
#include "formats/csv/feed_import.hpp"
#include "formats/iodef/iodef.hpp"
#include "formats/misp/misp_import.hpp"
#include "formats/text/text_import.hpp"

namespace socmesh::formats {

Result<Imported> Import(std::string_view bytes, const ImportRequest& request) {
  Imported out;
  if (request.format) {
    out.format = *request.format;
  } else {
    auto detected = DetectFormat(bytes, request.name);
    if (!detected) return std::unexpected(detected.error());
    out.format = *detected;
  }
  Result<model::ParsedBundle> parsed = Fail(ErrorCode::kInternal, "unreachable");
  switch (out.format) {
    case Format::kStix: {
      model::BundleOptions o;
      o.strict = request.strict;
      o.max_bytes = request.max_bytes;
      parsed = model::ParseBundle(bytes, o);
      break;
    }
    case Format::kMisp: {
      misp::ImportOptions o;
      o.strict = request.strict;
      o.max_bytes = request.max_bytes;
      parsed = misp::ImportMispJson(bytes, o);
      break;
    }
    case Format::kIodef: {
      iodef::ImportOptions o;
      o.strict = request.strict;
      parsed = iodef::ImportIodef(bytes, o);
      break;
    }
    case Format::kCsv: {
      auto config = csv::FindFeedPreset(request.csv_preset);
      if (!config) return std::unexpected(config.error());
      csv::FeedImportOptions o;
      o.strict = request.strict;
      o.max_bytes = request.max_bytes;
      parsed = csv::ImportFeed(bytes, *config, o);
      break;
    }
    case Format::kText: {
      parsed = text::ImportText(bytes);
      if (parsed && request.strict && parsed->rejected > 0) parsed->objects.clear();
      break;
    }
  }
  if (!parsed) return std::unexpected(parsed.error());
  out.bundle = std::move(*parsed);
  return out;
}

}  // namespace socmesh::formats
