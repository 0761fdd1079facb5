#include "curate/warninglist.hpp"

#include <arpa/inet.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <tuple>
#include <utility>

namespace socmesh::curate {

namespace {

using model::ObservableKind;

using Address = WarningList::Address;

// A normalised IPv4/IPv6 address or CIDR ("10.0.0.0/8"), parsed without allocating (this runs
// for every observable of every ingest batch).
// Dotted-quad IPv4 as inet_pton reads it (four decimal octets, no leading zeros), without the
// copy into a NUL-terminated buffer that inet_pton needs.
bool ParseIpv4(std::string_view text, uint8_t* out) {
  size_t i = 0;
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0 && (i >= text.size() || text[i++] != '.')) return false;
    const size_t begin = i;
    int value = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - begin < 3) {
      value = value * 10 + (text[i++] - '0');
    }
    const size_t digits = i - begin;
    if (digits == 0 || value > 255 || (digits > 1 && text[begin] == '0')) return false;
    out[octet] = static_cast<uint8_t>(value);
  }
  return i == text.size();
}

std::optional<Address> ParseNetwork(ObservableKind kind, std::string_view value) {
  const size_t slash = value.find('/');
  const std::string_view address = value.substr(0, slash);
  Address a;
  a.v6 = kind == ObservableKind::kIpv6;
  if (!a.v6) {
    if (!ParseIpv4(address, a.bytes.data())) return std::nullopt;
  } else {
    char text[INET6_ADDRSTRLEN + 1];
    if (address.size() >= sizeof text) return std::nullopt;
    address.copy(text, address.size());
    text[address.size()] = '\0';
    if (inet_pton(AF_INET6, text, a.bytes.data()) != 1) return std::nullopt;
  }
  a.prefix = a.v6 ? 128 : 32;
  if (slash != std::string_view::npos) {
    int prefix = 0;
    const std::string_view digits = value.substr(slash + 1);
    if (digits.empty() || digits.size() > 3) return std::nullopt;
    for (char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      prefix = prefix * 10 + (c - '0');
    }
    if (prefix > a.prefix) return std::nullopt;
    a.prefix = prefix;
  }
  return a;
}

uint32_t ToUint32(const Address& a) {
  return (uint32_t{a.bytes[0]} << 24) | (uint32_t{a.bytes[1]} << 16) | (uint32_t{a.bytes[2]} << 8) |
         uint32_t{a.bytes[3]};
}

uint32_t Top16(const Address& a) { return (uint32_t{a.bytes[0]} << 8) | a.bytes[1]; }

void SetTop16(std::vector<uint64_t>& bits, const Address& network) {
  if (bits.empty()) bits.assign(65536 / 64, 0);
  const uint32_t first = Top16(network);
  const uint32_t count = network.prefix >= 16 ? 1 : uint32_t{1} << (16 - network.prefix);
  for (uint32_t t = first; t < first + count; ++t) bits[t / 64] |= uint64_t{1} << (t % 64);
}

bool TestTop16(const std::vector<uint64_t>& bits, const Address& a) {
  const uint32_t t = Top16(a);
  return !bits.empty() && (bits[t / 64] >> (t % 64) & 1) != 0;
}

std::string Masked(const Address& a, int prefix) {
  std::string out(reinterpret_cast<const char*>(a.bytes.data()), 16);
  for (size_t i = 0; i < out.size(); ++i) {
    const int first_bit = static_cast<int>(i) * 8;
    if (first_bit >= prefix) {
      out[i] = 0;
    } else if (first_bit + 8 > prefix) {
      out[i] = static_cast<char>(static_cast<uint8_t>(out[i]) &
                                 static_cast<uint8_t>(0xFF << (8 - (prefix - first_bit))));
    }
  }
  return out;
}

// The host of a normalised URL ("http://user@host:8080/x" -> "host"; "[2001:db8::1]" unbracketed).
std::string_view UrlHost(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  std::string_view rest = url.substr(scheme_end + 3);
  rest = rest.substr(0, std::min(rest.find_first_of("/?#"), rest.size()));
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  if (rest.starts_with('[')) {
    const size_t close = rest.find(']');
    return close == std::string_view::npos ? std::string_view() : rest.substr(1, close - 1);
  }
  return rest.substr(0, rest.find(':'));
}

bool LooksLikeIpv4(std::string_view host) {
  return !host.empty() && std::all_of(host.begin(), host.end(),
                                      [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

Error ListError(std::string_view origin, std::string_view path, std::string_view what) {
  return Error{ErrorCode::kInvalidArgument,
               std::string(origin) + ": " + std::string(path) + ": " + std::string(what)};
}

}  // namespace

std::string_view WarningActionName(WarningAction action) {
  return action == WarningAction::kDrop ? "drop" : "flag";
}

Result<void> WarningList::AddEntry(std::string_view entry) {
  switch (kind) {
    case WarningListKind::kCidr: {
      const ObservableKind ip =
          entry.find(':') != std::string_view::npos ? ObservableKind::kIpv6 : ObservableKind::kIpv4;
      auto normal = model::NormalizeObservable(ip, entry);
      if (!normal) return std::unexpected(normal.error());
      std::optional<Address> n = ParseNetwork(ip, *normal);
      if (!n) return Fail(ErrorCode::kInternal, "normalised address does not parse");
      bool inserted = false;
      if (ip == ObservableKind::kIpv4) {
        inserted = v4_[n->prefix].insert(ToUint32(*n)).second;
        SetTop16(v4_top16_, *n);
      } else {
        inserted = v6_[n->prefix]
                       .insert(std::string(reinterpret_cast<const char*>(n->bytes.data()), 16))
                       .second;
        SetTop16(v6_top16_, *n);
      }
      if (inserted) ++size_;
      auto& lengths = ip == ObservableKind::kIpv4 ? v4_lengths_ : v6_lengths_;
      if (std::find(lengths.begin(), lengths.end(), n->prefix) == lengths.end()) {
        lengths.push_back(n->prefix);
        std::sort(lengths.begin(), lengths.end());
      }
      return {};
    }
    case WarningListKind::kDomainSuffix: {
      auto normal = model::NormalizeObservable(ObservableKind::kDomain, entry);
      if (!normal) return std::unexpected(normal.error());
      if (names_.insert(std::move(*normal)).second) ++size_;
      return {};
    }
    case WarningListKind::kExact: {
      std::optional<model::Observable> o = model::ClassifyObservable(entry);
      if (!o) {
        return Fail(ErrorCode::kInvalidArgument, "\"" + std::string(entry.substr(0, 80)) +
                                                     "\" is not a recognisable observable");
      }
      const auto kind = static_cast<size_t>(o->kind);
      if (exact_.size() <= kind) exact_.resize(kind + 1);
      exact_kinds_ |= uint64_t{1} << kind;
      if (exact_[kind].insert(std::move(o->value)).second) ++size_;
      return {};
    }
  }
  return Fail(ErrorCode::kInternal, "unknown list kind");
}

std::optional<Address> WarningList::AddressOf(const model::Observable& o) {
  if (o.kind == ObservableKind::kIpv4 || o.kind == ObservableKind::kIpv6) {
    return ParseNetwork(o.kind, o.value);
  }
  if (o.kind == ObservableKind::kUrl) {
    const std::string_view host = UrlHost(o.value);
    if (host.find(':') != std::string_view::npos) return ParseNetwork(ObservableKind::kIpv6, host);
    if (LooksLikeIpv4(host)) return ParseNetwork(ObservableKind::kIpv4, host);
  }
  return std::nullopt;
}

bool WarningList::MatchesAddress(const Address& a) const {
  if (!TestTop16(a.v6 ? v6_top16_ : v4_top16_, a)) return false;
  // Containment: a listed network of prefix p contains the value when p <= the value's prefix and
  // the value masked to p is that network.
  if (!a.v6) {
    const uint32_t address = ToUint32(a);
    for (int p : v4_lengths_) {
      if (p > a.prefix) break;
      const uint32_t mask = p == 0 ? 0 : ~uint32_t{0} << (32 - p);
      if (v4_[p].contains(address & mask)) return true;
    }
    return false;
  }
  for (int p : v6_lengths_) {
    if (p > a.prefix) break;
    if (v6_[p].contains(Masked(a, p))) return true;
  }
  return false;
}

bool WarningList::MatchesName(std::string_view name) const {
  while (true) {
    if (names_.contains(name)) return true;
    const size_t dot = name.find('.');
    if (dot == std::string_view::npos) return false;
    name.remove_prefix(dot + 1);
  }
}

bool WarningList::Matches(const model::Observable& o) const {
  if (kind != WarningListKind::kCidr) return Matches(o, std::nullopt);
  return Matches(o, AddressOf(o));
}

bool WarningList::Matches(const model::Observable& o, const std::optional<Address>& address) const {
  if (!enabled) return false;
  switch (kind) {
    case WarningListKind::kExact: {
      const auto k = static_cast<size_t>(o.kind);
      return (exact_kinds_ >> k & 1) != 0 && exact_[k].contains(o.value);
    }
    case WarningListKind::kCidr: {
      if (!address) return false;
      const auto needed =
          o.kind == ObservableKind::kUrl ? WarningTarget::kUrlHost : WarningTarget::kAddress;
      return (targets & static_cast<uint8_t>(needed)) != 0 && MatchesAddress(*address);
    }
    case WarningListKind::kDomainSuffix:
      if (o.kind == ObservableKind::kDomain) {
        return (targets & static_cast<uint8_t>(WarningTarget::kDomain)) != 0 &&
               MatchesName(o.value);
      }
      if (o.kind == ObservableKind::kUrl &&
          (targets & static_cast<uint8_t>(WarningTarget::kUrlHost)) != 0) {
        const std::string_view host = UrlHost(o.value);
        return !host.empty() && MatchesName(host);
      }
      if (o.kind == ObservableKind::kEmail &&
          (targets & static_cast<uint8_t>(WarningTarget::kEmailDomain)) != 0) {
        return MatchesName(std::string_view(o.value).substr(o.value.rfind('@') + 1));
      }
      return false;
  }
  return false;
}

Result<ParsedWarningList> ParseWarningList(std::string_view json, std::string_view origin) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto error = parser.parse(json.data(), json.size()).get(root); error) {
    return Fail(ErrorCode::kParse, std::string(origin) + ": invalid JSON: " +
                                       std::string(simdjson::error_message(error)));
  }
  simdjson::dom::object object;
  if (root.get(object) != simdjson::SUCCESS) {
    return std::unexpected(ListError(origin, "$", "not a JSON object"));
  }
  ParsedWarningList out;
  WarningList& list = out.list;
  auto string_field = [&](std::string_view key, bool required, std::string& into) -> Result<void> {
    simdjson::dom::element value;
    if (object[key].get(value) != simdjson::SUCCESS) {
      if (!required) return {};
      return std::unexpected(ListError(origin, "$." + std::string(key), "missing"));
    }
    std::string_view s;
    if (value.get(s) != simdjson::SUCCESS) {
      return std::unexpected(ListError(origin, "$." + std::string(key), "not a string"));
    }
    into = std::string(s);
    return {};
  };
  std::string kind, action;
  for (auto [key, into, required] :
       {std::tuple<std::string_view, std::string*, bool>{"name", &list.name, true},
        {"description", &list.description, false},
        {"kind", &kind, true},
        {"action", &action, false},
        {"source", &list.source, true},
        {"licence", &list.licence, true}}) {
    if (auto ok = string_field(key, required, *into); !ok) return std::unexpected(ok.error());
  }
  if (list.name.empty() || !std::all_of(list.name.begin(), list.name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
      })) {
    return std::unexpected(ListError(
        origin, "$.name", "must be lower-case letters, digits and '-' (it becomes a label)"));
  }
  if (kind == "cidr") {
    list.kind = WarningListKind::kCidr;
    list.targets = static_cast<uint8_t>(WarningTarget::kAddress) |
                   static_cast<uint8_t>(WarningTarget::kUrlHost);
  } else if (kind == "domain-suffix") {
    list.kind = WarningListKind::kDomainSuffix;
    list.targets = static_cast<uint8_t>(WarningTarget::kDomain);
  } else if (kind == "exact") {
    list.kind = WarningListKind::kExact;
  } else {
    return std::unexpected(
        ListError(origin, "$.kind", "\"" + kind + "\" is not cidr, domain-suffix or exact"));
  }
  if (action.empty() || action == "flag") {
    list.action = WarningAction::kFlag;
  } else if (action == "drop") {
    list.action = WarningAction::kDrop;
  } else {
    return std::unexpected(ListError(origin, "$.action", "\"" + action + "\" is not flag or drop"));
  }
  simdjson::dom::element applies;
  if (object["applies_to"].get(applies) == simdjson::SUCCESS) {
    simdjson::dom::array targets;
    if (applies.get(targets) != simdjson::SUCCESS) {
      return std::unexpected(ListError(origin, "$.applies_to", "not a list"));
    }
    list.targets = 0;
    size_t i = 0;
    for (simdjson::dom::element t : targets) {
      const std::string path = "$.applies_to[" + std::to_string(i++) + "]";
      std::string_view name;
      if (t.get(name) != simdjson::SUCCESS) {
        return std::unexpected(ListError(origin, path, "not a string"));
      }
      if (name == "address") {
        list.targets |= static_cast<uint8_t>(WarningTarget::kAddress);
      } else if (name == "domain") {
        list.targets |= static_cast<uint8_t>(WarningTarget::kDomain);
      } else if (name == "url-host") {
        list.targets |= static_cast<uint8_t>(WarningTarget::kUrlHost);
      } else if (name == "email-domain") {
        list.targets |= static_cast<uint8_t>(WarningTarget::kEmailDomain);
      } else {
        return std::unexpected(ListError(
            origin, path,
            "\"" + std::string(name) + "\" is not address, domain, url-host or email-domain"));
      }
    }
  }
  simdjson::dom::array entries;
  if (object["entries"].get(entries) != simdjson::SUCCESS) {
    return std::unexpected(ListError(origin, "$.entries", "missing or not a list"));
  }
  size_t i = 0;
  for (simdjson::dom::element e : entries) {
    const std::string path = "$.entries[" + std::to_string(i++) + "]";
    std::string_view entry;
    if (e.get(entry) != simdjson::SUCCESS) {
      out.warnings.push_back(std::string(origin) + ": " + path + ": not a string, skipped");
      continue;
    }
    if (auto ok = list.AddEntry(entry); !ok) {
      out.warnings.push_back(std::string(origin) + ": " + path + ": " + ok.error().message +
                             ", skipped");
    }
  }
  return out;
}

WarningList* WarningLists::Find(std::string_view name) {
  for (WarningList& l : lists_) {
    if (l.name == name) return &l;
  }
  return nullptr;
}

std::vector<const WarningList*> WarningLists::Match(const model::Observable& observable) const {
  // Parsed once for every CIDR list rather than once per list.
  const std::optional<WarningList::Address> address = WarningList::AddressOf(observable);
  std::vector<const WarningList*> hits;
  for (const WarningList& l : lists_) {
    if (l.Matches(observable, address)) hits.push_back(&l);
  }
  return hits;
}

Result<WarningLists> WarningLists::LoadDirectory(const std::filesystem::path& dir,
                                                 std::vector<std::string>* warnings) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  if (ec) {
    return Fail(ErrorCode::kIo,
                "cannot read warning-list directory " + dir.string() + ": " + ec.message());
  }
  std::sort(files.begin(), files.end());
  WarningLists lists;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    if (!in) return Fail(ErrorCode::kIo, "cannot read " + file.string());
    auto parsed = ParseWarningList(buffer.str(), file.filename().string());
    if (!parsed) return std::unexpected(parsed.error());
    if (lists.Find(parsed->list.name) != nullptr) {
      return Fail(ErrorCode::kInvalidArgument, file.filename().string() + ": list name \"" +
                                                   parsed->list.name + "\" used twice");
    }
    if (warnings)
      warnings->insert(warnings->end(), parsed->warnings.begin(), parsed->warnings.end());
    lists.Add(std::move(parsed->list));
  }
  return lists;
}

std::filesystem::path DefaultWarningListDir() {
  if (const char* env = std::getenv("SOCMESH_WARNINGLISTS"); env != nullptr && *env != '\0') {
    return env;
  }
  return SOCMESH_WARNINGLIST_DIR;
}

}  // namespace socmesh::curate
