// IODEF import rate (issue 3: "MISP and IODEF import in objects/s"): documents and STIX objects
// per second for formats::iodef::ImportIodef on the real examples, against libxml2's bare parse
// of the same bytes (the reference: no import can be faster than reading the XML once).
//
// Usage: iodef_bench [--reps N] [--smoke]
#include <libxml/parser.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bench_timing.hpp"
#include "formats/iodef/iodef.hpp"

namespace {

using socmesh::bench::Median;
using socmesh::bench::Seconds;

std::string Read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Corpus {
  const char* name;
  std::vector<std::string> documents;
  size_t bytes = 0;
};

void Run(const Corpus& c, int reps, int rounds) {
  using socmesh::formats::iodef::ImportIodef;
  using socmesh::formats::iodef::ImportOptions;
  ImportOptions validated;
  validated.schema_dir = SOCMESH_TEST_DATA "/iodef/schemas";
  validated.schema = socmesh::formats::iodef::SchemaVariant::kErrataApplied;
  ImportOptions mapping_only = validated;
  mapping_only.validate = false;
  // Warm up: the schema is compiled once per process.
  size_t objects = 0;
  for (const auto& d : c.documents) {
    auto r = ImportIodef(d, validated);
    if (!r) {
      std::fprintf(stderr, "iodef_bench: %s\n", r.error().message.c_str());
      std::exit(1);
    }
    objects += r->objects.size();
  }
  std::vector<double> reference, mapped, full;
  for (int rep = 0; rep < reps; ++rep) {
    reference.push_back(Seconds([&] {
      for (int k = 0; k < rounds; ++k) {
        for (const auto& d : c.documents) {
          xmlDocPtr doc = xmlReadMemory(d.data(), static_cast<int>(d.size()), "bench.xml", nullptr,
                                        XML_PARSE_NONET);
          xmlFreeDoc(doc);
        }
      }
    }));
    mapped.push_back(Seconds([&] {
      for (int k = 0; k < rounds; ++k) {
        for (const auto& d : c.documents) (void)ImportIodef(d, mapping_only);
      }
    }));
    full.push_back(Seconds([&] {
      for (int k = 0; k < rounds; ++k) {
        for (const auto& d : c.documents) (void)ImportIodef(d, validated);
      }
    }));
  }
  double docs = static_cast<double>(c.documents.size()) * rounds;
  double objs = static_cast<double>(objects) * rounds;
  double mb = static_cast<double>(c.bytes) * rounds / 1e6;
  double ref = Median(reference), map = Median(mapped), all = Median(full);
  std::printf("%s: %zu documents, %.2f MB, %zu STIX objects per round, %d rounds (medians of %d)\n",
              c.name, c.documents.size(), c.bytes / 1e6, objects, rounds, reps);
  std::printf("  libxml2 parse only (reference)  : %9.0f docs/s %8.1f MB/s\n", docs / ref,
              mb / ref);
  std::printf("  import, no XSD (map + validate) : %9.0f docs/s %9.0f objects/s  ratio %.3f\n",
              docs / map, objs / map, ref / map);
  std::printf("  import with XSD validation      : %9.0f docs/s %9.0f objects/s  ratio %.3f\n",
              docs / all, objs / all, ref / all);
  std::printf(
      "{\"bench\":\"iodef\",\"input\":\"%s\",\"docs\":%zu,\"objects\":%zu,\"reference_docs_s\":"
      "%.0f,\"import_docs_s\":%.0f,\"import_objects_s\":%.0f,\"validated_docs_s\":%.0f,"
      "\"validated_objects_s\":%.0f,\"ratio\":%.4f}\n",
      c.name, c.documents.size(), objects, docs / ref, docs / map, objs / map, docs / all,
      objs / all, ref / all);
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 5;
  bool smoke = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--reps" && i + 1 < argc) {
      reps = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--smoke") {
      smoke = true;
    } else {
      std::fprintf(stderr, "usage: iodef_bench [--reps N] [--smoke]\n");
      return 2;
    }
  }
  if (smoke) reps = 1;
  namespace fs = std::filesystem;
  const fs::path examples = SOCMESH_TEST_DATA "/iodef/examples";
  if (!fs::is_directory(examples)) {
    std::fprintf(stderr, "iodef_bench: shared test data not found under %s\n", SOCMESH_TEST_DATA);
    return 1;
  }
  // The examples valid under the errata schema (VALIDATION.md), small ones and the 808 KB one.
  Corpus small{"RFC 7970 + MILE guidance + converter examples (errata-valid)", {}, 0};
  for (const char* f :
       {"rfc7970/RFC7970_MinimalIODEF.xml", "rfc7970/RFC7970_CampaignIndicator.xml",
        "iodef-guidance/GuidanceDraft_IoTMalware.xml",
        "iodef-guidance/GuidanceDraft_MalwareDeliverURL.xml",
        "iodef-guidance/GuidanceDraft_SpearPhishing.xml", "iodef-converter/iodef-2.0-minimal.xml",
        "iodef-converter/iot_malware.xml", "iodef-converter/malware2.xml",
        "iodef-converter/LongExample_forVerification.xml",
        "iodef-converter/ExampleRecursive-xml2xml.xml"}) {
    small.documents.push_back(Read(examples / f));
    small.bytes += small.documents.back().size();
  }
  Corpus large{"LongLongExample.xml (4 incidents)",
               {Read(examples / "iodef-converter/LongLongExample.xml")},
               0};
  large.bytes = large.documents.front().size();
  Run(small, reps, smoke ? 5 : 200);
  Run(large, reps, smoke ? 1 : 10);
  return 0;
}
