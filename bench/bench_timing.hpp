// Timing helpers shared by the benchmarks: medians of repetitions, wall clock, and process or
// thread CPU time. Header-only: each bench is one executable without a library of its own.
//
// Which clock: the machine is shared (docs/benchmarks.md), so wall time also counts waiting for
// the other tenants' jobs. Thread CPU time is the robust figure for single-threaded work; process
// CPU time also counts the library's worker threads (SQLite, thread pools); wall time is what a
// user waits, fsync included.
#pragma once

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <utility>
#include <vector>

namespace socmesh::bench {

using Clock = std::chrono::steady_clock;

// The p-quantile (0 <= p <= 1) of `samples`, nearest rank below; 0 when there are none.
inline double Percentile(std::vector<double> samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const auto rank = static_cast<size_t>(p * static_cast<double>(samples.size()));
  return samples[std::min(samples.size() - 1, rank)];
}

// The median of repetitions (the upper one for an even count): one run slowed down by a
// neighbour's build does not move it.
inline double Median(std::vector<double> samples) { return Percentile(std::move(samples), 0.5); }

// The median of `reps` values of `measure()` (a rate, a duration).
template <typename F>
double MedianOf(int reps, F&& measure) {
  std::vector<double> values;
  values.reserve(static_cast<size_t>(std::max(reps, 0)));
  for (int r = 0; r < reps; ++r) values.push_back(measure());
  return Median(std::move(values));
}

inline double Seconds(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

inline double Millis(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// Wall seconds of one call of `f`.
template <typename F>
double Seconds(F&& f) {
  const auto start = Clock::now();
  f();
  return Seconds(start, Clock::now());
}

inline double CpuClockSeconds(clockid_t clock) {
  timespec t{};
  clock_gettime(clock, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// CPU seconds used so far by the whole process (every thread, user + system).
inline double ProcessCpuSeconds() { return CpuClockSeconds(CLOCK_PROCESS_CPUTIME_ID); }
// CPU seconds used so far by the calling thread.
inline double ThreadCpuSeconds() { return CpuClockSeconds(CLOCK_THREAD_CPUTIME_ID); }

// CPU seconds of the calling thread during one call of `f`.
template <typename F>
double ThreadCpuSeconds(F&& f) {
  const double start = ThreadCpuSeconds();
  f();
  return ThreadCpuSeconds() - start;
}

// Wall and CPU seconds of one piece of work.
struct Span {
  double wall = 0;
  double cpu = 0;
};

// A starting point for Since(): wall clock and process CPU time, read at construction.
struct Stamp {
  Clock::time_point wall = Clock::now();
  double cpu = ProcessCpuSeconds();
};

inline Span Since(const Stamp& start) {
  const Stamp now;
  return {Seconds(start.wall, now.wall), now.cpu - start.cpu};
}

// Wall and process CPU seconds of one call of `f`.
template <typename F>
Span WallAndProcessCpu(F&& f) {
  const Stamp start;
  f();
  return Since(start);
}

// Wall and thread CPU seconds of one call of `f`.
template <typename F>
Span WallAndThreadCpu(F&& f) {
  const auto wall = Clock::now();
  const double cpu = ThreadCpuSeconds();
  f();
  return {Seconds(wall, Clock::now()), ThreadCpuSeconds() - cpu};
}

}  // namespace socmesh::bench
