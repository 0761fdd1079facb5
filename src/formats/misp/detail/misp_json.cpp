#include "formats/misp/detail/misp_json.hpp"

#include <charconv>
#include <ctime>

namespace socmesh::formats::misp::detail {
namespace {

bool ReadInt(std::string_view text, int64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  // Howard Hinnant's algorithm: days since 1970-01-01 in the proleptic Gregorian calendar.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

std::string_view String(simdjson::dom::object o, std::string_view key) {
  std::string_view s;
  if (o[key].get(s) != simdjson::SUCCESS) return {};
  return s;
}

std::vector<std::string_view> Strings(simdjson::dom::object o, std::string_view key) {
  std::vector<std::string_view> out;
  simdjson::dom::element e;
  if (o[key].get(e) != simdjson::SUCCESS) return out;
  std::string_view s;
  if (e.get(s) == simdjson::SUCCESS) {
    out.push_back(s);
    return out;
  }
  simdjson::dom::array a;
  if (e.get(a) != simdjson::SUCCESS) return out;
  for (auto item : a) {
    if (item.get(s) == simdjson::SUCCESS && !s.empty()) out.push_back(s);
  }
  return out;
}

bool Flag(simdjson::dom::object o, std::string_view key) {
  simdjson::dom::element e;
  if (o[key].get(e) != simdjson::SUCCESS) return false;
  bool b = false;
  if (e.get(b) == simdjson::SUCCESS) return b;
  int64_t i = 0;
  if (e.get(i) == simdjson::SUCCESS) return i != 0;
  std::string_view s;
  if (e.get(s) == simdjson::SUCCESS) return s == "1" || s == "true" || s == "True";
  return false;
}

std::optional<int64_t> Epoch(simdjson::dom::object o, std::string_view key) {
  simdjson::dom::element e;
  if (o[key].get(e) != simdjson::SUCCESS) return std::nullopt;
  int64_t i = 0;
  if (e.get(i) == simdjson::SUCCESS) return i;
  std::string_view s;
  if (e.get(s) == simdjson::SUCCESS && ReadInt(s, i)) return i;
  return std::nullopt;
}

std::optional<int64_t> ParseMispDateTime(std::string_view t) {
  auto num = [&](size_t pos, size_t len, int64_t& out) {
    return pos + len <= t.size() && ReadInt(t.substr(pos, len), out);
  };
  int64_t y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (!num(0, 4, y) || t.size() < 10 || t[4] != '-' || t[7] != '-' || !num(5, 2, mo) ||
      !num(8, 2, d) || mo < 1 || mo > 12 || d < 1 || d > 31) {
    return std::nullopt;
  }
  size_t pos = 10;
  if (t.size() > pos && (t[pos] == 'T' || t[pos] == ' ')) {
    if (!num(pos + 1, 2, h) || !num(pos + 4, 2, mi) || !num(pos + 7, 2, s) || h > 23 || mi > 59 ||
        s > 60) {
      return std::nullopt;
    }
    pos += 9;
    if (pos < t.size() && t[pos] == '.') {
      ++pos;
      while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') ++pos;
    }
  }
  int64_t offset = 0;
  if (pos < t.size()) {
    std::string_view zone = t.substr(pos);
    int64_t oh = 0, om = 0;
    if (zone == "Z") {
    } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':' &&
               ReadInt(zone.substr(1, 2), oh) && ReadInt(zone.substr(4, 2), om)) {
      offset = (oh * 3600 + om * 60) * (zone[0] == '-' ? -1 : 1);
    } else {
      return std::nullopt;
    }
  }
  return DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 +
         mi * 60 + s - offset;
}

const model::Uuid& MispNamespace() {
  static const model::Uuid ns = model::UuidV5(model::kStixScoNamespace, "socmesh:formats/misp");
  return ns;
}

namespace {

// What model::ParseIdentifier accepts as the UUID of an id, for a lower-cased UUID: 8-4-4-4-12
// hex digits, version 1-5, RFC 4122 variant. Checked in place: this runs for every MISP record.
bool IsRfc4122Uuid(std::string_view u) {
  if (u.size() != 36) return false;
  for (size_t i = 0; i < u.size(); ++i) {
    const char c = u[i];
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    const bool ok = dash ? c == '-' : (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    if (!ok) return false;
  }
  const char version = u[14];
  const char variant = u[19];
  return version >= '1' && version <= '5' &&
         (variant == '8' || variant == '9' || variant == 'a' || variant == 'b');
}

}  // namespace

std::string StixUuid(std::string_view misp_uuid, std::string_view fallback_name) {
  if (misp_uuid.size() == 36) {
    std::string lower(misp_uuid);
    for (char& c : lower) {
      if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    }
    if (IsRfc4122Uuid(lower)) return lower;
  }
  return model::FormatUuid(
      model::UuidV5(MispNamespace(), misp_uuid.empty() ? fallback_name : misp_uuid));
}

}  // namespace socmesh::formats::misp::detail
