// libFuzzer target for the STIX bundle parser (model::ParseBundle).
// Invariants checked on every input, beyond "no crash, no sanitizer report":
//  1. an object is dropped exactly when it has an error-severity finding (BoringSSL style);
//  2. every kept object re-parses from its canonical JSON to the identical canonical JSON.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string_view>

#include "model/bundle.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace socmesh::model;
  BundleOptions options;
  options.max_bytes = 1 << 20;
  auto parsed = ParseBundle(std::string_view(reinterpret_cast<const char*>(data), size), options);
  if (!parsed) return 0;
  std::set<size_t> rejected_indexes;
  for (const auto& f : parsed->findings) {
    if (f.diagnostic.severity == Severity::kError) rejected_indexes.insert(f.index);
  }
  if (rejected_indexes.size() != parsed->rejected) __builtin_trap();
  if (parsed->objects.size() + parsed->rejected > parsed->input_objects) __builtin_trap();
  for (const auto& object : parsed->objects) {
    auto again = ParseStixObject(object.canonical_json);
    if (!again || again->canonical_json != object.canonical_json ||
        again->digest != object.digest) {
      __builtin_trap();
    }
  }
  return 0;
}
