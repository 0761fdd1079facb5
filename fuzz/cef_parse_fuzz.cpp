// libFuzzer target: CEF records (events/cef), bare or behind a syslog header, on arbitrary bytes.
//
// Invariants: no crash; a parsed record has the 7 header fields (so its extension values come
// after them), no extension has an empty key, and every observable of the Event is in the store's
// normal form.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "events/cef.hpp"
#include "model/observable.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace events = socmesh::events;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  static events::ScratchArena arena;
  static events::CefRecord record;
  arena.Reset();
  if (events::ParseCefRecord(input, arena, record)) {
    if (!input.starts_with("CEF:")) __builtin_trap();
    for (const events::CefExtension& e : record.extensions) {
      if (e.key.empty()) __builtin_trap();
    }
  }
  static events::Event event;
  events::CefOptions options;
  options.reference_time = socmesh::model::Timestamp{1'700'000'000'000'000};
  if (events::ParseCef(input, event, options)) {
    if (event.format != events::EventFormat::kCef) __builtin_trap();
    for (const events::EventObservable& o : event.observables) {
      auto again = socmesh::model::NormalizeObservable(o.kind, o.value);
      if (!again || *again != o.value) __builtin_trap();
    }
  }
  return 0;
}
