// libFuzzer target: format detection (`ingest --format auto`) on arbitrary bytes.
//
// Invariants: never crashes or reads past the input; fails only with kUnsupported; is a function
// of the first 64 KiB (anything appended past that cannot change the verdict).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "formats/detect.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto verdict = socmesh::formats::DetectFormat(input, "input");
  if (!verdict && verdict.error().code != socmesh::ErrorCode::kUnsupported) std::abort();
  if (size > 64 * 1024) {
    std::string longer(input);
    longer.append("\n<x>{\"Event\":1}\n");
    auto again = socmesh::formats::DetectFormat(longer, "input");
    if (again.has_value() != verdict.has_value()) std::abort();
    if (again && *again != *verdict) std::abort();
  }
  return 0;
}
