// Directory connector (B2a): files present at start and files dropped while it watches are
// imported and moved to done/; a malformed file goes to failed/ with a .error report naming the
// problem; a file written slowly (two parts, one open) is read only once its writer closed it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/test_data.hpp"
#include "connect/runner.hpp"
#include "formats/import.hpp"

namespace socmesh::connect {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using socmesh::testing::DataPath;
using socmesh::testing::ReadFile;
using socmesh::testing::TempDir;

constexpr char kBundle[] =
    "stix/oasis-cti-documentation-examples/"
    "threat-actor-leveraging-attack-patterns-and-malware.json";
constexpr char kFeodo[] = "feeds/abuse.ch-feodotracker/ipblocklist.csv";

struct Inbox {
  TempDir dir;
  fs::path inbox = dir.path() / "inbox";
  std::unique_ptr<store::Store> store;
  ConnectConfig config;

  Inbox() {
    auto opened = store::OpenStore({(dir.path() / "store.db").string()});
    EXPECT_TRUE(opened.has_value()) << opened.error().message;
    store = std::move(*opened);
    ConnectorConfig c;
    c.name = "drop";
    c.type = ConnectorType::kDirectory;
    c.schedule.interval = 60s;  // rescans come from inotify, not from the clock
    c.input.preset = "feodo";   // for CSV files; other formats are detected
    c.directory.path = inbox.string();
    c.directory.done_dir = (inbox / "done").string();
    c.directory.failed_dir = (inbox / "failed").string();
    config.state_file = (dir.path() / "state.json").string();
    config.connectors.push_back(c);
  }

  int64_t StoredVersions() {
    auto stats = store->Stats();
    return stats ? stats->object_versions : -1;
  }
};

size_t ObjectsIn(const std::string& relative) {
  formats::ImportRequest r;
  r.name = relative;
  auto imported = formats::Import(ReadFile(DataPath(relative)), r);
  EXPECT_TRUE(imported.has_value());
  return imported ? imported->bundle.objects.size() : 0;
}

void WriteFile(const fs::path& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
}

// Waits (bounded) until `path` exists.
bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit = 15s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return condition();
}

TEST(DirectoryWatcher, ImportsFilesPresentAtStartAndMovesThem) {
  Inbox box;
  fs::create_directories(box.inbox);
  WriteFile(box.inbox / "ipblocklist.csv", ReadFile(DataPath(kFeodo)));
  WriteFile(box.inbox / "actor.json", ReadFile(DataPath(kBundle)));
  WriteFile(box.inbox / ".hidden.json", "{");  // left alone
  auto runner = Runner::Create(box.config, *box.store);
  ASSERT_TRUE(runner.has_value()) << runner.error().message;
  StopSignal stop;
  auto reports = (*runner)->RunOnce(stop, nullptr);
  ASSERT_EQ(reports.size(), 1u);
  const RunReport& r = reports[0];
  ASSERT_EQ(r.result, RunResult::kOk) << FormatRunLine(r);
  EXPECT_EQ(r.counts.files_done, 2);
  EXPECT_EQ(r.counts.files_failed, 0);
  // Format detected per file: the Feodo CSV as a plain CSV feed and the STIX bundle.
  EXPECT_EQ(r.counts.inserted, box.StoredVersions());
  EXPECT_GE(r.counts.inserted, static_cast<int64_t>(ObjectsIn(kBundle)));
  EXPECT_TRUE(fs::exists(box.inbox / "done" / "ipblocklist.csv"));
  EXPECT_TRUE(fs::exists(box.inbox / "done" / "actor.json"));
  EXPECT_FALSE(fs::exists(box.inbox / "actor.json"));
  EXPECT_TRUE(fs::exists(box.inbox / ".hidden.json"));

  // A second file of the same name does not overwrite the first in done/.
  WriteFile(box.inbox / "actor.json", ReadFile(DataPath(kBundle)));
  auto again = (*runner)->RunOnce(stop, nullptr);
  ASSERT_EQ(again[0].result, RunResult::kOk);
  EXPECT_EQ(again[0].counts.unchanged, static_cast<int64_t>(ObjectsIn(kBundle)));
  EXPECT_TRUE(fs::exists(box.inbox / "done" / "actor.json.1"));
  // Nothing left: an idle run.
  EXPECT_EQ((*runner)->RunOnce(stop, nullptr)[0].result, RunResult::kIdle);
}

TEST(DirectoryWatcher, WatchesDroppedFilesSlowWritesAndMalformedOnes) {
  Inbox box;
  auto runner = Runner::Create(box.config, *box.store);
  ASSERT_TRUE(runner.has_value()) << runner.error().message;
  StopSignal stop;
  std::mutex mutex;
  std::vector<RunReport> reports;
  std::thread watcher([&] {
    (*runner)->Run(stop, [&](const RunReport& r) {
      std::lock_guard lock(mutex);
      reports.push_back(r);
    });
  });

  // 1. A bundle written slowly: first half, a pause long enough for other files to be processed,
  //    then the rest. Read early it would be malformed JSON and land in failed/.
  const std::string bundle = ReadFile(DataPath(kBundle));
  const fs::path slow = box.inbox / "slow.json";
  int fd = ::open(slow.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  const size_t half = bundle.size() / 2;
  ASSERT_EQ(::write(fd, bundle.data(), half), static_cast<ssize_t>(half));

  // 2. Meanwhile a malformed file and a good one are dropped (each write closes its file).
  WriteFile(box.inbox / "broken.json", "{\"type\": \"bundle\", \"objects\": [");
  WriteFile(box.inbox / "ipblocklist.csv", ReadFile(DataPath(kFeodo)));
  EXPECT_TRUE(Eventually([&] { return fs::exists(box.inbox / "done" / "ipblocklist.csv"); }));
  EXPECT_TRUE(Eventually([&] { return fs::exists(box.inbox / "failed" / "broken.json.error"); }));
  EXPECT_TRUE(fs::exists(slow)) << "a file still being written must not be touched";

  // 3. The slow writer finishes.
  ASSERT_EQ(::write(fd, bundle.data() + half, bundle.size() - half),
            static_cast<ssize_t>(bundle.size() - half));
  ::close(fd);
  EXPECT_TRUE(Eventually([&] { return fs::exists(box.inbox / "done" / "slow.json"); }));

  stop.Stop();
  watcher.join();

  EXPECT_FALSE(fs::exists(box.inbox / "failed" / "slow.json"));
  EXPECT_TRUE(fs::exists(box.inbox / "failed" / "broken.json"));
  const std::string error = ReadFile(box.inbox / "failed" / "broken.json.error");
  EXPECT_NE(error.find("file: broken.json"), std::string::npos) << error;
  EXPECT_NE(error.find("failed: parse-error:"), std::string::npos) << error;

  // Every object of the slow bundle is stored: it was read whole.
  formats::ImportRequest r;
  auto whole = formats::Import(bundle, r);
  ASSERT_TRUE(whole.has_value());
  for (const auto& object : whole->bundle.objects) {
    EXPECT_TRUE(box.store->GetCurrent(object.id).has_value()) << object.id;
  }
  std::lock_guard lock(mutex);
  int64_t done = 0, failed = 0;
  for (const auto& report : reports) {
    EXPECT_NE(report.result, RunResult::kIdle);  // idle runs are not reported
    done += report.counts.files_done;
    failed += report.counts.files_failed;
  }
  EXPECT_EQ(done, 2);
  EXPECT_EQ(failed, 1);
  auto state = (*runner)->state().Get("drop");
  EXPECT_EQ(state.total.files_done, 2);
  EXPECT_EQ(state.total.files_failed, 1);
}

TEST(DirectoryWatcher, ReportsRejectedObjectsOfAStoredFileBesideIt) {
  Inbox box;
  fs::create_directories(box.inbox);
  // One valid indicator and one without its required pattern.
  WriteFile(
      box.inbox / "mixed.json",
      R"({"type":"bundle","id":"bundle--6b6c1b36-3c4f-4a4e-9a4c-1b2f3c4d5e6f","objects":[)"
      R"({"type":"indicator","spec_version":"2.1","id":"indicator--a1b2c3d4-0000-4000-8000-000000000001",)"
      R"("created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z",)"
      R"("pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"},)"
      R"({"type":"indicator","spec_version":"2.1","id":"indicator--a1b2c3d4-0000-4000-8000-000000000002",)"
      R"("created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z",)"
      R"("pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"}]})");
  auto runner = Runner::Create(box.config, *box.store);
  ASSERT_TRUE(runner.has_value());
  StopSignal stop;
  const RunReport r = (*runner)->RunOnce(stop, nullptr)[0];
  EXPECT_EQ(r.counts.inserted, 1);
  EXPECT_EQ(r.counts.rejected, 1);
  EXPECT_TRUE(fs::exists(box.inbox / "done" / "mixed.json"));
  const std::string report = ReadFile(box.inbox / "done" / "mixed.json.error");
  EXPECT_NE(report.find("indicator--a1b2c3d4-0000-4000-8000-000000000002"), std::string::npos)
      << report;
  EXPECT_NE(report.find("pattern"), std::string::npos) << report;
}

}  // namespace
}  // namespace socmesh::connect
