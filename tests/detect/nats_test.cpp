// Scale-out over NATS JetStream (B2c, issue 7 item 7): a real nats-server (Debian package) started
// by the test on loopback, several workers sharing one durable consumer.
#include "detect/nats_source.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "common/test_data.hpp"
#include "detect/nats_server.hpp"

namespace socmesh::detect {
namespace {

using testing::FreePort;
using testing::NatsServer;

std::vector<std::string> Events(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(R"({"event_type":"flow","src_ip":"10.0.0.)" + std::to_string(i % 250) +
                  R"(","n":)" + std::to_string(i) + "}");
  }
  return out;
}

TEST(NatsEventSource, TwoWorkersShareOneDurableConsumerAndSeeEveryEventOnce) {
  NatsServer server;
  ASSERT_TRUE(server.up()) << "nats-server did not start (Debian package nats-server)";
  NatsOptions o;
  o.url = server.url();
  o.batch = 25;
  const auto events = Events(1000);
  ASSERT_TRUE(PublishEvents(o, events).has_value());

  auto a = NatsEventSource::Connect(o);
  auto b = NatsEventSource::Connect(o);
  ASSERT_TRUE(a.has_value()) << a.error().message;
  ASSERT_TRUE(b.has_value()) << b.error().message;
  std::map<std::string, int> seen;
  std::map<char, int> per_worker;
  auto handler = [&](char worker) {
    return [&, worker](std::string_view m) {
      ++seen[std::string(m)];
      ++per_worker[worker];
      return NatsEventSource::Verdict::kDone;
    };
  };
  for (int round = 0; round < 200 && seen.size() < events.size(); ++round) {
    ASSERT_TRUE((*a)->Poll(handler('a')).has_value());
    ASSERT_TRUE((*b)->Poll(handler('b')).has_value());
  }
  ASSERT_EQ(seen.size(), events.size());
  for (const auto& e : events) EXPECT_EQ(seen[e], 1) << e;
  EXPECT_GT(per_worker['a'], 0);
  EXPECT_GT(per_worker['b'], 0);
  EXPECT_EQ((*a)->stats().acknowledged + (*b)->stats().acknowledged, 1000u);

  // Everything was acknowledged: a third worker joining later gets nothing again.
  auto c = NatsEventSource::Connect(o);
  ASSERT_TRUE(c.has_value());
  auto n = (*c)->Poll([](std::string_view) { return NatsEventSource::Verdict::kDone; });
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 0u);
}

TEST(NatsEventSource, RetriedEventsComeBackAndMalformedOnesDoNot) {
  NatsServer server;
  ASSERT_TRUE(server.up());
  NatsOptions o;
  o.url = server.url();
  o.batch = 10;
  const std::vector<std::string> events = {"good-1", "transient", "garbage", "good-2"};
  ASSERT_TRUE(PublishEvents(o, events).has_value());
  auto w = NatsEventSource::Connect(o);
  ASSERT_TRUE(w.has_value());
  std::multiset<std::string> handled;
  bool failed_once = false;
  for (int round = 0; round < 50 && handled.count("transient") < 2; ++round) {
    ASSERT_TRUE((*w)->Poll([&](std::string_view m) {
                      handled.insert(std::string(m));
                      if (m == "garbage") return NatsEventSource::Verdict::kMalformed;
                      if (m == "transient" && !failed_once) {
                        failed_once = true;
                        return NatsEventSource::Verdict::kRetry;
                      }
                      return NatsEventSource::Verdict::kDone;
                    })
                    .has_value());
  }
  EXPECT_EQ(handled.count("transient"), 2u);  // negative-acknowledged once, then redelivered
  EXPECT_EQ(handled.count("garbage"), 1u);    // terminated, never redelivered
  EXPECT_EQ(handled.count("good-1"), 1u);
  EXPECT_EQ((*w)->stats().rejected, 1u);
  EXPECT_GE((*w)->stats().redelivered, 1u);
}

TEST(NatsEventSource, UnackedEventsOfACrashedWorkerGoToTheNextOne) {
  NatsServer server;
  ASSERT_TRUE(server.up());
  NatsOptions o;
  o.url = server.url();
  o.batch = 50;
  o.ack_wait = std::chrono::seconds(1);
  ASSERT_TRUE(PublishEvents(o, Events(50)).has_value());
  // The first worker is a child process that fetches the batch and dies before acknowledging.
  pid_t child = ::fork();
  if (child == 0) {
    ::alarm(20);  // a child forked from a threaded test must never hang the suite
    auto w = NatsEventSource::Connect(o);
    if (w) (void)(*w)->Poll([](std::string_view) -> NatsEventSource::Verdict { ::_exit(9); });
    ::_exit(1);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 9) << "the crashing worker never received a message";
  auto survivor = NatsEventSource::Connect(o);
  ASSERT_TRUE(survivor.has_value());
  std::set<std::string> seen;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (seen.size() < 50 && std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE((*survivor)
                    ->Poll([&](std::string_view m) {
                      seen.insert(std::string(m));
                      return NatsEventSource::Verdict::kDone;
                    })
                    .has_value());
  }
  EXPECT_EQ(seen.size(), 50u);
}

TEST(NatsEventSource, NoServerIsAnIoErrorNamingTheUrl) {
  NatsOptions o;
  o.url = "nats://127.0.0.1:" + std::to_string(FreePort());
  auto w = NatsEventSource::Connect(o);
  ASSERT_FALSE(w.has_value());
  EXPECT_EQ(w.error().code, ErrorCode::kIo);
  EXPECT_NE(w.error().message.find(o.url), std::string::npos) << w.error().message;
  o.durable = "has space";
  EXPECT_EQ(NatsEventSource::Connect(o).error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace socmesh::detect
