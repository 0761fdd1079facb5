// Loading the matcher index from a store of real indicators (requirement B2c): MISP-to-STIX
// mappings of the misp-stix project, ESET's MISP events through the MISP importer, and an OASIS
// STIX bundle, stored in a temporary SQLite store. Every observable of every current indicator is
// found, SCO values that no indicator carries are not, and revoked / expired indicators are left
// out.
#include "detect/store_loader.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/test_data.hpp"
#include "formats/import.hpp"
#include "model/bundle.hpp"
#include "store/store.hpp"

namespace socmesh::detect {
namespace {

using socmesh::testing::DataPath;
using socmesh::testing::ReadFile;
using socmesh::testing::TempDir;
using K = model::ObservableKind;

// The STIX side of each example of a misp-stix mapping file ({"<type>": {"STIX": [...]}}).
std::vector<model::StixObject> MappingObjects(const std::string& relative) {
  std::vector<model::StixObject> objects;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  const std::string json = ReadFile(DataPath(relative));
  EXPECT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << relative;
  simdjson::dom::object examples;
  if (doc.get(examples) != simdjson::SUCCESS) return objects;
  for (auto [name, example] : examples) {
    simdjson::dom::element stix;
    if (example["STIX"].get(stix) != simdjson::SUCCESS) continue;
    auto parsed = model::ParseBundle(simdjson::to_string(stix));
    if (!parsed) continue;  // a few examples are deliberately partial
    for (auto& o : parsed->objects) objects.push_back(std::move(o));
  }
  return objects;
}

std::vector<model::StixObject> MispObjects(const std::string& relative) {
  formats::ImportRequest request;
  request.format = formats::Format::kMisp;
  auto imported = formats::Import(ReadFile(DataPath(relative)), request);
  EXPECT_TRUE(imported.has_value()) << relative;
  return imported ? std::move(imported->bundle.objects) : std::vector<model::StixObject>{};
}

std::vector<model::StixObject> BundleObjects(const std::string& relative) {
  auto parsed = model::ParseBundle(ReadFile(DataPath(relative)));
  EXPECT_TRUE(parsed.has_value()) << relative;
  return parsed ? std::move(parsed->objects) : std::vector<model::StixObject>{};
}

class StoreLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::OpenStore({.location = (dir_.path() / "store.db").string()});
    ASSERT_TRUE(opened.has_value()) << opened.error().message;
    store_ = std::move(*opened);
  }

  void Ingest(const std::vector<model::StixObject>& objects) {
    auto outcome = store_->Ingest(objects);
    ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
    for (const model::StixObject& o : objects) objects_[o.id] = o;  // later versions win below
  }

  // Current (newest) version of every ingested id.
  std::map<std::string, model::StixObject> objects_;
  TempDir dir_;
  std::unique_ptr<store::Store> store_;
};

bool Indexable(const model::Observable& o) {
  if (o.kind != K::kIpv4 && o.kind != K::kIpv6) return true;
  const size_t slash = o.value.find('/');
  if (slash == std::string::npos) return true;
  return std::stoi(o.value.substr(slash + 1)) >= (o.kind == K::kIpv4 ? 8 : 16);
}

TEST_F(StoreLoaderTest, FindsEveryObservableOfRealIndicatorsAndNothingElse) {
  std::vector<model::StixObject> all;
  for (const char* f : {"misp/misp-stix/mapping/misp_attributes_to_stix21.json",
                        "misp/misp-stix/mapping/misp_objects_to_stix21.json"}) {
    auto objects = MappingObjects(f);
    all.insert(all.end(), objects.begin(), objects.end());
  }
  for (const auto& entry : std::filesystem::directory_iterator(DataPath("misp/eset-malware-ioc"))) {
    if (entry.path().extension() != ".json") continue;
    auto objects = MispObjects("misp/eset-malware-ioc/" + entry.path().filename().string());
    all.insert(all.end(), objects.begin(), objects.end());
  }
  auto poisonivy =
      BundleObjects("stix/oasis-stix2-json-schemas-examples/threat-reports/poisonivy.json");
  all.insert(all.end(), poisonivy.begin(), poisonivy.end());
  // Deduplicate versions across sources (the store refuses a conflicting re-definition).
  std::map<std::pair<std::string, int64_t>, model::StixObject> unique;
  for (auto& o : all) unique.emplace(std::pair{o.id, o.version().micros}, std::move(o));
  std::vector<model::StixObject> batch;
  for (auto& [key, o] : unique) batch.push_back(std::move(o));
  Ingest(batch);

  const model::Timestamp now{int64_t{1'700'000'000} * 1'000'000};  // 2023-11-14
  LoadStats stats;
  auto index = BuildFromStore(*store_, now, {}, &stats);
  ASSERT_TRUE(index.has_value()) << index.error().message;
  auto snapshot = (*index)->Current();

  // Expected: the newest version of each non-revoked indicator with a STIX pattern, not expired.
  std::map<std::string, const model::StixObject*> indicators;
  for (const auto& [id, o] : objects_) {
    if (o.type != "indicator" || o.revoked) continue;
    if (o.valid_until && *o.valid_until <= now) continue;
    if (o.observables.empty()) continue;
    indicators[id] = &o;
  }
  ASSERT_GT(indicators.size(), 150u);
  EXPECT_EQ(snapshot->indicator_count(), indicators.size());
  EXPECT_EQ(stats.unreadable, 0u);

  std::set<std::pair<K, std::string>> indicator_values;
  size_t checked = 0, address_refs = 0;
  std::vector<Match> out;
  for (const auto& [id, o] : indicators) {
    const std::string_view json = o->canonical_json;
    const bool has_address_ref = json.find("_ref.value") != std::string_view::npos;
    for (const model::Observable& obs : o->observables) {
      indicator_values.insert({obs.kind, obs.value});
      if (!Indexable(obs)) continue;
      out.clear();
      snapshot->Lookup(obs.kind, obs.value, out);
      bool found = false;
      for (const Match& m : out) {
        found |= m.indicator->Id() == id && m.indicator->Version() == o->version();
      }
      EXPECT_TRUE(found) << id << " " << model::ObservableKindName(obs.kind) << " " << obs.value;
      ++checked;
      address_refs += has_address_ref && (obs.kind == K::kIpv4 || obs.kind == K::kIpv6);
    }
  }
  RecordProperty("indicators", std::to_string(indicators.size()) + " checked " +
                                   std::to_string(checked) + " refs " +
                                   std::to_string(address_refs));
  EXPECT_GT(checked, 250u);
  EXPECT_GE(address_refs, 10u);  // MISP ip-src / ip-dst indicators (network-traffic refs)

  // SCO values that no indicator carries: no exact match. Networks and domain suffixes of
  // indicators may still contain them, but then with a shorter prefix / fewer labels.
  size_t negatives = 0;
  for (const auto& [id, o] : objects_) {
    if (o.category != model::ObjectCategory::kCyberObservable) continue;
    for (const model::Observable& obs : o.observables) {
      if (indicator_values.contains({obs.kind, obs.value})) continue;
      out.clear();
      snapshot->Lookup(obs.kind, obs.value, out);
      for (const Match& m : out) {
        const bool ip = obs.kind == K::kIpv4 || obs.kind == K::kIpv6;
        const size_t own = obs.kind == K::kDomain
                               ? std::count(obs.value.begin(), obs.value.end(), '.') + 1
                           : obs.kind == K::kIpv4 ? 32
                                                  : 128;
        EXPECT_TRUE((ip || obs.kind == K::kDomain) && m.specificity < own)
            << obs.value << " matched " << m.indicator->Id();
      }
      ++negatives;
    }
  }
  RecordProperty("negatives", std::to_string(negatives));
  EXPECT_GT(negatives, 50u);
  // Values that appear nowhere.
  for (auto [kind, value] :
       std::vector<std::pair<K, std::string>>{{K::kIpv4, "203.0.113.254"},
                                              {K::kDomain, "never.invalid"},
                                              {K::kSha256, std::string(64, '7')},
                                              {K::kUrl, "http://never.invalid/"}}) {
    out.clear();
    EXPECT_EQ(snapshot->Lookup(kind, value, out), 0u) << value;
  }
}

TEST_F(StoreLoaderTest, LeavesOutRevokedExpiredAndNonStixIndicators) {
  auto make = [](const std::string& tail, const std::string& modified, const std::string& ip,
                 const std::string& extra) {
    std::string json =
        R"({"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-)" +
        tail + R"(","created":"2020-01-01T00:00:00.000Z","modified":")" + modified +
        R"(","pattern":"[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = ')" +
        ip + R"(']","pattern_type":"stix","valid_from":"2020-01-01T00:00:00Z")" + extra + "}";
    auto o = model::ParseStixObject(json);
    EXPECT_TRUE(o.has_value()) << (o ? "" : o.error().message);
    return o ? *o : model::StixObject{};
  };
  Ingest({make("000000000001", "2020-01-01T00:00:00.000Z", "192.0.2.1", ""),
          make("000000000002", "2020-01-01T00:00:00.000Z", "192.0.2.2", ""),
          make("000000000002", "2021-01-01T00:00:00.000Z", "192.0.2.2", R"(,"revoked":true)"),
          make("000000000003", "2020-01-01T00:00:00.000Z", "192.0.2.3",
               R"(,"valid_until":"2022-01-01T00:00:00Z")"),
          make("000000000004", "2020-01-01T00:00:00.000Z", "192.0.2.4",
               R"(,"valid_until":"2030-01-01T00:00:00Z")"),
          make("000000000005", "2020-01-01T00:00:00.000Z", "192.0.2.5", ""),
          make("000000000005", "2021-01-01T00:00:00.000Z", "192.0.2.55", "")});
  const model::Timestamp now{int64_t{1'700'000'000} * 1'000'000};  // 2023-11-14
  LoadStats stats;
  auto index = BuildFromStore(*store_, now, {}, &stats);
  ASSERT_TRUE(index.has_value());
  auto s = (*index)->Current();
  std::vector<Match> out;
  auto found = [&](std::string_view ip) {
    out.clear();
    return s->Lookup(K::kIpv4, ip, out);
  };
  EXPECT_EQ(found("192.0.2.1"), 1u);
  EXPECT_EQ(found("192.0.2.2"), 0u);  // revoked
  EXPECT_EQ(found("192.0.2.3"), 0u);  // expired
  EXPECT_EQ(found("192.0.2.4"), 1u);
  EXPECT_EQ(out[0].indicator->ValidUntil(), model::ParseTimestamp("2030-01-01T00:00:00Z").value());
  EXPECT_EQ(found("192.0.2.5"), 0u);  // an older version
  EXPECT_EQ(found("192.0.2.55"), 1u);
  EXPECT_EQ(stats.expired, 1u);
  EXPECT_EQ(stats.scanned, 4u);  // the revoked id is not even read
  EXPECT_EQ(s->indicator_count(), 3u);
}

}  // namespace
}  // namespace socmesh::detect
