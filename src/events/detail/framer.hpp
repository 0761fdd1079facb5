// Splits a byte stream into messages: LF-terminated lines, or RFC 6587 syslog framing where each
// frame is either octet-counted ("MSG-LEN SP MSG", 3.4.1) or LF-terminated (3.4.2), told apart by
// its first byte (a digit starts an octet count; a syslog message starts with '<').
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace socmesh::events::detail {

class Framer {
 public:
  // `on_frame` gets each frame (without count or line end; a CR before LF is dropped);
  // `on_oversized` gets the stream offset of each frame longer than `max_frame_bytes`, which is
  // skipped (a line up to its LF, an octet-counted frame by its count).
  using FrameFn = std::function<void(std::string_view frame)>;
  using OversizedFn = std::function<void(uint64_t stream_offset, std::string_view head)>;

  Framer(bool octet_counting, size_t max_frame_bytes, FrameFn on_frame, OversizedFn on_oversized);

  // Consumes bytes; complete frames are delivered before it returns.
  void Feed(std::string_view bytes);
  // End of stream: a last line without LF is a frame. Returns the bytes dropped because they
  // are an octet-counted frame cut short by the end of the stream (0 when none).
  size_t Finish();
  // Forgets buffered bytes (file truncation).
  void Reset();

 private:
  bool octet_counting_;
  size_t max_;
  FrameFn on_frame_;
  OversizedFn on_oversized_;
  std::string pending_;      // bytes not yet framed
  uint64_t offset_ = 0;      // stream offset of pending_[0]
  uint64_t skip_bytes_ = 0;  // rest of an oversized octet-counted frame
  bool skip_line_ = false;   // rest of an oversized line
};

}  // namespace socmesh::events::detail
