#include "audit/verify.hpp"

#include <algorithm>
#include <map>

#include "audit/entry.hpp"
#include "audit/log_files.hpp"
#include "crypto/merkle.hpp"

namespace socmesh::audit {

namespace {

namespace merkle = crypto::merkle;

std::string N(uint64_t v) { return std::to_string(v); }

int FileRank(const std::string& file) {
  if (file == kEntriesFile) return 0;
  if (file == kCheckpointsFile) return 1;
  return 2;
}

void CheckEntries(const LogSnapshot& snap, VerifyReport& report) {
  const auto& lines = snap.entries.lines;
  uint64_t expected = 0;
  bool prev_reported = false;  // the previous line already has a problem: do not blame it twice
  const std::string zeros(64, '0');
  for (uint64_t i = 0; i < lines.size(); ++i) {
    auto entry = ParseEntry(lines[i]);
    if (!entry) {
      report.problems.push_back({ProblemKind::kMalformedEntry, kEntriesFile, i + 1, expected,
                                 "not a valid audit entry: " + entry.error().message});
      ++expected;
      prev_reported = true;
      continue;
    }
    if (entry->seq != expected) {
      report.problems.push_back(
          {ProblemKind::kSeqMismatch, kEntriesFile, i + 1, entry->seq,
           "seq " + N(entry->seq) + " where " + N(expected) +
               " was expected: entries were removed, inserted or reordered here"});
      expected = entry->seq + 1;
      prev_reported = true;
      continue;
    }
    ++expected;
    const std::string& want = i == 0 ? zeros : merkle::ToHex(snap.leaves[i - 1]);
    if (entry->prev != want && !prev_reported) {
      if (i == 0) {
        report.problems.push_back({ProblemKind::kEntryModified, kEntriesFile, 1, 0,
                                   "the first entry's \"prev\" is not all zeros: modified"});
      } else {
        report.problems.push_back({ProblemKind::kEntryModified, kEntriesFile, i, i - 1,
                                   "entry modified: its hash no longer matches \"prev\" in line " +
                                       N(i + 1) + " (or that \"prev\" was altered)"});
      }
    }
    prev_reported = false;
  }
  if (!snap.entries.torn_tail.empty()) {
    report.problems.push_back(
        {ProblemKind::kTornLine, kEntriesFile, lines.size() + 1, lines.size(),
         "incomplete last line of " + N(snap.entries.torn_tail.size()) +
             " bytes without newline: an interrupted write, or the file was truncated"});
  }
}

// A checkpoint that passed the per-checkpoint checks, with its line.
struct GoodCheckpoint {
  Checkpoint cp;
  uint64_t line;
};

// `claimed` is set to the most entries any authentic checkpoint covers (even one whose root turns
// out wrong): entries beyond it are unsigned; entries below it are judged by the roots.
std::vector<GoodCheckpoint> CheckCheckpoints(const LogSnapshot& snap, const VerifyOptions& options,
                                             std::string& origin, uint64_t& claimed,
                                             VerifyReport& report) {
  std::vector<GoodCheckpoint> good;
  const auto& lines = snap.checkpoint_lines.lines;
  const uint64_t n = snap.entries.lines.size();
  for (uint64_t k = 0; k < lines.size(); ++k) {
    const uint64_t line = k + 1;
    auto cp = ParseCheckpoint(lines[k]);
    if (!cp) {
      report.problems.push_back({ProblemKind::kMalformedCheckpoint, kCheckpointsFile, line,
                                 std::nullopt, "not a valid checkpoint: " + cp.error().message});
      continue;
    }
    const TreeHead& h = cp->head;
    const std::string what = "checkpoint (size " + N(h.size) + ") ";
    if (!VerifyCheckpointSignature(*cp, options.key)) {
      report.problems.push_back(
          {ProblemKind::kBadSignature, kCheckpointsFile, line, std::nullopt,
           what + "signature does not verify under the given key: forged, or signed by another "
                  "key"});
      continue;
    }
    if (origin.empty()) origin = h.origin;
    if (h.origin != origin) {
      report.problems.push_back(
          {ProblemKind::kOriginMismatch, kCheckpointsFile, line, std::nullopt,
           what + "belongs to log \"" + h.origin + "\", not \"" + origin + "\""});
      continue;
    }
    if (!good.empty()) {
      const TreeHead& p = good.back().cp.head;
      if (h.size < p.size || h.time < p.time) {
        report.problems.push_back(
            {ProblemKind::kCheckpointRollback, kCheckpointsFile, line, std::nullopt,
             what + "goes back from line " + N(good.back().line) + " (size " + N(p.size) +
                 ", time " + model::FormatTimestamp(p.time, true) +
                 "): an old checkpoint "
                 "replayed, or the log rolled back"});
        continue;
      }
    }
    claimed = std::max(claimed, std::min(h.size, n));
    if (h.size > n) {
      report.problems.push_back({ProblemKind::kCheckpointBeyondLog, kCheckpointsFile, line, n,
                                 what + "covers " + N(h.size) + " entries but the log has only " +
                                     N(n) + ": entries were truncated or removed"});
      continue;
    }
    good.push_back({std::move(*cp), line});
  }
  if (!snap.checkpoint_lines.torn_tail.empty()) {
    report.problems.push_back({ProblemKind::kTornLine, kCheckpointsFile, lines.size() + 1,
                               std::nullopt,
                               "incomplete last line: an interrupted write, or the file was "
                               "truncated"});
  }
  return good;
}

}  // namespace

std::string_view ProblemKindName(ProblemKind kind) {
  switch (kind) {
    case ProblemKind::kTornLine:
      return "torn-line";
    case ProblemKind::kMalformedEntry:
      return "malformed-entry";
    case ProblemKind::kSeqMismatch:
      return "seq-mismatch";
    case ProblemKind::kEntryModified:
      return "entry-modified";
    case ProblemKind::kMalformedCheckpoint:
      return "malformed-checkpoint";
    case ProblemKind::kBadSignature:
      return "bad-signature";
    case ProblemKind::kOriginMismatch:
      return "origin-mismatch";
    case ProblemKind::kCheckpointRollback:
      return "checkpoint-rollback";
    case ProblemKind::kCheckpointBeyondLog:
      return "checkpoint-beyond-log";
    case ProblemKind::kRootMismatch:
      return "root-mismatch";
    case ProblemKind::kUnsignedEntries:
      return "unsigned-entries";
    case ProblemKind::kTrustedBeyondLog:
      return "trusted-beyond-log";
    case ProblemKind::kTrustedMismatch:
      return "trusted-mismatch";
    case ProblemKind::kCheckpointsTruncated:
      return "checkpoints-truncated";
  }
  return "unknown";
}

Result<VerifyReport> VerifyLog(const std::filesystem::path& dir, const VerifyOptions& options) {
  if (options.key == nullptr) return Fail(ErrorCode::kInvalidArgument, "no verification key");
  auto snap = ReadLog(dir);
  if (!snap) return std::unexpected(snap.error());
  VerifyReport report;
  report.entries = snap->entries.lines.size();
  report.checkpoints = snap->checkpoint_lines.lines.size();
  CheckEntries(*snap, report);

  std::string origin = options.origin;
  if (origin.empty() && options.trusted) origin = options.trusted->head.origin;
  uint64_t claimed = 0;
  std::vector<GoodCheckpoint> good = CheckCheckpoints(*snap, options, origin, claimed, report);

  // Roots at every size a checkpoint (or the trusted one) names, in one pass over the leaves.
  std::map<uint64_t, merkle::Hash> roots;
  for (const auto& g : good) roots[g.cp.head.size] = {};
  const bool trusted_ok =
      options.trusted && VerifyCheckpointSignature(*options.trusted, options.key);
  if (trusted_ok && options.trusted->head.size <= report.entries) {
    roots[options.trusted->head.size] = {};
  }
  merkle::CompactTree tree;
  auto next = roots.begin();
  if (next != roots.end() && next->first == 0) next++->second = tree.Root();
  for (const auto& leaf : snap->leaves) {
    tree.Append(leaf);
    if (next != roots.end() && next->first == tree.size()) next++->second = tree.Root();
  }

  uint64_t verified_size = 0;  // entries covered by the newest checkpoint whose root matched
  std::optional<TreeHead> latest;
  for (const auto& g : good) {
    const TreeHead& h = g.cp.head;
    if (roots[h.size] != h.root) {
      report.problems.push_back({ProblemKind::kRootMismatch, kCheckpointsFile, g.line,
                                 verified_size,
                                 "the first " + N(h.size) +
                                     " entries do not hash to this checkpoint's signed root: "
                                     "an entry with seq in [" +
                                     N(verified_size) + ", " + N(h.size) + ") (lines " +
                                     N(verified_size + 1) + "-" + N(h.size) +
                                     ") was modified, removed, inserted or "
                                     "reordered"});
      continue;
    }
    verified_size = std::max(verified_size, h.size);
    latest = h;
  }
  report.latest = latest;
  report.signed_entries = verified_size;
  if (claimed < report.entries) {
    const std::string reason = N(report.entries - claimed) + " entries (seq " + N(claimed) +
                               " on, lines " + N(claimed + 1) + "-" + N(report.entries) +
                               ") are not covered by any valid checkpoint: appended after the "
                               "last signed tree head, or forged";
    if (options.allow_unsigned_tail) {
      report.warnings.push_back(reason);
    } else {
      report.problems.push_back(
          {ProblemKind::kUnsignedEntries, kEntriesFile, claimed + 1, claimed, reason});
    }
  }

  if (options.trusted) {
    const std::string kTrusted = "trusted checkpoint";
    const TreeHead& t = options.trusted->head;
    if (!trusted_ok) {
      report.problems.push_back({ProblemKind::kBadSignature, kTrusted, 0, std::nullopt,
                                 "the trusted checkpoint's signature does not verify under the "
                                 "given key"});
    } else if (t.origin != origin) {
      report.problems.push_back({ProblemKind::kOriginMismatch, kTrusted, 0, std::nullopt,
                                 "the trusted checkpoint belongs to log \"" + t.origin + "\""});
    } else if (t.size > report.entries) {
      report.problems.push_back({ProblemKind::kTrustedBeyondLog, kTrusted, 0, report.entries,
                                 "the trusted checkpoint covers " + N(t.size) +
                                     " entries but the log has only " + N(report.entries) +
                                     ": entries were truncated"});
    } else if (roots[t.size] != t.root) {
      report.problems.push_back(
          {ProblemKind::kTrustedMismatch, kTrusted, 0, std::nullopt,
           "the log's first " + N(t.size) +
               " entries do not match the trusted checkpoint: history was rewritten"});
    } else if (!latest || latest->size < t.size || latest->time < t.time) {
      report.problems.push_back(
          {ProblemKind::kCheckpointsTruncated, kTrusted, 0, std::nullopt,
           "the log's newest valid checkpoint (" +
               (latest
                    ? "size " + N(latest->size) + ", " + model::FormatTimestamp(latest->time, true)
                    : std::string("none")) +
               ") is older than the trusted one (size " + N(t.size) + ", " +
               model::FormatTimestamp(t.time, true) +
               "): checkpoints were removed or an old copy of the log restored"});
    }
  }
  if (!options.trusted && report.entries > 0) {
    report.warnings.push_back(
        "no --trusted-checkpoint: removal of the newest entries together with their checkpoints "
        "cannot be detected");
  }
  std::stable_sort(report.problems.begin(), report.problems.end(),
                   [](const Problem& a, const Problem& b) {
                     const int ra = FileRank(a.file), rb = FileRank(b.file);
                     return ra != rb ? ra < rb : a.line < b.line;
                   });
  return report;
}

}  // namespace socmesh::audit
