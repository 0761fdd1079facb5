#include "events/detail/sample.hpp"

#include <array>
#include <cctype>
#include <cstdio>

namespace socmesh::events::detail {

namespace {

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool StartsWithIgnoreCase(std::string_view s, size_t pos, std::string_view word) {
  if (pos + word.size() > s.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (Lower(s[pos + i]) != word[i]) return false;
  }
  return true;
}

constexpr std::array<std::string_view, 9> kSecretKeys = {
    "password", "passwd", "pwd", "secret", "token", "apikey", "api_key", "authorization", "cookie"};

// Masks secret values in place of the whole text (before truncation, so a cut never reveals a
// prefix of a secret that masking would have hidden).
std::string Mask(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    size_t key_len = 0;
    for (std::string_view key : kSecretKeys) {
      if (StartsWithIgnoreCase(text, i, key)) {
        key_len = key.size();
        break;
      }
    }
    if (key_len == 0) {
      out += text[i++];
      continue;
    }
    size_t j = i + key_len;
    // Rest of the key name ("password_hash", "token\"") then the separator.
    while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) ||
                               text[j] == '_' || text[j] == '-')) {
      ++j;
    }
    size_t k = j;
    while (k < text.size() && (text[k] == '"' || text[k] == '\'' || text[k] == ' ')) ++k;
    if (k >= text.size() || (text[k] != '=' && text[k] != ':')) {
      out.append(text.substr(i, j - i));
      i = j;
      continue;
    }
    ++k;
    while (k < text.size() && (text[k] == ' ' || text[k] == '"' || text[k] == '\'')) ++k;
    // "Authorization: Bearer xyz": the scheme word is not the secret, what follows is.
    if (StartsWithIgnoreCase(text, k, "bearer ")) {
      k += 7;
    } else if (StartsWithIgnoreCase(text, k, "basic ")) {
      k += 6;
    }
    size_t v = k;
    while (v < text.size() && text[v] != ' ' && text[v] != '"' && text[v] != '\'' &&
           text[v] != '&' && text[v] != ',' && text[v] != ';' && text[v] != ']' && text[v] != '}') {
      ++v;
    }
    out.append(text.substr(i, k - i));
    if (v > k) out += "***";
    i = v;
  }
  return out;
}

}  // namespace

std::string SafeSample(std::string_view text, size_t max_bytes) {
  const std::string masked = Mask(text);
  std::string out;
  size_t i = 0;
  for (; i < masked.size() && out.size() < max_bytes; ++i) {
    const auto c = static_cast<unsigned char>(masked[i]);
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (i < masked.size()) out += "...";
  return out;
}

}  // namespace socmesh::events::detail
