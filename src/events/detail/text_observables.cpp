#include "events/detail/text_observables.hpp"

#include <variant>

#include "formats/text/text_extractor.hpp"

namespace socmesh::events::detail {

void AddTextObservables(std::string_view text, std::string_view field, Event& event) {
  if (text.empty()) return;
  // The allocation-free visitor: each value is copied once, into the event's arena.
  auto visited = formats::text::ForEachIndicator(text, [&](const formats::text::HitView& hit) {
    if (const auto* kind = std::get_if<model::ObservableKind>(&hit.kind)) {
      // Extracted values are already normalised; the view dies with the call, so copy it.
      event.AddObservable(*kind, hit.value, field, /*raw_is_stable=*/false);
    }
  });
  if (!visited) event.Warn(visited.error().message);
}

}  // namespace socmesh::events::detail
