#include "api/metrics.hpp"

#include <cstdio>
#include <vector>

namespace socmesh::api {

std::string_view EndpointOf(std::string_view path) {
  std::vector<std::string_view> s;
  while (!path.empty()) {
    size_t slash = path.find('/');
    if (slash != 0) s.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  if (s.empty()) return "other";
  if (s[0] == "metrics" && s.size() == 1) return "metrics";
  if (s[0] == "taxii2") return "taxii_discovery";
  if (s[0] == "api" && s.size() >= 3 && s[1] == "v1") {
    for (std::string_view identity :
         {"me", "roles", "organisations", "users", "tokens", "groups"}) {
      if (s[2] == identity) return "api_identity";
    }
  }
  if (s[0] == "api" && s.size() == 3 && s[1] == "v1") {
    if (s[2] == "health") return "api_health";
    if (s[2] == "stats") return "api_stats";
    if (s[2] == "search") return "api_search";
    return "other";
  }
  if (s.size() == 1) return "taxii_api_root";
  if (s[1] == "status") return "taxii_status";
  if (s[1] != "collections") return "other";
  if (s.size() <= 3) return "taxii_collections";
  if (s[3] == "manifest") return "taxii_manifest";
  if (s.size() == 6) return "taxii_versions";
  return s.size() == 5 ? "taxii_object" : "taxii_objects";
}

void Metrics::Record(std::string_view endpoint, int status, std::chrono::nanoseconds latency) {
  const double seconds = std::chrono::duration<double>(latency).count();
  std::lock_guard lock(mutex_);
  ++requests_[{std::string(endpoint), status}];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++bucket_counts_[i];
  }
  ++count_;
  sum_seconds_ += seconds;
}

std::string Metrics::Render(store::Store* store) const {
  std::string out;
  char line[256];
  {
    std::lock_guard lock(mutex_);
    out += "# HELP socmesh_http_requests_total API requests answered, by endpoint and status.\n";
    out += "# TYPE socmesh_http_requests_total counter\n";
    for (const auto& [key, n] : requests_) {
      std::snprintf(line, sizeof line,
                    "socmesh_http_requests_total{endpoint=\"%s\",status=\"%d\"} %llu\n",
                    key.first.c_str(), key.second, static_cast<unsigned long long>(n));
      out += line;
    }
    out += "# HELP socmesh_http_request_duration_seconds Time to answer an API request.\n";
    out += "# TYPE socmesh_http_request_duration_seconds histogram\n";
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      std::snprintf(line, sizeof line,
                    "socmesh_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n", kBuckets[i],
                    static_cast<unsigned long long>(bucket_counts_[i]));
      out += line;
    }
    std::snprintf(line, sizeof line,
                  "socmesh_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
                  "socmesh_http_request_duration_seconds_sum %.6f\n"
                  "socmesh_http_request_duration_seconds_count %llu\n",
                  static_cast<unsigned long long>(count_), sum_seconds_,
                  static_cast<unsigned long long>(count_));
    out += line;
  }
  if (store != nullptr) {
    if (auto stats = store->Stats()) {
      std::snprintf(line, sizeof line,
                    "# HELP socmesh_store_objects Distinct objects in the store.\n"
                    "# TYPE socmesh_store_objects gauge\nsocmesh_store_objects %lld\n"
                    "# HELP socmesh_store_object_versions Stored object versions.\n"
                    "# TYPE socmesh_store_object_versions gauge\n"
                    "socmesh_store_object_versions %lld\n",
                    static_cast<long long>(stats->objects),
                    static_cast<long long>(stats->object_versions));
      out += line;
    }
  }
  return out;
}

}  // namespace socmesh::api
