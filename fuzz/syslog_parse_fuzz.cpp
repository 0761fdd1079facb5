// libFuzzer target: syslog messages (events/syslog) on arbitrary bytes.
//
// Invariants: parsing never crashes; every observable of a parsed Event is in the store's normal
// form (NormalizeObservable gives it back unchanged), and the header views of a parsed message
// lie inside the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "events/syslog.hpp"
#include "model/observable.hpp"

namespace {

bool Inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace events = socmesh::events;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const socmesh::model::Timestamp reference{1'700'000'000'000'000};
  auto message = events::ParseSyslogMessage(input, reference);
  if (message) {
    for (std::string_view part :
         {message->hostname, message->app_name, message->procid, message->msgid, message->msg}) {
      if (!Inside(part, input)) __builtin_trap();
    }
    if (message->facility > 23 || message->severity > 7) __builtin_trap();
  }
  static events::Event event;  // reused, as inputs do
  events::SyslogOptions options;
  options.reference_time = reference;
  if (events::ParseSyslog(input, event, options)) {
    for (const events::EventObservable& o : event.observables) {
      auto again = socmesh::model::NormalizeObservable(o.kind, o.value);
      if (!again || *again != o.value) __builtin_trap();
    }
  }
  return 0;
}
