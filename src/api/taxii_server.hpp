// TAXII 2.1 server (OASIS TAXII 2.1 CS01) over a socmesh Store, as a request handler for
// net::HttpServer. Collections are views of the one store: a collection's filter (object types, a
// TLP ceiling) selects what it shows and what it accepts. Every object read or written passes
// api::MayRead / MayWrite. Endpoints, media types and errors: docs/api.md.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api/access.hpp"
#include "api/auth.hpp"
#include "api/cursor.hpp"
#include "model/tlp.hpp"
#include "net/http.hpp"
#include "store/store.hpp"

namespace socmesh::api {

inline constexpr std::string_view kTaxiiMediaType = "application/taxii+json;version=2.1";
inline constexpr std::string_view kStixMediaType = "application/stix+json;version=2.1";

struct CollectionConfig {
  std::string id;  // a UUID (TAXII 2.1 §5.2)
  std::string title;
  std::string description;
  bool can_read = true;
  bool can_write = false;
  std::vector<std::string> types;         // empty: every type
  std::optional<model::Tlp> tlp_ceiling;  // objects stricter than this are not in the collection
};

struct ApiRootConfig {
  std::string path;  // one URL segment, e.g. "api1" → https://host/api1/
  std::string title;
  std::string description;
  size_t max_content_length = size_t{10} << 20;  // POST bodies beyond → 413
  std::vector<CollectionConfig> collections;
};

struct TaxiiConfig {
  std::string title = "socmesh TAXII 2.1";
  std::string description;
  std::string contact;
  std::string default_api_root;  // path of the default root, optional
  std::vector<ApiRootConfig> api_roots;
  size_t default_page_size = 100;
  size_t max_page_size = 1000;
  // created_by_ref identity id → owning organisation (matched with certificate O), for the policy.
  std::map<std::string, std::string, std::less<>> identity_organisations;
};

namespace detail {
class SerializedStore;
}

class TaxiiServer {
 public:
  // `store` may be used by the caller meanwhile only through store() below: the server serialises
  // its calls (the SQLite backend's connection is single-threaded).
  TaxiiServer(store::Store& store, const Authenticator& auth, TaxiiConfig config);
  ~TaxiiServer();

  // The store, serialised for use from several handler threads.
  store::Store& store();

  // True when `path` belongs to TAXII (/taxii2/ or a configured API root).
  bool Handles(std::string_view path) const;
  // Thread-safe (the store serialises its own access).
  net::Response Handle(const net::Request& request);

  // The access facts of a stored version (TLP from the store, owner from created_by_ref).
  StoredObject FactsOf(const store::StoredVersion& version) const;

  struct Context;  // one request being answered (taxii_server.cpp)

 private:
  net::Response Route(Context& c);
  net::Response Discovery(Context& c);
  net::Response ApiRootInfo(Context& c);
  net::Response Collections(Context& c, const CollectionConfig* one);
  net::Response GetObjects(Context& c, const CollectionConfig& col, std::string_view object_id,
                           bool manifest);
  net::Response PostObjects(Context& c, const CollectionConfig& col);
  net::Response Versions(Context& c, const CollectionConfig& col, std::string_view object_id);
  net::Response Status(Context& c, std::string_view status_id);
  bool InCollection(const CollectionConfig& col, const store::StoredVersion& v) const;

  std::unique_ptr<detail::SerializedStore> serialized_;
  store::Store& store_;  // *serialized_
  const Authenticator& auth_;
  TaxiiConfig config_;
  CursorCodec cursors_;
  std::mutex status_mutex_;
  // "<organisation>/<status id>" → status resource JSON; only the poster's organisation sees it.
  std::map<std::string, std::string, std::less<>> statuses_;
  std::vector<std::string> status_order_;  // oldest first, bounded (oldest forgotten first)
};

}  // namespace socmesh::api
