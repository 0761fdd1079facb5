// A STIX object under construction: properties as (name, JSON text) pairs, so that an SCO can be
// rendered once without its id (to compute the deterministic id over it) and once with it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/canonical_json.hpp"

namespace socmesh::formats::iodef::detail {

class ObjectBuilder {
 public:
  explicit ObjectBuilder(std::string_view type) { String("type", type); }

  ObjectBuilder& String(std::string_view name, std::string_view value) {
    model::JsonWriter w;
    w.String(value);
    return Raw(name, w.Take());
  }
  ObjectBuilder& Int(std::string_view name, int64_t value) {
    return Raw(name, std::to_string(value));
  }
  ObjectBuilder& Bool(std::string_view name, bool value) {
    return Raw(name, value ? "true" : "false");
  }
  ObjectBuilder& StringList(std::string_view name, const std::vector<std::string>& values) {
    model::JsonWriter w;
    w.BeginArray();
    for (const auto& v : values) w.String(v);
    w.EndArray();
    return Raw(name, w.Take());
  }
  // `json` must be valid JSON text (from model::JsonWriter).
  ObjectBuilder& Raw(std::string_view name, std::string json) {
    for (auto& p : props_) {
      if (p.first == name) {
        p.second = std::move(json);
        return *this;
      }
    }
    props_.emplace_back(std::string(name), std::move(json));
    return *this;
  }
  bool Has(std::string_view name) const {
    for (const auto& p : props_) {
      if (p.first == name) return true;
    }
    return false;
  }

  std::string Render() const {
    std::string out = "{";
    for (size_t i = 0; i < props_.size(); ++i) {
      if (i > 0) out.push_back(',');
      model::AppendJcsString(out, props_[i].first);
      out.push_back(':');
      out += props_[i].second;
    }
    out.push_back('}');
    return out;
  }

 private:
  std::vector<std::pair<std::string, std::string>> props_;
};

}  // namespace socmesh::formats::iodef::detail
