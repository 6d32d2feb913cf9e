// Signatures inside the PDF: incremental updates that keep earlier signatures
// valid, fields filled at issuance, the proof file, and what tampering breaks.
#include "pdf/signing.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <regex>
#include <thread>

#include "core/crypto.h"
#include "core/docfile.h"
#include "pdf/layout.h"
#include "tests/pdf/util.h"
#include "tests/tools/png_maker.h"

namespace vanban::pdf {
namespace {

using testing::HaveTool;
using testing::ReadFile;
using testing::Shell;
using testing::WriteFile;

SecretKey Key(uint8_t b) {
  Bytes32 seed;
  seed.fill(b);
  return SecretKey::FromSeed(seed);
}

Rendered RenderDirective() {
  std::string bytes = ReadFile(std::string(VANBAN_SAMPLES) + "/directive-2021-thi-dua.md");
  auto f = ParseDocumentFile(bytes, "directive");
  EXPECT_TRUE(f.ok());
  RenderInput in;
  in.head = Letterhead{"UBND TỈNH LẠNG SƠN", "Sở Ngoại vụ", "Lạng Sơn"};
  in.kind_name = "KẾ HOẠCH";
  in.title = f->title;
  in.blocks = f->blocks;
  in.recipients = f->recipients;
  in.symbol_suffix = "KH-SNgV";
  in.draft = false;
  in.year = 2021;
  in.created = 1612510200;
  in.document_id = std::string(64, 'b');
  in.signers = {SignerBlock{"KT. GIÁM ĐỐC", "Phó Giám đốc", "Vi Văn Thành", ""}};
  auto r = Render(in);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return *r;
}

Update SignerUpdate(const Rendered& r) {
  Update u;
  u.create = {{NewField::Kind::kText, "so", r.number_field, "Số:"},
              {NewField::Kind::kText, "ngay", r.date_field},
              {NewField::Kind::kSignature, "ky-1", r.signature_stamps.at(0)},
              {NewField::Kind::kSignature, "dong-dau", r.seal_stamp}};
  u.sign_field = "ky-1";
  u.stamp_lines = {"Ký số bởi: Vi Văn Thành", "Phó Giám đốc", "Sở Ngoại vụ tỉnh Lạng Sơn",
                   "2021-02-05T14:30:00+07:00", "Khóa: 1a2b 3c4d 5e6f 7a8b"};
  u.proof = std::string(kProofMagic) + "record 5\nhello";
  u.signing_time = 1612510200;
  u.reason = "Ký ban hành";
  u.subject = CertSubject{"Vi Văn Thành", "Phó Giám đốc", "Sở Ngoại vụ tỉnh Lạng Sơn"};
  return u;
}

Update SealUpdate() {
  Update u;
  u.fill = {{"so", "12/KH-SNgV"}, {"ngay", "Lạng Sơn, ngày 05 tháng 02 năm 2021"}};
  u.sign_field = "dong-dau";
  u.stamp_lines = {"Sở Ngoại vụ tỉnh Lạng Sơn", "Số: 12/KH-SNgV", "Ngày 05/02/2021"};
  u.qr_payload = "vanban 1|12/KH-SNgV|2021-02-05|abc";
  u.proof = std::string(kProofMagic) + "record 6\nhello2";
  u.signing_time = 1612513800;
  u.reason = "Đóng dấu";
  u.subject = CertSubject{"Sở Ngoại vụ tỉnh Lạng Sơn", "", "Sở Ngoại vụ tỉnh Lạng Sơn"};
  return u;
}

// The CMS without the zero padding of /Contents: its length from the DER header.
std::string DerOnly(const std::string& padded) {
  auto b = [&](size_t i) { return static_cast<uint8_t>(padded.at(i)); };
  size_t len = b(1), head = 2;
  if (len & 0x80) {
    size_t n = len & 0x7f;
    len = 0;
    for (size_t i = 0; i < n; ++i) len = len * 256 + b(2 + i);
    head += n;
  }
  return padded.substr(0, head + len);
}

TEST(Signing, SignThenSealKeepsBothValid) {
  crypto::Init();
  Rendered r = RenderDirective();
  SecretKey signer = Key(7), seal = Key(9);
  auto one = AppendSignature(r.pdf, SignerUpdate(r), signer);
  ASSERT_TRUE(one.ok()) << one.status().message();
  EXPECT_EQ(one->compare(0, r.pdf.size(), r.pdf), 0) << "the rendered bytes stay as they were";
  auto two = AppendSignature(*one, SealUpdate(), seal);
  ASSERT_TRUE(two.ok()) << two.status().message();
  EXPECT_EQ(two->compare(0, one->size(), *one), 0);

  auto c = ReadPdf(*two);
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->signatures.size(), 2u);
  EXPECT_EQ(c->signatures[0].field, "ky-1");
  EXPECT_EQ(c->signatures[1].field, "dong-dau");
  EXPECT_EQ(c->signatures[0].revision_end, one->size());
  EXPECT_EQ(c->signatures[1].revision_end, two->size());
  auto v1 = VerifyDetached(c->signatures[0].cms, c->signatures[0].signed_bytes);
  ASSERT_TRUE(v1.ok()) << v1.status().message();
  EXPECT_EQ(v1->key, signer.public_key());
  auto v2 = VerifyDetached(c->signatures[1].cms, c->signatures[1].signed_bytes);
  ASSERT_TRUE(v2.ok()) << v2.status().message();
  EXPECT_EQ(v2->key, seal.public_key());
  ASSERT_TRUE(c->proof.has_value());
  EXPECT_EQ(*c->proof, std::string(kProofMagic) + "record 6\nhello2");
  std::map<std::string, std::string> fields(c->fields.begin(), c->fields.end());
  EXPECT_EQ(fields["so"], "12/KH-SNgV");
  EXPECT_EQ(fields["ngay"], "Lạng Sơn, ngày 05 tháng 02 năm 2021");

  // Deterministic: the same inputs give the same bytes, a second later too
  // (PoDoFo would write the wall clock into Info and annotations).
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto again = AppendSignature(*one, SealUpdate(), seal);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(*again == *two);

  auto dir = std::filesystem::temp_directory_path() / "vanban-signing-test";
  std::filesystem::create_directories(dir);
  WriteFile(dir / "signed.pdf", *two);
  if (HaveTool("qpdf")) {
    int st = 0;
    std::string out = Shell("qpdf --check " + (dir / "signed.pdf").string() + " 2>&1", &st);
    EXPECT_EQ(st, 0) << out;
  }
  if (HaveTool("pdffonts")) {
    std::string out = Shell("pdffonts " + (dir / "signed.pdf").string());
    EXPECT_EQ(out.find(" no "), std::string::npos) << "every font embedded and subset:\n" << out;
  }
  if (HaveTool("certtool")) {
    for (size_t i = 0; i < 2; ++i) {
      WriteFile(dir / "sig.der", DerOnly(c->signatures[i].cms));
      WriteFile(dir / "data.bin", c->signatures[i].signed_bytes);
      int st = 0;
      // The certificate inside the CMS is self-signed: certtool checks against it, not the system's CAs.
      std::string out = Shell("cd " + dir.string() +
                                  " && certtool --p7-info --inder --infile sig.der | sed -n '/BEGIN CERT/,/END CERT/p' > cert.pem"
                                  " && certtool --p7-verify --inder --infile sig.der --load-data data.bin --load-certificate cert.pem 2>&1",
                              &st);
      EXPECT_EQ(st, 0) << "signature " << i << ": " << out;
    }
  }
  if (!::testing::Test::HasFailure()) std::filesystem::remove_all(dir);
}

// Words on a page as pdftotext -bbox reads them (PDF points, origin top-left).
struct Word {
  double x0, y0, x1, y1;
  std::string text;
};
std::vector<Word> Words(const std::string& pdf, int page) {
  auto path = std::filesystem::temp_directory_path() / ("vanban-words-" + std::to_string(getpid()) + ".pdf");
  WriteFile(path, pdf);
  std::string out = Shell("pdftotext -bbox -enc UTF-8 -f " + std::to_string(page) + " -l " + std::to_string(page) + " " +
                          path.string() + " -");
  std::filesystem::remove(path);
  std::vector<Word> words;
  std::regex re(R"re(<word xMin="([0-9.]+)" yMin="([0-9.]+)" xMax="([0-9.]+)" yMax="([0-9.]+)">([^<]*)</word>)re");
  for (auto it = std::sregex_iterator(out.begin(), out.end(), re); it != std::sregex_iterator(); ++it)
    words.push_back({std::stod((*it)[1]), std::stod((*it)[2]), std::stod((*it)[3]), std::stod((*it)[4]), (*it)[5]});
  return words;
}
const Word* Find(const std::vector<Word>& words, const std::string& text) {
  for (const Word& w : words)
    if (w.text == text) return &w;
  return nullptr;
}

// "Số: 12/KH-SNgV" is one line centred under the issuing body, whatever the number.
TEST(Signing, SignatureAndSealImagesAreReproducibleAndKeepBothValid) {
  crypto::Init();
  Rendered r = RenderDirective();
  SecretKey signer = Key(7), seal = Key(9);
  Update su = SignerUpdate(r);
  su.image_png = vanban::testing::SignaturePng();
  auto one = AppendSignature(r.pdf, su, signer);
  ASSERT_TRUE(one.ok()) << one.status().message();
  Update seal_update = SealUpdate();
  seal_update.image_png = vanban::testing::SealPng();
  seal_update.seal_mm = 36;
  seal_update.small_print = {"Sở Ngoại vụ tỉnh Lạng Sơn", "2021-02-05T15:30:00+07:00"};
  auto two = AppendSignature(*one, seal_update, seal);
  ASSERT_TRUE(two.ok()) << two.status().message();
  EXPECT_EQ(two->compare(0, one->size(), *one), 0) << "the signer's revision is untouched";
  EXPECT_EQ(*AppendSignature(*one, seal_update, seal), *two) << "same inputs, same bytes";
  auto c = ReadPdf(*two);
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->signatures.size(), 2u);
  for (const FoundSignature& f : c->signatures)
    EXPECT_TRUE(VerifyDetached(f.cms, f.signed_bytes).ok()) << f.field;
  EXPECT_NE(one->find("/SMask"), std::string::npos) << "the signature's transparency as a soft mask";
  EXPECT_NE(one->find("/VB_Image"), std::string::npos) << "where the signature image was drawn";
  EXPECT_EQ(two->find("/VB_Image", one->size()), std::string::npos);

  // A PNG that does not decode is refused before anything is written.
  Update broken = SignerUpdate(r);
  broken.image_png = vanban::testing::SignaturePng().substr(0, 200);
  auto bad = AppendSignature(r.pdf, broken, signer);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("the PNG is damaged"), std::string::npos) << bad.status().message();
}

TEST(Signing, NumberLineCentredUnderTheIssuingBody) {
  VB_REQUIRE_TOOL("pdftotext");
  crypto::Init();
  Rendered r = RenderDirective();
  auto one = AppendSignature(r.pdf, SignerUpdate(r), Key(7));
  ASSERT_TRUE(one.ok()) << one.status().message();
  EXPECT_NE(Find(Words(*one, 1), "Số:"), nullptr) << "the signed copy shows 'Số:' before issuance";
  for (const char* number : {"01/KH-SNgV", "1234/KH-SNgV"}) {
    SCOPED_TRACE(number);
    Update seal = SealUpdate();
    seal.fill[0].second = number;
    auto two = AppendSignature(*one, seal, Key(9));
    ASSERT_TRUE(two.ok()) << two.status().message();
    std::vector<Word> words = Words(*two, 1);
    const Word* so = Find(words, "Số:");
    const Word* num = Find(words, number);
    const Word* body_from = Find(words, "SỞ");
    const Word* body_to = Find(words, "VỤ");
    ASSERT_TRUE(so && num && body_from && body_to);
    EXPECT_NEAR(so->y1, num->y1, 0.5) << "on one line";
    EXPECT_GT(num->x0, so->x1);
    EXPECT_LT(num->x0 - so->x1, 5) << "one space between 'Số:' and the number";
    EXPECT_NEAR((so->x0 + num->x1) / 2, (body_from->x0 + body_to->x1) / 2, 1.5) << "centred under the issuing body";
    auto c = ReadPdf(*two);
    ASSERT_TRUE(c.ok());
    std::map<std::string, std::string> fields(c->fields.begin(), c->fields.end());
    EXPECT_EQ(fields["so"], number) << "the field carries the number alone";
  }
}

TEST(Signing, OneChangedByteBreaksTheSignaturesCoveringIt) {
  crypto::Init();
  Rendered r = RenderDirective();
  auto one = AppendSignature(r.pdf, SignerUpdate(r), Key(7));
  ASSERT_TRUE(one.ok());
  auto two = AppendSignature(*one, SealUpdate(), Key(9));
  ASSERT_TRUE(two.ok());
  // A byte of the page content (first revision): both signatures break.
  std::string bad = *two;
  size_t at = bad.find("stream\n") + 20;
  bad[at] ^= 0x01;
  auto c = ReadPdf(bad);
  ASSERT_EQ(c.status().code() == Status::Code::kOk || c.status().code() == Status::Code::kInvalid, true);
  if (c.ok()) {
    ASSERT_EQ(c->signatures.size(), 2u);
    EXPECT_FALSE(VerifyDetached(c->signatures[0].cms, c->signatures[0].signed_bytes).ok());
    EXPECT_FALSE(VerifyDetached(c->signatures[1].cms, c->signatures[1].signed_bytes).ok());
  }
  // A byte of the seal's revision: only the seal breaks.
  bad = *two;
  bad[one->size() + 10] ^= 0x01;
  c = ReadPdf(bad);
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->signatures.size(), 2u);
  EXPECT_TRUE(VerifyDetached(c->signatures[0].cms, c->signatures[0].signed_bytes).ok());
  EXPECT_FALSE(VerifyDetached(c->signatures[1].cms, c->signatures[1].signed_bytes).ok());
}

TEST(Signing, RefusesWhatCannotBeSigned) {
  crypto::Init();
  Rendered r = RenderDirective();
  Update u = SignerUpdate(r);
  u.sign_field = "ky-9";
  auto bad = AppendSignature(r.pdf, u, Key(7));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "the PDF has no signature field 'ky-9'");
  auto one = AppendSignature(r.pdf, SignerUpdate(r), Key(7));
  ASSERT_TRUE(one.ok());
  Update again = SignerUpdate(r);
  again.create.clear();
  auto twice = AppendSignature(*one, again, Key(7));
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().message(), "field 'ky-1' is already signed");
  EXPECT_EQ(ReadPdf("hello").status().code(), Status::Code::kBadInput);
}

}  // namespace
}  // namespace vanban::pdf

namespace vanban::pdf {
namespace {

// A pledge: the drafting organisation and two parties sign in turn, each one more
// incremental update; every earlier signature stays valid after each.
TEST(Signing, PledgeOfThreeOrganisationsKeepsEverySignatureValid) {
  crypto::Init();
  std::string bytes = ReadFile(std::string(VANBAN_SAMPLES) + "/pledge-2017-cum-1.md");
  auto f = ParseDocumentFile(bytes, "pledge");
  ASSERT_TRUE(f.ok()) << f.status().message();
  RenderInput in;
  in.head = Letterhead{"UBND TỈNH LẠNG SƠN", "Sở Ngoại vụ tỉnh Lạng Sơn", "Lạng Sơn"};
  in.kind_name = "GIAO ƯỚC THI ĐUA";
  in.title = f->title;
  in.blocks = f->blocks;
  in.symbol_suffix = "GƯ-SNgV";
  in.draft = false;
  in.year = 2016;
  in.created = 1482717600;
  in.document_id = std::string(64, 'c');
  const char* orgs[] = {"Sở Ngoại vụ tỉnh Lạng Sơn", "Sở Ngoại vụ tỉnh Cao Bằng", "Sở Ngoại vụ tỉnh Lào Cai"};
  const char* names[] = {"Trịnh Tuyết Mai", "Lục Văn Kiên", "Hoàng Thị Thanh"};
  for (const char* o : orgs) in.signers.push_back(SignerBlock{"", "Giám đốc", "", o});
  auto r = Render(in);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->signature_stamps.size(), 3u);

  std::string pdf = r->pdf;
  for (size_t i = 0; i < 3; ++i) {
    Update u;
    if (i == 0) {
      u.create = {{NewField::Kind::kText, "so", r->number_field}, {NewField::Kind::kText, "ngay", r->date_field}};
      for (size_t k = 0; k < 3; ++k)
        u.create.push_back({NewField::Kind::kSignature, "ky-" + std::to_string(k + 1), r->signature_stamps[k]});
      u.create.push_back({NewField::Kind::kSignature, kSealFieldName, r->seal_stamp});
      for (size_t k = 0; k < 3; ++k)
        u.create.push_back({NewField::Kind::kText, "ten-" + std::to_string(k + 1), r->name_fields.at(k)});
    }
    u.fill = {{"ten-" + std::to_string(i + 1), names[i]}};
    u.sign_field = "ky-" + std::to_string(i + 1);
    u.stamp_lines = {std::string("Ký số bởi: ") + names[i], "Giám đốc", orgs[i]};
    u.proof = std::string(kProofMagic);
    u.signing_time = 1482717600 + 86400 * static_cast<int64_t>(i);
    u.subject = CertSubject{names[i], "Giám đốc", orgs[i]};
    auto next = AppendSignature(pdf, u, Key(static_cast<uint8_t>(20 + i)));
    ASSERT_TRUE(next.ok()) << next.status().message();
    ASSERT_EQ(next->compare(0, pdf.size(), pdf), 0) << "party " << i << " appends";
    pdf = *next;
    auto c = ReadPdf(pdf);
    ASSERT_TRUE(c.ok()) << c.status().message();
    ASSERT_EQ(c->signatures.size(), i + 1);
    for (size_t k = 0; k <= i; ++k) {
      EXPECT_EQ(c->signatures[k].field, "ky-" + std::to_string(k + 1));
      auto v = VerifyDetached(c->signatures[k].cms, c->signatures[k].signed_bytes);
      ASSERT_TRUE(v.ok()) << "after party " << i << ", signature " << k << ": " << v.status().message();
      EXPECT_EQ(v->key, Key(static_cast<uint8_t>(20 + k)).public_key());
      EXPECT_EQ(v->subject.organisation, orgs[k]);
    }
  }
  // Each party's name printed under its signature as it signs, 14 pt bold: a
  // word's box as tall as the name's size, not the stamp's small print.
  if (HaveTool("pdftotext")) {
    std::vector<Word> words = Words(pdf, r->name_fields[0].page + 1);
    for (const char* last : {"Mai", "Kiên", "Thanh"}) {
      double tallest = 0;
      for (const Word& w : words)
        if (w.text == last) tallest = std::max(tallest, w.y1 - w.y0);
      EXPECT_GE(tallest, 12) << last << " is not printed as a name";
    }
  }
  if (HaveTool("qpdf")) {
    auto path = std::filesystem::temp_directory_path() / "vanban-pledge-test.pdf";
    WriteFile(path, pdf);
    int st = 0;
    std::string out = Shell("qpdf --check " + path.string() + " 2>&1", &st);
    EXPECT_EQ(st, 0) << out;
    std::filesystem::remove(path);
  }
}

// Writes the directive signed and sealed, with and without the images, to
// $VANBAN_PDF_OUT (manual inspection; comparing bytes across a change).
TEST(Signing, DumpSigned) {
  const char* out = std::getenv("VANBAN_PDF_OUT");
  if (!out) GTEST_SKIP() << "set VANBAN_PDF_OUT=DIR to write the signed samples";
  crypto::Init();
  Rendered r = RenderDirective();
  for (bool images : {false, true}) {
    Update su = SignerUpdate(r);
    Update seal_update = SealUpdate();
    if (images) {
      su.image_png = vanban::testing::SignaturePng();
      seal_update.image_png = vanban::testing::SealPng();
      seal_update.small_print = {"Sở Ngoại vụ tỉnh Lạng Sơn", "2021-02-05T15:30:00+07:00"};
    }
    auto one = AppendSignature(r.pdf, su, Key(7));
    ASSERT_TRUE(one.ok()) << one.status().message();
    auto two = AppendSignature(*one, seal_update, Key(9));
    ASSERT_TRUE(two.ok()) << two.status().message();
    WriteFile(std::string(out) + (images ? "/signed-images.pdf" : "/signed.pdf"), *two);
  }
}

}  // namespace
}  // namespace vanban::pdf
