// TAXII 2.1 client on net::HttpClient (mTLS), for connectors and federation: discovery,
// collections, objects with paging (follows `next`), adding objects and polling their status.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "net/http_client.hpp"

namespace socmesh::api {

struct TaxiiDiscovery {
  std::string title;
  std::string default_api_root;        // URL, may be empty
  std::vector<std::string> api_roots;  // URLs
};

struct TaxiiCollection {
  std::string id;
  std::string title;
  bool can_read = false;
  bool can_write = false;
};

struct TaxiiObjectsQuery {
  std::optional<std::string> added_after;  // STIX timestamp text
  std::vector<std::string> match_id, match_type, match_version;
  size_t page_size = 0;  // 0: server default
  size_t max_pages = 100'000;
};

// One page of a collection's objects, with what a poller needs to resume (connect/).
struct TaxiiPage {
  std::vector<std::string> objects;  // each object's JSON, in the server's order
  bool more = false;
  std::string next;  // the server's cursor for the following page (when `more`)
  // The X-TAXII-Date-Added-First/-Last headers (TAXII 2.1 §3.4.3); empty when the server sent none.
  std::string date_added_first, date_added_last;
};

struct TaxiiStatus {
  std::string id;
  std::string status;  // "complete" | "pending"
  int64_t total = 0, successes = 0, failures = 0, pendings = 0;
  std::vector<std::pair<std::string, std::string>> failure_messages;  // (object id, message)
};

class TaxiiClient {
 public:
  // `api_token`, when set, is sent as `Authorization: Bearer`.
  static Result<std::unique_ptr<TaxiiClient>> Create(net::ClientOptions options,
                                                     std::string api_token = {});

  Result<TaxiiDiscovery> Discover();
  // `api_root` is a path ("/api1/") or a URL from discovery (its path is used).
  Result<std::vector<TaxiiCollection>> Collections(std::string_view api_root);
  // Calls `visit` with each object's JSON, page after page (following `next`), until the server
  // says there is no more, `visit` returns false, or max_pages. Returns the number of pages read.
  Result<size_t> GetObjects(std::string_view api_root, std::string_view collection_id,
                            const TaxiiObjectsQuery& query,
                            const std::function<bool(std::string_view)>& visit);
  // One page of objects: the query's filters (`max_pages` unused), continuing after `next` (empty:
  // the first page). For callers that must act between pages, e.g. store a page before moving a
  // persisted cursor. Errors as GetObjects.
  Result<TaxiiPage> GetObjectsPage(std::string_view api_root, std::string_view collection_id,
                                   const TaxiiObjectsQuery& query, std::string_view next = {});
  // Posts `objects_json` (a JSON array of STIX objects) in an envelope; returns the status.
  Result<TaxiiStatus> AddObjects(std::string_view api_root, std::string_view collection_id,
                                 std::string_view objects_json);
  Result<TaxiiStatus> GetStatus(std::string_view api_root, std::string_view status_id);

 private:
  TaxiiClient(std::unique_ptr<net::HttpClient> http, std::string token);
  // Errors: kIo (transport), kNotFound (404), kPermission (401/403), kInvalidArgument (other 4xx,
  // with the server's error title and description), kInternal (5xx), kParse (not JSON).
  Result<std::string> Call(std::string method, std::string target, std::string body = {});
  // As Call, with the response headers.
  Result<net::Response> CallForResponse(std::string method, std::string target,
                                        std::string body = {});
  std::unique_ptr<net::HttpClient> http_;
  std::string token_;
};

// The path of a URL ("https://h:1/api1/" → "/api1/"); a path is returned as is.
std::string PathOfUrl(std::string_view url);

}  // namespace socmesh::api
