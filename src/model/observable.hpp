// Observables: the normalised values (IP, domain, URL, hash, …) that matching and lookup work on.
//
// The store indexes every observable of every object version (from SCO values and from the simple
// comparisons of indicator patterns); detection later matches live events against the same forms.
// Normalisation is therefore the contract that makes an exact lookup find what it should.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace socmesh::model {

// Stored as an integer in the store: never renumber, only append.
enum class ObservableKind : uint8_t {
  kIpv4 = 1,    // "192.0.2.1" or CIDR "192.0.2.0/24" (host bits cleared, "/32" dropped)
  kIpv6 = 2,    // RFC 5952 text ("2001:db8::1"), CIDR as for IPv4 ("/128" dropped)
  kDomain = 3,  // lower-case, no trailing dot; IDNs in A-label form ("xn--bcher-kva.example")
  kUrl = 4,     // RFC 3986 6.2.2 normal form: see NormalizeObservable
  kEmail = 5,   // "local@domain", domain part as kDomain, local part kept
  kMac = 6,     // "aa:bb:cc:dd:ee:ff"
  kAsn = 7,     // decimal number without "AS"
  kMd5 = 8,     // lower-case hex, exact length
  kSha1 = 9,
  kSha256 = 10,
  kSha512 = 11,
  kSha3_256 = 12,
  kSha3_512 = 13,
  kSsdeep = 14,       // kept as given (case-sensitive base64 alphabet)
  kTlsh = 15,         // lower-case hex
  kFileName = 16,     // kept as given
  kMutex = 17,        // kept as given
  kRegistryKey = 18,  // lower-cased (Windows registry keys are case-insensitive)
  kUserAgent = 19,    // kept as given
};

// Stable lower-case names for CLI and JSON: "ipv4", "ipv6", "domain", "url", "email", "mac", "asn",
// "md5", "sha1", "sha256", "sha512", "sha3-256", "sha3-512", "ssdeep", "tlsh", "file-name",
// "mutex", "registry-key", "user-agent".
std::string_view ObservableKindName(ObservableKind kind);
std::optional<ObservableKind> ParseObservableKindName(std::string_view name);

struct Observable {
  ObservableKind kind;
  std::string value;  // normalised

  friend bool operator==(const Observable&, const Observable&) = default;
};

// Returns the canonical form of `value` as an observable of `kind`, or kInvalidArgument naming why
// the value is not a valid `kind` (e.g. "999.1.1.1 is not an IPv4 address").
// IP addresses, domains, URLs and e-mail addresses are refanged first (model/refang.hpp:
// "hxxp://evil[.]example" is "http://evil.example"). Domains, URL hosts and e-mail domains with
// non-ASCII or "xn--" labels are converted to their A-label form (IDNA2008 / UTS #46
// non-transitional, libidn2); an invalid IDN is rejected with the reason. URLs get the RFC 3986
// section 6.2.2 normal form: scheme and host lower-case, percent-escapes of unreserved characters
// decoded and the others upper-case, dot segments removed, default port (http 80, https 443, ws
// 80, wss 443, ftp 21) dropped, empty path of those schemes "/", fragment dropped.
// Stores written before these rules keep their old forms until the objects are ingested again.
Result<std::string> NormalizeObservable(ObservableKind kind, std::string_view value);

// Guesses the kind of a value typed by a user (`socmesh search --value …`): IP, CIDR, hash by
// length, e-mail, URL (has a scheme), domain. nullopt when nothing fits.
std::optional<Observable> ClassifyObservable(std::string_view value);

// Maps an SCO type and a property path as written in STIX patterns ("value", "hashes.'SHA-256'",
// "hashes.MD5", "name") to the observable kind it holds; nullopt for paths that are not indexed.
// Example: ("ipv4-addr", "value") -> kIpv4, ("file", "hashes.'SHA-256'") -> kSha256.
std::optional<ObservableKind> KindForObjectPath(std::string_view sco_type,
                                                std::string_view property_path);

// Maps a STIX hash algorithm name ("MD5", "SHA-1", "SHA-256", "SHA-512", "SHA3-256", "SHA3-512",
// "SSDEEP", "TLSH"; case-insensitive, also "sha256") to its kind.
std::optional<ObservableKind> KindForHashAlgorithm(std::string_view algorithm);

// Extracts the observables of the equality comparisons `[<sco-type>:<path> = '<string>']` of a STIX
// pattern (any nesting of AND/OR and observation expressions), normalised. Comparisons with other
// operators, paths that KindForObjectPath does not know, and values that do not normalise are
// skipped. Never fails: a malformed pattern yields whatever complete comparisons could be read (the
// full pattern grammar and its errors belong to detect/). Duplicates are removed; order is first
// seen.
std::vector<Observable> ExtractPatternObservables(std::string_view pattern);

}  // namespace socmesh::model
