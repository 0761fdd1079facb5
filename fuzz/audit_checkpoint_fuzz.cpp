// libFuzzer target for the audit checkpoint parsers (E5): a stored checkpoint line and a bare
// signed body. Accepted input round-trips byte for byte; refused input gets a described error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "audit/checkpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto cp = socmesh::audit::ParseCheckpoint(input);
  if (cp) {
    if (socmesh::audit::SerializeCheckpoint(*cp) != input) __builtin_trap();
    if (socmesh::audit::FormatCheckpointBody(cp->head) != cp->body) __builtin_trap();
  } else if (cp.error().message.empty()) {
    __builtin_trap();
  }
  auto head = socmesh::audit::ParseCheckpointBody(input);
  if (head) {
    if (socmesh::audit::FormatCheckpointBody(*head) != input) __builtin_trap();
  } else if (head.error().code != socmesh::ErrorCode::kParse) {
    __builtin_trap();
  }
  return 0;
}
