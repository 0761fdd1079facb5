// libFuzzer target: the STIX pattern parser and everything downstream of a parsed pattern.
//
// Invariants:
//  - ParsePattern returns (no crash, no stack overflow, no hang) and every error names a position
//    ("position N: ...", N within the input) unless it is the whole-input size limit;
//  - a parsed pattern prints (FormatPattern) to text that parses to the same printout;
//  - evaluation (Matches, a PatternStream over two events) and IndexHints run on it, and every
//    index key is already normalised (what the index looks up must equal what it stores).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "model/observable.hpp"
#include "model/pattern.hpp"
#include "model/pattern_match.hpp"
#include "model/pattern_stream.hpp"

namespace {

using namespace socmesh::model;

const Observation& SampleObservation() {
  static const Observation o = [] {
    Observation obs;
    obs.first_observed = obs.last_observed = ParseTimestamp("2016-06-01T01:45:00Z").value();
    ObservedObject file;
    file.type = "file";
    file.Add("name", ObservedValue::String("a_b.exe"))
        .Add("size", ObservedValue::Int(2))
        .Add("hashes.MD5", ObservedValue::String("79054025255fb1a26e4bc422aef54eb4"))
        .Add("magic_number_hex", ObservedValue::String("ffd8"))
        .Add("extensions.windows-pebinary-ext.sections[0].entropy", ObservedValue::Float(7.5));
    ObservedObject ip;
    ip.type = "ipv4-addr";
    ip.Add("value", ObservedValue::String("198.51.100.7"));
    ObservedObject nt;
    nt.type = "network-traffic";
    nt.Add("dst_ref.type", ObservedValue::String("domain-name"))
        .Add("dst_ref.value", ObservedValue::String("example.com"))
        .Add("protocols[0]", ObservedValue::String("tcp"));
    obs.objects = {file, ip, nt};
    return obs;
  }();
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  PatternParseOptions options;
  options.max_bytes = 1 << 16;
  socmesh::Result<Pattern> pattern = ParsePattern(text, options);
  if (!pattern) {
    const std::string& message = pattern.error().message;
    if (size > options.max_bytes) return 0;
    if (!message.starts_with("position ")) __builtin_trap();
    const size_t position = std::stoul(message.substr(9));
    if (position > size) __builtin_trap();
    return 0;
  }
  // Printing adds parentheses around every operator, so the reprint may nest deeper.
  const std::string printed = FormatPattern(*pattern);
  PatternParseOptions reparse;
  reparse.max_bytes = 1 << 24;
  reparse.max_depth = 1024;
  socmesh::Result<Pattern> again = ParsePattern(printed, reparse);
  if (!again || FormatPattern(*again) != printed) __builtin_trap();

  const Observation& sample = SampleObservation();
  (void)Matches(*pattern, sample);
  for (const PatternIndexHint& hint : IndexHints(*pattern)) {
    for (const PatternIndexKey& key : hint.any_of) {
      socmesh::Result<std::string> normal =
          NormalizeObservable(key.observable.kind, key.observable.value);
      if (!normal || *normal != key.observable.value) __builtin_trap();
    }
  }
  PatternStreamOptions stream_options;
  stream_options.max_partial_matches = 8;
  PatternStream stream(std::move(*pattern), stream_options);
  Observation later = sample;
  later.first_observed.micros += 1000000;
  later.last_observed.micros += 1000000;
  (void)stream.Feed(sample, "k", 1);
  (void)stream.Feed(later, "k", 2);
  return 0;
}
