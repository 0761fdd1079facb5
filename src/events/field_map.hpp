// Field maps: which JSON fields of an event log hold observables, the time, the sensor, … for
// JSON-lines inputs (events/json_event.hpp). Built-in maps cover Suricata EVE and Zeek JSON logs;
// any other product is configured with a map of its own (ParseFieldMap).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "events/event.hpp"
#include "model/observable.hpp"

namespace socmesh::events {

// What a field's value means.
enum class FieldRole : uint8_t {
  kObservable,  // an observable of FieldRule::kind
  kIp,          // IPv4 or IPv6, whichever the value is
  kHost,        // IP address or domain name ("host:port" and "[v6]:port" read too)
  kHash,        // MD5 / SHA-1 / SHA-256 / SHA-512 by length
  kEmail,       // e-mail address, also in header form ("Name <a@b.example>")
  kUrlHost,     // the host of a URL whose path is in another field (http.hostname)...
  kUrlPath,     // ...and that path (http.url); the two give "http://<host><path>"
  kTime,        // event time: RFC 3339 string, or a number of seconds since the epoch
  kSensor,      // sensor or host that reported the event
  kType,        // event type (event_type, _path)
  kText,        // human-readable text (alert.signature)
};

// One field. `path` names nested object keys joined by '.': "http.hostname" matches
// {"http":{"hostname":…}} and also a flat key "http.hostname" (Zeek writes "id.orig_h" flat).
// Arrays are looked through: "dns.answers.rdata" reads every rdata of the answers array, and a
// rule on an array of strings reads each string.
struct FieldRule {
  std::string path;
  FieldRole role = FieldRole::kObservable;
  model::ObservableKind kind = model::ObservableKind::kIpv4;  // for kObservable
};

struct FieldMap {
  std::string name;                         // "suricata-eve", "zeek", or the configured name
  EventFormat format = EventFormat::kJson;  // what Events parsed with it say
  std::vector<FieldRule> rules;             // a path may have several rules (host and URL host)
};

// The built-in maps (documented in docs/formats.md, "Event inputs"). Each is the union over the
// product's event types / log files: those keep their fields in distinct objects or names (EVE's
// "dns" object only occurs in dns events), so one pass needs no per-type dispatch.
const FieldMap& SuricataEveFieldMap();
const FieldMap& ZeekFieldMap();

// "suricata-eve" (also "eve", "suricata") or "zeek"; kNotFound otherwise.
Result<FieldMap> FindFieldMap(std::string_view name);

// Parses a map written as "path=role" entries separated by ',', ';' or new lines, e.g.
// "ts=time, host=sensor, src.addr=ip, url.full=url, file.sha256=sha256". Roles: the observable
// kind names of model::ObservableKindName ("ipv4", "domain", "url", "md5", …) and "ip", "host",
// "hash", "email-header", "url-host", "url-path", "time", "sensor", "type", "text". Errors
// (kInvalidArgument) name the entry: "entry 3 (\"src=ipaddr\"): unknown role \"ipaddr\"".
Result<FieldMap> ParseFieldMap(std::string_view spec, std::string name = "custom");

}  // namespace socmesh::events
