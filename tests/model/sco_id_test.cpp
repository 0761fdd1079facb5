#include "model/sco_id.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/test_data.hpp"
#include "model/detail/sco_id_dom.hpp"

namespace socmesh::model {
namespace {

std::string IdOf(std::string_view json) {
  auto id = ComputeScoId(json);
  EXPECT_TRUE(id.has_value()) << json << ": " << id.error().message;
  if (!id.has_value() || !id->has_value()) {
    ADD_FAILURE() << "no deterministic id for " << json;
    return "";
  }
  return **id;
}

bool IsUuidV5Id(std::string_view id) {
  const size_t sep = id.find("--");
  return sep != std::string_view::npos && id.size() == sep + 2 + 36 && id[sep + 2 + 14] == '5';
}

// The SCOs of a JSON document: a bundle, a bare array of objects, or a single object.
std::vector<simdjson::dom::object> Scos(simdjson::dom::element root) {
  simdjson::dom::array objects;
  if (root.is_object()) {
    simdjson::dom::object top = root.get_object().value_unsafe();
    if (top["objects"].get(objects) != simdjson::SUCCESS) return {top};
  } else if (root.get_array().get(objects) != simdjson::SUCCESS) {
    return {};
  }
  std::vector<simdjson::dom::object> out;
  for (simdjson::dom::element item : objects) {
    simdjson::dom::object object;
    std::string_view type;
    if (item.get_object().get(object) == simdjson::SUCCESS &&
        object["type"].get_string().get(type) == simdjson::SUCCESS &&
        !IdContributingProperties(type).empty()) {
      out.push_back(object);
    }
  }
  return out;
}

std::string_view StringField(simdjson::dom::object object, std::string_view name) {
  std::string_view value;
  EXPECT_EQ(object[name].get_string().get(value), simdjson::SUCCESS) << name;
  return value;
}

TEST(IdContributingPropertiesTest, ListsTheSpecPropertiesInSpecOrder) {
  using List = std::vector<std::string_view>;
  auto list = [](std::string_view type) {
    auto span = IdContributingProperties(type);
    return List(span.begin(), span.end());
  };
  EXPECT_EQ(list("file"), (List{"hashes", "name", "extensions", "parent_directory_ref"}));
  EXPECT_EQ(list("network-traffic"), (List{"start", "end", "src_ref", "dst_ref", "src_port",
                                           "dst_port", "protocols", "extensions"}));
  EXPECT_EQ(list("email-message"), (List{"from_ref", "subject", "body"}));
  EXPECT_EQ(list("software"), (List{"name", "cpe", "swid", "vendor", "version"}));
  EXPECT_EQ(list("user-account"), (List{"account_type", "user_id", "account_login"}));
  EXPECT_EQ(list("windows-registry-key"), (List{"key", "values"}));
  EXPECT_EQ(list("x509-certificate"), (List{"hashes", "serial_number"}));
  EXPECT_EQ(list("artifact"), (List{"hashes", "payload_bin"}));
  EXPECT_EQ(list("autonomous-system"), (List{"number"}));
  for (std::string_view type :
       {"domain-name", "email-addr", "ipv4-addr", "ipv6-addr", "mac-addr", "url"}) {
    EXPECT_EQ(list(type), (List{"value"})) << type;
  }
  EXPECT_TRUE(list("process").empty());
  EXPECT_TRUE(list("indicator").empty());
  EXPECT_TRUE(list("x-custom-sco").empty());
}

// The objects of python-stix2's sco-examples-bundle.json are the STIX 2.1 specification's SCO
// examples, but their ids are not reproducible with the algorithm of spec section 2.9 (they
// predate it). The specification's own ids for the same objects are: this table maps each bundle
// id to the id the spec gives the example (checked against the spec text, chapter 6).
TEST(ComputeScoIdTest, ReproducesSpecIdsForScoExamplesBundleObjects) {
  const std::map<std::string_view, std::string_view> spec_ids = {
      {"ipv4-addr--b4e29b62-2053-47c4-bab4-bbce39e5ed67",
       "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"},
      {"domain-name--ecb120bf-2694-4902-a737-62b74539a41b",
       "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7"},
      {"ipv4-addr--efcd5e80-570d-4131-b213-62cb18eaa6a8",
       "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"},
      {"autonomous-system--f720c34b-98ae-597f-ade5-27dc241e8c74",
       "autonomous-system--3aa27478-50b5-5ab8-9da9-cdc12b657fff"},
      {"directory--93c0a9b0-520d-545d-9094-1a08ddf46b05",
       "directory--0a58d0c1-59e6-5afd-8252-dcd3f13e5622"},
      {"domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5",
       "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7"},
      {"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd",
       "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"},
      {"email-addr--2d77a846-6264-5d51-b586-e43822ea1ea3",
       "email-addr--7165e2a9-671f-585d-b1e1-ca59c671d934"},
      {"email-addr--89f52ea8-d6ef-51e9-8fce-6a29236436ed",
       "email-addr--6deb37bd-12b7-54ae-805f-5f7146f3d171"},
      {"email-addr--e4ee5301-b52d-59cd-a8fa-8036738c7194",
       "email-addr--2aeeb98c-9db4-525e-874d-221fdfe9f76e"},
      {"email-message--cf9b4b7f-14c8-5955-8065-020e0316b559",
       "email-message--d7d69ead-3347-5772-815a-7766dc29c72c"},
      {"email-addr--d1b3bf0c-f02a-51a1-8102-11aba7959868",
       "email-addr--3734e66b-c4e8-5d0b-bca9-befdd5699746"},
      {"artifact--4cce66f8-6eaa-53cb-85d5-3a85fca3a6c5",
       "artifact--0682152c-646a-513b-bc07-e516494ed178"},
      {"file--6ce09d9c-0ad3-5ebf-900c-e3cb288955b5", "file--cfebcece-2336-51b0-baf1-d94daae5e1d1"},
      {"file--e277603e-1060-5ad4-9937-c26c97f1ca68", "file--949eb97a-da1e-5292-8959-03c4249dc9f3"},
      {"file--90bd400b-89a5-51a5-b17d-55bc7719723b", "file--7d1e3a18-89e7-5bc5-be36-9879f5b7f5c8"},
      {"file--5a27d487-c542-5f97-a131-a8866b477b46", "file--39643577-13b7-5f21-9584-df7e7c33f357"},
      {"file--019fde1c-94ca-5967-8b3c-a906a51d87ac", "file--70221dbf-52fd-5377-9619-c0ce6b3ffc8c"},
      {"file--94fc2163-dec3-5715-b824-6e689c4de865", "file--c0e2b1c9-232d-5b64-8b74-b6aee5bb9c47"},
      {"file--d07ff290-d7e0-545b-a2ff-04602a9e0b73", "file--5d0833b7-065e-571f-8bf2-657cb9569570"},
      {"mac-addr--65cfcf98-8a6e-5a1b-8f61-379ac4f92d00",
       "mac-addr--757b1725-9903-54f5-a855-1240691d7659"},
      {"mutex--eba44954-d4e4-5d3b-814c-2b17dd8de300",
       "mutex--f93fe911-e545-5239-b9b0-597840d0c871"},
      {"ipv4-addr--4d22aae0-2bf9-5427-8819-e4f6abf20a53",
       "ipv4-addr--9cf4a8ec-7640-5f40-a006-79942896168b"},
      {"network-traffic--2568d22a-8998-58eb-99ec-3c8ca74f527d",
       "network-traffic--6e0cb830-0305-57d4-8536-7be874d42005"},
      {"network-traffic--15a157a8-26e3-56e0-820b-0c2a8e553a2c",
       "network-traffic--c695ada6-5d5d-5446-a661-935874e1d058"},
      {"ipv4-addr--e42c19c8-f9fe-5ae9-9fc8-22c398f78fb7",
       "ipv4-addr--ad74bc22-43d2-52ed-890e-7d382f58e1eb"},
      {"ipv4-addr--03b708d9-7761-5523-ab75-5ea096294a68",
       "ipv4-addr--826fe3cb-56b0-5620-9d30-4c17ed7b24e3"},
      {"network-traffic--630d7bb1-0bbc-53a6-a6d4-f3c2d35c2734",
       "network-traffic--44eb3012-751d-5c12-b9ba-1506e42e26ef"},
      {"ipv4-addr--ffe65ce3-bf2a-577c-bb7e-947d39198637",
       "ipv4-addr--a2935766-2522-5939-9513-cc3536f212a3"},
      {"network-traffic--ac267abc-1a41-536d-8e8d-98458d9bf491",
       "network-traffic--372c0c73-777a-50de-bc3a-92cc72fcf7dd"},
      {"network-traffic--53e0bf48-2eee-5c03-8bde-ed7049d2c0a3",
       "network-traffic--8dce0dc4-f5ea-5313-8e6c-03646d419b6a"},
      {"ipv4-addr--f2d3c796-6c1a-5c4f-8516-d4db54727f89",
       "ipv4-addr--13cba85b-1780-5517-b600-7b6546cfd760"},
      {"ipv4-addr--bb884ffe-f2e4-56bb-a0c3-21f6711cb649",
       "ipv4-addr--23476ffc-8715-5eee-bd37-2f204b7db486"},
      {"network-traffic--b4a8c150-e214-57a3-9017-e85dfa345f46",
       "network-traffic--fc1686c0-b36e-5041-9ce4-c8df9cf10d6d"},
      {"network-traffic--65a6016d-a91c-5781-baad-178cd55f01d4",
       "network-traffic--27ed09d5-f85a-5a8e-8590-49a91d7e510e"},
      {"ipv4-addr--6da8dad3-4de3-5f8e-ab23-45d0b8f12f16",
       "ipv4-addr--165070a8-c561-58a8-8659-fce2f255c2c0"},
      {"network-traffic--f8ae967a-3dc3-5cdf-8f94-8505abff00c2",
       "network-traffic--fdd6dbda-a206-52fe-b19b-64d908748850"},
      {"ipv4-addr--d7177770-fc12-586b-9244-426596a7008e",
       "ipv4-addr--4b8ed646-46df-5a9c-b5a6-b3ae128f35a6"},
      {"network-traffic--e7a939ca-78c6-5f27-8ae0-4ad112454626",
       "network-traffic--4f156a67-4efc-58fb-b0a7-f2612927a37d"},
      {"network-traffic--c95e972a-20a4-5307-b00d-b8393faf02c5",
       "network-traffic--59d8852c-0c68-5e0c-8ae2-f3c46bd7b1df"},
      {"ipv4-addr--89830c10-2e94-57fa-8ca6-e0537d2719d1",
       "ipv4-addr--f85034be-e4ad-5153-aa6b-79c450eb25b3"},
      {"ipv4-addr--45f4c6fb-2d7d-576a-a571-edc78d899a72",
       "ipv4-addr--72073c96-1246-5058-8e5c-6ca59d656dee"},
      {"network-traffic--09ca55c3-97e5-5966-bad0-1d41d557ae13",
       "network-traffic--47b27c77-4272-563f-91ca-87e2a4afd6ef"},
      {"software--a1827f6d-ca53-5605-9e93-4316cd22a00a",
       "software--710b0b41-d4d0-5d6c-a400-fc9254554ffc"},
      {"url--c1477287-23ac-5971-a010-5c287877fa60", "url--47c3cf9a-5027-5bf0-997a-017c7edc7c55"},
      {"user-account--0d5b424b-93b8-5cd8-ac36-306e1789d63c",
       "user-account--f94d689e-707d-58c3-b803-c720bb6ed096"},
      {"user-account--9bd3afcf-deee-54f9-83e2-520653cb6bba",
       "user-account--f223e803-846b-591a-aefa-545e938f8a56"},
  };
  const std::string text =
      socmesh::testing::ReadFile(socmesh::testing::DataPath("stix/oasis-cti-python-stix2/"
                                                            "sco-examples-bundle.json"));
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(simdjson::padded_string(text)).get(root), simdjson::SUCCESS);
  size_t checked = 0;
  for (simdjson::dom::object object : Scos(root)) {
    const auto it = spec_ids.find(StringField(object, "id"));
    if (it == spec_ids.end()) continue;
    const std::string_view type = StringField(object, "type");
    auto from_dom = detail::ComputeScoIdFromObject(type, object);
    ASSERT_TRUE(from_dom.has_value()) << it->first << ": " << from_dom.error().message;
    ASSERT_TRUE(from_dom->has_value()) << it->first;
    EXPECT_EQ(**from_dom, it->second) << "bundle object " << it->first;
    EXPECT_EQ(IdOf(simdjson::minify(object)), it->second) << "bundle object " << it->first;
    ++checked;
  }
  EXPECT_GE(checked, 47u);
}

// Every SCO with a UUIDv5 id in these example sets must carry the deterministic id (random-id SCOs
// are skipped; python-stix2 writes UUIDv5 ids only when it computed them).
TEST(ComputeScoIdTest, MatchesDeterministicIdsOfScosInSharedData) {
  size_t checked = 0;
  for (const char* dir :
       {"stix/oasis-cti-documentation-examples", "stix/oasis-stix2-json-schemas-examples"}) {
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(socmesh::testing::DataPath(dir))) {
      if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
      const std::string text = socmesh::testing::ReadFile(entry.path());
      simdjson::dom::parser parser;
      simdjson::dom::element root;
      ASSERT_EQ(parser.parse(simdjson::padded_string(text)).get(root), simdjson::SUCCESS)
          << entry.path();
      for (simdjson::dom::object object : Scos(root)) {
        const std::string_view id = StringField(object, "id");
        if (!IsUuidV5Id(id)) continue;
        EXPECT_EQ(IdOf(simdjson::minify(object)), id) << entry.path();
        ++checked;
      }
    }
  }
  // sighting-of-observed-data.json: a file with MD5 and SHA-1 hashes, and a registry key.
  EXPECT_GE(checked, 2u);
}

TEST(ComputeScoIdTest, ReproducesSpecExampleIds) {
  // STIX 2.1 section 2.9 and 6.13.x (windows-service-ext example).
  EXPECT_EQ(IdOf(R"({"type":"ipv4-addr","spec_version":"2.1","value":"198.51.100.3"})"),
            "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4");
  EXPECT_EQ(IdOf(R"({"type":"file","spec_version":"2.1","hashes":{"SHA-256":
                 "bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c"},
                 "name":"sirvizio.exe"})"),
            "file--ca7d6a8a-b79e-5c3b-b736-8d48adcf0c97");
  // Non-ASCII: the name is hashed as UTF-8.
  EXPECT_EQ(IdOf(R"({"type":"file","hashes":{"SHA-256":
                 "841a8921140aba50671ebb0770fecc4ee308c4952cfeff8de154ab14eeef4649"},
                 "name":"qu\u00eary.dll","name_enc":"windows-1252"})"),
            "file--7d1e3a18-89e7-5bc5-be36-9879f5b7f5c8");
}

TEST(ComputeScoIdTest, IgnoresPropertiesThatDoNotContribute) {
  const std::string base = IdOf(R"({"type":"email-addr","value":"jdoe@example.com"})");
  EXPECT_EQ(IdOf(R"({"type":"email-addr","id":"email-addr--x","spec_version":"2.1",
                    "display_name":"John Doe","value":"jdoe@example.com"})"),
            base);
  EXPECT_NE(IdOf(R"({"type":"email-addr","value":"jane@example.com"})"), base);
}

TEST(ComputeScoIdTest, IsIndependentOfPropertyOrderAndFormatting) {
  EXPECT_EQ(IdOf(R"({"type":"user-account","user_id":"1001","account_login":"jdoe",
                    "account_type":"unix"})"),
            IdOf(R"({ "account_type" : "unix", "account_login":"jdoe", "type":"user-account",
                    "user_id":"10\u0030\u0031" })"));
}

TEST(ComputeScoIdTest, UsesOnlyThePreferredHash) {
  const std::string md5_only = IdOf(R"({"type":"file","hashes":{"MD5":"aa"}})");
  EXPECT_EQ(IdOf(R"({"type":"file","hashes":{"SHA-256":"cc","SHA-1":"bb","MD5":"aa"}})"), md5_only);
  EXPECT_EQ(IdOf(R"({"type":"file","hashes":{"SHA-512":"dd","SHA-256":"cc","SHA-1":"bb"}})"),
            IdOf(R"({"type":"file","hashes":{"SHA-1":"bb"}})"));
  EXPECT_EQ(IdOf(R"({"type":"file","hashes":{"SHA-512":"dd","SHA-256":"cc","TLSH":"ee"}})"),
            IdOf(R"({"type":"file","hashes":{"SHA-256":"cc"}})"));
  EXPECT_EQ(IdOf(R"({"type":"x509-certificate","hashes":{"SHA3-256":"ff","SHA-512":"dd"}})"),
            IdOf(R"({"type":"x509-certificate","hashes":{"SHA-512":"dd"}})"));
  // None of the preferred four: the first name in JCS order, whatever the input order.
  EXPECT_EQ(IdOf(R"({"type":"artifact","hashes":{"x_b":"1","TLSH":"2","SSDEEP":"3"}})"),
            IdOf(R"({"type":"artifact","hashes":{"SSDEEP":"3"}})"));
  EXPECT_NE(md5_only, IdOf(R"({"type":"file","hashes":{"MD5":"ab"}})"));
}

TEST(ComputeScoIdTest, ReturnsNulloptWithoutContributingProperties) {
  for (std::string_view json :
       {R"({"type":"process","pid":4})", R"({"type":"file","size":3,"mime_type":"text/plain"})",
        R"({"type":"indicator","name":"x"})", R"({"type":"x-custom","value":"x"})"}) {
    auto id = ComputeScoId(json);
    ASSERT_TRUE(id.has_value()) << json << ": " << id.error().message;
    EXPECT_FALSE(id->has_value()) << json;
  }
}

TEST(ComputeScoIdTest, ProducesVersion5IdsWithTheTypePrefix) {
  const std::string id = IdOf(R"({"type":"mutex","name":"__CLEANSWEEP__"})");
  EXPECT_EQ(id, "mutex--f93fe911-e545-5239-b9b0-597840d0c871");
  EXPECT_TRUE(IsUuidV5Id(id));
}

Error ErrorOf(std::string_view json) {
  auto id = ComputeScoId(json);
  EXPECT_FALSE(id.has_value()) << json;
  return id.has_value() ? Error{} : id.error();
}

TEST(ComputeScoIdTest, ReportsInvalidInput) {
  EXPECT_EQ(ErrorOf("{").code, ErrorCode::kParse);
  EXPECT_EQ(ErrorOf("[]").code, ErrorCode::kInvalidStix);
  EXPECT_EQ(ErrorOf(R"({"value":"x"})").code, ErrorCode::kInvalidStix);
  EXPECT_EQ(ErrorOf(R"({"type":7,"value":"x"})").code, ErrorCode::kInvalidStix);
  EXPECT_EQ(ErrorOf(R"({"type":"file","hashes":"aa"})").code, ErrorCode::kInvalidStix);
  EXPECT_EQ(ErrorOf(R"({"type":"file","hashes":{}})").code, ErrorCode::kInvalidStix);
  EXPECT_EQ(ErrorOf(R"({"type":"url","value":"a","value":"b"})").code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ErrorOf(R"({"type":"file","hashes":{"MD5":"a","MD5":"b"}})").code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(ErrorOf(R"({"type":"autonomous-system","number":9007199254740993})").code,
            ErrorCode::kInvalidArgument);
  const Error nested = ErrorOf(R"({"type":"file","extensions":{"x":{"a":1,"a":2}}})");
  EXPECT_EQ(nested.code, ErrorCode::kInvalidArgument);
  EXPECT_NE(nested.message.find("$.extensions.x"), std::string::npos) << nested.message;
}

}  // namespace
}  // namespace socmesh::model
