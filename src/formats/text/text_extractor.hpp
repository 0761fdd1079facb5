// Free-text indicator extraction (requirement B2b, issue 3 item 4): IPv4/IPv6 addresses and CIDR
// blocks, domain names (public-suffix aware), URLs, e-mail addresses, MD5/SHA-1/SHA-256/SHA-512
// hashes, CVE ids and ATT&CK technique ids, in plain and defanged text ("hxxp", "[.]", "(.)",
// "[dot]", "[@]", "[at]", "[:]", …).
//
// One Hyperscan pass finds where candidates start; each is then read and validated in C++ and its
// value normalised with model::NormalizeObservable, so extracted values are exactly the forms the
// store indexes. Hits never overlap: a URL or an e-mail address is one hit, not also its host.
//
// Rules (the accuracy test's ground truth follows the same ones, see tests/formats/text_truth/):
//  - URL: scheme http(s), ftp(s), sftp, tcp, udp, ws(s), also defanged (hxxp, hXXps, h**p, fxp),
//    then "://" or a defanged form ("[://]", "[:]//", "(:)//", ":[//]"); the host must be an IP
//    address or a domain as below. Path markers "[.]", "[/]" are refanged. Trailing sentence
//    punctuation and an unbalanced ")" are not part of it; "[" ends it (AsciiDoc link text).
//    A defanged host directly followed by a path ("evil[.]com/x", "1.2.3[.]4:80/x") is a URL
//    with an implied "http://"; a plain one ("example.com/x") only yields the host.
//  - Domain: two or more labels whose last one is in the public-suffix list (the implicit "*"
//    rule does not count: "report.pdf", "explorer.exe" are not domains) and that is not itself an
//    ICANN suffix ("co.uk"). Not after '/' or '\' (paths, detection names like
//    "Win32/Pterodo.CD"), not before '@' or '('. Two plain labels ending in a TLD that is also a
//    common file extension (py, sh, md, rs, zip, mov, so) are taken as a file name.
//  - IPv4: four decimal octets without leading zeros, "/n" makes a CIDR block; longer dotted
//    numbers (OIDs, versions) are not addresses. IPv6: RFC 4291 text with "::" or eight groups.
//  - E-mail: local@domain, '@' also "[@]", "[at]", "(at)"; the domain as above.
//  - Hashes: hex runs of exactly 32/40/64/128 digits between word boundaries, not all decimal.
//  - CVE-yyyy-nnnn(nnn), any case; ATT&CK: "T" + 4 digits starting 0 or 1, optional ".nnn".
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.hpp"
#include "model/observable.hpp"

namespace socmesh::formats::text {

// Identifiers that are not observables of the store but are extracted from reports as well.
enum class IdKind : uint8_t {
  kCve,              // "CVE-2023-12345" (upper-case)
  kAttackTechnique,  // "T1059" or "T1059.001" (MITRE ATT&CK Enterprise/ICS/Mobile technique)
};

// An observable kind (kIpv4 — also CIDR blocks —, kIpv6, kDomain, kUrl, kEmail, kMd5, kSha1,
// kSha256, kSha512) or one of the IdKinds.
using HitKind = std::variant<model::ObservableKind, IdKind>;

// "ipv4", "domain", … as model::ObservableKindName, and "cve", "attack-technique".
std::string_view HitKindName(const HitKind& kind);

struct TextHit {
  HitKind kind;
  std::string value;      // normalised (refanged, lower-cased where the kind is case-insensitive)
  size_t offset = 0;      // byte offset of the hit in the input
  size_t length = 0;      // bytes of input it covers (the raw, possibly defanged, text)
  bool defanged = false;  // the input wrote it defanged

  friend bool operator==(const TextHit&, const TextHit&) = default;
};

struct ExtractOptions {
  size_t max_bytes = size_t{1} << 30;  // larger input is refused (kTooLarge)
};

// A hit as VisitIndicators reports it. `value` points into a buffer the extractor reuses: it is
// valid only during the call of HitVisitor::OnHit (copy it to keep it).
struct HitView {
  HitKind kind;
  std::string_view value;  // normalised, as TextHit::value
  size_t offset = 0;
  size_t length = 0;
  bool defanged = false;
};

class HitVisitor {
 public:
  virtual ~HitVisitor() = default;
  virtual void OnHit(const HitView& hit) = 0;
};

// The fast path of extraction: calls `visitor.OnHit` for every hit, in input order, exactly the
// hits ExtractIndicators returns, without allocating per hit (values of the common kinds —
// hashes, IPv4 addresses, domains, identifiers — are checked and written in place; URLs, e-mail
// addresses and IPv6 go through model::NormalizeObservable). Returns the number of hits.
// Errors and thread-safety as ExtractIndicators; the visitor may call it again (nested).
Result<size_t> VisitIndicators(std::string_view text, HitVisitor& visitor,
                               const ExtractOptions& options = {});

// VisitIndicators with a callable taking `const HitView&`.
template <typename Fn>
requires std::invocable<Fn&, const HitView&> Result<size_t> ForEachIndicator(
    std::string_view text, Fn&& on_hit, const ExtractOptions& options = {}) {
  struct Adapter final : HitVisitor {
    explicit Adapter(Fn& fn) : fn(fn) {}
    void OnHit(const HitView& hit) override { fn(hit); }
    Fn& fn;
  };
  Adapter adapter(on_hit);
  return VisitIndicators(text, adapter, options);
}

// Returns every hit in input order (VisitIndicators collecting copies of the values). Never fails
// on content: any bytes (binary, invalid UTF-8) are scanned and what is not an indicator is
// skipped. Errors: kTooLarge (over max_bytes), kUnsupported (no public suffix list installed),
// kInternal (the scan engine failed). Thread-safe.
Result<std::vector<TextHit>> ExtractIndicators(std::string_view text,
                                               const ExtractOptions& options = {});

}  // namespace socmesh::formats::text
