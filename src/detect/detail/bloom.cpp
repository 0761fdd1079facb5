#include "detect/detail/bloom.hpp"

#include "detect/detail/huge_pages.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>

namespace socmesh::detect::detail {

BlockedBloom::BlockedBloom(size_t keys, double bits_per_key) {
  const double bits = std::max(512.0, std::ceil(static_cast<double>(keys) * bits_per_key));
  // Block numbers are reduced from 32 bits: at most 2^32 blocks (256 GiB), far beyond need.
  blocks_ = std::min<size_t>(static_cast<size_t>(std::ceil(bits / 512)), size_t{1} << 31);
  // Cache-line aligned, so a probe never straddles two lines; zeroing touches every page now
  // (first touch costs ~10 us per page here) instead of on the lookup path.
  void* p =
      blocks_ * 64 >= kHugePage ? AllocateHuge(blocks_ * 64) : std::aligned_alloc(64, blocks_ * 64);
  if (p == nullptr) throw std::bad_alloc();
  std::memset(p, 0, blocks_ * 64);
  words_.reset(static_cast<uint64_t*>(p));
}

size_t BlockedBloom::MemoryBytes() const { return AllocatedBytes(blocks_ * 64); }

}  // namespace socmesh::detect::detail
