#include "events/detail/text_observables.hpp"

#include <variant>

#include "formats/text/text_extractor.hpp"

namespace socmesh::events::detail {

void AddTextObservables(std::string_view text, std::string_view field, Event& event) {
  if (text.empty()) return;
  auto hits = formats::text::ExtractIndicators(text);
  if (!hits) {
    event.Warn(hits.error().message);
    return;
  }
  for (const formats::text::TextHit& hit : *hits) {
    if (const auto* kind = std::get_if<model::ObservableKind>(&hit.kind)) {
      // Extracted values are already normalised; the copy makes them outlive `hits`.
      event.AddObservable(*kind, hit.value, field, /*raw_is_stable=*/false);
    }
  }
}

}  // namespace socmesh::events::detail
