// What connectors remember between runs and restarts: HTTP validators (ETag, Last-Modified), the
// TAXII cursor, the last result and counters. One small JSON file for all connectors of a
// configuration, rewritten atomically (temporary file, fsync, rename) after every change, so a
// crash leaves either the old or the new state, never a torn one.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace socmesh::connect {

struct RunCounters {
  int64_t bytes = 0;    // fetched or read
  int64_t objects = 0;  // STIX objects read or made from the input (valid or not)
  int64_t inserted = 0;
  int64_t unchanged = 0;
  int64_t rejected = 0;
  int64_t files_done = 0;    // directory: files imported and moved to done/
  int64_t files_failed = 0;  // directory: files moved to failed/
  int64_t merged = 0;        // curation: indicators folded into one already stored
  int64_t dropped = 0;       // curation: indicators dropped by a warning list in "drop" mode

  RunCounters& operator+=(const RunCounters& o);
};

struct ConnectorState {
  std::string type;  // "http" | "taxii" | "directory", as configured at the last run
  // http: the validators of the last imported response (sent back as If-None-Match /
  // If-Modified-Since). Set only once that response was stored, so a failed import is refetched.
  std::string etag;
  std::string last_modified;
  // taxii: `added_after` of the next poll (the X-TAXII-Date-Added-Last of the last page of the
  // last complete poll); `next` and `last_added` of a poll in progress, saved after each stored
  // page so that a restart resumes it without losing or repeating objects.
  std::string taxii_added_after;
  std::string taxii_next;
  std::string taxii_last_added;
  // Every run.
  std::string last_run;      // start, RFC 3339 UTC
  std::string last_success;  // start of the last run that did not fail
  std::string last_result;   // "ok", "not-modified", "failed"
  std::string last_error;    // message of the last failure ("" after a success)
  int64_t last_duration_ms = 0;
  RunCounters last;  // of the last run
  int64_t runs = 0;
  int64_t failures = 0;
  RunCounters total;  // since the state file was created
};

class StateFile {
 public:
  // Loads `path` if it exists (an empty state otherwise). Errors: kIo, kParse (a state file that
  // is not what this class writes: refused rather than overwritten).
  static Result<std::unique_ptr<StateFile>> Open(std::string path);

  // The state of connector `name` (default values when unknown). Thread-safe.
  ConnectorState Get(std::string_view name) const;
  // Replaces the state of `name` and rewrites the file atomically. Thread-safe.
  Result<void> Put(const std::string& name, const ConnectorState& state);
  // Every connector's state, by name.
  std::map<std::string, ConnectorState, std::less<>> All() const;

  const std::string& path() const { return path_; }

 private:
  explicit StateFile(std::string path) : path_(std::move(path)) {}
  Result<void> SaveLocked();
  std::string path_;
  mutable std::mutex mutex_;
  std::map<std::string, ConnectorState, std::less<>> states_;
};

// The JSON form of one connector state (as in the file and `socmesh connect status --json`).
std::string StateToJson(std::string_view name, const ConnectorState& state);

}  // namespace socmesh::connect
