// Internal to formats/misp: mapping one MISP event (or a bare attribute/object collection) to STIX
// JSON texts, grouped by the MISP record they come from so that validation can keep or drop each
// record as a whole and report it by its MISP location.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

namespace socmesh::formats::misp::detail {

// The STIX objects made from one MISP record (attribute, object, galaxy cluster, sighting, …).
struct Record {
  std::string path;                  // MISP location, e.g. "response[0].Event.Attribute[12]"
  std::string uuid;                  // the MISP uuid of the record, when it had one
  std::string what;                  // for messages: "ip-dst attribute \"1.2.3.4\""
  std::vector<std::string> objects;  // STIX JSON texts; empty when `error` is set
  std::string error;                 // why the record could not be mapped at all
  size_t attributes = 0;             // MISP attributes this record carries
  bool warning_only = false;         // `error` is a warning: nothing was expected to be made
  bool sighting = false;
  bool galaxy_cluster = false;
  bool misp_object = false;
  std::vector<std::string> warnings;  // mapped, but not as the type says (kept verbatim)
};

// A record that could not be mapped: `error` says why.
inline Record FailedRecord(std::string path, std::string what, std::string error,
                           size_t attributes = 0) {
  Record r;
  r.path = std::move(path);
  r.what = std::move(what);
  r.error = std::move(error);
  r.attributes = attributes;
  return r;
}

// What the report or grouping standing for the event needs; built after validation, when the ids
// of the surviving objects are known.
struct EventContainer {
  bool present = false;  // false for attribute/object collections outside an event
  std::string path;
  std::string uuid;
  std::string json_head;    // the container's JSON up to (excluding) "object_refs"
  std::string identity_id;  // referenced when nothing else survives
};

struct MappedEvent {
  std::vector<Record> records;
  EventContainer container;
};

// Maps one event object (the value of "Event"). `path` is its location in the input.
MappedEvent MapEvent(simdjson::dom::object event, const std::string& path);

// Maps attributes or objects outside an event (REST collections): `kind` is "Attribute" or
// "Object", `path` the location of the element.
void MapLooseRecord(simdjson::dom::object element, std::string_view kind, const std::string& path,
                    MappedEvent& out);

// Completes a container JSON with the given object_refs.
std::string FinishContainer(const EventContainer& container,
                            const std::vector<std::string>& object_refs);

}  // namespace socmesh::formats::misp::detail
