// The font programs the PDFs embed: the stripped whole font Render subsets from
// and the slim subsets, checked against PoDoFo's own subsetter and FreeType.
#include "pdf/truetype.h"

#include <gtest/gtest.h>
#include <podofo/podofo.h>

#include <set>
#include <string>

#include "pdf/layout.h"
#include "tests/pdf/util.h"

namespace vanban::pdf {
namespace {

using PoDoFo::PdfFontMetricsFreetype;

const char* kRegular = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf";

uint32_t U32(const std::string& d, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(d.at(at + i));
  return v;
}

std::set<std::string> Tables(const std::string& ttf) {
  std::set<std::string> tags;
  size_t n = (static_cast<uint8_t>(ttf.at(4)) << 8) | static_cast<uint8_t>(ttf.at(5));
  for (size_t i = 0; i < n; ++i) tags.insert(ttf.substr(12 + 16 * i, 4));
  return tags;
}

// The sum of a font file's 32-bit words, as the head table's checkSumAdjustment sets it.
uint32_t FileSum(const std::string& ttf) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 4 <= ttf.size(); i += 4) sum += U32(ttf, i);
  return sum;
}

// PoDoFo's subset of `ttf` for the characters of `text`, slimmed as EmbedSlimFonts does.
std::string SlimSubset(const std::string& ttf, const std::u16string& text) {
  PoDoFo::PdfMemDocument doc;  // for its FreeType library
  FT_Library lib = doc.GetFontLibrary();
  std::string out;
  {
    PdfFontMetricsFreetype metrics(&lib, ttf.data(), static_cast<unsigned int>(ttf.size()), false);
    PoDoFo::PdfInputDevice input(ttf.data(), ttf.size());
    PoDoFo::PdfFontTTFSubset subset(&input, &metrics, PoDoFo::PdfFontTTFSubset::eFontFileType_TTF);
    std::set<PoDoFo::pdf_utf16be> used(text.begin(), text.end());
    PoDoFo::PdfRefCountedBuffer buffer;
    std::vector<unsigned char> cidset;
    subset.BuildFont(buffer, used, cidset);
    auto slim = internal::SlimTrueType(std::string_view(buffer.GetBuffer(), buffer.GetSize()));
    EXPECT_TRUE(slim.ok()) << slim.status().message();
    if (slim.ok()) out = *slim;
  }
  return out;
}

TEST(StripHinting, KeepsGlyphIdsAndAdvancesAndDropsTheHinting) {
  std::string full = testing::ReadFile(kRegular);
  auto stripped = internal::StripHinting(full);
  ASSERT_TRUE(stripped.ok()) << stripped.status().message();
  EXPECT_LT(stripped->size(), full.size() * 3 / 4) << "the hinting is a large part of the glyf table";
  for (const char* t : {"fpgm", "prep", "cvt "}) {
    EXPECT_TRUE(Tables(full).count(t)) << t;
    EXPECT_FALSE(Tables(*stripped).count(t)) << t;
  }
  EXPECT_EQ(FileSum(*stripped), 0xB1B0AFBAu) << "head.checkSumAdjustment";

  PoDoFo::PdfMemDocument doc;  // for its FreeType library
  FT_Library lib = doc.GetFontLibrary();
  {
    PdfFontMetricsFreetype before(&lib, full.data(), static_cast<unsigned int>(full.size()), false);
    PdfFontMetricsFreetype after(&lib, stripped->data(), static_cast<unsigned int>(stripped->size()), false);
    for (char16_t c : std::u16string(u" Kế hoạch thi đua năm 2021, Sở Ngoại vụ tỉnh Lạng Sơn: ĐÃ ĐÓNG DẤU Ợ ỹ")) {
      long gid = before.GetGlyphId(c);
      ASSERT_GT(gid, 0) << static_cast<int>(c);
      EXPECT_EQ(after.GetGlyphId(c), gid) << static_cast<int>(c);
      EXPECT_EQ(after.GetGlyphWidth(static_cast<int>(gid)), before.GetGlyphWidth(static_cast<int>(gid)))
          << static_cast<int>(c) << ": a glyph without an outline (the space) keeps its advance too";
    }
    EXPECT_EQ(after.GetPdfAscent(), before.GetPdfAscent());
    EXPECT_EQ(after.GetPdfDescent(), before.GetPdfDescent());
  }
}

TEST(StripHinting, SubsetsComeOutTheSameByteForByte) {
  std::string full = testing::ReadFile(kRegular);
  auto stripped = internal::StripHinting(full);
  ASSERT_TRUE(stripped.ok());
  for (const std::u16string& text : {std::u16string(u"Kế hoạch thi đua"), std::u16string(u"ĐÃ ĐÓNG DẤU Số 12/KH-SNgV ỹ Ợ")}) {
    std::string a = SlimSubset(full, text), b = SlimSubset(*stripped, text);
    ASSERT_FALSE(a.empty());
    EXPECT_EQ(a, b);
    EXPECT_EQ(FileSum(a), 0xB1B0AFBAu);
  }
}

TEST(SlimTrueType, RefusesWhatIsNotAFont) {
  for (std::string bad : {std::string(), std::string("OTTO"), std::string(40, '\x01')}) {
    auto r = internal::SlimTrueType(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("font subset"), std::string::npos) << r.status().message();
    EXPECT_FALSE(internal::StripHinting(bad).ok());
  }
  // A table that points past the end of the file.
  std::string full = testing::ReadFile(kRegular);
  std::string cut = full.substr(0, full.size() / 2);
  EXPECT_FALSE(internal::StripHinting(cut).ok());
}

}  // namespace
}  // namespace vanban::pdf
