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

// Network bytes of a normalised IPv4/IPv6 address or CIDR ("10.0.0.0/8"), with its prefix length.
struct Network {
  std::string bytes;  // 4 or 16
  int prefix = 0;
};

std::optional<Network> ParseNetwork(ObservableKind kind, std::string_view value) {
  const size_t slash = value.find('/');
  const std::string address(value.substr(0, slash));
  Network n;
  const bool v4 = kind == ObservableKind::kIpv4;
  n.bytes.resize(v4 ? 4 : 16);
  if (inet_pton(v4 ? AF_INET : AF_INET6, address.c_str(), n.bytes.data()) != 1) {
    return std::nullopt;
  }
  n.prefix = v4 ? 32 : 128;
  if (slash != std::string_view::npos)
    n.prefix = std::atoi(std::string(value.substr(slash + 1)).c_str());
  return n;
}

uint32_t ToUint32(const std::string& bytes) {
  return (uint32_t{static_cast<uint8_t>(bytes[0])} << 24) |
         (uint32_t{static_cast<uint8_t>(bytes[1])} << 16) |
         (uint32_t{static_cast<uint8_t>(bytes[2])} << 8) | uint32_t{static_cast<uint8_t>(bytes[3])};
}

std::string Masked(const std::string& bytes, int prefix) {
  std::string out = bytes;
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

std::string ExactKey(ObservableKind kind, std::string_view value) {
  std::string key(model::ObservableKindName(kind));
  key += '\n';
  key += value;
  return key;
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
      std::optional<Network> n = ParseNetwork(ip, *normal);
      if (!n) return Fail(ErrorCode::kInternal, "normalised address does not parse");
      bool inserted = false;
      if (ip == ObservableKind::kIpv4) {
        inserted = v4_[n->prefix].insert(ToUint32(n->bytes)).second;
      } else {
        inserted = v6_[n->prefix].insert(n->bytes).second;
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
      if (exact_.insert(ExactKey(o->kind, o->value)).second) ++size_;
      return {};
    }
  }
  return Fail(ErrorCode::kInternal, "unknown list kind");
}

bool WarningList::MatchesAddress(ObservableKind kind, std::string_view value) const {
  const bool v4 = kind == ObservableKind::kIpv4;
  if ((v4 ? v4_lengths_ : v6_lengths_).empty()) return false;
  std::optional<Network> n = ParseNetwork(kind, value);
  if (!n) return false;
  // Containment: a listed network of prefix p contains the value when p <= the value's prefix and
  // the value masked to p is that network.
  if (v4) {
    const uint32_t address = ToUint32(n->bytes);
    for (int p : v4_lengths_) {
      if (p > n->prefix) break;
      const uint32_t mask = p == 0 ? 0 : ~uint32_t{0} << (32 - p);
      if (v4_[p].contains(address & mask)) return true;
    }
    return false;
  }
  for (int p : v6_lengths_) {
    if (p > n->prefix) break;
    if (v6_[p].contains(Masked(n->bytes, p))) return true;
  }
  return false;
}

bool WarningList::MatchesName(std::string_view name) const {
  while (true) {
    if (names_.contains(std::string(name))) return true;
    const size_t dot = name.find('.');
    if (dot == std::string_view::npos) return false;
    name.remove_prefix(dot + 1);
  }
}

bool WarningList::Matches(const model::Observable& o) const {
  if (!enabled) return false;
  switch (kind) {
    case WarningListKind::kExact:
      return exact_.contains(ExactKey(o.kind, o.value));
    case WarningListKind::kCidr:
      if (o.kind == ObservableKind::kIpv4 || o.kind == ObservableKind::kIpv6) {
        return (targets & static_cast<uint8_t>(WarningTarget::kAddress)) != 0 &&
               MatchesAddress(o.kind, o.value);
      }
      if (o.kind == ObservableKind::kUrl &&
          (targets & static_cast<uint8_t>(WarningTarget::kUrlHost)) != 0) {
        const std::string_view host = UrlHost(o.value);
        if (host.find(':') != std::string_view::npos) {
          return MatchesAddress(ObservableKind::kIpv6, host);
        }
        if (LooksLikeIpv4(host)) return MatchesAddress(ObservableKind::kIpv4, host);
      }
      return false;
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
  std::vector<const WarningList*> hits;
  for (const WarningList& l : lists_) {
    if (l.Matches(observable)) hits.push_back(&l);
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
