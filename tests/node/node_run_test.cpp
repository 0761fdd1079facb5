// `socmesh node init` / `node run` end to end (issue 5, E5, E18, B10): a PKI made with the
// `socmesh pki` commands, a node directory made by `node init` whose CSR the country CA signs, the
// node run as a child process on a free loopback port and spoken to with curl and client
// certificates; SIGTERM stops it cleanly, a restart finds the objects, `kill -9` and a restart lose
// nothing acknowledged, and `socmesh audit verify` accepts the log, which holds every request.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <regex>
#include <string>
#include <thread>

#include "common/node_process.hpp"
#include "common/run_socmesh.hpp"
#include "common/test_data.hpp"
#include "node/config.hpp"
#include "node/init.hpp"

namespace socmesh::node {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using socmesh::testing::NodeProcess;
using socmesh::testing::ReadFile;
using socmesh::testing::RunBash;
using socmesh::testing::RunResult;
using socmesh::testing::ShellQuote;
using socmesh::testing::TempDir;

struct HttpResult {
  int curl_exit = -1;
  int status = 0;
  std::string body;
  std::string log;
};

std::string Indicator(int n) {
  char id[64];
  std::snprintf(id, sizeof id, "indicator--%08x-0000-4000-8000-00000000000a", n);
  return std::string(R"({"type":"indicator","spec_version":"2.1","id":")") + id +
         R"(","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z",)"
         R"("pattern":"[ipv4-addr:value = '198.51.100.)" +
         std::to_string(n) + R"(']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"})";
}

class NodeRunTest : public ::testing::Test {
 protected:
  // The PKI and the node directory, built with the socmesh commands as an operator would.
  void SetUp() override {
    RunResult r = RunBash(dir_.path(), R"(
socmesh pki init-root --dir root --org "EU SOC Network" >/dev/null
socmesh pki init-country --dir fr --root root --country FR >/dev/null
socmesh node init --dir node1 --name node1.test --organisation CERT-FR --country FR \
  --dns localhost --ip 127.0.0.1 --listen 127.0.0.1:0
socmesh pki sign --ca fr --csr node1/node.csr --profile node -o node1-cert.pem 2>/dev/null
cat node1-cert.pem fr/ca.pem > node1/node.pem
cp root/ca.pem node1/ca.pem
sed -i 's|^crls = \[\]|crls = ["../root/crl.pem", "../fr/crl.pem"]|' node1/node.toml
# An analyst's client certificate of CERT-FR, and one of another organisation (default role).
for who in analyst:CERT-FR other:ANSSI; do
  name=${who%%:*}; org=${who#*:}
  socmesh pki keygen --key $name.key -o /dev/null 2>/dev/null
  socmesh pki csr --key $name.key --country FR --org "$org" --name $name -o $name.csr
  socmesh pki sign --ca fr --csr $name.csr --profile user -o $name-cert.pem 2>/dev/null
  cat $name-cert.pem fr/ca.pem > $name.pem
done
)");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    init_output_ = r.out;
    auto config = LoadNodeConfig(dir_.path() / "node1" / "node.toml");
    ASSERT_TRUE(config.has_value()) << config.error().message;
    ASSERT_EQ(config->taxii.api_roots.size(), 1u);
    ASSERT_EQ(config->taxii.api_roots[0].collections.size(), 1u);
    objects_path_ =
        "/api1/collections/" + config->taxii.api_roots[0].collections[0].id + "/objects/";
  }

  std::unique_ptr<NodeProcess> StartNode(int run) {
    auto node = std::make_unique<NodeProcess>(dir_.path() / "node1" / "node.toml",
                                              dir_.path() / ("run" + std::to_string(run) + ".out"),
                                              dir_.path() / ("run" + std::to_string(run) + ".err"));
    port_ = node->WaitForPort(60s);
    EXPECT_NE(port_, 0) << "node did not start:\n" << node->Out() << node->Err();
    return node;
  }

  // curl with the client certificate of `who` ("" for none).
  HttpResult Curl(const std::string& who, const std::string& method, const std::string& path,
                  const std::string& body = "") {
    std::string cmd = "curl -sS --max-time 20 --cacert root/ca.pem -o resp.body -w '%{http_code}'";
    if (!who.empty()) cmd += " --cert " + who + ".pem --key " + who + ".key";
    cmd += " -X " + method + " -H 'Accept: application/taxii+json;version=2.1'";
    if (!body.empty()) {
      std::ofstream(dir_.path() / "req.body") << body;
      cmd += " -H 'Content-Type: application/taxii+json;version=2.1' --data-binary @req.body";
    }
    cmd += " " + ShellQuote("https://127.0.0.1:" + std::to_string(port_) + path);
    RunResult r = RunBash(dir_.path(), "rm -f resp.body\n" + cmd + " || echo \" curl-exit=$?\"");
    HttpResult h;
    h.log = r.out;
    std::smatch m;
    static const std::regex kExit(R"(curl-exit=(\d+))");
    h.curl_exit = std::regex_search(r.out, m, kExit) ? std::stoi(m[1]) : 0;
    if (h.curl_exit == 0 && r.out.size() >= 3) h.status = std::stoi(r.out.substr(0, 3));
    if (fs::exists(dir_.path() / "resp.body")) h.body = ReadFile(dir_.path() / "resp.body");
    return h;
  }

  // Number of objects in a TAXII envelope (occurrences of the test indicators' ids).
  static int CountIndicators(const std::string& body) {
    int n = 0;
    for (size_t at = body.find("\"id\":\"indicator--"); at != std::string::npos;
         at = body.find("\"id\":\"indicator--", at + 1)) {
      ++n;
    }
    return n;
  }

  std::string Envelope(std::initializer_list<int> ns) {
    std::string out = R"({"objects":[)";
    bool first = true;
    for (int n : ns) {
      out += (first ? "" : ",") + Indicator(n);
      first = false;
    }
    return out + "]}";
  }

  TempDir dir_;
  std::string init_output_;
  std::string objects_path_;
  uint16_t port_ = 0;
};

TEST_F(NodeRunTest, ServesStopsRestartsRecoversAndAuditsEveryRequest) {
  EXPECT_NE(init_output_.find("node directory node1 created"), std::string::npos) << init_output_;
  const fs::path node_dir = dir_.path() / "node1";
  EXPECT_EQ(fs::status(node_dir / "node.key").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);

  // Run 1: discovery, POST three objects, read them back; no certificate, no access.
  {
    auto node = StartNode(1);
    ASSERT_NE(port_, 0);
    const std::string startup = node->Out();
    EXPECT_NE(startup.find("socmesh node node1.test (CERT-FR, FR; roles national)"),
              std::string::npos)
        << startup;
    auto discovery = Curl("analyst", "GET", "/taxii2/");
    EXPECT_EQ(discovery.status, 200) << discovery.log << discovery.body;
    EXPECT_NE(discovery.body.find("/api1/"), std::string::npos) << discovery.body;

    auto posted = Curl("analyst", "POST", objects_path_, Envelope({1, 2, 3}));
    EXPECT_EQ(posted.status, 202) << posted.log << posted.body;
    EXPECT_NE(posted.body.find("\"success_count\":3"), std::string::npos) << posted.body;

    auto read = Curl("analyst", "GET", objects_path_);
    EXPECT_EQ(read.status, 200) << read.body;
    EXPECT_EQ(CountIndicators(read.body), 3) << read.body;

    // Certificate-role mapping: ANSSI has no mapping, so it is a reader and may not write.
    auto refused_write = Curl("other", "POST", objects_path_, Envelope({9}));
    EXPECT_EQ(refused_write.status, 403) << refused_write.body;

    // No client certificate: the TLS handshake fails, no HTTP answer at all.
    auto anonymous = Curl("", "GET", "/taxii2/");
    EXPECT_NE(anonymous.curl_exit, 0) << anonymous.log;
    EXPECT_EQ(anonymous.status, 0);

    auto exit = node->SignalAndWait(SIGTERM, 30s);
    ASSERT_TRUE(exit.has_value()) << "no exit within 30 s of SIGTERM";
    EXPECT_EQ(*exit, 0) << node->Err();
    EXPECT_NE(node->Out().find("stopped"), std::string::npos) << node->Out();
    for (const auto& text : {node->Out(), node->Err()}) {
      EXPECT_EQ(text.find("PRIVATE KEY"), std::string::npos);
    }
  }

  // Run 2: everything is still there; one more object is acknowledged, then kill -9.
  {
    auto node = StartNode(2);
    ASSERT_NE(port_, 0);
    EXPECT_NE(node->Out().find("(3 objects)"), std::string::npos) << node->Out();
    auto read = Curl("analyst", "GET", objects_path_);
    EXPECT_EQ(CountIndicators(read.body), 3) << read.body;
    auto posted = Curl("analyst", "POST", objects_path_, Envelope({4}));
    EXPECT_EQ(posted.status, 202) << posted.body;
    auto exit = node->SignalAndWait(SIGKILL, 30s);
    ASSERT_TRUE(exit.has_value());
    EXPECT_EQ(*exit, -1);
  }

  // Run 3, after the crash: the acknowledged object survived, the node serves and stops cleanly.
  {
    auto node = StartNode(3);
    ASSERT_NE(port_, 0) << "no restart after kill -9";
    auto read = Curl("analyst", "GET", objects_path_);
    EXPECT_EQ(read.status, 200);
    EXPECT_EQ(CountIndicators(read.body), 4) << read.body;
    auto exit = node->SignalAndWait(SIGINT, 30s);
    ASSERT_TRUE(exit.has_value());
    EXPECT_EQ(*exit, 0) << node->Err();
  }

  // The audit log verifies with the node's audit public key (final checkpoint: no unsigned tail)
  // and holds the requests with who, what and how many.
  RunResult verify =
      RunBash(dir_.path(), "socmesh audit verify --log node1/audit --pubkey node1/audit.pub.pem");
  EXPECT_EQ(verify.exit_code, 0) << verify.out;
  EXPECT_NE(verify.out.find("ok"), std::string::npos) << verify.out;
  RunResult show = RunBash(dir_.path(), "socmesh audit show --log node1/audit --json");
  ASSERT_EQ(show.exit_code, 0) << show.out;
  auto count = [&](const std::string& needle) {
    int n = 0;
    for (size_t at = show.out.find(needle); at != std::string::npos;
         at = show.out.find(needle, at + 1)) {
      ++n;
    }
    return n;
  };
  EXPECT_EQ(count("\"action\":\"node-start\""), 3) << show.out;
  EXPECT_EQ(count("\"action\":\"node-stop\""), 2) << show.out;  // none for the killed run
  // Run 1: 4 HTTP requests (the anonymous one never became a request), run 2: 2, run 3: 1.
  EXPECT_EQ(count("\"action\":\"request\""), 7) << show.out;
  // The first POST: organisation, role, certificate serial, method, status and object count.
  const std::regex post_entry(
      R"re(\{"action":"request","actor":\{"node":"node1.test","org":"CERT-FR","user":""\},"details":\{)re"
      R"re("cert_serial":"[0-9A-F]+","country":"FR","method":"POST","objects":"3",)re"
      R"re("remote":"127.0.0.1:\d+","role":"analyst","status":"202"\},"outcome":"success",)re"
      R"re("prev":"[0-9a-f]{64}","seq":\d+,"target":"/api1/collections/[0-9a-f-]+/objects/")re");
  EXPECT_TRUE(std::regex_search(show.out, post_entry)) << show.out;
  EXPECT_NE(show.out.find(R"("org":"ANSSI","user":""},"details":{"cert_serial")"),
            std::string::npos);
  EXPECT_NE(show.out.find(R"("role":"reader","status":"403"},"outcome":"denied")"),
            std::string::npos)
      << show.out;
}

TEST_F(NodeRunTest, InitRefusesAnExistingNodeDirectory) {
  RunResult again = RunBash(dir_.path(),
                            "socmesh node init --dir node1 --name n --organisation CERT-FR "
                            "--country FR || echo exit=$?");
  EXPECT_NE(again.out.find("exists and is not empty"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("exit=3"), std::string::npos) << again.out;
  // The CSR is what the CA needs: subject C, O, CN and the SANs given.
  RunResult csr = RunBash(dir_.path(), "openssl req -in node1/node.csr -noout -subject -text");
  EXPECT_NE(csr.out.find("C = FR, O = CERT-FR, CN = node1.test"), std::string::npos) << csr.out;
  EXPECT_NE(csr.out.find("IP Address:127.0.0.1"), std::string::npos) << csr.out;
  // `node check` accepts the generated config.
  RunResult check = RunBash(dir_.path(), "socmesh node check --config node1/node.toml");
  EXPECT_EQ(check.exit_code, 0) << check.out;
}

TEST_F(NodeRunTest, RunRefusesABadConfigNamingTheKey) {
  RunResult r = RunBash(dir_.path(),
                        "cp node1/node.toml bad.toml\n"
                        "sed -i 's/^port = 0/port = \"zero\"/' bad.toml\n"
                        "socmesh node run --config bad.toml || echo exit=$?");
  EXPECT_NE(r.out.find("listen.port: expected an integer, got a string"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("exit=3"), std::string::npos) << r.out;
}

TEST_F(NodeRunTest, NodeKeyInAPkcs11TokenServesTls) {
  // `node init --key-uri`: the key is generated inside a SoftHSM2 token, the config records where
  // the PIN file is (never the PIN), and `node run` serves TLS with the token key.
  RunResult r = RunBash(dir_.path(), R"(
mkdir tokens
echo "directories.tokendir = $PWD/tokens" > softhsm2.conf
export SOFTHSM2_CONF=$PWD/softhsm2.conf
softhsm2-util --init-token --free --label node2 --pin 1234 --so-pin 5678 >/dev/null
printf '1234\n' > node2.pin && chmod 600 node2.pin
socmesh node init --dir node2 --name node2.test --organisation CERT-FR --country FR \
  --key-uri 'pkcs11:token=node2;object=nodekey' --pin-file node2.pin --ip 127.0.0.1 \
  --listen 127.0.0.1:0
socmesh pki sign --ca fr --csr node2/node.csr --profile node -o node2-cert.pem 2>/dev/null
cat node2-cert.pem fr/ca.pem > node2/node.pem
cp root/ca.pem node2/ca.pem
)");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_FALSE(fs::exists(dir_.path() / "node2" / "node.key"));
  const std::string config = ReadFile(dir_.path() / "node2" / "node.toml");
  EXPECT_NE(config.find("pin_file = \"" + (dir_.path() / "node2.pin").string() + "\""),
            std::string::npos)
      << config;
  EXPECT_EQ(config.find("1234"), std::string::npos) << config;
  ::setenv("SOFTHSM2_CONF", (dir_.path() / "softhsm2.conf").c_str(), 1);
  NodeProcess node(dir_.path() / "node2" / "node.toml", dir_.path() / "n2.out",
                   dir_.path() / "n2.err");
  port_ = node.WaitForPort(60s);
  ::unsetenv("SOFTHSM2_CONF");
  ASSERT_NE(port_, 0) << node.Out() << node.Err();
  auto discovery = Curl("analyst", "GET", "/taxii2/");
  EXPECT_EQ(discovery.status, 200) << discovery.log;
  auto exit = node.SignalAndWait(SIGTERM, 30s);
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(*exit, 0) << node.Err();
  EXPECT_EQ((node.Out() + node.Err()).find("1234"), std::string::npos);
}

}  // namespace
}  // namespace socmesh::node
