// Which creators are this node's own (consolidate.hpp): the feed identities socmesh's importers
// put in created_by_ref, and the identity that adopts indicators extracted from free text.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.hpp"
#include "model/stix_object.hpp"

namespace socmesh::curate {

// The feed name under which free-text indicators are adopted.
inline constexpr std::string_view kTextImportFeed = "socmesh-text-import";

// created_by_ref id -> feed name, for every CSV feed preset and the text-import identity.
std::unordered_map<std::string, std::string> LocalFeedCreators();

// `batch` with the text-import identity object first and every indicator without created_by_ref
// given that identity: the free-text importer mints indicators with random ids and no creator,
// and only owned indicators may be consolidated.
Result<std::vector<model::StixObject>> AdoptAnonymousIndicators(
    std::span<const model::StixObject> batch);

}  // namespace socmesh::curate
