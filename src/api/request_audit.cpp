#include "api/request_audit.hpp"

#include <simdjson.h>

#include <utility>

#include "model/canonical_json.hpp"

namespace socmesh::api {
namespace {

constexpr size_t kMaxTargetBytes = 1024;
constexpr size_t kMaxMethodBytes = 16;

std::string Truncated(std::string_view s, size_t max) { return std::string(s.substr(0, max)); }

audit::Outcome OutcomeOf(int status) {
  if (status == 401 || status == 403) return audit::Outcome::kDenied;
  return status < 400 ? audit::Outcome::kSuccess : audit::Outcome::kFailure;
}

net::Response AuditUnavailable() {
  model::JsonWriter w;
  w.BeginObject().Key("title").String("audit log unavailable");
  w.Key("description")
      .String(
          "this node cannot record requests in its audit log, so it refuses them until an "
          "operator restarts it");
  w.Key("http_status").String("503").EndObject();
  net::Response r;
  r.status = 503;
  r.headers.Set("Content-Type", "application/json");
  r.body = w.Take();
  return r;
}

bool IsObjectListing(std::string_view path) {
  return path.find("/objects/") != std::string_view::npos || path.ends_with("/manifest/") ||
         path == "/api/v1/search";
}

}  // namespace

audit::AuditEvent RequestEvent(const net::Request& request, const Result<Caller>& caller,
                               const net::Response& response, std::optional<int64_t> objects,
                               const std::string& node) {
  audit::AuditEvent e;
  e.actor.node = node;
  e.target = Truncated(request.path(), kMaxTargetBytes);
  e.outcome = OutcomeOf(response.status);
  auto& d = e.details;
  d["method"] = Truncated(request.method, kMaxMethodBytes);
  d["status"] = std::to_string(response.status);
  if (!request.remote_address.empty()) d["remote"] = request.remote_address;
  if (request.peer) {
    d["cert_serial"] = request.peer->serial_hex;
    if (!request.peer->country.empty()) d["country"] = request.peer->country;
  }
  if (caller) {
    e.action = kActionRequest;
    e.actor.org = caller->organisation;
    e.actor.user = caller->user;
    d["role"] = std::string(RoleName(caller->role));
  } else {
    // Refused before any policy ran: the certificate's organisation, if any, is all we know.
    e.action = audit::kActionAuthFailure;
    if (request.peer) e.actor.org = request.peer->organisation;
    d["reason"] = caller.error().message;
  }
  if (objects) d["objects"] = std::to_string(*objects);
  return e;
}

std::optional<int64_t> ResponseObjectCount(const net::Request& request, net::Response& response) {
  if (response.status < 200 || response.status > 299 || response.body.empty() ||
      response.body.front() != '{') {
    return std::nullopt;
  }
  const std::string_view path = request.path();
  const bool post = request.method == "POST";
  if (!post && !IsObjectListing(path)) return std::nullopt;
  // The response is ours (moved out of the handler): padding it avoids a copy for simdjson.
  response.body.reserve(response.body.size() + simdjson::SIMDJSON_PADDING);
  thread_local simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  if (parser.iterate(response.body.data(), response.body.size(), response.body.capacity())
          .get(doc) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  simdjson::ondemand::object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS) return std::nullopt;
  for (auto field : root) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return std::nullopt;
    if (post && key == "success_count") {
      int64_t n = 0;
      if (field.value().get_int64().get(n) != simdjson::SUCCESS) return std::nullopt;
      return n;
    }
    if (!post && (key == "objects" || key == "versions")) {
      simdjson::ondemand::array a;
      if (field.value().get_array().get(a) != simdjson::SUCCESS) return std::nullopt;
      size_t n = 0;
      if (a.count_elements().get(n) != simdjson::SUCCESS) return std::nullopt;
      return static_cast<int64_t>(n);
    }
  }
  return std::nullopt;
}

RequestAudit::RequestAudit(audit::AuditLog& log, const Authenticator& auth, net::Handler inner,
                           RequestAuditOptions options)
    : log_(log), auth_(auth), inner_(std::move(inner)), options_(std::move(options)) {
  if (options_.max_batch == 0) options_.max_batch = 1;
  writer_ = std::thread([this] { WriterLoop(); });
}

RequestAudit::~RequestAudit() { (void)Close(); }

net::Response RequestAudit::Handle(const net::Request& request) {
  {
    std::lock_guard lock(mutex_);
    if (failed_ || closing_) return AuditUnavailable();
  }
  auto caller = auth_.Authenticate(request);
  net::Response response;
  try {
    response = inner_(request);
  } catch (const std::exception&) {
    // The server would answer 500 too; answering here keeps the request on record.
    response = net::Response::Text(500, "internal error\n");
  }
  const auto objects = ResponseObjectCount(request, response);
  if (!Write(RequestEvent(request, caller, response, objects, options_.node))) {
    return AuditUnavailable();
  }
  return response;
}

Result<void> RequestAudit::Record(audit::AuditEvent event) {
  if (event.actor.node.empty()) event.actor.node = options_.node;
  return Write(std::move(event));
}

Result<void> RequestAudit::Write(audit::AuditEvent event) {
  std::unique_lock lock(mutex_);
  if (failed_) return std::unexpected(*failed_);
  if (stopped_) return Fail(ErrorCode::kInternal, "audit: request audit is closed");
  queue_.push_back(std::move(event));
  const uint64_t ticket = ++queued_;
  work_.notify_one();
  done_.wait(lock, [&] { return written_ >= ticket || failed_; });
  if (written_ >= ticket) return {};
  return std::unexpected(*failed_);
}

void RequestAudit::WriterLoop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    work_.wait(lock, [&] { return !queue_.empty() || closing_; });
    if (queue_.empty()) break;  // closing, and everything queued is written
    std::vector<audit::AuditEvent> batch;
    if (queue_.size() <= options_.max_batch) {
      batch.swap(queue_);
    } else {
      batch.assign(std::make_move_iterator(queue_.begin()),
                   std::make_move_iterator(queue_.begin() + options_.max_batch));
      queue_.erase(queue_.begin(), queue_.begin() + options_.max_batch);
    }
    lock.unlock();
    auto appended = log_.AppendBatch(batch);
    lock.lock();
    if (!appended) {
      failed_ = appended.error();
      queue_.clear();  // their waiters see failed_
      done_.notify_all();
      lock.unlock();
      if (options_.on_failure) options_.on_failure(appended.error());
      lock.lock();
      break;
    }
    written_ += batch.size();
    stats_.entries += batch.size();
    ++stats_.batches;
    done_.notify_all();
  }
  stopped_ = true;  // under the lock: nothing queued after this point is waited for in vain
}

Result<void> RequestAudit::Close() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  work_.notify_all();
  if (writer_.joinable() && writer_.get_id() != std::this_thread::get_id()) writer_.join();
  std::lock_guard lock(mutex_);
  if (failed_) return std::unexpected(*failed_);
  return {};
}

RequestAudit::Stats RequestAudit::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace socmesh::api
