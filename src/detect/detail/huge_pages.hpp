// An allocator for the matcher's big tables: 2 MiB-aligned memory marked for transparent huge
// pages (THP is in "madvise" mode on Debian). A 5 M-indicator index spans ~300 MiB; with 4 KiB
// pages nearly every random probe also misses the TLB, and first touch costs a fault per 4 KiB.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>

namespace socmesh::detect::detail {

constexpr size_t kHugePage = size_t{2} << 20;

// Bytes actually reserved for an allocation of `bytes` (what MemoryBytes() reports).
inline size_t AllocatedBytes(size_t bytes) {
  return bytes >= kHugePage ? (bytes + kHugePage - 1) / kHugePage * kHugePage : bytes;
}

// Memory of at least kHugePage bytes, 2 MiB-aligned and advised for huge pages; free with free().
inline void* AllocateHuge(size_t bytes) {
  void* p = std::aligned_alloc(kHugePage, AllocatedBytes(bytes));
  if (p == nullptr) throw std::bad_alloc();
  (void)madvise(p, AllocatedBytes(bytes), MADV_HUGEPAGE);  // advice only: fine if refused
  return p;
}

template <typename T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <typename U>
  explicit HugePageAllocator(const HugePageAllocator<U>&) {}

  T* allocate(size_t n) {
    if (n * sizeof(T) < kHugePage) return std::allocator<T>().allocate(n);
    return static_cast<T*>(AllocateHuge(n * sizeof(T)));
  }
  void deallocate(T* p, size_t n) {
    if (n * sizeof(T) < kHugePage) {
      std::allocator<T>().deallocate(p, n);
    } else {
      std::free(p);
    }
  }
  friend bool operator==(const HugePageAllocator&, const HugePageAllocator&) { return true; }
};

template <typename T>
using HugeVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace socmesh::detect::detail
