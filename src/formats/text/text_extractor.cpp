#include "formats/text/text_extractor.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include "formats/text/detail/defang.hpp"
#include "formats/text/detail/public_suffix.hpp"
#include "formats/text/detail/scan_engine.hpp"

namespace socmesh::formats::text {

namespace {

using detail::Candidate;
using detail::HostName;
using detail::IsAsciiAlnum;
using detail::IsAsciiAlpha;
using detail::IsAsciiDigit;
using detail::IsHex;
using detail::IsLabelChar;
using detail::Pattern;
using model::ObservableKind;

// Top-level domains that are also common file extensions: "setup.py", "install.sh", "README.md",
// "main.rs", "invoice.zip", "clip.mov", "libc.so". Written plainly as two labels they are far more
// often file names than hosts in reports; written defanged, or with more labels, or inside a URL
// or an e-mail address, they are still taken as domains.
constexpr std::array<std::string_view, 7> kFileExtensionTlds = {"py",  "sh",  "md", "rs",
                                                                "zip", "mov", "so"};

bool LooksLikeFileName(const HostName& host) {
  if (host.defanged || host.labels != 2) return false;
  const std::string_view tld = std::string_view(host.name).substr(host.name.rfind('.') + 1);
  return std::find(kFileExtensionTlds.begin(), kFileExtensionTlds.end(), tld) !=
         kFileExtensionTlds.end();
}

char At(std::string_view text, size_t i) { return i < text.size() ? text[i] : '\0'; }

// The general (slow) path: model::NormalizeObservable into `*out`. False when `value` is invalid.
bool Normalize(ObservableKind kind, std::string_view value, std::string* out) {
  Result<std::string> normalized = model::NormalizeObservable(kind, value);
  if (!normalized) return false;
  *out = std::move(*normalized);
  return true;
}

bool IsValid(ObservableKind kind, std::string_view value) {
  return model::NormalizeObservable(kind, value).has_value();
}

// Fast checks for what ReadHostName returns (lower-case labels of [a-z0-9-] joined by '.', no
// defang marker left), exactly the rules model::NormalizeObservable applies to such names, whose
// normal form is then the name itself. That saves its refanging, UTF-8 scan and copies for the
// bulk of hits; names it must still see (IDN "xn--" labels) go the general path.

// A dotted quad (four all-digit labels): octets of at most three digits, no leading zero, <= 255.
bool IsIpv4Octets(std::string_view name) {
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('.', start);
    if (end == std::string_view::npos) end = name.size();
    const std::string_view octet = name.substr(start, end - start);
    if (octet.empty() || octet.size() > 3 || (octet.size() > 1 && octet[0] == '0')) return false;
    int number = 0;
    for (char c : octet) number = number * 10 + (c - '0');
    if (number > 255) return false;
    start = end + 1;
  }
  return true;
}

enum class NameCheck : uint8_t { kValid, kInvalid, kNeedsIdna };

// model's DomainProblem for an ASCII name of label characters: at most 253 bytes, labels of at
// most 63 that neither start nor end with '-'. "xn--" labels need IDNA validation.
NameCheck CheckDomainName(std::string_view name) {
  if (name.size() > 253) return NameCheck::kInvalid;
  bool idna = false;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('.', start);
    if (end == std::string_view::npos) end = name.size();
    const std::string_view label = name.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return NameCheck::kInvalid;
    }
    idna = idna || label.starts_with("xn--");
    start = end + 1;
  }
  return idna ? NameCheck::kNeedsIdna : NameCheck::kValid;
}

// A host that may stand in an indicator: a valid dotted quad or a domain under a public suffix.
// Only checks; the normal form of a valid host is HostValue().
std::optional<ObservableKind> ValidHost(const HostName& host) {
  if (host.labels < 2) return std::nullopt;
  if (host.all_numeric) {
    if (host.labels != 4 || !IsIpv4Octets(host.name)) return std::nullopt;
    return ObservableKind::kIpv4;
  }
  const NameCheck check = CheckDomainName(host.name);
  if (check == NameCheck::kInvalid) return std::nullopt;
  if (!detail::HasRegistrableSuffix(host.name)) return std::nullopt;
  if (check == NameCheck::kNeedsIdna && !IsValid(ObservableKind::kDomain, host.name)) {
    return std::nullopt;
  }
  return ObservableKind::kDomain;
}

// The normal form of a host ValidHost accepted as `kind`, into `*out`.
void HostValue(const HostName& host, ObservableKind kind, std::string* out) {
  if (kind == ObservableKind::kDomain && CheckDomainName(host.name) == NameCheck::kNeedsIdna &&
      Normalize(kind, host.name, out)) {
    return;
  }
  out->assign(host.name);
}

// Characters that end a URL in running text (RFC 3986 excludes them, or text uses them as quotes
// and table borders). Brackets end it too unless they form a defang marker.
bool EndsUrl(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u >= 0x7f) return true;
  switch (c) {
    case '"':
    case '\'':
    case '<':
    case '>':
    case '`':
    case '{':
    case '}':
    case '|':
    case '\\':
    case '^':
    case '[':
    case ']':
      return true;
    default:
      return false;
  }
}

// Reads a URL's port, path, query and fragment from `pos` (which may be at a ':', '/', '?' or '#'),
// refanging defang markers into `out`. Returns the end offset in `text`. Trailing punctuation that
// belongs to the sentence (".", ",", ")" without its "(", …) is left out.
size_t ReadUrlTail(std::string_view text, size_t pos, std::string* out) {
  size_t keep = out->size();  // output up to here stays: it ends with a defang marker
  size_t end = pos;
  size_t raw_end_at_keep = pos;
  while (end < text.size()) {
    std::string_view plain;
    if (const size_t n = detail::MatchPathDefang(text, end, &plain); n != 0) {
      out->append(plain);
      end += n;
      keep = out->size();
      raw_end_at_keep = end;
      continue;
    }
    if (EndsUrl(text[end])) break;
    out->push_back(text[end]);
    ++end;
  }
  while (out->size() > keep) {
    const char last = out->back();
    bool trim = std::string_view(".,;:!?*+").find(last) != std::string_view::npos;
    if (last == ')') {
      trim = std::count(out->begin(), out->end(), '(') < std::count(out->begin(), out->end(), ')');
    }
    if (!trim) break;
    out->pop_back();
    --end;
  }
  return std::max(end, raw_end_at_keep);
}

// A ":<digits>" port at `pos` (plain or "[:]"), its length; 0 when there is none.
size_t MatchPort(std::string_view text, size_t pos) {
  size_t colon = 0;
  if (At(text, pos) == ':') {
    colon = 1;
  } else if (text.substr(pos, 3) == "[:]") {
    colon = 3;
  }
  if (colon == 0) return 0;
  size_t i = pos + colon;
  while (i < text.size() && IsAsciiDigit(text[i]) && i - pos - colon < 5) ++i;
  if (i == pos + colon || IsAsciiAlnum(At(text, i))) return 0;
  return i - pos;
}

// Where a validated hit is; its normalised value is in Extractor::value().
struct Found {
  HitKind kind;
  size_t from = 0;
  size_t to = 0;
  bool defanged = false;
};

// Validates candidates one at a time. The value of the last hit is written into one buffer that
// is reused (as are the buffers for host names and URLs), so a hit costs no allocation unless the
// general normaliser runs (URLs, e-mail addresses, IPv6, CIDR blocks, IDNs).
class Extractor {
 public:
  explicit Extractor(std::string_view text) : text_(text) {}

  std::optional<Found> Validate(const Candidate& c) {
    switch (c.pattern) {
      case Pattern::kUrl:
        return Url(c.from);
      case Pattern::kEmail:
        return Email(c.from);
      case Pattern::kIpv6:
        return Ipv6(c.from);
      case Pattern::kHost:
        return Host(c.from);
      case Pattern::kHash:
        return Hash(c.from);
      case Pattern::kCve:
        return Identifier(c, IdKind::kCve);
      case Pattern::kAttack:
        return Identifier(c, IdKind::kAttackTechnique);
    }
    return std::nullopt;
  }

  // The normalised value of the hit Validate returned last.
  std::string_view value() const { return value_; }

 private:
  std::optional<Found> Url(size_t from) {
    size_t i = from;
    std::string& url = url_;
    url.clear();
    while (i < text_.size() && (IsAsciiAlpha(text_[i]) || text_[i] == '*')) {
      url.push_back(detail::LowerAscii(text_[i++]));
    }
    const size_t separator = detail::MatchSchemeSeparator(text_, i);
    if (separator == 0) return std::nullopt;
    bool defanged = separator != 3;
    if (url.starts_with("hxx") || url.starts_with("h**")) {
      url.replace(1, 2, "tt");
      defanged = true;
    } else if (url.starts_with("fx")) {
      url[1] = 't';
      defanged = true;
    }
    i += separator;

    url += "://";
    if (const size_t close = BracketedIpv6End(i); close != 0) {
      url.append(text_.substr(i, close - i));
      i = close;
    } else if (const size_t v6_end = BareIpv6(i); v6_end != 0) {
      url += '[';
      url += value_;
      url += ']';
      i = v6_end;
    } else {
      if (At(text_, i) == '[') ++i;  // "http://[example.com": a stray defanging bracket
      detail::ReadHostName(text_, i, &host_);
      if (!ValidHost(host_)) return std::nullopt;
      defanged = defanged || host_.defanged;
      url += host_.name;
      i = host_.end;
    }
    if (const size_t port = MatchPort(text_, i); port != 0) {
      const size_t colon = text_[i] == ':' ? 1 : 3;  // ":" or "[:]"
      url.push_back(':');
      url.append(text_.substr(i + colon, port - colon));
      defanged = defanged || colon == 3;
      i += port;
    }
    std::string_view plain;
    const char next = At(text_, i);
    size_t end = i;
    if (next == '/' || next == '?' || next == '#' || detail::MatchPathDefang(text_, i, &plain)) {
      const size_t before = url.size();
      end = ReadUrlTail(text_, i, &url);
      defanged = defanged || url.size() != before + (end - i);
    } else if (IsAsciiAlnum(next) || next == '-' || next == '_') {
      return std::nullopt;
    }
    if (!Normalize(ObservableKind::kUrl, url, &value_)) return std::nullopt;
    return Found{ObservableKind::kUrl, from, end, defanged};
  }

  // The end of "[<IPv6 address>]" at `pos`, 0 when there is none.
  size_t BracketedIpv6End(size_t pos) const {
    if (At(text_, pos) != '[') return 0;
    const size_t close = text_.find(']', pos);
    if (close == std::string_view::npos || close - pos > 64) return 0;
    if (!IsValid(ObservableKind::kIpv6, text_.substr(pos + 1, close - pos - 1))) return 0;
    return close + 1;
  }

  // An IPv6 address written without brackets after "scheme://" (iocextract's corpus has them):
  // its end, with its normal form in value_; 0 when there is none.
  size_t BareIpv6(size_t pos) {
    size_t i = pos;
    int colons = 0;
    while (i < text_.size() && (IsHex(text_[i]) || text_[i] == ':')) colons += text_[i++] == ':';
    if (colons < 2) return 0;
    if (!Normalize(ObservableKind::kIpv6, text_.substr(pos, i - pos), &value_)) return 0;
    return i;
  }

  std::optional<Found> Email(size_t from) {
    size_t start = from;
    while (start < text_.size() && !IsAsciiAlnum(text_[start])) ++start;
    size_t i = start;
    auto local_char = [](char c) {
      return IsAsciiAlnum(c) || std::string_view("._%+-").find(c) != std::string_view::npos;
    };
    while (i < text_.size() && local_char(text_[i])) ++i;
    if (i == start || text_[i - 1] == '.') return std::nullopt;
    bool defanged = false;
    const size_t at = detail::MatchAt(text_, i, &defanged);
    if (at == 0) return std::nullopt;
    detail::ReadHostName(text_, i + at, &host_);
    if (host_.all_numeric || !ValidHost(host_) || At(text_, host_.end) == '@') {
      return std::nullopt;
    }
    url_.assign(text_.substr(start, i - start));
    url_ += '@';
    url_ += host_.name;
    if (!Normalize(ObservableKind::kEmail, url_, &value_)) return std::nullopt;
    return Found{ObservableKind::kEmail, start, host_.end, defanged || host_.defanged};
  }

  std::optional<Found> Ipv6(size_t from) {
    if (from > 0 && (IsAsciiAlnum(text_[from - 1]) || text_[from - 1] == ':' ||
                     text_[from - 1] == '.' || text_[from - 1] == '_')) {
      return std::nullopt;
    }
    size_t end = from;
    int colons = 0;
    bool double_colon = false;
    bool hex = false;
    while (end < text_.size() && (IsHex(text_[end]) || text_[end] == ':' || text_[end] == '.')) {
      if (text_[end] == ':') {
        ++colons;
        double_colon = double_colon || At(text_, end + 1) == ':';
      } else {
        hex = true;
      }
      ++end;
    }
    while (end > from && text_[end - 1] == '.') --end;  // the end of a sentence
    if (end > from + 1 && text_[end - 1] == ':' && text_[end - 2] != ':') --end;
    if (!hex || colons < 2 || (!double_colon && colons != 7)) return std::nullopt;
    if (IsAsciiAlnum(At(text_, end)) || At(text_, end) == '_') return std::nullopt;
    std::string_view raw = text_.substr(from, end - from);
    if (const size_t prefix = CidrPrefix(end, 128); prefix != 0) {
      raw = text_.substr(from, end + prefix - from);
      end += prefix;
    }
    if (!Normalize(ObservableKind::kIpv6, raw, &value_)) return std::nullopt;
    return Found{ObservableKind::kIpv6, from, end, false};
  }

  // "/<bits>" at `pos` ending a CIDR block (not the start of a path): its length, else 0.
  size_t CidrPrefix(size_t pos, int max_bits) const {
    if (At(text_, pos) != '/') return 0;
    size_t i = pos + 1;
    int bits = 0;
    while (i < text_.size() && IsAsciiDigit(text_[i]) && i - pos <= 3) {
      bits = bits * 10 + (text_[i++] - '0');
    }
    if (i == pos + 1 || bits > max_bits) return 0;
    const char next = At(text_, i);
    if (IsAsciiAlnum(next) || next == '/' || next == '_' || next == '-' ||
        (next == '.' && IsAsciiAlnum(At(text_, i + 1)))) {
      return 0;
    }
    return i - pos;
  }

  std::optional<Found> Host(size_t from) {
    if (from > 0) {
      const char prev = text_[from - 1];
      // After '/' or '\' the name is part of a path ("Win32/Pterodo.CD" is a detection name,
      // not a host in Congo); after '@' it is the domain of an address that did not validate.
      if (IsLabelChar(prev) || prev == '_' || prev == '.' || prev == '/' || prev == '\\' ||
          prev == '@') {
        return std::nullopt;
      }
    }
    detail::ReadHostName(text_, from, &host_);
    const HostName& host = host_;
    const char next = At(text_, host.end);
    // "name@" is an address's local part; "name(" a function call in quoted code.
    if (next == '@' || next == '_' || next == '(') return std::nullopt;
    if (LooksLikeFileName(host)) return std::nullopt;
    const std::optional<ObservableKind> kind = ValidHost(host);
    if (!kind) return std::nullopt;
    if (*kind == ObservableKind::kIpv4) {
      if (const size_t prefix = CidrPrefix(host.end, 32); prefix != 0) {
        url_.assign(host.name);
        url_.append(text_.substr(host.end, prefix));
        if (Normalize(ObservableKind::kIpv4, url_, &value_)) {
          return Found{*kind, from, host.end + prefix, host.defanged};
        }
      }
    }
    // A defanged host followed by a path is a URL written without its scheme ("evil[.]com/x",
    // "1.2.3[.]4:8080/gate"): defanging says it was meant as a network indicator.
    if (host.defanged) {
      const size_t port = MatchPort(text_, host.end);
      if (At(text_, host.end + port) == '/') {
        url_.assign("http://");
        url_.append(host.name);
        const size_t end = ReadUrlTail(text_, host.end, &url_);
        if (Normalize(ObservableKind::kUrl, url_, &value_)) {
          return Found{ObservableKind::kUrl, from, end, true};
        }
      }
    }
    HostValue(host, *kind, &value_);
    return Found{*kind, from, host.end, host.defanged};
  }

  std::optional<Found> Hash(size_t from) {
    size_t end = from;
    bool decimal = true;
    for (; end < text_.size() && IsHex(text_[end]); ++end) {
      if (!IsAsciiDigit(text_[end])) decimal = false;
    }
    if (IsAsciiAlnum(At(text_, end)) || At(text_, end) == '_') return std::nullopt;
    // All-decimal runs are numbers (a real digest is all digits with probability below 1e-6).
    if (decimal) return std::nullopt;
    ObservableKind kind;
    switch (end - from) {
      case 32:
        kind = ObservableKind::kMd5;
        break;
      case 40:
        kind = ObservableKind::kSha1;
        break;
      case 64:
        kind = ObservableKind::kSha256;
        break;
      case 128:
        kind = ObservableKind::kSha512;
        break;
      default:
        return std::nullopt;
    }
    // The run is hex digits of the exact length: its normal form is it in lower case.
    value_.assign(text_.substr(from, end - from));
    for (char& ch : value_) ch = detail::LowerAscii(ch);
    return Found{kind, from, end, false};
  }

  // "CVE-2023-12345" or "T1059.001" from `from`; Hyperscan has checked the shape and boundaries.
  std::optional<Found> Identifier(const Candidate& c, IdKind kind) {
    size_t end = c.from + (kind == IdKind::kCve ? 4 : 1);
    while (end < text_.size() && (IsAsciiDigit(text_[end]) || text_[end] == '-' ||
                                  (text_[end] == '.' && IsAsciiDigit(At(text_, end + 1))))) {
      ++end;
    }
    value_.assign(text_.substr(c.from, end - c.from));
    for (char& ch : value_) ch = ch >= 'a' && ch <= 'z' ? static_cast<char>(ch - 32) : ch;
    return Found{kind, c.from, end, false};
  }

  std::string_view text_;
  std::string value_;  // the normalised value of the last hit
  std::string url_;    // a URL or e-mail address being assembled
  HostName host_;      // the host name being read
};

// Candidate storage kept per thread between calls (the events pipeline extracts from every syslog
// message), released after inputs so large that keeping it would pin memory.
constexpr size_t kKeptCandidates = size_t{1} << 16;

}  // namespace

std::string_view HitKindName(const HitKind& kind) {
  if (const auto* observable = std::get_if<model::ObservableKind>(&kind)) {
    return model::ObservableKindName(*observable);
  }
  return std::get<IdKind>(kind) == IdKind::kCve ? "cve" : "attack-technique";
}

Result<size_t> VisitIndicators(std::string_view text, HitVisitor& visitor,
                               const ExtractOptions& options) {
  if (text.size() > options.max_bytes) {
    return Fail(ErrorCode::kTooLarge, "text of " + std::to_string(text.size()) +
                                          " bytes exceeds the limit of " +
                                          std::to_string(options.max_bytes));
  }
  if (Result<void> psl = detail::EnsurePublicSuffixList(); !psl) {
    return std::unexpected(psl.error());
  }
  // A visitor may itself extract (nested on this thread): only the outermost call uses the kept
  // storage, which it is still iterating.
  thread_local std::vector<Candidate> kept;
  thread_local bool kept_in_use = false;
  std::vector<Candidate> own;
  const bool outermost = !kept_in_use;
  std::vector<Candidate>& candidates = outermost ? kept : own;
  struct Release {
    bool active;
    ~Release() {
      if (!active) return;
      kept_in_use = false;
      if (kept.capacity() > kKeptCandidates) std::vector<Candidate>().swap(kept);
    }
  } release{outermost};
  kept_in_use = true;
  if (Result<void> found = detail::FindCandidates(text, &candidates); !found) {
    return std::unexpected(found.error());
  }

  Extractor extractor(text);
  size_t count = 0;
  size_t covered = 0;  // hits never overlap: candidates inside an accepted hit are skipped
  for (const Candidate& candidate : candidates) {
    if (candidate.from < covered) continue;
    const std::optional<Found> hit = extractor.Validate(candidate);
    if (!hit) continue;
    covered = hit->to;
    ++count;
    visitor.OnHit(
        HitView{hit->kind, extractor.value(), hit->from, hit->to - hit->from, hit->defanged});
  }
  return count;
}

Result<std::vector<TextHit>> ExtractIndicators(std::string_view text,
                                               const ExtractOptions& options) {
  std::vector<TextHit> hits;
  // IOC-dense text has up to one hit per 60 bytes: reserving for one per 32 avoids moving every hit
  // again at a growth of the vector, which cost a tenth of the time in page faults and copies (a
  // large reserve is only address space: pages that stay unused are never touched). Short texts
  // (log messages) grow as needed instead of allocating for hits they rarely have.
  if (text.size() >= 4096) hits.reserve(std::min<size_t>(text.size() / 32, size_t{1} << 20));
  Result<size_t> count = ForEachIndicator(
      text,
      [&hits](const HitView& hit) {
        hits.push_back(
            TextHit{hit.kind, std::string(hit.value), hit.offset, hit.length, hit.defanged});
      },
      options);
  if (!count) return std::unexpected(count.error());
  return hits;
}

}  // namespace socmesh::formats::text
