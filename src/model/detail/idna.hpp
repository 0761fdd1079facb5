// Internal to model/: IDNA (internationalised domain names) through libidn2.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace socmesh::model::detail {

// True when `name` needs IDNA processing: it has non-ASCII bytes or a label starting with "xn--"
// (any case). Plain ASCII names keep socmesh's own host-name rules (underscores, "--" inside
// labels) because IDNA2008 would refuse names that exist in DNS and in feeds ("ab--cd.example").
bool NeedsIdna(std::string_view name);

// The A-label form of `name` (no trailing dot): each label that is non-ASCII or an "xn--" label
// goes through UTS #46 non-transitional processing and IDNA2008 validation (idn2_lookup_u8 with
// NFC input; "xn--" labels must decode and round-trip), other labels are lower-cased ASCII. The
// ideographic and full-width full stops (U+3002, U+FF0E, U+FF61) separate labels as "." does.
// Errors: the reason ("label \"xn--zz\": string contains invalid punycode data").
std::expected<std::string, std::string> IdnaToAscii(std::string_view name);

}  // namespace socmesh::model::detail
