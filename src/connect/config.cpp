#include "connect/config.hpp"

#include <toml++/toml.h>

#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace socmesh::connect {

namespace {

namespace fs = std::filesystem;

// Reads one TOML table, remembering which keys were used so that the rest can be reported as
// unknown. Every message names the origin, the connector and the line.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string where) : table_(table), where_(where) {}

  Error Problem(std::string_view key, const std::string& what) const {
    std::string line;
    if (const toml::node* n = table_.get(key)) {
      line = " (line " + std::to_string(n->source().begin.line) + ")";
    }
    return Error{ErrorCode::kInvalidArgument,
                 where_ + ": " + std::string(key) + line + ": " + what};
  }

  Result<std::optional<std::string>> String(std::string_view key) {
    used_.insert(std::string(key));
    const toml::node* n = table_.get(key);
    if (n == nullptr) return std::optional<std::string>{};
    if (auto s = n->value<std::string>()) return std::optional<std::string>{*s};
    return std::unexpected(Problem(key, "expected a string"));
  }

  Result<std::optional<int64_t>> Integer(std::string_view key, int64_t min, int64_t max) {
    used_.insert(std::string(key));
    const toml::node* n = table_.get(key);
    if (n == nullptr) return std::optional<int64_t>{};
    auto v = n->value<int64_t>();
    if (!n->is_integer() || !v) return std::unexpected(Problem(key, "expected an integer"));
    if (*v < min || *v > max) {
      return std::unexpected(
          Problem(key, "must be between " + std::to_string(min) + " and " + std::to_string(max)));
    }
    return std::optional<int64_t>{*v};
  }

  Result<std::optional<bool>> Bool(std::string_view key) {
    used_.insert(std::string(key));
    const toml::node* n = table_.get(key);
    if (n == nullptr) return std::optional<bool>{};
    if (auto b = n->value<bool>(); b && n->is_boolean()) return std::optional<bool>{*b};
    return std::unexpected(Problem(key, "expected true or false"));
  }

  // A duration: "90s" / "5m" / "1h" / "250ms", or an integer number of seconds.
  Result<std::optional<std::chrono::milliseconds>> Duration(std::string_view key) {
    used_.insert(std::string(key));
    const toml::node* n = table_.get(key);
    if (n == nullptr) return std::optional<std::chrono::milliseconds>{};
    if (n->is_integer()) {
      int64_t s = *n->value<int64_t>();
      if (s < 0 || s > int64_t{10} * 365 * 86400) {
        return std::unexpected(Problem(key, "out of range"));
      }
      return std::optional<std::chrono::milliseconds>{std::chrono::seconds{s}};
    }
    auto text = n->value<std::string>();
    if (!text) return std::unexpected(Problem(key, "expected a duration such as \"5m\""));
    auto d = ParseDuration(*text);
    if (!d) return std::unexpected(Problem(key, d.error().message));
    return std::optional<std::chrono::milliseconds>{*d};
  }

  Result<std::vector<std::string>> Strings(std::string_view key) {
    used_.insert(std::string(key));
    std::vector<std::string> out;
    const toml::node* n = table_.get(key);
    if (n == nullptr) return out;
    const toml::array* a = n->as_array();
    if (a == nullptr) return std::unexpected(Problem(key, "expected an array of strings"));
    for (const toml::node& e : *a) {
      auto s = e.value<std::string>();
      if (!s) return std::unexpected(Problem(key, "expected an array of strings"));
      out.push_back(*s);
    }
    return out;
  }

  const toml::table* Table(std::string_view key) {
    used_.insert(std::string(key));
    const toml::node* n = table_.get(key);
    return n == nullptr ? nullptr : n->as_table();
  }

  Result<void> RejectUnknown() const {
    for (const auto& [key, node] : table_) {
      if (!used_.contains(std::string(key.str()))) {
        return Fail(ErrorCode::kInvalidArgument,
                    where_ + ": unknown key \"" + std::string(key.str()) + "\" (line " +
                        std::to_string(node.source().begin.line) + ")");
      }
    }
    return {};
  }

  const std::string& where() const { return where_; }

 private:
  const toml::table& table_;
  std::string where_;
  std::set<std::string> used_;
};

// Assigns an optional read from a TableReader to `target`, returning on error.
#define SOCMESH_READ(target, expr)                          \
  do {                                                      \
    auto socmesh_read_value = (expr);                       \
    if (!socmesh_read_value) {                              \
      return std::unexpected(socmesh_read_value.error());   \
    }                                                       \
    if (*socmesh_read_value) target = **socmesh_read_value; \
  } while (false)

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(base_dir) / path).lexically_normal().string();
}

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (unsigned char c : name) {
    if (!std::isalnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

Result<void> ReadRetry(TableReader& r, RetryPolicy& retry) {
  if (auto v = r.Integer("retries", 0, 20); !v) {
    return std::unexpected(v.error());
  } else if (*v) {
    retry.max_attempts = static_cast<unsigned>(**v) + 1;
  }
  SOCMESH_READ(retry.initial_backoff, r.Duration("backoff"));
  SOCMESH_READ(retry.max_backoff, r.Duration("max_backoff"));
  if (retry.max_backoff < retry.initial_backoff) retry.max_backoff = retry.initial_backoff;
  return {};
}

Result<void> ReadTls(TableReader& r, const std::string& base_dir, TlsSettings& tls,
                     bool allow_min_version) {
  SOCMESH_READ(tls.ca_file, r.String("ca_file"));
  SOCMESH_READ(tls.certificate_file, r.String("certificate"));
  SOCMESH_READ(tls.private_key_file, r.String("private_key"));
  tls.ca_file = Resolve(base_dir, tls.ca_file);
  tls.certificate_file = Resolve(base_dir, tls.certificate_file);
  tls.private_key_file = Resolve(base_dir, tls.private_key_file);
  if (tls.certificate_file.empty() != tls.private_key_file.empty()) {
    return std::unexpected(
        r.Problem("certificate", "a client certificate needs private_key, and the reverse"));
  }
  if (allow_min_version) {
    std::string min = "1.3";
    SOCMESH_READ(min, r.String("tls_min_version"));
    if (min != "1.3" && min != "1.2") {
      return std::unexpected(r.Problem("tls_min_version", "must be \"1.3\" or \"1.2\""));
    }
    tls.allow_tls12 = min == "1.2";
  }
  return {};
}

Result<ConnectorConfig> ReadConnector(const toml::table& t, size_t index, const std::string& origin,
                                      const std::string& base_dir) {
  ConnectorConfig c;
  std::string where = origin + ": connector " + std::to_string(index + 1);
  {
    TableReader probe(t, where);
    auto name = probe.String("name");
    if (!name) return std::unexpected(name.error());
    if (!*name) return Fail(ErrorCode::kInvalidArgument, where + ": name is missing");
    if (!ValidName(**name)) {
      return std::unexpected(probe.Problem("name", "use 1 to 64 letters, digits, '.', '-' or '_'"));
    }
    c.name = **name;
  }
  TableReader r(t, origin + ": connector \"" + c.name + "\"");
  (void)r.String("name");
  std::string type;
  SOCMESH_READ(type, r.String("type"));
  if (type == "http") {
    c.type = ConnectorType::kHttp;
  } else if (type == "taxii") {
    c.type = ConnectorType::kTaxii;
  } else if (type == "directory") {
    c.type = ConnectorType::kDirectory;
  } else {
    return std::unexpected(r.Problem("type", "must be \"http\", \"taxii\" or \"directory\""));
  }
  SOCMESH_READ(c.enabled, r.Bool("enabled"));
  SOCMESH_READ(c.schedule.interval, r.Duration("interval"));
  SOCMESH_READ(c.schedule.jitter, r.Duration("jitter"));
  if (c.schedule.interval < std::chrono::seconds{1}) {
    return std::unexpected(r.Problem("interval", "must be at least 1s"));
  }

  std::string format = "auto";
  SOCMESH_READ(format, r.String("format"));
  if (format != "auto") {
    c.input.format = formats::ParseFormatName(format);
    if (!c.input.format) {
      return std::unexpected(r.Problem("format", "must be auto, stix, misp, iodef, csv or text"));
    }
  }
  SOCMESH_READ(c.input.preset, r.String("preset"));
  SOCMESH_READ(c.input.strict, r.Bool("strict"));
  if (auto v = r.Integer("max_bytes", 1, int64_t{16} << 30); !v) {
    return std::unexpected(v.error());
  } else if (*v) {
    c.input.max_bytes = static_cast<size_t>(**v);
  }

  switch (c.type) {
    case ConnectorType::kHttp: {
      HttpSettings& h = c.http;
      SOCMESH_READ(h.url, r.String("url"));
      SOCMESH_READ(h.allow_plain_http, r.Bool("allow_plain_http"));
      if (h.url.starts_with("http://")) {
        if (!h.allow_plain_http) {
          return std::unexpected(r.Problem(
              "url", "plain http:// is refused unless allow_plain_http = true (use https)"));
        }
      } else if (!h.url.starts_with("https://")) {
        return std::unexpected(r.Problem("url", "expected an https:// URL"));
      }
      SOCMESH_READ(h.timeout, r.Duration("timeout"));
      if (auto v = r.Integer("max_redirects", 0, 20); !v) {
        return std::unexpected(v.error());
      } else if (*v) {
        h.max_redirects = static_cast<unsigned>(**v);
      }
      if (auto rr = ReadRetry(r, h.retry); !rr) return std::unexpected(rr.error());
      if (auto rr = ReadTls(r, base_dir, h.tls, true); !rr) return std::unexpected(rr.error());
      if (const toml::table* headers = r.Table("headers")) {
        for (const auto& [key, value] : *headers) {
          auto v = value.value<std::string>();
          if (!v) return std::unexpected(r.Problem("headers", "values must be strings"));
          h.headers.emplace_back(std::string(key.str()), *v);
        }
      }
      break;
    }
    case ConnectorType::kTaxii: {
      TaxiiSettings& x = c.taxii;
      SOCMESH_READ(x.url, r.String("url"));
      if (!x.url.starts_with("https://")) {
        return std::unexpected(r.Problem("url", "expected an https:// URL (TAXII is mTLS)"));
      }
      SOCMESH_READ(x.collection, r.String("collection"));
      SOCMESH_READ(x.token_file, r.String("token_file"));
      x.token_file = Resolve(base_dir, x.token_file);
      if (auto v = r.Integer("page_size", 0, 100'000); !v) {
        return std::unexpected(v.error());
      } else if (*v) {
        x.page_size = static_cast<size_t>(**v);
      }
      if (auto v = r.Integer("max_pages_per_run", 1, 10'000'000); !v) {
        return std::unexpected(v.error());
      } else if (*v) {
        x.max_pages_per_run = static_cast<size_t>(**v);
      }
      auto types = r.Strings("types");
      if (!types) return std::unexpected(types.error());
      x.types = std::move(*types);
      SOCMESH_READ(x.timeout, r.Duration("timeout"));
      if (auto rr = ReadRetry(r, x.retry); !rr) return std::unexpected(rr.error());
      if (auto rr = ReadTls(r, base_dir, x.tls, false); !rr) return std::unexpected(rr.error());
      if (x.tls.ca_file.empty()) {
        return std::unexpected(r.Problem("ca_file", "a TAXII peer needs the network's CA file"));
      }
      if (!c.input.format) c.input.format = formats::Format::kStix;
      if (*c.input.format != formats::Format::kStix) {
        return std::unexpected(r.Problem("format", "TAXII carries STIX only"));
      }
      break;
    }
    case ConnectorType::kDirectory: {
      DirectorySettings& d = c.directory;
      SOCMESH_READ(d.path, r.String("path"));
      if (d.path.empty()) return std::unexpected(r.Problem("path", "is missing"));
      d.path = Resolve(base_dir, d.path);
      SOCMESH_READ(d.done_dir, r.String("done_dir"));
      SOCMESH_READ(d.failed_dir, r.String("failed_dir"));
      d.done_dir =
          d.done_dir.empty() ? (fs::path(d.path) / "done").string() : Resolve(base_dir, d.done_dir);
      d.failed_dir = d.failed_dir.empty() ? (fs::path(d.path) / "failed").string()
                                          : Resolve(base_dir, d.failed_dir);
      SOCMESH_READ(d.settle, r.Duration("settle"));
      break;
    }
  }
  if (auto rr = r.RejectUnknown(); !rr) return std::unexpected(rr.error());
  return c;
}

}  // namespace

std::string_view ConnectorTypeName(ConnectorType type) {
  switch (type) {
    case ConnectorType::kHttp:
      return "http";
    case ConnectorType::kTaxii:
      return "taxii";
    case ConnectorType::kDirectory:
      return "directory";
  }
  return "?";
}

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) {
    ++digits;
  }
  int64_t n = 0;
  if (digits == 0 || digits > 12 ||
      std::from_chars(text.data(), text.data() + digits, n).ec != std::errc{}) {
    return Fail(ErrorCode::kInvalidArgument,
                "\"" + std::string(text) + "\" is not a duration such as 90s, 5m, 1h, 250ms");
  }
  std::string_view unit = text.substr(digits);
  int64_t ms = 0;
  if (unit == "ms") {
    ms = n;
  } else if (unit == "s" || unit.empty()) {
    ms = n * 1000;
  } else if (unit == "m") {
    ms = n * 60'000;
  } else if (unit == "h") {
    ms = n * 3'600'000;
  } else if (unit == "d") {
    ms = n * 86'400'000;
  } else {
    return Fail(ErrorCode::kInvalidArgument,
                "\"" + std::string(text) + "\": unknown unit (use ms, s, m, h or d)");
  }
  return std::chrono::milliseconds{ms};
}

Result<ConnectConfig> ParseConfig(std::string_view text, std::string_view origin_view,
                                  const std::string& base_dir) {
  const std::string origin(origin_view);
  toml::table root;
  try {
    root = toml::parse(text, origin_view);
  } catch (const toml::parse_error& e) {
    return Fail(ErrorCode::kParse, origin + ":" + std::to_string(e.source().begin.line) + ":" +
                                       std::to_string(e.source().begin.column) + ": " +
                                       std::string(e.description()));
  }
  ConnectConfig config;
  TableReader top(root, origin);
  SOCMESH_READ(config.state_file, top.String("state_file"));
  config.state_file = Resolve(base_dir, config.state_file);
  top.Table("connector");  // marked as known; read below as an array of tables
  if (const toml::table* t = top.Table("curation")) {
    TableReader curation(*t, origin + ": [curation]");
    SOCMESH_READ(config.curate, curation.Bool("enabled"));
    SOCMESH_READ(config.curation.warninglists, curation.String("warninglists"));
    if (!curate::ParseWarningMode(config.curation.warninglists)) {
      return std::unexpected(curation.Problem("warninglists", "expected off, flag or drop"));
    }
    SOCMESH_READ(config.curation.warninglists_dir, curation.String("warninglists_dir"));
    if (!config.curation.warninglists_dir.empty()) {
      config.curation.warninglists_dir = Resolve(base_dir, config.curation.warninglists_dir);
    }
    SOCMESH_READ(config.curation.consolidate, curation.Bool("consolidate"));
    if (const toml::table* lists = curation.Table("lists")) {
      for (const auto& [name, action] : *lists) {
        auto a = action.value<std::string>();
        if (!a || (*a != "flag" && *a != "drop" && *a != "off")) {
          return std::unexpected(curation.Problem(
              "lists", "\"" + std::string(name.str()) + "\": expected flag, drop or off"));
        }
        config.curation.list_overrides.push_back(std::string(name.str()) + "=" + *a);
      }
    }
    if (auto r = curation.RejectUnknown(); !r) return std::unexpected(r.error());
  }
  if (auto r = top.RejectUnknown(); !r) return std::unexpected(r.error());
  const toml::node* list = root.get("connector");
  if (list == nullptr) {
    return Fail(ErrorCode::kInvalidArgument, origin + ": no [[connector]] defined");
  }
  const toml::array* connectors = list->as_array();
  if (connectors == nullptr) {
    return Fail(ErrorCode::kInvalidArgument,
                origin + ": connectors are written as [[connector]] tables");
  }
  std::set<std::string> names;
  for (size_t i = 0; i < connectors->size(); ++i) {
    const toml::table* t = connectors->get(i)->as_table();
    if (t == nullptr) {
      return Fail(ErrorCode::kInvalidArgument,
                  origin + ": connector " + std::to_string(i + 1) + " is not a table");
    }
    auto c = ReadConnector(*t, i, origin, base_dir);
    if (!c) return std::unexpected(c.error());
    if (!names.insert(c->name).second) {
      return Fail(ErrorCode::kInvalidArgument,
                  origin + ": connector name \"" + c->name + "\" is used twice");
    }
    config.connectors.push_back(std::move(*c));
  }
  return config;
}

Result<ConnectConfig> LoadConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(ErrorCode::kIo, path + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  const fs::path absolute = fs::absolute(path);
  auto config = ParseConfig(text.str(), path, absolute.parent_path().string());
  if (config && config->state_file.empty()) config->state_file = absolute.string() + ".state.json";
  return config;
}

}  // namespace socmesh::connect
