#include "model/bundle.hpp"

#include <simdjson.h>

#include <map>

#include "model/detail/stix_validator.hpp"
#include "model/identifier.hpp"

namespace socmesh::model {

namespace dom = simdjson::dom;

namespace {

// Depth the parser must allow: the bundle object and its "objects" array sit above each object.
constexpr size_t kEnvelopeDepth = 2;

std::string IdOf(dom::element e) {
  std::string_view id;
  if (e["id"].get(id) == simdjson::SUCCESS && id.size() <= 300) return std::string(id);
  return {};
}

}  // namespace

Result<ParsedBundle> ParseBundle(std::string_view json, const BundleOptions& options) {
  if (json.size() > options.max_bytes) {
    return Fail(ErrorCode::kTooLarge, "input is " + std::to_string(json.size()) +
                                          " bytes, more than the limit of " +
                                          std::to_string(options.max_bytes));
  }
  dom::parser parser;
  if (parser.allocate(json.size(), options.max_depth + kEnvelopeDepth) != simdjson::SUCCESS) {
    return Fail(ErrorCode::kTooLarge,
                "cannot allocate a parser for " + std::to_string(json.size()) + " bytes");
  }
  simdjson::padded_string padded(json);
  dom::element root;
  if (auto err = parser.parse(padded).get(root); err != simdjson::SUCCESS) {
    if (err == simdjson::DEPTH_ERROR) {
      return Fail(ErrorCode::kTooLarge,
                  "JSON nesting deeper than " + std::to_string(options.max_depth) + " levels");
    }
    return Fail(ErrorCode::kParse, std::string("not valid JSON: ") + simdjson::error_message(err));
  }

  ParsedBundle out;
  dom::array objects;
  std::string prefix = "$.objects";
  std::string bundle_spec_version;
  if (root.is_array()) {
    objects = dom::array(root);
    prefix = "$";
    out.findings.push_back({0,
                            {},
                            {Severity::kWarning, "$",
                             "a bare JSON array, not a STIX bundle: objects read one by one"}});
  } else if (root.is_object()) {
    std::string_view type;
    if (root["type"].get(type) == simdjson::SUCCESS && type == "bundle") {
      std::string_view bundle_id;
      if (root["id"].get(bundle_id) == simdjson::SUCCESS) {
        auto parsed = ParseIdentifier(bundle_id);
        if (parsed && parsed->type == "bundle") {
          out.bundle_id = std::string(bundle_id);
        } else {
          out.findings.push_back(
              {0, {}, {Severity::kWarning, "$.id", "bundle id is not bundle--<UUID>"}});
        }
      } else {
        out.findings.push_back({0, {}, {Severity::kWarning, "$.id", "bundle has no id"}});
      }
      std::string_view bundle_version;
      if (root["spec_version"].get(bundle_version) == simdjson::SUCCESS) {
        bundle_spec_version = std::string(bundle_version.substr(0, 16));
        out.findings.push_back({0,
                                {},
                                {Severity::kWarning, "$.spec_version",
                                 "bundle declares spec_version \"" + bundle_spec_version +
                                     "\" (STIX 2.0 style); objects are stored as STIX 2.1"}});
      }
      dom::element list;
      if (root["objects"].get(list) != simdjson::SUCCESS) {
        return out;  // an empty bundle is valid (section 8)
      }
      if (list.get(objects) != simdjson::SUCCESS) {
        return Fail(ErrorCode::kInvalidStix, "bundle \"objects\" is not a list");
      }
    } else {
      // A lone STIX object.
      out.input_objects = 1;
      std::vector<Diagnostic> diagnostics;
      auto object = detail::ValidateObject(root, "$", options.max_depth, "", diagnostics);
      std::string id = IdOf(root);
      for (auto& d : diagnostics) out.findings.push_back({0, id, std::move(d)});
      if (object) {
        out.objects.push_back(std::move(*object));
      } else {
        out.rejected = 1;
      }
      return out;
    }
  } else {
    return Fail(ErrorCode::kInvalidStix, "input is neither a STIX bundle, an object nor a list");
  }

  if (objects.size() > options.max_objects) {
    return Fail(ErrorCode::kTooLarge, "input holds " + std::to_string(objects.size()) +
                                          " objects, more than the limit of " +
                                          std::to_string(options.max_objects));
  }
  out.objects.reserve(objects.size());
  // Same (id, version) twice in one input: identical copies are dropped, different ones rejected.
  std::map<VersionKey, size_t> seen;
  std::vector<Diagnostic> diagnostics;
  size_t index = 0;
  for (dom::element element : objects) {
    diagnostics.clear();
    std::string path = prefix + "[" + std::to_string(index) + "]";
    auto object =
        detail::ValidateObject(element, path, options.max_depth, bundle_spec_version, diagnostics);
    std::string id = object ? object->id : IdOf(element);
    for (auto& d : diagnostics) out.findings.push_back({index, id, std::move(d)});
    if (!object) {
      ++out.rejected;
    } else {
      auto [it, inserted] = seen.emplace(object->version_key(), out.objects.size());
      if (inserted) {
        out.objects.push_back(std::move(*object));
      } else if (out.objects[it->second].digest == object->digest) {
        out.findings.push_back({index,
                                id,
                                {Severity::kWarning, path,
                                 "duplicate of an earlier object in this input; kept once"}});
      } else {
        ++out.rejected;
        out.findings.push_back(
            {index,
             id,
             {Severity::kError, path,
              "same id and modified as an earlier object in this input but different content"}});
      }
    }
    ++index;
  }
  out.input_objects = index;
  if (options.strict && out.rejected > 0) out.objects.clear();
  return out;
}

}  // namespace socmesh::model
