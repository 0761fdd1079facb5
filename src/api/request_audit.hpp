// Every request a node answers leaves an audit entry (E5, E18: no hidden superuser, admin actions
// are audited like any other). RequestAudit wraps the node's net::Handler: it identifies the caller
// with the Authenticator, runs the handler, and appends one entry — who (organisation, user, role,
// certificate serial), what (method, path without the query, status, object count where the
// response says it), when — to the audit::AuditLog before the response leaves.
//
// Group commit: handler threads queue their entries and wait; one writer thread appends whatever
// is queued with one AuditLog::AppendBatch (one write, one fdatasync), so concurrent requests share
// a sync and the cost per request is a queue hand-off, not an fsync.
//
// Fail closed: a response is released only once its entry is written. If the audit log cannot be
// written (disk full, I/O error), that request and every later one is answered 503 and the handler
// is no longer run: a node that cannot keep evidence of what it does must stop doing it (E5)
// rather than serve unaudited reads. The requests of the one batch whose write failed have been
// executed (e.g. objects stored) but their clients receive 503, not success. Recovery is an
// operator's restart, after which AuditLog::Open repairs a torn tail and records that it did.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/auth.hpp"
#include "audit/entry.hpp"
#include "audit/log.hpp"
#include "core/error.hpp"
#include "net/http.hpp"
#include "net/http_server.hpp"

namespace socmesh::api {

inline constexpr std::string_view kActionRequest = "request";

struct RequestAuditOptions {
  std::string node;         // actor.node of every entry: the node's name
  size_t max_batch = 1024;  // entries per AppendBatch
  // Called once (on the writer thread) when the audit log fails; the node reports it.
  std::function<void(const Error&)> on_failure;
};

// The audit entry for one answered request (pure; exposed for tests). `caller` is the
// Authenticator's verdict; `objects` the object count, when known.
audit::AuditEvent RequestEvent(const net::Request& request, const Result<Caller>& caller,
                               const net::Response& response, std::optional<int64_t> objects,
                               const std::string& node);

// How many STIX objects a JSON response carries or a POST stored: the length of a top-level
// "objects" or "versions" array, or "success_count" of a TAXII status; nullopt otherwise.
std::optional<int64_t> ResponseObjectCount(const net::Request& request, net::Response& response);

class RequestAudit {
 public:
  // `log` and `auth` must outlive this object; while it is open, every append to `log` must go
  // through Record() (AuditLog is not thread-safe).
  RequestAudit(audit::AuditLog& log, const Authenticator& auth, net::Handler inner,
               RequestAuditOptions options);
  // Close(), errors ignored.
  ~RequestAudit();
  RequestAudit(const RequestAudit&) = delete;
  RequestAudit& operator=(const RequestAudit&) = delete;

  // The wrapped handler (thread-safe). Answers 503 when the audit log has failed or is closed.
  net::Response Handle(const net::Request& request);

  // Appends an event of the node itself (start, stop, configuration) in order with the requests
  // and waits until it is written.
  Result<void> Record(audit::AuditEvent event);

  // Writes everything queued, then stops the writer; later requests are answered 503. Returns the
  // audit log's error if it failed at any time. Idempotent.
  Result<void> Close();

  struct Stats {
    uint64_t entries = 0;  // written
    uint64_t batches = 0;  // AppendBatch calls
  };
  Stats stats() const;

 private:
  // Queues `event` and waits for the writer; the log's error if it could not be written.
  Result<void> Write(audit::AuditEvent event);
  void WriterLoop();

  audit::AuditLog& log_;
  const Authenticator& auth_;
  net::Handler inner_;
  RequestAuditOptions options_;

  mutable std::mutex mutex_;
  std::condition_variable work_;  // writer: something queued or closing
  std::condition_variable done_;  // waiters: a batch was written or failed
  std::vector<audit::AuditEvent> queue_;
  uint64_t queued_ = 0;   // tickets handed out (ticket n is the n-th queued event)
  uint64_t written_ = 0;  // every ticket <= written_ is on record
  std::optional<Error> failed_;
  bool closing_ = false;
  bool stopped_ = false;  // the writer has exited
  Stats stats_;
  std::thread writer_;
};

}  // namespace socmesh::api
