// `socmesh detect` and `socmesh events publish` end to end (issue 7 interface; B2c): the binary
// run as a user would, on files and on a real NATS JetStream server with two workers.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/run_socmesh.hpp"
#include "common/test_data.hpp"
#include "detect/nats_server.hpp"

namespace socmesh::detect {
namespace {

using testing::NatsServer;
using testing::ReadFile;
using testing::RunSocmesh;
using testing::TempDir;

constexpr char kBundle[] =
    R"({"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[
{"type":"indicator","spec_version":"2.1","id":"indicator--11111111-1111-4111-8111-111111111111","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","pattern":"[domain-name:value = 'evil.example']"},
{"type":"indicator","spec_version":"2.1","id":"indicator--22222222-2222-4222-8222-222222222222","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","pattern":"[ipv4-addr:value = '198.51.100.0/24']"}]})";

// Suricata EVE lines: a DNS query for a sub-domain of an indicator, a flow to the indicator
// network, a clean flow, and a broken line.
std::vector<std::string> EveLines(int copies) {
  std::vector<std::string> lines;
  for (int i = 0; i < copies; ++i) {
    const std::string n = std::to_string(i % 200);
    lines.push_back(
        R"({"timestamp":"2026-11-23T10:00:0)" + std::to_string(i % 10) +
        R"(.000000+0000","event_type":"dns","src_ip":"10.0.0.)" + n +
        R"(","dest_ip":"192.0.2.53","dns":{"type":"query","rrname":"c2.evil.example"}})");
    lines.push_back(
        R"({"timestamp":"2026-11-23T10:00:01.000000+0000","event_type":"flow","src_ip":"10.0.0.)" +
        n + R"(","dest_ip":"198.51.100.9","dest_port":443})");
    lines.push_back(
        R"({"timestamp":"2026-11-23T10:00:02.000000+0000","event_type":"flow","src_ip":"10.0.0.)" +
        n + R"(","dest_ip":"203.0.113.5","dest_port":80})");
  }
  return lines;
}

// The file's content, or "" while it does not exist yet (a worker's log before it starts).
std::string Slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class DetectCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_.path() / "bundle.json") << kBundle;
    auto r = Run({"ingest", (dir_.path() / "bundle.json").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  testing::RunResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--store", store_});
    return RunSocmesh(args, dir_.path());
  }
  std::string WriteEve(int copies, bool with_garbage) {
    const std::string path = (dir_.path() / "eve.json").string();
    std::ofstream out(path);
    for (const auto& l : EveLines(copies)) out << l << "\n";
    if (with_garbage) out << "{\"event_type\":\"flow\",\"src_ip\":\n";
    return path;
  }
  int Sightings() {
    auto r = Run({"search", "--type", "sighting", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    int n = 0;
    for (size_t at = r.out.find("\"type\":\"sighting\""); at != std::string::npos;
         at = r.out.find("\"type\":\"sighting\"", at + 1)) {
      ++n;
    }
    return n;
  }

  TempDir dir_;
  std::string store_ = (dir_.path() / "store.db").string();
};

TEST_F(DetectCliTest, FileInputAlertsStoresSightingsAndSkipsMalformedLines) {
  const std::string eve = WriteEve(1, /*with_garbage=*/true);
  const std::string alerts = (dir_.path() / "alerts.jsonl").string();
  auto r = Run({"detect", eve, "--format", "eve", "--organisation", "CERT-FR", "--country", "FR",
                "--alerts", alerts});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("2 indicators indexed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("3 events (1 malformed), 2 matched (2 indicator matches)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("skipped malformed event at line 4"), std::string::npos) << r.err;
  const std::string lines = ReadFile(alerts);
  EXPECT_NE(lines.find(R"("indicator":"indicator--11111111-1111-4111-8111-111111111111")"),
            std::string::npos)
      << lines;
  EXPECT_NE(lines.find(R"("value":"c2.evil.example")"), std::string::npos) << lines;
  EXPECT_NE(lines.find("(network /24)"), std::string::npos) << lines;
  EXPECT_EQ(lines.find("203.0.113.5"), std::string::npos) << lines;
  EXPECT_EQ(Sightings(), 2);
  // Replaying the same log stores nothing new (deterministic sighting ids).
  r = Run({"detect", eve, "--format", "eve", "--organisation", "CERT-FR", "--alerts", alerts});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Sightings(), 2);
}

TEST_F(DetectCliTest, UsageErrorsAreClear) {
  const std::string eve = WriteEve(1, false);
  auto r = Run({"detect", eve, "--format", "eve"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--organisation"), std::string::npos) << r.err;
  r = Run({"detect", eve, "--format", "netflow", "--no-sightings"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown --format \"netflow\""), std::string::npos) << r.err;
  r = Run({"detect", (dir_.path() / "missing.json").string(), "--no-sightings"});
  EXPECT_EQ(r.exit_code, 1);
}

// Two workers share one durable JetStream consumer: together they see every event exactly once.
TEST_F(DetectCliTest, TwoNatsWorkersShareTheStream) {
  NatsServer nats;
  ASSERT_TRUE(nats.up()) << "nats-server did not start";
  const std::string eve = WriteEve(400, false);  // 1 200 events, 800 matching
  std::vector<pid_t> workers;
  for (int w = 0; w < 2; ++w) {
    const std::string log = (dir_.path() / ("worker" + std::to_string(w) + ".err")).string();
    pid_t pid = ::fork();
    if (pid == 0) {
      ::alarm(60);
      std::freopen(log.c_str(), "w", stderr);
      std::freopen("/dev/null", "w", stdout);
      ::execl(SOCMESH_BINARY, SOCMESH_BINARY, "--store", store_.c_str(), "detect",
              nats.url().c_str(), "--format", "eve", "--no-sightings", "--idle-exit", "4",
              "--nats-batch", "20", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    workers.push_back(pid);
  }
  // Publish once both workers have built their index and bound the consumer, so that the
  // stream is shared rather than drained by whichever started first.
  for (int i = 0; i < 400; ++i) {
    const bool ready = Slurp(dir_.path() / "worker0.err").find("indexed") != std::string::npos &&
                       Slurp(dir_.path() / "worker1.err").find("indexed") != std::string::npos;
    if (ready) break;
    ::usleep(25'000);
  }
  ::usleep(300'000);  // the consumer is bound right after the index line
  auto pub = Run({"events", "publish", "--nats", nats.url(), eve});
  ASSERT_EQ(pub.exit_code, 0) << pub.err;
  EXPECT_NE(pub.err.find("1200 events acknowledged"), std::string::npos) << pub.err;
  uint64_t total = 0;
  int busy = 0;
  for (size_t w = 0; w < workers.size(); ++w) {
    int status = 0;
    ::waitpid(workers[w], &status, 0);
    ASSERT_TRUE(WIFEXITED(status)) << "worker " << w << " was killed";
    EXPECT_EQ(WEXITSTATUS(status), 0);
    const std::string err = ReadFile(dir_.path() / ("worker" + std::to_string(w) + ".err"));
    const size_t at = err.find(" events (");
    ASSERT_NE(at, std::string::npos) << err;
    const size_t start = err.rfind(' ', at - 1) + 1;
    const uint64_t n = std::stoull(err.substr(start, at - start));
    total += n;
    if (n > 0) ++busy;
  }
  EXPECT_EQ(total, 1200u);  // every event once, none lost, none twice
  EXPECT_EQ(busy, 2);       // both workers took part
}

}  // namespace
}  // namespace socmesh::detect
