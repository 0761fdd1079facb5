// libxml2 behind small RAII wrappers: the safe parse of untrusted IODEF, XSD validation through
// the offline catalog, and the node helpers the mapping uses. Internal to formats/iodef.
#pragma once

#include <libxml/tree.h>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "formats/iodef/iodef.hpp"

namespace socmesh::formats::iodef::detail {

inline constexpr const char* kIodefNs = "urn:ietf:params:xml:ns:iodef-2.0";
inline constexpr const char* kDsigNs = "http://www.w3.org/2000/09/xmldsig#";

struct XmlDocFree {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using XmlDocPtr = std::unique_ptr<xmlDoc, XmlDocFree>;

struct ParseLimits {
  size_t max_bytes = 0;
  size_t max_depth = 0;
  size_t max_text_bytes = 0;
};

// Parses untrusted XML: no network, no DTD (a DOCTYPE stops the parse: entities are where
// billion-laughs and XXE live, and IODEF needs none), no entity substitution, element depth and
// text/attribute length limited. Errors: kTooLarge, kParse with the line and libxml2's reason.
Result<XmlDocPtr> ParseSafely(std::string_view xml, const ParseLimits& limits);

struct RawSchemaError {
  int line = 0;
  const xmlNode* node = nullptr;  // the element at fault when libxml2 names one
  std::string message;
};

// Validates `doc` against one schema variant (not kEither). The compiled schema is cached per
// directory and variant; the first use loads `schema_dir`/catalog.xml into libxml2's catalog.
// Errors: kIo when the schema cannot be loaded (message has libxml2's reason).
Result<std::vector<RawSchemaError>> ValidateAgainst(xmlDoc* doc, SchemaVariant variant,
                                                    const std::filesystem::path& schema_dir);

// "/IODEF-Document/iodef:Incident[2]/…" (libxml2's xmlGetNodePath), empty for null.
std::string NodePath(const xmlNode* node);
int NodeLine(const xmlNode* node);

// True for an element in the IODEF namespace with local name `name` (any name when null).
bool IsIodef(const xmlNode* node, const char* name = nullptr);
// Element children in the IODEF namespace named `name`, document order.
std::vector<const xmlNode*> Children(const xmlNode* node, const char* name);
const xmlNode* Child(const xmlNode* node, const char* name);
// First child element in namespace `ns` with local name `name`.
const xmlNode* ChildNs(const xmlNode* node, const char* ns, const char* name);

// Attribute value ("" when absent).
std::string Attr(const xmlNode* node, const char* name);

// Text content with leading/trailing white space removed and inner runs collapsed to one space:
// for names and descriptions, which IODEF authors wrap freely.
std::string Text(const xmlNode* node);
// Text content with every white-space run that contains a line break removed and the ends
// trimmed: for URLs, registry keys and digests that examples wrap across lines, while single
// spaces inside a value (".Net CLR") stay.
std::string Unwrapped(const xmlNode* node);

}  // namespace socmesh::formats::iodef::detail
