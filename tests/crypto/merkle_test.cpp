// RFC 9162 Merkle trees (E3 batch signatures, E5 audit log): the published Certificate
// Transparency vectors, then every proof of every small tree against a recursive reference.
#include "crypto/merkle.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace socmesh::crypto::merkle {
namespace {

std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// The eight entries of the CT reference tree (RFC 6962 test data, reused by RFC 9162 logs).
std::vector<Hash> ReferenceLeaves() {
  std::vector<Hash> leaves;
  for (const char* hex : {"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                          "606162636465666768696a6b6c6d6e6f"}) {
    leaves.push_back(LeafHash(Unhex(hex)));
  }
  return leaves;
}

const char* const kReferenceRoots[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

// MTH written straight from the RFC's recursive definition, as an independent reference.
Hash ReferenceRoot(std::span<const Hash> d) {
  if (d.empty()) return EmptyRoot();
  if (d.size() == 1) return d[0];
  size_t k = 1;
  while (k * 2 < d.size()) k *= 2;
  return NodeHash(ReferenceRoot(d.first(k)), ReferenceRoot(d.subspan(k)));
}

std::vector<Hash> Leaves(size_t n) {
  std::vector<Hash> leaves;
  for (size_t i = 0; i < n; ++i) leaves.push_back(LeafHash("entry " + std::to_string(i)));
  return leaves;
}

TEST(MerkleTest, RootsMatchTheCertificateTransparencyVectors) {
  const auto leaves = ReferenceLeaves();
  for (size_t n = 0; n <= leaves.size(); ++n) {
    EXPECT_EQ(ToHex(Root(std::span(leaves).first(n))), kReferenceRoots[n]) << "size " << n;
  }
}

TEST(MerkleTest, InclusionProofsMatchTheVectors) {
  const auto leaves = ReferenceLeaves();
  auto hexes = [](const std::vector<Hash>& proof) {
    std::vector<std::string> out;
    for (const auto& h : proof) out.push_back(ToHex(h));
    return out;
  };
  EXPECT_EQ(hexes(InclusionProof(leaves, 0)),
            (std::vector<std::string>{
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}));
  EXPECT_EQ(hexes(InclusionProof(leaves, 5)),
            (std::vector<std::string>{
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}));
}

TEST(MerkleTest, EveryInclusionProofOfEverySmallTreeVerifies) {
  for (size_t n = 1; n <= 70; ++n) {
    const auto leaves = Leaves(n);
    const Hash root = Root(leaves);
    ASSERT_EQ(root, ReferenceRoot(leaves)) << n;
    const auto all = AllInclusionProofs(leaves);
    ASSERT_EQ(all.size(), n);
    for (size_t i = 0; i < n; ++i) {
      const auto proof = InclusionProof(leaves, i);
      EXPECT_EQ(all[i], proof) << "size " << n << " leaf " << i;
      EXPECT_TRUE(VerifyInclusion(leaves[i], i, n, proof, root)) << n << "/" << i;
      // Wrong position, wrong leaf, tampered, truncated or extended proof: all refused. (Some
      // other (index, size) pairs share a path shape; signed tree heads fix the size.)
      if ((i ^ 1) < n) {
        EXPECT_FALSE(VerifyInclusion(leaves[i], i ^ 1, n, proof, root));
      }
      EXPECT_FALSE(VerifyInclusion(LeafHash("forged"), i, n, proof, root));
      if (!proof.empty()) {
        auto bad = proof;
        bad[bad.size() / 2][0] ^= 1;
        EXPECT_FALSE(VerifyInclusion(leaves[i], i, n, bad, root));
        EXPECT_FALSE(
            VerifyInclusion(leaves[i], i, n, std::span(proof).first(proof.size() - 1), root));
      }
      auto extended = proof;
      extended.push_back(root);
      EXPECT_FALSE(VerifyInclusion(leaves[i], i, n, extended, root));
    }
    EXPECT_FALSE(VerifyInclusion(leaves[0], n, n, {}, root));
  }
}

TEST(MerkleTest, EveryConsistencyProofOfEverySmallTreeVerifies) {
  for (size_t n = 1; n <= 40; ++n) {
    const auto leaves = Leaves(n);
    const Hash root = Root(leaves);
    for (size_t m = 1; m <= n; ++m) {
      const Hash old_root = Root(std::span(leaves).first(m));
      const auto proof = ConsistencyProof(leaves, m);
      EXPECT_TRUE(VerifyConsistency(m, n, old_root, root, proof)) << m << " -> " << n;
      if (m == n) continue;
      // A rewritten history (different old root) or a tampered proof is refused.
      EXPECT_FALSE(VerifyConsistency(m, n, LeafHash("rewritten"), root, proof));
      auto bad = proof;
      bad.back()[31] ^= 0x80;
      EXPECT_FALSE(VerifyConsistency(m, n, old_root, root, bad));
      EXPECT_FALSE(VerifyConsistency(m, n, old_root, root, {}));
      if (m + 1 < n) {
        EXPECT_FALSE(VerifyConsistency(m + 1, n, old_root, root, proof));
      }
    }
  }
  EXPECT_FALSE(VerifyConsistency(5, 4, EmptyRoot(), EmptyRoot(), {}));
}

TEST(MerkleTest, CompactTreeFollowsTheFullTree) {
  CompactTree compact;
  EXPECT_EQ(compact.Root(), EmptyRoot());
  const auto leaves = Leaves(300);
  for (size_t i = 0; i < leaves.size(); ++i) {
    compact.Append(leaves[i]);
    ASSERT_EQ(compact.size(), i + 1);
    ASSERT_EQ(compact.Root(), ReferenceRoot(std::span(leaves).first(i + 1))) << i + 1;
  }
}

TEST(MerkleTest, HexRoundTripAndErrors) {
  const Hash h = LeafHash("x");
  auto back = FromHex(ToHex(h));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, h);
  auto upper = ToHex(h);
  for (auto& c : upper) c = static_cast<char>(std::toupper(c));
  EXPECT_EQ(FromHex(upper).value(), h);
  EXPECT_EQ(FromHex("abc").error().code, ErrorCode::kParse);
  auto bad = FromHex(std::string(63, '0') + "g");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("offset 63"), std::string::npos);
}

}  // namespace
}  // namespace socmesh::crypto::merkle
