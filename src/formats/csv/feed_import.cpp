#include "formats/csv/feed_import.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "formats/csv/csv_records.hpp"
#include "formats/csv/detail/feed_objects.hpp"
#include "formats/csv/feed_time.hpp"
#include "formats/csv/text_encoding.hpp"
#include "model/stix_object.hpp"

namespace socmesh::formats::csv {
namespace {

using model::Diagnostic;
using model::ObjectDiagnostic;
using model::Severity;

constexpr size_t kMaxQuoted = 80;  // longest cell text quoted in a message

std::string Quote(std::string_view s) {
  std::string out = "\"";
  const bool cut = s.size() > kMaxQuoted;
  if (cut) {
    size_t end = kMaxQuoted;  // not inside a UTF-8 sequence
    while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
    s = s.substr(0, end);
  }
  if (FindInvalidUtf8(s) != std::string_view::npos) return "(not UTF-8)";
  out += s;
  out += cut ? "…\"" : "\"";
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<int64_t> ParseInt(std::string_view s) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// Feeds carry hand-edited URLs ("http://www..example.com/x"); the observable normaliser accepts
// any host text, so the host is checked here as an IP address or a domain name. Returns "" when
// it is one, else why not.
std::string UrlHostProblem(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (size_t at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  std::string_view host = rest;
  if (host.starts_with('[')) {
    const size_t close = host.find(']');
    if (close == std::string_view::npos) return "unclosed '[' in the host";
    return model::NormalizeObservable(model::ObservableKind::kIpv6, host.substr(1, close - 1))
               ? std::string()
               : "host is not an IPv6 address";
  }
  if (size_t colon = host.find(':'); colon != std::string_view::npos) host = host.substr(0, colon);
  if (model::NormalizeObservable(model::ObservableKind::kIpv4, host)) return {};
  auto domain = model::NormalizeObservable(model::ObservableKind::kDomain, host);
  return domain ? std::string() : "host: " + domain.error().message;
}

model::Timestamp TruncateToMillis(model::Timestamp t) { return {t.micros - t.micros % 1000}; }

// Column indexes of the config's ColumnSpecs, resolved from the header when names are used.
class ColumnMap {
 public:
  explicit ColumnMap(const FeedConfig& config) : config_(&config) {
    indexes_.resize(config.columns.size(), -1);
    for (size_t i = 0; i < config.columns.size(); ++i) {
      if (config.columns[i].header.empty()) indexes_[i] = config.columns[i].index;
    }
  }

  bool NeedsNames() const {
    return std::any_of(config_->columns.begin(), config_->columns.end(),
                       [](const ColumnSpec& c) { return !c.header.empty(); });
  }

  // Resolves the named columns against `header`; returns the first name that is missing.
  std::optional<std::string> Resolve(const std::vector<std::string>& header) {
    for (size_t i = 0; i < config_->columns.size(); ++i) {
      const ColumnSpec& spec = config_->columns[i];
      if (spec.header.empty()) continue;
      const std::string want = Lower(Trim(spec.header));
      indexes_[i] = -1;
      for (size_t k = 0; k < header.size(); ++k) {
        if (Lower(Trim(header[k])) == want) {
          indexes_[i] = static_cast<int>(k);
          break;
        }
      }
      if (indexes_[i] < 0) return spec.header;
    }
    names_ = header;
    return std::nullopt;
  }

  int index(size_t spec) const { return indexes_[spec]; }

  // "line 9, column 2 (dst_ip)"
  std::string Where(size_t line, size_t column) const {
    std::string where = "line " + std::to_string(line);
    if (column == 0) return where;
    where += ", column " + std::to_string(column);
    if (column <= names_.size()) where += " (" + std::string(Trim(names_[column - 1])) + ")";
    return where;
  }

 private:
  const FeedConfig* config_;
  std::vector<int> indexes_;
  std::vector<std::string> names_;
};

class Importer {
 public:
  Importer(const FeedConfig& config, const FeedImportOptions& options)
      : config_(config), options_(options), columns_(config) {
    identity_id_ = FeedIdentityId(config.name);
    if (options.fallback_time) {
      fallback_ = TruncateToMillis(*options.fallback_time);
    } else {
      const auto now = std::chrono::system_clock::now().time_since_epoch();
      fallback_ =
          TruncateToMillis({std::chrono::duration_cast<std::chrono::microseconds>(now).count()});
    }
  }

  Result<model::ParsedBundle> Run(std::string_view text) {
    Add(detail::IdentityJson(config_, identity_id_), 0);
    RecordReader reader(text, config_.dialect);
    Record record;
    bool have_header = !config_.has_header;
    size_t rows = 0;
    while (reader.Next(record)) {
      if (record.type == RecordType::kError) {
        ++out_.input_objects;
        Reject(record.line, record.column, record.text);
        continue;
      }
      if (record.type == RecordType::kComment) {
        // Some feeds put the header in the banner ("# id,dateadded,url,…"): accept a comment
        // line as the header when it names every configured column.
        if (!have_header && columns_.NeedsNames() && TryCommentHeader(record.text)) {
          have_header = true;
        }
        continue;
      }
      if (!have_header) {
        if (auto missing = columns_.Resolve(record.fields)) {
          return Fail(ErrorCode::kParse, "line " + std::to_string(record.line) +
                                             ": the header has no column " + Quote(*missing));
        }
        have_header = true;
        continue;
      }
      if (++rows > options_.max_rows) {
        return Fail(ErrorCode::kTooLarge,
                    "more than " + std::to_string(options_.max_rows) + " data rows");
      }
      ImportRow(record);
    }
    ValidatePending();
    // Validation findings arrive per batch: put every finding back in line order.
    std::stable_sort(
        out_.findings.begin(), out_.findings.end(),
        [](const ObjectDiagnostic& a, const ObjectDiagnostic& b) { return a.index < b.index; });
    if (options_.strict && out_.rejected > 0) out_.objects.clear();
    return std::move(out_);
  }

 private:
  bool TryCommentHeader(const std::string& text) {
    RecordReader header_reader(text, config_.dialect);
    Record header;
    if (!header_reader.Next(header) || header.type != RecordType::kData) return false;
    ColumnMap candidate(config_);
    if (candidate.Resolve(header.fields)) return false;
    columns_ = std::move(candidate);
    return true;
  }

  void Finding(Severity severity, size_t line, size_t column, std::string message,
               std::string id = {}) {
    out_.findings.push_back(
        ObjectDiagnostic{line, std::move(id),
                         Diagnostic{severity, columns_.Where(line, column), std::move(message)}});
  }

  void Reject(size_t line, size_t column, std::string message) {
    ++out_.rejected;
    Finding(Severity::kError, line, column, std::move(message));
  }

  // Queues `json` for validation. Validation (parse, checks, JCS, SHA-256) is most of the cost of
  // an import, so it runs in batches on all cores; batches keep memory bounded on huge feeds.
  void Add(std::string json, size_t line) {
    pending_.push_back({std::move(json), line});
    if (pending_.size() == kBatch) ValidatePending();
  }

  // Validates the queued objects and keeps them in input order. A rejection here is a mapping bug
  // (or a model rule this mapper does not know), reported as an error of the row.
  void ValidatePending() {
    const size_t n = pending_.size();
    std::vector<std::optional<model::StixObject>> objects(n);
    std::vector<std::vector<Diagnostic>> diagnostics(n);
    auto validate = [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) {
        auto object = model::ParseStixObject(pending_[i].json, &diagnostics[i]);
        if (object) objects[i] = std::move(*object);
      }
    };
    const size_t threads = std::clamp<size_t>(n / kObjectsPerThread, 1,
                                              std::max(1u, std::thread::hardware_concurrency()));
    const size_t per = (n + threads - 1) / threads;
    std::vector<std::thread> workers;
    for (size_t t = 1; t < threads; ++t) {
      workers.emplace_back(validate, t * per, std::min(n, (t + 1) * per));
    }
    validate(0, std::min(n, per));
    for (std::thread& w : workers) w.join();
    for (size_t i = 0; i < n; ++i) {
      for (Diagnostic& d : diagnostics[i]) {
        const Severity severity = objects[i] ? Severity::kWarning : d.severity;
        Finding(severity, pending_[i].line, 0, d.path + ": " + d.message);
      }
      if (objects[i]) {
        out_.objects.push_back(std::move(*objects[i]));
      } else {
        ++out_.rejected;
      }
    }
    pending_.clear();
  }

  // The cell of spec `i` in `record`, or nullopt when the row is too short.
  std::optional<std::string_view> Cell(const Record& record, size_t i) const {
    const int index = columns_.index(i);
    if (index < 0 || static_cast<size_t>(index) >= record.fields.size()) return std::nullopt;
    return std::string_view(record.fields[static_cast<size_t>(index)]);
  }

  bool IsNull(std::string_view cell) const {
    return std::find(config_.null_values.begin(), config_.null_values.end(), cell) !=
           config_.null_values.end();
  }

  void AddLabel(std::vector<std::string>& labels, std::string label) {
    if (std::find(labels.begin(), labels.end(), label) == labels.end()) {
      labels.push_back(std::move(label));
    }
  }

  void AppendDescription(std::string& description, std::string_view part) {
    if (!description.empty()) description += "; ";
    description += part;
  }

  // Applies one attribute cell to `f`; returns an error message or "".
  std::string ApplyAttribute(const ColumnSpec& spec, std::string_view cell,
                             detail::IndicatorFields& f, std::optional<model::Timestamp>& first,
                             std::optional<model::Timestamp>& last,
                             std::optional<model::ObservableKind>& kind) {
    switch (spec.role) {
      case Role::kFirstSeen:
      case Role::kLastSeen: {
        auto t = ParseFeedTime(cell, spec.time_format);
        if (!t) return t.error().message;
        (spec.role == Role::kFirstSeen ? first : last) = TruncateToMillis(*t);
        return {};
      }
      case Role::kKind: {
        kind = model::ParseObservableKindName(Lower(Trim(cell)));
        return kind ? std::string() : Quote(cell) + " is not an observable kind";
      }
      case Role::kMalware:
      case Role::kThreat:
        AddLabel(f.labels, spec.label_prefix + std::string(Trim(cell)));
        return {};
      case Role::kLabels: {
        if (spec.list_separator == 0) {
          AddLabel(f.labels, spec.label_prefix + std::string(Trim(cell)));
          return {};
        }
        size_t start = 0;
        while (start <= cell.size()) {
          size_t end = cell.find(spec.list_separator, start);
          if (end == std::string_view::npos) end = cell.size();
          std::string_view item = Trim(cell.substr(start, end - start));
          if (!item.empty()) AddLabel(f.labels, spec.label_prefix + std::string(item));
          start = end + 1;
        }
        return {};
      }
      case Role::kPort: {
        auto port = ParseInt(Trim(cell));
        if (!port || *port < 1 || *port > 65535) return Quote(cell) + " is not a port (1-65535)";
        AppendDescription(f.description, "port " + std::to_string(*port));
        return {};
      }
      case Role::kStatus:
        AppendDescription(f.description, "status: " + std::string(Trim(cell)));
        return {};
      case Role::kConfidence: {
        auto confidence = ParseInt(Trim(cell));
        if (!confidence || *confidence < 0 || *confidence > 100) {
          return Quote(cell) + " is not a confidence (0-100)";
        }
        f.confidence = static_cast<int>(*confidence);
        return {};
      }
      case Role::kReference:
        f.reference_url = Trim(cell);
        return {};
      case Role::kExternalId:
        f.external_id = Trim(cell);
        return {};
      case Role::kDescription:
        AppendDescription(f.description, Trim(cell));
        return {};
      case Role::kTlp: {
        auto tlp = model::ParseTlpName(Trim(cell));
        if (!tlp) return Quote(cell) + " is not a TLP level";
        f.tlp = tlp;
        return {};
      }
      case Role::kIgnore:
      case Role::kValue:
        return {};
    }
    return {};
  }

  void ImportRow(const Record& record) {
    detail::IndicatorFields f;
    f.labels = config_.labels;
    f.confidence = config_.confidence;
    f.tlp = config_.tlp;
    std::optional<model::Timestamp> first, last;
    std::optional<model::ObservableKind> row_kind;
    bool row_ok = true;
    auto cell_error = [&](size_t spec_index, std::string message) {
      const int index = columns_.index(spec_index);
      Finding(Severity::kError, record.line, static_cast<size_t>(index) + 1, std::move(message));
    };
    for (size_t i = 0; i < config_.columns.size(); ++i) {
      const ColumnSpec& spec = config_.columns[i];
      if (spec.role == Role::kValue || spec.role == Role::kIgnore) continue;
      auto cell = Cell(record, i);
      if (!cell || IsNull(*cell)) continue;
      if (size_t bad = FindInvalidUtf8(*cell); bad != std::string_view::npos) {
        cell_error(i, "invalid UTF-8 at byte " + std::to_string(bad) + " of the cell");
        row_ok = false;
        continue;
      }
      if (std::string error = ApplyAttribute(spec, *cell, f, first, last, row_kind);
          !error.empty()) {
        cell_error(i, std::move(error));
        row_ok = false;
      }
    }
    if (config_.trailing_comment_role != Role::kIgnore && !record.trailing_comment.empty()) {
      ColumnSpec spec;
      spec.role = config_.trailing_comment_role;
      if (FindInvalidUtf8(record.trailing_comment) != std::string_view::npos) {
        Finding(Severity::kError, record.line, 0, "invalid UTF-8 in the trailing comment");
        row_ok = false;
      } else if (std::string error =
                     ApplyAttribute(spec, record.trailing_comment, f, first, last, row_kind);
                 !error.empty()) {
        Finding(Severity::kError, record.line, 0, "trailing comment: " + error);
        row_ok = false;
      }
    }
    f.created = first.value_or(fallback_);
    f.modified = last && *last > f.created ? *last : f.created;

    for (size_t i = 0; i < config_.columns.size(); ++i) {
      const ColumnSpec& spec = config_.columns[i];
      if (spec.role != Role::kValue) continue;
      auto cell = Cell(record, i);
      if (!cell) {
        ++out_.input_objects;
        ++out_.rejected;
        Finding(Severity::kError, record.line, 0,
                "row has " + std::to_string(record.fields.size()) +
                    " columns; the value is in column " + std::to_string(columns_.index(i) + 1));
        continue;
      }
      if (IsNull(*cell)) continue;
      ++out_.input_objects;
      if (!row_ok) {
        ++out_.rejected;  // the row's own error findings say why
        continue;
      }
      if (size_t bad = FindInvalidUtf8(*cell); bad != std::string_view::npos) {
        ++out_.rejected;
        cell_error(i, "invalid UTF-8 at byte " + std::to_string(bad) + " of the value");
        continue;
      }
      auto observable = Observe(spec, *cell, row_kind);
      if (!observable) {
        ++out_.rejected;
        cell_error(i, observable.error().message);
        continue;
      }
      f.observable = std::move(*observable);
      std::string id = FeedIndicatorId(config_.name, f.observable);
      auto [it, inserted] = seen_.emplace(id, record.line);
      if (!inserted) {
        Finding(
            Severity::kWarning, record.line, static_cast<size_t>(columns_.index(i)) + 1,
            Quote(f.observable.value) + " already imported from line " + std::to_string(it->second),
            id);
        continue;
      }
      Add(detail::IndicatorJson(config_, identity_id_, id, f), record.line);
    }
  }

  Result<model::Observable> Observe(const ColumnSpec& spec, std::string_view cell,
                                    std::optional<model::ObservableKind> row_kind) const {
    std::string_view value = Trim(cell);
    const auto kind = spec.kind ? spec.kind : row_kind;
    std::string with_scheme;
    if (kind == model::ObservableKind::kUrl && !config_.default_url_scheme.empty() &&
        value.find("://") == std::string_view::npos) {
      with_scheme = config_.default_url_scheme + std::string(value);
      value = with_scheme;
    }
    if (!kind) {
      auto classified = model::ClassifyObservable(value);
      if (!classified) {
        return Fail(ErrorCode::kInvalidArgument,
                    Quote(value) +
                        " is not a recognised observable (IP, CIDR, domain, URL, "
                        "e-mail, hash, …)");
      }
      return Checked(std::move(*classified));
    }
    auto normalized = model::NormalizeObservable(*kind, value);
    if (!normalized) return std::unexpected(normalized.error());
    return Checked(model::Observable{*kind, std::move(*normalized)});
  }

  static Result<model::Observable> Checked(model::Observable observable) {
    if (observable.kind == model::ObservableKind::kUrl) {
      if (std::string why = UrlHostProblem(observable.value); !why.empty()) {
        return Fail(ErrorCode::kInvalidArgument,
                    Quote(observable.value) + " is not a valid URL: " + why);
      }
    }
    return observable;
  }

  struct Pending {
    std::string json;
    size_t line;
  };
  static constexpr size_t kBatch = 16384;
  static constexpr size_t kObjectsPerThread = 1024;

  const FeedConfig& config_;
  const FeedImportOptions& options_;
  ColumnMap columns_;
  std::vector<Pending> pending_;
  std::string identity_id_;
  model::Timestamp fallback_;
  model::ParsedBundle out_;
  std::unordered_map<std::string, size_t> seen_;
};

}  // namespace

Result<model::ParsedBundle> ImportFeed(std::string_view data, const FeedConfig& config,
                                       const FeedImportOptions& options) {
  if (data.size() > options.max_bytes) {
    return Fail(ErrorCode::kTooLarge, "feed is " + std::to_string(data.size()) +
                                          " bytes, more than the limit of " +
                                          std::to_string(options.max_bytes));
  }
  if (config.name.empty()) return Fail(ErrorCode::kInvalidArgument, "feed config has no name");
  bool has_value = false;
  for (const ColumnSpec& c : config.columns) {
    has_value |= c.role == Role::kValue;
    if (!c.header.empty() && !config.has_header) {
      return Fail(ErrorCode::kInvalidArgument,
                  "column " + Quote(c.header) + " is named but the feed has no header row");
    }
    if (c.header.empty() && c.index < 0) {
      return Fail(ErrorCode::kInvalidArgument, "a column has neither a header name nor an index");
    }
  }
  if (!has_value) {
    return Fail(ErrorCode::kInvalidArgument,
                "feed config " + Quote(config.name) + " maps no column to a value");
  }
  auto decoded = DecodeToUtf8(data, config.encoding);
  if (!decoded) return std::unexpected(decoded.error());
  return Importer(config, options).Run(decoded->text());
}

}  // namespace socmesh::formats::csv
