// Importing CSV and plain-text threat feeds as STIX 2.1 indicators (issue 3, item 3; B2b).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "formats/csv/feed_config.hpp"
#include "model/bundle.hpp"
#include "model/observable.hpp"
#include "model/timestamp.hpp"

namespace socmesh::formats::csv {

struct FeedImportOptions {
  size_t max_bytes = size_t{1} << 30;  // larger input is refused before reading (kTooLarge)
  size_t max_rows = 20'000'000;        // data rows; more is kTooLarge
  bool strict = false;                 // any rejected row empties `objects` (findings still full)
  // created / valid_from of rows without a first-seen time. Unset: the current time. Pass the
  // feed's own date (e.g. its Last-Modified) to make re-imports byte-identical.
  std::optional<model::Timestamp> fallback_time;
};

// Turns a feed into indicators, one per distinct observable value:
//  - pattern: the STIX comparison on the normalised observable ("[ipv4-addr:value = '…']");
//  - id: UUIDv5 of the feed name, kind and value, so importing the feed again (or a newer copy of
//    it) addresses the same indicators;
//  - valid_from = created = the first-seen time (else the fallback), modified = the last-seen time
//    when later; labels, confidence, description, external reference from the mapped columns;
//  - created_by_ref: the feed's identity object, returned first in `objects`;
//  - object_marking_refs: the TLP 2.0 marking of the row or of the feed.
// Every object is checked by model::ParseStixObject. Rows are independent: a bad value rejects
// that indicator, a bad time/port/confidence/TLP cell or a malformed record rejects the row; each
// is an error finding whose `index` is the line number and whose `path` reads "line N, column C
// (name)". The same value seen again is a warning and the first occurrence is kept.
// `input_objects` counts candidate indicators (non-empty value cells) plus malformed records;
// `rejected` how many of those were refused.
// Whole-input errors: kTooLarge, kInvalidArgument (a config without a value column, a named
// column without a header), kParse (a header that lacks a named column; malformed UTF-16).
Result<model::ParsedBundle> ImportFeed(std::string_view data, const FeedConfig& config,
                                       const FeedImportOptions& options = {});

// The identity object id of a feed ("identity--<UUIDv5>").
std::string FeedIdentityId(std::string_view feed_name);

// The indicator id for one observable of a feed ("indicator--<UUIDv5>").
std::string FeedIndicatorId(std::string_view feed_name, const model::Observable& observable);

// The STIX pattern matching exactly `observable` (a normalised value), e.g.
// "[file:hashes.'SHA-256' = 'e3b0…']"; AS numbers compare as integers.
std::string PatternForObservable(const model::Observable& observable);

}  // namespace socmesh::formats::csv
