// libFuzzer target: ExtractPatternObservables on arbitrary bytes.
//
// Invariants: it returns (no crash, no hang: the scanner is linear), every observable it returns is
// already in normal form (NormalizeObservable(kind, value) == value, which is what lets the store
// find it by exact lookup), and no observable is returned twice.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/observable.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using socmesh::model::Observable;
  const std::string_view pattern(reinterpret_cast<const char*>(data), size);
  const std::vector<Observable> observables = socmesh::model::ExtractPatternObservables(pattern);
  std::set<std::pair<socmesh::model::ObservableKind, std::string>> seen;
  for (const Observable& o : observables) {
    socmesh::Result<std::string> again = socmesh::model::NormalizeObservable(o.kind, o.value);
    if (!again || *again != o.value) __builtin_trap();
    if (!seen.emplace(o.kind, o.value).second) __builtin_trap();
  }
  return 0;
}
