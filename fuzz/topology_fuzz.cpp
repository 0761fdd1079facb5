// Topology files (federation/topology.hpp): any input is either refused with an error or yields a
// network that keeps the promises routing relies on — connected, symmetric peer lists, B4 (every
// link leaving a consortium ends at its gateway), and a format that reads back to the same
// network.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "federation/topology.hpp"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace socmesh::federation;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto spec = ParseTopologySpec(text, "fuzz");
  if (!spec) {
    Check(!spec.error().message.empty());
    return 0;
  }
  auto topology = BuildTopology(*spec);
  if (!topology) {
    Check(!topology.error().message.empty());
    return 0;
  }
  const Topology& t = *topology;
  for (NodeIndex a = 0; a < t.size(); ++a) {
    for (NodeIndex b : t.Peers(a)) {
      Check(b != a && t.Linked(b, a));
      if (t.ConsortiumName(a) != t.ConsortiumName(b)) {
        for (NodeIndex end : {a, b}) {
          const auto& c = t.nodes()[end].consortium;
          Check(!c || t.consortia()[*c].gateway == end);
        }
      }
    }
    if (a > 0) Check(t.TreeParent(0, a) != kNoNode);
  }
  auto again = ParseTopology(FormatTopologySpec(*spec), "formatted");
  Check(again.has_value() && again->size() == t.size() && again->LinkCount() == t.LinkCount());
  return 0;
}
