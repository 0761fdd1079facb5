#include "model/bundle.hpp"

#include <simdjson.h>

#include <algorithm>
#include <map>
#include <optional>
#include <thread>

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
  // Validation and canonicalisation dominate parsing and objects are independent: large inputs
  // are validated by several threads over disjoint index ranges of the (read-only) DOM, then merged
  // in input order so results do not depend on the thread count.
  std::vector<dom::element> elements;
  elements.reserve(objects.size());
  for (dom::element e : objects) elements.push_back(e);
  struct Checked {
    std::optional<StixObject> object;
    std::vector<Diagnostic> diagnostics;
  };
  std::vector<Checked> checked(elements.size());
  auto validate_range = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      std::string path = prefix + "[" + std::to_string(i) + "]";
      checked[i].object = detail::ValidateObject(elements[i], path, options.max_depth,
                                                 bundle_spec_version, checked[i].diagnostics);
    }
  };
  constexpr size_t kObjectsPerThread = 2048;
  const size_t threads = std::clamp<size_t>(elements.size() / kObjectsPerThread, 1,
                                            std::max(1u, std::thread::hardware_concurrency()));
  if (threads == 1) {
    validate_range(0, elements.size());
  } else {
    std::vector<std::thread> workers;
    const size_t per = (elements.size() + threads - 1) / threads;
    for (size_t t = 1; t < threads; ++t) {
      workers.emplace_back(validate_range, std::min(elements.size(), t * per),
                           std::min(elements.size(), (t + 1) * per));
    }
    validate_range(0, std::min(elements.size(), per));
    for (auto& w : workers) w.join();
  }

  out.objects.reserve(elements.size());
  // Same (id, version) twice in one input: identical copies are dropped, different ones rejected.
  std::map<VersionKey, size_t> seen;
  size_t index = 0;
  for (; index < elements.size(); ++index) {
    auto& object = checked[index].object;
    std::string id = object ? object->id : IdOf(elements[index]);
    for (auto& d : checked[index].diagnostics) out.findings.push_back({index, id, std::move(d)});
    if (!object) {
      ++out.rejected;
      continue;
    }
    std::string path = prefix + "[" + std::to_string(index) + "]";
    auto [it, inserted] = seen.emplace(object->version_key(), out.objects.size());
    if (inserted) {
      out.objects.push_back(std::move(*object));
    } else if (out.objects[it->second].digest == object->digest) {
      out.findings.push_back(
          {index,
           id,
           {Severity::kWarning, path, "duplicate of an earlier object in this input; kept once"}});
    } else {
      ++out.rejected;
      out.findings.push_back(
          {index,
           id,
           {Severity::kError, path,
            "same id and modified as an earlier object in this input but different content"}});
    }
  }
  out.input_objects = index;
  if (options.strict && out.rejected > 0) out.objects.clear();
  return out;
}

}  // namespace socmesh::model
