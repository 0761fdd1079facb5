// Building the STIX JSON of feed indicators and of the feed identity (internal to formats/csv).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "formats/csv/feed_config.hpp"
#include "model/observable.hpp"
#include "model/timestamp.hpp"
#include "model/tlp.hpp"

namespace socmesh::formats::csv::detail {

// What one row says about one observable.
struct IndicatorFields {
  model::Observable observable;
  model::Timestamp created;   // = valid_from
  model::Timestamp modified;  // >= created
  std::vector<std::string> labels;
  std::optional<int> confidence;
  std::string description;
  std::string reference_url;
  std::string external_id;
  std::optional<model::Tlp> tlp;
};

std::string IndicatorJson(const FeedConfig& config, const std::string& identity_id,
                          const std::string& id, const IndicatorFields& fields);

std::string IdentityJson(const FeedConfig& config, const std::string& identity_id);

}  // namespace socmesh::formats::csv::detail
