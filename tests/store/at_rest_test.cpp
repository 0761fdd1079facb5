// Encryption at rest in the SQLite store (B13, E1 "confidentiality ... at rest"): bodies sealed
// with AES-256-GCM under data keys wrapped by a file or token key, lookups through blind indexes,
// tampering detected, rotation and re-encryption resumable after a crash, rewrapping, and an
// independent decryption of a row by Python `cryptography` from the documented format.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "common/softhsm_token.hpp"
#include "common/test_data.hpp"
#include "crypto/key.hpp"
#include "model/bundle.hpp"
#include "store/store.hpp"

namespace socmesh::store {
namespace {

using socmesh::testing::SoftHsmToken;
using socmesh::testing::TempDir;

// A real indicator (parsed, so observables and TLP are what ingest stores) watching `ip`.
model::StixObject Indicator(const std::string& uuid_tail, const std::string& modified,
                            const std::string& ip, const std::string& name = "C2 server") {
  const std::string json =
      R"({"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-)" +
      uuid_tail + R"(","created":"2020-01-01T00:00:00.000Z","modified":")" + modified +
      R"(","name":")" + name + R"(","pattern":"[ipv4-addr:value = ')" + ip +
      R"(']","pattern_type":"stix","valid_from":"2020-01-01T00:00:00Z",)" +
      R"("object_marking_refs":["marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"]})";
  auto o = model::ParseStixObject(json);
  EXPECT_TRUE(o.has_value()) << (o ? "" : o.error().message);
  return o ? *o : model::StixObject{};
}

std::string IndicatorId(const std::string& uuid_tail) {
  return "indicator--8e2e2d2b-17d4-4cbf-938f-" + uuid_tail;
}

std::vector<model::StixObject> ManyIndicators(int n, const std::string& modified) {
  std::vector<model::StixObject> out;
  for (int i = 0; i < n; ++i) {
    char tail[13];
    std::snprintf(tail, sizeof tail, "%012d", i);
    out.push_back(Indicator(tail, modified, "203.0.113." + std::to_string(i % 250) + "/32"));
  }
  return out;
}

std::vector<model::StixObject> RealObjects(const std::string& relative) {
  auto parsed =
      model::ParseBundle(socmesh::testing::ReadFile(socmesh::testing::DataPath(relative)));
  EXPECT_TRUE(parsed.has_value()) << relative;
  return parsed ? parsed->objects : std::vector<model::StixObject>{};
}

int Shell(const std::string& command) {
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Runs SQL on the store file from outside socmesh (an attacker with the file, or a test probe).
void Sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
      << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

// Flips one bit of the stored body of row `seq` at byte `offset`.
void FlipBodyByte(const std::string& path, int64_t seq, size_t offset) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* read = nullptr;
  ASSERT_EQ(
      sqlite3_prepare_v2(db, "SELECT json FROM object_versions WHERE seq = ?", -1, &read, nullptr),
      SQLITE_OK);
  sqlite3_bind_int64(read, 1, seq);
  ASSERT_EQ(sqlite3_step(read), SQLITE_ROW);
  const auto* data = static_cast<const char*>(sqlite3_column_blob(read, 0));
  std::string body(data, static_cast<size_t>(sqlite3_column_bytes(read, 0)));
  sqlite3_finalize(read);
  ASSERT_LT(offset, body.size());
  body[offset] = static_cast<char>(body[offset] ^ 1);
  sqlite3_stmt* write = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "UPDATE object_versions SET json = ? WHERE seq = ?", -1, &write,
                               nullptr),
            SQLITE_OK);
  sqlite3_bind_blob64(write, 1, body.data(), body.size(), SQLITE_TRANSIENT);
  sqlite3_bind_int64(write, 2, seq);
  EXPECT_EQ(sqlite3_step(write), SQLITE_DONE);
  sqlite3_finalize(write);
  sqlite3_close(db);
}

// Every byte of the store on disk: database, WAL and shared-memory files.
std::string FileBytes(const std::string& path) {
  std::string all;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::ifstream in(path + suffix, std::ios::binary);
    if (in) all.append(std::istreambuf_iterator<char>(in), {});
  }
  return all;
}

class AtRestTest : public ::testing::Test {
 protected:
  std::shared_ptr<const crypto::Key> FileKey(const std::string& name) {
    auto key = crypto::Key::Generate((dir_.path() / name).string(), {});
    EXPECT_TRUE(key.has_value()) << (key ? "" : key.error().message);
    return key ? std::make_shared<const crypto::Key>(std::move(*key)) : nullptr;
  }
  static std::shared_ptr<const crypto::Key> TokenKey(const std::string& object) {
    auto& token = SoftHsmToken::Shared();
    crypto::KeyOptions options;
    options.pin = SoftHsmToken::kPin;
    auto key = crypto::Key::Generate(SoftHsmToken::Uri("node1", object), options);
    EXPECT_TRUE(key.has_value()) << (key ? "" : key.error().message) << token.error();
    return key ? std::make_shared<const crypto::Key>(std::move(*key)) : nullptr;
  }
  Result<std::unique_ptr<Store>> TryOpen(std::shared_ptr<const crypto::Key> key,
                                         bool encrypt_existing = false, bool read_only = false) {
    StoreOptions o;
    o.location = path_;
    o.at_rest_key = std::move(key);
    o.encrypt_existing = encrypt_existing;
    o.read_only = read_only;
    o.durability = Durability::kNormal;
    return OpenStore(o);
  }
  std::unique_ptr<Store> Open(std::shared_ptr<const crypto::Key> key,
                              bool encrypt_existing = false) {
    auto s = TryOpen(std::move(key), encrypt_existing);
    EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().message);
    return s ? std::move(*s) : nullptr;
  }
  static std::vector<StoredVersion> ScanAll(Store& s, const Query& q) {
    std::vector<StoredVersion> out;
    auto r = s.Scan(q, [&](const StoredVersion& v) {
      out.push_back(v);
      return true;
    });
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    return out;
  }
  static Query ByIp(const std::string& ip) {
    Query q;
    q.observable = model::Observable{model::ObservableKind::kIpv4, ip};
    return q;
  }
  // Every object of `objects` reads back from `s` as its canonical JSON, by id.
  static void ExpectAllReadable(Store& s, const std::vector<model::StixObject>& objects) {
    for (const auto& o : objects) {
      auto versions = s.GetVersions(o.id);
      ASSERT_TRUE(versions.has_value()) << o.id << ": " << versions.error().message;
      bool found = false;
      for (const auto& v : *versions) found = found || v.json == o.canonical_json;
      EXPECT_TRUE(found) << o.id;
    }
  }

  TempDir dir_;
  std::string path_ = (dir_.path() / "store.db").string();
};

TEST_F(AtRestTest, RealBundleRoundTripsWithAFileKey) {
  auto key = FileKey("store-key.pem");
  const auto objects = RealObjects("stix/mitre-attack-stix-data/ics-attack-18.1.json");
  ASSERT_GT(objects.size(), 500u);
  auto s = Open(key);
  auto r = s->Ingest(objects);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->inserted, objects.size());
  // Re-ingest: the keyed digest still recognises identical content (B13 keeps dedup working).
  auto again = s->Ingest(objects);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->unchanged, objects.size());
  s.reset();

  s = Open(key);  // a restart: the keyring is unwrapped again from the store file
  for (const auto& o : objects) {
    auto current = s->GetCurrent(o.id);
    ASSERT_TRUE(current.has_value()) << o.id << ": " << current.error().message;
    EXPECT_EQ(current->id, o.id);
    EXPECT_EQ(current->json, o.canonical_json);
  }
  // A scan by type decrypts and names each object by its real id.
  Query q;
  q.types = {"attack-pattern"};
  const auto patterns = ScanAll(*s, q);
  size_t expected = 0;
  for (const auto& o : objects) expected += o.type == "attack-pattern" ? 1 : 0;
  ASSERT_EQ(patterns.size(), expected);
  for (const auto& v : patterns) EXPECT_TRUE(v.id.starts_with("attack-pattern--")) << v.id;
  auto stats = s->Stats();
  ASSERT_TRUE(stats.has_value());
  EXPECT_TRUE(stats->encrypted);
  EXPECT_EQ(static_cast<size_t>(stats->objects), objects.size());
}

TEST_F(AtRestTest, TokenKeyUnlocksTheStore) {
  auto key = TokenKey("atrest-wrap-1");
  ASSERT_TRUE(key);
  ASSERT_TRUE(key->in_token());
  const auto objects =
      RealObjects("stix/oasis-cti-documentation-examples/indicator-for-malicious-url.json");
  ASSERT_FALSE(objects.empty());
  {
    auto s = Open(key);
    ASSERT_TRUE(s->Ingest(objects).has_value());
  }
  auto s = Open(key);  // unlock at start-up: ECDH in the token, no secret in any message
  ExpectAllReadable(*s, objects);
  Query q;
  q.observable = model::Observable{model::ObservableKind::kUrl, "http://x4z9arb.cn/4712/"};
  auto found = ScanAll(*s, q);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_TRUE(found[0].id.starts_with("indicator--"));
}

TEST_F(AtRestTest, FileOnDiskHoldsNoBodyIdOrObservableInClear) {
  const auto o =
      Indicator("000000000077", "2024-05-01T00:00:00.000Z", "198.51.100.77", "Kraken beacon relay");
  // Control: a store in clear has all three in its file, so the probe below can see them.
  {
    StoreOptions plain;
    plain.location = (dir_.path() / "plain.db").string();
    auto s = OpenStore(plain);
    ASSERT_TRUE(s.has_value());
    ASSERT_TRUE((*s)->Ingest(std::vector{o}).has_value());
    const std::string bytes = FileBytes(plain.location);
    EXPECT_NE(bytes.find("198.51.100.77"), std::string::npos);
    EXPECT_NE(bytes.find("Kraken beacon relay"), std::string::npos);
  }
  {
    auto s = Open(FileKey("k.pem"));
    ASSERT_TRUE(s->Ingest(std::vector{o}).has_value());
  }
  const std::string bytes = FileBytes(path_);
  EXPECT_EQ(bytes.find("198.51.100.77"), std::string::npos);
  EXPECT_EQ(bytes.find("Kraken beacon relay"), std::string::npos);
  EXPECT_EQ(bytes.find("8e2e2d2b-17d4-4cbf-938f-000000000077"), std::string::npos);  // the id
  EXPECT_EQ(bytes.find("BEGIN"), std::string::npos);  // no key material, wrapped or not, as PEM
}

TEST_F(AtRestTest, BlindIndexAnswersEqualityLookups) {
  auto s = Open(FileKey("k.pem"));
  std::vector<model::StixObject> batch = {
      Indicator("000000000001", "2021-01-01T00:00:00.000Z", "192.0.2.1"),
      Indicator("000000000001", "2023-01-01T00:00:00.000Z", "192.0.2.3"),
      Indicator("000000000002", "2022-01-01T00:00:00.000Z", "192.0.2.1"),
      Indicator("000000000003", "2022-01-01T00:00:00.000Z", "192.0.2.9"),
  };
  ASSERT_EQ(s->Ingest(batch)->inserted, 4u);
  // By observable: the current versions carrying 192.0.2.1 (object 1 moved on to .3).
  auto by_ip = ScanAll(*s, ByIp("192.0.2.1"));
  ASSERT_EQ(by_ip.size(), 1u);
  EXPECT_EQ(by_ip[0].id, IndicatorId("000000000002"));
  Query all_versions = ByIp("192.0.2.1");
  all_versions.all_versions = true;
  EXPECT_EQ(ScanAll(*s, all_versions).size(), 2u);
  EXPECT_TRUE(ScanAll(*s, ByIp("192.0.2.200")).empty());
  // By ids, several at once; the current version is still the greatest `modified`.
  Query ids;
  ids.ids = {IndicatorId("000000000001"), IndicatorId("000000000003")};
  auto by_id = ScanAll(*s, ids);
  ASSERT_EQ(by_id.size(), 2u);
  // Seq order within a batch follows the blind ids (random per keyring): compare by id.
  std::sort(by_id.begin(), by_id.end(),
            [](const StoredVersion& a, const StoredVersion& b) { return a.id < b.id; });
  EXPECT_EQ(by_id[0].json, batch[1].canonical_json);
  EXPECT_EQ(by_id[1].json, batch[3].canonical_json);
  auto versions = s->GetVersions(IndicatorId("000000000001"));
  ASSERT_TRUE(versions.has_value());
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].json, batch[0].canonical_json);
  EXPECT_EQ(s->GetCurrent(IndicatorId("000000000009")).error().code, ErrorCode::kNotFound);
  // Same version, other content: still a conflict (keyed digest), stored content unchanged.
  auto changed = Indicator("000000000003", "2022-01-01T00:00:00.000Z", "192.0.2.10");
  auto r = s->Ingest(std::vector{changed});
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->rejected.size(), 1u);
  EXPECT_EQ(r->rejected[0].error.code, ErrorCode::kConflict);
  EXPECT_EQ(s->GetCurrent(IndicatorId("000000000003"))->json, batch[3].canonical_json);
}

// The batched lookup of curation (issue 3) goes through the same blinding as Scan: blind values
// find their objects, and while `store encrypt` runs both forms are asked for, each object once.
TEST_F(AtRestTest, BatchedObservableLookupGoesThroughTheBlindIndex) {
  auto lookup = [](Store& s, const std::vector<model::Observable>& values) {
    std::vector<std::pair<size_t, std::string>> out;
    auto r = s.ScanByObservables(values, ObservableLookup{}, [&](size_t i, const StoredVersion& v) {
      out.emplace_back(i, v.id);
      return true;
    });
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    return out;
  };
  auto ip = [](const std::string& value) {
    return model::Observable{model::ObservableKind::kIpv4, value};
  };
  {
    auto s = Open(FileKey("k.pem"));
    ASSERT_EQ(s->Ingest(std::vector{
                            Indicator("000000000001", "2021-01-01T00:00:00.000Z", "192.0.2.1"),
                            Indicator("000000000001", "2023-01-01T00:00:00.000Z", "192.0.2.3"),
                            Indicator("000000000002", "2022-01-01T00:00:00.000Z", "192.0.2.1"),
                        })
                  ->inserted,
              3u);
    EXPECT_EQ(lookup(*s, {ip("192.0.2.9"), ip("192.0.2.1"), ip("192.0.2.3")}),
              (std::vector<std::pair<size_t, std::string>>{{1, IndicatorId("000000000002")},
                                                           {2, IndicatorId("000000000001")}}));
  }

  // Half-way through encrypting a store in clear.
  std::filesystem::remove(path_);
  const auto objects = ManyIndicators(60, "2022-01-01T00:00:00.000Z");
  {
    StoreOptions plain;
    plain.location = path_;
    ASSERT_TRUE((*OpenStore(plain))->Ingest(objects).has_value());
  }
  auto s = Open(FileKey("k2.pem"), /*encrypt_existing=*/true);
  ReencryptOptions slice;
  slice.batch_rows = 25;
  slice.max_batches = 1;
  ASSERT_TRUE(s->Reencrypt(slice).has_value());
  ASSERT_TRUE(s->GetAtRestStatus()->converting);
  std::vector<model::Observable> values;
  for (int i = 0; i < 60; ++i) values.push_back(ip("203.0.113." + std::to_string(i)));
  const auto found = lookup(*s, values);
  ASSERT_EQ(found.size(), 60u);
  for (size_t i = 0; i < found.size(); ++i) {
    EXPECT_EQ(found[i], std::make_pair(i, objects[i].id));
  }
  ASSERT_TRUE(s->Reencrypt({})->done);
  EXPECT_EQ(lookup(*s, values), found);
}

TEST_F(AtRestTest, TamperedSwappedOrRelabelledRowsFailVerification) {
  auto key = FileKey("k.pem");
  {
    auto s = Open(key);
    // One object per batch, so that row seq n + 1 holds object n.
    for (const auto& o : ManyIndicators(3, "2022-01-01T00:00:00.000Z")) {
      ASSERT_EQ(s->Ingest(std::vector{o})->inserted, 1u);
    }
  }
  // One flipped ciphertext byte.
  FlipBodyByte(path_, 1, 40);
  {
    auto s = Open(key);
    auto stored = s->GetCurrent(IndicatorId("000000000000"));
    ASSERT_FALSE(stored.has_value());
    EXPECT_EQ(stored.error().code, ErrorCode::kVerification) << stored.error().message;
  }
  // Two rows' bodies swapped: each is authentic, but bound to the other row.
  Sql(path_,
      "UPDATE object_versions SET json = (SELECT json FROM object_versions WHERE seq = 3) "
      "WHERE seq = 2");
  // TLP downgraded in the clear column (policy reads it): the AAD binds it too.
  auto s = Open(key);
  auto swapped = s->GetCurrent(IndicatorId("000000000001"));
  ASSERT_FALSE(swapped.has_value());
  EXPECT_EQ(swapped.error().code, ErrorCode::kVerification);
  ASSERT_TRUE(s->GetCurrent(IndicatorId("000000000002")).has_value());
  s.reset();
  Sql(path_, "UPDATE object_versions SET tlp = 0 WHERE seq = 3");
  s = Open(key);
  auto relabelled = s->GetCurrent(IndicatorId("000000000002"));
  ASSERT_FALSE(relabelled.has_value());
  EXPECT_EQ(relabelled.error().code, ErrorCode::kVerification);
  // A scan stops with the error instead of handing out anything unauthenticated.
  Query q;
  q.types = {"indicator"};
  size_t visited = 0;
  auto scanned = s->Scan(q, [&](const StoredVersion&) {
    ++visited;
    return true;
  });
  ASSERT_FALSE(scanned.has_value());
  EXPECT_EQ(scanned.error().code, ErrorCode::kVerification);
  EXPECT_EQ(visited, 0u);
}

TEST_F(AtRestTest, MissingWrongOrNeedlessKeyIsRefusedClearly) {
  auto key = FileKey("k.pem");
  { ASSERT_TRUE(Open(key)->Ingest(ManyIndicators(2, "2022-01-01T00:00:00.000Z")).has_value()); }
  auto without = TryOpen(nullptr);
  ASSERT_FALSE(without.has_value());
  EXPECT_EQ(without.error().code, ErrorCode::kPermission);
  EXPECT_NE(without.error().message.find("encrypted"), std::string::npos);
  auto read_only = TryOpen(nullptr, false, true);
  ASSERT_FALSE(read_only.has_value());
  EXPECT_EQ(read_only.error().code, ErrorCode::kPermission);
  auto wrong = TryOpen(FileKey("other.pem"));
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().code, ErrorCode::kVerification);
  EXPECT_NE(wrong.error().message.find("k.pem"), std::string::npos);  // names the right key
  // A key for a store in clear that holds objects: refused, not silently mixed.
  const std::string plain = (dir_.path() / "plain.db").string();
  {
    StoreOptions o;
    o.location = plain;
    ASSERT_TRUE((*OpenStore(o))->Ingest(ManyIndicators(1, "2022-01-01T00:00:00.000Z")));
  }
  StoreOptions o;
  o.location = plain;
  o.at_rest_key = key;
  auto needless = OpenStore(o);
  ASSERT_FALSE(needless.has_value());
  EXPECT_EQ(needless.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(needless.error().message.find("store encrypt"), std::string::npos);
}

TEST_F(AtRestTest, RotationAndReencryptionSurviveACrashAndResume) {
  auto key = FileKey("k.pem");
  const auto first = ManyIndicators(120, "2022-01-01T00:00:00.000Z");
  const auto second = ManyIndicators(80, "2023-01-01T00:00:00.000Z");
  {
    auto s = Open(key);
    ASSERT_EQ(s->Ingest(first)->inserted, first.size());
    auto rotated = s->RotateDataKey();
    ASSERT_TRUE(rotated.has_value()) << rotated.error().message;
    EXPECT_EQ(*rotated, 2u);
    ASSERT_EQ(s->Ingest(second)->inserted, second.size());  // under key 2
    auto status = s->GetAtRestStatus();
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(status->current_key, 2u);
    EXPECT_EQ(status->rows_by_key, (std::vector<std::pair<uint32_t, int64_t>>{{1, 120}, {2, 80}}));
    // Key 1 still holds data: it cannot be retired yet.
    EXPECT_TRUE(s->RetireUnusedDataKeys()->empty());
  }
  // A re-encryption killed (SIGKILL, no clean-up) after its second batch of 25 rows.
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto s = TryOpen(key);
    if (!s) ::_exit(2);
    ReencryptOptions options;
    options.batch_rows = 25;
    int batches = 0;
    options.progress = [&](const ReencryptProgress&) {
      if (++batches == 2) ::kill(::getpid(), SIGKILL);
      return true;
    };
    (void)(*s)->Reencrypt(options);
    ::_exit(3);  // not reached
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;

  auto s = Open(key);
  auto mid = s->GetAtRestStatus();
  ASSERT_TRUE(mid.has_value());
  EXPECT_EQ(mid->rows_by_key, (std::vector<std::pair<uint32_t, int64_t>>{{1, 70}, {2, 130}}));
  ExpectAllReadable(*s, first);  // rows under both keys read back
  ExpectAllReadable(*s, second);
  // Resume, one bounded slice first (as a long pass would be interrupted), then to the end.
  ReencryptOptions slice;
  slice.batch_rows = 30;
  slice.max_batches = 1;
  auto partial = s->Reencrypt(slice);
  ASSERT_TRUE(partial.has_value()) << partial.error().message;
  EXPECT_FALSE(partial->done);
  EXPECT_EQ(partial->rewritten, 30);
  auto rest = s->Reencrypt({});
  ASSERT_TRUE(rest.has_value()) << rest.error().message;
  EXPECT_TRUE(rest->done);
  EXPECT_EQ(rest->rewritten, 40);
  auto retired = s->RetireUnusedDataKeys();
  ASSERT_TRUE(retired.has_value()) << retired.error().message;
  EXPECT_EQ(*retired, std::vector<uint32_t>{1});
  s.reset();
  s = Open(key);
  auto after = s->GetAtRestStatus();
  EXPECT_EQ(after->keyring_keys, std::vector<uint32_t>{2});
  EXPECT_EQ(after->rows_by_key, (std::vector<std::pair<uint32_t, int64_t>>{{2, 200}}));
  ExpectAllReadable(*s, first);
  EXPECT_EQ(ScanAll(*s, ByIp("203.0.113.7")).size(), 1u);
}

TEST_F(AtRestTest, AnotherProcessesRotationIsPickedUpByWriters) {
  auto key = FileKey("k.pem");
  auto writer = Open(key);
  auto admin = Open(key);
  ASSERT_TRUE(writer->Ingest(ManyIndicators(3, "2022-01-01T00:00:00.000Z")).has_value());
  ASSERT_EQ(*admin->RotateDataKey(), 2u);
  // The writer still holds keyring generation 1; it must reload and write under key 2.
  ASSERT_TRUE(writer->Ingest(ManyIndicators(2, "2023-01-01T00:00:00.000Z")).has_value());
  EXPECT_EQ(admin->GetAtRestStatus()->rows_by_key,
            (std::vector<std::pair<uint32_t, int64_t>>{{1, 3}, {2, 2}}));
  ASSERT_TRUE(admin->Reencrypt({})->done);
  ASSERT_EQ(*admin->RetireUnusedDataKeys(), std::vector<uint32_t>{1});
  // Reading rows under a key it has not seen makes the reader reload too.
  auto current = writer->GetCurrent(IndicatorId("000000000000"));
  ASSERT_TRUE(current.has_value()) << current.error().message;
}

TEST_F(AtRestTest, RewrapMovesTheKeyringToANewTokenKey) {
  auto old_key = TokenKey("atrest-old");
  auto new_key = TokenKey("atrest-new");
  ASSERT_TRUE(old_key && new_key);
  const auto objects = ManyIndicators(10, "2022-01-01T00:00:00.000Z");
  {
    auto s = Open(old_key);
    ASSERT_TRUE(s->Ingest(objects).has_value());
    auto r = s->RewrapKeyring(new_key);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    ExpectAllReadable(*s, objects);  // no row rewritten, same data keys
  }
  auto with_old = TryOpen(old_key);
  ASSERT_FALSE(with_old.has_value());
  EXPECT_EQ(with_old.error().code, ErrorCode::kVerification);
  auto s = Open(new_key);
  ExpectAllReadable(*s, objects);
  EXPECT_EQ(s->GetAtRestStatus()->wrapping_key, new_key->location());
}

TEST_F(AtRestTest, EncryptingAStoreInClearConvertsEveryObject) {
  const auto objects = ManyIndicators(60, "2022-01-01T00:00:00.000Z");
  auto marker =
      Indicator("000000000999", "2022-01-01T00:00:00.000Z", "198.51.100.99", "Converted beacon");
  {
    StoreOptions plain;
    plain.location = path_;
    auto s = OpenStore(plain);
    ASSERT_TRUE((*s)->Ingest(objects).has_value());
    ASSERT_TRUE((*s)->Ingest(std::vector{marker}).has_value());
  }
  auto key = FileKey("k.pem");
  auto s = Open(key, /*encrypt_existing=*/true);
  // Half-way: lookups find converted and unconverted objects alike; ingest waits.
  ReencryptOptions slice;
  slice.batch_rows = 20;
  slice.max_batches = 1;
  auto partial = s->Reencrypt(slice);
  ASSERT_TRUE(partial.has_value()) << partial.error().message;
  EXPECT_FALSE(partial->done);
  EXPECT_TRUE(s->GetAtRestStatus()->converting);
  ExpectAllReadable(*s, objects);
  EXPECT_EQ(ScanAll(*s, ByIp("198.51.100.99")).size(), 1u);
  EXPECT_EQ(ScanAll(*s, ByIp("203.0.113.5")).size(), 1u);
  auto refused = s->Ingest(ManyIndicators(1, "2024-01-01T00:00:00.000Z"));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);

  auto done = s->Reencrypt({});
  ASSERT_TRUE(done.has_value()) << done.error().message;
  EXPECT_TRUE(done->done);
  EXPECT_EQ(partial->rewritten + done->rewritten, 61);
  EXPECT_FALSE(s->GetAtRestStatus()->converting);
  ExpectAllReadable(*s, objects);
  EXPECT_EQ(ScanAll(*s, ByIp("198.51.100.99")).size(), 1u);
  ASSERT_TRUE(s->Ingest(ManyIndicators(1, "2024-01-01T00:00:00.000Z")).has_value());
  s.reset();
  const std::string bytes = FileBytes(path_);
  EXPECT_EQ(bytes.find("198.51.100.99"), std::string::npos);
  EXPECT_EQ(bytes.find("Converted beacon"), std::string::npos);
}

// The format is standard: Python `cryptography` (python3-cryptography) unwraps the data key from
// the keyring document with the PEM key (ECDH, HKDF-SHA-256, RFC 5649) and opens a row's body with
// AES-256-GCM and the documented AAD, without any socmesh code.
TEST_F(AtRestTest, PythonCryptographyDecryptsARowIndependently) {
  auto key = FileKey("k.pem");
  auto o = Indicator("000000000042", "2024-02-02T00:00:00.000Z", "192.0.2.42");
  {
    auto s = Open(key);
    ASSERT_TRUE(s->Ingest(std::vector{o}).has_value());
    ASSERT_EQ(*s->RotateDataKey(), 2u);  // the row stays under key 1: the script picks by id
  }
  const std::string script = std::string(SOCMESH_SOURCE_DIR) + "/tests/store/at_rest_check.py";
  const std::string out = (dir_.path() / "plain.json").string();
  ASSERT_EQ(Shell("/usr/bin/python3 " + script + " " + path_ + " " +
                  (dir_.path() / "k.pem").string() + " 1 > " + out),
            0);
  EXPECT_EQ(socmesh::testing::ReadFile(out), o.canonical_json);
}

}  // namespace
}  // namespace socmesh::store
