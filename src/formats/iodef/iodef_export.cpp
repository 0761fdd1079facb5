// IODEF export: STIX objects grouped by incident, written as an RFC 7970 document with libxml2's
// tree API (which does the escaping), in the element order the XSD sequences require.
#include <libxml/tree.h>

#include <simdjson.h>
#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <set>

#include "formats/iodef/detail/pattern_tree.hpp"
#include "formats/iodef/detail/values.hpp"
#include "formats/iodef/detail/xml.hpp"
#include "formats/iodef/iodef.hpp"
#include "model/identifier.hpp"
#include "model/timestamp.hpp"

namespace socmesh::formats::iodef {
namespace {

namespace dom = simdjson::dom;
using detail::PatternNode;

std::string Str(dom::element e, std::string_view key) {
  std::string_view v;
  if (e[key].get(v) == simdjson::SUCCESS) return std::string(v);
  return "";
}

std::vector<std::string> StrList(dom::element e, std::string_view key) {
  std::vector<std::string> out;
  dom::array list;
  if (e[key].get(list) != simdjson::SUCCESS) return out;
  for (dom::element item : list) {
    std::string_view v;
    if (item.get(v) == simdjson::SUCCESS) out.emplace_back(v);
  }
  return out;
}

const xmlChar* X(const char* s) { return reinterpret_cast<const xmlChar*>(s); }

// xs:ID / NCName: a letter or '_' first, then letters, digits, '.', '-', '_'.
bool IsNcName(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_')) {
      return false;
    }
  }
  return true;
}

std::string UuidOf(std::string_view id) {
  auto dd = id.find("--");
  return dd == std::string_view::npos ? std::string(id) : std::string(id.substr(dd + 2));
}

std::string XsTime(std::string_view stix_time) {
  auto t = model::ParseTimestamp(stix_time);
  return t ? model::FormatTimestamp(*t) : std::string(stix_time);
}

class Writer {
 public:
  Writer(const ExportOptions& options, std::vector<std::string>& skipped)
      : options_(options), skipped_(skipped) {
    doc_ = xmlNewDoc(X("1.0"));
    root_ = xmlNewNode(nullptr, X("IODEF-Document"));
    xmlDocSetRootElement(doc_, root_);
    ns_ = xmlNewNs(root_, X(detail::kIodefNs), nullptr);
    xmlSetNs(root_, ns_);
    ds_ = xmlNewNs(root_, X(detail::kDsigNs), X("ds"));
    xmlNewProp(root_, X("version"), X("2.00"));
    xmlNodeSetLang(root_, X("en"));
  }
  ~Writer() { xmlFreeDoc(doc_); }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  bool errata() const { return options_.schema != SchemaVariant::kAsPublished; }

  xmlNode* Add(xmlNode* parent, const char* name, const std::string& text = "") {
    return xmlNewTextChild(parent, ns_, X(name), text.empty() ? nullptr : X(text.c_str()));
  }
  xmlNode* AddDs(xmlNode* parent, const char* name, const std::string& text = "") {
    return xmlNewTextChild(parent, ds_, X(name), text.empty() ? nullptr : X(text.c_str()));
  }
  static void Set(xmlNode* node, const char* name, const std::string& value) {
    xmlNewProp(node, X(name), X(value.c_str()));
  }

  void Incident(dom::element incident, const std::vector<dom::element>& members,
                const std::map<std::string, dom::element>& by_id, std::optional<model::Tlp> tlp);
  std::string Dump() {
    xmlChar* buffer = nullptr;
    int size = 0;
    xmlDocDumpFormatMemoryEnc(doc_, &buffer, &size, "UTF-8", 1);
    std::string out(reinterpret_cast<const char*>(buffer), static_cast<size_t>(size));
    xmlFree(buffer);
    return out;
  }

 private:
  void Contact(xmlNode* parent, dom::element identity);
  void DefaultContact(xmlNode* parent);
  void Assessments(xmlNode* incident, dom::element object);
  void Confidence(xmlNode* parent, double value, const std::string& rating = "numeric");
  void Method(xmlNode* parent, dom::element object);
  void EventData(xmlNode* parent, dom::element observed,
                 const std::map<std::string, dom::element>& by_id);
  void Indicator(xmlNode* parent, dom::element indicator);
  bool PatternElement(xmlNode* parent, const PatternNode& node, std::string* why);
  bool Observable(xmlNode* parent, const PatternNode& node, std::string* why);

  const ExportOptions& options_;
  std::vector<std::string>& skipped_;
  xmlDoc* doc_ = nullptr;
  xmlNode* root_ = nullptr;
  xmlNs* ns_ = nullptr;
  xmlNs* ds_ = nullptr;
  size_t indicator_count_ = 0;
};

void Writer::Contact(xmlNode* parent, dom::element identity) {
  xmlNode* contact = Add(parent, "Contact");
  dom::element x;
  std::string role = "creator", type, email;
  if (identity["x_iodef_contact"].get(x) == simdjson::SUCCESS) {
    if (!Str(x, "role").empty()) role = Str(x, "role");
    type = Str(x, "type");
    email = Str(x, "email");
    if (role == "ext-value") Set(contact, "ext-role", Str(x, "ext-role"));
  }
  if (type.empty()) {
    std::string cls = Str(identity, "identity_class");
    type = cls == "individual" ? "person" : "organization";
  }
  Set(contact, "role", role);
  Set(contact, "type", type);
  Add(contact, "ContactName", Str(identity, "name"));
  if (std::string d = Str(identity, "description"); !d.empty()) Add(contact, "Description", d);
  if (email.empty()) {
    std::string info = Str(identity, "contact_information");
    if (auto at = info.find("email: "); at != std::string::npos) {
      email = info.substr(at + 7, info.find(';', at) - (at + 7));
    }
  }
  if (!email.empty()) Add(Add(contact, "Email"), "EmailTo", email);
}

void Writer::DefaultContact(xmlNode* parent) {
  xmlNode* contact = Add(parent, "Contact");
  Set(contact, "role", "creator");
  Set(contact, "type", "organization");
  Add(contact, "ContactName", options_.contact_name);
  if (!options_.contact_email.empty())
    Add(Add(contact, "Email"), "EmailTo", options_.contact_email);
}

void Writer::Confidence(xmlNode* parent, double value, const std::string& rating) {
  // The schema as published gives Confidence no content, the errata a mandatory xs:float: no
  // element satisfies both, so only the errata form is written.
  if (!errata()) return;
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  xmlNode* c = Add(parent, "Confidence", text);
  Set(c, "rating", rating);
}

void Writer::Assessments(xmlNode* incident, dom::element object) {
  dom::array assessments;
  int64_t confidence = -1;
  if (object["confidence"].get(confidence) != simdjson::SUCCESS) confidence = -1;
  if (object["x_iodef_assessment"].get(assessments) == simdjson::SUCCESS) {
    for (dom::element a : assessments) {
      xmlNode* node = Add(incident, "Assessment");
      if (std::string occ = Str(a, "occurrence"); !occ.empty()) Set(node, "occurrence", occ);
      dom::array impacts;
      bool any = false;
      if (a["impacts"].get(impacts) == simdjson::SUCCESS) {
        for (dom::element impact : impacts) {
          std::string kind = Str(impact, "kind");
          if (kind != "SystemImpact" && kind != "BusinessImpact" && kind != "IntendedImpact" &&
              kind != "TimeImpact" && kind != "MonetaryImpact") {
            continue;
          }
          std::string value = Str(impact, "value");
          xmlNode* i = Add(node, kind.c_str(), value);
          for (const char* attr :
               {"severity", "completion", "type", "ext-type", "metric", "duration", "currency"}) {
            if (std::string v = Str(impact, attr); !v.empty()) Set(i, attr, v);
          }
          if (std::string d = Str(impact, "description"); !d.empty() && value.empty()) {
            Add(i, "Description", d);
          }
          any = true;
        }
      }
      if (!any) Set(Add(node, "SystemImpact"), "type", "unknown");
      dom::element conf;
      if (a["confidence"].get(conf) == simdjson::SUCCESS) {
        std::string rating = Str(conf, "rating");
        char* end = nullptr;
        std::string v = Str(conf, "value");
        double value = std::strtod(v.c_str(), &end);
        if (v.empty() || *end != '\0') value = confidence >= 0 ? confidence / 100.0 : 0.0;
        Confidence(node, value, rating.empty() ? "numeric" : rating);
      }
    }
    return;
  }
  if (confidence >= 0 && errata()) {
    xmlNode* node = Add(incident, "Assessment");
    Set(Add(node, "SystemImpact"), "type", "unknown");
    Confidence(node, static_cast<double>(confidence) / 100.0);
  }
}

void Writer::Method(xmlNode* parent, dom::element object) {
  xmlNode* method = Add(parent, "Method");
  std::vector<std::string> urls;
  std::string external_id;
  dom::array refs;
  if (object["external_references"].get(refs) == simdjson::SUCCESS) {
    for (dom::element r : refs) {
      if (std::string url = Str(r, "url"); !url.empty()) urls.push_back(url);
      if (Str(r, "source_name") == "cve") external_id = Str(r, "external_id");
    }
  }
  if (!external_id.empty() && urls.empty()) {
    urls.push_back("https://www.cve.org/CVERecord?id=" + external_id);
  }
  std::string name = Str(object, "name");
  std::string description = Str(object, "description");
  if (urls.empty()) {
    // A Reference needs a URL in the schema as published: without one, the Method's Description.
    Add(method, "Description", name);
    if (!description.empty()) Add(method, "Description", description);
    return;
  }
  xmlNode* reference = Add(method, "Reference");
  for (const auto& url : urls) Add(reference, "URL", url);
  Add(reference, "Description", name);
  if (!description.empty()) Add(reference, "Description", description);
}

void Writer::EventData(xmlNode* parent, dom::element observed,
                       const std::map<std::string, dom::element>& by_id) {
  std::vector<std::pair<std::string, std::string>> addresses;  // (category or "domain", value)
  std::vector<dom::element> files, keys;
  for (const auto& ref : StrList(observed, "object_refs")) {
    auto it = by_id.find(ref);
    if (it == by_id.end()) continue;
    dom::element sco = it->second;
    std::string type = Str(sco, "type");
    std::string value = Str(sco, "value");
    if (type == "ipv4-addr") {
      addresses.emplace_back(value.find('/') != std::string::npos ? "ipv4-net" : "ipv4-addr",
                             value);
    } else if (type == "ipv6-addr") {
      addresses.emplace_back(value.find('/') != std::string::npos ? "ipv6-net" : "ipv6-addr",
                             value);
    } else if (type == "url") {
      addresses.emplace_back("site-uri", value);
    } else if (type == "email-addr") {
      addresses.emplace_back("e-mail", value);
    } else if (type == "mac-addr") {
      addresses.emplace_back("mac", value);
    } else if (type == "domain-name") {
      addresses.emplace_back("domain", value);
    } else if (type == "autonomous-system") {
      int64_t number = 0;
      if (sco["number"].get(number) == simdjson::SUCCESS) {
        addresses.emplace_back("asn", std::to_string(number));
      }
      if (std::string name = Str(sco, "name"); !name.empty())
        addresses.emplace_back("as-name", name);
    } else if (type == "file") {
      files.push_back(sco);
    } else if (type == "windows-registry-key") {
      keys.push_back(sco);
    } else {
      skipped_.push_back(ref + ": " + type + " has no IODEF Node/Record form in socmesh");
    }
  }
  if (addresses.empty() && files.empty() && keys.empty()) return;
  xmlNode* event = Add(parent, "EventData");
  if (std::string d = Str(observed, "x_iodef_description"); !d.empty()) {
    Add(event, "Description", d);
  }
  Add(event, "StartTime", XsTime(Str(observed, "first_observed")));
  Add(event, "EndTime", XsTime(Str(observed, "last_observed")));
  if (!addresses.empty()) {
    xmlNode* flow = Add(event, "Flow");
    xmlNode* node = Add(Add(flow, "System"), "Node");
    bool has_asn = false;
    for (const auto& [category, value] : addresses) {
      // A Node has one AS (RFC 7970 reads the first): further ones start a System of their own.
      if (category == "asn") {
        if (has_asn) node = Add(Add(flow, "System"), "Node");
        has_asn = true;
      }
      if (category == "domain") {
        Add(Add(node, "DomainData"), "Name", value);
        continue;
      }
      xmlNode* a = Add(node, "Address", value);
      if (category == "as-name") {
        Set(a, "category", "ext-value");
        Set(a, "ext-category", "as-name");
      } else {
        Set(a, "category", category);
      }
    }
  }
  if (files.empty() && keys.empty()) return;
  xmlNode* data = Add(Add(event, "Record"), "RecordData");
  if (!files.empty()) {
    xmlNode* file_data = Add(data, "FileData");
    for (dom::element f : files) {
      xmlNode* file = Add(file_data, "File");
      if (std::string name = Str(f, "name"); !name.empty()) Add(file, "FileName", name);
      int64_t size = 0;
      if (f["size"].get(size) == simdjson::SUCCESS) Add(file, "FileSize", std::to_string(size));
      dom::object hashes;
      if (f["hashes"].get(hashes) == simdjson::SUCCESS && hashes.size() > 0) {
        xmlNode* hash_data = nullptr;
        for (auto [alg, hex] : hashes) {
          std::string uri = detail::DigestUriForHashName(alg);
          std::string_view hex_text;
          if (uri.empty() || hex.get(hex_text) != simdjson::SUCCESS) continue;
          if (hash_data == nullptr) {
            hash_data = Add(file, "HashData");
            Set(hash_data, "scope", "file-contents");
          }
          xmlNode* hash = Add(hash_data, "Hash");
          Set(AddDs(hash, "DigestMethod"), "Algorithm", uri);
          AddDs(hash, "DigestValue", detail::HexToBase64(hex_text));
        }
      }
    }
  }
  if (!keys.empty()) {
    xmlNode* modified = Add(data, "WindowsRegistryKeysModified");
    for (dom::element k : keys) {
      xmlNode* key = Add(modified, "Key");
      if (std::string action = Str(k, "x_iodef_registryaction"); !action.empty()) {
        Set(key, "registryaction", action);
      }
      Add(key, "KeyName", Str(k, "key"));
      dom::array values;
      if (k["values"].get(values) == simdjson::SUCCESS) {
        for (dom::element v : values) {
          if (std::string d = Str(v, "data"); !d.empty()) {
            Add(key, errata() ? "KeyValue" : "Value", d);
            break;  // one value per Key in IODEF
          }
        }
      }
    }
  }
}

// One comparison (or a bracket of comparisons on one object) as an IODEF Observable.
bool Writer::Observable(xmlNode* parent, const PatternNode& node, std::string* why) {
  const std::string& type = node.object_type;
  const std::string& path = node.path;
  auto address = [&](const char* category) {
    Set(Add(Add(parent, "Observable"), "Address", node.value), "category", category);
    return true;
  };
  if (type == "ipv4-addr" && path == "value") {
    return address(node.value.find('/') != std::string::npos ? "ipv4-net" : "ipv4-addr");
  }
  if (type == "ipv6-addr" && path == "value") {
    return address(node.value.find('/') != std::string::npos ? "ipv6-net" : "ipv6-addr");
  }
  if (type == "url" && path == "value") return address("site-uri");
  if (type == "email-addr" && path == "value") return address("e-mail");
  if (type == "mac-addr" && path == "value") return address("mac");
  if (type == "autonomous-system" && path == "number") return address("asn");
  if (type == "domain-name" && path == "value") {
    Add(Add(Add(parent, "Observable"), "DomainData"), "Name", node.value);
    return true;
  }
  if (type == "file" && path.starts_with("hashes.")) {
    std::string alg = path.substr(7);
    if (alg.size() >= 2 && alg.front() == '\'' && alg.back() == '\'') {
      alg = alg.substr(1, alg.size() - 2);
    }
    std::string upper;
    for (char c : alg)
      upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    if (upper == "SHA256") upper = "SHA-256";
    if (upper == "SHA1") upper = "SHA-1";
    if (upper == "SHA512") upper = "SHA-512";
    std::string uri = detail::DigestUriForHashName(upper);
    std::string b64 = detail::HexToBase64(node.value);
    if (uri.empty() || b64.empty()) {
      *why = "hash " + alg + " has no XML-DSig algorithm URI or is not hex";
      return false;
    }
    xmlNode* hash_data = Add(Add(Add(Add(parent, "Observable"), "FileData"), "File"), "HashData");
    Set(hash_data, "scope", "file-contents");
    xmlNode* hash = Add(hash_data, "Hash");
    Set(AddDs(hash, "DigestMethod"), "Algorithm", uri);
    AddDs(hash, "DigestValue", b64);
    return true;
  }
  if (type == "file" && path == "name") {
    Add(Add(Add(Add(parent, "Observable"), "FileData"), "File"), "FileName", node.value);
    return true;
  }
  if (type == "windows-registry-key" && path == "key") {
    Add(Add(Add(Add(parent, "Observable"), "WindowsRegistryKeysModified"), "Key"), "KeyName",
        node.value);
    return true;
  }
  auto bulk = [&](const char* bulk_type) {
    xmlNode* b = Add(Add(parent, "Observable"), "BulkObservable");
    Set(b, "type", bulk_type);
    Add(b, "BulkObservableList", node.value);
    return true;
  };
  if (type == "network-traffic" &&
      path == "extensions.'http-request-ext'.request_header.'User-Agent'") {
    return bulk("http-user-agent");
  }
  if (type == "email-message" && path == "subject") return bulk("email-subject");
  if (type == "email-message" && path == "additional_header_fields.'X-Mailer'") {
    return bulk("email-x-mailer");
  }
  if (type == "email-message" && path == "from_ref.value") return address("e-mail");
  if (type == "mutex" && path == "name") return bulk("mutex");
  if (type == "user-account" && path == "account_login") return bulk("user-name");
  *why = type + ":" + path + " has no IODEF observable in socmesh";
  return false;
}

bool Writer::PatternElement(xmlNode* parent, const PatternNode& node, std::string* why) {
  if (node.kind == PatternNode::Kind::kComparison) return Observable(parent, node, why);
  // A registry key with its value: one Key element rather than two observables.
  if (node.kind == PatternNode::Kind::kAnd && node.bracket && node.children.size() == 2 &&
      node.children[0].object_type == "windows-registry-key" && node.children[0].path == "key" &&
      node.children[1].path == "values[*].data") {
    xmlNode* key = Add(Add(Add(parent, "Observable"), "WindowsRegistryKeysModified"), "Key");
    Add(key, "KeyName", node.children[0].value);
    Add(key, errata() ? "KeyValue" : "Value", node.children[1].value);
    return true;
  }
  xmlNode* expression = Add(parent, "IndicatorExpression");
  Set(expression, "operator", node.kind == PatternNode::Kind::kAnd ? "and" : "or");
  for (const auto& child : node.children) {
    if (!PatternElement(expression, child, why)) return false;
  }
  return true;
}

void Writer::Indicator(xmlNode* parent, dom::element indicator) {
  std::string id = Str(indicator, "id");
  std::string pattern_type = Str(indicator, "pattern_type");
  std::string why;
  std::optional<PatternNode> tree;
  if (pattern_type == "stix") tree = detail::ParsePatternSubset(Str(indicator, "pattern"), &why);
  if (pattern_type != "stix") why = "pattern_type " + pattern_type + " is not STIX";
  if (!tree) {
    skipped_.push_back(id + ": " + why);
    return;
  }
  // Build into a scratch node first: a pattern that fails half-way leaves nothing behind.
  xmlNode* scratch = xmlNewNode(ns_, X("Indicator"));
  dom::element x;
  std::string ind_name = options_.issuer, ind_id = "ind-" + UuidOf(id), version = "1";
  if (indicator["x_iodef_indicator_id"].get(x) == simdjson::SUCCESS) {
    if (!Str(x, "name").empty()) ind_name = Str(x, "name");
    if (IsNcName(Str(x, "id"))) ind_id = Str(x, "id");
    if (!Str(x, "version").empty()) version = Str(x, "version");
  }
  xmlNode* id_node = Add(scratch, "IndicatorID", ind_id);
  Set(id_node, "name", ind_name);
  Set(id_node, "version", version);
  std::string description = Str(indicator, "description");
  if (description.empty()) description = Str(indicator, "name");
  if (!description.empty()) Add(scratch, "Description", description);
  Add(scratch, "StartTime", XsTime(Str(indicator, "valid_from")));
  if (std::string until = Str(indicator, "valid_until"); !until.empty()) {
    Add(scratch, "EndTime", XsTime(until));
  }
  int64_t confidence = 0;
  if (indicator["confidence"].get(confidence) == simdjson::SUCCESS) {
    Confidence(scratch, static_cast<double>(confidence) / 100.0);
  }
  if (!PatternElement(scratch, *tree, &why)) {
    xmlFreeNode(scratch);
    skipped_.push_back(id + ": " + why);
    return;
  }
  xmlAddChild(parent, scratch);
  ++indicator_count_;
}

void Writer::Incident(dom::element incident, const std::vector<dom::element>& members,
                      const std::map<std::string, dom::element>& by_id,
                      std::optional<model::Tlp> tlp) {
  xmlNode* node = Add(root_, "Incident");
  std::string purpose = Str(incident, "x_iodef_purpose");
  Set(node, "purpose", purpose.empty() ? "reporting" : purpose);
  if (std::string ext = Str(incident, "x_iodef_ext_purpose"); !ext.empty()) {
    Set(node, "ext-purpose", ext);
  }
  if (std::string status = Str(incident, "x_iodef_status"); !status.empty()) {
    Set(node, "status", status);
  }
  std::string original = Str(incident, "x_iodef_restriction");
  bool known = false;
  if (!original.empty() &&
      detail::TlpForRestriction(original, Str(incident, "x_iodef_ext_restriction"), &known) ==
          tlp &&
      known) {
    Set(node, "restriction", original);  // "private" stays "private", not its TLP "red"
    if (original == "ext-value")
      Set(node, "ext-restriction", Str(incident, "x_iodef_ext_restriction"));
  } else if (tlp) {
    Set(node, "restriction", detail::RestrictionForTlp(*tlp).first);
  }
  dom::element x;
  std::string name = options_.issuer, value = UuidOf(Str(incident, "id")), instance;
  if (incident["x_iodef_incident_id"].get(x) == simdjson::SUCCESS) {
    name = Str(x, "name");
    value = Str(x, "id");
    instance = Str(x, "instance");
  }
  xmlNode* id_node = Add(node, "IncidentID", value);
  Set(id_node, "name", name);
  if (!instance.empty()) Set(id_node, "instance", instance);

  std::vector<dom::element> actors, campaigns, methods, identities, observed, indicators;
  for (dom::element m : members) {
    std::string type = Str(m, "type");
    if (type == "threat-actor" || type == "intrusion-set") actors.push_back(m);
    if (type == "campaign") campaigns.push_back(m);
    if (type == "attack-pattern" || type == "vulnerability" || type == "malware" ||
        type == "tool") {
      methods.push_back(m);
    }
    if (type == "identity") identities.push_back(m);
    if (type == "observed-data") observed.push_back(m);
    if (type == "indicator") indicators.push_back(m);
  }
  std::vector<std::string> related_urls;
  dom::array refs;
  if (incident["external_references"].get(refs) == simdjson::SUCCESS) {
    for (dom::element r : refs) {
      if (Str(r, "source_name") == "iodef-related-activity" && !Str(r, "url").empty()) {
        related_urls.push_back(Str(r, "url"));
      }
    }
  }
  if (!actors.empty() || !campaigns.empty() || !related_urls.empty()) {
    xmlNode* related = Add(node, "RelatedActivity");
    for (const auto& url : related_urls) Add(related, "URL", url);
    auto write = [&](dom::element object, const char* element, const char* id_element) {
      std::vector<std::string> urls;
      dom::array object_refs;
      if (object["external_references"].get(object_refs) == simdjson::SUCCESS) {
        for (dom::element r : object_refs) {
          if (std::string url = Str(r, "url"); !url.empty()) urls.push_back(url);
        }
      }
      // As published, ThreatActor and Campaign need a URL (the errata made it optional).
      if (urls.empty() && !errata()) {
        skipped_.push_back(Str(object, "id") + ": the schema as published requires a URL for " +
                           element);
        return;
      }
      xmlNode* node = Add(related, element);
      auto aliases = StrList(object, "aliases");
      if (!aliases.empty()) Add(node, id_element, aliases.front());
      for (const auto& url : urls) Add(node, "URL", url);
      Add(node, "Description", Str(object, "name"));
      if (std::string d = Str(object, "description"); !d.empty()) Add(node, "Description", d);
    };
    for (dom::element a : actors) write(a, "ThreatActor", "ThreatActorID");
    for (dom::element c : campaigns) write(c, "Campaign", "CampaignID");
  }
  static constexpr std::pair<const char*, const char*> kTimes[] = {
      {"x_iodef_detect_time", "DetectTime"},
      {"x_iodef_start_time", "StartTime"},
      {"x_iodef_end_time", "EndTime"},
      {"x_iodef_recovery_time", "RecoveryTime"},
      {"x_iodef_report_time", "ReportTime"}};
  for (const auto& [prop, element] : kTimes) {
    if (std::string t = Str(incident, prop); !t.empty()) Add(node, element, XsTime(t));
  }
  std::string generation = Str(incident, "x_iodef_generation_time");
  Add(node, "GenerationTime", XsTime(generation.empty() ? Str(incident, "modified") : generation));
  std::string description = Str(incident, "description");
  if (description.empty()) description = Str(incident, "name");
  if (!description.empty()) Add(node, "Description", description);
  dom::array discoveries;
  if (incident["x_iodef_discovery"].get(discoveries) == simdjson::SUCCESS) {
    for (dom::element d : discoveries) {
      xmlNode* discovery = Add(node, "Discovery");
      if (std::string s = Str(d, "source"); !s.empty()) Set(discovery, "source", s);
      if (std::string t = Str(d, "description"); !t.empty()) Add(discovery, "Description", t);
    }
  }
  Assessments(node, incident);
  for (dom::element m : methods) Method(node, m);
  std::string creator = Str(incident, "created_by_ref");
  bool contact_written = false;
  std::set<std::string> written;
  auto write_identity = [&](dom::element identity) {
    if (written.insert(Str(identity, "id")).second) {
      Contact(node, identity);
      contact_written = true;
    }
  };
  if (auto it = by_id.find(creator); it != by_id.end()) write_identity(it->second);
  for (dom::element identity : identities) write_identity(identity);
  if (!contact_written) DefaultContact(node);
  for (dom::element o : observed) EventData(node, o, by_id);
  if (!indicators.empty()) {
    xmlNode* data = xmlNewNode(ns_, X("IndicatorData"));
    for (dom::element i : indicators) Indicator(data, i);
    if (data->children != nullptr) {
      xmlAddChild(node, data);
    } else {
      xmlFreeNode(data);
    }
  }
}

}  // namespace

Result<ExportResult> ExportIodef(std::span<const model::StixObject> objects,
                                 const ExportOptions& options) {
  // One parse of all objects as a JSON array keeps every element alive in one parser.
  std::string all = "[";
  for (size_t i = 0; i < objects.size(); ++i) {
    if (i > 0) all.push_back(',');
    all += objects[i].canonical_json;
  }
  all.push_back(']');
  dom::parser parser;
  dom::array array;
  if (parser.parse(all).get(array) != simdjson::SUCCESS) {
    return Fail(ErrorCode::kInternal, "stored objects are not JSON");
  }
  std::map<std::string, dom::element> by_id;
  std::map<std::string, const model::StixObject*> object_of;
  std::vector<dom::element> elements;
  size_t i = 0;
  for (dom::element e : array) {
    by_id[objects[i].id] = e;
    object_of[objects[i].id] = &objects[i];
    elements.push_back(e);
    ++i;
  }

  // Members of each incident: what its reports list and what its relationships reach.
  std::map<std::string, std::vector<std::string>> members;
  std::vector<std::string> incident_ids;
  for (const auto& o : objects) {
    if (o.type == "incident") incident_ids.push_back(o.id);
  }
  auto add_member = [&](const std::string& incident, const std::string& id) {
    auto& list = members[incident];
    if (id != incident && std::find(list.begin(), list.end(), id) == list.end()) {
      list.push_back(id);
    }
  };
  std::set<std::string> assigned;
  for (dom::element e : elements) {
    std::string type = Str(e, "type");
    if (type == "report") {
      auto refs = StrList(e, "object_refs");
      for (const auto& incident : incident_ids) {
        if (std::find(refs.begin(), refs.end(), incident) == refs.end()) continue;
        for (const auto& r : refs) add_member(incident, r);
        assigned.insert(Str(e, "id"));
      }
    } else if (type == "relationship") {
      std::string source = Str(e, "source_ref"), target = Str(e, "target_ref");
      for (const auto& incident : incident_ids) {
        if (source == incident) add_member(incident, target);
        if (target == incident) add_member(incident, source);
      }
    }
  }
  for (auto& [incident, list] : members) {
    for (const auto& id : list) assigned.insert(id);
    // SCOs of the incident's observed-data belong to it too.
    for (size_t k = 0; k < list.size(); ++k) {
      auto it = by_id.find(list[k]);
      if (it == by_id.end() || Str(it->second, "type") != "observed-data") continue;
      for (const auto& ref : StrList(it->second, "object_refs")) assigned.insert(ref);
    }
  }

  std::vector<std::string> skipped;
  Writer writer(options, skipped);
  size_t written = 0;
  for (const auto& incident : incident_ids) {
    std::vector<dom::element> list;
    for (const auto& id : members[incident]) {
      if (auto it = by_id.find(id); it != by_id.end()) list.push_back(it->second);
    }
    writer.Incident(by_id[incident], list, by_id, object_of[incident]->tlp);
    assigned.insert(incident);
    ++written;
  }
  // Everything tied to no incident goes into one "watch" Incident of its own.
  std::vector<dom::element> loose;
  std::optional<model::Tlp> loose_tlp;
  std::string latest;
  for (size_t k = 0; k < objects.size(); ++k) {
    const auto& o = objects[k];
    if (assigned.contains(o.id)) continue;
    if (o.type == "indicator" || o.type == "observed-data" || o.type == "attack-pattern" ||
        o.type == "vulnerability" || o.type == "threat-actor" || o.type == "campaign") {
      loose.push_back(elements[k]);
      if (o.tlp && (!loose_tlp || *o.tlp > *loose_tlp)) loose_tlp = o.tlp;
      std::string modified = Str(elements[k], "modified");
      if (modified > latest) latest = modified;
      for (const auto& ref : StrList(elements[k], "object_refs")) assigned.insert(ref);
    }
  }
  for (size_t k = 0; k < objects.size(); ++k) {
    const auto& o = objects[k];
    if (!assigned.contains(o.id) && o.type != "identity" && o.type != "relationship" &&
        o.type != "report" && o.type != "marking-definition" &&
        std::find_if(loose.begin(), loose.end(),
                     [&](dom::element e) { return Str(e, "id") == o.id; }) == loose.end()) {
      skipped.push_back(o.id + ": " + o.type + " is not tied to an incident or observation");
    }
  }
  if (!loose.empty()) {
    // A synthetic incident object, its id derived from the members so that exports repeat.
    std::string member_ids;
    for (dom::element e : loose) member_ids += Str(e, "id") + "|";
    std::string synthetic = R"({"type":"incident","id":"incident--)" +
                            model::FormatUuid(model::UuidV5(model::kStixScoNamespace, member_ids)) +
                            R"(","x_iodef_purpose":"watch","name":"socmesh export","modified":")" +
                            (latest.empty() ? model::FormatTimestamp({}) : latest) + R"("})";
    dom::parser synthetic_parser;
    dom::element e;
    if (synthetic_parser.parse(synthetic).get(e) != simdjson::SUCCESS) {
      return Fail(ErrorCode::kInternal, "synthetic incident");
    }
    writer.Incident(e, loose, by_id, loose_tlp);
    ++written;
  }
  if (written == 0) {
    return Fail(ErrorCode::kInvalidArgument,
                "nothing to export as IODEF: no incident, indicator or observed-data among " +
                    std::to_string(objects.size()) + " objects");
  }
  return ExportResult{writer.Dump(), std::move(skipped)};
}

}  // namespace socmesh::formats::iodef
