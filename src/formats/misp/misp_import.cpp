#include "formats/misp/misp_import.hpp"

#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include "formats/misp/detail/event_mapper.hpp"
#include "formats/misp/detail/misp_json.hpp"
#include "model/identifier.hpp"

namespace socmesh::formats::misp {
namespace {

using detail::MappedEvent;
using detail::Record;
using model::Diagnostic;
using model::ObjectDiagnostic;
using model::Severity;

// What validation made of one record.
struct Checked {
  std::vector<model::StixObject> objects;
  std::vector<ObjectDiagnostic> findings;
  bool rejected = false;
};

ObjectDiagnostic Finding(const Record& r, size_t index, Severity severity, std::string message) {
  return {index, r.uuid, Diagnostic{severity, r.path, r.what + ": " + std::move(message)}};
}

// The id of a STIX object this module wrote (for messages about objects that failed to parse).
std::string IdOf(std::string_view json) {
  size_t at = json.find("\"id\":\"");
  if (at == std::string_view::npos) return "object";
  at += 6;
  size_t end = json.find('"', at);
  return std::string(json.substr(at, end == std::string_view::npos ? 0 : end - at));
}

Checked Check(const Record& r, size_t index) {
  Checked out;
  if (!r.error.empty()) {
    out.rejected = !r.warning_only;
    out.findings.push_back(
        Finding(r, index, r.warning_only ? Severity::kWarning : Severity::kError, r.error));
    return out;
  }
  for (const auto& w : r.warnings) out.findings.push_back(Finding(r, index, Severity::kWarning, w));
  std::vector<Diagnostic> diagnostics;
  for (const auto& json : r.objects) {
    diagnostics.clear();
    auto parsed = model::ParseStixObject(json, &diagnostics);
    for (const auto& d : diagnostics) {
      // Name the STIX object and property as well: the MISP path says where, this says what.
      std::string where = " (STIX " + (parsed ? parsed->id : IdOf(json)) +
                          (d.path.empty() ? "" : " " + d.path) + ")";
      out.findings.push_back(Finding(r, index, d.severity, d.message + where));
    }
    if (!parsed) {
      if (diagnostics.empty()) {
        out.findings.push_back(Finding(r, index, Severity::kError, parsed.error().message));
      }
      out.rejected = true;
      continue;
    }
    out.objects.push_back(std::move(*parsed));
  }
  if (out.rejected) out.objects.clear();  // a record is kept or dropped as a whole
  return out;
}

std::vector<Checked> CheckAll(const std::vector<const Record*>& records, size_t threads) {
  std::vector<Checked> out(records.size());
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  // Small inputs are not worth a thread start.
  threads = std::min(threads, std::max<size_t>(1, records.size() / 64));
  if (threads <= 1) {
    for (size_t i = 0; i < records.size(); ++i) out[i] = Check(*records[i], i);
    return out;
  }
  // Records differ a lot in cost (an object with hundreds of attributes against one IP address):
  // workers take small blocks as they go rather than one fixed share each.
  constexpr size_t kBlock = 16;
  std::atomic<size_t> next{0};
  {
    std::vector<std::jthread> workers;
    for (size_t t = 0; t < threads; ++t) {
      workers.emplace_back([&] {
        for (size_t begin = next.fetch_add(kBlock); begin < records.size();
             begin = next.fetch_add(kBlock)) {
          size_t end = std::min(records.size(), begin + kBlock);
          for (size_t i = begin; i < end; ++i) out[i] = Check(*records[i], i);
        }
      });
    }
  }
  return out;
}

class Importer {
 public:
  Importer(const ImportOptions& options, ImportStats* stats) : options_(options), stats_(stats) {}

  // Maps one parsed document; `path` prefixes locations (used for feed files).
  Result<void> MapDocument(simdjson::dom::element root, const std::string& prefix) {
    simdjson::dom::object top;
    simdjson::dom::array arr;
    if (root.get(arr) == simdjson::SUCCESS) {  // a bare list of events
      MapList(arr, prefix);
      return {};
    }
    if (root.get(top) != simdjson::SUCCESS) {
      return Fail(ErrorCode::kInvalidStix, "not MISP: the document is not a JSON object");
    }
    simdjson::dom::element inner;
    if (top["Event"].get(inner) == simdjson::SUCCESS) {
      MapWrapped(root, prefix);
      return {};
    }
    if (top["response"].get(inner) == simdjson::SUCCESS) {
      std::string rpath = Join(prefix, "response");
      simdjson::dom::object collection;
      if (inner.get(arr) == simdjson::SUCCESS) {
        MapList(arr, rpath);
        return {};
      }
      if (inner.get(collection) == simdjson::SUCCESS) {
        MapCollections(collection, rpath);
        return {};
      }
      return Fail(ErrorCode::kInvalidStix,
                  "not MISP: \"response\" is neither a list nor an object");
    }
    if (top["Attribute"].error() == simdjson::SUCCESS ||
        top["Object"].error() == simdjson::SUCCESS) {
      // An event written without its {"Event": …} wrapper (seen in PyMISP test files).
      warnings_.push_back({0, std::string(detail::String(top, "uuid")),
                           Diagnostic{Severity::kWarning, prefix.empty() ? "$" : prefix,
                                      "event without the {\"Event\": …} wrapper"}});
      MapEvent(top, prefix.empty() ? "Event" : prefix);
      return {};
    }
    return Fail(ErrorCode::kInvalidStix,
                "not MISP: expected {\"Event\": …} or {\"response\": …} at the top level");
  }

  Result<model::ParsedBundle> Finish() {
    std::vector<const Record*> flat;
    for (const auto& e : events_) {
      for (const auto& r : e.records) flat.push_back(&r);
    }
    std::vector<Checked> checked = CheckAll(flat, options_.threads);

    model::ParsedBundle out;
    out.findings = std::move(warnings_);
    std::set<std::pair<std::string, int64_t>> seen;
    size_t k = 0;
    bool any_rejected = false;
    auto keep = [&](model::StixObject&& o) {
      // SCOs with deterministic ids and shared identities recur across records: keep one.
      if (seen.emplace(o.id, o.version().micros).second) out.objects.push_back(std::move(o));
    };
    for (const auto& e : events_) {
      std::vector<std::string> refs;
      for (const auto& r : e.records) {
        Checked& c = checked[k++];
        // A record that could not be mapped at all counts as one rejected input object.
        size_t n = !r.error.empty() ? (r.warning_only ? 0 : 1) : r.objects.size();
        out.input_objects += n;
        if (c.rejected) {
          out.rejected += n;
          any_rejected = true;
        }
        if (stats_) Count(r, c.rejected);
        for (auto& f : c.findings) out.findings.push_back(std::move(f));
        for (auto& o : c.objects) {
          if (!o.id.starts_with("identity--")) refs.push_back(o.id);
          keep(std::move(o));
        }
      }
      if (!e.container.present) continue;
      if (stats_) ++stats_->events;
      Record container = detail::FailedRecord(e.container.path, "event", "");
      container.uuid = e.container.uuid;
      if (refs.empty() && e.container.identity_id.empty()) {
        container.error = "event has no content that maps to STIX (and no Orgc)";
        container.warning_only = true;
      } else {
        container.objects.push_back(detail::FinishContainer(e.container, refs));
      }
      out.input_objects += container.objects.size();
      Checked c = Check(container, k);
      if (c.rejected) {
        out.rejected += std::max<size_t>(1, container.objects.size());
        any_rejected = true;
      }
      for (auto& f : c.findings) out.findings.push_back(std::move(f));
      for (auto& o : c.objects) keep(std::move(o));
    }
    if (options_.strict && any_rejected) out.objects.clear();
    return out;
  }

  void Count(const Record& r, bool rejected) {
    stats_->attributes += r.attributes;
    (rejected ? stats_->attributes_rejected : stats_->attributes_imported) += r.attributes;
    if (r.misp_object) ++stats_->objects;
    if (r.galaxy_cluster) ++stats_->galaxy_clusters;
    if (r.sighting) ++stats_->sightings;
  }

 private:
  static std::string Join(const std::string& prefix, std::string_view name) {
    return prefix.empty() ? std::string(name) : prefix + "." + std::string(name);
  }

  // The elements of a REST list (or a bare list). Events are independent of each other, so a
  // list of several is mapped on several threads; each element yields exactly one MappedEvent,
  // stored at its index, so the result does not depend on the number of threads.
  void MapList(simdjson::dom::array list, const std::string& path) {
    std::vector<simdjson::dom::element> elements(list.begin(), list.end());
    const size_t first = events_.size();
    events_.resize(first + elements.size());
    auto map_one = [&](size_t i) {
      events_[first + i] = MapWrappedOne(elements[i], path + "[" + std::to_string(i) + "]");
    };
    size_t threads = options_.threads;
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    threads = std::min(threads, elements.size());
    if (threads <= 1) {
      for (size_t i = 0; i < elements.size(); ++i) map_one(i);
      return;
    }
    // Events differ a lot in size: workers take the next event as they finish one.
    std::atomic<size_t> next{0};
    std::vector<std::jthread> workers;
    for (size_t t = 0; t < threads; ++t) {
      workers.emplace_back([&] {
        for (size_t i = next++; i < elements.size(); i = next++) map_one(i);
      });
    }
  }

  void MapWrapped(simdjson::dom::element e, const std::string& path) {
    events_.push_back(MapWrappedOne(e, path));
  }

  // {"Event": {...}} or {"Object": {...}} or {"Attribute": {...}} as REST lists hold them.
  static MappedEvent MapWrappedOne(simdjson::dom::element e, const std::string& path) {
    MappedEvent out;
    simdjson::dom::object o;
    simdjson::dom::object inner;
    if (e.get(o) == simdjson::SUCCESS) {
      for (std::string_view kind : {"Event", "Object", "Attribute"}) {
        if (o[kind].get(inner) != simdjson::SUCCESS) continue;
        std::string ipath = Join(path, kind);
        if (kind == "Event") return detail::MapEvent(inner, ipath);
        detail::MapLooseRecord(inner, kind, ipath, out);
        return out;
      }
    }
    out.records.push_back(detail::FailedRecord(path.empty() ? "$" : path, "element",
                                               "not an {\"Event\": {…}} object"));
    return out;
  }

  void MapCollections(simdjson::dom::object collection, const std::string& path) {
    for (std::string_view kind : {"Attribute", "Object"}) {
      simdjson::dom::array list;
      if (collection[kind].get(list) != simdjson::SUCCESS) continue;
      events_.emplace_back();
      size_t i = 0;
      for (auto item : list) {
        std::string ipath = Join(path, kind) + "[" + std::to_string(i++) + "]";
        simdjson::dom::object o;
        if (item.get(o) == simdjson::SUCCESS) {
          detail::MapLooseRecord(o, kind, ipath, events_.back());
        } else {
          events_.back().records.push_back(
              detail::FailedRecord(ipath, std::string(kind), "not an object"));
        }
      }
    }
  }

  void MapEvent(simdjson::dom::object event, const std::string& path) {
    events_.push_back(detail::MapEvent(event, path));
  }

  const ImportOptions& options_;
  ImportStats* stats_;
  std::vector<MappedEvent> events_;
  std::vector<ObjectDiagnostic> warnings_;
};

Result<simdjson::dom::element> Parse(simdjson::dom::parser& parser, std::string_view json,
                                     const ImportOptions& options) {
  if (json.size() > options.max_bytes) {
    return Fail(ErrorCode::kTooLarge, "input of " + std::to_string(json.size()) +
                                          " bytes exceeds the limit of " +
                                          std::to_string(options.max_bytes));
  }
  if (auto err = parser.allocate(json.size() + 64, options.max_depth); err) {
    return Fail(ErrorCode::kInternal,
                std::string("cannot allocate the JSON parser: ") + simdjson::error_message(err));
  }
  simdjson::dom::element root;
  auto err = parser.parse(simdjson::padded_string(json)).get(root);
  if (err == simdjson::DEPTH_ERROR) {
    return Fail(ErrorCode::kTooLarge,
                "JSON nesting deeper than " + std::to_string(options.max_depth) + " levels");
  }
  if (err) {
    return Fail(ErrorCode::kParse, std::string("invalid JSON: ") + simdjson::error_message(err));
  }
  return root;
}

}  // namespace

Result<model::ParsedBundle> ImportMispJson(std::string_view json, const ImportOptions& options,
                                           ImportStats* stats) {
  if (stats) *stats = {};
  simdjson::dom::parser parser;
  auto root = Parse(parser, json, options);
  if (!root) return std::unexpected(root.error());
  Importer importer(options, stats);
  if (auto mapped = importer.MapDocument(*root, ""); !mapped) {
    return std::unexpected(mapped.error());
  }
  return importer.Finish();
}

Result<model::ParsedBundle> ImportMispFeed(const std::filesystem::path& dir,
                                           const ImportOptions& options, ImportStats* stats) {
  if (stats) *stats = {};
  auto read = [&](const std::filesystem::path& p) -> Result<std::string> {
    std::error_code ec;
    auto size = std::filesystem::file_size(p, ec);
    if (ec) return Fail(ErrorCode::kIo, p.string() + ": " + ec.message());
    if (size > options.max_bytes) {
      return Fail(ErrorCode::kTooLarge, p.string() + ": " + std::to_string(size) +
                                            " bytes exceeds the limit of " +
                                            std::to_string(options.max_bytes));
    }
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    if (!in && !in.eof()) return Fail(ErrorCode::kIo, p.string() + ": read failed");
    return ss.str();
  };
  auto manifest_path = dir / "manifest.json";
  auto manifest_text = read(manifest_path);
  if (!manifest_text) return std::unexpected(manifest_text.error());
  simdjson::dom::parser manifest_parser;
  auto manifest = Parse(manifest_parser, *manifest_text, options);
  if (!manifest) return std::unexpected(manifest.error().WithContext(manifest_path.string()));
  simdjson::dom::object entries;
  if (manifest->get(entries) != simdjson::SUCCESS) {
    return Fail(ErrorCode::kInvalidStix,
                manifest_path.string() + ": not a MISP feed manifest (expected an object)");
  }

  // Events are independent documents: each is parsed, mapped and validated on its own, so one
  // broken file costs only its own findings.
  model::ParsedBundle out;
  simdjson::dom::parser parser;
  for (auto [uuid, entry] : entries) {
    std::string name(uuid);
    // The key becomes a file name: only a UUID may, never a path.
    bool safe =
        name.size() == 36 && name.find_first_not_of("0123456789abcdefABCDEF-") == std::string::npos;
    auto file = dir / (name + ".json");
    auto error_finding = [&](std::string message) {
      out.findings.push_back({0, name, Diagnostic{Severity::kError, file.string(), message}});
      ++out.rejected;
      ++out.input_objects;
    };
    if (!safe) {
      error_finding("manifest key \"" + name.substr(0, 64) + "\" is not an event UUID");
      continue;
    }
    auto text = read(file);
    if (!text) {
      error_finding(text.error().message);
      continue;
    }
    auto root = Parse(parser, *text, options);
    if (!root) {
      error_finding(root.error().message);
      continue;
    }
    ImportStats file_stats;
    Importer importer(options, stats ? &file_stats : nullptr);
    if (auto mapped = importer.MapDocument(*root, file.filename().string()); !mapped) {
      error_finding(mapped.error().message);
      continue;
    }
    auto part = importer.Finish();
    if (!part) {
      error_finding(part.error().message);
      continue;
    }
    for (auto& o : part->objects) out.objects.push_back(std::move(o));
    for (auto& f : part->findings) out.findings.push_back(std::move(f));
    out.input_objects += part->input_objects;
    out.rejected += part->rejected;
    if (stats) {
      stats->events += file_stats.events;
      stats->attributes += file_stats.attributes;
      stats->attributes_imported += file_stats.attributes_imported;
      stats->attributes_rejected += file_stats.attributes_rejected;
      stats->objects += file_stats.objects;
      stats->galaxy_clusters += file_stats.galaxy_clusters;
      stats->sightings += file_stats.sightings;
    }
  }
  if (options.strict && out.rejected > 0) out.objects.clear();
  return out;
}

bool LooksLikeMisp(std::string_view json) {
  std::string_view head = json.substr(0, 512);
  size_t brace = head.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  if (brace == std::string_view::npos || head[brace] != '{') return false;
  size_t quote = head.find_first_not_of(" \t\r\n", brace + 1);
  if (quote == std::string_view::npos || head[quote] != '"') return false;
  std::string_view key = head.substr(quote);
  return key.starts_with("\"Event\"") || key.starts_with("\"response\"");
}

}  // namespace socmesh::formats::misp
