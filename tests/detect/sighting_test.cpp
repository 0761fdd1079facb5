// Aggregated STIX sightings from matches (B2c output; issue 7 item 5).
#include "detect/sighting.hpp"

#include <gtest/gtest.h>

#include "model/socmesh_extension.hpp"

namespace socmesh::detect {
namespace {

using model::ObservableKind;

constexpr int64_t kSecond = 1'000'000;
const model::Timestamp kT0{1'800'000'000 * kSecond};  // an interval boundary for 300 s

model::Timestamp At(int64_t seconds) { return {kT0.micros + seconds * kSecond}; }

constexpr std::string_view kIndicator = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";

SightingContext Context() {
  return {"identity--1f2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "CERT-FR", "FR"};
}

TEST(SightingAggregator, OneRecordPerIndicatorObservableAndInterval) {
  SightingAggregator agg(300);
  agg.Record(kIndicator, ObservableKind::kIpv4, "198.51.100.7", At(10));
  agg.Record(kIndicator, ObservableKind::kIpv4, "198.51.100.7", At(250));
  agg.Record(kIndicator, ObservableKind::kIpv4, "198.51.100.7", At(5));    // late, same interval
  agg.Record(kIndicator, ObservableKind::kIpv4, "198.51.100.8", At(20));   // other value
  agg.Record(kIndicator, ObservableKind::kIpv4, "198.51.100.7", At(301));  // next interval
  EXPECT_EQ(agg.open(), 3u);
  auto closed = agg.Take(At(299));
  EXPECT_TRUE(closed.empty());  // the first interval ends at 300
  closed = agg.Take(At(300));
  ASSERT_EQ(closed.size(), 2u);
  const SightingRecord& r = closed[0].observable.value == "198.51.100.7" ? closed[0] : closed[1];
  EXPECT_EQ(r.count, 3u);
  EXPECT_EQ(r.first_seen, At(5));
  EXPECT_EQ(r.last_seen, At(250));
  EXPECT_EQ(r.interval_start, kT0);
  EXPECT_EQ(agg.open(), 1u);
  EXPECT_EQ(agg.Take(At(0), /*all=*/true).size(), 1u);
  EXPECT_EQ(agg.open(), 0u);
}

TEST(SightingAggregator, MemoryIsBounded) {
  SightingAggregator agg(300, 2);
  EXPECT_TRUE(agg.Record(kIndicator, ObservableKind::kIpv4, "192.0.2.1", At(1)));
  EXPECT_TRUE(agg.Record(kIndicator, ObservableKind::kIpv4, "192.0.2.2", At(1)));
  EXPECT_FALSE(agg.Record(kIndicator, ObservableKind::kIpv4, "192.0.2.3", At(1)));
  EXPECT_TRUE(agg.Record(kIndicator, ObservableKind::kIpv4, "192.0.2.1", At(2)));  // existing key
  EXPECT_EQ(agg.dropped(), 1u);
}

TEST(SightingObjects, ValidStixWithCountsRefsMarkingAndRecipient) {
  SightingRecord r{
      std::string(kIndicator), {ObservableKind::kIpv4, "198.51.100.7"}, kT0, At(5), At(250), 3};
  SightedIndicator ind{model::Tlp::kAmber, "CERT-DE"};
  auto objects = SightingObjects(r, Context(), ind, At(400));
  ASSERT_TRUE(objects.has_value()) << objects.error().message;
  ASSERT_EQ(objects->size(), 3u);  // SCO, observed-data, sighting
  const auto& sco = (*objects)[0];
  const auto& observed = (*objects)[1];
  const auto& sighting = (*objects)[2];
  EXPECT_EQ(sco.type, "ipv4-addr");
  EXPECT_EQ(observed.type, "observed-data");
  EXPECT_EQ(sighting.type, "sighting");
  const std::string& j = sighting.canonical_json;
  EXPECT_NE(j.find(R"("count":3)"), std::string::npos) << j;
  EXPECT_NE(j.find(R"("sighting_of_ref":")" + std::string(kIndicator)), std::string::npos);
  EXPECT_NE(j.find(R"("where_sighted_refs":[")" + Context().identity_id), std::string::npos);
  EXPECT_NE(j.find(R"("observed_data_refs":[")" + observed.id), std::string::npos);
  EXPECT_NE(observed.canonical_json.find(R"("object_refs":[")" + sco.id), std::string::npos);
  EXPECT_NE(observed.canonical_json.find(R"("number_observed":3)"), std::string::npos);
  EXPECT_EQ(sighting.tlp, model::Tlp::kAmber);
  EXPECT_EQ(sighting.created_by_ref, Context().identity_id);
  auto meta = model::ReadSocmeshMetadata(j);
  ASSERT_TRUE(meta.has_value() && meta->has_value());
  EXPECT_EQ((*meta)->origin_organisation, "CERT-FR");
  EXPECT_EQ((*meta)->recipients, std::vector<std::string>{"CERT-DE"});
}

TEST(SightingObjects, IdsAreDeterministicPerKeyAndOrganisation) {
  SightingRecord r{
      std::string(kIndicator), {ObservableKind::kDomain, "evil.example"}, kT0, At(1), At(2), 1};
  auto a = SightingObjects(r, Context(), {}, At(10));
  auto b = SightingObjects(r, Context(), {}, At(20));
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_EQ(a->back().id, b->back().id);
  SightingContext other = Context();
  other.identity_id = "identity--2f2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
  auto c = SightingObjects(r, other, {}, At(10));
  ASSERT_TRUE(c.has_value());
  EXPECT_NE(a->back().id, c->back().id);
  r.interval_start = At(300);
  auto d = SightingObjects(r, Context(), {}, At(10));
  EXPECT_NE(a->back().id, d->back().id);
}

TEST(SightingObjects, EveryMatchableKindHasAValidSco) {
  const std::pair<ObservableKind, std::string> cases[] = {
      {ObservableKind::kIpv6, "2001:db8::1"},
      {ObservableKind::kUrl, "http://evil.example/a"},
      {ObservableKind::kEmail, "a@evil.example"},
      {ObservableKind::kSha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {ObservableKind::kMd5, "d41d8cd98f00b204e9800998ecf8427e"},
      {ObservableKind::kAsn, "64496"},
  };
  for (const auto& [kind, value] : cases) {
    SightingRecord r{std::string(kIndicator), {kind, value}, kT0, At(1), At(2), 1};
    auto objects = SightingObjects(r, Context(), {}, At(10));
    ASSERT_TRUE(objects.has_value()) << value << ": " << objects.error().message;
    EXPECT_EQ(objects->size(), 3u) << value;
  }
  SightingRecord ua{
      std::string(kIndicator), {ObservableKind::kUserAgent, "curl/8"}, kT0, At(1), At(2), 1};
  auto objects = SightingObjects(ua, Context(), {}, At(10));
  ASSERT_TRUE(objects.has_value());
  EXPECT_EQ(objects->size(), 1u);  // no SCO for a user agent: the sighting alone
}

TEST(SightingObjects, NeedsAnIdentity) {
  SightingRecord r{
      std::string(kIndicator), {ObservableKind::kIpv4, "192.0.2.1"}, kT0, At(1), At(2), 1};
  EXPECT_EQ(SightingObjects(r, {}, {}, At(10)).error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace socmesh::detect
