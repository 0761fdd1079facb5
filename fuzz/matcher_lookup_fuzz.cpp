// libFuzzer target: matcher index lookups (detect/) of arbitrary event values.
//
// Input: first byte = observable kind, rest = the value as an event parser would hand it over.
// Invariants: no crash; Lookup reports exactly what it appended; every match points into the
// snapshot's side tables with a specificity its kind allows (IPv4 <= 32, IPv6 <= 128, domain
// labels <= the value's); and a value that is in normal form, once indexed as an indicator, is
// found by itself (unless it is a network broader than the default minimum, which is skipped).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "detect/detail/tables.hpp"
#include "detect/matcher.hpp"
#include "model/observable.hpp"

namespace {

using socmesh::detect::IndicatorEntry;
using socmesh::detect::IndicatorIndex;
using socmesh::detect::Match;
using socmesh::detect::MatcherOptions;
using socmesh::detect::Snapshot;
using K = socmesh::model::ObservableKind;

MatcherOptions Options() {
  MatcherOptions o;
  o.background_compaction = false;
  return o;
}

std::string Id(int n) {
  std::string tail = std::to_string(n);
  return "indicator--00000000-0000-4000-8000-" + std::string(12 - tail.size(), '0') + tail;
}

const IndicatorIndex& FixedIndex() {
  static const std::unique_ptr<IndicatorIndex> index = [] {
    const std::vector<std::pair<K, std::string>> values = {{K::kIpv4, "10.0.0.0/8"},
                                                           {K::kIpv4, "10.1.2.0/24"},
                                                           {K::kIpv4, "10.1.2.3"},
                                                           {K::kIpv6, "2001:db8::/32"},
                                                           {K::kIpv6, "2001:db8::1"},
                                                           {K::kDomain, "evil.example"},
                                                           {K::kDomain, "a.evil.example"},
                                                           {K::kUrl, "http://evil.example/x"},
                                                           {K::kSha256, std::string(64, 'a')},
                                                           {K::kMd5, std::string(32, 'b')},
                                                           {K::kFileName, "x.exe"},
                                                           {K::kTlsh, "t1abc"}};
    std::vector<IndicatorEntry> entries;
    for (size_t i = 0; i < values.size(); ++i) {
      entries.push_back({Id(static_cast<int>(i)), {1}, {}, {{values[i].first, values[i].second}}});
    }
    return std::move(*IndicatorIndex::Create(entries, Options()));
  }();
  return *index;
}

bool PointsInto(const Snapshot& s, const Match& m) {
  for (const auto* t : {&s.base(), &s.delta()}) {
    const auto side = t->indicators();
    if (!side.empty() && m.indicator >= side.data() && m.indicator < side.data() + side.size()) {
      return true;
    }
  }
  return false;
}

void CheckLookup(const Snapshot& s, K kind, std::string_view value) {
  std::vector<Match> out(3);  // Lookup appends: what was there stays
  const size_t n = s.Lookup(kind, value, out);
  if (out.size() != 3 + n) __builtin_trap();
  size_t labels = 1;
  for (char c : value) labels += c == '.';
  for (size_t i = 3; i < out.size(); ++i) {
    const Match& m = out[i];
    if (!PointsInto(s, m)) __builtin_trap();
    if (m.kind == K::kIpv4 && m.specificity > 32) __builtin_trap();
    if (m.kind == K::kIpv6 && m.specificity > 128) __builtin_trap();
    if (m.kind == K::kDomain && m.specificity > labels) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto kind = static_cast<K>(data[0] % 20);
  const std::string_view value(reinterpret_cast<const char*>(data + 1), size - 1);
  CheckLookup(*FixedIndex().Current(), kind, value);

  // Round trip: a normal-form value indexed as an indicator finds that indicator.
  socmesh::Result<std::string> normal = socmesh::model::NormalizeObservable(kind, value);
  if (!normal || *normal != value) return 0;
  std::vector<IndicatorEntry> one = {{Id(1), {1}, {}, {{kind, *normal}}}};
  socmesh::detect::BuildStats stats;
  auto index = IndicatorIndex::Create(one, Options(), &stats);
  if (!index) __builtin_trap();
  const auto snapshot = (*index)->Current();
  CheckLookup(*snapshot, kind, *normal);
  std::vector<Match> out;
  const bool skipped = stats.broad_prefixes + stats.oversized + stats.invalid > 0;
  if (!skipped && snapshot->Lookup(kind, *normal, out) == 0) __builtin_trap();
  return 0;
}
