// Recognises values that are already in model::NormalizeObservable's normal form, so the hot path
// can refer to the input bytes instead of building a std::string per value.
#pragma once

#include <string_view>

#include "model/observable.hpp"

namespace socmesh::events::detail {

// True only when NormalizeObservable(kind, value) would return `value` unchanged. False means
// "not known": the caller falls back to NormalizeObservable. Covers the frequent shapes: dotted
// quads, lower-case ASCII domains, lower-case hex hashes, http(s) URLs with a plain lower-case
// host, printable ASCII names. The fuzz target event_json checks the promise.
bool IsAlreadyNormal(model::ObservableKind kind, std::string_view value);

// IsAlreadyNormal(kIpv4, value), without the dispatch (the most frequent observable).
bool IsCanonicalIpv4(std::string_view value);

// IsAlreadyNormal(kDomain, value) for a name of at least two labels that is not all digits and
// dots: what Event::AddHost takes as a domain as it is. One pass over the bytes.
bool IsCanonicalHostName(std::string_view value);

}  // namespace socmesh::events::detail
