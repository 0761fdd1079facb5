// api::RequestAudit (E5, E18): every answered request becomes one audit entry naming who (org,
// user, role, certificate serial) did what (method, path without the query, status, object count);
// concurrent requests share writes; a failing audit log closes the node (503), it is never ignored.
#include "api/request_audit.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <atomic>
#include <thread>

#include "audit/log_files.hpp"
#include "common/test_data.hpp"
#include "crypto/key.hpp"

namespace socmesh::api {
namespace {

namespace fs = std::filesystem;
using socmesh::testing::TempDir;

net::Request RequestFrom(const std::string& organisation, std::string method, std::string target) {
  net::Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.remote_address = "127.0.0.1:40000";
  if (!organisation.empty()) {
    net::PeerIdentity peer;
    peer.organisation = organisation;
    peer.country = "FR";
    peer.serial_hex = "1F2E3D";
    r.peer = peer;
  }
  return r;
}

net::Response Json(int status, std::string body) {
  net::Response r;
  r.status = status;
  r.headers.Set("Content-Type", "application/taxii+json;version=2.1");
  r.body = std::move(body);
  return r;
}

TEST(RequestEventTest, NamesCallerRoleCertificateAndPathWithoutQuery) {
  auto request = RequestFrom("CERT-FR", "GET",
                             "/api1/collections/c1/objects/?added_after=2024-01-01T00:00:00Z"
                             "&token=should-not-be-logged");
  Result<Caller> caller = Caller{"CERT-FR", "FR", "alice", Role::kAnalyst};
  const auto e = RequestEvent(request, caller, Json(200, "{}"), 3, "node1");
  EXPECT_EQ(e.action, "request");
  EXPECT_EQ(e.actor, (audit::Actor{"CERT-FR", "alice", "node1"}));
  EXPECT_EQ(e.target, "/api1/collections/c1/objects/");
  EXPECT_EQ(e.outcome, audit::Outcome::kSuccess);
  EXPECT_EQ(e.details.at("method"), "GET");
  EXPECT_EQ(e.details.at("status"), "200");
  EXPECT_EQ(e.details.at("role"), "analyst");
  EXPECT_EQ(e.details.at("cert_serial"), "1F2E3D");
  EXPECT_EQ(e.details.at("objects"), "3");
  for (const auto& [k, v] : e.details) {
    EXPECT_EQ(v.find("should-not-be-logged"), std::string::npos) << k;
  }
}

TEST(RequestEventTest, RefusedCallerIsAnAuthFailure) {
  auto request = RequestFrom("", "GET", "/taxii2/");
  Result<Caller> refused = std::unexpected(Error{ErrorCode::kPermission, "no certificate"});
  const auto e = RequestEvent(request, refused, Json(401, "{}"), std::nullopt, "node1");
  EXPECT_EQ(e.action, "auth-failure");
  EXPECT_EQ(e.outcome, audit::Outcome::kDenied);
  EXPECT_EQ(e.details.at("reason"), "no certificate");
  EXPECT_FALSE(e.details.contains("objects"));
  EXPECT_FALSE(e.details.contains("role"));
  // Other failures are failures, not denials.
  Result<Caller> ok = Caller{"CERT-FR", "FR", "", Role::kReader};
  EXPECT_EQ(RequestEvent(request, ok, Json(500, "{}"), std::nullopt, "n").outcome,
            audit::Outcome::kFailure);
  EXPECT_EQ(RequestEvent(request, ok, Json(403, "{}"), std::nullopt, "n").outcome,
            audit::Outcome::kDenied);
}

TEST(ResponseObjectCountTest, CountsObjectsVersionsAndStoredObjects) {
  auto get = RequestFrom("A", "GET", "/api1/collections/c/objects/");
  auto envelope = Json(200, R"({"more":false,"objects":[{"id":"a"},{"id":"b"},{"id":"c"}]})");
  EXPECT_EQ(ResponseObjectCount(get, envelope), 3);
  auto versions_req = RequestFrom("A", "GET", "/api1/collections/c/objects/x--1/versions/");
  auto versions = Json(200, R"({"more":false,"versions":["2024-01-01T00:00:00.000Z"]})");
  EXPECT_EQ(ResponseObjectCount(versions_req, versions), 1);
  auto post = RequestFrom("A", "POST", "/api1/collections/c/objects/");
  auto status = Json(202, R"({"id":"s","status":"complete","total_count":6,"success_count":5})");
  EXPECT_EQ(ResponseObjectCount(post, status), 5);
  auto search = RequestFrom("A", "GET", "/api/v1/search?value=1.2.3.4");
  auto found = Json(200, R"({"type":"ipv4","value":"1.2.3.4","objects":[],"more":false})");
  EXPECT_EQ(ResponseObjectCount(search, found), 0);
  // Not an object listing, an error, or not JSON: unknown.
  auto discovery = RequestFrom("A", "GET", "/taxii2/");
  auto d = Json(200, R"({"title":"t","objects":[1]})");
  EXPECT_EQ(ResponseObjectCount(discovery, d), std::nullopt);
  auto error = Json(404, R"({"objects":[1]})");
  EXPECT_EQ(ResponseObjectCount(get, error), std::nullopt);
  auto broken = Json(200, R"({"objects":[1,2)");
  EXPECT_EQ(ResponseObjectCount(get, broken), std::nullopt);
  // The body is left as it was (only padded).
  EXPECT_EQ(envelope.body, R"({"more":false,"objects":[{"id":"a"},{"id":"b"},{"id":"c"}]})");
}

class RequestAuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = crypto::Key::Generate((dir_.path() / "audit.key").string(), {});
    ASSERT_TRUE(key.has_value()) << key.error().message;
    key_.emplace(std::move(*key));
    audit::AuditLogOptions o;
    o.dir = dir_.path() / "audit";
    o.origin = "node1";
    o.signing_key = key_->pkey();
    auto log = audit::AuditLog::Open(std::move(o));
    ASSERT_TRUE(log.has_value()) << log.error().message;
    log_ = std::move(*log);
    auth_.SetOrganisationRole("CERT-FR", Role::kAnalyst);
  }

  std::vector<audit::AuditEntry> Entries() {
    auto file = audit::ReadLineFile(dir_.path() / "audit" / audit::kEntriesFile);
    EXPECT_TRUE(file.has_value());
    std::vector<audit::AuditEntry> out;
    if (!file) return out;
    for (const auto& line : file->lines) {
      auto e = audit::ParseEntry(line);
      EXPECT_TRUE(e.has_value()) << line;
      if (e) out.push_back(*e);
    }
    return out;
  }

  // The handler under audit: answers like the node API would, counting its calls.
  net::Handler Inner() {
    return [this](const net::Request& r) {
      ++handled_;
      if (!r.peer) return Json(401, R"({"title":"unauthorized"})");
      return Json(200, R"({"more":false,"objects":[{"id":"a"},{"id":"b"}]})");
    };
  }

  static RequestAuditOptions Options() {
    RequestAuditOptions o;
    o.node = "node1";
    return o;
  }

  TempDir dir_;
  std::optional<crypto::Key> key_;
  std::unique_ptr<audit::AuditLog> log_;
  Authenticator auth_;
  std::atomic<int> handled_{0};
};

TEST_F(RequestAuditTest, EveryConcurrentRequestIsOnRecordAndWritesAreShared) {
  RequestAudit audited(*log_, auth_, Inner(), Options());
  constexpr int kThreads = 8, kPerThread = 40;
  std::atomic<int> ok{0};
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          auto r = RequestFrom(t % 2 ? "CERT-FR" : "ANSSI", "GET",
                               "/api1/collections/c/objects/?limit=" + std::to_string(i));
          if (audited.Handle(r).status == 200) ++ok;
        }
      });
    }
  }
  EXPECT_EQ(ok, kThreads * kPerThread);
  ASSERT_TRUE(audited.Close().has_value());
  const auto stats = audited.stats();
  EXPECT_EQ(stats.entries, uint64_t{kThreads * kPerThread});
  // Group commit: waiting requests were written together, fewer writes than entries.
  EXPECT_LT(stats.batches, stats.entries);
  const auto entries = Entries();
  ASSERT_EQ(entries.size(), size_t{kThreads * kPerThread});
  int analysts = 0;
  for (const auto& e : entries) {
    EXPECT_EQ(e.event.action, "request");
    EXPECT_EQ(e.event.target, "/api1/collections/c/objects/");
    EXPECT_EQ(e.event.details.at("objects"), "2");
    EXPECT_EQ(e.event.actor.node, "node1");
    if (e.event.actor.org == "CERT-FR") {
      EXPECT_EQ(e.event.details.at("role"), "analyst");
      ++analysts;
    } else {
      EXPECT_EQ(e.event.details.at("role"), "reader");  // the default certificate role
    }
  }
  EXPECT_EQ(analysts, kThreads * kPerThread / 2);
}

TEST_F(RequestAuditTest, RefusedRequestsAndNodeEventsAreRecordedInOrder) {
  RequestAudit audited(*log_, auth_, Inner(), Options());
  audit::AuditEvent start;
  start.action = "node-start";
  start.actor.org = "CERT-FR";
  ASSERT_TRUE(audited.Record(start).has_value());
  EXPECT_EQ(audited.Handle(RequestFrom("", "GET", "/taxii2/")).status, 401);
  auto bad_token = RequestFrom("CERT-FR", "GET", "/taxii2/");
  bad_token.headers.Set("Authorization", "Bearer 0011223344556677.secretsecret");
  audited.Handle(bad_token);
  ASSERT_TRUE(audited.Close().has_value());
  const auto entries = Entries();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].event.action, "node-start");
  EXPECT_EQ(entries[0].event.actor.node, "node1");
  EXPECT_EQ(entries[1].event.action, "auth-failure");
  EXPECT_EQ(entries[1].event.outcome, audit::Outcome::kDenied);
  EXPECT_EQ(entries[2].event.action, "auth-failure");  // unknown token, certificate of CERT-FR
  EXPECT_EQ(entries[2].event.actor.org, "CERT-FR");
  for (const auto& e : entries) {
    for (const auto& [k, v] : e.event.details) {
      EXPECT_EQ(v.find("secretsecret"), std::string::npos) << k;
    }
  }
  // Closed: nothing more is served, the handler is not run.
  const int before = handled_;
  EXPECT_EQ(audited.Handle(RequestFrom("CERT-FR", "GET", "/taxii2/")).status, 503);
  EXPECT_EQ(handled_, before);
}

// Makes every write beyond the current size of the audit files fail with EFBIG, as a full disk
// would fail them, for the lifetime of the object.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::signal(SIGXFSZ, SIG_IGN);
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    rlimit limit = saved_;
    limit.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~FileSizeLimit() { ::setrlimit(RLIMIT_FSIZE, &saved_); }

 private:
  rlimit saved_{};
};

TEST_F(RequestAuditTest, FailedAuditWriteClosesTheNode) {
  std::atomic<int> failures{0};
  RequestAudit audited(*log_, auth_, Inner(),
                       {.node = "node1", .on_failure = [&](const Error&) { ++failures; }});
  ASSERT_EQ(audited.Handle(RequestFrom("CERT-FR", "GET", "/api1/collections/c/objects/")).status,
            200);
  const auto size = fs::file_size(dir_.path() / "audit" / audit::kEntriesFile);
  {
    FileSizeLimit full(size);
    // The request ran, but its entry could not be written: the client is not told success.
    const int before = handled_;
    auto r = audited.Handle(RequestFrom("CERT-FR", "GET", "/api1/collections/c/objects/"));
    EXPECT_EQ(r.status, 503);
    EXPECT_NE(r.body.find("audit log unavailable"), std::string::npos);
    EXPECT_EQ(handled_, before + 1);
    // From now on nothing is served: the handler is not even run.
    EXPECT_EQ(audited.Handle(RequestFrom("CERT-FR", "GET", "/taxii2/")).status, 503);
    EXPECT_EQ(handled_, before + 1);
    audit::AuditEvent e;
    e.action = "node-stop";
    EXPECT_FALSE(audited.Record(e).has_value());
  }
  auto closed = audited.Close();
  ASSERT_FALSE(closed.has_value());
  EXPECT_EQ(closed.error().code, ErrorCode::kIo) << closed.error().message;
  EXPECT_EQ(failures, 1);
  EXPECT_EQ(Entries().size(), 1u);  // only the acknowledged request
}

}  // namespace
}  // namespace socmesh::api
