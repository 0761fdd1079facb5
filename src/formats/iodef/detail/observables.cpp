#include "formats/iodef/detail/observables.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

#include "formats/iodef/detail/values.hpp"
#include "formats/iodef/detail/xml.hpp"
#include "model/canonical_json.hpp"
#include "model/observable.hpp"
#include "model/sco_id.hpp"

namespace socmesh::formats::iodef::detail {
namespace {

using model::ObservableKind;

// One value as an SCO property and as a pattern comparison: `sco_type`:`path` = `value`.
struct Atom {
  std::string sco_type;
  std::string path;
  std::string value;
  bool numeric = false;
  bool has_sco = true;  // false for values only patterns can hold (User-Agent, e-mail subject)

  std::string Comparison() const {
    return sco_type + ":" + path + " = " + (numeric ? value : PatternString(value));
  }
};

std::string Lower(std::string_view s) {
  std::string out;
  for (char c : s) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

std::optional<int64_t> ParseInt(std::string_view s) {
  if (s.starts_with("AS") || s.starts_with("as")) s.remove_prefix(2);
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

std::optional<Atom> Normalized(ObservableKind kind, std::string_view raw, std::string* why) {
  auto normal = model::NormalizeObservable(kind, raw);
  if (!normal) {
    *why = normal.error().message;
    return std::nullopt;
  }
  switch (kind) {
    case ObservableKind::kIpv4:
      return Atom{"ipv4-addr", "value", *normal};
    case ObservableKind::kIpv6:
      return Atom{"ipv6-addr", "value", *normal};
    case ObservableKind::kDomain:
      return Atom{"domain-name", "value", *normal};
    case ObservableKind::kUrl:
      return Atom{"url", "value", *normal};
    case ObservableKind::kEmail:
      return Atom{"email-addr", "value", *normal};
    case ObservableKind::kMac:
      return Atom{"mac-addr", "value", *normal};
    case ObservableKind::kAsn:
      return Atom{"autonomous-system", "number", *normal, true};
    default:
      *why = "unsupported kind";
      return std::nullopt;
  }
}

std::optional<Atom> IpAtom(std::string_view raw, std::string* why) {
  return Normalized(
      raw.find(':') != std::string_view::npos ? ObservableKind::kIpv6 : ObservableKind::kIpv4, raw,
      why);
}

std::optional<Atom> HashAtom(std::string_view raw, std::string* why) {
  std::string hex = Lower(raw);
  const char* name = hex.size() == 32    ? "MD5"
                     : hex.size() == 40  ? "SHA-1"
                     : hex.size() == 64  ? "SHA-256"
                     : hex.size() == 128 ? "SHA-512"
                                         : nullptr;
  if (name == nullptr || !std::all_of(hex.begin(), hex.end(), [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c));
      })) {
    *why = "\"" + std::string(raw.substr(0, 80)) + "\" is not an MD5/SHA-1/SHA-256/SHA-512 digest";
    return std::nullopt;
  }
  return Atom{"file", "hashes.'" + std::string(name) + "'", hex};
}

// RFC 7970 section 3.18.1 Address categories (and BulkObservable types, section 3.29.1, which
// share most names). `ext` is the ext-category / ext-type for "ext-value".
std::optional<Atom> AtomFor(std::string category, std::string_view ext, std::string_view raw,
                            std::string* why) {
  if (category == "ext-value") category = Lower(ext);
  if (category.empty() || category == "ipv4-addr" || category == "ipv4-net" ||
      category == "ipv6-addr" || category == "ipv6-net" || category == "as-prefix" ||
      category == "cidr" || category == "ip" || category == "ip-addr") {
    return IpAtom(raw, why);
  }
  if (category == "e-mail" || category == "email") {
    return Normalized(ObservableKind::kEmail, raw, why);
  }
  if (category == "mac") return Normalized(ObservableKind::kMac, raw, why);
  if (category == "site-uri" || category == "url" || category == "uri") {
    return Normalized(ObservableKind::kUrl, raw, why);
  }
  if (category == "asn") return Normalized(ObservableKind::kAsn, raw, why);
  if (category == "domain-name" || category == "fqdn" || category == "domain" ||
      category == "hostname") {
    return Normalized(ObservableKind::kDomain, raw, why);
  }
  if (category == "file-hash") return HashAtom(raw, why);
  if (category == "http-user-agent") {
    std::string ua(raw);
    if (Lower(ua).starts_with("user-agent=")) ua.erase(0, 11);
    while (!ua.empty() && (ua.back() == '"' || ua.back() == '>' || ua.back() == ' ')) ua.pop_back();
    while (!ua.empty() && (ua.front() == '"' || ua.front() == ' ')) ua.erase(0, 1);
    return Atom{"network-traffic", "extensions.'http-request-ext'.request_header.'User-Agent'", ua,
                false, false};
  }
  if (category == "http-request-uri") {
    return Atom{"network-traffic", "extensions.'http-request-ext'.request_value", std::string(raw),
                false, false};
  }
  if (category == "mutex") return Atom{"mutex", "name", std::string(raw)};
  if (category == "windows-reg-key") return Atom{"windows-registry-key", "key", std::string(raw)};
  if (category == "email-subject") {
    return Atom{"email-message", "subject", std::string(raw), false, false};
  }
  if (category == "email-x-mailer") {
    return Atom{"email-message", "additional_header_fields.'X-Mailer'", std::string(raw), false,
                false};
  }
  if (category == "user-name") return Atom{"user-account", "account_login", std::string(raw)};
  if (category == "file-path") {
    std::string path(raw);
    auto slash = path.find_last_of("/\\");
    return Atom{"file", "name", slash == std::string::npos ? path : path.substr(slash + 1)};
  }
  *why = "category \"" + category + "\" has no STIX equivalent";
  return std::nullopt;
}

ScoValue ScoOf(const Atom& atom) {
  ObjectBuilder b(atom.sco_type);
  if (atom.numeric) {
    b.Raw(atom.path, atom.value);
  } else if (atom.sco_type == "file" && atom.path.starts_with("hashes.")) {
    std::string algorithm = atom.path.substr(8, atom.path.size() - 9);
    model::JsonWriter w;
    w.BeginObject().Key(algorithm).String(atom.value).EndObject();
    b.Raw("hashes", w.Take());
  } else {
    b.String(atom.path, atom.value);
  }
  return {atom.sco_type, std::move(b)};
}

std::optional<Atom> AddressAtom(const xmlNode* address, std::vector<std::string>& warnings) {
  std::string category = Attr(address, "category");
  std::string ext = Attr(address, "ext-category");
  std::string value = Unwrapped(address);
  std::string why;
  auto atom = AtomFor(category, ext, value, &why);
  if (!atom) {
    warnings.push_back("line " + std::to_string(NodeLine(address)) + ": Address \"" +
                       value.substr(0, 80) + "\" (category " +
                       (category.empty() ? "ipv6-addr" : category) + "): " + why + "; left out");
  }
  return atom;
}

std::string ScoId(const ScoValue& sco) {
  auto id = model::ComputeScoId(sco.body.Render());
  return id && *id ? **id : "";
}

struct FileHashes {
  std::vector<std::pair<std::string, std::string>> hashes;  // (STIX name, hex)
};

FileHashes HashesOf(const xmlNode* hash_data, std::vector<std::string>& warnings) {
  FileHashes out;
  for (const xmlNode* hash : Children(hash_data, "Hash")) {
    const xmlNode* method = ChildNs(hash, kDsigNs, "DigestMethod");
    const xmlNode* value = ChildNs(hash, kDsigNs, "DigestValue");
    std::string uri = Attr(method, "Algorithm");
    auto name = HashNameForDigestUri(uri);
    if (!name) {
      warnings.push_back("line " + std::to_string(NodeLine(hash)) + ": digest algorithm \"" + uri +
                         "\" unknown; hash left out");
      continue;
    }
    auto hex = DigestToHex(Unwrapped(value), *name);
    if (!hex) {
      warnings.push_back("line " + std::to_string(NodeLine(hash)) + ": DigestValue is not a " +
                         *name + " digest (hex or base64); hash left out");
      continue;
    }
    out.hashes.emplace_back(*name, *hex);
  }
  return out;
}

std::optional<ScoValue> FileSco(const xmlNode* file, std::vector<std::string>& warnings) {
  ObjectBuilder b("file");
  std::string name = Text(Child(file, "FileName"));
  if (!name.empty()) b.String("name", name);
  if (const xmlNode* size = Child(file, "FileSize")) {
    if (auto n = ParseInt(Text(size))) b.Int("size", *n);
  }
  FileHashes h = HashesOf(Child(file, "HashData"), warnings);
  if (!h.hashes.empty()) {
    model::JsonWriter w;
    w.BeginObject();
    std::vector<std::string> seen;
    for (const auto& [alg, hex] : h.hashes) {
      if (std::find(seen.begin(), seen.end(), alg) != seen.end()) continue;
      seen.push_back(alg);
      w.Key(alg).String(hex);
    }
    w.EndObject();
    b.Raw("hashes", w.Take());
  }
  if (name.empty() && h.hashes.empty()) return std::nullopt;
  return ScoValue{"file", std::move(b)};
}

std::string KeyValueText(const xmlNode* key) {
  // KeyValue in the errata schema, Value as published.
  const xmlNode* v = Child(key, "KeyValue");
  if (v == nullptr) v = Child(key, "Value");
  return v == nullptr ? "" : Unwrapped(v);
}

ScoValue RegistrySco(const xmlNode* key) {
  ObjectBuilder b("windows-registry-key");
  b.String("key", Unwrapped(Child(key, "KeyName")));
  if (std::string value = KeyValueText(key); !value.empty()) {
    model::JsonWriter w;
    w.BeginArray().BeginObject().Key("data").String(value).EndObject().EndArray();
    b.Raw("values", w.Take());
  }
  if (std::string action = Attr(key, "registryaction"); !action.empty()) {
    b.String("x_iodef_registryaction", action);
  }
  return {"windows-registry-key", std::move(b)};
}

std::optional<ScoValue> CertificateSco(const xmlNode* certificate) {
  const xmlNode* x509 = ChildNs(certificate, kDsigNs, "X509Data");
  const xmlNode* issuer_serial = ChildNs(x509, kDsigNs, "X509IssuerSerial");
  ObjectBuilder b("x509-certificate");
  bool any = false;
  if (std::string issuer = Text(ChildNs(issuer_serial, kDsigNs, "X509IssuerName"));
      !issuer.empty()) {
    b.String("issuer", issuer);
    any = true;
  }
  if (std::string serial = Text(ChildNs(issuer_serial, kDsigNs, "X509SerialNumber"));
      !serial.empty()) {
    b.String("serial_number", serial);
    any = true;
  }
  if (std::string subject = Text(ChildNs(x509, kDsigNs, "X509SubjectName")); !subject.empty()) {
    b.String("subject", subject);
    any = true;
  }
  if (!any) return std::nullopt;
  return ScoValue{"x509-certificate", std::move(b)};
}

void EmailScos(const xmlNode* email, std::vector<ScoValue>& out,
               std::vector<std::string>& warnings) {
  ObjectBuilder message("email-message");
  message.Bool("is_multipart", false);
  bool any = false;
  std::string why;
  if (const xmlNode* from = Child(email, "EmailFrom")) {
    if (auto atom = AtomFor("e-mail", "", Text(from), &why)) {
      ScoValue sco = ScoOf(*atom);
      message.String("from_ref", ScoId(sco));
      out.push_back(std::move(sco));
      any = true;
    } else {
      warnings.push_back("line " + std::to_string(NodeLine(from)) + ": EmailFrom: " + why);
    }
  }
  std::vector<std::string> to_ids;
  for (const xmlNode* to : Children(email, "EmailTo")) {
    if (auto atom = AtomFor("e-mail", "", Text(to), &why)) {
      ScoValue sco = ScoOf(*atom);
      to_ids.push_back(ScoId(sco));
      out.push_back(std::move(sco));
    } else {
      warnings.push_back("line " + std::to_string(NodeLine(to)) + ": EmailTo: " + why);
    }
  }
  if (!to_ids.empty()) {
    message.StringList("to_refs", to_ids);
    any = true;
  }
  if (std::string subject = Text(Child(email, "EmailSubject")); !subject.empty()) {
    message.String("subject", subject);
    any = true;
  }
  if (std::string mailer = Text(Child(email, "EmailX-Mailer")); !mailer.empty()) {
    model::JsonWriter w;
    w.BeginObject().Key("X-Mailer").String(mailer).EndObject();
    message.Raw("additional_header_fields", w.Take());
    any = true;
  }
  if (any) out.push_back({"email-message", std::move(message)});
}

// --- patterns -------------------------------------------------------------------------------

std::optional<std::string> Combine(const std::vector<std::string>& parts, const char* op) {
  if (parts.empty()) return std::nullopt;
  if (parts.size() == 1) return parts.front();
  std::string out = "(";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += std::string(" ") + op + " ";
    out += parts[i];
  }
  return out + ")";
}

std::string Bracket(const std::vector<std::string>& comparisons, const char* op) {
  std::string out = "[";
  for (size_t i = 0; i < comparisons.size(); ++i) {
    if (i > 0) out += std::string(" ") + op + " ";
    out += comparisons[i];
  }
  return out + "]";
}

class PatternBuilder {
 public:
  PatternBuilder(const ObservableIndex& observables, std::vector<std::string>& warnings)
      : observables_(observables), warnings_(warnings) {}

  std::optional<std::string> Of(const xmlNode* node);
  std::optional<std::string> Expression(const xmlNode* expression);
  std::optional<std::string> Reference(const xmlNode* reference);

 private:
  void Warn(const xmlNode* at, const std::string& message) {
    warnings_.push_back("line " + std::to_string(NodeLine(at)) + ": " + message);
  }
  std::optional<std::string> File(const xmlNode* file);
  std::optional<std::string> Key(const xmlNode* key);
  std::optional<std::string> Email(const xmlNode* email);
  std::optional<std::string> Certificate(const xmlNode* certificate);
  std::optional<std::string> Bulk(const xmlNode* bulk);
  std::optional<std::string> NodeOf(const xmlNode* node);

  const ObservableIndex& observables_;
  std::vector<std::string>& warnings_;
};

std::optional<std::string> PatternBuilder::File(const xmlNode* file) {
  std::vector<std::string> warnings;
  FileHashes h = HashesOf(Child(file, "HashData"), warnings);
  for (const auto& w : warnings) warnings_.push_back(w);
  std::vector<std::string> comparisons;
  // Every digest identifies the same file: any of them matching is a match.
  for (const auto& [alg, hex] : h.hashes) {
    comparisons.push_back("file:hashes.'" + alg + "' = " + PatternString(hex));
  }
  if (comparisons.empty()) {
    std::string name = Text(Child(file, "FileName"));
    if (name.empty()) return std::nullopt;
    comparisons.push_back("file:name = " + PatternString(name));
  }
  return Bracket(comparisons, "OR");
}

std::optional<std::string> PatternBuilder::Key(const xmlNode* key) {
  std::string name = Unwrapped(Child(key, "KeyName"));
  if (name.empty()) return std::nullopt;
  std::vector<std::string> comparisons = {"windows-registry-key:key = " + PatternString(name)};
  if (std::string value = KeyValueText(key); !value.empty()) {
    comparisons.push_back("windows-registry-key:values[*].data = " + PatternString(value));
  }
  return Bracket(comparisons, "AND");
}

std::optional<std::string> PatternBuilder::Email(const xmlNode* email) {
  std::vector<std::string> comparisons;
  std::string why;
  if (auto atom = AtomFor("e-mail", "", Text(Child(email, "EmailFrom")), &why)) {
    comparisons.push_back("email-message:from_ref.value = " + PatternString(atom->value));
  }
  for (const xmlNode* to : Children(email, "EmailTo")) {
    if (auto atom = AtomFor("e-mail", "", Text(to), &why)) {
      comparisons.push_back("email-message:to_refs[*].value = " + PatternString(atom->value));
    }
  }
  if (std::string subject = Text(Child(email, "EmailSubject")); !subject.empty()) {
    comparisons.push_back("email-message:subject = " + PatternString(subject));
  }
  if (std::string mailer = Text(Child(email, "EmailX-Mailer")); !mailer.empty()) {
    comparisons.push_back("email-message:additional_header_fields.'X-Mailer' = " +
                          PatternString(mailer));
  }
  if (comparisons.empty()) return std::nullopt;
  return Bracket(comparisons, "AND");
}

std::optional<std::string> PatternBuilder::Certificate(const xmlNode* certificate) {
  auto sco = CertificateSco(certificate);
  if (!sco) return std::nullopt;
  const xmlNode* x509 = ChildNs(certificate, kDsigNs, "X509Data");
  const xmlNode* issuer_serial = ChildNs(x509, kDsigNs, "X509IssuerSerial");
  std::vector<std::string> comparisons;
  if (std::string v = Text(ChildNs(issuer_serial, kDsigNs, "X509SerialNumber")); !v.empty()) {
    comparisons.push_back("x509-certificate:serial_number = " + PatternString(v));
  }
  if (std::string v = Text(ChildNs(issuer_serial, kDsigNs, "X509IssuerName")); !v.empty()) {
    comparisons.push_back("x509-certificate:issuer = " + PatternString(v));
  }
  if (std::string v = Text(ChildNs(x509, kDsigNs, "X509SubjectName")); !v.empty()) {
    comparisons.push_back("x509-certificate:subject = " + PatternString(v));
  }
  return Bracket(comparisons, "AND");
}

std::optional<std::string> PatternBuilder::Bulk(const xmlNode* bulk) {
  std::string type = Attr(bulk, "type");
  std::string ext = Attr(bulk, "ext-type");
  const xmlNode* list = Child(bulk, "BulkObservableList");
  // Atomic values are separated by any white space; free-text ones (User-Agent, subjects,
  // paths) one per line.
  std::string effective = type == "ext-value" ? Lower(ext) : type;
  bool by_line = effective == "http-user-agent" || effective == "email-subject" ||
                 effective == "email-x-mailer" || effective == "file-path" ||
                 effective == "windows-reg-key" || effective == "mutex" ||
                 effective == "user-name" || effective == "http-request-uri";
  std::string raw;
  if (list != nullptr) {
    xmlChar* content = xmlNodeGetContent(list);
    if (content != nullptr) {
      raw = reinterpret_cast<const char*>(content);
      xmlFree(content);
    }
  }
  std::vector<std::string> items;
  std::string current;
  for (char c : raw + "\n") {
    bool sep = by_line ? (c == '\n' || c == '\r') : std::isspace(static_cast<unsigned char>(c));
    if (!sep) {
      current.push_back(c);
      continue;
    }
    while (!current.empty() && std::isspace(static_cast<unsigned char>(current.back()))) {
      current.pop_back();
    }
    size_t start = current.find_first_not_of(" \t");
    if (start != std::string::npos) items.push_back(current.substr(start));
    current.clear();
  }
  std::vector<std::string> comparisons;
  for (const auto& item : items) {
    std::string why;
    if (auto atom = AtomFor(type, ext, item, &why)) {
      comparisons.push_back(atom->Comparison());
    } else {
      Warn(bulk, "BulkObservable item \"" + item.substr(0, 80) + "\": " + why + "; left out");
    }
  }
  if (comparisons.empty()) return std::nullopt;
  return Bracket(comparisons, "OR");
}

std::optional<std::string> PatternBuilder::NodeOf(const xmlNode* node) {
  std::vector<std::string> parts;
  for (const xmlNode* c = node->children; c != nullptr; c = c->next) {
    if (IsIodef(c, "Address") || IsIodef(c, "DomainData")) {
      if (auto p = Of(c)) parts.push_back(*p);
    }
  }
  return Combine(parts, "OR");
}

std::optional<std::string> PatternBuilder::Of(const xmlNode* node) {
  if (IsIodef(node, "Observable")) {
    for (const xmlNode* c = node->children; c != nullptr; c = c->next) {
      if (IsIodef(c) && !IsIodef(c, "AdditionalData")) return Of(c);
    }
    Warn(node, "empty Observable");
    return std::nullopt;
  }
  if (IsIodef(node, "Address")) {
    auto atom = AddressAtom(node, warnings_);
    if (!atom) return std::nullopt;
    return "[" + atom->Comparison() + "]";
  }
  if (IsIodef(node, "DomainData")) {
    std::string why;
    auto atom = AtomFor("domain-name", "", Text(Child(node, "Name")), &why);
    if (!atom) {
      Warn(node, "DomainData Name: " + why);
      return std::nullopt;
    }
    return "[" + atom->Comparison() + "]";
  }
  if (IsIodef(node, "System")) return NodeOf(Child(node, "Node"));
  if (IsIodef(node, "Node")) return NodeOf(node);
  if (IsIodef(node, "Service")) {
    if (const xmlNode* email = Child(node, "EmailData")) return Email(email);
  } else if (IsIodef(node, "EmailData")) {
    return Email(node);
  } else if (IsIodef(node, "FileData")) {
    std::vector<std::string> parts;
    for (const xmlNode* file : Children(node, "File")) {
      if (auto p = File(file)) parts.push_back(*p);
    }
    return Combine(parts, "OR");
  } else if (IsIodef(node, "File")) {
    return File(node);
  } else if (IsIodef(node, "WindowsRegistryKeysModified")) {
    // The observable is the set of modifications: all of them.
    std::vector<std::string> parts;
    for (const xmlNode* key : Children(node, "Key")) {
      auto p = Key(key);
      if (!p) return std::nullopt;
      parts.push_back(*p);
    }
    return Combine(parts, "AND");
  } else if (IsIodef(node, "Key")) {
    return Key(node);
  } else if (IsIodef(node, "CertificateData")) {
    std::vector<std::string> parts;
    for (const xmlNode* c : Children(node, "Certificate")) {
      if (auto p = Certificate(c)) parts.push_back(*p);
    }
    return Combine(parts, "OR");
  } else if (IsIodef(node, "Certificate")) {
    return Certificate(node);
  } else if (IsIodef(node, "BulkObservable")) {
    return Bulk(node);
  } else if (IsIodef(node, "RecordData")) {
    std::vector<std::string> parts;
    for (const xmlNode* c = node->children; c != nullptr; c = c->next) {
      if (IsIodef(c, "FileData") || IsIodef(c, "WindowsRegistryKeysModified") ||
          IsIodef(c, "CertificateData")) {
        if (auto p = Of(c)) parts.push_back(*p);
      }
    }
    return Combine(parts, "OR");
  }
  Warn(node, std::string("observable ") + reinterpret_cast<const char*>(node->name) +
                 " has no STIX pattern equivalent");
  return std::nullopt;
}

std::optional<std::string> PatternBuilder::Reference(const xmlNode* reference) {
  std::string uid = Attr(reference, "uid-ref");
  auto it = observables_.find(uid);
  if (it == observables_.end()) {
    Warn(reference, "ObservableReference uid-ref \"" + uid + "\" names no observable-id");
    return std::nullopt;
  }
  return Of(it->second);
}

std::optional<std::string> PatternBuilder::Expression(const xmlNode* expression) {
  std::string op = Attr(expression, "operator");
  if (op.empty()) op = "and";
  if (op != "and" && op != "or") {
    Warn(expression,
         "IndicatorExpression operator \"" + op + "\" cannot be written as a STIX pattern");
    return std::nullopt;
  }
  std::vector<std::string> parts;
  for (const xmlNode* c = expression->children; c != nullptr; c = c->next) {
    std::optional<std::string> part;
    bool counts = true;
    if (IsIodef(c, "IndicatorExpression")) {
      part = Expression(c);
    } else if (IsIodef(c, "Observable")) {
      part = Of(c);
    } else if (IsIodef(c, "ObservableReference")) {
      part = Reference(c);
    } else if (IsIodef(c, "IndicatorReference")) {
      Warn(c, "IndicatorReference is not resolved into patterns");
    } else {
      counts = false;  // Confidence, AdditionalData
    }
    if (!counts) continue;
    if (part) {
      parts.push_back(*part);
    } else if (op == "and") {
      return std::nullopt;
    }
  }
  return Combine(parts, op == "and" ? "AND" : "OR");
}

}  // namespace

std::string PatternString(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "'";
}

SystemScos ScosOfSystem(const xmlNode* system, std::vector<std::string>& warnings) {
  SystemScos out;
  const xmlNode* node = Child(system, "Node");
  std::optional<int64_t> asn;
  std::string as_name;
  for (const xmlNode* c = node != nullptr ? node->children : nullptr; c != nullptr; c = c->next) {
    if (IsIodef(c, "Address")) {
      if (Attr(c, "category") == "ext-value" && Lower(Attr(c, "ext-category")) == "as-name") {
        if (as_name.empty()) as_name = Text(c);
        continue;
      }
      if (Attr(c, "category") == "asn") {
        if (!asn) asn = ParseInt(Text(c));
        if (asn) continue;
      }
      auto atom = AddressAtom(c, warnings);
      if (!atom) continue;
      if (!out.first_ip_index && (atom->sco_type == "ipv4-addr" || atom->sco_type == "ipv6-addr")) {
        out.first_ip_index = out.addresses.size();
      }
      out.addresses.push_back(ScoOf(*atom));
    } else if (IsIodef(c, "DomainData")) {
      std::string why;
      if (auto atom = AtomFor("domain-name", "", Text(Child(c, "Name")), &why)) {
        out.addresses.push_back(ScoOf(*atom));
      } else {
        warnings.push_back("line " + std::to_string(NodeLine(c)) + ": DomainData Name: " + why);
      }
    }
  }
  if (asn) {
    ObjectBuilder b("autonomous-system");
    b.Int("number", *asn);
    if (!as_name.empty()) b.String("name", as_name);
    out.others.push_back({"autonomous-system", std::move(b)});
  } else if (!as_name.empty()) {
    warnings.push_back("AS name \"" + as_name + "\" without an AS number: left out");
  }
  for (const xmlNode* service : Children(system, "Service")) {
    if (const xmlNode* email = Child(service, "EmailData")) EmailScos(email, out.others, warnings);
    ServiceTraffic traffic;
    if (const xmlNode* port = Child(service, "Port")) traffic.port = ParseInt(Text(port));
    std::string proto = Attr(service, "ip-protocol");
    std::string ip_version = "ipv4";
    if (out.first_ip_index && out.addresses[*out.first_ip_index].type == "ipv6-addr") {
      ip_version = "ipv6";
    }
    traffic.protocols.push_back(ip_version);
    if (proto == "6") traffic.protocols.push_back("tcp");
    if (proto == "17") traffic.protocols.push_back("udp");
    if (proto == "1") traffic.protocols.push_back("icmp");
    if (proto == "132") traffic.protocols.push_back("sctp");
    if (traffic.port || !proto.empty()) out.services.push_back(std::move(traffic));
  }
  return out;
}

std::vector<ScoValue> ScosOfRecordData(const xmlNode* data, std::vector<std::string>& warnings) {
  std::vector<ScoValue> out;
  for (const xmlNode* c = data->children; c != nullptr; c = c->next) {
    if (IsIodef(c, "FileData")) {
      for (const xmlNode* file : Children(c, "File")) {
        if (auto sco = FileSco(file, warnings)) out.push_back(std::move(*sco));
      }
    } else if (IsIodef(c, "WindowsRegistryKeysModified")) {
      for (const xmlNode* key : Children(c, "Key")) {
        if (!Unwrapped(Child(key, "KeyName")).empty()) out.push_back(RegistrySco(key));
      }
    } else if (IsIodef(c, "CertificateData")) {
      for (const xmlNode* certificate : Children(c, "Certificate")) {
        if (auto sco = CertificateSco(certificate)) out.push_back(std::move(*sco));
      }
    } else if (IsIodef(c, "URL")) {
      std::string why;
      if (auto atom = AtomFor("site-uri", "", Unwrapped(c), &why)) {
        out.push_back(ScoOf(*atom));
      } else {
        warnings.push_back("line " + std::to_string(NodeLine(c)) + ": URL: " + why);
      }
    }
  }
  return out;
}

std::optional<std::string> IndicatorPattern(const xmlNode* indicator,
                                            const ObservableIndex& observables,
                                            std::vector<std::string>& warnings) {
  PatternBuilder builder(observables, warnings);
  for (const xmlNode* c = indicator->children; c != nullptr; c = c->next) {
    if (IsIodef(c, "Observable")) return builder.Of(c);
    if (IsIodef(c, "ObservableReference")) return builder.Reference(c);
    if (IsIodef(c, "IndicatorExpression")) return builder.Expression(c);
    if (IsIodef(c, "IndicatorReference")) {
      warnings.push_back("line " + std::to_string(NodeLine(c)) +
                         ": IndicatorReference is not resolved into patterns");
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace socmesh::formats::iodef::detail
