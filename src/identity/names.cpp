#include "identity/names.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <ctime>

namespace socmesh::identity {
namespace {

// ISO 3166-1 alpha-2, officially assigned codes, as in Debian's iso-codes 4.15
// (/usr/share/iso-codes/json/iso_3166-1.json; tests/identity/names_test.cpp compares the two).
// Compiled in rather than read at run time: a node must not depend on a data package to decide
// who it lets in. Exceptionally reserved codes such as EU and UK are not countries of a CA.
constexpr std::array<std::string_view, 249> kCountries = {
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW"};

constexpr size_t kMaxNameBytes = 64;

bool AsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Length of the UTF-8 sequence starting at s[i], or 0 when it is not valid (overlong forms,
// surrogates and code points beyond U+10FFFF included).
size_t Utf8Length(std::string_view s, size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) return 1;
  size_t n = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 ? 2 : 0;
  if (n == 0 || b > 0xF4 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  const auto b1 = static_cast<unsigned char>(s[i + 1]);
  if (b == 0xE0 && b1 < 0xA0) return 0;   // overlong
  if (b == 0xED && b1 >= 0xA0) return 0;  // UTF-16 surrogates
  if (b == 0xF0 && b1 < 0x90) return 0;   // overlong
  if (b == 0xF4 && b1 >= 0x90) return 0;  // beyond U+10FFFF
  return n;
}

Result<void> ValidateToken(std::string_view field, std::string_view name, std::string_view extra) {
  if (name.empty() || name.size() > kMaxNameBytes) {
    return Fail(
        ErrorCode::kInvalidArgument,
        std::string(field) + ": expected 1 to 64 characters, got " + std::to_string(name.size()));
  }
  if (!AsciiAlnum(name.front())) {
    return Fail(ErrorCode::kInvalidArgument,
                std::string(field) + ": must start with a letter or digit");
  }
  for (size_t i = 0; i < name.size(); ++i) {
    if (!AsciiAlnum(name[i]) && extra.find(name[i]) == std::string_view::npos) {
      return Fail(ErrorCode::kInvalidArgument,
                  std::string(field) + ": character " + std::to_string(i + 1) +
                      " is not allowed (letters, digits and " + std::string(extra) + ")");
    }
  }
  return {};
}

}  // namespace

Result<void> ValidateOrganisationName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes) {
    return Fail(ErrorCode::kInvalidArgument,
                "organisation: expected 1 to 64 bytes (the certificate's O), got " +
                    std::to_string(name.size()));
  }
  if (name.front() == ' ' || name.back() == ' ') {
    return Fail(ErrorCode::kInvalidArgument, "organisation: leading or trailing space");
  }
  for (size_t i = 0; i < name.size();) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c < 0x20 || c == 0x7F) {
      return Fail(ErrorCode::kInvalidArgument,
                  "organisation: control character at byte " + std::to_string(i + 1));
    }
    const size_t n = Utf8Length(name, i);
    if (n == 0) {
      return Fail(ErrorCode::kInvalidArgument,
                  "organisation: invalid UTF-8 at byte " + std::to_string(i + 1));
    }
    i += n;
  }
  return {};
}

Result<void> ValidateUserName(std::string_view name) {
  return ValidateToken("user", name, "._@+-");
}

Result<void> ValidateGroupName(std::string_view name) {
  return ValidateToken("sharing group", name, "._:-");
}

Result<void> ValidateCountry(std::string_view country) {
  if (std::ranges::binary_search(kCountries, country)) return {};
  std::string shown;
  for (char c : country.substr(0, 8)) shown += (c >= 0x20 && c < 0x7F) ? c : '?';
  return Fail(ErrorCode::kInvalidArgument,
              "country: \"" + shown +
                  "\" is not an ISO 3166-1 alpha-2 code (two upper-case letters, e.g. FR)");
}

std::span<const std::string_view> CountryCodes() { return kCountries; }

Result<void> ValidateLifetime(std::chrono::seconds lifetime) {
  if (lifetime < std::chrono::minutes(1) || lifetime > kMaxTokenLifetime) {
    return Fail(ErrorCode::kInvalidArgument,
                "expires_in: a token lives between 60 seconds and 400 days, got " +
                    std::to_string(lifetime.count()) + " s");
  }
  return {};
}

Result<std::chrono::seconds> ParseLifetime(std::string_view text) {
  int64_t unit = 1;
  std::string_view digits = text;
  if (!text.empty()) {
    switch (text.back()) {
      case 'd':
        unit = 86400;
        break;
      case 'h':
        unit = 3600;
        break;
      case 'm':
        unit = 60;
        break;
      case 's':
        unit = 1;
        break;
      default:
        unit = 0;
    }
    if (unit != 0) digits.remove_suffix(1);
    if (unit == 0) unit = 1;
  }
  int64_t n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || n <= 0 ||
      n > kMaxTokenLifetime.count()) {
    return Fail(ErrorCode::kInvalidArgument,
                "lifetime \"" + std::string(text.substr(0, 32)) +
                    "\": expected a number with d, h, m or s (e.g. 90d)");
  }
  std::chrono::seconds lifetime(n * unit);
  if (auto ok = ValidateLifetime(lifetime); !ok) return std::unexpected(ok.error());
  return lifetime;
}

std::string FormatUtc(std::chrono::sys_seconds t) {
  const std::time_t raw = t.time_since_epoch().count();
  std::tm tm{};
  gmtime_r(&raw, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace socmesh::identity
