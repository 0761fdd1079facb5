// libFuzzer target: free-text indicator extraction (formats/text) on arbitrary bytes.
//
// Invariants: extraction never fails on content; hits are in input order, inside the input and
// never overlap; every observable value is in the store's normal form (normalising it again gives
// it back); and importing the hits as STIX yields no rejected object.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "formats/text/text_extractor.hpp"
#include "formats/text/text_import.hpp"
#include "model/observable.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace text = socmesh::formats::text;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  socmesh::Result<std::vector<text::TextHit>> hits = text::ExtractIndicators(input);
  if (!hits) __builtin_trap();
  size_t covered = 0;
  for (const text::TextHit& hit : *hits) {
    if (hit.offset < covered || hit.length == 0 || hit.offset + hit.length > size) __builtin_trap();
    covered = hit.offset + hit.length;
    if (const auto* kind = std::get_if<socmesh::model::ObservableKind>(&hit.kind)) {
      socmesh::Result<std::string> again = socmesh::model::NormalizeObservable(*kind, hit.value);
      if (!again || *again != hit.value) __builtin_trap();
    } else if (hit.value.empty()) {
      __builtin_trap();
    }
  }
  if (!hits->empty()) {
    text::TextImportOptions options;
    options.now = socmesh::model::Timestamp{0};
    socmesh::Result<socmesh::model::ParsedBundle> bundle = text::HitsToStix(*hits, options);
    if (!bundle || bundle->rejected != 0) __builtin_trap();
  }
  return 0;
}
