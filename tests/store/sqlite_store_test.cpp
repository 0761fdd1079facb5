#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "common/test_data.hpp"
#include "model/stix_object.hpp"
#include "store/store.hpp"

namespace socmesh::store {
namespace {

using socmesh::testing::TempDir;

// Objects go through the real parser so that every field is what ingest would store.
model::StixObject Indicator(const std::string& uuid_tail, const std::string& modified,
                            const std::string& ip, bool revoked = false,
                            const std::string& name = "C2") {
  std::string json = R"({"type":"indicator","spec_version":"2.1",
    "id":"indicator--8e2e2d2b-17d4-4cbf-938f-)" +
                     uuid_tail + R"(","created":"2020-01-01T00:00:00.000Z","modified":")" +
                     modified + R"(","name":")" + name + R"(","pattern":"[ipv4-addr:value = ')" +
                     ip +
                     R"(']","pattern_type":"stix","valid_from":"2020-01-01T00:00:00Z",
    "object_marking_refs":["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"],
    "revoked":)" + (revoked ? "true" : "false") +
                     "}";
  auto o = model::ParseStixObject(json);
  EXPECT_TRUE(o.has_value()) << (o ? "" : o.error().message);
  return o ? *o : model::StixObject{};
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> Open(bool read_only = false) {
    StoreOptions o;
    o.location = path_;
    o.read_only = read_only;
    auto s = OpenStore(o);
    EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().message);
    return s ? std::move(*s) : nullptr;
  }
  std::vector<StoredVersion> ScanAll(Store& s, Query q) {
    std::vector<StoredVersion> out;
    auto r = s.Scan(q, [&](const StoredVersion& v) {
      out.push_back(v);
      return true;
    });
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    return out;
  }
  TempDir dir_;
  std::string path_ = (dir_.path() / "sub" / "store.db").string();
};

TEST_F(SqliteStoreTest, StoresEveryVersionAndFindsCurrent) {
  auto s = Open();
  std::vector<model::StixObject> batch = {
      Indicator("000000000001", "2021-01-01T00:00:00.000Z", "192.0.2.1"),
      Indicator("000000000001", "2023-01-01T00:00:00.000Z", "192.0.2.3"),
      Indicator("000000000001", "2022-01-01T00:00:00.000Z", "192.0.2.2"),
  };
  auto r = s->Ingest(batch);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->inserted, 3u);
  auto versions = s->GetVersions("indicator--8e2e2d2b-17d4-4cbf-938f-000000000001");
  ASSERT_TRUE(versions.has_value());
  ASSERT_EQ(versions->size(), 3u);
  EXPECT_LT((*versions)[0].modified, (*versions)[1].modified);
  EXPECT_EQ((*versions)[2].json, batch[1].canonical_json);
  auto current = s->GetCurrent("indicator--8e2e2d2b-17d4-4cbf-938f-000000000001");
  ASSERT_TRUE(current.has_value());
  EXPECT_EQ(current->json, batch[1].canonical_json);
  EXPECT_EQ(current->tlp, model::Tlp::kAmber);
  EXPECT_EQ(s->GetCurrent("indicator--8e2e2d2b-17d4-4cbf-938f-000000000009").error().code,
            ErrorCode::kNotFound);
}

TEST_F(SqliteStoreTest, ReingestIsNoOpAndConflictKeepsStoredContent) {
  auto s = Open();
  auto a = Indicator("000000000001", "2021-01-01T00:00:00.000Z", "192.0.2.1");
  ASSERT_EQ(s->Ingest(std::vector{a})->inserted, 1u);
  auto again = s->Ingest(std::vector{a});
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->inserted, 0u);
  EXPECT_EQ(again->unchanged, 1u);
  auto other = Indicator("000000000001", "2021-01-01T00:00:00.000Z", "192.0.2.1", false, "Other");
  auto conflict = s->Ingest(std::vector{other});
  ASSERT_TRUE(conflict.has_value());
  ASSERT_EQ(conflict->rejected.size(), 1u);
  EXPECT_EQ(conflict->rejected[0].error.code, ErrorCode::kConflict);
  EXPECT_EQ(s->GetCurrent(a.id)->json, a.canonical_json);
  EXPECT_EQ(s->Stats()->object_versions, 1);
}

TEST_F(SqliteStoreTest, DuplicateWithinBatchIsStoredOnce) {
  auto s = Open();
  auto a = Indicator("000000000001", "2021-01-01T00:00:00.000Z", "192.0.2.1");
  auto b = Indicator("000000000001", "2021-01-01T00:00:00.000Z", "192.0.2.1", false, "B");
  auto r = s->Ingest(std::vector{a, a, b});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->inserted, 1u);
  EXPECT_EQ(r->unchanged, 1u);
  ASSERT_EQ(r->rejected.size(), 1u);
  EXPECT_EQ(r->rejected[0].index, 2u);
}

TEST_F(SqliteStoreTest, RevocationFollowsTheCurrentVersion) {
  auto s = Open();
  ASSERT_TRUE(s->Ingest(std::vector{
      Indicator("000000000001", "2021-01-01T00:00:00.000Z", "192.0.2.1"),
      Indicator("000000000001", "2022-01-01T00:00:00.000Z", "192.0.2.1", true),
      Indicator("000000000002", "2021-01-01T00:00:00.000Z", "192.0.2.2", true),
      Indicator("000000000002", "2022-01-01T00:00:00.000Z", "192.0.2.2", false),
  }));
  auto stats = s->Stats();
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->objects, 2);
  EXPECT_EQ(stats->object_versions, 4);
  EXPECT_EQ(stats->revoked_objects, 1);
  Query q;
  q.include_revoked = false;
  auto live = ScanAll(*s, q);
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].id, "indicator--8e2e2d2b-17d4-4cbf-938f-000000000002");
  q.all_versions = true;
  EXPECT_EQ(ScanAll(*s, q).size(), 2u);  // both versions of the live object
}

TEST_F(SqliteStoreTest, ScanFiltersAndStopsEarly) {
  auto s = Open();
  ASSERT_TRUE(s->Ingest(std::vector{
      Indicator("000000000001", "2021-01-01T00:00:00.000Z", "192.0.2.1"),
      Indicator("000000000002", "2022-06-01T00:00:00.000Z", "192.0.2.2"),
      Indicator("000000000003", "2023-01-01T00:00:00.000Z", "192.0.2.3"),
  }));
  Query by_time;
  by_time.modified_from = model::ParseTimestamp("2022-01-01T00:00:00Z").value();
  by_time.modified_to = model::ParseTimestamp("2022-12-31T00:00:00Z").value();
  auto mid = ScanAll(*s, by_time);
  ASSERT_EQ(mid.size(), 1u);
  EXPECT_EQ(mid[0].id, "indicator--8e2e2d2b-17d4-4cbf-938f-000000000002");

  Query by_value;
  by_value.observable = model::Observable{model::ObservableKind::kIpv4, "192.0.2.3"};
  auto hit = ScanAll(*s, by_value);
  ASSERT_EQ(hit.size(), 1u);
  EXPECT_EQ(hit[0].id, "indicator--8e2e2d2b-17d4-4cbf-938f-000000000003");

  Query by_type;
  by_type.types = {"malware"};
  EXPECT_TRUE(ScanAll(*s, by_type).empty());
  Query by_id;
  by_id.ids = {"indicator--8e2e2d2b-17d4-4cbf-938f-000000000001"};
  EXPECT_EQ(ScanAll(*s, by_id).size(), 1u);
  Query limited;
  limited.limit = 2;
  EXPECT_EQ(ScanAll(*s, limited).size(), 2u);
  Query later;
  later.added_after = model::Timestamp{std::numeric_limits<int64_t>::max() - 1};
  EXPECT_TRUE(ScanAll(*s, later).empty());

  size_t visited = 0;
  ASSERT_TRUE(s->Scan(Query{}, [&](const StoredVersion& v) {
    ++visited;
    EXPECT_GT(v.seq, 0);
    return false;
  }));
  EXPECT_EQ(visited, 1u);
}

TEST_F(SqliteStoreTest, ReopeningKeepsDataAndReadOnlyRefusesWrites) {
  {
    auto s = Open();
    ASSERT_TRUE(
        s->Ingest(std::vector{Indicator("000000000001", "2021-01-01T00:00:00.000Z", "192.0.2.1")}));
  }
  auto ro = Open(/*read_only=*/true);
  ASSERT_NE(ro, nullptr);
  EXPECT_EQ(ro->Stats()->object_versions, 1);
  EXPECT_EQ(ro->Stats()->schema_version, 1);
  auto w =
      ro->Ingest(std::vector{Indicator("000000000002", "2021-01-01T00:00:00.000Z", "192.0.2.2")});
  ASSERT_FALSE(w.has_value());
  EXPECT_EQ(ro->Stats()->object_versions, 1);
}

TEST_F(SqliteStoreTest, RefusesNewerSchemaForeignDatabasesAndGarbage) {
  { Open(); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  StoreOptions o;
  o.location = path_;
  auto newer = OpenStore(o);
  ASSERT_FALSE(newer.has_value());
  EXPECT_EQ(newer.error().code, ErrorCode::kUnsupported);

  const std::string foreign = (dir_.path() / "foreign.db").string();
  ASSERT_EQ(sqlite3_open(foreign.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  o.location = foreign;
  EXPECT_EQ(OpenStore(o).error().code, ErrorCode::kInvalidArgument);

  const std::string garbage = (dir_.path() / "garbage.db").string();
  std::ofstream(garbage) << std::string(8192, 'x');
  o.location = garbage;
  auto g = OpenStore(o);
  ASSERT_FALSE(g.has_value());
  EXPECT_EQ(g.error().code, ErrorCode::kStorage);
  EXPECT_NE(g.error().message.find("garbage.db"), std::string::npos);
}

TEST_F(SqliteStoreTest, FailedBatchLeavesNothingBehind) {
  auto s = Open();
  // A trigger installed from outside makes the third object of the batch fail inside SQLite.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TRIGGER boom BEFORE INSERT ON object_versions WHEN NEW.id = "
                         "'indicator--8e2e2d2b-17d4-4cbf-938f-000000000003' BEGIN SELECT "
                         "RAISE(ABORT, 'injected failure'); END",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  s = Open();  // fresh connection sees the trigger
  auto r = s->Ingest(std::vector{
      Indicator("000000000001", "2021-01-01T00:00:00.000Z", "192.0.2.1"),
      Indicator("000000000002", "2021-01-01T00:00:00.000Z", "192.0.2.2"),
      Indicator("000000000003", "2021-01-01T00:00:00.000Z", "192.0.2.3"),
  });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kStorage);
  EXPECT_NE(r.error().message.find("injected failure"), std::string::npos);
  auto stats = s->Stats();
  EXPECT_EQ(stats->object_versions, 0);
  EXPECT_EQ(stats->observables, 0);
}

TEST_F(SqliteStoreTest, LocationSchemes) {
  StoreOptions o;
  o.location = "postgresql://localhost/socmesh";
  EXPECT_EQ(OpenStore(o).error().code, ErrorCode::kUnsupported);
  o.location = "ftp://x";
  EXPECT_EQ(OpenStore(o).error().code, ErrorCode::kInvalidArgument);
  o.location = "sqlite:" + (dir_.path() / "s.db").string();
  EXPECT_TRUE(OpenStore(o).has_value());
  o.location = (dir_.path() / "missing.db").string();
  o.read_only = true;
  EXPECT_EQ(OpenStore(o).error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace socmesh::store
