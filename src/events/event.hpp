// A security event reduced to what indicator matching needs (requirement B2c): when it happened,
// where it came from, and the observables it names, each normalised exactly as the store indexes
// indicators (model::NormalizeObservable), so a lookup of an event value finds the indicator.
//
// Events are built for throughput: a parser fills a caller-owned Event that is reused from one
// event to the next. Values are string_views into the input buffer when the input already is in
// normal form (the common case for IPs, lower-case domains and hashes) and into the Event's own
// scratch arena otherwise; once the Event has grown to the size of the largest event, parsing
// allocates nothing.
//
// Lifetime: every string_view in an Event stays valid until the Event is cleared or refilled, and
// as long as the input buffer (and, for JSON, the JsonEventParser) that filled it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "model/observable.hpp"
#include "model/timestamp.hpp"

namespace socmesh::events {

// Where an event's text came from. Stable names for logs and JSON: see EventFormatName.
enum class EventFormat : uint8_t {
  kUnknown,
  kSyslog5424,   // RFC 5424
  kSyslog3164,   // RFC 3164 (BSD syslog) and the common variants of its header
  kCef,          // ArcSight Common Event Format, bare or inside a syslog message
  kSuricataEve,  // Suricata EVE JSON
  kZeek,         // Zeek JSON logs
  kJson,         // JSON lines with a custom field map
};

// "syslog-5424", "syslog-3164", "cef", "suricata-eve", "zeek", "json", "unknown".
std::string_view EventFormatName(EventFormat format);

struct EventObservable {
  model::ObservableKind kind;
  std::string_view value;  // normalised (model::NormalizeObservable form)
  std::string_view field;  // where it came from: "src_ip", "dns.rrname", "msg", "sd.origin.ip"
};

// Bump allocator for the normalised or unescaped copies an Event refers to. Memory is kept across
// Reset() so that a reused Event stops allocating; copies never move (views stay valid).
class ScratchArena {
 public:
  ScratchArena() = default;
  ScratchArena(const ScratchArena&) = delete;
  ScratchArena& operator=(const ScratchArena&) = delete;
  ScratchArena(ScratchArena&&) noexcept = default;
  ScratchArena& operator=(ScratchArena&&) noexcept = default;

  // Returns a copy of `bytes` that lives until the next Reset().
  std::string_view Copy(std::string_view bytes);
  // Returns `size` writable bytes that live until the next Reset().
  char* Allocate(size_t size);
  // Forgets every copy; keeps the memory.
  void Reset();
  // Bytes reserved (for tests of the no-allocation promise).
  size_t capacity() const;

 private:
  struct Block {
    std::unique_ptr<char[]> data;
    size_t size = 0;
  };
  std::vector<Block> blocks_;
  size_t current_ = 0;  // block being filled
  size_t used_ = 0;     // bytes used in blocks_[current_]
};

struct Event {
  std::optional<model::Timestamp> time;  // when it happened, per the event; unset if it did not say
  std::string_view source;               // the input's name (set by the input, not the parser)
  EventFormat format = EventFormat::kUnknown;
  std::string_view sensor;   // host or sensor that reported it (syslog HOSTNAME, EVE host, dvchost)
  std::string_view type;     // EVE event_type, Zeek _path, syslog APP-NAME, CEF signature id
  std::string_view message;  // human text: syslog MSG, CEF name, EVE alert.signature, Zeek msg
  std::vector<EventObservable> observables;  // in input order; duplicates are kept
  // Values of mapped fields that did not normalise (a TXT record in dns.answers, a user name in
  // suser): skipped, counted, and the first one's field named, for input statistics.
  uint32_t skipped_values = 0;
  std::string_view first_skipped_field;
  // Recoverable problems (a bad escape kept literally, an unparseable time); the first is named.
  uint32_t warnings = 0;
  std::string_view first_warning;
  ScratchArena arena;

  // Empties the event for reuse; keeps capacity.
  void Clear();

  // Normalises `raw` as `kind` and appends it with `field`, or counts it as skipped when it does
  // not normalise. `field` must outlive the event's use (a literal, or a view into the input or the
  // arena). Returns whether it was added. `raw` may point into the input or anywhere: it is copied
  // into the arena unless it already is in normal form and `raw_is_stable` says it outlives the
  // event's use.
  bool AddObservable(model::ObservableKind kind, std::string_view raw, std::string_view field,
                     bool raw_is_stable = true);
  // An IPv4 or IPv6 address (or CIDR), whichever `raw` is.
  bool AddIp(std::string_view raw, std::string_view field, bool raw_is_stable = true);
  // An IP address, else a domain name with at least two labels (host names without a dot are
  // skipped: they never match shared indicators).
  bool AddHost(std::string_view raw, std::string_view field, bool raw_is_stable = true);
  // The hash kind given by the length of `raw` (32 md5, 40 sha1, 64 sha256, 128 sha512).
  bool AddHash(std::string_view raw, std::string_view field, bool raw_is_stable = true);
  // An e-mail address, also from a header form ("Name <a@b.example>", "<a@b.example>").
  bool AddEmail(std::string_view raw, std::string_view field, bool raw_is_stable = true);

  // Records a skipped value / a warning (message copied into the arena when it is not stable).
  void Skip(std::string_view field);
  void Warn(std::string_view message, bool message_is_stable = false);
};

}  // namespace socmesh::events
