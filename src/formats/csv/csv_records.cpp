#include "formats/csv/csv_records.hpp"

#include <cstring>
#include <string>
#include <utility>

namespace socmesh::formats::csv {
namespace {

std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

RecordReader::RecordReader(std::string_view text, const Dialect& dialect)
    : text_(text), dialect_(dialect) {}

bool RecordReader::IsDelimiter(char c) const {
  return dialect_.delimiter == kWhitespaceDelimiter ? IsBlank(c) : c == dialect_.delimiter;
}

size_t RecordReader::LineEnd(size_t from) const {
  for (size_t i = from; i < text_.size(); ++i) {
    if (text_[i] == '\n' || text_[i] == '\r') return i;
  }
  return text_.size();
}

size_t RecordReader::AfterLineBreak(size_t eol) {
  if (eol >= text_.size()) return text_.size();
  ++line_;
  if (text_[eol] == '\r' && eol + 1 < text_.size() && text_[eol + 1] == '\n') return eol + 2;
  return eol + 1;
}

void RecordReader::Fail(Record& record, size_t start, size_t start_line, size_t column,
                        std::string message) {
  record.type = RecordType::kError;
  record.line = start_line;
  record.column = column;
  record.text = std::move(message);
  line_ = start_line;
  pos_ = AfterLineBreak(LineEnd(start));
}

bool RecordReader::Next(Record& record) {
  while (pos_ < text_.size()) {
    const size_t eol = LineEnd(pos_);
    size_t first = pos_;
    while (first < eol && IsBlank(text_[first])) ++first;
    if (first == eol) {  // blank line
      pos_ = AfterLineBreak(eol);
      continue;
    }
    record.line = line_;
    record.column = 0;
    if (dialect_.comment_prefixes.find(text_[first]) != std::string::npos) {
      record.type = RecordType::kComment;
      record.text.assign(TrimBlanks(text_.substr(first + 1, eol - first - 1)));
      pos_ = AfterLineBreak(eol);
      return true;
    }
    ReadData(record, line_);
    return true;
  }
  return false;
}

bool RecordReader::ReadData(Record& record, size_t start_line) {
  const size_t start = pos_;
  const bool whitespace = dialect_.delimiter == kWhitespaceDelimiter;
  // Blanks that are not themselves the delimiter may be trimmed around a field.
  auto trimmable = [&](char c) { return IsBlank(c) && (whitespace || c != dialect_.delimiter); };
  auto at_line_end = [&](size_t p) {
    return p >= text_.size() || text_[p] == '\n' || text_[p] == '\r';
  };
  record.type = RecordType::kData;
  record.trailing_comment.clear();
  size_t count = 0;
  size_t p = pos_;
  auto finish = [&](size_t end) {
    record.fields.resize(count);
    pos_ = AfterLineBreak(end);
    return true;
  };
  auto take_trailing_comment = [&](size_t at) {
    const size_t eol = LineEnd(at);
    record.trailing_comment.assign(TrimBlanks(text_.substr(at + 1, eol - at - 1)));
    return eol;
  };
  while (true) {
    if (whitespace || dialect_.trim) {
      while (p < text_.size() && trimmable(text_[p])) ++p;
    }
    if (dialect_.trailing_comment != 0 && p < text_.size() &&
        text_[p] == dialect_.trailing_comment) {
      // An empty field opened only by the delimiter before the comment is not a column.
      return finish(take_trailing_comment(p));
    }
    if (count == record.fields.size()) record.fields.emplace_back();
    std::string& field = record.fields[count++];
    field.clear();
    const size_t column = count;
    if (dialect_.quoting && p < text_.size() && text_[p] == '"') {
      ++p;
      while (true) {
        const void* hit = std::memchr(text_.data() + p, '"', text_.size() - p);
        if (hit == nullptr) {
          Fail(record, start, start_line, column, "quoted field is not closed before end of input");
          return false;
        }
        const size_t q = static_cast<size_t>(static_cast<const char*>(hit) - text_.data());
        for (size_t i = p; i < q; ++i) {
          // Embedded line breaks keep the physical line count right for later rows.
          if (text_[i] == '\n' || (text_[i] == '\r' && (i + 1 >= q || text_[i + 1] != '\n'))) {
            ++line_;
          }
        }
        field.append(text_.substr(p, q - p));
        if (q + 1 < text_.size() && text_[q + 1] == '"') {
          field.push_back('"');
          p = q + 2;
        } else {
          p = q + 1;
          break;
        }
        if (field.size() > dialect_.max_field_bytes) break;
      }
      if (field.size() > dialect_.max_field_bytes) {
        Fail(record, start, start_line, column,
             "field longer than " + std::to_string(dialect_.max_field_bytes) + " bytes");
        return false;
      }
      while (p < text_.size() && trimmable(text_[p])) ++p;
      if (!at_line_end(p) && !IsDelimiter(text_[p]) &&
          !(dialect_.trailing_comment != 0 && text_[p] == dialect_.trailing_comment)) {
        Fail(record, start, start_line, column, "unexpected character after closing quote");
        return false;
      }
    } else {
      const size_t field_start = p;
      while (!at_line_end(p) && !IsDelimiter(text_[p])) {
        if (dialect_.trailing_comment != 0 && text_[p] == dialect_.trailing_comment &&
            IsBlank(text_[p - 1])) {
          break;
        }
        ++p;
      }
      std::string_view value = text_.substr(field_start, p - field_start);
      if (whitespace || dialect_.trim) {
        while (!value.empty() && trimmable(value.back())) value.remove_suffix(1);
      }
      if (value.size() > dialect_.max_field_bytes) {
        Fail(record, start, start_line, column,
             "field longer than " + std::to_string(dialect_.max_field_bytes) + " bytes");
        return false;
      }
      field.assign(value);
    }
    if (at_line_end(p)) return finish(p);
    if (dialect_.trailing_comment != 0 && text_[p] == dialect_.trailing_comment) {
      return finish(take_trailing_comment(p));
    }
    // At a delimiter.
    ++p;
    if (whitespace) {
      while (p < text_.size() && IsBlank(text_[p])) ++p;
      if (at_line_end(p)) return finish(p);  // trailing blanks are not an empty last column
    }
  }
}

}  // namespace socmesh::formats::csv
