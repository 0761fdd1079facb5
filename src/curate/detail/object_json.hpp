// Internal to curate/: reading the few indicator properties curation needs and writing patched
// copies of an object's canonical JSON.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "model/timestamp.hpp"

namespace socmesh::curate::detail {

struct IndicatorFields {
  std::string pattern;
  std::vector<std::string> labels;
  std::string created_by_ref;
  std::optional<model::Timestamp> created;
  std::optional<model::Timestamp> modified;
  std::optional<model::Timestamp> valid_from;
  std::optional<model::Timestamp> valid_until;
  std::optional<int> confidence;
};

// Errors: kParse for text that is not a JSON object.
Result<IndicatorFields> ReadIndicatorFields(std::string_view json);

// The top-level "pattern" of an object (empty when absent), without building a whole DOM: what
// curation needs of most batch indicators. Errors: kParse for text that is not a JSON object.
Result<std::string> ReadPattern(std::string_view json);

// The ids in the top-level "*_ref" / "*_refs" properties of an object.
Result<std::vector<std::string>> ReadReferences(std::string_view json);

struct JsonPatch {
  // Top-level properties set to these raw JSON values (added when absent).
  std::vector<std::pair<std::string, std::string>> set;
  // Ids replaced in top-level "*_ref" / "*_refs" properties (lists deduplicated after).
  const std::unordered_map<std::string, std::string>* rewrite_refs = nullptr;
};

// `json` with `patch` applied, in RFC 8785 canonical form. `*refs_changed` (when given) tells
// whether a reference was rewritten.
Result<std::string> PatchJson(std::string_view json, const JsonPatch& patch,
                              bool* refs_changed = nullptr);

// `json` (RFC 8785 canonical) with the top-level property `key` set to `raw_value` (canonical
// JSON) inserted at its sorted place: the result is canonical without parsing `json`. `key` must
// be lower-case ASCII letters and '_' (then byte order of the escaped text agrees with JCS's UTF-16
// order). nullopt when `json` already has `key`, or is not a canonical object as expected.
std::optional<std::string> InsertCanonicalProperty(std::string_view json, std::string_view key,
                                                   std::string_view raw_value);

// The JSON string literal of `s` / of a list of strings.
std::string JsonString(std::string_view s);
std::string JsonStringList(const std::vector<std::string>& items);

}  // namespace socmesh::curate::detail
