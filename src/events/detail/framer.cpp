#include "events/detail/framer.hpp"

#include <cstring>

namespace socmesh::events::detail {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string_view Head(std::string_view s) { return s.substr(0, 64); }

}  // namespace

Framer::Framer(bool octet_counting, size_t max_frame_bytes, FrameFn on_frame,
               OversizedFn on_oversized)
    : octet_counting_(octet_counting),
      max_(max_frame_bytes),
      on_frame_(std::move(on_frame)),
      on_oversized_(std::move(on_oversized)) {}

void Framer::Reset() {
  pending_.clear();
  skip_bytes_ = 0;
  skip_line_ = false;
}

void Framer::Feed(std::string_view bytes) {
  pending_.append(bytes);
  const char* data = pending_.data();
  const size_t end = pending_.size();
  size_t pos = 0;
  while (pos < end) {
    if (skip_bytes_ > 0) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(skip_bytes_, end - pos));
      skip_bytes_ -= n;
      pos += n;
      continue;
    }
    if (skip_line_) {
      const void* nl = std::memchr(data + pos, '\n', end - pos);
      if (nl == nullptr) {
        pos = end;
        break;
      }
      pos = static_cast<const char*>(nl) - data + 1;
      skip_line_ = false;
      continue;
    }
    if (octet_counting_ && IsDigit(data[pos]) && data[pos] != '0') {
      size_t i = pos;
      uint64_t length = 0;
      while (i < end && IsDigit(data[i]) && i - pos < 10) length = length * 10 + (data[i++] - '0');
      if (i == end) break;  // the count continues in the next read
      if (data[i] == ' ' && i - pos < 10) {
        const size_t body = i + 1;
        if (length > max_) {
          on_oversized_(offset_ + pos, Head(std::string_view(data + pos, end - pos)));
          skip_bytes_ = length;
          pos = body;
          continue;
        }
        if (end - body < length) break;  // wait for the rest
        on_frame_(std::string_view(data + body, length));
        pos = body + length;
        // Senders that mix framings put a LF after a counted frame: not part of the next one.
        if (pos < end && data[pos] == '\n') ++pos;
        continue;
      }
      // Not an octet count after all ("2023-…" at the start of a line): read it as a line.
    }
    const void* nl = std::memchr(data + pos, '\n', end - pos);
    if (nl == nullptr) {
      if (end - pos > max_) {
        on_oversized_(offset_ + pos, Head(std::string_view(data + pos, end - pos)));
        skip_line_ = true;
        pos = end;
      }
      break;
    }
    const size_t line_end = static_cast<const char*>(nl) - data;
    std::string_view line(data + pos, line_end - pos);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.size() > max_) {
      on_oversized_(offset_ + pos, Head(line));
    } else if (!line.empty()) {
      on_frame_(line);
    }
    pos = line_end + 1;
  }
  pending_.erase(0, pos);
  offset_ += pos;
}

size_t Framer::Finish() {
  size_t dropped = 0;
  if (!pending_.empty() && !skip_line_ && skip_bytes_ == 0) {
    std::string_view rest(pending_);
    if (octet_counting_ && IsDigit(rest[0]) && rest[0] != '0' &&
        rest.find(' ') != std::string_view::npos &&
        rest.find_first_not_of("0123456789") == rest.find(' ')) {
      dropped = rest.size();  // a counted frame cut by the end of the stream
    } else {
      if (rest.ends_with('\r')) rest.remove_suffix(1);
      if (!rest.empty()) on_frame_(rest);
    }
  }
  offset_ += pending_.size();
  Reset();
  return dropped;
}

}  // namespace socmesh::events::detail
