// Lets Debian's libFuzzer engine (libclang-rt-14-dev) drive code compiled by g++.
//
// Why: clang 14 cannot compile libstdc++ 12's std::expected, which socmesh uses at every module
// boundary, so the fuzz targets are built by g++ with -fsanitize-coverage=trace-pc,trace-cmp.
// g++'s trace-cmp callbacks are the ones libFuzzer implements; its edge callback
// (__sanitizer_cov_trace_pc) is not, so this file turns each call site into a hit in an 8-bit
// counter table that libFuzzer reads as coverage (AFL-style: previous and current location hashed
// together, so edges rather than blocks are counted). The build weakens libFuzzer's own
// __sanitizer_cov_trace_pc stub, which only prints that trace-pc is unsupported.
#include <cstddef>
#include <cstdint>

extern "C" void __sanitizer_cov_8bit_counters_init(uint8_t* start, uint8_t* stop);
extern "C" void __sanitizer_cov_pcs_init(const uintptr_t* pcs_beg, const uintptr_t* pcs_end);

namespace {

constexpr size_t kCounters = size_t{1} << 18;
uint8_t counters[kCounters];
uintptr_t pc_table[2 * kCounters];  // (pseudo-PC, flags) pairs, as libFuzzer expects
thread_local size_t previous_location = 0;

struct Register {
  __attribute__((no_sanitize_coverage)) Register() {
    for (size_t i = 0; i < kCounters; ++i) {
      pc_table[2 * i] = i + 1;
      pc_table[2 * i + 1] = 0;
    }
    __sanitizer_cov_8bit_counters_init(counters, counters + kCounters);
    __sanitizer_cov_pcs_init(pc_table, pc_table + 2 * kCounters);
  }
};
Register register_counters __attribute__((init_priority(101)));

}  // namespace

extern "C" __attribute__((no_sanitize_coverage, no_sanitize_address, no_sanitize_undefined)) void
__sanitizer_cov_trace_pc() {
  const uintptr_t pc = reinterpret_cast<uintptr_t>(__builtin_return_address(0));
  const uint64_t h = static_cast<uint64_t>(pc) * 0x9E3779B97F4A7C15ull;
  const size_t location = static_cast<size_t>(h >> 46);  // 18 bits
  counters[(location ^ previous_location) & (kCounters - 1)]++;
  previous_location = location >> 1;
}

// g++ also instruments floating-point comparisons; libFuzzer has no use for them (it only learns
// from integer comparisons), so they are accepted and ignored.
extern "C" __attribute__((no_sanitize_coverage)) void __sanitizer_cov_trace_cmpf(float, float) {}
extern "C" __attribute__((no_sanitize_coverage)) void __sanitizer_cov_trace_cmpd(double, double) {}
