// libFuzzer target for the IODEF importer (formats::iodef::ImportIodef) and, on what it returns,
// the exporter. Invariants checked on every input, beyond "no crash, no sanitizer report":
//  1. an Incident is rejected exactly when it has an error-severity finding (never half kept);
//  2. every returned object re-parses from its canonical JSON to the same canonical JSON;
//  3. whatever the exporter writes is well-formed IODEF that the importer reads back.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string_view>

#include "formats/iodef/iodef.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace socmesh;
  std::string_view xml(reinterpret_cast<const char*>(data), size);
  formats::iodef::ImportOptions options;
  options.max_bytes = 1 << 20;
  // Schema validation rejects nearly every mutated input before the mapper sees it: let the last
  // byte decide, so both the validator and the mapping get fuzzed.
  options.validate = size > 0 && (data[size - 1] & 1) != 0;
  auto parsed = formats::iodef::ImportIodef(xml, options);
  if (!parsed) return 0;
  std::set<size_t> with_errors;
  for (const auto& f : parsed->findings) {
    if (f.diagnostic.severity == model::Severity::kError) with_errors.insert(f.index);
  }
  if (with_errors.size() != parsed->rejected) __builtin_trap();
  if (parsed->rejected > parsed->input_objects) __builtin_trap();
  for (const auto& object : parsed->objects) {
    auto again = model::ParseStixObject(object.canonical_json);
    if (!again || again->canonical_json != object.canonical_json) __builtin_trap();
  }
  if (parsed->objects.empty()) return 0;
  auto exported = formats::iodef::ExportIodef(parsed->objects);
  if (!exported) return 0;
  formats::iodef::ImportOptions reread;
  reread.validate = false;
  reread.max_bytes = size_t{64} << 20;
  if (!formats::iodef::ImportIodef(exported->xml, reread)) __builtin_trap();
  return 0;
}
