// Refanging: undoing the "defanging" with which analysts and feeds write indicators so that nobody
// clicks them ("hxxp://evil[.]example", "1.2.3[.]4", "user[@]example[.]org").
//
// model::NormalizeObservable refangs IP addresses, domains, URLs and e-mail addresses before it
// normalises them, so every importer (CSV/text feeds, MISP, IODEF, STIX) stores one form; the
// free-text extractor (formats/text) finds defanged candidates in prose with its own scanner and
// hands the values to the same normalisation.
#pragma once

#include <string>
#include <string_view>

namespace socmesh::model {

// Returns `value` with every defang marker replaced by what it stands for; a value without markers
// comes back unchanged. Markers (ASCII case-insensitive, brackets "[]", "()" or "{}"):
//  - dots:      "[.]" "(.)" "{.}" "[dot]" "(dot)" "{dot}"            -> "."
//  - at signs:  "[@]" "(@)" "{@}" "[at]" "(at)" "{at}"               -> "@"
//  - colons:    "[:]" "(:)" "{:}"                                    -> ":"
//  - slashes:   "[/]" "[//]" "[://]"                                 -> "/" "//" "://"
//  - schemes at the very start: "hxxp", "hxxps", "hXXp", "h**p", "h__p", "hxtp", "htxp", "fxp",
//    "fxps" followed by ":" or a marker                              -> "http", "https", "ftp", …
// Only whole markers are replaced: a lone "[" or "(" stays, so values that legitimately contain
// brackets (URL queries such as "?a[]=1") are not mangled unless they spell a marker.
std::string Refang(std::string_view value);

// True when Refang(value) != value.
bool IsDefanged(std::string_view value);

}  // namespace socmesh::model
