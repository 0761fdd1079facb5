// `socmesh connect run|status` end to end (B2a): the binary runs a directory connector once and
// then on its schedule until SIGTERM, prints one line per run, and `status` reports the counters.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/run_socmesh.hpp"
#include "common/test_data.hpp"

namespace socmesh::connect {
namespace {

namespace fs = std::filesystem;
using socmesh::testing::DataPath;
using socmesh::testing::RunBash;
using socmesh::testing::RunSocmesh;
using socmesh::testing::TempDir;

void WriteConfig(const fs::path& dir) {
  std::ofstream(dir / "connect.toml") << "[[connector]]\n"
                                         "name = \"inbox\"\n"
                                         "type = \"directory\"\n"
                                         "path = \"inbox\"\n"
                                         "preset = \"feodo\"\n";
}

TEST(ConnectCli, RunOnceImportsAndStatusReportsTheCounters) {
  TempDir dir;
  WriteConfig(dir.path());
  fs::create_directories(dir.path() / "inbox");
  fs::copy_file(DataPath("feeds/abuse.ch-feodotracker/ipblocklist.csv"),
                dir.path() / "inbox" / "ipblocklist.csv");
  std::ofstream(dir.path() / "inbox" / "broken.json") << "{\"type\": ";
  const std::string store = (dir.path() / "store.db").string();
  const std::string config = (dir.path() / "connect.toml").string();

  auto run =
      RunSocmesh({"--store", store, "connect", "run", "--once", "--config", config}, dir.path());
  // A file went to failed/: the run itself worked, input was rejected (exit 3).
  EXPECT_EQ(run.exit_code, 3) << run.out << run.err;
  EXPECT_NE(run.out.find("inbox (directory): ok, 1 file(s) imported, 1 failed"), std::string::npos)
      << run.out;
  EXPECT_TRUE(fs::exists(dir.path() / "inbox" / "done" / "ipblocklist.csv"));
  EXPECT_TRUE(fs::exists(dir.path() / "inbox" / "failed" / "broken.json.error"));
  EXPECT_TRUE(fs::exists(config + ".state.json"));

  auto status = RunSocmesh({"connect", "status", "--config", config, "--json"}, dir.path());
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("\"files_done\":1"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("\"files_failed\":1"), std::string::npos) << status.out;
  auto text = RunSocmesh({"connect", "status", "--config", config}, dir.path());
  EXPECT_NE(text.out.find("inbox (directory): last run "), std::string::npos) << text.out;

  auto bad = RunSocmesh({"connect", "run", "--once", "--config", (dir.path() / "none").string()},
                        dir.path());
  EXPECT_EQ(bad.exit_code, 2);
}

TEST(ConnectCli, RunWatchesUntilSigterm) {
  TempDir dir;
  WriteConfig(dir.path());
  const std::string feodo = DataPath("feeds/abuse.ch-feodotracker/ipblocklist.csv").string();
  auto r = RunBash(dir.path(),
                   R"(
# The binary itself in the background (not the `socmesh` shell function: $! would be a subshell).
)" + socmesh::testing::ShellQuote(SOCMESH_BINARY) +
                       R"( --store store.db connect run --config connect.toml > run.out 2> run.err &
pid=$!
trap 'kill -KILL $pid 2> /dev/null || true' EXIT
for i in $(seq 100); do [ -d inbox/done ] && break; sleep 0.1; done
cp ')" + feodo + R"(' inbox/ipblocklist.csv
for i in $(seq 150); do [ -e inbox/done/ipblocklist.csv ] && break; sleep 0.1; done
kill -TERM $pid
code=0; wait $pid || code=$?
echo "exit=$code"
cat run.out
)");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("exit=0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("inbox (directory): ok, 1 file(s) imported, 0 failed"), std::string::npos)
      << r.out;
  EXPECT_TRUE(fs::exists(dir.path() / "inbox" / "done" / "ipblocklist.csv"));
}

}  // namespace
}  // namespace socmesh::connect
