#include "crypto/merkle.hpp"

#include <openssl/evp.h>

#include <bit>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace socmesh::crypto::merkle {

namespace {

// SHA-256 fetched once: EVP_sha256() makes OpenSSL 3 look the implementation up (under a global
// lock) on every digest, which dominated batch verification. One context per thread, reused.
const EVP_MD* Sha256Md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

// SHA-256 of `first` || `rest` with the thread's context. NodeHash passes one contiguous buffer:
// with SHA-NI the per-call overhead of EVP_DigestUpdate is a visible share of a 65-byte digest.
Hash Digest(std::span<const uint8_t> first, std::string_view rest = {}) {
  Hash out{};
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                           &EVP_MD_CTX_free);
  // Allocation failure of a 200-byte context is not recoverable in any meaningful way.
  if (ctx == nullptr || Sha256Md() == nullptr) std::abort();
  EVP_DigestInit_ex(ctx.get(), Sha256Md(), nullptr);
  EVP_DigestUpdate(ctx.get(), first.data(), first.size());
  if (!rest.empty()) EVP_DigestUpdate(ctx.get(), rest.data(), rest.size());
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), out.data(), &len);
  return out;
}

// Verifying the objects of one batch meets the same interior nodes again and again (a node of
// level k lies on the path of 2^k leaves): a small per-thread table of recent (left, right) ->
// parent results turns most of the ~log2(n) node hashes per object into a lookup. It is keyed by
// both children in full, so a hit returns exactly what hashing would; collisions only evict.
class NodeMemo {
 public:
  Hash Parent(const Hash& left, const Hash& right) {
    Entry& e = entries_[Slot(left, right)];
    if (e.filled && e.left == left && e.right == right) return e.parent;
    e.parent = NodeHash(left, right);
    e.left = left;
    e.right = right;
    e.filled = true;
    return e.parent;
  }

 private:
  // 1024 direct-mapped entries (~100 KiB per verifying thread): most interior nodes of a batch of
  // a few hundred objects stay in until its objects are verified.
  static constexpr size_t kEntries = 1024;
  struct Entry {
    Hash left{}, right{}, parent{};
    bool filled = false;
  };
  static size_t Slot(const Hash& left, const Hash& right) {
    uint64_t a = 0, b = 0;
    std::memcpy(&a, left.data(), sizeof a);
    std::memcpy(&b, right.data(), sizeof b);
    return static_cast<size_t>((a ^ (b * 0x9E3779B97F4A7C15ULL)) >> 32) % kEntries;
  }
  std::vector<Entry> entries_ = std::vector<Entry>(kEntries);
};

NodeMemo& ThreadNodeMemo() {
  thread_local NodeMemo memo;
  return memo;
}

// The largest power of two strictly smaller than n (n >= 2): RFC 9162's split point k.
size_t Split(size_t n) { return std::bit_floor(n - 1); }

void Path(std::span<const Hash> leaves, size_t m, std::vector<Hash>& out) {
  const size_t n = leaves.size();
  if (n == 1) return;
  const size_t k = Split(n);
  if (m < k) {
    Path(leaves.first(k), m, out);
    out.push_back(Root(leaves.subspan(k)));
  } else {
    Path(leaves.subspan(k), m - k, out);
    out.push_back(Root(leaves.first(k)));
  }
}

// SUBPROOF(m, D[n], b) of RFC 9162 2.1.4.1.
void SubProof(std::span<const Hash> leaves, size_t m, bool complete, std::vector<Hash>& out) {
  const size_t n = leaves.size();
  if (m == n) {
    if (!complete) out.push_back(Root(leaves));
    return;
  }
  const size_t k = Split(n);
  if (m <= k) {
    SubProof(leaves.first(k), m, complete, out);
    out.push_back(Root(leaves.subspan(k)));
  } else {
    SubProof(leaves.subspan(k), m - k, false, out);
    out.push_back(Root(leaves.first(k)));
  }
}

}  // namespace

Hash LeafHash(std::string_view data) {
  static constexpr uint8_t kLeafPrefix[] = {0x00};
  return Digest(kLeafPrefix, data);
}

Hash NodeHash(const Hash& left, const Hash& right) {
  // 0x01 || left || right in one buffer: one update instead of three (verification hashes ~9
  // nodes per object).
  std::array<uint8_t, 1 + 2 * sizeof(Hash)> node;
  node[0] = 0x01;
  std::memcpy(node.data() + 1, left.data(), left.size());
  std::memcpy(node.data() + 1 + left.size(), right.data(), right.size());
  return Digest(node);
}

Hash EmptyRoot() {
  Hash out{};
  unsigned int len = 0;
  EVP_Digest("", 0, out.data(), &len, EVP_sha256(), nullptr);
  return out;
}

Hash Root(std::span<const Hash> leaves) {
  // Pairing level by level and promoting an odd last node unchanged builds exactly RFC 9162's
  // left-balanced tree, without recursion.
  if (leaves.empty()) return EmptyRoot();
  std::vector<Hash> level(leaves.begin(), leaves.end());
  while (level.size() > 1) {
    size_t w = 0;
    for (size_t i = 0; i + 1 < level.size(); i += 2) level[w++] = NodeHash(level[i], level[i + 1]);
    if (level.size() % 2 == 1) level[w++] = level.back();
    level.resize(w);
  }
  return level[0];
}

std::vector<Hash> InclusionProof(std::span<const Hash> leaves, size_t index) {
  std::vector<Hash> out;
  if (index < leaves.size()) Path(leaves, index, out);
  return out;
}

std::vector<std::vector<Hash>> AllInclusionProofs(std::span<const Hash> leaves) {
  // Level by level: a node's sibling joins the proof of every leaf below it. An odd last node is
  // promoted without a sibling, which is exactly where RFC 9162's PATH adds nothing.
  std::vector<std::vector<Hash>> proofs(leaves.size());
  std::vector<Hash> level(leaves.begin(), leaves.end());
  size_t span = 1;  // leaves covered by each node of the current level
  while (level.size() > 1) {
    for (size_t i = 0; i < level.size(); ++i) {
      const size_t sibling = i ^ 1;
      if (sibling >= level.size()) continue;
      const size_t first = i * span;
      const size_t last = std::min(first + span, leaves.size());
      for (size_t leaf = first; leaf < last; ++leaf) proofs[leaf].push_back(level[sibling]);
    }
    size_t w = 0;
    for (size_t i = 0; i + 1 < level.size(); i += 2) level[w++] = NodeHash(level[i], level[i + 1]);
    if (level.size() % 2 == 1) level[w++] = level.back();
    level.resize(w);
    span *= 2;
  }
  return proofs;
}

std::vector<Hash> ConsistencyProof(std::span<const Hash> leaves, size_t old_size) {
  std::vector<Hash> out;
  if (old_size == 0 || old_size >= leaves.size()) return out;
  SubProof(leaves, old_size, true, out);
  return out;
}

bool VerifyInclusion(const Hash& leaf, uint64_t index, uint64_t tree_size,
                     std::span<const Hash> proof, const Hash& root) {
  if (index >= tree_size) return false;
  uint64_t fn = index;
  uint64_t sn = tree_size - 1;
  NodeMemo& memo = ThreadNodeMemo();
  Hash r = leaf;
  for (const Hash& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) == 1 || fn == sn) {
      r = memo.Parent(p, r);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = memo.Parent(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool VerifyConsistency(uint64_t old_size, uint64_t new_size, const Hash& old_root,
                       const Hash& new_root, std::span<const Hash> proof) {
  if (old_size > new_size) return false;
  if (old_size == new_size) return proof.empty() && old_root == new_root;
  if (old_size == 0) return proof.empty();  // the empty tree is a prefix of every tree
  if (proof.empty()) return false;
  // RFC 9162 2.1.4.2. When old_size is a power of two the old root is the first node.
  std::vector<Hash> path;
  const bool power_of_two = std::has_single_bit(old_size);
  if (power_of_two) path.push_back(old_root);
  path.insert(path.end(), proof.begin(), proof.end());
  uint64_t fn = old_size - 1;
  uint64_t sn = new_size - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0];
  Hash sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return false;
    if ((fn & 1) == 1 || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return fr == old_root && sr == new_root && sn == 0;
}

void CompactTree::Append(const Hash& leaf) {
  // Like binary addition: the new leaf merges with every peak of equal size (the trailing set bits
  // of size_).
  Hash carry = leaf;
  for (uint64_t s = size_; (s & 1) == 1; s >>= 1) {
    carry = NodeHash(peaks_.back(), carry);
    peaks_.pop_back();
  }
  peaks_.push_back(carry);
  ++size_;
}

Hash CompactTree::Root() const {
  if (peaks_.empty()) return EmptyRoot();
  // The right edge folds right to left: smaller subtrees hang under larger ones.
  Hash r = peaks_.back();
  for (size_t i = peaks_.size() - 1; i-- > 0;) r = NodeHash(peaks_[i], r);
  return r;
}

std::string ToHex(const Hash& hash) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * hash.size(), '\0');
  char* p = out.data();
  for (uint8_t b : hash) {
    *p++ = kDigits[b >> 4];
    *p++ = kDigits[b & 15];
  }
  return out;
}

namespace {

// Hex digit values; 0xFF marks a byte that is not a hex digit. A table instead of range tests:
// a proof carries ~10 hashes, each parsed per received object.
constexpr std::array<uint8_t, 256> kHexValues = [] {
  std::array<uint8_t, 256> t{};
  t.fill(0xFF);
  for (int c = '0'; c <= '9'; ++c) t[c] = static_cast<uint8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) t[c] = static_cast<uint8_t>(c - 'a' + 10);
  for (int c = 'A'; c <= 'F'; ++c) t[c] = static_cast<uint8_t>(c - 'A' + 10);
  return t;
}();

uint8_t HexValue(char c) { return kHexValues[static_cast<unsigned char>(c)]; }

}  // namespace

Result<Hash> FromHex(std::string_view hex) {
  if (hex.size() != 64) {
    return Fail(ErrorCode::kParse,
                "hash: expected 64 hex digits, got " + std::to_string(hex.size()) + " characters");
  }
  Hash out{};
  uint8_t invalid = 0;  // any 0xFF value leaves its high bits set
  for (size_t i = 0; i < out.size(); ++i) {
    const uint8_t hi = HexValue(hex[2 * i]);
    const uint8_t lo = HexValue(hex[2 * i + 1]);
    invalid |= hi | lo;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  if ((invalid & 0xF0) != 0) {
    size_t offset = 0;
    while (HexValue(hex[offset]) != 0xFF) ++offset;
    return Fail(ErrorCode::kParse, "hash: not a hex digit at offset " + std::to_string(offset));
  }
  return out;
}

}  // namespace socmesh::crypto::merkle
