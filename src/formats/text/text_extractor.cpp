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

std::optional<std::string> Normalize(ObservableKind kind, std::string_view value) {
  Result<std::string> normalized = model::NormalizeObservable(kind, value);
  if (!normalized) return std::nullopt;
  return std::move(*normalized);
}

// A host that may stand in an indicator: a valid dotted quad or a domain under a public suffix.
std::optional<std::pair<ObservableKind, std::string>> ValidHost(const HostName& host) {
  if (host.labels < 2) return std::nullopt;
  if (host.all_numeric) {
    if (host.labels != 4) return std::nullopt;
    std::optional<std::string> ip = Normalize(ObservableKind::kIpv4, host.name);
    if (!ip) return std::nullopt;
    return std::pair{ObservableKind::kIpv4, std::move(*ip)};
  }
  if (!detail::HasRegistrableSuffix(host.name)) return std::nullopt;
  std::optional<std::string> domain = Normalize(ObservableKind::kDomain, host.name);
  if (!domain) return std::nullopt;
  return std::pair{ObservableKind::kDomain, std::move(*domain)};
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

class Extractor {
 public:
  explicit Extractor(std::string_view text) : text_(text) {}

  std::optional<TextHit> Validate(const Candidate& c) {
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

 private:
  TextHit Make(HitKind kind, std::string value, size_t from, size_t to, bool defanged) const {
    return TextHit{kind, std::move(value), from, to - from, defanged};
  }

  std::optional<TextHit> Url(size_t from) {
    size_t i = from;
    std::string scheme;
    while (i < text_.size() && (IsAsciiAlpha(text_[i]) || text_[i] == '*')) {
      scheme.push_back(detail::LowerAscii(text_[i++]));
    }
    const size_t separator = detail::MatchSchemeSeparator(text_, i);
    if (separator == 0) return std::nullopt;
    bool defanged = separator != 3;
    if (scheme.starts_with("hxx") || scheme.starts_with("h**")) {
      scheme.replace(1, 2, "tt");
      defanged = true;
    } else if (scheme.starts_with("fx")) {
      scheme[1] = 't';
      defanged = true;
    }
    i += separator;

    std::string url = scheme + "://";
    if (const size_t close = BracketedIpv6End(i); close != 0) {
      url.append(text_.substr(i, close - i));
      i = close;
    } else if (std::optional<std::pair<std::string, size_t>> v6 = BareIpv6(i)) {
      url += "[" + v6->first + "]";
      i = v6->second;
    } else {
      if (At(text_, i) == '[') ++i;  // "http://[example.com": a stray defanging bracket
      HostName host = detail::ReadHostName(text_, i);
      if (!ValidHost(host)) return std::nullopt;
      defanged = defanged || host.defanged;
      url += host.name;
      i = host.end;
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
    std::optional<std::string> value = Normalize(ObservableKind::kUrl, url);
    if (!value) return std::nullopt;
    return Make(ObservableKind::kUrl, std::move(*value), from, end, defanged);
  }

  // The end of "[<IPv6 address>]" at `pos`, 0 when there is none.
  size_t BracketedIpv6End(size_t pos) const {
    if (At(text_, pos) != '[') return 0;
    const size_t close = text_.find(']', pos);
    if (close == std::string_view::npos || close - pos > 64) return 0;
    if (!Normalize(ObservableKind::kIpv6, text_.substr(pos + 1, close - pos - 1))) return 0;
    return close + 1;
  }

  // An IPv6 address written without brackets after "scheme://" (iocextract's corpus has them).
  std::optional<std::pair<std::string, size_t>> BareIpv6(size_t pos) const {
    size_t i = pos;
    int colons = 0;
    while (i < text_.size() && (IsHex(text_[i]) || text_[i] == ':')) colons += text_[i++] == ':';
    if (colons < 2) return std::nullopt;
    std::optional<std::string> v6 = Normalize(ObservableKind::kIpv6, text_.substr(pos, i - pos));
    if (!v6) return std::nullopt;
    return std::pair{std::move(*v6), i};
  }

  std::optional<TextHit> Email(size_t from) {
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
    HostName domain = detail::ReadHostName(text_, i + at);
    if (domain.all_numeric || !ValidHost(domain) || At(text_, domain.end) == '@') {
      return std::nullopt;
    }
    std::string address(text_.substr(start, i - start));
    address += "@" + domain.name;
    std::optional<std::string> value = Normalize(ObservableKind::kEmail, address);
    if (!value) return std::nullopt;
    return Make(ObservableKind::kEmail, std::move(*value), start, domain.end,
                defanged || domain.defanged);
  }

  std::optional<TextHit> Ipv6(size_t from) {
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
    std::optional<std::string> value = Normalize(ObservableKind::kIpv6, raw);
    if (!value) return std::nullopt;
    return Make(ObservableKind::kIpv6, std::move(*value), from, end, false);
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

  std::optional<TextHit> Host(size_t from) {
    if (from > 0) {
      const char prev = text_[from - 1];
      // After '/' or '\' the name is part of a path ("Win32/Pterodo.CD" is a detection name,
      // not a host in Congo); after '@' it is the domain of an address that did not validate.
      if (IsLabelChar(prev) || prev == '_' || prev == '.' || prev == '/' || prev == '\\' ||
          prev == '@') {
        return std::nullopt;
      }
    }
    HostName host = detail::ReadHostName(text_, from);
    const char next = At(text_, host.end);
    // "name@" is an address's local part; "name(" a function call in quoted code.
    if (next == '@' || next == '_' || next == '(') return std::nullopt;
    if (LooksLikeFileName(host)) return std::nullopt;
    std::optional<std::pair<ObservableKind, std::string>> valid = ValidHost(host);
    if (!valid) return std::nullopt;
    auto& [kind, value] = *valid;
    if (kind == ObservableKind::kIpv4) {
      if (const size_t prefix = CidrPrefix(host.end, 32); prefix != 0) {
        std::optional<std::string> cidr = Normalize(
            ObservableKind::kIpv4, host.name + std::string(text_.substr(host.end, prefix)));
        if (cidr) {
          return Make(kind, std::move(*cidr), from, host.end + prefix, host.defanged);
        }
      }
    }
    // A defanged host followed by a path is a URL written without its scheme ("evil[.]com/x",
    // "1.2.3[.]4:8080/gate"): defanging says it was meant as a network indicator.
    if (host.defanged) {
      const size_t port = MatchPort(text_, host.end);
      if (At(text_, host.end + port) == '/') {
        std::string url = "http://" + host.name;
        const size_t end = ReadUrlTail(text_, host.end, &url);
        if (std::optional<std::string> normalized = Normalize(ObservableKind::kUrl, url)) {
          return Make(ObservableKind::kUrl, std::move(*normalized), from, end, true);
        }
      }
    }
    return Make(kind, std::move(value), from, host.end, host.defanged);
  }

  std::optional<TextHit> Hash(size_t from) {
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
    std::optional<std::string> value = Normalize(kind, text_.substr(from, end - from));
    if (!value) return std::nullopt;
    return Make(kind, std::move(*value), from, end, false);
  }

  // "CVE-2023-12345" or "T1059.001" from `from`; Hyperscan has checked the shape and boundaries.
  std::optional<TextHit> Identifier(const Candidate& c, IdKind kind) {
    size_t end = c.from + (kind == IdKind::kCve ? 4 : 1);
    while (end < text_.size() && (IsAsciiDigit(text_[end]) || text_[end] == '-' ||
                                  (text_[end] == '.' && IsAsciiDigit(At(text_, end + 1))))) {
      ++end;
    }
    std::string value(text_.substr(c.from, end - c.from));
    for (char& ch : value) ch = ch >= 'a' && ch <= 'z' ? static_cast<char>(ch - 32) : ch;
    return Make(kind, std::move(value), c.from, end, false);
  }

  std::string_view text_;
};

}  // namespace

std::string_view HitKindName(const HitKind& kind) {
  if (const auto* observable = std::get_if<model::ObservableKind>(&kind)) {
    return model::ObservableKindName(*observable);
  }
  return std::get<IdKind>(kind) == IdKind::kCve ? "cve" : "attack-technique";
}

Result<std::vector<TextHit>> ExtractIndicators(std::string_view text,
                                               const ExtractOptions& options) {
  if (text.size() > options.max_bytes) {
    return Fail(ErrorCode::kTooLarge, "text of " + std::to_string(text.size()) +
                                          " bytes exceeds the limit of " +
                                          std::to_string(options.max_bytes));
  }
  if (Result<void> psl = detail::EnsurePublicSuffixList(); !psl) {
    return std::unexpected(psl.error());
  }
  Result<std::vector<Candidate>> candidates = detail::FindCandidates(text);
  if (!candidates) return std::unexpected(candidates.error());

  std::vector<TextHit> hits;
  // On IOC-dense text about two candidates in three become hits; reserving avoids moving every
  // hit again at each growth of the vector.
  hits.reserve(candidates->size() / 2 + 16);
  Extractor extractor(text);
  size_t covered = 0;  // hits never overlap: candidates inside an accepted hit are skipped
  for (const Candidate& candidate : *candidates) {
    if (candidate.from < covered) continue;
    std::optional<TextHit> hit = extractor.Validate(candidate);
    if (!hit) continue;
    covered = hit->offset + hit->length;
    hits.push_back(std::move(*hit));
  }
  return hits;
}

}  // namespace socmesh::formats::text
