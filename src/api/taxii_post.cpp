// TAXII 2.1 "Add Objects" (§5.4): an envelope in, a status resource out (202). Each object is
// validated on its own with the STIX validator (model::ParseStixObject, the rules ParseBundle
// applies), checked against the collection's filter and api::MayWrite, and the accepted ones are
// stored in one Store::Ingest batch. Every object is accounted for in the status: success, or
// failure with the reason.
#include <simdjson.h>

#include <chrono>
#include <map>

#include "api/detail/responses.hpp"
#include "api/detail/serialized_store.hpp"
#include "api/detail/taxii_context.hpp"
#include "api/taxii_server.hpp"
#include "model/canonical_json.hpp"
#include "model/identifier.hpp"
#include "model/stix_object.hpp"

namespace socmesh::api {
namespace {

constexpr size_t kMaxStatuses = 10'000;

struct Outcome {
  std::string id;
  std::string version;  // as written in the input (modified, else created), may be empty
  std::string failure;  // empty: success
};

std::string StringField(simdjson::dom::element e, const char* key) {
  std::string_view s;
  if (e[key].get_string().get(s) != simdjson::SUCCESS) return {};
  return std::string(s);
}

}  // namespace

net::Response TaxiiServer::PostObjects(Context& c, const CollectionConfig& col) {
  using detail::TaxiiError;
  if (!col.can_write || !RoleMayWrite(c.caller.role)) {
    return TaxiiError(
        403, "Forbidden",
        "this collection cannot be written with role " + std::string(RoleName(c.caller.role)));
  }
  if (!detail::IsTaxiiContentType(c.request)) {
    return TaxiiError(415, "Unsupported media type",
                      "send the envelope as application/taxii+json;version=2.1");
  }
  if (c.request.body.size() > c.root->max_content_length) {
    return TaxiiError(413, "Request too large",
                      "the envelope has " + std::to_string(c.request.body.size()) +
                          " bytes; this API root accepts " +
                          std::to_string(c.root->max_content_length));
  }
  simdjson::dom::parser parser;
  simdjson::dom::element envelope;
  if (auto err = parser.parse(c.request.body).get(envelope); err != simdjson::SUCCESS) {
    return TaxiiError(400, "Bad request",
                      std::string("the body is not JSON: ") + simdjson::error_message(err));
  }
  simdjson::dom::array objects;
  if (!envelope.is_object() || envelope["objects"].get_array().get(objects) != simdjson::SUCCESS) {
    return TaxiiError(422, "Unprocessable envelope",
                      "the body must be a TAXII envelope: an object with an \"objects\" array");
  }

  std::vector<Outcome> outcomes;
  std::vector<model::StixObject> accepted;
  std::vector<size_t> accepted_index;  // outcome index of each accepted object
  std::map<model::VersionKey, model::Digest> seen;
  for (simdjson::dom::element e : objects) {
    Outcome& o = outcomes.emplace_back();
    o.id = StringField(e, "id");
    o.version = StringField(e, "modified");
    if (o.version.empty()) o.version = StringField(e, "created");
    std::string text = simdjson::minify(e);
    auto object = model::ParseStixObject(text);
    if (!object) {
      o.failure = object.error().message;
      continue;
    }
    if (!col.types.empty() && std::ranges::find(col.types, object->type) == col.types.end()) {
      o.failure = "type " + object->type + " is not accepted by this collection";
      continue;
    }
    if (col.tlp_ceiling && object->tlp.value_or(model::Tlp::kClear) > *col.tlp_ceiling) {
      o.failure =
          "marked TLP:" + std::string(model::TlpName(*object->tlp)) +
          ", above this collection's ceiling TLP:" + std::string(model::TlpName(*col.tlp_ceiling));
      continue;
    }
    StoredObject facts;
    facts.tlp = object->tlp;
    if (auto it = config_.identity_organisations.find(object->created_by_ref);
        it != config_.identity_organisations.end()) {
      facts.owner_organisation = it->second;
    }
    if (!MayWrite(c.caller, facts)) {
      o.failure = "organisation " + c.caller.organisation + " (role " +
                  std::string(RoleName(c.caller.role)) + ") may not write this object";
      continue;
    }
    auto [earlier, first] = seen.emplace(object->version_key(), object->digest);
    if (!first) {
      // A repeat in the same envelope: identical is a no-op, different content a conflict.
      if (earlier->second != object->digest) {
        o.failure =
            "conflicts with an earlier object of this envelope (same id and modified, other "
            "content)";
      }
      continue;
    }
    accepted_index.push_back(outcomes.size() - 1);
    accepted.push_back(std::move(*object));
  }
  const auto request_time = model::FormatTimestamp(
      model::Timestamp{std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count()},
      true);
  if (!accepted.empty()) {
    auto ingested = store_.Ingest(accepted);
    if (!ingested) return TaxiiError(500, "Store error", ingested.error().message);
    for (const auto& rejection : ingested->rejected) {
      outcomes[accepted_index[rejection.index]].failure = rejection.error.message;
    }
  }

  const std::string status_id = model::FormatUuid(model::NewUuidV4());
  model::JsonWriter w;
  size_t failures = 0;
  for (const auto& o : outcomes) failures += o.failure.empty() ? 0 : 1;
  w.BeginObject().Key("id").String(status_id).Key("status").String("complete");
  w.Key("request_timestamp").String(request_time);
  w.Key("total_count").Int(static_cast<int64_t>(outcomes.size()));
  w.Key("success_count").Int(static_cast<int64_t>(outcomes.size() - failures));
  w.Key("failure_count").Int(static_cast<int64_t>(failures));
  w.Key("pending_count").Int(0);
  for (bool successes : {true, false}) {
    w.Key(successes ? "successes" : "failures").BeginArray();
    for (const auto& o : outcomes) {
      if (o.failure.empty() != successes) continue;
      w.BeginObject().Key("id").String(o.id).Key("version").String(o.version);
      if (!successes) w.Key("message").String(o.failure);
      w.EndObject();
    }
    w.EndArray();
  }
  w.Key("pendings").BeginArray().EndArray();
  w.EndObject();
  std::string body = w.Take();
  {
    std::lock_guard lock(status_mutex_);
    std::string key = c.caller.organisation + "/" + status_id;
    statuses_[key] = body;
    status_order_.push_back(key);
    if (status_order_.size() > kMaxStatuses) {
      statuses_.erase(status_order_.front());
      status_order_.erase(status_order_.begin());
    }
  }
  return detail::TaxiiJson(202, std::move(body));
}

}  // namespace socmesh::api
