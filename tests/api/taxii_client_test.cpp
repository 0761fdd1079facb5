// The TAXII 2.1 client (issue 5 item 3) against socmesh's own server over mTLS: discovery,
// collections, paging that follows `next`, adding objects and polling the status.
#include <gtest/gtest.h>

#include <set>

#include "api/taxii_client.hpp"
#include "api/taxii_fixture.hpp"

namespace socmesh::api {
namespace {

using testing::Indicator;
using testing::kOpenCollection;
using testing::Node;

TEST(TaxiiClientTest, DiscoversAddsPollsAndPagesThroughAllObjects) {
  Node node;
  auto client = TaxiiClient::Create(node.ClientOptionsFor(node.anssi));
  ASSERT_TRUE(client.has_value()) << client.error().message;
  auto d = (*client)->Discover();
  ASSERT_TRUE(d.has_value()) << d.error().message;
  ASSERT_EQ(d->api_roots.size(), 1u);
  EXPECT_EQ(PathOfUrl(d->api_roots[0]), "/api1/");
  auto cols = (*client)->Collections(d->api_roots[0]);
  ASSERT_TRUE(cols.has_value()) << cols.error().message;
  ASSERT_EQ(cols->size(), 3u);
  EXPECT_EQ((*cols)[0].id, kOpenCollection);
  EXPECT_TRUE((*cols)[0].can_write);

  std::string objects = "[";
  for (int i = 0; i < 25; ++i) objects += (i ? "," : "") + Indicator(i);
  objects += R"(,{"type":"indicator","id":"indicator--broken"}])";
  auto status = (*client)->AddObjects("/api1/", kOpenCollection, objects);
  ASSERT_TRUE(status.has_value()) << status.error().message;
  EXPECT_EQ(status->total, 26);
  EXPECT_EQ(status->successes, 25);
  ASSERT_EQ(status->failure_messages.size(), 1u);
  EXPECT_EQ(status->failure_messages[0].first, "indicator--broken");
  auto polled = (*client)->GetStatus("/api1/", status->id);
  ASSERT_TRUE(polled.has_value()) << polled.error().message;
  EXPECT_EQ(polled->status, "complete");
  EXPECT_EQ(polled->successes, 25);

  std::set<std::string> seen;
  TaxiiObjectsQuery q;
  q.page_size = 4;
  auto pages = (*client)->GetObjects("/api1/", kOpenCollection, q, [&](std::string_view o) {
    EXPECT_TRUE(seen.insert(std::string(o)).second) << "repeated: " << o;
    return true;
  });
  ASSERT_TRUE(pages.has_value()) << pages.error().message;
  EXPECT_EQ(*pages, 7u);  // 25 objects, 4 a page
  EXPECT_EQ(seen.size(), 25u);

  // Server errors come back as errors naming the server's reason.
  auto missing = (*client)->GetStatus("/api1/", "00000000-0000-4000-8000-000000000000");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  auto reader = TaxiiClient::Create(node.ClientOptionsFor(node.bsi));
  auto refused = (*reader)->AddObjects("/api1/", kOpenCollection, "[" + Indicator(1) + "]");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kPermission);
}

}  // namespace
}  // namespace socmesh::api
