// Traffic Light Protocol markings: TLP 2.0 (FIRST, 2022) and the STIX 2.1 TLP 1.0 marking ids.
#pragma once

#include <optional>
#include <string_view>

namespace socmesh::model {

// Ordered from least to most restrictive, so that std::max gives the strictest of two markings.
enum class Tlp {
  kClear = 0,  // TLP 1.0 WHITE maps here
  kGreen = 1,
  kAmber = 2,
  kAmberStrict = 3,
  kRed = 4,
};

// "CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED".
std::string_view TlpName(Tlp tlp);

// Parses "clear", "TLP:CLEAR", "white", "amber+strict" … (case-insensitive). nullopt if unknown.
std::optional<Tlp> ParseTlpName(std::string_view name);

// The marking-definition id of the TLP 2.0 marking for `tlp` (OASIS TLP 2.0 extension, 2022-10-01).
std::string_view Tlp2MarkingId(Tlp tlp);

// Maps a predefined TLP marking-definition id (TLP 2.0, or the STIX 2.1 TLP 1.0 ids) to its level;
// nullopt for any other id.
std::optional<Tlp> TlpFromMarkingId(std::string_view marking_definition_id);

// The extension-definition id of the OASIS TLP 2.0 marking extension.
inline constexpr std::string_view kTlp2ExtensionId =
    "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

}  // namespace socmesh::model
