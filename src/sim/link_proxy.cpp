#include "sim/link_proxy.hpp"

#include <atomic>
#include <boost/asio.hpp>
#include <future>
#include <map>
#include <set>
#include <thread>

namespace socmesh::sim {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct Link;

// One spliced connection: the peer's socket and ours to the target, a buffer per direction.
struct Session : std::enable_shared_from_this<Session> {
  Session(tcp::socket c, Link& l, size_t buffer_bytes)
      : client(std::move(c)), upstream(client.get_executor()), link(l) {
    up_buffer.resize(buffer_bytes);
    down_buffer.resize(buffer_bytes);
  }
  tcp::socket client;
  tcp::socket upstream;
  Link& link;
  std::vector<char> up_buffer, down_buffer;
  bool closed = false;

  void Begin(uint16_t port);
  void Pump(tcp::socket& from, tcp::socket& to, std::vector<char>& buffer);
  void Close();
};

struct Link {
  std::string from, to;
  std::unique_ptr<tcp::acceptor> acceptor;
  bool blocked = false;
  std::set<std::shared_ptr<Session>> sessions;
  LinkStats stats;
};

void Session::Close() {
  if (closed) return;
  closed = true;
  boost::system::error_code ignored;
  client.close(ignored);
  upstream.close(ignored);
  link.sessions.erase(shared_from_this());
  link.stats.open = link.sessions.size();
}

void Session::Begin(uint16_t port) {
  upstream.async_connect(tcp::endpoint(asio::ip::address_v4::loopback(), port),
                         [self = shared_from_this()](const boost::system::error_code& ec) {
                           if (self->closed) return;
                           if (ec) {
                             self->Close();
                             return;
                           }
                           boost::system::error_code ignored;
                           self->upstream.set_option(tcp::no_delay(true), ignored);
                           self->client.set_option(tcp::no_delay(true), ignored);
                           self->Pump(self->client, self->upstream, self->up_buffer);
                           self->Pump(self->upstream, self->client, self->down_buffer);
                         });
}

void Session::Pump(tcp::socket& from, tcp::socket& to, std::vector<char>& buffer) {
  from.async_read_some(asio::buffer(buffer), [self = shared_from_this(), &from, &to, &buffer](
                                                 const boost::system::error_code& ec, size_t n) {
    if (self->closed) return;
    if (ec) {
      self->Close();  // EOF or reset on either side ends the spliced connection
      return;
    }
    self->link.stats.bytes += n;
    asio::async_write(to, asio::buffer(buffer.data(), n),
                      [self, &from, &to, &buffer](const boost::system::error_code& wec, size_t) {
                        if (self->closed) return;
                        if (wec) {
                          self->Close();
                          return;
                        }
                        self->Pump(from, to, buffer);
                      });
  });
}

}  // namespace

struct LinkProxy::Impl {
  explicit Impl(ProxyLimits l) : limits(l), guard(asio::make_work_guard(io)) {}

  ProxyLimits limits;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> guard;
  std::thread thread;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<Link>> links;  // I/O thread only
  std::map<std::string, uint16_t> targets;                                     // I/O thread only
  std::atomic<bool> stopped{false};

  // Runs `f` on the I/O thread and waits for it: every piece of state has one owner.
  template <typename F>
  auto Call(F f) -> decltype(f()) {
    if (stopped) return f();  // the I/O thread is gone: nothing runs concurrently any more
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    asio::post(io, [&task] { task(); });
    return result.get();
  }

  void Accept(Link& link) {
    link.acceptor->async_accept([this, &link](const boost::system::error_code& ec,
                                              tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !link.acceptor->is_open()) return;
      if (!ec) {
        auto target = targets.find(link.to);
        const uint16_t port = target == targets.end() ? 0 : target->second;
        if (link.blocked || port == 0 || link.sessions.size() >= limits.max_connections_per_link) {
          boost::system::error_code ignored;
          socket.set_option(asio::socket_base::linger(true, 0), ignored);  // RST, not FIN
          socket.close(ignored);
          ++link.stats.refused;
        } else {
          auto session = std::make_shared<Session>(std::move(socket), link, limits.buffer_bytes);
          link.sessions.insert(session);
          ++link.stats.accepted;
          link.stats.open = link.sessions.size();
          session->Begin(port);
        }
      }
      Accept(link);
    });
  }

  void CloseSessions(Link& link) {
    auto sessions = link.sessions;  // Close() erases from the set
    for (const auto& s : sessions) s->Close();
  }

  void SetBlocked(const std::string& a, const std::string& b, bool blocked) {
    for (const auto& key : {std::pair{a, b}, std::pair{b, a}}) {
      auto it = links.find(key);
      if (it == links.end()) continue;
      it->second->blocked = blocked;
      if (blocked) CloseSessions(*it->second);
    }
  }
};

LinkProxy::LinkProxy(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

LinkProxy::~LinkProxy() { Stop(); }

Result<std::unique_ptr<LinkProxy>> LinkProxy::Start(ProxyLimits limits) {
  auto impl = std::make_unique<Impl>(limits);
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<LinkProxy>(new LinkProxy(std::move(impl)));
}

Result<uint16_t> LinkProxy::AddLink(const std::string& from, const std::string& to) {
  return impl_->Call([&]() -> Result<uint16_t> {
    auto key = std::pair{from, to};
    if (impl_->links.contains(key)) {
      return Fail(ErrorCode::kConflict, "link " + from + " -> " + to + " exists");
    }
    auto link = std::make_unique<Link>();
    link->from = from;
    link->to = to;
    boost::system::error_code ec;
    link->acceptor = std::make_unique<tcp::acceptor>(impl_->io);
    tcp::endpoint endpoint(asio::ip::address_v4::loopback(), 0);
    link->acceptor->open(endpoint.protocol(), ec);
    if (!ec) link->acceptor->bind(endpoint, ec);
    if (!ec) link->acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Fail(ErrorCode::kIo, "link " + from + " -> " + to + ": listen: " + ec.message());
    }
    const uint16_t port = link->acceptor->local_endpoint().port();
    Link& ref = *link;
    impl_->links.emplace(key, std::move(link));
    impl_->Accept(ref);
    return port;
  });
}

void LinkProxy::SetTarget(const std::string& to, uint16_t port) {
  impl_->Call([&] { impl_->targets[to] = port; });
}

void LinkProxy::Partition(const std::string& a, const std::string& b) {
  impl_->Call([&] { impl_->SetBlocked(a, b, true); });
}

void LinkProxy::Heal(const std::string& a, const std::string& b) {
  impl_->Call([&] { impl_->SetBlocked(a, b, false); });
}

LinkStats LinkProxy::Stats(const std::string& from, const std::string& to) {
  return impl_->Call([&] {
    auto it = impl_->links.find({from, to});
    return it == impl_->links.end() ? LinkStats{} : it->second->stats;
  });
}

void LinkProxy::Stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->Call([&] {
    for (auto& [key, link] : impl_->links) {
      boost::system::error_code ignored;
      link->acceptor->close(ignored);
      impl_->CloseSessions(*link);
    }
    impl_->stopped = true;
  });
  impl_->guard.reset();
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->links.clear();
}

}  // namespace socmesh::sim
