#include "api/taxii_server.hpp"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <unordered_map>

#include "api/detail/responses.hpp"
#include "api/detail/serialized_store.hpp"
#include "api/detail/taxii_context.hpp"
#include "model/canonical_json.hpp"
#include "model/identifier.hpp"
#include "model/socmesh_extension.hpp"
#include "model/timestamp.hpp"

namespace socmesh::api {

using detail::TaxiiError;
using detail::TaxiiJson;
using net::Request;
using net::Response;

namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view part = path.substr(0, slash);
    if (!part.empty()) out.push_back(part);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

std::vector<std::string> SplitComma(std::string_view s) {
  std::vector<std::string> out;
  while (true) {
    size_t comma = s.find(',');
    std::string_view part = s.substr(0, comma);
    if (!part.empty()) out.emplace_back(part);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

std::string Micros(model::Timestamp t) { return model::FormatTimestamp(t, true); }

Response MethodNotAllowed(std::string_view allow) {
  Response r = TaxiiError(405, "Method not allowed", "this endpoint accepts " + std::string(allow));
  r.headers.Set("Allow", std::string(allow));
  return r;
}

// The filters of an objects/manifest/versions request (TAXII 2.1 §3.4).
struct Filters {
  std::optional<model::Timestamp> added_after;
  size_t limit = 0;
  std::optional<std::string> next;
  std::vector<std::string> ids;
  std::vector<std::string> types;
  bool version_last = false, version_first = false, version_all = false;
  std::set<int64_t> version_times;
  bool spec_version_excludes_21 = false;
  std::string scope;  // the filters as text, to bind `next` cursors to this query
};

Result<Filters> ParseFilters(const Request& request, size_t default_limit, size_t max_limit) {
  Filters f;
  f.limit = default_limit;
  bool any_version = false;
  for (auto& [key, value] : request.query()) {
    if (key == "next") {
      f.next = value;
      continue;
    }
    if (key != "limit") f.scope += key + "=" + value + "&";
    if (key == "added_after") {
      auto t = model::ParseTimestamp(value);
      if (!t) return Fail(ErrorCode::kInvalidArgument, "added_after: " + t.error().message);
      f.added_after = *t;
    } else if (key == "limit") {
      size_t n = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc{} || end != value.data() + value.size() || n == 0) {
        return Fail(ErrorCode::kInvalidArgument,
                    "limit: expected a positive integer, got '" + value.substr(0, 40) + "'");
      }
      f.limit = std::min(n, max_limit);  // the spec lets the server lower the page size
    } else if (key == "match[id]") {
      for (auto& id : SplitComma(value)) f.ids.push_back(id);
    } else if (key == "match[type]") {
      for (auto& t : SplitComma(value)) f.types.push_back(t);
    } else if (key == "match[version]") {
      for (auto& v : SplitComma(value)) {
        any_version = true;
        if (v == "last") {
          f.version_last = true;
        } else if (v == "first") {
          f.version_first = true;
        } else if (v == "all") {
          f.version_all = true;
        } else {
          auto t = model::ParseTimestamp(v);
          if (!t) {
            return Fail(ErrorCode::kInvalidArgument,
                        "match[version]: '" + v.substr(0, 40) +
                            "' is neither last, first, all nor a timestamp");
          }
          f.version_times.insert(t->micros);
        }
      }
    } else if (key == "match[spec_version]") {
      // socmesh stores STIX 2.1 only: a filter without 2.1 selects nothing.
      auto versions = SplitComma(value);
      f.spec_version_excludes_21 = std::ranges::find(versions, "2.1") == versions.end();
    }
  }
  if (!any_version) f.version_last = true;
  return f;
}

// The owner identity of a canonical object (`created_by_ref`), or empty.
std::string CreatedByRef(std::string_view json) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json.data(), json.size()).get(doc) != simdjson::SUCCESS) return {};
  std::string_view ref;
  if (doc["created_by_ref"].get_string().get(ref) != simdjson::SUCCESS) return {};
  return std::string(ref);
}

}  // namespace

TaxiiServer::TaxiiServer(store::Store& store, const Authenticator& auth, TaxiiConfig config)
    : serialized_(std::make_unique<detail::SerializedStore>(store)),
      store_(*serialized_),
      auth_(auth),
      config_(std::move(config)) {}

TaxiiServer::~TaxiiServer() = default;

store::Store& TaxiiServer::store() { return store_; }

bool TaxiiServer::Handles(std::string_view path) const {
  auto segments = SplitPath(path);
  if (segments.empty()) return false;
  if (segments[0] == "taxii2") return true;
  return std::ranges::any_of(config_.api_roots,
                             [&](const ApiRootConfig& r) { return r.path == segments[0]; });
}

StoredObject TaxiiServer::FactsOf(const store::StoredVersion& v) const {
  StoredObject facts;
  facts.tlp = v.tlp;
  // Scope, recipients and sharing groups live in the socmesh extension: parsed only for objects
  // that carry it (a substring test keeps the bulk of plain feed objects on the fast path).
  if (v.json.find(model::kSocmeshExtensionId) != std::string::npos) {
    if (auto meta = model::ReadSocmeshMetadata(v.json); meta && *meta) {
      facts.scope = (*meta)->scope;
      facts.origin_country = (*meta)->origin_country;
      facts.recipients = std::move((*meta)->recipients);
      facts.sharing_groups = std::move((*meta)->sharing_groups);
    } else if (!meta) {
      facts.scope = model::DistributionScope::kOrganisation;  // unreadable: narrowest
    }
  }
  // Only restrictive markings depend on the owner: skip the parse for CLEAR/GREEN (the bulk).
  if (v.tlp && *v.tlp >= model::Tlp::kAmber) {
    auto ref = CreatedByRef(v.json);
    if (auto it = config_.identity_organisations.find(ref);
        it != config_.identity_organisations.end()) {
      facts.owner_organisation = it->second;
    }
  }
  return facts;
}

bool TaxiiServer::InCollection(const CollectionConfig& col, const store::StoredVersion& v) const {
  if (!col.types.empty() && std::ranges::find(col.types, v.type) == col.types.end()) return false;
  if (col.tlp_ceiling && v.tlp.value_or(model::Tlp::kClear) > *col.tlp_ceiling) return false;
  return true;
}

Response TaxiiServer::Handle(const Request& request) {
  auto caller = auth_.Authenticate(request);
  if (!caller) {
    Response r = TaxiiError(401, "Unauthorized", caller.error().message);
    r.headers.Set("WWW-Authenticate", "Bearer");
    return r;
  }
  if (!detail::AcceptsTaxii(request)) {
    return TaxiiError(406, "Not acceptable",
                      "this server answers with application/taxii+json;version=2.1");
  }
  Context c{request, *caller, nullptr, SplitPath(request.path())};
  return Route(c);
}

Response TaxiiServer::Route(Context& c) {
  const auto& s = c.segments;
  const std::string& method = c.request.method;
  if (s.empty()) return TaxiiError(404, "Not found", "no such TAXII endpoint");
  if (s[0] == "taxii2") {
    if (s.size() != 1) return TaxiiError(404, "Not found", "no such TAXII endpoint");
    if (method != "GET") return MethodNotAllowed("GET");
    return Discovery(c);
  }
  for (const auto& root : config_.api_roots) {
    if (root.path == s[0]) c.root = &root;
  }
  if (c.root == nullptr)
    return TaxiiError(404, "Not found", "no API root '" + std::string(s[0]) + "'");
  if (s.size() == 1) return method == "GET" ? ApiRootInfo(c) : MethodNotAllowed("GET");
  if (s[1] == "status" && s.size() == 3) {
    return method == "GET" ? Status(c, s[2]) : MethodNotAllowed("GET");
  }
  if (s[1] != "collections" || s.size() > 6) {
    return TaxiiError(404, "Not found", "no such TAXII endpoint");
  }
  if (s.size() == 2) return method == "GET" ? Collections(c, nullptr) : MethodNotAllowed("GET");
  const CollectionConfig* col = nullptr;
  for (const auto& candidate : c.root->collections) {
    if (candidate.id == s[2]) col = &candidate;
  }
  if (col == nullptr) {
    return TaxiiError(404, "Not found",
                      "no collection '" + std::string(s[2]) + "' in this API root");
  }
  if (s.size() == 3) return method == "GET" ? Collections(c, col) : MethodNotAllowed("GET");
  if (s[3] == "manifest" && s.size() == 4) {
    return method == "GET" ? GetObjects(c, *col, {}, true) : MethodNotAllowed("GET");
  }
  if (s[3] != "objects") return TaxiiError(404, "Not found", "no such TAXII endpoint");
  if (s.size() == 4) {
    if (method == "GET") return GetObjects(c, *col, {}, false);
    if (method == "POST") return PostObjects(c, *col);
    return MethodNotAllowed("GET, POST");
  }
  if (s.size() == 5) {
    if (method == "GET") return GetObjects(c, *col, s[4], false);
    // No DELETE: the store is append-only (every version is kept for audit and federation
    // replay), so deleting is "not allowed" like any other method here.
    return MethodNotAllowed("GET");
  }
  if (s[5] == "versions")
    return method == "GET" ? Versions(c, *col, s[4]) : MethodNotAllowed("GET");
  return TaxiiError(404, "Not found", "no such TAXII endpoint");
}

Response TaxiiServer::Discovery(Context& c) {
  auto host = c.request.headers.Get("Host").value_or("localhost");
  auto url = [&](const std::string& path) {
    return "https://" + std::string(host) + "/" + path + "/";
  };
  model::JsonWriter w;
  w.BeginObject().Key("title").String(config_.title);
  if (!config_.description.empty()) w.Key("description").String(config_.description);
  if (!config_.contact.empty()) w.Key("contact").String(config_.contact);
  if (!config_.default_api_root.empty()) w.Key("default").String(url(config_.default_api_root));
  w.Key("api_roots").BeginArray();
  for (const auto& root : config_.api_roots) w.String(url(root.path));
  w.EndArray().EndObject();
  return TaxiiJson(200, w.Take());
}

Response TaxiiServer::ApiRootInfo(Context& c) {
  model::JsonWriter w;
  w.BeginObject().Key("title").String(c.root->title);
  if (!c.root->description.empty()) w.Key("description").String(c.root->description);
  w.Key("versions").BeginArray().String(kTaxiiMediaType).EndArray();
  w.Key("max_content_length").Int(static_cast<int64_t>(c.root->max_content_length));
  w.EndObject();
  return TaxiiJson(200, w.Take());
}

Response TaxiiServer::Collections(Context& c, const CollectionConfig* one) {
  auto write = [&](model::JsonWriter& w, const CollectionConfig& col) {
    w.BeginObject().Key("id").String(col.id).Key("title").String(col.title);
    if (!col.description.empty()) w.Key("description").String(col.description);
    w.Key("can_read").Bool(col.can_read && RoleMayRead(c.caller.role));
    w.Key("can_write").Bool(col.can_write && RoleMayWrite(c.caller.role));
    w.Key("media_types").BeginArray().String(kStixMediaType).EndArray();
    w.EndObject();
  };
  model::JsonWriter w;
  if (one != nullptr) {
    write(w, *one);
  } else {
    w.BeginObject();
    if (!c.root->collections.empty()) {
      w.Key("collections").BeginArray();
      for (const auto& col : c.root->collections) write(w, col);
      w.EndArray();
    }
    w.EndObject();
  }
  return TaxiiJson(200, w.Take());
}

Response TaxiiServer::GetObjects(Context& c, const CollectionConfig& col,
                                 std::string_view object_id, bool manifest) {
  if (!col.can_read || !RoleMayRead(c.caller.role)) {
    return TaxiiError(
        403, "Forbidden",
        "this collection cannot be read with role " + std::string(RoleName(c.caller.role)));
  }
  auto filters = ParseFilters(c.request, config_.default_page_size, config_.max_page_size);
  if (!filters) return TaxiiError(400, "Bad request", filters.error().message);
  Filters& f = *filters;
  std::string scope = std::string(c.root->path) + "/" + col.id + "/" + std::string(object_id) +
                      (manifest ? "/manifest?" : "/objects?") + f.scope;
  store::Query q;
  if (f.next) {
    auto seq = cursors_.Decode(*f.next, scope);
    if (!seq) return TaxiiError(400, "Bad request", seq.error().message);
    q.after_seq = *seq;
  }
  q.added_after = f.added_after;
  q.ids = f.ids;
  if (!object_id.empty()) {
    if (!q.ids.empty() && std::ranges::find(q.ids, object_id) == q.ids.end())
      q.ids = {"-"};
    else
      q.ids = {std::string(object_id)};
  }
  // match[type] within the collection's types; an empty intersection selects nothing.
  q.types = f.types;
  if (!col.types.empty()) {
    if (q.types.empty()) {
      q.types = col.types;
    } else {
      std::erase_if(q.types, [&](const std::string& t) {
        return std::ranges::find(col.types, t) == col.types.end();
      });
      if (q.types.empty()) q.types = {"-"};
    }
  }
  const bool only_last =
      f.version_last && !f.version_first && !f.version_all && f.version_times.empty();
  q.all_versions = !only_last;
  // first/last of each id, looked up once per id when the version filter needs them.
  std::unordered_map<std::string, std::pair<int64_t, int64_t>> bounds;
  auto version_selected = [&](const store::StoredVersion& v) -> bool {
    if (only_last || f.version_all) return true;
    if (f.version_times.contains(v.modified.micros)) return true;
    if (!f.version_first && !f.version_last) return false;
    auto it = bounds.find(v.id);
    if (it == bounds.end()) {
      auto versions = store_.GetVersions(v.id);
      std::pair<int64_t, int64_t> b{v.modified.micros, v.modified.micros};
      if (versions && !versions->empty()) {
        b = {versions->front().modified.micros, versions->back().modified.micros};
      }
      it = bounds.emplace(v.id, b).first;
    }
    return (f.version_first && v.modified.micros == it->second.first) ||
           (f.version_last && v.modified.micros == it->second.second);
  };

  std::vector<store::StoredVersion> page;
  bool more = false;
  // Scanned in bounded chunks (by seq) rather than one open-ended query: with a LIMIT SQLite
  // streams from the seq index, and rows the policy filters out cost one more chunk, not a
  // materialised remainder of the collection.
  const size_t chunk = std::max<size_t>(2 * f.limit + 1, 256);
  q.limit = chunk;
  bool done = f.spec_version_excludes_21;
  while (!done) {
    size_t rows = 0;
    int64_t last_seq = 0;
    auto scanned = store_.Scan(q, [&](const store::StoredVersion& v) {
      ++rows;
      last_seq = v.seq;
      if (!InCollection(col, v) || !MayRead(c.caller, FactsOf(v)) || !version_selected(v)) {
        return true;
      }
      if (page.size() == f.limit) {
        more = true;
        return false;
      }
      page.push_back(v);
      return true;
    });
    if (!scanned) return TaxiiError(500, "Store error", scanned.error().message);
    done = more || rows < chunk;
    q.after_seq = last_seq;
  }
  if (!object_id.empty() && page.empty() && !f.next) {
    return TaxiiError(404, "Not found",
                      "no object " + std::string(object_id) + " you may read in this collection");
  }
  model::JsonWriter w;
  w.BeginObject().Key("more").Bool(more);
  if (more) w.Key("next").String(cursors_.Encode(page.back().seq, scope));
  if (!page.empty()) {
    w.Key("objects").BeginArray();
    for (const auto& v : page) {
      if (manifest) {
        w.BeginObject().Key("id").String(v.id).Key("date_added").String(Micros(v.added));
        w.Key("version").String(Micros(v.modified)).Key("media_type").String(kStixMediaType);
        w.EndObject();
      } else {
        w.Raw(v.json);
      }
    }
    w.EndArray();
  }
  w.EndObject();
  Response r = TaxiiJson(200, w.Take());
  if (!page.empty()) {
    r.headers.Set("X-TAXII-Date-Added-First", Micros(page.front().added));
    r.headers.Set("X-TAXII-Date-Added-Last", Micros(page.back().added));
  }
  return r;
}

Response TaxiiServer::Versions(Context& c, const CollectionConfig& col,
                               std::string_view object_id) {
  if (!col.can_read || !RoleMayRead(c.caller.role)) {
    return TaxiiError(403, "Forbidden", "this collection cannot be read");
  }
  auto filters = ParseFilters(c.request, config_.max_page_size, config_.max_page_size);
  if (!filters) return TaxiiError(400, "Bad request", filters.error().message);
  auto versions = store_.GetVersions(object_id);
  if (!versions) return TaxiiError(500, "Store error", versions.error().message);
  std::vector<const store::StoredVersion*> shown;
  for (const auto& v : *versions) {
    if (!InCollection(col, v) || !MayRead(c.caller, FactsOf(v))) continue;
    if (filters->added_after && v.added <= *filters->added_after) continue;
    shown.push_back(&v);
  }
  if (shown.empty()) {
    return TaxiiError(404, "Not found",
                      "no object " + std::string(object_id) + " you may read in this collection");
  }
  // Versions come oldest first; sort by date added, as the spec orders results.
  std::ranges::stable_sort(shown, {}, &store::StoredVersion::seq);
  bool more = shown.size() > filters->limit;
  if (more) shown.resize(filters->limit);
  model::JsonWriter w;
  w.BeginObject().Key("more").Bool(more).Key("versions").BeginArray();
  for (const auto* v : shown) w.String(Micros(v->modified));
  w.EndArray().EndObject();
  Response r = TaxiiJson(200, w.Take());
  r.headers.Set("X-TAXII-Date-Added-First", Micros(shown.front()->added));
  r.headers.Set("X-TAXII-Date-Added-Last", Micros(shown.back()->added));
  return r;
}

Response TaxiiServer::Status(Context& c, std::string_view status_id) {
  std::lock_guard lock(status_mutex_);
  auto it = statuses_.find(std::string(c.caller.organisation) + "/" + std::string(status_id));
  // Another organisation's status is "not found": its existence is not disclosed.
  if (it == statuses_.end()) {
    return TaxiiError(404, "Not found", "no status " + std::string(status_id));
  }
  return TaxiiJson(200, it->second);
}

}  // namespace socmesh::api
