// Asio lives here only (PLATFORM_NOTES: <utility> before Asio headers). Completion handlers are
// plain callbacks holding a shared_ptr to their input or connection: no coroutines (g++ 12
// miscompiles lambda coroutines), no thread per connection.
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <deque>
#include <mutex>

#include "events/detail/event_time.hpp"
#include "events/detail/framer.hpp"
#include "events/detail/sample.hpp"
#include "events/inputs.hpp"

namespace socmesh::events {

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
using boost::system::error_code;

constexpr size_t kReadChunk = 64 * 1024;

// What every input shares: decoding, counting, sampling, delivery.
class InputBase : public Input, public std::enable_shared_from_this<InputBase> {
 public:
  InputBase(const InputConfig& config, InputSink& sink, std::unique_ptr<EventDecoder> decoder)
      : name_(config.name),
        sink_(sink),
        decoder_(std::move(decoder)),
        max_bytes_(config.max_message_bytes),
        max_samples_(config.max_samples) {}

  const std::string& name() const override { return name_; }

  InputStats stats() const override {
    InputStats s;
    s.bytes = bytes_.load(std::memory_order_relaxed);
    s.frames = frames_.load(std::memory_order_acquire);  // first: see CountFrame
    s.parsed = parsed_.load(std::memory_order_relaxed);
    s.malformed = malformed_.load(std::memory_order_relaxed);
    s.oversized = oversized_.load(std::memory_order_relaxed);
    s.connections = connections_.load(std::memory_order_relaxed);
    s.rejected_connections = rejected_.load(std::memory_order_relaxed);
    s.truncations = truncations_.load(std::memory_order_relaxed);
    s.rotations = rotations_.load(std::memory_order_relaxed);
    return s;
  }

  std::vector<MalformedSample> malformed_samples() const override {
    std::lock_guard lock(samples_mutex_);
    return {samples_.begin(), samples_.end()};
  }

  // `frames` is counted last, with release order: whoever reads a frame count (stats(), acquire)
  // also sees that frame's event in the sink, its sample and its other counters.
  void CountFrame() { frames_.fetch_add(1, std::memory_order_release); }

  void HandleFrame(std::string_view frame) {
    event_.source = name_;
    if (auto decoded = decoder_->Decode(frame, event_); !decoded) {
      malformed_.fetch_add(1, std::memory_order_relaxed);
      AddSample(frame, decoded.error().message);
      CountFrame();
      return;
    }
    if (!event_.time) event_.time = detail::Now();
    parsed_.fetch_add(1, std::memory_order_relaxed);
    sink_.OnEvent(event_);
    CountFrame();
  }

  void HandleOversized(uint64_t offset, std::string_view head) {
    oversized_.fetch_add(1, std::memory_order_relaxed);
    AddSample(head, "message at stream offset " + std::to_string(offset) + " exceeds " +
                        std::to_string(max_bytes_) + " bytes; skipped");
    CountFrame();
  }

  detail::Framer MakeFramer(bool octet_counting) {
    return detail::Framer(
        octet_counting, max_bytes_, [this](std::string_view frame) { HandleFrame(frame); },
        [this](uint64_t offset, std::string_view head) { HandleOversized(offset, head); });
  }

  void CountTruncatedFrame(size_t dropped) {
    if (dropped == 0) return;
    malformed_.fetch_add(1, std::memory_order_relaxed);
    AddSample({}, "octet-counted frame cut short by the end of the stream (" +
                      std::to_string(dropped) + " bytes)");
    CountFrame();
  }

 protected:
  void AddSample(std::string_view text, const std::string& error) {
    if (max_samples_ == 0) return;
    MalformedSample sample{detail::SafeSample(text), detail::SafeSample(error, 240)};
    std::lock_guard lock(samples_mutex_);
    if (samples_.size() >= max_samples_) samples_.pop_front();
    samples_.push_back(std::move(sample));
  }

  std::string name_;
  InputSink& sink_;
  std::unique_ptr<EventDecoder> decoder_;
  Event event_;
  size_t max_bytes_;
  size_t max_samples_;
  std::atomic<uint64_t> bytes_{0}, frames_{0}, parsed_{0}, malformed_{0}, oversized_{0},
      connections_{0}, rejected_{0}, truncations_{0}, rotations_{0};
  mutable std::mutex samples_mutex_;
  std::deque<MalformedSample> samples_;
};

Result<asio::ip::address> ParseAddress(const std::string& text) {
  error_code ec;
  auto address = asio::ip::make_address(text, ec);
  if (ec) return Fail(ErrorCode::kInvalidArgument, "not an IP address: \"" + text + "\"");
  return address;
}

// --- UDP ---

class UdpInput : public InputBase {
 public:
  UdpInput(asio::io_context& io, const UdpInputConfig& config, InputSink& sink,
           std::unique_ptr<EventDecoder> decoder)
      : InputBase(config, sink, std::move(decoder)),
        socket_(io),
        buffer_(config.max_message_bytes + 1) {}

  Result<void> Start(const UdpInputConfig& config) {
    auto address = ParseAddress(config.address);
    if (!address) return std::unexpected(address.error());
    const udp::endpoint endpoint(*address, config.port);
    error_code ec;
    socket_.open(endpoint.protocol(), ec);
    if (!ec) {
      // A larger kernel buffer rides out bursts while the loop is busy (best effort).
      socket_.set_option(asio::socket_base::receive_buffer_size(4 << 20), ec);
      socket_.bind(endpoint, ec);
    }
    if (ec) {
      return Fail(ErrorCode::kIo, "udp " + config.address + ":" + std::to_string(config.port) +
                                      ": " + ec.message());
    }
    port_ = socket_.local_endpoint().port();
    Receive();
    return {};
  }

  uint16_t local_port() const override { return port_; }

 private:
  void Receive() {
    auto self = std::static_pointer_cast<UdpInput>(shared_from_this());
    socket_.async_receive_from(asio::buffer(buffer_), sender_,
                               [self](error_code ec, size_t n) { self->OnReceive(ec, n); });
  }

  void OnReceive(error_code ec, size_t n) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      bytes_.fetch_add(n, std::memory_order_relaxed);
      const std::string_view datagram(buffer_.data(), n);
      // A datagram that fills the buffer was longer than the limit (the kernel cut it).
      if (n > max_bytes_) {
        HandleOversized(0, datagram);
      } else {
        HandleFrame(datagram);
      }
    }
    Receive();
  }

  udp::socket socket_;
  std::vector<char> buffer_;
  udp::endpoint sender_;
  uint16_t port_ = 0;
};

// --- TCP ---

class TcpInput;

class TcpSession : public std::enable_shared_from_this<TcpSession> {
 public:
  TcpSession(std::shared_ptr<TcpInput> input, tcp::socket socket, bool octet_counting);
  ~TcpSession();
  void Read() {
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(buffer_),
                            [self](error_code ec, size_t n) { self->OnRead(ec, n); });
  }

 private:
  void OnRead(error_code ec, size_t n);

  std::shared_ptr<TcpInput> input_;
  tcp::socket socket_;
  detail::Framer framer_;
  std::array<char, kReadChunk> buffer_;
};

class TcpInput : public InputBase {
 public:
  TcpInput(asio::io_context& io, const TcpInputConfig& config, InputSink& sink,
           std::unique_ptr<EventDecoder> decoder)
      : InputBase(config, sink, std::move(decoder)),
        acceptor_(io),
        octet_counting_(config.framing == TcpFraming::kSyslog),
        max_connections_(config.max_connections) {}

  Result<void> Start(const TcpInputConfig& config) {
    auto address = ParseAddress(config.address);
    if (!address) return std::unexpected(address.error());
    const tcp::endpoint endpoint(*address, config.port);
    error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Fail(ErrorCode::kIo, "tcp " + config.address + ":" + std::to_string(config.port) +
                                      ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    Accept();
    return {};
  }

  uint16_t local_port() const override { return port_; }

  void SessionEnded() { --active_; }
  void CountBytes(size_t n) { bytes_.fetch_add(n, std::memory_order_relaxed); }
  bool octet_counting() const { return octet_counting_; }

 private:
  void Accept() {
    auto self = std::static_pointer_cast<TcpInput>(shared_from_this());
    acceptor_.async_accept([self](error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) self->OnAccept(std::move(socket));
      self->Accept();
    });
  }

  void OnAccept(tcp::socket socket) {
    if (active_ >= max_connections_) {
      rejected_.fetch_add(1, std::memory_order_relaxed);
      error_code ignored;
      socket.close(ignored);
      return;
    }
    ++active_;
    connections_.fetch_add(1, std::memory_order_relaxed);
    auto self = std::static_pointer_cast<TcpInput>(shared_from_this());
    std::make_shared<TcpSession>(self, std::move(socket), octet_counting_)->Read();
  }

  tcp::acceptor acceptor_;
  bool octet_counting_;
  size_t max_connections_;
  size_t active_ = 0;  // touched on the loop thread only
  uint16_t port_ = 0;
};

TcpSession::TcpSession(std::shared_ptr<TcpInput> input, tcp::socket socket, bool octet_counting)
    : input_(std::move(input)),
      socket_(std::move(socket)),
      framer_(input_->MakeFramer(octet_counting)) {}

TcpSession::~TcpSession() { input_->SessionEnded(); }

void TcpSession::OnRead(error_code ec, size_t n) {
  if (n > 0) {
    input_->CountBytes(n);
    framer_.Feed(std::string_view(buffer_.data(), n));
  }
  if (ec) {  // EOF, reset, or the loop shutting down: what is buffered is the last frame
    if (ec != asio::error::operation_aborted) input_->CountTruncatedFrame(framer_.Finish());
    return;
  }
  Read();
}

// --- File tail ---

class FileTailInput : public InputBase {
 public:
  FileTailInput(asio::io_context& io, const FileTailConfig& config, InputSink& sink,
                std::unique_ptr<EventDecoder> decoder)
      : InputBase(config, sink, std::move(decoder)),
        timer_(io),
        path_(config.path),
        poll_(config.poll_interval),
        framer_(MakeFramer(false)),
        buffer_(kReadChunk) {}

  ~FileTailInput() override {
    if (fd_ >= 0) ::close(fd_);
  }

  Result<void> Start(bool from_start) {
    if (path_.empty()) return Fail(ErrorCode::kInvalidArgument, "file tail: empty path");
    // A file that exists now is read from its end unless asked; one that appears later is new,
    // and read from its start.
    Open(from_start);
    Schedule();
    return {};
  }

 private:
  void Schedule() {
    timer_.expires_after(poll_);
    auto self = std::static_pointer_cast<FileTailInput>(shared_from_this());
    timer_.async_wait([self](error_code ec) {
      if (ec) return;
      self->Poll();
      self->Schedule();
    });
  }

  bool Open(bool from_start) {
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return false;
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      ::close(fd);
      return false;
    }
    fd_ = fd;
    dev_ = st.st_dev;
    ino_ = st.st_ino;
    offset_ = from_start ? 0 : static_cast<uint64_t>(st.st_size);
    return true;
  }

  // Reads what the file has beyond offset_, bounded per poll so other inputs keep running.
  void ReadAvailable() {
    for (size_t total = 0; total < (64u << 20);) {
      const ssize_t n = ::pread(fd_, buffer_.data(), buffer_.size(), static_cast<off_t>(offset_));
      if (n <= 0) return;
      offset_ += static_cast<uint64_t>(n);
      total += static_cast<size_t>(n);
      bytes_.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
      framer_.Feed(std::string_view(buffer_.data(), static_cast<size_t>(n)));
    }
  }

  void Poll() {
    if (fd_ < 0 && !Open(/*from_start=*/true)) return;
    struct stat st;
    if (::fstat(fd_, &st) == 0 && static_cast<uint64_t>(st.st_size) < offset_) {
      // copytruncate: the same file, emptied and written again from the start.
      truncations_.fetch_add(1, std::memory_order_relaxed);
      framer_.Reset();
      offset_ = 0;
    }
    ReadAvailable();
    struct stat at_path;
    if (::stat(path_.c_str(), &at_path) == 0 &&
        (at_path.st_dev != dev_ || at_path.st_ino != ino_)) {
      // Rotation by rename: the old file is finished (read above), the new one read from 0.
      rotations_.fetch_add(1, std::memory_order_relaxed);
      CountTruncatedFrame(framer_.Finish());
      ::close(fd_);
      fd_ = -1;
      if (Open(/*from_start=*/true)) ReadAvailable();
    }
  }

  asio::steady_timer timer_;
  std::filesystem::path path_;
  std::chrono::milliseconds poll_;
  detail::Framer framer_;
  std::vector<char> buffer_;
  int fd_ = -1;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  uint64_t offset_ = 0;
};

// --- Stream (stdin) ---

class StreamInput : public InputBase {
 public:
  StreamInput(asio::io_context& io, const StreamInputConfig& config, InputSink& sink,
              std::unique_ptr<EventDecoder> decoder)
      : InputBase(config, sink, std::move(decoder)),
        io_(io),
        descriptor_(io),
        framer_(MakeFramer(config.octet_counting)),
        buffer_(kReadChunk) {}

  ~StreamInput() override {
    if (blocking_fd_ >= 0) ::close(blocking_fd_);
  }

  Result<void> Start(int fd) {
    const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0)
      return Fail(ErrorCode::kIo, "stream input: cannot use descriptor " + std::to_string(fd));
    error_code ec;
    descriptor_.assign(copy, ec);
    if (!ec) {
      Read();
      return {};
    }
    // Regular files and /dev/null cannot be polled: read them in chunks posted to the loop.
    blocking_fd_ = copy;
    PostChunk();
    return {};
  }

 private:
  void Read() {
    auto self = std::static_pointer_cast<StreamInput>(shared_from_this());
    descriptor_.async_read_some(asio::buffer(buffer_), [self](error_code ec, size_t n) {
      if (n > 0) {
        self->bytes_.fetch_add(n, std::memory_order_relaxed);
        self->framer_.Feed(std::string_view(self->buffer_.data(), n));
      }
      if (ec) {
        if (ec != asio::error::operation_aborted) {
          self->CountTruncatedFrame(self->framer_.Finish());
        }
        return;
      }
      self->Read();
    });
  }

  void PostChunk() {
    auto self = std::static_pointer_cast<StreamInput>(shared_from_this());
    asio::post(io_, [self] {
      const ssize_t n = ::read(self->blocking_fd_, self->buffer_.data(), self->buffer_.size());
      if (n > 0) {
        self->bytes_.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
        self->framer_.Feed(std::string_view(self->buffer_.data(), static_cast<size_t>(n)));
        self->PostChunk();
        return;
      }
      self->CountTruncatedFrame(self->framer_.Finish());
    });
  }

  asio::io_context& io_;
  asio::posix::stream_descriptor descriptor_;
  detail::Framer framer_;
  std::vector<char> buffer_;
  int blocking_fd_ = -1;
};

// --- Runner ---

class Runner : public InputRunner {
 public:
  Result<Input*> AddUdp(const UdpInputConfig& config, InputSink& sink) override {
    return Add<UdpInput>(config, sink, [&](UdpInput& input) { return input.Start(config); });
  }
  Result<Input*> AddTcp(const TcpInputConfig& config, InputSink& sink) override {
    return Add<TcpInput>(config, sink, [&](TcpInput& input) { return input.Start(config); });
  }
  Result<Input*> AddFileTail(const FileTailConfig& config, InputSink& sink) override {
    return Add<FileTailInput>(config, sink,
                              [&](FileTailInput& input) { return input.Start(config.from_start); });
  }
  Result<Input*> AddStream(const StreamInputConfig& config, InputSink& sink) override {
    return Add<StreamInput>(config, sink,
                            [&](StreamInput& input) { return input.Start(config.fd); });
  }

  void Run() override {
    {
      // A Stop() that came before Run() must not be undone by restart().
      std::lock_guard lock(stop_mutex_);
      if (stop_requested_) {
        stop_requested_ = false;
        return;
      }
      io_.restart();
    }
    io_.run();
    std::lock_guard lock(stop_mutex_);
    stop_requested_ = false;
  }
  void Stop() override {
    std::lock_guard lock(stop_mutex_);
    stop_requested_ = true;
    io_.stop();
  }

 private:
  template <typename T, typename Config, typename StartFn>
  Result<Input*> Add(const Config& config, InputSink& sink, StartFn start) {
    if (config.max_message_bytes == 0) {
      return Fail(ErrorCode::kInvalidArgument, config.name + ": max_message_bytes must be > 0");
    }
    DecoderConfig decoder_config = config.decoder;
    decoder_config.syslog.max_message_bytes = config.max_message_bytes;
    decoder_config.json.max_line_bytes = config.max_message_bytes;
    auto decoder = EventDecoder::Create(decoder_config);
    if (!decoder) return std::unexpected(decoder.error().WithContext(config.name));
    auto input = std::make_shared<T>(io_, config, sink, std::move(*decoder));
    if (auto started = start(*input); !started) {
      return std::unexpected(started.error().WithContext(config.name));
    }
    inputs_.push_back(input);
    return input.get();
  }

  // Declared first, destroyed last: pending handlers (which own connections) are destroyed by
  // the io_context while it still exists.
  asio::io_context io_{1};
  std::vector<std::shared_ptr<InputBase>> inputs_;
  std::mutex stop_mutex_;
  bool stop_requested_ = false;
};

}  // namespace

std::unique_ptr<InputRunner> InputRunner::Create() { return std::make_unique<Runner>(); }

}  // namespace socmesh::events
