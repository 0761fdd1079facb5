// The STIX 2.1 object catalogue, transcribed from the specification (OASIS STIX 2.1, sections 4-7)
// and cross-checked against the OASIS JSON schemas (../shared/data/stix2-schemas).
#include <algorithm>
#include <array>

#include "model/detail/stix_catalog.hpp"

namespace socmesh::model::detail {

namespace {

using K = ValueKind;

// Reused target lists.
const std::vector<std::string_view> kIdentity = {"identity"};
const std::vector<std::string_view> kMarking = {"marking-definition"};
const std::vector<std::string_view> kSoftware = {"software"};
const std::vector<std::string_view> kFileOrArtifact = {"file", "artifact"};
const std::vector<std::string_view> kArtifact = {"artifact"};
const std::vector<std::string_view> kEmailAddr = {"email-addr"};
const std::vector<std::string_view> kUserAccount = {"user-account"};
const std::vector<std::string_view> kNetworkTraffic = {"network-traffic"};
const std::vector<std::string_view> kAnyScoList = {kAnySco};

// Shared property lists of SDOs that describe threat groups.
std::vector<PropertyRule> ActorProperties() {
  return {{"name", K::kString},
          {"description", K::kString},
          {"aliases", K::kStringList},
          {"first_seen", K::kTimestamp},
          {"last_seen", K::kTimestamp},
          {"goals", K::kStringList},
          {"resource_level", K::kString},
          {"primary_motivation", K::kString},
          {"secondary_motivations", K::kStringList}};
}

std::vector<TypeRule> BuildCatalog() {
  using C = ObjectCategory;
  std::vector<TypeRule> c;
  // --- STIX Domain Objects (section 4) ---
  c.push_back({"attack-pattern",
               C::kDomainObject,
               {"name"},
               {{"name", K::kString},
                {"description", K::kString},
                {"aliases", K::kStringList},
                {"kill_chain_phases", K::kKillChainPhases}}});
  c.push_back({"campaign",
               C::kDomainObject,
               {"name"},
               {{"name", K::kString},
                {"description", K::kString},
                {"aliases", K::kStringList},
                {"first_seen", K::kTimestamp},
                {"last_seen", K::kTimestamp},
                {"objective", K::kString}}});
  c.push_back({"course-of-action",
               C::kDomainObject,
               {"name"},
               {{"name", K::kString}, {"description", K::kString}}});
  c.push_back({"grouping",
               C::kDomainObject,
               {"context", "object_refs"},
               {{"name", K::kString},
                {"description", K::kString},
                {"context", K::kString},
                {"object_refs", K::kIdentifierList}}});
  c.push_back({"identity",
               C::kDomainObject,
               {"name"},
               {{"name", K::kString},
                {"description", K::kString},
                {"roles", K::kStringList},
                {"identity_class", K::kString},
                {"sectors", K::kStringList},
                {"contact_information", K::kString}}});
  c.push_back({"incident",
               C::kDomainObject,
               {"name"},
               {{"name", K::kString},
                {"description", K::kString},
                {"kill_chain_phases", K::kKillChainPhases}}});
  c.push_back({"indicator",
               C::kDomainObject,
               {"pattern", "pattern_type", "valid_from"},
               {{"name", K::kString},
                {"description", K::kString},
                {"indicator_types", K::kStringList},
                {"pattern", K::kString},
                {"pattern_type", K::kString},
                {"pattern_version", K::kString},
                {"valid_from", K::kTimestamp},
                {"valid_until", K::kTimestamp},
                {"kill_chain_phases", K::kKillChainPhases}}});
  c.push_back({"infrastructure",
               C::kDomainObject,
               {"name"},
               {{"name", K::kString},
                {"description", K::kString},
                {"infrastructure_types", K::kStringList},
                {"aliases", K::kStringList},
                {"kill_chain_phases", K::kKillChainPhases},
                {"first_seen", K::kTimestamp},
                {"last_seen", K::kTimestamp}}});
  c.push_back({"intrusion-set", C::kDomainObject, {"name"}, ActorProperties()});
  c.push_back({"location",
               C::kDomainObject,
               {},
               {{"name", K::kString},
                {"description", K::kString},
                {"latitude", K::kNumber},
                {"longitude", K::kNumber},
                {"precision", K::kNumber},
                {"region", K::kString},
                {"country", K::kString},
                {"administrative_area", K::kString},
                {"city", K::kString},
                {"street_address", K::kString},
                {"postal_code", K::kString}}});
  c.push_back({"malware",
               C::kDomainObject,
               {"is_family"},
               {{"name", K::kString},
                {"description", K::kString},
                {"malware_types", K::kStringList},
                {"is_family", K::kBoolean},
                {"aliases", K::kStringList},
                {"kill_chain_phases", K::kKillChainPhases},
                {"first_seen", K::kTimestamp},
                {"last_seen", K::kTimestamp},
                {"operating_system_refs", K::kIdentifierList, kSoftware},
                {"architecture_execution_envs", K::kStringList},
                {"implementation_languages", K::kStringList},
                {"capabilities", K::kStringList},
                {"sample_refs", K::kIdentifierList, kFileOrArtifact}}});
  c.push_back({"malware-analysis",
               C::kDomainObject,
               {"product"},
               {{"product", K::kString},
                {"version", K::kString},
                {"host_vm_ref", K::kIdentifier, kSoftware},
                {"operating_system_ref", K::kIdentifier, kSoftware},
                {"installed_software_refs", K::kIdentifierList, kSoftware},
                {"configuration_version", K::kString},
                {"modules", K::kStringList},
                {"analysis_engine_version", K::kString},
                {"analysis_definition_version", K::kString},
                {"submitted", K::kTimestamp},
                {"analysis_started", K::kTimestamp},
                {"analysis_ended", K::kTimestamp},
                {"result_name", K::kString},
                {"result", K::kString},
                {"analysis_sco_refs", K::kIdentifierList, kAnyScoList},
                {"sample_ref", K::kIdentifier, {"file", "artifact", "network-traffic"}}}});
  c.push_back({"note",
               C::kDomainObject,
               {"content", "object_refs"},
               {{"abstract", K::kString},
                {"content", K::kString},
                {"authors", K::kStringList},
                {"object_refs", K::kIdentifierList}}});
  c.push_back({"observed-data",
               C::kDomainObject,
               {"first_observed", "last_observed", "number_observed"},
               {{"first_observed", K::kTimestamp},
                {"last_observed", K::kTimestamp},
                {"number_observed", K::kInteger},
                {"objects", K::kDictionary},
                {"object_refs", K::kIdentifierList}}});
  c.push_back({"opinion",
               C::kDomainObject,
               {"opinion", "object_refs"},
               {{"explanation", K::kString},
                {"authors", K::kStringList},
                {"opinion", K::kString},
                {"object_refs", K::kIdentifierList}}});
  c.push_back({"report",
               C::kDomainObject,
               {"name", "published", "object_refs"},
               {{"name", K::kString},
                {"description", K::kString},
                {"report_types", K::kStringList},
                {"published", K::kTimestamp},
                {"object_refs", K::kIdentifierList}}});
  {
    auto p = ActorProperties();
    p.push_back({"threat_actor_types", K::kStringList});
    p.push_back({"roles", K::kStringList});
    p.push_back({"sophistication", K::kString});
    p.push_back({"personal_motivations", K::kStringList});
    c.push_back({"threat-actor", C::kDomainObject, {"name"}, std::move(p)});
  }
  c.push_back({"tool",
               C::kDomainObject,
               {"name"},
               {{"name", K::kString},
                {"description", K::kString},
                {"tool_types", K::kStringList},
                {"aliases", K::kStringList},
                {"kill_chain_phases", K::kKillChainPhases},
                {"tool_version", K::kString}}});
  c.push_back({"vulnerability",
               C::kDomainObject,
               {"name"},
               {{"name", K::kString}, {"description", K::kString}}});
  // --- STIX Relationship Objects (section 5) ---
  c.push_back({"relationship",
               C::kRelationshipObject,
               {"relationship_type", "source_ref", "target_ref"},
               {{"relationship_type", K::kString},
                {"description", K::kString},
                {"source_ref", K::kIdentifier, {kAnySdo, kAnySco}},
                {"target_ref", K::kIdentifier, {kAnySdo, kAnySco}},
                {"start_time", K::kTimestamp},
                {"stop_time", K::kTimestamp}}});
  c.push_back({"sighting",
               C::kRelationshipObject,
               {"sighting_of_ref"},
               {{"description", K::kString},
                {"first_seen", K::kTimestamp},
                {"last_seen", K::kTimestamp},
                {"count", K::kNonNegative},
                {"sighting_of_ref", K::kIdentifier, {kAnySdo}},
                {"observed_data_refs", K::kIdentifierList, {"observed-data"}},
                {"where_sighted_refs", K::kIdentifierList, {"identity", "location"}},
                {"summary", K::kBoolean}}});
  // --- STIX Cyber-observable Objects (section 6) ---
  c.push_back({"artifact",
               C::kCyberObservable,
               {},
               {{"mime_type", K::kString},
                {"payload_bin", K::kBinary},
                {"url", K::kString},
                {"hashes", K::kHashes},
                {"encryption_algorithm", K::kString},
                {"decryption_key", K::kString}}});
  c.push_back({"autonomous-system",
               C::kCyberObservable,
               {"number"},
               {{"number", K::kNonNegative}, {"name", K::kString}, {"rir", K::kString}}});
  c.push_back({"directory",
               C::kCyberObservable,
               {"path"},
               {{"path", K::kString},
                {"path_enc", K::kString},
                {"ctime", K::kTimestamp},
                {"mtime", K::kTimestamp},
                {"atime", K::kTimestamp},
                {"contains_refs", K::kIdentifierList, {"file", "directory"}}}});
  c.push_back(
      {"domain-name",
       C::kCyberObservable,
       {"value"},
       {{"value", K::kString},
        {"resolves_to_refs", K::kIdentifierList, {"ipv4-addr", "ipv6-addr", "domain-name"}}}});
  c.push_back({"email-addr",
               C::kCyberObservable,
               {"value"},
               {{"value", K::kString},
                {"display_name", K::kString},
                {"belongs_to_ref", K::kIdentifier, kUserAccount}}});
  c.push_back({"email-message",
               C::kCyberObservable,
               {"is_multipart"},
               {{"is_multipart", K::kBoolean},
                {"date", K::kTimestamp},
                {"content_type", K::kString},
                {"from_ref", K::kIdentifier, kEmailAddr},
                {"sender_ref", K::kIdentifier, kEmailAddr},
                {"to_refs", K::kIdentifierList, kEmailAddr},
                {"cc_refs", K::kIdentifierList, kEmailAddr},
                {"bcc_refs", K::kIdentifierList, kEmailAddr},
                {"message_id", K::kString},
                {"subject", K::kString},
                {"received_lines", K::kStringList},
                {"additional_header_fields", K::kDictionary},
                {"body", K::kString},
                {"body_multipart", K::kList},
                {"raw_email_ref", K::kIdentifier, kArtifact}}});
  c.push_back({"file",
               C::kCyberObservable,
               {},
               {{"hashes", K::kHashes},
                {"size", K::kNonNegative},
                {"name", K::kString},
                {"name_enc", K::kString},
                {"magic_number_hex", K::kHex},
                {"mime_type", K::kString},
                {"ctime", K::kTimestamp},
                {"mtime", K::kTimestamp},
                {"atime", K::kTimestamp},
                {"parent_directory_ref", K::kIdentifier, {"directory"}},
                {"contains_refs", K::kIdentifierList, kAnyScoList},
                {"content_ref", K::kIdentifier, kArtifact}}});
  c.push_back({"ipv4-addr",
               C::kCyberObservable,
               {"value"},
               {{"value", K::kString},
                {"resolves_to_refs", K::kIdentifierList, {"mac-addr"}},
                {"belongs_to_refs", K::kIdentifierList, {"autonomous-system"}}}});
  c.push_back({"ipv6-addr",
               C::kCyberObservable,
               {"value"},
               {{"value", K::kString},
                {"resolves_to_refs", K::kIdentifierList, {"mac-addr"}},
                {"belongs_to_refs", K::kIdentifierList, {"autonomous-system"}}}});
  c.push_back({"mac-addr", C::kCyberObservable, {"value"}, {{"value", K::kString}}});
  c.push_back({"mutex", C::kCyberObservable, {"name"}, {{"name", K::kString}}});
  c.push_back({"network-traffic",
               C::kCyberObservable,
               {"protocols"},
               {{"start", K::kTimestamp},
                {"end", K::kTimestamp},
                {"is_active", K::kBoolean},
                {"src_ref", K::kIdentifier, {"ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"}},
                {"dst_ref", K::kIdentifier, {"ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"}},
                {"src_port", K::kNonNegative},
                {"dst_port", K::kNonNegative},
                {"protocols", K::kStringList},
                {"src_byte_count", K::kNonNegative},
                {"dst_byte_count", K::kNonNegative},
                {"src_packets", K::kNonNegative},
                {"dst_packets", K::kNonNegative},
                {"ipfix", K::kDictionary},
                {"src_payload_ref", K::kIdentifier, kArtifact},
                {"dst_payload_ref", K::kIdentifier, kArtifact},
                {"encapsulates_refs", K::kIdentifierList, kNetworkTraffic},
                {"encapsulated_by_ref", K::kIdentifier, kNetworkTraffic}}});
  c.push_back({"process",
               C::kCyberObservable,
               {},
               {{"is_hidden", K::kBoolean},
                {"pid", K::kInteger},
                {"created_time", K::kTimestamp},
                {"cwd", K::kString},
                {"command_line", K::kString},
                {"environment_variables", K::kDictionary},
                {"opened_connection_refs", K::kIdentifierList, kNetworkTraffic},
                {"creator_user_ref", K::kIdentifier, kUserAccount},
                {"image_ref", K::kIdentifier, {"file"}},
                {"parent_ref", K::kIdentifier, {"process"}},
                {"child_refs", K::kIdentifierList, {"process"}}}});
  c.push_back({"software",
               C::kCyberObservable,
               {"name"},
               {{"name", K::kString},
                {"cpe", K::kString},
                {"swid", K::kString},
                {"languages", K::kStringList},
                {"vendor", K::kString},
                {"version", K::kString}}});
  c.push_back({"url", C::kCyberObservable, {"value"}, {{"value", K::kString}}});
  c.push_back({"user-account",
               C::kCyberObservable,
               {},
               {{"user_id", K::kString},
                {"credential", K::kString},
                {"account_login", K::kString},
                {"account_type", K::kString},
                {"display_name", K::kString},
                {"is_service_account", K::kBoolean},
                {"is_privileged", K::kBoolean},
                {"can_escalate_privs", K::kBoolean},
                {"is_disabled", K::kBoolean},
                {"account_created", K::kTimestamp},
                {"account_expires", K::kTimestamp},
                {"credential_last_changed", K::kTimestamp},
                {"account_first_login", K::kTimestamp},
                {"account_last_login", K::kTimestamp}}});
  c.push_back({"windows-registry-key",
               C::kCyberObservable,
               {},
               {{"key", K::kString},
                {"values", K::kList},
                {"modified_time", K::kTimestamp},
                {"creator_user_ref", K::kIdentifier, kUserAccount},
                {"number_of_subkeys", K::kNonNegative}}});
  c.push_back({"x509-certificate",
               C::kCyberObservable,
               {},
               {{"is_self_signed", K::kBoolean},
                {"hashes", K::kHashes},
                {"version", K::kString},
                {"serial_number", K::kString},
                {"signature_algorithm", K::kString},
                {"issuer", K::kString},
                {"validity_not_before", K::kTimestamp},
                {"validity_not_after", K::kTimestamp},
                {"subject", K::kString},
                {"subject_public_key_algorithm", K::kString},
                {"subject_public_key_modulus", K::kString},
                {"subject_public_key_exponent", K::kNonNegative},
                {"x509_v3_extensions", K::kDictionary}}});
  // --- Meta objects (section 7) ---
  c.push_back(
      {"marking-definition",
       C::kMarkingDefinition,
       {},
       {{"name", K::kString}, {"definition_type", K::kString}, {"definition", K::kDictionary}}});
  c.push_back({"language-content",
               C::kLanguageContent,
               {"object_ref", "contents"},
               {{"object_ref", K::kIdentifier},
                {"object_modified", K::kTimestamp},
                {"contents", K::kDictionary}}});
  c.push_back({"extension-definition",
               C::kExtensionDefinition,
               {"created_by_ref", "name", "schema", "version", "extension_types"},
               {{"name", K::kString},
                {"description", K::kString},
                {"schema", K::kString},
                {"version", K::kString},
                {"extension_types", K::kStringList},
                {"extension_properties", K::kStringList}}});
  std::sort(c.begin(), c.end(),
            [](const TypeRule& a, const TypeRule& b) { return a.type < b.type; });
  return c;
}

const std::vector<TypeRule>& Catalog() {
  static const std::vector<TypeRule> catalog = BuildCatalog();
  return catalog;
}

}  // namespace

const TypeRule* FindTypeRule(std::string_view type) {
  const auto& c = Catalog();
  auto it = std::lower_bound(c.begin(), c.end(), type,
                             [](const TypeRule& r, std::string_view t) { return r.type < t; });
  return it != c.end() && it->type == type ? &*it : nullptr;
}

std::span<const PropertyRule> CommonPropertyRules() {
  static const std::vector<PropertyRule> rules = {
      {"created_by_ref", K::kIdentifier, kIdentity},
      {"created", K::kTimestamp},
      {"modified", K::kTimestamp},
      {"revoked", K::kBoolean},
      {"labels", K::kStringList},
      {"confidence", K::kInteger},
      {"lang", K::kString},
      {"external_references", K::kList},
      {"object_marking_refs", K::kIdentifierList, kMarking},
      {"granular_markings", K::kList},
      {"extensions", K::kDictionary},
      {"defanged", K::kBoolean},
  };
  return rules;
}

bool IsPredefinedExtensionName(std::string_view name) {
  static constexpr std::array<std::string_view, 12> kNames = {"archive-ext",
                                                              "ntfs-ext",
                                                              "pdf-ext",
                                                              "raster-image-ext",
                                                              "windows-pebinary-ext",
                                                              "http-request-ext",
                                                              "icmp-ext",
                                                              "socket-ext",
                                                              "tcp-ext",
                                                              "windows-process-ext",
                                                              "windows-service-ext",
                                                              "unix-account-ext"};
  return std::find(kNames.begin(), kNames.end(), name) != kNames.end();
}

}  // namespace socmesh::model::detail
