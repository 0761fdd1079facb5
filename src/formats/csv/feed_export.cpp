#include "formats/csv/feed_export.hpp"

#include <simdjson.h>

#include <string>
#include <string_view>

namespace socmesh::formats::csv {
namespace {

// Quotes a cell when a reader could otherwise split or skip it: delimiter, quote, line breaks,
// surrounding blanks, or a leading comment character.
void AppendCell(std::string& out, std::string_view cell) {
  const bool quote =
      cell.find_first_of(",\"\r\n") != std::string_view::npos ||
      (!cell.empty() && (cell.front() == ' ' || cell.front() == '\t' || cell.back() == ' ' ||
                         cell.back() == '\t' || cell.front() == '#' || cell.front() == ';'));
  if (!quote) {
    out += cell;
    return;
  }
  out += '"';
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace

Result<std::string> ExportIndicatorsCsv(std::span<const model::StixObject> objects) {
  std::string out = "value,kind,first_seen,labels,tlp\r\n";
  simdjson::dom::parser parser;
  for (const model::StixObject& object : objects) {
    if (object.type != "indicator" || object.observables.empty()) continue;
    simdjson::dom::element root;
    if (parser.parse(object.canonical_json).get(root) != simdjson::SUCCESS) {
      return Fail(ErrorCode::kInvalidStix, object.id + ": canonical JSON is not readable");
    }
    std::string_view valid_from;
    if (root["valid_from"].get(valid_from) != simdjson::SUCCESS) valid_from = {};
    std::string labels;
    simdjson::dom::array label_array;
    if (root["labels"].get(label_array) == simdjson::SUCCESS) {
      for (simdjson::dom::element label : label_array) {
        std::string_view text;
        if (label.get(text) != simdjson::SUCCESS) continue;
        if (!labels.empty()) labels += ',';
        labels += text;
      }
    }
    const std::string_view tlp = object.tlp ? model::TlpName(*object.tlp) : std::string_view();
    for (const model::Observable& observable : object.observables) {
      AppendCell(out, observable.value);
      out += ',';
      AppendCell(out, model::ObservableKindName(observable.kind));
      out += ',';
      AppendCell(out, valid_from);
      out += ',';
      AppendCell(out, labels);
      out += ',';
      AppendCell(out, tlp);
      out += "\r\n";
    }
  }
  return out;
}

}  // namespace socmesh::formats::csv
