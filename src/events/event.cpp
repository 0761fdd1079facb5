#include "events/event.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "events/detail/fast_normalize.hpp"

namespace socmesh::events {

namespace {

using model::ObservableKind;

// Large enough for a typical event's copies in one block; bigger requests get a block their size.
constexpr size_t kBlockSize = 4096;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Appends member by member: a braced temporary was built on the stack with narrow stores and
// copied with 16-byte loads, which stalled on store forwarding in the parsers' hot path.
inline void Append(std::vector<EventObservable>& observables, ObservableKind kind,
                   std::string_view value, std::string_view field) {
  EventObservable& observable = observables.emplace_back();
  observable.kind = kind;
  observable.value = value;
  observable.field = field;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view EventFormatName(EventFormat format) {
  switch (format) {
    case EventFormat::kSyslog5424:
      return "syslog-5424";
    case EventFormat::kSyslog3164:
      return "syslog-3164";
    case EventFormat::kCef:
      return "cef";
    case EventFormat::kSuricataEve:
      return "suricata-eve";
    case EventFormat::kZeek:
      return "zeek";
    case EventFormat::kJson:
      return "json";
    case EventFormat::kUnknown:
      break;
  }
  return "unknown";
}

// --- ScratchArena ---

char* ScratchArena::Allocate(size_t size) {
  while (current_ < blocks_.size()) {
    Block& block = blocks_[current_];
    if (block.size - used_ >= size) {
      char* out = block.data.get() + used_;
      used_ += size;
      return out;
    }
    ++current_;
    used_ = 0;
  }
  const size_t block_size = std::max(size, kBlockSize);
  blocks_.push_back(Block{std::make_unique<char[]>(block_size), block_size});
  current_ = blocks_.size() - 1;
  used_ = size;
  return blocks_.back().data.get();
}

std::string_view ScratchArena::Copy(std::string_view bytes) {
  if (bytes.empty()) return {};
  char* out = Allocate(bytes.size());
  std::memcpy(out, bytes.data(), bytes.size());
  return {out, bytes.size()};
}

void ScratchArena::Reset() {
  current_ = 0;
  used_ = 0;
}

size_t ScratchArena::capacity() const {
  size_t total = 0;
  for (const Block& block : blocks_) total += block.size;
  return total;
}

// --- Event ---

void Event::Clear() {
  time.reset();
  source = {};
  format = EventFormat::kUnknown;
  sensor = type = message = {};
  observables.clear();
  skipped_values = 0;
  first_skipped_field = {};
  warnings = 0;
  first_warning = {};
  arena.Reset();
}

bool Event::AddObservable(ObservableKind kind, std::string_view raw, std::string_view field,
                          bool raw_is_stable) {
  if (detail::IsAlreadyNormal(kind, raw)) {
    Append(observables, kind, raw_is_stable ? raw : arena.Copy(raw), field);
    return true;
  }
  Result<std::string> normal = model::NormalizeObservable(kind, raw);
  if (!normal) {
    Skip(field);
    return false;
  }
  Append(observables, kind, arena.Copy(*normal), field);
  return true;
}

bool Event::AddIp(std::string_view raw, std::string_view field, bool raw_is_stable) {
  // The common case first: a dotted quad as FormatIpv4 writes it.
  if (detail::IsCanonicalIpv4(raw)) {
    Append(observables, ObservableKind::kIpv4, raw_is_stable ? raw : arena.Copy(raw), field);
    return true;
  }
  const bool v6 = raw.find(':') != std::string_view::npos;
  return AddObservable(v6 ? ObservableKind::kIpv6 : ObservableKind::kIpv4, raw, field,
                       raw_is_stable);
}

bool Event::AddHost(std::string_view raw, std::string_view field, bool raw_is_stable) {
  // The common cases first, in one pass each: a dotted quad, or a lower-case name with a dot (what
  // the general path below would take as it is, after finding no blank, bracket or port).
  if (detail::IsCanonicalIpv4(raw)) {
    Append(observables, ObservableKind::kIpv4, raw_is_stable ? raw : arena.Copy(raw), field);
    return true;
  }
  if (detail::IsCanonicalHostName(raw)) {
    Append(observables, ObservableKind::kDomain, raw_is_stable ? raw : arena.Copy(raw), field);
    return true;
  }
  raw = Trim(raw);
  if (raw.starts_with('[')) {  // "[2001:db8::1]:8080"
    const size_t close = raw.find(']');
    if (close == std::string_view::npos) {
      Skip(field);
      return false;
    }
    return AddObservable(ObservableKind::kIpv6, raw.substr(1, close - 1), field, raw_is_stable);
  }
  const size_t colon = raw.find(':');
  if (colon != std::string_view::npos && raw.find(':', colon + 1) != std::string_view::npos) {
    return AddObservable(ObservableKind::kIpv6, raw, field, raw_is_stable);
  }
  if (colon != std::string_view::npos) raw = raw.substr(0, colon);  // "host:8080"
  if (raw.empty()) {
    Skip(field);
    return false;
  }
  bool dotted_numbers = true;
  for (char c : raw) dotted_numbers = dotted_numbers && (IsDigit(c) || c == '.' || c == '/');
  if (dotted_numbers) return AddObservable(ObservableKind::kIpv4, raw, field, raw_is_stable);
  std::string_view name = raw;
  if (name.ends_with('.')) name.remove_suffix(1);
  if (name.find('.') == std::string_view::npos) {
    Skip(field);
    return false;
  }
  return AddObservable(ObservableKind::kDomain, raw, field, raw_is_stable);
}

bool Event::AddHash(std::string_view raw, std::string_view field, bool raw_is_stable) {
  raw = Trim(raw);
  switch (raw.size()) {
    case 32:
      return AddObservable(ObservableKind::kMd5, raw, field, raw_is_stable);
    case 40:
      return AddObservable(ObservableKind::kSha1, raw, field, raw_is_stable);
    case 64:
      return AddObservable(ObservableKind::kSha256, raw, field, raw_is_stable);
    case 128:
      return AddObservable(ObservableKind::kSha512, raw, field, raw_is_stable);
    default:
      Skip(field);
      return false;
  }
}

bool Event::AddEmail(std::string_view raw, std::string_view field, bool raw_is_stable) {
  // Header forms: "Name" <a@b>, Name <a@b>, <a@b>; the address is between the last '<' and '>'.
  const size_t open = raw.rfind('<');
  if (open != std::string_view::npos) {
    const size_t close = raw.find('>', open);
    if (close == std::string_view::npos) {
      Skip(field);
      return false;
    }
    raw = raw.substr(open + 1, close - open - 1);
  }
  raw = Trim(raw);
  if (raw.empty()) {  // "<>" is the null reverse-path of bounces
    Skip(field);
    return false;
  }
  return AddObservable(ObservableKind::kEmail, raw, field, raw_is_stable);
}

void Event::Skip(std::string_view field) {
  if (skipped_values++ == 0) first_skipped_field = field;
}

void Event::Warn(std::string_view message_text, bool message_is_stable) {
  if (warnings++ == 0) {
    first_warning = message_is_stable ? message_text : arena.Copy(message_text);
  }
}

}  // namespace socmesh::events
