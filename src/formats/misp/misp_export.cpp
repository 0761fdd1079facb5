#include "formats/misp/misp_export.hpp"

#include <simdjson.h>

#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include "formats/misp/attribute_types.hpp"
#include "formats/misp/detail/misp_json.hpp"
#include "formats/misp/detail/observable_paths.hpp"
#include "model/canonical_json.hpp"
#include "model/identifier.hpp"
#include "model/tlp.hpp"

namespace socmesh::formats::misp {
namespace {

using detail::Comparison;
using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

std::string_view Uuid(std::string_view stix_id) {
  size_t sep = stix_id.find("--");
  return sep == std::string_view::npos ? stix_id : stix_id.substr(sep + 2);
}

std::string Epoch(const model::StixObject& o) {
  return std::to_string(o.version().micros / 1'000'000);
}

std::string_view TlpTag(model::Tlp tlp) {
  switch (tlp) {
    case model::Tlp::kClear:
      return "tlp:clear";
    case model::Tlp::kGreen:
      return "tlp:green";
    case model::Tlp::kAmber:
      return "tlp:amber";
    case model::Tlp::kAmberStrict:
      return "tlp:amber+strict";
    case model::Tlp::kRed:
      return "tlp:red";
  }
  return "tlp:red";
}

// MISP distribution levels: 0 organisation only, 1 community, 3 all communities.
std::string_view Distribution(std::optional<model::Tlp> tlp) {
  if (!tlp) return "0";
  if (*tlp == model::Tlp::kClear) return "3";
  if (*tlp == model::Tlp::kGreen) return "1";
  return "0";
}

// What the misp:key="value" labels and other labels of an object say.
struct Labels {
  std::string type, category, name, meta_category;
  std::vector<std::string> tags;
};

Labels ReadLabels(object o) {
  Labels out;
  array labels;
  if (o["labels"].get(labels) != simdjson::SUCCESS) return out;
  for (element e : labels) {
    std::string_view l;
    if (e.get(l) != simdjson::SUCCESS) continue;
    auto take = [&](std::string_view key, std::string& into) {
      std::string prefix = "misp:" + std::string(key) + "=\"";
      if (!l.starts_with(prefix) || !l.ends_with("\"") || l.size() <= prefix.size()) return false;
      into = std::string(l.substr(prefix.size(), l.size() - prefix.size() - 1));
      return true;
    };
    if (take("type", out.type) || take("category", out.category) || take("name", out.name) ||
        take("meta-category", out.meta_category)) {
      continue;
    }
    out.tags.emplace_back(l);
  }
  return out;
}

// Joins the values of the type's paths found among the comparisons ("a|b").
std::optional<std::string> ValueOf(const AttributeType& type, const std::vector<Comparison>& cs) {
  std::string value;
  for (size_t i = 0; i < type.components(); ++i) {
    const Comparison* found = nullptr;
    for (const auto& c : cs) {
      if (c.path == type.paths[i]) {
        found = &c;
        break;
      }
    }
    if (found == nullptr) return std::nullopt;
    if (i > 0) value += "|";
    value += found->value;
  }
  return value;
}

// The MISP type for one comparison of foreign STIX.
std::optional<std::string_view> TypeForPath(std::string_view path) {
  static const std::map<std::string_view, std::string_view> kPreferred = {
      {"domain-name:value", "domain"},
      {"url:value", "url"},
      {"ipv4-addr:value", "ip-dst"},
      {"ipv6-addr:value", "ip-dst"},
      {"file:name", "filename"},
      {"email-addr:value", "email"},
      {"network-traffic:dst_ref.value", "ip-dst"},
      {"network-traffic:src_ref.value", "ip-src"},
  };
  if (auto it = kPreferred.find(path); it != kPreferred.end()) return it->second;
  for (const auto& t : AllAttributeTypes()) {
    if ((t.mapping == AttributeMapping::kObservable ||
         t.mapping == AttributeMapping::kPatternOnly) &&
        t.components() == 1 && t.fixed_path.empty() && t.paths[0] == path) {
      return t.name;
    }
  }
  return std::nullopt;
}

struct Attribute {
  std::string uuid, type, category, value, comment, timestamp, object_relation;
  bool to_ids = false;
  std::vector<std::string> tags;
  std::vector<std::string> sightings;  // MISP Sighting JSON objects
};

void WriteAttribute(model::JsonWriter& w, const Attribute& a) {
  w.BeginObject();
  w.Key("uuid").String(a.uuid).Key("type").String(a.type);
  w.Key("category")
      .String(a.category.empty() || !IsCategory(a.category) ? DefaultCategory(a.type)
                                                            : std::string_view(a.category));
  w.Key("value").String(a.value).Key("to_ids").Bool(a.to_ids);
  if (!a.object_relation.empty()) w.Key("object_relation").String(a.object_relation);
  if (!a.timestamp.empty()) w.Key("timestamp").String(a.timestamp);
  w.Key("comment").String(a.comment).Key("distribution").String("5");
  w.Key("deleted").Bool(false).Key("disable_correlation").Bool(false);
  if (!a.tags.empty()) {
    std::set<std::string> seen;
    w.Key("Tag").BeginArray();
    for (const auto& t : a.tags) {
      if (seen.insert(t).second) w.BeginObject().Key("name").String(t).EndObject();
    }
    w.EndArray();
  }
  if (!a.sightings.empty()) {
    w.Key("Sighting").BeginArray();
    for (const auto& s : a.sightings) w.Raw(s);
    w.EndArray();
  }
  w.EndObject();
}

struct Cluster {
  std::string uuid, type, galaxy_name, value, description, tag_name;
  std::vector<std::string> synonyms;
};

class Exporter {
 public:
  explicit Exporter(std::vector<std::pair<const model::StixObject*, object>> objects)
      : objects_(std::move(objects)) {
    for (const auto& [o, dom] : objects_) by_id_.emplace(o->id, dom);
  }

  std::optional<object> Find(std::string_view id) const {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return std::nullopt;
    return it->second;
  }

  void Export(const model::StixObject& o, object dom) {
    Labels labels = ReadLabels(dom);
    std::vector<std::string> tags = labels.tags;
    if (o.tlp) tags.emplace_back(TlpTag(*o.tlp));
    Attribute a;
    a.uuid = std::string(Uuid(o.id));
    a.type = labels.type;
    a.category = labels.category;
    a.timestamp = Epoch(o);
    a.tags = tags;
    std::string_view description = detail::String(dom, "description");
    a.comment = std::string(description);

    array misp_attributes;
    if (dom["x_misp_attributes"].get(misp_attributes) == simdjson::SUCCESS) {
      ExportObject(o, dom, labels, misp_attributes);
      return;
    }
    if (o.type == "sighting") {
      sightings_.emplace_back(&o, dom);
      return;
    }
    if (o.type == "x-misp-attribute") {
      a.type = std::string(detail::String(dom, "x_misp_type"));
      a.value = std::string(detail::String(dom, "x_misp_value"));
      a.category = std::string(detail::String(dom, "x_misp_category"));
      a.comment = std::string(detail::String(dom, "x_misp_comment"));
      a.to_ids = detail::Flag(dom, "x_misp_to_ids");
      Add(std::move(a), o.id);
      return;
    }
    if (o.type == "indicator") {
      ExportIndicator(o, dom, std::move(a));
      return;
    }
    if (o.type == "observed-data") {
      ExportObservedData(o, dom, std::move(a));
      return;
    }
    std::string_view galaxy_type = detail::String(dom, "x_misp_galaxy_type");
    if (!galaxy_type.empty() || (labels.type.empty() && IsGalaxyType(o.type))) {
      ExportCluster(o, dom, galaxy_type);
      return;
    }
    if (o.type == "vulnerability" || o.type == "campaign" || o.type == "threat-actor") {
      if (a.type.empty()) a.type = o.type == "campaign" ? "campaign-name" : o.type;
      a.value = std::string(detail::String(dom, "name"));
      Add(std::move(a), o.id);
      return;
    }
    if (o.category != model::ObjectCategory::kCyberObservable && o.type != "relationship" &&
        o.type != "identity" && o.type != "report" && o.type != "grouping" &&
        o.type != "marking-definition") {
      result_.skipped.push_back(o.id + ": no MISP form for type " + o.type);
    }
  }

  // MISP keeps sightings inside the attribute they are about.
  void AttachSightings() {
    for (const auto& [o, dom] : sightings_) {
      auto target = attribute_of_.find(detail::String(dom, "sighting_of_ref"));
      if (target == attribute_of_.end()) {
        result_.skipped.push_back(o->id + ": sighting of an object that is not an attribute");
        continue;
      }
      std::string_view kind = detail::String(dom, "x_misp_sighting_type");
      model::JsonWriter w;
      w.BeginObject().Key("uuid").String(Uuid(o->id));
      auto when = detail::ParseMispDateTime(detail::String(dom, "first_seen"));
      w.Key("date_sighting").String(when ? std::to_string(*when) : Epoch(*o));
      w.Key("type").String(kind == "false-positive" ? "1" : kind == "expiration" ? "2" : "0");
      w.Key("source").String(detail::String(dom, "description"));
      auto where = detail::Strings(dom, "where_sighted_refs");
      if (!where.empty()) {
        w.Key("Organisation").BeginObject().Key("uuid").String(Uuid(where.front()));
        if (auto org = Find(where.front())) w.Key("name").String(detail::String(*org, "name"));
        w.EndObject();
      }
      w.EndObject();
      attributes_[target->second].sightings.push_back(w.Take());
    }
  }

  void Write(model::JsonWriter& w) {
    AttachSightings();
    w.Key("Attribute").BeginArray();
    for (const auto& a : attributes_) WriteAttribute(w, a);
    w.EndArray();
    w.Key("Object").Raw("[" + objects_json_ + "]");
    std::map<std::string, std::vector<const Cluster*>> by_galaxy;
    for (const auto& c : clusters_) by_galaxy[c.type].push_back(&c);
    w.Key("Galaxy").BeginArray();
    for (const auto& [type, clusters] : by_galaxy) {
      w.BeginObject().Key("type").String(type);
      w.Key("name").String(clusters.front()->galaxy_name.empty() ? type
                                                                 : clusters.front()->galaxy_name);
      w.Key("GalaxyCluster").BeginArray();
      for (const Cluster* c : clusters) {
        w.BeginObject().Key("uuid").String(c->uuid).Key("type").String(c->type);
        w.Key("value").String(c->value).Key("tag_name").String(c->tag_name);
        w.Key("description").String(c->description);
        w.Key("meta").BeginObject();
        if (!c->synonyms.empty()) {
          w.Key("synonyms").BeginArray();
          for (const auto& s : c->synonyms) w.String(s);
          w.EndArray();
        }
        w.EndObject().EndObject();
      }
      w.EndArray().EndObject();
    }
    w.EndArray();
  }

  std::vector<std::string> GalaxyTags() const {
    std::vector<std::string> out;
    for (const auto& c : clusters_) out.push_back(c.tag_name);
    return out;
  }

  ExportResult& result() { return result_; }

 private:
  static bool IsGalaxyType(std::string_view t) {
    return t == "threat-actor" || t == "intrusion-set" || t == "attack-pattern" || t == "malware" ||
           t == "tool" || t == "course-of-action";
  }

  void Add(Attribute a, const std::string& id) {
    if (a.type.empty()) {
      result_.skipped.push_back(id + ": no MISP attribute type");
      return;
    }
    if (!uuids_.insert(a.uuid).second) return;  // MISP needs unique attribute uuids
    attribute_of_.emplace(id, attributes_.size());
    attributes_.push_back(std::move(a));
    ++result_.attributes;
  }

  void ExportIndicator(const model::StixObject& o, object dom, Attribute a) {
    a.to_ids = true;
    if (a.category.empty()) a.category = KillChainCategory(dom);
    std::string_view pattern = detail::String(dom, "pattern");
    std::string_view pattern_type = detail::String(dom, "pattern_type");
    if (!a.type.empty()) {
      AttributeType type = FindAttributeType(a.type);
      if (type.mapping == AttributeMapping::kNativePattern) {
        a.value = std::string(pattern);
        Add(std::move(a), o.id);
        return;
      }
      if (auto value = ValueOf(type, detail::ReadPatternComparisons(pattern))) {
        a.value = *value;
        Add(std::move(a), o.id);
        return;
      }
    }
    if (pattern_type != "stix") {
      bool known = pattern_type == "yara" || pattern_type == "sigma" || pattern_type == "snort" ||
                   pattern_type == "suricata";
      a.type = known ? std::string(pattern_type) : "other";
      a.value = std::string(pattern);
      Add(std::move(a), o.id);
      return;
    }
    auto comps = detail::ReadPatternComparisons(pattern);
    std::optional<std::string_view> type;
    if (comps.size() == 1) type = TypeForPath(comps[0].path);
    if (type) {
      a.type = std::string(*type);
      a.value = comps[0].value;
    } else {
      a.type = "stix2-pattern";
      a.value = std::string(pattern);
    }
    Add(std::move(a), o.id);
  }

  static std::string KillChainCategory(object dom) {
    array phases;
    if (dom["kill_chain_phases"].get(phases) != simdjson::SUCCESS) return "";
    for (element p : phases) {
      object po;
      if (p.get(po) == simdjson::SUCCESS &&
          detail::String(po, "kill_chain_name") == "misp-category") {
        return std::string(detail::String(po, "phase_name"));
      }
    }
    return "";
  }

  std::vector<object> Referenced(object dom) {
    std::vector<object> out;
    array refs;
    if (dom["object_refs"].get(refs) != simdjson::SUCCESS) return out;
    for (element r : refs) {
      std::string_view id;
      if (r.get(id) != simdjson::SUCCESS) continue;
      if (auto target = Find(id)) out.push_back(*target);
    }
    return out;
  }

  void ExportObservedData(const model::StixObject& o, object dom, Attribute a) {
    a.to_ids = false;
    if (a.comment.empty()) a.comment = std::string(detail::String(dom, "x_misp_comment"));
    auto resolver = [this](std::string_view id) { return Find(id); };
    std::vector<object> scos = Referenced(dom);
    if (scos.empty()) {
      result_.skipped.push_back(o.id + ": none of its observables is among the exported objects");
      return;
    }
    if (!a.type.empty()) {
      AttributeType type = FindAttributeType(a.type);
      if (auto value = ValueOf(type, detail::FlattenSco(scos.front(), resolver))) {
        a.value = *value;
        Add(std::move(a), o.id);
        return;
      }
    }
    // Foreign observed-data: one attribute per SCO value that has a MISP type; SCOs that another
    // listed SCO references are reached through it.
    std::set<std::string_view> referenced;
    for (object sco : scos) {
      for (auto [key, value] : sco) {
        std::string_view id;
        if (key.ends_with("_ref") && value.get(id) == simdjson::SUCCESS) referenced.insert(id);
        array ids;
        if (key.ends_with("_refs") && value.get(ids) == simdjson::SUCCESS) {
          for (element e : ids) {
            if (e.get(id) == simdjson::SUCCESS) referenced.insert(id);
          }
        }
      }
    }
    size_t n = 0;
    for (object sco : scos) {
      if (referenced.contains(detail::String(sco, "id"))) continue;
      for (const auto& c : detail::FlattenSco(sco, resolver)) {
        auto type = TypeForPath(c.path);
        if (!type) continue;
        Attribute part = a;
        part.type = std::string(*type);
        part.value = c.value;
        part.category = "";
        if (n++ > 0) {
          part.uuid = model::FormatUuid(
              model::UuidV5(detail::MispNamespace(), o.id + "/" + c.path + "=" + c.value));
        }
        Add(std::move(part), o.id);
      }
    }
    if (n == 0) result_.skipped.push_back(o.id + ": no observable with a MISP attribute type");
  }

  void ExportObject(const model::StixObject& o, object dom, const Labels& labels,
                    array misp_attributes) {
    model::JsonWriter w;
    w.BeginObject().Key("uuid").String(Uuid(o.id));
    std::string name = labels.name;
    if (name.empty()) name = std::string(detail::String(dom, "x_misp_name"));
    w.Key("name").String(name.empty() ? "unknown" : name);
    std::string meta = labels.meta_category;
    if (meta.empty()) meta = std::string(detail::String(dom, "x_misp_meta_category"));
    if (!meta.empty()) w.Key("meta-category").String(meta);
    w.Key("timestamp").String(Epoch(o)).Key("distribution").String("5");
    w.Key("comment").String(detail::String(dom, "x_misp_comment"));
    w.Key("Attribute").BeginArray();
    for (element e : misp_attributes) {
      object ao;
      if (e.get(ao) != simdjson::SUCCESS) continue;
      Attribute a;
      a.uuid = std::string(detail::String(ao, "uuid"));
      a.type = std::string(detail::String(ao, "type"));
      a.category = std::string(detail::String(ao, "category"));
      a.value = std::string(detail::String(ao, "value"));
      a.comment = std::string(detail::String(ao, "comment"));
      a.object_relation = std::string(detail::String(ao, "object_relation"));
      a.to_ids = detail::Flag(ao, "to_ids");
      a.timestamp = Epoch(o);
      WriteAttribute(w, a);
    }
    w.EndArray().EndObject();
    if (!objects_json_.empty()) objects_json_ += ",";
    objects_json_ += w.str();
    ++result_.objects;
  }

  void ExportCluster(const model::StixObject& o, object dom, std::string_view galaxy_type) {
    Cluster c;
    c.uuid = std::string(Uuid(o.id));
    c.type = galaxy_type.empty() ? (o.type == "threat-actor" ? "threat-actor" : "mitre-" + o.type)
                                 : std::string(galaxy_type);
    c.galaxy_name = std::string(detail::String(dom, "x_misp_galaxy_name"));
    c.value = std::string(detail::String(dom, "name"));
    c.description = std::string(detail::String(dom, "description"));
    c.tag_name = std::string(detail::String(dom, "x_misp_tag_name"));
    if (c.tag_name.empty()) c.tag_name = "misp-galaxy:" + c.type + "=\"" + c.value + "\"";
    for (auto s : detail::Strings(dom, "aliases")) c.synonyms.emplace_back(s);
    for (const auto& existing : clusters_) {
      if (existing.uuid == c.uuid) return;
    }
    clusters_.push_back(std::move(c));
    ++result_.galaxy_clusters;
  }

  std::vector<std::pair<const model::StixObject*, object>> objects_;
  std::map<std::string, object, std::less<>> by_id_;
  std::vector<Attribute> attributes_;
  std::map<std::string, size_t, std::less<>> attribute_of_;  // STIX id -> index in attributes_
  std::vector<std::pair<const model::StixObject*, object>> sightings_;
  std::set<std::string> uuids_;
  std::string objects_json_;  // the MISP objects written so far, comma-separated
  std::vector<Cluster> clusters_;
  ExportResult result_;
};

}  // namespace

Result<ExportResult> ExportMispEvent(std::span<const model::StixObject> objects,
                                     const ExportOptions& options) {
  if (objects.empty()) return Fail(ErrorCode::kInvalidArgument, "nothing to export");
  // One parse of all objects: their DOMs then live as long as the parser.
  std::string all = "[";
  for (const auto& o : objects) {
    if (all.size() > 1) all += ",";
    all += o.canonical_json;
  }
  all += "]";
  simdjson::dom::parser parser;
  array parsed;
  if (auto err = parser.parse(all).get(parsed); err) {
    return Fail(ErrorCode::kParse,
                std::string("stored object is not JSON: ") + simdjson::error_message(err));
  }
  std::vector<std::pair<const model::StixObject*, object>> doms;
  size_t i = 0;
  for (element e : parsed) {
    object o;
    if (e.get(o) != simdjson::SUCCESS) {
      return Fail(ErrorCode::kParse, "stored object " + objects[i].id + " is not a JSON object");
    }
    doms.emplace_back(&objects[i++], o);
  }

  // The event: the first report or grouping, else the options.
  const model::StixObject* container = nullptr;
  object container_dom;
  for (const auto& [o, dom] : doms) {
    if (o->type == "report" || o->type == "grouping") {
      container = o;
      container_dom = dom;
      break;
    }
  }
  Exporter exporter(doms);
  if (container != nullptr) {
    array refs;
    std::set<std::string_view> listed;
    if (container_dom["object_refs"].get(refs) == simdjson::SUCCESS) {
      for (element r : refs) {
        std::string_view id;
        if (r.get(id) == simdjson::SUCCESS) listed.insert(id);
      }
    }
    for (const auto& [o, dom] : doms) {
      if (listed.contains(o->id)) exporter.Export(*o, dom);
    }
  } else {
    for (const auto& [o, dom] : doms) exporter.Export(*o, dom);
  }

  std::string uuid = options.uuid;
  std::string info = options.info;
  std::string timestamp = Epoch(objects.front());
  std::string date;
  std::optional<model::Tlp> tlp;
  Labels labels;
  bool published = false;
  std::string publish_timestamp = "0";
  std::map<std::string, std::string> misp_fields;
  if (container != nullptr) {
    uuid = std::string(Uuid(container->id));
    info = std::string(detail::String(container_dom, "name"));
    timestamp = Epoch(*container);
    tlp = container->tlp;
    labels = ReadLabels(container_dom);
    published = container->type == "report";
    if (auto p = detail::ParseMispDateTime(detail::String(container_dom, "published"))) {
      publish_timestamp = std::to_string(*p);
    }
    for (std::string_view key : {"threat_level_id", "analysis", "date"}) {
      std::string_view v = detail::String(container_dom, "x_misp_" + std::string(key));
      if (!v.empty()) misp_fields[std::string(key)] = std::string(v);
    }
    if (!misp_fields.contains("date") && container->created) {
      misp_fields["date"] = model::FormatTimestamp(*container->created).substr(0, 10);
    }
  } else {
    for (const auto& o : objects) {
      if (o.tlp) tlp = tlp ? std::max(*tlp, *o.tlp) : *o.tlp;
    }
  }
  if (uuid.empty()) {
    std::string names;
    for (const auto& o : objects) names += o.id + ",";
    uuid = model::FormatUuid(model::UuidV5(detail::MispNamespace(), names));
  }
  if (!misp_fields.contains("date")) {
    misp_fields["date"] =
        model::FormatTimestamp(model::Timestamp{std::stoll(timestamp) * 1'000'000}).substr(0, 10);
  }

  model::JsonWriter w;
  w.BeginObject().Key("Event").BeginObject();
  w.Key("uuid").String(uuid).Key("info").String(info).Key("date").String(misp_fields["date"]);
  w.Key("timestamp").String(timestamp).Key("published").Bool(published);
  w.Key("publish_timestamp").String(publish_timestamp);
  w.Key("threat_level_id")
      .String(misp_fields.contains("threat_level_id") ? misp_fields["threat_level_id"] : "4");
  w.Key("analysis").String(misp_fields.contains("analysis") ? misp_fields["analysis"] : "0");
  w.Key("distribution").String(Distribution(tlp));
  if (container != nullptr && !container->created_by_ref.empty()) {
    if (auto identity = exporter.Find(container->created_by_ref)) {
      w.Key("Orgc").BeginObject().Key("name").String(detail::String(*identity, "name"));
      w.Key("uuid").String(Uuid(container->created_by_ref)).EndObject();
    }
  }
  std::vector<std::string> tags = labels.tags;
  if (tlp) tags.emplace_back(TlpTag(*tlp));
  for (auto& t : exporter.GalaxyTags()) tags.push_back(std::move(t));
  std::set<std::string> seen;
  w.Key("Tag").BeginArray();
  for (const auto& t : tags) {
    if (seen.insert(t).second) w.BeginObject().Key("name").String(t).EndObject();
  }
  w.EndArray();
  exporter.Write(w);
  w.EndObject().EndObject();
  ExportResult result = std::move(exporter.result());
  result.json = w.Take();
  return result;
}

}  // namespace socmesh::formats::misp
