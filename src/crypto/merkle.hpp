// Merkle trees as defined by RFC 9162 (Certificate Transparency 2.0) section 2.1: leaf and node
// hashes with domain separation, roots of any size, inclusion and consistency proofs.
//
// Shared by the audit log (E5: signed tree heads over every operation) and origin signatures (E3:
// an organisation signs one root per batch; every object carries its inclusion proof, so it stays
// verifiable on its own after any number of relays).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace socmesh::crypto::merkle {

using Hash = std::array<uint8_t, 32>;  // SHA-256

// SHA-256(0x00 || data): the hash of a leaf entry.
Hash LeafHash(std::string_view data);
// SHA-256(0x01 || left || right): the hash of an interior node.
Hash NodeHash(const Hash& left, const Hash& right);
// SHA-256 of the empty string: the root of an empty tree.
Hash EmptyRoot();

// MTH(D[n]) over the given leaf hashes.
Hash Root(std::span<const Hash> leaves);

// PATH(index, D[n]): the audit path of leaf `index`, bottom-up. Requires index < leaves.size().
std::vector<Hash> InclusionProof(std::span<const Hash> leaves, size_t index);

// The audit paths of every leaf in O(n log n) time (one InclusionProof per leaf would be O(n^2)):
// what a signer needs to hand every object of a batch its own proof.
std::vector<std::vector<Hash>> AllInclusionProofs(std::span<const Hash> leaves);

// PROOF(old_size, D[n]): proves that the first `old_size` leaves are a prefix of the tree.
// Requires 0 < old_size <= leaves.size(); empty when old_size == leaves.size().
std::vector<Hash> ConsistencyProof(std::span<const Hash> leaves, size_t old_size);

// RFC 9162 2.1.3.2: true iff `proof` shows `leaf` at `index` in the tree of `tree_size` with
// `root`.
bool VerifyInclusion(const Hash& leaf, uint64_t index, uint64_t tree_size,
                     std::span<const Hash> proof, const Hash& root);

// RFC 9162 2.1.4.2: true iff `proof` shows the tree (old_size, old_root) is a prefix of
// (new_size, new_root).
bool VerifyConsistency(uint64_t old_size, uint64_t new_size, const Hash& old_root,
                       const Hash& new_root, std::span<const Hash> proof);

// Appends leaves one at a time keeping only O(log n) hashes (the roots of the perfect subtrees
// along the right edge), so a log of any length knows its current root without rereading it.
class CompactTree {
 public:
  void Append(const Hash& leaf);
  uint64_t size() const { return size_; }
  Hash Root() const;

 private:
  uint64_t size_ = 0;
  std::vector<Hash> peaks_;  // peaks_[i] covers 2^(height of the i-th set bit), largest first
};

// Lower-case hex of a hash, and back (kParse naming the problem for anything but 64 hex digits).
std::string ToHex(const Hash& hash);
Result<Hash> FromHex(std::string_view hex);

}  // namespace socmesh::crypto::merkle
