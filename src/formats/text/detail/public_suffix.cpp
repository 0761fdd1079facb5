#include "formats/text/detail/public_suffix.hpp"

#include <libpsl.h>

#include <algorithm>
#include <array>
#include <string>
#include <unordered_map>

namespace socmesh::formats::text::detail {

namespace {

// psl_latest() prefers the newest of the given file, the distribution's list and libpsl's built-in
// copy; Debian's list is the one kept up to date by package updates.
const psl_ctx_t* Context() {
  static const psl_ctx_t* const ctx = psl_latest(nullptr);
  return ctx;
}

constexpr int kListedOnly = PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE;
// Only ICANN suffixes ("co.uk") are refused as whole names: private-section ones ("gotdns.ch",
// "github.io") are real host names that reports do name on their own.
constexpr int kIcannListedOnly = PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE;

}  // namespace

Result<void> EnsurePublicSuffixList() {
  if (Context() == nullptr) {
    return Fail(ErrorCode::kUnsupported,
                "no public suffix list found (install the Debian package publicsuffix)");
  }
  return {};
}

bool HasRegistrableSuffix(std::string_view name) {
  // Domain names are at most 253 bytes: a stack buffer gives libpsl its NUL-terminated string
  // without an allocation per candidate.
  std::array<char, 256> buffer{};
  if (name.empty() || name.size() >= buffer.size()) return false;
  name.copy(buffer.data(), name.size());
  const char* full = buffer.data();
  const size_t last_dot = name.rfind('.');
  if (last_dot == std::string_view::npos) return false;
  // Reports name a few hundred distinct TLDs over and over: a per-thread cache of the verdict per
  // TLD saves most libpsl look-ups (which were a tenth of extraction time on IOC-dense text).
  thread_local std::unordered_map<std::string, bool> tld_cache;
  const std::string_view tld = name.substr(last_dot + 1);
  auto cached = tld_cache.find(std::string(tld));
  if (cached == tld_cache.end()) {
    if (tld_cache.size() > 4096) tld_cache.clear();  // bounded on hostile input
    const bool listed = psl_is_public_suffix2(Context(), full + last_dot + 1, kListedOnly) != 0;
    cached = tld_cache.emplace(std::string(tld), listed).first;
  }
  if (!cached->second) return false;
  // Public suffixes have at most a handful of labels; longer names cannot be one.
  if (std::count(name.begin(), name.end(), '.') > 4) return true;
  return psl_is_public_suffix2(Context(), full, kIcannListedOnly) == 0;
}

}  // namespace socmesh::formats::text::detail
