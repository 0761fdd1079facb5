#include "model/timestamp.hpp"

#include <cstdio>

namespace socmesh::model {

namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `n` decimal digits at `pos`; false when any is not a digit.
bool Digits(std::string_view s, size_t pos, size_t n, unsigned& value) {
  if (pos + n > s.size()) return false;
  value = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    value = value * 10 + static_cast<unsigned>(s[i] - '0');
  }
  return true;
}

std::unexpected<Error> Bad(std::string_view text, std::string_view why) {
  std::string shown(text.substr(0, 64));
  return Fail(ErrorCode::kInvalidStix,
              "timestamp \"" + shown + "\" " + std::string(why) +
                  " (STIX 2.1 requires RFC 3339 UTC: YYYY-MM-DDTHH:mm:ss[.s+]Z)");
}

}  // namespace

Result<Timestamp> ParseTimestamp(std::string_view text, TimestampPrecision precision) {
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (text.size() < 20 || !Digits(text, 0, 4, year) || text[4] != '-' ||
      !Digits(text, 5, 2, month) || text[7] != '-' || !Digits(text, 8, 2, day) || text[10] != 'T' ||
      !Digits(text, 11, 2, hour) || text[13] != ':' || !Digits(text, 14, 2, minute) ||
      text[16] != ':' || !Digits(text, 17, 2, second)) {
    return Bad(text, "is not well-formed");
  }
  if (month < 1 || month > 12) return Bad(text, "has month out of range");
  if (day < 1 || day > DaysInMonth(year, month)) return Bad(text, "has day out of range");
  if (hour > 23 || minute > 59 || second > 60) return Bad(text, "has time of day out of range");

  size_t pos = 19;
  int64_t micros = 0;
  size_t fraction_digits = 0;
  if (text[pos] == '.') {
    ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (fraction_digits < 6) micros = micros * 10 + (text[pos] - '0');
      ++fraction_digits;
      ++pos;
    }
    if (fraction_digits == 0) return Bad(text, "has an empty fraction of a second");
    for (size_t i = fraction_digits; i < 6; ++i) micros *= 10;
  }
  if (pos + 1 != text.size() || text[pos] != 'Z') {
    return Bad(text, "does not end in 'Z' (UTC)");
  }
  if (precision == TimestampPrecision::kMillisecond && fraction_digits < 3) {
    return Bad(text, "is not precise to the millisecond (needs at least 3 fraction digits)");
  }
  const int64_t days = DaysFromCivil(year, month, day);
  const int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second;
  return Timestamp{seconds * kMicrosPerSecond + micros};
}

std::string FormatTimestamp(Timestamp t, bool micro) {
  int64_t seconds = t.micros / kMicrosPerSecond;
  int64_t frac = t.micros % kMicrosPerSecond;
  if (frac < 0) {
    frac += kMicrosPerSecond;
    --seconds;
  }
  int64_t days = seconds / 86400;
  int64_t rem = seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  int64_t y = 0;
  unsigned m = 0, d = 0;
  CivilFromDays(days, y, m, d);
  if (y >= 0 && y <= 9999) {
    // Hot path of every mapper (each SDO carries two or three timestamps): digits by hand, as
    // snprintf below would print them, at a fraction of its cost.
    std::string out(micro ? 27 : 24, '0');
    auto put = [&out](size_t at, int64_t value, size_t width) {
      for (size_t i = width; i-- > 0; value /= 10)
        out[at + i] = static_cast<char>('0' + value % 10);
    };
    put(0, y, 4);
    out[4] = '-';
    put(5, m, 2);
    out[7] = '-';
    put(8, d, 2);
    out[10] = 'T';
    put(11, rem / 3600, 2);
    out[13] = ':';
    put(14, rem / 60 % 60, 2);
    out[16] = ':';
    put(17, rem % 60, 2);
    out[19] = '.';
    if (micro) {
      put(20, frac, 6);
    } else {
      put(20, frac / 1000, 3);
    }
    out.back() = 'Z';
    return out;
  }
  char buf[48];
  if (micro) {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ",
                  static_cast<long long>(y), m, d, static_cast<long long>(rem / 3600),
                  static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60),
                  static_cast<long long>(frac));
  } else {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                  static_cast<long long>(y), m, d, static_cast<long long>(rem / 3600),
                  static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60),
                  static_cast<long long>(frac / 1000));
  }
  return buf;
}

}  // namespace socmesh::model
