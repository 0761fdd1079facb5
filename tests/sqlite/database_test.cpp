// The shared SQLite wrappers (sqlite/database.hpp) that the store (B13 at rest, E-store) and the
// identity registry (E6) are built on: errors as values worded per caller, bindings and columns,
// all-or-nothing transactions, and the switch to WAL that both files need for concurrent readers.
#include "sqlite/database.hpp"

#include <gtest/gtest.h>

#include <array>

#include "common/test_data.hpp"

namespace socmesh::sqlite {
namespace {

constexpr int kCreate = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;

class DatabaseTest : public ::testing::Test {
 protected:
  std::string path() const { return (dir_.path() / "test.db").string(); }
  Database OpenOrDie(Wording wording = {}) {
    auto db = Database::Open(path(), kCreate, wording);
    EXPECT_TRUE(db) << db.error().message;
    return std::move(*db);
  }
  static void ExecOrDie(Database& db, std::string_view sql) {
    auto r = db.Exec(sql, "test setup");
    ASSERT_TRUE(r) << r.error().message;
  }
  testing::TempDir dir_;
};

TEST_F(DatabaseTest, OpenFailureNamesTheSubjectAndPath) {
  const std::string missing = (dir_.path() / "no-such-dir" / "x.db").string();
  auto db = Database::Open(missing, kCreate, Wording{.subject = "identity registry"});
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, ErrorCode::kIo);
  EXPECT_EQ(db.error().message.rfind("cannot open identity registry " + missing + ": ", 0), 0u)
      << db.error().message;
}

TEST_F(DatabaseTest, BindingsAndColumnsRoundTrip) {
  Database db = OpenOrDie();
  ExecOrDie(db, "CREATE TABLE t (i INTEGER, s TEXT, b BLOB, n TEXT)");
  const std::string text("with\0nul", 8);  // lengths are explicit: no C-string truncation
  const std::array<uint8_t, 3> blob{0, 255, 7};
  auto insert = Statement::Prepare(db, "INSERT INTO t VALUES (?1, ?2, ?3, ?4)");
  ASSERT_TRUE(insert) << insert.error().message;
  insert->BindInt(1, int64_t{1} << 40).BindText(2, text).BindBlob(3, blob).BindNull(4);
  auto done = insert->Step();
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_FALSE(*done);

  auto select = Statement::Prepare(db, "SELECT i, s, b, n FROM t");
  ASSERT_TRUE(select);
  auto row = select->Step();
  ASSERT_TRUE(row && *row);
  EXPECT_EQ(select->ColumnInt(0), int64_t{1} << 40);
  EXPECT_EQ(select->ColumnText(1), text);
  EXPECT_EQ(select->ColumnString(1), text);
  ASSERT_EQ(select->ColumnBlob(2).size(), blob.size());
  EXPECT_TRUE(std::equal(blob.begin(), blob.end(), select->ColumnBlob(2).begin()));
  EXPECT_TRUE(select->ColumnIsNull(3));
  EXPECT_FALSE(select->ColumnIsNull(1));
  EXPECT_TRUE(select->ColumnText(3).empty());
  EXPECT_TRUE(select->ColumnBlob(3).empty());
  auto end = select->Step();
  ASSERT_TRUE(end);
  EXPECT_FALSE(*end);
}

TEST_F(DatabaseTest, ResetAllowsReuseWithNewBindings) {
  Database db = OpenOrDie();
  auto echo = Statement::Prepare(db, "SELECT ?1");
  ASSERT_TRUE(echo);
  for (int64_t v : {3, 5}) {
    ResetOnExit reset(*echo);
    echo->BindInt(1, v);
    auto row = echo->Step();
    ASSERT_TRUE(row && *row);
    EXPECT_EQ(echo->ColumnInt(0), v);
  }
}

// The store reports every step failure as kStorage "step: …"; the identity registry turns a
// duplicate name (a constraint) into kConflict. The wording decides, per connection.
TEST_F(DatabaseTest, StepFailureFollowsTheConnectionsWording) {
  {
    Database db = OpenOrDie();
    ExecOrDie(db, "CREATE TABLE names (name TEXT PRIMARY KEY); INSERT INTO names VALUES ('a')");
    auto insert = Statement::Prepare(db, "INSERT INTO names VALUES ('a')");
    ASSERT_TRUE(insert);
    auto r = insert->Step();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kStorage);
    EXPECT_EQ(r.error().message, "step: UNIQUE constraint failed: names.name");
  }
  Database db = OpenOrDie(Wording{
      .subject = "registry", .step_context = "identity registry", .constraint_is_conflict = true});
  auto insert = Statement::Prepare(db, "INSERT INTO names VALUES ('a')");
  ASSERT_TRUE(insert);
  auto r = insert->Step();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kConflict);
  EXPECT_EQ(r.error().message, "identity registry: UNIQUE constraint failed: names.name");
}

TEST_F(DatabaseTest, PrepareAndExecErrorsNameTheOperation) {
  Database db = OpenOrDie();
  auto bad = Statement::Prepare(db, "SELEC 1");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kStorage);
  EXPECT_EQ(bad.error().message.rfind("prepare: ", 0), 0u) << bad.error().message;
  auto exec = db.Exec("CREATE TABLE", "configure store");
  ASSERT_FALSE(exec);
  EXPECT_EQ(exec.error().message.rfind("configure store: ", 0), 0u) << exec.error().message;
}

TEST_F(DatabaseTest, QueryIntReadsOneValueOrSaysThereIsNone) {
  Database db = OpenOrDie();
  ExecOrDie(db, "CREATE TABLE t (i INTEGER)");
  auto v = db.QueryInt("SELECT 42", "answer");
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(*v, 42);
  auto none = db.QueryInt("SELECT i FROM t", "read t");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message, "read t: no result");
  auto broken = db.QueryInt("SELECT nope FROM t", "read t");
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().message.rfind("read t: prepare: ", 0), 0u) << broken.error().message;
}

TEST_F(DatabaseTest, TransactionRollsBackUnlessCommitted) {
  Database db = OpenOrDie();
  ExecOrDie(db, "CREATE TABLE t (i INTEGER)");
  {
    auto tx = Transaction::Begin(db);
    ASSERT_TRUE(tx) << tx.error().message;
    ExecOrDie(db, "INSERT INTO t VALUES (1)");
  }  // dropped: rolled back
  EXPECT_EQ(db.QueryInt("SELECT count(*) FROM t", "count").value_or(-1), 0);
  {
    auto tx = Transaction::Begin(db);
    ASSERT_TRUE(tx);
    ExecOrDie(db, "INSERT INTO t VALUES (2)");
    auto committed = tx->Commit();
    ASSERT_TRUE(committed) << committed.error().message;
  }
  EXPECT_EQ(db.QueryInt("SELECT count(*) FROM t", "count").value_or(-1), 1);
  // A moved-from transaction does not roll back twice; the moved-to one still does.
  {
    auto tx = Transaction::Begin(db);
    ASSERT_TRUE(tx);
    Transaction moved(std::move(*tx));
    ExecOrDie(db, "INSERT INTO t VALUES (3)");
  }
  EXPECT_EQ(db.QueryInt("SELECT count(*) FROM t", "count").value_or(-1), 1);
  // A read snapshot never needs a commit, and a new write transaction can start after it.
  { ASSERT_TRUE(Transaction::BeginRead(db)); }
  EXPECT_TRUE(Transaction::Begin(db));
}

TEST_F(DatabaseTest, EnableWalSwitchesFilesAndAcceptsMemory) {
  Database db = OpenOrDie();
  auto r = EnableWal(db, std::chrono::milliseconds(1000));
  ASSERT_TRUE(r) << r.error().message;
  auto mode = Statement::Prepare(db, "PRAGMA journal_mode");
  ASSERT_TRUE(mode);
  ASSERT_TRUE(mode->Step().value_or(false));
  EXPECT_EQ(mode->ColumnText(0), "wal");

  auto memory = Database::Open(":memory:", kCreate);
  ASSERT_TRUE(memory);
  EXPECT_TRUE(EnableWal(*memory, std::chrono::milliseconds(1000)));
}

// Another connection reading the file holds the lock the switch needs: EnableWal retries, then
// gives up with a clear error once its patience is spent (bounded: 100 ms here).
TEST_F(DatabaseTest, EnableWalGivesUpWhenTheFileStaysLocked) {
  Database writer = OpenOrDie();
  ExecOrDie(writer, "CREATE TABLE t (i INTEGER); INSERT INTO t VALUES (1)");
  Database reader = OpenOrDie();
  auto snapshot = Transaction::BeginRead(reader);
  ASSERT_TRUE(snapshot);
  ASSERT_TRUE(reader.QueryInt("SELECT count(*) FROM t", "read"));  // takes the shared lock

  const auto start = std::chrono::steady_clock::now();
  auto r = EnableWal(writer, std::chrono::milliseconds(100));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kStorage);
  EXPECT_EQ(r.error().message, "enable WAL: database is locked");
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
}

}  // namespace
}  // namespace socmesh::sqlite
