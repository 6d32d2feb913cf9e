// PDF signatures as incremental updates (signing.h), with PoDoFo 0.9.8.
//
// One update, in order: load the PDF for update; create the form fields (first
// time only); fill text fields with an appearance drawn in Liberation Serif; replace
// the embedded proof file; draw the stamp of the field being signed; write the
// update through PdfSignOutputDevice with a zero placeholder in /Contents; sign the
// /ByteRange bytes with an Ed25519 CMS (cms.h) and put it in the placeholder.
#include "pdf/signing.h"

#include <podofo/podofo.h>
#include <qrencode.h>

#include <charconv>
#include <cstdio>
#include <algorithm>
#include <array>
#include <memory>
#include <set>

#include "core/clock.h"
#include "core/image.h"
#include "core/text.h"
#include "pdf/text_layout.h"

namespace vanban::pdf {

using namespace PoDoFo;

namespace {

// The CMS's size depends on the names and times, never on the content (digest and
// signature have fixed sizes), so the room in /Contents is exact plus a margin.
constexpr size_t kSignatureMargin = 16;
// An RFC 3161 token: the authority's signature, its certificate and often its chain.
constexpr size_t kTimeStampRoom = 12000;
constexpr double kPointsPerMm = 72.0 / 25.4;
constexpr double kSmallPrint = 6;  // the line height of the small print under a seal image

std::string Num(double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 2);
  std::string s(buf, r.ptr);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s.empty() || s == "-0" ? "0" : s;
}

std::string ErrorText(const PdfError& e) {
  const char* name = PdfError::ErrorName(e.GetError());
  std::string msg = name ? name : "PDF error";
  for (const PdfErrorInfo& info : e.GetCallstack())
    if (!info.GetInformation().empty()) return msg + " (" + info.GetInformation() + ")";
  return msg;
}

PdfString Utf8(const std::string& s) { return PdfString(reinterpret_cast<const pdf_utf8*>(s.c_str())); }

// "D:20240205083000+07'00'": the PDF date of a time in its organisation's offset.
PdfString PdfTime(int64_t utc, int offset_minutes) {
  Timestamp t{utc, offset_minutes};
  std::string iso = t.Iso();  // 2024-02-05T08:30:00+07:00
  std::string d = "D:" + iso.substr(0, 4) + iso.substr(5, 2) + iso.substr(8, 2) + iso.substr(11, 2) +
                  iso.substr(14, 2) + iso.substr(17, 2) + iso.substr(19, 3) + "'" + iso.substr(23, 2) + "'";
  return PdfString(d);
}

// A stream's bytes, its filters undone.
std::string StreamBytes(const PdfObject* o) {
  char* buf = nullptr;
  pdf_long len = 0;
  o->GetStream()->GetFilteredCopy(&buf, &len);
  std::string out(buf, static_cast<size_t>(len));
  podofo_free(buf);
  return out;
}

// A face to draw with in this update: the document's own font when its subset
// already holds every glyph needed (no new font program), else a new subset.
struct Face {
  std::string name;                   // resource name: "F0" regular, "F2" italic
  const PdfFontMetrics* metrics = nullptr;
  PdfReference font;                  // the font object drawn with
  PdfFont* added = nullptr;           // set when this update embeds a new subset
};

long GlyphOf(const PdfFontMetrics* m, char32_t c) {
  long gid = c <= 0xFFFF ? m->GetGlyphId(static_cast<long>(c)) : 0;
  return gid > 0 ? gid : m->GetGlyphId('?');
}

// Text drawn into an appearance stream: glyph ids of the Identity-H font.
class Writer {
 public:
  double Width(const Face& f, double size, const std::string& s) const {
    double w = 0;
    for (char32_t c : internal::ToUtf32(s)) w += f.metrics->GetGlyphWidth(static_cast<int>(GlyphOf(f.metrics, c))) * size / 1000.0;
    return w;
  }
  // The largest size <= `size` at which `s` fits in `width`.
  double Fit(const Face& f, double size, double width, const std::string& s) const {
    double w = Width(f, size, s);
    return w <= width || w <= 0 ? size : size * width / w;
  }
  void Text(const Face& f, double size, double x, double y, const std::string& s) {
    std::string hex;
    for (char32_t c : internal::ToUtf32(s)) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "%04lX", GlyphOf(f.metrics, c) & 0xFFFF);
      hex += buf;
    }
    if (f.added) {
      PdfString chars = Utf8(s);
      f.added->AddUsedSubsettingGlyphs(chars, static_cast<long>(chars.GetCharacterLength()));
    }
    fonts_.AddKey(PdfName(f.name), f.font);
    ops_ += "BT /" + f.name + " " + Num(size) + " Tf " + Num(x) + " " + Num(y) + " Td <" + hex + "> Tj ET\n";
  }
  // An image XObject drawn into the rectangle (x, y, w, h).
  void Image(const std::string& name, const PdfReference& ref, double x, double y, double w, double h) {
    images_.AddKey(PdfName(name), ref);
    ops_ += "q " + Num(w) + " 0 0 " + Num(h) + " " + Num(x) + " " + Num(y) + " cm /" + name + " Do Q\n";
  }
  void Raw(const std::string& ops) { ops_ += ops; }
  const std::string& ops() const { return ops_; }
  const PdfDictionary& fonts() const { return fonts_; }
  const PdfDictionary& images() const { return images_; }

 private:
  PdfDictionary fonts_, images_;
  std::string ops_;
};

// A form XObject of the box's size holding `w`'s drawing, fonts in its resources.
PdfObject* Appearance(PdfMemDocument& doc, const Box& box, const Writer& w) {
  PdfXObject xo(PdfRect(0, 0, box.w, box.h), &doc);
  PdfObject* res = xo.GetResources();
  res->GetDictionary().AddKey("Font", w.fonts());
  if (!w.images().GetKeys().empty()) res->GetDictionary().AddKey("XObject", w.images());
  res->GetDictionary().RemoveKey("ProcSet");
  xo.GetObject()->GetStream()->Set(w.ops().data(), static_cast<pdf_long>(w.ops().size()));
  return xo.GetObject();
}

// The faces an update draws with. Render keeps the characters of later fields and
// stamps in page 1's own regular and italic subsets (RenderInput::reserve) and
// names every face there; a text those subsets cannot show (a party signer's name
// with letters the document never used) gets a new subset instead.
class Faces {
 public:
  explicit Faces(PdfMemDocument& doc) : doc_(doc) {}
  Faces(const Faces&) = delete;
  Faces& operator=(const Faces&) = delete;

  // The face `index` (0 regular, 1 bold, 2 italic) able to draw every text in `texts`.
  Result<Face> Get(int index, const std::vector<std::string>& texts) {
    Face f;
    f.name = "F" + std::to_string(index);
    if (PdfFont* added = added_[index]) {  // already added by this update: it draws anything
      f.added = added;
      f.font = added->GetObject()->Reference();
      f.metrics = added->GetFontMetrics();
      return f;
    }
    VB_ASSIGN_OR_RETURN(Own* own, OwnFace(index));
    f.metrics = own->metrics.get();
    if (own->font && Covers(*own, texts)) {
      f.font = own->font->Reference();
      return f;
    }
    VB_ASSIGN_OR_RETURN(Fonts added, LoadFonts(doc_, 1u << index));
    f.added = index == 0 ? added.regular : index == 1 ? added.bold : index == 2 ? added.italic : added.bold_italic;
    f.font = f.added->GetObject()->Reference();
    f.metrics = f.added->GetFontMetrics();
    added_[index] = f.added;
    return f;
  }
  // Before writing: embeds the subsets this update added.
  Status Embed() { return EmbedSlimFonts(doc_, added_); }

 private:
  // A face of the document's own, read once per update: the font named on page 1,
  // the glyphs its subset holds (CIDSet: a bit per glyph id, high bit first), and
  // the file's metrics for glyph ids and widths.
  struct Own {
    PdfObject* font = nullptr;
    std::string cidset;
    std::unique_ptr<PdfFontMetricsFreetype> metrics;
  };

  Result<Own*> OwnFace(int index) {
    Own& own = own_[index];
    if (own.metrics) return &own;
    FT_Library lib = doc_.GetFontLibrary();
    VB_ASSIGN_OR_RETURN(own.metrics, FaceMetrics(&lib, index));
    PdfPage* first = doc_.GetPage(0);
    PdfObject* res = first ? first->GetResources() : nullptr;
    PdfObject* fonts = res ? res->GetIndirectKey("Font") : nullptr;
    PdfObject* font = fonts && fonts->IsDictionary() ? fonts->GetIndirectKey("F" + std::to_string(index)) : nullptr;
    PdfObject* desc = font && font->IsDictionary() ? font->GetIndirectKey("DescendantFonts") : nullptr;
    if (!desc || !desc->IsArray() || desc->GetArray().empty() || !desc->GetArray()[0].IsReference()) return &own;
    PdfObject* cid = doc_.GetObjects().GetObject(desc->GetArray()[0].GetReference());
    PdfObject* fd = cid ? cid->GetIndirectKey("FontDescriptor") : nullptr;
    PdfObject* set = fd ? fd->GetIndirectKey("CIDSet") : nullptr;
    if (!set || !set->HasStream()) return &own;
    own.cidset = StreamBytes(set);
    own.font = font;
    return &own;
  }

  static bool Covers(const Own& own, const std::vector<std::string>& texts) {
    for (const std::string& t : texts)
      for (char32_t c : internal::ToUtf32(t)) {
        long gid = GlyphOf(own.metrics.get(), c);
        size_t byte = static_cast<size_t>(gid) / 8;
        if (byte >= own.cidset.size() || !(static_cast<uint8_t>(own.cidset[byte]) & (0x80 >> (gid % 8)))) return false;
      }
    return true;
  }

  PdfMemDocument& doc_;
  std::array<Own, 4> own_;
  std::array<PdfFont*, 4> added_{};
};

void SetAppearance(PdfObject* widget, PdfObject* xobject) {
  PdfDictionary ap;
  ap.AddKey("N", xobject->Reference());
  widget->GetDictionary().AddKey("AP", ap);
}

// The QR code's dark modules as filled squares, `side` points wide at (x, y).
Status DrawQr(Writer& w, const std::string& payload, double x, double y, double side) {
  QRcode* qr = QRcode_encodeString8bit(payload.c_str(), 0, QR_ECLEVEL_M);
  if (!qr) return Status::BadInput("the QR code cannot hold " + std::to_string(payload.size()) + " bytes");
  std::unique_ptr<QRcode, void (*)(QRcode*)> hold(qr, QRcode_free);
  const int n = qr->width;
  const double m = side / (n + 2);  // one module of quiet zone each side
  std::string ops = "0 0 0 rg\n";
  // One rectangle per run of dark modules in a row: a third of the operators.
  for (int row = 0; row < n; ++row)
    for (int col = 0; col < n;) {
      if (!(qr->data[row * n + col] & 1)) {
        ++col;
        continue;
      }
      int end = col;
      while (end < n && (qr->data[row * n + end] & 1)) ++end;
      ops += Num(x + (col + 1) * m) + " " + Num(y + side - (row + 2) * m) + " " + Num((end - col) * m) + " " + Num(m) + " re\n";
      col = end;
    }
  ops += "f\n";
  w.Raw(ops);
  return Status::Ok();
}

// A PNG as an image XObject: 8-bit RGB, its alpha as a soft mask (PDF/A-2 and -3
// allow /SMask; PDF/A-1 would not), both Flate-compressed. Returns it and its size.
struct PlacedImage {
  PdfReference ref;
  double width = 0, height = 0;  // pixels
};
Result<PlacedImage> AddImage(PdfMemDocument& doc, const std::string& png) {
  VB_ASSIGN_OR_RETURN(image::Raster r, image::ReadPng(png));
  auto raster = [&](const std::string& pixels, const char* space) {
    PdfObject* o = doc.GetObjects().CreateObject("XObject");
    PdfDictionary& d = o->GetDictionary();
    d.AddKey("Subtype", PdfName("Image"));
    d.AddKey("Width", static_cast<pdf_int64>(r.width));
    d.AddKey("Height", static_cast<pdf_int64>(r.height));
    d.AddKey("ColorSpace", PdfName(space));
    d.AddKey("BitsPerComponent", static_cast<pdf_int64>(8));
    TVecFilters flate{ePdfFilter_FlateDecode};
    o->GetStream()->Set(pixels.data(), static_cast<pdf_long>(pixels.size()), flate);
    return o;
  };
  PdfObject* img = raster(r.rgb, "DeviceRGB");
  if (!r.alpha.empty()) img->GetDictionary().AddKey("SMask", raster(r.alpha, "DeviceGray")->Reference());
  return PlacedImage{img->Reference(), static_cast<double>(r.width), static_cast<double>(r.height)};
}

// The largest rectangle of the image's proportions inside (x, y, w, h), centred.
Box FitImage(const PlacedImage& img, double x, double y, double w, double h) {
  double scale = std::min(w / img.width, h / img.height);
  Box b;
  b.w = img.width * scale;
  b.h = img.height * scale;
  b.x = x + (w - b.w) / 2;
  b.y = y + (h - b.h) / 2;
  return b;
}

// Where a signer's image was drawn, in page coordinates, kept in its widget so the
// seal drawn at issuance can cover the image's left third.
constexpr const char* kImageMarkKey = "VB_Image";

// PoDoFo tells literal (...) from hex <...> strings; both are text to us.
bool IsText(const PdfObject* o) { return o->IsString() || o->IsHexString(); }

PdfObject* Deref(PdfMemDocument& doc, PdfObject* o) {
  while (o && o->IsReference()) o = doc.GetObjects().GetObject(o->GetReference());
  return o;
}

// The field named `name` in the AcroForm, or nullptr.
PdfObject* FindField(PdfMemDocument& doc, const std::string& name) {
  PdfAcroForm* form = doc.GetAcroForm(false);
  if (!form) return nullptr;
  PdfObject* fields = Deref(doc, form->GetObject()->GetDictionary().GetKey("Fields"));
  if (!fields || !fields->IsArray()) return nullptr;
  for (PdfObject& ref : fields->GetArray()) {
    PdfObject* f = Deref(doc, &ref);
    if (!f || !f->IsDictionary()) continue;
    PdfObject* t = f->GetDictionary().GetKey("T");
    if (t && IsText(t) && t->GetString().GetStringUtf8() == name) return f;
  }
  return nullptr;
}

PdfPage* PageOf(PdfMemDocument& doc, PdfObject* widget) {
  PdfObject* p = widget->GetDictionary().GetKey("P");
  if (!p || !p->IsReference()) return nullptr;
  return doc.GetPagesTree()->GetPage(p->GetReference());
}

// How a text field is drawn: the number upright 13, the place and date italic 14,
// a signer's name bold 14 (Decree 30/2020, Appendix I); face 0..3 as FaceMetrics.
struct TextStyle {
  int face;
  double size;
};
TextStyle StyleOf(const std::string& field) {
  if (field == "ngay") return {2, 14};
  if (field.rfind("ten-", 0) == 0) return {1, 14};
  return {0, 13};
}

// `text` centred in the field's box, the largest size up to its style's that fits.
Status DrawFieldText(PdfMemDocument& doc, Faces& faces, PdfObject* widget, const Box& box, const std::string& field,
                     const std::string& text) {
  Writer w;
  TextStyle style = StyleOf(field);
  VB_ASSIGN_OR_RETURN(Face face, faces.Get(style.face, {text}));
  double size = w.Fit(face, style.size, box.w - 2, text);
  double x = (box.w - w.Width(face, size, text)) / 2;
  w.Text(face, size, x, (box.h - size * 0.7) / 2, text);
  SetAppearance(widget, Appearance(doc, box, w));
  return Status::Ok();
}

Status CreateField(PdfMemDocument& doc, Faces& faces, PdfAcroForm* form, const NewField& nf, const PdfString& when) {
  if (FindField(doc, nf.name)) return Status::BadInput("the PDF already has a field '" + nf.name + "'");
  PdfPage* page = doc.GetPage(nf.box.page);
  if (!page) return Status::BadInput("field '" + nf.name + "': no page " + std::to_string(nf.box.page + 1));
  PdfAnnotation* a = page->CreateAnnotation(ePdfAnnotation_Widget, PdfRect(nf.box.x, nf.box.y, nf.box.w, nf.box.h));
  a->SetFlags(ePdfAnnotationFlags_Print);
  a->GetObject()->GetDictionary().AddKey("M", when);
  a->GetObject()->GetDictionary().AddKey("P", page->GetObject()->Reference());
  if (nf.kind == NewField::Kind::kText) {
    PdfTextField field(a, form);
    field.SetFieldName(Utf8(nf.name));
    field.SetReadOnly(true);
    if (!nf.label.empty()) a->GetObject()->GetDictionary().AddKey("TU", Utf8(nf.label));
  } else {
    PdfSignatureField field(a, form, &doc, false);
    field.SetFieldName(Utf8(nf.name));
  }
  // Every widget shows something, even empty: PDF/A wants an appearance, not NeedAppearances.
  Writer empty;
  Box size = nf.box;
  SetAppearance(a->GetObject(), Appearance(doc, size, empty));
  a->GetObject()->GetDictionary().RemoveKey("DA");
  a->GetObject()->GetDictionary().RemoveKey("DS");  // PoDoFo's default style names Helvetica
  if (!nf.label.empty()) return DrawFieldText(doc, faces, a->GetObject(), nf.box, nf.name, nf.label);
  return Status::Ok();
}

Box BoxOf(PdfObject* widget) {
  Box b;
  PdfObject* r = widget->GetDictionary().GetKey("Rect");
  if (r && r->IsArray() && r->GetArray().size() == 4) {
    PdfRect rect(r->GetArray());
    b.x = rect.GetLeft();
    b.y = rect.GetBottom();
    b.w = rect.GetWidth();
    b.h = rect.GetHeight();
  }
  return b;
}

Status FillText(PdfMemDocument& doc, Faces& faces, const std::string& name, const std::string& value) {
  PdfObject* f = FindField(doc, name);
  if (!f) return Status::BadInput("the PDF has no field '" + name + "' to fill");
  f->GetDictionary().AddKey("V", Utf8(value));
  // A labelled field ("Số:") shows its label and value as one centred line.
  std::string shown = value;
  PdfObject* label = f->GetDictionary().GetKey("TU");
  if (label && IsText(label) && !label->GetString().GetStringUtf8().empty())
    shown = label->GetString().GetStringUtf8() + " " + value;
  return DrawFieldText(doc, faces, f, BoxOf(f), name, shown);
}

// The proof records as an embedded file (PDF/A-3: associated file of the document).
void ReplaceProof(PdfMemDocument& doc, const std::string& proof, const PdfString& when) {
  PdfObject* file = doc.GetObjects().CreateObject("EmbeddedFile");
  file->GetDictionary().AddKey("Subtype", PdfName("text/plain"));
  PdfDictionary params;
  params.AddKey("Size", static_cast<pdf_int64>(proof.size()));
  params.AddKey("ModDate", when);
  file->GetDictionary().AddKey("Params", params);
  file->GetStream()->Set(proof.data(), static_cast<pdf_long>(proof.size()));
  PdfObject* spec = doc.GetObjects().CreateObject("Filespec");
  spec->GetDictionary().AddKey("F", PdfString(kProofFileName));
  spec->GetDictionary().AddKey("UF", PdfString(kProofFileName));
  spec->GetDictionary().AddKey("Desc", Utf8("Hồ sơ ký số vanban: các bản ghi chứng minh quy trình"));
  spec->GetDictionary().AddKey("AFRelationship", PdfName("Source"));
  PdfDictionary ef;
  ef.AddKey("F", file->Reference());
  ef.AddKey("UF", file->Reference());
  spec->GetDictionary().AddKey("EF", ef);
  PdfArray names;
  names.push_back(PdfString(kProofFileName));
  names.push_back(spec->Reference());
  PdfDictionary tree;
  tree.AddKey("Names", names);
  PdfDictionary all;
  all.AddKey("EmbeddedFiles", tree);
  PdfDictionary& catalog = doc.GetCatalog()->GetDictionary();
  catalog.AddKey("Names", all);
  PdfArray af;
  af.push_back(spec->Reference());
  catalog.AddKey("AF", af);
}

bool Overlap(const Box& a, const Box& b) {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

// The visible stamp without an image: a thin frame, the QR code (seal) at the
// left, the lines at the right.
Status DrawTextStamp(PdfMemDocument& doc, Faces& faces, PdfPage* page, const Box& box,
                     const Update& u, Writer& w) {
  w.Raw("0.1 0.2 0.6 RG 0.8 w 0.5 0.5 " + Num(box.w - 1) + " " + Num(box.h - 1) + " re S\n");
  double left = 3;
  // The seal is stamped partly over the signer's stamp (as a red seal over a
  // signature): the signer's lines start right of it.
  if (u.sign_field != kSealFieldName) {
    if (PdfObject* seal = FindField(doc, kSealFieldName); seal && PageOf(doc, seal) == page) {
      Box sb = BoxOf(seal);
      if (Overlap(sb, box) && sb.x + sb.w > box.x) left = std::max(left, sb.x + sb.w - box.x + 3);
    }
  }
  if (!u.qr_payload.empty()) {
    double side = std::min(box.h - 4, box.w * 0.45);
    VB_RETURN_IF_ERROR(DrawQr(w, u.qr_payload, 2, (box.h - side) / 2, side));
    left = side + 4;
  }
  w.Raw("0.1 0.2 0.6 rg\n");
  double line = std::min(9.0, (box.h - 4) / std::max<size_t>(u.stamp_lines.size(), 1));
  double y = box.h - 2 - line * 0.85;
  VB_ASSIGN_OR_RETURN(Face regular, faces.Get(0, u.stamp_lines));
  for (size_t i = 0; i < u.stamp_lines.size(); ++i, y -= line) {
    double size = w.Fit(regular, line * 0.85, box.w - left - 3, u.stamp_lines[i]);
    w.Text(regular, size, left, y, u.stamp_lines[i]);
  }
  return Status::Ok();
}

// The seal's field moved to where Appendix I puts the seal image: its real
// diameter, covering the left third of the signer's image when that image is on
// the same page and overlaps the field as laid out (one signer), else centred
// where the field was (a pledge's seal, a signer without an image); the small
// print under it. Returns the new box.
Box PlaceSeal(PdfMemDocument& doc, PdfPage* page, PdfObject* seal, const Update& u) {
  const Box was = BoxOf(seal);
  const double d = u.seal_mm * kPointsPerMm;
  double cx = was.x + was.w / 2, cy = was.y + was.h / 2;
  PdfAcroForm* form = doc.GetAcroForm(false);
  PdfObject* fields = form ? Deref(doc, form->GetObject()->GetDictionary().GetKey("Fields")) : nullptr;
  if (!fields || !fields->IsArray()) fields = nullptr;
  for (size_t i = 0; fields && i < fields->GetArray().size(); ++i) {
    PdfObject* f = Deref(doc, &fields->GetArray()[i]);
    if (!f || f == seal || !f->IsDictionary() || PageOf(doc, f) != page) continue;
    PdfObject* mark = f->GetDictionary().GetKey(kImageMarkKey);
    if (!mark || !mark->IsArray() || mark->GetArray().size() != 4) continue;
    if (!Overlap(was, BoxOf(f))) continue;
    const PdfArray& m = mark->GetArray();
    cx = m[0].GetReal() + m[2].GetReal() / 3 - d / 2;
    cy = m[1].GetReal() + m[3].GetReal() / 2;
    break;
  }
  const double print = kSmallPrint * static_cast<double>(u.small_print.size());
  Box nb{was.page, std::max(0.0, cx - d / 2), cy - d / 2 - print, d, d + print};
  PdfVariant rect;
  PdfRect(nb.x, nb.y, nb.w, nb.h).ToVariant(rect);
  seal->GetDictionary().AddKey("Rect", rect);
  return nb;
}

// The signature field `name`, which must not be signed yet.
Result<PdfObject*> FieldToSign(PdfMemDocument& doc, const std::string& name) {
  PdfObject* field_obj = FindField(doc, name);
  if (!field_obj) return Status::BadInput("the PDF has no signature field '" + name + "'");
  PdfObject* ft = field_obj->GetDictionary().GetKey("FT");
  if (!ft || !ft->IsName() || ft->GetName() != PdfName("Sig"))
    return Status::BadInput("field '" + name + "' is not a signature field");
  if (field_obj->GetDictionary().HasKey("V")) return Status::Refused("field '" + name + "' is already signed");
  return field_obj;
}

// Appendix I's images instead of the text stamp. The seal: at its real diameter,
// its field moved by PlaceSeal (`box` is then its new place), the small print under
// it. A signer's handwritten signature: fitted to the field, where it is drawn
// marked on the field (kImageMarkKey) for the seal that comes later to cover.
Status DrawImageStamp(PdfMemDocument& doc, Faces& faces, PdfPage* page, PdfObject* field_obj, const Update& u,
                      Box* box, Writer& w) {
  VB_ASSIGN_OR_RETURN(PlacedImage img, AddImage(doc, u.image_png));
  if (u.seal_mm > 0) {
    *box = PlaceSeal(doc, page, field_obj, u);
    const double d = u.seal_mm * kPointsPerMm;
    Box at = FitImage(img, 0, box->h - d, d, d);
    w.Image("Im0", img.ref, at.x, at.y, at.w, at.h);
    if (!u.small_print.empty()) {
      VB_ASSIGN_OR_RETURN(Face regular, faces.Get(0, u.small_print));
      w.Raw("0 0 0 rg\n");
      double y = box->h - d - kSmallPrint;
      for (const std::string& line : u.small_print) {
        w.Text(regular, w.Fit(regular, kSmallPrint - 1, d * 0.6, line), 0, y + 1, line);
        y -= kSmallPrint;
      }
    }
    return Status::Ok();
  }
  Box at = FitImage(img, 2, 2, box->w - 4, box->h - 4);
  w.Image("Im0", img.ref, at.x, at.y, at.w, at.h);
  PdfArray mark;
  for (double v : {box->x + at.x, box->y + at.y, at.w, at.h}) mark.push_back(PdfVariant(v));
  field_obj->GetDictionary().AddKey(kImageMarkKey, mark);
  return Status::Ok();
}

// Writes `doc` as an incremental update in which `field` holds, in `room` bytes of
// /Contents, what `contents` makes of the bytes its /ByteRange covers.
Result<std::string> WriteSignedUpdate(PdfMemDocument& doc, PdfSignatureField& field, size_t room,
                                      const std::function<Result<std::string>(std::string_view)>& contents) {
  PdfRefCountedBuffer buffer;
  PdfOutputDevice out(&buffer);
  PdfSignOutputDevice signer(&out);
  signer.SetSignatureSize(room);
  field.SetSignature(*signer.GetSignatureBeacon());
  doc.WriteUpdate(&signer, true);
  if (!signer.HasSignaturePosition()) return Status::BadInput("PDF: the signature's place was not written");
  signer.AdjustByteRange();
  signer.Seek(0);
  std::string covered;
  char chunk[65536];
  for (size_t n; (n = signer.ReadForSignature(chunk, sizeof chunk)) > 0;) covered.append(chunk, n);
  VB_ASSIGN_OR_RETURN(std::string value, contents(covered));
  if (value.size() > room) return Status::BadInput("PDF: the signature is larger than its reserved room");
  signer.SetSignature(PdfData(value.data(), value.size()));
  signer.Flush();
  return std::string(buffer.GetBuffer(), out.GetLength());
}

}  // namespace

Result<std::string> AppendSignature(std::string_view pdf, const Update& u, const SecretKey& key) {
  QuietPoDoFo();  // a party continuing another node's copy has rendered nothing before
  try {
    PdfMemDocument doc;
    doc.LoadFromBuffer(pdf.data(), static_cast<long>(pdf.size()), true);
    Faces faces(doc);
    // PoDoFo stamps "now" into the Info dictionary (and from it the trailer /ID) and
    // into new annotations; the signing time keeps the bytes reproducible.
    const PdfString utc_when = PdfTime(u.signing_time, 0);
    doc.GetInfo()->GetObject()->GetDictionary().AddKey("ModDate", utc_when);
    PdfAcroForm* form = doc.GetAcroForm(true, ePdfAcroFormDefaultAppearance_None);
    PdfDictionary& fd = form->GetObject()->GetDictionary();
    fd.AddKey("SigFlags", static_cast<pdf_int64>(3));
    fd.RemoveKey("NeedAppearances");
    PdfString when = PdfTime(u.signing_time, u.offset_minutes);
    for (const NewField& nf : u.create) VB_RETURN_IF_ERROR(CreateField(doc, faces, form, nf, when));
    for (const auto& [name, value] : u.fill) VB_RETURN_IF_ERROR(FillText(doc, faces, name, value));
    if (!u.proof.empty()) ReplaceProof(doc, u.proof, when);

    VB_ASSIGN_OR_RETURN(PdfObject* field_obj, FieldToSign(doc, u.sign_field));
    PdfPage* page = PageOf(doc, field_obj);
    if (!page) return Status::BadInput("signature field '" + u.sign_field + "' names no page");
    PdfAnnotation widget(field_obj, page);
    PdfSignatureField field(&widget);
    field.EnsureSignatureObject();

    Box box = BoxOf(field_obj);
    Writer w;
    if (!u.image_png.empty()) {
      VB_RETURN_IF_ERROR(DrawImageStamp(doc, faces, page, field_obj, u, &box, w));
    } else {
      VB_RETURN_IF_ERROR(DrawTextStamp(doc, faces, page, box, u, w));
    }
    SetAppearance(field_obj, Appearance(doc, box, w));
    field.SetSignatureReason(Utf8(u.reason));
    PdfObject* sig = field.GetSignatureObject();
    sig->GetDictionary().AddKey("M", when);
    sig->GetDictionary().AddKey("Name", Utf8(u.subject.common_name));
    if (!u.serial.empty()) sig->GetDictionary().AddKey("VB_Serial", PdfString(u.serial.c_str()));
    const bool standard = u.x509_key != nullptr;
    sig->GetDictionary().AddKey("SubFilter", PdfName(standard ? "ETSI.CAdES.detached" : "adbe.pkcs7.detached"));
    // The field's name again, in ASCII inside the signature dictionary: a damaged
    // file that no parser reads still tells which signature broke.
    sig->GetDictionary().AddKey("VB_Field", PdfString(u.sign_field.c_str()));

    VB_RETURN_IF_ERROR(faces.Embed());
    std::string cert = standard ? "" : SelfCertificate(key, u.subject, u.signing_time, u.signing_time + 10LL * 366 * 86400);
    auto make_cms = [&](std::string_view covered) {
      return standard ? SignPades(u.chain, covered, [&](std::string_view tbs) { return u.x509_key->Sign(tbs); }, u.stamp)
                      : SignDetached(key, cert, covered, u.signing_time);
    };
    // RSA signatures have the modulus's length whatever they sign: the room is sized
    // with a placeholder of that length, without a second RSA operation.
    const size_t room =
        (standard ? SignPades(u.chain, "", [&](std::string_view) { return std::string(u.x509_key->SignatureSize(), '\x01'); })
                  : make_cms(""))
            .size() +
        kSignatureMargin + (standard && u.stamp ? kTimeStampRoom : 0);
    return WriteSignedUpdate(doc, field, room, [&](std::string_view covered) -> Result<std::string> { return make_cms(covered); });
  } catch (const PdfError& e) {
    return Status::BadInput("PDF: " + ErrorText(e));
  }
}

// Revocation lists into the catalog's Document Security Store (ETSI EN 319 142-1
// 5.4.2: /DSS << /CRLs [stream ...] >>), after those it holds, each list once.
void AddToSecurityStore(PdfMemDocument& doc, const std::vector<std::string>& crls) {
  PdfDictionary& catalog = doc.GetCatalog()->GetDictionary();
  PdfDictionary dss;
  if (PdfObject* have = Deref(doc, catalog.GetKey("DSS")); have && have->IsDictionary()) dss = have->GetDictionary();
  PdfArray list;
  std::set<std::string> held;
  if (PdfObject* have = Deref(doc, dss.GetKey("CRLs")); have && have->IsArray())
    for (PdfObject& ref : have->GetArray()) {
      list.push_back(ref);
      PdfObject* stream = Deref(doc, &ref);
      if (!stream || !stream->HasStream()) continue;
      held.insert(StreamBytes(stream));
    }
  for (const std::string& der : crls) {
    if (!held.insert(der).second) continue;
    PdfObject* stream = doc.GetObjects().CreateObject();
    TVecFilters flate{ePdfFilter_FlateDecode};
    stream->GetStream()->Set(der.data(), static_cast<pdf_long>(der.size()), flate);
    list.push_back(stream->Reference());
  }
  dss.AddKey("CRLs", list);
  // Keys set on a new object mark it for the update (an object made from a
  // dictionary would not be written).
  PdfObject* store = doc.GetObjects().CreateObject();
  for (const auto& [key, value] : dss.GetKeys()) store->GetDictionary().AddKey(key, *value);
  catalog.AddKey("DSS", store->Reference());
}

Result<std::string> AppendDocumentTimeStamp(std::string_view pdf, const DocumentStamper& stamp, int64_t now,
                                            const std::vector<std::string>& crls) {
  QuietPoDoFo();
  try {
    PdfMemDocument doc;
    doc.LoadFromBuffer(pdf.data(), static_cast<long>(pdf.size()), true);
    if (doc.GetPageCount() == 0) return Status::BadInput("the PDF has no page");
    const PdfString when = PdfTime(now, 0);
    doc.GetInfo()->GetObject()->GetDictionary().AddKey("ModDate", when);
    PdfAcroForm* form = doc.GetAcroForm(true, ePdfAcroFormDefaultAppearance_None);
    form->GetObject()->GetDictionary().AddKey("SigFlags", static_cast<pdf_int64>(3));
    form->GetObject()->GetDictionary().RemoveKey("NeedAppearances");
    if (!crls.empty()) AddToSecurityStore(doc, crls);
    std::string name;
    for (int n = 1; name.empty() || FindField(doc, name); ++n) name = "dau-thoi-gian-" + std::to_string(n);
    // Invisible (a zero rectangle) but printable with an empty appearance, as PDF/A
    // wants of every widget.
    PdfPage* page = doc.GetPage(doc.GetPageCount() - 1);
    PdfAnnotation* a = page->CreateAnnotation(ePdfAnnotation_Widget, PdfRect(0, 0, 0, 0));
    a->SetFlags(ePdfAnnotationFlags_Print);
    a->GetObject()->GetDictionary().AddKey("M", when);
    a->GetObject()->GetDictionary().AddKey("P", page->GetObject()->Reference());
    PdfSignatureField field(a, form, &doc, false);
    field.SetFieldName(Utf8(name));
    Writer empty;
    SetAppearance(a->GetObject(), Appearance(doc, Box{}, empty));
    a->GetObject()->GetDictionary().RemoveKey("DA");
    a->GetObject()->GetDictionary().RemoveKey("DS");
    field.EnsureSignatureObject();
    PdfDictionary& sig = field.GetSignatureObject()->GetDictionary();
    sig.AddKey("Type", PdfName("DocTimeStamp"));
    sig.AddKey("Filter", PdfName("Adobe.PPKLite"));
    sig.AddKey("SubFilter", PdfName("ETSI.RFC3161"));
    sig.AddKey("VB_Field", PdfString(name.c_str()));
    return WriteSignedUpdate(doc, field, kTimeStampRoom + kSignatureMargin, stamp);
  } catch (const PdfError& e) {
    return Status::BadInput("PDF: " + ErrorText(e));
  }
}

namespace {

// Signatures found in the raw bytes, not through the parser: a damaged file still
// shows which signature its damage breaks.
Status ScanSignatures(std::string_view pdf, std::vector<FoundSignature>* out, std::vector<FoundSignature>* stamps) {
  std::set<std::array<size_t, 4>> seen;
  for (size_t at = pdf.find("/ByteRange"); at != std::string_view::npos; at = pdf.find("/ByteRange", at + 1)) {
    size_t open = pdf.find('[', at);
    size_t close = pdf.find(']', at);
    if (open == std::string_view::npos || close == std::string_view::npos || close < open || close - at > 200)
      return Status::Invalid("a signature's /ByteRange is malformed");
    std::array<size_t, 4> r{};
    std::string_view list = pdf.substr(open + 1, close - open - 1);
    size_t k = 0, pos = 0;
    while (k < 4) {
      while (pos < list.size() && list[pos] == ' ') ++pos;
      size_t end = pos;
      while (end < list.size() && list[end] >= '0' && list[end] <= '9') ++end;
      const auto n = text::ParseDecimal(list.substr(pos, end - pos), 999'999'999'999);
      if (!n) break;
      r[k++] = *n;
      pos = end;
    }
    if (k != 4) return Status::Invalid("a signature's /ByteRange is not four numbers");
    if (!seen.insert(r).second) continue;  // the same dictionary written again by a later update
    if (r[0] != 0 || r[1] >= r[2] || r[2] > pdf.size() || r[3] > pdf.size() - r[2])
      return Status::Invalid("a signature's /ByteRange does not fit the file");
    std::string_view hole = pdf.substr(r[1], r[2] - r[1]);
    if (hole.size() < 2 || hole.front() != '<' || hole.back() != '>')
      return Status::Invalid("a signature's /ByteRange does not leave out exactly its /Contents");
    FoundSignature f;
    size_t obj = pdf.rfind(" obj", at), end = pdf.find("endobj", at);
    size_t label = pdf.find("/VB_Field", obj == std::string_view::npos ? 0 : obj);
    size_t open_paren = label == std::string_view::npos ? label : pdf.find('(', label);
    size_t close_paren = open_paren == std::string_view::npos ? open_paren : pdf.find(')', open_paren);
    if (close_paren != std::string_view::npos && close_paren < end && close_paren - label < 64)
      f.field.assign(pdf.substr(open_paren + 1, close_paren - open_paren - 1));
    for (size_t i = 1; i + 2 < hole.size(); i += 2) {
      auto nib = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      int hi = nib(hole[i]), lo = nib(hole[i + 1]);
      if (hi < 0 || lo < 0) return Status::Invalid("a signature's /Contents is not hexadecimal");
      f.cms.push_back(static_cast<char>(hi * 16 + lo));
    }
    f.signed_bytes.assign(pdf.substr(0, r[1]));
    f.signed_bytes.append(pdf.substr(r[2], r[3]));
    f.revision_end = r[2] + r[3];
    f.contents_at = r[1];
    std::string_view dict = pdf.substr(obj == std::string_view::npos ? 0 : obj, end == std::string_view::npos ? 0 : end - obj);
    const bool stamp = dict.find("/DocTimeStamp") != std::string_view::npos || dict.find("/ETSI.RFC3161") != std::string_view::npos;
    (stamp ? stamps : out)->push_back(std::move(f));
  }
  auto by_end = [](const FoundSignature& a, const FoundSignature& b) { return a.revision_end < b.revision_end; };
  std::sort(out->begin(), out->end(), by_end);
  std::sort(stamps->begin(), stamps->end(), by_end);
  return Status::Ok();
}

}  // namespace

Result<PdfContents> ReadPdf(std::string_view pdf) {
  if (pdf.substr(0, 5) != "%PDF-") return Status::BadInput("not a PDF file (no %PDF- header)");
  QuietPoDoFo();
  PdfContents c;
  c.size = pdf.size();
  VB_RETURN_IF_ERROR(ScanSignatures(pdf, &c.signatures, &c.document_timestamps));
  try {
    PdfMemDocument doc;
    doc.LoadFromBuffer(pdf.data(), static_cast<long>(pdf.size()), false);
    PdfAcroForm* form = doc.GetAcroForm(false);
    PdfObject* fields = form ? Deref(doc, form->GetObject()->GetDictionary().GetKey("Fields")) : nullptr;
    if (fields && fields->IsArray()) {
      for (PdfObject& ref : fields->GetArray()) {
        PdfObject* f = Deref(doc, &ref);
        if (!f || !f->IsDictionary()) continue;
        PdfObject* t = f->GetDictionary().GetKey("T");
        PdfObject* ft = f->GetDictionary().GetKey("FT");
        PdfObject* v = Deref(doc, f->GetDictionary().GetKey("V"));
        if (!t || !IsText(t) || !ft || !ft->IsName()) continue;
        std::string name = t->GetString().GetStringUtf8();
        if (ft->GetName() == PdfName("Tx")) {
          c.fields.emplace_back(name, v && IsText(v) ? v->GetString().GetStringUtf8() : "");
        } else if (ft->GetName() == PdfName("Sig") && v && v->IsDictionary()) {
          // Name the scanned signature whose /Contents this field holds.
          PdfObject* contents = v->GetDictionary().GetKey("Contents");
          if (!contents || !IsText(contents)) continue;
          std::string cms(contents->GetString().GetString(), contents->GetString().GetLength());
          for (auto* list : {&c.signatures, &c.document_timestamps})
            for (FoundSignature& s : *list)
              if (s.cms == cms) {
                s.field = name;
                if (PdfObject* r = v->GetDictionary().GetKey("Reason"); r && IsText(r)) s.reason = r->GetString().GetStringUtf8();
                if (PdfObject* m = v->GetDictionary().GetKey("M"); m && IsText(m)) s.time_text = m->GetString().GetStringUtf8();
              }
        }
      }
    }
    PdfObject* dss = Deref(doc, doc.GetCatalog()->GetDictionary().GetKey("DSS"));
    PdfObject* dss_crls = dss && dss->IsDictionary() ? Deref(doc, dss->GetDictionary().GetKey("CRLs")) : nullptr;
    if (dss_crls && dss_crls->IsArray())
      for (PdfObject& ref : dss_crls->GetArray()) {
        PdfObject* stream = Deref(doc, &ref);
        if (!stream || !stream->HasStream()) continue;
        c.dss_crls.push_back(StreamBytes(stream));
      }
    PdfObject* names = Deref(doc, doc.GetCatalog()->GetDictionary().GetKey("Names"));
    PdfObject* files = names && names->IsDictionary() ? Deref(doc, names->GetDictionary().GetKey("EmbeddedFiles")) : nullptr;
    PdfObject* list = files && files->IsDictionary() ? Deref(doc, files->GetDictionary().GetKey("Names")) : nullptr;
    if (list && list->IsArray()) {
      const PdfArray& a = list->GetArray();
      for (size_t i = 0; i + 1 < a.size(); i += 2) {
        if (!IsText(&a[i]) || a[i].GetString().GetStringUtf8() != kProofFileName) continue;
        PdfObject* spec = Deref(doc, const_cast<PdfObject*>(&a[i + 1]));
        PdfObject* ef = spec && spec->IsDictionary() ? Deref(doc, spec->GetDictionary().GetKey("EF")) : nullptr;
        PdfObject* file = ef && ef->IsDictionary() ? Deref(doc, ef->GetDictionary().GetKey("F")) : nullptr;
        if (!file || !file->HasStream()) continue;
        c.proof = StreamBytes(file);
      }
    }
  } catch (const PdfError& e) {
    c.damage = "the PDF's structure cannot be read: " + ErrorText(e);
  }
  return c;
}

}  // namespace vanban::pdf
