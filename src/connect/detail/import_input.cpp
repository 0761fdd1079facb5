#include "connect/detail/import_input.hpp"

#include <algorithm>

#include "formats/import.hpp"

namespace socmesh::connect::detail {

namespace {

constexpr size_t kBatch = 10'000;  // objects per store transaction, as `socmesh ingest`

}  // namespace

ImportOutcome ImportAndStore(std::string_view bytes, const std::string& name,
                             const InputSettings& input, StoreSink& sink, size_t max_problems) {
  ImportOutcome out;
  formats::ImportRequest request;
  request.format = input.format;
  request.name = name;
  request.strict = input.strict;
  request.max_bytes = input.max_bytes;
  request.csv_preset = input.preset;
  auto imported = formats::Import(bytes, request);
  if (!imported) {
    out.error = imported.error();
    return out;
  }
  const model::ParsedBundle& parsed = imported->bundle;
  // Objects read or made from the input, valid or not (a CSV feed adds its identity to the rows).
  out.counts.objects = static_cast<int64_t>(parsed.objects.size() + parsed.rejected);
  out.counts.rejected = static_cast<int64_t>(parsed.rejected);
  for (const auto& d : parsed.findings) {
    if (d.diagnostic.severity != model::Severity::kError) continue;
    if (out.problems.size() >= max_problems) break;
    out.problems.push_back("object " + std::to_string(d.index) +
                           (d.id.empty() ? "" : " (" + d.id + ")") + ": " + d.diagnostic.path +
                           ": " + d.diagnostic.message);
  }
  if (parsed.objects.empty() && parsed.rejected > 0) {
    std::string why = std::to_string(parsed.rejected) + " of " +
                      std::to_string(parsed.input_objects) + " objects rejected" +
                      (input.strict ? " (strict: nothing stored)" : ", none valid");
    if (!out.problems.empty()) why += "; first: " + out.problems.front();
    out.error = Error{ErrorCode::kInvalidStix, why};
    return out;
  }
  std::span<const model::StixObject> all(parsed.objects);
  for (size_t i = 0; i < all.size(); i += kBatch) {
    auto sunk = sink.Ingest(all.subspan(i, std::min(kBatch, all.size() - i)),
                            {imported->format, name, input.preset});
    if (!sunk) {
      out.error = sunk.error();
      return out;
    }
    const store::IngestOutcome& stored = sunk->stored;
    out.counts.inserted += static_cast<int64_t>(stored.inserted);
    out.counts.unchanged += static_cast<int64_t>(stored.unchanged);
    out.counts.rejected += static_cast<int64_t>(stored.rejected.size());
    out.counts.merged += static_cast<int64_t>(sunk->merged);
    out.counts.dropped += static_cast<int64_t>(sunk->dropped);
    for (const auto& r : stored.rejected) {
      if (out.problems.size() < max_problems) out.problems.push_back(r.id + ": " + r.error.message);
    }
  }
  return out;
}

}  // namespace socmesh::connect::detail
