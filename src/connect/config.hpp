// Connector configuration (B2a): a TOML file listing feeds to poll (HTTP(S)), TAXII collections to
// pull and directories to watch, each with a schedule and the input format as `socmesh ingest`
// takes it. Example and every key: docs/cli.md, "socmesh connect".
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "curate/ingest_curation.hpp"
#include "formats/detect.hpp"

namespace socmesh::connect {

enum class ConnectorType { kHttp, kTaxii, kDirectory };

// "http", "taxii", "directory".
std::string_view ConnectorTypeName(ConnectorType type);

struct Schedule {
  std::chrono::milliseconds interval{std::chrono::hours{1}};  // between the starts of two runs
  std::chrono::milliseconds jitter{0};  // a random extra delay in [0, jitter] before each run
};

// How fetched bytes are read, as `socmesh ingest --format/--preset/--strict/--max-bytes`.
struct InputSettings {
  std::optional<formats::Format> format;  // nullopt ("auto"): detected from the content
  std::string preset = "plain";           // CSV preset (formats/csv/feed_config.hpp)
  bool strict = false;                    // any rejected object stores nothing of that input
  size_t max_bytes = size_t{256} << 20;   // larger inputs are refused (kTooLarge)
};

// Retries of transient failures (network errors, 5xx, 429): exponential backoff starting at
// `initial_backoff`, doubling, capped by `max_backoff`, which also caps a server's Retry-After.
struct RetryPolicy {
  unsigned max_attempts = 4;  // first attempt included; 1 = no retry
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{std::chrono::minutes{5}};
};

// TLS of a connector. For HTTP feeds without ca_file the system's CA store is trusted; TAXII
// peers need ca_file (the network's CAs) and normally a client certificate (mTLS).
struct TlsSettings {
  std::string ca_file;
  std::string certificate_file;
  std::string private_key_file;
  bool allow_tls12 = false;  // http only (`tls_min_version = "1.2"`): public feeds, never peers
};

struct HttpSettings {
  std::string url;                // https://… (http://… only with allow_plain_http)
  bool allow_plain_http = false;  // also allows redirects from https to http
  std::vector<std::pair<std::string, std::string>> headers;  // extra request headers (may be
                                                             // secret: never printed)
  std::chrono::milliseconds timeout{60'000};                 // per request
  unsigned max_redirects = 5;
  RetryPolicy retry;
  TlsSettings tls;
};

struct TaxiiSettings {
  // A collection URL (…/collections/<id>/), an API root URL (with `collection`), or the discovery
  // URL …/taxii2/ (with `collection`; the default API root is used).
  std::string url;
  std::string collection;
  std::string token_file;          // API token (Authorization: Bearer), read at start; optional
  size_t page_size = 0;            // 0: the server's default
  std::vector<std::string> types;  // match[type]; empty: every type
  std::chrono::milliseconds timeout{60'000};
  size_t max_pages_per_run = 10'000;
  RetryPolicy retry;
  TlsSettings tls;
};

struct DirectorySettings {
  std::string path;        // the inbox
  std::string done_dir;    // default <path>/done
  std::string failed_dir;  // default <path>/failed
  // When the file system cannot tell whether a writer still holds a file open (no lease
  // support), a file is read only once unchanged for this long.
  std::chrono::milliseconds settle{2000};
};

struct ConnectorConfig {
  std::string name;  // unique; [A-Za-z0-9._-]
  ConnectorType type = ConnectorType::kHttp;
  bool enabled = true;
  Schedule schedule;
  InputSettings input;
  HttpSettings http;            // type http
  TaxiiSettings taxii;          // type taxii
  DirectorySettings directory;  // type directory
};

struct ConnectConfig {
  std::string state_file;  // default: <config file>.state.json
  // [curation]: what `socmesh ingest` does by default (warning lists flag, consolidation on);
  // `enabled = false` stores what the feeds say as they say it.
  bool curate = true;
  curate::IngestCurationSettings curation;
  std::vector<ConnectorConfig> connectors;
};

// Parses the TOML text of a connector configuration. `origin` names it in messages; relative
// paths in it are resolved against `base_dir`. Unknown keys are errors (a typo must not silently
// disable a setting). Errors: kParse (TOML syntax, with line and column), kInvalidArgument (a
// missing or wrong setting, naming the connector and key).
Result<ConnectConfig> ParseConfig(std::string_view toml, std::string_view origin,
                                  const std::string& base_dir);

// Reads and parses `path`. Errors: kIo, plus those of ParseConfig.
Result<ConnectConfig> LoadConfig(const std::string& path);

// "90s", "5m", "1h", "2d", "250ms", or a number of seconds. Errors: kInvalidArgument.
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);

}  // namespace socmesh::connect
