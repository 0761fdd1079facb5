#include "formats/text/detail/public_suffix.hpp"

#include <libpsl.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <functional>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace socmesh::formats::text::detail {

namespace {

// The list and what is known about it beyond what libpsl answers.
struct SuffixList {
  const psl_ctx_t* ctx = nullptr;
  // Set when `ctx` was loaded from the .dat read below: the top-level labels (lower-case ASCII)
  // under which the ICANN section has rules of two or more labels ("co.uk", "*.kawasaki.jp",
  // "!city.kawasaki.jp"). Under any other TLD no name of two or more labels is an ICANN suffix,
  // so the look-up of the whole name can be skipped: "com", "org", "net", "ru" have none, and they
  // carry most indicators.
  bool knows_deep_tlds = false;
  std::unordered_set<std::string> deep_icann_tlds;
};

// Reads the ICANN section of a public_suffix_list.dat; false when the file cannot be read or has
// no such section (then nothing is assumed).
bool ReadDeepIcannTlds(const std::string& path, std::unordered_set<std::string>* out) {
  std::ifstream in(path);
  if (!in) return false;
  bool icann = false;
  bool seen = false;
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("===BEGIN ICANN DOMAINS===") != std::string::npos) icann = seen = true;
    if (line.find("===END ICANN DOMAINS===") != std::string::npos) icann = false;
    if (!icann || line.empty() || line.starts_with("//")) continue;
    // A rule is the first whitespace-delimited word of its line.
    const std::string rule = line.substr(0, line.find_first_of(" \t\r"));
    const size_t dot = rule.rfind('.');
    if (dot == std::string::npos) continue;
    std::string tld = rule.substr(dot + 1);
    for (char& c : tld) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    out->insert(std::move(tld));
  }
  return seen;
}

// Debian's list (package publicsuffix) is the one kept up to date by package updates. It ships as
// a DAFSA (what psl_latest() loads) and as the plain .dat list next to it; libpsl answers from a
// context loaded from the .dat about 2.3 times faster (sorted-table search instead of a DAFSA
// walk: 80 vs 182 ns per look-up here), and look-ups were a fifth of extraction time on IOC-dense
// text. Falls back to psl_latest() (the newest of the distribution's list and libpsl's built-in
// copy) when the .dat is missing.
SuffixList LoadList() {
  SuffixList list;
  if (const char* dist = psl_dist_filename(); dist != nullptr) {
    std::string plain(dist);
    if (plain.ends_with(".dafsa")) {
      plain.replace(plain.size() - 6, 6, ".dat");
      list.ctx = psl_load_file(plain.c_str());
      if (list.ctx != nullptr) {
        list.knows_deep_tlds = ReadDeepIcannTlds(plain, &list.deep_icann_tlds);
        return list;
      }
    }
  }
  list.ctx = psl_latest(nullptr);
  return list;
}

const SuffixList& List() {
  static const SuffixList list = LoadList();
  return list;
}

constexpr int kListedOnly = PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE;
// Only ICANN suffixes ("co.uk") are refused as whole names: private-section ones ("gotdns.ch",
// "github.io") are real host names that reports do name on their own.
constexpr int kIcannListedOnly = PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE;

// Lets the TLD cache be searched with a string_view (no string built per look-up).
struct TldHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// What a TLD tells about the names under it.
struct TldVerdict {
  bool listed = false;  // the TLD is a listed suffix
  bool deep = true;     // a longer name under it may be an ICANN suffix: ask libpsl
};

}  // namespace

Result<void> EnsurePublicSuffixList() {
  if (List().ctx == nullptr) {
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
  const SuffixList& list = List();
  // Reports name a few hundred distinct TLDs over and over: a per-thread cache of the verdict per
  // TLD saves most libpsl look-ups (which were a tenth of extraction time on IOC-dense text).
  thread_local std::unordered_map<std::string, TldVerdict, TldHash, std::equal_to<>> tld_cache;
  const std::string_view tld = name.substr(last_dot + 1);
  auto cached = tld_cache.find(tld);
  if (cached == tld_cache.end()) {
    if (tld_cache.size() > 4096) tld_cache.clear();  // bounded on hostile input
    TldVerdict verdict;
    verdict.listed = psl_is_public_suffix2(list.ctx, full + last_dot + 1, kListedOnly) != 0;
    // IDN TLDs are written in Unicode in the list, so their A-labels are never in the set.
    verdict.deep = !list.knows_deep_tlds || tld.starts_with("xn--") ||
                   list.deep_icann_tlds.contains(std::string(tld));
    cached = tld_cache.emplace(std::string(tld), verdict).first;
  }
  if (!cached->second.listed) return false;
  if (!cached->second.deep) return true;
  // Public suffixes have at most a handful of labels; longer names cannot be one.
  if (std::count(name.begin(), name.end(), '.') > 4) return true;
  return psl_is_public_suffix2(list.ctx, full, kIcannListedOnly) == 0;
}

}  // namespace socmesh::formats::text::detail
