#include "model/tlp.hpp"

#include <gtest/gtest.h>

namespace socmesh::model {
namespace {

TEST(Tlp, OrderGoesFromClearToRed) {
  EXPECT_LT(Tlp::kClear, Tlp::kGreen);
  EXPECT_LT(Tlp::kGreen, Tlp::kAmber);
  EXPECT_LT(Tlp::kAmber, Tlp::kAmberStrict);
  EXPECT_LT(Tlp::kAmberStrict, Tlp::kRed);
}

TEST(Tlp, MapsTlp2MarkingIdsBothWays) {
  for (Tlp t : {Tlp::kClear, Tlp::kGreen, Tlp::kAmber, Tlp::kAmberStrict, Tlp::kRed}) {
    auto back = TlpFromMarkingId(Tlp2MarkingId(t));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, t);
  }
  EXPECT_EQ(Tlp2MarkingId(Tlp::kAmberStrict),
            "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003");
}

TEST(Tlp, MapsStix21Tlp1IdsWithWhiteAsClear) {
  EXPECT_EQ(TlpFromMarkingId("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"),
            Tlp::kClear);
  EXPECT_EQ(TlpFromMarkingId("marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"),
            Tlp::kGreen);
  EXPECT_EQ(TlpFromMarkingId("marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"),
            Tlp::kAmber);
  EXPECT_EQ(TlpFromMarkingId("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"),
            Tlp::kRed);
  EXPECT_FALSE(TlpFromMarkingId("marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41db"));
}

TEST(Tlp, ParsesNamesCaseInsensitively) {
  EXPECT_EQ(ParseTlpName("TLP:AMBER+STRICT"), Tlp::kAmberStrict);
  EXPECT_EQ(ParseTlpName("white"), Tlp::kClear);
  EXPECT_EQ(ParseTlpName("Red"), Tlp::kRed);
  EXPECT_FALSE(ParseTlpName("orange").has_value());
  EXPECT_EQ(TlpName(Tlp::kAmberStrict), "AMBER+STRICT");
}

}  // namespace
}  // namespace socmesh::model
