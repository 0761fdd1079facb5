// Event inputs on loopback (issue 7 item 3; B2a/B2c): syslog over UDP and TCP (RFC 6587 octet
// counting and LF framing), JSON lines over TCP, file tail with append, truncation and rotation by
// rename, a pipe as stdin, and the malformed counters and samples. Every runner is stopped and
// joined by the test; waits are bounded.
#include "events/inputs.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

#include "common/test_data.hpp"

namespace socmesh::events {
namespace {

using namespace std::chrono_literals;

// Copies what the tests look at (Events are only valid during OnEvent).
class CollectingSink : public InputSink {
 public:
  struct Seen {
    std::string source, type, message, first_value;
    EventFormat format;
    bool has_time;
  };
  void OnEvent(const Event& event) override {
    std::lock_guard lock(mutex_);
    seen_.push_back({std::string(event.source), std::string(event.type), std::string(event.message),
                     event.observables.empty() ? "" : std::string(event.observables[0].value),
                     event.format, event.time.has_value()});
  }
  size_t size() {
    std::lock_guard lock(mutex_);
    return seen_.size();
  }
  std::vector<Seen> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  std::mutex mutex_;
  std::vector<Seen> seen_;
};

// Runs the loop on a thread for the test's duration.
class RunningLoop {
 public:
  explicit RunningLoop(InputRunner& runner) : runner_(runner), thread_([&] { runner_.Run(); }) {}
  ~RunningLoop() {
    runner_.Stop();
    thread_.join();
  }

 private:
  InputRunner& runner_;
  std::thread thread_;
};

bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return done();
}

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

void SendUdp(uint16_t port, const std::string& datagram) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  const sockaddr_in addr = Loopback(port);
  ::sendto(fd, datagram.data(), datagram.size(), 0, reinterpret_cast<const sockaddr*>(&addr),
           sizeof addr);
  ::close(fd);
}

// Connects, sends `bytes` in pieces of `chunk` (to cross read boundaries), closes.
void SendTcp(uint16_t port, const std::string& bytes, size_t chunk = 7) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const sockaddr_in addr = Loopback(port);
  ASSERT_EQ(::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
  for (size_t i = 0; i < bytes.size(); i += chunk) {
    const std::string piece = bytes.substr(i, chunk);
    ASSERT_EQ(::send(fd, piece.data(), piece.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(piece.size()));
  }
  ::close(fd);
}

TEST(UdpSyslogInput, ReceivesDatagramsAndCountsMalformed) {
  CollectingSink sink;
  auto runner = InputRunner::Create();
  UdpInputConfig config;
  config.name = "udp-test";
  config.port = 0;
  config.max_message_bytes = 2048;
  auto input = runner->AddUdp(config, sink);
  ASSERT_TRUE(input.has_value()) << input.error().message;
  const uint16_t port = (*input)->local_port();
  ASSERT_NE(port, 0);
  RunningLoop loop(*runner);
  SendUdp(port,
          "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - from 192.0.2.9\n");
  SendUdp(port, "<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!");
  SendUdp(port, "<999>1 - - - - - -");             // malformed PRI
  SendUdp(port, "<13>" + std::string(5000, 'x'));  // oversized
  ASSERT_TRUE(WaitFor([&] { return (*input)->stats().frames == 4; }));
  const InputStats stats = (*input)->stats();
  EXPECT_EQ(stats.parsed, 2u);
  EXPECT_EQ(stats.malformed, 1u);
  EXPECT_EQ(stats.oversized, 1u);
  const auto seen = sink.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].source, "udp-test");
  EXPECT_EQ(seen[0].first_value, "192.0.2.9");
  EXPECT_EQ(seen[1].format, EventFormat::kSyslog3164);
  EXPECT_TRUE(seen[1].has_time);
  const auto samples = (*input)->malformed_samples();
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[0].text, "<999>1 - - - - - -");
  EXPECT_NE(samples[0].error.find("PRI"), std::string::npos);
  EXPECT_LE(samples[1].text.size(), 170u);  // truncated
}

TEST(TcpSyslogInput, OctetCountingAndLineFramingMixed) {
  CollectingSink sink;
  auto runner = InputRunner::Create();
  TcpInputConfig config;
  config.name = "tcp-syslog";
  config.port = 0;
  config.max_message_bytes = 1000;
  auto input = runner->AddTcp(config, sink);
  ASSERT_TRUE(input.has_value()) << input.error().message;
  RunningLoop loop(*runner);
  const std::string m1 = "<34>1 2003-10-11T22:14:15.003Z host app - - - counted one";
  const std::string m2 = "<34>1 2003-10-11T22:14:15.003Z host app - - - counted\ntwo";
  std::string stream = std::to_string(m1.size()) + " " + m1 + std::to_string(m2.size()) + " " + m2;
  stream += "<13>Oct 11 22:14:15 h app: a line\r\n";
  stream += "2000 " + std::string(2000, 'z');  // oversized counted frame, skipped by its count
  stream += "<13>Oct 11 22:14:15 h app: after the big one\n";
  stream += std::string(1500, 'y') + "\n";  // oversized line
  stream += "<13>Oct 11 22:14:15 h app: last line without LF";
  SendTcp((*input)->local_port(), stream);
  ASSERT_TRUE(WaitFor([&] { return sink.size() == 5; }));
  const auto seen = sink.seen();
  EXPECT_EQ(seen[0].message, "counted one");
  EXPECT_EQ(seen[1].message, "counted\ntwo");  // a LF inside a counted frame is data
  EXPECT_EQ(seen[2].message, "a line");
  EXPECT_EQ(seen[3].message, "after the big one");
  EXPECT_EQ(seen[4].message, "last line without LF");
  ASSERT_TRUE(WaitFor([&] { return (*input)->stats().oversized == 2; }));
  EXPECT_EQ((*input)->stats().connections, 1u);
}

TEST(TcpJsonInput, JsonLinesWithAutoMap) {
  CollectingSink sink;
  auto runner = InputRunner::Create();
  TcpInputConfig config;
  config.name = "eve";
  config.port = 0;
  config.framing = TcpFraming::kLines;
  config.decoder.format = InputFormat::kJson;
  auto input = runner->AddTcp(config, sink);
  ASSERT_TRUE(input.has_value()) << input.error().message;
  RunningLoop loop(*runner);
  const std::string eve =
      R"({"timestamp":"2024-03-05T10:22:33.1+0000","event_type":"dns","src_ip":"10.0.0.5",)"
      R"("dns":{"rrname":"evil.example"}})";
  const std::string zeek = R"({"_path":"conn","ts":1.5,"uid":"C","id.orig_h":"10.1.1.1"})";
  // Two connections at once: one loop serves both.
  std::thread a(
      [&] { SendTcp((*input)->local_port(), eve + "\n" + "{not json\n" + zeek + "\n", 50); });
  std::thread b([&] { SendTcp((*input)->local_port(), zeek + "\n" + eve + "\n", 50); });
  a.join();
  b.join();
  ASSERT_TRUE(WaitFor([&] { return (*input)->stats().frames == 5; }));
  EXPECT_EQ((*input)->stats().parsed, 4u);
  EXPECT_EQ((*input)->stats().malformed, 1u);
  EXPECT_EQ((*input)->stats().connections, 2u);
  size_t eve_events = 0;
  for (const auto& s : sink.seen()) eve_events += s.format == EventFormat::kSuricataEve;
  EXPECT_EQ(eve_events, 2u);
}

void Append(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::app | std::ios::binary);
  out << text;
}

TEST(FileTailInput, FollowsAppendsTruncationAndRotation) {
  socmesh::testing::TempDir dir;
  const auto path = dir.path() / "eve.json";
  Append(path, R"({"event_type":"old","src_ip":"10.0.0.1"})"
               "\n");  // before start: not read
  CollectingSink sink;
  auto runner = InputRunner::Create();
  FileTailConfig config;
  config.name = "tail";
  config.path = path;
  config.poll_interval = 20ms;
  config.decoder.format = InputFormat::kJson;
  config.decoder.field_map = SuricataEveFieldMap();
  auto input = runner->AddFileTail(config, sink);
  ASSERT_TRUE(input.has_value()) << input.error().message;
  RunningLoop loop(*runner);

  Append(path, R"({"event_type":"one","src_ip":"10.0.0.2"})"
               "\n"
               R"({"event_type":"tw)");
  ASSERT_TRUE(WaitFor([&] { return sink.size() == 1; }));
  Append(path, R"(o","src_ip":"10.0.0.3"})"
               "\n");  // the rest of a partly written line
  ASSERT_TRUE(WaitFor([&] { return sink.size() == 2; }));

  // copytruncate: emptied, then written again from the start.
  std::filesystem::resize_file(path, 0);
  ASSERT_TRUE(WaitFor([&] { return (*input)->stats().truncations == 1; }));
  Append(path, R"({"event_type":"three","src_ip":"10.0.0.4"})"
               "\n");
  ASSERT_TRUE(WaitFor([&] { return sink.size() == 3; }));

  // Rotation by rename: the old file gets a last line, then a new file takes the path.
  Append(path, R"({"event_type":"four","src_ip":"10.0.0.5"})"
               "\n");
  std::filesystem::rename(path, dir.path() / "eve.json.1");
  Append(path, R"({"event_type":"five","src_ip":"10.0.0.6"})"
               "\n");
  ASSERT_TRUE(WaitFor([&] { return sink.size() == 5; }));
  EXPECT_EQ((*input)->stats().rotations, 1u);

  const auto seen = sink.seen();
  std::vector<std::string> types;
  for (const auto& s : seen) types.push_back(s.type);
  EXPECT_EQ(types, (std::vector<std::string>{"one", "two", "three", "four", "five"}));
  EXPECT_EQ(seen[4].first_value, "10.0.0.6");
  EXPECT_EQ((*input)->stats().malformed, 0u);
}

TEST(StreamInput, ReadsAPipeUntilEof) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  CollectingSink sink;
  auto runner = InputRunner::Create();
  StreamInputConfig config;
  config.name = "stdin";
  config.fd = fds[0];
  config.decoder.format = InputFormat::kCef;
  auto input = runner->AddStream(config, sink);
  ::close(fds[0]);  // the input has its own copy
  ASSERT_TRUE(input.has_value()) << input.error().message;
  const std::string text =
      "CEF:0|V|P|1|100|first|5|src=10.0.0.1\n"
      "not cef at all\n"
      "Sep 19 08:26:10 host CEF:0|V|P|1|101|second|5|dst=10.0.0.2 password=hunter2\n";
  ASSERT_EQ(::write(fds[1], text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ::close(fds[1]);
  runner->Run();  // returns at EOF: no other input has work
  EXPECT_EQ(sink.size(), 2u);
  EXPECT_EQ((*input)->stats().malformed, 1u);
  EXPECT_EQ(sink.seen()[1].message, "second");
}

TEST(MalformedSamples, SecretsAreMasked) {
  CollectingSink sink;
  auto runner = InputRunner::Create();
  StreamInputConfig config;
  config.fd = ::open("/dev/null", O_RDONLY);  // not pollable: read by the posted-chunk path
  auto input = runner->AddStream(config, sink);
  ::close(config.fd);
  ASSERT_TRUE(input.has_value());
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  config.fd = fds[0];
  config.decoder.format = InputFormat::kJson;
  auto json = runner->AddStream(config, sink);
  ::close(fds[0]);
  ASSERT_TRUE(json.has_value());
  const std::string text =
      "{\"password\":\"hunter2\",\"token\": \"abc\" Authorization: Bearer eyJhbGci secret=s3 x\n";
  ASSERT_EQ(::write(fds[1], text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ::close(fds[1]);
  runner->Run();
  const auto samples = (*json)->malformed_samples();
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].text.find("hunter2"), std::string::npos) << samples[0].text;
  EXPECT_EQ(samples[0].text.find("abc"), std::string::npos) << samples[0].text;
  EXPECT_EQ(samples[0].text.find("eyJhbGci"), std::string::npos) << samples[0].text;
  EXPECT_EQ(samples[0].text.find("s3"), std::string::npos) << samples[0].text;
  EXPECT_NE(samples[0].text.find("***"), std::string::npos);
}

}  // namespace
}  // namespace socmesh::events
