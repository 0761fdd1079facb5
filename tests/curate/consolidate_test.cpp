// Consolidation (B2a, B2b, E7): one indicator per observable across sources, provenance of every
// source kept, re-ingest a no-op, peers' objects never rewritten; warning lists at ingest.
#include "curate/consolidate.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "common/test_data.hpp"
#include "curate/detail/object_json.hpp"
#include "curate/local_sources.hpp"
#include "formats/csv/feed_config.hpp"
#include "formats/csv/feed_import.hpp"
#include "formats/misp/misp_import.hpp"
#include "formats/text/text_import.hpp"
#include "model/bundle.hpp"
#include "model/canonical_json.hpp"
#include "model/pattern.hpp"
#include "model/socmesh_extension.hpp"

namespace socmesh::curate {
namespace {

using K = model::ObservableKind;

model::Timestamp T(std::string_view text) { return *model::ParseTimestamp(text); }

class ConsolidateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::StoreOptions o;
    o.location = (dir_.path() / "store.db").string();
    auto s = store::OpenStore(o);
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    for (const auto& [id, name] : LocalFeedCreators()) {
      options_.local_creators.insert(id);
      options_.creator_sources.emplace(id, name);
    }
    options_.now = T("2026-11-24T10:00:00Z");
  }

  // Curates and stores `batch` as coming from `source`.
  CurateReport Ingest(std::span<const model::StixObject> batch, const std::string& source) {
    options_.source = source;
    auto curated = CurateBatch(batch, *store_, options_);
    EXPECT_TRUE(curated) << curated.error().message;
    if (!curated) return {};
    auto stored = store_->Ingest(curated->objects);
    EXPECT_TRUE(stored) << stored.error().message;
    if (stored) {
      EXPECT_TRUE(stored->rejected.empty()) << stored->rejected.front().error.message;
    }
    return curated->report;
  }

  std::vector<model::StixObject> Feed(const std::string& file, const std::string& preset) {
    auto config = formats::csv::FindFeedPreset(preset);
    EXPECT_TRUE(config);
    formats::csv::FeedImportOptions fo;
    fo.fallback_time = T("2026-11-20T00:00:00Z");
    auto feed = formats::csv::ImportFeed(testing::ReadFile(testing::DataPath(file)), *config, fo);
    EXPECT_TRUE(feed) << feed.error().message;
    return feed ? std::move(feed->objects) : std::vector<model::StixObject>{};
  }

  std::vector<model::StixObject> Text(const std::string& file) {
    formats::text::TextImportOptions to;
    to.now = T("2026-11-21T00:00:00Z");
    auto text = formats::text::ImportText(testing::ReadFile(testing::DataPath(file)), to);
    EXPECT_TRUE(text) << text.error().message;
    auto adopted = AdoptAnonymousIndicators(text->objects);
    EXPECT_TRUE(adopted) << adopted.error().message;
    return adopted ? std::move(*adopted) : std::vector<model::StixObject>{};
  }

  // Current indicators carrying `o`.
  std::vector<store::StoredVersion> IndicatorsOf(const model::Observable& o) {
    store::Query q;
    q.observable = o;
    q.types = {"indicator"};
    std::vector<store::StoredVersion> out;
    auto ok = store_->Scan(q, [&](const store::StoredVersion& v) {
      out.push_back(v);
      return true;
    });
    EXPECT_TRUE(ok);
    return out;
  }

  int64_t CountIndicators() {
    int64_t n = 0;
    store::Query q;
    q.types = {"indicator"};
    EXPECT_TRUE(store_->Scan(q, [&](const store::StoredVersion&) {
      ++n;
      return true;
    }));
    return n;
  }

  static std::set<std::string> Sources(const std::string& json) {
    std::set<std::string> out;
    auto m = model::ReadSocmeshMetadata(json);
    if (m && *m) {
      for (const auto& p : (*m)->provenance) out.insert(p.source);
    }
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  CurateOptions options_;
};

// ESET's Turla SHA-1 list (a plain feed) and ESET's Turla write-up (free text) share 128 SHA-1
// hashes: each must end up as one indicator naming both sources.
TEST_F(ConsolidateTest, OneIndicatorPerSharedObservableWithBothProvenances) {
  const auto feed = Feed("feeds/eset-hash-lists/turla_samples.sha1", "plain");
  const auto text = Text("text/eset-malware-ioc-reports/turla.README.adoc");
  std::set<std::string> feed_hashes;
  for (const auto& o : feed) {
    if (o.type == "indicator") feed_hashes.insert(o.observables.front().value);
  }
  std::vector<model::Observable> shared;
  for (const auto& o : text) {
    if (o.type == "indicator" && o.observables.size() == 1 &&
        o.observables.front().kind == K::kSha1 &&
        feed_hashes.contains(o.observables.front().value)) {
      shared.push_back(o.observables.front());
    }
  }
  ASSERT_EQ(shared.size(), 128u);

  const CurateReport first = Ingest(feed, "plain:turla_samples.sha1");
  EXPECT_EQ(first.consolidated, 0u);
  const int64_t after_feed = CountIndicators();
  const CurateReport second = Ingest(text, "text:turla.README.adoc");
  EXPECT_EQ(second.consolidated, shared.size());
  EXPECT_EQ(second.new_versions, shared.size());
  EXPECT_EQ(second.merged.size(), shared.size());

  for (const model::Observable& o : shared) {
    const auto found = IndicatorsOf(o);
    ASSERT_EQ(found.size(), 1u) << o.value;
    EXPECT_EQ(Sources(found.front().json),
              (std::set<std::string>{"plain:turla_samples.sha1", "text:turla.README.adoc"}))
        << found.front().json;
    // The kept id is the feed's (stored first); the text's random id was never stored.
    EXPECT_EQ(found.front().id, formats::csv::FeedIndicatorId("plain", o));
    auto versions = store_->GetVersions(found.front().id);
    ASSERT_TRUE(versions);
    EXPECT_EQ(versions->size(), 2u);
  }
  // Text-only indicators were added, shared ones not.
  size_t text_indicators = 0;
  for (const auto& o : text) text_indicators += o.type == "indicator";
  EXPECT_EQ(CountIndicators(), after_feed + static_cast<int64_t>(text_indicators - shared.size()));
}

TEST_F(ConsolidateTest, ReingestingTheSameSourcesIsANoOp) {
  const auto feed = Feed("feeds/eset-hash-lists/turla_samples.sha1", "plain");
  Ingest(feed, "plain:turla_samples.sha1");
  Ingest(Text("text/eset-malware-ioc-reports/turla.README.adoc"), "text:turla.README.adoc");
  auto before = store_->Stats();
  ASSERT_TRUE(before);

  // Same feed, a day-fraction later: last_seen moves by less than the granularity.
  options_.now = T("2026-11-24T15:00:00Z");
  const CurateReport again = Ingest(feed, "plain:turla_samples.sha1");
  EXPECT_EQ(again.new_versions, 0u);
  EXPECT_GT(again.unchanged, 0u);
  // The text again: fresh random ids, all folded into what is stored, nothing new.
  const CurateReport text_again =
      Ingest(Text("text/eset-malware-ioc-reports/turla.README.adoc"), "text:turla.README.adoc");
  EXPECT_EQ(text_again.new_versions, 0u);
  auto after = store_->Stats();
  ASSERT_TRUE(after);
  int64_t indicators_before = 0, indicators_after = 0;
  for (const auto& [type, n] : before->objects_by_type)
    indicators_before += type == "indicator" ? n : 0;
  for (const auto& [type, n] : after->objects_by_type)
    indicators_after += type == "indicator" ? n : 0;
  EXPECT_EQ(indicators_after, indicators_before);
}

TEST_F(ConsolidateTest, RefreshesLastSeenOnceThePeriodHasPassed) {
  auto feed = Feed("feeds/stamparm-ipsum/levels_8.txt", "ipsum");
  Ingest(feed, "stamparm-ipsum");
  // Two days later the feed lists the same addresses again.
  formats::csv::FeedImportOptions fo;
  fo.fallback_time = T("2026-11-22T00:00:00Z");
  auto later = formats::csv::ImportFeed(
      testing::ReadFile(testing::DataPath("feeds/stamparm-ipsum/levels_8.txt")),
      *formats::csv::FindFeedPreset("ipsum"), fo);
  ASSERT_TRUE(later);
  const CurateReport r = Ingest(later->objects, "stamparm-ipsum");
  EXPECT_EQ(r.new_versions, 23u);
  EXPECT_EQ(r.consolidated, 0u);  // same ids: refreshed, not merged
  const auto found = IndicatorsOf({K::kIpv4, feed[1].observables.front().value});
  ASSERT_EQ(found.size(), 1u);
  auto m = model::ReadSocmeshMetadata(found.front().json);
  ASSERT_TRUE(m && *m);
  ASSERT_EQ((*m)->provenance.size(), 1u);
  EXPECT_EQ((*m)->provenance[0].first_seen, T("2026-11-20T00:00:00Z"));
  EXPECT_EQ((*m)->provenance[0].last_seen, T("2026-11-22T00:00:00Z"));
}

// The MISP event is ESET's (created_by_ref: ESET's identity): its indicators stay as ESET wrote
// them, even those sharing a hash with a local feed indicator.
TEST_F(ConsolidateTest, NeverRewritesIndicatorsOwnedByAnotherOrganisation) {
  Ingest(Feed("feeds/eset-hash-lists/turla_samples.sha256", "plain"), "plain:turla_samples.sha256");
  auto misp = formats::misp::ImportMispJson(testing::ReadFile(
      testing::DataPath("misp/eset-malware-ioc/turla_misp-turla-outlook-event.json")));
  ASSERT_TRUE(misp) << misp.error().message;
  options_.source = "misp";
  auto curated = CurateBatch(misp->objects, *store_, options_);
  ASSERT_TRUE(curated);
  EXPECT_EQ(curated->report.consolidated, 0u);
  EXPECT_EQ(curated->report.new_versions, 0u);
  ASSERT_EQ(curated->objects.size(), misp->objects.size());
  for (size_t i = 0; i < misp->objects.size(); ++i) {
    EXPECT_EQ(curated->objects[i].canonical_json, misp->objects[i].canonical_json);
  }
}

model::StixObject Parse(const std::string& json) {
  auto o = model::ParseStixObject(json);
  EXPECT_TRUE(o) << o.error().message << "\n" << json;
  return o ? std::move(*o) : model::StixObject{};
}

std::string LocalIndicator(const std::string& uuid, const std::string& pattern,
                           const std::string& extra = "") {
  return R"({"type":"indicator","spec_version":"2.1","id":"indicator--)" + uuid +
         R"(","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z",)"
         R"("created_by_ref":")" +
         formats::csv::FeedIdentityId(kTextImportFeed) + R"(","pattern":")" + pattern +
         R"(","pattern_type":"stix","valid_from":"2026-11-01T00:00:00Z")" + extra + "}";
}

TEST_F(ConsolidateTest, RewritesReferencesOfLocalObjectsToTheKeptId) {
  const std::string kept = "11111111-1111-4111-8111-111111111111";
  const std::string dup = "22222222-2222-4222-8222-222222222222";
  const std::string pattern = "[domain-name:value = 'c2.evil-domain.net']";
  const std::vector<model::StixObject> first = {Parse(LocalIndicator(kept, pattern))};
  Ingest(first, "text:a.txt");
  const std::string rel =
      R"({"type":"relationship","spec_version":"2.1","id":"relationship--33333333-3333-4333-8333-333333333333","created":"2026-11-02T00:00:00.000Z","modified":"2026-11-02T00:00:00.000Z","created_by_ref":")" +
      formats::csv::FeedIdentityId(kTextImportFeed) +
      R"(","relationship_type":"indicates","source_ref":"indicator--)" + dup +
      R"(","target_ref":"malware--44444444-4444-4444-8444-444444444444"})";
  const std::vector<model::StixObject> second = {
      Parse(LocalIndicator(dup, "[domain-name:value = 'C2.Evil-Domain.NET']")), Parse(rel)};
  options_.source = "text:b.txt";
  auto curated = CurateBatch(second, *store_, options_);
  ASSERT_TRUE(curated) << curated.error().message;
  EXPECT_EQ(curated->report.consolidated, 1u);
  EXPECT_EQ(curated->report.references_rewritten, 1u);
  bool saw_relationship = false;
  for (const auto& o : curated->objects) {
    EXPECT_EQ(o.id.find(dup), std::string::npos) << "dropped id still stored";
    if (o.type == "relationship") {
      saw_relationship = true;
      EXPECT_NE(o.canonical_json.find("\"source_ref\":\"indicator--" + kept + "\""),
                std::string::npos)
          << o.canonical_json;
    }
  }
  EXPECT_TRUE(saw_relationship);
}

TEST_F(ConsolidateTest, CombinesConfidenceOfSources) {
  EXPECT_EQ(CombineConfidence({}), std::nullopt);
  EXPECT_EQ(CombineConfidence({50}), 50);
  EXPECT_EQ(CombineConfidence({50, 50}), 75);
  EXPECT_EQ(CombineConfidence({80, 50, 0}), 90);
  EXPECT_EQ(CombineConfidence({100, 10}), 100);
  const std::string uuid1 = "55555555-5555-4555-8555-555555555555";
  const std::string uuid2 = "66666666-6666-4666-8666-666666666666";
  const std::string pattern = "[ipv4-addr:value = '45.77.1.2']";
  Ingest(
      std::vector<model::StixObject>{Parse(LocalIndicator(uuid1, pattern, R"(,"confidence":60)"))},
      "text:a.txt");
  Ingest(
      std::vector<model::StixObject>{Parse(LocalIndicator(uuid2, pattern, R"(,"confidence":50)"))},
      "text:b.txt");
  auto found = IndicatorsOf({K::kIpv4, "45.77.1.2"});
  ASSERT_EQ(found.size(), 1u);
  auto parsed = model::ParseStixObject(found.front().json);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->confidence, 80);  // 1 - 0.4 * 0.5
}

TEST_F(ConsolidateTest, OnlyPlainSingleComparisonsAreMerged) {
  EXPECT_TRUE(IsSingleComparisonPattern("[ipv4-addr:value = '1.2.3.4']"));
  EXPECT_FALSE(IsSingleComparisonPattern("[ipv4-addr:value != '1.2.3.4']"));
  EXPECT_FALSE(IsSingleComparisonPattern(
      "[ipv4-addr:value = '1.2.3.4' AND network-traffic:dst_port = 443]"));
  EXPECT_FALSE(IsSingleComparisonPattern("[ipv4-addr:value = '1.2.3.4'] REPEATS 5 TIMES"));
  EXPECT_FALSE(IsSingleComparisonPattern("[a:b = 'x'] FOLLOWEDBY [c:d = 'y']"));
  // `true` and `false` are literals to the pattern grammar, never names (fuzz/pattern_shortcut).
  EXPECT_FALSE(IsSingleComparisonPattern("[true:hashes.strueh= 'e3495991b785']"));
  EXPECT_TRUE(IsSingleComparisonPattern("[file:hashes.truely = 'x']"));
}

TEST_F(ConsolidateTest, WarningListsFlagOrDropAtIngest) {
  auto lists = WarningLists::LoadDirectory(DefaultWarningListDir());
  ASSERT_TRUE(lists) << lists.error().message;
  options_.warninglists = &*lists;
  const std::vector<model::StixObject> batch = {
      Parse(
          LocalIndicator("77777777-7777-4777-8777-777777777771", "[ipv4-addr:value = '10.0.0.1']")),
      Parse(LocalIndicator("77777777-7777-4777-8777-777777777772", "[ipv4-addr:value = '8.8.8.8']",
                           R"(,"confidence":90)")),
      Parse(LocalIndicator("77777777-7777-4777-8777-777777777773",
                           "[domain-name:value = 'login.microsoftonline.com']")),
      Parse(LocalIndicator("77777777-7777-4777-8777-777777777774",
                           "[ipv4-addr:value = '192.9.135.73']")),  // Feodo C2
  };
  options_.warning_mode = WarningMode::kFlag;
  options_.source = "text:x";
  auto flagged = CurateBatch(batch, *store_, options_);
  ASSERT_TRUE(flagged) << flagged.error().message;
  EXPECT_EQ(flagged->report.flagged, 3u);
  EXPECT_TRUE(flagged->report.dropped.empty());
  ASSERT_EQ(flagged->objects.size(), 4u);
  for (const auto& o : flagged->objects) {
    if (o.observables.front().value == "8.8.8.8") {
      EXPECT_NE(o.canonical_json.find("warninglist:public-dns-resolvers"), std::string::npos);
      EXPECT_EQ(o.confidence, 10);  // lowered from 90
    } else if (o.observables.front().value == "192.9.135.73") {
      EXPECT_EQ(o.canonical_json.find("warninglist:"), std::string::npos);
    }
  }
  options_.warning_mode = WarningMode::kDrop;
  auto dropped = CurateBatch(batch, *store_, options_);
  ASSERT_TRUE(dropped);
  ASSERT_EQ(dropped->report.dropped.size(), 1u);
  EXPECT_EQ(dropped->report.dropped[0].observable, "ipv4 10.0.0.1");
  EXPECT_EQ(dropped->report.dropped[0].list, "iana-ipv4-special");
  EXPECT_EQ(dropped->objects.size(), 3u);  // flag-action lists still only flag
  options_.warning_mode = WarningMode::kOff;
  auto off = CurateBatch(batch, *store_, options_);
  ASSERT_TRUE(off);
  EXPECT_EQ(off->report.flagged, 0u);
}

// A peer's indicator on a warning list is reported but its content is not changed.
TEST_F(ConsolidateTest, FlagsOnPeersIndicatorsAreReportedNotWritten) {
  auto lists = WarningLists::LoadDirectory(DefaultWarningListDir());
  ASSERT_TRUE(lists);
  options_.warninglists = &*lists;
  const std::string json =
      R"({"type":"indicator","spec_version":"2.1","id":"indicator--88888888-8888-4888-8888-888888888888","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","created_by_ref":"identity--99999999-9999-4999-8999-999999999999","pattern":"[ipv4-addr:value = '8.8.4.4']","pattern_type":"stix","valid_from":"2026-11-01T00:00:00Z"})";
  const std::vector<model::StixObject> batch = {Parse(json)};
  auto curated = CurateBatch(batch, *store_, options_);
  ASSERT_TRUE(curated);
  EXPECT_EQ(curated->report.flagged, 1u);
  EXPECT_EQ(curated->report.flag_not_written, 1u);
  ASSERT_EQ(curated->objects.size(), 1u);
  EXPECT_EQ(curated->objects[0].canonical_json, batch[0].canonical_json);
}

// Curation builds the objects it derives from batch indicators without parsing them again (issue
// 3 item 2): each must be exactly what model::ParseStixObject makes of its JSON, and the socmesh
// extension spliced into the text exactly what model::WithSocmeshMetadata writes.
void ExpectSameAsFullParse(const model::StixObject& o) {
  auto parsed = model::ParseStixObject(o.canonical_json);
  ASSERT_TRUE(parsed) << parsed.error().message << "\n" << o.canonical_json;
  EXPECT_EQ(parsed->canonical_json, o.canonical_json);  // canonical (RFC 8785) as it stands
  EXPECT_EQ(parsed->digest, o.digest) << o.id;
  EXPECT_EQ(parsed->type, o.type);
  EXPECT_EQ(parsed->id, o.id);
  EXPECT_EQ(parsed->category, o.category);
  EXPECT_EQ(parsed->spec_version, o.spec_version);
  EXPECT_EQ(parsed->created, o.created);
  EXPECT_EQ(parsed->modified, o.modified);
  EXPECT_EQ(parsed->created_by_ref, o.created_by_ref);
  EXPECT_EQ(parsed->revoked, o.revoked);
  EXPECT_EQ(parsed->confidence, o.confidence) << o.id;
  EXPECT_EQ(parsed->valid_until, o.valid_until);
  EXPECT_EQ(parsed->tlp, o.tlp);
  EXPECT_EQ(parsed->observables, o.observables);
  auto meta = model::ReadSocmeshMetadata(o.canonical_json);
  ASSERT_TRUE(meta) << meta.error().message;
  if (*meta) {
    EXPECT_EQ(*model::WithSocmeshMetadata(o.canonical_json, **meta), o.canonical_json);
  }
}

TEST_F(ConsolidateTest, DerivedObjectsAreWhatAFullParseGives) {
  auto lists = WarningLists::LoadDirectory(DefaultWarningListDir());
  ASSERT_TRUE(lists) << lists.error().message;
  options_.warninglists = &*lists;
  std::vector<std::vector<model::StixObject>> batches = {
      Feed("feeds/stamparm-ipsum/levels_8.txt", "ipsum"),
      Feed("feeds/eset-hash-lists/turla_samples.sha1", "plain"),
      Text("text/eset-malware-ioc-reports/turla.README.adoc"),
      {Parse(LocalIndicator("77777777-7777-4777-8777-777777777772", "[ipv4-addr:value = '8.8.8.8']",
                            R"(,"confidence":90,"labels":["c2"])")),
       Parse(LocalIndicator("77777777-7777-4777-8777-777777777773",
                            "[domain-name:value = 'login.microsoftonline.com']")),
       Parse(LocalIndicator("77777777-7777-4777-8777-777777777775",
                            "[ipv4-addr:value = '8.8.8.8' OR ipv4-addr:value = '192.9.135.73']"))},
  };
  size_t derived = 0;
  for (const auto& batch : batches) {
    options_.source = "source-" + std::to_string(derived);
    auto curated = CurateBatch(batch, *store_, options_);
    ASSERT_TRUE(curated) << curated.error().message;
    for (const auto& o : curated->objects) ExpectSameAsFullParse(o);
    derived += curated->objects.size();
    ASSERT_TRUE(store_->Ingest(curated->objects));
  }
  EXPECT_GT(derived, 400u);
}

// Every Store call but ScanByObservables forwarded: the base class then answers it with one Scan
// per observable, the behaviour the batched SQLite query must reproduce.
class OneQueryPerObservableStore final : public store::Store {
 public:
  explicit OneQueryPerObservableStore(store::Store& inner) : inner_(inner) {}
  Result<store::IngestOutcome> Ingest(std::span<const model::StixObject> batch) override {
    return inner_.Ingest(batch);
  }
  Result<std::vector<store::StoredVersion>> GetVersions(std::string_view id) override {
    return inner_.GetVersions(id);
  }
  Result<store::StoredVersion> GetCurrent(std::string_view id) override {
    return inner_.GetCurrent(id);
  }
  Result<void> Scan(const store::Query& query,
                    const std::function<bool(const store::StoredVersion&)>& visit) override {
    ++scans;
    return inner_.Scan(query, visit);
  }
  Result<store::StoreStats> Stats() override { return inner_.Stats(); }
  size_t scans = 0;

 private:
  store::Store& inner_;
};

TEST_F(ConsolidateTest, BatchedStoreLookupCuratesAsOneQueryPerIndicator) {
  store::StoreOptions o;
  o.location = (dir_.path() / "reference.db").string();
  auto reference_store = store::OpenStore(o);
  ASSERT_TRUE(reference_store);
  OneQueryPerObservableStore reference(**reference_store);
  // Text imports mint random ids: imported once, the same objects go to both stores.
  const auto text = Text("text/eset-malware-ioc-reports/turla.README.adoc");
  formats::csv::FeedImportOptions later;
  later.fallback_time = T("2026-11-22T00:00:00Z");
  auto ipsum_later = formats::csv::ImportFeed(
      testing::ReadFile(testing::DataPath("feeds/stamparm-ipsum/levels_8.txt")),
      *formats::csv::FindFeedPreset("ipsum"), later);
  ASSERT_TRUE(ipsum_later);
  const std::vector<std::pair<std::string, std::vector<model::StixObject>>> batches = {
      {"plain:turla_samples.sha1", Feed("feeds/eset-hash-lists/turla_samples.sha1", "plain")},
      {"text:turla.README.adoc", text},
      {"text:turla.README.adoc", text},
      {"stamparm-ipsum", Feed("feeds/stamparm-ipsum/levels_8.txt", "ipsum")},
      {"stamparm-ipsum", ipsum_later->objects},
      {"stamparm-ipsum", ipsum_later->objects},  // now against two versions of each
  };
  for (const auto& [source, batch] : batches) {
    options_.source = source;
    auto batched = CurateBatch(batch, *store_, options_);
    const size_t scans_before = reference.scans;
    auto one_by_one = CurateBatch(batch, reference, options_);
    ASSERT_TRUE(batched && one_by_one);
    EXPECT_GT(reference.scans, scans_before);
    ASSERT_EQ(batched->objects.size(), one_by_one->objects.size()) << source;
    for (size_t i = 0; i < batched->objects.size(); ++i) {
      EXPECT_EQ(batched->objects[i].canonical_json, one_by_one->objects[i].canonical_json);
    }
    EXPECT_EQ(batched->report.consolidated, one_by_one->report.consolidated);
    EXPECT_EQ(batched->report.new_versions, one_by_one->report.new_versions);
    EXPECT_EQ(batched->report.unchanged, one_by_one->report.unchanged);
    EXPECT_EQ(batched->report.merged, one_by_one->report.merged);
    ASSERT_TRUE(store_->Ingest(batched->objects));
    ASSERT_TRUE(reference.Ingest(one_by_one->objects));
  }
}

// IsSingleComparisonPattern recognises the importers' `[type:path = 'value']` without the parser;
// on everything else it must agree with the parser's answer.
bool ParserSaysSingleComparison(std::string_view pattern) {
  auto parsed = model::ParsePattern(pattern);
  if (!parsed) return false;
  const auto& root = parsed->observation_nodes[parsed->root];
  if (root.kind != model::PatternObservationNode::Kind::kLeaf || parsed->comparisons.size() != 1) {
    return false;
  }
  const auto& c = parsed->comparisons.front();
  return c.op == model::PatternOperator::kEqual && !c.negated && c.values.size() == 1;
}

TEST_F(ConsolidateTest, PatternShortcutAgreesWithTheParser) {
  std::vector<std::string> patterns = {
      "[ipv4-addr:value = '1.2.3.4']",
      "[ipv4-addr:value='1.2.3.4']",
      "[ipv4-addr:value   =   '1.2.3.4']",
      "[file:hashes.'SHA-256' = 'aa']",
      "[file:hashes.md5 = 'd41d8cd98f00b204e9800998ecf8427e']",
      "[url:value = 'http://x.example/?q=\\'a']",
      "[url:value = 'C:\\\\temp']",
      "[x-acme-widget:some_prop.sub_prop = '']",
      "[ipv4-addr:value = '1.2.3.4'] ",
      "[ipv4-addr:value = '1.2.3.4' ]",
      "[ipv4-addr:value = '1.2.3.4']]",
      "[ipv4-addr:value = '1.2.3.4' OR ipv4-addr:value = '5.6.7.8']",
      "[ipv4-addr:value = '1.2.3.4'] AND [ipv4-addr:value = '5.6.7.8']",
      "[ipv4-addr:value = '1.2.3.4'] WITHIN 5 SECONDS",
      "[ipv4-addr:value = t'2020-01-01T00:00:00Z']",
      "[ipv4-addr:value = 5]",
      "[ipv4-addr:value LIKE '1.2.%']",
      "[-bad:value = 'x']",
      "[bad-:value = 'x']",
      "[Ipv4-addr:value = 'x']",
      "[ipv4-addr:Value = 'x']",
      "[ipv4-addr:1value = 'x']",
      "[ipv4-addr:value. = 'x']",
      "[ipv4-addr:value = 'x",
      "[domain-name:value = 'bücher.example']",
      "",
      "[",
  };
  for (const char* file : {"feeds/stamparm-ipsum/levels_8.txt"}) {
    for (const auto& o : Feed(file, "ipsum")) {
      auto f = detail::ReadIndicatorFields(o.canonical_json);
      if (f && !f->pattern.empty()) patterns.push_back(f->pattern);
    }
  }
  for (const auto& o : Text("text/eset-malware-ioc-reports/turla.README.adoc")) {
    auto f = detail::ReadIndicatorFields(o.canonical_json);
    if (f && !f->pattern.empty()) patterns.push_back(f->pattern);
  }
  ASSERT_GT(patterns.size(), 100u);
  for (const auto& p : patterns) {
    EXPECT_EQ(IsSingleComparisonPattern(p), ParserSaysSingleComparison(p)) << p;
  }
}

// The splice that adds the socmesh extension to an object's canonical text without re-parsing.
TEST(ObjectJsonTest, InsertCanonicalPropertyKeepsJcsOrder) {
  const std::string value = R"({"k":[1,"]"]})";
  for (const std::string json : {
           R"({})",
           R"({"a":1,"z":2})",
           R"({"z":{"y":"}"}})",
           R"({"a":{"x":"}"},"b":[1,"]",{"c":"\""}]})",
           R"({"e\"x":1,"ex":2,"extension":3,"extensions_more":4,"f":5})",
           R"({"e\\x":1,"é":2})",
           R"({"a":"\u0001","extensiona":true})",
       }) {
    auto inserted = detail::InsertCanonicalProperty(json, "extensions", value);
    ASSERT_TRUE(inserted.has_value()) << json;
    // The reference: JCS re-sorts a property put anywhere.
    auto reference =
        model::CanonicalizeJson(json == "{}" ? "{\"extensions\":" + value + "}"
                                             : "{\"extensions\":" + value + "," + json.substr(1));
    ASSERT_TRUE(reference) << reference.error().message;
    EXPECT_EQ(*inserted, *reference) << json;
  }
  EXPECT_FALSE(detail::InsertCanonicalProperty(R"({"extensions":{}})", "extensions", value));
  EXPECT_FALSE(detail::InsertCanonicalProperty(R"({"a":1})", "Extensions", value));
  EXPECT_FALSE(detail::InsertCanonicalProperty(R"([1])", "extensions", value));
  EXPECT_FALSE(detail::InsertCanonicalProperty(R"({"a":1)", "extensions", value));
  EXPECT_FALSE(detail::InsertCanonicalProperty(R"({"a":"1})", "extensions", value));
}

}  // namespace
}  // namespace socmesh::curate
