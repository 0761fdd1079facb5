// IODEF import: safe parse, schema validation per Incident, mapping, STIX validation.
#include <cstdlib>
#include <map>
#include <set>
#include <utility>

#include "formats/iodef/detail/incident_mapper.hpp"
#include "formats/iodef/detail/xml.hpp"
#include "formats/iodef/iodef.hpp"

#ifndef SOCMESH_IODEF_SCHEMA_DIR
#define SOCMESH_IODEF_SCHEMA_DIR ""
#endif

namespace socmesh::formats::iodef {
namespace {

using detail::IsIodef;
using model::Severity;

constexpr size_t kDocumentLevel = static_cast<size_t>(-1);

// The Incident (0-based among the root's Incident children) that contains `node`, or
// kDocumentLevel.
size_t IncidentIndexOf(const xmlNode* node, const std::vector<const xmlNode*>& incidents) {
  for (const xmlNode* n = node; n != nullptr && n->type == XML_ELEMENT_NODE; n = n->parent) {
    for (size_t i = 0; i < incidents.size(); ++i) {
      if (incidents[i] == n) return i;
    }
  }
  return kDocumentLevel;
}

const char* VariantName(SchemaVariant v) {
  return v == SchemaVariant::kAsPublished ? "RFC 7970 as published" : "RFC 7970 with errata";
}

struct VariantResult {
  SchemaVariant variant;
  std::vector<detail::RawSchemaError> errors;
  std::set<size_t> failing;  // incident indexes and kDocumentLevel
};

void IndexObservables(const xmlNode* node, size_t depth, detail::ObservableIndex& index) {
  for (const xmlNode* c = node->children; c != nullptr; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (std::string id = detail::Attr(c, "observable-id"); !id.empty()) index.emplace(id, c);
    if (depth < 256) IndexObservables(c, depth + 1, index);
  }
}

std::string Located(int line, const std::string& message) {
  return "line " + std::to_string(line) + ": " + message;
}

Result<detail::XmlDocPtr> ParseDocument(std::string_view xml, const ImportOptions& options) {
  return detail::ParseSafely(xml, {options.max_bytes, options.max_depth, options.max_text_bytes});
}

Result<const xmlNode*> IodefRoot(xmlDoc* doc) {
  const xmlNode* root = xmlDocGetRootElement(doc);
  if (!IsIodef(root, "IODEF-Document")) {
    std::string name = root != nullptr ? reinterpret_cast<const char*>(root->name) : "(none)";
    return Fail(ErrorCode::kParse,
                "line " + std::to_string(detail::NodeLine(root)) + ": root element is " + name +
                    ", not IODEF-Document in namespace urn:ietf:params:xml:ns:iodef-2.0");
  }
  return root;
}

}  // namespace

std::filesystem::path DefaultSchemaDir() {
  if (const char* env = std::getenv("SOCMESH_IODEF_SCHEMAS"); env != nullptr && *env != '\0') {
    return env;
  }
  return SOCMESH_IODEF_SCHEMA_DIR;
}

Result<std::vector<SchemaFinding>> ValidateIodef(std::string_view xml, SchemaVariant schema,
                                                 const std::filesystem::path& schema_dir) {
  ImportOptions limits;
  auto doc = ParseDocument(xml, limits);
  if (!doc) return std::unexpected(doc.error());
  std::vector<SchemaVariant> variants;
  if (schema == SchemaVariant::kEither) {
    variants = {SchemaVariant::kErrataApplied, SchemaVariant::kAsPublished};
  } else {
    variants = {schema};
  }
  std::vector<SchemaFinding> findings;
  for (SchemaVariant v : variants) {
    auto errors = detail::ValidateAgainst(doc->get(), v, schema_dir);
    if (!errors) return std::unexpected(errors.error());
    findings.clear();
    for (const auto& e : *errors) findings.push_back({e.line, detail::NodePath(e.node), e.message});
    if (findings.empty()) break;
  }
  return findings;
}

Result<model::ParsedBundle> ImportIodef(std::string_view xml, const ImportOptions& options) {
  auto doc = ParseDocument(xml, options);
  if (!doc) return std::unexpected(doc.error());
  auto root = IodefRoot(doc->get());
  if (!root) return std::unexpected(root.error());
  std::vector<const xmlNode*> incidents = detail::Children(*root, "Incident");

  model::ParsedBundle out;
  out.input_objects = incidents.size();
  std::vector<bool> rejected(incidents.size(), false);
  auto report = [&](size_t index, Severity severity, const xmlNode* node, int line,
                    std::string message) {
    model::ObjectDiagnostic d;
    d.index = index == kDocumentLevel ? 0 : index;
    d.diagnostic = {severity, detail::NodePath(node), Located(line, message)};
    out.findings.push_back(std::move(d));
  };

  if (options.validate) {
    std::vector<SchemaVariant> variants;
    if (options.schema == SchemaVariant::kEither) {
      variants = {SchemaVariant::kErrataApplied, SchemaVariant::kAsPublished};
    } else {
      variants = {options.schema};
    }
    std::vector<VariantResult> results;
    for (SchemaVariant v : variants) {
      auto errors = detail::ValidateAgainst(doc->get(), v, options.schema_dir);
      if (!errors) return std::unexpected(errors.error());
      VariantResult r{v, std::move(*errors), {}};
      for (const auto& e : r.errors) r.failing.insert(IncidentIndexOf(e.node, incidents));
      bool clean = r.failing.empty();
      results.push_back(std::move(r));
      if (clean) break;  // valid under this variant: no need to try the next
    }
    auto fails_everywhere = [&](size_t index) {
      for (const auto& r : results) {
        if (!r.failing.contains(index)) return false;
      }
      return true;
    };
    if (fails_everywhere(kDocumentLevel)) {
      std::string message = "IODEF document is not valid (" + options.schema_dir.string() + ")";
      for (const auto& r : results) {
        for (const auto& e : r.errors) {
          if (IncidentIndexOf(e.node, incidents) != kDocumentLevel) continue;
          message += "; " + std::string(VariantName(r.variant)) + ": " + Located(e.line, e.message);
          break;
        }
      }
      return Fail(ErrorCode::kParse, message);
    }
    for (size_t i = 0; i < incidents.size(); ++i) {
      bool reject = fails_everywhere(i);
      rejected[i] = reject;
      for (const auto& r : results) {
        if (!r.failing.contains(i)) continue;
        for (const auto& e : r.errors) {
          if (IncidentIndexOf(e.node, incidents) != i) continue;
          std::string why = "schema (" + std::string(VariantName(r.variant)) + "): " + e.message;
          if (!reject) why = "valid under the other form of the schema, but " + why;
          report(i, reject ? Severity::kError : Severity::kWarning, e.node, e.line, why);
        }
      }
    }
  }

  detail::ObservableIndex observables;
  IndexObservables(*root, 0, observables);

  std::map<std::string, size_t> position;  // id -> index in out.objects (SCOs shared by incidents)
  std::map<std::string, size_t> seen_ids;  // IncidentID -> how many Incidents carried it so far
  for (size_t i = 0; i < incidents.size(); ++i) {
    const xmlNode* id_node = detail::Child(incidents[i], "IncidentID");
    size_t occurrence =
        seen_ids[detail::Attr(id_node, "name") + '\x1f' + detail::Attr(id_node, "instance") +
                 '\x1f' + detail::Text(id_node)]++;
    if (rejected[i]) continue;
    detail::IncidentMapping mapping = detail::MapIncident(incidents[i], observables, occurrence);
    for (const auto& f : mapping.findings) {
      if (f.severity == Severity::kError) rejected[i] = true;
      report(i, f.severity, f.node != nullptr ? f.node : incidents[i],
             detail::NodeLine(f.node != nullptr ? f.node : incidents[i]), f.message);
    }
    if (rejected[i]) continue;
    std::vector<model::StixObject> valid;
    for (const auto& mapped : mapping.objects) {
      std::vector<model::Diagnostic> diagnostics;
      auto object = model::ParseStixObject(mapped.json, &diagnostics);
      for (auto& d : diagnostics) {
        model::ObjectDiagnostic od;
        od.index = i;
        od.id = mapped.id;
        od.diagnostic = d;
        od.diagnostic.path = detail::NodePath(incidents[i]) + " -> " + mapped.id + " " + d.path;
        od.diagnostic.message = Located(detail::NodeLine(incidents[i]), d.message);
        if (d.severity == Severity::kError) rejected[i] = true;
        out.findings.push_back(std::move(od));
      }
      if (object) valid.push_back(std::move(*object));
    }
    if (rejected[i]) continue;  // never half an incident
    for (auto& object : valid) {
      auto it = position.find(object.id);
      if (it == position.end()) {
        position.emplace(object.id, out.objects.size());
        out.objects.push_back(std::move(object));
        continue;
      }
      // An SCO that several incidents observed: one object, the stricter marking wins.
      model::StixObject& kept = out.objects[it->second];
      if (object.digest != kept.digest && object.tlp && (!kept.tlp || *object.tlp > *kept.tlp)) {
        kept = std::move(object);
      }
    }
  }
  for (bool r : rejected) out.rejected += r ? 1 : 0;
  if (options.strict && out.rejected > 0) out.objects.clear();
  return out;
}

}  // namespace socmesh::formats::iodef
