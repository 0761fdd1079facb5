// Event inputs (requirement B2a/B2c): syslog over UDP and TCP, JSON lines over TCP, file tail,
// and a stream such as stdin. All run on one I/O loop (Boost.Asio inside, not in this header): no
// thread per connection. Each input frames its bytes, decodes each frame with an EventDecoder,
// hands Events to an InputSink, bounds message sizes, counts what it saw and keeps a few safe
// samples of malformed messages for logs.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "events/decoder.hpp"
#include "events/event.hpp"

namespace socmesh::events {

// Receives the Events of one or more inputs, on the thread that runs the InputRunner. The Event
// (and every view in it) is valid only during the call: copy what must be kept.
class InputSink {
 public:
  virtual ~InputSink() = default;
  virtual void OnEvent(const Event& event) = 0;
};

struct InputStats {
  uint64_t bytes = 0;                 // bytes received
  uint64_t frames = 0;                // messages framed (datagrams, lines, counted frames)
  uint64_t parsed = 0;                // handed to the sink
  uint64_t malformed = 0;             // refused by the decoder
  uint64_t oversized = 0;             // longer than max_message_bytes, skipped unread
  uint64_t connections = 0;           // TCP connections accepted
  uint64_t rejected_connections = 0;  // over max_connections
  uint64_t truncations = 0;  // file tail: the file shrank (copytruncate) and was reread from 0
  uint64_t rotations = 0;    // file tail: the path names a new file (rename rotation)
};

// A malformed or oversized message, made safe to log (detail/sample.hpp): truncated, non-printable
// bytes escaped, secret-looking values masked.
struct MalformedSample {
  std::string text;
  std::string error;
};

// What every input has.
struct InputConfig {
  std::string name = "input";  // Event::source of its events
  DecoderConfig decoder;
  size_t max_message_bytes = 64 * 1024;
  size_t max_samples = 8;  // most recent malformed samples kept
};

// RFC 5426 syslog over UDP: one message per datagram.
struct UdpInputConfig : InputConfig {
  std::string address = "127.0.0.1";
  uint16_t port = 514;  // 0: any free port (see Input::local_port)
};

enum class TcpFraming : uint8_t {
  kSyslog,  // RFC 6587: octet counting or LF per frame, by its first byte
  kLines,   // LF-terminated lines (JSON lines)
};

struct TcpInputConfig : InputConfig {
  std::string address = "127.0.0.1";
  uint16_t port = 601;  // 0: any free port
  TcpFraming framing = TcpFraming::kSyslog;
  size_t max_connections = 256;  // more are accepted and closed at once (counted)
};

// Follows a growing file as `tail -F` does: appends are read as they come; a file that shrinks
// (copytruncate) is read again from its start; a path that names a new file (rotation by rename,
// then create) is read from the new file's start after the rest of the old one.
struct FileTailConfig : InputConfig {
  std::filesystem::path path;
  bool from_start = false;  // read what the file holds at start (else only what is appended)
  std::chrono::milliseconds poll_interval{200};
};

// A byte stream on a file descriptor (stdin: fd 0): lines (or RFC 6587 frames) until EOF. The
// descriptor is duplicated; the caller keeps its own.
struct StreamInputConfig : InputConfig {
  int fd = 0;
  bool octet_counting = false;  // RFC 6587 framing instead of plain lines
};

// A running input. Counters and samples may be read from any thread.
class Input {
 public:
  virtual ~Input() = default;
  virtual const std::string& name() const = 0;
  virtual InputStats stats() const = 0;
  virtual std::vector<MalformedSample> malformed_samples() const = 0;
  // The bound port of a UDP or TCP input (useful with port 0); 0 for others.
  virtual uint16_t local_port() const { return 0; }
};

// Owns the I/O loop and the inputs. Add inputs, then Run() on one thread; Stop() from any thread.
// Events without a time of their own get the time they were received. The sinks must outlive the
// runner.
class InputRunner {
 public:
  static std::unique_ptr<InputRunner> Create();
  virtual ~InputRunner() = default;

  // Each returns the started input (owned by the runner), or an error: kInvalidArgument for a bad
  // address or decoder configuration, kIo when the socket cannot be bound or the descriptor not
  // used. Call before Run() or from the runner's thread.
  virtual Result<Input*> AddUdp(const UdpInputConfig& config, InputSink& sink) = 0;
  virtual Result<Input*> AddTcp(const TcpInputConfig& config, InputSink& sink) = 0;
  virtual Result<Input*> AddFileTail(const FileTailConfig& config, InputSink& sink) = 0;
  virtual Result<Input*> AddStream(const StreamInputConfig& config, InputSink& sink) = 0;

  // Runs the loop until Stop(), or until no input has work left (streams at EOF, nothing else).
  virtual void Run() = 0;
  // Asks Run() to return soon. Thread-safe.
  virtual void Stop() = 0;
};

}  // namespace socmesh::events
