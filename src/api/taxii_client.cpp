#include "api/taxii_client.hpp"

#include <simdjson.h>

#include <cctype>

#include "api/taxii_server.hpp"

namespace socmesh::api {
namespace {

std::string Str(simdjson::dom::element e, const char* key) {
  std::string_view s;
  if (e[key].get_string().get(s) != simdjson::SUCCESS) return {};
  return std::string(s);
}

bool Bool(simdjson::dom::element e, const char* key) {
  bool v = false;
  return e[key].get_bool().get(v) == simdjson::SUCCESS && v;
}

int64_t Int(simdjson::dom::element e, const char* key) {
  int64_t v = 0;
  if (e[key].get_int64().get(v) != simdjson::SUCCESS) return 0;
  return v;
}

std::string Encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ':' || c == ',') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

Result<TaxiiStatus> ParseStatus(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS) {
    return Fail(ErrorCode::kParse, "TAXII status: not JSON");
  }
  TaxiiStatus s{Str(doc, "id"),
                Str(doc, "status"),
                Int(doc, "total_count"),
                Int(doc, "success_count"),
                Int(doc, "failure_count"),
                Int(doc, "pending_count"),
                {}};
  simdjson::dom::array failures;
  if (doc["failures"].get_array().get(failures) == simdjson::SUCCESS) {
    for (auto f : failures) s.failure_messages.emplace_back(Str(f, "id"), Str(f, "message"));
  }
  return s;
}

}  // namespace

std::string PathOfUrl(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  size_t slash = url.find('/', scheme + 3);
  return slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
}

TaxiiClient::TaxiiClient(std::unique_ptr<net::HttpClient> http, std::string token)
    : http_(std::move(http)), token_(std::move(token)) {}

Result<std::unique_ptr<TaxiiClient>> TaxiiClient::Create(net::ClientOptions options,
                                                         std::string api_token) {
  auto http = net::HttpClient::Create(std::move(options));
  if (!http) return std::unexpected(http.error());
  return std::unique_ptr<TaxiiClient>(new TaxiiClient(std::move(*http), std::move(api_token)));
}

Result<std::string> TaxiiClient::Call(std::string method, std::string target, std::string body) {
  auto response = CallForResponse(std::move(method), std::move(target), std::move(body));
  if (!response) return std::unexpected(response.error());
  return std::move(response->body);
}

Result<net::Response> TaxiiClient::CallForResponse(std::string method, std::string target,
                                                   std::string body) {
  net::Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.headers.Set("Accept", std::string(kTaxiiMediaType));
  if (!body.empty()) r.headers.Set("Content-Type", std::string(kTaxiiMediaType));
  if (!token_.empty()) r.headers.Set("Authorization", "Bearer " + token_);
  r.body = std::move(body);
  auto response = http_->Send(r);
  if (!response) return std::unexpected(response.error().WithContext(r.method + " " + r.target));
  if (response->status < 300) return std::move(*response);
  // The server's error message resource says why.
  std::string why = std::to_string(response->status);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(response->body).get(doc) == simdjson::SUCCESS) {
    why += " " + Str(doc, "title") + ": " + Str(doc, "description");
  }
  ErrorCode code = response->status == 404                              ? ErrorCode::kNotFound
                   : response->status == 401 || response->status == 403 ? ErrorCode::kPermission
                   : response->status >= 500                            ? ErrorCode::kInternal
                                             : ErrorCode::kInvalidArgument;
  return Fail(code, r.method + " " + r.target + ": " + why);
}

Result<TaxiiDiscovery> TaxiiClient::Discover() {
  auto body = Call("GET", "/taxii2/");
  if (!body) return std::unexpected(body.error());
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(*body).get(doc) != simdjson::SUCCESS) {
    return Fail(ErrorCode::kParse, "TAXII discovery: not JSON");
  }
  TaxiiDiscovery d{Str(doc, "title"), Str(doc, "default"), {}};
  simdjson::dom::array roots;
  if (doc["api_roots"].get_array().get(roots) == simdjson::SUCCESS) {
    for (auto r : roots) {
      std::string_view s;
      if (r.get_string().get(s) == simdjson::SUCCESS) d.api_roots.emplace_back(s);
    }
  }
  return d;
}

Result<std::vector<TaxiiCollection>> TaxiiClient::Collections(std::string_view api_root) {
  auto body = Call("GET", PathOfUrl(api_root) + "collections/");
  if (!body) return std::unexpected(body.error());
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(*body).get(doc) != simdjson::SUCCESS) {
    return Fail(ErrorCode::kParse, "TAXII collections: not JSON");
  }
  std::vector<TaxiiCollection> out;
  simdjson::dom::array list;
  if (doc["collections"].get_array().get(list) == simdjson::SUCCESS) {
    for (auto c : list) {
      out.push_back({Str(c, "id"), Str(c, "title"), Bool(c, "can_read"), Bool(c, "can_write")});
    }
  }
  return out;
}

Result<size_t> TaxiiClient::GetObjects(std::string_view api_root, std::string_view collection_id,
                                       const TaxiiObjectsQuery& q,
                                       const std::function<bool(std::string_view)>& visit) {
  std::string base =
      PathOfUrl(api_root) + "collections/" + std::string(collection_id) + "/objects/?";
  if (q.added_after) base += "added_after=" + Encode(*q.added_after) + "&";
  if (!q.match_id.empty()) base += "match[id]=" + Encode(Join(q.match_id)) + "&";
  if (!q.match_type.empty()) base += "match[type]=" + Encode(Join(q.match_type)) + "&";
  if (!q.match_version.empty()) base += "match[version]=" + Encode(Join(q.match_version)) + "&";
  if (q.page_size > 0) base += "limit=" + std::to_string(q.page_size) + "&";
  std::string next;
  simdjson::dom::parser parser;
  for (size_t pages = 1; pages <= q.max_pages; ++pages) {
    auto body = Call("GET", base + (next.empty() ? "" : "next=" + Encode(next)));
    if (!body) return std::unexpected(body.error());
    simdjson::dom::element doc;
    if (parser.parse(*body).get(doc) != simdjson::SUCCESS) {
      return Fail(ErrorCode::kParse, "TAXII envelope: not JSON");
    }
    simdjson::dom::array objects;
    if (doc["objects"].get_array().get(objects) == simdjson::SUCCESS) {
      for (auto o : objects) {
        if (!visit(simdjson::minify(o))) return pages;
      }
    }
    const bool more = Bool(doc, "more");
    next = Str(doc, "next");
    if (!more || next.empty()) return pages;
  }
  return q.max_pages;
}

Result<TaxiiPage> TaxiiClient::GetObjectsPage(std::string_view api_root,
                                              std::string_view collection_id,
                                              const TaxiiObjectsQuery& q, std::string_view next) {
  std::string target =
      PathOfUrl(api_root) + "collections/" + std::string(collection_id) + "/objects/?";
  if (q.added_after) target += "added_after=" + Encode(*q.added_after) + "&";
  if (!q.match_id.empty()) target += "match[id]=" + Encode(Join(q.match_id)) + "&";
  if (!q.match_type.empty()) target += "match[type]=" + Encode(Join(q.match_type)) + "&";
  if (!q.match_version.empty()) {
    target += "match[version]=" + Encode(Join(q.match_version)) + "&";
  }
  if (q.page_size > 0) target += "limit=" + std::to_string(q.page_size) + "&";
  if (!next.empty()) target += "next=" + Encode(next);
  auto response = CallForResponse("GET", target);
  if (!response) return std::unexpected(response.error());
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(response->body).get(doc) != simdjson::SUCCESS) {
    return Fail(ErrorCode::kParse, "TAXII envelope: not JSON");
  }
  TaxiiPage page;
  simdjson::dom::array objects;
  if (doc["objects"].get_array().get(objects) == simdjson::SUCCESS) {
    for (auto o : objects) page.objects.push_back(simdjson::minify(o));
  }
  page.more = Bool(doc, "more");
  page.next = Str(doc, "next");
  if (auto h = response->headers.Get("X-TAXII-Date-Added-First")) page.date_added_first = *h;
  if (auto h = response->headers.Get("X-TAXII-Date-Added-Last")) page.date_added_last = *h;
  return page;
}

Result<TaxiiStatus> TaxiiClient::AddObjects(std::string_view api_root,
                                            std::string_view collection_id,
                                            std::string_view objects_json) {
  auto body =
      Call("POST", PathOfUrl(api_root) + "collections/" + std::string(collection_id) + "/objects/",
           "{\"objects\":" + std::string(objects_json) + "}");
  if (!body) return std::unexpected(body.error());
  return ParseStatus(*body);
}

Result<TaxiiStatus> TaxiiClient::GetStatus(std::string_view api_root, std::string_view status_id) {
  auto body = Call("GET", PathOfUrl(api_root) + "status/" + std::string(status_id) + "/");
  if (!body) return std::unexpected(body.error());
  return ParseStatus(*body);
}

}  // namespace socmesh::api
