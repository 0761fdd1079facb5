// TAXII 2.1 poller (B2a, client side) against socmesh's own TAXII server on loopback
// (tests/api/taxii_fixture): objects added between polls, paging across several pages, the
// cursor saved after each stored page and surviving a restart of the connector, API tokens.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <string>

#include "api/taxii_fixture.hpp"
#include "connect/runner.hpp"
#include "connect/taxii_poller.hpp"
#include "model/bundle.hpp"

namespace socmesh::connect {
namespace {

using api::testing::Indicator;
using api::testing::kOpenCollection;
using api::testing::Node;

struct Target {
  socmesh::testing::TempDir dir;
  std::unique_ptr<store::Store> store;
  Target() {
    auto opened = store::OpenStore({(dir.path() / "local.db").string()});
    EXPECT_TRUE(opened.has_value()) << opened.error().message;
    store = std::move(*opened);
  }
  std::set<std::string> Ids() {
    std::set<std::string> ids;
    auto r = store->Scan({}, [&](const store::StoredVersion& v) {
      ids.insert(v.id);
      return true;
    });
    EXPECT_TRUE(r.has_value());
    return ids;
  }
};

// Adds indicators first..last-1 to the node's store (as peers' objects would arrive).
void AddToNode(Node& node, int first, int last) {
  std::string array = "[";
  for (int i = first; i < last; ++i) array += (i > first ? "," : "") + Indicator(i);
  array += "]";
  auto parsed = model::ParseBundle(array);
  ASSERT_TRUE(parsed.has_value());
  ASSERT_EQ(parsed->objects.size(), static_cast<size_t>(last - first));
  auto stored = node.taxii->store().Ingest(parsed->objects);
  ASSERT_TRUE(stored.has_value());
  ASSERT_EQ(stored->inserted, static_cast<size_t>(last - first));
}

std::string IdOf(int n) {
  char id[64];
  std::snprintf(id, sizeof id, "indicator--%08x-0000-4000-8000-000000000000", n);
  return id;
}

ConnectConfig ConfigFor(const Node& node, const Target& target, size_t page_size) {
  ConnectorConfig c;
  c.name = "peer-be";
  c.type = ConnectorType::kTaxii;
  c.input.format = formats::Format::kStix;
  c.taxii.url = "https://127.0.0.1:" + std::to_string(node.port()) + "/api1/collections/" +
                kOpenCollection + "/";
  c.taxii.page_size = page_size;
  c.taxii.tls.ca_file = node.ca.ca_file();
  c.taxii.tls.certificate_file = node.anssi.cert_file;
  c.taxii.tls.private_key_file = node.anssi.key_file;
  c.taxii.timeout = std::chrono::milliseconds{20'000};
  c.taxii.retry.initial_backoff = std::chrono::milliseconds{10};
  ConnectConfig config;
  config.state_file = (target.dir.path() / "state.json").string();
  config.connectors.push_back(c);
  return config;
}

RunReport PollOnce(const ConnectConfig& config, Target& target) {
  auto runner = Runner::Create(config, *target.store);
  EXPECT_TRUE(runner.has_value()) << runner.error().message;
  if (!runner) return {};
  StopSignal stop;
  auto reports = (*runner)->RunOnce(stop, nullptr);
  EXPECT_EQ(reports.size(), 1u);
  return reports.empty() ? RunReport{} : reports[0];
}

TEST(TaxiiPoller, PagesThroughThenGetsExactlyTheObjectsAddedSince) {
  Node node;
  Target target;
  AddToNode(node, 0, 7);
  const ConnectConfig config = ConfigFor(node, target, /*page_size=*/3);

  RunReport first = PollOnce(config, target);
  ASSERT_EQ(first.result, RunResult::kOk) << FormatRunLine(first);
  EXPECT_EQ(first.pages, 3u);  // 3 + 3 + 1
  EXPECT_EQ(first.counts.inserted, 7);
  EXPECT_EQ(target.Ids().size(), 7u);
  auto state = StateFile::Open(config.state_file);
  ASSERT_TRUE(state.has_value());
  ConnectorState s = (*state)->Get("peer-be");
  EXPECT_FALSE(s.taxii_added_after.empty());
  EXPECT_TRUE(s.taxii_next.empty());
  EXPECT_EQ(s.last_result, "ok");
  EXPECT_EQ(s.total.inserted, 7);

  // Four more arrive at the node: the next poll gets those four and nothing it already has.
  AddToNode(node, 7, 11);
  RunReport second = PollOnce(config, target);
  ASSERT_EQ(second.result, RunResult::kOk) << FormatRunLine(second);
  EXPECT_EQ(second.counts.objects, 4);
  EXPECT_EQ(second.counts.inserted, 4);
  EXPECT_EQ(second.counts.unchanged, 0);
  EXPECT_EQ(target.Ids().size(), 11u);
  EXPECT_TRUE(target.Ids().contains(IdOf(10)));

  // Nothing new: nothing fetched.
  RunReport third = PollOnce(config, target);
  ASSERT_EQ(third.result, RunResult::kOk) << FormatRunLine(third);
  EXPECT_EQ(third.counts.objects, 0);
}

TEST(TaxiiPoller, CursorSavedAfterEachPageSurvivesARestartMidPoll) {
  Node node;
  Target target;
  AddToNode(node, 0, 10);
  ConnectConfig config = ConfigFor(node, target, /*page_size=*/4);

  // A connector that stops after one page (as if killed between pages).
  ConnectConfig interrupted = config;
  interrupted.connectors[0].taxii.max_pages_per_run = 1;
  RunReport part = PollOnce(interrupted, target);
  ASSERT_EQ(part.result, RunResult::kOk) << FormatRunLine(part);
  EXPECT_EQ(part.counts.inserted, 4);
  {
    auto state = StateFile::Open(config.state_file);
    ASSERT_TRUE(state.has_value());
    ConnectorState s = (*state)->Get("peer-be");
    EXPECT_FALSE(s.taxii_next.empty()) << "the unfinished poll's cursor is saved";
    EXPECT_TRUE(s.taxii_added_after.empty()) << "added_after moves only once a poll completes";
  }

  // Objects added while the connector was down come after the saved cursor.
  AddToNode(node, 10, 12);
  // A new connector (a restart) resumes: the remaining 6 + the 2 new, none twice, none lost.
  RunReport rest = PollOnce(config, target);
  ASSERT_EQ(rest.result, RunResult::kOk) << FormatRunLine(rest);
  EXPECT_EQ(rest.counts.objects, 8);
  EXPECT_EQ(rest.counts.inserted, 8);
  EXPECT_EQ(rest.counts.unchanged, 0);
  EXPECT_EQ(target.Ids().size(), 12u);
  ASSERT_FALSE(rest.notes.empty());
  EXPECT_EQ(rest.notes[0], "resumed an unfinished poll");
}

TEST(TaxiiPoller, FindsTheApiRootThroughDiscoveryAndSendsTheApiToken) {
  Node node;
  Target target;
  AddToNode(node, 0, 3);
  ConnectConfig config = ConfigFor(node, target, 0);
  ConnectorConfig& c = config.connectors[0];
  c.taxii.url = "https://127.0.0.1:" + std::to_string(node.port()) + "/taxii2/";
  c.taxii.collection = kOpenCollection;
  const std::string token = node.auth.IssueToken("alice", "ANSSI", api::Role::kAnalyst);
  const auto token_file = target.dir.path() / "token";
  {
    std::ofstream out(token_file);
    out << token << "\n";
  }
  c.taxii.token_file = token_file.string();
  RunReport r = PollOnce(config, target);
  ASSERT_EQ(r.result, RunResult::kOk) << FormatRunLine(r);
  EXPECT_EQ(r.counts.inserted, 3);

  // A wrong token is refused by the server: reported, not retried, never printed.
  {
    std::ofstream out(token_file);
    out << token.substr(0, token.find('.') + 1) << "wrong-secret-value\n";
  }
  Target other;
  ConnectConfig bad = config;
  bad.state_file = (other.dir.path() / "state.json").string();
  RunReport refused = PollOnce(bad, other);
  EXPECT_EQ(refused.result, RunResult::kFailed);
  ASSERT_TRUE(refused.error.has_value());
  EXPECT_EQ(refused.error->code, ErrorCode::kPermission) << refused.error->message;
  EXPECT_EQ(FormatRunLine(refused).find("wrong-secret-value"), std::string::npos);
}

TEST(TaxiiPoller, RefusesAConfigWithoutCollection) {
  ConnectorConfig c;
  c.name = "x";
  c.type = ConnectorType::kTaxii;
  c.taxii.url = "https://127.0.0.1:1/api1/";
  c.taxii.tls.ca_file = "/nonexistent";
  socmesh::testing::TempDir dir;
  auto opened = store::OpenStore({(dir.path() / "s.db").string()});
  ASSERT_TRUE(opened.has_value());
  StoreSink sink(**opened);
  auto made = MakeConnector(c, sink);
  ASSERT_FALSE(made.has_value());
  EXPECT_NE(made.error().message.find("no collection"), std::string::npos);
}

}  // namespace
}  // namespace socmesh::connect
