#include "model/sco_id.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <utility>

#include "model/canonical_json.hpp"
#include "model/detail/canonical_dom.hpp"
#include "model/detail/json_parse.hpp"
#include "model/detail/sco_id_dom.hpp"
#include "model/identifier.hpp"

namespace socmesh::model {
namespace {

// "ID Contributing Properties" of each SCO (STIX 2.1 chapter 6), in spec order.
constexpr std::string_view kArtifact[] = {"hashes", "payload_bin"};
constexpr std::string_view kAutonomousSystem[] = {"number"};
constexpr std::string_view kDirectory[] = {"path"};
constexpr std::string_view kValue[] = {"value"};
constexpr std::string_view kEmailMessage[] = {"from_ref", "subject", "body"};
constexpr std::string_view kFile[] = {"hashes", "name", "extensions", "parent_directory_ref"};
constexpr std::string_view kMutex[] = {"name"};
constexpr std::string_view kNetworkTraffic[] = {"start",    "end",      "src_ref",   "dst_ref",
                                                "src_port", "dst_port", "protocols", "extensions"};
constexpr std::string_view kSoftware[] = {"name", "cpe", "swid", "vendor", "version"};
constexpr std::string_view kUserAccount[] = {"account_type", "user_id", "account_login"};
constexpr std::string_view kWindowsRegistryKey[] = {"key", "values"};
constexpr std::string_view kX509Certificate[] = {"hashes", "serial_number"};

struct ScoType {
  std::string_view type;
  std::span<const std::string_view> properties;
};

// process has no contributing properties: its ids are always UUIDv4.
constexpr ScoType kScoTypes[] = {
    {"artifact", kArtifact},
    {"autonomous-system", kAutonomousSystem},
    {"directory", kDirectory},
    {"domain-name", kValue},
    {"email-addr", kValue},
    {"email-message", kEmailMessage},
    {"file", kFile},
    {"ipv4-addr", kValue},
    {"ipv6-addr", kValue},
    {"mac-addr", kValue},
    {"mutex", kMutex},
    {"network-traffic", kNetworkTraffic},
    {"process", {}},
    {"software", kSoftware},
    {"url", kValue},
    {"user-account", kUserAccount},
    {"windows-registry-key", kWindowsRegistryKey},
    {"x509-certificate", kX509Certificate},
};

constexpr size_t kMaxContributing = std::size(kNetworkTraffic);

// Spec text on artifact, file and x509-certificate: "include only one hash ... from this ordered
// list [MD5, SHA-1, SHA-256, SHA-512]". The spec is silent when none of them is present; the first
// name in JCS order is taken so the id does not depend on the producer's key order (python-stix2
// takes the first in its dict order, i.e. usually the input order).
constexpr std::string_view kPreferredHashes[] = {"MD5", "SHA-1", "SHA-256", "SHA-512"};

size_t HashPreference(std::string_view name) {
  for (size_t i = 0; i < std::size(kPreferredHashes); ++i) {
    if (name == kPreferredHashes[i]) return i;
  }
  return std::size(kPreferredHashes);
}

// Nesting allowed inside contributing values (extensions, registry values); deeper input is
// rejected like any other canonicalization.
constexpr size_t kMaxValueDepth = 64;

Result<void> AppendChosenHash(simdjson::dom::element hashes, std::string& out) {
  simdjson::dom::object dictionary;
  if (hashes.get_object().get(dictionary) != simdjson::SUCCESS) {
    return Fail(ErrorCode::kInvalidStix,
                "hashes at $.hashes must be a dictionary to compute the deterministic SCO id");
  }
  std::string_view best_name;
  simdjson::dom::element best_value;
  size_t best_rank = 0;
  bool found = false;
  for (simdjson::dom::key_value_pair field : dictionary) {
    if (found && field.key == best_name) {
      return Fail(ErrorCode::kInvalidArgument,
                  "duplicate hash name in the object at $.hashes: the deterministic SCO id would "
                  "depend on which one is used");
    }
    const size_t rank = HashPreference(field.key);
    const bool better =
        !found || rank < best_rank || (rank == best_rank && JcsKeyLess(field.key, best_name));
    if (better) {
      best_name = field.key;
      best_value = field.value;
      best_rank = rank;
      found = true;
    }
  }
  if (!found) {
    return Fail(ErrorCode::kInvalidStix,
                "hashes at $.hashes is empty: the deterministic SCO id needs one hash");
  }
  out.push_back('{');
  AppendJcsString(out, best_name);
  out.push_back(':');
  if (auto written = detail::AppendCanonical(best_value, out, "$.hashes", kMaxValueDepth);
      !written) {
    return written;
  }
  out.push_back('}');
  return {};
}

}  // namespace

std::span<const std::string_view> IdContributingProperties(std::string_view sco_type) {
  for (const ScoType& entry : kScoTypes) {
    if (entry.type == sco_type) return entry.properties;
  }
  return {};
}

Result<std::optional<std::string>> ComputeScoId(std::string_view sco_json) {
  detail::ParserLease lease;
  auto root = detail::ParseJson(lease.get(), sco_json);
  if (!root) return std::unexpected(std::move(root.error()));
  simdjson::dom::object object;
  if (root->get_object().get(object) != simdjson::SUCCESS) {
    return Fail(ErrorCode::kInvalidStix, "an SCO must be a JSON object");
  }
  simdjson::dom::element type_element;
  std::string_view type;
  if (object.at_key("type").get(type_element) != simdjson::SUCCESS ||
      type_element.get_string().get(type) != simdjson::SUCCESS) {
    return Fail(ErrorCode::kInvalidStix, "the SCO has no string property \"type\"");
  }
  return detail::ComputeScoIdFromObject(type, object);
}

namespace detail {

Result<std::optional<std::string>> ComputeScoIdFromObject(std::string_view type,
                                                          simdjson::dom::object object) {
  const std::span<const std::string_view> properties = IdContributingProperties(type);
  if (properties.empty()) return std::nullopt;

  struct Contributing {
    std::string_view name;
    simdjson::dom::element value;
  };
  std::array<Contributing, kMaxContributing> present;
  size_t count = 0;
  for (simdjson::dom::key_value_pair field : object) {
    const auto it = std::find(properties.begin(), properties.end(), field.key);
    if (it == properties.end()) continue;
    for (size_t i = 0; i < count; ++i) {
      if (present[i].name == field.key) {
        return Fail(ErrorCode::kInvalidArgument,
                    "duplicate property name \"" + std::string(field.key) +
                        "\" in the object at $: the deterministic SCO id would depend on which "
                        "one is used");
      }
    }
    present[count++] = Contributing{*it, field.value};
  }
  if (count == 0) return std::nullopt;
  // Contributing property names are ASCII, where JCS order is plain byte order. At most eight
  // entries: insertion sort.
  for (size_t i = 1; i < count; ++i) {
    for (size_t j = i; j > 0 && present[j].name < present[j - 1].name; --j) {
      std::swap(present[j], present[j - 1]);
    }
  }

  // Reused across calls: this runs for every SCO the STIX parser sees.
  thread_local std::string name;
  thread_local std::string path;
  name.clear();
  name.push_back('{');
  for (size_t i = 0; i < count; ++i) {
    if (i != 0) name.push_back(',');
    AppendJcsString(name, present[i].name);
    name.push_back(':');
    Result<void> written;
    if (present[i].name == "hashes") {
      written = AppendChosenHash(present[i].value, name);
    } else {
      path.assign("$.");
      path.append(present[i].name);
      written = AppendCanonical(present[i].value, name, path, kMaxValueDepth);
    }
    if (!written) return std::unexpected(std::move(written.error()));
  }
  name.push_back('}');

  const std::string uuid = FormatUuid(UuidV5(kStixScoNamespace, name));
  std::string id;
  id.reserve(type.size() + 2 + uuid.size());
  id.append(type).append("--").append(uuid);
  return id;
}

}  // namespace detail
}  // namespace socmesh::model
