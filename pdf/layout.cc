// vanban/pdf — Render(): draws a Composition with PoDoFo as a PDF/A-3b file.
//
// Content streams are written here, not with PdfPainter: text is Identity-H
// (two-byte glyph ids) and justified with TJ adjustments (Tw does not apply to
// two-byte codes), and we keep full control of what goes into the bytes. The
// fonts come from LoadFonts(); every glyph drawn is registered with the font so
// PoDoFo's subsetter keeps it.
#include "pdf/layout.h"

#include <podofo/podofo.h>

#include <array>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <unordered_map>

#include "core/crypto.h"
#include "core/text.h"
#include "pdf/text_layout.h"
#include "pdf/truetype.h"

namespace vanban::pdf {

using namespace PoDoFo;
using internal::Composition;
using internal::Face;
using internal::Line;
using internal::Run;

void QuietPoDoFo() {
  static std::once_flag once;
  std::call_once(once, [] {
    PdfError::EnableLogging(false);
    PdfError::EnableDebug(false);
  });
}

namespace {

constexpr const char* kFontDir = "/usr/share/fonts/truetype/liberation2/";
constexpr std::array<const char*, 4> kFontFiles = {
    "LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf", "LiberationSerif-Italic.ttf",
    "LiberationSerif-BoldItalic.ttf"};
constexpr const char* kIccPath = "/usr/share/color/icc/sRGB.icc";  // Debian: icc-profiles-free

// One Identity-H encoding for every font (it holds no per-font state), so that a
// second LoadFonts on the same document finds the fonts in PoDoFo's cache.
const PdfEncoding* Identity() {
  static const PdfIdentityEncoding* enc = new PdfIdentityEncoding(0, 0xffff, false);
  return enc;
}

std::string PdfErrorText(const PdfError& e) {
  std::string msg = PdfError::ErrorMessage(e.GetError()) ? PdfError::ErrorMessage(e.GetError()) : "";
  if (msg.empty()) msg = PdfError::ErrorName(e.GetError()) ? PdfError::ErrorName(e.GetError()) : "error";
  for (const PdfErrorInfo& info : e.GetCallstack()) {
    if (!info.GetInformation().empty()) {
      msg += " (" + info.GetInformation() + ")";
      break;
    }
  }
  return msg;
}

// Subset tags from the font object's number: unique within a document, also
// across incremental updates (new objects get new numbers), and reproducible.
std::string SubsetTag(uint32_t n) {
  std::string tag(6, 'A');
  for (int i = 5; i >= 0; --i) {
    tag[i] = static_cast<char>('A' + n % 26);
    n /= 26;
  }
  return tag;
}

void RetagFont(PdfDocument& doc, PdfFont* font) {
  PdfObject* obj = font->GetObject();
  PdfObject* bf = obj->GetIndirectKey("BaseFont");
  std::string base = bf && bf->IsName() ? bf->GetName().GetName() : "LiberationSerif";
  size_t plus = base.find('+');
  if (plus != std::string::npos) base = base.substr(plus + 1);
  PdfName name(SubsetTag(obj->Reference().ObjectNumber()) + "+" + base);
  obj->GetDictionary().AddKey("BaseFont", name);
  PdfObject* desc = obj->GetIndirectKey("DescendantFonts");
  if (desc && desc->IsArray() && !desc->GetArray().empty()) {
    const PdfObject& first = desc->GetArray()[0];
    PdfObject* cid = first.IsReference() ? doc.GetObjects()->GetObject(first.GetReference()) : nullptr;
    if (cid && cid->IsDictionary()) {
      cid->GetDictionary().AddKey("BaseFont", name);
      PdfObject* fd = cid->GetIndirectKey("FontDescriptor");
      if (fd && fd->IsDictionary()) fd->GetDictionary().AddKey("FontName", name);
    }
  }
}

Result<std::string> ReadFile(const std::string& path, const char* package) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::BadInput(path + ": cannot read (Debian package " + package + ")");
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The four TTF files, read once per process and stripped of their hinting
// (truetype.h: the embedded subsets come out the same, and each subset PoDoFo
// builds copies far fewer bytes). Render's fonts come from here.
struct FontFiles {
  std::array<std::string, 4> bytes;
  Status status;
};
const FontFiles& CachedFontFiles() {
  static std::once_flag once;
  static FontFiles* files = nullptr;
  std::call_once(once, [] {
    files = new FontFiles;
    for (int i = 0; i < 4; ++i) {
      auto r = ReadFile(std::string(kFontDir) + kFontFiles[i], "fonts-liberation2");
      if (!r.ok()) {
        files->status = r.status();
        return;
      }
      auto stripped = internal::StripHinting(*r);
      if (!stripped.ok()) {
        files->status = Status::BadInput(std::string(kFontFiles[i]) + ": " + stripped.status().message());
        return;
      }
      files->bytes[i] = std::move(stripped).value();
    }
  });
  return *files;
}

// Render's fonts: the same Identity-H subsets as LoadFonts, made from the cached
// file bytes instead of reading the files again. They are not in the document's
// font cache: we embed them ourselves (EmbedSlimFonts) and own them; they must
// go before the document (their FreeType faces belong to its library).
using OwnedFonts = std::array<std::unique_ptr<PdfFont>, 4>;
Result<Fonts> RenderFonts(PdfMemDocument& doc, OwnedFonts* owned) {
  FT_Library lib = doc.GetFontLibrary();  // only used while the metrics open the face
  for (int i = 0; i < 4; ++i) {
    VB_ASSIGN_OR_RETURN(auto face, FaceMetrics(&lib, i, "AAAAAA+"));
    PdfFontMetricsFreetype* metrics = face.release();  // the font object owns it
    int flags = ePdfFont_Embedded | ePdfFont_Subsetting | (i & 1 ? ePdfFont_Bold : 0) | (i & 2 ? ePdfFont_Italic : 0);
    (*owned)[i].reset(PdfFontFactory::CreateFontObject(metrics, flags, Identity(), &doc.GetObjects()));
    if (!(*owned)[i]) return Status::BadInput(std::string(kFontFiles[i]) + ": PoDoFo cannot load the font");
    RetagFont(doc, (*owned)[i].get());
  }
  return Fonts{(*owned)[0].get(), (*owned)[1].get(), (*owned)[2].get(), (*owned)[3].get()};
}

}  // namespace

Status EmbedSlimFonts(PdfMemDocument& doc, const std::array<PdfFont*, 4>& fonts) {
  for (PdfFont* font : fonts) {
    if (!font) continue;
    font->EmbedSubsetFont();
    PdfObject* desc = font->GetObject()->GetIndirectKey("DescendantFonts");
    if (!desc || !desc->IsArray() || desc->GetArray().empty() || !desc->GetArray()[0].IsReference()) continue;
    PdfObject* cid = doc.GetObjects().GetObject(desc->GetArray()[0].GetReference());
    PdfObject* fd = cid ? cid->GetIndirectKey("FontDescriptor") : nullptr;
    PdfObject* file = fd ? fd->GetIndirectKey("FontFile2") : nullptr;
    if (!file || !file->HasStream()) continue;
    char* data = nullptr;
    pdf_long len = 0;
    file->GetStream()->GetFilteredCopy(&data, &len);
    std::string ttf(data, static_cast<size_t>(len));
    podofo_free(data);
    VB_ASSIGN_OR_RETURN(std::string slim, internal::SlimTrueType(ttf));
    file->GetDictionary().AddKey("Length1", static_cast<pdf_int64>(slim.size()));
    file->GetStream()->Set(slim.data(), static_cast<pdf_long>(slim.size()));
  }
  return Status::Ok();
}

namespace {

// Glyph ids and advances through the fonts' metrics, cached per render.
class FontMeasure : public internal::Measure {
 public:
  explicit FontMeasure(const Fonts& f) {
    metrics_[0] = f.regular->GetFontMetrics();
    metrics_[1] = f.bold->GetFontMetrics();
    metrics_[2] = f.italic->GetFontMetrics();
    metrics_[3] = f.bold_italic->GetFontMetrics();
  }
  struct Glyph {
    uint16_t gid = 0;
    double advance = 0;
    char32_t drawn = 0;  // the character drawn: '?' for one the font lacks
  };
  const Glyph& Get(Face face, char32_t c) const {
    auto& cache = cache_[face];
    auto it = cache.find(c);
    if (it != cache.end()) return it->second;
    Glyph g;
    const PdfFontMetrics* m = metrics_[face];
    long gid = c <= 0xFFFF ? m->GetGlyphId(static_cast<long>(c)) : 0;
    g.drawn = c;
    if (gid <= 0 || gid > 0xFFFF) {
      gid = m->GetGlyphId('?');
      g.drawn = U'?';
    }
    g.gid = static_cast<uint16_t>(gid);
    g.advance = m->GetGlyphWidth(static_cast<int>(gid));
    return cache.emplace(c, g).first->second;
  }
  double Advance(Face face, char32_t c) const override { return Get(face, c).advance; }

 private:
  std::array<const PdfFontMetrics*, 4> metrics_{};
  mutable std::array<std::unordered_map<char32_t, Glyph>, 4> cache_;
};

void AppendNum(std::string* out, double v) {
  if (v > -0.0005 && v < 0.0005) v = 0;
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 3);
  char* end = r.ptr;
  while (end > buf && end[-1] == '0') --end;
  if (end > buf && end[-1] == '.') --end;
  out->append(buf, end);
}

constexpr char kHex[] = "0123456789ABCDEF";

// Writes the content stream of one page.
class PageWriter {
 public:
  PageWriter(const FontMeasure& m, std::array<std::set<char32_t>, 4>* used) : m_(m), used_(used) {
    s_ = "0 0 0 rg 0 0 0 RG\n";
  }

  void Text(const Line& l) {
    s_ += "BT\n";
    AppendNum(&s_, l.x);
    s_ += ' ';
    AppendNum(&s_, l.baseline);
    s_ += " Td\n";
    int face = -1;
    double size = -1, rise = 0;
    for (const Run& r : l.runs) {
      if (r.face != face || r.size != size) {
        face = r.face;
        size = r.size;
        s_ += "/F";
        s_ += static_cast<char>('0' + face);
        s_ += ' ';
        AppendNum(&s_, size);
        s_ += " Tf\n";
        fonts_used_.insert(face);
      }
      if (r.rise != rise) {
        rise = r.rise;
        AppendNum(&s_, rise);
        s_ += " Ts\n";
      }
      s_ += '[';
      bool open = false;
      for (char32_t c : r.text) {
        const FontMeasure::Glyph& g = m_.Get(r.face, c);
        (*used_)[r.face].insert(g.drawn);
        if (!open) {
          s_ += '<';
          open = true;
        }
        s_ += kHex[(g.gid >> 12) & 15];
        s_ += kHex[(g.gid >> 8) & 15];
        s_ += kHex[(g.gid >> 4) & 15];
        s_ += kHex[g.gid & 15];
        if (c == U' ' && l.extra > 0.001 && !r.fixed) {
          s_ += "> ";
          open = false;
          AppendNum(&s_, -l.extra * 1000.0 / r.size);
          s_ += ' ';
        }
      }
      if (open) s_ += '>';
      if (r.kern != 0) {
        s_ += ' ';
        AppendNum(&s_, -r.kern * 1000.0 / r.size);
      }
      s_ += "] TJ\n";
    }
    if (rise != 0) s_ += "0 Ts\n";
    s_ += "ET\n";
  }

  void Rule(const internal::Rule& r) {
    AppendNum(&s_, r.width);
    s_ += " w ";
    AppendNum(&s_, r.x1);
    s_ += ' ';
    AppendNum(&s_, r.y);
    s_ += " m ";
    AppendNum(&s_, r.x2);
    s_ += ' ';
    AppendNum(&s_, r.y);
    s_ += " l S\n";
  }

  void Frame(const Box& b) {
    s_ += "0.8 w ";
    AppendNum(&s_, b.x);
    s_ += ' ';
    AppendNum(&s_, b.y);
    s_ += ' ';
    AppendNum(&s_, b.w);
    s_ += ' ';
    AppendNum(&s_, b.h);
    s_ += " re S\n";
  }

  const std::string& str() const { return s_; }
  const std::set<int>& fonts_used() const { return fonts_used_; }

 private:
  const FontMeasure& m_;
  std::array<std::set<char32_t>, 4>* used_;
  std::string s_;
  std::set<int> fonts_used_;
};

std::string Two(int v) {
  char b[8];
  std::snprintf(b, sizeof b, "%02d", v);
  return b;
}

struct Stamp {
  std::string pdf;  // D:YYYYMMDDHHmmSS+00'00'
  std::string xmp;  // YYYY-MM-DDTHH:mm:SS+00:00
};

Stamp Dates(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  std::string y = std::to_string(tm.tm_year + 1900);
  while (y.size() < 4) y = "0" + y;
  Stamp s;
  s.pdf = "D:" + y + Two(tm.tm_mon + 1) + Two(tm.tm_mday) + Two(tm.tm_hour) + Two(tm.tm_min) + Two(tm.tm_sec) +
          "+00'00'";
  s.xmp = y + "-" + Two(tm.tm_mon + 1) + "-" + Two(tm.tm_mday) + "T" + Two(tm.tm_hour) + ":" + Two(tm.tm_min) +
          ":" + Two(tm.tm_sec) + "+00:00";
  return s;
}


std::string Uuid(const std::string& seed) {
  Hash h = crypto::Blake2b(seed);
  std::string hex = ToHex(h.data(), 16);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20, 12);
}

std::string Xmp(const RenderInput& in, const std::string& title, const Stamp& d) {
  std::string id = Uuid("vanban/pdf/document " + in.document_id);
  std::string x;
  x += "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n";
  x += "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n";
  x += " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n";
  x += "  <rdf:Description rdf:about=\"\"\n";
  x += "    xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\"\n";
  x += "    xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n";
  x += "    xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n";
  x += "    xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\"\n";
  x += "    xmlns:xmpMM=\"http://ns.adobe.com/xap/1.0/mm/\">\n";
  x += "   <pdfaid:part>3</pdfaid:part>\n";
  x += "   <pdfaid:conformance>B</pdfaid:conformance>\n";
  x += "   <dc:format>application/pdf</dc:format>\n";
  x += "   <dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">" + text::EscapeMarkup(title) + "</rdf:li></rdf:Alt></dc:title>\n";
  x += "   <dc:language><rdf:Bag><rdf:li>vi-VN</rdf:li></rdf:Bag></dc:language>\n";
  x += "   <xmp:CreateDate>" + d.xmp + "</xmp:CreateDate>\n";
  x += "   <xmp:ModifyDate>" + d.xmp + "</xmp:ModifyDate>\n";
  x += "   <xmp:MetadataDate>" + d.xmp + "</xmp:MetadataDate>\n";
  x += "   <pdf:Producer>vanban</pdf:Producer>\n";
  x += "   <xmpMM:DocumentID>uuid:" + id + "</xmpMM:DocumentID>\n";
  x += "   <xmpMM:InstanceID>uuid:" + id + "</xmpMM:InstanceID>\n";
  x += "  </rdf:Description>\n";
  x += " </rdf:RDF>\n";
  x += "</x:xmpmeta>\n";
  // Padding lets an editor rewrite the packet in place, as XMP recommends.
  for (int i = 0; i < 8; ++i) x += std::string(99, ' ') + "\n";
  x += "<?xpacket end=\"w\"?>";
  return x;
}


// The sRGB profile, read once per process.
Result<std::string> IccProfile() {
  static std::once_flag once;
  static Result<std::string>* icc = nullptr;
  std::call_once(once, [] { icc = new Result<std::string>(ReadFile(kIccPath, "icc-profiles-free")); });
  return *icc;
}

void AddPdfA(PdfMemDocument& doc, const RenderInput& in, const std::string& title, const std::string& icc) {
  Stamp d = Dates(in.created);
  PdfObject* catalog = doc.GetCatalog();

  // Info: only what XMP repeats, with the fixed dates.
  PdfObject* info = doc.GetInfo()->GetObject();
  PdfDictionary& id = info->GetDictionary();
  id.Clear();
  id.AddKey("Title", PdfString(reinterpret_cast<const pdf_utf8*>(title.c_str())));
  id.AddKey("Producer", PdfString("vanban"));
  id.AddKey("CreationDate", PdfString(d.pdf));
  id.AddKey("ModDate", PdfString(d.pdf));

  std::string xmp = Xmp(in, title, d);
  PdfObject* meta = doc.GetObjects().CreateObject("Metadata");
  meta->GetDictionary().AddKey(PdfName::KeySubtype, PdfName("XML"));
  meta->GetStream()->Set(xmp.data(), static_cast<pdf_long>(xmp.size()), TVecFilters());
  catalog->GetDictionary().AddKey("Metadata", meta->Reference());

  PdfObject* profile = doc.GetObjects().CreateObject();
  profile->GetDictionary().AddKey("N", static_cast<pdf_int64>(3));
  profile->GetStream()->Set(icc.data(), static_cast<pdf_long>(icc.size()));
  PdfDictionary intent;
  intent.AddKey(PdfName::KeyType, PdfName("OutputIntent"));
  intent.AddKey("S", PdfName("GTS_PDFA1"));
  intent.AddKey("OutputConditionIdentifier", PdfString("sRGB IEC61966-2.1"));
  intent.AddKey("RegistryName", PdfString("http://www.color.org"));
  intent.AddKey("Info", PdfString("sRGB IEC61966-2.1"));
  intent.AddKey("DestOutputProfile", profile->Reference());
  PdfArray intents;
  intents.push_back(PdfObject(intent));
  catalog->GetDictionary().AddKey("OutputIntents", intents);
  catalog->GetDictionary().AddKey("Lang", PdfString("vi-VN"));
}

// PoDoFo makes the trailer /ID from an MD5 of the Info dictionary; ours is
// [H(document id), H(the bytes before the trailer)]: permanent for the document,
// changing with its content, and the same for the same input.
Status SetTrailerId(std::string* pdf, const std::string& document_id) {
  size_t t = pdf->rfind("trailer");
  if (t == std::string::npos) return Status::Invalid("pdf: no trailer written");
  size_t idk = pdf->find("/ID", t);
  if (idk == std::string::npos) return Status::Invalid("pdf: no /ID in the trailer");
  std::array<std::string, 2> ids = {
      ToHex(crypto::Blake2b("vanban/pdf/id " + document_id).data(), 16),
      ToHex(crypto::Blake2b(std::string_view(*pdf).substr(0, t)).data(), 16)};
  size_t pos = idk;
  for (const std::string& id : ids) {
    size_t a = pdf->find('<', pos);
    size_t b = a == std::string::npos ? a : pdf->find('>', a);
    if (b == std::string::npos || b - a - 1 != id.size()) return Status::Invalid("pdf: unexpected /ID form");
    pdf->replace(a + 1, id.size(), id);
    pos = b + 1;
  }
  return Status::Ok();
}

std::string Norm(const std::string& s) {
  auto r = text::Normalize(s);
  return r.ok() ? *r : s;
}

RenderInput Normalized(const RenderInput& in) {
  RenderInput n = in;
  n.head.parent_body = Norm(in.head.parent_body);
  n.head.org_name = Norm(in.head.org_name);
  n.head.place = Norm(in.head.place);
  n.kind_name = Norm(in.kind_name);
  n.title = Norm(in.title);
  n.draft_label = Norm(in.draft_label);
  n.reserve = Norm(in.reserve);
  n.symbol_suffix = Norm(in.symbol_suffix);
  for (std::string& r : n.recipients) r = Norm(r);
  for (SignerBlock& s : n.signers) {
    s.authority = Norm(s.authority);
    s.title = Norm(s.title);
    s.name = Norm(s.name);
    s.org = Norm(s.org);
  }
  for (Block& b : n.blocks) b.text = Norm(b.text);
  return n;
}

Status CheckInput(const RenderInput& in) {
  if (text::Trim(in.title).empty()) return Status::BadInput("pdf: the title is empty");
  if (in.blocks.empty()) return Status::BadInput("pdf: the body is empty");
  if (in.signers.empty()) return Status::BadInput("pdf: no signer");
  auto utf8 = [](const std::string& s) { return text::CheckUtf8(s).ok(); };
  bool ok = utf8(in.title) && utf8(in.kind_name) && utf8(in.head.org_name) && utf8(in.head.parent_body) &&
            utf8(in.head.place) && utf8(in.draft_label) && utf8(in.symbol_suffix);
  for (const auto& r : in.recipients) ok = ok && utf8(r);
  for (const auto& s : in.signers) ok = ok && utf8(s.authority) && utf8(s.title) && utf8(s.name) && utf8(s.org);
  for (const auto& b : in.blocks) ok = ok && utf8(b.text);
  if (!ok) return Status::BadInput("pdf: text that is not valid UTF-8");
  return Status::Ok();
}

// The composed lines as the tests read them (LayoutLines): box and text of each.
void ReportLayout(const Composition& comp, const Rendered& boxes, internal::LayoutResult* layout_out) {
  layout_out->pages = comp.pages;
  for (const Line& l : comp.lines) {
    internal::PlacedLine p;
    p.page = l.page;
    p.kind = l.kind;
    p.level = l.level;
    p.x = l.x;
    p.w = l.width;
    p.y = l.baseline - 0.25 * l.size;
    p.h = 1.1 * l.size;
    std::u32string t;
    for (const Run& r : l.runs) t += r.text;
    p.text = internal::ToUtf8(t);
    layout_out->lines.push_back(std::move(p));
  }
  layout_out->boxes = boxes;
}

// Draws the composition on new pages of `doc`, and gives each face's subset the
// characters drawn with it (and, in a copy for signing, those the signing code
// will draw later: `reserve`).
void DrawPages(PdfMemDocument& doc, const Composition& comp, const FontMeasure& measure,
               const std::array<PdfFont*, 4>& font, const RenderInput& in) {
  std::vector<PageWriter> pages;
  std::array<std::set<char32_t>, 4> used;
  for (int p = 0; p < comp.pages; ++p) pages.emplace_back(measure, &used);
  for (const internal::Rule& r : comp.rules) pages[r.page].Rule(r);
  for (const Box& b : comp.frames) pages[b.page].Frame(b);
  for (const Line& l : comp.lines) pages[l.page].Text(l);

  for (int p = 0; p < comp.pages; ++p) {
    PdfPage* page = doc.CreatePage(PdfRect(0, 0, internal::kPageW, internal::kPageH));
    const std::string& s = pages[p].str();
    page->GetContents()->GetStream()->Set(s.data(), static_cast<pdf_long>(s.size()));
    PdfDictionary fontdict;
    // Page 1 names every face, so later updates find the document's fonts.
    std::set<int> faces = pages[p].fonts_used();
    if (p == 0 && !in.draft) faces = {0, 1, 2, 3};
    for (int f : faces) {
      std::string key = "F" + std::to_string(f);
      fontdict.AddKey(PdfName(key), font[f]->GetObject()->Reference());
    }
    page->GetResources()->GetDictionary().AddKey("Font", fontdict);
  }
  if (!in.draft) {
    for (char32_t c : internal::ToUtf32(in.reserve)) {
      used[0].insert(c);
      used[2].insert(c);
    }
  }
  for (int f = 0; f < 4; ++f) {
    if (used[f].empty()) used[f].insert(U' ');
    std::string utf8 = internal::ToUtf8(std::u32string(used[f].begin(), used[f].end()));
    PdfString str(reinterpret_cast<const pdf_utf8*>(utf8.c_str()));
    font[f]->AddUsedSubsettingGlyphs(str, static_cast<long>(str.GetCharacterLength()));
  }
}

Result<Rendered> RenderImpl(const RenderInput& raw, internal::LayoutResult* layout_out) {
  QuietPoDoFo();
  VB_RETURN_IF_ERROR(CheckInput(raw));
  RenderInput in = Normalized(raw);
  std::string icc;
  if (!layout_out) {
    VB_ASSIGN_OR_RETURN(icc, IccProfile());
  }
  try {
    PdfMemDocument doc;
    OwnedFonts owned;
    VB_ASSIGN_OR_RETURN(Fonts fonts, RenderFonts(doc, &owned));
    FontMeasure measure(fonts);
    VB_ASSIGN_OR_RETURN(Composition comp, internal::Compose(in, measure));

    Rendered out;
    out.pages = comp.pages;
    out.number_field = comp.number_field;
    out.date_field = comp.date_field;
    out.signature_stamps = comp.signature_stamps;
    out.name_fields = comp.name_fields;
    out.seal_stamp = comp.seal_stamp;
    if (layout_out) {
      ReportLayout(comp, out, layout_out);
      return out;
    }

    std::array<PdfFont*, 4> font = {fonts.regular, fonts.bold, fonts.italic, fonts.bold_italic};
    DrawPages(doc, comp, measure, font, in);
    VB_RETURN_IF_ERROR(EmbedSlimFonts(doc, font));
    AddPdfA(doc, in, text::Trim(in.title), icc);
    doc.SetPdfVersion(ePdfVersion_1_7);
    doc.SetWriteMode(ePdfWriteMode_Compact);

    PdfRefCountedBuffer buffer;
    PdfOutputDevice device(&buffer);
    doc.Write(&device);
    out.pdf.assign(buffer.GetBuffer(), device.GetLength());
    VB_RETURN_IF_ERROR(SetTrailerId(&out.pdf, in.document_id));
    return out;
  } catch (const PdfError& e) {
    return Status::BadInput("pdf: " + PdfErrorText(e));
  } catch (const std::exception& e) {
    return Status::BadInput(std::string("pdf: ") + e.what());
  }
}

}  // namespace

Result<Fonts> LoadFonts(PdfDocument& doc, unsigned faces) {
  QuietPoDoFo();
  try {
    std::array<PdfFont*, 4> f{};
    for (int i = 0; i < 4; ++i) {
      if (!(faces & (1u << i))) continue;
      std::string path = std::string(kFontDir) + kFontFiles[i];
      if (!std::filesystem::exists(path))
        return Status::BadInput(path + ": font missing (Debian package fonts-liberation2)");
      bool bold = i == 1 || i == 3, italic = i == 2 || i == 3;
      f[i] = doc.CreateFontSubset("Liberation Serif", bold, italic, false, Identity(), path.c_str());
      if (!f[i]) return Status::BadInput(path + ": PoDoFo cannot load the font");
      RetagFont(doc, f[i]);
    }
    return Fonts{f[0], f[1], f[2], f[3]};
  } catch (const PdfError& e) {
    return Status::BadInput("pdf: fonts: " + PdfErrorText(e));
  }
}

Result<Rendered> Render(const RenderInput& in) { return RenderImpl(in, nullptr); }

Result<std::unique_ptr<PdfFontMetricsFreetype>> FaceMetrics(FT_Library* lib, int face, const char* subset_prefix) {
  const FontFiles& files = CachedFontFiles();
  if (!files.status.ok()) return files.status;
  if (face < 0 || face > 3) return Status::BadInput("no font face " + std::to_string(face));
  const std::string& b = files.bytes[face];
  // A view of the process's copy (the buffer does not own it): PoDoFo's other
  // constructor copies the whole font for every metrics object. The buffer's
  // reference count is this call's own, so threads share only immutable bytes.
  PdfRefCountedBuffer view(const_cast<char*>(b.data()), b.size());
  view.SetTakePossesion(false);
  return std::make_unique<PdfFontMetricsFreetype>(lib, view, false, subset_prefix);
}

std::string VietnameseDate(const std::string& iso) {
  int y = 0, m = 0, d = 0;
  char tail = 0;
  if (iso.size() != 10 || std::sscanf(iso.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3) return "";
  if (iso[4] != '-' || iso[7] != '-' || m < 1 || m > 12 || d < 1 || d > 31 || y < 1) return "";
  // Decree 30/2020: days below 10 and the months 1 and 2 take a leading zero.
  std::string day = d < 10 ? "0" + std::to_string(d) : std::to_string(d);
  std::string month = m <= 2 ? "0" + std::to_string(m) : std::to_string(m);
  return "ngày " + day + " tháng " + month + " năm " + std::to_string(y);
}

namespace internal {
Result<LayoutResult> LayoutLines(const RenderInput& in) {
  LayoutResult r;
  VB_ASSIGN_OR_RETURN(Rendered ignored, RenderImpl(in, &r));
  (void)ignored;
  return r;
}
}  // namespace internal

}  // namespace vanban::pdf
