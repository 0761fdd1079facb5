// Free text (syslog MSG, CEF msg) to observables through formats/text's indicator extractor.
#pragma once

#include <string_view>

#include "events/event.hpp"

namespace socmesh::events::detail {

// Appends the observables the extractor finds in `text` (IPs, CIDRs, domains, URLs, e-mail
// addresses, hashes; CVE and ATT&CK ids are not observables and are left out) with `field`.
// A failure of the extractor itself (no public-suffix list) is recorded as a warning.
void AddTextObservables(std::string_view text, std::string_view field, Event& event);

}  // namespace socmesh::events::detail
