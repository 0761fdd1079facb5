#include "detect/nats_source.hpp"

#include <nats/nats.h>

#include <cstring>

namespace socmesh::detect {

namespace {

Error NatsError(std::string_view what, natsStatus s, jsErrCode jerr = static_cast<jsErrCode>(0)) {
  std::string message = std::string(what) + ": " + natsStatus_GetText(s);
  if (jerr != 0) message += " (JetStream error " + std::to_string(static_cast<int>(jerr)) + ")";
  const ErrorCode code = s == NATS_NO_SERVER || s == NATS_CONNECTION_CLOSED || s == NATS_TIMEOUT
                             ? ErrorCode::kIo
                             : ErrorCode::kStorage;
  return Error{code, std::move(message)};
}

// NATS names: no whitespace, no dots or wildcards in stream and consumer names.
bool ValidName(std::string_view name, bool allow_dots) {
  if (name.empty() || name.size() > 255) return false;
  for (char c : name) {
    if (c <= ' ' || c == '*' || c == '>' || c == 0x7f) return false;
    if (!allow_dots && c == '.') return false;
  }
  return true;
}

struct Connection {
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  ~Connection() {
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
  }
};

Result<void> ConnectTo(const NatsOptions& o, Connection& c) {
  if (!ValidName(o.stream, false) || !ValidName(o.durable, false) || !ValidName(o.subject, true)) {
    return Fail(ErrorCode::kInvalidArgument,
                "NATS stream, consumer or subject name is empty or has spaces or wildcards");
  }
  natsOptions* opts = nullptr;
  natsStatus s = natsOptions_Create(&opts);
  if (s == NATS_OK) s = natsOptions_SetURL(opts, o.url.c_str());
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts, 5000);
  if (s == NATS_OK) s = natsConnection_Connect(&c.nc, opts);
  natsOptions_Destroy(opts);
  if (s != NATS_OK) return std::unexpected(NatsError("connect to " + o.url, s));
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = 10000;
  s = natsConnection_JetStream(&c.js, c.nc, &jo);
  if (s != NATS_OK) return std::unexpected(NatsError("JetStream context", s));
  if (!o.create_stream) return {};
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  s = js_GetStreamInfo(&si, c.js, o.stream.c_str(), nullptr, &jerr);
  if (s == NATS_OK) {
    jsStreamInfo_Destroy(si);
    return {};
  }
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = o.stream.c_str();
  const std::string wildcard = o.subject + ".>";
  const char* subjects[] = {o.subject.c_str(), wildcard.c_str()};
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 2;
  cfg.Storage = js_FileStorage;
  cfg.MaxMsgSize = static_cast<int32_t>(o.max_message_bytes);
  s = js_AddStream(&si, c.js, &cfg, nullptr, &jerr);
  if (s != NATS_OK) return std::unexpected(NatsError("create stream " + o.stream, s, jerr));
  jsStreamInfo_Destroy(si);
  return {};
}

}  // namespace

struct NatsEventSource::Impl {
  Connection conn;
  natsSubscription* sub = nullptr;
  NatsOptions options;
  ~Impl() { natsSubscription_Destroy(sub); }
};

NatsEventSource::NatsEventSource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
NatsEventSource::~NatsEventSource() = default;

Result<std::unique_ptr<NatsEventSource>> NatsEventSource::Connect(const NatsOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (auto ok = ConnectTo(options, impl->conn); !ok) return std::unexpected(ok.error());
  // The durable pull consumer over every subject of the stream. Creating it is idempotent for an
  // identical configuration; when two workers start together the loser's error is harmless, as the
  // bind below reports any real problem.
  jsConsumerConfig cc;
  jsConsumerConfig_Init(&cc);
  cc.Durable = options.durable.c_str();
  cc.AckPolicy = js_AckExplicit;
  cc.AckWait = std::chrono::nanoseconds(options.ack_wait).count();
  cc.MaxAckPending = 64 * options.batch;
  jsConsumerInfo* ci = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  js_AddConsumer(&ci, impl->conn.js, options.stream.c_str(), &cc, nullptr, &jerr);
  jsConsumerInfo_Destroy(ci);
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = options.stream.c_str();
  so.Consumer = options.durable.c_str();
  natsStatus s = js_PullSubscribe(&impl->sub, impl->conn.js, nullptr, options.durable.c_str(),
                                  nullptr, &so, &jerr);
  if (s != NATS_OK) {
    return std::unexpected(NatsError("bind durable consumer " + options.durable, s, jerr));
  }
  return std::unique_ptr<NatsEventSource>(new NatsEventSource(std::move(impl)));
}

Result<size_t> NatsEventSource::Poll(const Handler& handle) {
  natsMsgList list{};
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = natsSubscription_Fetch(&list, impl_->sub, impl_->options.batch,
                                        impl_->options.fetch_wait.count(), &jerr);
  if (s == NATS_TIMEOUT) return size_t{0};
  if (s != NATS_OK) return std::unexpected(NatsError("fetch", s, jerr));
  size_t handled = 0;
  Error failure;
  bool failed = false;
  for (int i = 0; i < list.Count; ++i) {
    natsMsg* m = list.Msgs[i];
    ++stats_.received;
    jsMsgMetaData* meta = nullptr;
    if (natsMsg_GetMetaData(&meta, m) == NATS_OK) {
      if (meta->NumDelivered > 1) ++stats_.redelivered;
      jsMsgMetaData_Destroy(meta);
    }
    const std::string_view data(natsMsg_GetData(m), static_cast<size_t>(natsMsg_GetDataLength(m)));
    natsStatus a = NATS_OK;
    switch (handle(data)) {
      case Verdict::kDone:
        a = natsMsg_Ack(m, nullptr);
        ++stats_.acknowledged;
        break;
      case Verdict::kMalformed:
        a = natsMsg_Term(m, nullptr);
        ++stats_.rejected;
        break;
      case Verdict::kRetry:
        a = natsMsg_Nak(m, nullptr);
        break;
    }
    if (a != NATS_OK && !failed) {
      failed = true;
      failure = NatsError("acknowledge", a);
    }
    ++handled;
  }
  natsMsgList_Destroy(&list);
  if (failed) return std::unexpected(failure);
  return handled;
}

Result<void> PublishEvents(const NatsOptions& options, std::span<const std::string> messages) {
  Connection c;
  if (auto ok = ConnectTo(options, c); !ok) return ok;
  for (const std::string& m : messages) {
    if (m.size() > options.max_message_bytes) {
      return Fail(ErrorCode::kTooLarge,
                  "event of " + std::to_string(m.size()) + " bytes exceeds the NATS message limit");
    }
    natsStatus s = js_PublishAsync(c.js, options.subject.c_str(), m.data(),
                                   static_cast<int>(m.size()), nullptr);
    if (s != NATS_OK) return std::unexpected(NatsError("publish", s));
  }
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = 30000;
  natsStatus s = js_PublishAsyncComplete(c.js, &po);
  if (s != NATS_OK) return std::unexpected(NatsError("publish acknowledgements", s));
  natsMsgList pending{};
  if (js_PublishAsyncGetPendingList(&pending, c.js) == NATS_OK) {
    const int lost = pending.Count;
    natsMsgList_Destroy(&pending);
    if (lost > 0) {
      return Fail(ErrorCode::kStorage,
                  std::to_string(lost) + " events were not acknowledged by JetStream");
    }
  }
  return {};
}

}  // namespace socmesh::detect
