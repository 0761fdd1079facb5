// STIX 2.1 object validation. What each type requires is data (stix_catalog.cpp); this file holds
// the generic walk and the rules that relate several properties (ordering of timestamps, "one of"
// requirements, marking consistency). Section numbers refer to STIX 2.1 (OASIS Standard, 2021).
#include "model/stix_object.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <string>

#include "model/canonical_json.hpp"
#include "model/detail/canonical_dom.hpp"
#include "model/detail/json_parse.hpp"
#include "model/detail/sco_id_dom.hpp"
#include "model/detail/stix_catalog.hpp"
#include "model/detail/stix_validator.hpp"
#include "model/identifier.hpp"

namespace socmesh::model {

namespace dom = simdjson::dom;
using detail::PropertyRule;
using detail::TypeRule;
using detail::ValueKind;

std::string_view ObjectCategoryName(ObjectCategory category) {
  switch (category) {
    case ObjectCategory::kDomainObject:
      return "sdo";
    case ObjectCategory::kRelationshipObject:
      return "sro";
    case ObjectCategory::kCyberObservable:
      return "sco";
    case ObjectCategory::kMarkingDefinition:
      return "marking-definition";
    case ObjectCategory::kLanguageContent:
      return "language-content";
    case ObjectCategory::kExtensionDefinition:
      return "extension-definition";
    case ObjectCategory::kCustomObject:
      return "custom";
  }
  return "custom";
}

ObjectCategory CategoryOfType(std::string_view type) {
  const TypeRule* rule = detail::FindTypeRule(type);
  return rule != nullptr ? rule->category : ObjectCategory::kCustomObject;
}

namespace detail {

Digest Sha256(std::string_view data) {
  // Fetch once: implicit fetching on every call costs more than hashing a small object.
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  Digest out{};
  unsigned int len = 0;
  if (md == nullptr || EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1) {
    std::abort();  // the default provider always has SHA-256; failing here is not recoverable
  }
  return out;
}

namespace {

constexpr int64_t kMaxCount = 999'999'999;  // spec bound for count / number_observed

std::string Shorten(std::string_view s) {
  constexpr size_t kMax = 80;
  if (s.size() <= kMax) return std::string(s);
  return std::string(s.substr(0, kMax)) + "…";
}

bool IsBase64(std::string_view s) {
  size_t n = 0;
  size_t pad = 0;
  for (char c : s) {
    if (c == '=') {
      ++pad;
    } else if (pad > 0 || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '+' || c == '/')) {
      return false;
    }
    ++n;
  }
  return n % 4 == 0 && pad <= 2;
}

bool IsHexText(std::string_view s) {
  if (s.size() % 2 != 0) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

// A cheap structural check of STIX patterning text (section 9): brackets balanced outside string
// literals, literals terminated, no dangling boolean operator. The full grammar is detect/'s job;
// this catches truncated and garbled patterns at ingest, which is where they must be refused.
std::optional<std::string> CheckPatternShape(std::string_view p) {
  int square = 0;
  int round = 0;
  bool in_string = false;
  size_t first = p.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return "pattern is empty";
  if (p[first] != '[' && p[first] != '(') return "pattern must start with '[' or '('";
  for (size_t i = first; i < p.size(); ++i) {
    char c = p[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '\'') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '\'':
        in_string = true;
        break;
      case '[':
        if (square > 0) {
          // Inside an observation, '[' is a list index of an object path: "[*]" or "[<digits>]".
          size_t close = p.find(']', i);
          std::string_view index =
              close == std::string_view::npos ? std::string_view() : p.substr(i + 1, close - i - 1);
          bool ok = index == "*" ||
                    (!index.empty() && std::all_of(index.begin(), index.end(),
                                                   [](char d) { return d >= '0' && d <= '9'; }));
          if (!ok) return "invalid list index at offset " + std::to_string(i);
          i = close;
          break;
        }
        ++square;
        break;
      case ']':
        if (--square < 0) return "unbalanced ']' at offset " + std::to_string(i);
        break;
      case '(':
        ++round;
        break;
      case ')':
        if (--round < 0) return "unbalanced ')' at offset " + std::to_string(i);
        break;
      default:
        break;
    }
  }
  if (in_string) return "unterminated string literal";
  if (square != 0) return "unbalanced '[' (pattern cut short?)";
  if (round != 0) return "unbalanced '('";
  size_t last = p.find_last_not_of(" \t\r\n");
  std::string_view tail = p.substr(0, last + 1);
  for (std::string_view op : {"AND", "OR", "FOLLOWEDBY"}) {
    if (tail.ends_with(op) &&
        (tail.size() == op.size() || tail[tail.size() - op.size() - 1] == ' ' ||
         tail[tail.size() - op.size() - 1] == ']')) {
      return "pattern ends with a dangling " + std::string(op);
    }
  }
  return std::nullopt;
}

class ObjectValidator {
 public:
  ObjectValidator(dom::object object, std::string_view path, std::string_view bundle_spec_version,
                  std::vector<Diagnostic>& diagnostics)
      : object_(object),
        path_(path),
        bundle_spec_version_(bundle_spec_version),
        diagnostics_(diagnostics) {}

  std::optional<StixObject> Run(dom::element element, size_t max_depth);

 private:
  void Error(std::string_view property, std::string message) {
    ++errors_;
    diagnostics_.push_back({Severity::kError, PathOf(property), std::move(message)});
  }
  void Warn(std::string_view property, std::string message) {
    diagnostics_.push_back({Severity::kWarning, PathOf(property), std::move(message)});
  }
  std::string PathOf(std::string_view property) const {
    std::string p(path_);
    if (!property.empty()) {
      p.push_back('.');
      p.append(property);
    }
    return p;
  }

  std::optional<std::string_view> String(std::string_view property) {
    dom::element e;
    if (object_[property].get(e) != simdjson::SUCCESS) return std::nullopt;
    std::string_view s;
    if (e.get_string().get(s) != simdjson::SUCCESS) return std::nullopt;
    return s;
  }
  bool Has(std::string_view property) {
    dom::element e;
    return object_[property].get(e) == simdjson::SUCCESS;
  }
  std::optional<Timestamp> Time(std::string_view property) {
    auto s = String(property);
    if (!s) return std::nullopt;
    auto t = ParseTimestamp(*s);
    return t ? std::optional<Timestamp>(*t) : std::nullopt;
  }

  void CheckHeader();
  void CheckProperty(std::string_view name, dom::element value);
  void CheckValue(std::string_view name, dom::element value, const PropertyRule& rule);
  void CheckIdentifier(std::string_view where, std::string_view id,
                       const std::vector<std::string_view>& targets);
  void CheckHashes(std::string_view where, dom::element value);
  void CheckExternalReferences(dom::element value);
  void CheckGranularMarkings(dom::element value);
  void CheckKillChainPhases(std::string_view where, dom::element value);
  void CheckExtensions(dom::element value);
  void CheckTypeRules();
  void CheckOrder(std::string_view earlier, std::string_view later, bool strictly);
  void CheckMarkingDefinition();
  void CollectObservables();
  void CollectMarkings();

  dom::object object_;
  std::string_view path_;
  std::string_view bundle_spec_version_;
  bool upgrade_spec_version_ = false;
  std::vector<Diagnostic>& diagnostics_;
  size_t errors_ = 0;
  const TypeRule* rule_ = nullptr;
  bool sco_like_ = false;  // an SCO, or a custom object declared as a new SCO by an extension
  StixObject out_;
};

std::optional<StixObject> ObjectValidator::Run(dom::element element, size_t max_depth) {
  CheckHeader();
  if (errors_ > 0 && out_.type.empty()) return std::nullopt;
  for (auto [key, value] : object_) CheckProperty(key, value);
  CheckTypeRules();
  if (errors_ > 0) return std::nullopt;

  CollectMarkings();
  CollectObservables();
  out_.canonical_json.reserve(256);
  auto canonical = AppendCanonical(element, out_.canonical_json, path_, max_depth);
  if (!canonical) {
    Error("", canonical.error().message);
    return std::nullopt;
  }
  if (upgrade_spec_version_) {
    // Rare path: let the canonicaliser place the new property.
    auto upgraded = CanonicalizeJson("{\"spec_version\":\"2.1\"," + out_.canonical_json.substr(1));
    if (!upgraded) {
      Error("", upgraded.error().message);
      return std::nullopt;
    }
    out_.canonical_json = std::move(*upgraded);
    out_.spec_version = "2.1";
  }
  out_.digest = Sha256(out_.canonical_json);
  return std::move(out_);
}

void ObjectValidator::CheckHeader() {
  auto type = String("type");
  if (!type) {
    Error("type",
          Has("type") ? "\"type\" must be a string" : "required property \"type\" is missing");
    return;
  }
  if (!IsValidTypeName(*type)) {
    Error("type", "\"" + Shorten(*type) +
                      "\" is not a valid STIX type name (3-250 of a-z 0-9 '-', starting with a "
                      "letter)");
    return;
  }
  out_.type = std::string(*type);
  rule_ = FindTypeRule(*type);
  out_.category = rule_ != nullptr ? rule_->category : ObjectCategory::kCustomObject;
  sco_like_ = out_.category == ObjectCategory::kCyberObservable;
  if (out_.category == ObjectCategory::kCustomObject) {
    // A 2.1 custom object declares its kind through an extension-definition (section 7.3).
    dom::object ext;
    if (object_["extensions"].get(ext) == simdjson::SUCCESS) {
      for (auto [key, value] : ext) {
        std::string_view kind;
        if (value["extension_type"].get(kind) == simdjson::SUCCESS && kind == "new-sco") {
          sco_like_ = true;
        }
      }
    }
  }

  auto id = String("id");
  if (!id) {
    Error("id", Has("id") ? "\"id\" must be a string" : "required property \"id\" is missing");
  } else if (auto parsed = ParseIdentifier(*id); !parsed) {
    Error("id", parsed.error().message);
  } else if (parsed->type != *type) {
    Error("id", "identifier \"" + Shorten(*id) + "\" does not start with the object's type \"" +
                    out_.type + "--\"");
  } else {
    out_.id = std::string(*id);
  }

  auto spec_version = String("spec_version");
  if (spec_version) {
    out_.spec_version = std::string(*spec_version);
    if (*spec_version == "2.0") {
      Error("spec_version", "STIX 2.0 objects are not accepted; socmesh stores STIX 2.1");
    } else if (*spec_version != "2.1") {
      Error("spec_version", "spec_version \"" + Shorten(*spec_version) + "\" is not \"2.1\"");
    }
  } else if (Has("spec_version")) {
    Error("spec_version", "\"spec_version\" must be a string");
  } else if (!sco_like_) {
    // Section 3.2: required. One exception: a bundle that declares spec_version (STIX 2.0 style,
    // as python-stix2's 2.1 test store still does) vouches for its objects; those that also pass
    // every 2.1 rule are upgraded by adding "spec_version": "2.1".
    if (bundle_spec_version_.empty()) {
      Error("spec_version", "required property \"spec_version\" is missing");
    } else {
      upgrade_spec_version_ = true;
      Warn("spec_version", "spec_version missing in a bundle declaring \"" +
                               Shorten(bundle_spec_version_) + "\"; stored as STIX 2.1");
    }
  }

  const bool needs_created = !sco_like_;
  const bool needs_modified = !sco_like_ && out_.category != ObjectCategory::kMarkingDefinition;
  for (std::string_view prop : {std::string_view("created"), std::string_view("modified")}) {
    bool required = prop == "created" ? needs_created : needs_modified;
    auto text = String(prop);
    if (!text) {
      if (Has(prop)) {
        Error(prop, "\"" + std::string(prop) + "\" must be a timestamp string");
      } else if (required) {
        Error(prop, "required property \"" + std::string(prop) + "\" is missing");
      }
      continue;
    }
    // Millisecond precision is required of SDO/SRO/meta `created` and `modified` (section 3.2), but
    // not of marking definitions, whose `created` is a plain timestamp (section 7.2.1).
    const bool millis = !sco_like_ && out_.category != ObjectCategory::kMarkingDefinition;
    auto t =
        ParseTimestamp(*text, millis ? TimestampPrecision::kMillisecond : TimestampPrecision::kAny);
    if (!t) {
      Error(prop, t.error().message);
      continue;
    }
    (prop == "created" ? out_.created : out_.modified) = *t;
  }
  if (out_.created && out_.modified && *out_.modified < *out_.created) {
    Error("modified", "modified (" + FormatTimestamp(*out_.modified, true) +
                          ") is earlier than created (" + FormatTimestamp(*out_.created, true) +
                          ")");
  }
}

void ObjectValidator::CheckProperty(std::string_view name, dom::element value) {
  // Section 3.1: property names are ASCII letters, digits and underscore, 3 to 250 characters.
  bool name_ok = name.size() <= 250 && !name.empty();
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
      name_ok = false;
    }
  }
  if (!name_ok) {
    Error(name, "property name \"" + Shorten(name) +
                    "\" is not allowed (ASCII letters, digits and '_' only, at most 250)");
    return;
  }
  if (name.size() < 3 && name != "id") {
    Error(name, "property name \"" + std::string(name) + "\" is shorter than 3 characters");
    return;
  }
  if (name == "type" || name == "id" || name == "spec_version" || name == "created" ||
      name == "modified") {
    return;  // checked by CheckHeader
  }
  if (rule_ != nullptr) {
    for (const PropertyRule& r : rule_->properties) {
      if (r.name == name) return CheckValue(name, value, r);
    }
  }
  for (const PropertyRule& r : CommonPropertyRules()) {
    if (r.name == name) return CheckValue(name, value, r);
  }
  // Custom properties are kept verbatim. A custom *_ref that is not an identifier breaks a SHOULD
  // of section 3.1 (the OASIS validator does not reject it either: ATT&CK has empty ones), so it
  // is reported as a warning, not a rejection.
  if (name.ends_with("_ref") || name.ends_with("_refs")) {
    std::string_view single;
    dom::array list;
    bool ok = true;
    if (value.get(single) == simdjson::SUCCESS) {
      ok = ParseIdentifier(single).has_value();
    } else if (value.get(list) == simdjson::SUCCESS) {
      for (dom::element item : list) {
        std::string_view s;
        ok = ok && item.get(s) == simdjson::SUCCESS && ParseIdentifier(s).has_value();
      }
    } else {
      ok = false;
    }
    if (!ok) Warn(name, "custom reference property does not hold STIX identifiers");
  }
}

void ObjectValidator::CheckValue(std::string_view name, dom::element value,
                                 const PropertyRule& rule) {
  auto expect = [&](std::string_view what) {
    Error(name, "\"" + std::string(name) + "\" must be " + std::string(what));
  };
  switch (rule.kind) {
    case ValueKind::kString:
      if (!value.is_string()) expect("a string");
      return;
    case ValueKind::kStringList:
    case ValueKind::kIdentifierList: {
      dom::array list;
      if (value.get(list) != simdjson::SUCCESS) return expect("a list");
      if (list.size() == 0) return expect("a non-empty list");
      size_t i = 0;
      for (dom::element item : list) {
        std::string_view s;
        if (item.get(s) != simdjson::SUCCESS) {
          expect("a list of strings");
          return;
        }
        if (rule.kind == ValueKind::kIdentifierList) {
          CheckIdentifier(std::string(name) + "[" + std::to_string(i) + "]", s, rule.targets);
        }
        ++i;
      }
      return;
    }
    case ValueKind::kTimestamp: {
      std::string_view s;
      if (value.get(s) != simdjson::SUCCESS) return expect("a timestamp string");
      if (auto t = ParseTimestamp(s); !t) Error(name, t.error().message);
      return;
    }
    case ValueKind::kBoolean:
      if (!value.is_bool()) expect("true or false");
      return;
    case ValueKind::kInteger:
      if (!value.is_int64() && !value.is_uint64()) expect("an integer");
      return;
    case ValueKind::kNonNegative:
      if (!value.is_uint64() && !(value.is_int64() && int64_t(value.get_int64()) >= 0)) {
        expect("a non-negative integer");
      }
      return;
    case ValueKind::kNumber:
      if (!value.is_number()) expect("a number");
      return;
    case ValueKind::kIdentifier: {
      std::string_view s;
      if (value.get(s) != simdjson::SUCCESS) return expect("an identifier string");
      CheckIdentifier(name, s, rule.targets);
      return;
    }
    case ValueKind::kDictionary:
      if (!value.is_object()) expect("a dictionary (JSON object)");
      if (name == "extensions") CheckExtensions(value);
      return;
    case ValueKind::kList: {
      dom::array list;
      if (value.get(list) != simdjson::SUCCESS) return expect("a list");
      if (list.size() == 0) return expect("a non-empty list");
      if (name == "external_references") CheckExternalReferences(value);
      if (name == "granular_markings") CheckGranularMarkings(value);
      return;
    }
    case ValueKind::kHashes:
      CheckHashes(name, value);
      return;
    case ValueKind::kKillChainPhases:
      CheckKillChainPhases(name, value);
      return;
    case ValueKind::kBinary: {
      std::string_view s;
      if (value.get(s) != simdjson::SUCCESS || !IsBase64(s)) expect("base64 text (RFC 4648)");
      return;
    }
    case ValueKind::kHex: {
      std::string_view s;
      if (value.get(s) != simdjson::SUCCESS || !IsHexText(s)) expect("hexadecimal text");
      return;
    }
  }
}

void ObjectValidator::CheckIdentifier(std::string_view where, std::string_view id,
                                      const std::vector<std::string_view>& targets) {
  auto parsed = ParseIdentifier(id);
  if (!parsed) {
    Error(where, parsed.error().message);
    return;
  }
  if (targets.empty()) return;
  const ObjectCategory target_category = CategoryOfType(parsed->type);
  for (std::string_view t : targets) {
    if (t == parsed->type) return;
    if (t == kAnySdo && (target_category == ObjectCategory::kDomainObject ||
                         target_category == ObjectCategory::kCustomObject)) {
      return;
    }
    if (t == kAnySco && (target_category == ObjectCategory::kCyberObservable ||
                         target_category == ObjectCategory::kCustomObject)) {
      return;
    }
  }
  std::string allowed;
  for (std::string_view t : targets) {
    if (!allowed.empty()) allowed += ", ";
    allowed += t == kAnySdo ? "any SDO" : t == kAnySco ? "any SCO" : std::string(t);
  }
  Error(where, "\"" + std::string(where) + "\" refers to a " + std::string(parsed->type) +
                   " but must refer to: " + allowed);
}

void ObjectValidator::CheckHashes(std::string_view where, dom::element value) {
  dom::object hashes;
  if (value.get(hashes) != simdjson::SUCCESS || hashes.size() == 0) {
    Error(where, "\"" + std::string(where) + "\" must be a non-empty dictionary of hashes");
    return;
  }
  for (auto [algorithm, hash] : hashes) {
    std::string_view text;
    if (hash.get(text) != simdjson::SUCCESS) {
      Error(where, "hash \"" + Shorten(algorithm) + "\" must be a string");
      continue;
    }
    auto kind = KindForHashAlgorithm(algorithm);
    if (!kind) continue;  // vendor-specific algorithms are allowed (section 10.7)
    if (auto normalized = NormalizeObservable(*kind, text); !normalized) {
      Error(where, "hash \"" + std::string(algorithm) + "\": " + normalized.error().message);
    }
  }
}

void ObjectValidator::CheckExternalReferences(dom::element value) {
  size_t i = 0;
  for (dom::element ref : dom::array(value)) {
    std::string where = "external_references[" + std::to_string(i++) + "]";
    dom::object o;
    if (ref.get(o) != simdjson::SUCCESS) {
      Error(where, "an external reference must be an object");
      continue;
    }
    std::string_view source;
    if (o["source_name"].get(source) != simdjson::SUCCESS) {
      Error(where, "external reference needs a string \"source_name\"");
    }
    dom::element h;
    if (o["hashes"].get(h) == simdjson::SUCCESS) CheckHashes(where + ".hashes", h);
  }
}

void ObjectValidator::CheckGranularMarkings(dom::element value) {
  size_t i = 0;
  for (dom::element gm : dom::array(value)) {
    std::string where = "granular_markings[" + std::to_string(i++) + "]";
    dom::object o;
    if (gm.get(o) != simdjson::SUCCESS) {
      Error(where, "a granular marking must be an object");
      continue;
    }
    dom::array selectors;
    if (o["selectors"].get(selectors) != simdjson::SUCCESS || selectors.size() == 0) {
      Error(where, "granular marking needs a non-empty list \"selectors\"");
    }
    std::string_view marking_ref;
    std::string_view lang;
    bool has_ref = o["marking_ref"].get(marking_ref) == simdjson::SUCCESS;
    bool has_lang = o["lang"].get(lang) == simdjson::SUCCESS;
    if (has_ref == has_lang) {
      Error(where, "granular marking needs exactly one of \"marking_ref\" and \"lang\"");
    } else if (has_ref) {
      static const std::vector<std::string_view> kMarking = {"marking-definition"};
      CheckIdentifier(where + ".marking_ref", marking_ref, kMarking);
    }
  }
}

void ObjectValidator::CheckKillChainPhases(std::string_view where, dom::element value) {
  dom::array list;
  if (value.get(list) != simdjson::SUCCESS || list.size() == 0) {
    Error(where, "\"" + std::string(where) + "\" must be a non-empty list");
    return;
  }
  for (dom::element phase : list) {
    std::string_view a, b;
    if (phase["kill_chain_name"].get(a) != simdjson::SUCCESS ||
        phase["phase_name"].get(b) != simdjson::SUCCESS) {
      Error(where, "each kill chain phase needs string \"kill_chain_name\" and \"phase_name\"");
      return;
    }
  }
}

void ObjectValidator::CheckExtensions(dom::element value) {
  dom::object extensions;
  if (value.get(extensions) != simdjson::SUCCESS) return;
  for (auto [name, body] : extensions) {
    std::string where = "extensions." + std::string(name);
    if (!body.is_object()) {
      Error(where, "an extension must be an object");
      continue;
    }
    if (name.starts_with("extension-definition--")) {
      if (auto id = ParseIdentifier(name); !id) Error(where, id.error().message);
    } else if (!IsPredefinedExtensionName(name)) {
      Warn(where, "extension \"" + Shorten(name) +
                      "\" is neither predefined nor an extension-definition id (custom "
                      "extensions are deprecated in STIX 2.1)");
    }
    if (name == "http-request-ext") {
      // Section 6.12.2: request_header is a dictionary of strings (not lists, unlike 2.0 drafts).
      dom::object headers;
      if (body["request_header"].get(headers) == simdjson::SUCCESS) {
        for (auto [header, header_value] : headers) {
          if (!header_value.is_string()) {
            Error(where + ".request_header",
                  "header \"" + Shorten(header) + "\" must have a string value");
          }
        }
      }
    }
  }
}

void ObjectValidator::CheckOrder(std::string_view earlier, std::string_view later, bool strictly) {
  auto a = Time(earlier);
  auto b = Time(later);
  if (!a || !b) return;
  if (strictly ? !(*b > *a) : *b < *a) {
    Error(later, std::string(later) + " must be " +
                     (strictly ? "later than " : "no earlier than ") + std::string(earlier));
  }
}

void ObjectValidator::CheckTypeRules() {
  if (rule_ != nullptr) {
    for (std::string_view required : rule_->required) {
      if (!Has(required)) {
        Error(required, "required property \"" + std::string(required) + "\" is missing");
      }
    }
  }
  const std::string_view type = out_.type;

  // Common properties with value constraints (section 3.2).
  dom::element confidence;
  if (object_["confidence"].get(confidence) == simdjson::SUCCESS && confidence.is_int64()) {
    int64_t c = confidence.get_int64();
    if (c < 0 || c > 100)
      Error("confidence", "confidence must be between 0 and 100");
    else
      out_.confidence = static_cast<int>(c);
  }
  bool revoked = false;
  if (object_["revoked"].get(revoked) == simdjson::SUCCESS) out_.revoked = revoked;
  if (auto by = String("created_by_ref")) out_.created_by_ref = std::string(*by);
  if (sco_like_ && out_.category == ObjectCategory::kCyberObservable &&
      (Has("created_by_ref") || Has("revoked") || Has("labels") || Has("confidence") ||
       Has("external_references"))) {
    Warn("", "SCOs should not carry SDO common properties (created_by_ref, revoked, labels, …)");
  }

  if (type == "indicator") {
    CheckOrder("valid_from", "valid_until", /*strictly=*/true);
    out_.valid_until = Time("valid_until");
    auto pattern_type = String("pattern_type");
    auto pattern = String("pattern");
    if (pattern && pattern_type && *pattern_type == "stix") {
      if (auto problem = CheckPatternShape(*pattern)) Error("pattern", *problem);
    }
  } else if (type == "malware") {
    bool is_family = false;
    if (object_["is_family"].get(is_family) == simdjson::SUCCESS && is_family && !Has("name")) {
      Error("name", "a malware family (is_family: true) must have a \"name\"");
    }
    CheckOrder("first_seen", "last_seen", false);
  } else if (type == "observed-data") {
    CheckOrder("first_observed", "last_observed", false);
    int64_t n = 0;
    if (object_["number_observed"].get(n) == simdjson::SUCCESS && (n < 1 || n > kMaxCount)) {
      Error("number_observed", "number_observed must be between 1 and 999,999,999");
    }
    bool refs = Has("object_refs");
    bool objects = Has("objects");
    if (refs == objects) {
      Error("object_refs", "observed-data needs exactly one of \"object_refs\" and \"objects\"");
    } else if (objects) {
      Warn("objects", "\"objects\" is deprecated in STIX 2.1; use \"object_refs\"");
    }
  } else if (type == "opinion") {
    auto opinion = String("opinion");
    static constexpr std::string_view kOpinions[] = {"strongly-disagree", "disagree", "neutral",
                                                     "agree", "strongly-agree"};
    if (opinion &&
        std::find(std::begin(kOpinions), std::end(kOpinions), *opinion) == std::end(kOpinions)) {
      Error("opinion", "opinion \"" + Shorten(*opinion) + "\" is not in the opinion-enum");
    }
  } else if (type == "location") {
    bool lat = Has("latitude");
    bool lon = Has("longitude");
    if (!Has("region") && !Has("country") && !(lat && lon)) {
      Error("", "a location needs \"region\", \"country\" or both \"latitude\" and \"longitude\"");
    }
    if (lat != lon) Error("latitude", "latitude and longitude must be given together");
    if (Has("precision") && !(lat && lon)) {
      Error("precision", "precision requires latitude and longitude");
    }
    double v = 0;
    if (object_["latitude"].get(v) == simdjson::SUCCESS && (v < -90 || v > 90)) {
      Error("latitude", "latitude must be between -90 and 90");
    }
    if (object_["longitude"].get(v) == simdjson::SUCCESS && (v < -180 || v > 180)) {
      Error("longitude", "longitude must be between -180 and 180");
    }
  } else if (type == "sighting") {
    int64_t count = 0;
    if (object_["count"].get(count) == simdjson::SUCCESS && count > kMaxCount) {
      Error("count", "count must be at most 999,999,999");
    }
    CheckOrder("first_seen", "last_seen", false);
  } else if (type == "relationship") {
    CheckOrder("start_time", "stop_time", /*strictly=*/true);
  } else if (type == "campaign" || type == "intrusion-set" || type == "threat-actor" ||
             type == "infrastructure") {
    CheckOrder("first_seen", "last_seen", false);
  } else if (type == "malware-analysis") {
    if (!Has("result") && !Has("analysis_sco_refs")) {
      Error("result", "malware-analysis needs \"result\" or \"analysis_sco_refs\"");
    }
  } else if (type == "artifact") {
    bool payload = Has("payload_bin");
    bool url = Has("url");
    if (payload && url) Error("url", "artifact must not have both \"payload_bin\" and \"url\"");
    if (!payload && !url) Error("payload_bin", "artifact needs \"payload_bin\" or \"url\"");
    if (url && !Has("hashes")) Error("hashes", "artifact with \"url\" must have \"hashes\"");
  } else if (type == "file") {
    if (!Has("hashes") && !Has("name")) Error("", "file needs \"hashes\" or \"name\"");
  } else if (type == "network-traffic") {
    if (!Has("src_ref") && !Has("dst_ref")) {
      Error("", "network-traffic needs \"src_ref\" or \"dst_ref\"");
    }
    CheckOrder("start", "end", false);
  } else if (type == "process" || type == "user-account" || type == "windows-registry-key" ||
             type == "x509-certificate") {
    // These SCOs have no required property but must not be empty (section 6).
    bool any = false;
    for (const PropertyRule& r : rule_->properties) any = any || Has(r.name);
    if (!any && !Has("extensions")) {
      Error("", std::string(type) + " must have at least one of its own properties");
    }
  } else if (type == "marking-definition") {
    CheckMarkingDefinition();
  } else if (type == "extension-definition") {
    dom::array types;
    if (object_["extension_types"].get(types) == simdjson::SUCCESS) {
      static constexpr std::string_view kTypes[] = {
          "new-sdo", "new-sco", "new-sro", "property-extension", "toplevel-property-extension"};
      for (dom::element t : types) {
        std::string_view s;
        if (t.get(s) == simdjson::SUCCESS &&
            std::find(std::begin(kTypes), std::end(kTypes), s) == std::end(kTypes)) {
          Error("extension_types", "\"" + Shorten(s) + "\" is not an extension type");
        }
      }
    }
  } else if (type == "language-content") {
    dom::object contents;
    if (object_["contents"].get(contents) == simdjson::SUCCESS) {
      for (auto [lang, translations] : contents) {
        if (!translations.is_object()) {
          Error("contents", "contents for language \"" + Shorten(lang) + "\" must be an object");
        }
      }
    }
  }

  if (out_.category == ObjectCategory::kCyberObservable && !out_.id.empty()) {
    // Section 2.9: SCO ids SHOULD be UUIDv5 over the ID contributing properties.
    auto expected_id = ComputeScoIdFromObject(type, object_);
    if (!expected_id) {
      Error("", expected_id.error().message);
    } else if (*expected_id && **expected_id != out_.id) {
      Warn("id", "SCO id is not the deterministic UUIDv5 id " + **expected_id);
    }
  }
}

void ObjectValidator::CheckMarkingDefinition() {
  auto definition_type = String("definition_type");
  dom::object definition;
  bool has_definition = object_["definition"].get(definition) == simdjson::SUCCESS;
  const bool has_extensions = Has("extensions");
  if (!definition_type && !has_extensions) {
    Error("definition_type",
          "marking-definition needs \"definition_type\" and \"definition\", or \"extensions\"");
    return;
  }
  if (definition_type && !has_definition) {
    Error("definition", "\"definition_type\" requires a \"definition\" object");
  }
  // A predefined TLP id must carry exactly the predefined content: an object that reuses the id of
  // TLP:CLEAR while defining something stricter (or looser) would subvert every sharing decision.
  std::optional<Tlp> by_id = TlpFromMarkingId(out_.id);
  std::optional<Tlp> by_content;
  if (definition_type && *definition_type == "tlp" && has_definition) {
    std::string_view level;
    if (definition["tlp"].get(level) != simdjson::SUCCESS) {
      Error("definition", "a TLP marking needs definition.tlp");
    } else {
      by_content = ParseTlpName(level);
      if (!by_content || level == "clear" || level == "amber+strict") {
        Error("definition", "\"" + Shorten(level) + "\" is not a TLP 1.0 level");
      }
    }
  }
  dom::object tlp2;
  if (object_["extensions"][kTlp2ExtensionId].get(tlp2) == simdjson::SUCCESS) {
    std::string_view level;
    if (tlp2["tlp_2_0"].get(level) == simdjson::SUCCESS) by_content = ParseTlpName(level);
    if (!by_content) Error("extensions", "TLP 2.0 marking without a valid \"tlp_2_0\" level");
  }
  if (by_id &&
      (!by_content || *by_content != *by_id || (definition_type && *definition_type != "tlp"))) {
    Error("id", "marking-definition uses the predefined id of TLP:" + std::string(TlpName(*by_id)) +
                    " but does not define that TLP level");
  }
  if (!by_id && by_content) {
    Error("id", "TLP markings must use the predefined marking-definition ids (section 7.2.1.4)");
  }
  if (by_id) out_.tlp = by_id;
}

void ObjectValidator::CollectMarkings() {
  dom::array refs;
  if (object_["object_marking_refs"].get(refs) != simdjson::SUCCESS) return;
  for (dom::element r : refs) {
    std::string_view id;
    if (r.get(id) != simdjson::SUCCESS) continue;
    if (auto tlp = TlpFromMarkingId(id)) {
      out_.tlp = out_.tlp ? std::max(*out_.tlp, *tlp) : *tlp;
    }
  }
}

void ObjectValidator::CollectObservables() {
  auto add = [&](ObservableKind kind, std::string_view value) {
    auto normalized = NormalizeObservable(kind, value);
    if (!normalized) {
      Warn("", "observable not indexed: " + normalized.error().message);
      return;
    }
    Observable o{kind, std::move(*normalized)};
    if (std::find(out_.observables.begin(), out_.observables.end(), o) == out_.observables.end()) {
      out_.observables.push_back(std::move(o));
    }
  };
  const std::string_view type = out_.type;
  if (type == "indicator") {
    auto pattern_type = String("pattern_type");
    auto pattern = String("pattern");
    if (pattern && pattern_type && *pattern_type == "stix") {
      out_.observables = ExtractPatternObservables(*pattern);
    }
    return;
  }
  if (out_.category != ObjectCategory::kCyberObservable) return;
  if (auto kind = KindForObjectPath(type, "value")) {
    if (auto v = String("value")) add(*kind, *v);
  }
  if (type == "autonomous-system") {
    uint64_t number = 0;
    if (object_["number"].get(number) == simdjson::SUCCESS) {
      add(ObservableKind::kAsn, std::to_string(number));
    }
  }
  for (std::string_view prop : {"name", "key"}) {
    if (auto kind = KindForObjectPath(type, prop)) {
      if (auto v = String(prop)) add(*kind, *v);
    }
  }
  dom::object hashes;
  if (object_["hashes"].get(hashes) == simdjson::SUCCESS) {
    for (auto [algorithm, hash] : hashes) {
      std::string_view text;
      auto kind = KindForHashAlgorithm(algorithm);
      if (kind && hash.get(text) == simdjson::SUCCESS) add(*kind, text);
    }
  }
}

}  // namespace

std::optional<StixObject> ValidateObject(dom::element element, std::string_view path,
                                         size_t max_depth, std::string_view bundle_spec_version,
                                         std::vector<Diagnostic>& diagnostics) {
  dom::object object;
  if (element.get(object) != simdjson::SUCCESS) {
    diagnostics.push_back(
        {Severity::kError, std::string(path), "a STIX object must be a JSON object"});
    return std::nullopt;
  }
  ObjectValidator validator(object, path, bundle_spec_version, diagnostics);
  return validator.Run(element, max_depth);
}

}  // namespace detail

Result<StixObject> ParseStixObject(std::string_view json, std::vector<Diagnostic>* diagnostics) {
  // Importers call this once per mapped object: the thread's parser and a reused padded copy
  // avoid allocating (and first touching) parser buffers for every object, which cost more than
  // parsing a small object. The document is only used inside this call.
  detail::ParserLease lease;
  thread_local std::string padded;
  padded.assign(json);
  padded.append(simdjson::SIMDJSON_PADDING, '\0');
  struct ShrinkLater {  // one huge object must not pin its copy for the thread's lifetime
    ~ShrinkLater() {
      if (padded.capacity() > (size_t{1} << 20)) std::string().swap(padded);
    }
  } shrink_later;
  dom::element root;
  if (auto err = lease.get().parse(padded.data(), json.size(), false).get(root);
      err != simdjson::SUCCESS) {
    return Fail(ErrorCode::kParse, std::string("not valid JSON: ") + simdjson::error_message(err));
  }
  std::vector<Diagnostic> local;
  std::vector<Diagnostic>& out = diagnostics != nullptr ? *diagnostics : local;
  const size_t first = out.size();
  auto object = detail::ValidateObject(root, "$", CanonicalizeOptions{}.max_depth, "", out);
  if (object) return std::move(*object);
  for (size_t i = first; i < out.size(); ++i) {
    if (out[i].severity == Severity::kError) {
      return Fail(ErrorCode::kInvalidStix, out[i].path + ": " + out[i].message);
    }
  }
  return Fail(ErrorCode::kInternal, "object rejected without a diagnostic");
}

}  // namespace socmesh::model
