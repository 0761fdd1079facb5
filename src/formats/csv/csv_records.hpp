// Splitting feed text into records: RFC 4180 CSV and the looser "plain list" dialects that threat
// feeds use (tab- or blank-separated columns, '#' / ';' banners, trailing "; comment" values).
//
// The reader works on a view of the whole input and reuses one Record, so a multi-megabyte feed
// costs no allocation per row once the field buffers have grown.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace socmesh::formats::csv {

// Separator value meaning "one or more blanks (space or tab)", as in IPsum or Spamhaus lists.
inline constexpr char kWhitespaceDelimiter = ' ';

struct Dialect {
  char delimiter = ',';  // ',', ';', '\t', '|', or kWhitespaceDelimiter
  bool quoting = true;   // RFC 4180 double quotes ("" inside, delimiters and newlines allowed)
  // A line whose first non-blank character is one of these is a comment (banners, "# END").
  std::string comment_prefixes = "#";
  // When set, the rest of a data line from this character on (at the start of a field or after a
  // blank) is the record's trailing comment, e.g. ';' for Spamhaus DROP "1.2.3.0/24 ; SBL123".
  char trailing_comment = 0;
  bool trim = true;                          // strip blanks around unquoted fields
  size_t max_field_bytes = size_t{1} << 16;  // a longer field makes the record an error
};

enum class RecordType {
  kData,     // `fields` (and maybe `trailing_comment`) are set
  kComment,  // `text` is the line after the comment character, trimmed
  kError,    // `text` says what is wrong; `column` is the 1-based field where it was found
};

struct Record {
  RecordType type = RecordType::kData;
  size_t line = 0;    // 1-based physical line where the record starts
  size_t column = 0;  // for kError
  std::vector<std::string> fields;
  std::string trailing_comment;
  std::string text;
};

class RecordReader {
 public:
  // `text` must outlive the reader. Blank lines are skipped.
  RecordReader(std::string_view text, const Dialect& dialect);

  // Reads the next record into `record` (its buffers are reused). Returns false at the end. After
  // an error the reader resumes on the line after the one where the bad record started, so one
  // stray quote costs one row, not the rest of the file.
  bool Next(Record& record);

  // Bytes consumed so far.
  size_t position() const { return pos_; }

 private:
  bool IsBlank(char c) const { return c == ' ' || c == '\t'; }
  bool IsDelimiter(char c) const;
  size_t LineEnd(size_t from) const;  // index of '\r' or '\n' ending the line, or size
  size_t AfterLineBreak(size_t eol);  // skips "\r\n", "\n" or "\r"; counts the line
  bool ReadData(Record& record, size_t start_line);
  void Fail(Record& record, size_t start, size_t start_line, size_t column, std::string message);

  std::string_view text_;
  Dialect dialect_;
  size_t pos_ = 0;
  size_t line_ = 1;
};

}  // namespace socmesh::formats::csv
