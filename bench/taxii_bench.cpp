// TAXII page benchmark (issue 5, performance): one page of 1 000 objects from a collection of
// 1 M objects, through TaxiiServer::Handle (filters, cursor check, policy per object, envelope
// JSON), against the machine's limit measured in the same run: the raw Store::Scan of the same
// 1 000 objects (same seq range, rows read and copied, no policy, no JSON).
//
// Usage: taxii_bench [--objects N] [--reps N] [--dir DIR] [--smoke]
// Prints a table and one JSON line. Target: median page <= 20 ms.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "api/taxii_server.hpp"
#include "bench_timing.hpp"
#include "model/stix_object.hpp"
#include "store/store.hpp"

namespace {

using socmesh::bench::Clock;
using socmesh::bench::Median;
namespace api = socmesh::api;
namespace model = socmesh::model;
namespace store = socmesh::store;

constexpr char kCollection[] = "91a7b528-80eb-42ed-a74d-c6fbd5a26116";
constexpr char kOwnIdentity[] = "identity--a0000000-0000-4000-8000-000000000001";

double Ms(Clock::time_point a, Clock::time_point b) { return socmesh::bench::Millis(b - a); }

// Indicators like a real feed: 60% GREEN, 30% CLEAR, 10% AMBER of the reader's organisation
// (which makes the policy look at created_by_ref).
std::string Indicator(size_t n) {
  char id[64];
  std::snprintf(id, sizeof id, "indicator--%08zx-%04zx-4000-8000-000000000000", n >> 16,
                n & 0xffff);
  const char* tlp = n % 10 < 6   ? "bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
                    : n % 10 < 9 ? "94868c89-83c2-464b-929b-a1a8aa3c8487"
                                 : "55d920b0-5e8b-4f79-9ee9-91f868d9b421";
  return std::string("{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"") + id +
         "\",\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":\"2024-01-01T00:00:00.000Z\","
         "\"name\":\"C2 server " +
         std::to_string(n) + "\",\"pattern\":\"[ipv4-addr:value = '10." +
         std::to_string((n >> 16) & 255) + "." + std::to_string((n >> 8) & 255) + "." +
         std::to_string(n & 255) +
         "']\",\"pattern_type\":\"stix\",\"valid_from\":\"2024-01-01T00:00:00Z\","
         "\"indicator_types\":[\"malicious-activity\"],\"created_by_ref\":\"" +
         kOwnIdentity + "\",\"object_marking_refs\":[\"marking-definition--" + tlp + "\"]}";
}

}  // namespace

int main(int argc, char** argv) {
  size_t objects = 1'000'000, reps = 30;
  std::string dir = std::filesystem::temp_directory_path().string();
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--smoke")) {
      objects = 20'000;
      reps = 5;
    } else if (!std::strcmp(argv[i], "--objects") && i + 1 < argc) {
      objects = std::stoul(argv[++i]);
    } else if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) {
      reps = std::stoul(argv[++i]);
    } else if (!std::strcmp(argv[i], "--dir") && i + 1 < argc) {
      dir = argv[++i];
    } else {
      std::fprintf(stderr, "usage: taxii_bench [--objects N] [--reps N] [--dir DIR] [--smoke]\n");
      return 2;
    }
  }
  const std::string path = dir + "/taxii_bench_" + std::to_string(objects) + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  auto opened = store::OpenStore({path, false, true, store::Durability::kNormal});
  if (!opened) {
    std::fprintf(stderr, "%s\n", opened.error().message.c_str());
    return 1;
  }
  auto& st = **opened;
  auto t0 = Clock::now();
  std::vector<model::StixObject> batch;
  for (size_t n = 0; n < objects; ++n) {
    auto o = model::ParseStixObject(Indicator(n));
    if (!o) {
      std::fprintf(stderr, "generator: %s\n", o.error().message.c_str());
      return 1;
    }
    batch.push_back(std::move(*o));
    if (batch.size() == 20'000 || n + 1 == objects) {
      if (auto r = st.Ingest(batch); !r) {
        std::fprintf(stderr, "ingest: %s\n", r.error().message.c_str());
        return 1;
      }
      batch.clear();
    }
  }
  const double load_s = Ms(t0, Clock::now()) / 1000;

  api::Authenticator auth;
  auth.SetOrganisationRole("ANSSI", api::Role::kAnalyst);
  api::TaxiiConfig config;
  config.identity_organisations = {{kOwnIdentity, "ANSSI"}};
  api::ApiRootConfig root{"api1", "bench", "", 1 << 20, {}};
  root.collections.push_back({kCollection, "all", "", true, true, {}, std::nullopt});
  config.api_roots.push_back(std::move(root));
  api::TaxiiServer taxii(st, auth, std::move(config));

  socmesh::net::Request request;
  request.method = "GET";
  request.peer = socmesh::net::PeerIdentity{};
  request.peer->organisation = "ANSSI";
  request.headers.Set("Accept", "application/taxii+json;version=2.1");
  const std::string base = std::string("/api1/collections/") + kCollection + "/objects/?limit=1000";
  // Walk to the middle of the collection with `next` so the measured page is a deep one.
  request.target = base;
  std::string next;
  size_t page_bytes = 0;
  const size_t skip_pages = objects / 2000;
  for (size_t p = 0; p < skip_pages; ++p) {
    request.target = base + (next.empty() ? "" : "&next=" + next);
    auto r = taxii.Handle(request);
    auto at = r.body.find("\"next\":\"");
    if (r.status != 200 || at == std::string::npos) break;
    next = r.body.substr(at + 8, r.body.find('"', at + 8) - at - 8);
  }
  const std::string target = base + (next.empty() ? "" : "&next=" + next);
  const int64_t after_seq = next.empty() ? 0 : std::stoll(next.substr(0, next.find('-')));

  std::vector<double> page_ms, scan_ms;
  for (size_t i = 0; i < reps; ++i) {
    request.target = target;
    auto a = Clock::now();
    auto r = taxii.Handle(request);
    auto b = Clock::now();
    if (r.status != 200) {
      std::fprintf(stderr, "page: %d %s\n", r.status, r.body.substr(0, 300).c_str());
      return 1;
    }
    page_bytes = r.body.size();
    page_ms.push_back(Ms(a, b));

    store::Query q;
    q.after_seq = after_seq;
    q.limit = 1000;
    size_t bytes = 0, rows = 0;
    a = Clock::now();
    auto scanned = st.Scan(q, [&](const store::StoredVersion& v) {
      bytes += v.json.size();
      ++rows;
      return true;
    });
    b = Clock::now();
    if (!scanned || rows != 1000) {
      std::fprintf(stderr, "reference scan failed (%zu rows)\n", rows);
      return 1;
    }
    scan_ms.push_back(Ms(a, b));
  }
  const double page = Median(page_ms), scan = Median(scan_ms);
  std::printf("store objects        %zu (generated and ingested in %.1f s)\n", objects, load_s);
  std::printf("page position        seq > %lld (after %zu pages of 1000)\n",
              static_cast<long long>(after_seq), skip_pages);
  std::printf("TAXII page (1000)    median %.2f ms  (%zu bytes)  target <= 20 ms\n", page,
              page_bytes);
  std::printf("raw Store::Scan      median %.2f ms  (reference)\n", scan);
  std::printf("ratio page/scan      %.2f\n", page / scan);
  std::printf(
      "{\"bench\":\"taxii\",\"objects\":%zu,\"page_ms\":%.3f,\"scan_ms\":%.3f,"
      "\"ratio\":%.3f,\"target_ms\":20,\"reps\":%zu}\n",
      objects, page, scan, page / scan, reps);
  opened->reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  return page <= 20.0 ? 0 : 3;
}
