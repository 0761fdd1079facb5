// Fuzzes the organisation directory parser (pki/directory.hpp), the content of a signed directory
// (E24) that every node reads. Invariants: never crash; every organisation kept passes
// CheckOrganisation (an organisation is dropped exactly when it has a diagnostic); what is kept
// survives serialisation and re-parsing unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "pki/directory.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = socmesh::pki::ParseDirectory(text);
  if (!parsed) return 0;
  for (const auto& org : parsed->directory.organisations) {
    if (!socmesh::pki::CheckOrganisation(org)) std::abort();
  }
  auto again = socmesh::pki::ParseDirectory(socmesh::pki::SerializeDirectory(parsed->directory));
  if (!again || !again->diagnostics.empty() ||
      again->directory.organisations.size() != parsed->directory.organisations.size()) {
    std::abort();
  }
  for (size_t i = 0; i < again->directory.organisations.size(); ++i) {
    const auto& a = parsed->directory.organisations[i];
    const auto& b = again->directory.organisations[i];
    if (a.name != b.name || a.country != b.country || a.roles != b.roles ||
        a.certificates_pem != b.certificates_pem) {
      std::abort();
    }
  }
  return 0;
}
