#include "events/detail/event_time.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>

namespace socmesh::events::detail {

namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at `pos`.
std::optional<int> Digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  int value = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!IsDigit(s[pos + i])) return std::nullopt;
    value = value * 10 + (s[pos + i] - '0');
  }
  return value;
}

// The two digits at `p` (two readable bytes) as a number, or -1.
int TwoDigits(const char* p) {
  const auto tens = static_cast<unsigned>(p[0] - '0'), ones = static_cast<unsigned>(p[1] - '0');
  return tens <= 9 && ones <= 9 ? static_cast<int>(tens * 10 + ones) : -1;
}

bool IsLeap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[month - 1];
}

// Howard Hinnant's days_from_civil.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::optional<int> MonthFromName(std::string_view s) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (s.size() < 3) return std::nullopt;
  for (size_t i = 0; i < kMonths.size(); ++i) {
    const std::string_view m = kMonths[i];
    // Case-insensitive: some devices write "OCT".
    if ((s[0] | 0x20) == (m[0] | 0x20) && (s[1] | 0x20) == m[1] && (s[2] | 0x20) == m[2]) {
      return static_cast<int>(i) + 1;
    }
  }
  return std::nullopt;
}

// Reads ".ddd…" at `pos` into microseconds (digits beyond six are read and dropped).
size_t ReadFraction(std::string_view s, size_t pos, int64_t& micros, size_t max_digits) {
  micros = 0;
  if (pos >= s.size() || s[pos] != '.') return pos;
  size_t i = pos + 1;
  // The first six digits as a number, scaled once at the end (no division per digit).
  static constexpr std::array<int64_t, 7> kScale = {1'000'000, 100'000, 10'000, 1'000, 100, 10, 1};
  int64_t value = 0;
  size_t digits = 0;
  while (i < s.size() && IsDigit(s[i]) && digits < max_digits) {
    if (digits < 6) value = value * 10 + (s[i] - '0');
    ++digits;
    ++i;
  }
  micros = value * kScale[std::min<size_t>(digits, 6)];
  return i == pos + 1 ? pos : i;  // "." without digits is not a fraction
}

// "hh:mm:ss" at `pos`.
bool ReadClock(std::string_view s, size_t pos, int& hour, int& minute, int& second) {
  auto h = Digits(s, pos, 2), m = Digits(s, pos + 3, 2), sec = Digits(s, pos + 6, 2);
  if (!h || !m || !sec || s[pos + 2] != ':' || s[pos + 5] != ':') return false;
  hour = *h, minute = *m, second = *sec;
  return true;
}

int YearOf(model::Timestamp t) {
  int64_t days = t.micros / kMicrosPerDay;
  if (t.micros % kMicrosPerDay < 0) --days;
  // civil_from_days, year only.
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  return static_cast<int>(static_cast<int64_t>(yoe) + era * 400 + (month <= 2));
}

}  // namespace

std::optional<int64_t> CivilToMicros(int year, int month, int day, int hour, int minute, int second,
                                     int64_t micros) {
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month) || hour > 23 ||
      minute > 59 || second > 60 || hour < 0 || minute < 0 || second < 0) {
    return std::nullopt;
  }
  const int64_t days =
      DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return days * kMicrosPerDay + ((hour * 60 + minute) * 60 + second) * kMicrosPerSecond + micros;
}

std::optional<model::Timestamp> ParseIsoTime(std::string_view s, bool strict, size_t* consumed) {
  // "YYYY-MM-DDThh:mm:ss" at fixed places: read without bounds checks once the size is known
  // (this runs once per JSON event).
  if (s.size() < 19) return std::nullopt;
  const char* p = s.data();
  const int year_hi = TwoDigits(p), year_lo = TwoDigits(p + 2);
  const int month = TwoDigits(p + 5), day = TwoDigits(p + 8);
  if ((year_hi | year_lo | month | day) < 0 || p[4] != '-' || p[7] != '-') return std::nullopt;
  const int year = year_hi * 100 + year_lo;
  if (p[10] != 'T' && (strict || (p[10] != ' ' && p[10] != 't'))) return std::nullopt;
  const int hour = TwoDigits(p + 11), minute = TwoDigits(p + 14), second = TwoDigits(p + 17);
  if ((hour | minute | second) < 0 || p[13] != ':' || p[16] != ':') return std::nullopt;
  int64_t micros = 0;
  size_t pos = ReadFraction(s, 19, micros, strict ? 6 : 32);
  if (strict && pos < s.size() && IsDigit(s[pos])) return std::nullopt;  // > 6 fraction digits
  int64_t offset_minutes = 0;
  if (pos < s.size() && (s[pos] == 'Z' || (!strict && s[pos] == 'z'))) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const int sign = s[pos] == '-' ? -1 : 1;
    // Two digits at `at` if the text has them, else -1.
    auto two = [&s](size_t at) { return at + 2 <= s.size() ? TwoDigits(s.data() + at) : -1; };
    const int oh = two(pos + 1);
    if (oh < 0) return std::nullopt;
    size_t next = pos + 3;
    int om = -1;
    if (next < s.size() && s[next] == ':') {
      om = two(next + 1);
      next += 3;
    } else if (!strict) {
      om = two(next);  // "+0100" (Suricata); "+01" alone also seen
      if (om >= 0)
        next += 2;
      else
        om = 0;
    }
    if (om < 0 || oh > 23 || om > 59) return std::nullopt;
    offset_minutes = sign * (oh * 60 + om);
    pos = next;
  } else if (strict) {
    return std::nullopt;
  }
  if (consumed != nullptr) {
    *consumed = pos;
  } else if (pos != s.size()) {
    return std::nullopt;
  }
  auto t = CivilToMicros(year, month, day, hour, minute, second, micros);
  if (!t) return std::nullopt;
  return model::Timestamp{*t - offset_minutes * 60 * kMicrosPerSecond};
}

std::optional<model::Timestamp> ParseBsdTime(std::string_view s, model::Timestamp reference,
                                             size_t* consumed) {
  // "Mmm dd hh:mm:ss" (15 bytes) or "Mmm dd yyyy hh:mm:ss" (20 bytes).
  if (s.size() < 15 || s[3] != ' ') return std::nullopt;
  auto month = MonthFromName(s);
  if (!month) return std::nullopt;
  std::optional<int> day;
  if (s[4] == ' ') {
    day = Digits(s, 5, 1);
  } else {
    day = Digits(s, 4, 2);
  }
  if (!day || s[6] != ' ') return std::nullopt;
  std::optional<int> year;
  size_t clock = 7;
  if (auto y = Digits(s, 7, 4); y && s.size() >= 20 && s[11] == ' ') {
    year = y;
    clock = 12;
  }
  int hour, minute, second;
  if (!ReadClock(s, clock, hour, minute, second)) return std::nullopt;
  int64_t micros = 0;
  const size_t end = ReadFraction(s, clock + 8, micros, 9);
  if (!year) {
    // The year closest to the reference, allowing clocks up to a month ahead of it.
    const int ref_year = YearOf(reference);
    year = ref_year;
    auto t = CivilToMicros(ref_year, *month, *day, hour, minute, second, micros);
    if (t && *t > reference.micros + 31 * kMicrosPerDay) year = ref_year - 1;
  }
  auto t = CivilToMicros(*year, *month, *day, hour, minute, second, micros);
  if (!t) return std::nullopt;
  *consumed = end;
  return model::Timestamp{*t};
}

std::optional<model::Timestamp> ParseCefTime(std::string_view s, model::Timestamp reference) {
  if (s.empty()) return std::nullopt;
  if (IsDigit(s[0])) {
    int64_t ms = 0;
    for (char c : s) {
      if (!IsDigit(c) || ms > 100'000'000'000'000) return std::nullopt;
      ms = ms * 10 + (c - '0');
    }
    return model::Timestamp{ms * 1000};
  }
  size_t consumed = 0;
  auto t = ParseBsdTime(s, reference, &consumed);
  if (!t) return std::nullopt;
  // Only a time-zone name may follow ("Sep 19 2023 08:26:10.123 UTC"): taken as UTC.
  if (consumed < s.size() && s[consumed] != ' ') return std::nullopt;
  return t;
}

std::optional<model::Timestamp> EpochSecondsToTime(double seconds) {
  if (!std::isfinite(seconds) || seconds < -1e11 || seconds > 1e11) return std::nullopt;
  return model::Timestamp{static_cast<int64_t>(std::llround(seconds * 1e6))};
}

model::Timestamp Now() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return model::Timestamp{std::chrono::duration_cast<std::chrono::microseconds>(now).count()};
}

}  // namespace socmesh::events::detail
