// Boost 1.74's Asio coroutine header uses std::exchange without including <utility>.
#include <utility>

#include "net/http_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

namespace socmesh::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Stream = beast::ssl_stream<beast::tcp_stream>;

namespace {

// One open connection, as seen by Stop(): idle ones are closed at once, busy ones finish their
// request first.
struct Connection {
  std::atomic<bool> idle{false};
  std::atomic<Stream*> stream{nullptr};
};

// The first read of a request. Small on purpose: every idle connection keeps this much, and
// async_read_header grows the buffer when a request needs more.
constexpr size_t kFirstRead = 1024;

http::status StatusFor(const beast::error_code& ec) {
  if (ec == http::error::header_limit) return http::status::request_header_fields_too_large;
  if (ec == http::error::body_limit) return http::status::payload_too_large;
  return http::status::bad_request;
}

}  // namespace

struct HttpServer::Impl {
  ServerOptions options;
  Handler handler;
  asio::io_context io;
  asio::ssl::context ssl{asio::ssl::context::tls_server};
  tcp::acceptor acceptor{io};
  asio::thread_pool handlers;
  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};
  bool stopped = false;

  std::mutex mu;
  std::condition_variable all_closed;
  std::unordered_set<std::shared_ptr<Connection>> connections;

  std::atomic<uint64_t> accepted{0}, refused{0}, handshakes_failed{0}, requests{0}, bad_requests{0};

  explicit Impl(ServerOptions o, Handler h)
      : options(std::move(o)), handler(std::move(h)), handlers(options.handler_threads) {}

  asio::awaitable<void> Accept();
  asio::awaitable<void> Session(tcp::socket socket, std::shared_ptr<Connection> conn);
  asio::awaitable<Response> Handle(Request request);
  asio::awaitable<Response> RunHandler(Request request);
  void Forget(const std::shared_ptr<Connection>& conn) {
    std::lock_guard lock(mu);
    connections.erase(conn);
    if (connections.empty()) all_closed.notify_all();
  }
};

asio::awaitable<void> HttpServer::Impl::Accept() {
  for (;;) {
    beast::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(
        asio::make_strand(io), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (stopping || ec == asio::error::operation_aborted) co_return;
      continue;  // e.g. EMFILE: keep serving the connections we have
    }
    auto conn = std::make_shared<Connection>();
    {
      std::lock_guard lock(mu);
      if (connections.size() >= options.limits.max_connections) {
        ++refused;
        beast::error_code ignored;
        socket.close(ignored);
        continue;
      }
      connections.insert(conn);
    }
    ++accepted;
    auto executor = socket.get_executor();
    asio::co_spawn(executor, Session(std::move(socket), conn), asio::detached);
  }
}

// A named coroutine, not a lambda: g++ 12 destroys the captures of coroutine lambdas twice.
asio::awaitable<Response> HttpServer::Impl::RunHandler(Request request) {
  try {
    co_return handler(request);
  } catch (const std::exception&) {
    // Never echo exception text: it may carry internals.
    co_return Response::Text(500, "internal error\n");
  }
}

asio::awaitable<Response> HttpServer::Impl::Handle(Request request) {
  // Run the handler on the handler pool; the coroutine resumes on the connection's strand.
  co_return co_await asio::co_spawn(handlers, RunHandler(std::move(request)), asio::use_awaitable);
}

asio::awaitable<void> HttpServer::Impl::Session(tcp::socket socket,
                                                std::shared_ptr<Connection> conn) {
  const ServerLimits& limits = options.limits;
  beast::error_code ec;
  std::string remote;
  if (auto ep = socket.remote_endpoint(ec); !ec) {
    remote = ep.address().to_string() + ":" + std::to_string(ep.port());
  }
  Stream stream(std::move(socket), ssl);
  conn->stream = &stream;
  stream.next_layer().expires_after(limits.handshake_timeout);
  co_await stream.async_handshake(asio::ssl::stream_base::server,
                                  asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    ++handshakes_failed;
    stream.next_layer().close();
    conn->stream = nullptr;
    Forget(conn);
    co_return;
  }
  const std::optional<PeerIdentity> peer = PeerOf(stream.native_handle());
  beast::flat_buffer buffer;
  bool keep_alive = true;
  while (keep_alive && !stopping) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    conn->idle = true;
    stream.next_layer().expires_after(limits.idle_timeout);
    if (buffer.size() == 0) {
      // Idle time between requests ends with the first bytes of the next one.
      const size_t n = co_await stream.async_read_some(
          buffer.prepare(kFirstRead), asio::redirect_error(asio::use_awaitable, ec));
      buffer.commit(n);
    }
    if (!ec) {
      stream.next_layer().expires_after(limits.header_timeout);
      co_await http::async_read_header(stream, buffer, parser,
                                       asio::redirect_error(asio::use_awaitable, ec));
    }
    conn->idle = false;
    if (!ec && !parser.is_done()) {
      stream.next_layer().expires_after(limits.body_timeout);
      co_await http::async_read(stream, buffer, parser,
                                asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) {
      // The peer went away, timed out, or sent something we refuse. Answer what can be answered
      // (malformed or oversize requests), then close: the stream position is unknown.
      if (ec != http::error::end_of_stream && ec != asio::error::operation_aborted &&
          ec != beast::error::timeout && ec != asio::ssl::error::stream_truncated &&
          ec != asio::error::eof && ec != asio::error::connection_reset) {
        ++bad_requests;
        http::response<http::string_body> res{StatusFor(ec), 11};
        res.set(http::field::content_type, "text/plain");
        res.set(http::field::connection, "close");
        res.body() = ec.message() + "\n";
        res.prepare_payload();
        stream.next_layer().expires_after(limits.write_timeout);
        co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      }
      break;
    }
    ++requests;
    auto& msg = parser.get();
    Request request;
    request.method = std::string(msg.method_string());
    request.target = std::string(msg.target());
    for (const auto& field : msg) {
      request.headers.Add(std::string(field.name_string()), std::string(field.value()));
    }
    request.body = std::move(msg.body());
    request.peer = peer;
    request.remote_address = remote;
    keep_alive = msg.keep_alive();
    Response response = co_await Handle(std::move(request));

    http::response<http::string_body> res{static_cast<http::status>(response.status), 11};
    for (const auto& [name, value] : response.headers.fields()) res.set(name, value);
    res.body() = std::move(response.body);
    res.keep_alive(keep_alive && !stopping);
    res.prepare_payload();
    keep_alive = res.keep_alive();
    stream.next_layer().expires_after(limits.write_timeout);
    co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
  }
  // close_notify when the peer asked to close; when we are stopping, or the peer is gone or
  // silent, waiting for its close_notify would only delay shutdown.
  if (!stopping && !ec) {
    stream.next_layer().expires_after(std::chrono::seconds(1));
    co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
  }
  stream.next_layer().close();
  conn->stream = nullptr;
  Forget(conn);
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(std::chrono::milliseconds{1000}); }

Result<std::unique_ptr<HttpServer>> HttpServer::Start(ServerOptions options, Handler handler) {
  if (options.io_threads == 0 || options.handler_threads == 0) {
    return Fail(ErrorCode::kInvalidArgument,
                "server needs at least one I/O and one handler thread");
  }
  auto impl = std::make_unique<Impl>(std::move(options), std::move(handler));
  if (auto r = ConfigureTls(impl->ssl.native_handle(), impl->options.tls, TlsRole::kServer); !r) {
    return std::unexpected(r.error());
  }
  beast::error_code ec;
  auto address = asio::ip::make_address(impl->options.host, ec);
  if (ec) {
    return Fail(ErrorCode::kInvalidArgument,
                "listen address \"" + impl->options.host + "\": not an IP address");
  }
  const tcp::endpoint endpoint(address, impl->options.port);
  const std::string where = impl->options.host + ":" + std::to_string(impl->options.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Fail(ErrorCode::kIo, "listen on " + where + ": " + ec.message());

  Impl* raw = impl.get();
  asio::co_spawn(raw->io, raw->Accept(), asio::detached);
  for (unsigned i = 0; i < raw->options.io_threads; ++i) {
    raw->threads.emplace_back([raw] { raw->io.run(); });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

uint16_t HttpServer::port() const {
  beast::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

ServerStats HttpServer::stats() const {
  ServerStats s;
  s.connections_accepted = impl_->accepted;
  s.connections_refused = impl_->refused;
  s.handshakes_failed = impl_->handshakes_failed;
  s.requests = impl_->requests;
  s.bad_requests = impl_->bad_requests;
  std::lock_guard lock(impl_->mu);
  s.connections_open = impl_->connections.size();
  return s;
}

void HttpServer::Stop(std::chrono::milliseconds grace) {
  Impl& d = *impl_;
  if (d.stopped) return;
  d.stopped = true;
  d.stopping = true;
  asio::post(d.io, [&d] {
    beast::error_code ignored;
    d.acceptor.close(ignored);
  });
  {
    // Idle connections wait for a request that will not be served: wake them on their strand.
    std::lock_guard lock(d.mu);
    for (const auto& conn : d.connections) {
      if (Stream* s = conn->stream; s != nullptr) {
        asio::post(s->get_executor(), [conn] {
          if (Stream* live = conn->stream.load(); conn->idle && live != nullptr) {
            live->next_layer().cancel();
          }
        });
      }
    }
  }
  {
    std::unique_lock lock(d.mu);
    d.all_closed.wait_for(lock, grace, [&d] { return d.connections.empty(); });
  }
  d.io.stop();
  for (auto& t : d.threads) t.join();
  d.handlers.join();
}

}  // namespace socmesh::net
