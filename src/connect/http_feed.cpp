#include "connect/http_feed.hpp"

#include <chrono>

#include "connect/detail/import_input.hpp"
#include "connect/detail/retry.hpp"

namespace socmesh::connect {

namespace {

using Clock = std::chrono::steady_clock;

constexpr char kUserAgent[] = "socmesh-connect/0.1";

bool IsRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// Transport errors quote the request target, whose query may hold an API key.
Error Redact(Error e, const Url& url) {
  const std::string redacted = url.Redacted();
  const std::string_view target = url.target;
  const auto q = target.find('?');
  if (q == std::string_view::npos) return e;
  for (size_t at = e.message.find(target); at != std::string::npos;
       at = e.message.find(target, at)) {
    const std::string replacement = std::string(target.substr(0, q)) + "?…";
    e.message.replace(at, target.size(), replacement);
    at += replacement.size();
  }
  return e;
}

// The last path segment, so format detection gets the file name's hint (".csv").
std::string NameOf(const Url& url) {
  std::string_view path = url.target;
  path = path.substr(0, path.find('?'));
  auto slash = path.rfind('/');
  std::string name(slash == std::string_view::npos ? path : path.substr(slash + 1));
  return name.empty() ? url.host : name;
}

}  // namespace

Result<std::unique_ptr<Connector>> HttpFeedConnector::Create(const ConnectorConfig& config,
                                                             StoreSink& sink) {
  auto url = ParseUrl(config.http.url);
  if (!url) return std::unexpected(url.error().WithContext("connector " + config.name));
  if (url->scheme == "http" && !config.http.allow_plain_http) {
    return Fail(ErrorCode::kInvalidArgument,
                "connector " + config.name + ": plain http needs allow_plain_http = true");
  }
  std::unique_ptr<HttpFeedConnector> c(new HttpFeedConnector(config, *url, sink));
  // Creating the first client checks the TLS files now rather than at the first poll.
  if (auto client = c->ClientFor(c->url_); !client) {
    return std::unexpected(client.error().WithContext("connector " + config.name));
  }
  return std::unique_ptr<Connector>(std::move(c));
}

Result<net::HttpClient*> HttpFeedConnector::ClientFor(const Url& url) {
  const std::string origin = url.scheme + "://" + url.host + ":" + std::to_string(url.port);
  if (auto it = clients_.find(origin); it != clients_.end()) return it->second.get();
  const HttpSettings& h = config_.http;
  net::ClientOptions o;
  o.host = url.host;
  o.port = url.port;
  o.plaintext = url.scheme == "http";
  o.tls.ca_file = h.tls.ca_file;
  o.tls.use_system_trust = h.tls.ca_file.empty();
  o.tls.certificate_file = h.tls.certificate_file;
  o.tls.private_key_file = h.tls.private_key_file;
  o.tls.allow_tls12 = h.tls.allow_tls12;
  o.connect_timeout = std::min(h.timeout, std::chrono::milliseconds{30'000});
  o.request_timeout = h.timeout;
  o.max_response_bytes = config_.input.max_bytes;
  auto client = net::HttpClient::Create(std::move(o));
  if (!client) return std::unexpected(client.error());
  net::HttpClient* raw = client->get();
  clients_.emplace(origin, std::move(*client));
  return raw;
}

Result<HttpFeedConnector::Fetched> HttpFeedConnector::Fetch(const ConnectorState& state,
                                                            Attempt& attempt) {
  const HttpSettings& h = config_.http;
  Url url = url_;
  for (unsigned hop = 0;; ++hop) {
    auto client = ClientFor(url);
    if (!client) return std::unexpected(client.error());
    net::Request request;
    request.method = "GET";
    request.target = url.target;
    request.headers.Set("User-Agent", kUserAgent);
    request.headers.Set("Accept", "*/*");
    for (const auto& [name, value] : h.headers) request.headers.Set(name, value);
    if (!state.etag.empty()) request.headers.Set("If-None-Match", state.etag);
    if (!state.last_modified.empty()) {
      request.headers.Set("If-Modified-Since", state.last_modified);
    }
    auto response = (*client)->Send(request);
    if (!response) {
      // A broken connection is not reused; the next attempt dials again.
      clients_.erase(url.scheme + "://" + url.host + ":" + std::to_string(url.port));
      attempt.transient = response.error().code == ErrorCode::kIo;
      attempt.reason = std::string(ErrorCodeName(response.error().code));
      return std::unexpected(Redact(response.error(), url));
    }
    const int status = response->status;
    if (IsRedirect(status)) {
      if (hop >= h.max_redirects) {
        return Fail(
            ErrorCode::kInvalidArgument,
            url.Redacted() + ": more than " + std::to_string(h.max_redirects) + " redirects");
      }
      auto next = ResolveLocation(url, response->headers.Get("Location").value_or(""));
      if (!next) return std::unexpected(next.error().WithContext(url.Redacted()));
      if (next->scheme == "http" && !h.allow_plain_http) {
        return Fail(ErrorCode::kPermission, url.Redacted() + ": redirect to plain http (" +
                                                next->Redacted() +
                                                ") refused; set allow_plain_http to allow it");
      }
      url = std::move(*next);
      continue;
    }
    if (status == 304 || (status >= 200 && status < 300)) {
      Fetched f;
      f.status = status;
      f.body = std::move(response->body);
      f.etag = std::string(response->headers.Get("ETag").value_or(""));
      f.last_modified = std::string(response->headers.Get("Last-Modified").value_or(""));
      return f;
    }
    const std::string what = url.Redacted() + ": HTTP " + std::to_string(status);
    attempt.reason = "HTTP " + std::to_string(status);
    if (status == 429 || status >= 500) {
      attempt.transient = true;
      if (auto ra = response->headers.Get("Retry-After")) {
        attempt.retry_after = ParseRetryAfter(*ra, std::chrono::system_clock::now());
      }
      return Fail(ErrorCode::kIo, what);
    }
    return Fail(status == 404                    ? ErrorCode::kNotFound
                : status == 401 || status == 403 ? ErrorCode::kPermission
                                                 : ErrorCode::kInvalidArgument,
                what);
  }
}

RunReport HttpFeedConnector::Run(RunContext& ctx) {
  const auto start = Clock::now();
  RunReport report;
  report.connector = config_.name;
  report.type = ConnectorType::kHttp;
  auto finish = [&](RunResult result, std::optional<Error> error) {
    report.result = result;
    report.error = std::move(error);
    report.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    return report;
  };
  const RetryPolicy& retry = config_.http.retry;
  Result<Fetched> fetched = Fail(ErrorCode::kInternal, "not fetched");
  for (unsigned n = 1; n <= std::max(1u, retry.max_attempts); ++n) {
    report.attempts = n;
    Attempt attempt;
    fetched = Fetch(ctx.state, attempt);
    if (fetched) break;
    if (!attempt.transient || n >= retry.max_attempts) break;
    const auto delay = detail::BackoffDelay(retry, n, attempt.retry_after);
    report.notes.push_back("retry after " + attempt.reason + " in " +
                           std::to_string(delay.count()) + " ms");
    if (ctx.stop.WaitFor(delay)) break;
  }
  if (!fetched) return finish(RunResult::kFailed, fetched.error());
  if (fetched->status == 304) return finish(RunResult::kNotModified, std::nullopt);

  report.counts.bytes = static_cast<int64_t>(fetched->body.size());
  auto imported = detail::ImportAndStore(fetched->body, NameOf(url_), config_.input, sink_);
  report.counts.objects = imported.counts.objects;
  report.counts.inserted = imported.counts.inserted;
  report.counts.unchanged = imported.counts.unchanged;
  report.counts.rejected = imported.counts.rejected;
  report.counts.merged = imported.counts.merged;
  report.counts.dropped = imported.counts.dropped;
  if (imported.error) {
    // The validators stay those of the last stored response: the next poll fetches again.
    return finish(RunResult::kFailed, imported.error->WithContext(url_.Redacted()));
  }
  if (!imported.problems.empty()) {
    report.notes.push_back("first rejection: " + imported.problems.front());
  }
  ctx.state.etag = fetched->etag;
  ctx.state.last_modified = fetched->last_modified;
  return finish(RunResult::kOk, std::nullopt);
}

}  // namespace socmesh::connect
