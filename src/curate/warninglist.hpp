// Warning lists (B2a, E7): values that show up in feeds but are almost never useful indicators —
// special-purpose address ranges, public DNS resolvers, popular domains, hashes of empty files.
// Like MISP's warninglists, but typed: entries are normalised observables and CIDR matching is
// containment of the indicator's own network, so "10.1.0.0/16" is caught by "10.0.0.0/8" while
// "0.0.0.0/0" (which merely overlaps) is not silently taken for a private range.
//
// File format (data/warninglists/*.json, our own; one list per file):
//   { "name": "rfc6890-ipv4-special",          // [a-z0-9-]+, used in labels "warninglist:<name>"
//     "description": "…",
//     "kind": "cidr" | "domain-suffix" | "exact",
//     "action": "flag" | "drop",                 // what the list asks for when it matches
//     "applies_to": ["address", "url-host"],     // optional, see WarningTarget
//     "source": "…", "licence": "…",            // where the entries come from, and their terms
//     "entries": ["10.0.0.0/8", …] }
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/error.hpp"
#include "model/observable.hpp"

namespace socmesh::curate {

enum class WarningListKind {
  kCidr,          // IPv4/IPv6 networks; an address or network inside one of them matches
  kDomainSuffix,  // a name and every name below it ("google.com" matches "mail.google.com")
  kExact,         // exact observables of any kind (hashes, e-mail addresses, …), classified
};

enum class WarningAction { kFlag, kDrop };

// What a list is checked against. Defaults: cidr -> address + url-host; domain-suffix -> domain;
// exact -> the observables of the entries' kinds (the target set is not used).
enum class WarningTarget : uint8_t {
  kAddress = 1,      // ipv4 / ipv6 observables
  kDomain = 2,       // domain observables
  kUrlHost = 4,      // the host of URL observables (IP literal or name)
  kEmailDomain = 8,  // the domain part of e-mail observables
};

std::string_view WarningActionName(WarningAction action);  // "flag", "drop"

class WarningList {
 public:
  std::string name;
  std::string description;
  WarningListKind kind = WarningListKind::kExact;
  WarningAction action = WarningAction::kFlag;
  uint8_t targets = 0;  // WarningTarget bits
  std::string source;
  std::string licence;
  bool enabled = true;  // false: matches nothing (an operator switched the list off)

  // Adds one entry (normalised); kInvalidArgument naming why it is not one of this list's kind.
  Result<void> AddEntry(std::string_view entry);
  size_t size() const { return size_; }

  // True when `observable` (normalised) is on the list under its targets.
  bool Matches(const model::Observable& observable) const;

  // An IPv4/IPv6 address or network in network byte order: what CIDR lists compare.
  struct Address {
    std::array<uint8_t, 16> bytes{};
    int prefix = 0;
    bool v6 = false;
  };
  // The address `observable` names for CIDR lists: an IP or network, or a URL's IP-literal host;
  // nullopt otherwise. WarningLists::Match parses it once for all lists.
  static std::optional<Address> AddressOf(const model::Observable& observable);

 private:
  friend class WarningLists;
  // Matches with `address` = AddressOf(observable) already known.
  bool Matches(const model::Observable& observable, const std::optional<Address>& address) const;
  bool MatchesAddress(const Address& address) const;
  bool MatchesName(std::string_view name) const;

  // Heterogeneous lookup: a std::string_view finds a std::string key without a copy.
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using StringSet = std::unordered_set<std::string, StringHash, std::equal_to<>>;

  size_t size_ = 0;
  // CIDR: per prefix length, the set of networks (IPv4 as an integer, IPv6 as 16 bytes in a
  // string); a lookup masks the address once per prefix length present.
  std::array<std::unordered_set<uint32_t>, 33> v4_;
  std::array<std::unordered_set<std::string>, 129> v6_;
  std::vector<int> v4_lengths_, v6_lengths_;  // prefix lengths present, for the lookup loop
  // Prefilter: bit t set when a listed network overlaps the addresses whose first 16 bits are t.
  // A listed network that contains a value contains its first address, so a clear bit rules the
  // value out with one memory read — the common case (most values are on no list).
  std::vector<uint64_t> v4_top16_, v6_top16_;  // 1024 words each when the family is present
  StringSet names_;                            // domain-suffix
  // exact: values by observable kind (index), and which kinds occur at all.
  std::vector<StringSet> exact_;
  uint64_t exact_kinds_ = 0;
};

struct ParsedWarningList {
  WarningList list;
  std::vector<std::string> warnings;  // entries skipped: "$.entries[3]: \"10.0.0.0/33\" is not …"
};

// Parses one list file. Structural problems (not JSON, missing or wrong-typed name/kind/action/
// entries, unknown kind) are kParse / kInvalidArgument errors naming `origin` and the JSON path;
// an entry that does not normalise is skipped with a warning so the valid rest is kept.
Result<ParsedWarningList> ParseWarningList(std::string_view json, std::string_view origin);

// What an observable matched.
struct WarningHit {
  const WarningList* list = nullptr;
  model::Observable observable;
};

class WarningLists {
 public:
  // Every *.json in `dir` (sorted by file name). Errors: kIo (unreadable directory or file) and
  // the parse errors above, with the file name; duplicate list names are kInvalidArgument.
  // Skipped entries are appended to `warnings` when given.
  static Result<WarningLists> LoadDirectory(const std::filesystem::path& dir,
                                            std::vector<std::string>* warnings = nullptr);

  void Add(WarningList list) { lists_.push_back(std::move(list)); }
  const std::vector<WarningList>& lists() const { return lists_; }
  WarningList* Find(std::string_view name);

  // Every list that `observable` is on, in load order.
  std::vector<const WarningList*> Match(const model::Observable& observable) const;

 private:
  std::vector<WarningList> lists_;
};

// The shipped lists: $SOCMESH_WARNINGLISTS when set, else <source dir>/data/warninglists.
std::filesystem::path DefaultWarningListDir();

}  // namespace socmesh::curate
