// Internal to store/: RAII wrappers over the SQLite C API. sqlite3.h stays out of public headers.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace socmesh::store::detail {

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
  // Opens `path` with `flags` (SQLITE_OPEN_*). Errors: kStorage / kIo.
  static Result<Database> Open(const std::string& path, int flags);

  sqlite3* get() const { return db_.get(); }
  // Runs SQL without results (may hold several statements).
  Result<void> Exec(std::string_view sql, std::string_view operation);
  // Runs a query returning one integer (e.g. "PRAGMA user_version").
  Result<int64_t> QueryInt(const std::string& sql, std::string_view operation);

 private:
  std::unique_ptr<sqlite3, DatabaseCloser> db_;
};

// A prepared statement. Bind indexes are 1-based as in SQLite. Text and blobs are bound without
// copying (SQLITE_STATIC): the caller keeps them alive until the statement is stepped and reset.
class Statement {
 public:
  Statement() = default;
  static Result<Statement> Prepare(sqlite3* db, std::string_view sql);

  Statement& BindInt(int index, int64_t value);
  Statement& BindText(int index, std::string_view value);
  Statement& BindBlob(int index, std::span<const uint8_t> value);
  Statement& BindNull(int index);

  // Steps once: true on a row, false when done; an Error on failure.
  Result<bool> Step();
  // Resets and clears bindings so the statement can be reused.
  void Reset();

  int64_t ColumnInt(int column) const { return sqlite3_column_int64(stmt_.get(), column); }
  bool ColumnIsNull(int column) const {
    return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
  }
  std::string_view ColumnText(int column) const;
  std::span<const uint8_t> ColumnBlob(int column) const;

 private:
  sqlite3* db_ = nullptr;
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

}  // namespace socmesh::store::detail
