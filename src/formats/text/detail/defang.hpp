// Reading indicators written in defanged form ("evil[.]com", "hxxp[:]//", "a[at]b[.]org"): the
// lexical pieces shared by the candidate validators of text_extractor.cpp.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace socmesh::formats::text::detail {

inline bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool IsAsciiAlnum(char c) { return IsAsciiDigit(c) || IsAsciiAlpha(c); }
inline bool IsHex(char c) {
  return IsAsciiDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
inline char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
// Letters, digits and '-': what a DNS label is made of (underscores are left out on purpose: they
// occur in identifiers and file names far more often than in the host names of indicators).
inline bool IsLabelChar(char c) { return IsAsciiAlnum(c) || c == '-'; }

// Length of the dot at `pos` ("." or a defanged one: "[.]", "(.)", "{.}", "[dot]", "(dot)",
// "{dot}", case-insensitive), 0 when there is none. `*defanged` is set for the defanged forms.
size_t MatchDot(std::string_view text, size_t pos, bool* defanged);

// As MatchDot for the '@' of e-mail addresses ("@", "[@]", "(@)", "{@}", "[at]", "(at)", "{at}").
size_t MatchAt(std::string_view text, size_t pos, bool* defanged);

// Length of the "://" separator at `pos` in its plain and defanged forms ("://", "[://]", "[:]//",
// "(:)//", "{:}//", ":[//]", "[:]/[/]", ":\/\/"), 0 when there is none.
size_t MatchSchemeSeparator(std::string_view text, size_t pos);

// Length of a defang marker that may appear inside a URL path or query at `pos`, with the text it
// stands for in `*plain`: the dots above and "[/]". 0 when there is none.
size_t MatchPathDefang(std::string_view text, size_t pos, std::string_view* plain);

// A host name read from text: labels joined by (possibly defanged) dots, lower-cased.
struct HostName {
  size_t end = 0;  // offset just past the last label
  std::string name;
  bool defanged = false;
  int labels = 0;
  bool all_numeric = true;  // every label is digits only (a dotted-quad candidate)
};

// Reads labels from `pos` as long as a dot is followed by another label character. Returns a host
// with labels == 0 when `pos` does not start a label.
HostName ReadHostName(std::string_view text, size_t pos);

// As above into `*host`, reusing its name's storage (no allocation per candidate).
void ReadHostName(std::string_view text, size_t pos, HostName* host);

}  // namespace socmesh::formats::text::detail
