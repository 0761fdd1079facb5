// RAII over the SQLite C API: a connection, prepared statements, transactions. Only the mechanics
// live here; each module keeps its own pragmas, schema and application_id checks, and names its
// file in errors through Wording so its users keep the messages they know.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace socmesh::sqlite {

// How a connection's errors read. The views must outlive the connection (use literals).
struct Wording {
  // Names the file when it cannot be opened: "cannot open <subject> <path>: <reason>".
  std::string_view subject = "database";
  // Prefixes a failed step: "<step_context>: <SQLite's message>".
  std::string_view step_context = "step";
  // A violated constraint (a duplicate key) is kConflict, for callers that insert names users
  // choose; otherwise every failure is kStorage.
  bool constraint_is_conflict = false;
};

struct DatabaseCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StatementFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

// A kStorage error naming the operation and SQLite's message for `db`.
Error SqliteError(sqlite3* db, std::string_view operation);

class Database {
 public:
  // Opens `path` with `flags` (SQLITE_OPEN_*; NOMUTEX is added: every caller serialises the use
  // of its connection itself). Errors: kIo (cannot open), kStorage.
  static Result<Database> Open(const std::string& path, int flags, Wording wording = {});

  sqlite3* get() const { return db_.get(); }
  const Wording& wording() const { return wording_; }
  // Runs SQL without results (may hold several statements).
  Result<void> Exec(std::string_view sql, std::string_view operation);
  // Runs a query returning one integer (e.g. "PRAGMA user_version").
  Result<int64_t> QueryInt(std::string_view sql, std::string_view operation);

 private:
  std::unique_ptr<sqlite3, DatabaseCloser> db_;
  Wording wording_;
};

// A prepared statement. Bind indexes are 1-based as in SQLite. Text and blobs are bound without
// copying (SQLITE_STATIC): the caller keeps them alive until the statement is stepped and reset.
class Statement {
 public:
  Statement() = default;
  // Prepared as persistent: most statements are kept and reused for the life of the connection.
  static Result<Statement> Prepare(const Database& db, std::string_view sql);

  Statement& BindInt(int index, int64_t value);
  Statement& BindText(int index, std::string_view value);
  Statement& BindBlob(int index, std::span<const uint8_t> value);
  Statement& BindNull(int index);

  // Steps once: true on a row, false when done; an Error (see Wording) on failure.
  Result<bool> Step();
  // Resets and clears bindings so the statement can be reused.
  void Reset();

  int64_t ColumnInt(int column) const { return sqlite3_column_int64(stmt_.get(), column); }
  bool ColumnIsNull(int column) const {
    return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
  }
  // Valid until the next Step or Reset.
  std::string_view ColumnText(int column) const;
  std::string ColumnString(int column) const { return std::string(ColumnText(column)); }
  std::span<const uint8_t> ColumnBlob(int column) const;

 private:
  sqlite3* db_ = nullptr;
  Wording wording_;
  std::unique_ptr<sqlite3_stmt, StatementFinalizer> stmt_;
};

// Resets a statement when the scope ends, whatever path leaves it.
class ResetOnExit {
 public:
  explicit ResetOnExit(Statement& s) : s_(s) {}
  ~ResetOnExit() { s_.Reset(); }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  Statement& s_;
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless Commit() succeeded.
class Transaction {
 public:
  static Result<Transaction> Begin(Database& db);
  // A read snapshot (BEGIN DEFERRED): several queries see the same data; never needs Commit().
  static Result<Transaction> BeginRead(Database& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Result<void> Commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;
};

// Switches the file to WAL. That takes an exclusive lock for which SQLite does not wait (no busy
// handler), so two processes creating the same file at once would fail: retries for `patience`.
// Succeeds for in-memory databases, which stay in "memory" mode.
Result<void> EnableWal(Database& db, std::chrono::milliseconds patience);

}  // namespace socmesh::sqlite
