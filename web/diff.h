// vanban/web (internal) — a word-level diff of two texts, to compare two revisions
// of a document on the page /doc/ID/revisions.
//
// Texts are cut into tokens: a run of word characters (ASCII letters and digits and
// every non-ASCII letter, so Vietnamese words with their diacritics, precomposed or
// combining, are ordinary tokens), a run of whitespace, or one other character
// (punctuation). A UTF-8 sequence is never split; a malformed byte is a token alone.
// The tokens are compared with Myers' O(ND) algorithm after the common start and end
// are set aside. The work is bounded by construction: beyond `max_edits` differing
// tokens or `max_steps` steps the texts are compared line by line (each changed block
// of lines then compared word by word within what budget is left), and beyond that
// the differing middle is one deletion and one insertion. So a 100 KB document with
// everything changed costs a few milliseconds, never quadratic time.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vanban::web {

enum class DiffOp { kEqual, kInsert, kDelete };

struct DiffRun {
  DiffOp op = DiffOp::kEqual;
  std::string text;
  bool operator==(const DiffRun&) const = default;
};

// The search keeps about D² ints for the way back (1 MB at 500): both bounds hold the
// time and the memory of one diff.
struct DiffLimits {
  size_t max_edits = 500;       // differing tokens (D) of one Myers run
  size_t max_steps = 1'000'000; // comparisons and bookkeeping of one level (words, then lines)
};

// How the result was made: word by word, or coarser because of the limits.
enum class DiffDetail { kWords, kLines, kWhole };

struct Diff {
  std::vector<DiffRun> runs;
  DiffDetail detail = DiffDetail::kWords;
};

std::vector<std::string_view> Tokenize(std::string_view text);

// The runs that turn `a` into `b`: concatenating the equal and deleted runs gives `a`,
// the equal and inserted ones `b`. Adjacent runs never share an op; between two equal
// runs the deletion comes before the insertion; whitespace (without a line break) that
// merely separates two changes is folded into them, so "bỏ hai từ" reads as one change.
Diff WordDiff(std::string_view a, std::string_view b, const DiffLimits& limits = {});

// <div class="diff"><pre class="text">…</pre></div> with <ins>/<del>; all text escaped.
std::string DiffHtml(const std::vector<DiffRun>& runs);

}  // namespace vanban::web
