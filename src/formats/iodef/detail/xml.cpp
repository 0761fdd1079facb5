#include "formats/iodef/detail/xml.hpp"

#include <libxml/SAX2.h>
#include <libxml/catalog.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include <climits>
#include <cstring>
#include <map>
#include <mutex>
#include <utility>

namespace socmesh::formats::iodef::detail {
namespace {

namespace fs = std::filesystem;

void IgnoreError(void*, xmlErrorPtr) {}

std::string Trimmed(const char* message) {
  std::string s = message != nullptr ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Schema directories whose files the entity loader may open. libxml2's loader is process-wide, so
// ours is installed once and consults this list: everything else (network, /etc/passwd named by a
// hostile document) is refused.
std::mutex g_mutex;
std::vector<fs::path> g_allowed_dirs;
xmlExternalEntityLoader g_default_loader = nullptr;

bool IsAllowedPath(const fs::path& path) {
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(path, ec);
  if (ec) return false;
  std::lock_guard lock(g_mutex);
  for (const auto& dir : g_allowed_dirs) {
    auto rel = canonical.lexically_relative(dir);
    if (!rel.empty() && *rel.begin() != "..") return true;
  }
  return false;
}

xmlParserInputPtr SchemaOnlyLoader(const char* url, const char* id, xmlParserCtxtPtr ctxt) {
  if (url == nullptr) return nullptr;
  std::string target = url;
  if (xmlChar* resolved = xmlCatalogResolveURI(reinterpret_cast<const xmlChar*>(url))) {
    target = reinterpret_cast<const char*>(resolved);
    xmlFree(resolved);
  }
  if (target.starts_with("file://")) target.erase(0, 7);
  if (target.find("://") != std::string::npos || !IsAllowedPath(target)) return nullptr;
  return g_default_loader(target.c_str(), id, ctxt);
}

void InitOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    xmlInitParser();
    g_default_loader = xmlGetExternalEntityLoader();
    xmlSetExternalEntityLoader(SchemaOnlyLoader);
  });
  // libxml2 keeps the generic error handlers per thread: silence them for this one.
  xmlSetStructuredErrorFunc(nullptr, IgnoreError);
}

struct ParseState {
  ParseLimits limits;
  size_t depth = 0;
  size_t text_run = 0;
  bool doctype = false;
  bool too_deep = false;
  bool too_long = false;
  int stop_line = 0;
  std::string first_error;
  int first_error_line = 0;
  startElementNsSAX2Func start = nullptr;
  endElementNsSAX2Func end = nullptr;
  charactersSAXFunc characters = nullptr;
  cdataBlockSAXFunc cdata = nullptr;
};

ParseState* State(void* ctx) {
  return static_cast<ParseState*>(static_cast<xmlParserCtxtPtr>(ctx)->_private);
}

void Stop(void* ctx, ParseState* st) {
  st->stop_line = xmlSAX2GetLineNumber(ctx);
  xmlStopParser(static_cast<xmlParserCtxtPtr>(ctx));
}

void OnStart(void* ctx, const xmlChar* localname, const xmlChar* prefix, const xmlChar* uri,
             int nb_namespaces, const xmlChar** namespaces, int nb_attributes, int nb_defaulted,
             const xmlChar** attributes) {
  ParseState* st = State(ctx);
  st->text_run = 0;
  if (++st->depth > st->limits.max_depth) {
    st->too_deep = true;
    return Stop(ctx, st);
  }
  // SAX2 attributes come as (localname, prefix, URI, value, end) quintuples.
  for (int i = 0; i < nb_attributes; ++i) {
    if (static_cast<size_t>(attributes[i * 5 + 4] - attributes[i * 5 + 3]) >
        st->limits.max_text_bytes) {
      st->too_long = true;
      return Stop(ctx, st);
    }
  }
  st->start(ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes, nb_defaulted,
            attributes);
}

void OnEnd(void* ctx, const xmlChar* localname, const xmlChar* prefix, const xmlChar* uri) {
  ParseState* st = State(ctx);
  st->text_run = 0;
  if (st->depth > 0) --st->depth;
  st->end(ctx, localname, prefix, uri);
}

bool CountText(void* ctx, int len) {
  ParseState* st = State(ctx);
  st->text_run += static_cast<size_t>(len);
  if (st->text_run <= st->limits.max_text_bytes) return true;
  st->too_long = true;
  Stop(ctx, st);
  return false;
}

void OnCharacters(void* ctx, const xmlChar* ch, int len) {
  if (CountText(ctx, len)) State(ctx)->characters(ctx, ch, len);
}

void OnCdata(void* ctx, const xmlChar* ch, int len) {
  if (CountText(ctx, len)) State(ctx)->cdata(ctx, ch, len);
}

void OnDoctype(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) {
  ParseState* st = State(ctx);
  st->doctype = true;
  Stop(ctx, st);
}

void OnError(void* ctx, xmlErrorPtr error) {
  auto* ctxt = static_cast<xmlParserCtxtPtr>(ctx);
  auto* st = static_cast<ParseState*>(ctxt->_private);
  if (st != nullptr && st->first_error.empty() && error != nullptr) {
    st->first_error = Trimmed(error->message);
    st->first_error_line = error->line;
  }
}

struct ParserCtxtFree {
  void operator()(xmlParserCtxt* c) const { xmlFreeParserCtxt(c); }
};

struct SchemaFree {
  void operator()(xmlSchema* s) const { xmlSchemaFree(s); }
};
struct SchemaParserFree {
  void operator()(xmlSchemaParserCtxt* c) const { xmlSchemaFreeParserCtxt(c); }
};
struct ValidCtxtFree {
  void operator()(xmlSchemaValidCtxt* c) const { xmlSchemaFreeValidCtxt(c); }
};

void CollectSchemaError(void* user, xmlErrorPtr error) {
  auto* out = static_cast<std::vector<RawSchemaError>*>(user);
  if (error == nullptr || out->size() >= 200) return;  // a broken document can yield thousands
  out->push_back({error->line, static_cast<const xmlNode*>(error->node), Trimmed(error->message)});
}

void CollectLoadError(void* user, xmlErrorPtr error) {
  auto* out = static_cast<std::string*>(user);
  if (error != nullptr && out->empty()) out->assign(Trimmed(error->message));
}

const char* SchemaFile(SchemaVariant variant) {
  return variant == SchemaVariant::kAsPublished ? "iodef-2.0.rfc7970-as-published.xsd"
                                                : "iodef-2.0.errata-applied.xsd";
}

// Compiled schemas live for the process: compiling takes milliseconds, validation reuses them
// from any thread (libxml2 treats a compiled xmlSchema as read-only).
Result<xmlSchema*> LoadSchema(SchemaVariant variant, const fs::path& schema_dir) {
  std::error_code ec;
  fs::path dir = fs::weakly_canonical(schema_dir, ec);
  if (ec || !fs::is_directory(dir)) {
    return Fail(ErrorCode::kIo, "IODEF schema directory " + schema_dir.string() + " not found");
  }
  static std::map<std::pair<std::string, int>, std::unique_ptr<xmlSchema, SchemaFree>> cache;
  static std::mutex cache_mutex;
  std::lock_guard lock(cache_mutex);
  auto key = std::make_pair(dir.string(), static_cast<int>(variant));
  if (auto it = cache.find(key); it != cache.end()) return it->second.get();

  bool first_use_of_dir = true;
  {
    std::lock_guard dirs(g_mutex);
    for (const auto& d : g_allowed_dirs) first_use_of_dir = first_use_of_dir && d != dir;
    if (first_use_of_dir) g_allowed_dirs.push_back(dir);
  }
  if (first_use_of_dir) {
    fs::path catalog = dir / "catalog.xml";
    if (xmlLoadCatalog(catalog.c_str()) != 0) {
      return Fail(ErrorCode::kIo, "cannot load XML catalog " + catalog.string());
    }
  }
  fs::path xsd = dir / SchemaFile(variant);
  std::unique_ptr<xmlSchemaParserCtxt, SchemaParserFree> pctxt(xmlSchemaNewParserCtxt(xsd.c_str()));
  if (!pctxt) return Fail(ErrorCode::kIo, "cannot read IODEF schema " + xsd.string());
  std::string load_error;
  xmlSchemaSetParserStructuredErrors(pctxt.get(), CollectLoadError, &load_error);
  std::unique_ptr<xmlSchema, SchemaFree> schema(xmlSchemaParse(pctxt.get()));
  if (!schema) {
    return Fail(ErrorCode::kIo, "cannot compile IODEF schema " + xsd.string() + ": " + load_error);
  }
  xmlSchema* raw = schema.get();
  cache.emplace(key, std::move(schema));
  return raw;
}

}  // namespace

Result<XmlDocPtr> ParseSafely(std::string_view xml, const ParseLimits& limits) {
  InitOnce();
  if (xml.size() > limits.max_bytes || xml.size() > static_cast<size_t>(INT_MAX)) {
    return Fail(ErrorCode::kTooLarge, "IODEF document of " + std::to_string(xml.size()) +
                                          " bytes exceeds the limit of " +
                                          std::to_string(limits.max_bytes));
  }
  if (xml.empty()) return Fail(ErrorCode::kParse, "line 1: empty document, not XML");
  std::unique_ptr<xmlParserCtxt, ParserCtxtFree> ctxt(
      xmlCreateMemoryParserCtxt(xml.data(), static_cast<int>(xml.size())));
  if (!ctxt) return Fail(ErrorCode::kInternal, "libxml2 could not create a parser");
  // NONET: no fetching; no NOENT/DTDLOAD/DTDATTR/XINCLUDE: nothing is substituted or loaded.
  xmlCtxtUseOptions(ctxt.get(), XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOCDATA);
  ParseState st;
  st.limits = limits;
  xmlSAXHandler* sax = ctxt->sax;
  st.start = sax->startElementNs;
  st.end = sax->endElementNs;
  st.characters = sax->characters;
  st.cdata = sax->cdataBlock;
  if (st.start == nullptr || st.end == nullptr || st.characters == nullptr) {
    return Fail(ErrorCode::kInternal, "libxml2 SAX2 handlers missing");
  }
  if (st.cdata == nullptr) st.cdata = st.characters;
  sax->startElementNs = OnStart;
  sax->endElementNs = OnEnd;
  sax->characters = OnCharacters;
  sax->ignorableWhitespace = OnCharacters;
  sax->cdataBlock = OnCdata;
  sax->internalSubset = OnDoctype;
  sax->externalSubset = nullptr;
  sax->serror = OnError;
  ctxt->_private = &st;
  xmlParseDocument(ctxt.get());
  XmlDocPtr doc(ctxt->myDoc);
  ctxt->myDoc = nullptr;
  if (st.doctype) {
    return Fail(ErrorCode::kParse, "line " + std::to_string(st.stop_line) +
                                       ": DOCTYPE is not allowed in IODEF documents (DTDs and "
                                       "entities are refused: no expansion, no external files)");
  }
  if (st.too_deep) {
    return Fail(ErrorCode::kTooLarge, "line " + std::to_string(st.stop_line) +
                                          ": elements nested deeper than " +
                                          std::to_string(limits.max_depth));
  }
  if (st.too_long) {
    return Fail(ErrorCode::kTooLarge, "line " + std::to_string(st.stop_line) +
                                          ": text or attribute value longer than " +
                                          std::to_string(limits.max_text_bytes) + " bytes");
  }
  if (!ctxt->wellFormed || !doc) {
    std::string reason = st.first_error.empty() ? "not well-formed XML" : st.first_error;
    return Fail(ErrorCode::kParse,
                "line " + std::to_string(st.first_error_line) + ": not well-formed XML: " + reason);
  }
  return doc;
}

Result<std::vector<RawSchemaError>> ValidateAgainst(xmlDoc* doc, SchemaVariant variant,
                                                    const fs::path& schema_dir) {
  InitOnce();
  auto schema = LoadSchema(variant, schema_dir);
  if (!schema) return std::unexpected(schema.error());
  std::unique_ptr<xmlSchemaValidCtxt, ValidCtxtFree> vctxt(xmlSchemaNewValidCtxt(*schema));
  if (!vctxt) return Fail(ErrorCode::kInternal, "libxml2 could not create a validation context");
  std::vector<RawSchemaError> errors;
  xmlSchemaSetValidStructuredErrors(vctxt.get(), CollectSchemaError, &errors);
  int rc = xmlSchemaValidateDoc(vctxt.get(), doc);
  if (rc != 0 && errors.empty()) {
    errors.push_back(
        {0, nullptr, "schema validation failed (libxml2 code " + std::to_string(rc) + ")"});
  }
  return errors;
}

std::string NodePath(const xmlNode* node) {
  // libxml2's xmlGetNodePath writes "*" for elements in a default namespace, which is every
  // IODEF element: name them instead, with the position among same-named siblings when there are
  // several.
  std::vector<std::string> steps;
  for (const xmlNode* n = node; n != nullptr && n->type == XML_ELEMENT_NODE; n = n->parent) {
    std::string step = reinterpret_cast<const char*>(n->name);
    if (n->ns != nullptr && n->ns->prefix != nullptr) {
      step = reinterpret_cast<const char*>(n->ns->prefix) + (":" + step);
    }
    size_t position = 1, same = 0;
    for (const xmlNode* s = n->parent != nullptr ? n->parent->children : n; s != nullptr;
         s = s->next) {
      if (s->type != XML_ELEMENT_NODE || !xmlStrEqual(s->name, n->name)) continue;
      ++same;
      if (s == n) position = same;
    }
    if (same > 1) step += "[" + std::to_string(position) + "]";
    steps.push_back(std::move(step));
  }
  std::string out;
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) out += "/" + *it;
  return out;
}

int NodeLine(const xmlNode* node) {
  return node == nullptr ? 0 : static_cast<int>(xmlGetLineNo(node));
}

bool IsIodef(const xmlNode* node, const char* name) {
  if (node == nullptr || node->type != XML_ELEMENT_NODE || node->ns == nullptr) return false;
  if (std::strcmp(reinterpret_cast<const char*>(node->ns->href), kIodefNs) != 0) return false;
  return name == nullptr || std::strcmp(reinterpret_cast<const char*>(node->name), name) == 0;
}

std::vector<const xmlNode*> Children(const xmlNode* node, const char* name) {
  std::vector<const xmlNode*> out;
  if (node == nullptr) return out;
  for (const xmlNode* c = node->children; c != nullptr; c = c->next) {
    if (IsIodef(c, name)) out.push_back(c);
  }
  return out;
}

const xmlNode* Child(const xmlNode* node, const char* name) {
  if (node == nullptr) return nullptr;
  for (const xmlNode* c = node->children; c != nullptr; c = c->next) {
    if (IsIodef(c, name)) return c;
  }
  return nullptr;
}

const xmlNode* ChildNs(const xmlNode* node, const char* ns, const char* name) {
  if (node == nullptr) return nullptr;
  for (const xmlNode* c = node->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE && c->ns != nullptr &&
        std::strcmp(reinterpret_cast<const char*>(c->ns->href), ns) == 0 &&
        std::strcmp(reinterpret_cast<const char*>(c->name), name) == 0) {
      return c;
    }
  }
  return nullptr;
}

std::string Attr(const xmlNode* node, const char* name) {
  if (node == nullptr) return "";
  xmlChar* value = xmlGetProp(node, reinterpret_cast<const xmlChar*>(name));
  if (value == nullptr) return "";
  std::string out = reinterpret_cast<const char*>(value);
  xmlFree(value);
  return out;
}

namespace {
std::string RawText(const xmlNode* node) {
  if (node == nullptr) return "";
  // The document has no DTD, so there are no entity references for GetContent to expand.
  xmlChar* content = xmlNodeGetContent(node);
  if (content == nullptr) return "";
  std::string out = reinterpret_cast<const char*>(content);
  xmlFree(content);
  return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
}  // namespace

std::string Text(const xmlNode* node) {
  std::string raw = RawText(node);
  std::string out;
  out.reserve(raw.size());
  bool pending_space = false;
  for (char c : raw) {
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

std::string Unwrapped(const xmlNode* node) {
  std::string raw = RawText(node);
  std::string out;
  size_t i = 0;
  while (i < raw.size()) {
    if (!IsSpace(raw[i])) {
      out.push_back(raw[i++]);
      continue;
    }
    size_t j = i;
    bool newline = false;
    for (; j < raw.size() && IsSpace(raw[j]); ++j) {
      if (raw[j] == '\n') newline = true;
    }
    if (!newline && i != 0 && j != raw.size()) out.append(raw, i, j - i);
    i = j;
  }
  return out;
}

}  // namespace socmesh::formats::iodef::detail
