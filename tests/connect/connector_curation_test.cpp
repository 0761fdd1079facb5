// Connectors curate what they store exactly as `socmesh ingest` does (issue 3 items 5-6; B2a, B2b,
// E7): one indicator per observable across feeds with every feed's provenance, warning lists
// flagging or dropping likely false positives, and `[curation]` in the connector file to tune or
// disable it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "common/test_data.hpp"
#include "connect/runner.hpp"
#include "model/socmesh_extension.hpp"

namespace socmesh::connect {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using socmesh::testing::TempDir;

struct Inbox {
  TempDir dir;
  fs::path inbox = dir.path() / "inbox";
  std::unique_ptr<store::Store> store;
  ConnectConfig config;

  Inbox() {
    auto opened = store::OpenStore({(dir.path() / "store.db").string()});
    EXPECT_TRUE(opened.has_value()) << opened.error().message;
    store = std::move(*opened);
    fs::create_directories(inbox);
    ConnectorConfig c;
    c.name = "reports";
    c.type = ConnectorType::kDirectory;
    c.schedule.interval = 60s;
    c.input.format = formats::Format::kText;
    c.directory.path = inbox.string();
    c.directory.done_dir = (inbox / "done").string();
    c.directory.failed_dir = (inbox / "failed").string();
    config.state_file = (dir.path() / "state.json").string();
    config.connectors.push_back(c);
  }

  void Drop(const std::string& name, const std::string& text) {
    std::ofstream(inbox / name, std::ios::binary) << text;
  }

  RunReport RunOnce() {
    auto runner = Runner::Create(config, *store);
    EXPECT_TRUE(runner.has_value()) << runner.error().message;
    if (!runner) return {};
    StopSignal stop;
    auto reports = (*runner)->RunOnce(stop, nullptr);
    EXPECT_EQ(reports.size(), 1u);
    return reports.empty() ? RunReport{} : reports[0];
  }

  // Current indicators carrying the IPv4 address `ip`.
  std::vector<store::StoredVersion> IndicatorsOf(const std::string& ip) {
    auto value = model::NormalizeObservable(model::ObservableKind::kIpv4, ip);
    EXPECT_TRUE(value.has_value());
    store::Query q;
    q.observable = model::Observable{model::ObservableKind::kIpv4, value.value_or(ip)};
    q.types = {"indicator"};
    std::vector<store::StoredVersion> out;
    EXPECT_TRUE(store->Scan(q, [&](const store::StoredVersion& v) {
      out.push_back(v);
      return true;
    }));
    return out;
  }
};

std::set<std::string> Sources(const std::string& json) {
  std::set<std::string> out;
  auto m = model::ReadSocmeshMetadata(json);
  if (m && *m) {
    for (const auto& p : (*m)->provenance) out.insert(p.source);
  }
  return out;
}

TEST(ConnectorCuration, OneIndicatorPerObservableAcrossInputsWithEveryProvenance) {
  Inbox box;
  box.Drop("a.txt", "Beacons to 45.77.10.20 every 60 s, then to hxxp://evil-c2[.]example/gate\n");
  box.Drop("b.txt", "Second report: C2 45.77.10[.]20 again.\n");
  const RunReport r = box.RunOnce();
  ASSERT_EQ(r.result, RunResult::kOk) << FormatRunLine(r);
  EXPECT_EQ(r.counts.files_done, 2);
  EXPECT_EQ(r.counts.merged, 1) << FormatRunLine(r);
  EXPECT_NE(FormatRunLine(r).find("1 merged into stored indicators"), std::string::npos);
  auto kept = box.IndicatorsOf("45.77.10.20");
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(Sources(kept[0].json), (std::set<std::string>{"text:a.txt", "text:b.txt"}));
}

TEST(ConnectorCuration, DisabledStoresEachInputAsItCame) {
  Inbox box;
  box.config.curate = false;
  box.Drop("a.txt", "Beacons to 45.77.10.20.\n");
  box.Drop("b.txt", "C2 45.77.10[.]20 again.\n");
  const RunReport r = box.RunOnce();
  ASSERT_EQ(r.result, RunResult::kOk) << FormatRunLine(r);
  EXPECT_EQ(r.counts.merged, 0);
  EXPECT_EQ(box.IndicatorsOf("45.77.10.20").size(), 2u);
}

TEST(ConnectorCuration, WarningListsDropOnlyWhenAsked) {
  const std::string text = "Exfiltration from 10.1.2.3 to 45.77.10.21.\n";
  {
    Inbox box;  // default: flag, nothing disappears
    box.Drop("c.txt", text);
    const RunReport r = box.RunOnce();
    ASSERT_EQ(r.result, RunResult::kOk) << FormatRunLine(r);
    EXPECT_EQ(r.counts.dropped, 0);
    EXPECT_EQ(box.IndicatorsOf("10.1.2.3").size(), 1u);
  }
  Inbox box;
  box.config.curation.warninglists = "drop";
  box.Drop("c.txt", text);
  const RunReport r = box.RunOnce();
  ASSERT_EQ(r.result, RunResult::kOk) << FormatRunLine(r);
  EXPECT_EQ(r.counts.dropped, 1) << FormatRunLine(r);
  EXPECT_TRUE(box.IndicatorsOf("10.1.2.3").empty());  // a private address: iana-ipv4-special
  EXPECT_EQ(box.IndicatorsOf("45.77.10.21").size(), 1u);
}

TEST(ConnectorCuration, ConfigTableIsReadStrictly) {
  const std::string connector =
      "\n[[connector]]\nname = \"in\"\ntype = \"directory\"\npath = \"in\"\n";
  auto ok = ParseConfig(
      "[curation]\nwarninglists = \"drop\"\nconsolidate = false\n"
      "lists = { \"public-dns-resolvers\" = \"drop\", \"popular-domains\" = \"off\" }\n" +
          connector,
      "c.toml", "/etc/socmesh");
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_TRUE(ok->curate);
  EXPECT_EQ(ok->curation.warninglists, "drop");
  EXPECT_FALSE(ok->curation.consolidate);
  EXPECT_EQ(
      std::set<std::string>(ok->curation.list_overrides.begin(), ok->curation.list_overrides.end()),
      (std::set<std::string>{"public-dns-resolvers=drop", "popular-domains=off"}));

  auto off = ParseConfig("[curation]\nenabled = false\n" + connector, "c.toml", "/etc/socmesh");
  ASSERT_TRUE(off.has_value()) << off.error().message;
  EXPECT_FALSE(off->curate);

  auto bad_mode =
      ParseConfig("[curation]\nwarninglists = \"sometimes\"\n" + connector, "c.toml", "/");
  ASSERT_FALSE(bad_mode.has_value());
  EXPECT_NE(bad_mode.error().message.find("[curation]: warninglists (line 2)"), std::string::npos)
      << bad_mode.error().message;
  auto typo = ParseConfig("[curation]\nconsolidte = true\n" + connector, "c.toml", "/");
  ASSERT_FALSE(typo.has_value());
  EXPECT_NE(typo.error().message.find("unknown key \"consolidte\""), std::string::npos);
  auto bad_action =
      ParseConfig("[curation]\nlists = { x = \"maybe\" }\n" + connector, "c.toml", "/");
  ASSERT_FALSE(bad_action.has_value());
  EXPECT_NE(bad_action.error().message.find("\"x\": expected flag, drop or off"),
            std::string::npos);

  // A list name that no loaded list has is refused when the connectors start, not ignored.
  TempDir dir;
  auto opened = store::OpenStore({(dir.path() / "s.db").string()});
  ASSERT_TRUE(opened.has_value());
  auto config = ParseConfig("[curation]\nlists = { \"no-such-list\" = \"drop\" }\n" + connector,
                            "c.toml", dir.path().string());
  ASSERT_TRUE(config.has_value()) << config.error().message;
  config->state_file = (dir.path() / "state.json").string();
  auto runner = Runner::Create(*config, **opened);
  ASSERT_FALSE(runner.has_value());
  EXPECT_NE(runner.error().message.find("no-such-list=drop"), std::string::npos)
      << runner.error().message;
}

}  // namespace
}  // namespace socmesh::connect
