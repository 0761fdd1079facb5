#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <thread>
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

// Built directly (not parsed) where a test needs types or values the parser helper does not make.
// The digest only has to differ when the JSON differs.
model::StixObject Object(const std::string& type, const std::string& uuid_tail, int64_t modified,
                         std::vector<model::Observable> observables = {},
                         const std::string& content = "") {
  model::StixObject o;
  o.type = type;
  o.id = type + "--8e2e2d2b-17d4-4cbf-938f-" + uuid_tail;
  o.created = model::Timestamp{0};
  o.modified = model::Timestamp{modified};
  o.observables = std::move(observables);
  o.canonical_json = R"({"id":")" + o.id + R"(","modified":)" + std::to_string(modified) +
                     R"(,"x":")" + content + R"("})";
  for (size_t i = 0; i < o.digest.size(); ++i) {
    o.digest[i] = static_cast<uint8_t>(std::hash<std::string>{}(o.canonical_json) >> (i % 8 * 8));
  }
  o.digest[0] ^= static_cast<uint8_t>(o.canonical_json.size());
  return o;
}

int64_t UserVersion(const std::string& path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr), SQLITE_OK);
  EXPECT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  int64_t version = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return version;
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

TEST_F(SqliteStoreTest, CurrentIsTheGreatestModifiedWhateverTheIngestOrder) {
  auto s = Open();
  const model::Observable old_ip{model::ObservableKind::kIpv4, "192.0.2.1"};
  const model::Observable new_ip{model::ObservableKind::kIpv4, "192.0.2.2"};
  // The newer version arrives first, in its own batch.
  ASSERT_EQ(
      s->Ingest(std::vector{Object("indicator", "000000000001", 2000, {new_ip}, "new")})->inserted,
      1u);
  ASSERT_EQ(
      s->Ingest(std::vector{Object("indicator", "000000000001", 1000, {old_ip}, "old")})->inserted,
      1u);
  const std::string id = "indicator--8e2e2d2b-17d4-4cbf-938f-000000000001";
  auto current = s->GetCurrent(id);
  ASSERT_TRUE(current.has_value());
  EXPECT_EQ(current->modified.micros, 2000);
  auto versions = s->GetVersions(id);
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].modified.micros, 1000);  // oldest first, not in insertion order
  EXPECT_GT((*versions)[0].seq, (*versions)[1].seq);

  auto current_only = ScanAll(*s, Query{});
  ASSERT_EQ(current_only.size(), 1u);
  EXPECT_EQ(current_only[0].modified.micros, 2000);
  Query all;
  all.all_versions = true;
  auto every = ScanAll(*s, all);
  ASSERT_EQ(every.size(), 2u);
  EXPECT_EQ(every[0].modified.micros, 2000);  // insertion order
  EXPECT_EQ(every[1].modified.micros, 1000);

  // The observable index covers every version; by default only current versions are returned.
  Query by_old;
  by_old.observable = old_ip;
  EXPECT_TRUE(ScanAll(*s, by_old).empty());
  by_old.all_versions = true;
  auto hit = ScanAll(*s, by_old);
  ASSERT_EQ(hit.size(), 1u);
  EXPECT_EQ(hit[0].modified.micros, 1000);
  Query by_new;
  by_new.observable = new_ip;
  EXPECT_EQ(ScanAll(*s, by_new).size(), 1u);
  by_new.types = {"malware"};
  EXPECT_TRUE(ScanAll(*s, by_new).empty());
  by_new.types = {"malware", "indicator"};
  EXPECT_EQ(ScanAll(*s, by_new).size(), 1u);
  by_new.observable->kind = model::ObservableKind::kDomain;  // same text, other kind
  EXPECT_TRUE(ScanAll(*s, by_new).empty());
}

TEST_F(SqliteStoreTest, NoOpsAndConflictsLeaveTheObservableIndexAlone) {
  auto s = Open();
  const model::Observable ip{model::ObservableKind::kIpv4, "192.0.2.1"};
  const model::Observable other{model::ObservableKind::kIpv4, "192.0.2.9"};
  auto a = Object("indicator", "000000000001", 1000, {ip, other}, "a");
  ASSERT_EQ(s->Ingest(std::vector{a})->inserted, 1u);
  EXPECT_EQ(s->Stats()->observables, 2);
  auto again = s->Ingest(std::vector{a, a});
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->unchanged, 2u);
  auto conflicting = Object("indicator", "000000000001", 1000,
                            {{model::ObservableKind::kDomain, "example.org"}}, "b");
  auto conflict = s->Ingest(std::vector{conflicting});
  ASSERT_EQ(conflict->rejected.size(), 1u);
  EXPECT_EQ(conflict->rejected[0].id, a.id);
  EXPECT_NE(conflict->rejected[0].error.message.find(a.id), std::string::npos);
  auto stats = s->Stats();
  EXPECT_EQ(stats->object_versions, 1);
  EXPECT_EQ(stats->observables, 2);
  Query q;
  q.observable = conflicting.observables[0];
  EXPECT_TRUE(ScanAll(*s, q).empty());
  EXPECT_EQ(s->GetCurrent(a.id)->json, a.canonical_json);
}

// (observable index, id) of each visit of ScanByObservables.
using Visits = std::vector<std::pair<size_t, std::string>>;

Result<Visits> LookUp(Store& s, const std::vector<model::Observable>& values,
                      const ObservableLookup& lookup, bool batched = true) {
  Visits out;
  int64_t last_seq = 0;
  size_t last_index = 0;
  auto visit = [&](size_t i, const StoredVersion& v) {
    // Grouped by observable in input order, each group in insertion order.
    EXPECT_TRUE(out.empty() || i > last_index || (i == last_index && v.seq > last_seq))
        << i << " " << v.id;
    last_index = i;
    last_seq = v.seq;
    out.emplace_back(i, v.id);
    return true;
  };
  // The base class's answer (one Scan per observable) is the reference for the batched query.
  auto r = batched ? s.ScanByObservables(values, lookup, visit)
                   : s.Store::ScanByObservables(values, lookup, visit);
  if (!r) return std::unexpected(r.error());
  return out;
}

std::string Id(const std::string& type, const std::string& uuid_tail) {
  return type + "--8e2e2d2b-17d4-4cbf-938f-" + uuid_tail;
}

// Curation looks up a whole ingest batch at once (issue 3, B2b): one query per chunk of values
// must answer exactly what one Scan per value answers.
TEST_F(SqliteStoreTest, ScanByObservablesFindsTheCurrentCarriersOfEveryValue) {
  auto s = Open();
  const model::Observable ip1{model::ObservableKind::kIpv4, "192.0.2.1"};
  const model::Observable ip3{model::ObservableKind::kIpv4, "192.0.2.3"};
  ASSERT_TRUE(s->Ingest(std::vector{
      Indicator("000000000001", "2021-01-01T00:00:00.000Z", "192.0.2.1"),
      Indicator("000000000001", "2023-01-01T00:00:00.000Z", "192.0.2.3"),  // moved on to .3
      Indicator("000000000002", "2021-01-01T00:00:00.000Z", "192.0.2.1"),
      Indicator("000000000003", "2021-01-01T00:00:00.000Z", "192.0.2.1", /*revoked=*/true),
  }));
  ASSERT_TRUE(s->Ingest(std::vector{Object("malware", "000000000004", 1000, {ip1, ip3})}));
  const std::vector<model::Observable> values = {
      ip3,
      {model::ObservableKind::kIpv4, "192.0.2.99"},
      ip1,
      ip1,
      {model::ObservableKind::kDomain, "192.0.2.1"}};  // same text, other kind: no match

  ObservableLookup indicators;
  indicators.types = {"indicator"};
  auto found = LookUp(*s, values, indicators);
  ASSERT_TRUE(found.has_value()) << found.error().message;
  EXPECT_EQ(*found, (Visits{{0, Id("indicator", "000000000001")},
                            {2, Id("indicator", "000000000002")},
                            {2, Id("indicator", "000000000003")},
                            {3, Id("indicator", "000000000002")},
                            {3, Id("indicator", "000000000003")}}));
  indicators.include_revoked = false;
  EXPECT_EQ(*LookUp(*s, values, indicators), (Visits{{0, Id("indicator", "000000000001")},
                                                     {2, Id("indicator", "000000000002")},
                                                     {3, Id("indicator", "000000000002")}}));
  // No type filter: the malware object carries both values and is visited for each.
  auto any = LookUp(*s, {ip1, ip3}, ObservableLookup{});
  ASSERT_TRUE(any.has_value());
  EXPECT_EQ(*any, (Visits{{0, Id("indicator", "000000000002")},
                          {0, Id("indicator", "000000000003")},
                          {0, Id("malware", "000000000004")},
                          {1, Id("indicator", "000000000001")},
                          {1, Id("malware", "000000000004")}}));
  EXPECT_TRUE(LookUp(*s, {}, ObservableLookup{})->empty());

  size_t visits = 0;
  ASSERT_TRUE(s->ScanByObservables(values, ObservableLookup{}, [&](size_t, const StoredVersion&) {
    ++visits;
    return false;
  }));
  EXPECT_EQ(visits, 1u);

  // Across chunk boundaries (hundreds of values), the same answer as one Scan per value; a
  // read-only store answers too.
  std::vector<model::StixObject> many;
  std::vector<model::Observable> wanted;
  for (int i = 0; i < 700; ++i) {
    char tail[13];
    std::snprintf(tail, sizeof tail, "%012d", 1000 + i);
    const std::string ip = "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250);
    if (i % 3 != 0) many.push_back(Indicator(tail, "2022-01-01T00:00:00.000Z", ip));
    wanted.push_back({model::ObservableKind::kIpv4, ip});
  }
  ASSERT_EQ(s->Ingest(many)->inserted, many.size());
  s.reset();
  s = Open(/*read_only=*/true);
  auto batched = LookUp(*s, wanted, indicators);
  ASSERT_TRUE(batched.has_value()) << batched.error().message;
  EXPECT_EQ(batched->size(), many.size());
  EXPECT_EQ(*batched, *LookUp(*s, wanted, indicators, /*batched=*/false));
}

TEST_F(SqliteStoreTest, ScanByTypesAndAddedAfterStreamsInInsertionOrder) {
  auto s = Open();
  // Each batch is in (id, modified) order, so that its insertion order is that of the batch.
  ASSERT_TRUE(s->Ingest(std::vector{
      Object("indicator", "000000000001", 1000),
      Object("indicator", "000000000003", 1000),
      Object("malware", "000000000002", 1000),
  }));
  auto first = ScanAll(*s, Query{});
  ASSERT_EQ(first.size(), 3u);
  // `added` has microsecond resolution: make sure the second batch gets a later one.
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_TRUE(s->Ingest(std::vector{
      Object("indicator", "000000000001", 2000),  // a new version of the first object
      Object("malware", "000000000005", 1000),
      Object("tool", "000000000004", 1000),
  }));

  auto ids_of = [](const std::vector<StoredVersion>& versions) {
    std::vector<std::string> out;
    for (const auto& v : versions) out.push_back(v.type + "/" + v.id.substr(v.id.size() - 1));
    return out;
  };
  auto all = ScanAll(*s, Query{});
  for (size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].seq, all[i].seq);

  Query one_type;
  one_type.types = {"malware"};
  EXPECT_EQ(ids_of(ScanAll(*s, one_type)), (std::vector<std::string>{"malware/2", "malware/5"}));
  Query two_types;
  two_types.types = {"tool", "indicator"};
  EXPECT_EQ(ids_of(ScanAll(*s, two_types)),
            (std::vector<std::string>{"indicator/3", "indicator/1", "tool/4"}));
  two_types.all_versions = true;
  EXPECT_EQ(ids_of(ScanAll(*s, two_types)),
            (std::vector<std::string>{"indicator/1", "indicator/3", "indicator/1", "tool/4"}));
  Query ids_and_type;
  ids_and_type.ids = {"indicator--8e2e2d2b-17d4-4cbf-938f-000000000001",
                      "malware--8e2e2d2b-17d4-4cbf-938f-000000000002"};
  ids_and_type.types = {"malware"};
  EXPECT_EQ(ids_of(ScanAll(*s, ids_and_type)), (std::vector<std::string>{"malware/2"}));

  Query later;
  later.added_after = first.back().added;
  later.all_versions = true;
  EXPECT_EQ(ids_of(ScanAll(*s, later)),
            (std::vector<std::string>{"indicator/1", "malware/5", "tool/4"}));
  later.types = {"indicator"};
  later.limit = 1;
  EXPECT_EQ(ids_of(ScanAll(*s, later)), (std::vector<std::string>{"indicator/1"}));

  auto stats = s->Stats();
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->objects, 5);
  EXPECT_EQ(stats->object_versions, 6);
  EXPECT_EQ(stats->objects_by_type, (std::vector<std::pair<std::string, int64_t>>{
                                        {"indicator", 2}, {"malware", 2}, {"tool", 1}}));
  EXPECT_EQ(stats->backend, "sqlite");
  EXPECT_EQ(stats->location, path_);
}

TEST_F(SqliteStoreTest, FreshStoreHasTheLatestSchemaVersion) {
  auto s = Open();
  auto stats = s->Stats();
  ASSERT_TRUE(stats.has_value());
  EXPECT_GT(stats->schema_version, 0);
  EXPECT_EQ(UserVersion(path_), stats->schema_version);
  s.reset();
  EXPECT_EQ(Open()->Stats()->schema_version, stats->schema_version);  // reopening migrates nothing
}

TEST_F(SqliteStoreTest, ConcurrentOpeningOfANewStoreMigratesOnce) {
  for (int round = 0; round < 5; ++round) {
    const std::string path = (dir_.path() / ("race" + std::to_string(round) + ".db")).string();
    std::vector<std::string> errors(4);
    std::vector<std::thread> threads;
    for (size_t t = 0; t < errors.size(); ++t) {
      threads.emplace_back([&, t] {
        StoreOptions o;
        o.location = path;
        auto store = OpenStore(o);
        if (!store) errors[t] = store.error().message;
      });
    }
    for (auto& t : threads) t.join();
    for (const auto& e : errors) EXPECT_EQ(e, "") << "round " << round;
  }
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
  EXPECT_EQ(ro->Stats()->schema_version, 2);  // 2: encryption at rest (B13)
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
