#include "federation/replication_fixture.hpp"

#include <signal.h>

#include <fstream>
#include <regex>
#include <thread>

#include "node/config.hpp"

namespace socmesh::federation::testing {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using socmesh::testing::NodeProcess;
using socmesh::testing::RunBash;
using socmesh::testing::RunResult;
using socmesh::testing::ShellQuote;

namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string IndicatorId(int n) {
  char id[64];
  std::snprintf(id, sizeof id, "indicator--%08x-0000-4000-8000-0000000000fe", n);
  return id;
}

std::string Indicator(int n, const std::string& tlp, const std::string& extra) {
  std::string marking;
  if (tlp == "amber+strict") {
    marking =
        R"(,"object_marking_refs":["marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"])";
  } else if (tlp == "green") {
    marking =
        R"(,"object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"])";
  }
  return R"({"type":"indicator","spec_version":"2.1","id":")" + IndicatorId(n) +
         R"(","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z",)"
         R"("pattern":"[ipv4-addr:value = '198.51.100.)" +
         std::to_string(n % 250) +
         R"(']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z")" + marking + extra + "}";
}

int Count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

void ReplicationNetwork::Build(std::vector<NodeSpec> nodes) {
  specs_ = std::move(nodes);
  std::string script = R"(
socmesh pki init-root --dir root --org "EU SOC Network" >/dev/null
)";
  std::string crls = "\"../root/crl.pem\"";
  for (auto& n : specs_) {
    n.port = socmesh::testing::FreeLoopbackPort();
    const std::string cc = Lower(n.country);
    script += "socmesh pki init-country --dir " + cc + " --root root --country " + n.country +
              " >/dev/null\n";
    crls += ", \"../" + cc + "/crl.pem\"";
  }
  for (const auto& n : specs_) {
    const std::string cc = Lower(n.country);
    script += "socmesh node init --dir " + n.name + " --name " + n.name + ".test --organisation " +
              ShellQuote(n.organisation) + " --country " + n.country +
              " --dns localhost --ip 127.0.0.1 --listen 127.0.0.1:" + std::to_string(n.port) +
              " >/dev/null\n";
    script += "socmesh pki sign --ca " + cc + " --csr " + n.name + "/node.csr --profile node -o " +
              n.name + "-cert.pem 2>/dev/null\n";
    script += "cat " + n.name + "-cert.pem " + cc + "/ca.pem > " + n.name + "/node.pem\n";
    script += "cp root/ca.pem " + n.name + "/ca.pem\n";
    script += "sed -i 's|^crls = \\[\\]|crls = [" + crls + "]|' " + n.name + "/node.toml\n";
    // The origin-signing certificate: S/MIME signing purpose, O = the node's organisation.
    script += "socmesh pki keygen --key " + n.name + "/origin.key -o /dev/null 2>/dev/null\n";
    script += "socmesh pki csr --key " + n.name + "/origin.key --country " + n.country + " --org " +
              ShellQuote(n.organisation) + " --name " + n.name + "-origin -o " + n.name +
              "/origin.csr\n";
    script += "socmesh pki sign --ca " + cc + " --csr " + n.name +
              "/origin.csr --profile user -o " + n.name + "/origin-cert.pem 2>/dev/null\n";
    script += "cat " + n.name + "/origin-cert.pem " + cc + "/ca.pem > " + n.name + "/origin.pem\n";
  }
  RunResult r = RunBash(dir(), script);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  for (auto& n : specs_) {
    auto config = node::LoadNodeConfig(dir() / n.name / "node.toml");
    ASSERT_TRUE(config.has_value()) << config.error().message;
    n.objects_path =
        "/api1/collections/" + config->taxii.api_roots[0].collections[0].id + "/objects/";
  }
}

NodeSpec& ReplicationNetwork::Spec(const std::string& node) {
  for (auto& s : specs_) {
    if (s.name == node) return s;
  }
  ADD_FAILURE() << "no node " << node;
  return specs_.front();
}

void ReplicationNetwork::Federate(const std::string& node,
                                  const std::vector<std::pair<std::string, std::string>>& peers,
                                  const std::string& extra) {
  std::ofstream out(dir() / node / "node.toml", std::ios::app);
  out << "\n[federation]\nsigning_certificate = \"origin.pem\"\nfeed_interval_ms = 100\n"
      << extra << "[federation.signing_key]\nkey = \"origin.key\"\n";
  for (const auto& [peer, mode] : peers) {
    const NodeSpec& p = Spec(peer);
    out << "\n[[peers]]\nname = \"" << p.name << "\"\nurl = \"https://127.0.0.1:" << p.port
        << "\"\norganisation = \"" << p.organisation << "\"\ncountry = \"" << p.country
        << "\"\nmode = \"" << mode << "\"\npush_interval_ms = 200\npull_interval_ms = 300\n";
  }
}

void ReplicationNetwork::WriteTopologyAndDirectory(const std::string& toml) {
  std::ofstream(dir() / "topology.toml") << toml;
  std::string script = "rm -f directory.json\n";
  for (const auto& n : specs_) {
    script += "socmesh pki directory build --directory directory.json --name " +
              ShellQuote(n.organisation) + " --country " + n.country +
              " --role national-soc --cert " + n.name + "/origin-cert.pem >/dev/null\n";
  }
  script += "socmesh pki directory sign --ca root --in directory.json -o directory.pem\n";
  RunResult r = RunBash(dir(), script);
  ASSERT_EQ(r.exit_code, 0) << r.out;
}

void ReplicationNetwork::FederateByTopology(
    const std::string& node, const std::vector<std::pair<std::string, std::string>>& peers,
    const std::string& extra) {
  std::ofstream out(dir() / node / "node.toml", std::ios::app);
  out << "\n[federation]\nsigning_certificate = \"origin.pem\"\nfeed_interval_ms = 100\n"
      << "topology = \"../topology.toml\"\ndirectory = \"../directory.pem\"\n"
      << extra << "[federation.signing_key]\nkey = \"origin.key\"\n";
  for (const auto& [peer, mode] : peers) {
    const NodeSpec& p = Spec(peer);
    out << "\n[[peers]]\nname = \"" << p.name << ".test\"\nurl = \"https://127.0.0.1:" << p.port
        << "\"\nmode = \"" << mode << "\"\npush_interval_ms = 200\npull_interval_ms = 300\n";
  }
}

void ReplicationNetwork::Start(const std::string& node) {
  const int run = ++runs_[node];
  const std::string base = node + "-run" + std::to_string(run);
  running_[node].reset();
  auto process = std::make_unique<NodeProcess>(dir() / node / "node.toml", dir() / (base + ".out"),
                                               dir() / (base + ".err"));
  const uint16_t port = process->WaitForPort(60s);
  ASSERT_EQ(port, Spec(node).port) << process->Out() << process->Err();
  running_[node] = std::move(process);
}

void ReplicationNetwork::Kill(const std::string& node) {
  ASSERT_TRUE(running_[node]);
  auto exit = running_[node]->SignalAndWait(SIGKILL, 30s);
  ASSERT_TRUE(exit.has_value());
  running_.erase(node);
}

void ReplicationNetwork::Stop(const std::string& node) {
  ASSERT_TRUE(running_[node]);
  auto exit = running_[node]->SignalAndWait(SIGTERM, 60s);
  ASSERT_TRUE(exit.has_value()) << node << " did not stop within 60 s of SIGTERM";
  EXPECT_EQ(*exit, 0) << running_[node]->Err();
  running_.erase(node);
}

HttpResult ReplicationNetwork::Curl(const std::string& node, const std::string& who,
                                    const std::string& method, const std::string& path,
                                    const std::string& body, const std::string& content_type) {
  std::string cmd = "curl -sS --max-time 30 --cacert root/ca.pem -o resp.body -w '%{http_code}'";
  if (who.starts_with("node:")) {
    const std::string n = who.substr(5);
    cmd += " --cert " + n + "/node.pem --key " + n + "/node.key";
  } else if (!who.empty()) {
    cmd += " --cert " + who + "/origin.pem --key " + who + "/origin.key";
  }
  cmd += " -X " + method + " -H 'Accept: application/taxii+json;version=2.1'";
  if (!body.empty()) {
    std::ofstream(dir() / "req.body", std::ios::binary) << body;
    cmd += " -H " + ShellQuote("Content-Type: " + content_type) + " --data-binary @req.body";
  }
  cmd += " " + ShellQuote("https://127.0.0.1:" + std::to_string(Spec(node).port) + path);
  RunResult r = RunBash(dir(), "rm -f resp.body\n" + cmd + " || echo \" curl-exit=$?\"");
  HttpResult h;
  h.log = r.out;
  std::smatch m;
  static const std::regex kExit(R"(curl-exit=(\d+))");
  h.curl_exit = std::regex_search(r.out, m, kExit) ? std::stoi(m[1]) : 0;
  if (h.curl_exit == 0 && r.out.size() >= 3) h.status = std::stoi(r.out.substr(0, 3));
  if (fs::exists(dir() / "resp.body")) h.body = socmesh::testing::ReadFile(dir() / "resp.body");
  return h;
}

void ReplicationNetwork::Post(const std::string& node, const std::vector<std::string>& objects) {
  std::string body = R"({"objects":[)";
  for (size_t i = 0; i < objects.size(); ++i) body += (i ? "," : "") + objects[i];
  body += "]}";
  auto r = Curl(node, node, "POST", Spec(node).objects_path, body);
  ASSERT_EQ(r.status, 202) << r.log << r.body;
  EXPECT_NE(r.body.find("\"success_count\":" + std::to_string(objects.size())), std::string::npos)
      << r.body;
}

std::pair<int64_t, int64_t> ReplicationNetwork::Counts(const std::string& node) {
  auto r = Curl(node, node, "GET", "/api/v1/stats");
  std::smatch m;
  static const std::regex kObjects(R"("objects":(\d+))");
  static const std::regex kVersions(R"("object_versions":(\d+))");
  if (r.status != 200) return {-1, -1};
  int64_t objects = -1, versions = -1;
  if (std::regex_search(r.body, m, kObjects)) objects = std::stoll(m[1]);
  if (std::regex_search(r.body, m, kVersions)) versions = std::stoll(m[1]);
  return {objects, versions};
}

bool ReplicationNetwork::Has(const std::string& node, const std::string& id) {
  auto r = Curl(node, node, "GET", Spec(node).objects_path + id + "/");
  return r.status == 200 && r.body.find(id) != std::string::npos;
}

std::string ReplicationNetwork::Audit(const std::string& node) {
  RunResult r = RunBash(dir(), "socmesh audit show --log " + node + "/audit --json");
  return r.out;
}

RunResult ReplicationNetwork::Python(const std::string& script) {
  std::ofstream(dir() / "snippet.py") << "import sqlite3, sys\n" << script;
  return RunBash(dir(), "/usr/bin/python3 snippet.py");
}

bool ReplicationNetwork::WaitUntil(const std::function<bool()>& done,
                                   std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return done();
}

}  // namespace socmesh::federation::testing
