// libFuzzer target for the audit entry parser (E5): any line is either refused with a described
// kParse/kTooLarge error, or is exactly the canonical serialisation of what was parsed.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "audit/entry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  auto entry = socmesh::audit::ParseEntry(line);
  if (!entry) {
    const auto code = entry.error().code;
    if ((code != socmesh::ErrorCode::kParse && code != socmesh::ErrorCode::kTooLarge) ||
        entry.error().message.empty()) {
      __builtin_trap();
    }
    return 0;
  }
  auto again = socmesh::audit::SerializeEntry(*entry);
  if (!again || *again != line) __builtin_trap();
  // Sanitising an accepted entry is idempotent.
  socmesh::audit::AuditEvent event = entry->event;
  socmesh::audit::Sanitize(event);
  if (!socmesh::audit::Sanitize(event).empty()) __builtin_trap();
  return 0;
}
