#include "formats/iodef/detail/incident_mapper.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <utility>

#include "formats/iodef/detail/object_builder.hpp"
#include "formats/iodef/detail/observables.hpp"
#include "formats/iodef/detail/values.hpp"
#include "formats/iodef/detail/xml.hpp"
#include "model/identifier.hpp"
#include "model/sco_id.hpp"

namespace socmesh::formats::iodef::detail {
namespace {

using model::JsonWriter;
using model::Severity;
using model::Timestamp;
using model::Tlp;

// Namespace of every non-SCO id socmesh derives from IODEF content (UUIDv5, RFC 4122 4.3).
const model::Uuid& IodefNamespace() {
  static const model::Uuid ns = model::UuidV5(model::kStixScoNamespace, "socmesh/formats/iodef");
  return ns;
}

std::string DeterministicId(std::string_view type, std::string_view key) {
  std::string name(type);
  name += '|';
  name += key;
  return std::string(type) + "--" + model::FormatUuid(model::UuidV5(IodefNamespace(), name));
}

// A name and a description from repeated Description elements: the first (when short) names the
// object, the others describe it; export writes them back in that order.
std::pair<std::string, std::string> NameAndDescription(const std::vector<const xmlNode*>& nodes,
                                                       const std::string& fallback) {
  std::vector<std::string> texts;
  for (const xmlNode* n : nodes) {
    if (std::string t = Text(n); !t.empty()) texts.push_back(std::move(t));
  }
  if (texts.empty()) return {fallback, ""};
  size_t first = texts.front().size() <= 200 ? 1 : 0;
  std::string name = first == 1 ? texts.front() : fallback;
  std::string description;
  for (size_t i = first; i < texts.size(); ++i) {
    if (!description.empty()) description += "\n\n";
    description += texts[i];
  }
  return {name, description};
}

// The URL children of `node` as external_references JSON ("" when there are none).
std::string UrlReferences(const xmlNode* node) {
  auto urls = Children(node, "URL");
  if (urls.empty()) return "";
  JsonWriter w;
  w.BeginArray();
  for (const xmlNode* url : urls) {
    w.BeginObject().Key("source_name").String("iodef").Key("url").String(Unwrapped(url));
    w.EndObject();
  }
  w.EndArray();
  return w.Take();
}

// "CVE-YYYY-NNNN…" (case-insensitive), the CVE identifier syntax.
bool IsCveId(std::string_view s) {
  auto digits = [&](size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    }
    return true;
  };
  return s.size() >= 13 && (s[0] == 'C' || s[0] == 'c') && (s[1] == 'V' || s[1] == 'v') &&
         (s[2] == 'E' || s[2] == 'e') && s[3] == '-' && digits(4, 8) && s[8] == '-' &&
         digits(9, s.size());
}

std::string JoinedText(const std::vector<const xmlNode*>& nodes) {
  std::string out;
  for (const xmlNode* n : nodes) {
    std::string t = Text(n);
    if (t.empty()) continue;
    if (!out.empty()) out += "\n\n";
    out += t;
  }
  return out;
}

// RFC 7970 section 3.3.5 Confidence to the STIX 0-100 scale: the named ratings take the values of
// STIX 2.1 appendix A's "Low/Med/High" scale; numeric ratings in [0, 1] are read as a
// probability and in (1, 100] as a percentage.
std::optional<int> ConfidenceValue(const xmlNode* confidence) {
  if (confidence == nullptr) return std::nullopt;
  std::string rating = Attr(confidence, "rating");
  if (rating == "low") return 15;
  if (rating == "medium") return 50;
  if (rating == "high") return 85;
  if (rating != "numeric") return std::nullopt;
  std::string text = Text(confidence);
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end == nullptr || *end != '\0' || !std::isfinite(v) || v < 0) {
    return std::nullopt;
  }
  if (v <= 1.0) return static_cast<int>(std::lround(v * 100));
  if (v <= 100.0) return static_cast<int>(std::lround(v));
  return std::nullopt;
}

class Mapper {
 public:
  Mapper(const xmlNode* incident, const ObservableIndex& observables, size_t occurrence)
      : incident_(incident), observables_(observables), occurrence_(occurrence) {}

  IncidentMapping Run();

 private:
  void Warn(const xmlNode* at, std::string message) {
    out_.findings.push_back({Severity::kWarning, at, std::move(message)});
  }
  void Error(const xmlNode* at, std::string message) {
    out_.findings.push_back({Severity::kError, at, std::move(message)});
  }
  std::string Key(std::string_view local) const { return incident_key_ + "|" + std::string(local); }

  std::optional<Tlp> TlpOf(const xmlNode* at);
  std::optional<Timestamp> TimeOf(const xmlNode* parent, const char* name);
  ObjectBuilder Sdo(std::string_view type, const std::string& id, const xmlNode* at);
  void Emit(const ObjectBuilder& b, const std::string& id, const xmlNode* at);
  std::string Relate(const std::string& source, const char* type, const std::string& target,
                     const xmlNode* at);
  std::string AddSco(const ScoValue& sco, const xmlNode* at);

  void MapContacts();
  void MapIncidentObject();
  void MapRelatedActivity(const xmlNode* related);
  void MapMethod(const xmlNode* method);
  void MapEventData(const xmlNode* event, const Timestamp& first, const Timestamp& last);
  void MapIndicator(const xmlNode* indicator);
  void MapReport();

  std::string AssessmentJson(const std::vector<const xmlNode*>& assessments);

  const xmlNode* incident_;
  const ObservableIndex& observables_;
  size_t occurrence_;
  IncidentMapping out_;
  std::string incident_key_;
  std::string incident_id_;
  std::string creator_ref_;
  Timestamp created_{}, modified_{};
  std::vector<std::string> member_ids_;
  std::map<std::string, size_t> sco_pos_;
  std::vector<std::string> unknown_restrictions_;
};

std::optional<Tlp> Mapper::TlpOf(const xmlNode* at) {
  for (const xmlNode* n = at; n != nullptr && n->type == XML_ELEMENT_NODE; n = n->parent) {
    std::string restriction = Attr(n, "restriction");
    if (!restriction.empty()) {
      bool known = true;
      auto tlp = TlpForRestriction(restriction, Attr(n, "ext-restriction"), &known);
      if (!known && std::find(unknown_restrictions_.begin(), unknown_restrictions_.end(),
                              restriction) == unknown_restrictions_.end()) {
        unknown_restrictions_.push_back(restriction);
        Warn(n, "restriction \"" + restriction + "\" (ext-restriction \"" +
                    Attr(n, "ext-restriction") + "\") has no TLP equivalent: left unmarked");
      }
      return tlp;
    }
    if (n == incident_) break;
  }
  return std::nullopt;
}

std::optional<Timestamp> Mapper::TimeOf(const xmlNode* parent, const char* name) {
  const xmlNode* node = Child(parent, name);
  if (node == nullptr) return std::nullopt;
  bool had_zone = true;
  auto t = ParseXsDateTime(Text(node), &had_zone);
  if (!t) {
    Warn(node, std::string(name) + ": " + t.error().message + "; left out");
    return std::nullopt;
  }
  if (!had_zone) Warn(node, std::string(name) + " has no time zone: read as UTC");
  return *t;
}

ObjectBuilder Mapper::Sdo(std::string_view type, const std::string& id, const xmlNode* at) {
  ObjectBuilder b(type);
  b.String("spec_version", "2.1").String("id", id);
  b.String("created", model::FormatTimestamp(created_));
  b.String("modified", model::FormatTimestamp(modified_));
  if (!creator_ref_.empty() && type != "identity") b.String("created_by_ref", creator_ref_);
  if (auto tlp = TlpOf(at)) {
    b.StringList("object_marking_refs", {std::string(model::Tlp2MarkingId(*tlp))});
  }
  return b;
}

void Mapper::Emit(const ObjectBuilder& b, const std::string& id, const xmlNode* at) {
  out_.objects.push_back({id, b.Render(), TlpOf(at), false});
  member_ids_.push_back(id);
}

std::string Mapper::Relate(const std::string& source, const char* type, const std::string& target,
                           const xmlNode* at) {
  std::string id = DeterministicId("relationship", Key(source + "|" + type + "|" + target));
  ObjectBuilder b = Sdo("relationship", id, at);
  b.String("relationship_type", type).String("source_ref", source).String("target_ref", target);
  Emit(b, id, at);
  return id;
}

std::string Mapper::AddSco(const ScoValue& sco, const xmlNode* at) {
  ObjectBuilder b = sco.body;
  b.String("spec_version", "2.1");
  std::string rendered = b.Render();
  auto computed = model::ComputeScoId(rendered);
  std::string id = computed && *computed ? **computed : DeterministicId(sco.type, rendered);
  std::optional<Tlp> tlp = TlpOf(at);
  if (auto it = sco_pos_.find(id); it != sco_pos_.end()) {
    // The same value seen twice in one incident: one object, marked with the stricter TLP.
    MappedObject& existing = out_.objects[it->second];
    if (tlp && (!existing.tlp || *tlp > *existing.tlp)) existing.tlp = tlp;
    b.String("id", id);
    if (existing.tlp) {
      b.StringList("object_marking_refs", {std::string(model::Tlp2MarkingId(*existing.tlp))});
    }
    existing.json = b.Render();
    return id;
  }
  b.String("id", id);
  if (tlp) b.StringList("object_marking_refs", {std::string(model::Tlp2MarkingId(*tlp))});
  sco_pos_[id] = out_.objects.size();
  out_.objects.push_back({id, b.Render(), tlp, true});
  member_ids_.push_back(id);
  return id;
}

void Mapper::MapContacts() {
  size_t index = 0;
  for (const xmlNode* contact : Children(incident_, "Contact")) {
    ++index;
    std::string role = Attr(contact, "role");
    if (role == "ext-value") role = Attr(contact, "ext-role");
    std::string kind = Attr(contact, "type");
    std::vector<std::string> emails;
    for (const xmlNode* email : Children(contact, "Email")) {
      std::string to = Text(Child(email, "EmailTo"));
      if (!to.empty()) emails.push_back(to);
    }
    std::string name = Text(Child(contact, "ContactName"));
    if (name.empty() && !emails.empty()) name = emails.front();
    if (name.empty()) name = "IODEF contact (" + (role.empty() ? "unknown role" : role) + ")";
    std::string id = DeterministicId("identity", Key("contact|" + std::to_string(index)));
    ObjectBuilder b = Sdo("identity", id, contact);
    b.String("name", name);
    b.String("identity_class", kind == "person"         ? "individual"
                               : kind == "organization" ? "organization"
                                                        : "unknown");
    if (!role.empty()) b.StringList("roles", {role});
    std::string info;
    for (const auto& e : emails) info += (info.empty() ? "" : "; ") + ("email: " + e);
    for (const xmlNode* phone : Children(contact, "Telephone")) {
      std::string number = Text(Child(phone, "TelephoneNumber"));
      if (number.empty()) number = Text(phone);
      if (!number.empty()) info += (info.empty() ? "" : "; ") + ("telephone: " + number);
    }
    if (!info.empty()) b.String("contact_information", info);
    std::string description = JoinedText(Children(contact, "Description"));
    if (!description.empty()) b.String("description", description);
    JsonWriter x;
    x.BeginObject().Key("role").String(Attr(contact, "role")).Key("type").String(kind);
    if (!Attr(contact, "ext-role").empty()) x.Key("ext-role").String(Attr(contact, "ext-role"));
    if (!emails.empty()) x.Key("email").String(emails.front());
    x.EndObject();
    b.Raw("x_iodef_contact", x.Take());
    if (creator_ref_.empty() && Attr(contact, "role") == "creator") creator_ref_ = id;
    out_.objects.push_back({id, b.Render(), TlpOf(contact), false});
    member_ids_.push_back(id);
  }
}

std::string Mapper::AssessmentJson(const std::vector<const xmlNode*>& assessments) {
  JsonWriter w;
  w.BeginArray();
  for (const xmlNode* a : assessments) {
    w.BeginObject();
    if (std::string occ = Attr(a, "occurrence"); !occ.empty()) w.Key("occurrence").String(occ);
    w.Key("impacts").BeginArray();
    for (const xmlNode* c = a->children; c != nullptr; c = c->next) {
      static constexpr const char* kImpacts[] = {"SystemImpact", "BusinessImpact", "TimeImpact",
                                                 "MonetaryImpact", "IntendedImpact"};
      for (const char* kind : kImpacts) {
        if (!IsIodef(c, kind)) continue;
        w.BeginObject().Key("kind").String(kind);
        for (const char* attr :
             {"type", "ext-type", "severity", "completion", "metric", "duration", "currency"}) {
          if (std::string v = Attr(c, attr); !v.empty()) w.Key(attr).String(v);
        }
        if (std::string d = JoinedText(Children(c, "Description")); !d.empty()) {
          w.Key("description").String(d);
        }
        // TimeImpact and MonetaryImpact carry their amount as text.
        if ((std::string_view(kind) == "TimeImpact" ||
             std::string_view(kind) == "MonetaryImpact")) {
          w.Key("value").String(Text(c));
        }
        w.EndObject();
      }
    }
    w.EndArray();
    if (const xmlNode* conf = Child(a, "Confidence")) {
      w.Key("confidence").BeginObject().Key("rating").String(Attr(conf, "rating"));
      if (std::string v = Text(conf); !v.empty()) w.Key("value").String(v);
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndArray();
  return w.Take();
}

void Mapper::MapIncidentObject() {
  const xmlNode* id_node = Child(incident_, "IncidentID");
  std::string name = Attr(id_node, "name");
  std::string value = Text(id_node);
  ObjectBuilder b = Sdo("incident", incident_id_, incident_);
  b.String("name", value + " (" + name + ")");
  std::string description = JoinedText(Children(incident_, "Description"));
  if (!description.empty()) b.String("description", description);
  {
    JsonWriter w;
    w.BeginObject().Key("name").String(name).Key("id").String(value);
    if (std::string inst = Attr(id_node, "instance"); !inst.empty()) w.Key("instance").String(inst);
    w.EndObject();
    b.Raw("x_iodef_incident_id", w.Take());
  }
  for (const char* attr :
       {"purpose", "ext-purpose", "status", "ext-status", "restriction", "ext-restriction"}) {
    std::string v = Attr(incident_, attr);
    if (v.empty()) continue;
    std::string prop = std::string("x_iodef_") + attr;
    std::replace(prop.begin(), prop.end(), '-', '_');
    b.String(prop, v);
  }
  static constexpr std::pair<const char*, const char*> kTimes[] = {
      {"DetectTime", "x_iodef_detect_time"}, {"StartTime", "x_iodef_start_time"},
      {"EndTime", "x_iodef_end_time"},       {"RecoveryTime", "x_iodef_recovery_time"},
      {"ReportTime", "x_iodef_report_time"}, {"GenerationTime", "x_iodef_generation_time"}};
  for (const auto& [element, prop] : kTimes) {
    if (auto t = TimeOf(incident_, element)) b.String(prop, model::FormatTimestamp(*t));
  }
  auto assessments = Children(incident_, "Assessment");
  if (!assessments.empty()) {
    b.Raw("x_iodef_assessment", AssessmentJson(assessments));
    for (const xmlNode* a : assessments) {
      if (auto c = ConfidenceValue(Child(a, "Confidence"))) {
        b.Int("confidence", *c);
        break;
      }
    }
  }
  auto discoveries = Children(incident_, "Discovery");
  if (!discoveries.empty()) {
    JsonWriter w;
    w.BeginArray();
    for (const xmlNode* d : discoveries) {
      w.BeginObject().Key("source").String(Attr(d, "source").empty() ? "unknown"
                                                                     : Attr(d, "source"));
      if (std::string t = JoinedText(Children(d, "Description")); !t.empty()) {
        w.Key("description").String(t);
      }
      w.EndObject();
    }
    w.EndArray();
    b.Raw("x_iodef_discovery", w.Take());
  }
  std::vector<const xmlNode*> expectations;
  for (const xmlNode* e : Children(incident_, "EventData")) {
    for (const xmlNode* x : Children(e, "Expectation")) expectations.push_back(x);
  }
  if (!expectations.empty()) {
    JsonWriter w;
    w.BeginArray();
    for (const xmlNode* x : expectations) {
      w.BeginObject().Key("action").String(Attr(x, "action").empty() ? "other" : Attr(x, "action"));
      if (std::string t = JoinedText(Children(x, "Description")); !t.empty()) {
        w.Key("description").String(t);
      }
      w.EndObject();
    }
    w.EndArray();
    b.Raw("x_iodef_expectations", w.Take());
  }
  // RelatedActivity/URL are references to outside reports on the same activity.
  JsonWriter refs;
  refs.BeginArray();
  refs.BeginObject()
      .Key("source_name")
      .String("iodef")
      .Key("external_id")
      .String(name + ":" + value);
  refs.EndObject();
  for (const xmlNode* related : Children(incident_, "RelatedActivity")) {
    for (const xmlNode* url : Children(related, "URL")) {
      refs.BeginObject()
          .Key("source_name")
          .String("iodef-related-activity")
          .Key("url")
          .String(Unwrapped(url));
      refs.EndObject();
    }
  }
  refs.EndArray();
  b.Raw("external_references", refs.Take());
  Emit(b, incident_id_, incident_);
}

void Mapper::MapRelatedActivity(const xmlNode* related) {
  std::vector<std::string> actors, campaigns;
  size_t n = 0;
  for (const xmlNode* actor : Children(related, "ThreatActor")) {
    std::string actor_id_text = Text(Child(actor, "ThreatActorID"));
    auto [name, description] =
        NameAndDescription(Children(actor, "Description"),
                           actor_id_text.empty() ? "IODEF threat actor" : actor_id_text);
    std::string id =
        DeterministicId("threat-actor", Key("actor|" + actor_id_text + "|" + std::to_string(++n)));
    ObjectBuilder b = Sdo("threat-actor", id, actor);
    b.String("name", name);
    if (!description.empty() && description != name) b.String("description", description);
    if (!actor_id_text.empty()) b.StringList("aliases", {actor_id_text});
    if (std::string refs = UrlReferences(actor); !refs.empty()) b.Raw("external_references", refs);
    Emit(b, id, actor);
    actors.push_back(id);
    Relate(incident_id_, "related-to", id, actor);
  }
  for (const xmlNode* campaign : Children(related, "Campaign")) {
    std::string campaign_id_text = Text(Child(campaign, "CampaignID"));
    auto [name, description] =
        NameAndDescription(Children(campaign, "Description"),
                           campaign_id_text.empty() ? "IODEF campaign" : campaign_id_text);
    std::string id = DeterministicId(
        "campaign", Key("campaign|" + campaign_id_text + "|" + std::to_string(++n)));
    ObjectBuilder b = Sdo("campaign", id, campaign);
    b.String("name", name);
    if (!description.empty() && description != name) b.String("description", description);
    if (!campaign_id_text.empty()) b.StringList("aliases", {campaign_id_text});
    if (std::string refs = UrlReferences(campaign); !refs.empty()) {
      b.Raw("external_references", refs);
    }
    Emit(b, id, campaign);
    campaigns.push_back(id);
    Relate(incident_id_, "related-to", id, campaign);
    // Activity reported together: the campaign is attributed to the actors named with it.
    for (const auto& actor : actors) Relate(id, "attributed-to", actor, campaign);
  }
  for (const xmlNode* other : Children(related, "IncidentID")) {
    std::string target = IncidentStixId(Attr(other, "name"), Attr(other, "instance"), Text(other));
    if (target != incident_id_) Relate(incident_id_, "related-to", target, other);
  }
}

void Mapper::MapMethod(const xmlNode* method) {
  for (const xmlNode* reference : Children(method, "Reference")) {
    std::string ref_name;
    for (const xmlNode* c = reference->children; c != nullptr; c = c->next) {
      if (c->type == XML_ELEMENT_NODE &&
          std::string_view(reinterpret_cast<const char*>(c->name)) == "ReferenceName") {
        ref_name = Text(c);
      }
    }
    std::vector<std::string> urls;
    for (const xmlNode* url : Children(reference, "URL")) urls.push_back(Unwrapped(url));
    auto [first_name, description] = NameAndDescription(
        Children(reference, "Description"), urls.empty() ? "IODEF method" : urls.front());
    std::string name = ref_name.empty() ? first_name : ref_name;
    if (!ref_name.empty()) description = JoinedText(Children(reference, "Description"));
    bool cve = IsCveId(name);
    const char* type = cve ? "vulnerability" : "attack-pattern";
    std::string id = DeterministicId(type, Key("method|" + NodePath(reference)));
    ObjectBuilder b = Sdo(type, id, reference);
    b.String("name", name);
    if (!description.empty() && description != name) b.String("description", description);
    JsonWriter refs;
    refs.BeginArray();
    if (cve) {
      refs.BeginObject().Key("source_name").String("cve").Key("external_id").String(name);
      refs.EndObject();
    }
    for (const auto& url : urls) {
      refs.BeginObject().Key("source_name").String("iodef-reference").Key("url").String(url);
      refs.EndObject();
    }
    refs.EndArray();
    if (cve || !urls.empty()) b.Raw("external_references", refs.Take());
    Emit(b, id, reference);
    Relate(incident_id_, "related-to", id, reference);
  }
  if (!Children(method, "Reference").empty()) return;
  // A Method told only in words: an attack pattern named by its first Description.
  auto descriptions = Children(method, "Description");
  if (descriptions.empty()) return;
  auto [name, description] = NameAndDescription(descriptions, "IODEF method");
  std::string id = DeterministicId("attack-pattern", Key("method|" + NodePath(method)));
  ObjectBuilder b = Sdo("attack-pattern", id, method);
  b.String("name", name);
  if (!description.empty()) b.String("description", description);
  Emit(b, id, method);
  Relate(incident_id_, "related-to", id, method);
}

void Mapper::MapEventData(const xmlNode* event, const Timestamp& first, const Timestamp& last) {
  Timestamp start = first, end = last;
  if (auto t = TimeOf(event, "StartTime")) {
    start = *t;
  } else if (auto d = TimeOf(event, "DetectTime")) {
    start = *d;
  }
  if (auto t = TimeOf(event, "EndTime")) end = *t;
  if (end < start) end = start;

  for (const xmlNode* method : Children(event, "Method")) MapMethod(method);

  std::vector<std::string> refs;
  auto add = [&](const std::vector<ScoValue>& scos, const xmlNode* at) {
    std::vector<std::string> ids;
    for (const ScoValue& sco : scos) {
      std::string id = AddSco(sco, at);
      ids.push_back(id);
      if (std::find(refs.begin(), refs.end(), id) == refs.end()) refs.push_back(id);
    }
    return ids;
  };
  std::vector<std::string> warnings;
  for (const xmlNode* flow : Children(event, "Flow")) {
    for (const xmlNode* system : Children(flow, "System")) {
      SystemScos s = ScosOfSystem(system, warnings);
      for (const auto& w : warnings) Warn(system, w);
      warnings.clear();
      std::vector<std::string> ids = add(s.addresses, system);
      add(s.others, system);
      // Ports of a service become network traffic from (source) or to (target) the node.
      if (!s.first_ip_index.has_value()) continue;
      const std::string& ip = ids[*s.first_ip_index];
      bool is_target = Attr(system, "category") == "target";
      for (const auto& service : s.services) {
        ObjectBuilder nt("network-traffic");
        nt.String(is_target ? "dst_ref" : "src_ref", ip);
        if (service.port) nt.Int(is_target ? "dst_port" : "src_port", *service.port);
        nt.StringList("protocols", service.protocols);
        add({ScoValue{"network-traffic", nt}}, system);
      }
    }
  }
  if (const xmlNode* record = Child(event, "Record")) {
    for (const xmlNode* data : Children(record, "RecordData")) {
      auto scos = ScosOfRecordData(data, warnings);
      for (const auto& w : warnings) Warn(data, w);
      warnings.clear();
      add(scos, data);
    }
  }
  if (!refs.empty()) {
    std::string id = DeterministicId("observed-data", Key("event|" + NodePath(event)));
    ObjectBuilder b = Sdo("observed-data", id, event);
    b.String("first_observed", model::FormatTimestamp(start));
    b.String("last_observed", model::FormatTimestamp(end));
    b.Int("number_observed", 1);
    b.StringList("object_refs", refs);
    if (std::string d = JoinedText(Children(event, "Description")); !d.empty()) {
      b.String("x_iodef_description", d);
    }
    Emit(b, id, event);
    Relate(id, "related-to", incident_id_, event);
  }
  for (const xmlNode* nested : Children(event, "EventData")) MapEventData(nested, start, end);
}

void Mapper::MapIndicator(const xmlNode* indicator) {
  const xmlNode* id_node = Child(indicator, "IndicatorID");
  std::string ind_name = Attr(id_node, "name");
  std::string ind_value = Text(id_node);
  std::string ind_version = Attr(id_node, "version");
  std::vector<std::string> warnings;
  std::optional<std::string> pattern = IndicatorPattern(indicator, observables_, warnings);
  for (const auto& w : warnings) Warn(indicator, w);
  if (!pattern) {
    Warn(indicator, "Indicator " + ind_value +
                        " has no observable socmesh can express as a STIX "
                        "pattern: left out");
    return;
  }
  std::string id = DeterministicId("indicator", Key("indicator|" + ind_name + "|" + ind_value));
  ObjectBuilder b = Sdo("indicator", id, indicator);
  std::string description = JoinedText(Children(indicator, "Description"));
  b.String("name", !description.empty() && description.size() <= 200 ? description : ind_value);
  if (!description.empty()) b.String("description", description);
  b.String("pattern", *pattern).String("pattern_type", "stix").String("pattern_version", "2.1");
  Timestamp valid_from = created_;
  if (auto t = TimeOf(indicator, "StartTime")) valid_from = *t;
  b.String("valid_from", model::FormatTimestamp(valid_from));
  if (auto t = TimeOf(indicator, "EndTime")) {
    if (*t > valid_from) {
      b.String("valid_until", model::FormatTimestamp(*t));
    } else {
      Warn(indicator, "EndTime is not after StartTime: valid_until left out");
    }
  }
  if (auto c = ConfidenceValue(Child(indicator, "Confidence"))) b.Int("confidence", *c);
  JsonWriter x;
  x.BeginObject().Key("name").String(ind_name).Key("id").String(ind_value);
  if (!ind_version.empty()) x.Key("version").String(ind_version);
  x.EndObject();
  b.Raw("x_iodef_indicator_id", x.Take());
  Emit(b, id, indicator);
  Relate(id, "related-to", incident_id_, indicator);
}

void Mapper::MapReport() {
  std::string id = DeterministicId("report", Key("report"));
  ObjectBuilder b = Sdo("report", id, incident_);
  const xmlNode* id_node = Child(incident_, "IncidentID");
  b.String("name", "IODEF incident " + Text(id_node) + " (" + Attr(id_node, "name") + ")");
  b.String("published", model::FormatTimestamp(modified_));
  b.StringList("report_types", {"threat-report"});
  b.StringList("object_refs", member_ids_);
  Emit(b, id, incident_);
}

IncidentMapping Mapper::Run() {
  const xmlNode* id_node = Child(incident_, "IncidentID");
  if (id_node == nullptr || Text(id_node).empty() || Attr(id_node, "name").empty()) {
    Error(incident_, "Incident has no IncidentID with a name attribute (RFC 7970 section 3.4)");
    return std::move(out_);
  }
  std::string name = Attr(id_node, "name");
  std::string instance = Attr(id_node, "instance");
  std::string value = Text(id_node);
  incident_key_ = name + '\x1f' + instance + '\x1f' + value;
  incident_id_ = IncidentStixId(name, instance, value);
  if (occurrence_ > 0) {
    // Two Incidents with one IncidentID in a document: both are kept, the later under an id of
    // its own (still deterministic), instead of one silently replacing the other.
    incident_key_ += "#" + std::to_string(occurrence_);
    incident_id_ = DeterministicId("incident", Key("incident"));
    Warn(id_node, "IncidentID " + value + " (" + name +
                      ") repeats an earlier Incident of this "
                      "document: imported as a separate incident");
  }
  auto generation = TimeOf(incident_, "GenerationTime");
  if (!generation) {
    Error(incident_, "Incident has no valid GenerationTime (RFC 7970 section 3.2)");
    return std::move(out_);
  }
  // A later document about the same incident has a later GenerationTime: it becomes a new
  // version (modified) of the same objects, while `created` stays the first report's time.
  created_ = modified_ = *generation;
  if (auto report = TimeOf(incident_, "ReportTime")) {
    created_ = std::min(*report, *generation);
    modified_ = std::max(*report, *generation);
  }

  MapContacts();
  MapIncidentObject();
  for (const xmlNode* related : Children(incident_, "RelatedActivity")) {
    MapRelatedActivity(related);
  }
  for (const xmlNode* method : Children(incident_, "Method")) MapMethod(method);
  Timestamp first = created_;
  if (auto t = TimeOf(incident_, "StartTime")) {
    first = *t;
  } else if (auto d = TimeOf(incident_, "DetectTime")) {
    first = *d;
  }
  Timestamp last = first;
  if (auto t = TimeOf(incident_, "EndTime"); t && *t > first) last = *t;
  for (const xmlNode* event : Children(incident_, "EventData")) MapEventData(event, first, last);
  if (const xmlNode* data = Child(incident_, "IndicatorData")) {
    for (const xmlNode* indicator : Children(data, "Indicator")) MapIndicator(indicator);
  }
  MapReport();
  return std::move(out_);
}

}  // namespace

std::string IncidentStixId(const std::string& name, const std::string& instance,
                           const std::string& value) {
  return DeterministicId("incident", name + '\x1f' + instance + '\x1f' + value + "|incident");
}

IncidentMapping MapIncident(const xmlNode* incident, const ObservableIndex& observables,
                            size_t occurrence) {
  return Mapper(incident, observables, occurrence).Run();
}

}  // namespace socmesh::formats::iodef::detail
