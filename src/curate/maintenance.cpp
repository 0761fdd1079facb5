#include "curate/maintenance.hpp"

#include <simdjson.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <unordered_map>

#include "curate/detail/object_json.hpp"
#include "model/socmesh_extension.hpp"

namespace socmesh::curate {

namespace {

constexpr int64_t kMicrosPerMilli = 1000;

struct DbClose {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalize {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Db = std::unique_ptr<sqlite3, DbClose>;
using Stmt = std::unique_ptr<sqlite3_stmt, StmtFinalize>;

Error DbError(sqlite3* db, const std::string& what) {
  return Error{ErrorCode::kStorage, "curate state: " + what + ": " + sqlite3_errmsg(db)};
}

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS indicator_state("
    " id TEXT PRIMARY KEY, status TEXT NOT NULL, base REAL NOT NULL, score REAL NOT NULL,"
    " last_seen INTEGER NOT NULL, expired_since INTEGER, reason TEXT NOT NULL,"
    " computed_at INTEGER NOT NULL) WITHOUT ROWID";

// The state database, or null with `*error` set. (Not a Result<Db>: g++ 12 reports a false
// -Wfree-nonheap-object on std::expected<std::unique_ptr, Error> here.)
Db OpenState(const std::string& path, bool create, Error* error) {
  sqlite3* raw = nullptr;
  const int flags = create ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) {
    *error = DbError(raw, "cannot open " + path);
    return nullptr;
  }
  sqlite3_busy_timeout(raw, 5000);
  if (create && sqlite3_exec(raw, kSchema, nullptr, nullptr, nullptr) != SQLITE_OK) {
    *error = DbError(raw, "cannot create the schema");
    return nullptr;
  }
  return db;
}

std::optional<IndicatorStatus> ParseStatus(std::string_view s) {
  if (s == "active") return IndicatorStatus::kActive;
  if (s == "expired") return IndicatorStatus::kExpired;
  if (s == "revoked") return IndicatorStatus::kRevoked;
  return std::nullopt;
}

IndicatorState ReadRow(sqlite3_stmt* s) {
  IndicatorState st;
  st.id = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  st.status = ParseStatus(reinterpret_cast<const char*>(sqlite3_column_text(s, 1)))
                  .value_or(IndicatorStatus::kActive);
  st.base = sqlite3_column_double(s, 2);
  st.score = sqlite3_column_double(s, 3);
  st.last_seen = {sqlite3_column_int64(s, 4)};
  if (sqlite3_column_type(s, 5) != SQLITE_NULL) st.expired_since = {{sqlite3_column_int64(s, 5)}};
  st.reason = reinterpret_cast<const char*>(sqlite3_column_text(s, 6));
  return st;
}

Result<void> ReadAll(sqlite3* db, std::unordered_map<std::string, IndicatorState>& out) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db,
                         "SELECT id, status, base, score, last_seen, expired_since, reason "
                         "FROM indicator_state",
                         -1, &raw, nullptr) != SQLITE_OK) {
    return std::unexpected(DbError(db, "cannot read"));
  }
  Stmt stmt(raw);
  while (sqlite3_step(raw) == SQLITE_ROW) {
    IndicatorState st = ReadRow(raw);
    out.emplace(st.id, std::move(st));
  }
  return {};
}

Result<void> WriteAll(sqlite3* db, const std::vector<IndicatorState>& states,
                      model::Timestamp now) {
  if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return std::unexpected(DbError(db, "cannot begin"));
  }
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db,
                         "INSERT OR REPLACE INTO indicator_state(id, status, base, score, "
                         "last_seen, expired_since, reason, computed_at) "
                         "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                         -1, &raw, nullptr) != SQLITE_OK) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return std::unexpected(DbError(db, "cannot prepare"));
  }
  Stmt stmt(raw);
  for (const IndicatorState& st : states) {
    const std::string_view status = IndicatorStatusName(st.status);
    sqlite3_reset(raw);
    sqlite3_bind_text(raw, 1, st.id.data(), static_cast<int>(st.id.size()), SQLITE_STATIC);
    sqlite3_bind_text(raw, 2, status.data(), static_cast<int>(status.size()), SQLITE_STATIC);
    sqlite3_bind_double(raw, 3, st.base);
    sqlite3_bind_double(raw, 4, st.score);
    sqlite3_bind_int64(raw, 5, st.last_seen.micros);
    if (st.expired_since) {
      sqlite3_bind_int64(raw, 6, st.expired_since->micros);
    } else {
      sqlite3_bind_null(raw, 6);
    }
    sqlite3_bind_text(raw, 7, st.reason.data(), static_cast<int>(st.reason.size()), SQLITE_STATIC);
    sqlite3_bind_int64(raw, 8, now.micros);
    if (sqlite3_step(raw) != SQLITE_DONE) {
      Error e = DbError(db, "cannot write " + st.id);
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      return std::unexpected(std::move(e));
    }
  }
  if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return std::unexpected(DbError(db, "cannot commit"));
  }
  return {};
}

// When a sighting says its indicator was seen: last_seen, else first_seen, else the version time.
Result<void> CollectSightings(store::Store& store,
                              std::unordered_map<std::string, model::Timestamp>& seen) {
  store::Query q;
  q.types = {"sighting"};
  q.include_revoked = false;
  simdjson::dom::parser parser;
  return store.Scan(q, [&](const store::StoredVersion& v) {
    simdjson::dom::element root;
    if (parser.parse(v.json).get(root) != simdjson::SUCCESS) return true;
    std::string_view target;
    if (root["sighting_of_ref"].get(target) != simdjson::SUCCESS) return true;
    model::Timestamp when = v.modified;
    std::string_view text;
    for (const char* key : {"first_seen", "last_seen"}) {
      if (root[key].get(text) == simdjson::SUCCESS) {
        if (auto t = model::ParseTimestamp(text)) when = std::max(when, *t);
      }
    }
    auto [it, inserted] = seen.emplace(std::string(target), when);
    if (!inserted) it->second = std::max(it->second, when);
    return true;
  });
}

char* FormatScore(char* buf, size_t n, double v) {
  std::snprintf(buf, n, "%.1f", v);
  return buf;
}

}  // namespace

std::string_view IndicatorStatusName(IndicatorStatus status) {
  switch (status) {
    case IndicatorStatus::kActive:
      return "active";
    case IndicatorStatus::kExpired:
      return "expired";
    case IndicatorStatus::kRevoked:
      return "revoked";
  }
  return "active";
}

std::string StatePathForStore(const std::string& store_location) {
  std::string path = store_location;
  if (path.starts_with("sqlite:")) path = path.substr(7);
  return path + ".curate";
}

Result<MaintenanceReport> RunMaintenance(store::Store& store, const std::string& state_path,
                                         const MaintenanceOptions& options) {
  MaintenanceReport report;
  std::unordered_map<std::string, IndicatorState> previous;
  Error open_error;
  // A dry run reads the previous pass if there is one, and creates nothing.
  Db db = options.dry_run && !std::filesystem::exists(state_path)
              ? nullptr
              : OpenState(state_path, !options.dry_run, &open_error);
  if (!db && !options.dry_run) return std::unexpected(open_error);
  if (db) {
    if (auto ok = ReadAll(db.get(), previous); !ok) return std::unexpected(ok.error());
  }

  std::unordered_map<std::string, model::Timestamp> sighted;
  if (auto ok = CollectSightings(store, sighted); !ok) return std::unexpected(ok.error());

  std::vector<model::StixObject> revocations;
  store::Query q;
  q.types = {"indicator"};
  q.include_revoked = true;
  Result<void> inner;
  auto scanned = store.Scan(q, [&](const store::StoredVersion& v) {
    ++report.indicators;
    IndicatorState st;
    st.id = v.id;
    if (v.revoked) {
      ++report.revoked;
      st.status = IndicatorStatus::kRevoked;
      st.reason = "revoked";
      st.last_seen = v.modified;
      if (auto it = previous.find(v.id); it != previous.end())
        st.expired_since = it->second.expired_since;
      report.states.push_back(std::move(st));
      return true;
    }
    auto parsed = model::ParseStixObject(v.json);
    if (!parsed)
      return true;  // stored objects validated at ingest; a newer rule is no reason to stop
    st.last_seen = v.modified;
    if (auto meta = model::ReadSocmeshMetadata(v.json); meta && *meta) {
      for (const model::Provenance& p : (*meta)->provenance) {
        if (p.last_seen) st.last_seen = std::max(st.last_seen, *p.last_seen);
      }
    }
    if (auto it = sighted.find(v.id); it != sighted.end()) {
      if (it->second > st.last_seen) ++report.sightings;
      st.last_seen = std::max(st.last_seen, it->second);
    }
    st.base = parsed->confidence.value_or(options.policy.default_confidence);
    std::optional<model::ObservableKind> kind;
    if (!parsed->observables.empty()) kind = parsed->observables.front().kind;
    // Several observables: the slowest-decaying one decides (the indicator lives as long as any
    // part of it is still worth matching).
    int64_t half_life = options.policy.HalfLife(kind);
    for (const auto& o : parsed->observables) {
      const int64_t h = options.policy.HalfLife(o.kind);
      if (h <= 0 || half_life <= 0) {
        half_life = 0;
      } else {
        half_life = std::max(half_life, h);
      }
    }
    st.score = DecayScore(st.base, st.last_seen, options.now, half_life);
    char buf[32];
    if (parsed->valid_until && *parsed->valid_until <= options.now) {
      st.status = IndicatorStatus::kExpired;
      st.reason = "valid_until " + model::FormatTimestamp(*parsed->valid_until) + " passed";
    } else if (st.score < options.policy.expire_below) {
      st.status = IndicatorStatus::kExpired;
      st.reason = std::string("score ") + FormatScore(buf, sizeof buf, st.score) + " below " +
                  FormatScore(buf + 16, 16, options.policy.expire_below);
    } else {
      st.status = IndicatorStatus::kActive;
      st.reason = std::string("score ") + FormatScore(buf, sizeof buf, st.score);
    }
    if (st.status == IndicatorStatus::kExpired) {
      ++report.expired;
      auto it = previous.find(v.id);
      if (it != previous.end() && it->second.status == IndicatorStatus::kExpired &&
          it->second.expired_since) {
        st.expired_since = it->second.expired_since;
      } else {
        ++report.newly_expired;
        st.expired_since = options.now;
      }
      const bool local = !parsed->created_by_ref.empty() &&
                         options.local_creators.contains(parsed->created_by_ref);
      if (local && options.policy.revoke_after_micros &&
          options.now.micros - st.expired_since->micros >= *options.policy.revoke_after_micros) {
        int64_t ms = options.now.micros / kMicrosPerMilli * kMicrosPerMilli;
        ms = std::max(ms, v.modified.micros / kMicrosPerMilli * kMicrosPerMilli + kMicrosPerMilli);
        detail::JsonPatch patch;
        patch.set = {{"revoked", "true"},
                     {"modified", detail::JsonString(model::FormatTimestamp({ms}))}};
        auto json = detail::PatchJson(v.json, patch);
        if (!json) {
          inner = std::unexpected(json.error());
          return false;
        }
        auto revoked = model::ParseStixObject(*json);
        if (!revoked) {
          inner = std::unexpected(revoked.error());
          return false;
        }
        revocations.push_back(std::move(*revoked));
        st.status = IndicatorStatus::kRevoked;
        st.reason += "; revoked after expiry";
      }
    } else {
      ++report.active;
    }
    report.states.push_back(std::move(st));
    return true;
  });
  if (!scanned) return std::unexpected(scanned.error());
  if (!inner) return std::unexpected(inner.error());
  report.revocations = revocations.size();
  if (options.dry_run) return report;
  if (!revocations.empty()) {
    auto stored = store.Ingest(revocations);
    if (!stored) return std::unexpected(stored.error());
  }
  if (auto ok = WriteAll(db.get(), report.states, options.now); !ok) {
    return std::unexpected(ok.error());
  }
  return report;
}

Result<std::optional<IndicatorState>> ReadIndicatorState(const std::string& state_path,
                                                         const std::string& id) {
  Error open_error;
  Db db = OpenState(state_path, false, &open_error);
  if (!db) return std::unexpected(open_error);
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db.get(),
                         "SELECT id, status, base, score, last_seen, expired_since, reason "
                         "FROM indicator_state WHERE id = ?1",
                         -1, &raw, nullptr) != SQLITE_OK) {
    return std::unexpected(DbError(db.get(), "cannot read"));
  }
  Stmt stmt(raw);
  sqlite3_bind_text(raw, 1, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
  if (sqlite3_step(raw) != SQLITE_ROW) return std::optional<IndicatorState>{};
  return std::optional<IndicatorState>(ReadRow(raw));
}

}  // namespace socmesh::curate
