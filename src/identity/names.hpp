// What the identity registry accepts as names, countries and token lifetimes. Every check returns
// kInvalidArgument with a message that names the field and says what is expected, so the REST API
// can answer 400 with it and the CLI can print it as is.
#pragma once

#include <chrono>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace socmesh::identity {

// An organisation is named exactly as the subject O of its certificates (E19): 1 to 64 bytes of
// valid UTF-8 (X.509 ub-organization-name is 64), no control characters, no leading or trailing
// space.
Result<void> ValidateOrganisationName(std::string_view name);
// A user name: 1 to 64 characters of [A-Za-z0-9._@+-], starting with a letter or digit (plain
// logins and e-mail addresses).
Result<void> ValidateUserName(std::string_view name);
// A sharing-group name: 1 to 64 characters of [A-Za-z0-9._:-], starting with a letter or digit.
Result<void> ValidateGroupName(std::string_view name);
// An officially assigned ISO 3166-1 alpha-2 code in upper case ("FR"), the C of certificates.
Result<void> ValidateCountry(std::string_view country);

// The officially assigned ISO 3166-1 alpha-2 codes (249), sorted.
std::span<const std::string_view> CountryCodes();

// "90d", "12h", "30m", "3600s" or plain seconds ("3600"): a token lifetime between one minute and
// kMaxTokenLifetime.
inline constexpr std::chrono::seconds kMaxTokenLifetime = std::chrono::days(400);
inline constexpr std::chrono::seconds kDefaultTokenLifetime = std::chrono::days(90);
Result<std::chrono::seconds> ParseLifetime(std::string_view text);
Result<void> ValidateLifetime(std::chrono::seconds lifetime);

// RFC 3339 UTC with seconds ("2026-11-18T11:06:40Z").
std::string FormatUtc(std::chrono::sys_seconds t);

}  // namespace socmesh::identity
