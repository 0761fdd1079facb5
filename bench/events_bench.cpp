// Event parsing rates (events/): Suricata EVE and Zeek JSON through JsonEventParser, RFC 5424
// syslog through ParseSyslog (with free-text extraction), CEF through ParseCef; each against a
// reference over the same bytes in the same run:
//  - JSON: raw simdjson on-demand visiting the same fields and reading the same strings, without
//    normalisation or Event building (what the map-driven walk cannot beat);
//  - text: a memchr line split touching every line (the limit of any line reader).
// Rates and ratios are printed from wall-clock and from thread CPU time (the robust figure on a
// loaded, shared machine: see Seconds).
//
// Usage: events_bench [--events N] [--reps N] [--smoke]
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "bench_timing.hpp"
#include "events/cef.hpp"
#include "events/json_event.hpp"
#include "events/syslog.hpp"

namespace {

using socmesh::events::Event;

using socmesh::bench::Median;
using socmesh::bench::Span;

// Wall and thread CPU seconds of one call. On a loaded machine a longer call is preempted more
// often than a short one, so wall-clock ratios lean against the slower side; CPU time does not
// count the time the thread waited for a core.
Span Seconds(const std::function<void()>& f) { return socmesh::bench::WallAndThreadCpu(f); }

std::string Ip(size_t i) {
  return std::to_string(10 + i % 200) + "." + std::to_string(i / 200 % 250) + "." +
         std::to_string(i / 50000 % 250) + "." + std::to_string(1 + i % 253);
}

// A realistic EVE mix: 40 % flow-less alerts with http, 30 % dns, 20 % tls, 10 % fileinfo
// (Suricata 7 field order, ~450-700 bytes a line).
std::string EveLine(size_t i) {
  std::string s = "{\"timestamp\":\"2024-03-05T10:22:33." + std::to_string(100000 + i % 899999) +
                  "+0000\",\"flow_id\":" + std::to_string(1000000000000 + i) +
                  ",\"in_iface\":\"eth0\",\"event_type\":\"";
  const size_t kind = i % 10;
  const std::string src = Ip(i), dst = Ip(i * 7 + 3),
                    host = "h" + std::to_string(i % 5000) + ".example.com";
  if (kind < 4) {
    s += "alert\",\"src_ip\":\"" + src + "\",\"src_port\":49822,\"dest_ip\":\"" + dst +
         "\",\"dest_port\":80,\"proto\":\"TCP\",\"tx_id\":0,\"alert\":{\"action\":\"allowed\","
         "\"gid\":1,\"signature_id\":2024897,\"rev\":3,\"signature\":\"ET MALWARE Possible "
         "CnC Activity\",\"category\":\"A Network Trojan was detected\",\"severity\":1},"
         "\"http\":{\"hostname\":\"" +
         host + "\",\"url\":\"/wp-content/x.php?id=" + std::to_string(i) +
         "\",\"http_user_agent\":\"Mozilla/5.0 (Windows NT 10.0; Win64; "
         "x64)\",\"http_method\":\"GET\",\"protocol\":\"HTTP/1.1\",\"status\":200,\"length\":312},"
         "\"app_proto\":\"http\",\"flow\":{\"pkts_toserver\":5,\"pkts_toclient\":4,"
         "\"bytes_toserver\":620,\"bytes_toclient\":1100,\"start\":\"2024-03-05T10:22:33.000000+"
         "0000\"}";
  } else if (kind < 7) {
    s += "dns\",\"src_ip\":\"" + src + "\",\"src_port\":53,\"dest_ip\":\"" + dst +
         "\",\"dest_port\":51515,\"proto\":\"UDP\",\"dns\":{\"version\":2,\"type\":\"answer\","
         "\"id\":1234,\"flags\":\"8180\",\"qr\":true,\"rd\":true,\"ra\":true,\"rrname\":\"" +
         host + "\",\"rrtype\":\"A\",\"rcode\":\"NOERROR\",\"answers\":[{\"rrname\":\"" + host +
         "\",\"rrtype\":\"A\",\"ttl\":300,\"rdata\":\"" + dst + "\"}],\"grouped\":{\"A\":[\"" +
         dst + "\"]}}";
  } else if (kind < 9) {
    s += "tls\",\"src_ip\":\"" + src + "\",\"src_port\":50000,\"dest_ip\":\"" + dst +
         "\",\"dest_port\":443,\"proto\":\"TCP\",\"tls\":{\"subject\":\"CN=" + host +
         "\",\"issuerdn\":\"C=US, O=Let's Encrypt, CN=R3\",\"serial\":\"04:A1:B2\","
         "\"fingerprint\":\"a1:b2:c3:d4:e5:f6:a1:b2:c3:d4:e5:f6:a1:b2:c3:d4:e5:f6:a1:b2\","
         "\"sni\":\"" +
         host +
         "\",\"version\":\"TLS 1.3\",\"notbefore\":\"2024-01-01T00:00:00\","
         "\"notafter\":\"2024-04-01T00:00:00\",\"ja3\":{\"hash\":"
         "\"e7d705a3286e19ea42f587b344ee6865\"}}";
  } else {
    char md5[33];
    std::snprintf(md5, sizeof md5, "%032zx", i * 2654435761u);
    s += "fileinfo\",\"src_ip\":\"" + src + "\",\"src_port\":80,\"dest_ip\":\"" + dst +
         "\",\"dest_port\":49822,\"proto\":\"TCP\",\"http\":{\"hostname\":\"" + host +
         "\",\"url\":\"/download/setup.exe\"},\"fileinfo\":{\"filename\":\"/download/setup.exe\","
         "\"magic\":\"PE32 executable\",\"md5\":\"" +
         md5 + "\",\"size\":123456,\"stored\":false}";
  }
  s += ",\"host\":\"sensor-ams-1\"}";
  return s;
}

std::string ZeekLine(size_t i) {
  const std::string src = Ip(i), dst = Ip(i * 7 + 3);
  if (i % 2 == 0) {
    return "{\"_path\":\"conn\",\"ts\":1709630553." + std::to_string(100000 + i % 899999) +
           ",\"uid\":\"CHhAvVGS1DHFjwGM9\",\"id.orig_h\":\"" + src +
           "\",\"id.orig_p\":49822,\"id.resp_h\":\"" + dst +
           "\",\"id.resp_p\":443,\"proto\":\"tcp\",\"service\":\"ssl\",\"duration\":1.2,"
           "\"orig_bytes\":620,\"resp_bytes\":1100,\"conn_state\":\"SF\",\"missed_bytes\":0,"
           "\"history\":\"ShADadFf\",\"orig_pkts\":5,\"resp_pkts\":4}";
  }
  return "{\"_path\":\"dns\",\"ts\":1709630553." + std::to_string(100000 + i % 899999) +
         ",\"uid\":\"C1\",\"id.orig_h\":\"" + src + "\",\"id.orig_p\":51515,\"id.resp_h\":\"" +
         dst + "\",\"id.resp_p\":53,\"proto\":\"udp\",\"trans_id\":1234,\"query\":\"h" +
         std::to_string(i % 5000) +
         ".example.com\",\"qclass\":1,\"qtype_name\":\"A\","
         "\"rcode_name\":\"NOERROR\",\"answers\":[\"" +
         dst + "\"],\"TTLs\":[300.0]}";
}

std::string SyslogLine(size_t i) {
  return "<38>1 2024-03-05T10:22:33." + std::to_string(100000 + i % 899999) + "Z gw-" +
         std::to_string(i % 50) + " sshd " + std::to_string(1000 + i % 3000) +
         " - - Failed password for invalid user admin from " + Ip(i) + " port " +
         std::to_string(1024 + i % 60000) + " ssh2";
}

std::string CefLine(size_t i) {
  return "CEF:0|Palo Alto Networks|PAN-OS|10.1|end|TRAFFIC|3|rt=" +
         std::to_string(1709630553000 + i) + " src=" + Ip(i) + " dst=" + Ip(i * 7 + 3) +
         " spt=49822 dpt=443 proto=TCP act=allow dhost=h" + std::to_string(i % 5000) +
         ".example.com request=https://h" + std::to_string(i % 5000) +
         ".example.com/path?q=1 cs1=rule-17 cs1Label=Rule suser=jdoe dvchost=fw-01";
}

struct Corpus {
  std::string bytes;  // lines joined by '\n', padded
  std::vector<std::string_view> lines;
};

Corpus Build(size_t n, std::string (*line)(size_t)) {
  Corpus c;
  std::vector<size_t> starts;
  for (size_t i = 0; i < n; ++i) {
    starts.push_back(c.bytes.size());
    c.bytes += line(i);
    c.bytes += '\n';
  }
  const size_t size = c.bytes.size();
  c.bytes.append(socmesh::events::kJsonPadding, ' ');
  for (size_t i = 0; i < n; ++i) {
    const size_t end = (i + 1 < n ? starts[i + 1] : size) - 1;
    c.lines.emplace_back(c.bytes.data() + starts[i], end - starts[i]);
  }
  return c;
}

size_t LineSplitReference(const Corpus& c) {
  const char* p = c.bytes.data();
  const char* end = p + (c.bytes.size() - socmesh::events::kJsonPadding);
  size_t lines = 0, sum = 0;
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
    if (nl == nullptr) nl = end;
    sum += static_cast<unsigned char>(*p) + static_cast<size_t>(nl - p);
    ++lines;
    p = nl + 1;
  }
  return lines + (sum == 42);
}

// Raw simdjson on-demand over the fields the map names in these corpora (strings read, Zeek's
// "ts" read as a number, nothing normalised): the floor for a map-driven walk. It visits what the
// parser visits, including the dns answers and grouped arrays and Zeek's time stamp (the first
// version of this loop skipped those, flattering it against the parser).
size_t JsonReference(const Corpus& c, bool zeek) {
  namespace od = simdjson::ondemand;
  static od::parser parser;
  size_t total = 0;
  // An array of strings, or of objects whose "rrname"/"rdata" are read (dns.answers).
  auto read_array = [&total](auto&& value) {
    od::array a;
    if (value.get_array().get(a)) return;
    for (auto e : a) {
      std::string_view s;
      od::object o;
      if (!e.get_string().get(s)) {
        total += s.size();
      } else if (!e.get_object().get(o)) {
        for (auto inner : o) {
          std::string_view ik;
          if (inner.unescaped_key().get(ik)) break;
          if ((ik == "rrname" || ik == "rdata") && !inner.value().get_string().get(s)) {
            total += s.size();
          }
        }
      }
    }
  };
  auto wanted_top = [zeek](std::string_view k) {
    return zeek ? (k == "_path" || k == "id.orig_h" || k == "id.resp_h" || k == "query")
                : (k == "timestamp" || k == "event_type" || k == "src_ip" || k == "dest_ip" ||
                   k == "host");
  };
  for (std::string_view line : c.lines) {
    od::document doc;
    if (parser.iterate(line.data(), line.size(), line.size() + socmesh::events::kJsonPadding)
            .get(doc)) {
      continue;
    }
    od::object root;
    if (doc.get_object().get(root)) continue;
    for (auto field : root) {
      std::string_view key;
      if (field.unescaped_key().get(key)) break;
      std::string_view s;
      if (wanted_top(key)) {
        if (!field.value().get_string().get(s)) total += s.size();
      } else if (zeek && key == "ts") {
        double ts;
        if (!field.value().get_double().get(ts)) total += static_cast<size_t>(ts) & 1;
      } else if (zeek && key == "answers") {
        read_array(field.value());
      } else if (!zeek && (key == "http" || key == "dns" || key == "tls" || key == "fileinfo" ||
                           key == "alert")) {
        od::object o;
        if (field.value().get_object().get(o)) continue;
        for (auto inner : o) {
          std::string_view ik;
          if (inner.unescaped_key().get(ik)) break;
          if (ik == "hostname" || ik == "url" || ik == "http_user_agent" || ik == "rrname" ||
              ik == "sni" || ik == "md5" || ik == "filename" || ik == "signature") {
            if (!inner.value().get_string().get(s)) total += s.size();
          } else if (key == "dns" && ik == "answers") {
            read_array(inner.value());
          } else if (key == "dns" && ik == "grouped") {
            od::object grouped;
            if (inner.value().get_object().get(grouped)) continue;
            for (auto g : grouped) {
              std::string_view gk;
              if (g.unescaped_key().get(gk)) break;
              if (gk == "A") read_array(g.value());
            }
          }
        }
      }
    }
  }
  return total;
}

struct Row {
  const char* name;
  double reference_s, parse_s;          // wall
  double reference_cpu_s, parse_cpu_s;  // thread CPU
  size_t events, observables;
  double mb;
};

void Print(const Row& r) {
  std::printf(
      "%-13s %8zu events %7.1f MB  reference %10.0f ev/s  parse %10.0f ev/s %8.1f MB/s"
      "  ratio %.3f  (%.2f observables/event)  cpu: reference %10.0f parse %10.0f ev/s"
      " ratio %.3f\n",
      r.name, r.events, r.mb, r.events / r.reference_s, r.events / r.parse_s, r.mb / r.parse_s,
      r.reference_s / r.parse_s, static_cast<double>(r.observables) / r.events,
      r.events / r.reference_cpu_s, r.events / r.parse_cpu_s, r.reference_cpu_s / r.parse_cpu_s);
  std::printf(
      "{\"bench\":\"events\",\"input\":\"%s\",\"events\":%zu,\"reference_ev_s\":%.0f,"
      "\"parse_ev_s\":%.0f,\"parse_mb_s\":%.1f,\"ratio\":%.4f,\"parse_cpu_ev_s\":%.0f,"
      "\"cpu_ratio\":%.4f}\n",
      r.name, r.events, r.events / r.reference_s, r.events / r.parse_s, r.mb / r.parse_s,
      r.reference_s / r.parse_s, r.events / r.parse_cpu_s, r.reference_cpu_s / r.parse_cpu_s);
}

Row Measure(const char* name, const Corpus& c, int reps, const std::function<size_t()>& reference,
            const std::function<size_t(Event&)>& parse) {
  std::vector<double> ref, ours, ref_cpu, ours_cpu;
  size_t observables = 0;
  Event event;
  parse(event);  // warm up: the Event's arena and vectors reach their size
  for (int r = 0; r < reps; ++r) {
    const Span reference_span = Seconds([&] {
      if (reference() == 42) std::puts("");
    });
    const Span parse_span = Seconds([&] { observables = parse(event); });
    ref.push_back(reference_span.wall);
    ref_cpu.push_back(reference_span.cpu);
    ours.push_back(parse_span.wall);
    ours_cpu.push_back(parse_span.cpu);
  }
  return {name,
          Median(ref),
          Median(ours),
          Median(ref_cpu),
          Median(ours_cpu),
          c.lines.size(),
          observables,
          (c.bytes.size() - socmesh::events::kJsonPadding) / 1e6};
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = 200'000;
  int reps = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--smoke") {
      n = 5'000;
      reps = 1;
    } else if (a == "--events" && i + 1 < argc) {
      n = std::stoul(argv[++i]);
    } else if (a == "--reps" && i + 1 < argc) {
      reps = std::max(1, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "usage: events_bench [--events N] [--reps N] [--smoke]\n");
      return 2;
    }
  }
  std::printf("simdjson kernel: %s (the same for reference and parser)\n",
              simdjson::builtin_implementation()->name().c_str());
  using namespace socmesh::events;

  const Corpus eve = Build(n, EveLine);
  auto eve_parser = *JsonEventParser::Create(SuricataEveFieldMap());
  Print(Measure(
      "suricata-eve", eve, reps, [&] { return JsonReference(eve, false); },
      [&](Event& e) {
        size_t obs = 0;
        for (std::string_view line : eve.lines) {
          if (eve_parser->ParsePadded(line, e)) obs += e.observables.size();
        }
        return obs;
      }));

  const Corpus zeek = Build(n, ZeekLine);
  auto zeek_parser = *JsonEventParser::Create(ZeekFieldMap());
  Print(Measure(
      "zeek", zeek, reps, [&] { return JsonReference(zeek, true); },
      [&](Event& e) {
        size_t obs = 0;
        for (std::string_view line : zeek.lines) {
          if (zeek_parser->ParsePadded(line, e)) obs += e.observables.size();
        }
        return obs;
      }));

  // Text formats run the free-text extractor per message: fewer events make the same point.
  const size_t text_n = std::max<size_t>(n / 4, 1000);
  const Corpus syslog = Build(text_n, SyslogLine);
  SyslogOptions syslog_options;
  syslog_options.reference_time = socmesh::model::Timestamp{1'709'630'553'000'000};
  Print(Measure(
      "syslog-5424", syslog, reps, [&] { return LineSplitReference(syslog); },
      [&](Event& e) {
        size_t obs = 0;
        for (std::string_view line : syslog.lines) {
          if (ParseSyslog(line, e, syslog_options)) obs += e.observables.size();
        }
        return obs;
      }));

  const Corpus cef = Build(text_n, CefLine);
  CefOptions cef_options;
  cef_options.reference_time = syslog_options.reference_time;
  Print(Measure(
      "cef", cef, reps, [&] { return LineSplitReference(cef); },
      [&](Event& e) {
        size_t obs = 0;
        for (std::string_view line : cef.lines) {
          if (ParseCef(line, e, cef_options)) obs += e.observables.size();
        }
        return obs;
      }));
  return 0;
}
