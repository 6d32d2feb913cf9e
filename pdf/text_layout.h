// vanban/pdf (internal) — the page composition behind Render(): where every line,
// rule and reserved box of a document goes, before anything is drawn.
//
// Compose() turns a RenderInput into pages of positioned text lines (styled runs
// with their justification), rules and boxes, in PDF points (origin bottom-left).
// It knows the glyph advances through a Measure, and nothing of PoDoFo; layout.cc
// draws its result. The rules it keeps (Decree 30/2020, Appendix I): margins,
// headings kept with the next two lines, no single first or last line of a
// paragraph on another page, footnotes on the page of their first reference,
// the signer block kept together with at least the last two lines of the body
// (a closing taller than a page runs on over pages, a signer block or recipient
// never split); a line it cannot place inside the margins is an error, not lost.
// LayoutLines() (layout.h's sibling for tests) reports the result line by line.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "pdf/layout.h"

namespace vanban::pdf::internal {

// Page geometry (A4, the margins of Decree 30/2020 we use: top 20, bottom 20,
// left 30, right 15 mm).
inline constexpr double kMm = 72.0 / 25.4;
inline constexpr double kPageW = 595.28;  // A4 (595.276), as PDF writers round it
inline constexpr double kPageH = 841.89;
inline constexpr double kMarginTop = 20 * kMm;
inline constexpr double kMarginBottom = 20 * kMm;
inline constexpr double kMarginLeft = 30 * kMm;
inline constexpr double kMarginRight = 15 * kMm;

enum Face { kRegular = 0, kBold = 1, kItalic = 2, kBoldItalic = 3 };

// Glyph advances of the four faces, in 1/1000 em; 0 for a character the font lacks.
class Measure {
 public:
  virtual ~Measure() = default;
  virtual double Advance(Face face, char32_t c) const = 0;
};

// A piece of one style on a line. Spaces are U+0020 inside `text`.
struct Run {
  Face face = kRegular;
  double size = 14;
  double rise = 0;  // superscripts (footnote numbers)
  std::u32string text;
  double kern = 0;     // a move right after the run, in points
  bool fixed = false;  // its spaces take no justification
};

enum class Kind {
  kDraftMark,   // "DỰ THẢO" and the draft label
  kHeader,      // the two letterhead columns
  kNumber,      // "Số: ..."
  kDate,        // the place-and-date line
  kKindName,    // "KẾ HOẠCH"
  kTitle,
  kHeading,
  kParagraph,
  kBullet,
  kFootnote,
  kPageNumber,
  kSigner,      // signer block lines (and the organisations of a pledge)
  kRecipients,  // "Nơi nhận:" and its items
};

struct Line {
  Kind kind = Kind::kParagraph;
  int page = 0;
  double x = 0;         // start of the first run
  double baseline = 0;  // PDF y of the baseline
  double size = 14;     // the main font size (box height)
  double width = 0;     // drawn width, justification included
  double extra = 0;     // added after every space (justified lines)
  int level = 0;        // headings: 1..3
  std::vector<Run> runs;
};

struct Rule {
  int page = 0;
  double x1 = 0, x2 = 0, y = 0;
  double width = 0.6;
};

struct Composition {
  int pages = 1;
  std::vector<Line> lines;
  std::vector<Rule> rules;
  std::vector<Box> frames;  // stroked rectangles ("DỰ THẢO")
  Box number_field, date_field, seal_stamp;
  std::vector<Box> signature_stamps;
  std::vector<Box> name_fields;
};

Result<Composition> Compose(const RenderInput& in, const Measure& m);

// A laid-out line as the tests see it: its box and its text (UTF-8, NFC).
struct PlacedLine {
  int page = 0;
  Kind kind = Kind::kParagraph;
  int level = 0;
  double x = 0, y = 0, w = 0, h = 0;  // y: bottom of the box (baseline - descent)
  std::string text;
};
struct LayoutResult {
  int pages = 0;
  std::vector<PlacedLine> lines;
  Rendered boxes;  // number/date fields and stamps (pdf left empty)
};
// Composes `in` with the Liberation Serif metrics, without drawing.
Result<LayoutResult> LayoutLines(const RenderInput& in);

std::string ToUtf8(const std::u32string& s);
std::u32string ToUtf32(const std::string& s);

}  // namespace vanban::pdf::internal
