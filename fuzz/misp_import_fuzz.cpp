// libFuzzer target for the MISP importer (formats::misp::ImportMispJson).
// Invariants checked on every input, beyond "no crash, no sanitizer report":
//  1. attributes imported + rejected = attributes seen, and each rejection has an error finding;
//  2. every object returned re-parses from its canonical JSON to the identical canonical JSON;
//  3. strict mode returns no objects exactly when something was rejected.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "formats/misp/misp_import.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace socmesh;
  formats::misp::ImportOptions options;
  options.max_bytes = 1 << 20;
  options.threads = 1;
  formats::misp::ImportStats stats;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = formats::misp::ImportMispJson(input, options, &stats);
  if (!parsed) return 0;
  if (stats.attributes_imported + stats.attributes_rejected != stats.attributes) __builtin_trap();
  size_t errors = 0;
  for (const auto& f : parsed->findings) {
    errors += f.diagnostic.severity == model::Severity::kError;
  }
  if (stats.attributes_rejected > 0 && errors == 0) __builtin_trap();
  if ((parsed->rejected > 0) != (errors > 0)) __builtin_trap();
  for (const auto& object : parsed->objects) {
    auto again = model::ParseStixObject(object.canonical_json);
    if (!again || again->canonical_json != object.canonical_json) __builtin_trap();
  }
  options.strict = true;
  auto strict = formats::misp::ImportMispJson(input, options);
  if (!strict || strict->objects.empty() != (parsed->rejected > 0 || parsed->objects.empty())) {
    __builtin_trap();
  }
  return 0;
}
