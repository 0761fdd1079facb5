// A blocked Bloom filter: each key sets one bit in each of the 8 words of one 64-byte block, so a
// probe touches one cache line (Putze, Sanders, Singler, "Cache-, hash- and space-efficient Bloom
// filters", 2007; the same split-block layout as Parquet's and Impala's filters).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "detect/detail/key.hpp"

namespace socmesh::detect::detail {

class BlockedBloom {
 public:
  BlockedBloom() = default;
  // Room for `keys` keys at `bits_per_key`; at least one block. Memory is zeroed (pre-faulted).
  BlockedBloom(size_t keys, double bits_per_key);

  void Insert(uint64_t hash) {
    uint64_t* block = Block(hash);
    const auto lo = static_cast<uint32_t>(hash);
    for (int i = 0; i < 8; ++i) block[i] |= Bit(lo, i);
  }

  bool MayContain(uint64_t hash) const {
    if (blocks_ == 0) return false;
    const uint64_t* block = Block(hash);
    const auto lo = static_cast<uint32_t>(hash);
    uint64_t missing = 0;
    for (int i = 0; i < 8; ++i) missing |= Bit(lo, i) & ~block[i];
    return missing == 0;
  }

  // Starts loading the block of `hash` into the cache (lookups overlap their misses this way).
  void Prefetch(uint64_t hash) const {
    if (blocks_ != 0) __builtin_prefetch(Block(hash));
  }

  // Reads the first word of the block of `hash` (a load that brings the line in; see Tables::Load).
  uint64_t Touch(uint64_t hash) const { return blocks_ != 0 ? *Block(hash) : 0; }

  size_t MemoryBytes() const;

 private:
  struct FreeDeleter {
    void operator()(uint64_t* p) const { std::free(p); }
  };

  // Eight odd multipliers, one per word: each derives an independent 6-bit position from the low
  // half of the hash (the high half picks the block, as it picks the slot in the tables).
  static uint64_t Bit(uint32_t lo, int i) {
    static constexpr uint32_t kSalt[8] = {0x47b6137bU, 0x44974d91U, 0x8824ad5bU, 0xa2b7289dU,
                                          0x705495c7U, 0x2df1424bU, 0x9efc4947U, 0x5c6bfb31U};
    return uint64_t{1} << ((lo * kSalt[i]) >> 26);
  }
  uint64_t* Block(uint64_t hash) const {
    // Remixed so that block choice is independent of the table slot (also from the high half).
    const auto h = static_cast<uint32_t>((hash >> 32) * 0x9E3779B1U);
    return words_.get() + size_t{FastRange(h, static_cast<uint32_t>(blocks_))} * 8;
  }

  std::unique_ptr<uint64_t[], FreeDeleter> words_;
  size_t blocks_ = 0;
};

}  // namespace socmesh::detect::detail
