// Observations from STIX JSON: SCOs flattened into property paths, references followed.
#include <simdjson.h>

#include <string>
#include <unordered_map>

#include "model/detail/json_parse.hpp"
#include "model/pattern_match.hpp"

namespace socmesh::model {
namespace {

namespace dom = simdjson::dom;

// Limits for hostile input: a reference chain a -> b -> c -> d is followed 3 levels deep, JSON is
// walked 32 levels deep, and one object yields at most 10 000 properties.
constexpr int kMaxRefDepth = 3;
constexpr int kMaxJsonDepth = 32;
constexpr size_t kMaxProperties = 10000;

bool IsSco(std::string_view type) {
  // SDOs, SROs and meta objects that can appear next to SCOs in a bundle or observed-data.
  static constexpr std::string_view kNotSco[] = {"attack-pattern",
                                                 "campaign",
                                                 "course-of-action",
                                                 "grouping",
                                                 "identity",
                                                 "incident",
                                                 "indicator",
                                                 "infrastructure",
                                                 "intrusion-set",
                                                 "location",
                                                 "malware",
                                                 "malware-analysis",
                                                 "note",
                                                 "observed-data",
                                                 "opinion",
                                                 "report",
                                                 "threat-actor",
                                                 "tool",
                                                 "vulnerability",
                                                 "relationship",
                                                 "sighting",
                                                 "marking-definition",
                                                 "language-content",
                                                 "extension-definition",
                                                 "bundle"};
  for (std::string_view t : kNotSco) {
    if (type == t) return false;
  }
  return true;
}

class Flattener {
 public:
  explicit Flattener(const std::unordered_map<std::string_view, dom::object>& by_id)
      : by_id_(by_id) {}

  void Object(dom::object object, const std::string& prefix, ObservedObject& out, int ref_depth,
              int json_depth) {
    if (json_depth > kMaxJsonDepth) return;
    for (dom::key_value_pair field : object) {
      const std::string_view key = field.key;
      const std::string path = prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
      Value(field.value, path, out, ref_depth, json_depth + 1, key);
    }
  }

 private:
  void Value(dom::element value, const std::string& path, ObservedObject& out, int ref_depth,
             int json_depth, std::string_view key) {
    if (out.properties.size() >= kMaxProperties || json_depth > kMaxJsonDepth) return;
    switch (value.type()) {
      case dom::element_type::OBJECT: {
        dom::object object;
        if (value.get_object().get(object) == simdjson::SUCCESS) {
          Object(object, path, out, ref_depth, json_depth);
        }
        return;
      }
      case dom::element_type::ARRAY: {
        dom::array array;
        if (value.get_array().get(array) != simdjson::SUCCESS) return;
        size_t i = 0;
        for (dom::element item : array) {
          Value(item, path + "[" + std::to_string(i++) + "]", out, ref_depth, json_depth + 1, key);
        }
        return;
      }
      case dom::element_type::STRING: {
        std::string_view text;
        if (value.get_string().get(text) != simdjson::SUCCESS) return;
        out.Add(path, ObservedValue::String(std::string(text)));
        if ((key.ends_with("_ref") || key.ends_with("_refs")) && ref_depth < kMaxRefDepth) {
          if (auto it = by_id_.find(text); it != by_id_.end()) {
            Object(it->second, path, out, ref_depth + 1, json_depth);
          }
        }
        return;
      }
      case dom::element_type::INT64: {
        int64_t v = 0;
        if (value.get_int64().get(v) == simdjson::SUCCESS) out.Add(path, ObservedValue::Int(v));
        return;
      }
      case dom::element_type::UINT64: {
        uint64_t v = 0;
        if (value.get_uint64().get(v) == simdjson::SUCCESS) {
          out.Add(path, ObservedValue::Float(static_cast<double>(v)));
        }
        return;
      }
      case dom::element_type::DOUBLE: {
        double v = 0;
        if (value.get_double().get(v) == simdjson::SUCCESS) out.Add(path, ObservedValue::Float(v));
        return;
      }
      case dom::element_type::BOOL: {
        bool v = false;
        if (value.get_bool().get(v) == simdjson::SUCCESS) out.Add(path, ObservedValue::Bool(v));
        return;
      }
      case dom::element_type::NULL_VALUE:
        return;
    }
  }

  const std::unordered_map<std::string_view, dom::object>& by_id_;
};

}  // namespace

Result<Observation> ObservationFromJson(std::string_view json, Timestamp first_observed,
                                        Timestamp last_observed) {
  detail::ParserLease lease;
  Result<dom::element> root = detail::ParseJson(lease.get(), json);
  if (!root) return std::unexpected(root.error());

  // Candidate objects with the key they are referenced by: their id, or (STIX 2.0 observed-data)
  // the key of the `objects` dictionary.
  std::vector<std::pair<std::string_view, dom::object>> objects;
  auto add_array = [&](dom::array array) {
    for (dom::element e : array) {
      dom::object o;
      if (e.get_object().get(o) != simdjson::SUCCESS) continue;
      std::string_view id;
      if (o["id"].get_string().get(id) != simdjson::SUCCESS) id = {};
      objects.emplace_back(id, o);
    }
  };
  dom::array array;
  dom::object object;
  if (root->get_array().get(array) == simdjson::SUCCESS) {
    add_array(array);
  } else if (root->get_object().get(object) == simdjson::SUCCESS) {
    std::string_view type;
    if (object["type"].get_string().get(type) != simdjson::SUCCESS) type = {};
    dom::object dict;
    if (type == "bundle" && object["objects"].get_array().get(array) == simdjson::SUCCESS) {
      add_array(array);
    } else if (type == "observed-data" &&
               object["objects"].get_object().get(dict) == simdjson::SUCCESS) {
      for (dom::key_value_pair kv : dict) {
        dom::object o;
        if (kv.value.get_object().get(o) == simdjson::SUCCESS) objects.emplace_back(kv.key, o);
      }
    } else {
      std::string_view id;
      if (object["id"].get_string().get(id) != simdjson::SUCCESS) id = {};
      objects.emplace_back(id, object);
    }
  }

  std::unordered_map<std::string_view, dom::object> by_id;
  for (const auto& [id, o] : objects) {
    if (!id.empty()) by_id.emplace(id, o);
  }
  Observation observation;
  observation.first_observed = first_observed;
  observation.last_observed = last_observed;
  Flattener flattener(by_id);
  for (const auto& [id, o] : objects) {
    std::string_view type;
    if (o["type"].get_string().get(type) != simdjson::SUCCESS || !IsSco(type)) continue;
    ObservedObject out;
    out.type = std::string(type);
    flattener.Object(o, "", out, 0, 0);
    observation.objects.push_back(std::move(out));
  }
  if (observation.objects.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "no cyber-observable object in the JSON input");
  }
  return observation;
}

}  // namespace socmesh::model
