#include "sim/simulator.hpp"

#include <unistd.h>

#include <cstring>

#include <algorithm>
#include <deque>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <thread>

#include "federation/routing.hpp"
#include "net/http_client.hpp"
#include "sim/link_proxy.hpp"
#include "sim/network.hpp"
#include "sim/observe.hpp"
#include "sim/process.hpp"
#include "sim/scenario.hpp"

namespace socmesh::sim {

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using federation::NodeIndex;
using federation::Topology;

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Everything one run owns; the destructor stops nodes, the proxy and removes the directory.
class Simulation {
 public:
  Simulation(const SimOptions& o, Topology t)
      : o_(o), topology_(std::move(t)), scenario_(topology_, o.seed) {}
  ~Simulation() { TearDown(); }

  Result<Report> Run();

 private:
  void Say(const std::string& line) {
    if (o_.progress) o_.progress(line);
  }
  bool Interrupted() const { return o_.interrupted && o_.interrupted->load(); }
  // Sleeps `d` in small steps; false when interrupted.
  bool Sleep(std::chrono::milliseconds d) {
    const auto until = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < until) {
      if (Interrupted()) return false;
      std::this_thread::sleep_for(
          std::min<std::chrono::nanoseconds>(20ms, until - std::chrono::steady_clock::now()));
    }
    return !Interrupted();
  }
  static Result<void> InterruptedError() { return Fail(ErrorCode::kIo, "interrupted"); }

  Result<void> Prepare();
  Result<void> StartNodes();
  Result<void> Publish(NodeIndex origin, Phase phase, bool shareable = false);
  // `shareable_first`: the first objects are TLP:GREEN, network scope (see ScenarioGenerator).
  Result<void> PublishFor(size_t count, Phase phase, std::chrono::milliseconds spread,
                          const std::function<NodeIndex(size_t)>& pick, size_t shareable_first = 0);
  Result<void> KillPhase(size_t count);
  Result<void> PartitionPhase(size_t count);
  // Polls the stores until complete, quiet for `quiet`, or `max`; true when complete.
  Result<bool> WaitForDeliveries(std::chrono::milliseconds max, std::chrono::milliseconds quiet);
  std::vector<NodeHoldings> ReadAll();
  void WriteObjectList();
  std::pair<NodeIndex, NodeIndex> ChooseCut();
  void TearDown();

  const SimOptions& o_;
  Topology topology_;
  ScenarioGenerator scenario_;
  fs::path workdir_;
  bool remove_workdir_ = false;
  std::unique_ptr<LinkProxy> proxy_;
  std::map<std::pair<std::string, std::string>, uint16_t> link_ports_;
  Network network_;
  std::vector<std::unique_ptr<NodeProcess>> processes_;
  std::vector<std::unique_ptr<net::HttpClient>> clients_;
  std::vector<ScenarioObject> published_;
  Report report_;
  int64_t heal_us_ = 0;
  bool torn_down_ = false;
};

Result<void> Simulation::Prepare() {
  if (o_.workdir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = (fs::path(tmp && *tmp ? tmp : "/tmp") / "socmesh-sim-XXXXXX").string();
    if (!::mkdtemp(templ.data())) {
      return Fail(ErrorCode::kIo, templ + ": " + std::strerror(errno));
    }
    workdir_ = templ;
    remove_workdir_ = !o_.keep;
  } else {
    workdir_ = fs::absolute(o_.workdir);
    std::error_code ec;
    if (fs::exists(workdir_, ec) && !fs::is_empty(workdir_, ec)) {
      return Fail(ErrorCode::kInvalidArgument,
                  workdir_.string() + ": exists and is not empty; give a new directory");
    }
    fs::create_directories(workdir_, ec);
    if (ec) return Fail(ErrorCode::kIo, workdir_.string() + ": " + ec.message());
  }
  Say("working directory " + workdir_.string());

  auto proxy = LinkProxy::Start();
  if (!proxy) return std::unexpected(proxy.error());
  proxy_ = std::move(*proxy);
  for (NodeIndex a = 0; a < topology_.size(); ++a) {
    for (NodeIndex b : topology_.Peers(a)) {
      const auto& from = topology_.nodes()[a].name;
      const auto& to = topology_.nodes()[b].name;
      auto port = proxy_->AddLink(from, to);
      if (!port) return std::unexpected(port.error());
      link_ports_[{from, to}] = *port;
    }
  }

  NetworkOptions n;
  n.workdir = workdir_;
  n.topology_file = fs::absolute(o_.topology);
  n.link_port = [this](const std::string& from, const std::string& to) {
    return link_ports_.at({from, to});
  };
  n.durable = o_.durable;
  n.push_interval_ms = o_.push_interval_ms;
  n.feed_interval_ms = o_.feed_interval_ms;
  report_.routing = "topology";
  Say("creating the PKI and " + std::to_string(topology_.size()) + " node configurations");
  auto network = BuildNetwork(topology_, n);
  if (!network) return std::unexpected(network.error());
  network_ = std::move(*network);
  return {};
}

Result<void> Simulation::StartNodes() {
  fs::path binary = o_.socmesh_binary;
  if (binary.empty()) {
    std::error_code ec;
    binary = fs::read_symlink("/proc/self/exe", ec);
    if (ec) return Fail(ErrorCode::kIo, "/proc/self/exe: " + ec.message());
  }
  Say("starting " + std::to_string(topology_.size()) + " nodes");
  for (const auto& node : network_.nodes) {
    processes_.push_back(std::make_unique<NodeProcess>(binary, node.config));
    if (auto ok = processes_.back()->Spawn(); !ok) return ok;
  }
  clients_.resize(processes_.size());
  for (size_t i = 0; i < processes_.size(); ++i) {
    auto port = processes_[i]->WaitReady(60s);
    if (!port) return std::unexpected(port.error());
    proxy_->SetTarget(network_.nodes[i].name, *port);
    if (Interrupted()) return InterruptedError();
  }
  return {};
}

Result<void> Simulation::Publish(NodeIndex origin, Phase phase, bool shareable) {
  auto object = scenario_.Next(origin, phase, shareable);
  if (!object) return std::unexpected(object.error());
  const SimNode& node = network_.nodes[origin];
  net::Request request;
  request.method = "POST";
  request.target = "/api1/collections/" + std::string(kCollectionId) + "/objects/";
  request.headers.Add("Content-Type", "application/taxii+json;version=2.1");
  request.headers.Add("Accept", "application/taxii+json;version=2.1");
  request.body = R"({"objects":[)" + object->json + "]}";
  Result<net::Response> response = Fail(ErrorCode::kIo, "not sent");
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!clients_[origin]) {
      net::ClientOptions c;
      c.host = "127.0.0.1";
      c.port = processes_[origin]->port();
      c.tls.certificate_file = node.client_chain.string();
      c.tls.private_key_file = node.client_key.string();
      c.tls.ca_file = network_.root_ca.string();
      c.connect_timeout = 5s;
      c.request_timeout = 10s;
      auto client = net::HttpClient::Create(std::move(c));
      if (!client) return std::unexpected(client.error());
      clients_[origin] = std::move(*client);
    }
    response = clients_[origin]->Send(request);
    if (response) break;
    clients_[origin].reset();
  }
  if (!response || response->status != 202 ||
      response->body.find("\"success_count\":1") == std::string::npos) {
    ++report_.publish_failures;
    if (report_.publish_failures <= 3) {
      report_.notes.push_back(
          "publish at " + node.name + " failed: " +
          (response ? std::to_string(response->status) + " " + response->body.substr(0, 300)
                    : response.error().message));
    }
    return {};
  }
  published_.push_back(std::move(*object));
  return {};
}

Result<void> Simulation::PublishFor(size_t count, Phase phase, std::chrono::milliseconds spread,
                                    const std::function<NodeIndex(size_t)>& pick,
                                    size_t shareable_first) {
  const auto step = count ? spread / static_cast<int64_t>(count) : 0ms;
  for (size_t i = 0; i < count; ++i) {
    const NodeIndex origin = pick(i);
    if (origin != federation::kNoNode) {
      if (auto ok = Publish(origin, phase, i < shareable_first); !ok) return ok;
    }
    if (!Sleep(std::max<std::chrono::milliseconds>(step, o_.publish_interval))) {
      return InterruptedError();
    }
  }
  return {};
}

Result<void> Simulation::KillPhase(size_t count) {
  std::vector<bool> candidates(topology_.size());
  for (NodeIndex i = 0; i < topology_.size(); ++i) {
    candidates[i] = !topology_.nodes()[i].Has(federation::NodeRole::kGateway);
  }
  NodeIndex victim = scenario_.PickNode(candidates);
  if (victim == federation::kNoNode)
    victim = scenario_.PickNode(std::vector<bool>(topology_.size(), true));
  const std::string& name = network_.nodes[victim].name;
  // One object from the victim just before it dies: its signer and outbox must survive kill -9;
  // the first ones published while it is down must reach it after the restart.
  if (auto ok = Publish(victim, Phase::kKill, /*shareable=*/true); !ok) return ok;
  Say("fault: kill -9 " + name);
  FaultRecord fault{"kill", name, NowUs(), 0};
  proxy_->SetTarget(name, 0);
  processes_[victim]->Kill();
  clients_[victim].reset();
  std::vector<bool> alive(topology_.size(), true);
  alive[victim] = false;
  if (auto ok = PublishFor(
          count > 0 ? count - 1 : 0, Phase::kKill, o_.fault_duration,
          [&](size_t) { return scenario_.PickNode(alive); },
          /*shareable_first=*/2);
      !ok) {
    return ok;
  }
  Say("restarting " + name);
  auto port = processes_[victim]->Start(60s);
  if (!port) return std::unexpected(port.error());
  proxy_->SetTarget(name, *port);
  fault.end_us = NowUs();
  report_.faults.push_back(fault);
  return {};
}

// True when the graph stays connected without the link a - b.
bool ConnectedWithout(const Topology& t, NodeIndex a, NodeIndex b, std::vector<bool>* side_of_a) {
  std::vector<bool> seen(t.size(), false);
  std::deque<NodeIndex> queue{a};
  seen[a] = true;
  while (!queue.empty()) {
    NodeIndex at = queue.front();
    queue.pop_front();
    for (NodeIndex p : t.Peers(at)) {
      if ((at == a && p == b) || (at == b && p == a) || seen[p]) continue;
      seen[p] = true;
      queue.push_back(p);
    }
  }
  if (side_of_a) *side_of_a = seen;
  return seen[b];
}

std::pair<NodeIndex, NodeIndex> Simulation::ChooseCut() {
  std::vector<std::pair<NodeIndex, NodeIndex>> bridges, gateway_links, all;
  for (NodeIndex a = 0; a < topology_.size(); ++a) {
    for (NodeIndex b : topology_.Peers(a)) {
      if (b <= a) continue;
      all.emplace_back(a, b);
      if (!ConnectedWithout(topology_, a, b, nullptr)) bridges.emplace_back(a, b);
      if (topology_.nodes()[a].Has(federation::NodeRole::kGateway) &&
          topology_.nodes()[b].Has(federation::NodeRole::kGateway)) {
        gateway_links.emplace_back(a, b);
      }
    }
  }
  // A cut that separates part of the network is the interesting one (objects must wait for the
  // heal); a gateway-gateway link next; any link when the graph has neither.
  const auto& pool = !bridges.empty() ? bridges : !gateway_links.empty() ? gateway_links : all;
  return pool[scenario_.PickIndex(pool.size())];
}

Result<void> Simulation::PartitionPhase(size_t count) {
  if (topology_.LinkCount() == 0) return {};
  auto [a, b] = ChooseCut();
  const std::string& na = network_.nodes[a].name;
  const std::string& nb = network_.nodes[b].name;
  std::vector<bool> side_a;
  const bool bridge = !ConnectedWithout(topology_, a, b, &side_a);
  std::vector<bool> side_b(topology_.size());
  for (size_t i = 0; i < side_b.size(); ++i) side_b[i] = bridge ? !side_a[i] : true;
  Say("fault: partition " + na + " <-> " + nb + (bridge ? " (cuts the network in two)" : ""));
  FaultRecord fault{"partition", na + "<->" + nb, NowUs(), 0};
  proxy_->Partition(na, nb);
  if (auto ok = PublishFor(
          count, Phase::kPartition, o_.fault_duration,
          [&](size_t i) { return scenario_.PickNode(i % 2 ? side_b : side_a); },
          /*shareable_first=*/2);
      !ok) {
    return ok;
  }
  const auto refused = proxy_->Stats(na, nb).refused + proxy_->Stats(nb, na).refused;
  proxy_->Heal(na, nb);
  fault.end_us = heal_us_ = NowUs();
  report_.faults.push_back(fault);
  report_.notes.push_back("partition refused " + std::to_string(refused) + " connection(s)");
  Say("healed " + na + " <-> " + nb);
  return {};
}

std::vector<NodeHoldings> Simulation::ReadAll() {
  std::vector<NodeHoldings> all(network_.nodes.size());
  for (size_t i = 0; i < network_.nodes.size(); ++i) {
    auto h = ReadHoldings(network_.nodes[i].store);
    if (h) all[i] = std::move(*h);
  }
  return all;
}

Result<bool> Simulation::WaitForDeliveries(std::chrono::milliseconds max,
                                           std::chrono::milliseconds quiet) {
  const auto start = std::chrono::steady_clock::now();
  auto last_change = start;
  size_t last_total = SIZE_MAX;
  for (;;) {
    auto holdings = ReadAll();
    if (Complete(topology_, published_, holdings)) return true;
    size_t total = 0;
    for (const auto& h : holdings) total += h.size();
    const auto now = std::chrono::steady_clock::now();
    if (total != last_total) {
      last_total = total;
      last_change = now;
    }
    if (now - start >= max || now - last_change >= quiet) return false;
    if (!Sleep(200ms)) return std::unexpected(InterruptedError().error());
  }
}

// objects.jsonl in the working directory: what was published where, to investigate findings
// with --keep (the stores hold the objects themselves).
void Simulation::WriteObjectList() {
  std::string text;
  for (const auto& o : published_) {
    text += R"({"id":")" + o.id + R"(","origin":")" + topology_.nodes()[o.origin].name +
            R"(","phase":")" + std::string(PhaseName(o.phase)) + R"(","tlp":")" + o.tlp +
            R"(","scope":")" + o.scope + "\"}\n";
  }
  std::ofstream(workdir_ / "objects.jsonl", std::ios::binary) << text;
}

void Simulation::TearDown() {
  if (torn_down_) return;
  torn_down_ = true;
  clients_.clear();
  // Stop in parallel: each node gets the same grace period, not one after another.
  std::vector<std::thread> stopping;
  std::vector<std::optional<int>> codes(processes_.size());
  for (size_t i = 0; i < processes_.size(); ++i) {
    stopping.emplace_back([&, i] { codes[i] = processes_[i]->Stop(10s); });
  }
  for (auto& t : stopping) t.join();
  for (size_t i = 0; i < processes_.size(); ++i) {
    if (codes[i] && *codes[i] != 0) {
      report_.notes.push_back("node " + network_.nodes[i].name + " exited with " +
                              std::to_string(*codes[i]) + " on SIGTERM");
    }
  }
  processes_.clear();
  if (proxy_) proxy_->Stop();
  if (remove_workdir_) {
    std::error_code ec;
    fs::remove_all(workdir_, ec);
  }
}

Result<Report> Simulation::Run() {
  const auto started = std::chrono::steady_clock::now();
  report_.network = topology_.name();
  report_.seed = o_.seed;
  report_.nodes = topology_.size();
  if (auto ok = Prepare(); !ok) return std::unexpected(ok.error());
  if (auto ok = StartNodes(); !ok) return std::unexpected(ok.error());

  const bool kill = o_.faults == "all" || o_.faults == "kill";
  const bool cut = (o_.faults == "all" || o_.faults == "partition") && topology_.LinkCount() > 0;
  size_t kill_objects = 0, cut_objects = 0;
  if (kill && cut) {
    kill_objects = cut_objects = o_.objects / 4;
  } else if (kill) {
    kill_objects = o_.objects * 2 / 5;
  } else if (cut) {
    cut_objects = o_.objects * 2 / 5;
  }
  const size_t steady = o_.objects - kill_objects - cut_objects;

  Say("phase steady: publishing " + std::to_string(steady) + " objects");
  std::vector<bool> everyone(topology_.size(), true);
  if (auto ok = PublishFor(steady, Phase::kSteady, 0ms,
                           [&](size_t) { return scenario_.PickNode(everyone); });
      !ok) {
    return std::unexpected(ok.error());
  }
  // Faults start only when the steady objects have arrived, so their latency stays fault-free.
  auto steady_done = WaitForDeliveries(30s, 5s);
  if (!steady_done) return std::unexpected(steady_done.error());
  if (kill) {
    Say("phase kill: publishing " + std::to_string(kill_objects) + " objects");
    if (auto ok = KillPhase(kill_objects); !ok) return std::unexpected(ok.error());
  }
  if (cut) {
    Say("phase partition: publishing " + std::to_string(cut_objects) + " objects");
    if (auto ok = PartitionPhase(cut_objects); !ok) return std::unexpected(ok.error());
  }
  Say("waiting for convergence (at most " + std::to_string(o_.timeout.count()) + " s)");
  const auto wait_start = std::chrono::steady_clock::now();
  auto complete = WaitForDeliveries(o_.timeout, o_.settle);
  if (!complete) return std::unexpected(complete.error());
  report_.wait_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wait_start)
          .count();
  if (!*complete) {
    report_.notes.push_back("stopped waiting after " +
                            std::to_string(static_cast<int64_t>(report_.wait_ms)) +
                            " ms: some allowed nodes still miss objects");
  }
  Evaluate(topology_, published_, ReadAll(), heal_us_, report_);
  WriteObjectList();
  TearDown();
  if (!remove_workdir_) report_.notes.push_back("working directory kept: " + workdir_.string());
  report_.duration_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report_;
}

}  // namespace

Result<Report> RunSimulation(const SimOptions& options) {
  if (options.objects == 0) return Fail(ErrorCode::kInvalidArgument, "--objects: must be > 0");
  static const std::set<std::string> kFaults{"all", "none", "kill", "partition"};
  if (!kFaults.contains(options.faults)) {
    return Fail(ErrorCode::kInvalidArgument,
                "--faults: expected all, none, kill or partition, got \"" + options.faults + "\"");
  }
  auto topology = federation::LoadTopology(options.topology);
  if (!topology) return std::unexpected(topology.error());
  Simulation simulation(options, std::move(*topology));
  return simulation.Run();
}

}  // namespace socmesh::sim
