// vanban/web — the word-level diff of two revisions (see diff.h).
#include "web/diff.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <span>

#include "web/web.h"

namespace vanban::web {

namespace {

// Length of the UTF-8 sequence at s[i]; 1 for a malformed or cut sequence.
size_t CharLen(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n <= 1 || i + n > s.size()) return 1;
  for (size_t j = 1; j < n; ++j)
    if ((static_cast<unsigned char>(s[i + j]) & 0xC0) != 0x80) return 1;
  return n;
}

uint32_t CodePoint(std::string_view s, size_t i, size_t n) {
  const auto c = static_cast<unsigned char>(s[i]);
  uint32_t cp = n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
  for (size_t j = 1; j < n; ++j) cp = (cp << 6) | (static_cast<unsigned char>(s[i + j]) & 0x3F);
  return cp;
}

enum class Kind { kWord, kSpace, kOther };

Kind KindAt(std::string_view s, size_t i, size_t n) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (n == 1) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return Kind::kWord;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') return Kind::kSpace;
    return Kind::kOther;  // ASCII punctuation, control, or a malformed byte
  }
  const uint32_t cp = CodePoint(s, i, n);
  if (cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F || cp == 0x205F || cp == 0x3000) return Kind::kSpace;
  // Latin-1 punctuation and signs (« » ° § ×, ÷), general punctuation (– — “ ” … ‰), CJK marks.
  if ((cp >= 0xA1 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 || (cp >= 0x2010 && cp <= 0x206F) ||
      (cp >= 0x3001 && cp <= 0x3003))
    return Kind::kOther;
  return Kind::kWord;  // letters of every script, with precomposed or combining diacritics
}

struct Budget {
  size_t steps;
  size_t max_edits;
  bool Spend(size_t n) {
    if (n > steps) {
      steps = 0;
      return false;
    }
    steps -= n;
    return true;
  }
};

// Myers' greedy O(ND) forward search with the frontier of each round kept for the
// way back. The kept frontiers add up to about D² ints, charged to the budget, so
// memory is bounded too. False (nothing written) beyond the budget or max_edits.
bool Myers(const std::vector<int>& a, const std::vector<int>& b, Budget& budget, std::vector<DiffOp>* script) {
  const int n = static_cast<int>(a.size()), m = static_cast<int>(b.size());
  const int max_d = static_cast<int>(std::min<size_t>(static_cast<size_t>(n) + static_cast<size_t>(m), budget.max_edits));
  const int off = max_d + 1;
  std::vector<int> v(static_cast<size_t>(2 * max_d + 3), 0);  // furthest x on diagonal k, at v[off + k]
  std::vector<int> trace;  // for each round d: v[-d-1 .. d+1] as it was before the round
  for (int d = 0; d <= max_d; ++d) {
    if (!budget.Spend(static_cast<size_t>(2 * d + 3))) return false;
    trace.insert(trace.end(), v.begin() + (off - d - 1), v.begin() + (off + d + 2));
    for (int k = -d; k <= d; k += 2) {
      int x = (k == -d || (k != d && v[off + k - 1] < v[off + k + 1])) ? v[off + k + 1] : v[off + k - 1] + 1;
      int y = x - k;
      const int x0 = x;
      while (x < n && y < m && a[x] == b[y]) ++x, ++y;
      if (!budget.Spend(static_cast<size_t>(1 + x - x0))) return false;
      v[off + k] = x;
      if (x < n || y < m) continue;
      // Back from (n, m) through the kept frontiers.
      std::vector<DiffOp> back;
      back.reserve(static_cast<size_t>(n + m));
      for (int dd = d; dd > 0; --dd) {
        const int* f = trace.data() + (dd * dd + 2 * dd) + dd + 1;  // f[k]: round dd's frontier
        const int kk = x - y;
        const bool down = kk == -dd || (kk != dd && f[kk - 1] < f[kk + 1]);
        const int pk = down ? kk + 1 : kk - 1;
        const int px = f[pk], py = px - pk;
        const int mx = down ? px : px + 1;
        while (x > mx) back.push_back(DiffOp::kEqual), --x, --y;
        back.push_back(down ? DiffOp::kInsert : DiffOp::kDelete);
        x = px;
        y = py;
      }
      while (x > 0) back.push_back(DiffOp::kEqual), --x, --y;
      script->assign(back.rbegin(), back.rend());
      return true;
    }
  }
  return false;
}

// Appends `text` as `op`, joining the previous run of the same op.
void Push(std::vector<DiffRun>& out, DiffOp op, std::string_view text) {
  if (text.empty()) return;
  if (!out.empty() && out.back().op == op) out.back().text.append(text);
  else out.push_back({op, std::string(text)});
}

// Units (tokens or lines) as numbers 0..distinct-1, equal units equal numbers: one
// open-addressing table, no allocation per unit.
struct Interned {
  std::vector<int> a, b;
  size_t distinct = 0;
};
Interned Intern(std::span<const std::string_view> a, std::span<const std::string_view> b) {
  std::vector<std::string_view> first;  // each number's unit
  std::vector<size_t> hashes;           // and its hash
  std::vector<int> slot(256, -1);       // a number, or -1; grown to stay under half full
  auto place = [&](size_t h) {
    size_t at = h & (slot.size() - 1);
    while (slot[at] >= 0) at = (at + 1) & (slot.size() - 1);
    return at;
  };
  Interned out;
  auto number = [&](std::span<const std::string_view> units, std::vector<int>& to) {
    to.reserve(units.size());
    for (std::string_view u : units) {
      const size_t h = std::hash<std::string_view>{}(u);
      size_t at = h & (slot.size() - 1);
      while (slot[at] >= 0 && (hashes[static_cast<size_t>(slot[at])] != h || first[static_cast<size_t>(slot[at])] != u))
        at = (at + 1) & (slot.size() - 1);
      if (slot[at] >= 0) {
        to.push_back(slot[at]);
        continue;
      }
      const int id = static_cast<int>(first.size());
      slot[at] = id;
      first.push_back(u);
      hashes.push_back(h);
      if (2 * first.size() > slot.size()) {
        slot.assign(slot.size() * 2, -1);
        for (size_t n = 0; n < first.size(); ++n) slot[place(hashes[n])] = static_cast<int>(n);
      }
      to.push_back(id);
    }
  };
  number(a, out.a);
  number(b, out.b);
  out.distinct = first.size();
  return out;
}

// Text from unit `from` to unit `to` of a unit list cut from one string.
std::string_view Span(const std::vector<std::string_view>& u, size_t from, size_t to) {
  if (from >= to) return {};
  return {u[from].data(), static_cast<size_t>(u[to - 1].data() + u[to - 1].size() - u[from].data())};
}

// Counts of equal units at the start and (not overlapping) at the end.
std::pair<size_t, size_t> CommonEnds(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b) {
  size_t p = 0;
  while (p < a.size() && p < b.size() && a[p] == b[p]) ++p;
  size_t s = 0;
  while (s < a.size() - p && s < b.size() - p && a[a.size() - 1 - s] == b[b.size() - 1 - s]) ++s;
  return {p, s};
}

// Units diffed with Myers, the common ends set aside first; false beyond the budget.
bool UnitDiff(const std::vector<std::string_view>& ua, const std::vector<std::string_view>& ub, Budget& budget,
              std::vector<DiffRun>& out) {
  auto [p, s] = CommonEnds(ua, ub);
  const std::span<const std::string_view> ma(ua.data() + p, ua.size() - p - s), mb(ub.data() + p, ub.size() - p - s);
  const Interned in = Intern(ma, mb);
  // Each unit more often in one text than in the other is an edit: a bound found in
  // linear time, which spares a hopeless search (everything rewritten) its cost.
  std::vector<int> surplus(in.distinct);
  for (int u : in.a) ++surplus[static_cast<size_t>(u)];
  for (int u : in.b) --surplus[static_cast<size_t>(u)];
  size_t at_least = 0;
  for (int c : surplus) at_least += static_cast<size_t>(c < 0 ? -c : c);
  if (at_least > budget.max_edits) return false;
  std::vector<DiffOp> script;
  if (!Myers(in.a, in.b, budget, &script)) return false;
  Push(out, DiffOp::kEqual, Span(ua, 0, p));
  size_t i = 0, j = 0;
  for (DiffOp op : script) {
    if (op == DiffOp::kEqual) Push(out, op, ma[i++]), ++j;
    else if (op == DiffOp::kDelete) Push(out, op, ma[i++]);
    else Push(out, op, mb[j++]);
  }
  Push(out, DiffOp::kEqual, Span(ua, ua.size() - s, ua.size()));
  return true;
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  size_t at = 0;
  while (at < text.size()) {
    size_t nl = text.find('\n', at);
    size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    out.push_back(text.substr(at, end - at));
    at = end;
  }
  return out;
}

// Line by line; each changed block of lines then word by word while the budget lasts.
bool LineDiff(std::string_view a, std::string_view b, Budget& budget, std::vector<DiffRun>& out) {
  std::vector<DiffRun> lines;
  if (!UnitDiff(Lines(a), Lines(b), budget, lines)) return false;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].op == DiffOp::kEqual) {
      Push(out, DiffOp::kEqual, lines[i].text);
      continue;
    }
    std::string del, ins;
    for (; i < lines.size() && lines[i].op != DiffOp::kEqual; ++i)
      (lines[i].op == DiffOp::kDelete ? del : ins) += lines[i].text;
    --i;
    std::vector<DiffRun> words;
    if (!del.empty() && !ins.empty() && UnitDiff(Tokenize(del), Tokenize(ins), budget, words)) {
      for (const DiffRun& r : words) Push(out, r.op, r.text);
    } else {
      Push(out, DiffOp::kDelete, del);
      Push(out, DiffOp::kInsert, ins);
    }
  }
  return true;
}

bool OnlySpaceOnOneLine(const std::string& s) {
  return !s.empty() && s.find('\n') == std::string::npos &&
         std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t'; });
}

// Deletion before insertion between equal runs; whitespace between two replacements folded in.
std::vector<DiffRun> Canonical(const std::vector<DiffRun>& runs) {
  struct Piece {
    bool change = false;
    std::string eq, del, ins;
    bool replaces() const { return change && !del.empty() && !ins.empty(); }
  };
  std::vector<Piece> ps;
  for (const DiffRun& r : runs) {
    if (r.text.empty()) continue;
    if (r.op == DiffOp::kEqual) {
      if (!ps.empty() && !ps.back().change) ps.back().eq += r.text;
      else ps.push_back({false, r.text, "", ""});
      continue;
    }
    if (ps.empty() || !ps.back().change) ps.push_back({true, "", "", ""});
    (r.op == DiffOp::kDelete ? ps.back().del : ps.back().ins) += r.text;
  }
  std::vector<Piece> folded;
  for (size_t i = 0; i < ps.size(); ++i) {
    if (!ps[i].change && i + 1 < ps.size() && !folded.empty() && folded.back().replaces() && ps[i + 1].replaces() &&
        OnlySpaceOnOneLine(ps[i].eq)) {
      folded.back().del += ps[i].eq + ps[i + 1].del;
      folded.back().ins += ps[i].eq + ps[i + 1].ins;
      ++i;
      continue;
    }
    folded.push_back(std::move(ps[i]));
  }
  std::vector<DiffRun> out;
  for (const Piece& p : folded) {
    if (!p.change) {
      out.push_back({DiffOp::kEqual, p.eq});
      continue;
    }
    if (!p.del.empty()) out.push_back({DiffOp::kDelete, p.del});
    if (!p.ins.empty()) out.push_back({DiffOp::kInsert, p.ins});
  }
  return out;
}

}  // namespace

std::vector<std::string_view> Tokenize(std::string_view text) {
  std::vector<std::string_view> out;
  out.reserve(text.size() / 2 + 1);  // no copies while growing: about one token in 3-4 bytes
  size_t i = 0;
  while (i < text.size()) {
    size_t n = CharLen(text, i);
    const Kind k = KindAt(text, i, n);
    size_t end = i + n;
    if (k != Kind::kOther) {
      while (end < text.size()) {
        size_t m = CharLen(text, end);
        if (KindAt(text, end, m) != k) break;
        end += m;
      }
    }
    out.push_back(text.substr(i, end - i));
    i = end;
  }
  return out;
}

Diff WordDiff(std::string_view a_all, std::string_view b_all, const DiffLimits& limits) {
  // The common lines at the start and at the end are set aside before anything is cut
  // into tokens: a small change to a long text costs little more than a comparison.
  size_t head = std::mismatch(a_all.begin(), a_all.end(), b_all.begin(), b_all.end()).first - a_all.begin();
  size_t nl = a_all.rfind('\n', head ? head - 1 : 0);
  head = nl == std::string_view::npos || nl >= head ? 0 : nl + 1;
  size_t tail = 0;  // bytes of the common end, from a line start on
  {
    const size_t most = std::min(a_all.size(), b_all.size()) - head;
    size_t same = 0;
    while (same < most && a_all[a_all.size() - 1 - same] == b_all[b_all.size() - 1 - same]) ++same;
    size_t from = a_all.find('\n', a_all.size() - same);
    if (same && from != std::string_view::npos) tail = a_all.size() - from - 1;
  }
  const std::string_view a = a_all.substr(head, a_all.size() - head - tail);
  const std::string_view b = b_all.substr(head, b_all.size() - head - tail);

  Diff d;
  std::vector<DiffRun> runs;
  Push(runs, DiffOp::kEqual, a_all.substr(0, head));
  Budget words{limits.max_steps, limits.max_edits};
  const std::vector<std::string_view> ta = Tokenize(a), tb = Tokenize(b);
  if (!UnitDiff(ta, tb, words, runs)) {
    runs.resize(head ? 1 : 0);
    Budget lines{limits.max_steps, limits.max_edits};
    d.detail = DiffDetail::kLines;
    if (!LineDiff(a, b, lines, runs)) {
      // Too different even by lines: the common start and end, and the middle replaced.
      runs.resize(head ? 1 : 0);
      auto [p, s] = CommonEnds(ta, tb);
      Push(runs, DiffOp::kEqual, Span(ta, 0, p));
      Push(runs, DiffOp::kDelete, Span(ta, p, ta.size() - s));
      Push(runs, DiffOp::kInsert, Span(tb, p, tb.size() - s));
      Push(runs, DiffOp::kEqual, Span(ta, ta.size() - s, ta.size()));
      d.detail = DiffDetail::kWhole;
    }
  }
  Push(runs, DiffOp::kEqual, a_all.substr(a_all.size() - tail));
  d.runs = Canonical(runs);
  return d;
}

std::string DiffHtml(const std::vector<DiffRun>& runs) {
  std::string h = "<div class=\"diff\"><pre class=\"text\">";
  for (const DiffRun& r : runs) {
    if (r.op == DiffOp::kEqual) h += Escape(r.text);
    else if (r.op == DiffOp::kInsert) h += "<ins>" + Escape(r.text) + "</ins>";
    else h += "<del>" + Escape(r.text) + "</del>";
  }
  return h + "</pre></div>";
}

}  // namespace vanban::web
