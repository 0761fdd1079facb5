#include "connect/connector.hpp"

#include <sstream>

#include "connect/directory_watcher.hpp"
#include "connect/http_feed.hpp"
#include "connect/taxii_poller.hpp"

namespace socmesh::connect {

void StopSignal::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  cv_.notify_all();
}

bool StopSignal::stopped() const {
  std::lock_guard lock(mutex_);
  return stopped_;
}

bool StopSignal::WaitFor(std::chrono::milliseconds duration) const {
  std::unique_lock lock(mutex_);
  return cv_.wait_for(lock, duration, [this] { return stopped_; });
}

Result<SinkOutcome> StoreSink::Ingest(std::span<const model::StixObject> batch,
                                      const curate::IngestSource& source) {
  std::lock_guard lock(mutex_);
  SinkOutcome out;
  if (!curator_) {
    auto stored = store_.Ingest(batch);
    if (!stored) return std::unexpected(stored.error());
    out.stored = std::move(*stored);
    return out;
  }
  auto curated = curator_->Curate(batch, store_, source);
  if (!curated) return std::unexpected(curated.error());
  auto stored = store_.Ingest(curated->objects);
  if (!stored) return std::unexpected(stored.error());
  out.stored = std::move(*stored);
  out.merged = curated->report.consolidated;
  out.dropped = curated->report.dropped.size();
  return out;
}

std::string_view RunResultName(RunResult result) {
  switch (result) {
    case RunResult::kOk:
      return "ok";
    case RunResult::kNotModified:
      return "not-modified";
    case RunResult::kIdle:
      return "idle";
    case RunResult::kFailed:
      return "failed";
  }
  return "?";
}

std::string FormatRunLine(const RunReport& r) {
  std::ostringstream line;
  line << r.connector << " (" << ConnectorTypeName(r.type) << "): ";
  const RunCounters& c = r.counts;
  switch (r.result) {
    case RunResult::kFailed:
      line << "failed: "
           << (r.error ? std::string(ErrorCodeName(r.error->code)) + ": " + r.error->message
                       : std::string("unknown error"));
      break;
    case RunResult::kNotModified:
      line << "not modified";
      break;
    case RunResult::kIdle:
      line << "nothing to do";
      break;
    case RunResult::kOk:
      line << "ok";
      break;
  }
  if (r.result != RunResult::kFailed || c.bytes > 0 || c.objects > 0) {
    if (r.type == ConnectorType::kDirectory) {
      line << ", " << c.files_done << " file(s) imported, " << c.files_failed << " failed";
    }
    if (r.type == ConnectorType::kTaxii) line << ", " << r.pages << " page(s)";
    line << ", " << c.bytes << " bytes, " << c.objects << " objects: " << c.inserted
         << " inserted, " << c.unchanged << " unchanged, " << c.rejected << " rejected";
    if (c.merged > 0) line << ", " << c.merged << " merged into stored indicators";
    if (c.dropped > 0) line << ", " << c.dropped << " dropped by warning lists";
  }
  if (r.attempts > 1) line << ", " << r.attempts << " attempts";
  for (const auto& note : r.notes) line << "; " << note;
  line << "; " << r.elapsed.count() << " ms";
  return line.str();
}

void Connector::WaitForWork(std::chrono::milliseconds duration, const StopSignal& stop) {
  stop.WaitFor(duration);
}

Result<std::unique_ptr<Connector>> MakeConnector(const ConnectorConfig& config, StoreSink& sink) {
  switch (config.type) {
    case ConnectorType::kHttp:
      return HttpFeedConnector::Create(config, sink);
    case ConnectorType::kTaxii:
      return TaxiiPollConnector::Create(config, sink);
    case ConnectorType::kDirectory:
      return DirectoryConnector::Create(config, sink);
  }
  return Fail(ErrorCode::kInternal, "unknown connector type");
}

}  // namespace socmesh::connect
