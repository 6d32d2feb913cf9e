// vanban/pdf — composition: inline markup, line breaking, pagination, the
// letterhead and the signer blocks. See text_layout.h.
#include "pdf/text_layout.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "core/text.h"

namespace vanban::pdf::internal {

std::string ToUtf8(const std::u32string& s) {
  std::string out;
  out.reserve(s.size() + s.size() / 2);
  for (char32_t c : s) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

// Lenient: the input was checked by ParseDocumentFile; a stray bad byte becomes U+FFFD.
std::u32string ToUtf32(const std::string& s) {
  std::u32string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    unsigned char b = static_cast<unsigned char>(s[i]);
    char32_t c;
    int n;
    if (b < 0x80) { c = b; n = 1; }
    else if ((b & 0xE0) == 0xC0) { c = b & 0x1F; n = 2; }
    else if ((b & 0xF0) == 0xE0) { c = b & 0x0F; n = 3; }
    else if ((b & 0xF8) == 0xF0) { c = b & 0x07; n = 4; }
    else { out += U'\uFFFD'; ++i; continue; }
    if (i + n > s.size()) { out += U'\uFFFD'; break; }
    for (int k = 1; k < n; ++k) c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out += c;
    i += n;
  }
  return out;
}

namespace {

constexpr double kTextW = kPageW - kMarginLeft - kMarginRight;
constexpr double kLeft = kMarginLeft;
constexpr double kRight = kPageW - kMarginRight;
constexpr double kTop = kPageH - kMarginTop;
constexpr double kBottom = kMarginBottom;

// Letterhead columns: the issuing body left (40%), the national title right.
constexpr double kLeftColW = 0.4 * kTextW;
constexpr double kLeftColCx = kLeft + kLeftColW / 2;
constexpr double kRightColX = kLeft + kLeftColW;
constexpr double kRightColW = kTextW - kLeftColW;
constexpr double kRightColCx = kRightColX + kRightColW / 2;

constexpr double kBodySize = 14;
constexpr double kBodyLeading = 1.2 * kBodySize;
constexpr double kParaSpace = 6;
constexpr double kIndent = 36;  // 1.27 cm
constexpr double kNoteSize = 10;
constexpr double kNoteLeading = 11.5;
constexpr double kNoteGap = 10;       // from the last body line to the footnote rule
constexpr double kStampSpace = 3 * 28.3465;  // 3 cm for the signature
constexpr double kStampW = 170;
constexpr double kSealW = 45 * kMm, kSealH = 30 * kMm;

double Descent(double size) { return 0.25 * size; }

enum class Align { kJustify, kLeft, kCenter, kRight };

// ---- measuring ----

double RunWidth(const Measure& m, const Run& r) {
  double w = 0;
  for (char32_t c : r.text) w += m.Advance(r.face, c);
  return w * r.size / 1000.0;
}

double TextWidth(const Measure& m, Face f, double size, const std::u32string& s) {
  Run r{f, size, 0, s};
  return RunWidth(m, r);
}

// ---- inline markup ----

struct Footnotes {
  std::map<std::string, int> number;        // label -> 1..n, by first reference
  std::map<std::string, std::string> text;  // label -> definition text
  std::vector<std::string> order;           // labels by number - 1
};

void NumberNotes(const std::vector<Block>& blocks, Footnotes* fn) {
  for (const Block& b : blocks)
    if (b.type == Block::Type::kFootnote) fn->text[b.label] = b.text;
  for (const Block& b : blocks) {
    if (b.type == Block::Type::kFootnote) continue;
    for (const InlineSpan& s : InlineSpans(b.text)) {
      if (!s.note.empty() && !fn->number.count(s.note) && fn->text.count(s.note)) {
        fn->order.push_back(s.note);
        fn->number[s.note] = static_cast<int>(fn->order.size());
      }
    }
  }
}

struct Frag {
  Run run;
  int note = 0;  // a footnote reference (number), drawn as a superscript
};

bool IsSpace(char32_t c) { return c == U' ' || c == U'\t' || c == U'\n' || c == U'\r' || c == U'\u00A0'; }

// Splits `text` into styled fragments by core's reading of the markup (InlineSpans):
// a reference to a numbered note is a superscript number; without `fn`, or to no
// numbered note, it is printed as written. Fragments end where the writer put a
// marker or a numbered reference, as the words and their widths are made of them.
std::vector<Frag> ParseInline(const std::string& text, Face base, double size, const Footnotes* fn) {
  std::vector<Frag> out;
  const bool base_bold = base == kBold || base == kBoldItalic;
  const bool base_italic = base == kItalic || base == kBoldItalic;
  std::string cur;
  Face cur_face = base;
  auto flush = [&] {
    if (cur.empty()) return;
    out.push_back(Frag{Run{cur_face, size, 0, ToUtf32(cur)}, 0});
    cur.clear();
  };
  bool after_text = false;  // the span before was text: a marker stands between the two
  for (const InlineSpan& s : InlineSpans(text)) {
    // Markup inside a bold heading turns bold off.
    const Face face = static_cast<Face>((base_bold != s.bold ? 1 : 0) | (base_italic != s.italic ? 2 : 0));
    if (!s.note.empty() && fn) {
      auto it = fn->number.find(s.note);
      if (it != fn->number.end()) {
        flush();
        out.push_back(Frag{Run{face, size * 0.62, size * 0.36, ToUtf32(std::to_string(it->second))}, it->second});
        after_text = false;
        continue;
      }
    }
    if (face != cur_face || (s.note.empty() && after_text)) flush();
    cur_face = face;
    cur += s.note.empty() ? s.text : "[^" + s.note + "]";
    after_text = s.note.empty();
  }
  flush();
  return out;
}

// ---- words and lines ----

struct Word {
  std::vector<Run> runs;
  double width = 0;
  Run space;           // the space before this word (its style)
  double space_w = 0;  // 0 for the first word
  std::vector<int> notes;
};

std::vector<Word> ToWords(const std::vector<Frag>& frags, const Measure& m) {
  std::vector<Word> words;
  Word cur;
  bool pending_space = false;
  Run space_style;
  auto finish = [&] {
    if (cur.runs.empty()) return;
    words.push_back(std::move(cur));
    cur = Word{};
  };
  for (const Frag& f : frags) {
    Run piece{f.run.face, f.run.size, f.run.rise, {}};
    for (char32_t c : f.run.text) {
      if (IsSpace(c)) {
        if (!piece.text.empty()) { cur.runs.push_back(piece); piece.text.clear(); }
        finish();
        if (!pending_space) space_style = Run{f.run.face, f.run.size, 0, U" "};
        pending_space = true;
        continue;
      }
      if (pending_space && cur.runs.empty() && piece.text.empty() && !words.empty()) {
        cur.space = space_style;
        cur.space_w = RunWidth(m, space_style);
      }
      pending_space = false;
      piece.text += c;
    }
    if (!piece.text.empty()) {
      if (pending_space) pending_space = false;
      cur.runs.push_back(piece);
    }
    if (f.note) cur.notes.push_back(f.note);
  }
  finish();
  for (Word& w : words) {
    w.width = 0;
    for (const Run& r : w.runs) w.width += RunWidth(m, r);
  }
  if (!words.empty()) words[0].space_w = 0;
  // "1890 - 2021", "Việt Nam - Trung Quốc": a lone dash stays with both neighbours
  // (at the end of a line it would read as a hyphen).
  std::vector<Word> glued;
  for (size_t i = 0; i < words.size(); ++i) {
    const Word& w = words[i];
    bool dash = w.runs.size() == 1 && (w.runs[0].text == U"-" || w.runs[0].text == U"–");
    if (dash && !glued.empty() && i + 1 < words.size() && w.space_w > 0 && words[i + 1].space_w > 0) {
      Word& prev = glued.back();
      for (const Word* part : std::initializer_list<const Word*>{&w, &words[i + 1]}) {
        Run sp = part->space;
        sp.fixed = true;
        prev.runs.push_back(sp);
        prev.runs.insert(prev.runs.end(), part->runs.begin(), part->runs.end());
        prev.width += part->space_w + part->width;
        prev.notes.insert(prev.notes.end(), part->notes.begin(), part->notes.end());
      }
      ++i;
      continue;
    }
    glued.push_back(w);
  }
  return glued;
}

struct BrokenLine {
  std::vector<Run> runs;
  double offset = 0;  // from the left edge of the area
  double width = 0;   // natural width
  double extra = 0;
  int spaces = 0;
  std::vector<int> notes;
};

void AppendRun(std::vector<Run>* runs, const Run& r) {
  if (!runs->empty()) {
    Run& last = runs->back();
    if (last.face == r.face && last.size == r.size && last.rise == r.rise && last.kern == 0 && r.kern == 0 &&
        !last.fixed && !r.fixed) {
      last.text += r.text;
      return;
    }
  }
  runs->push_back(r);
}

// Splits a word wider than `avail` into pieces that fit (no hyphen).
std::vector<Word> SplitWord(const Word& w, double avail, const Measure& m) {
  std::vector<Word> out;
  Word cur;
  cur.space = w.space;
  cur.space_w = w.space_w;
  for (const Run& r : w.runs) {
    Run piece{r.face, r.size, r.rise, {}};
    for (char32_t c : r.text) {
      double cw = m.Advance(r.face, c) * r.size / 1000.0;
      if (cur.width + cw > avail && (cur.width > 0 || !piece.text.empty())) {
        if (!piece.text.empty()) cur.runs.push_back(piece);
        out.push_back(std::move(cur));
        cur = Word{};
        piece.text.clear();
      }
      piece.text += c;
      cur.width += cw;
    }
    if (!piece.text.empty()) cur.runs.push_back(piece);
  }
  if (!cur.runs.empty()) out.push_back(std::move(cur));
  if (!out.empty()) out.front().notes = w.notes;
  return out;
}

std::vector<BrokenLine> BreakLines(const std::vector<Word>& in_words, double width, double first_indent,
                                   double rest_indent, Align align, const Measure& m) {
  std::vector<Word> words;
  for (const Word& w : in_words) {
    double avail = width - std::max(first_indent, rest_indent);
    if (w.width > avail && avail > 20) {
      for (Word& piece : SplitWord(w, avail, m)) words.push_back(std::move(piece));
    } else {
      words.push_back(w);
    }
  }
  std::vector<BrokenLine> lines;
  BrokenLine cur;
  std::vector<const Word*> in_line;
  auto avail_for = [&](size_t line_no) { return width - (line_no == 0 ? first_indent : rest_indent); };
  auto finish = [&](bool last) {
    double avail = avail_for(lines.size());
    cur.offset = lines.empty() ? first_indent : rest_indent;
    if (align == Align::kJustify && !last && cur.spaces > 0) {
      cur.extra = std::max(0.0, (avail - cur.width) / cur.spaces);
    } else if (align == Align::kCenter) {
      cur.offset += (avail - cur.width) / 2;
    } else if (align == Align::kRight) {
      cur.offset += avail - cur.width;
    }
    lines.push_back(std::move(cur));
    cur = BrokenLine{};
  };
  for (const Word& w : words) {
    bool empty = cur.runs.empty();
    double need = (empty ? 0 : w.space_w) + w.width;
    if (!empty && cur.width + need > avail_for(lines.size()) + 0.01) {
      finish(false);
      empty = true;
    }
    if (!empty) {
      AppendRun(&cur.runs, w.space);
      cur.width += w.space_w;
      ++cur.spaces;
    }
    for (const Run& r : w.runs) AppendRun(&cur.runs, r);
    cur.width += w.width;
    cur.notes.insert(cur.notes.end(), w.notes.begin(), w.notes.end());
  }
  if (!cur.runs.empty()) finish(true);
  return lines;
}

std::vector<BrokenLine> BreakText(const std::string& text, Face face, double size, double width, Align align,
                                  const Measure& m, double first_indent = 0, double rest_indent = 0,
                                  const Footnotes* fn = nullptr, bool markup = false) {
  std::vector<Frag> frags;
  if (markup) {
    frags = ParseInline(text, face, size, fn);
  } else {
    frags.push_back(Frag{Run{face, size, 0, ToUtf32(text)}, 0});
  }
  return BreakLines(ToWords(frags, m), width, first_indent, rest_indent, align, m);
}

Line MakeLine(const BrokenLine& b, Kind kind, int page, double area_x, double baseline, double size) {
  Line l;
  l.kind = kind;
  l.page = page;
  l.x = area_x + b.offset;
  l.baseline = baseline;
  l.size = size;
  l.extra = b.extra;
  l.width = b.width + b.extra * b.spaces;
  l.runs = b.runs;
  return l;
}

// A single line of plain text at a position.
Line PlainLine(Kind kind, int page, Face face, double size, const std::u32string& text, double x, double baseline,
               const Measure& m, Align align = Align::kLeft) {
  Line l;
  l.kind = kind;
  l.page = page;
  l.size = size;
  l.baseline = baseline;
  l.runs.push_back(Run{face, size, 0, text});
  l.width = TextWidth(m, face, size, text);
  l.x = align == Align::kCenter ? x - l.width / 2 : (align == Align::kRight ? x - l.width : x);
  return l;
}

std::string Up(const std::string& s) { return text::Upper(text::Trim(s)); }

// ---- the names of the letterhead ----

// Words that begin a part of an organisation's name (upper case): a line of the
// letterhead breaks before them rather than inside the place or body they name.
const std::vector<std::vector<std::string>>& NamePartWords() {
  static const std::vector<std::vector<std::string>> words = {
      {"ỦY", "BAN", "NHÂN", "DÂN"}, {"UỶ", "BAN", "NHÂN", "DÂN"}, {"HỘI", "ĐỒNG", "NHÂN", "DÂN"},
      {"THÀNH", "PHỐ"}, {"THỊ", "XÃ"}, {"THỊ", "TRẤN"}, {"VĂN", "PHÒNG"}, {"TRUNG", "TÂM"},
      {"CHI", "CỤC"}, {"TỔNG", "CỤC"}, {"UBND"}, {"HĐND"}, {"TỈNH"}, {"HUYỆN"}, {"QUẬN"}, {"XÃ"},
      {"PHƯỜNG"}, {"SỞ"}, {"CỤC"}, {"BAN"}, {"PHÒNG"}};
  return words;
}

// Breaks an upper-case name into centred lines of at most `width`: whole parts
// ("SỞ NGOẠI VỤ" / "TỈNH LẠNG SƠN") when they fit; a part too long for a line
// breaks after its leading word(s) ("THÀNH PHỐ" / "HỒ CHÍ MINH"), after a comma
// or before "VÀ", and only then between any two words.
std::vector<BrokenLine> BreakName(const std::string& name, Face face, double size, double width, const Measure& m) {
  std::vector<std::string> words;
  for (size_t i = 0; i < name.size();) {
    size_t j = name.find(' ', i);
    if (j == std::string::npos) j = name.size();
    if (j > i) words.push_back(name.substr(i, j - i));
    i = j + 1;
  }
  // Each word's role: 2 begins a part, 1 a softer break before it, 0 none.
  std::vector<int> role(words.size(), 0);
  for (size_t i = 0; i < words.size();) {
    size_t len = 0;
    for (const auto& kw : NamePartWords()) {
      if (i + kw.size() > words.size() || !std::equal(kw.begin(), kw.end(), words.begin() + i)) continue;
      // Not a part where the word belongs to another: "XÃ HỘI", "QUỐC PHÒNG".
      if (kw[0] == "XÃ" && i + 1 < words.size() && words[i + 1] == "HỘI") continue;
      if (kw[0] == "PHÒNG" && i > 0 && words[i - 1] == "QUỐC") continue;
      len = kw.size();
      break;
    }
    if (len == 0) {
      ++i;
      continue;
    }
    if (i > 0) role[i] = 2;
    if (i + len < words.size() && role[i + len] == 0) role[i + len] = 1;  // after "THÀNH PHỐ"
    i += len;
  }
  for (size_t i = 1; i < words.size(); ++i) {
    if (role[i] == 0 && (words[i] == "VÀ" || words[i - 1].back() == ',')) role[i] = 1;
  }
  auto join = [&](size_t a, size_t b) {
    std::string t;
    for (size_t k = a; k < b; ++k) t += (k > a ? " " : "") + words[k];
    return t;
  };
  auto fits = [&](size_t a, size_t b) { return TextWidth(m, face, size, ToUtf32(join(a, b))) <= width + 0.01; };
  // Greedy over the breaks of at least `level`: the longest run of words from `a` that fits.
  std::vector<std::string> lines;
  size_t a = 0;
  while (a < words.size()) {
    size_t end = a + 1;  // one word at least (BreakText cuts a word wider than the line)
    for (int level = 2; level >= 0; --level) {
      size_t best = 0;
      for (size_t b = a + 1; b <= words.size(); ++b) {
        bool breakable = b == words.size() || role[b] >= level;
        if (breakable && fits(a, b)) best = b;
      }
      if (best) {
        end = best;
        break;
      }
    }
    lines.push_back(join(a, end));
    a = end;
  }
  std::vector<BrokenLine> out;
  for (const std::string& l : lines)
    for (BrokenLine& b : BreakText(l, face, size, width, Align::kCenter, m)) out.push_back(std::move(b));
  return out;
}

// ---- a block of lines with relative positions (signers, recipients) ----

struct Stack {
  std::vector<Line> lines;  // baseline relative to the stack's top (negative)
  double height = 0;
  std::vector<Box> stamps;  // y relative to the top
  size_t name_from = 0;     // signer stacks: the first line of the name
  Box name;                 // signer stacks: where the name is (or will be filled in)
  void AddCentered(const std::string& text, Face face, double size, double leading, double cx, double w,
                   Kind kind, const Measure& m) {
    for (const BrokenLine& b : BreakText(text, face, size, w, Align::kCenter, m)) {
      height += leading;
      lines.push_back(MakeLine(b, kind, 0, cx - w / 2, -height + Descent(size) + (leading - 1.1 * size) / 2, size));
    }
  }
};

Stack SignerStack(const SignerBlock& s, double cx, double w, bool with_org, const Measure& m) {
  Stack st;
  if (with_org && !text::Trim(s.org).empty()) {
    st.AddCentered(Up(s.org), kBold, 13, 15.6, cx, w, Kind::kSigner, m);
    st.height += 4;
  }
  if (!text::Trim(s.authority).empty()) st.AddCentered(Up(s.authority), kBold, 14, 16.8, cx, w, Kind::kSigner, m);
  if (!text::Trim(s.title).empty()) st.AddCentered(Up(s.title), kBold, 14, 16.8, cx, w, Kind::kSigner, m);
  double sw = std::min(w, kStampW);
  st.stamps.push_back(Box{0, cx - sw / 2, -(st.height + kStampSpace), sw, kStampSpace});
  st.height += kStampSpace;
  st.name_from = st.lines.size();
  double name_top = st.height;
  st.AddCentered(text::Trim(s.name), kBold, 14, 16.8, cx, w, Kind::kSigner, m);
  // A party that signs later is named then, in a field: its line is kept free.
  if (st.lines.size() == st.name_from) st.height += 16.8;
  st.name = Box{0, cx - w / 2, -st.height, w, st.height - name_top};
  return st;
}

std::string RecipientItem(const std::string& r, bool last) {
  std::string t = text::Trim(r);
  while (!t.empty() && (t.back() == ';' || t.back() == '.' || t.back() == ',')) t.pop_back();
  return "- " + t + (last ? "." : ";");
}

// "Nơi nhận:" with the first item, then one stack per item (an item's lines stay together).
std::vector<Stack> RecipientStacks(const std::vector<std::string>& recipients, double x, double w, const Measure& m) {
  std::vector<Stack> out;
  if (recipients.empty()) return out;
  Stack st;
  st.height += 14;
  st.lines.push_back(PlainLine(Kind::kRecipients, 0, kBoldItalic, 12, U"Nơi nhận:", x, -st.height + Descent(12), m));
  double dash = TextWidth(m, kRegular, 11, U"- ");
  for (size_t i = 0; i < recipients.size(); ++i) {
    std::string item = RecipientItem(recipients[i], i + 1 == recipients.size());
    for (const BrokenLine& b : BreakText(item, kRegular, 11, w, Align::kLeft, m, 0, dash)) {
      st.height += 12.65;
      st.lines.push_back(MakeLine(b, Kind::kRecipients, 0, x, -st.height + Descent(11), 11));
    }
    out.push_back(std::move(st));
    st = Stack{};
  }
  return out;
}

// A part of the closing placed whole: lines and boxes relative to the closing's top.
struct Piece {
  double top = 0;  // its top, from the closing's top (0 or below)
  double height = 0;
  std::vector<Line> lines;
  std::vector<Box> stamps;
  std::vector<Box> names;  // signers' name lines, as the stamps
  std::optional<Box> seal;
};

// ---- the body flow ----

struct Slot {
  double before = 0;   // space above, dropped at the top of a page
  double height = 0;   // line height (leading)
  bool keep_next = false;
  std::vector<int> notes;
  std::optional<BrokenLine> line;  // empty: the closing block
  Kind kind = Kind::kParagraph;
  int level = 0;
  double size = kBodySize;
};

struct NoteLines {
  std::vector<BrokenLine> lines;
  double height = 0;
};

class Flow {
 public:
  Flow(Composition* c, const std::map<int, NoteLines>* notes) : c_(c), notes_(notes) {}

  void Start(int page, double y) {
    page_ = page;
    y_ = y;
    at_top_ = false;
  }

  // Places the slots; reports where the closing slot lands, and the lowest y
  // the closing may use on that page (above its footnotes).
  void Run(const std::vector<Slot>& slots, double* closing_top, int* closing_page, double* floor) {
    size_t i = 0;
    while (i < slots.size()) {
      size_t j = i;
      while (j + 1 < slots.size() && slots[j].keep_next) ++j;
      // slots[i..j] stay on one page when they can.
      if (Fits(slots, i, j)) {
        for (size_t k = i; k <= j; ++k) Put(slots[k], closing_top, closing_page);
        i = j + 1;
        continue;
      }
      if (!at_top_) {
        NewPage();
        continue;
      }
      // Even an empty page cannot hold the group: place line by line.
      for (size_t k = i; k <= j; ++k) {
        if (!Fits(slots, k, k) && !at_top_) NewPage();
        Put(slots[k], closing_top, closing_page);
      }
      i = j + 1;
    }
    *floor = kBottom + NotesHeight(page_notes_) + (page_notes_.empty() ? 0 : kNoteGap);
    FinishPage();
  }

  int page() const { return page_; }

 private:
  double NotesHeight(const std::vector<int>& notes) const {
    double h = 0;
    for (int n : notes) {
      auto it = notes_->find(n);
      if (it != notes_->end()) h += it->second.height;
    }
    return h;
  }

  bool Fits(const std::vector<Slot>& slots, size_t i, size_t j) const {
    double y = y_;
    std::vector<int> add;
    for (size_t k = i; k <= j; ++k) {
      if (!(at_top_ && k == i)) y -= slots[k].before;
      y -= slots[k].height;
      for (int n : slots[k].notes)
        if (!placed_notes_.count(n)) add.push_back(n);
    }
    double notes = NotesHeight(page_notes_) + NotesHeight(add);
    double sep = (page_notes_.empty() && add.empty()) ? 0 : kNoteGap;
    return y >= kBottom + notes + sep - 0.01;
  }

  void Put(const Slot& s, double* closing_top, int* closing_page) {
    if (!at_top_) y_ -= s.before;
    double top = y_;
    y_ -= s.height;
    at_top_ = false;
    for (int n : s.notes)
      if (placed_notes_.insert(n).second) page_notes_.push_back(n);
    if (s.line) {
      double baseline = top - s.height + Descent(s.size) + (s.height - 1.1 * s.size) / 2;
      Line l = MakeLine(*s.line, s.kind, page_, kLeft, baseline, s.size);
      l.level = s.level;
      c_->lines.push_back(std::move(l));
    } else {
      *closing_top = top;
      *closing_page = page_;
    }
  }

  void FinishPage() {
    if (page_notes_.empty()) return;
    double h = NotesHeight(page_notes_);
    double top = kBottom + h;
    c_->rules.push_back(Rule{page_, kLeft, kLeft + kTextW / 3, top + 3, 0.5});
    double y = top;
    for (int n : page_notes_) {
      for (const BrokenLine& b : notes_->at(n).lines) {
        y -= kNoteLeading;
        c_->lines.push_back(MakeLine(b, Kind::kFootnote, page_, kLeft, y + Descent(kNoteSize) + 0.4, kNoteSize));
      }
      y -= 1.5;  // between notes
    }
    page_notes_.clear();
  }

  void NewPage() {
    FinishPage();
    ++page_;
    c_->pages = std::max(c_->pages, page_ + 1);
    y_ = kTop;
    at_top_ = true;
  }

  Composition* c_;
  const std::map<int, NoteLines>* notes_;
  int page_ = 0;
  double y_ = kTop;
  bool at_top_ = false;
  std::vector<int> page_notes_;
  std::set<int> placed_notes_;
};

// Paragraph lines as slots, with the orphan and widow rules.
void AddSlots(const std::vector<BrokenLine>& lines, Kind kind, int level, double before, double size,
              double leading, bool keep_all, std::vector<Slot>* out) {
  size_t n = lines.size();
  for (size_t i = 0; i < n; ++i) {
    Slot s;
    s.before = i == 0 ? before : 0;
    s.height = leading;
    s.kind = kind;
    s.level = level;
    s.size = size;
    s.line = lines[i];
    s.notes = lines[i].notes;
    s.keep_next = keep_all || (n >= 2 && (i == 0 || i + 2 == n));
    out->push_back(std::move(s));
  }
}

// ---- the parts of the document, named as in Decree 30/2020, Appendix I, Mục II ----
// (II.x: the appendix's sections; Rn: the rows of shared/spec/decree30-appendix1.md.)
// The parts of page 1 add their lines, rules and fields to `c` and return the y
// below them. The order in which lines are added is the order they are drawn in,
// so Compose calls the parts in the order of the page.

// "DỰ THẢO", framed in the top margin of page 1 at the right, the draft's label under
// it. Not a part of Appendix I: it keeps a draft from passing for an issued copy.
void DraftMark(const RenderInput& in, const Measure& m, Composition* c) {
  if (!in.draft) return;
  double w = TextWidth(m, kBold, 13, U"DỰ THẢO") + 16;
  double top = kPageH - 12;
  Box frame{0, kRight - w, top - 19, w, 19};
  c->frames.push_back(frame);
  c->lines.push_back(PlainLine(Kind::kDraftMark, 0, kBold, 13, U"DỰ THẢO", kRight - w / 2, top - 14.5, m,
                               Align::kCenter));
  std::string label = text::Trim(in.draft_label);
  if (!label.empty())
    c->lines.push_back(PlainLine(Kind::kDraftMark, 0, kItalic, 9, ToUtf32(label), kRight, top - 30, m, Align::kRight));
}

// Tên cơ quan, tổ chức ban hành văn bản (II.2, R7-R8), the letterhead's left column:
// the parent body (regular) over the issuing body (bold), upper case, and a rule
// under the issuing body of about 0.45 of its longest line (II.2.b: 1/3 to 1/2).
double IssuingBody(const Letterhead& head, const Measure& m, Composition* c) {
  double yl = kTop;
  std::string parent = Up(head.parent_body);
  if (!parent.empty()) {
    for (const BrokenLine& b : BreakName(parent, kRegular, 13, kLeftColW, m)) {
      yl -= 15.6;
      c->lines.push_back(MakeLine(b, Kind::kHeader, 0, kLeft, yl + Descent(13), 13));
    }
  }
  double org_w = 0;
  for (const BrokenLine& b : BreakName(Up(head.org_name), kBold, 13, kLeftColW, m)) {
    yl -= 15.6;
    c->lines.push_back(MakeLine(b, Kind::kHeader, 0, kLeft, yl + Descent(13), 13));
    org_w = std::max(org_w, b.width);
  }
  yl -= 4;
  double org_rule = std::clamp(org_w * 0.45, 40.0, kLeftColW);
  c->rules.push_back(Rule{0, kLeftColCx - org_rule / 2, kLeftColCx + org_rule / 2, yl - 0.5, 0.6});
  return yl;
}

// Quốc hiệu và Tiêu ngữ (II.1, R5-R6), the letterhead's right column: the motto
// under the national name, with a rule as long as the motto (II.1.c).
double NationalTitle(const Measure& m, Composition* c) {
  double yr = kTop;
  for (const BrokenLine& b :
       BreakText("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", kBold, 12, kRightColW, Align::kCenter, m)) {
    yr -= 15.6;
    c->lines.push_back(MakeLine(b, Kind::kHeader, 0, kRightColX, yr + Descent(12), 12));
  }
  yr -= 15.6;
  Line motto = PlainLine(Kind::kHeader, 0, kBold, 13, U"Độc lập - Tự do - Hạnh phúc", kRightColCx,
                         yr + Descent(13), m, Align::kCenter);
  c->rules.push_back(Rule{0, motto.x, motto.x + motto.width, yr - 1, 0.6});  // clear of the dots below
  c->lines.push_back(motto);
  yr -= 4;
  return yr;
}

// Số, ký hiệu (II.3, R9) under the issuing body and Địa danh và thời gian ban hành
// (II.4, R10) under the national title, one line from `y`. A draft prints both with
// blanks; a copy for signing prints neither: the signing code fills the two fields
// at issuance, when the number and date exist.
double NumberAndDate(const RenderInput& in, double y, const Measure& m, Composition* c) {
  double base = y - 15.6 + Descent(13);
  std::string suffix = text::Trim(in.symbol_suffix);
  double field_h = 13 * 1.4;
  if (in.draft) {
    std::u32string num = U"Số:          /" + ToUtf32(suffix);
    Line l = PlainLine(Kind::kNumber, 0, kRegular, 13, num, kLeftColCx, base, m, Align::kCenter);
    double lead = TextWidth(m, kRegular, 13, U"Số: ");
    c->number_field = Box{0, l.x + lead, base - 4, kLeft + kLeftColW - (l.x + lead), field_h};
    c->lines.push_back(l);
    std::string year = in.year > 0 ? std::to_string(in.year) : "       ";
    std::string date = text::Trim(in.head.place) + ", ngày      tháng      năm " + year;
    Line d = PlainLine(Kind::kDate, 0, kItalic, 13, ToUtf32(date), kRightColCx, base, m, Align::kCenter);
    c->lines.push_back(d);
  } else {
    // The whole "Số: 12/KH-SNgV" line is the field, centred under the issuing body
    // as one unit whatever the number's width (the signing code draws it).
    c->number_field = Box{0, kLeft, base - 4, kLeftColW, field_h};
  }
  c->date_field = Box{0, kRightColX, base - 4, kRightColW, field_h};
  return y - 15.6;
}

// Tên loại và trích yếu nội dung (II.5, R11-R12): the kind's name, the title under
// it, both centred and bold, a rule under the title of 0.4 of its widest line
// (II.5.b: 1/3 to 1/2). Returns where the body starts.
double KindAndSummary(const RenderInput& in, double y, const Measure& m, Composition* c) {
  y -= 18;
  std::string kind_name = Up(in.kind_name);
  if (!kind_name.empty()) {
    y -= 16.8;
    c->lines.push_back(PlainLine(Kind::kKindName, 0, kBold, 14, ToUtf32(kind_name), kLeft + kTextW / 2,
                                 y + Descent(14), m, Align::kCenter));
  }
  double title_w = 0;
  for (const BrokenLine& b : BreakText(text::Trim(in.title), kBold, 14, kTextW * 0.9, Align::kCenter, m)) {
    y -= 16.8;
    c->lines.push_back(MakeLine(b, Kind::kTitle, 0, kLeft + kTextW * 0.05, y + Descent(14), 14));
    title_w = std::max(title_w, b.width);
  }
  double title_rule = std::clamp(title_w * 0.4, 60.0, kTextW / 2);
  y -= 6;
  c->rules.push_back(Rule{0, kLeft + kTextW / 2 - title_rule / 2, kLeft + kTextW / 2 + title_rule / 2, y, 0.6});
  y -= 14;
  return y;
}

// Footnotes (Appendix I has no rule for them): each note's lines, 10 pt, its number
// raised, broken once here; the flow puts them at the foot of their first reference's page.
std::map<int, NoteLines> FootnoteLines(const Footnotes& fn, const Measure& m) {
  std::map<int, NoteLines> notes;
  for (size_t k = 0; k < fn.order.size(); ++k) {
    int n = static_cast<int>(k + 1);
    std::vector<Frag> frags;
    frags.push_back(Frag{Run{kRegular, kNoteSize * 0.62, kNoteSize * 0.36, ToUtf32(std::to_string(n))}, 0});
    std::vector<Frag> rest = ParseInline(" " + fn.text.at(fn.order[k]), kRegular, kNoteSize, nullptr);
    frags.insert(frags.end(), rest.begin(), rest.end());
    NoteLines nl;
    nl.lines = BreakLines(ToWords(frags, m), kTextW, 0, 0, Align::kJustify, m);
    nl.height = kNoteLeading * static_cast<double>(nl.lines.size()) + 1.5;
    notes[n] = std::move(nl);
  }
  return notes;
}

// A bullet's lines: the text in a hanging column, the first line led by "-" at the
// paragraph indent, then a space and a fixed move to the text column.
std::vector<BrokenLine> BulletLines(const std::string& text, const Footnotes& fn, const Measure& m) {
  double dash_w = TextWidth(m, kRegular, kBodySize, U"-");
  double bullet_text = kIndent + dash_w + 6;
  auto lines =
      BreakText(text, kRegular, kBodySize, kTextW, Align::kJustify, m, bullet_text, bullet_text, &fn, true);
  if (!lines.empty()) {
    BrokenLine& first = lines.front();
    Run space{kRegular, kBodySize, 0, U" "};
    double space_w = RunWidth(m, space);
    space.kern = bullet_text - kIndent - dash_w - space_w;
    space.fixed = true;
    first.runs.insert(first.runs.begin(), {Run{kRegular, kBodySize, 0, U"-"}, space});
    first.offset = kIndent;
    first.width += bullet_text - kIndent;
  }
  return lines;
}

// Nội dung văn bản (II.6, R13-R14): headings, paragraphs and bullets as one slot per
// line for the flow, which pages them. Footnote definitions are not in the flow.
std::vector<Slot> BodySlots(const std::vector<Block>& blocks, const Footnotes& fn, const Measure& m) {
  std::vector<Slot> slots;
  for (const Block& b : blocks) {
    switch (b.type) {
      case Block::Type::kFootnote:
        break;
      case Block::Type::kHeading: {
        int level = std::clamp(b.level, 1, 3);
        std::vector<BrokenLine> lines =
            level == 1 ? BreakText(b.text, kBold, kBodySize, kTextW, Align::kCenter, m, 0, 0, &fn, true)
                       : BreakText(b.text, kBold, kBodySize, kTextW, Align::kJustify, m, kIndent, 0, &fn, true);
        AddSlots(lines, Kind::kHeading, level, level == 1 ? 12 : 9, kBodySize, kBodyLeading, true, &slots);
        break;
      }
      case Block::Type::kParagraph: {
        auto lines = BreakText(b.text, kRegular, kBodySize, kTextW, Align::kJustify, m, kIndent, 0, &fn, true);
        AddSlots(lines, Kind::kParagraph, 0, kParaSpace, kBodySize, kBodyLeading, false, &slots);
        break;
      }
      case Block::Type::kBullet:
        AddSlots(BulletLines(b.text, fn, m), Kind::kBullet, 0, kParaSpace, kBodySize, kBodyLeading, false, &slots);
        break;
    }
  }
  return slots;
}

// ---- the closing: signer block(s) and recipients ----
// Pieces that are never split (a signer block, a row of them, one recipient),
// placed from the closing's top; when the whole does not fit on a page, they
// run on over the next pages in the order of their tops.
struct Closing {
  std::vector<Piece> pieces;
  double head_h = 0;  // what must fit where the closing starts: the first signer block or row
};

constexpr double kRecipientsW = kLeftColW + 8;

// Chức vụ, họ tên và chữ ký của người có thẩm quyền (II.7, R15-R16) of a document one
// person signs, in the right column; with it the seal's place (II.8.a, R19): over
// the left part of the signature, clear of "Nơi nhận" (else centred, alone).
Piece SignerPiece(const std::vector<SignerBlock>& signers, const Measure& m) {
  Piece sig;
  if (!signers.empty()) {
    Stack st = SignerStack(signers[0], kRightColCx, kRightColW, false, m);
    sig.lines = st.lines;
    sig.stamps = st.stamps;
    sig.names = {st.name};
    sig.height = st.height;
  }
  if (!sig.stamps.empty()) {
    const Box& s = sig.stamps[0];
    double right = s.x + 0.4 * s.w;
    double x = std::max(kLeft + kRecipientsW + 4, right - kSealW);
    sig.seal = Box{0, x, s.y + (s.h - kSealH) / 2, kSealW, kSealH};
  } else {
    sig.seal = Box{0, kRightColCx - kSealW / 2, -kSealH, kSealW, kSealH};
    sig.height = std::max(sig.height, kSealH);
  }
  return sig;
}

// A pledge's signer blocks (Appendix I has no rule for several: docs/pdf-layout.md):
// rows of two (a last one alone, centred), each a piece; the seal under the rows in
// the right half. Returns the top of "Nơi nhận", which follows the rows.
double PartyRows(const std::vector<SignerBlock>& signers, const Measure& m, Closing* out) {
  double half = kTextW / 2;
  double top = 0;
  for (size_t k = 0; k < signers.size(); k += 2) {
    bool alone = k + 1 == signers.size();
    double row_h = 0;
    std::vector<Stack> row;
    for (size_t col = 0; col < (alone ? 1u : 2u); ++col) {
      double cx = alone ? kLeft + kTextW / 2 : kLeft + half * (static_cast<double>(col) + 0.5);
      row.push_back(SignerStack(signers[k + col], cx, half - 12, true, m));
      row_h = std::max(row_h, row.back().height);
    }
    Piece p;
    p.top = -top;
    p.height = row_h;
    // The names of a row on one line, each under its 3 cm stamp: a shorter
    // block leaves the space above its stamp free.
    for (const Stack& cell : row) {
      double delta = row_h - cell.height;
      for (size_t li = 0; li < cell.lines.size(); ++li) {
        Line l = cell.lines[li];
        l.baseline -= top + (li >= cell.name_from ? delta : 0);
        p.lines.push_back(l);
      }
      for (Box b : cell.stamps) {
        b.y -= top + delta;
        p.stamps.push_back(b);
      }
      Box n = cell.name;
      n.y -= top + delta;
      p.names.push_back(n);
    }
    if (k == 0) out->head_h = row_h;
    out->pieces.push_back(std::move(p));
    top += row_h + 14;
  }
  Piece seal;
  seal.top = -top - 4;
  seal.height = kSealH;
  seal.seal = Box{0, kLeft + half + (half - kSealW) / 2, -top - kSealH - 4, kSealW, kSealH};
  out->pieces.push_back(std::move(seal));
  return -top;
}

// Nơi nhận (II.9, R17-R18), left: level with the signer block, or after a pledge's
// rows. One piece per recipient, from `top` down.
void RecipientPieces(const std::vector<Stack>& recips, double top, std::vector<Piece>* pieces) {
  for (const Stack& r : recips) {
    Piece p;
    p.top = top;
    p.height = r.height;
    for (Line l : r.lines) {
      l.baseline += top;
      p.lines.push_back(l);
    }
    top -= r.height;
    pieces->push_back(std::move(p));
  }
}

// The closing's pieces: the signer block (or a pledge's rows and the seal), then
// each recipient.
Closing ClosingPieces(const RenderInput& in, const Measure& m) {
  Closing out;
  std::vector<Stack> recips = RecipientStacks(in.recipients, kLeft, kRecipientsW, m);
  double recips_top = 0;
  if (in.signers.size() <= 1) {
    out.pieces.push_back(SignerPiece(in.signers, m));
    out.head_h = out.pieces.back().height;
  } else {
    recips_top = PartyRows(in.signers, m, &out);
  }
  RecipientPieces(recips, recips_top, &out.pieces);
  return out;
}

// The closing as the flow's last slot, kept with the body's last two lines. A
// closing that fits on a page stays in one piece with them; a longer one starts
// with its first signer block (or row) and runs on (PlaceClosing).
void AddClosingSlot(const Closing& closing, std::vector<Slot>* slots) {
  double closing_h = 0;
  for (const Piece& p : closing.pieces) closing_h = std::max(closing_h, p.height - p.top);
  if (!slots->empty()) {
    slots->back().keep_next = true;
    if (slots->size() >= 2) (*slots)[slots->size() - 2].keep_next = true;
  }
  Slot close_slot;
  close_slot.before = 16;
  close_slot.height = closing_h + 16 + 2 * kBodyLeading <= kTop - kBottom ? closing_h : closing.head_h;
  slots->push_back(close_slot);
}

// Places the closing's pieces where the flow put its slot (`top` on `page`, above
// `floor`, the footnotes of that page below it), by their tops: a piece that does
// not fit goes to the top of the next page and moves every later piece with it.
Status PlaceClosing(std::vector<Piece> pieces, double closing_top, int closing_page, double floor, Composition* c) {
  std::stable_sort(pieces.begin(), pieces.end(), [](const Piece& a, const Piece& b) { return a.top > b.top; });
  int page = closing_page;
  double shift = 0;
  for (const Piece& p : pieces) {
    double top = closing_top + p.top + shift;
    if (top - p.height < floor - 0.01) {
      if (kTop - p.height < kBottom - 0.01)
        return Status::BadInput("pdf: a signer block or recipient taller than a page does not fit");
      ++page;
      shift += kTop - top;
      floor = kBottom;
      c->pages = std::max(c->pages, page + 1);
    }
    for (Line l : p.lines) {
      l.page = page;
      l.baseline += closing_top + shift;
      c->lines.push_back(std::move(l));
    }
    for (Box b : p.stamps) {
      b.page = page;
      b.y += closing_top + shift;
      c->signature_stamps.push_back(b);
    }
    for (Box b : p.names) {
      b.page = page;
      b.y += closing_top + shift;
      c->name_fields.push_back(b);
    }
    if (p.seal) {
      c->seal_stamp = *p.seal;
      c->seal_stamp.page = page;
      c->seal_stamp.y += closing_top + shift;
    }
  }
  return Status::Ok();
}

// Số trang (I.7, R4): from page 2, centred in the top margin.
void PageNumbers(const Measure& m, Composition* c) {
  for (int p = 1; p < c->pages; ++p) {
    c->lines.push_back(PlainLine(Kind::kPageNumber, p, kRegular, 14, ToUtf32(std::to_string(p + 1)),
                                 kLeft + kTextW / 2, kPageH - kMarginTop / 2 - 5, m, Align::kCenter));
  }
}

// Nothing written may be lost off a page: a line outside the margins is an error.
Status CheckMargins(const Composition& c) {
  for (const Line& l : c.lines) {
    if (l.kind == Kind::kPageNumber || l.kind == Kind::kDraftMark) continue;
    double bottom = l.baseline - Descent(l.size);
    if (bottom >= kBottom - 0.5 && bottom + 1.1 * l.size <= kTop + 0.5) continue;
    std::u32string t;
    for (const Run& r : l.runs) t += r.text;
    if (t.size() > 40) t = t.substr(0, 40) + U"…";
    return Status::BadInput("pdf: the line \"" + ToUtf8(t) + "\" does not fit on page " + std::to_string(l.page + 1));
  }
  return Status::Ok();
}

}  // namespace

// The parts in the order of Appendix I: the letterhead's two columns side by side,
// the number and date under the lower of them, kind and title, then the body and
// the closing through the flow, which pages them; page numbers once the pages are known.
Result<Composition> Compose(const RenderInput& in, const Measure& m) {
  Composition c;
  c.pages = 1;
  DraftMark(in, m, &c);
  double yl = IssuingBody(in.head, m, &c);
  double yr = NationalTitle(m, &c);
  double y = NumberAndDate(in, std::min(yl, yr) - 10, m, &c);
  y = KindAndSummary(in, y, m, &c);

  Footnotes fn;
  NumberNotes(in.blocks, &fn);
  std::map<int, NoteLines> notes = FootnoteLines(fn, m);
  std::vector<Slot> slots = BodySlots(in.blocks, fn, m);
  Closing closing = ClosingPieces(in, m);
  AddClosingSlot(closing, &slots);

  Flow flow(&c, &notes);
  flow.Start(0, y);
  double closing_top = 0;
  int closing_page = 0;
  double floor = kBottom;
  flow.Run(slots, &closing_top, &closing_page, &floor);
  c.pages = std::max(c.pages, flow.page() + 1);
  VB_RETURN_IF_ERROR(PlaceClosing(std::move(closing.pieces), closing_top, closing_page, floor, &c));
  PageNumbers(m, &c);
  VB_RETURN_IF_ERROR(CheckMargins(c));
  return c;
}

}  // namespace vanban::pdf::internal
