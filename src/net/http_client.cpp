#include <utility>  // before Asio: see http_server.cpp

#include "net/http_client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <optional>

namespace socmesh::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Stream = beast::ssl_stream<beast::tcp_stream>;

struct HttpClient::Impl {
  ClientOptions options;
  asio::io_context io;
  asio::ssl::context ssl{asio::ssl::context::tls_client};
  std::unique_ptr<Stream> stream;            // the kept-alive TLS connection, if any
  std::unique_ptr<beast::tcp_stream> plain;  // or the plain one (options.plaintext)
  beast::flat_buffer buffer;
  std::optional<PeerIdentity> server;

  bool connected() const { return stream != nullptr || plain != nullptr; }
  Result<void> Connect();
  Result<void> ConnectPlain();
  Result<Response> Exchange(const Request& request, bool* retry_possible);
  void Drop() {
    stream.reset();
    plain.reset();
    buffer.clear();
  }
};

namespace {

// Runs `op` (a coroutine) to completion on `io` and returns its error code.
beast::error_code RunOnce(asio::io_context& io, asio::awaitable<beast::error_code> op) {
  beast::error_code result;
  asio::co_spawn(io, std::move(op), [&result](std::exception_ptr e, beast::error_code ec) {
    result = e ? beast::error_code(asio::error::fault) : ec;
  });
  io.restart();
  io.run();
  return result;
}

// Named coroutines rather than lambdas: g++ 12 mishandles the captures of coroutine lambdas.
asio::awaitable<beast::error_code> ConnectAndHandshake(Stream& stream, std::string host,
                                                       std::string port,
                                                       std::chrono::milliseconds timeout) {
  beast::error_code ec;
  tcp::resolver resolver(co_await asio::this_coro::executor);
  auto results =
      co_await resolver.async_resolve(host, port, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return ec;
  stream.next_layer().expires_after(timeout);
  co_await stream.next_layer().async_connect(results,
                                             asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return ec;
  co_await stream.async_handshake(asio::ssl::stream_base::client,
                                  asio::redirect_error(asio::use_awaitable, ec));
  co_return ec;
}

asio::awaitable<beast::error_code> ConnectPlainStream(beast::tcp_stream& stream, std::string host,
                                                      std::string port,
                                                      std::chrono::milliseconds timeout) {
  beast::error_code ec;
  tcp::resolver resolver(co_await asio::this_coro::executor);
  auto results =
      co_await resolver.async_resolve(host, port, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return ec;
  stream.expires_after(timeout);
  co_await stream.async_connect(results, asio::redirect_error(asio::use_awaitable, ec));
  co_return ec;
}

beast::tcp_stream& Lowest(beast::tcp_stream& s) { return s; }
beast::tcp_stream& Lowest(Stream& s) { return s.next_layer(); }

template <typename AnyStream>
asio::awaitable<beast::error_code> WriteAndRead(AnyStream& stream,
                                                http::request<http::string_body>& req,
                                                beast::flat_buffer& buffer,
                                                http::response_parser<http::string_body>& parser,
                                                std::chrono::milliseconds timeout, bool& wrote) {
  beast::error_code ec;
  Lowest(stream).expires_after(timeout);
  co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return ec;
  wrote = true;
  co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  co_return ec;
}

bool IsIpLiteral(const std::string& host) {
  beast::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

Result<void> HttpClient::Impl::Connect() {
  Drop();
  const std::string where = options.host + ":" + std::to_string(options.port);
  auto s = std::make_unique<Stream>(io, ssl);
  const std::string& name =
      options.tls.server_name.empty() ? options.host : options.tls.server_name;
  SSL* handle = s->native_handle();
  // The server must prove the name we dialled: an IP SAN for literals, a DNS SAN otherwise.
  if (IsIpLiteral(name)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(handle), name.c_str());
  } else {
    SSL_set_tlsext_host_name(handle, name.c_str());
    SSL_set1_host(handle, name.c_str());
  }
  auto ec = RunOnce(io, ConnectAndHandshake(*s, options.host, std::to_string(options.port),
                                            options.connect_timeout));
  if (ec) {
    std::string reason = ec.message();
    const long verify = SSL_get_verify_result(handle);
    if (verify != X509_V_OK) {
      reason = std::string("server certificate rejected: ") + X509_verify_cert_error_string(verify);
    }
    DrainOpenSslErrors();
    return Fail(ErrorCode::kIo, "connect to " + where + ": " + reason);
  }
  server = PeerOf(handle);
  stream = std::move(s);
  return {};
}

Result<void> HttpClient::Impl::ConnectPlain() {
  Drop();
  auto s = std::make_unique<beast::tcp_stream>(io);
  auto ec = RunOnce(io, ConnectPlainStream(*s, options.host, std::to_string(options.port),
                                           options.connect_timeout));
  if (ec) {
    return Fail(ErrorCode::kIo, "connect to " + options.host + ":" + std::to_string(options.port) +
                                    ": " + ec.message());
  }
  server.reset();
  plain = std::move(s);
  return {};
}

Result<Response> HttpClient::Impl::Exchange(const Request& request, bool* retry_possible) {
  http::request<http::string_body> req;
  req.method_string(request.method);
  req.target(request.target.empty() ? "/" : request.target);
  req.version(11);
  for (const auto& [name, value] : request.headers.fields()) req.set(name, value);
  req.set(http::field::host, options.host + ":" + std::to_string(options.port));
  req.body() = request.body;
  req.keep_alive(true);
  req.prepare_payload();

  http::response_parser<http::string_body> parser;
  parser.body_limit(options.max_response_bytes);
  parser.header_limit(64 * 1024);
  bool wrote = false;
  auto ec =
      plain
          ? RunOnce(io, WriteAndRead(*plain, req, buffer, parser, options.request_timeout, wrote))
          : RunOnce(io, WriteAndRead(*stream, req, buffer, parser, options.request_timeout, wrote));
  if (ec) {
    // A kept-alive connection the server closed in the meantime fails before any response byte:
    // the request can be sent again on a fresh connection.
    *retry_possible = !wrote || (ec == http::error::end_of_stream && buffer.size() == 0);
    Drop();
    if (ec == http::error::body_limit) {
      *retry_possible = false;
      return Fail(ErrorCode::kTooLarge,
                  "response larger than " + std::to_string(options.max_response_bytes) + " bytes");
    }
    return Fail(ErrorCode::kIo, request.method + " " + request.target + ": " + ec.message());
  }
  auto& msg = parser.get();
  Response response;
  response.status = static_cast<int>(msg.result_int());
  for (const auto& field : msg) {
    response.headers.Add(std::string(field.name_string()), std::string(field.value()));
  }
  response.body = std::move(msg.body());
  if (!msg.keep_alive()) Drop();
  return response;
}

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::~HttpClient() = default;

Result<std::unique_ptr<HttpClient>> HttpClient::Create(ClientOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  if (impl->options.plaintext) return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
  if (auto r = ConfigureTls(impl->ssl.native_handle(), impl->options.tls, TlsRole::kClient); !r) {
    return std::unexpected(r.error());
  }
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

Result<Response> HttpClient::Send(const Request& request) {
  Impl& d = *impl_;
  const bool reused = d.connected();
  auto connect = [&d] { return d.options.plaintext ? d.ConnectPlain() : d.Connect(); };
  if (!reused) {
    if (auto r = connect(); !r) return std::unexpected(r.error());
  }
  bool retry = false;
  auto response = d.Exchange(request, &retry);
  if (!response && reused && retry) {
    if (auto r = connect(); !r) return std::unexpected(r.error());
    response = d.Exchange(request, &retry);
  }
  return response;
}

std::optional<PeerIdentity> HttpClient::server() const { return impl_->server; }

}  // namespace socmesh::net
