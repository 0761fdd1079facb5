// `socmesh detect`: run the real-time matcher on an event input (B2c, issue 7), and `socmesh events
// publish`: push event lines into NATS JetStream for a pool of detect workers. Composition only:
// parsing lives in events/, matching, sightings and anomalies in detect/. See docs/cli.md.
#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/command_group.hpp"
#include "cli/commands.hpp"
#include "detect/detector.hpp"
#include "detect/nats_source.hpp"
#include "detect/store_loader.hpp"
#include "events/decoder.hpp"
#include "model/identifier.hpp"
#include "store/store.hpp"

namespace socmesh::cli {

namespace {

std::atomic<bool> g_stop{false};
void OnStop(int) { g_stop = true; }

struct DetectOptions {
  std::string input = "-";
  std::string format = "json";
  std::string field_map;
  std::string alerts = "-";
  std::string organisation;
  std::string identity;
  std::string country;
  int64_t sighting_interval = 300;
  bool no_sightings = false;
  bool no_anomalies = false;
  bool first_seen = false;
  size_t max_line = 1 << 20;
  // NATS JetStream (input "nats:URL")
  std::string nats_stream = "SOCMESH_EVENTS";
  std::string nats_subject = "socmesh.events";
  std::string nats_durable = "socmesh-detect";
  int nats_batch = 512;
  double idle_exit = 0;  // seconds without messages after which a NATS worker exits (0: never)
};

model::Timestamp Now() {
  return {std::chrono::duration_cast<std::chrono::microseconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count()};
}

// Deterministic identity of an organisation named on the command line, so that two runs (and two
// workers) of one organisation sight under the same identity.
std::string OrganisationIdentity(const std::string& organisation) {
  static constexpr model::Uuid kOrgNamespace = {0x9a, 0x41, 0x0e, 0x6c, 0x2f, 0x7d, 0x48, 0x13,
                                                0xb5, 0x66, 0x31, 0xd8, 0x0c, 0xa2, 0x5e, 0x97};
  return "identity--" + model::FormatUuid(model::UuidV5(kOrgNamespace, "org:" + organisation));
}

// Where alert lines go: stdout, or a file appended to.
class AlertOutput {
 public:
  Result<void> Open(const std::string& path) {
    if (path == "-") return {};
    file_.open(path, std::ios::app);
    if (!file_) return Fail(ErrorCode::kIo, "cannot open alert file " + path);
    return {};
  }
  void Write(std::string_view line) {
    std::ostream& out = file_.is_open() ? static_cast<std::ostream&>(file_) : std::cout;
    out << line << '\n';
    ++lines_;
  }
  void Flush() { (file_.is_open() ? static_cast<std::ostream&>(file_) : std::cout).flush(); }
  uint64_t lines() const { return lines_; }

 private:
  std::ofstream file_;
  uint64_t lines_ = 0;
};

// Counts malformed events and shows the first few (truncated: an event may carry anything).
struct Malformed {
  uint64_t count = 0;
  void Report(std::string_view where, const Error& e) {
    if (++count <= 3) {
      std::cerr << "socmesh: detect: skipped malformed event " << where << ": "
                << e.message.substr(0, 200) << "\n";
    }
  }
};

Result<std::unique_ptr<events::EventDecoder>> MakeDecoder(const DetectOptions& o) {
  events::DecoderConfig config;
  std::string format = o.format;
  if (format == "eve" || format == "zeek") {
    auto map = events::FindFieldMap(format == "eve" ? "suricata-eve" : "zeek");
    if (!map) return std::unexpected(map.error());
    config.field_map = std::move(*map);
    format = "json";
  }
  auto f = events::ParseInputFormat(format);
  if (!f) {
    return Fail(ErrorCode::kInvalidArgument,
                "unknown --format \"" + o.format + "\" (syslog, cef, json, eve, zeek)");
  }
  config.format = *f;
  if (!o.field_map.empty()) {
    std::ifstream in(o.field_map);
    if (!in) return Fail(ErrorCode::kIo, "cannot read field map " + o.field_map);
    std::string spec((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto map = events::ParseFieldMap(spec);
    if (!map) return std::unexpected(map.error().WithContext(o.field_map));
    config.field_map = std::move(*map);
  }
  return events::EventDecoder::Create(config);
}

void PrintSummary(const detect::DetectorStats& s, const Malformed& bad, double seconds) {
  std::cerr << "socmesh: detect: " << s.events << " events (" << bad.count << " malformed), "
            << s.events_matched << " matched (" << s.matches << " indicator matches), "
            << s.sightings_written << " sightings stored, " << s.anomalies << " anomalies";
  if (seconds > 0) {
    std::cerr << ", " << static_cast<uint64_t>(static_cast<double>(s.events) / seconds)
              << " events/s";
  }
  std::cerr << "\n";
}

int RunDetect(const GlobalOptions& g, const DetectOptions& o) {
  const auto started = std::chrono::steady_clock::now();
  store::StoreOptions so;
  so.location = g.store.empty() ? store::DefaultStoreLocation() : g.store;
  so.create_if_missing = false;
  auto key = LoadStoreKey(g);  // an encrypted store (B13) is unlocked the same way everywhere
  if (!key) {
    PrintError(key.error());
    return kExitFailure;
  }
  so.at_rest_key = std::move(*key);
  auto store = store::OpenStore(so);
  if (!store) {
    PrintError(store.error());
    return kExitFailure;
  }
  detect::LoadStats load;
  auto index = detect::BuildFromStore(**store, Now(), {}, &load);
  if (!index) {
    PrintError(index.error());
    return kExitFailure;
  }
  std::cerr << "socmesh: detect: " << (*index)->Current()->indicator_count()
            << " indicators indexed (" << load.expired << " expired, " << load.without_observables
            << " without matchable observables)\n";
  auto decoder = MakeDecoder(o);
  if (!decoder) {
    PrintError(decoder.error());
    return kExitUsage;
  }
  AlertOutput alerts;
  if (auto ok = alerts.Open(o.alerts); !ok) {
    PrintError(ok.error());
    return kExitFailure;
  }
  detect::DetectorOptions dopt;
  if (!o.no_sightings) {
    if (o.organisation.empty() && o.identity.empty()) {
      PrintError({ErrorCode::kInvalidArgument,
                  "sightings need --organisation (or --identity); or pass --no-sightings"});
      return kExitUsage;
    }
    dopt.sighting.organisation = o.organisation;
    dopt.sighting.identity_id =
        o.identity.empty() ? OrganisationIdentity(o.organisation) : o.identity;
    dopt.sighting.country = o.country;
  }
  dopt.sighting_interval_seconds = o.sighting_interval;
  dopt.anomalies = !o.no_anomalies;
  dopt.first_seen_enabled = o.first_seen;
  detect::Detector detector(**index, dopt,
                            [&alerts](std::string_view line) { alerts.Write(line); });

  std::signal(SIGTERM, OnStop);
  std::signal(SIGINT, OnStop);
  events::Event event;
  event.source = o.input;
  Malformed bad;
  model::Timestamp watermark{};  // latest event time: drives sighting intervals on replays
  store::Store* sink = o.no_sightings ? nullptr : store->get();
  auto flush = [&](bool all) -> bool {
    auto n = detector.Flush(watermark, sink, all);
    alerts.Flush();
    if (!n) PrintError(n.error());
    return n.has_value();
  };
  // `line_no` 0: from NATS. The "where" text is built only for a malformed event: this runs for
  // every event, at up to millions per second.
  auto handle = [&](std::string_view frame, uint64_t line_no) -> bool {
    auto where = [line_no] {
      return line_no == 0 ? std::string("from NATS") : "at line " + std::to_string(line_no);
    };
    if (frame.size() > o.max_line) {
      bad.Report(where(), {ErrorCode::kTooLarge, "event of " + std::to_string(frame.size()) +
                                                     " bytes exceeds --max-line"});
      return false;
    }
    if (auto ok = (*decoder)->Decode(frame, event); !ok) {
      bad.Report(where(), ok.error());
      return false;
    }
    event.source = o.input;
    if (event.time && *event.time > watermark) watermark = *event.time;
    detector.Process(event);
    if (detector.stats().events % 65536 == 0 && !flush(false)) return false;
    return true;
  };

  bool ok = true;
  if (o.input.starts_with("nats://")) {
    detect::NatsOptions n;
    n.url = o.input;
    n.stream = o.nats_stream;
    n.subject = o.nats_subject;
    n.durable = o.nats_durable;
    n.batch = o.nats_batch;
    auto source = detect::NatsEventSource::Connect(n);
    if (!source) {
      PrintError(source.error());
      return kExitFailure;
    }
    auto last_message = std::chrono::steady_clock::now();
    while (!g_stop) {
      auto got = (*source)->Poll([&](std::string_view m) {
        return handle(m, 0) ? detect::NatsEventSource::Verdict::kDone
                            : detect::NatsEventSource::Verdict::kMalformed;
      });
      if (!got) {
        PrintError(got.error());
        ok = false;
        break;
      }
      const auto now = std::chrono::steady_clock::now();
      if (*got > 0) last_message = now;
      if (*got == 0) {
        watermark = std::max(watermark, Now());
        if (!flush(false)) {
          ok = false;
          break;
        }
      }
      if (o.idle_exit > 0 &&
          std::chrono::duration<double>(now - last_message).count() >= o.idle_exit) {
        break;
      }
    }
  } else {
    std::ifstream file;
    if (o.input != "-") {
      file.open(o.input, std::ios::binary);
      if (!file) {
        PrintError({ErrorCode::kIo, "cannot read " + o.input});
        return kExitFailure;
      }
    }
    std::istream& in = o.input == "-" ? std::cin : file;
    std::string line;
    uint64_t line_no = 0;
    while (!g_stop && std::getline(in, line)) {
      ++line_no;
      if (line.empty() || line == "\r") continue;
      handle(line, line_no);
    }
  }
  ok = flush(true) && ok;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  PrintSummary(detector.stats(), bad, seconds);
  return ok ? kExitOk : kExitFailure;
}

struct PublishOptions {
  std::string nats = "nats://127.0.0.1:4222";
  std::string stream = "SOCMESH_EVENTS";
  std::string subject = "socmesh.events";
  std::vector<std::string> files;
};

int RunPublish(const PublishOptions& o) {
  detect::NatsOptions n;
  n.url = o.nats;
  n.stream = o.stream;
  n.subject = o.subject;
  uint64_t total = 0;
  for (const std::string& path : o.files) {
    std::ifstream file;
    if (path != "-") file.open(path, std::ios::binary);
    if (path != "-" && !file) {
      PrintError({ErrorCode::kIo, "cannot read " + path});
      return kExitFailure;
    }
    std::istream& in = path == "-" ? std::cin : file;
    std::vector<std::string> batch;
    std::string line;
    auto send = [&]() -> bool {
      if (batch.empty()) return true;
      if (auto ok = detect::PublishEvents(n, batch); !ok) {
        PrintError(ok.error());
        return false;
      }
      total += batch.size();
      batch.clear();
      return true;
    };
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      batch.push_back(std::move(line));
      if (batch.size() == 10'000 && !send()) return kExitFailure;
    }
    if (!send()) return kExitFailure;
  }
  std::cerr << "socmesh: events publish: " << total << " events acknowledged by JetStream\n";
  return kExitOk;
}

}  // namespace

void DetectCommands(CLI::App& app, const GlobalOptions& global,
                    std::vector<CommandRunner>& runners) {
  auto o = std::make_shared<DetectOptions>();
  auto* cmd = app.add_subcommand("detect",
                                 "Match events from an input against the store's indicators, live");
  cmd->add_option("input", o->input,
                  "Event input: a file, - (stdin), or nats://HOST:PORT (JetStream consumer)");
  cmd->add_option("--format", o->format, "syslog | cef | json (EVE or Zeek per line) | eve | zeek")
      ->capture_default_str();
  cmd->add_option("--field-map", o->field_map, "Field map file for custom JSON events");
  cmd->add_option("--alerts", o->alerts, "Append alert JSON lines to this file (- = stdout)")
      ->capture_default_str();
  cmd->add_option("--organisation", o->organisation, "This organisation (sightings' author)");
  cmd->add_option("--identity", o->identity, "This organisation's STIX identity id");
  cmd->add_option("--country", o->country, "This organisation's country (ISO 3166 alpha-2)");
  cmd->add_option("--sighting-interval", o->sighting_interval, "Seconds per aggregated sighting")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{86400}));
  cmd->add_flag("--no-sightings", o->no_sightings, "Alert only; store no sightings");
  cmd->add_flag("--no-anomalies", o->no_anomalies, "No rate-baseline anomaly alerts");
  cmd->add_flag("--first-seen", o->first_seen, "Alert on first-seen (sensor, domain) pairs");
  cmd->add_option("--max-line", o->max_line, "Longest event accepted, in bytes")
      ->capture_default_str();
  cmd->add_option("--nats-stream", o->nats_stream, "JetStream stream")->capture_default_str();
  cmd->add_option("--nats-subject", o->nats_subject, "Stream subject")->capture_default_str();
  cmd->add_option("--nats-durable", o->nats_durable, "Durable consumer shared by workers")
      ->capture_default_str();
  cmd->add_option("--nats-batch", o->nats_batch, "Events fetched per request")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--idle-exit", o->idle_exit,
                  "NATS: exit after this many seconds without events (0: run until SIGTERM)");
  runners.push_back([cmd, o, &global]() -> std::optional<int> {
    if (!cmd->parsed()) return std::nullopt;
    return RunDetect(global, *o);
  });

  auto p = std::make_shared<PublishOptions>();
  auto* events = app.add_subcommand("events", "Event streams");
  auto* publish =
      events->add_subcommand("publish", "Publish event lines to NATS JetStream for detect workers");
  publish->add_option("files", p->files, "Files of event lines (- = stdin)")->required();
  publish->add_option("--nats", p->nats, "NATS server URL")->capture_default_str();
  publish->add_option("--stream", p->stream, "JetStream stream")->capture_default_str();
  publish->add_option("--subject", p->subject, "Subject")->capture_default_str();
  events->require_subcommand(1);
  runners.push_back([publish, p]() -> std::optional<int> {
    if (!publish->parsed()) return std::nullopt;
    return RunPublish(*p);
  });
}

}  // namespace socmesh::cli
