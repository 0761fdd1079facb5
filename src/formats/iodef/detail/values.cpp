#include "formats/iodef/detail/values.hpp"

#include <openssl/evp.h>

#include <cctype>
#include <cstdint>
#include <vector>

namespace socmesh::formats::iodef::detail {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out;
  for (char c : s) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

bool IsHex(std::string_view s) {
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return !s.empty();
}

size_t DigestHexLength(std::string_view stix_name) {
  if (stix_name == "MD5") return 32;
  if (stix_name == "SHA-1") return 40;
  if (stix_name == "SHA-224") return 56;
  if (stix_name == "SHA-256" || stix_name == "SHA3-256") return 64;
  if (stix_name == "SHA-384") return 96;
  if (stix_name == "SHA-512" || stix_name == "SHA3-512") return 128;
  return 0;
}

struct DigestUri {
  std::string_view fragment;
  std::string_view stix;
  std::string_view uri;
};
// The URIs of XML-DSig (sha1), XML-Enc (sha256, sha512) and RFC 6931 (the rest).
constexpr DigestUri kDigestUris[] = {
    {"md5", "MD5", "http://www.w3.org/2001/04/xmldsig-more#md5"},
    {"sha1", "SHA-1", "http://www.w3.org/2000/09/xmldsig#sha1"},
    {"sha224", "SHA-224", "http://www.w3.org/2001/04/xmldsig-more#sha224"},
    {"sha256", "SHA-256", "http://www.w3.org/2001/04/xmlenc#sha256"},
    {"sha384", "SHA-384", "http://www.w3.org/2001/04/xmldsig-more#sha384"},
    {"sha512", "SHA-512", "http://www.w3.org/2001/04/xmlenc#sha512"},
    {"sha3-256", "SHA3-256", "http://www.w3.org/2007/05/xmldsig-more#sha3-256"},
    {"sha3-512", "SHA3-512", "http://www.w3.org/2007/05/xmldsig-more#sha3-512"},
};

std::optional<std::vector<uint8_t>> Base64Decode(std::string_view text) {
  std::string compact;
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) compact.push_back(c);
  }
  if (compact.empty() || compact.size() % 4 != 0) return std::nullopt;
  std::vector<uint8_t> out(compact.size() / 4 * 3);
  int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(compact.data()),
                          static_cast<int>(compact.size()));
  if (n < 0) return std::nullopt;
  size_t pad = 0;
  if (compact.ends_with("==")) {
    pad = 2;
  } else if (compact.ends_with("=")) {
    pad = 1;
  }
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

}  // namespace

Result<model::Timestamp> ParseXsDateTime(std::string_view text, bool* had_zone) {
  std::string_view s = Trim(text);
  auto bad = [&] {
    return Fail(ErrorCode::kInvalidArgument,
                "\"" + std::string(s.substr(0, 40)) + "\" is not an xs:dateTime");
  };
  if (s.size() < 19) return bad();
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
  }
  std::string utc(s.substr(0, pos));
  std::string_view zone = s.substr(pos);
  int64_t offset_minutes = 0;
  if (had_zone != nullptr) *had_zone = !zone.empty();
  if (zone == "Z" || zone.empty()) {
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':' &&
             std::isdigit(static_cast<unsigned char>(zone[1])) &&
             std::isdigit(static_cast<unsigned char>(zone[2])) &&
             std::isdigit(static_cast<unsigned char>(zone[4])) &&
             std::isdigit(static_cast<unsigned char>(zone[5]))) {
    int hours = (zone[1] - '0') * 10 + (zone[2] - '0');
    int minutes = (zone[4] - '0') * 10 + (zone[5] - '0');
    if (hours > 14 || minutes > 59) return bad();
    offset_minutes = (zone[0] == '-' ? -1 : 1) * (hours * 60 + minutes);
  } else {
    return bad();
  }
  utc.push_back('Z');
  auto local = model::ParseTimestamp(utc);
  if (!local) return bad();
  // Local time = UTC + offset, so UTC = local - offset.
  return model::Timestamp{local->micros - offset_minutes * 60 * 1'000'000};
}

std::optional<std::string> HashNameForDigestUri(std::string_view uri) {
  auto hash = uri.rfind('#');
  if (hash == std::string_view::npos) return std::nullopt;
  std::string fragment = Lower(Trim(uri.substr(hash + 1)));
  for (const auto& d : kDigestUris) {
    if (d.fragment == fragment) return std::string(d.stix);
  }
  return std::nullopt;
}

std::string DigestUriForHashName(std::string_view stix_name) {
  for (const auto& d : kDigestUris) {
    if (d.stix == stix_name) return std::string(d.uri);
  }
  return "";
}

std::optional<std::string> DigestToHex(std::string_view digest_value, std::string_view stix_name) {
  size_t want = DigestHexLength(stix_name);
  if (want == 0) return std::nullopt;
  std::string compact;
  for (char c : digest_value) {
    if (!std::isspace(static_cast<unsigned char>(c))) compact.push_back(c);
  }
  auto hex_text = [&](std::string_view s) -> std::optional<std::string> {
    if (s.starts_with("0x") || s.starts_with("0X")) s.remove_prefix(2);
    if (s.size() == want && IsHex(s)) return Lower(s);
    return std::nullopt;
  };
  if (auto hex = hex_text(compact)) return hex;
  auto bytes = Base64Decode(compact);
  if (!bytes) return std::nullopt;
  if (bytes->size() * 2 == want) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (uint8_t b : *bytes) {
      out.push_back(kDigits[b >> 4]);
      out.push_back(kDigits[b & 15]);
    }
    return out;
  }
  return hex_text(std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
}

std::string HexToBase64(std::string_view hex) {
  if (hex.size() % 2 != 0 || !IsHex(hex)) return "";
  std::vector<uint8_t> bytes;
  for (size_t i = 0; i < hex.size(); i += 2) {
    bytes.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<model::Tlp> TlpForRestriction(std::string_view restriction,
                                            std::string_view ext_restriction, bool* known) {
  std::string r = Lower(Trim(restriction));
  if (r == "ext-value") r = Lower(Trim(ext_restriction));
  if (r.starts_with("tlp:")) r.erase(0, 4);
  if (r == "amber-strict") r = "amber+strict";
  *known = true;
  if (r.empty() || r == "default") return std::nullopt;
  if (r == "public") return model::Tlp::kClear;
  if (r == "partner") return model::Tlp::kGreen;
  if (r == "need-to-know") return model::Tlp::kAmberStrict;
  if (r == "private") return model::Tlp::kRed;
  if (auto tlp = model::ParseTlpName(r)) return tlp;
  *known = false;
  return std::nullopt;
}

std::pair<std::string, std::string> RestrictionForTlp(model::Tlp tlp) {
  switch (tlp) {
    case model::Tlp::kClear:
      return {"white", ""};
    case model::Tlp::kGreen:
      return {"green", ""};
    case model::Tlp::kAmber:
      return {"amber", ""};
    case model::Tlp::kAmberStrict:
      // The schema's own value for "within the organisation, need to know"; receivers that know
      // no TLP 2.0 still honour it.
      return {"need-to-know", ""};
    case model::Tlp::kRed:
      return {"red", ""};
  }
  return {"default", ""};
}

}  // namespace socmesh::formats::iodef::detail
