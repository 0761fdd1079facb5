#include "api/node_api.hpp"

#include <charconv>
#include <chrono>

#include "model/canonical_json.hpp"
#include "model/observable.hpp"

namespace socmesh::api {
namespace {

net::Response JsonResponse(int status, std::string body) {
  net::Response r;
  r.status = status;
  r.headers.Set("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

net::Response JsonError(int status, std::string_view error, std::string_view message) {
  model::JsonWriter w;
  w.BeginObject().Key("error").String(error).Key("message").String(message).EndObject();
  return JsonResponse(status, w.Take());
}

}  // namespace

net::Response NodeApi::Handle(const net::Request& request) {
  const auto start = std::chrono::steady_clock::now();
  const std::string_view path = request.path();
  net::Response response;
  // Everything that is not REST or metrics is TAXII, so unknown paths get TAXII error resources.
  if (!path.starts_with("/api/v1/") && path != "/metrics") {
    response = taxii_.Handle(request);
  } else if (auto caller = auth_.Authenticate(request); !caller) {
    response = JsonError(401, "unauthorized", caller.error().message);
  } else if (path == "/metrics") {
    if (request.method != "GET") {
      response = JsonError(405, "method-not-allowed", "GET only");
    } else {
      response = net::Response::Text(200, metrics_.Render(&store_),
                                     "text/plain; version=0.0.4; charset=utf-8");
    }
  } else {
    response = Rest(request, *caller);
  }
  metrics_.Record(EndpointOf(path), response.status, std::chrono::steady_clock::now() - start);
  return response;
}

net::Response NodeApi::Rest(const net::Request& request, const Caller& caller) {
  const std::string_view path = request.path();
  if (IdentityRest::Handles(path)) return identity_.Handle(request, caller);
  const bool known =
      path == "/api/v1/health" || path == "/api/v1/stats" || path == "/api/v1/search";
  if (!known) return JsonError(404, "not-found", "no endpoint " + std::string(path));
  if (request.method != "GET") return JsonError(405, "method-not-allowed", "GET only");
  if (path == "/api/v1/health") {
    model::JsonWriter w;
    w.BeginObject().Key("status").String("ok").Key("organisation").String(caller.organisation);
    w.Key("role").String(RoleName(caller.role)).EndObject();
    return JsonResponse(200, w.Take());
  }
  if (path == "/api/v1/search") return Search(request, caller);
  // Volumes of the store are operational data: people who run or audit the node.
  if (caller.role != Role::kAdmin && caller.role != Role::kAnalyst &&
      caller.role != Role::kAuditor) {
    return JsonError(403, "forbidden", "stats need the admin, analyst or auditor role");
  }
  auto stats = store_.Stats();
  if (!stats) return JsonError(500, "storage", stats.error().message);
  model::JsonWriter w;
  w.BeginObject().Key("backend").String(stats->backend);
  w.Key("schema_version").Int(stats->schema_version);
  w.Key("objects").Int(stats->objects).Key("object_versions").Int(stats->object_versions);
  w.Key("revoked_objects").Int(stats->revoked_objects).Key("observables").Int(stats->observables);
  w.Key("objects_by_type").BeginObject();
  for (const auto& [type, n] : stats->objects_by_type) w.Key(type).Int(n);
  w.EndObject().EndObject();
  return JsonResponse(200, w.Take());
}

net::Response NodeApi::Search(const net::Request& request, const Caller& caller) {
  if (!RoleMayRead(caller.role))
    return JsonError(403, "forbidden", "this role cannot read objects");
  std::string value, kind_name;
  size_t limit = 100;
  for (const auto& [key, v] : request.query()) {
    if (key == "value") value = v;
    if (key == "type") kind_name = v;
    if (key == "limit") {
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), limit);
      if (ec != std::errc{} || end != v.data() + v.size() || limit == 0) {
        return JsonError(400, "invalid-argument", "limit: expected a positive integer");
      }
      limit = std::min<size_t>(limit, 1000);
    }
  }
  if (value.empty()) return JsonError(400, "invalid-argument", "value: required");
  std::optional<model::Observable> observable;
  if (kind_name.empty()) {
    observable = model::ClassifyObservable(value);
    if (!observable) {
      return JsonError(400, "invalid-argument", "value: not a recognisable observable; give type");
    }
  } else {
    auto kind = model::ParseObservableKindName(kind_name);
    if (!kind) return JsonError(400, "invalid-argument", "type: unknown observable type");
    auto normal = model::NormalizeObservable(*kind, value);
    if (!normal) return JsonError(400, "invalid-argument", normal.error().message);
    observable = model::Observable{*kind, *normal};
  }
  store::Query q;
  q.observable = observable;
  model::JsonWriter w;
  w.BeginObject().Key("type").String(model::ObservableKindName(observable->kind));
  w.Key("value").String(observable->value).Key("objects").BeginArray();
  size_t shown = 0;
  bool more = false;
  auto scanned = store_.Scan(q, [&](const store::StoredVersion& v) {
    if (!MayRead(caller, taxii_.FactsOf(v))) return true;
    if (shown == limit) {
      more = true;
      return false;
    }
    w.Raw(v.json);
    ++shown;
    return true;
  });
  if (!scanned) return JsonError(500, "storage", scanned.error().message);
  w.EndArray().Key("more").Bool(more).EndObject();
  return JsonResponse(200, w.Take());
}

}  // namespace socmesh::api
