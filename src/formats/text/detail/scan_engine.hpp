// The multi-pattern pass of free-text extraction: one Hyperscan scan finds where each kind of
// indicator may start; text_extractor.cpp then reads and validates each candidate precisely.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace socmesh::formats::text::detail {

// In priority order: when candidates start at the same offset, the lower value is tried first
// (a URL before the host inside it, an e-mail address before its local part read as a host).
enum class Pattern : uint8_t {
  kUrl,
  kEmail,
  kIpv6,
  kHost,  // a domain name or a dotted-quad IPv4 address, plain or defanged
  kHash,  // a run of at least 32 hex digits (the validator checks for 32, 40, 64 or 128)
  kCve,
  kAttack,
};

struct Candidate {
  size_t from = 0;  // where the indicator may start
  Pattern pattern = Pattern::kHost;
};

// Scans `text` once and returns the candidates, sorted by start offset and then priority. Several
// matches of one pattern from the same start are reported once.
//
// Hyperscan reports where matches end; the start is found by reading back over the characters the
// pattern allows (labels and dots, scheme letters, hex digits, …). That is much cheaper than
// Hyperscan's own start-of-match tracking (HS_FLAG_SOM_LEFTMOST), which cost a factor of 2-4 in
// throughput on IOC-dense text.
// Errors: kInternal when Hyperscan cannot compile the patterns or allocate its scratch space,
// kTooLarge for input of 4 GiB or more (Hyperscan's block mode limit).
Result<std::vector<Candidate>> FindCandidates(std::string_view text);

// As above into `*out` (cleared first): callers that scan often reuse one vector's storage.
Result<void> FindCandidates(std::string_view text, std::vector<Candidate>* out);

// A bare Hyperscan scan of `text` for one rare literal (no matches expected): the speed limit of
// the engine on this machine, which the benchmark reports extraction speed against.
Result<size_t> ScanReferenceLiteral(std::string_view text);

}  // namespace socmesh::formats::text::detail
