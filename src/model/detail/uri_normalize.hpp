// Internal to model/: the syntax-based URI normalisations of RFC 3986 section 6.2.2, applied to the
// components of a URL that NormalizeUrl (observable.cpp) has already split.
#pragma once

#include <string>
#include <string_view>

namespace socmesh::model::detail {

// Section 6.2.2.1 and 6.2.2.2 on one component (user info, path or query):
//  - percent-escapes of unreserved characters (ALPHA / DIGIT / "-" / "." / "_" / "~") are decoded,
//    every other escape keeps its byte and gets upper-case hex ("%2f" -> "%2F");
//  - bytes that browsers percent-encode before sending (space, non-ASCII, '"', '<', '>', '`', '{',
//    '}': the WHATWG path percent-encode set) are encoded, so the typed and the transmitted
//    spellings are one observable;
//  - a '%' not followed by two hex digits is kept as is (servers differ on what it means, and
//    rewriting it to "%25" would name a different request to some of them).
std::string NormalizePercentEncoding(std::string_view component);

// Section 5.2.4 "remove_dot_segments" (used by 6.2.2.3): "/a/./b/../c" -> "/a/c"; ".." above the
// root stays at the root.
std::string RemoveDotSegments(std::string_view path);

}  // namespace socmesh::model::detail
