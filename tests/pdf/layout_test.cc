// The page layout: the three samples rendered, read back with poppler and qpdf,
// the layout rules checked on the composed lines, and the LoadFonts path the
// signing code takes (a loaded document, an incremental update).
#include "pdf/layout.h"

#include <gtest/gtest.h>
#include <podofo/podofo.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "core/docfile.h"
#include "core/text.h"
#include "pdf/text_layout.h"
#include "tests/pdf/util.h"

namespace vanban::pdf {
namespace {

namespace fs = std::filesystem;
using internal::Kind;

using testing::HaveTool;
using testing::Shell;
using testing::ReadFile;
using testing::WriteFile;

// Collapses every run of white space to one space.
std::string Squash(const std::string& s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\f' || c == '\r') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// Markup removed: what the reader sees of a block's text (footnote refs become
// their numbers, which we do not compare).
std::string Plain(const std::string& s) {
  std::string t = std::regex_replace(s, std::regex(R"(\[\^[A-Za-z0-9]+\])"), "");
  t = std::regex_replace(t, std::regex(R"(\*\*|\*)"), "");
  return t;
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/vanban-pdf-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

RenderInput SampleInput(const std::string& name, bool draft) {
  std::string bytes = ReadFile(std::string(VANBAN_SAMPLES) + "/" + name);
  auto doc = ParseDocumentFile(bytes, name);
  EXPECT_TRUE(doc.ok()) << doc.status().message();
  RenderInput in;
  in.head = Letterhead{"UBND TỈNH LẠNG SƠN", "Sở Ngoại vụ", "Lạng Sơn"};
  const KindInfo* kind = FindKind(doc->kind);
  in.kind_name = kind ? std::string(kind->name_vi) : "";
  const SymbolInfo* sym = FindSymbol(doc->symbol);
  if (sym && doc->kind == "pledge") in.kind_name = std::string(sym->name_vi);
  in.title = doc->title;
  in.blocks = doc->blocks;
  in.recipients = doc->recipients;
  in.symbol_suffix = doc->symbol + "-SNgV";
  in.draft = draft;
  in.draft_label = "Dự thảo lần 3 (r3, 1a2b3c4d)";
  in.year = 2024;
  in.created = 1707118200;  // 2024-02-05 07:30:00 UTC
  in.document_id = std::string(64, 'a');
  if (doc->kind == "pledge") {
    in.signers = {SignerBlock{"KT. GIÁM ĐỐC", "Phó Giám đốc", "Hoàng Văn Minh", "Sở Ngoại vụ tỉnh Lạng Sơn"},
                  SignerBlock{"GIÁM ĐỐC", "", "Nông Thị Hoa", "Sở Ngoại vụ tỉnh Cao Bằng"},
                  SignerBlock{"KT. GIÁM ĐỐC", "Phó Giám đốc", "Lê Văn Cường", "Sở Ngoại vụ tỉnh Lào Cai"}};
  } else if (doc->kind == "report") {
    in.signers = {SignerBlock{"KT. GIÁM ĐỐC", "Phó Giám đốc", "Triệu Thị Kiều Dung", ""}};
  } else {
    in.signers = {SignerBlock{"", "Giám đốc", "Trịnh Tuyết Mai", ""}};
  }
  return in;
}

const char* kSamples[] = {"directive-2021-thi-dua.md", "pledge-2017-cum-1.md", "report-2022-so-ket.md"};

TEST(VietnameseDate, Decree30Form) {
  EXPECT_EQ(VietnameseDate("2024-02-05"), "ngày 05 tháng 02 năm 2024");
  EXPECT_EQ(VietnameseDate("2024-01-31"), "ngày 31 tháng 01 năm 2024");
  // Decree 30/2020: only days below 10 and the months 1 and 2 take a leading zero.
  EXPECT_EQ(VietnameseDate("2021-03-09"), "ngày 09 tháng 3 năm 2021");
  EXPECT_EQ(VietnameseDate("2022-12-25"), "ngày 25 tháng 12 năm 2022");
  EXPECT_EQ(VietnameseDate("2022-13-01"), "");
  EXPECT_EQ(VietnameseDate("22-1-1"), "");
  EXPECT_EQ(VietnameseDate("2022-01-01x"), "");
}

TEST(Render, RefusesEmptyInput) {
  RenderInput in = SampleInput(kSamples[0], true);
  in.blocks.clear();
  auto r = Render(in);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kBadInput);
  in = SampleInput(kSamples[0], true);
  in.title = "bad \xff";
  r = Render(in);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kBadInput);
}

TEST(Render, Deterministic) {
  for (const char* name : kSamples) {
    for (bool draft : {true, false}) {
      RenderInput in = SampleInput(name, draft);
      auto a = Render(in);
      auto b = Render(in);
      ASSERT_TRUE(a.ok()) << a.status().message();
      ASSERT_TRUE(b.ok());
      EXPECT_TRUE(a->pdf == b->pdf) << name << " renders differently twice";
      EXPECT_EQ(a->pdf.rfind("%PDF-1.7", 0), 0u);
      // Another document id, another trailer /ID.
      in.document_id = std::string(64, 'b');
      auto c = Render(in);
      ASSERT_TRUE(c.ok());
      EXPECT_NE(a->pdf, c->pdf);
      EXPECT_EQ(a->pdf.size(), c->pdf.size());
    }
  }
}

TEST(Render, PdfAParts) {
  auto r = Render(SampleInput(kSamples[0], false));
  ASSERT_TRUE(r.ok());
  const std::string& pdf = r->pdf;
  EXPECT_NE(pdf.find("<pdfaid:part>3</pdfaid:part>"), std::string::npos);
  EXPECT_NE(pdf.find("<pdfaid:conformance>B</pdfaid:conformance>"), std::string::npos);
  EXPECT_NE(pdf.find("<xmp:CreateDate>2024-02-05T07:30:00+00:00</xmp:CreateDate>"), std::string::npos);
  EXPECT_NE(pdf.find("/GTS_PDFA1"), std::string::npos);
  EXPECT_NE(pdf.find("/DestOutputProfile"), std::string::npos);
  EXPECT_NE(pdf.find("(D:20240205073000+00'00')"), std::string::npos);
  EXPECT_EQ(pdf.find("/Encrypt"), std::string::npos);
  EXPECT_EQ(pdf.find("PoDoFo"), std::string::npos);
  EXPECT_EQ(pdf.find("/SMask"), std::string::npos);
  EXPECT_EQ(pdf.find("/CA "), std::string::npos);
}

struct Sample {
  std::string name;
  bool draft;
};

// The text of every page in `raw` (pdftotext's output), whitespace squashed, page numbers
// taken off the top and `in`'s footnotes out of the flow (they interrupt a paragraph at a
// page foot).
std::string PageText(const std::string& raw, const RenderInput& in) {
  std::istringstream pages(raw);
  std::string page, text;
  for (int p = 1; std::getline(pages, page, '\f'); ++p) {
    std::string t = Squash(page);
    std::string num = std::to_string(p) + " ";
    if (p > 1 && t.rfind(num, 0) == 0) t = t.substr(num.size());
    for (const Block& b : in.blocks) {
      if (b.type != Block::Type::kFootnote) continue;
      std::string note = Squash(Plain(b.text));
      size_t at = t.find(note);
      if (at == std::string::npos) continue;
      size_t from = t.rfind(' ', at >= 2 ? at - 2 : 0);  // its number before it
      from = from == std::string::npos ? 0 : from;
      t.erase(from, at + note.size() - from);
    }
    if (!text.empty() && !t.empty()) text += ' ';
    text += t;
  }
  return Squash(text);
}

class Poppler : public ::testing::TestWithParam<Sample> {
 protected:
  void SetUp() override {
    for (const char* t : {"pdftotext", "pdffonts", "pdfinfo", "qpdf"})
      VB_REQUIRE_TOOL(t);
  }
};

TEST_P(Poppler, ReadsBack) {
  const Sample& s = GetParam();
  RenderInput in = SampleInput(s.name, s.draft);
  auto r = Render(in);
  ASSERT_TRUE(r.ok()) << r.status().message();
  TempDir dir;
  std::string file = dir / "out.pdf";
  WriteFile(file, r->pdf);

  // The text, in NFC, word for word; the body read across page breaks (page
  // numbers and footnotes taken out where they interrupt it).
  std::string raw = Shell("pdftotext -enc UTF-8 " + file + " -");
  std::string text = PageText(raw, in);
  auto nfc = text::Normalize(text);
  ASSERT_TRUE(nfc.ok());
  EXPECT_EQ(*nfc, text) << "pdftotext output is not NFC";
  std::vector<std::string> expect = {"UBND TỈNH LẠNG SƠN", "SỞ NGOẠI VỤ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                                     "Độc lập - Tự do - Hạnh phúc", text::Upper(in.kind_name), "Nơi nhận:"};
  for (const SignerBlock& sb : in.signers) {
    expect.push_back(sb.name);
    if (!sb.authority.empty()) expect.push_back(sb.authority);
  }
  for (size_t i = 0; i < in.recipients.size(); ++i) {
    std::string t = text::Trim(in.recipients[i]);
    while (!t.empty() && (t.back() == '.' || t.back() == ';')) t.pop_back();
    expect.push_back("- " + t + (i + 1 == in.recipients.size() ? "." : ";"));
  }
  // Footnote references print as their numbers, 1..n by first reference.
  std::map<std::string, int> numbers;
  for (const Block& b : in.blocks) {
    if (b.type == Block::Type::kFootnote) continue;
    std::smatch m;
    std::string t = b.text;
    while (std::regex_search(t, m, std::regex(R"(\[\^([A-Za-z0-9]+)\])"))) {
      numbers.emplace(m[1], static_cast<int>(numbers.size()) + 1);
      t = m.suffix();
    }
  }
  auto with_numbers = [&](std::string t) {
    for (const auto& [label, n] : numbers) {
      std::string ref = "[^" + label + "]";
      for (size_t at; (at = t.find(ref)) != std::string::npos;) t.replace(at, ref.size(), std::to_string(n));
    }
    return Squash(std::regex_replace(t, std::regex(R"(\*\*|\*)"), ""));
  };
  std::string all = Squash(raw);
  for (const Block& b : in.blocks) {
    std::string p = with_numbers(b.text);
    if (b.type == Block::Type::kFootnote) {
      p = std::to_string(numbers[b.label]) + " " + p;
      EXPECT_NE(all.find(p), std::string::npos) << "missing footnote: " << p;
      continue;
    }
    if (b.type == Block::Type::kBullet) p = "- " + p;
    expect.push_back(p);
  }
  if (s.draft) {
    expect.push_back("DỰ THẢO");
    expect.push_back("Dự thảo lần 3 (r3, 1a2b3c4d)");
    expect.push_back("Lạng Sơn, ngày tháng năm 2024");
  }
  for (const std::string& e : expect) {
    EXPECT_NE(text.find(Squash(e)), std::string::npos) << "missing: " << e;
  }
  // Title words (wrapped over centred lines).
  EXPECT_NE(text.find(Squash(in.title)), std::string::npos) << "title: " << in.title;

  // Fonts: all embedded and subset.
  std::string fonts = Shell("pdffonts " + file);
  std::istringstream fl(fonts);
  std::string line;
  int rows = 0;
  while (std::getline(fl, line)) {
    if (line.find("LiberationSerif") == std::string::npos) continue;
    ++rows;
    EXPECT_NE(line.find("CID TrueType"), std::string::npos) << line;
    EXPECT_NE(line.find("Identity-H"), std::string::npos) << line;
    EXPECT_TRUE(std::regex_search(line, std::regex(R"(\byes\s+yes\s+yes\b)"))) << "emb/sub/uni: " << line;
    EXPECT_TRUE(std::regex_search(line, std::regex(R"(^[A-Z]{6}\+)"))) << line;
  }
  EXPECT_GE(rows, 2) << fonts;

  std::string info = Shell("pdfinfo " + file);
  EXPECT_NE(info.find("595.28 x 841.89 pts (A4)"), std::string::npos) << info;
  EXPECT_TRUE(std::regex_search(info, std::regex(R"(PDF version:\s+1\.7)"))) << info;
  EXPECT_TRUE(std::regex_search(info, std::regex(R"(Producer:\s+vanban)"))) << info;
  EXPECT_TRUE(std::regex_search(info, std::regex(R"(Encrypted:\s+no)"))) << info;
  std::smatch pm;
  ASSERT_TRUE(std::regex_search(info, pm, std::regex(R"(Pages:\s+(\d+))")));
  EXPECT_EQ(std::stoi(pm[1]), r->pages);

  int st = 0;
  std::string check = Shell("qpdf --check " + file + " 2>&1", &st);
  EXPECT_EQ(st, 0) << check;
  EXPECT_NE(check.find("No syntax or stream encoding errors found"), std::string::npos) << check;

  // Page numbers: none on page 1, "2", "3"... at the top of the others.
  for (int p = 1; p <= r->pages; ++p) {
    std::string top = Shell("pdftotext -enc UTF-8 -f " + std::to_string(p) + " -l " + std::to_string(p) +
                          " -x 0 -y 0 -W 595 -H 50 " + file + " -");
    if (p == 1) {
      if (s.draft) continue;  // the draft label has digits
      EXPECT_EQ(Squash(top).find_first_of("0123456789"), std::string::npos) << top;
    } else {
      EXPECT_EQ(Squash(top), std::to_string(p)) << "page " << p;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Samples, Poppler,
                         ::testing::Values(Sample{kSamples[0], true}, Sample{kSamples[0], false},
                                           Sample{kSamples[1], true}, Sample{kSamples[1], false},
                                           Sample{kSamples[2], true}, Sample{kSamples[2], false}),
                         [](const auto& info) {
                           std::string n = info.param.name.substr(0, info.param.name.find('-'));
                           return n + (info.param.draft ? "Draft" : "Final");
                         });

// ---- the layout rules, on the composed lines ----

void CheckRules(const RenderInput& in, const internal::LayoutResult& lr) {
  const double kEps = 0.05;
  const double left = internal::kMarginLeft, right = internal::kPageW - internal::kMarginRight;
  const double top = internal::kPageH - internal::kMarginTop, bottom = internal::kMarginBottom;
  std::map<int, std::vector<const internal::PlacedLine*>> by_page;
  for (const auto& l : lr.lines) {
    by_page[l.page].push_back(&l);
    ASSERT_GE(l.page, 0);
    ASSERT_LT(l.page, lr.pages);
    EXPECT_GE(l.x, left - kEps) << l.text;
    EXPECT_LE(l.x + l.w, right + kEps) << l.text;
    if (l.kind == Kind::kPageNumber || l.kind == Kind::kDraftMark) {
      EXPECT_GT(l.y, top) << "in the top margin: " << l.text;
      continue;
    }
    EXPECT_GE(l.y, bottom - kEps) << l.text;
    EXPECT_LE(l.y + l.h, top + kEps) << l.text;
  }
  // Page numbers from page 2, centred.
  for (int p = 0; p < lr.pages; ++p) {
    int numbers = 0;
    for (const auto* l : by_page[p])
      if (l->kind == Kind::kPageNumber) {
        ++numbers;
        EXPECT_EQ(l->text, std::to_string(p + 1));
        EXPECT_NEAR(l->x + l->w / 2, (left + right) / 2, 0.5);
      }
    EXPECT_EQ(numbers, p == 0 ? 0 : 1) << "page " << p;
  }
  // No heading is the last body line of a page.
  for (int p = 0; p < lr.pages; ++p) {
    const internal::PlacedLine* last = nullptr;
    for (const auto* l : by_page[p]) {
      bool body = l->kind == Kind::kHeading || l->kind == Kind::kParagraph || l->kind == Kind::kBullet;
      if (body && (!last || l->y < last->y)) last = l;
    }
    if (last) {
      EXPECT_NE(last->kind, Kind::kHeading) << "heading last on page " << p << ": " << last->text;
    }
  }
  // Footnotes on the page of their first reference (superscript numbers on body lines).
  std::map<std::string, int> ref_page, note_page;
  for (const auto& l : lr.lines) {
    if (l.kind == Kind::kFootnote) {
      std::smatch m;
      // A note's first line starts with its number (1, 2, ... in order).
      if (std::regex_search(l.text, m, std::regex(R"(^(\d+) )")) &&
          m[1] == std::to_string(note_page.size() + 1))
        note_page.emplace(m[1], l.page);
    }
  }
  int notes = 0;
  for (const Block& b : in.blocks) notes += b.type == Block::Type::kFootnote;
  EXPECT_EQ(static_cast<int>(note_page.size()), notes);
  // Where the reference is: the line whose text holds the word before [^n].
  for (const Block& b : in.blocks) {
    if (b.type == Block::Type::kFootnote) continue;
    std::smatch m;
    std::string t = b.text;
    while (std::regex_search(t, m, std::regex(R"((\S+)\[\^([A-Za-z0-9]+)\])"))) {
      std::string word = Plain(m[1]);
      for (const auto& l : lr.lines) {
        if (l.kind == Kind::kFootnote) continue;
        for (const auto& [num, page] : note_page) {
          if (l.text.find(word + num) != std::string::npos && !ref_page.count(num)) ref_page[num] = l.page;
        }
      }
      t = m.suffix();
    }
  }
  for (const auto& [num, page] : ref_page) EXPECT_EQ(note_page[num], page) << "footnote " << num;
  // Signature stamps and the seal inside the margins, on the closing's pages (a
  // long list of recipients may run on after them).
  ASSERT_EQ(lr.boxes.signature_stamps.size(), in.signers.size());
  for (const Box& b : lr.boxes.signature_stamps) {
    EXPECT_LT(b.page, lr.pages);
    EXPECT_GE(b.page, lr.boxes.signature_stamps.front().page);
    EXPECT_GE(b.y, bottom - kEps);
    EXPECT_LE(b.y + b.h, top + kEps);
    EXPECT_GE(b.h, 2.5 * 72 / 2.54 - kEps);
  }
  // Every signer block: a 3 cm stamp with the name's line right under it (printed,
  // or kept for a party that signs later); the names of a pledge's row level.
  ASSERT_EQ(lr.boxes.name_fields.size(), in.signers.size());
  for (size_t i = 0; i < in.signers.size(); ++i) {
    const Box& st = lr.boxes.signature_stamps[i];
    const Box& nm = lr.boxes.name_fields[i];
    EXPECT_NEAR(st.h, 30 * 72 / 25.4, 0.1) << "stamp " << i;
    EXPECT_EQ(nm.page, st.page);
    EXPECT_NEAR(nm.y + nm.h, st.y, 0.1) << "name " << i << " right under its stamp";
    EXPECT_GE(nm.h, 14);
    EXPECT_GE(nm.y, bottom - kEps);
    if (in.signers.size() > 1 && i % 2 == 1) {
      EXPECT_NEAR(nm.y, lr.boxes.name_fields[i - 1].y, 0.01) << "row " << i / 2;
    }
    bool printed = false;
    for (const auto& l : lr.lines)
      printed |= l.kind == Kind::kSigner && l.page == nm.page && l.text == text::Trim(in.signers[i].name) &&
                 l.y >= nm.y - kEps && l.y + l.h <= nm.y + nm.h + kEps;
    EXPECT_EQ(printed, !in.signers[i].name.empty()) << "name " << i;
  }
  EXPECT_LT(lr.boxes.seal_stamp.page, lr.pages);
  EXPECT_GE(lr.boxes.seal_stamp.page, lr.boxes.signature_stamps.back().page);
  EXPECT_GE(lr.boxes.seal_stamp.y, bottom - kEps);
  EXPECT_NEAR(lr.boxes.seal_stamp.w, 45 * 72 / 25.4, 1);
  EXPECT_NEAR(lr.boxes.seal_stamp.h, 30 * 72 / 25.4, 1);
  EXPECT_EQ(lr.boxes.number_field.page, 0);
  EXPECT_GT(lr.boxes.number_field.w, 60);
  EXPECT_EQ(lr.boxes.date_field.page, 0);
  // The (first) signer block's page holds body text too (never the signer alone).
  const int signer_page = lr.boxes.signature_stamps.front().page;
  bool body_there = false;
  for (const auto* l : by_page[signer_page])
    body_there |= l->kind == Kind::kParagraph || l->kind == Kind::kBullet || l->kind == Kind::kHeading;
  EXPECT_TRUE(body_there || lr.pages == 1);
}

// ---- nothing written is missing: every line of the text in pdftotext's output ----


// A block's text as printed: markup gone, footnote references as their numbers
// (1..n by first reference).
std::string Printed(const std::string& s, const std::vector<Block>& blocks) {
  std::map<std::string, int> numbers;
  for (const Block& b : blocks) {
    std::string t = b.type == Block::Type::kFootnote ? "" : b.text;
    std::smatch m;
    while (std::regex_search(t, m, std::regex(R"(\[\^([A-Za-z0-9]+)\])"))) {
      numbers.emplace(m[1], static_cast<int>(numbers.size()) + 1);
      t = m.suffix();
    }
  }
  std::string t = s;
  for (const auto& [label, n] : numbers) {
    std::string ref = "[^" + label + "]";
    for (size_t at; (at = t.find(ref)) != std::string::npos;) t.replace(at, ref.size(), std::to_string(n));
  }
  return std::regex_replace(t, std::regex(R"(\*\*|\*)"), "");
}

// Renders `in` and lists what of its text pdftotext does not find: the title,
// each body block, each recipient, each signer's authority, title, name and party.
std::vector<std::string> MissingText(const RenderInput& in, int* pages = nullptr) {
  auto r = Render(in);
  if (!r.ok()) return {"render failed: " + r.status().message()};
  if (pages) *pages = r->pages;
  TempDir dir;
  std::string file = dir / "out.pdf";
  WriteFile(file, r->pdf);
  std::string text = PageText(Shell("pdftotext -enc UTF-8 " + file + " -"), in);
  std::vector<std::string> expect = {in.title, text::Upper(in.kind_name)};
  for (const Block& b : in.blocks) {
    if (b.type == Block::Type::kFootnote) continue;
    expect.push_back((b.type == Block::Type::kBullet ? "- " : "") + Printed(b.text, in.blocks));
  }
  for (size_t i = 0; i < in.recipients.size(); ++i) {
    std::string t = text::Trim(in.recipients[i]);
    while (!t.empty() && (t.back() == '.' || t.back() == ';')) t.pop_back();
    expect.push_back("- " + t + (i + 1 == in.recipients.size() ? "." : ";"));
  }
  for (const SignerBlock& s : in.signers)
    for (const std::string& t : {s.authority, text::Upper(s.title), s.name, text::Upper(s.org)})
      if (!t.empty()) expect.push_back(t);
  std::vector<std::string> missing;
  for (const std::string& e : expect)
    if (text.find(Squash(e)) == std::string::npos) missing.push_back(e);
  return missing;
}

class AllText : public ::testing::Test {
 protected:
  void SetUp() override {
    VB_REQUIRE_TOOL("pdftotext");
  }
};

TEST_F(AllText, Samples) {
  for (const char* name : kSamples)
    for (bool draft : {true, false}) {
      SCOPED_TRACE(std::string(name) + (draft ? " draft" : " final"));
      EXPECT_EQ(MissingText(SampleInput(name, draft)), std::vector<std::string>{});
    }
}

std::vector<std::string> Communes(int n) {
  std::vector<std::string> out;
  for (int i = 1; i <= n; ++i) out.push_back("Ủy ban nhân dân huyện số " + std::to_string(i));
  return out;
}

// 70 addressees (every commune of a province) and more: the list runs on over pages.
TEST_F(AllText, LongRecipientLists) {
  for (int n : {70, 120, 2000}) {
    for (bool draft : {true, false}) {
      SCOPED_TRACE(std::to_string(n) + (draft ? " recipients, draft" : " recipients, final"));
      RenderInput in = SampleInput(kSamples[0], draft);
      in.recipients = Communes(n);
      int pages = 0;
      EXPECT_EQ(MissingText(in, &pages), std::vector<std::string>{});
      EXPECT_GE(pages, n / 60);
      auto lr = internal::LayoutLines(in);
      ASSERT_TRUE(lr.ok()) << lr.status().message();
      CheckRules(in, *lr);
    }
  }
}

TEST_F(AllText, LongParagraphAndRecipient) {
  RenderInput in = SampleInput(kSamples[0], false);
  std::string para;
  for (int i = 0; i < 1500; ++i) para += "Nội dung thi đua số " + std::to_string(i) + " ";
  in.blocks.push_back(Block{Block::Type::kParagraph, 0, "", para + "hết.", 900});
  in.recipients.insert(in.recipients.begin(), "Các đơn vị thành viên Cụm thi đua các cơ quan tham mưu tổng hợp của "
                                              "Ủy ban nhân dân các tỉnh biên giới phía Bắc và các cơ quan liên quan");
  EXPECT_EQ(MissingText(in), std::vector<std::string>{});
  auto lr = internal::LayoutLines(in);
  ASSERT_TRUE(lr.ok()) << lr.status().message();
  CheckRules(in, *lr);
}

// A pledge of many parties with a long list: rows of signer blocks run on over pages.
TEST_F(AllText, ManyPledgeParties) {
  const char* provinces[] = {"Lạng Sơn", "Cao Bằng", "Hà Giang", "Lào Cai", "Lai Châu", "Điện Biên",
                             "Quảng Ninh", "Sơn La", "Tuyên Quang", "Yên Bái", "Bắc Kạn", "Thái Nguyên",
                             "Phú Thọ", "Bắc Giang", "Hòa Bình"};
  for (bool draft : {true, false}) {
    SCOPED_TRACE(draft ? "draft" : "final");
    RenderInput in = SampleInput(kSamples[1], draft);
    in.signers.clear();
    int k = 0;
    for (const char* p : provinces)
      in.signers.push_back(SignerBlock{k % 2 ? "KT. GIÁM ĐỐC" : "", k % 2 ? "Phó Giám đốc" : "Giám đốc",
                                       "Người Ký Số " + std::to_string(++k), std::string("Sở Ngoại vụ tỉnh ") + p});
    in.recipients = Communes(90);
    EXPECT_EQ(MissingText(in), std::vector<std::string>{});
    auto lr = internal::LayoutLines(in);
    ASSERT_TRUE(lr.ok()) << lr.status().message();
    CheckRules(in, *lr);
  }
}

// What cannot be placed is an error, never text off the page.
TEST(Render, RefusesWhatCannotBePlaced) {
  RenderInput in = SampleInput(kSamples[0], false);
  std::string title;
  for (int i = 0; i < 600; ++i) title += "Phát động phong trào thi đua ";
  in.title = title;
  auto r = Render(in);
  ASSERT_FALSE(r.ok()) << "a title longer than the first page was rendered";
  EXPECT_NE(r.status().message().find("does not fit"), std::string::npos) << r.status().message();
}

TEST(LayoutRules, Samples) {
  for (const char* name : kSamples) {
    for (bool draft : {true, false}) {
      SCOPED_TRACE(std::string(name) + (draft ? " draft" : " final"));
      RenderInput in = SampleInput(name, draft);
      auto lr = internal::LayoutLines(in);
      ASSERT_TRUE(lr.ok()) << lr.status().message();
      CheckRules(in, *lr);
    }
  }
}

// A pledge as rendered at its first signature: only the first party is named yet.
TEST(LayoutRules, PledgeBlocksAlikeBeforeTheirNames) {
  RenderInput in = SampleInput(kSamples[1], false);
  for (size_t i = 1; i < in.signers.size(); ++i) in.signers[i].name.clear();
  for (int parties : {3, 4, 7}) {
    SCOPED_TRACE(std::to_string(parties) + " parties");
    while (static_cast<int>(in.signers.size()) < parties)
      in.signers.push_back(SignerBlock{"", "Giám đốc", "", "Sở Ngoại vụ tỉnh Hà Giang"});
    auto lr = internal::LayoutLines(in);
    ASSERT_TRUE(lr.ok()) << lr.status().message();
    CheckRules(in, *lr);
  }
}

// The issuing body breaks between its parts, never inside a place's name.
TEST(LayoutRules, IssuingBodyBreaksBetweenParts) {
  struct Case {
    std::string org;
    std::vector<std::string> whole;  // each on one line
  };
  std::vector<Case> cases;
  for (const char* p : {"Lạng Sơn", "Cao Bằng", "Hà Giang", "Lào Cai", "Lai Châu", "Điện Biên", "Quảng Ninh", "Sơn La"})
    cases.push_back({std::string("Sở Ngoại vụ tỉnh ") + p, {"SỞ NGOẠI VỤ", "TỈNH " + text::Upper(p)}});
  cases.push_back({"Sở Văn hóa, Thể thao và Du lịch tỉnh Điện Biên", {"DU LỊCH", "TỈNH ĐIỆN BIÊN"}});
  cases.push_back({"Sở Lao động - Thương binh và Xã hội tỉnh Quảng Ninh", {"XÃ HỘI", "TỈNH QUẢNG NINH"}});
  cases.push_back({"Sở Tài nguyên và Môi trường thành phố Hồ Chí Minh", {"MÔI TRƯỜNG", "HỒ CHÍ MINH"}});
  cases.push_back({"Ủy ban nhân dân huyện Tràng Định tỉnh Lạng Sơn", {"HUYỆN TRÀNG ĐỊNH", "TỈNH LẠNG SƠN"}});
  const double left_col_end = internal::kMarginLeft + 0.4 * (internal::kPageW - internal::kMarginLeft - internal::kMarginRight);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.org);
    RenderInput in = SampleInput(kSamples[0], false);
    in.head.org_name = c.org;
    in.head.parent_body = "";
    auto lr = internal::LayoutLines(in);
    ASSERT_TRUE(lr.ok()) << lr.status().message();
    std::vector<std::string> lines;
    for (const auto& l : lr->lines)
      if (l.kind == Kind::kHeader && l.page == 0 && l.x + l.w <= left_col_end + 0.05) lines.push_back(l.text);
    std::string joined;
    for (const std::string& l : lines) joined += (joined.empty() ? "" : " ") + l;
    EXPECT_EQ(joined, text::Upper(c.org));
    for (const std::string& part : c.whole) {
      bool found = false;
      for (const std::string& l : lines) found |= l.find(part) != std::string::npos;
      std::string all;
      for (const std::string& l : lines) all += "[" + l + "]";
      EXPECT_TRUE(found) << "'" << part << "' is broken: " << all;
    }
  }
}

TEST(LayoutRules, ReportFlowsOverPages) {
  auto lr = internal::LayoutLines(SampleInput(kSamples[2], false));
  ASSERT_TRUE(lr.ok());
  EXPECT_GE(lr->pages, 3);
  EXPECT_LE(lr->pages, 8);
  auto d = internal::LayoutLines(SampleInput(kSamples[0], false));
  ASSERT_TRUE(d.ok());
  EXPECT_GE(d->pages, 1);
  EXPECT_LE(d->pages, 4);
}

// Long bodies with many headings and footnotes: the rules hold everywhere.
TEST(LayoutRules, StressHeadingsAndNotes) {
  RenderInput in = SampleInput(kSamples[2], false);
  std::vector<Block> blocks;
  int line = 1;
  for (int i = 0; i < 40; ++i) {
    blocks.push_back(Block{Block::Type::kHeading, 1 + i % 3, "", "Mục " + std::to_string(i) + " KIỂM TRA", line++});
    std::string text;
    for (int k = 0; k < 5 + (i * 7) % 40; ++k) text += "Nội dung thi đua khen thưởng ";
    text += "kết thúc[^n" + std::to_string(i) + "].";
    blocks.push_back(Block{Block::Type::kParagraph, 0, "", text, line++});
    if (i % 4 == 0) blocks.push_back(Block{Block::Type::kBullet, 0, "", "Gạch đầu dòng " + text, line++});
  }
  for (int i = 0; i < 40; ++i)
    blocks.push_back(Block{Block::Type::kFootnote, 0, "n" + std::to_string(i),
                           "Chú thích số " + std::to_string(i) + " về văn bản.", line++});
  in.blocks = blocks;
  auto lr = internal::LayoutLines(in);
  ASSERT_TRUE(lr.ok());
  CheckRules(in, *lr);
  EXPECT_GE(lr->pages, 8);
}

// Golden layout of the directive's first page: the lines and their boxes, to a
// tenth of a point. Regenerate with VANBAN_UPDATE_GOLDEN=1 after a deliberate change.
TEST(LayoutGolden, DirectivePageOne) {
  auto lr = internal::LayoutLines(SampleInput(kSamples[0], false));
  ASSERT_TRUE(lr.ok());
  std::ostringstream got;
  got.setf(std::ios::fixed);
  got.precision(1);
  for (const auto& l : lr->lines) {
    if (l.page != 0) continue;
    got << static_cast<int>(l.kind) << ' ' << l.x << ' ' << l.y << ' ' << l.w << ' ' << l.h << ' ' << l.text << '\n';
  }
  auto box = [&](const char* n, const Box& b) { got << n << ' ' << b.page << ' ' << b.x << ' ' << b.y << ' ' << b.w << ' ' << b.h << '\n'; };
  box("number_field", lr->boxes.number_field);
  box("date_field", lr->boxes.date_field);
  for (const Box& b : lr->boxes.signature_stamps) box("signature", b);
  box("seal", lr->boxes.seal_stamp);
  std::string path = std::string(VANBAN_TEST_DATA) + "/layout-directive-page1.txt";
  if (std::getenv("VANBAN_UPDATE_GOLDEN")) WriteFile(path, got.str());
  std::string want = ReadFile(path);
  ASSERT_FALSE(want.empty()) << path << " missing (VANBAN_UPDATE_GOLDEN=1 writes it)";
  EXPECT_EQ(got.str(), want);
}

// ---- LoadFonts on a loaded document, written as an incremental update ----

TEST(LoadFonts, IncrementalUpdateEmbedsSubset) {
  auto r = Render(SampleInput(kSamples[0], false));
  ASSERT_TRUE(r.ok());
  std::string updated;
  try {
    PoDoFo::PdfMemDocument doc;
    doc.LoadFromBuffer(r->pdf.data(), static_cast<long>(r->pdf.size()), true);
    auto fonts = LoadFonts(doc);
    ASSERT_TRUE(fonts.ok()) << fonts.status().message();
    auto again = LoadFonts(doc);  // a second call finds the same fonts
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->bold, fonts->bold);

    PoDoFo::PdfPage* page = doc.GetPage(0);
    const Box& f = r->number_field;
    PoDoFo::PdfRect rect(f.x, f.y, f.w, f.h);
    PoDoFo::PdfXObject xobj(PoDoFo::PdfRect(0, 0, f.w, f.h), &doc);
    {
      PoDoFo::PdfPainter painter;
      painter.SetPage(&xobj);
      fonts->bold->SetFontSize(13);
      painter.SetFont(fonts->bold);
      painter.DrawText(2, 4, PoDoFo::PdfString(reinterpret_cast<const PoDoFo::pdf_utf8*>("12/KH-SNgV Đặng")));
      painter.FinishPage();
    }
    PoDoFo::PdfAnnotation* annot = page->CreateAnnotation(PoDoFo::ePdfAnnotation_Stamp, rect);
    annot->SetFlags(PoDoFo::ePdfAnnotationFlags_Print);
    annot->SetAppearanceStream(&xobj);

    PoDoFo::PdfRefCountedBuffer buf;
    PoDoFo::PdfOutputDevice dev(&buf);
    doc.WriteUpdate(&dev, true);  // the original bytes, then the update
    updated.assign(buf.GetBuffer(), dev.GetLength());
  } catch (const PoDoFo::PdfError& e) {
    FAIL() << "PoDoFo: " << PoDoFo::PdfError::ErrorName(e.GetError());
  }
  ASSERT_EQ(updated.compare(0, r->pdf.size(), r->pdf), 0) << "the update must append";
  for (const char* t : {"pdftotext", "pdffonts", "qpdf"}) VB_REQUIRE_TOOL(t);
  TempDir dir;
  std::string file = dir / "updated.pdf";
  WriteFile(file, updated);
  std::string text = Shell("pdftotext -enc UTF-8 -f 1 -l 1 " + file + " -");
  EXPECT_NE(text.find("12/KH-SNgV Đặng"), std::string::npos) << text;
  std::string fonts = Shell("pdffonts " + file);
  std::istringstream fl(fonts);
  std::string line;
  std::set<std::string> names;
  while (std::getline(fl, line)) {
    if (line.find("LiberationSerif") == std::string::npos) continue;
    EXPECT_TRUE(std::regex_search(line, std::regex(R"(\byes\s+yes\s+yes\b)"))) << line;
    EXPECT_TRUE(names.insert(line.substr(0, line.find(' '))).second) << "subset tag used twice: " << line;
  }
  int st = 0;
  std::string check = Shell("qpdf --check " + file + " 2>&1", &st);
  EXPECT_EQ(st, 0) << check;
  // The permanent first /ID survives the update.
  std::smatch m1, m2;
  std::regex id(R"(/ID\s*\[\s*<([0-9A-Fa-f]+)>)");
  ASSERT_TRUE(std::regex_search(r->pdf, m1, id));
  std::string tail = updated.substr(r->pdf.size());
  ASSERT_TRUE(std::regex_search(tail, m2, id));
  EXPECT_EQ(text::Upper(m1[1].str()), text::Upper(m2[1].str()));
}

// ---- size and time (the benchmark targets, loosely) ----

TEST(Render, SizeAndTime) {
  for (const char* name : kSamples) {
    RenderInput in = SampleInput(name, false);
    auto warm = Render(in);
    ASSERT_TRUE(warm.ok());
    const int n = 5;
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) ASSERT_TRUE(Render(in).ok());
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / n;
    std::printf("[ render ] %s: %d pages, %zu bytes, %.1f ms\n", name, warm->pages, warm->pdf.size(), ms);
    EXPECT_LT(warm->pdf.size(), 45u * 1024 + 10u * 1024 * static_cast<size_t>(warm->pages)) << name;
  }
}

// Writes the samples to $VANBAN_PDF_OUT (manual inspection with pdftoppm).
TEST(Render, DumpSamples) {
  const char* out = std::getenv("VANBAN_PDF_OUT");
  if (!out) GTEST_SKIP() << "set VANBAN_PDF_OUT=DIR to write the samples";
  for (const char* name : kSamples)
    for (bool draft : {true, false}) {
      auto r = Render(SampleInput(name, draft));
      ASSERT_TRUE(r.ok()) << r.status().message();
      std::string stem = std::string(name).substr(0, std::string(name).size() - 3);
      WriteFile(std::string(out) + "/" + stem + (draft ? "-draft" : "-final") + ".pdf", r->pdf);
    }
}

}  // namespace
}  // namespace vanban::pdf
