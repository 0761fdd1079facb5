// The node config's [federation] topology key (issue 6; docs/cli.md "[federation]"): the node must
// be a node of the topology with its organisation and country, peers must be adjacent topology
// nodes, omitted peer facts come from the topology and stated ones must agree — every mismatch
// reported with the config file, line and key.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "common/test_data.hpp"
#include "node/config.hpp"

namespace socmesh::node {
namespace {

namespace fs = std::filesystem;
using socmesh::testing::TempDir;

// A - G - B in a line: one centralised consortium whose platform (and gateway) is G.
constexpr char kLine[] = R"([network]
name = "line"
upper = "distributed"

[[node]]
name = "a"
organisation = "ORG-A"
country = "FR"
roles = ["national"]
sharing_groups = ["g1"]

[[node]]
name = "g"
organisation = "ORG-G"
country = "DE"
roles = ["national", "platform", "gateway"]

[[node]]
name = "b"
organisation = "ORG-B"
country = "BE"
roles = ["national"]
sharing_groups = ["g1", "g2"]

[[consortium]]
name = "line"
kind = "centralised"
members = ["a", "g", "b"]
platform = "g"
gateway = "g"
)";

constexpr char kNodeA[] = R"([node]
name = "a"
organisation = "ORG-A"
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

[[peers]]
name = "g"
url = "https://127.0.0.1:9443/"
)";

constexpr char kFederation[] = R"(
[federation]
signing_certificate = "origin.pem"
signing_key = { key = "origin.key" }
topology = "topology.toml"
directory = "directory.pem"
)";

class TopologyConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { std::ofstream(dir_.path() / "topology.toml") << kLine; }

  Result<NodeConfig> Parse(const std::string& text) {
    return ParseNodeConfig(text, "node.toml", dir_.path());
  }
  std::string Refusal(const std::string& text) {
    auto parsed = Parse(text);
    EXPECT_FALSE(parsed.has_value()) << "accepted:\n" << text;
    return parsed ? std::string() : parsed.error().message;
  }
  // kNodeA + kFederation with `from` replaced by `to` (the first occurrence).
  static std::string Edited(const std::string& from, const std::string& to) {
    std::string text = std::string(kNodeA) + kFederation;
    const size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
  }

  TempDir dir_;
};

TEST_F(TopologyConfigTest, OmittedFactsComeFromTheTopology) {
  auto c = Parse(std::string(kNodeA) + kFederation);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->federation.topology, (dir_.path() / "topology.toml").string());
  EXPECT_EQ(c->federation.directory, (dir_.path() / "directory.pem").string());
  ASSERT_NE(c->federation.network, nullptr);
  EXPECT_EQ(c->federation.network->size(), 3u);
  EXPECT_EQ(c->federation.consortium, "line");
  EXPECT_EQ(c->federation.sharing_groups, std::vector<std::string>{"g1"});
  ASSERT_EQ(c->peers.size(), 1u);
  EXPECT_EQ(c->peers[0].organisation, "ORG-G");
  EXPECT_EQ(c->peers[0].country, "DE");
  EXPECT_EQ(c->peers[0].consortium, "line");
  EXPECT_TRUE(c->peers[0].sharing_groups.empty());
}

TEST_F(TopologyConfigTest, StatedFactsThatAgreeAreAccepted) {
  auto c = Parse(Edited("url = \"https://127.0.0.1:9443/\"\n",
                        "url = \"https://127.0.0.1:9443/\"\norganisation = \"ORG-G\"\n"
                        "country = \"DE\"\nconsortium = \"line\"\n") +
                 "consortium = \"line\"\nsharing_groups = [\"g1\", \"g1\"]\n");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->peers[0].organisation, "ORG-G");
}

TEST_F(TopologyConfigTest, MismatchesNameTheFileLineAndKey) {
  // The peer's stated organisation is on line 22 of the config.
  EXPECT_NE(Refusal(Edited("url = \"https://127.0.0.1:9443/\"\n",
                           "url = \"https://127.0.0.1:9443/\"\norganisation = \"ORG-X\"\n"))
                .find("node.toml:22:16: peers.organisation: \"ORG-X\" differs from the topology "
                      "topology.toml (\"ORG-G\")"),
            std::string::npos);
  EXPECT_NE(Refusal(Edited("url = \"https://127.0.0.1:9443/\"\n",
                           "url = \"https://127.0.0.1:9443/\"\nsharing_groups = [\"g9\"]\n"))
                .find("peers.sharing_groups: differs from the topology topology.toml ([])"),
            std::string::npos);
  EXPECT_NE(Refusal(std::string(kNodeA) + kFederation + "consortium = \"east\"\n")
                .find("federation.consortium: \"east\" differs from the topology"),
            std::string::npos);
  EXPECT_NE(Refusal(Edited("organisation = \"ORG-A\"", "organisation = \"ORG-Z\""))
                .find("node.toml:3:16: node.organisation: \"ORG-Z\" differs from the topology"),
            std::string::npos);
  EXPECT_NE(Refusal(Edited("country = \"FR\"", "country = \"IT\""))
                .find("node.country: \"IT\" differs from the topology topology.toml (\"FR\")"),
            std::string::npos);
}

TEST_F(TopologyConfigTest, NodeAndPeersMustBeTopologyNodesAndLinked) {
  EXPECT_NE(
      Refusal(Edited("name = \"a\"", "name = \"z\""))
          .find("node.toml:2:8: node.name: \"z\" is not a node of the topology topology.toml"),
      std::string::npos);
  // a and b are both members, but the centralised consortium links them only through g.
  EXPECT_NE(Refusal(Edited("name = \"g\"", "name = \"b\""))
                .find("peers.name: \"b\" is not linked to \"a\" in the topology topology.toml"),
            std::string::npos);
  EXPECT_NE(Refusal(Edited("name = \"g\"", "name = \"nowhere\""))
                .find("peers.name: \"nowhere\" is not a node of the topology"),
            std::string::npos);
}

TEST_F(TopologyConfigTest, TopologyProblemsAreConfigProblems) {
  EXPECT_NE(Refusal(Edited("topology = \"topology.toml\"", "topology = \"missing.toml\""))
                .find("federation.topology: "),
            std::string::npos);
  std::ofstream(dir_.path() / "bad.toml") << "[network]\nname = \"x\"\ngatway = \"g\"\n";
  const std::string message =
      Refusal(Edited("topology = \"topology.toml\"", "topology = \"bad.toml\""));
  EXPECT_NE(message.find("federation.topology: "), std::string::npos) << message;
  EXPECT_NE(message.find("gatway"), std::string::npos) << message;
}

TEST_F(TopologyConfigTest, WithoutATopologyPeersNeedTheirOrganisation) {
  std::string text = std::string(kNodeA) + kFederation;
  text.erase(text.find("topology = "), std::string("topology = \"topology.toml\"\n").size());
  EXPECT_NE(Refusal(text).find("peers.organisation: missing"), std::string::npos);
  text += "[[peers]]\nname = \"x\"\nurl = \"https://x.example/\"\norganisation = \"ORG-X\"\n";
  text.replace(text.find("url = \"https://127.0.0.1:9443/\"\n"),
               std::string("url = \"https://127.0.0.1:9443/\"\n").size(),
               "url = \"https://127.0.0.1:9443/\"\norganisation = \"ORG-G\"\n");
  auto c = Parse(text);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->federation.network, nullptr);
  EXPECT_EQ(c->peers[1].organisation, "ORG-X");
}

}  // namespace
}  // namespace socmesh::node
