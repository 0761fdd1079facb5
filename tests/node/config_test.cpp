// The node's config file (issue 5): the example of docs/cli.md parses into what it says, every kind
// of mistake is an error naming the key and its line:column, relative paths follow the file, and
// PINs cannot be put into it.
#include "node/config.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "common/test_data.hpp"

namespace socmesh::node {
namespace {

namespace fs = std::filesystem;
using socmesh::testing::ReadFile;
using socmesh::testing::TempDir;

// The ```toml block after "<!-- node-config-example -->" in docs/cli.md.
std::string DocumentedExample() {
  const std::string doc = ReadFile(fs::path(SOCMESH_SOURCE_DIR) / "docs" / "cli.md");
  const size_t marker = doc.find("<!-- node-config-example -->");
  if (marker == std::string::npos) return {};
  const size_t start = doc.find("```toml\n", marker);
  if (start == std::string::npos) return {};
  const size_t end = doc.find("\n```", start + 8);
  if (end == std::string::npos) return {};
  return doc.substr(start + 8, end - start - 8 + 1);
}

// The smallest valid config: every required key, nothing else.
constexpr char kMinimal[] = R"([node]
name = "n1"
organisation = "CERT-FR"
country = "FR"
roles = ["national"]

[audit]
key = "audit.key"

[[listen]]
address = "127.0.0.1"
port = 8443

[tls]
certificate = "node.pem"
key = "node.key"
ca = "ca.pem"
)";

Result<NodeConfig> Parse(const std::string& text) {
  return ParseNodeConfig(text, "node.toml", "/etc/socmesh/n1");
}

// The error message of a config that must be refused (empty if it was accepted).
std::string Refusal(const std::string& text) {
  auto parsed = Parse(text);
  EXPECT_FALSE(parsed.has_value()) << "accepted:\n" << text;
  return parsed ? std::string() : parsed.error().message;
}

std::string WithTable(const std::string& extra) { return std::string(kMinimal) + extra; }

TEST(NodeConfigTest, DocumentedExampleParses) {
  const std::string example = DocumentedExample();
  ASSERT_FALSE(example.empty()) << "docs/cli.md has no node config example";
  auto c = ParseNodeConfig(example, "docs/cli.md", "/srv/node1");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->name, "node1.cert.fr");
  EXPECT_EQ(c->organisation, "CERT-FR");
  EXPECT_EQ(c->country, "FR");
  EXPECT_EQ(c->roles, (std::vector{NodeRole::kNational, NodeRole::kGateway}));
  EXPECT_EQ(c->store.location, "sqlite:/srv/node1/data/store.db");
  EXPECT_EQ(c->store.durability, store::Durability::kFull);
  EXPECT_EQ(c->audit.dir, "/srv/node1/audit");
  EXPECT_EQ(c->audit.key.location, "/srv/node1/audit.key");
  EXPECT_EQ(c->audit.origin, "node1.cert.fr");  // defaults to the node name
  ASSERT_EQ(c->listen.size(), 2u);
  EXPECT_EQ(c->listen[1].address, "::1");
  EXPECT_EQ(c->listen[1].port, 8443);
  EXPECT_EQ(c->tls.certificate_chain, "/srv/node1/node.pem");
  // A token key stays a URI; its PIN source is a path, never a PIN.
  EXPECT_EQ(c->tls.key.location, "pkcs11:token=node1;object=nodekey;type=private");
  EXPECT_EQ(c->tls.key.pin_file, "/run/secrets/node1.pin");
  EXPECT_EQ(c->tls.crls,
            (std::vector<std::string>{"/srv/node1/crl/root.pem", "/srv/node1/crl/fr.pem"}));
  EXPECT_EQ(c->limits.server.max_connections, 2048u);
  EXPECT_EQ(c->limits.server.max_body_bytes, 33554432u);
  EXPECT_EQ(c->limits.handler_threads, 4u);
  EXPECT_EQ(c->limits.server.handshake_timeout, std::chrono::milliseconds{10'000});  // default
  EXPECT_EQ(c->default_role, api::Role::kReader);
  EXPECT_EQ(c->organisation_roles.at("CERT-EU"), api::Role::kPeer);
  EXPECT_EQ(c->organisation_roles.at("ENISA"), api::Role::kAuditor);
  ASSERT_EQ(c->taxii.api_roots.size(), 1u);
  const auto& root = c->taxii.api_roots[0];
  EXPECT_EQ(root.path, "api1");
  ASSERT_EQ(root.collections.size(), 2u);
  EXPECT_TRUE(root.collections[0].can_write);
  EXPECT_FALSE(root.collections[1].can_write);  // default
  EXPECT_EQ(root.collections[1].types, std::vector<std::string>{"indicator"});
  EXPECT_EQ(root.collections[1].tlp_ceiling, model::Tlp::kGreen);
  EXPECT_EQ(c->taxii.identity_organisations.at("identity--a0000000-0000-4000-8000-000000000001"),
            "CERT-FR");
  ASSERT_EQ(c->peers.size(), 1u);
  EXPECT_EQ(c->peers[0].organisation, "CERT-EU");
}

TEST(NodeConfigTest, EveryKeyOfTheExampleIsDocumentedInTheKeyTable) {
  // Doc and code agree both ways: the example parses (above), and each section the parser knows
  // appears in the table of keys.
  const std::string doc = ReadFile(fs::path(SOCMESH_SOURCE_DIR) / "docs" / "cli.md");
  for (const char* key :
       {"`node.roles`", "`store.durability`", "`store.key`", "`identity.registry`", "`audit.sync`",
        "`tls.crls`", "`limits.shutdown_grace_ms`", "`taxii.default_api_root`",
        "`access.default_role`", "`[access.organisation_roles]`", "`[[peers]]`",
        "`[taxii.identity_organisations]`"}) {
    EXPECT_NE(doc.find(key), std::string::npos) << key;
  }
}

TEST(NodeConfigTest, MinimalConfigGetsDocumentedDefaults) {
  auto c = Parse(kMinimal);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->store.location, "/etc/socmesh/n1/store.db");
  EXPECT_TRUE(c->store_key.location.empty());  // a store in clear unless a key is configured
  EXPECT_EQ(c->registry, "/etc/socmesh/n1/identity.db");
  EXPECT_EQ(c->audit.dir, "/etc/socmesh/n1/audit");
  EXPECT_EQ(c->audit.origin, "n1");
  EXPECT_TRUE(c->audit.sync_every_append);
  EXPECT_EQ(c->audit.checkpoint_every_entries, 1000u);
  EXPECT_EQ(c->tls.key.location, "/etc/socmesh/n1/node.key");
  EXPECT_TRUE(c->tls.key.pin_file.empty());
  EXPECT_TRUE(c->tls.crls.empty());
  EXPECT_EQ(c->default_role, api::Role::kReader);
  EXPECT_EQ(c->limits.shutdown_grace, std::chrono::milliseconds{5000});
  EXPECT_TRUE(c->taxii.api_roots.empty());
}

TEST(NodeConfigTest, UnknownKeyIsNamedWithLineAndColumn) {
  std::string text = kMinimal;
  text.insert(text.find("country"), "nmae = \"typo\"\n");  // line 4, column 1
  EXPECT_EQ(Refusal(text), "node.toml:4:1: node.nmae: unknown key");
  EXPECT_EQ(Refusal(WithTable("\n[logging]\nlevel = \"debug\"\n")),
            "node.toml:19:2: logging: unknown key");
}

TEST(NodeConfigTest, WrongTypeIsNamedWithLineAndColumn) {
  std::string text = kMinimal;
  text.replace(text.find("port = 8443"), 11, "port = \"8443\"");
  EXPECT_EQ(Refusal(text), "node.toml:12:8: listen.port: expected an integer, got a string");
  std::string roles = kMinimal;
  roles.replace(roles.find("[\"national\"]"), 12, "\"national\"");
  EXPECT_EQ(Refusal(roles), "node.toml:5:9: node.roles: expected an array, got a string");
  EXPECT_NE(Refusal(WithTable("[limits]\nmax_connections = 1.5\n"))
                .find("limits.max_connections: expected an integer, got a float"),
            std::string::npos);
}

TEST(NodeConfigTest, MissingRequiredKeysAreNamed) {
  std::string text = kMinimal;
  text.erase(text.find("name = \"n1\"\n"), 12);
  EXPECT_NE(Refusal(text).find("node.name: missing (required)"), std::string::npos);
  std::string no_tls = kMinimal;
  no_tls.erase(no_tls.find("[tls]"));
  EXPECT_NE(Refusal(no_tls).find("tls: missing (required)"), std::string::npos);
  std::string no_listen = kMinimal;
  no_listen.erase(no_listen.find("[[listen]]"),
                  no_listen.find("[tls]") - no_listen.find("[[listen]]"));
  EXPECT_NE(Refusal(no_listen).find("listen: missing (required)"), std::string::npos);
}

TEST(NodeConfigTest, TomlSyntaxErrorIsAParseErrorWithPosition) {
  auto parsed = Parse(std::string(kMinimal) + "\n[tls\n");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().code, ErrorCode::kParse);
  EXPECT_TRUE(parsed.error().message.starts_with("node.toml:19:5: ")) << parsed.error().message;
}

TEST(NodeConfigTest, InvalidValuesAreRefusedWithReasons) {
  struct Case {
    std::string from, to, expected;
  };
  const std::vector<Case> cases = {
      {"country = \"FR\"", "country = \"fr\"", "node.country:"},
      {"roles = [\"national\"]", "roles = [\"superuser\"]", "unknown role \"superuser\""},
      {"roles = [\"national\"]", "roles = []", "needs at least one role"},
      {"roles = [\"national\"]", "roles = [\"gateway\", \"gateway\"]", "given twice"},
      {"address = \"127.0.0.1\"", "address = \"localhost\"", "is not an IPv4 or IPv6 address"},
      {"port = 8443", "port = 70000", "listen.port: must be between 0 and 65535"},
  };
  for (const auto& c : cases) {
    std::string text = kMinimal;
    text.replace(text.find(c.from), c.from.size(), c.to);
    EXPECT_NE(Refusal(text).find(c.expected), std::string::npos) << c.to;
  }
  const std::vector<std::pair<std::string, std::string>> extra = {
      {"[store]\ndurability = \"sometimes\"\n", "store.durability: must be"},
      {"[audit]\n", ""},  // a second [audit] table is a TOML error, checked below
      {"[access]\ndefault_role = \"root\"\n", "access.default_role: unknown role \"root\""},
      {"[access.organisation_roles]\n\"X\" = 3\n",
       "access.organisation_roles.X: expected a string"},
      {"[[peers]]\nname = \"a\"\nurl = \"http://a.example\"\norganisation = \"A\"\n",
       "must start with https://"},
      {"[[peers]]\nname = \"a\"\nurl = \"https://user@a.example\"\norganisation = \"A\"\n",
       "must not carry user information"},
      {"[[peers]]\nname = \"a\"\nurl = \"https://a.example:0/\"\norganisation = \"A\"\n",
       "invalid port"},
      {"[[peers]]\nname = \"a\"\nurl = \"https://a.example/\"\norganisation = \"A\"\n"
       "[[peers]]\nname = \"a\"\nurl = \"https://b.example/\"\norganisation = \"B\"\n",
       "peers.name: \"a\" given twice"},
      {"[[peers]]\nname = \"a\"\nurl = \"https://a.example/\"\n", "peers.organisation: missing"},
      {"[taxii]\ndefault_api_root = \"nope\"\n", "is not the path of an api_roots entry"},
      {"[[taxii.api_roots]]\npath = \"taxii2\"\n", "must be one URL segment"},
      {"[[taxii.api_roots]]\npath = \"a\"\n[[taxii.api_roots.collections]]\nid = \"x\"\n"
       "title = \"t\"\n",
       "\"x\" is not a UUID"},
      {"[[taxii.api_roots]]\npath = \"a\"\n[[taxii.api_roots.collections]]\n"
       "id = \"91a7b528-80eb-42ed-a74d-c6fbd5a26116\"\ntitle = \"t\"\ntlp_ceiling = \"pink\"\n",
       "\"pink\" is not a TLP level"},
      {"[[taxii.api_roots]]\npath = \"a\"\n[[taxii.api_roots.collections]]\n"
       "id = \"91a7b528-80eb-42ed-a74d-c6fbd5a26116\"\ntitle = \"t\"\ntypes = [\"Bad Type\"]\n",
       "is not a STIX type name"},
      {"[taxii.identity_organisations]\n\"CERT-FR\" = \"CERT-FR\"\n", "keys are STIX identity ids"},
      {"[limits]\nio_threads = 0\n", "limits.io_threads: must be between 1 and 256"},
  };
  for (const auto& [table, expected] : extra) {
    if (expected.empty()) {
      auto parsed = Parse(WithTable(table));
      EXPECT_FALSE(parsed.has_value());
      continue;
    }
    EXPECT_NE(Refusal(WithTable(table)).find(expected), std::string::npos) << table;
  }
}

TEST(NodeConfigTest, PinsAreNeverReadFromTheFile) {
  std::string text = kMinimal;
  text.insert(text.find("ca = "), "pin = \"1234\"\n");
  const std::string message = Refusal(text);
  EXPECT_NE(message.find("tls.pin: PINs and passwords are never read from the config file"),
            std::string::npos)
      << message;
  EXPECT_EQ(message.find("1234"), std::string::npos) << "the PIN must not be echoed";
  std::string uri = kMinimal;
  uri.replace(uri.find("key = \"node.key\""), 16,
              "key = \"pkcs11:token=n1;object=k;pin-value=1234\"");
  EXPECT_NE(Refusal(uri).find("tls.key: PINs are never read from the config file"),
            std::string::npos);
  std::string both = kMinimal;
  both.insert(both.find("ca = "), "pin_file = \"p\"\npin_env = \"X\"\n");
  EXPECT_NE(Refusal(both).find("give pin_file or pin_env, not both"), std::string::npos);
}

TEST(NodeConfigTest, EveryProblemIsReportedOnItsOwnLine) {
  std::string text = kMinimal;
  text.replace(text.find("country = \"FR\""), 14, "country = \"France\"");
  text.replace(text.find("port = 8443"), 11, "port = -1");
  text += "colour = \"blue\"\n";
  const std::string message = Refusal(text);
  EXPECT_EQ(std::count(message.begin(), message.end(), '\n'), 2) << message;
  EXPECT_NE(message.find("node.country"), std::string::npos);
  EXPECT_NE(message.find("listen.port"), std::string::npos);
  EXPECT_NE(message.find("tls.colour: unknown key"), std::string::npos);
}

TEST(NodeConfigTest, LoadResolvesPathsAgainstTheFilesDirectory) {
  TempDir dir;
  fs::create_directories(dir.path() / "etc");
  std::string text = kMinimal;
  text += "crls = [\"../crl/root.pem\", \"/abs/fr.pem\"]\n[store]\nlocation = \"sqlite:db/s.db\"\n";
  std::ofstream(dir.path() / "etc" / "node.toml") << text;
  auto c = LoadNodeConfig(dir.path() / "etc" / "node.toml");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->tls.crls[0], (dir.path() / "crl" / "root.pem").string());
  EXPECT_EQ(c->tls.crls[1], "/abs/fr.pem");
  EXPECT_EQ(c->store.location, "sqlite:" + (dir.path() / "etc" / "db" / "s.db").string());
  EXPECT_EQ(c->tls.key.location, (dir.path() / "etc" / "node.key").string());

  auto missing = LoadNodeConfig(dir.path() / "nope.toml");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace socmesh::node
