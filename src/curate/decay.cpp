#include "curate/decay.hpp"

#include <toml++/toml.h>

#include <cmath>
#include <sstream>

namespace socmesh::curate {

using model::ObservableKind;

DecayPolicy DecayPolicy::Defaults() {
  DecayPolicy p;
  const int64_t d = kMicrosPerDay;
  p.half_life_micros = {
      {ObservableKind::kIpv4, 14 * d},   {ObservableKind::kIpv6, 14 * d},
      {ObservableKind::kUrl, 30 * d},    {ObservableKind::kDomain, 60 * d},
      {ObservableKind::kEmail, 90 * d},  {ObservableKind::kAsn, 180 * d},
      {ObservableKind::kMd5, 0},         {ObservableKind::kSha1, 0},
      {ObservableKind::kSha256, 0},      {ObservableKind::kSha512, 0},
      {ObservableKind::kSha3_256, 0},    {ObservableKind::kSha3_512, 0},
      {ObservableKind::kSsdeep, 0},      {ObservableKind::kTlsh, 0},
      {ObservableKind::kFileName, 0},    {ObservableKind::kMutex, 0},
      {ObservableKind::kRegistryKey, 0},
  };
  return p;
}

int64_t DecayPolicy::HalfLife(std::optional<ObservableKind> kind) const {
  if (kind) {
    if (auto it = half_life_micros.find(*kind); it != half_life_micros.end()) return it->second;
  }
  return default_half_life_micros;
}

double DecayScore(double base, model::Timestamp last_seen, model::Timestamp now,
                  int64_t half_life_micros) {
  if (half_life_micros <= 0) return base;
  const double age = static_cast<double>(std::max<int64_t>(0, now.micros - last_seen.micros));
  return base * std::exp2(-age / static_cast<double>(half_life_micros));
}

Result<int64_t> ParseDuration(std::string_view text) {
  if (text == "0") return 0;
  auto bad = [&] {
    return Fail(ErrorCode::kInvalidArgument,
                "\"" + std::string(text) + "\" is not a duration (e.g. 14d, 12h, 90m, 30s, 2w)");
  };
  if (text.size() < 2 || text.size() > 12) return bad();
  int64_t number = 0;
  for (char c : text.substr(0, text.size() - 1)) {
    if (c < '0' || c > '9') return bad();
    number = number * 10 + (c - '0');
  }
  const int64_t s = 1'000'000;
  switch (text.back()) {
    case 's':
      return number * s;
    case 'm':
      return number * 60 * s;
    case 'h':
      return number * 3600 * s;
    case 'd':
      return number * kMicrosPerDay;
    case 'w':
      return number * 7 * kMicrosPerDay;
    default:
      return bad();
  }
}

Result<DecayPolicy> LoadDecayPolicy(const std::string& path) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::ostringstream where;
    where << e.source().begin;
    return Fail(ErrorCode::kParse,
                path + ": " + std::string(e.description()) + " at " + where.str());
  }
  DecayPolicy p = DecayPolicy::Defaults();
  auto duration = [&](std::string_view key, const toml::node& node) -> Result<int64_t> {
    const auto* s = node.as_string();
    if (s == nullptr) {
      return Fail(ErrorCode::kInvalidArgument, path + ": " + std::string(key) + ": not a string");
    }
    auto d = ParseDuration(s->get());
    if (!d)
      return Fail(ErrorCode::kInvalidArgument,
                  path + ": " + std::string(key) + ": " + d.error().message);
    return d;
  };
  for (const auto& [key, node] : table) {
    if (key == "expire_below") {
      auto v = node.value<double>();
      if (!v || *v < 0 || *v > 100) {
        return Fail(ErrorCode::kInvalidArgument, path + ": expire_below: not a number 0..100");
      }
      p.expire_below = *v;
    } else if (key == "default_confidence") {
      auto v = node.value<int64_t>();
      if (!v || *v < 0 || *v > 100) {
        return Fail(ErrorCode::kInvalidArgument,
                    path + ": default_confidence: not an integer 0..100");
      }
      p.default_confidence = static_cast<int>(*v);
    } else if (key == "default_half_life") {
      auto d = duration(key.str(), node);
      if (!d) return std::unexpected(d.error());
      p.default_half_life_micros = *d;
    } else if (key == "revoke_after") {
      auto d = duration(key.str(), node);
      if (!d) return std::unexpected(d.error());
      p.revoke_after_micros = *d;
    } else if (key == "half_life") {
      const auto* kinds = node.as_table();
      if (kinds == nullptr) {
        return Fail(ErrorCode::kInvalidArgument, path + ": half_life: not a table");
      }
      for (const auto& [kind_name, value] : *kinds) {
        auto kind = model::ParseObservableKindName(kind_name.str());
        if (!kind) {
          return Fail(
              ErrorCode::kInvalidArgument,
              path + ": half_life." + std::string(kind_name.str()) + ": unknown observable kind");
        }
        auto d = duration("half_life." + std::string(kind_name.str()), value);
        if (!d) return std::unexpected(d.error());
        p.half_life_micros[*kind] = *d;
      }
    } else {
      return Fail(ErrorCode::kInvalidArgument, path + ": unknown key " + std::string(key.str()));
    }
  }
  return p;
}

}  // namespace socmesh::curate
