// libFuzzer target: JSON-lines events (events/json_event) with the Suricata EVE, Zeek, automatic
// and a custom field map; the first byte picks the map.
//
// Invariants: no crash; every observable is in the store's normal form (this checks the fast
// path that skips NormalizeObservable for values already normal); Parse (copying) and ParsePadded
// (in place) give the same result.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "events/json_event.hpp"
#include "model/observable.hpp"

namespace {

using socmesh::events::Event;
using socmesh::events::JsonEventParser;

std::unique_ptr<JsonEventParser> MakeParser(int which) {
  using namespace socmesh::events;
  switch (which) {
    case 0:
      return *JsonEventParser::Create(SuricataEveFieldMap());
    case 1:
      return *JsonEventParser::Create(ZeekFieldMap());
    case 2:
      return *JsonEventParser::CreateAuto();
    default:
      return *JsonEventParser::Create(*ParseFieldMap(
          "t=time, a.b=ip, a.c=host, h=url-host, p=url-path, m=email-header, x.y.z=hash, "
          "u=url, d=domain, s=sensor, k=type, n=text"));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static std::unique_ptr<JsonEventParser> parsers[4] = {MakeParser(0), MakeParser(1), MakeParser(2),
                                                        MakeParser(3)};
  JsonEventParser& parser = *parsers[data[0] % 4];
  const std::string_view line(reinterpret_cast<const char*>(data + 1), size - 1);
  static Event event;
  auto parsed = parser.Parse(line, event);
  std::string first;
  size_t count = 0;
  if (parsed) {
    count = event.observables.size();
    for (const auto& o : event.observables) {
      auto again = socmesh::model::NormalizeObservable(o.kind, o.value);
      if (!again || *again != o.value) __builtin_trap();
      first += o.value;
      first += '\n';
    }
  }
  std::string padded(line);
  padded.append(socmesh::events::kJsonPadding, '\0');
  static Event in_place;
  auto parsed_in_place = parser.ParsePadded(std::string_view(padded.data(), line.size()), in_place);
  if (parsed.has_value() != parsed_in_place.has_value()) __builtin_trap();
  if (parsed_in_place) {
    if (in_place.observables.size() != count) __builtin_trap();
    std::string second;
    for (const auto& o : in_place.observables) {
      second += o.value;
      second += '\n';
    }
    if (second != first) __builtin_trap();
  }
  return 0;
}
