#include "connect/taxii_poller.hpp"

#include <chrono>
#include <fstream>
#include <sstream>

#include "connect/detail/import_input.hpp"
#include "connect/detail/retry.hpp"

namespace socmesh::connect {

namespace {

using Clock = std::chrono::steady_clock;

Result<std::string> ReadToken(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(ErrorCode::kIo, "token file " + path + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  std::string token = text.str();
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) {
    token.pop_back();
  }
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.front()))) {
    token.erase(0, 1);
  }
  if (token.empty()) return Fail(ErrorCode::kInvalidArgument, "token file " + path + " is empty");
  if (token.find_first_of("\r\n") != std::string::npos) {
    return Fail(ErrorCode::kInvalidArgument, "token file " + path + " holds more than one line");
  }
  return token;
}

// Transport failures and 5xx may pass; refusals (4xx) and unreadable answers will not.
bool IsTransient(const Error& e) {
  return e.code == ErrorCode::kIo || e.code == ErrorCode::kInternal;
}

}  // namespace

Result<std::unique_ptr<Connector>> TaxiiPollConnector::Create(const ConnectorConfig& config,
                                                              StoreSink& sink) {
  const TaxiiSettings& x = config.taxii;
  auto fail = [&](const Error& e) {
    return std::unexpected(e.WithContext("connector " + config.name));
  };
  auto url = ParseUrl(x.url);
  if (!url) return fail(url.error());
  if (url->scheme != "https") return fail({ErrorCode::kInvalidArgument, "TAXII needs https"});
  std::unique_ptr<TaxiiPollConnector> c(new TaxiiPollConnector(config, sink));
  std::string path = url->target.substr(0, url->target.find('?'));
  if (!path.ends_with("/")) path += "/";
  if (auto at = path.find("/collections/"); at != std::string::npos) {
    c->api_root_ = path.substr(0, at + 1);
    std::string rest = path.substr(at + std::string("/collections/").size());
    c->collection_ = rest.substr(0, rest.find('/'));
  } else {
    c->needs_discovery_ = path.ends_with("/taxii2/");
    c->api_root_ = path;
    c->collection_ = x.collection;
  }
  if (c->collection_.empty()) {
    return fail({ErrorCode::kInvalidArgument,
                 "no collection: give a collection URL (…/collections/<id>/) or `collection`"});
  }
  std::string token;
  if (!x.token_file.empty()) {
    auto t = ReadToken(x.token_file);
    if (!t) return fail(t.error());
    token = std::move(*t);
  }
  net::ClientOptions o;
  o.host = url->host;
  o.port = url->port;
  o.tls.ca_file = x.tls.ca_file;
  o.tls.certificate_file = x.tls.certificate_file;
  o.tls.private_key_file = x.tls.private_key_file;
  o.connect_timeout = std::min(x.timeout, std::chrono::milliseconds{30'000});
  o.request_timeout = x.timeout;
  o.max_response_bytes = config.input.max_bytes;
  auto client = api::TaxiiClient::Create(std::move(o), std::move(token));
  if (!client) return fail(client.error());
  c->client_ = std::move(*client);
  return std::unique_ptr<Connector>(std::move(c));
}

Result<void> TaxiiPollConnector::Resolve() {
  if (!needs_discovery_) return {};
  auto discovery = client_->Discover();
  if (!discovery) return std::unexpected(discovery.error());
  std::string root = discovery->default_api_root;
  if (root.empty() && !discovery->api_roots.empty()) root = discovery->api_roots.front();
  if (root.empty()) return Fail(ErrorCode::kNotFound, "TAXII discovery lists no API root");
  api_root_ = api::PathOfUrl(root);
  if (!api_root_.ends_with("/")) api_root_ += "/";
  needs_discovery_ = false;
  return {};
}

RunReport TaxiiPollConnector::Run(RunContext& ctx) {
  const auto start = Clock::now();
  RunReport report;
  report.connector = config_.name;
  report.type = ConnectorType::kTaxii;
  auto finish = [&](RunResult result, std::optional<Error> error) {
    report.result = result;
    report.error = std::move(error);
    report.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    return report;
  };
  const TaxiiSettings& x = config_.taxii;
  ConnectorState& state = ctx.state;

  // Calls `op` with the retry policy; returns its last result.
  auto with_retries = [&](auto op) -> decltype(op()) {
    auto result = op();
    for (unsigned n = 1; !result && IsTransient(result.error()) && n < x.retry.max_attempts; ++n) {
      const auto delay = detail::BackoffDelay(x.retry, n, std::nullopt);
      report.notes.push_back("retry after " + std::string(ErrorCodeName(result.error().code)) +
                             " in " + std::to_string(delay.count()) + " ms");
      if (ctx.stop.WaitFor(delay)) break;
      ++report.attempts;
      result = op();
    }
    return result;
  };
  report.attempts = 1;
  if (auto r = with_retries([&] { return Resolve(); }); !r) {
    return finish(RunResult::kFailed, r.error());
  }

  api::TaxiiObjectsQuery query;
  if (!state.taxii_added_after.empty()) query.added_after = state.taxii_added_after;
  query.match_type = x.types;
  query.page_size = x.page_size;
  if (!state.taxii_next.empty()) report.notes.push_back("resumed an unfinished poll");

  for (size_t page_no = 0; page_no < x.max_pages_per_run; ++page_no) {
    if (ctx.stop.stopped()) {
      report.notes.push_back("stopped between pages; the next run resumes");
      break;
    }
    auto page = with_retries(
        [&] { return client_->GetObjectsPage(api_root_, collection_, query, state.taxii_next); });
    if (!page && !state.taxii_next.empty() && page.error().code == ErrorCode::kInvalidArgument) {
      // The server no longer knows the cursor (restarted, expired): poll again from the last
      // complete poll. Objects already stored come back as unchanged, none is lost.
      report.notes.push_back("saved cursor refused, polling again from added_after");
      state.taxii_next.clear();
      state.taxii_last_added.clear();
      page =
          with_retries([&] { return client_->GetObjectsPage(api_root_, collection_, query, {}); });
    }
    if (!page) return finish(RunResult::kFailed, page.error());
    ++report.pages;
    if (!page->objects.empty()) {
      std::string array = "[";
      for (size_t i = 0; i < page->objects.size(); ++i) {
        if (i > 0) array += ',';
        array += page->objects[i];
      }
      array += ']';
      report.counts.bytes += static_cast<int64_t>(array.size());
      auto imported = detail::ImportAndStore(array, config_.name, config_.input, sink_);
      if (imported.error && imported.error->code != ErrorCode::kInvalidStix) {
        // Not stored: the cursor stays before this page.
        return finish(RunResult::kFailed, imported.error);
      }
      // A page whose every object is invalid is counted as rejected and passed: fetching those
      // objects again would not make them valid.
      report.counts.objects += imported.counts.objects;
      report.counts.inserted += imported.counts.inserted;
      report.counts.unchanged += imported.counts.unchanged;
      report.counts.rejected += imported.counts.rejected;
      report.counts.merged += imported.counts.merged;
      report.counts.dropped += imported.counts.dropped;
      if (imported.error) report.notes.push_back(imported.error->message);
    }
    if (!page->date_added_last.empty()) state.taxii_last_added = page->date_added_last;
    const bool more = page->more && !page->next.empty();
    state.taxii_next = more ? page->next : "";
    if (!more && !state.taxii_last_added.empty()) {
      state.taxii_added_after = state.taxii_last_added;
      state.taxii_last_added.clear();
    }
    if (auto saved = ctx.save_state(); !saved) {
      return finish(RunResult::kFailed, saved.error().WithContext("saving the TAXII cursor"));
    }
    if (!more) break;
  }
  return finish(RunResult::kOk, std::nullopt);
}

}  // namespace socmesh::connect
