#include "formats/csv/feed_time.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>

namespace socmesh::formats::csv {
namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
// 1970-01-01 .. 10000-01-01 in seconds.
constexpr int64_t kMaxSeconds = 253'402'300'800;

// The cell as quoted in messages: cut short, since a cell may be up to 64 KiB.
std::string Quoted(std::string_view text) {
  constexpr size_t kMax = 40;
  if (text.size() <= kMax) return "\"" + std::string(text) + "\"";
  size_t cut = kMax;  // not inside a UTF-8 sequence
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return "\"" + std::string(text.substr(0, cut)) + "…\"";
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr std::array<unsigned, 12> kDays = {31, 28, 31, 30, 31, 30,
                                                     31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

struct Fields {
  int64_t year = 1970;
  unsigned month = 1, day = 1, hour = 0, minute = 0, second = 0;
  int64_t micros = 0;
  int64_t offset_seconds = 0;  // east of UTC
};

class Matcher {
 public:
  explicit Matcher(std::string_view text) : s_(text) {}

  std::optional<unsigned> Digits(size_t min, size_t max) {
    size_t n = 0;
    unsigned v = 0;
    while (n < max && p_ + n < s_.size() && s_[p_ + n] >= '0' && s_[p_ + n] <= '9') {
      v = v * 10 + static_cast<unsigned>(s_[p_ + n] - '0');
      ++n;
    }
    if (n < min) return std::nullopt;
    p_ += n;
    return v;
  }
  bool Literal(char c) {
    if (p_ < s_.size() && s_[p_] == c) return ++p_, true;
    return false;
  }
  bool Blanks() {
    const size_t start = p_;
    while (p_ < s_.size() && (s_[p_] == ' ' || s_[p_] == '\t')) ++p_;
    return p_ > start;
  }
  std::optional<unsigned> Month() {
    static constexpr std::array<std::string_view, 12> kNames = {
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
    if (p_ + 3 > s_.size()) return std::nullopt;
    std::string lower(s_.substr(p_, 3));
    for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    for (unsigned i = 0; i < kNames.size(); ++i) {
      if (lower == kNames[i]) return p_ += 3, i + 1;
    }
    return std::nullopt;
  }
  // Optional ".digits" after seconds; keeps microseconds, drops finer digits.
  int64_t Fraction() {
    if (!(p_ + 1 < s_.size() && (s_[p_] == '.' || s_[p_] == ',') && s_[p_ + 1] >= '0' &&
          s_[p_ + 1] <= '9')) {
      return 0;
    }
    ++p_;
    int64_t v = 0;
    int digits = 0;
    while (p_ < s_.size() && s_[p_] >= '0' && s_[p_] <= '9') {
      if (digits < 6) v = v * 10 + (s_[p_] - '0'), ++digits;
      ++p_;
    }
    while (digits++ < 6) v *= 10;
    return v;
  }
  std::optional<int64_t> Zone() {
    if (Literal('Z') || Literal('z')) return 0;
    if (p_ >= s_.size() || (s_[p_] != '+' && s_[p_] != '-')) return std::nullopt;
    const int sign = s_[p_++] == '-' ? -1 : 1;
    auto hh = Digits(2, 2);
    if (!hh || *hh > 23) return std::nullopt;
    unsigned mm = 0;
    if (Literal(':')) {
      auto m = Digits(2, 2);
      if (!m) return std::nullopt;
      mm = *m;
    } else if (auto m = Digits(2, 2)) {
      mm = *m;
    }
    if (mm > 59) return std::nullopt;
    return sign * static_cast<int64_t>(*hh * 3600 + mm * 60);
  }
  bool Done() const { return p_ == s_.size(); }

 private:
  std::string_view s_;
  size_t p_ = 0;
};

std::optional<Fields> MatchPattern(std::string_view text, std::string_view format) {
  Matcher m(text);
  Fields f;
  for (size_t i = 0; i < format.size(); ++i) {
    const char c = format[i];
    if (c == ' ') {
      if (!m.Blanks()) return std::nullopt;
      continue;
    }
    if (c != '%' || i + 1 == format.size()) {
      if (!m.Literal(c)) return std::nullopt;
      continue;
    }
    std::optional<unsigned> v;
    switch (format[++i]) {
      case 'Y':
        if (!(v = m.Digits(4, 4))) return std::nullopt;
        f.year = *v;
        break;
      case 'm':
        if (!(v = m.Digits(1, 2))) return std::nullopt;
        f.month = *v;
        break;
      case 'd':
        if (!(v = m.Digits(1, 2))) return std::nullopt;
        f.day = *v;
        break;
      case 'H':
        if (!(v = m.Digits(1, 2))) return std::nullopt;
        f.hour = *v;
        break;
      case 'M':
        if (!(v = m.Digits(1, 2))) return std::nullopt;
        f.minute = *v;
        break;
      case 'S':
        if (!(v = m.Digits(1, 2))) return std::nullopt;
        f.second = *v;
        f.micros = m.Fraction();
        break;
      case 'b':
        if (!(v = m.Month())) return std::nullopt;
        f.month = *v;
        break;
      case 'z': {
        auto zone = m.Zone();
        if (!zone) return std::nullopt;
        f.offset_seconds = *zone;
        break;
      }
      case '%':
        if (!m.Literal('%')) return std::nullopt;
        break;
      default:
        return std::nullopt;
    }
  }
  if (!m.Done()) return std::nullopt;
  return f;
}

Result<model::Timestamp> FromFields(const Fields& f, std::string_view text) {
  auto bad = [&](std::string_view why) {
    return Fail(ErrorCode::kInvalidArgument,
                Quoted(text) + " is not a valid time: " + std::string(why));
  };
  if (f.month < 1 || f.month > 12) return bad("month out of range");
  if (f.day < 1 || f.day > DaysInMonth(f.year, f.month)) return bad("day out of range");
  if (f.hour > 23 || f.minute > 59 || f.second > 60) return bad("time of day out of range");
  const int64_t seconds = DaysFromCivil(f.year, f.month, f.day) * 86400 + f.hour * 3600 +
                          f.minute * 60 + f.second - f.offset_seconds;
  if (seconds < 0 || seconds >= kMaxSeconds) return bad("before 1970 or after 9999");
  return model::Timestamp{seconds * kMicrosPerSecond + f.micros};
}

Result<model::Timestamp> FromCount(std::string_view text, int64_t ticks_per_second,
                                   int64_t epoch_offset_seconds, bool allow_fraction) {
  auto bad = [&] {
    return Fail(ErrorCode::kInvalidArgument,
                Quoted(text) + " is not a valid time: expected a decimal count");
  };
  std::string_view whole = text;
  int64_t fraction_micros = 0;
  if (allow_fraction) {
    if (size_t dot = text.find('.'); dot != std::string_view::npos) {
      whole = text.substr(0, dot);
      Matcher m(text.substr(dot));
      fraction_micros = m.Fraction();
      if (!m.Done()) return bad();
    }
  }
  int64_t count = 0;
  auto [ptr, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), count);
  if (ec != std::errc() || ptr != whole.data() + whole.size() || count < 0) return bad();
  const int64_t seconds = count / ticks_per_second - epoch_offset_seconds;
  if (seconds < 0 || seconds >= kMaxSeconds) {
    return Fail(ErrorCode::kInvalidArgument,
                Quoted(text) + " is not a valid time: before 1970 or after 9999");
  }
  const int64_t sub = (count % ticks_per_second) * kMicrosPerSecond / ticks_per_second;
  return model::Timestamp{seconds * kMicrosPerSecond + sub + fraction_micros};
}

}  // namespace

Result<model::Timestamp> ParseFeedTime(std::string_view text, std::string_view format) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (format == "epoch") return FromCount(text, 1, 0, true);
  if (format == "epoch-ms") return FromCount(text, 1000, 0, false);
  // 11644473600 s between 1601-01-01 and 1970-01-01.
  if (format == "filetime") return FromCount(text, 10'000'000, 11'644'473'600, false);
  if (format.empty() || format == "auto") {
    static constexpr std::array<std::string_view, 9> kAuto = {
        "%Y-%m-%dT%H:%M:%S%z",   "%Y-%m-%dT%H:%M:%S",    "%Y-%m-%d %H:%M:%S%z", "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M:%S UTC", "%Y-%m-%d %H:%M:%S %z", "%Y-%m-%dT%H:%M",      "%Y-%m-%d",
        "%d/%b/%Y:%H:%M:%S %z"};
    for (std::string_view f : kAuto) {
      if (auto fields = MatchPattern(text, f)) return FromFields(*fields, text);
    }
    return Fail(ErrorCode::kInvalidArgument, Quoted(text) + " is not a recognised date/time");
  }
  auto fields = MatchPattern(text, format);
  if (!fields) {
    return Fail(ErrorCode::kInvalidArgument,
                Quoted(text) + " does not match time format \"" + std::string(format) + "\"");
  }
  return FromFields(*fields, text);
}

}  // namespace socmesh::formats::csv
