// TAXII 2.1 conformance (OASIS TAXII 2.1 CS01), written from the specification and run over real
// mutually authenticated HTTPS on loopback with socmesh's client (B9, B10, E6, E17, E19). Section
// numbers refer to the TAXII 2.1 specification.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "api/taxii_fixture.hpp"
#include "common/test_data.hpp"

namespace socmesh::api {
namespace {

using testing::Call;
using testing::Indicator;
using testing::kAnssiIdentity;
using testing::kGreenIndicators;
using testing::kOpenCollection;
using testing::kReadOnlyCollection;
using testing::Node;

const std::string kObjects = std::string("/api1/collections/") + kOpenCollection + "/objects/";

struct Json {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  explicit Json(const std::string& text) {
    EXPECT_EQ(parser.parse(text).get(doc), simdjson::SUCCESS) << text;
  }
  std::string Str(const char* key) {
    std::string_view s;
    return doc[key].get_string().get(s) == simdjson::SUCCESS ? std::string(s) : "";
  }
  int64_t Int(const char* key) {
    int64_t v = -1;
    return doc[key].get_int64().get(v) == simdjson::SUCCESS ? v : -1;
  }
  bool More() {
    bool b = false;
    return doc["more"].get_bool().get(b) == simdjson::SUCCESS && b;
  }
  // The ids (or "id@modified" with `versions`) of an envelope's objects, in order.
  std::vector<std::string> Ids(bool versions = false) {
    std::vector<std::string> out;
    simdjson::dom::array a;
    if (doc["objects"].get_array().get(a) != simdjson::SUCCESS) return out;
    for (auto o : a) {
      std::string_view id, modified;
      if (o["id"].get_string().get(id) != simdjson::SUCCESS) id = "?";
      if (versions && o["modified"].get_string().get(modified) != simdjson::SUCCESS) modified = "";
      out.push_back(std::string(id) + (versions ? "@" + std::string(modified) : ""));
    }
    return out;
  }
};

std::string Envelope(const std::vector<std::string>& objects) {
  std::string out = "{\"objects\":[";
  for (size_t i = 0; i < objects.size(); ++i) out += (i ? "," : "") + objects[i];
  return out + "]}";
}

std::string IdOf(int n) {
  char id[64];
  std::snprintf(id, sizeof id, "indicator--%08x-0000-4000-8000-000000000000", n);
  return id;
}

// Posts and expects every object to succeed.
void Post(net::HttpClient& client, const std::vector<std::string>& objects,
          const std::string& target = kObjects) {
  auto r = Call(client, "POST", target, Envelope(objects));
  ASSERT_EQ(r.status, 202) << r.body;
  Json status(r.body);
  ASSERT_EQ(status.Int("success_count"), static_cast<int64_t>(objects.size())) << r.body;
}

class TaxiiServerTest : public ::testing::Test {
 protected:
  Node node;
};

// §4.1 discovery, §4.2 API root information, §5.1/5.2 collections.
TEST_F(TaxiiServerTest, DiscoveryApiRootAndCollections) {
  auto client = node.Client(node.anssi);
  auto r = Call(*client, "GET", "/taxii2/");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.Get("Content-Type").value_or(""), "application/taxii+json;version=2.1");
  Json d(r.body);
  EXPECT_EQ(d.Str("title"), "socmesh test node");
  EXPECT_NE(d.Str("default").find("/api1/"), std::string::npos);

  r = Call(*client, "GET", "/api1/");
  ASSERT_EQ(r.status, 200);
  Json root(r.body);
  EXPECT_EQ(root.Int("max_content_length"), 64 * 1024);
  EXPECT_NE(r.body.find("\"versions\":[\"application/taxii+json;version=2.1\"]"),
            std::string::npos);

  r = Call(*client, "GET", "/api1/collections/");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find(kOpenCollection), std::string::npos);
  EXPECT_NE(r.body.find(kGreenIndicators), std::string::npos);
  r = Call(*client, "GET", std::string("/api1/collections/") + kReadOnlyCollection + "/");
  ASSERT_EQ(r.status, 200);
  Json col(r.body);
  EXPECT_EQ(col.Str("id"), kReadOnlyCollection);
  EXPECT_NE(r.body.find("\"can_write\":false"), std::string::npos);
  EXPECT_NE(r.body.find("\"media_types\":[\"application/stix+json;version=2.1\"]"),
            std::string::npos);
  // A reader sees can_write false even on a writable collection (the role cannot write).
  auto reader = node.Client(node.bsi);
  r = Call(*reader, "GET", std::string("/api1/collections/") + kOpenCollection + "/");
  EXPECT_NE(r.body.find("\"can_write\":false"), std::string::npos);
}

// §3.6 error message resources and HTTP status codes.
TEST_F(TaxiiServerTest, ErrorsHaveTheSpecStatusAndAnErrorResource) {
  auto client = node.Client(node.anssi);
  struct Case {
    const char* method;
    std::string target;
    std::string body;
    int status;
  } cases[] = {
      {"GET", "/api9/", "", 404},
      {"GET", "/api1/collections/00000000-0000-4000-8000-000000000000/", "", 404},
      {"GET", "/api1/nothing/", "", 404},
      {"PUT", kObjects, "{}", 405},
      {"DELETE", "/taxii2/", "", 405},
      {"GET", kObjects + "?added_after=yesterday", "", 400},
      {"GET", kObjects + "?limit=-3", "", 400},
      {"GET", kObjects + "?match[version]=newest", "", 400},
      {"GET", kObjects + "?next=5-00000000000000000000000000000000", "", 400},  // forged
      {"POST", kObjects, "{not json", 400},
      {"POST", kObjects, "[1,2]", 422},
      {"POST", kObjects, "{\"objects\":" + std::string(70 * 1024, ' ') + "[]}", 413},
      {"POST", std::string("/api1/collections/") + kReadOnlyCollection + "/objects/",
       Envelope({Indicator(1)}), 403},
      {"GET", kObjects + IdOf(12345) + "/", "", 404},
  };
  for (const auto& c : cases) {
    auto r = Call(*client, c.method, c.target, c.body);
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.target << ": " << r.body;
    Json e(r.body);
    EXPECT_EQ(e.Str("http_status"), std::to_string(c.status)) << r.body;
    EXPECT_FALSE(e.Str("title").empty()) << r.body;
  }
}

// §1.6.8 content negotiation: 406 for an unacceptable Accept, 415 for a wrong Content-Type.
TEST_F(TaxiiServerTest, ContentNegotiation) {
  auto client = node.Client(node.anssi);
  net::Request r;
  r.method = "GET";
  r.target = "/taxii2/";
  r.headers.Set("Accept", "text/html");
  EXPECT_EQ((*client->Send(r)).status, 406);
  r.headers.Set("Accept", "application/taxii+json;version=2.0");
  EXPECT_EQ((*client->Send(r)).status, 406);
  r.headers.Set("Accept", "application/taxii+json");
  EXPECT_EQ((*client->Send(r)).status, 200);
  r.headers.Set("Accept", "text/html, application/taxii+json; version=2.1");
  EXPECT_EQ((*client->Send(r)).status, 200);
  r.method = "POST";
  r.target = kObjects;
  r.body = Envelope({Indicator(1)});
  r.headers.Set("Content-Type", "application/json");
  EXPECT_EQ((*client->Send(r)).status, 415);
  r.headers.Set("Content-Type", "application/taxii+json;version=2.1");
  EXPECT_EQ((*client->Send(r)).status, 202);
}

// §5.4 add objects: status resource with per-object success and failure reasons; §4.3 status.
TEST_F(TaxiiServerTest, AddObjectsReturnsAStatusResourceAccountingForEveryObject) {
  auto client = node.Client(node.anssi);
  std::string bad = R"({"type":"indicator","spec_version":"2.1","id":"indicator--nope"})";
  auto r = Call(*client, "POST", kObjects, Envelope({Indicator(1), bad, Indicator(2)}));
  ASSERT_EQ(r.status, 202) << r.body;
  Json s(r.body);
  EXPECT_EQ(s.Str("status"), "complete");
  EXPECT_EQ(s.Int("total_count"), 3);
  EXPECT_EQ(s.Int("success_count"), 2);
  EXPECT_EQ(s.Int("failure_count"), 1);
  EXPECT_EQ(s.Int("pending_count"), 0);
  EXPECT_NE(r.body.find("\"id\":\"indicator--nope\""), std::string::npos);
  EXPECT_NE(r.body.find("\"message\":"), std::string::npos);
  // The same status can be fetched later by the same organisation, not by another one.
  auto again = Call(*client, "GET", "/api1/status/" + s.Str("id") + "/");
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(again.body, r.body);
  auto other = node.Client(node.bsi);
  EXPECT_EQ(Call(*other, "GET", "/api1/status/" + s.Str("id") + "/").status, 404);
  // Re-posting the same version is a success (no-op); the same version with other content fails.
  std::string changed = Indicator(1);
  changed.insert(changed.size() - 1, ",\"name\":\"changed\"");
  r = Call(*client, "POST", kObjects, Envelope({Indicator(1), changed}));
  Json s2(r.body);
  EXPECT_EQ(s2.Int("success_count"), 1) << r.body;
  EXPECT_EQ(s2.Int("failure_count"), 1) << r.body;
  EXPECT_NE(r.body.find("conflicts with an earlier object"), std::string::npos) << r.body;
  r = Call(*client, "POST", kObjects, Envelope({changed}));  // conflicts with the stored version
  EXPECT_EQ(Json(r.body).Int("failure_count"), 1) << r.body;
  r = Call(*client, "GET", kObjects);
  EXPECT_EQ(Json(r.body).Ids(), (std::vector<std::string>{IdOf(1), IdOf(2)}));
}

// §3.4 / §5.3: the collection filter (types, TLP ceiling) applies to reads and writes.
TEST_F(TaxiiServerTest, CollectionFiltersApplyToWritesAndReads) {
  auto client = node.Client(node.anssi);
  const std::string green = std::string("/api1/collections/") + kGreenIndicators + "/objects/";
  std::string amber = Indicator(3, "2024-01-01T00:00:00.000Z", model::Tlp::kAmber, kAnssiIdentity);
  auto r = Call(*client, "POST", green, Envelope({Indicator(1), amber}));
  Json s(r.body);
  EXPECT_EQ(s.Int("success_count"), 1) << r.body;
  EXPECT_NE(r.body.find("ceiling"), std::string::npos) << r.body;
  Post(*client, {amber});  // the open collection takes it
  r = Call(*client, "GET", green);
  EXPECT_EQ(Json(r.body).Ids(), std::vector<std::string>{IdOf(1)});
  r = Call(*client, "GET", kObjects);
  EXPECT_EQ(Json(r.body).Ids(), (std::vector<std::string>{IdOf(1), IdOf(3)}));
}

// §3.5 pagination: limit, more, next; X-TAXII-Date-Added-First/Last headers.
TEST_F(TaxiiServerTest, PagesFollowInsertionOrderWithHeaders) {
  auto client = node.Client(node.anssi);
  for (int i = 1; i <= 5; ++i) Post(*client, {Indicator(i)});
  auto r = Call(*client, "GET", kObjects + "?limit=2");
  ASSERT_EQ(r.status, 200);
  Json p1(r.body);
  EXPECT_TRUE(p1.More());
  EXPECT_EQ(p1.Ids(), (std::vector<std::string>{IdOf(1), IdOf(2)}));
  auto first = r.headers.Get("X-TAXII-Date-Added-First");
  auto last = r.headers.Get("X-TAXII-Date-Added-Last");
  ASSERT_TRUE(first && last);
  EXPECT_LE(*first, *last);
  // The cursor is bound to its query: reusing it with other filters is refused.
  EXPECT_EQ(Call(*client, "GET", kObjects + "?match[type]=indicator&next=" + p1.Str("next")).status,
            400);
  // added_after = the last page's X-TAXII-Date-Added-Last continues exactly after it (§3.4.1).
  r = Call(*client, "GET", kObjects + "?added_after=" + std::string(*last));
  EXPECT_EQ(Json(r.body).Ids(), (std::vector<std::string>{IdOf(3), IdOf(4), IdOf(5)}));
  r = Call(*client, "GET", kObjects + "?limit=3&next=" + p1.Str("next"));
  Json p2(r.body);
  EXPECT_FALSE(p2.More());  // the last page says so, and carries no cursor
  EXPECT_EQ(p2.Str("next"), "");
  EXPECT_EQ(p2.Ids(), (std::vector<std::string>{IdOf(3), IdOf(4), IdOf(5)}));
  // A page past the end is empty, without date headers.
  r = Call(*client, "GET", kObjects + "?added_after=2999-01-01T00:00:00Z");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(Json(r.body).Ids().empty());
  EXPECT_FALSE(r.headers.Get("X-TAXII-Date-Added-First").has_value());
}

// Pagination stays correct while objects are added between page reads: every object present
// when paging started is seen exactly once, and so is every object added meanwhile.
TEST_F(TaxiiServerTest, PagingWhileObjectsAreAddedNeitherSkipsNorRepeats) {
  auto client = node.Client(node.anssi);
  auto writer = node.Client(node.ncsc);
  std::vector<std::string> batch;
  for (int i = 1; i <= 30; ++i) batch.push_back(Indicator(i));
  Post(*client, batch);
  std::multiset<std::string> seen;
  std::string next;
  int added = 100;
  for (int page = 0; page < 50; ++page) {
    auto r = Call(*client, "GET", kObjects + "?limit=7" + (next.empty() ? "" : "&next=" + next));
    ASSERT_EQ(r.status, 200) << r.body;
    Json j(r.body);
    for (auto& id : j.Ids(true)) seen.insert(id);
    // Between pages: two new objects and a new version of an object already read.
    if (added < 110) {
      Post(*writer, {Indicator(added++), Indicator(added++),
                     Indicator(page + 1, "2024-06-01T00:00:00.00" + std::to_string(page) + "Z")});
    }
    if (!j.More()) break;
    next = j.Str("next");
  }
  // 30 originals + 10 added + 5 new versions, each version exactly once.
  EXPECT_EQ(seen.size(), 45u);
  for (const auto& v : seen) EXPECT_EQ(seen.count(v), 1u) << v;
  for (int i = 100; i < 110; ++i) {
    EXPECT_EQ(seen.count(IdOf(i) + "@2024-01-01T00:00:00.000Z"), 1u) << i;
  }
}

// §3.4.2 match[id], match[type], match[version], match[spec_version]; §5.7 versions; §5.3
// manifest; §5.5 object by id.
TEST_F(TaxiiServerTest, MatchFiltersVersionsManifestAndObjectById) {
  auto client = node.Client(node.anssi);
  Post(*client, {Indicator(1, "2024-01-01T00:00:00.000Z"), Indicator(2)});
  Post(*client, {Indicator(1, "2024-03-01T00:00:00.000Z")});
  Post(*client, {Indicator(1, "2024-02-01T00:00:00.000Z")});  // an older version, added last
  auto ids = [&](const std::string& query) {
    auto r = Call(*client, "GET", kObjects + query);
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    return Json(r.body).Ids(true);
  };
  const std::string v1 = IdOf(1) + "@2024-01-01T00:00:00.000Z";
  const std::string v2 = IdOf(1) + "@2024-02-01T00:00:00.000Z";
  const std::string v3 = IdOf(1) + "@2024-03-01T00:00:00.000Z";
  const std::string other = IdOf(2) + "@2024-01-01T00:00:00.000Z";
  EXPECT_EQ(ids(""), (std::vector<std::string>{other, v3}));  // default: last
  EXPECT_EQ(ids("?match[version]=all"), (std::vector<std::string>{v1, other, v3, v2}));
  EXPECT_EQ(ids("?match[version]=first&match[id]=" + IdOf(1)), std::vector<std::string>{v1});
  EXPECT_EQ(ids("?match[version]=first,last&match[id]=" + IdOf(1)),
            (std::vector<std::string>{v1, v3}));
  EXPECT_EQ(ids("?match[version]=2024-02-01T00:00:00.000Z"), std::vector<std::string>{v2});
  EXPECT_EQ(ids("?match[id]=" + IdOf(2) + "," + IdOf(77)), std::vector<std::string>{other});
  EXPECT_EQ(ids("?match[type]=malware"), std::vector<std::string>{});
  EXPECT_EQ(ids("?match[type]=malware,indicator").size(), 2u);
  EXPECT_EQ(ids("?match[spec_version]=2.0"), std::vector<std::string>{});
  EXPECT_EQ(ids("?match[spec_version]=2.0,2.1").size(), 2u);

  auto r = Call(*client, "GET", kObjects + IdOf(1) + "/");
  EXPECT_EQ(Json(r.body).Ids(true), std::vector<std::string>{v3});
  r = Call(*client, "GET", kObjects + IdOf(1) + "/?match[version]=all");
  EXPECT_EQ(Json(r.body).Ids(true), (std::vector<std::string>{v1, v3, v2}));
  r = Call(*client, "GET", kObjects + IdOf(1) + "/versions/");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"versions\":[\"2024-01-01T00:00:00.000000Z\",\"2024-03-01T00:00:00."
                        "000000Z\",\"2024-02-01T00:00:00.000000Z\"]"),
            std::string::npos)
      << r.body;
  r = Call(*client, "GET",
           std::string("/api1/collections/") + kOpenCollection +
               "/manifest/?match[version]=all&limit=1");
  ASSERT_EQ(r.status, 200);
  Json m(r.body);
  EXPECT_TRUE(m.More());
  EXPECT_NE(r.body.find("\"version\":\"2024-01-01T00:00:00.000000Z\""), std::string::npos);
  EXPECT_NE(r.body.find("\"media_type\":\"application/stix+json;version=2.1\""), std::string::npos);
  EXPECT_NE(r.body.find("\"date_added\":"), std::string::npos);
}

// E17/E19: the policy function decides per object; TLP:AMBER of ANSSI is invisible to BSI.
TEST_F(TaxiiServerTest, ReadsAreFilteredByThePolicyFunction) {
  auto anssi = node.Client(node.anssi);
  Post(*anssi, {Indicator(1, "2024-01-01T00:00:00.000Z", model::Tlp::kGreen, kAnssiIdentity),
                Indicator(2, "2024-01-01T00:00:00.000Z", model::Tlp::kAmber, kAnssiIdentity),
                Indicator(3, "2024-01-01T00:00:00.000Z", model::Tlp::kRed, kAnssiIdentity)});
  EXPECT_EQ(Json(Call(*anssi, "GET", kObjects).body).Ids(),
            (std::vector<std::string>{IdOf(1), IdOf(2), IdOf(3)}));
  auto bsi = node.Client(node.bsi);
  EXPECT_EQ(Json(Call(*bsi, "GET", kObjects).body).Ids(), std::vector<std::string>{IdOf(1)});
  EXPECT_EQ(Call(*bsi, "GET", kObjects + IdOf(2) + "/").status, 404);
  EXPECT_EQ(Call(*bsi, "GET", kObjects + IdOf(2) + "/versions/").status, 404);
  // Readers may not write; auditors may not read objects.
  EXPECT_EQ(Call(*bsi, "POST", kObjects, Envelope({Indicator(9)})).status, 403);
  auto enisa = node.Client(node.enisa);
  EXPECT_EQ(Call(*enisa, "GET", kObjects).status, 403);
  // An analyst may not write objects another organisation owns.
  auto r = Call(
      *anssi, "POST", kObjects,
      Envelope({Indicator(4, "2024-01-01T00:00:00.000Z", std::nullopt, testing::kBsiIdentity)}));
  EXPECT_EQ(Json(r.body).Int("failure_count"), 1) << r.body;
}

// Objects the caller may not read do not end a page early: the scan continues past them (here
// across the server's internal scan chunks) and `more`/`next` stay exact.
TEST_F(TaxiiServerTest, PagesSkipUnreadableObjectsAcrossScanChunks) {
  auto anssi = node.Client(node.anssi);
  std::vector<std::string> batch;
  for (int i = 1; i <= 600; ++i) {
    batch.push_back(Indicator(i, "2024-01-01T00:00:00.000Z",
                              i % 150 == 0 ? model::Tlp::kGreen : model::Tlp::kAmberStrict,
                              kAnssiIdentity));
    if (batch.size() == 100) {  // envelopes under the root's 64 KiB max_content_length
      Post(*anssi, batch);
      batch.clear();
    }
  }
  auto bsi = node.Client(node.bsi);
  auto r = Call(*bsi, "GET", kObjects + "?limit=3");
  Json p1(r.body);
  EXPECT_EQ(p1.Ids(), (std::vector<std::string>{IdOf(150), IdOf(300), IdOf(450)}));
  EXPECT_TRUE(p1.More());
  r = Call(*bsi, "GET", kObjects + "?limit=3&next=" + p1.Str("next"));
  Json p2(r.body);
  EXPECT_EQ(p2.Ids(), std::vector<std::string>{IdOf(600)});
  EXPECT_FALSE(p2.More());
  EXPECT_EQ(Json(Call(*anssi, "GET", kObjects + "?limit=1000").body).Ids().size(), 600u);
}

// Concurrent clients (the server answers on several handler threads over one store): writes and
// paged reads interleave without errors, and every object ends up stored once.
TEST_F(TaxiiServerTest, ConcurrentClientsReadAndWrite) {
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto client = node.Client(t % 2 ? node.anssi : node.ncsc);
      for (int i = 0; i < 20; ++i) {
        auto r = Call(*client, "POST", kObjects, Envelope({Indicator(1000 * (t + 1) + i)}));
        if (r.status != 202 || Json(r.body).Int("success_count") != 1) ++errors;
        if (Call(*client, "GET", kObjects + "?limit=5&match[version]=first").status != 200) {
          ++errors;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  auto client = node.Client(node.anssi);
  EXPECT_EQ(Json(Call(*client, "GET", kObjects + "?limit=1000").body).Ids().size(), 80u);
}

// API tokens: a valid token acts as its user and role; a wrong one is 401.
TEST_F(TaxiiServerTest, BearerTokensSelectTheUserRoleAndBadOnesAre401) {
  std::string token = node.auth.IssueToken("alice", "BSI", Role::kAnalyst);
  auto bsi = node.Client(node.bsi);
  net::Request r;
  r.method = "POST";
  r.target = kObjects;
  r.body = Envelope({Indicator(1)});
  r.headers.Set("Accept", "application/taxii+json;version=2.1");
  r.headers.Set("Content-Type", "application/taxii+json;version=2.1");
  EXPECT_EQ(bsi->Send(r)->status, 403);  // BSI's certificate alone is a reader
  r.headers.Set("Authorization", "Bearer " + token);
  EXPECT_EQ(bsi->Send(r)->status, 202);  // alice is an analyst
  std::string wrong = token;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  r.headers.Set("Authorization", "Bearer " + wrong);
  EXPECT_EQ(bsi->Send(r)->status, 401);
  r.headers.Set("Authorization", "Basic dXNlcjpwdw==");
  EXPECT_EQ(bsi->Send(r)->status, 401);
  // The token is bound to its organisation: from ANSSI's certificate it is refused.
  auto anssi = node.Client(node.anssi);
  r.headers.Set("Authorization", "Bearer " + token);
  EXPECT_EQ(anssi->Send(r)->status, 401);
}

// The medallion reference server's own test collection, posted as a client would: every object is
// accounted for, and the three versions of its indicator come back through /versions/.
TEST_F(TaxiiServerTest, MedallionTestCollectionRoundTrips) {
  std::string data =
      socmesh::testing::ReadFile(socmesh::testing::DataPath("taxii/medallion/default_data.json"));
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(data).get(doc), simdjson::SUCCESS);
  simdjson::dom::array collections;
  ASSERT_EQ(doc["trustgroup1"]["collections"].get_array().get(collections), simdjson::SUCCESS);
  std::string objects;
  for (auto c : collections) {
    std::string_view id;
    if (c["id"].get_string().get(id) != simdjson::SUCCESS) continue;
    if (id == kOpenCollection) objects = simdjson::minify(c["objects"]);
  }
  ASSERT_FALSE(objects.empty());
  auto client = node.Client(node.anssi);
  auto r = Call(*client, "POST", kObjects, "{\"objects\":" + objects + "}");
  ASSERT_EQ(r.status, 202) << r.body;
  Json s(r.body);
  EXPECT_EQ(s.Int("total_count"), 8);
  EXPECT_EQ(s.Int("success_count") + s.Int("failure_count"), 8);
  // The one failure: medallion's 2.0-style malware version without spec_version, which STIX 2.1
  // requires on every SDO (the OASIS validator refuses it too).
  EXPECT_EQ(s.Int("failure_count"), 1) << r.body;
  EXPECT_NE(r.body.find("\"version\":\"2018-02-23T18:30:00.000Z\",\"message\":\"$.spec_version"),
            std::string::npos)
      << r.body;
  r = Call(*client, "GET", kObjects + "indicator--6770298f-0fd8-471a-ab8c-1c658a46574e/versions/");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"versions\":[\"2016-11-03T12:30:59.000000Z\",\"2016-12-25T12:30:59."
                        "444000Z\",\"2017-01-27T13:49:53.935000Z\"]"),
            std::string::npos)
      << r.body;
}

// curl as an independent client: discovery and an objects page over mTLS.
TEST_F(TaxiiServerTest, CurlReadsDiscoveryAndObjects) {
  auto client = node.Client(node.anssi);
  Post(*client, {Indicator(1), Indicator(2)});
  auto curl = [&](const std::string& path, const std::string& accept) {
    std::string cmd =
        "curl -sS --max-time 10 --cacert " + node.ca.ca_file() + " --cert " + node.anssi.cert_file +
        " --key " + node.anssi.key_file + " -H 'Accept: " + accept +
        "' -w '\n%{http_code} %{content_type}' 'https://127.0.0.1:" + std::to_string(node.port()) +
        path + "' 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    std::string out;
    char buf[4096];
    while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    pclose(p);
    return out;
  };
  std::string out = curl("/taxii2/", "application/taxii+json;version=2.1");
  EXPECT_NE(out.find("\"title\":\"socmesh test node\""), std::string::npos) << out;
  EXPECT_NE(out.find("\n200 application/taxii+json;version=2.1"), std::string::npos) << out;
  out = curl(kObjects + "?limit=1", "application/taxii+json;version=2.1");
  EXPECT_NE(out.find(IdOf(1)), std::string::npos) << out;
  EXPECT_EQ(out.find(IdOf(2)), std::string::npos) << out;
  EXPECT_NE(out.find("\"more\":true"), std::string::npos) << out;
  out = curl("/taxii2/", "application/xml");
  EXPECT_NE(out.find("\n406 "), std::string::npos) << out;
}

}  // namespace
}  // namespace socmesh::api
