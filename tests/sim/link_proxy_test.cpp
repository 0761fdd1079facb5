// The simulator's link proxy (issue 6 item 5): bytes flow through a link to its target, a
// partition cuts open connections of both directions and refuses new ones, a heal restores the
// link, and a target that is down is refused rather than hung. Plain loopback TCP, bounded.
#include "sim/link_proxy.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace socmesh::sim {
namespace {

using namespace std::chrono_literals;

// An echo server on 127.0.0.1: every connection gets its bytes back, one thread per connection.
class EchoServer {
 public:
  EchoServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] {
      for (;;) {
        int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        ++accepted_;
        workers_.emplace_back([c] {
          char buf[4096];
          for (;;) {
            ssize_t n = ::read(c, buf, sizeof buf);
            if (n <= 0 || ::write(c, buf, static_cast<size_t>(n)) != n) break;
          }
          ::close(c);
        });
      }
    });
  }
  ~EchoServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    acceptor_.join();
    for (auto& w : workers_) w.join();
  }
  uint16_t port() const { return port_; }
  int accepted() const { return accepted_.load(); }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<int> accepted_{0};
  std::thread acceptor_;
  std::vector<std::thread> workers_;
};

int Connect(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{5, 0};  // a test never hangs on a read
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

// Sends `text` and reads the same number of bytes back; "" when the connection fails or closes.
std::string RoundTrip(int fd, const std::string& text) {
  if (::send(fd, text.data(), text.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(text.size())) {
    return "";
  }
  std::string got;
  char buf[256];
  while (got.size() < text.size()) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return "";
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

// True when the peer closes (EOF or reset) within `timeout`.
bool ClosedWithin(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
  char c;
  return ::recv(fd, &c, 1, 0) <= 0;
}

TEST(LinkProxy, SplicesBytesToTheTarget) {
  EchoServer echo;
  auto proxy = LinkProxy::Start();
  ASSERT_TRUE(proxy.has_value());
  auto port = (*proxy)->AddLink("a", "b");
  ASSERT_TRUE(port.has_value()) << port.error().message;
  EXPECT_FALSE((*proxy)->AddLink("a", "b").has_value()) << "a link is opened once";
  (*proxy)->SetTarget("b", echo.port());
  int fd = Connect(*port);
  ASSERT_GE(fd, 0);
  // Larger than one proxy buffer, so the splice loops.
  std::string big(200 * 1024, 'x');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  EXPECT_EQ(RoundTrip(fd, "hello"), "hello");
  EXPECT_EQ(RoundTrip(fd, big), big);
  ::close(fd);
  const LinkStats s = (*proxy)->Stats("a", "b");
  EXPECT_EQ(s.accepted, 1u);
  EXPECT_EQ(s.refused, 0u);
  EXPECT_EQ(s.bytes, 2 * (5 + big.size()));
}

TEST(LinkProxy, PartitionCutsBothDirectionsAndHealRestores) {
  EchoServer to_b, to_a;
  auto proxy = LinkProxy::Start();
  ASSERT_TRUE(proxy.has_value());
  auto ab = (*proxy)->AddLink("a", "b");
  auto ba = (*proxy)->AddLink("b", "a");
  auto ac = (*proxy)->AddLink("a", "c");
  ASSERT_TRUE(ab && ba && ac);
  (*proxy)->SetTarget("b", to_b.port());
  (*proxy)->SetTarget("a", to_a.port());
  (*proxy)->SetTarget("c", to_b.port());
  int fab = Connect(*ab), fba = Connect(*ba), fac = Connect(*ac);
  ASSERT_TRUE(fab >= 0 && fba >= 0 && fac >= 0);
  ASSERT_EQ(RoundTrip(fab, "1"), "1");
  ASSERT_EQ(RoundTrip(fba, "2"), "2");
  ASSERT_EQ(RoundTrip(fac, "3"), "3");

  (*proxy)->Partition("b", "a");  // either order names the same link
  EXPECT_TRUE(ClosedWithin(fab, 2s)) << "open connection a -> b survived the partition";
  EXPECT_TRUE(ClosedWithin(fba, 2s)) << "open connection b -> a survived the partition";
  EXPECT_EQ(RoundTrip(fac, "4"), "4") << "another link must not be affected";
  ::close(fab);
  ::close(fba);

  // New connections are accepted by the kernel and closed at once by the proxy: no byte passes.
  const int echoed_before = to_b.accepted();
  int refused = Connect(*ab);
  ASSERT_GE(refused, 0);
  EXPECT_EQ(RoundTrip(refused, "5"), "");
  ::close(refused);
  EXPECT_EQ(to_b.accepted(), echoed_before) << "the target saw a connection during a partition";
  EXPECT_GE((*proxy)->Stats("a", "b").refused, 1u);

  (*proxy)->Heal("a", "b");
  int healed = Connect(*ab);
  ASSERT_GE(healed, 0);
  EXPECT_EQ(RoundTrip(healed, "6"), "6");
  int healed_back = Connect(*ba);
  ASSERT_GE(healed_back, 0);
  EXPECT_EQ(RoundTrip(healed_back, "7"), "7");
  ::close(healed);
  ::close(healed_back);
  ::close(fac);
}

TEST(LinkProxy, TargetDownIsRefusedAndRestartedTargetIsFollowed) {
  auto proxy = LinkProxy::Start();
  ASSERT_TRUE(proxy.has_value());
  auto port = (*proxy)->AddLink("a", "b");
  ASSERT_TRUE(port.has_value());
  int fd = Connect(*port);  // no target yet: the node is down
  ASSERT_GE(fd, 0);
  EXPECT_EQ(RoundTrip(fd, "x"), "");
  ::close(fd);
  EchoServer restarted;  // the node comes back on another port; the proxy port stays
  (*proxy)->SetTarget("b", restarted.port());
  fd = Connect(*port);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(RoundTrip(fd, "y"), "y");
  ::close(fd);
  (*proxy)->Stop();
  (*proxy)->Stop();  // idempotent
  EXPECT_LT(Connect(*port), 0) << "the listener must be closed after Stop";
}

}  // namespace
}  // namespace socmesh::sim
