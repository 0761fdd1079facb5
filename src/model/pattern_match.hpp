// Evaluating STIX patterns against observations (STIX 2.1 section 9), and index hints.
//
// An Observation is what one event (or one observed-data) saw: a few cyber-observable objects,
// each flattened into "property path -> value" pairs, references already followed. The path form is
// the one PatternObjectPath::PropertyPath() produces: keys joined by '.', list elements as "[n]",
// e.g. "hashes.SHA-256", "extensions.http-request-ext.request_header.Host", "values[0].name",
// "dst_ref.value". Keys are not quoted or escaped (a key containing '.' or '[' is therefore
// ambiguous; none of the STIX-defined properties has one).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "model/observable.hpp"
#include "model/pattern.hpp"
#include "model/timestamp.hpp"

namespace socmesh::model {

struct ObservedValue {
  enum class Kind : uint8_t { kString, kInt, kFloat, kBool };
  Kind kind = Kind::kString;
  std::string text;  // kString
  int64_t int_value = 0;
  double float_value = 0;
  bool bool_value = false;

  static ObservedValue String(std::string s) { return {Kind::kString, std::move(s), 0, 0, false}; }
  static ObservedValue Int(int64_t v) { return {Kind::kInt, {}, v, 0, false}; }
  static ObservedValue Float(double v) { return {Kind::kFloat, {}, 0, v, false}; }
  static ObservedValue Bool(bool v) { return {Kind::kBool, {}, 0, 0, v}; }
};

struct ObservedObject {
  std::string type;  // SCO type, e.g. "ipv4-addr"
  std::vector<std::pair<std::string, ObservedValue>> properties;

  // Adds a property; a key after "hashes" is canonicalised ("sha256" -> "SHA-256") as patterns are.
  ObservedObject& Add(std::string path, ObservedValue value);
};

struct Observation {
  Timestamp first_observed;
  Timestamp last_observed;
  std::vector<ObservedObject> objects;
};

// Builds an Observation from JSON: a STIX bundle, a JSON array of objects, an observed-data object
// with `objects` (STIX 2.0 style, keys as references) or a single SCO. Every SCO becomes an
// ObservedObject; `*_ref` / `*_refs` properties that name another object of the input are followed
// (up to 3 levels, so "dst_ref.value" and "body_multipart[0].body_raw_ref.name" exist), and the
// reference itself is kept as a string. SDOs, SROs and marking definitions are skipped.
// Errors: kParse for malformed JSON, kInvalidArgument when the JSON holds no object.
Result<Observation> ObservationFromJson(std::string_view json, Timestamp first_observed,
                                        Timestamp last_observed);

// Evaluates one observation expression `[ ... ]` (the kLeaf node `leaf`) against `observation`.
// Each object type named in the expression binds to one object of that type: [file:name = 'a' AND
// file:size = 1] needs one file with both. A comparison on a missing property is false, with or
// without NOT (NOT negates the operator, not the absence); NOT EXISTS is true when it is absent.
// With "[*]" a comparison is true when it holds for any element.
bool MatchesObservationExpression(const Pattern& pattern, uint32_t leaf,
                                  const Observation& observation);

// Whether this one observation satisfies the whole pattern: observation OR needs one side;
// observation AND and FOLLOWEDBY need distinct observations and so never match a single one
// (use PatternStream for those); REPEATS n matches only for n = 1; WITHIN holds trivially; START/
// STOP checks first_observed >= START and last_observed < STOP.
bool Matches(const Pattern& pattern, const Observation& observation);

// Prefilter for an index (issue 7, matcher): for each observation expression, the values of which
// an observation must contain at least one to match it, as normalised observables (see
// NormalizeObservable). `indexable` is false when no such list exists (e.g. only LIKE/MATCHES/
// ordering comparisons, or an OR with an unindexable side): such expressions must be evaluated on
// every event. `network` entries come from ISSUBSET on an IP value: an observed address inside the
// CIDR qualifies, rather than an equal value.
struct PatternIndexKey {
  Observable observable;
  bool network = false;

  friend bool operator==(const PatternIndexKey&, const PatternIndexKey&) = default;
};

struct PatternIndexHint {
  uint32_t leaf = 0;  // observation node index (Pattern::leaves order)
  bool indexable = false;
  std::vector<PatternIndexKey> any_of;
};

std::vector<PatternIndexHint> IndexHints(const Pattern& pattern);

}  // namespace socmesh::model
