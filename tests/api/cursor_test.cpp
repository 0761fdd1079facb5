// The TAXII `next` cursor is opaque and tamper-checked (issue 5 item 3): forged, altered and
// foreign cursors are refused.
#include <gtest/gtest.h>

#include "api/cursor.hpp"

namespace socmesh::api {
namespace {

TEST(CursorTest, RoundTripsAndRefusesTampering) {
  CursorCodec codec;
  std::string c = codec.Encode(42, "api1/col/objects?match[type]=indicator&");
  auto seq = codec.Decode(c, "api1/col/objects?match[type]=indicator&");
  ASSERT_TRUE(seq.has_value()) << seq.error().message;
  EXPECT_EQ(*seq, 42);
  // Another query, another server key, a changed position, garbage.
  EXPECT_FALSE(codec.Decode(c, "api1/col/objects?").has_value());
  EXPECT_FALSE(CursorCodec().Decode(c, "api1/col/objects?match[type]=indicator&").has_value());
  std::string moved = "43" + c.substr(2);
  EXPECT_FALSE(codec.Decode(moved, "api1/col/objects?match[type]=indicator&").has_value());
  for (std::string bad : {"", "-", "x-y", "42", "-1-abc", "42-"}) {
    auto r = codec.Decode(bad, "s");
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace socmesh::api
