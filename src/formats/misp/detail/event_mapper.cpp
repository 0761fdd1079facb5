#include "formats/misp/detail/event_mapper.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "formats/misp/attribute_types.hpp"
#include "formats/misp/detail/misp_json.hpp"
#include "formats/misp/detail/observable_paths.hpp"
#include "model/canonical_json.hpp"
#include "model/identifier.hpp"
#include "model/observable.hpp"
#include "model/timestamp.hpp"
#include "model/tlp.hpp"

namespace socmesh::formats::misp::detail {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

// Tags and the TLP they carry, split: TLP tags become marking references, galaxy tags are
// represented by their cluster objects, every other tag is a label.
struct Tags {
  std::optional<model::Tlp> tlp;
  std::vector<std::string> labels;
  std::vector<std::string> galaxy_tags;
};

Tags ReadTags(object owner) {
  Tags tags;
  array list;
  if (owner["Tag"].get(list) != simdjson::SUCCESS) return tags;
  for (element tag : list) {
    std::string_view name;
    if (tag["name"].get(name) != simdjson::SUCCESS || name.empty()) continue;
    if (name.size() > 4 && (name.substr(0, 4) == "tlp:" || name.substr(0, 4) == "TLP:")) {
      if (auto tlp = model::ParseTlpName(name)) {
        tags.tlp = tags.tlp ? std::max(*tags.tlp, *tlp) : *tlp;
        continue;
      }
    }
    if (name.starts_with("misp-galaxy:")) {
      tags.galaxy_tags.emplace_back(name);
      continue;
    }
    tags.labels.emplace_back(name);
  }
  return tags;
}

std::string Label(std::string_view key, std::string_view value) {
  return "misp:" + std::string(key) + "=\"" + std::string(value) + "\"";
}

std::string EpochText(int64_t seconds) {
  return model::FormatTimestamp(model::Timestamp{seconds * 1'000'000});
}

// Everything an event gives to the objects made from its records.
struct EventContext {
  std::string path;
  std::string identity_id;
  std::optional<model::Tlp> tlp;
  int64_t timestamp = 0;
  std::map<std::string, std::string, std::less<>> stix_ids;  // MISP uuid -> primary STIX id
  std::set<std::string, std::less<>> emitted;                // shared objects made once
};

// Writes the common properties of an SDO or SRO.
void WriteHeader(model::JsonWriter& w, std::string_view type, const std::string& id,
                 int64_t created, int64_t modified, const EventContext& ctx,
                 std::optional<model::Tlp> own_tlp, const std::vector<std::string>& labels) {
  w.Key("type").String(type).Key("spec_version").String("2.1").Key("id").String(id);
  w.Key("created").String(EpochText(std::min(created, modified)));
  w.Key("modified").String(EpochText(modified));
  if (!ctx.identity_id.empty()) w.Key("created_by_ref").String(ctx.identity_id);
  if (auto tlp = own_tlp ? own_tlp : ctx.tlp) {
    w.Key("object_marking_refs").BeginArray().String(model::Tlp2MarkingId(*tlp)).EndArray();
  }
  if (!labels.empty()) {
    w.Key("labels").BeginArray();
    for (const auto& l : labels) w.String(l);
    w.EndArray();
  }
}

// MISP allows "a|b" values; the table says how many components a type has.
std::optional<std::vector<Comparison>> Components(const AttributeType& type,
                                                  std::string_view value) {
  std::vector<Comparison> out;
  if (!type.fixed_path.empty()) {
    out.push_back({std::string(type.fixed_path), std::string(type.fixed_value)});
  }
  if (type.components() == 2) {
    size_t bar = value.find('|');
    if (bar == std::string_view::npos) return std::nullopt;
    out.push_back({std::string(type.paths[0]), std::string(value.substr(0, bar))});
    out.push_back({std::string(type.paths[1]), std::string(value.substr(bar + 1))});
  } else {
    out.push_back({std::string(type.paths[0]), std::string(value)});
  }
  return out;
}

// The first comparison whose value is not a valid observable of its kind (a hash of the wrong
// length, an IP address that is none), as an error message; empty when all are valid or not
// indexed. MISP checks values on entry too, but feeds and hand-written files do not.
std::string CheckValues(const std::vector<Comparison>& comparisons) {
  for (const auto& c : comparisons) {
    auto [sco_type, property] = ValueHolder(c);
    auto kind = model::KindForObjectPath(sco_type, property);
    if (!kind) continue;
    if (auto normalized = model::NormalizeObservable(*kind, c.value); !normalized) {
      return c.path + ": " + normalized.error().message;
    }
  }
  return "";
}

std::string Quote(std::string_view s, size_t max = 80) {
  if (s.size() <= max) return "\"" + std::string(s) + "\"";
  // Cut on a UTF-8 boundary so that messages stay valid UTF-8.
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return "\"" + std::string(s.substr(0, cut)) + "…\"";
}

struct AttributeFacts {
  std::string_view type;
  std::string_view category;
  std::string_view value;
  std::string_view comment;
  bool to_ids = false;
  std::string uuid;
  int64_t timestamp = 0;
  std::optional<int64_t> first_seen;
  std::optional<int64_t> last_seen;
  Tags tags;
};

std::optional<int64_t> SeenTime(object o, std::string_view key) {
  std::string_view text;
  if (o[key].get(text) != simdjson::SUCCESS || text.empty()) return std::nullopt;
  return ParseMispDateTime(text);
}

AttributeFacts ReadAttribute(object a, const EventContext& ctx, std::string_view fallback_uuid) {
  AttributeFacts f;
  f.type = String(a, "type");
  f.category = String(a, "category");
  f.value = String(a, "value");
  f.comment = String(a, "comment");
  f.to_ids = Flag(a, "to_ids");
  f.uuid = StixUuid(String(a, "uuid"), fallback_uuid);
  f.timestamp = Epoch(a, "timestamp").value_or(ctx.timestamp);
  f.first_seen = SeenTime(a, "first_seen");
  f.last_seen = SeenTime(a, "last_seen");
  f.tags = ReadTags(a);
  return f;
}

std::vector<std::string> AttributeLabels(const AttributeFacts& f) {
  std::vector<std::string> labels{Label("type", f.type)};
  if (!f.category.empty()) labels.push_back(Label("category", f.category));
  labels.insert(labels.end(), f.tags.labels.begin(), f.tags.labels.end());
  return labels;
}

void WriteIndicatorBody(model::JsonWriter& w, const AttributeFacts& f, std::string_view pattern,
                        std::string_view pattern_type) {
  if (!f.comment.empty()) w.Key("description").String(f.comment);
  w.Key("pattern").String(pattern).Key("pattern_type").String(pattern_type);
  if (pattern_type == "stix") w.Key("pattern_version").String("2.1");
  int64_t from = f.first_seen.value_or(f.timestamp);
  w.Key("valid_from").String(EpochText(from));
  if (f.last_seen && *f.last_seen > from) w.Key("valid_until").String(EpochText(*f.last_seen));
  if (!f.category.empty()) {
    w.Key("kill_chain_phases").BeginArray().BeginObject();
    w.Key("kill_chain_name").String("misp-category").Key("phase_name").String(f.category);
    w.EndObject().EndArray();
  }
}

void WriteCustomAttribute(model::JsonWriter& w, const AttributeFacts& f, const EventContext& ctx) {
  std::string id = "x-misp-attribute--" + f.uuid;
  w.BeginObject();
  WriteHeader(w, "x-misp-attribute", id, f.timestamp, f.timestamp, ctx, f.tags.tlp,
              AttributeLabels(f));
  w.Key("x_misp_type").String(f.type).Key("x_misp_value").String(f.value);
  if (!f.category.empty()) w.Key("x_misp_category").String(f.category);
  if (!f.comment.empty()) w.Key("x_misp_comment").String(f.comment);
  w.Key("x_misp_to_ids").Bool(f.to_ids);
  w.EndObject();
}

class EventMapper {
 public:
  explicit EventMapper(MappedEvent& out) : out_(out) {}

  EventContext ctx;

  // One attribute of the event (or of a collection); returns the index of its record.
  size_t MapAttribute(object a, const std::string& path) {
    Record r;
    r.path = path;
    r.attributes = 1;
    AttributeFacts f = ReadAttribute(a, ctx, path);
    r.uuid = std::string(String(a, "uuid"));
    r.what = std::string(f.type.empty() ? "untyped" : f.type) + " attribute " + Quote(f.value);
    if (f.type.empty()) {
      r.error = "attribute has no \"type\"";
    } else if (simdjson::dom::element v; a["value"].get(v) != simdjson::SUCCESS || !v.is_string()) {
      r.error = "attribute has no string \"value\"";
    } else {
      std::string primary = MapAttributeObjects(f, r);
      if (!primary.empty()) ctx.stix_ids[r.uuid] = primary;
      AddSightings(a, path, primary, r.what, r.error.empty());
      AddAttributeGalaxies(a, path, primary);
    }
    out_.records.push_back(std::move(r));
    return out_.records.size() - 1;
  }

  void MapObject(object o, const std::string& path) {
    Record r;
    r.path = path;
    r.misp_object = true;
    std::string_view name = String(o, "name");
    std::string_view meta = String(o, "meta-category");
    std::string uuid = StixUuid(String(o, "uuid"), path);
    r.uuid = std::string(String(o, "uuid"));
    r.what = std::string(name.empty() ? "unnamed" : name) + " object";
    int64_t ts = Epoch(o, "timestamp").value_or(ctx.timestamp);
    Tags tags = ReadTags(o);
    std::vector<std::string> labels{Label("name", name)};
    if (!meta.empty()) labels.push_back(Label("meta-category", meta));
    labels.insert(labels.end(), tags.labels.begin(), tags.labels.end());

    std::vector<Comparison> pattern_comparisons;
    std::vector<Comparison> sco_comparisons;
    bool any_ids = false;
    std::optional<int64_t> first_seen = SeenTime(o, "first_seen");
    std::optional<int64_t> last_seen = SeenTime(o, "last_seen");
    array attributes;
    model::JsonWriter list;
    list.BeginArray();
    if (o["Attribute"].get(attributes) == simdjson::SUCCESS) {
      size_t j = 0;
      for (element e : attributes) {
        std::string apath = path + ".Attribute[" + std::to_string(j++) + "]";
        object a;
        ++r.attributes;
        if (e.get(a) != simdjson::SUCCESS) {
          r.error = apath + " is not an object";
          continue;
        }
        AttributeFacts f = ReadAttribute(a, ctx, apath);
        any_ids = any_ids || f.to_ids;
        AttributeType type = FindAttributeType(f.type);
        if (type.mapping == AttributeMapping::kObservable ||
            type.mapping == AttributeMapping::kPatternOnly) {
          if (auto comps = Components(type, f.value)) {
            pattern_comparisons.insert(pattern_comparisons.end(), comps->begin(), comps->end());
            if (type.mapping == AttributeMapping::kObservable) {
              sco_comparisons.insert(sco_comparisons.end(), comps->begin(), comps->end());
            }
          }
        }
        // Every attribute is kept verbatim as well: object templates carry relations (e.g.
        // "first-seen", "text") that no STIX property holds, and export needs them back.
        list.BeginObject();
        list.Key("type").String(f.type).Key("object_relation").String(String(a, "object_relation"));
        list.Key("value").String(f.value);
        if (!f.category.empty()) list.Key("category").String(f.category);
        if (!f.comment.empty()) list.Key("comment").String(f.comment);
        list.Key("to_ids").Bool(f.to_ids).Key("uuid").String(f.uuid);
        list.EndObject();
        if (!String(a, "uuid").empty()) pending_attribute_ids_.emplace_back(String(a, "uuid"));
        AddSightingsLater(a, apath);
      }
    }
    list.EndArray();
    if (!r.error.empty()) {
      out_.records.push_back(std::move(r));
      return;
    }

    std::string primary;
    model::JsonWriter w;
    auto custom_tail = [&] {
      w.Key("x_misp_attributes").Raw(list.str());
      if (!String(o, "comment").empty()) w.Key("x_misp_comment").String(String(o, "comment"));
    };
    if (any_ids && !pattern_comparisons.empty()) {
      auto pattern = BuildPattern(pattern_comparisons);
      if (!pattern) {
        r.error = pattern.error().message;
      } else {
        primary = "indicator--" + uuid;
        w.BeginObject();
        WriteHeader(w, "indicator", primary, ts, ts, ctx, tags.tlp, labels);
        w.Key("pattern").String(*pattern).Key("pattern_type").String("stix");
        w.Key("pattern_version").String("2.1");
        int64_t from = first_seen.value_or(ts);
        w.Key("valid_from").String(EpochText(from));
        if (last_seen && *last_seen > from) w.Key("valid_until").String(EpochText(*last_seen));
        custom_tail();
        w.EndObject();
      }
    } else if (!sco_comparisons.empty()) {
      auto scos = BuildScos(sco_comparisons);
      if (!scos) {
        r.error = scos.error().message;
      } else {
        primary = "observed-data--" + uuid;
        w.BeginObject();
        WriteHeader(w, "observed-data", primary, ts, ts, ctx, tags.tlp, labels);
        w.Key("first_observed").String(EpochText(first_seen.value_or(ts)));
        w.Key("last_observed")
            .String(EpochText(std::max(last_seen.value_or(ts), first_seen.value_or(ts))));
        w.Key("number_observed").Int(1).Key("object_refs").BeginArray();
        for (const auto& id : scos->ids) w.String(id);
        w.EndArray();
        custom_tail();
        w.EndObject();
        r.objects = std::move(scos->json);
      }
    } else {
      primary = "x-misp-object--" + uuid;
      w.BeginObject();
      WriteHeader(w, "x-misp-object", primary, ts, ts, ctx, tags.tlp, labels);
      w.Key("x_misp_name").String(name);
      if (!meta.empty()) w.Key("x_misp_meta_category").String(meta);
      custom_tail();
      w.EndObject();
    }
    if (!primary.empty() && r.error.empty()) {
      r.objects.insert(r.objects.begin(), w.Take());
      ctx.stix_ids[r.uuid] = primary;
      for (const auto& attribute_uuid : pending_attribute_ids_)
        ctx.stix_ids[attribute_uuid] = primary;
    }
    pending_attribute_ids_.clear();
    std::string owner_what = r.what;
    bool owner_ok = r.error.empty();
    out_.records.push_back(std::move(r));
    for (auto& [a, apath] : pending_sightings_)
      AddSightings(a, apath, primary, owner_what, owner_ok);
    pending_sightings_.clear();
    array refs;
    if (o["ObjectReference"].get(refs) == simdjson::SUCCESS) {
      size_t k = 0;
      for (element ref : refs) {
        object ro;
        if (ref.get(ro) == simdjson::SUCCESS) {
          references_.push_back(
              {primary, ro, path + ".ObjectReference[" + std::to_string(k) + "]"});
        }
        ++k;
      }
    }
  }

  void MapGalaxies(object owner, const std::string& path, const std::string& source_id) {
    array galaxies;
    if (owner["Galaxy"].get(galaxies) != simdjson::SUCCESS) return;
    size_t g = 0;
    for (element ge : galaxies) {
      object galaxy;
      std::string gpath = path + ".Galaxy[" + std::to_string(g++) + "]";
      if (ge.get(galaxy) != simdjson::SUCCESS) continue;
      array clusters;
      if (galaxy["GalaxyCluster"].get(clusters) != simdjson::SUCCESS) continue;
      size_t c = 0;
      for (element ce : clusters) {
        object cluster;
        std::string cpath = gpath + ".GalaxyCluster[" + std::to_string(c++) + "]";
        if (ce.get(cluster) != simdjson::SUCCESS) continue;
        std::string id = MapCluster(galaxy, cluster, cpath);
        if (!source_id.empty() && !id.empty()) Relate(source_id, id, cpath);
      }
    }
  }

  // Galaxy tags without a Galaxy block (feeds export tags only): a cluster from the tag alone.
  void MapGalaxyTags(const Tags& tags, const std::string& path) {
    for (const auto& tag : tags.galaxy_tags) {
      if (cluster_tags_.contains(tag)) continue;
      // misp-galaxy:<type>="<value>"
      std::string_view rest = std::string_view(tag).substr(12);
      size_t eq = rest.find('=');
      if (eq == std::string_view::npos) continue;
      std::string_view type = rest.substr(0, eq);
      std::string_view value = rest.substr(eq + 1);
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      ClusterFacts facts{type, "", value, "", tag, "", {}, {}, ""};
      EmitCluster(facts, path + ".Tag(" + tag + ")");
    }
  }

  void MapReferences() {
    for (const auto& ref : references_) {
      if (ref.source_id.empty()) continue;
      std::string_view target_uuid = String(ref.ref, "referenced_uuid");
      auto target = ctx.stix_ids.find(target_uuid);
      Record r;
      r.path = ref.path;
      r.uuid = std::string(String(ref.ref, "uuid"));
      std::string_view type = String(ref.ref, "relationship_type");
      r.what = "object reference " + Quote(type);
      if (target == ctx.stix_ids.end()) {
        r.error = "referenced_uuid " + Quote(target_uuid) + " is not in this event";
        r.warning_only = true;
        out_.records.push_back(std::move(r));
        continue;
      }
      std::string id = "relationship--" + StixUuid(r.uuid, ref.source_id + target->second);
      int64_t ts = Epoch(ref.ref, "timestamp").value_or(ctx.timestamp);
      model::JsonWriter w;
      w.BeginObject();
      WriteHeader(w, "relationship", id, ts, ts, ctx, std::nullopt, {});
      w.Key("relationship_type").String(RelationshipType(type));
      w.Key("source_ref").String(ref.source_id).Key("target_ref").String(target->second);
      if (!String(ref.ref, "comment").empty()) {
        w.Key("description").String(String(ref.ref, "comment"));
      }
      w.EndObject();
      r.objects.push_back(w.Take());
      out_.records.push_back(std::move(r));
    }
  }

  void AddIdentity(object org, const std::string& path, std::string* id_out) {
    std::string_view name = String(org, "name");
    std::string_view misp_uuid = String(org, "uuid");
    if (name.empty() && misp_uuid.empty()) return;
    std::string id = "identity--" + StixUuid(misp_uuid, "org:" + std::string(name));
    if (id_out) *id_out = id;
    if (!ctx.emitted.insert(id).second) return;
    Record r;
    r.path = path;
    r.uuid = std::string(misp_uuid);
    r.what = "organisation " + Quote(name);
    model::JsonWriter w;
    w.BeginObject().Key("type").String("identity").Key("spec_version").String("2.1");
    w.Key("id").String(id);
    // A fixed version: the same organisation seen in many events is one object, not a conflict.
    w.Key("created").String(EpochText(0)).Key("modified").String(EpochText(0));
    w.Key("name").String(name.empty() ? misp_uuid : name);
    w.Key("identity_class").String("organization").EndObject();
    r.objects.push_back(w.Take());
    out_.records.push_back(std::move(r));
  }

 private:
  struct ClusterFacts {
    std::string_view galaxy_type;
    std::string_view galaxy_name;
    std::string_view value;
    std::string_view description;
    std::string tag_name;
    std::string_view uuid;
    std::vector<std::string_view> synonyms;
    std::vector<std::string_view> refs;
    std::string_view external_id;
  };

  std::string MapCluster(object galaxy, object cluster, const std::string& path) {
    ClusterFacts f;
    f.galaxy_type = String(galaxy, "type");
    if (f.galaxy_type.empty()) f.galaxy_type = String(cluster, "type");
    f.galaxy_name = String(galaxy, "name");
    f.value = String(cluster, "value");
    f.description = String(cluster, "description");
    f.tag_name = std::string(String(cluster, "tag_name"));
    f.uuid = String(cluster, "uuid");
    object meta;
    if (cluster["meta"].get(meta) == simdjson::SUCCESS) {
      f.synonyms = Strings(meta, "synonyms");
      f.refs = Strings(meta, "refs");
      auto ids = Strings(meta, "external_id");
      if (!ids.empty()) f.external_id = ids.front();
    }
    if (!f.tag_name.empty()) cluster_tags_.insert(f.tag_name);
    return EmitCluster(f, path);
  }

  static std::string_view StixTypeOfGalaxy(std::string_view g) {
    if (g.find("threat-actor") != std::string_view::npos) return "threat-actor";
    if (g.find("intrusion-set") != std::string_view::npos) return "intrusion-set";
    if (g.find("attack-pattern") != std::string_view::npos) return "attack-pattern";
    if (g.find("course-of-action") != std::string_view::npos) return "course-of-action";
    if (g == "tool" || g == "mitre-tool" || g.ends_with("-tool")) return "tool";
    for (std::string_view m : {"malware", "banker", "rat", "ransomware", "botnet", "stealer",
                               "backdoor", "android", "exploit-kit", "malpedia"}) {
      if (g == m || g.ends_with("-" + std::string(m)) || g.starts_with(std::string(m) + "-")) {
        return "malware";
      }
    }
    return "x-misp-galaxy-cluster";
  }

  std::string EmitCluster(const ClusterFacts& f, const std::string& path) {
    std::string_view type = StixTypeOfGalaxy(f.galaxy_type);
    std::string uuid = StixUuid(
        f.uuid,
        f.tag_name.empty() ? std::string(f.galaxy_type) + "=" + std::string(f.value) : f.tag_name);
    std::string id = std::string(type) + "--" + uuid;
    if (!ctx.emitted.insert(id).second) return id;
    Record r;
    r.path = path;
    r.uuid = std::string(f.uuid);
    r.galaxy_cluster = true;
    r.what = std::string(f.galaxy_type) + " galaxy cluster " + Quote(f.value);
    if (f.value.empty()) {
      r.error = "galaxy cluster has no \"value\"";
      out_.records.push_back(std::move(r));
      return "";
    }
    model::JsonWriter w;
    w.BeginObject();
    WriteHeader(w, type, id, ctx.timestamp, ctx.timestamp, ctx, std::nullopt, {});
    w.Key("name").String(f.value);
    if (!f.description.empty()) w.Key("description").String(f.description);
    if (type == "malware") w.Key("is_family").Bool(true);
    bool has_aliases =
        type == "threat-actor" || type == "intrusion-set" || type == "malware" || type == "tool";
    if (has_aliases && !f.synonyms.empty()) {
      w.Key("aliases").BeginArray();
      for (auto s : f.synonyms) w.String(s);
      w.EndArray();
    }
    if (!f.refs.empty() || !f.external_id.empty()) {
      w.Key("external_references").BeginArray();
      if (!f.external_id.empty()) {
        w.BeginObject()
            .Key("source_name")
            .String(type == "attack-pattern" ? "mitre-attack" : f.galaxy_type);
        w.Key("external_id").String(f.external_id).EndObject();
      }
      for (auto url : f.refs) {
        w.BeginObject().Key("source_name").String(f.galaxy_type).Key("url").String(url).EndObject();
      }
      w.EndArray();
    }
    w.Key("x_misp_galaxy_type").String(f.galaxy_type);
    if (!f.galaxy_name.empty()) w.Key("x_misp_galaxy_name").String(f.galaxy_name);
    if (!f.tag_name.empty()) w.Key("x_misp_tag_name").String(f.tag_name);
    w.EndObject();
    r.objects.push_back(w.Take());
    out_.records.push_back(std::move(r));
    return id;
  }

  void Relate(const std::string& source, const std::string& target, const std::string& path) {
    Record r;
    r.path = path;
    r.what = "galaxy relationship";
    bool indicates = source.starts_with("indicator--") && !target.starts_with("x-");
    std::string id =
        "relationship--" + model::FormatUuid(model::UuidV5(MispNamespace(), source + ">" + target));
    if (!ctx.emitted.insert(id).second) return;
    model::JsonWriter w;
    w.BeginObject();
    WriteHeader(w, "relationship", id, ctx.timestamp, ctx.timestamp, ctx, std::nullopt, {});
    w.Key("relationship_type").String(indicates ? "indicates" : "related-to");
    w.Key("source_ref").String(source).Key("target_ref").String(target).EndObject();
    r.objects.push_back(w.Take());
    out_.records.push_back(std::move(r));
  }

  static std::string RelationshipType(std::string_view misp) {
    // STIX relationship types are lower-case words joined by hyphens.
    std::string out;
    for (char c : misp) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
      if (ok) {
        out.push_back(c);
      } else if (!out.empty() && out.back() != '-') {
        out.push_back('-');
      }
    }
    while (!out.empty() && out.back() == '-') out.pop_back();
    return out.size() >= 3 ? out : "related-to";
  }

  // Returns the primary STIX id of the attribute, and fills r.objects (or r.error).
  std::string MapAttributeObjects(const AttributeFacts& f, Record& r) {
    AttributeType type = FindAttributeType(f.type);
    model::JsonWriter w;
    std::vector<std::string> labels = AttributeLabels(f);
    auto as_custom = [&]() {
      WriteCustomAttribute(w, f, ctx);
      r.objects.push_back(w.Take());
      return "x-misp-attribute--" + f.uuid;
    };
    auto named_sdo = [&](std::string_view stix_type) {
      std::string id = std::string(stix_type) + "--" + f.uuid;
      w.BeginObject();
      WriteHeader(w, stix_type, id, f.timestamp, f.timestamp, ctx, f.tags.tlp, labels);
      w.Key("name").String(f.value);
      if (!f.comment.empty()) w.Key("description").String(f.comment);
      if (stix_type == "vulnerability" && f.value.starts_with("CVE-")) {
        w.Key("external_references").BeginArray().BeginObject();
        w.Key("source_name").String("cve").Key("external_id").String(f.value);
        w.EndObject().EndArray();
      }
      w.EndObject();
      r.objects.push_back(w.Take());
      return id;
    };
    switch (type.mapping) {
      case AttributeMapping::kVulnerability:
        return named_sdo("vulnerability");
      case AttributeMapping::kCampaign:
        return named_sdo("campaign");
      case AttributeMapping::kThreatActor:
        return named_sdo("threat-actor");
      case AttributeMapping::kCustom:
        return as_custom();
      case AttributeMapping::kNativePattern: {
        if (!f.to_ids) return as_custom();
        std::string id = "indicator--" + f.uuid;
        w.BeginObject();
        WriteHeader(w, "indicator", id, f.timestamp, f.timestamp, ctx, f.tags.tlp, labels);
        WriteIndicatorBody(w, f, f.value, type.pattern_type);
        w.EndObject();
        r.objects.push_back(w.Take());
        return id;
      }
      case AttributeMapping::kObservable:
      case AttributeMapping::kPatternOnly:
        break;
    }
    // A value that does not fit its type's STIX form (MISP accepts "decrypttozxybarc.onion" as a
    // url, and relative paths as uri) is kept verbatim as a custom object, with a warning: no
    // attribute is lost, and no indicator matches on a malformed value.
    auto degrade = [&](const std::string& why) {
      r.warnings.push_back(why + "; kept as x-misp-attribute");
      return as_custom();
    };
    auto comps = Components(type, f.value);
    if (!comps) return degrade("no '|' between the two parts of the value");
    if (std::string problem = CheckValues(*comps); !problem.empty()) return degrade(problem);
    if (f.to_ids) {
      auto pattern = BuildPattern(*comps);
      if (!pattern) return degrade(pattern.error().message);
      std::string id = "indicator--" + f.uuid;
      w.BeginObject();
      WriteHeader(w, "indicator", id, f.timestamp, f.timestamp, ctx, f.tags.tlp, labels);
      WriteIndicatorBody(w, f, *pattern, "stix");
      w.EndObject();
      r.objects.push_back(w.Take());
      return id;
    }
    if (type.mapping == AttributeMapping::kPatternOnly) return as_custom();
    auto scos = BuildScos(*comps);
    if (!scos) return degrade(scos.error().message);
    std::string id = "observed-data--" + f.uuid;
    w.BeginObject();
    WriteHeader(w, "observed-data", id, f.timestamp, f.timestamp, ctx, f.tags.tlp, labels);
    if (!f.comment.empty()) w.Key("x_misp_comment").String(f.comment);
    int64_t first = f.first_seen.value_or(f.timestamp);
    w.Key("first_observed").String(EpochText(first));
    w.Key("last_observed").String(EpochText(std::max(f.last_seen.value_or(first), first)));
    w.Key("number_observed").Int(1).Key("object_refs").BeginArray();
    for (const auto& sco_id : scos->ids) w.String(sco_id);
    w.EndArray().EndObject();
    r.objects.push_back(w.Take());
    for (auto& sco : scos->json) r.objects.push_back(std::move(sco));
    return id;
  }

  void AddSightingsLater(object a, const std::string& path) {
    pending_sightings_.emplace_back(a, path);
  }

  void AddSightings(object a, const std::string& path, const std::string& target,
                    std::string_view owner_what, bool owner_ok) {
    array sightings;
    if (a["Sighting"].get(sightings) != simdjson::SUCCESS) return;
    size_t k = 0;
    for (element se : sightings) {
      std::string spath = path + ".Sighting[" + std::to_string(k++) + "]";
      object s;
      if (se.get(s) != simdjson::SUCCESS) continue;
      Record r;
      r.path = spath;
      r.sighting = true;
      r.uuid = std::string(String(s, "uuid"));
      r.what = "sighting";
      if (target.empty() || target.starts_with("x-") || !owner_ok) {
        r.error =
            "sighting of a record that has no STIX domain object (" + std::string(owner_what) + ")";
        r.warning_only = true;
        out_.records.push_back(std::move(r));
        continue;
      }
      int64_t when = Epoch(s, "date_sighting").value_or(ctx.timestamp);
      std::string org_id;
      object org;
      if (s["Organisation"].get(org) == simdjson::SUCCESS) {
        AddIdentity(org, spath + ".Organisation", &org_id);
      }
      std::string_view kind = String(s, "type");
      std::string id = "sighting--" + StixUuid(r.uuid, target + "@" + std::to_string(when) + "/" +
                                                           org_id + "/" + std::to_string(k));
      model::JsonWriter w;
      w.BeginObject();
      WriteHeader(w, "sighting", id, when, when, ctx, std::nullopt, {});
      w.Key("first_seen").String(EpochText(when)).Key("last_seen").String(EpochText(when));
      w.Key("count").Int(1).Key("sighting_of_ref").String(target);
      if (!org_id.empty()) w.Key("where_sighted_refs").BeginArray().String(org_id).EndArray();
      if (!String(s, "source").empty()) w.Key("description").String(String(s, "source"));
      // MISP sighting types: 0 sighting, 1 false positive, 2 expiration.
      w.Key("x_misp_sighting_type")
          .String(kind == "1"   ? "false-positive"
                  : kind == "2" ? "expiration"
                                : "sighting");
      w.EndObject();
      r.objects.push_back(w.Take());
      out_.records.push_back(std::move(r));
    }
  }

  void AddAttributeGalaxies(object a, const std::string& path, const std::string& primary) {
    if (primary.empty()) return;
    MapGalaxies(a, path, primary);
  }

  struct PendingReference {
    std::string source_id;
    object ref;
    std::string path;
  };

  MappedEvent& out_;
  std::vector<std::string> pending_attribute_ids_;
  std::vector<std::pair<object, std::string>> pending_sightings_;
  std::vector<PendingReference> references_;
  std::set<std::string, std::less<>> cluster_tags_;
};

void MapEventInto(object event, const std::string& path, MappedEvent& out) {
  EventMapper m(out);
  m.ctx.path = path;
  m.ctx.timestamp = Epoch(event, "timestamp").value_or(0);
  std::optional<int64_t> date = ParseMispDateTime(String(event, "date"));
  if (m.ctx.timestamp == 0) m.ctx.timestamp = date.value_or(0);
  object orgc;
  if (event["Orgc"].get(orgc) == simdjson::SUCCESS) {
    m.AddIdentity(orgc, path + ".Orgc", &m.ctx.identity_id);
  }
  Tags tags = ReadTags(event);
  m.ctx.tlp = tags.tlp;

  array list;
  if (event["Attribute"].get(list) == simdjson::SUCCESS) {
    size_t i = 0;
    for (element e : list) {
      std::string apath = path + ".Attribute[" + std::to_string(i++) + "]";
      object a;
      if (e.get(a) != simdjson::SUCCESS) {
        Record r = FailedRecord(apath, "attribute", "not a JSON object", 1);
        out.records.push_back(std::move(r));
        continue;
      }
      m.MapAttribute(a, apath);
    }
  }
  if (event["Object"].get(list) == simdjson::SUCCESS) {
    size_t i = 0;
    for (element e : list) {
      std::string opath = path + ".Object[" + std::to_string(i++) + "]";
      object o;
      if (e.get(o) != simdjson::SUCCESS) {
        Record r = FailedRecord(opath, "object", "not a JSON object");
        out.records.push_back(std::move(r));
        continue;
      }
      m.MapObject(o, opath);
    }
  }
  m.MapGalaxies(event, path, "");
  m.MapGalaxyTags(tags, path);
  m.MapReferences();

  // The event itself: a report once published, a grouping before (as misp-stix does).
  EventContainer& c = out.container;
  c.present = true;
  c.path = path;
  c.uuid = std::string(String(event, "uuid"));
  c.identity_id = m.ctx.identity_id;
  bool published = Flag(event, "published");
  std::optional<int64_t> published_at = Epoch(event, "publish_timestamp");
  if (!published_at || *published_at <= 0) published = false;
  std::string_view type = published ? "report" : "grouping";
  std::string id =
      std::string(type) + "--" + StixUuid(c.uuid, path + std::string(String(event, "info")));
  std::vector<std::string> labels = tags.labels;
  model::JsonWriter w;
  w.BeginObject();
  WriteHeader(w, type, id, date.value_or(m.ctx.timestamp), m.ctx.timestamp, m.ctx, std::nullopt,
              labels);
  std::string_view info = String(event, "info");
  w.Key("name").String(info.empty() ? "MISP event " + c.uuid : std::string(info));
  if (published) {
    w.Key("published").String(EpochText(*published_at));
  } else {
    w.Key("context").String("suspicious-activity");
  }
  for (std::string_view key : {"threat_level_id", "analysis", "distribution", "date"}) {
    std::string_view v = String(event, key);
    if (!v.empty()) w.Key("x_misp_" + std::string(key)).String(v);
  }
  w.EndObject();
  c.json_head = w.Take();  // FinishContainer reopens it to add object_refs
}

}  // namespace

MappedEvent MapEvent(object event, const std::string& path) {
  MappedEvent out;
  MapEventInto(event, path, out);
  return out;
}

void MapLooseRecord(object element, std::string_view kind, const std::string& path,
                    MappedEvent& out) {
  EventMapper m(out);
  m.ctx.path = path;
  if (kind == "Attribute") {
    m.MapAttribute(element, path);
  } else {
    m.MapObject(element, path);
    m.MapReferences();
  }
}

std::string FinishContainer(const EventContainer& container,
                            const std::vector<std::string>& object_refs) {
  model::JsonWriter refs;
  refs.BeginArray();
  for (const auto& id : object_refs) refs.String(id);
  if (object_refs.empty()) refs.String(container.identity_id);
  refs.EndArray();
  // json_head is a complete object: reopen it to add object_refs.
  std::string json = container.json_head;
  json.pop_back();
  json += ",\"object_refs\":" + refs.str() + "}";
  return json;
}

}  // namespace socmesh::formats::misp::detail
