// vanban/pdf (internal) — the page layout of Decree 30/2020 (Appendix I), drawn with PoDoFo.
//
// Render() turns one revision of a document into a complete, unsigned PDF: A4,
// the two-column letterhead, number and date line, kind and title, the body
// (justified, first-line indents, headings, bullets, bold/italic, footnotes at
// the foot of their page), the signer block(s) and "Nơi nhận:". For signing it
// leaves the number and date empty and reports where they and the signature
// stamps go; the signing code (sign.h) fills them later as incremental updates.
// Text is Liberation Serif, embedded as Identity-H subsets. Output is
// deterministic: the same input gives the same bytes.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/docfile.h"
#include "core/status.h"

namespace PoDoFo {
class PdfDocument;
class PdfMemDocument;
class PdfFont;
class PdfFontMetricsFreetype;
}  // namespace PoDoFo
typedef struct FT_LibraryRec_* FT_Library;  // as FreeType declares it

namespace vanban::pdf {

// A rectangle on a page, in PDF points, origin bottom-left; page is 0-based.
struct Box {
  int page = 0;
  double x = 0, y = 0, w = 0, h = 0;
};

struct Letterhead {
  std::string parent_body;  // printed upper case above the issuing body: "UBND TỈNH LẠNG SƠN"; may be empty
  std::string org_name;     // the issuing body: "Sở Ngoại vụ" (printed upper case, bold)
  std::string place;        // for the date line: "Lạng Sơn"
};

struct SignerBlock {
  std::string authority;  // "KT. GIÁM ĐỐC", "TM. ..." or empty when the head signs himself
  std::string title;      // "PHÓ GIÁM ĐỐC" (printed upper case, bold)
  std::string name;       // "Nguyễn Văn An" (bold)
  std::string org;        // pledges: the party organisation, printed above its block; else empty
};

struct RenderInput {
  Letterhead head;
  std::string kind_name;  // "KẾ HOẠCH" (from the register symbol)
  std::string title;      // NFC
  std::vector<Block> blocks;            // body, from ParseDocumentFile
  std::vector<std::string> recipients;  // "Nơi nhận", as written ("org:ALIAS" already resolved to a name)
  std::string symbol_suffix;            // "KH-SNgV": printed after the number ("Số:    /KH-SNgV" in drafts)
  bool draft = true;        // true: "DỰ THẢO" + draft_label, number/date blank, no fields
  std::string draft_label;  // "Dự thảo lần 3 (r3, 1a2b3c4d)"
  int year = 0;             // the year printed in a blank date line ("ngày    tháng    năm 2024")
  std::vector<SignerBlock> signers;  // one; a pledge has one per organisation, in signing order
  int64_t created = 0;      // UTC seconds: Info/XMP dates, so bytes are reproducible
  // Not drafts: characters the signing code will later draw with this document's own
  // regular and italic fonts (the number, the date, the stamps), kept in their subsets
  // so that later updates need no new font programs.
  std::string reserve;
  std::string document_id;  // 64 hex: the document id, seeds the trailer /ID and XMP
};

struct Rendered {
  std::string pdf;                   // the complete PDF
  int pages = 0;
  Box number_field;                  // the "Số:" line under the issuing body on page 0: "Số: 12/KH-SNgV", centred
  Box date_field;                    // the place-and-date line, for "Lạng Sơn, ngày 05 tháng 02 năm 2024"
  std::vector<Box> signature_stamps; // one per SignerBlock, in the signer area (between title and name)
  std::vector<Box> name_fields;      // one per SignerBlock: its name line (a party that signs later is named there)
  Box seal_stamp;                    // for the seal's stamp and the QR code (last page, bottom-left or beside the signer)
};

Result<Rendered> Render(const RenderInput& in);

// Liberation Serif (fonts-liberation2) loaded into `doc` as Identity-H subsets:
// the one font family of every page, stamp and field appearance. The fonts live
// in the document's font cache: Write/WriteUpdate embed the glyphs drawn with
// them; a second call on the same document returns the same fonts.
struct Fonts {
  PoDoFo::PdfFont* regular = nullptr;
  PoDoFo::PdfFont* bold = nullptr;
  PoDoFo::PdfFont* italic = nullptr;
  PoDoFo::PdfFont* bold_italic = nullptr;
};
// Faces to load, as a mask: an update that draws a few words embeds only what it uses.
enum FaceMask : unsigned { kRegularFace = 1, kBoldFace = 2, kItalicFace = 4, kBoldItalicFace = 8, kAllFaces = 15 };
Result<Fonts> LoadFonts(PoDoFo::PdfDocument& doc, unsigned faces = kAllFaces);

// Embeds the fonts' pending subsets now, their programs slimmed (truetype.h):
// call after the last text is drawn, before Write or WriteUpdate.
Status EmbedSlimFonts(PoDoFo::PdfMemDocument& doc, const std::array<PoDoFo::PdfFont*, 4>& fonts);

// FreeType metrics of a face (0 regular, 1 bold, 2 italic, 3 bold italic: also
// the page resource names /F0../F3), over the font's bytes read once per process,
// without copying them.
Result<std::unique_ptr<PoDoFo::PdfFontMetricsFreetype>> FaceMetrics(FT_Library* lib, int face,
                                                                    const char* subset_prefix = nullptr);

// "ngày 05 tháng 02 năm 2024" from "2024-02-05".
std::string VietnameseDate(const std::string& iso_date);

// PoDoFo prints parser notes and trailers on stdout/stderr unless told not to; every
// entry point that loads or makes a PDF calls this first (once per process does it).
void QuietPoDoFo();

}  // namespace vanban::pdf
