// Prometheus metrics of the node API (text exposition format 0.0.4): requests by endpoint and
// status, a latency histogram, and gauges from the store. Endpoint labels are a fixed small set
// (never raw paths) so that clients cannot grow the series count.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "store/store.hpp"

namespace socmesh::api {

// The label for a request path: "taxii_objects", "api_search", … or "other".
std::string_view EndpointOf(std::string_view path);

class Metrics {
 public:
  void Record(std::string_view endpoint, int status, std::chrono::nanoseconds latency);
  // The exposition text; store gauges are read from `store` when given.
  std::string Render(store::Store* store) const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1,    2.5};
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::array<uint64_t, kBuckets.size()> bucket_counts_{};
  uint64_t count_ = 0;
  double sum_seconds_ = 0;
};

}  // namespace socmesh::api
