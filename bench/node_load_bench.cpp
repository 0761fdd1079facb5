// A node under load (issue 5, performance; E12 throughput, E13 scalability, B10 mTLS): N
// concurrent mTLS clients (default 1 000) on loopback against net::HttpServer serving
// api::NodeApi + TaxiiServer over a SQLite store. Every client does a full TLS 1.3 handshake with
// its own certificate (a few organisations), waits until all N are connected (so the server really
// holds N connections at once), then sends M kept-alive requests: TAXII discovery, a TAXII objects
// page, REST health, in turn.
//
// References in the same run: the same N clients against an HttpServer whose handler only answers
// "ok" (what TLS + HTTP + the server's scheduling cost alone), and the same request mix through
// NodeApi::Handle called directly in-process (no TLS, no sockets, one thread).
//
// The server runs in a child process (forked before any thread exists) so its RSS is its own and
// the client's CPU shows up as a separate process; both share the machine's 2 cores. All clients
// run as coroutines on one thread (no thread per connection). RLIMIT_NOFILE is raised to its hard
// limit, which must allow N sockets per process.
//
// Usage: node_load_bench [--clients N] [--requests M] [--runs R] [--objects O] [--orgs K]
//                        [--io-threads T] [--handler-threads H] [--limit-s S] [--smoke]
// --smoke: 50 clients x 4 requests, one run. Prints a table and one JSON line; exits 3 when any
// request failed or fewer than N connections were open at once.
#include <utility>  // before Asio: Boost 1.74's coroutine header needs std::exchange

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <malloc.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api/auth.hpp"
#include "api/node_api.hpp"
#include "api/taxii_server.hpp"
#include "bench_timing.hpp"
#include "model/stix_object.hpp"
#include "net/http_server.hpp"
#include "net/test_certs.hpp"
#include "store/store.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace api = socmesh::api;
namespace net = socmesh::net;
namespace store = socmesh::store;
using tcp = asio::ip::tcp;
using socmesh::bench::Clock;
using socmesh::bench::Median;
using socmesh::bench::Percentile;
using Stream = beast::ssl_stream<beast::tcp_stream>;

constexpr char kCollection[] = "91a7b528-80eb-42ed-a74d-c6fbd5a26116";
constexpr const char* kOrgs[][2] = {{"ANSSI", "FR"}, {"BSI", "DE"},    {"CERT-EU", "BE"},
                                    {"NCSC", "NL"},  {"CCN", "ES"},    {"ACN", "IT"},
                                    {"CFCS", "DK"},  {"NCSC-FI", "FI"}};

struct Options {
  size_t clients = 1000, requests = 10, runs = 3, objects = 2000, orgs = 5;
  unsigned io_threads = 1, handler_threads = 2;  // the node's defaults (node/config.hpp)
  int limit_s = 120;                             // whole load phase of one run
  bool smoke = false;
};

double Ms(Clock::duration d) { return socmesh::bench::Millis(d); }

// ---------------------------------------------------------------------------------------------
// Server side (child process)

std::string Indicator(size_t n) {
  char id[64];
  std::snprintf(id, sizeof id, "indicator--%08zx-%04zx-4000-8000-000000000000", n >> 16,
                n & 0xffff);
  // TLP:CLEAR and TLP:GREEN: every organisation of the network may read them.
  const char* tlp =
      n % 2 ? "94868c89-83c2-464b-929b-a1a8aa3c8487" : "bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
  return std::string("{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"") + id +
         "\",\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":\"2024-01-01T00:00:00.000Z\","
         "\"name\":\"C2 server " +
         std::to_string(n) + "\",\"pattern\":\"[ipv4-addr:value = '10." +
         std::to_string((n >> 16) & 255) + "." + std::to_string((n >> 8) & 255) + "." +
         std::to_string(n & 255) +
         "']\",\"pattern_type\":\"stix\",\"valid_from\":\"2024-01-01T00:00:00Z\","
         "\"indicator_types\":[\"malicious-activity\"],\"object_marking_refs\":"
         "[\"marking-definition--" +
         tlp + "\"]}";
}

// A store with `objects` indicators, a TAXII server with one collection and the node API on it.
struct NodeUnderTest {
  std::unique_ptr<store::Store> st;
  api::Authenticator auth;
  std::unique_ptr<api::TaxiiServer> taxii;
  std::unique_ptr<api::NodeApi> node;

  bool Open(const std::string& path, size_t objects) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
    auto opened = store::OpenStore({path, false, true, store::Durability::kNormal});
    if (!opened) {
      std::fprintf(stderr, "store: %s\n", opened.error().message.c_str());
      return false;
    }
    st = std::move(*opened);
    std::vector<socmesh::model::StixObject> batch;
    for (size_t n = 0; n < objects; ++n) {
      auto o = socmesh::model::ParseStixObject(Indicator(n));
      if (!o) return false;
      batch.push_back(std::move(*o));
    }
    if (auto r = st->Ingest(batch); !r) {
      std::fprintf(stderr, "ingest: %s\n", r.error().message.c_str());
      return false;
    }
    api::TaxiiConfig config;
    api::ApiRootConfig root{"api1", "load", "", 1 << 20, {}};
    root.collections.push_back({kCollection, "all", "", true, false, {}, std::nullopt});
    config.api_roots.push_back(std::move(root));
    config.default_api_root = "api1";
    taxii = std::make_unique<api::TaxiiServer>(*st, auth, std::move(config));
    node = std::make_unique<api::NodeApi>(auth, *taxii);
    return true;
  }
};

size_t ProcStatusKib(pid_t pid, const char* field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::stoul(line.substr(std::strlen(field)));
  }
  return 0;
}

bool WriteLine(int fd, const std::string& s) {
  const std::string line = s + "\n";
  return write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
}

std::string ReadLine(int fd) {
  std::string out;
  char c;
  while (read(fd, &c, 1) == 1 && c != '\n') out.push_back(c);
  return out;
}

// The child: serves the node API and the "ok" reference on two ports, answers commands on
// `cmd_in` ("stats" → counters of both servers and the peak of open connections since the last
// "stats"; "quit"), and samples the open connections every 5 ms.
int ServeChild(const Options& opt, const std::string& dir, const socmesh::testing::Issued& id,
               const std::string& ca_file, int cmd_in, int out) {
  prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlive the bench
  NodeUnderTest node;
  if (!node.Open(dir + "/server-store.db", opt.objects)) return 1;
  net::ServerOptions so;
  so.tls.certificate_file = id.cert_file;
  so.tls.private_key_file = id.key_file;
  so.tls.ca_file = ca_file;
  so.io_threads = opt.io_threads;
  so.handler_threads = opt.handler_threads;
  so.limits.max_connections = opt.clients + 64;
  api::NodeApi* handler = node.node.get();
  auto api_server =
      net::HttpServer::Start(so, [handler](const net::Request& r) { return handler->Handle(r); });
  auto ok_server = net::HttpServer::Start(
      so, [](const net::Request&) { return net::Response::Text(200, "ok\n"); });
  if (!api_server || !ok_server) {
    std::fprintf(stderr, "server: %s\n",
                 (!api_server ? api_server.error() : ok_server.error()).message.c_str());
    return 1;
  }
  WriteLine(out,
            std::to_string((*api_server)->port()) + " " + std::to_string((*ok_server)->port()));
  std::atomic<uint64_t> peak{0};
  std::atomic<bool> done{false};
  std::thread sampler([&] {
    while (!done) {
      const uint64_t open =
          std::max((*api_server)->stats().connections_open, (*ok_server)->stats().connections_open);
      uint64_t seen = peak.load();
      while (open > seen && !peak.compare_exchange_weak(seen, open)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  for (;;) {
    const std::string cmd = ReadLine(cmd_in);
    if (cmd == "stats") {
      std::string line;
      for (auto* s : {api_server->get(), ok_server->get()}) {
        const auto st = s->stats();
        line += std::to_string(st.connections_accepted) + " " +
                std::to_string(st.connections_refused) + " " +
                std::to_string(st.handshakes_failed) + " " + std::to_string(st.requests) + " " +
                std::to_string(st.bad_requests) + " ";
      }
      WriteLine(out, line + std::to_string(peak.exchange(0)));
    } else if (cmd == "trim") {
      // Hand freed heap back to the kernel, so "RSS after" shows what is still in use rather
      // than what malloc keeps cached for the next burst.
      malloc_trim(0);
      WriteLine(out, "trimmed");
    } else {
      break;  // "quit" or the bench went away
    }
  }
  done = true;
  sampler.join();
  (*api_server)->Stop();
  (*ok_server)->Stop();
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Client side (parent process)

struct Identity {
  X509* cert = nullptr;
  EVP_PKEY* key = nullptr;
};

Identity LoadIdentity(const socmesh::testing::Issued& id) {
  Identity out;
  if (FILE* f = std::fopen(id.cert_file.c_str(), "r")) {
    out.cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
    std::fclose(f);
  }
  if (FILE* f = std::fopen(id.key_file.c_str(), "r")) {
    out.key = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
    std::fclose(f);
  }
  return out;
}

// The request mix, in turn: TAXII discovery, a page of 20 objects, REST health.
const char* AcceptFor(size_t k) {
  return k % 3 == 2 ? "application/json" : "application/taxii+json;version=2.1";
}

std::string TargetFor(size_t k) {
  switch (k % 3) {
    case 0:
      return "/taxii2/";
    case 1:
      return std::string("/api1/collections/") + kCollection + "/objects/?limit=20";
    default:
      return "/api/v1/health";
  }
}

struct RunResult {
  size_t handshakes = 0, requests = 0, errors = 0;
  double handshake_s = 0, request_s = 0;  // wall time of each phase
  std::vector<double> handshake_ms, request_ms;
  std::string first_error;
};

class LoadRun {
 public:
  LoadRun(const Options& opt, uint16_t port, const std::string& ca_file,
          const std::vector<Identity>& ids)
      : opt_(opt),
        port_(port),
        ids_(ids),
        ssl_(asio::ssl::context::tlsv13_client),
        release_(io_),
        deadline_(io_) {
    ssl_.load_verify_file(ca_file);
    ssl_.set_verify_mode(asio::ssl::verify_peer);
    result_.handshake_ms.reserve(opt.clients);
    result_.request_ms.reserve(opt.clients * opt.requests);
  }

  RunResult Run() {
    release_.expires_at(Clock::time_point::max());
    deadline_.expires_after(std::chrono::seconds(opt_.limit_s));
    deadline_.async_wait([this](beast::error_code ec) {
      if (ec) return;
      Fail("run time limit reached");
      for (Stream* s : open_) s->next_layer().close();  // every pending operation fails now
      release_.cancel();
    });
    start_ = Clock::now();
    for (size_t i = 0; i < opt_.clients; ++i) {
      asio::co_spawn(io_, Client(i), asio::detached);
    }
    io_.run();
    return std::move(result_);
  }

 private:
  void Fail(const std::string& what) {
    ++result_.errors;
    if (result_.first_error.empty()) result_.first_error = what;
  }

  // Called when a client's handshake ends (well or not); the last one releases everybody.
  void HandshakeEnded() {
    if (++ended_ == opt_.clients) {
      result_.handshake_s = Ms(Clock::now() - start_) / 1000;
      release_.cancel();
      requests_start_ = Clock::now();
    }
  }

  void ClientDone() {
    if (++finished_ == opt_.clients) {
      result_.request_s = Ms(Clock::now() - requests_start_) / 1000;
      deadline_.cancel();
    }
  }

  asio::awaitable<void> Client(size_t i) {
    beast::error_code ec;
    Stream stream(asio::make_strand(io_), ssl_);
    SSL* ssl = stream.native_handle();
    // Each client presents its own certificate; the server's is checked for 127.0.0.1.
    const Identity& id = ids_[i % ids_.size()];
    SSL_use_certificate(ssl, id.cert);
    SSL_use_PrivateKey(ssl, id.key);
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), "127.0.0.1");
    open_.push_back(&stream);
    const auto t0 = Clock::now();
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(opt_.limit_s));
    co_await beast::get_lowest_layer(stream).async_connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_),
        asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      co_await stream.async_handshake(asio::ssl::stream_base::client,
                                      asio::redirect_error(asio::use_awaitable, ec));
    }
    const bool connected = !ec;
    if (connected) {
      ++result_.handshakes;
      result_.handshake_ms.push_back(Ms(Clock::now() - t0));
    } else {
      Fail("connect/handshake: " + ec.message());
    }
    HandshakeEnded();
    if (ended_ < opt_.clients) {
      // Hold the connection open until every client has one: N connections at once.
      co_await release_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    beast::flat_buffer buffer;
    for (size_t j = 0; connected && j < opt_.requests; ++j) {
      http::request<http::empty_body> req{http::verb::get, TargetFor(i + j), 11};
      req.set(http::field::host, "127.0.0.1");
      req.set(http::field::accept, AcceptFor(i + j));
      http::response<http::string_body> res;
      const auto r0 = Clock::now();
      co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
      if (!ec) {
        co_await http::async_read(stream, buffer, res,
                                  asio::redirect_error(asio::use_awaitable, ec));
      }
      if (ec) {
        Fail("request: " + ec.message());
        break;
      }
      if (res.result_int() != 200 || res.body().empty()) {
        Fail("status " + std::to_string(res.result_int()) + " for " + std::string(req.target()) +
             ": " + res.body().substr(0, 200));
        break;
      }
      ++result_.requests;
      result_.request_ms.push_back(Ms(Clock::now() - r0));
    }
    if (connected) {
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
      co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
    }
    std::erase(open_, &stream);
    ClientDone();
  }

  const Options& opt_;
  uint16_t port_;
  const std::vector<Identity>& ids_;
  asio::io_context io_{1};
  asio::ssl::context ssl_;
  asio::steady_timer release_, deadline_;
  std::vector<Stream*> open_;
  size_t ended_ = 0, finished_ = 0;
  Clock::time_point start_, requests_start_;
  RunResult result_;
};

// The same request mix through NodeApi::Handle in this process: no TLS, no sockets, one thread.
RunResult Direct(const Options& opt, NodeUnderTest& node) {
  RunResult r;
  const size_t n = std::min<size_t>(opt.clients * opt.requests, 30'000);
  r.request_ms.reserve(n);
  const auto t0 = Clock::now();
  for (size_t k = 0; k < n; ++k) {
    const size_t i = k % opt.clients, j = k / opt.clients;
    net::Request req;
    req.method = "GET";
    req.target = TargetFor(i + j);
    req.headers.Set("Accept", AcceptFor(i + j));
    req.peer = net::PeerIdentity{};
    req.peer->organisation = kOrgs[i % opt.orgs][0];
    req.peer->country = kOrgs[i % opt.orgs][1];
    const auto a = Clock::now();
    const net::Response res = node.node->Handle(req);
    r.request_ms.push_back(Ms(Clock::now() - a));
    if (res.status != 200) {
      ++r.errors;
      if (r.first_error.empty()) r.first_error = "status " + std::to_string(res.status);
    }
    ++r.requests;
  }
  r.request_s = Ms(Clock::now() - t0) / 1000;
  return r;
}

struct ServerCounters {
  uint64_t accepted = 0, refused = 0, failed_handshakes = 0, requests = 0, bad = 0;
};

struct ChildStats {
  ServerCounters api, ok;
  uint64_t peak_open = 0;
};

ChildStats AskStats(int cmd_out, int in) {
  WriteLine(cmd_out, "stats");
  ChildStats s;
  const std::string line = ReadLine(in);
  std::sscanf(line.c_str(), "%lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu", &s.api.accepted,
              &s.api.refused, &s.api.failed_handshakes, &s.api.requests, &s.api.bad, &s.ok.accepted,
              &s.ok.refused, &s.ok.failed_handshakes, &s.ok.requests, &s.ok.bad, &s.peak_open);
  return s;
}

// Raises the soft limit on open files to the hard limit; returns the new soft limit.
rlim_t RaiseOpenFiles(rlim_t* before) {
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  *before = lim.rlim_cur;
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
  getrlimit(RLIMIT_NOFILE, &lim);
  return lim.rlim_cur;
}

struct Summary {
  double handshakes_per_s, requests_per_s, p50, p99, hs_p50, hs_p99;
};

Summary Summarise(const RunResult& r) {
  return {r.handshake_s > 0 ? static_cast<double>(r.handshakes) / r.handshake_s : 0,
          r.request_s > 0 ? static_cast<double>(r.requests) / r.request_s : 0,
          Percentile(r.request_ms, 0.5),
          Percentile(r.request_ms, 0.99),
          Percentile(r.handshake_ms, 0.5),
          Percentile(r.handshake_ms, 0.99)};
}

Summary MedianOf(const std::vector<Summary>& runs) {
  auto pick = [&](double Summary::*field) {
    std::vector<double> v;
    for (const auto& s : runs) v.push_back(s.*field);
    return Median(v);
  };
  return {pick(&Summary::handshakes_per_s),
          pick(&Summary::requests_per_s),
          pick(&Summary::p50),
          pick(&Summary::p99),
          pick(&Summary::hs_p50),
          pick(&Summary::hs_p99)};
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    auto num = [&](auto& field) {
      if (i + 1 >= argc) return false;
      field = static_cast<std::remove_reference_t<decltype(field)>>(std::stoul(argv[++i]));
      return true;
    };
    const std::string a = argv[i];
    bool ok = true;
    if (a == "--smoke") {
      opt.smoke = true;
      opt.clients = 50;
      opt.requests = 4;
      opt.runs = 1;
      opt.objects = 200;
      opt.limit_s = 30;
    } else if (a == "--clients") {
      ok = num(opt.clients);
    } else if (a == "--requests") {
      ok = num(opt.requests);
    } else if (a == "--runs") {
      ok = num(opt.runs);
    } else if (a == "--objects") {
      ok = num(opt.objects);
    } else if (a == "--orgs") {
      ok = num(opt.orgs) && opt.orgs >= 1 && opt.orgs <= std::size(kOrgs);
    } else if (a == "--io-threads") {
      ok = num(opt.io_threads);
    } else if (a == "--handler-threads") {
      ok = num(opt.handler_threads);
    } else if (a == "--limit-s") {
      ok = num(opt.limit_s);
    } else {
      ok = false;
    }
    if (!ok || opt.clients == 0 || opt.runs == 0) {
      std::fprintf(stderr,
                   "usage: node_load_bench [--clients N] [--requests M] [--runs R] [--objects O]"
                   " [--orgs K<=8] [--io-threads T] [--handler-threads H] [--limit-s S]"
                   " [--smoke]\n");
      return 2;
    }
  }
  rlim_t nofile_before = 0;
  const rlim_t nofile = RaiseOpenFiles(&nofile_before);
  if (nofile < opt.clients + 256) {
    std::fprintf(stderr, "RLIMIT_NOFILE hard limit %lu is too low for %zu clients\n",
                 static_cast<unsigned long>(nofile), opt.clients);
    return 2;
  }

  char tmpl[] = "/tmp/node_load_bench.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return 1;
  const std::string dir = tmpl;
  // One certificate per client: O and C from a few organisations, CN per client.
  const auto c0 = Clock::now();
  socmesh::testing::TestCa ca(dir, "eu-root");
  const auto server_id = ca.Issue("server", "CERT-EU", "BE", "node.eu");
  std::vector<socmesh::testing::Issued> issued;
  for (size_t i = 0; i < opt.clients; ++i) {
    const auto& org = kOrgs[i % opt.orgs];
    issued.push_back(ca.Issue("client-" + std::to_string(i), org[0], org[1],
                              "soc-" + std::to_string(i) + "." + org[1]));
  }
  const double certs_s = Ms(Clock::now() - c0) / 1000;

  int to_child[2], from_child[2];
  if (pipe(to_child) != 0 || pipe(from_child) != 0) return 1;
  std::fflush(nullptr);
  const pid_t child = fork();
  if (child < 0) return 1;
  if (child == 0) {
    close(to_child[1]);
    close(from_child[0]);
    _exit(ServeChild(opt, dir, server_id, ca.ca_file(), to_child[0], from_child[1]));
  }
  close(to_child[0]);
  close(from_child[1]);
  const int cmd = to_child[1], in = from_child[0];
  unsigned api_port = 0, ok_port = 0;
  if (std::sscanf(ReadLine(in).c_str(), "%u %u", &api_port, &ok_port) != 2) {
    std::fprintf(stderr, "server child did not start\n");
    waitpid(child, nullptr, 0);
    return 1;
  }
  auto stop_child = [&] {
    WriteLine(cmd, "quit");
    close(cmd);
    waitpid(child, nullptr, 0);
  };

  std::vector<Identity> ids;
  for (const auto& i : issued) ids.push_back(LoadIdentity(i));
  const size_t rss_before = ProcStatusKib(child, "VmRSS:");

  std::vector<Summary> api_runs, ok_runs;
  size_t errors = 0;
  uint64_t min_peak_open = UINT64_MAX;
  std::string first_error;
  for (size_t run = 0; run < opt.runs; ++run) {
    for (const bool against_api : {true, false}) {
      (void)AskStats(cmd, in);  // resets the peak of open connections
      RunResult r =
          LoadRun(opt, static_cast<uint16_t>(against_api ? api_port : ok_port), ca.ca_file(), ids)
              .Run();
      const ChildStats s = AskStats(cmd, in);
      min_peak_open = std::min(min_peak_open, s.peak_open);
      const size_t expected = opt.clients * opt.requests;
      if (r.requests != expected && r.errors == 0) {
        r.errors = expected - r.requests;
        r.first_error = "requests missing";
      }
      errors += r.errors;
      if (first_error.empty()) first_error = r.first_error;
      (against_api ? api_runs : ok_runs).push_back(Summarise(r));
      std::printf(
          "run %zu %-4s handshakes %zu in %.2f s, requests %zu in %.2f s, errors %zu, "
          "peak open connections %lu, server RSS %.1f MiB\n",
          run + 1, against_api ? "api" : "ok", r.handshakes, r.handshake_s, r.requests, r.request_s,
          r.errors, static_cast<unsigned long>(s.peak_open),
          ProcStatusKib(child, "VmRSS:") / 1024.0);
    }
  }
  const ChildStats totals = AskStats(cmd, in);
  const size_t rss_after_untrimmed = ProcStatusKib(child, "VmRSS:");
  WriteLine(cmd, "trim");
  (void)ReadLine(in);
  const size_t rss_after = ProcStatusKib(child, "VmRSS:");
  const size_t rss_peak = ProcStatusKib(child, "VmHWM:");
  stop_child();
  const uint64_t server_errors = totals.api.refused + totals.api.failed_handshakes +
                                 totals.api.bad + totals.ok.refused + totals.ok.failed_handshakes +
                                 totals.ok.bad;

  NodeUnderTest local;
  if (!local.Open(dir + "/direct-store.db", opt.objects)) return 1;
  const RunResult direct = Direct(opt, local);
  errors += direct.errors;
  if (first_error.empty()) first_error = direct.first_error;
  const Summary d = Summarise(direct);
  const Summary a = MedianOf(api_runs), o = MedianOf(ok_runs);
  local.node.reset();
  local.taxii.reset();
  local.st.reset();
  for (auto& id : ids) {
    X509_free(id.cert);
    EVP_PKEY_free(id.key);
  }
  std::filesystem::remove_all(dir);

  std::printf(
      "\nclients %zu (orgs %zu, one certificate each, issued in %.1f s), %zu requests each,"
      " %zu objects, server io/handler threads %u/%u, RLIMIT_NOFILE %lu -> %lu\n",
      opt.clients, opt.orgs, certs_s, opt.requests, opt.objects, opt.io_threads,
      opt.handler_threads, static_cast<unsigned long>(nofile_before),
      static_cast<unsigned long>(nofile));
  std::printf("median of %zu runs; client and server share this machine's cores\n", opt.runs);
  std::printf("%-30s %12s %12s %9s %9s %9s %9s\n", "", "handshakes/s", "requests/s", "hs p50",
              "hs p99", "req p50", "req p99");
  auto row = [](const char* name, const Summary& s, bool tls) {
    if (tls) {
      std::printf("%-30s %12.0f %12.0f %7.1fms %7.1fms %7.2fms %7.2fms\n", name, s.handshakes_per_s,
                  s.requests_per_s, s.hs_p50, s.hs_p99, s.p50, s.p99);
    } else {
      std::printf("%-30s %12s %12.0f %9s %9s %7.3fms %7.3fms\n", name, "-", s.requests_per_s, "-",
                  "-", s.p50, s.p99);
    }
  };
  row("node API over mTLS", a, true);
  row("\"ok\" handler over mTLS (ref)", o, true);
  row("NodeApi::Handle direct (ref)", d, false);
  const double vs_ok = o.requests_per_s > 0 ? a.requests_per_s / o.requests_per_s : 0;
  const double vs_direct = d.requests_per_s > 0 ? a.requests_per_s / d.requests_per_s : 0;
  std::printf("ratio requests/s: API over mTLS / ok over mTLS %.2f, / direct %.3f\n", vs_ok,
              vs_direct);
  std::printf(
      "server RSS before %.1f MiB, peak %.1f MiB, after %.1f MiB (%.1f MiB before malloc_trim)\n",
      rss_before / 1024.0, rss_peak / 1024.0, rss_after / 1024.0, rss_after_untrimmed / 1024.0);
  std::printf(
      "peak open connections %lu (min over runs); errors %zu client-side, %lu server-side%s%s\n",
      static_cast<unsigned long>(min_peak_open), errors, static_cast<unsigned long>(server_errors),
      first_error.empty() ? "" : "; first: ", first_error.c_str());
  std::printf(
      "{\"bench\":\"node_load\",\"clients\":%zu,\"requests_per_client\":%zu,\"runs\":%zu,"
      "\"handshakes_per_s\":%.0f,\"requests_per_s\":%.0f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
      "\"handshake_p50_ms\":%.1f,\"handshake_p99_ms\":%.1f,\"ok_handshakes_per_s\":%.0f,"
      "\"ok_requests_per_s\":%.0f,\"direct_requests_per_s\":%.0f,\"direct_p50_ms\":%.4f,"
      "\"ratio_vs_ok\":%.3f,\"ratio_vs_direct\":%.4f,\"errors\":%zu,\"server_errors\":%lu,"
      "\"peak_open_connections\":%lu,\"server_rss_before_mib\":%.1f,\"server_rss_peak_mib\":%.1f,"
      "\"server_rss_after_mib\":%.1f,\"nofile\":%lu}\n",
      opt.clients, opt.requests, opt.runs, a.handshakes_per_s, a.requests_per_s, a.p50, a.p99,
      a.hs_p50, a.hs_p99, o.handshakes_per_s, o.requests_per_s, d.requests_per_s, d.p50, vs_ok,
      vs_direct, errors, static_cast<unsigned long>(server_errors),
      static_cast<unsigned long>(min_peak_open), rss_before / 1024.0, rss_peak / 1024.0,
      rss_after / 1024.0, static_cast<unsigned long>(nofile));
  return errors == 0 && server_errors == 0 && min_peak_open >= opt.clients ? 0 : 3;
}
