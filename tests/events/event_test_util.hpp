// Helpers for the events suite: observables of an Event as (kind name, value, field) triples.
#pragma once

#include <string>
#include <tuple>
#include <vector>

#include "events/event.hpp"

namespace socmesh::events::testing {

using Triple = std::tuple<std::string, std::string, std::string>;

inline std::vector<Triple> Observables(const Event& event) {
  std::vector<Triple> out;
  for (const EventObservable& o : event.observables) {
    out.emplace_back(std::string(model::ObservableKindName(o.kind)), std::string(o.value),
                     std::string(o.field));
  }
  return out;
}

inline bool Has(const Event& event, std::string_view kind, std::string_view value) {
  for (const EventObservable& o : event.observables) {
    if (model::ObservableKindName(o.kind) == kind && o.value == value) return true;
  }
  return false;
}

}  // namespace socmesh::events::testing
