#include "api/identity_requests.hpp"

#include <simdjson.h>

#include <algorithm>
#include <initializer_list>
#include <map>
#include <memory>

#include "identity/names.hpp"

namespace socmesh::api {
namespace {

std::unexpected<Error> Invalid(std::string message) {
  return Fail(ErrorCode::kInvalidArgument, std::move(message));
}

// The members of a JSON object body, each key once and among `allowed`.
class Body {
 public:
  static Result<Body> Parse(std::string_view text,
                            std::initializer_list<std::string_view> allowed) {
    Body b;
    b.parser_ = std::make_unique<simdjson::dom::parser>();
    simdjson::dom::element root;
    if (b.parser_->parse(text.data(), text.size()).get(root) != simdjson::SUCCESS) {
      return Invalid("body: not valid JSON");
    }
    simdjson::dom::object object;
    if (root.get_object().get(object) != simdjson::SUCCESS) {
      return Invalid("body: expected a JSON object");
    }
    for (auto [key, value] : object) {
      if (std::ranges::find(allowed, key) == allowed.end()) {
        return Invalid("body: unknown member \"" + Printable(key) + "\"");
      }
      if (!b.members_.emplace(std::string(key), value).second) {
        return Invalid("body: member \"" + std::string(key) + "\" given twice");
      }
    }
    return b;
  }

  bool Has(std::string_view key) const { return members_.contains(std::string(key)); }

  Result<std::string> String(std::string_view key) const {
    auto it = members_.find(std::string(key));
    if (it == members_.end()) return Invalid(std::string(key) + ": required");
    std::string_view s;
    if (it->second.get_string().get(s) != simdjson::SUCCESS) {
      return Invalid(std::string(key) + ": expected a string");
    }
    return std::string(s);
  }

  Result<Role> RoleOf(std::string_view key) const {
    auto name = String(key);
    if (!name) return std::unexpected(name.error());
    auto role = ParseRole(*name);
    if (!role) {
      return Invalid(std::string(key) + ": unknown role \"" + Printable(*name) +
                     "\" (admin, analyst, reader, auditor, peer)");
    }
    return *role;
  }

  Result<bool> Bool(std::string_view key) const {
    bool v = false;
    if (members_.at(std::string(key)).get_bool().get(v) != simdjson::SUCCESS) {
      return Invalid(std::string(key) + ": expected true or false");
    }
    return v;
  }

  Result<int64_t> Int(std::string_view key) const {
    int64_t v = 0;
    if (members_.at(std::string(key)).get_int64().get(v) != simdjson::SUCCESS) {
      return Invalid(std::string(key) + ": expected an integer");
    }
    return v;
  }

  // At most 40 printable ASCII characters of `s`, for error messages about untrusted input.
  static std::string Printable(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, 40)) out += (c >= 0x20 && c < 0x7F) ? c : '?';
    return out;
  }

 private:
  // On the heap: elements point into the parser's document, which must not move with Body.
  std::unique_ptr<simdjson::dom::parser> parser_;
  std::map<std::string, simdjson::dom::element> members_;
};

}  // namespace

Result<OrganisationRequest> ParseOrganisationRequest(std::string_view text) {
  auto body = Body::Parse(text, {"name", "country", "role"});
  if (!body) return std::unexpected(body.error());
  OrganisationRequest r;
  auto name = body->String("name");
  if (!name) return std::unexpected(name.error());
  if (auto ok = identity::ValidateOrganisationName(*name); !ok) return std::unexpected(ok.error());
  auto country = body->String("country");
  if (!country) return std::unexpected(country.error());
  if (auto ok = identity::ValidateCountry(*country); !ok) return std::unexpected(ok.error());
  r.name = std::move(*name);
  r.country = std::move(*country);
  if (body->Has("role")) {
    auto role = body->RoleOf("role");
    if (!role) return std::unexpected(role.error());
    r.role = *role;
  }
  return r;
}

Result<Role> ParseOrganisationUpdate(std::string_view text) {
  auto body = Body::Parse(text, {"role"});
  if (!body) return std::unexpected(body.error());
  return body->RoleOf("role");
}

Result<UserRequest> ParseUserRequest(std::string_view text) {
  auto body = Body::Parse(text, {"name", "role"});
  if (!body) return std::unexpected(body.error());
  auto name = body->String("name");
  if (!name) return std::unexpected(name.error());
  if (auto ok = identity::ValidateUserName(*name); !ok) return std::unexpected(ok.error());
  auto role = body->RoleOf("role");
  if (!role) return std::unexpected(role.error());
  return UserRequest{std::move(*name), *role};
}

Result<UserUpdate> ParseUserUpdate(std::string_view text) {
  auto body = Body::Parse(text, {"role", "disabled"});
  if (!body) return std::unexpected(body.error());
  UserUpdate u;
  if (body->Has("role")) {
    auto role = body->RoleOf("role");
    if (!role) return std::unexpected(role.error());
    u.role = *role;
  }
  if (body->Has("disabled")) {
    auto disabled = body->Bool("disabled");
    if (!disabled) return std::unexpected(disabled.error());
    u.disabled = *disabled;
  }
  if (!u.role && !u.disabled) return Invalid("body: give \"role\" and/or \"disabled\"");
  return u;
}

Result<TokenRequest> ParseTokenRequest(std::string_view text) {
  auto body = Body::Parse(text, {"user", "role", "expires_in"});
  if (!body) return std::unexpected(body.error());
  TokenRequest t;
  auto user = body->String("user");
  if (!user) return std::unexpected(user.error());
  if (auto ok = identity::ValidateUserName(*user); !ok) return std::unexpected(ok.error());
  t.user = std::move(*user);
  if (body->Has("role")) {
    auto role = body->RoleOf("role");
    if (!role) return std::unexpected(role.error());
    t.role = *role;
  }
  if (body->Has("expires_in")) {
    auto seconds = body->Int("expires_in");
    if (!seconds) return std::unexpected(seconds.error());
    // Bounded before conversion: any int64 is accepted by the parser.
    const int64_t clamped =
        std::clamp<int64_t>(*seconds, -1, identity::kMaxTokenLifetime.count() + 1);
    if (auto ok = identity::ValidateLifetime(std::chrono::seconds(clamped)); !ok) {
      return std::unexpected(ok.error());
    }
    t.expires_in = std::chrono::seconds(clamped);
  }
  return t;
}

Result<std::string> ParseGroupRequest(std::string_view text) {
  auto body = Body::Parse(text, {"name"});
  if (!body) return std::unexpected(body.error());
  auto name = body->String("name");
  if (!name) return std::unexpected(name.error());
  if (auto ok = identity::ValidateGroupName(*name); !ok) return std::unexpected(ok.error());
  return name;
}

}  // namespace socmesh::api
