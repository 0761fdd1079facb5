#include "formats/text/detail/scan_engine.hpp"

#include <hs/hs.h>

#include <algorithm>
#include <array>
#include <limits>
#include <memory>
#include <optional>
#include <string>

#include "formats/text/detail/defang.hpp"

namespace socmesh::formats::text::detail {

namespace {

// Defanged separators as the reports write them; defang.cpp reads the same forms precisely.
#define SOCMESH_DOT R"((?:\.|\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\}))"
#define SOCMESH_AT R"((?:@|\[@\]|\(@\)|\{@\}|\[at\]|\(at\)|\{at\}))"

struct PatternSpec {
  Pattern id;
  const char* expression;
  unsigned flags;
};

constexpr unsigned kCaseless = HS_FLAG_CASELESS;
const std::array<PatternSpec, 7> kPatterns = {{
    {Pattern::kUrl,
     R"(\b(?:h(?:tt|xx|\*\*)ps?|s?ftps?|fxps?|tcp|udp|wss?)(?:\[://\]|(?::|\[:\]|\(:\)|\{:\})(?://|\[//\]|\[/\]/|/\[/\]|\\/\\/)))",
     kCaseless},
    // The '@' with a character of each side: one report per address.
    {Pattern::kEmail, R"([a-z0-9._%+-])" SOCMESH_AT R"([a-z0-9])", kCaseless},
    {Pattern::kIpv6, R"((?:[0-9a-f]{1,4}:|:)(?:[0-9a-f]{0,4}:){1,6}(?:[0-9a-f]{1,4}|:))",
     kCaseless},
    {Pattern::kHost, R"(\b[a-z0-9-]+(?:)" SOCMESH_DOT R"([a-z0-9-]+)+\b)", kCaseless},
    // Anchored at the start of a hex run: one report per run, however long.
    {Pattern::kHash, R"(\b[0-9a-f]{32})", kCaseless},
    {Pattern::kCve, R"(\bCVE-\d{4}-\d{4,7}\b)", kCaseless},
    {Pattern::kAttack, R"(\bT[01]\d{3}(?:\.\d{3})?\b)", 0},
}};

#undef SOCMESH_DOT
#undef SOCMESH_AT

// Length of a (possibly defanged) dot or '@' that ends just before `end`, 0 when there is none.
size_t DefangEndingAt(std::string_view text, size_t end, bool at) {
  static constexpr std::array<std::string_view, 7> kDots = {".",     "[.]",   "(.)",  "{.}",
                                                            "[dot]", "(dot)", "{dot}"};
  static constexpr std::array<std::string_view, 7> kAts = {"@",    "[@]",  "(@)", "{@}",
                                                           "[at]", "(at)", "{at}"};
  // Called for every label end Hyperscan reports: settle the plain and the no-marker cases first.
  if (end == 0) return 0;
  const char last = text[end - 1];
  if (last == (at ? '@' : '.')) return 1;
  if (last != ']' && last != ')' && last != '}') return 0;
  for (std::string_view form : at ? kAts : kDots) {
    if (end < form.size()) continue;
    bool same = true;
    for (size_t i = 0; i < form.size() && same; ++i) {
      same = LowerAscii(text[end - form.size() + i]) == form[i];
    }
    if (same) return form.size();
  }
  return 0;
}

// The start of the match of `pattern` that ends at `end` (see the header for why it is computed).
size_t StartOf(Pattern pattern, std::string_view text, size_t end) {
  size_t i = end;
  switch (pattern) {
    case Pattern::kUrl:
      while (i > 0 && std::string_view(":/\\[](){}").find(text[i - 1]) != std::string_view::npos) {
        --i;
      }
      while (i > 0 && (IsAsciiAlpha(text[i - 1]) || text[i - 1] == '*')) --i;
      return i;
    case Pattern::kEmail: {
      const size_t at = DefangEndingAt(text, end - 1, true);
      i = end - 1 - at;
      while (i > 0 && (IsAsciiAlnum(text[i - 1]) ||
                       std::string_view("._%+-").find(text[i - 1]) != std::string_view::npos)) {
        --i;
      }
      return i;
    }
    case Pattern::kIpv6:
      while (i > 0 && (IsHex(text[i - 1]) || text[i - 1] == ':' || text[i - 1] == '.')) --i;
      return i;
    case Pattern::kHost:
      while (true) {
        while (i > 0 && IsLabelChar(text[i - 1])) --i;
        const size_t dot = DefangEndingAt(text, i, false);
        if (dot == 0 || i - dot == 0 || !IsLabelChar(text[i - dot - 1])) return i;
        i -= dot;
      }
    case Pattern::kHash:
      return end - 32;
    case Pattern::kCve:
      while (i > 0 && (IsAsciiDigit(text[i - 1]) || text[i - 1] == '-')) --i;
      return i - 3;
    case Pattern::kAttack:
      while (i > 0 && (IsAsciiDigit(text[i - 1]) || text[i - 1] == '.')) --i;
      return i - 1;
  }
  return end;
}

struct DatabaseDeleter {
  void operator()(hs_database_t* db) const { hs_free_database(db); }
};
using Database = std::unique_ptr<hs_database_t, DatabaseDeleter>;

Result<Database> Compile(const std::vector<const char*>& expressions,
                         const std::vector<unsigned>& flags, const std::vector<unsigned>& ids) {
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(expressions.data(), flags.data(), ids.data(),
                       static_cast<unsigned>(expressions.size()), HS_MODE_BLOCK, nullptr, &db,
                       &error) != HS_SUCCESS) {
    std::string message = "hyperscan: cannot compile pattern ";
    message += std::to_string(error->expression) + ": " + error->message;
    hs_free_compile_error(error);
    return Fail(ErrorCode::kInternal, std::move(message));
  }
  return Database(db);
}

// The compiled database is immutable and shared by all threads; each thread gets its own scratch
// space (Hyperscan requires one per concurrent scan), freed when the thread ends.
struct Engine {
  Result<Database> db;
  static const Engine& Instance(bool reference) {
    static const Engine main(false);
    static const Engine ref(true);
    return reference ? ref : main;
  }
  explicit Engine(bool reference) : db(Build(reference)) {}
  static Result<Database> Build(bool reference) {
    std::vector<const char*> expressions;
    std::vector<unsigned> flags;
    std::vector<unsigned> ids;
    if (reference) {
      expressions = {"socmesh-reference-literal"};
      flags = {0};
      ids = {0};
    } else {
      for (const PatternSpec& spec : kPatterns) {
        expressions.push_back(spec.expression);
        flags.push_back(spec.flags);
        ids.push_back(static_cast<unsigned>(spec.id));
      }
    }
    return Compile(expressions, flags, ids);
  }
};

struct Scratch {
  hs_scratch_t* main = nullptr;
  hs_scratch_t* reference = nullptr;
  ~Scratch() {
    hs_free_scratch(main);
    hs_free_scratch(reference);
  }
};

Result<hs_scratch_t*> ScratchFor(const hs_database_t* db, bool reference) {
  thread_local Scratch scratch;
  hs_scratch_t*& slot = reference ? scratch.reference : scratch.main;
  if (slot == nullptr && hs_alloc_scratch(db, &slot) != HS_SUCCESS) {
    return Fail(ErrorCode::kInternal, "hyperscan: cannot allocate scratch space");
  }
  return slot;
}

struct ScanState {
  std::string_view text;
  std::vector<Candidate>* out;
  // Start of the last candidate of each pattern: Hyperscan reports every end offset of a match
  // (each label of a host name), and those from the same start are one candidate.
  std::array<size_t, kPatterns.size()> last_from;
  // End of the last host match: a host name is reported at the end of each of its labels, and a
  // match that only adds "<dot><label>" to the previous one has the previous one's start, which
  // saves reading the whole name back again at every label.
  size_t last_host_end = std::numeric_limits<size_t>::max();
};

// The start of a host match ending at `end` when it extends the previous one (see ScanState).
std::optional<size_t> ExtendsLastHost(const ScanState& state, size_t end) {
  const std::string_view text = state.text;
  size_t i = end;
  while (i > 0 && IsLabelChar(text[i - 1])) --i;
  const size_t dot = DefangEndingAt(text, i, false);
  if (dot == 0 || i - dot != state.last_host_end) return std::nullopt;
  return state.last_from[static_cast<size_t>(Pattern::kHost)];
}

int OnMatch(unsigned id, unsigned long long /*from*/, unsigned long long to, unsigned /*flags*/,
            void* context) {
  auto* state = static_cast<ScanState*>(context);
  const auto pattern = static_cast<Pattern>(id);
  size_t from = 0;
  if (pattern == Pattern::kHost) {
    const std::optional<size_t> previous = ExtendsLastHost(*state, static_cast<size_t>(to));
    from = previous ? *previous : StartOf(pattern, state->text, static_cast<size_t>(to));
    state->last_host_end = static_cast<size_t>(to);
  } else {
    from = StartOf(pattern, state->text, static_cast<size_t>(to));
  }
  if (state->last_from[id] == from) return 0;
  state->last_from[id] = from;
  state->out->push_back(Candidate{from, pattern});
  return 0;
}

Result<const hs_database_t*> LoadDatabase(bool reference, std::string_view text) {
  if (text.size() >= std::numeric_limits<unsigned>::max()) {
    return Fail(ErrorCode::kTooLarge, "text of " + std::to_string(text.size()) +
                                          " bytes: at most 4 GiB can be scanned at once");
  }
  const Engine& engine = Engine::Instance(reference);
  if (!engine.db) return std::unexpected(engine.db.error());
  return engine.db->get();
}

}  // namespace

Result<std::vector<Candidate>> FindCandidates(std::string_view text) {
  std::vector<Candidate> out;
  if (Result<void> found = FindCandidates(text, &out); !found) {
    return std::unexpected(found.error());
  }
  return out;
}

Result<void> FindCandidates(std::string_view text, std::vector<Candidate>* out_vector) {
  std::vector<Candidate>& out = *out_vector;
  out.clear();
  // IOC-dense text has a candidate every ~40 bytes: growing the vector from empty copied it
  // again and again. The reserve is address space until used.
  out.reserve(std::min<size_t>(text.size() / 24, size_t{1} << 21));
  Result<const hs_database_t*> db = LoadDatabase(false, text);
  if (!db) return std::unexpected(db.error());
  Result<hs_scratch_t*> scratch = ScratchFor(*db, false);
  if (!scratch) return std::unexpected(scratch.error());
  ScanState state{text, &out, {}};
  state.last_from.fill(std::numeric_limits<size_t>::max());
  if (hs_scan(*db, text.data(), static_cast<unsigned>(text.size()), 0, *scratch, OnMatch, &state) !=
      HS_SUCCESS) {
    return Fail(ErrorCode::kInternal, "hyperscan: scan failed");
  }
  // Matches arrive in order of their end, so starts are nearly sorted already.
  auto before = [](const Candidate& a, const Candidate& b) {
    return a.from != b.from ? a.from < b.from : a.pattern < b.pattern;
  };
  if (!std::is_sorted(out.begin(), out.end(), before)) std::sort(out.begin(), out.end(), before);
  return {};
}

Result<size_t> ScanReferenceLiteral(std::string_view text) {
  Result<const hs_database_t*> db = LoadDatabase(true, text);
  if (!db) return std::unexpected(db.error());
  Result<hs_scratch_t*> scratch = ScratchFor(*db, true);
  if (!scratch) return std::unexpected(scratch.error());
  size_t matches = 0;
  auto count = [](unsigned, unsigned long long, unsigned long long, unsigned, void* ctx) {
    ++*static_cast<size_t*>(ctx);
    return 0;
  };
  if (hs_scan(*db, text.data(), static_cast<unsigned>(text.size()), 0, *scratch, count, &matches) !=
      HS_SUCCESS) {
    return Fail(ErrorCode::kInternal, "hyperscan: scan failed");
  }
  return matches;
}

}  // namespace socmesh::formats::text::detail
