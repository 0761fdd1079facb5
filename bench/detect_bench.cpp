// Indicator matching end to end (detect/, B2c): EVE-like JSON events -> simdjson on-demand field
// extraction -> light normalisation -> lookups in the matcher index, single core. The reference
// in the same run does the same extraction and normalisation, then exact lookups of the same
// fields in a plain open-addressing hash set of the same keys (no Bloom filter, no networks, no
// domain suffixes): what the matcher costs over the simplest exact matcher.
//
// Usage: detect_bench [--indicators N] [--events N] [--reps N] [--smoke] [--profile-pipeline]
// (--profile-pipeline: only the product path with Submit, after "profile: start" on stderr, for
// `perf record -p`).
// Indicators (synthetic, deterministic): 45 % IPv4 addresses, 1 % IPv4 networks (/22-/30, most
// /24), 24 % domains, 15 % URLs, 15 % SHA-256. Events (~580 bytes, Suricata EVE shape with http,
// tls and fileinfo): ~1 % carry an indicator value (an IP, an address in a network, a subdomain
// of a domain, a URL, a hash). Also measured: build time, bytes per indicator (the index's own
// MemoryBytes()), and matching while a writer thread applies updates (compaction included).
#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "bench_timing.hpp"
#include "detect/detail/key.hpp"
#include "detect/detail/tables.hpp"
#include "detect/detector.hpp"
#include "detect/matcher.hpp"
#include "events/decoder.hpp"

namespace {

using socmesh::detect::IndicatorEntry;
using socmesh::detect::IndicatorIndex;
using socmesh::detect::Match;
using socmesh::detect::MatcherOptions;
using socmesh::detect::Snapshot;
using socmesh::detect::UpdateBatch;
using socmesh::model::ObservableKind;
using K = ObservableKind;

using socmesh::bench::Median;
using socmesh::bench::Seconds;
// CPU time of the calling thread: on this shared 2-core machine other jobs take the core away
// for whole time slices, which wall time would count against the matcher.
using socmesh::bench::ThreadCpuSeconds;

// SplitMix64: fast, deterministic, good enough to spread keys.
struct Rng {
  uint64_t s;
  uint64_t Next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  uint32_t Below(uint32_t n) { return static_cast<uint32_t>((Next() >> 32) * n >> 32); }
};

std::string Ipv4(uint32_t a) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255);
  return buf;
}

std::string Label(Rng& r, int min, int max) {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s;
  const int n = min + static_cast<int>(r.Below(static_cast<uint32_t>(max - min + 1)));
  for (int i = 0; i < n; ++i) s += kChars[r.Below(i == 0 ? 26 : 36)];
  return s;
}

std::string Domain(Rng& r) {
  static constexpr const char* kTlds[] = {"com", "net", "org", "ru", "cn", "info",
                                          "xyz", "top", "io",  "de", "eu", "biz"};
  std::string d = Label(r, 6, 14) + "." + kTlds[r.Below(12)];
  if (r.Below(10) < 3) d = Label(r, 3, 8) + "." + d;
  return d;
}

std::string Path(Rng& r) {
  static constexpr const char* kFiles[] = {
      "index.php", "gate.php", "login", "update.bin", "a.js", "wp-admin/admin-ajax.php", "dl"};
  std::string p = "/" + Label(r, 3, 10) + "/" + kFiles[r.Below(7)];
  if (r.Below(2) == 0) p += "?id=" + std::to_string(r.Next() % 1000000);
  return p;
}

std::string Sha256(Rng& r) {
  char buf[65];
  for (int i = 0; i < 4; ++i) {
    std::snprintf(buf + i * 16, 17, "%016llx", static_cast<unsigned long long>(r.Next()));
  }
  return std::string(buf, 64);
}

std::string IndicatorId(uint64_t n) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "indicator--%08llx-0000-4000-8000-%012llx",
                static_cast<unsigned long long>(n >> 32 & 0xFFFFFFFF),
                static_cast<unsigned long long>(n & 0xFFFFFFFFFFFF));
  return buf;
}

// Samples of indicator values, for the events that hit.
struct HitValues {
  std::vector<std::string> ips, networks, domains, urls, hashes;
};

// One indicator of the mix; `n` picks the kind, `r` the value.
socmesh::model::Observable MakeObservable(uint64_t n, Rng& r) {
  const uint32_t slot = static_cast<uint32_t>(n % 100);
  if (slot < 45) return {K::kIpv4, Ipv4(static_cast<uint32_t>(r.Next()))};
  if (slot < 46) {
    // Most listed networks are small; 50 k of them cover ~0.3 % of the address space here.
    static constexpr int kLengths[] = {22, 23, 24, 24, 24, 24, 24, 25, 26, 27, 28, 29, 30};
    const int length = kLengths[r.Below(13)];
    const uint32_t a = static_cast<uint32_t>(r.Next()) & ~((uint32_t{1} << (32 - length)) - 1);
    return {K::kIpv4, Ipv4(a) + "/" + std::to_string(length)};
  }
  if (slot < 70) return {K::kDomain, Domain(r)};  // 24 %
  if (slot < 85) return {K::kUrl, "http://" + Domain(r) + Path(r)};
  return {K::kSha256, Sha256(r)};
}

// --- The reference: a plain open-addressing set of (kind, text) keys ---

class ReferenceSet {
 public:
  explicit ReferenceSet(size_t keys) {
    size_t capacity = 16;
    while (capacity < keys * 10 / 6) capacity <<= 1;  // load <= 0.6
    slots_.assign(capacity, Slot{0, 0});
    mask_ = capacity - 1;
  }
  void Insert(K kind, std::string_view value) {
    const uint64_t h = Hash(kind, value) | 1;  // 0 marks an empty slot
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].hash == 0) {
        slots_[i] = {h, static_cast<uint32_t>(arena_.size())};
        arena_ += static_cast<char>(kind);
        const auto len = static_cast<uint16_t>(value.size());
        arena_.append(reinterpret_cast<const char*>(&len), 2);
        arena_ += value;
        return;
      }
      if (slots_[i].hash == h && Equals(slots_[i].offset, kind, value)) return;
    }
  }
  bool Contains(K kind, std::string_view value) const {
    const uint64_t h = Hash(kind, value) | 1;
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].hash == 0) return false;
      if (slots_[i].hash == h && Equals(slots_[i].offset, kind, value)) return true;
    }
  }
  size_t MemoryBytes() const { return slots_.capacity() * sizeof(Slot) + arena_.capacity(); }

 private:
  struct Slot {
    uint64_t hash;
    uint32_t offset;
  };
  static uint64_t Hash(K kind, std::string_view v) {
    return XXH3_64bits_withSeed(v.data(), v.size(), static_cast<uint64_t>(kind));
  }
  bool Equals(uint32_t offset, K kind, std::string_view v) const {
    uint16_t len;
    std::memcpy(&len, arena_.data() + offset + 1, 2);
    return arena_[offset] == static_cast<char>(kind) && len == v.size() &&
           std::memcmp(arena_.data() + offset + 3, v.data(), len) == 0;
  }
  std::vector<Slot> slots_;
  std::string arena_;
  size_t mask_ = 0;
};

// --- Events ---

struct Corpus {
  std::string bytes;  // events back to back, each followed by SIMDJSON_PADDING spare bytes
  std::vector<std::pair<size_t, size_t>> events;  // offset, length
  size_t hit_events = 0;
};

Corpus MakeEvents(size_t count, const HitValues& hits, uint64_t seed) {
  Corpus c;
  Rng r{seed};
  for (size_t e = 0; e < count; ++e) {
    std::string src = Ipv4(0x0A000000U | (r.Below(1 << 24)));  // internal 10/8 client
    std::string dst = Ipv4(static_cast<uint32_t>(r.Next()));
    std::string host = Domain(r);
    if (r.Below(3) == 0) host = "www." + host;
    std::string path = Path(r);
    std::string url_path = path;
    std::string sha = Sha256(r);
    std::string sni = r.Below(4) == 0 ? Domain(r) : host;
    if (r.Below(100) == 0) {  // ~1 % hit an indicator
      ++c.hit_events;
      auto pick = [&](const std::vector<std::string>& v) -> const std::string& {
        return v[r.Below(static_cast<uint32_t>(v.size()))];
      };
      switch (r.Below(5)) {
        case 0:
          dst = pick(hits.ips);
          break;
        case 1: {  // an address inside a network indicator
          const std::string& net = pick(hits.networks);
          dst = net.substr(0, net.find('/'));
          break;
        }
        case 2:
          host = "cdn." + pick(hits.domains);
          sni = host;
          break;
        case 3: {
          const std::string& url = pick(hits.urls);
          const size_t slash = url.find('/', 7);
          host = url.substr(7, slash - 7);
          url_path = url.substr(slash);
          break;
        }
        default:
          sha = pick(hits.hashes);
      }
    }
    char buf[1024];
    const int n = std::snprintf(
        buf, sizeof buf,
        R"({"timestamp":"2024-05-01T12:%02u:%02u.%06u+0000","flow_id":%llu,"in_iface":"eth0",)"
        R"("event_type":"http","src_ip":"%s","src_port":%u,"dest_ip":"%s","dest_port":80,)"
        R"("proto":"TCP","http":{"hostname":"%s","url":"%s","http_user_agent":)"
        R"~("Mozilla/5.0 (Windows NT 10.0; Win64; x64)",)~"
        R"("http_method":"GET","protocol":"HTTP/1.1","status":200,"length":%u},)"
        R"("tls":{"sni":"%s","version":"TLS 1.2"},"fileinfo":{"filename":"%s","sha256":"%s",)"
        R"("size":%u},"community_id":"1:%s="})",
        r.Below(60), r.Below(60), r.Below(1000000), static_cast<unsigned long long>(r.Next() >> 12),
        src.c_str(), 1024 + r.Below(60000), dst.c_str(), host.c_str(), url_path.c_str(),
        r.Below(100000), sni.c_str(), path.c_str(), sha.c_str(), r.Below(1000000),
        Label(r, 27, 27).c_str());
    c.events.push_back({c.bytes.size(), static_cast<size_t>(n)});
    c.bytes.append(buf, static_cast<size_t>(n));
    c.bytes.append(simdjson::SIMDJSON_PADDING, ' ');
  }
  return c;
}

// The fields matching looks at, as views into the parser's buffers (valid until its next event).
struct Fields {
  std::string_view src_ip, dest_ip, host, url, sni, sha256;
};

bool Extract(simdjson::ondemand::parser& parser, const char* data, size_t length, Fields& f) {
  f = {};
  simdjson::ondemand::document doc;
  if (parser.iterate(data, length, length + simdjson::SIMDJSON_PADDING).get(doc)) return false;
  simdjson::ondemand::object root;
  if (doc.get_object().get(root)) return false;
  for (auto field : root) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return false;
    auto value = field.value();
    if (key == "src_ip") {
      if (value.get_string().get(f.src_ip)) return false;
    } else if (key == "dest_ip") {
      if (value.get_string().get(f.dest_ip)) return false;
    } else if (key == "http" || key == "tls" || key == "fileinfo") {
      simdjson::ondemand::object inner;
      if (value.get_object().get(inner)) return false;
      for (auto sub : inner) {
        std::string_view k;
        if (sub.unescaped_key().get(k)) return false;
        std::string_view* out = nullptr;
        if (k == "hostname")
          out = &f.host;
        else if (k == "url")
          out = &f.url;
        else if (k == "sni")
          out = &f.sni;
        else if (k == "sha256")
          out = &f.sha256;
        if (out != nullptr && sub.value().get_string().get(*out)) return false;
      }
    }
  }
  return true;
}

// Light normalisation into reusable buffers: lower-case host names (no trailing dot), and the
// URL rebuilt as NormalizeObservable(kUrl) writes it ("http://" + host + path as sent).
struct Normalised {
  std::string host, sni, url;
  void From(const Fields& f) {
    auto lower = [](std::string_view in, std::string& out) {
      out.assign(in);
      for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
      if (!out.empty() && out.back() == '.') out.pop_back();
    };
    lower(f.host, host);
    lower(f.sni, sni);
    url.clear();
    if (!f.url.empty() && !host.empty()) {
      url.append("http://").append(host).append(f.url);
    }
  }
};

K IpKind(std::string_view ip) {
  return ip.find(':') == std::string_view::npos ? K::kIpv4 : K::kIpv6;
}

// One pass of the matcher over the corpus; returns matches. `batched`: one LookupMany per event
// (the way to use the index), else one Lookup per value.
size_t RunMatcher(const IndicatorIndex& index, const Corpus& c, bool batched,
                  size_t& events_with_match) {
  simdjson::ondemand::parser parser;
  Fields f;
  Normalised n;
  std::vector<Match> out;
  std::vector<socmesh::detect::Query> queries;
  size_t matches = 0;
  events_with_match = 0;
  std::shared_ptr<const Snapshot> s;
  for (size_t i = 0; i < c.events.size(); ++i) {
    if ((i & 1023) == 0) s = index.Current();  // a snapshot per 1024 events
    const auto [offset, length] = c.events[i];
    if (!Extract(parser, c.bytes.data() + offset, length, f)) continue;
    n.From(f);
    queries.clear();
    if (!f.src_ip.empty()) queries.push_back({IpKind(f.src_ip), f.src_ip});
    if (!f.dest_ip.empty()) queries.push_back({IpKind(f.dest_ip), f.dest_ip});
    if (!n.host.empty()) queries.push_back({K::kDomain, n.host});
    if (!n.sni.empty() && n.sni != n.host) queries.push_back({K::kDomain, n.sni});
    if (!n.url.empty()) queries.push_back({K::kUrl, n.url});
    if (!f.sha256.empty()) queries.push_back({K::kSha256, f.sha256});
    out.clear();
    if (batched) {
      s->LookupMany(queries, out);
    } else {
      for (const auto& q : queries) s->Lookup(q.kind, q.normalized_value, out);
    }
    matches += out.size();
    events_with_match += !out.empty();
  }
  return matches;
}

// Events in groups of `group`: their values are copied out of the parser (its buffers are reused
// per event) and looked up with one LookupMany, so one event's memory round trips overlap the
// next ones' parsing. Match::query maps each match back to its value and event.
size_t RunMatcherGrouped(const IndicatorIndex& index, const Corpus& c, size_t group,
                         size_t& events_with_match) {
  simdjson::ondemand::parser parser;
  Fields f;
  Normalised n;
  std::vector<Match> out;
  std::vector<socmesh::detect::Query> queries;
  std::vector<uint32_t> event_of_query;
  std::string values;  // the group's values back to back
  std::vector<std::pair<K, std::pair<size_t, size_t>>> spans;
  size_t matches = 0;
  events_with_match = 0;
  std::shared_ptr<const Snapshot> s;
  for (size_t first = 0; first < c.events.size(); first += group) {
    if ((first & 1023) < group) s = index.Current();
    values.clear();
    spans.clear();
    event_of_query.clear();
    const size_t end = std::min(first + group, c.events.size());
    for (size_t i = first; i < end; ++i) {
      const auto [offset, length] = c.events[i];
      if (!Extract(parser, c.bytes.data() + offset, length, f)) continue;
      n.From(f);
      auto add = [&](K kind, std::string_view v) {
        if (v.empty()) return;
        spans.push_back({kind, {values.size(), v.size()}});
        values.append(v);
        event_of_query.push_back(static_cast<uint32_t>(i - first));
      };
      add(IpKind(f.src_ip), f.src_ip);
      add(IpKind(f.dest_ip), f.dest_ip);
      add(K::kDomain, n.host);
      if (n.sni != n.host) add(K::kDomain, n.sni);
      add(K::kUrl, n.url);
      add(K::kSha256, f.sha256);
    }
    queries.clear();
    for (const auto& [kind, span] : spans) {
      queries.push_back({kind, std::string_view(values).substr(span.first, span.second)});
    }
    out.clear();
    s->LookupMany(queries, out);
    matches += out.size();
    uint32_t last_event = UINT32_MAX;
    for (const Match& m : out) {
      if (event_of_query[m.query] != last_event) ++events_with_match;
      last_event = event_of_query[m.query];
    }
  }
  return matches;
}

// The product path, as `socmesh detect` runs it: events::EventDecoder (Suricata EVE field map,
// every mapped field normalised: 9 observables per event) -> detect::Detector (lookups, sighting
// aggregation, rate baselines; alerts formatted for every match into a sink that drops them; no
// store). `submit`: Detector::Submit (lookups pipelined one event ahead) instead of Process.
// Returns the matches; `alert_bytes` the bytes of alert lines, which must agree between the two.
size_t RunPipeline(IndicatorIndex& index, const Corpus& c, bool submit, size_t& events_with_match,
                   size_t& alert_bytes) {
  socmesh::events::DecoderConfig config;
  config.format = socmesh::events::InputFormat::kJson;
  config.field_map = *socmesh::events::FindFieldMap("suricata-eve");
  auto decoder = socmesh::events::EventDecoder::Create(config);
  if (!decoder) return 0;
  socmesh::detect::DetectorOptions options;
  options.sighting.identity_id = "identity--00000000-0000-4000-8000-000000000001";
  alert_bytes = 0;
  socmesh::detect::Detector detector(index, options,
                                     [&](std::string_view line) { alert_bytes += line.size(); });
  socmesh::events::Event event;
  event.source = "eve";
  for (const auto& [offset, length] : c.events) {
    if (!(*decoder)->Decode(std::string_view(c.bytes.data() + offset, length), event)) continue;
    if (submit) {
      detector.Submit(event);
    } else {
      detector.Process(event);
    }
  }
  detector.Drain();
  events_with_match = detector.stats().events_matched;
  return detector.stats().matches;
}

// Extraction and normalisation alone: the part of the work that is not matching.

size_t RunExtractOnly(const Corpus& c) {
  simdjson::ondemand::parser parser;
  Fields f;
  Normalised n;
  size_t bytes = 0;
  for (const auto& [offset, length] : c.events) {
    if (!Extract(parser, c.bytes.data() + offset, length, f)) continue;
    n.From(f);
    bytes += f.src_ip.size() + f.dest_ip.size() + n.host.size() + n.sni.size() + n.url.size() +
             f.sha256.size();
  }
  return bytes;
}

size_t RunReference(const ReferenceSet& set, const Corpus& c, size_t& events_with_match) {
  simdjson::ondemand::parser parser;
  Fields f;
  Normalised n;
  size_t matches = 0;
  events_with_match = 0;
  for (const auto& [offset, length] : c.events) {
    if (!Extract(parser, c.bytes.data() + offset, length, f)) continue;
    n.From(f);
    size_t m = 0;
    if (!f.src_ip.empty()) m += set.Contains(IpKind(f.src_ip), f.src_ip);
    if (!f.dest_ip.empty()) m += set.Contains(IpKind(f.dest_ip), f.dest_ip);
    if (!n.host.empty()) m += set.Contains(K::kDomain, n.host);
    if (!n.sni.empty() && n.sni != n.host) m += set.Contains(K::kDomain, n.sni);
    if (!n.url.empty()) m += set.Contains(K::kUrl, n.url);
    if (!f.sha256.empty()) m += set.Contains(K::kSha256, f.sha256);
    matches += m;
    events_with_match += m != 0;
  }
  return matches;
}

}  // namespace

int main(int argc, char** argv) {
  size_t indicators = 5'000'000, events = 200'000;
  int reps = 3;
  bool profile_pipeline = false;  // only the product path, for perf record
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--smoke") {
      indicators = 50'000;
      events = 20'000;
      reps = 1;
    } else if (a == "--indicators" && i + 1 < argc) {
      indicators = std::stoul(argv[++i]);
    } else if (a == "--events" && i + 1 < argc) {
      events = std::stoul(argv[++i]);
    } else if (a == "--reps" && i + 1 < argc) {
      reps = std::stoi(argv[++i]);
    } else if (a == "--profile-pipeline") {
      profile_pipeline = true;
    } else {
      std::fprintf(stderr,
                   "usage: detect_bench [--indicators N] [--events N] [--reps N] [--smoke] "
                   "[--profile-pipeline]\n");
      return 2;
    }
  }

  // Build: indicators streamed into the builder (no list of entries held), then the index.
  MatcherOptions options;
  HitValues hits;
  ReferenceSet reference(indicators);
  std::unique_ptr<IndicatorIndex> index;
  const double build_s = Seconds([&] {
    socmesh::detect::detail::TablesBuilder builder(options);
    Rng r{42};
    for (uint64_t n = 0; n < indicators; ++n) {
      socmesh::model::Observable o = MakeObservable(n, r);
      auto number =
          builder.AddIndicator(IndicatorId(n), socmesh::model::Timestamp{1}, std::nullopt);
      builder.AddObservable(*number, o);
      if (n % 97 == 0) {
        const bool network = o.kind == K::kIpv4 && o.value.find('/') != std::string::npos;
        auto& v = o.kind == K::kIpv4     ? (network ? hits.networks : hits.ips)
                  : o.kind == K::kDomain ? hits.domains
                  : o.kind == K::kUrl    ? hits.urls
                                         : hits.hashes;
        v.push_back(o.value);
      }
    }
    auto base = builder.Build();
    if (!base) std::abort();
    index = std::move(*IndicatorIndex::Create(std::move(*base), options));
  });
  if (hits.networks.empty()) hits.networks.push_back("192.0.2.0/24");
  const size_t bytes = index->MemoryBytes();
  const double reference_build_s = Seconds([&] {
    Rng r{42};
    for (uint64_t n = 0; n < indicators; ++n) {
      socmesh::model::Observable o = MakeObservable(n, r);
      reference.Insert(o.kind, o.value);
    }
  });

  const Corpus corpus = MakeEvents(events, hits, 7);
  const double event_bytes =
      static_cast<double>(corpus.bytes.size()) / static_cast<double>(events) -
      simdjson::SIMDJSON_PADDING;

  if (profile_pipeline) {
    std::fprintf(stderr, "profile: start\n");  // attach perf now
    size_t hit_events = 0, alert_bytes = 0;
    double t = 0;
    for (int rep = 0; rep < reps; ++rep) {
      t += ThreadCpuSeconds([&] { RunPipeline(*index, corpus, true, hit_events, alert_bytes); });
    }
    std::printf("pipeline %.2f M events/s\n", static_cast<double>(events) * reps / t / 1e6);
    return 0;
  }
  // Single core, alternating runs so that machine noise hits both sides alike.
  std::vector<double> matcher_rates, single_rates, grouped_rates, extract_rates, reference_rates;
  size_t grouped_matches = 0, grouped_hit_events = 0, extracted = 0;
  // The product path, Process and Submit, in thread CPU time and in wall time.
  std::vector<double> reference_wall;
  std::vector<double> process_rates, process_wall, submit_rates, submit_wall;
  size_t process_matches = 0, process_hit_events = 0, process_alert_bytes = 0;
  size_t submit_matches = 0, submit_hit_events = 0, submit_alert_bytes = 0;
  auto timed = [&](std::vector<double>& cpu, std::vector<double>& wall,
                   const std::function<void()>& f) {
    double cpu_s = 0;
    const double wall_s = Seconds([&] { cpu_s = ThreadCpuSeconds(f); });
    cpu.push_back(static_cast<double>(events) / cpu_s);
    wall.push_back(static_cast<double>(events) / wall_s);
  };
  size_t matcher_matches = 0, matcher_hit_events = 0, reference_matches = 0,
         reference_hit_events = 0, single_matches = 0, single_hit_events = 0;
  for (int rep = 0; rep < reps; ++rep) {
    matcher_rates.push_back(static_cast<double>(events) / ThreadCpuSeconds([&] {
                              matcher_matches =
                                  RunMatcher(*index, corpus, true, matcher_hit_events);
                            }));
    grouped_rates.push_back(static_cast<double>(events) / ThreadCpuSeconds([&] {
                              grouped_matches =
                                  RunMatcherGrouped(*index, corpus, 16, grouped_hit_events);
                            }));
    timed(process_rates, process_wall, [&] {
      process_matches = RunPipeline(*index, corpus, false, process_hit_events, process_alert_bytes);
    });
    timed(submit_rates, submit_wall, [&] {
      submit_matches = RunPipeline(*index, corpus, true, submit_hit_events, submit_alert_bytes);
    });
    extract_rates.push_back(static_cast<double>(events) /
                            ThreadCpuSeconds([&] { extracted = RunExtractOnly(corpus); }));
    single_rates.push_back(static_cast<double>(events) / ThreadCpuSeconds([&] {
                             single_matches = RunMatcher(*index, corpus, false, single_hit_events);
                           }));
    timed(reference_rates, reference_wall,
          [&] { reference_matches = RunReference(reference, corpus, reference_hit_events); });
  }
  const double matcher = Median(matcher_rates), ref = Median(reference_rates);
  if (process_matches != submit_matches || process_alert_bytes != submit_alert_bytes) {
    std::fprintf(stderr, "detect_bench: Process and Submit disagree (%zu/%zu matches)\n",
                 process_matches, submit_matches);
    return 1;
  }

  // Matching while a writer applies batches (1000 upserts + 1000 removals of earlier upserts),
  // with background compaction: readers never wait for it.
  std::atomic<bool> stop{false};
  std::atomic<size_t> applied{0};
  std::thread writer([&] {
    Rng r{99};
    uint64_t next = indicators;
    std::vector<std::string> added;
    while (!stop.load()) {
      UpdateBatch batch;
      for (int i = 0; i < 1000; ++i) {
        IndicatorEntry e{IndicatorId(next),
                         socmesh::model::Timestamp{2},
                         std::nullopt,
                         {MakeObservable(next, r)}};
        added.push_back(e.id);
        batch.upserts.push_back(std::move(e));
        ++next;
      }
      if (added.size() > 20'000) {
        batch.removals.assign(added.begin(), added.begin() + 1000);
        added.erase(added.begin(), added.begin() + 1000);
      }
      if (!index->Apply(batch)) std::abort();
      applied.fetch_add(batch.upserts.size() + batch.removals.size());
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  std::vector<double> live_rates;
  const auto live_start = std::chrono::steady_clock::now();
  for (int rep = 0; rep < std::max(reps, 3); ++rep) {
    size_t hit_events = 0;
    live_rates.push_back(static_cast<double>(events) /
                         ThreadCpuSeconds([&] { RunMatcher(*index, corpus, true, hit_events); }));
  }
  const double live_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - live_start).count();
  stop.store(true);
  writer.join();

  std::printf(
      "detect_bench: %zu indicators (45%% IPv4, 1%% IPv4 networks, 24%% domains, 15%% "
      "URLs, 15%% SHA-256), %zu events of %.0f bytes (%.2f%% carry an indicator value), "
      "reps %d, medians, one core (thread CPU time)\n",
      indicators, events, event_bytes,
      100.0 * static_cast<double>(corpus.hit_events) / static_cast<double>(events), reps);
  std::printf("  build           %.2f s (%.2f M indicators/s); reference set %.2f s\n", build_s,
              static_cast<double>(indicators) / build_s / 1e6, reference_build_s);
  std::printf(
      "  memory          %.1f bytes/indicator (%.0f MiB, everything counted; reference "
      "set %.1f bytes/key)\n",
      static_cast<double>(bytes) / static_cast<double>(indicators),
      static_cast<double>(bytes) / 1048576.0,
      static_cast<double>(reference.MemoryBytes()) / static_cast<double>(indicators));
  std::printf(
      "  matcher         %.2f M events/s  (LookupMany per event; %zu matches in %zu "
      "events: networks, suffixes and exact)\n",
      matcher / 1e6, matcher_matches, matcher_hit_events);
  std::printf(
      "  16 events/batch %.2f M events/s  (one LookupMany per 16 events; %zu matches in %zu "
      "events)\n",
      Median(grouped_rates) / 1e6, grouped_matches, grouped_hit_events);
  std::printf(
      "  product path    socmesh detect's: EventDecoder + Detector, one thread (per core = "
      "the rate); %zu matches in %zu events, %zu alert bytes\n",
      submit_matches, submit_hit_events, submit_alert_bytes);
  std::printf(
      "    Submit        %.2f M events/s CPU time (%.2fx the reference), %.2f M events/s wall "
      "(%.2fx)\n",
      Median(submit_rates) / 1e6, Median(submit_rates) / ref, Median(submit_wall) / 1e6,
      Median(submit_wall) / Median(reference_wall));
  std::printf(
      "    Process       %.2f M events/s CPU time (%.2fx the reference), %.2f M events/s wall "
      "(%.2fx)\n",
      Median(process_rates) / 1e6, Median(process_rates) / ref, Median(process_wall) / 1e6,
      Median(process_wall) / Median(reference_wall));
  std::printf("  per value       %.2f M events/s  (one Lookup per value: %zu matches)\n",
              Median(single_rates) / 1e6, single_matches);
  std::printf(
      "  extraction only %.2f M events/s  (simdjson + normalisation, no lookups: the "
      "ceiling; %zu value bytes)\n",
      Median(extract_rates) / 1e6, extracted);
  std::printf("  reference       %.2f M events/s  (%.2f M wall; %zu exact matches in %zu events)\n",
              ref / 1e6, Median(reference_wall) / 1e6, reference_matches, reference_hit_events);
  std::printf("  ratio           %.2fx the reference\n", matcher / ref);
  std::printf(
      "  during updates  %.2f M events/s  (writer applied %.0f changes/s; %zu in the "
      "delta at the end)\n",
      Median(live_rates) / 1e6, static_cast<double>(applied.load()) / live_s,
      index->Current()->delta_indicators());
  return 0;
}
