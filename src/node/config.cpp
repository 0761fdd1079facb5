#include "node/config.hpp"

#include <arpa/inet.h>

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <optional>
#include <set>

#include "crypto/x509.hpp"
#include "pki/csr.hpp"

namespace socmesh::node {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxConfigBytes = 1 << 20;
constexpr size_t kMaxProblems = 50;

std::string_view TypeName(toml::node_type type) {
  switch (type) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "a date/time";
    default:
      return "nothing";
  }
}

// Collects problems as "SOURCE:LINE:COLUMN: KEY: reason", in file order of discovery.
class Problems {
 public:
  explicit Problems(std::string source) : source_(std::move(source)) {}

  void Add(const toml::source_region& where, std::string_view key, std::string_view reason) {
    if (list_.size() >= kMaxProblems) return;
    std::string line = source_;
    if (where.begin.line > 0) {
      line += ":" + std::to_string(where.begin.line) + ":" + std::to_string(where.begin.column);
    }
    line += ": ";
    if (!key.empty()) line += std::string(key) + ": ";
    line += reason;
    list_.push_back(std::move(line));
  }
  bool empty() const { return list_.empty(); }
  std::string Joined() const {
    std::string out;
    for (const auto& p : list_) out += (out.empty() ? "" : "\n") + p;
    return out;
  }

 private:
  std::string source_;
  std::vector<std::string> list_;
};

bool IsSecretKeyName(std::string_view key) {
  return key == "pin" || key == "pin_value" || key == "password" || key == "passphrase" ||
         key == "secret";
}

// One TOML table being read: every key taken is remembered, and Finish() reports the others as
// unknown (a typo must not silently fall back to a default).
class TableReader {
 public:
  TableReader(Problems& problems, const toml::table& table, std::string path)
      : problems_(problems), table_(table), path_(std::move(path)) {}

  std::string KeyPath(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  const toml::source_region& where() const { return table_.source(); }
  Problems& problems() { return problems_; }

  // The node under `key`, if present and of `type`; reports a wrong type.
  const toml::node* Get(std::string_view key, toml::node_type type, bool required) {
    used_.insert(std::string(key));
    const toml::node* n = table_.get(key);
    if (n == nullptr) {
      if (required) problems_.Add(table_.source(), KeyPath(key), "missing (required)");
      return nullptr;
    }
    if (n->type() != type) {
      problems_.Add(
          n->source(), KeyPath(key),
          "expected " + std::string(TypeName(type)) + ", got " + std::string(TypeName(n->type())));
      return nullptr;
    }
    return n;
  }

  std::optional<std::string> String(std::string_view key, bool required = false) {
    const toml::node* n = Get(key, toml::node_type::string, required);
    if (n == nullptr) return std::nullopt;
    return n->value<std::string>();
  }

  std::optional<int64_t> Int(std::string_view key, int64_t min, int64_t max,
                             bool required = false) {
    const toml::node* n = Get(key, toml::node_type::integer, required);
    if (n == nullptr) return std::nullopt;
    const int64_t v = *n->value<int64_t>();
    if (v < min || v > max) {
      problems_.Add(n->source(), KeyPath(key),
                    "must be between " + std::to_string(min) + " and " + std::to_string(max));
      return std::nullopt;
    }
    return v;
  }

  std::optional<bool> Bool(std::string_view key) {
    const toml::node* n = Get(key, toml::node_type::boolean, false);
    if (n == nullptr) return std::nullopt;
    return n->value<bool>();
  }

  std::optional<std::vector<std::string>> Strings(std::string_view key, bool required = false) {
    const toml::node* n = Get(key, toml::node_type::array, required);
    if (n == nullptr) return std::nullopt;
    std::vector<std::string> out;
    const toml::array& a = *n->as_array();
    for (size_t i = 0; i < a.size(); ++i) {
      if (!a[i].is_string()) {
        problems_.Add(a[i].source(), KeyPath(key) + "[" + std::to_string(i) + "]",
                      "expected a string, got " + std::string(TypeName(a[i].type())));
        continue;
      }
      out.push_back(*a[i].value<std::string>());
    }
    return out;
  }

  const toml::table* Table(std::string_view key, bool required = false) {
    const toml::node* n = Get(key, toml::node_type::table, required);
    return n == nullptr ? nullptr : n->as_table();
  }

  // An array of tables ([[key]]); each element that is not a table is reported.
  std::vector<const toml::table*> Tables(std::string_view key, bool required = false) {
    std::vector<const toml::table*> out;
    const toml::node* n = Get(key, toml::node_type::array, required);
    if (n == nullptr) return out;
    const toml::array& a = *n->as_array();
    for (size_t i = 0; i < a.size(); ++i) {
      if (!a[i].is_table()) {
        problems_.Add(a[i].source(), KeyPath(key) + "[" + std::to_string(i) + "]",
                      "expected a table, got " + std::string(TypeName(a[i].type())));
        continue;
      }
      out.push_back(a[i].as_table());
    }
    if (out.empty() && required) problems_.Add(n->source(), KeyPath(key), "needs at least one");
    return out;
  }

  void Finish() {
    for (auto&& [k, v] : table_) {
      if (used_.contains(std::string(k.str()))) continue;
      if (IsSecretKeyName(k.str())) {
        problems_.Add(k.source(), KeyPath(k.str()),
                      "PINs and passwords are never read from the config file; use pin_file or "
                      "pin_env");
      } else {
        problems_.Add(k.source(), KeyPath(k.str()), "unknown key");
      }
    }
  }

 private:
  Problems& problems_;
  const toml::table& table_;
  std::string path_;
  std::set<std::string, std::less<>> used_;
};

std::string Resolve(const fs::path& base, const std::string& path) {
  if (path.empty()) return path;
  fs::path p(path);
  if (p.is_absolute() || base.empty()) return p.lexically_normal().string();
  return (base / p).lexically_normal().string();
}

std::string ResolveKeyLocation(const fs::path& base, const std::string& location) {
  return location.starts_with("pkcs11:") ? location : Resolve(base, location);
}

std::string ResolveStoreLocation(const fs::path& base, const std::string& location) {
  if (location.starts_with("postgresql://")) return location;
  if (location.starts_with("sqlite:")) return "sqlite:" + Resolve(base, location.substr(7));
  return Resolve(base, location);
}

bool IsIpLiteral(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

bool IsUrlSegment(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::ranges::all_of(s, [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
           c == '~';
  });
}

bool IsStixTypeName(std::string_view s) {
  if (s.size() < 3 || s.size() > 250) return false;
  return std::ranges::all_of(
      s, [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

// https://host[:port][/path] with a non-empty host (IPv6 literals in brackets); why it is not a
// valid URL otherwise, or "" when it is.
std::string CheckHttpsUrl(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  if (!url.starts_with(kScheme)) return "must start with https:// (peers talk TLS only)";
  std::string_view rest = url.substr(kScheme.size());
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) {
    return "must not carry user information (peers authenticate with certificates)";
  }
  std::string_view host = authority, port;
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return "unterminated IPv6 address";
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return "unexpected text after the IPv6 address";
      port = after.substr(1);
    }
    if (!IsIpLiteral(std::string(host))) return "invalid IPv6 address";
  } else if (const size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return "has no host";
  if (!authority.starts_with('[')) {
    for (char c : host) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') {
        return "invalid host name";
      }
    }
  }
  if (!port.empty() || authority.ends_with(':')) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return "invalid port";
    }
  }
  return "";
}

std::optional<NodeRole> ParseNodeRole(std::string_view name) {
  if (name == "national") return NodeRole::kNational;
  if (name == "platform") return NodeRole::kPlatform;
  if (name == "gateway") return NodeRole::kGateway;
  if (name == "awareness") return NodeRole::kAwareness;
  return std::nullopt;
}

class ConfigParser {
 public:
  ConfigParser(Problems& problems, fs::path base) : p_(problems), base_(std::move(base)) {}

  void Parse(const toml::table& root, NodeConfig& c) {
    TableReader r(p_, root, "");
    if (const auto* t = r.Table("node", true)) Node(*t, c);
    if (const auto* t = r.Table("store")) {
      Store(*t, c);
    } else {
      c.store.location = Resolve(base_, "store.db");
    }
    if (const auto* t = r.Table("identity")) {
      TableReader ir(p_, *t, "identity");
      c.registry = Resolve(base_, ir.String("registry").value_or("identity.db"));
      ir.Finish();
    } else {
      c.registry = Resolve(base_, "identity.db");
    }
    if (const auto* t = r.Table("audit", true)) Audit(*t, c);
    for (const auto* t : r.Tables("listen", true)) Listen(*t, c);
    if (const auto* t = r.Table("tls", true)) Tls(*t, c);
    if (const auto* t = r.Table("limits")) Limits(*t, c);
    if (const auto* t = r.Table("taxii")) Taxii(*t, c);
    if (const auto* t = r.Table("access")) Access(*t, c);
    for (const auto* t : r.Tables("peers")) Peer(*t, c);
    if (const auto* t = r.Table("federation")) Federation(*t, c);
    ApplyTopology(c);
    r.Finish();
    if (c.audit.origin.empty()) c.audit.origin = c.name;
  }

 private:
  void Node(const toml::table& t, NodeConfig& c) {
    node_table_ = &t;
    TableReader r(p_, t, "node");
    if (auto v = r.String("name", true)) {
      c.name = *v;
      if (c.name.empty()) p_.Add(t.get("name")->source(), "node.name", "must not be empty");
    }
    if (auto v = r.String("organisation", true)) {
      c.organisation = *v;
      if (c.organisation.empty()) {
        p_.Add(t.get("organisation")->source(), "node.organisation", "must not be empty");
      }
    }
    if (auto v = r.String("country", true)) {
      c.country = *v;
      if (auto ok = pki::CheckCountryCode(*v); !ok) {
        p_.Add(t.get("country")->source(), "node.country", ok.error().message);
      }
    }
    if (auto roles = r.Strings("roles", true)) {
      const toml::node* n = t.get("roles");
      if (roles->empty()) p_.Add(n->source(), "node.roles", "needs at least one role");
      for (const auto& name : *roles) {
        auto role = ParseNodeRole(name);
        if (!role) {
          p_.Add(n->source(), "node.roles",
                 "unknown role \"" + name + "\" (national, platform, gateway, awareness)");
        } else if (std::ranges::find(c.roles, *role) != c.roles.end()) {
          p_.Add(n->source(), "node.roles", "role \"" + name + "\" given twice");
        } else {
          c.roles.push_back(*role);
        }
      }
    }
    r.Finish();
  }

  void Store(const toml::table& t, NodeConfig& c) {
    TableReader r(p_, t, "store");
    c.store.location = ResolveStoreLocation(base_, r.String("location").value_or("store.db"));
    if (auto v = r.String("durability")) {
      if (*v == "full") {
        c.store.durability = store::Durability::kFull;
      } else if (*v == "normal") {
        c.store.durability = store::Durability::kNormal;
      } else {
        p_.Add(t.get("durability")->source(), "store.durability", "must be \"full\" or \"normal\"");
      }
    }
    Key(r, t, c.store_key, false);  // optional: the key wrapping the store's keyring (B13)
    r.Finish();
  }

  void Key(TableReader& r, const toml::table& t, KeyConfig& key, bool required) {
    if (auto v = r.String("key", required)) {
      key.location = ResolveKeyLocation(base_, *v);
      if (v->empty()) p_.Add(t.get("key")->source(), r.KeyPath("key"), "must not be empty");
      if (v->find("pin-value") != std::string::npos || v->find("pin-source") != std::string::npos) {
        p_.Add(t.get("key")->source(), r.KeyPath("key"),
               "PINs are never read from the config file; use pin_file or pin_env");
      }
    }
    if (auto v = r.String("pin_file")) key.pin_file = Resolve(base_, *v);
    if (auto v = r.String("pin_env")) key.pin_env = *v;
    if (auto v = r.String("pkcs11_module")) key.pkcs11_module = Resolve(base_, *v);
    if (!key.pin_file.empty() && !key.pin_env.empty()) {
      p_.Add(t.get("pin_env")->source(), r.KeyPath("pin_env"),
             "give pin_file or pin_env, not both");
    }
  }

  void Audit(const toml::table& t, NodeConfig& c) {
    TableReader r(p_, t, "audit");
    c.audit.dir = Resolve(base_, r.String("dir").value_or("audit"));
    Key(r, t, c.audit.key, true);
    if (auto v = r.String("origin")) c.audit.origin = *v;
    if (auto v = r.String("sync")) {
      if (*v == "every-append" || *v == "on-checkpoint") {
        c.audit.sync_every_append = *v == "every-append";
      } else {
        p_.Add(t.get("sync")->source(), "audit.sync",
               "must be \"every-append\" or \"on-checkpoint\"");
      }
    }
    if (auto v = r.Int("checkpoint_every_entries", 0, int64_t{1} << 40)) {
      c.audit.checkpoint_every_entries = static_cast<uint64_t>(*v);
    }
    if (auto v = r.Int("checkpoint_every_seconds", 0, 86400 * 7)) {
      c.audit.checkpoint_every = std::chrono::seconds(*v);
    }
    r.Finish();
  }

  void Listen(const toml::table& t, NodeConfig& c) {
    TableReader r(p_, t, "listen");
    ListenAddress l;
    auto address = r.String("address", true);
    auto port = r.Int("port", 0, 65535, true);
    if (address) {
      l.address = *address;
      if (!IsIpLiteral(*address)) {
        p_.Add(t.get("address")->source(), "listen.address",
               "\"" + *address + "\" is not an IPv4 or IPv6 address");
      }
    }
    if (port) l.port = static_cast<uint16_t>(*port);
    if (address && port) {
      for (const auto& other : c.listen) {
        if (other.address == l.address && other.port == l.port && l.port != 0) {
          p_.Add(t.source(), "listen",
                 l.address + " port " + std::to_string(l.port) + " is listed twice");
        }
      }
      c.listen.push_back(l);
    }
    r.Finish();
  }

  void Tls(const toml::table& t, NodeConfig& c) {
    TableReader r(p_, t, "tls");
    if (auto v = r.String("certificate", true)) c.tls.certificate_chain = Resolve(base_, *v);
    Key(r, t, c.tls.key, true);
    if (auto v = r.String("ca", true)) c.tls.ca_bundle = Resolve(base_, *v);
    if (auto v = r.Strings("crls")) {
      for (const auto& crl : *v) c.tls.crls.push_back(Resolve(base_, crl));
    }
    r.Finish();
  }

  void Limits(const toml::table& t, NodeConfig& c) {
    TableReader r(p_, t, "limits");
    auto& s = c.limits.server;
    constexpr int64_t kDay = 86'400'000;
    if (auto v = r.Int("max_connections", 1, 1'000'000)) s.max_connections = *v;
    if (auto v = r.Int("max_header_bytes", 1024, 1 << 20)) s.max_header_bytes = *v;
    if (auto v = r.Int("max_body_bytes", 1, int64_t{16} << 30)) s.max_body_bytes = *v;
    if (auto v = r.Int("handshake_timeout_ms", 1, kDay)) s.handshake_timeout = Ms(*v);
    if (auto v = r.Int("idle_timeout_ms", 1, kDay)) s.idle_timeout = Ms(*v);
    if (auto v = r.Int("body_timeout_ms", 1, kDay)) s.body_timeout = Ms(*v);
    if (auto v = r.Int("write_timeout_ms", 1, kDay)) s.write_timeout = Ms(*v);
    if (auto v = r.Int("io_threads", 1, 256)) c.limits.io_threads = static_cast<unsigned>(*v);
    if (auto v = r.Int("handler_threads", 1, 256)) {
      c.limits.handler_threads = static_cast<unsigned>(*v);
    }
    if (auto v = r.Int("shutdown_grace_ms", 0, kDay)) c.limits.shutdown_grace = Ms(*v);
    r.Finish();
  }

  static std::chrono::milliseconds Ms(int64_t v) { return std::chrono::milliseconds(v); }

  void Taxii(const toml::table& t, NodeConfig& c) {
    TableReader r(p_, t, "taxii");
    auto& x = c.taxii;
    if (auto v = r.String("title")) x.title = *v;
    if (auto v = r.String("description")) x.description = *v;
    if (auto v = r.String("contact")) x.contact = *v;
    if (auto v = r.Int("default_page_size", 1, 100'000)) x.default_page_size = *v;
    if (auto v = r.Int("max_page_size", 1, 100'000)) x.max_page_size = *v;
    if (x.default_page_size > x.max_page_size) {
      p_.Add(t.source(), "taxii.default_page_size", "exceeds taxii.max_page_size");
    }
    for (const auto* root : r.Tables("api_roots")) ApiRoot(*root, x);
    if (auto v = r.String("default_api_root")) {
      x.default_api_root = *v;
      const bool known = std::ranges::any_of(
          x.api_roots, [&](const api::ApiRootConfig& a) { return a.path == *v; });
      if (!known) {
        p_.Add(t.get("default_api_root")->source(), "taxii.default_api_root",
               "\"" + *v + "\" is not the path of an api_roots entry");
      }
    }
    if (const auto* ids = r.Table("identity_organisations")) {
      for (auto&& [k, v] : *ids) {
        const std::string key = "taxii.identity_organisations." + std::string(k.str());
        if (!k.str().starts_with("identity--")) {
          p_.Add(k.source(), key, "keys are STIX identity ids (identity--…)");
        } else if (!v.is_string() || v.value<std::string>()->empty()) {
          p_.Add(v.source(), key, "expected an organisation name (a non-empty string)");
        } else {
          x.identity_organisations[std::string(k.str())] = *v.value<std::string>();
        }
      }
    }
    r.Finish();
  }

  void ApiRoot(const toml::table& t, api::TaxiiConfig& x) {
    TableReader r(p_, t, "taxii.api_roots");
    api::ApiRootConfig root;
    if (auto v = r.String("path", true)) {
      root.path = *v;
      if (!IsUrlSegment(*v) || *v == "taxii2" || *v == "api" || *v == "metrics") {
        p_.Add(t.get("path")->source(), "taxii.api_roots.path",
               "\"" + *v +
                   "\" must be one URL segment ([A-Za-z0-9._~-], up to 64) other than "
                   "taxii2, api and metrics");
      }
      for (const auto& other : x.api_roots) {
        if (other.path == root.path) {
          p_.Add(t.get("path")->source(), "taxii.api_roots.path", "\"" + *v + "\" given twice");
        }
      }
    }
    if (auto v = r.String("title")) root.title = *v;
    if (root.title.empty()) root.title = root.path;
    if (auto v = r.String("description")) root.description = *v;
    if (auto v = r.Int("max_content_length", 1, int64_t{16} << 30)) root.max_content_length = *v;
    for (const auto* col : r.Tables("collections")) Collection(*col, root);
    r.Finish();
    x.api_roots.push_back(std::move(root));
  }

  void Collection(const toml::table& t, api::ApiRootConfig& root) {
    TableReader r(p_, t, "taxii.api_roots.collections");
    api::CollectionConfig col;
    if (auto v = r.String("id", true)) {
      col.id = *v;
      if (!IsUuid(*v)) {
        p_.Add(t.get("id")->source(), r.KeyPath("id"), "\"" + *v + "\" is not a UUID");
      }
      for (const auto& other : root.collections) {
        if (other.id == col.id) {
          p_.Add(t.get("id")->source(), r.KeyPath("id"), "\"" + *v + "\" given twice");
        }
      }
    }
    if (auto v = r.String("title", true)) col.title = *v;
    if (auto v = r.String("description")) col.description = *v;
    if (auto v = r.Bool("can_read")) col.can_read = *v;
    if (auto v = r.Bool("can_write")) col.can_write = *v;
    if (auto v = r.Strings("types")) {
      for (const auto& type : *v) {
        if (!IsStixTypeName(type)) {
          p_.Add(t.get("types")->source(), r.KeyPath("types"),
                 "\"" + type + "\" is not a STIX type name");
        }
      }
      col.types = *v;
    }
    if (auto v = r.String("tlp_ceiling")) {
      col.tlp_ceiling = model::ParseTlpName(*v);
      if (!col.tlp_ceiling) {
        p_.Add(t.get("tlp_ceiling")->source(), r.KeyPath("tlp_ceiling"),
               "\"" + *v + "\" is not a TLP level (clear, green, amber, amber+strict, red)");
      }
    }
    r.Finish();
    root.collections.push_back(std::move(col));
  }

  void Access(const toml::table& t, NodeConfig& c) {
    TableReader r(p_, t, "access");
    if (auto v = r.String("default_role")) {
      if (auto role = api::ParseRole(*v)) {
        c.default_role = *role;
      } else {
        p_.Add(t.get("default_role")->source(), "access.default_role", UnknownRole(*v));
      }
    }
    if (const auto* roles = r.Table("organisation_roles")) {
      for (auto&& [k, v] : *roles) {
        const std::string key = "access.organisation_roles." + std::string(k.str());
        auto role = v.is_string() ? api::ParseRole(*v.value<std::string>()) : std::nullopt;
        if (!v.is_string()) {
          p_.Add(v.source(), key, "expected a string, got " + std::string(TypeName(v.type())));
        } else if (!role) {
          p_.Add(v.source(), key, UnknownRole(*v.value<std::string>()));
        } else if (k.str().empty()) {
          p_.Add(k.source(), key, "organisation must not be empty");
        } else {
          c.organisation_roles[std::string(k.str())] = *role;
        }
      }
    }
    r.Finish();
  }

  static std::string UnknownRole(const std::string& name) {
    return "unknown role \"" + name + "\" (admin, analyst, reader, auditor, peer)";
  }

  void Peer(const toml::table& t, NodeConfig& c) {
    TableReader r(p_, t, "peers");
    PeerConfig peer;
    if (auto v = r.String("name", true)) {
      peer.name = *v;
      if (v->empty()) p_.Add(t.get("name")->source(), "peers.name", "must not be empty");
      for (const auto& other : c.peers) {
        if (other.name == *v) {
          p_.Add(t.get("name")->source(), "peers.name", "\"" + *v + "\" given twice");
        }
      }
    }
    if (auto v = r.String("url", true)) {
      peer.url = *v;
      if (auto why = CheckHttpsUrl(*v); !why.empty()) {
        p_.Add(t.get("url")->source(), "peers.url", "\"" + *v + "\" " + why);
      }
    }
    // Required unless a topology names it (checked in ApplyTopology, once the topology is known).
    if (auto v = r.String("organisation")) {
      peer.organisation = *v;
      if (v->empty()) {
        p_.Add(t.get("organisation")->source(), "peers.organisation", "must not be empty");
      }
    }
    if (auto v = r.String("country")) {
      peer.country = *v;
      if (auto ok = pki::CheckCountryCode(*v); !ok) {
        p_.Add(t.get("country")->source(), "peers.country", ok.error().message);
      }
    }
    if (auto v = r.String("consortium")) peer.consortium = *v;
    if (auto v = r.Strings("sharing_groups")) peer.sharing_groups = *v;
    if (auto v = r.String("mode")) {
      if (*v == "push" || *v == "pull" || *v == "both" || *v == "none") {
        peer.push = *v == "push" || *v == "both";
        peer.pull = *v == "pull" || *v == "both";
      } else {
        p_.Add(t.get("mode")->source(), "peers.mode",
               "must be \"push\", \"pull\", \"both\" or \"none\"");
      }
    }
    constexpr int64_t kDay = 86'400'000;
    if (auto v = r.Int("push_interval_ms", 10, kDay)) peer.push_interval = Ms(*v);
    if (auto v = r.Int("pull_interval_ms", 10, kDay)) peer.pull_interval = Ms(*v);
    r.Finish();
    c.peers.push_back(std::move(peer));
    peer_tables_.push_back(&t);
  }

  void Federation(const toml::table& t, NodeConfig& c) {
    federation_table_ = &t;
    TableReader r(p_, t, "federation");
    auto& f = c.federation;
    f.enabled = true;
    if (auto v = r.String("signing_certificate", true)) f.signing_certificate = Resolve(base_, *v);
    if (const auto* key = r.Table("signing_key", true)) {
      TableReader k(p_, *key, "federation.signing_key");
      Key(k, *key, f.signing_key, true);
      k.Finish();
    }
    f.state = Resolve(base_, r.String("state").value_or("federation.db"));
    if (auto v = r.String("consortium")) f.consortium = *v;
    if (auto v = r.Strings("sharing_groups")) f.sharing_groups = *v;
    if (auto v = r.String("topology")) {
      f.topology = Resolve(base_, *v);
      if (v->empty())
        p_.Add(t.get("topology")->source(), "federation.topology", "must not be empty");
    }
    if (auto v = r.String("directory")) {
      f.directory = Resolve(base_, *v);
      if (v->empty()) {
        p_.Add(t.get("directory")->source(), "federation.directory", "must not be empty");
      }
    }
    if (auto v = r.Int("sign_batch_objects", 1, 1'000'000)) f.sign_batch_objects = *v;
    if (auto v = r.Int("transfer_objects", 1, 5000)) f.transfer_objects = *v;
    if (auto v = r.Int("outbox_limit", 1, 100'000'000)) f.outbox_limit = *v;
    if (auto v = r.Int("feed_interval_ms", 10, 86'400'000)) f.feed_interval = Ms(*v);
    if (auto v = r.Int("replay_window_seconds", 10, 86'400 * 7)) {
      f.replay_window = std::chrono::seconds(*v);
    }
    r.Finish();
  }

  // Where a key of `table` is (its value), or the table itself when the key is absent.
  static const toml::source_region& Where(const toml::table* table, std::string_view key) {
    static const toml::source_region kNowhere{};
    if (table == nullptr) return kNowhere;
    const toml::node* n = table->get(key);
    return n != nullptr ? n->source() : table->source();
  }

  // A value the config states must agree with the topology; an omitted one is taken from it.
  void Agree(const toml::table* table, std::string_view key, std::string_view path,
             std::string& value, const std::string& from_topology, std::string_view topology) {
    if (table != nullptr && table->get(key) != nullptr) {
      if (value != from_topology) {
        p_.Add(Where(table, key), path,
               "\"" + value + "\" differs from the topology " + std::string(topology) + " (\"" +
                   from_topology + "\")");
      }
      return;
    }
    value = from_topology;
  }
  void Agree(const toml::table* table, std::string_view key, std::string_view path,
             std::vector<std::string>& value, const std::vector<std::string>& from_topology,
             std::string_view topology) {
    if (table != nullptr && table->get(key) != nullptr) {
      std::vector<std::string> stated = value;
      std::ranges::sort(stated);
      stated.erase(std::unique(stated.begin(), stated.end()), stated.end());
      if (stated != from_topology) {
        std::string listed;
        for (const auto& g : from_topology) listed += (listed.empty() ? "" : ", ") + g;
        p_.Add(Where(table, key), path,
               "differs from the topology " + std::string(topology) + " ([" + listed + "])");
      }
      return;
    }
    value = from_topology;
  }

  // [federation] topology: loads the network's topology and checks the config against it (the
  // node is a node of it, its peers are adjacent nodes); omitted peer facts come from it.
  void ApplyTopology(NodeConfig& c) {
    auto& f = c.federation;
    if (f.topology.empty()) {
      for (size_t i = 0; i < c.peers.size(); ++i) {
        if (peer_tables_[i]->get("organisation") == nullptr) {
          p_.Add(peer_tables_[i]->source(), "peers.organisation",
                 "missing (required without [federation] topology)");
        }
      }
      return;
    }
    const auto& where = Where(federation_table_, "topology");
    auto loaded = federation::LoadTopology(f.topology);
    if (!loaded) {
      p_.Add(where, "federation.topology", loaded.error().message);
      return;
    }
    auto topology = std::make_shared<const federation::Topology>(std::move(*loaded));
    const std::string file = fs::path(f.topology).filename().string();
    const auto self = topology->FindNode(c.name);
    if (!self) {
      p_.Add(Where(node_table_, "name"), "node.name",
             "\"" + c.name + "\" is not a node of the topology " + file);
      return;
    }
    const federation::Node& me = topology->nodes()[*self];
    if (me.organisation != c.organisation) {
      p_.Add(Where(node_table_, "organisation"), "node.organisation",
             "\"" + c.organisation + "\" differs from the topology " + file + " (\"" +
                 me.organisation + "\")");
    }
    if (me.country != c.country) {
      p_.Add(
          Where(node_table_, "country"), "node.country",
          "\"" + c.country + "\" differs from the topology " + file + " (\"" + me.country + "\")");
    }
    Agree(federation_table_, "consortium", "federation.consortium", f.consortium,
          std::string(topology->ConsortiumName(*self)), file);
    Agree(federation_table_, "sharing_groups", "federation.sharing_groups", f.sharing_groups,
          me.sharing_groups, file);
    for (size_t i = 0; i < c.peers.size(); ++i) {
      PeerConfig& peer = c.peers[i];
      const toml::table* t = peer_tables_[i];
      const auto index = topology->FindNode(peer.name);
      if (!index) {
        p_.Add(Where(t, "name"), "peers.name",
               "\"" + peer.name + "\" is not a node of the topology " + file);
        continue;
      }
      if (!topology->Linked(*self, *index)) {
        p_.Add(Where(t, "name"), "peers.name",
               "\"" + peer.name + "\" is not linked to \"" + c.name + "\" in the topology " + file);
        continue;
      }
      const federation::Node& node = topology->nodes()[*index];
      Agree(t, "organisation", "peers.organisation", peer.organisation, node.organisation, file);
      Agree(t, "country", "peers.country", peer.country, node.country, file);
      Agree(t, "consortium", "peers.consortium", peer.consortium,
            std::string(topology->ConsortiumName(*index)), file);
      Agree(t, "sharing_groups", "peers.sharing_groups", peer.sharing_groups, node.sharing_groups,
            file);
    }
    f.network = std::move(topology);
  }

  Problems& p_;
  fs::path base_;
  const toml::table* node_table_ = nullptr;
  const toml::table* federation_table_ = nullptr;
  std::vector<const toml::table*> peer_tables_;  // parallel to NodeConfig::peers
};

}  // namespace

std::string_view NodeRoleName(NodeRole role) {
  switch (role) {
    case NodeRole::kNational:
      return "national";
    case NodeRole::kPlatform:
      return "platform";
    case NodeRole::kGateway:
      return "gateway";
    case NodeRole::kAwareness:
      return "awareness";
  }
  return "unknown";
}

Result<NodeConfig> ParseNodeConfig(std::string_view text, std::string_view source,
                                   const std::filesystem::path& base_dir) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    return Fail(ErrorCode::kParse, std::string(source) + ":" + std::to_string(at.line) + ":" +
                                       std::to_string(at.column) + ": " +
                                       std::string(e.description()));
  }
  Problems problems{std::string(source)};
  NodeConfig config;
  ConfigParser(problems, base_dir).Parse(root, config);
  if (!problems.empty()) return Fail(ErrorCode::kInvalidArgument, problems.Joined());
  return config;
}

Result<NodeConfig> LoadNodeConfig(const std::filesystem::path& file) {
  auto text = crypto::ReadFileBytes(file, kMaxConfigBytes);
  if (!text) return std::unexpected(text.error());
  const fs::path base = fs::absolute(file).parent_path();
  auto config = ParseNodeConfig(*text, file.string(), base);
  if (config) config->file = fs::absolute(file).lexically_normal();
  return config;
}

}  // namespace socmesh::node
