#include "sim/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>

#include "federation/routing.hpp"

namespace socmesh::sim {
namespace {

using federation::NodeIndex;

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string StatsJson(const LatencyStats& s) {
  return "{\"count\":" + std::to_string(s.count) + ",\"p50\":" + Number(s.p50_ms) +
         ",\"p99\":" + Number(s.p99_ms) + ",\"max\":" + Number(s.max_ms) + "}";
}

std::string Describe(const federation::Topology& t, const ScenarioObject& o) {
  std::string d = "from " + (o.origin < t.size() ? t.nodes()[o.origin].name : std::string("?")) +
                  ", tlp " + o.tlp + ", scope " + o.scope;
  if (!o.facts.recipients.empty()) {
    d += ", recipients";
    for (const auto& r : o.facts.recipients) d += " " + r;
  }
  if (!o.facts.sharing_groups.empty()) {
    d += ", groups";
    for (const auto& g : o.facts.sharing_groups) d += " " + g;
  }
  return d;
}

}  // namespace

double Percentile(std::span<const double> sorted, double p) {
  if (sorted.empty()) return 0;
  const double rank = std::ceil(p / 100.0 * static_cast<double>(sorted.size()));
  size_t index = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
}

LatencyStats Summarise(std::vector<double> values_ms) {
  std::ranges::sort(values_ms);
  LatencyStats s;
  s.count = values_ms.size();
  s.p50_ms = Percentile(values_ms, 50);
  s.p99_ms = Percentile(values_ms, 99);
  s.max_ms = values_ms.empty() ? 0 : values_ms.back();
  return s;
}

std::vector<std::vector<int>> HopCounts(const federation::Topology& topology) {
  const size_t n = topology.size();
  std::vector<std::vector<int>> hops(n, std::vector<int>(n, -1));
  for (size_t from = 0; from < n; ++from) {
    std::deque<NodeIndex> queue{static_cast<NodeIndex>(from)};
    hops[from][from] = 0;
    while (!queue.empty()) {
      NodeIndex at = queue.front();
      queue.pop_front();
      for (NodeIndex peer : topology.Peers(at)) {
        if (hops[from][peer] >= 0) continue;
        hops[from][peer] = hops[from][at] + 1;
        queue.push_back(peer);
      }
    }
  }
  return hops;
}

bool Complete(const federation::Topology& topology, std::span<const ScenarioObject> objects,
              std::span<const NodeHoldings> holdings) {
  for (const auto& o : objects) {
    const auto allowed = federation::AllowedNodes(topology, o.facts);
    for (size_t n = 0; n < allowed.size() && n < holdings.size(); ++n) {
      if (allowed[n] && !holdings[n].contains(o.id)) return false;
    }
  }
  return true;
}

void Evaluate(const federation::Topology& topology, std::span<const ScenarioObject> objects,
              std::span<const NodeHoldings> holdings, int64_t heal_us, Report& report) {
  const auto hops = HopCounts(topology);
  std::vector<double> all;
  std::map<int, std::vector<double>> by_hops;
  int64_t last_after_heal = 0;
  bool any_after_heal = false;
  report.objects = objects.size();
  report.nodes = topology.size();
  report.lost = report.leaked = report.duplicated = 0;
  report.deliveries = report.expected_pairs = 0;
  report.findings.clear();
  auto find = [&](std::string kind, const ScenarioObject& o, NodeIndex node, std::string detail) {
    if (report.findings.size() >= kMaxFindings) return;
    report.findings.push_back({std::move(kind), o.id, topology.nodes()[node].name,
                               Describe(topology, o) + (detail.empty() ? "" : "; " + detail)});
  };
  for (const auto& o : objects) {
    const auto allowed = federation::AllowedNodes(topology, o.facts);
    const Holding* at_origin = nullptr;
    if (o.origin < holdings.size()) {
      auto it = holdings[o.origin].find(o.id);
      if (it != holdings[o.origin].end()) at_origin = &it->second;
    }
    for (NodeIndex n = 0; n < topology.size() && n < holdings.size(); ++n) {
      auto it = holdings[n].find(o.id);
      const Holding* h = it == holdings[n].end() ? nullptr : &it->second;
      if (allowed[n] && n != o.origin) ++report.expected_pairs;
      if (!h) {
        if (allowed[n]) {
          ++report.lost;
          find("lost", o, n,
               std::string(federation::VerdictName(
                   federation::DecideForNode(topology, o.facts, n).verdict)));
        }
        continue;
      }
      if (!allowed[n]) {
        ++report.leaked;
        find("leaked", o, n,
             std::string(
                 federation::VerdictName(federation::DecideForNode(topology, o.facts, n).verdict)));
      }
      if (h->versions > 1 || (at_origin && h->digest != at_origin->digest)) {
        ++report.duplicated;
        find("duplicated", o, n,
             std::to_string(h->versions) + " versions" +
                 (at_origin && h->digest != at_origin->digest ? ", content differs from origin"
                                                              : ""));
      }
      if (n == o.origin || !allowed[n]) continue;
      ++report.deliveries;
      if (heal_us > 0 && h->added_us >= heal_us) {
        any_after_heal = true;
        last_after_heal = std::max(last_after_heal, h->added_us);
      }
      if (o.phase == Phase::kSteady && at_origin) {
        const double ms = static_cast<double>(h->added_us - at_origin->added_us) / 1000.0;
        all.push_back(ms);
        by_hops[hops[o.origin][n]].push_back(ms);
      }
    }
  }
  report.latency = Summarise(std::move(all));
  report.latency_by_hops.clear();
  for (auto& [h, values] : by_hops) report.latency_by_hops[h] = Summarise(std::move(values));
  if (heal_us > 0) {
    report.convergence_ms =
        any_after_heal ? static_cast<double>(last_after_heal - heal_us) / 1000.0 : 0.0;
  } else {
    report.convergence_ms.reset();
  }
  report.converged = report.lost == 0;
}

std::string ReportJson(const Report& r) {
  std::string j = "{";
  j += "\"network\":" + JsonString(r.network);
  j += ",\"seed\":" + std::to_string(r.seed);
  j += ",\"nodes\":" + std::to_string(r.nodes);
  j += ",\"objects\":" + std::to_string(r.objects);
  j += ",\"publish_failures\":" + std::to_string(r.publish_failures);
  j += ",\"routing\":" + JsonString(r.routing);
  j += ",\"expected_deliveries\":" + std::to_string(r.expected_pairs);
  j += ",\"deliveries\":" + std::to_string(r.deliveries);
  j += ",\"lost\":" + std::to_string(r.lost);
  j += ",\"duplicated\":" + std::to_string(r.duplicated);
  j += ",\"leaked\":" + std::to_string(r.leaked);
  j += ",\"latency_ms\":{\"count\":" + std::to_string(r.latency.count) +
       ",\"p50\":" + Number(r.latency.p50_ms) + ",\"p99\":" + Number(r.latency.p99_ms) +
       ",\"max\":" + Number(r.latency.max_ms) + ",\"by_hops\":{";
  bool first = true;
  for (const auto& [h, s] : r.latency_by_hops) {
    j += (first ? "" : ",") + JsonString(std::to_string(h)) + ":" + StatsJson(s);
    first = false;
  }
  j += "}}";
  j += ",\"convergence_ms\":" + (r.convergence_ms ? Number(*r.convergence_ms) : "null");
  j += ",\"converged\":" + std::string(r.converged ? "true" : "false");
  j += ",\"wait_ms\":" + Number(r.wait_ms);
  j += ",\"duration_s\":" + Number(r.duration_s);
  j += ",\"faults\":[";
  for (size_t i = 0; i < r.faults.size(); ++i) {
    const auto& f = r.faults[i];
    j += (i ? "," : "") + std::string("{\"kind\":") + JsonString(f.kind) +
         ",\"target\":" + JsonString(f.target) +
         ",\"duration_ms\":" + Number(f.end_us > 0 ? (f.end_us - f.start_us) / 1000.0 : 0) + "}";
  }
  j += "],\"findings\":[";
  for (size_t i = 0; i < r.findings.size(); ++i) {
    const auto& f = r.findings[i];
    j += (i ? "," : "") + std::string("{\"kind\":") + JsonString(f.kind) +
         ",\"id\":" + JsonString(f.id) + ",\"node\":" + JsonString(f.node) +
         ",\"detail\":" + JsonString(f.detail) + "}";
  }
  j += "],\"notes\":[";
  for (size_t i = 0; i < r.notes.size(); ++i) j += (i ? "," : "") + JsonString(r.notes[i]);
  j += "]}\n";
  return j;
}

std::string ReportText(const Report& r) {
  std::string t;
  char line[256];
  std::snprintf(line, sizeof line,
                "network %s: %zu nodes, %zu objects published (seed %llu), routing %s\n",
                r.network.c_str(), r.nodes, r.objects, static_cast<unsigned long long>(r.seed),
                r.routing.c_str());
  t += line;
  std::snprintf(line, sizeof line,
                "deliveries %zu of %zu expected; lost %zu, duplicated %zu, leaked %zu\n",
                r.deliveries, r.expected_pairs, r.lost, r.duplicated, r.leaked);
  t += line;
  std::snprintf(
      line, sizeof line,
      "latency (steady phase) p50 %.1f ms, p99 %.1f ms, max %.1f ms over %zu deliveries\n",
      r.latency.p50_ms, r.latency.p99_ms, r.latency.max_ms, r.latency.count);
  t += line;
  for (const auto& [h, s] : r.latency_by_hops) {
    std::snprintf(line, sizeof line, "  %d hop%s: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%zu)\n", h,
                  h == 1 ? " " : "s", s.p50_ms, s.p99_ms, s.max_ms, s.count);
    t += line;
  }
  for (const auto& f : r.faults) {
    std::snprintf(line, sizeof line, "fault: %s %s for %.1f s\n", f.kind.c_str(), f.target.c_str(),
                  f.end_us > 0 ? (f.end_us - f.start_us) / 1e6 : 0.0);
    t += line;
  }
  if (r.convergence_ms) {
    std::snprintf(line, sizeof line, "convergence after heal: %.1f ms\n", *r.convergence_ms);
    t += line;
  }
  if (r.publish_failures) t += "publish failures: " + std::to_string(r.publish_failures) + "\n";
  for (const auto& f : r.findings)
    t += f.kind + ": " + f.id + " at " + f.node + " (" + f.detail + ")\n";
  for (const auto& n : r.notes) t += "note: " + n + "\n";
  std::snprintf(line, sizeof line, "%s in %.1f s\n",
                r.lost + r.duplicated + r.leaked == 0 ? "OK" : "FAILED", r.duration_s);
  t += line;
  return t;
}

}  // namespace socmesh::sim
