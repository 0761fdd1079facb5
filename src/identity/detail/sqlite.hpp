// Internal to identity/: RAII over the SQLite C API, the few calls the registry needs. store/ has
// its own (modules never include each other's detail/); sqlite3.h stays out of public headers.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace socmesh::identity::detail {

struct DatabaseCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StatementFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

class Database {
 public:
  // Opens `path` with SQLITE_OPEN_* `flags`. Errors: kIo (cannot open), kStorage.
  static Result<Database> Open(const std::string& path, int flags);
  sqlite3* get() const { return db_.get(); }
  // Runs SQL without results (may hold several statements).
  Result<void> Exec(std::string_view sql, std::string_view operation);
  Result<int64_t> QueryInt(std::string_view sql, std::string_view operation);
  // The kStorage error for the last failure, naming `operation`.
  Error LastError(std::string_view operation) const;

 private:
  std::unique_ptr<sqlite3, DatabaseCloser> db_;
};

// A prepared statement; binds are 1-based. Text is bound without copying (SQLITE_STATIC): the
// caller keeps it alive until the statement is reset, which the destructor of Reset does.
class Statement {
 public:
  Statement() = default;
  static Result<Statement> Prepare(sqlite3* db, std::string_view sql);

  Statement& Int(int index, int64_t value);
  Statement& Text(int index, std::string_view value);
  Statement& Blob(int index, std::span<const unsigned char> value);
  Statement& Null(int index);
  // True on a row, false when done; kConflict on a constraint violation, else kStorage.
  Result<bool> Step();
  void Reset();

  int64_t ColumnInt(int column) const { return sqlite3_column_int64(stmt_.get(), column); }
  bool ColumnIsNull(int column) const {
    return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
  }
  std::string ColumnText(int column) const;
  std::span<const unsigned char> ColumnBlob(int column) const;

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

// BEGIN IMMEDIATE; ROLLBACK on destruction unless Commit() succeeded.
class Transaction {
 public:
  static Result<Transaction> Begin(Database& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Result<void> Commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;
};

}  // namespace socmesh::identity::detail
