#include "formats/export.hpp"

#include "formats/csv/feed_export.hpp"
#include "formats/iodef/iodef.hpp"
#include "formats/misp/misp_export.hpp"

namespace socmesh::formats {

Result<Exported> Export(Format format, std::span<const model::StixObject> objects) {
  Exported out;
  switch (format) {
    case Format::kMisp: {
      auto r = misp::ExportMispEvent(objects);
      if (!r) return std::unexpected(r.error());
      out.document = std::move(r->json);
      out.skipped = std::move(r->skipped);
      return out;
    }
    case Format::kIodef: {
      auto r = iodef::ExportIodef(objects);
      if (!r) return std::unexpected(r.error());
      out.document = std::move(r->xml);
      out.skipped = std::move(r->skipped);
      return out;
    }
    case Format::kCsv: {
      auto r = csv::ExportIndicatorsCsv(objects);
      if (!r) return std::unexpected(r.error());
      out.document = std::move(*r);
      return out;
    }
    case Format::kStix:
    case Format::kText:
      break;
  }
  return Fail(ErrorCode::kUnsupported, "cannot export as " + std::string(FormatName(format)) +
                                           " (use stix, misp, iodef or csv)");
}

}  // namespace socmesh::formats
