#include "api/detail/responses.hpp"

#include <algorithm>
#include <cctype>

#include "model/canonical_json.hpp"

namespace socmesh::api::detail {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether one media type with parameters ("application/taxii+json; version=2.1; q=0.5") names
// TAXII 2.1. `wildcards` admits */* and application/* (Accept only).
bool IsTaxiiMediaType(std::string_view range, bool wildcards) {
  std::string text = Lower(range);
  std::string_view rest = text;
  std::string_view type = Trim(rest.substr(0, rest.find(';')));
  if (wildcards && (type == "*/*" || type == "application/*")) return true;
  if (type != "application/taxii+json") return false;
  while (rest.find(';') != std::string_view::npos) {
    rest.remove_prefix(rest.find(';') + 1);
    std::string_view param = Trim(rest.substr(0, rest.find(';')));
    if (param.starts_with("version=") && param.substr(8) != "2.1" && param.substr(8) != "\"2.1\"") {
      return false;
    }
    if (param == "q=0" || param == "q=0.0" || param == "q=0.00" || param == "q=0.000") return false;
  }
  return true;
}

}  // namespace

net::Response TaxiiJson(int status, std::string body) {
  net::Response r;
  r.status = status;
  r.headers.Set("Content-Type", "application/taxii+json;version=2.1");
  r.body = std::move(body);
  return r;
}

net::Response TaxiiError(int status, std::string_view title, std::string_view description) {
  model::JsonWriter w;
  w.BeginObject();
  w.Key("title").String(title);
  if (!description.empty()) w.Key("description").String(description);
  w.Key("http_status").String(std::to_string(status));
  w.EndObject();
  return TaxiiJson(status, w.Take());
}

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kParse:
      return 400;
    case ErrorCode::kInvalidStix:
    case ErrorCode::kConflict:
      return 422;
    case ErrorCode::kTooLarge:
      return 413;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kPermission:
      return 401;
    case ErrorCode::kUnsupported:
      return 415;
    default:
      return 500;
  }
}

bool AcceptsTaxii(const net::Request& request) {
  auto accept = request.headers.Get("Accept");
  if (!accept) return true;
  std::string_view rest = *accept;
  while (true) {
    size_t comma = rest.find(',');
    if (IsTaxiiMediaType(rest.substr(0, comma), true)) return true;
    if (comma == std::string_view::npos) return false;
    rest.remove_prefix(comma + 1);
  }
}

bool IsTaxiiContentType(const net::Request& request) {
  auto type = request.headers.Get("Content-Type");
  return type && IsTaxiiMediaType(*type, false);
}

}  // namespace socmesh::api::detail
