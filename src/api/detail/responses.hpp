// Internal to api/: building TAXII responses (media type, error message resources) and parsing
// the request features TAXII negotiates on.
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"
#include "net/http.hpp"

namespace socmesh::api::detail {

// A TAXII response: Content-Type application/taxii+json;version=2.1.
net::Response TaxiiJson(int status, std::string body);

// A TAXII 2.1 error message resource (§3.6.1): title, description, http_status (a string).
net::Response TaxiiError(int status, std::string_view title, std::string_view description);

// HTTP status for an Error code, for failures reported by lower layers.
int HttpStatusFor(ErrorCode code);

// True when the Accept header (absent counts as yes) admits application/taxii+json version 2.1.
bool AcceptsTaxii(const net::Request& request);

// True when Content-Type is application/taxii+json with version 2.1 or no version parameter.
bool IsTaxiiContentType(const net::Request& request);

}  // namespace socmesh::api::detail
