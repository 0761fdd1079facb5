// libFuzzer target: NormalizeObservable and ClassifyObservable on arbitrary bytes.
//
// Invariants, for every kind: normalisation never crashes, fails only with kInvalidArgument, and is
// idempotent (a normalised value normalises to itself; the store relies on it for exact lookup).
// ClassifyObservable only returns values in normal form for the kind it picked.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/observable.hpp"

namespace {

using socmesh::model::ObservableKind;

constexpr std::array<ObservableKind, 19> kAllKinds = {
    ObservableKind::kIpv4,      ObservableKind::kIpv6,   ObservableKind::kDomain,
    ObservableKind::kUrl,       ObservableKind::kEmail,  ObservableKind::kMac,
    ObservableKind::kAsn,       ObservableKind::kMd5,    ObservableKind::kSha1,
    ObservableKind::kSha256,    ObservableKind::kSha512, ObservableKind::kSha3_256,
    ObservableKind::kSha3_512,  ObservableKind::kSsdeep, ObservableKind::kTlsh,
    ObservableKind::kFileName,  ObservableKind::kMutex,  ObservableKind::kRegistryKey,
    ObservableKind::kUserAgent,
};

void CheckNormalForm(ObservableKind kind, const std::string& value) {
  socmesh::Result<std::string> again = socmesh::model::NormalizeObservable(kind, value);
  if (!again || *again != value) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view value(reinterpret_cast<const char*>(data), size);
  for (ObservableKind kind : kAllKinds) {
    socmesh::Result<std::string> normalized = socmesh::model::NormalizeObservable(kind, value);
    if (normalized) {
      CheckNormalForm(kind, *normalized);
    } else if (normalized.error().code != socmesh::ErrorCode::kInvalidArgument) {
      __builtin_trap();
    }
  }
  if (std::optional<socmesh::model::Observable> guess = socmesh::model::ClassifyObservable(value)) {
    CheckNormalForm(guess->kind, guess->value);
  }
  return 0;
}
