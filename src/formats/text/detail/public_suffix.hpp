// Public-suffix checks for domain candidates, over the list Debian ships in the `publicsuffix`
// package (/usr/share/publicsuffix), read through libpsl.
#pragma once

#include <string_view>

#include "core/error.hpp"

namespace socmesh::formats::text::detail {

// Loads the list once (thread-safe); later calls are free. kUnsupported when no list is installed.
Result<void> EnsurePublicSuffixList();

// True when `name` (lower-case ASCII, labels joined by '.') ends in a listed public suffix — the
// implicit "*" rule does not count, so "report.pdf" is no domain — and is not itself an ICANN
// public suffix ("co.uk"). REQUIRES: EnsurePublicSuffixList() succeeded.
bool HasRegistrableSuffix(std::string_view name);

}  // namespace socmesh::formats::text::detail
