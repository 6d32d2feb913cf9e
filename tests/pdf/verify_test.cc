// Verification of well-formed but unauthorised PDFs (pdf/verify.cc): each made with
// the project's own signing code from a real issued copy — an update signed by a
// person without the role, a signature after the seal, a doc.sign naming other
// bytes, a forged records file, bytes or an unsigned update appended after the last
// signature — and what only the node knows (a revocation, a stripped issuance), and
// the receipt check that `receive` runs on the same reports.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/record.h"
#include "pdf/pdf.h"
#include "pdf/signing.h"
#include "tests/core/fixture.h"

namespace vanban::pdf {
namespace {

using vanban::testing::As;
using vanban::testing::OrgTest;
using vanban::testing::PathOptions;
using vanban::testing::PathStep;
using vanban::testing::ScopedNow;

constexpr const char* kTitle = "Phát động phong trào thi đua năm 2021";
constexpr const char* kEvil = "=HYPERLINK(\"http://evil\",\"x\")";

bool AnyHas(const std::vector<std::string>& list, const std::string& part) {
  return std::any_of(list.begin(), list.end(), [&](const std::string& s) { return s.find(part) != std::string::npos; });
}

std::string Joined(const std::vector<std::string>& list) {
  std::string all;
  for (const std::string& s : list) all += "[" + s + "] ";
  return all;
}

class VerifyTest : public OrgTest {
 protected:
  VerifyTest() { copies_ = CopyMaker(); }
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OrgTest::SetUp());
    id_ = NewDirective(kTitle);
    ASSERT_NO_FATAL_FAILURE(Advance(id_, PathStep::kRoute, PathStep::kSign));
    auto s = ExportPdf(*node_, id_);
    ASSERT_TRUE(s.ok()) << s.status().message();
    signed_ = *s;
    auto n = vanban::testing::NumberOf(node_->Do(As("vanthu"), act::Issue{id_}));
    ASSERT_TRUE(n.ok()) << n.status().message();
    number_ = *n;
    auto i = ExportPdf(*node_, id_);
    ASSERT_TRUE(i.ok()) << i.status().message();
    issued_ = *i;
  }

  // `base` with one more update: a new signature field `field` on page 1, signed by
  // `login`'s key, carrying `proof` as its records file when not empty.
  std::string SignedUpdate(const std::string& base, const std::string& login, const std::string& field,
                           const std::string& proof = "") {
    Update u;
    u.create = {{NewField::Kind::kSignature, field, Box{0, 60, 60, 120, 40}}};
    u.sign_field = field;
    u.stamp_lines = {"Ký số bởi: " + login};
    u.proof = proof;
    u.signing_time = vanban::testing::At("2024-06-01T09:00:00+07:00").utc;
    u.reason = "Ký";
    u.subject = CertSubject{login, "", "Sở Ngoại vụ tỉnh Lạng Sơn"};
    auto out = AppendSignature(base, u, PersonKey(login));
    EXPECT_TRUE(out.ok()) << out.status().message();
    return out.ok() ? *out : base;
  }

  // The same update with its signature taken away: the /ByteRange key renamed, so
  // nothing signs the bytes it adds (an unsigned incremental update).
  std::string UnsignedUpdate(const std::string& base, const std::string& proof) {
    std::string pdf = SignedUpdate(base, "chuyenvien", "them", proof);
    size_t at = pdf.find("/ByteRange", base.size());
    EXPECT_NE(at, std::string::npos);
    if (at != std::string::npos) pdf.replace(at, 10, "/ByteRangX");
    return pdf;
  }

  // A records file holding one well-signed document of `title` (by chuyenvien).
  std::string ProofTitled(const std::string& title) {
    Record r("doc.create");
    r.Add("org", ToHex(node_->org().root));
    r.Add("kind", "directive");
    r.Add("title", title);
    r.Add("symbol", "KH");
    r.Add("at", "2024-06-01T09:00:00+07:00");
    r.SetText(vanban::testing::DirectiveText(title));
    EXPECT_TRUE(r.Sign(PersonKey("chuyenvien")).ok());
    return EncodeRecordList(kProofMagic, {r});
  }

  Verification Check(const std::string& pdf) {
    auto v = Verify(pdf, node_->authority());
    EXPECT_TRUE(v.ok()) << v.status().message();
    return v.ok() ? *v : Verification{};
  }

  std::string id_, number_, signed_, issued_;
};

TEST_F(VerifyTest, TheIssuedCopyIsValid) {
  Verification v = Check(issued_);
  EXPECT_TRUE(v.valid) << Joined(v.problems);
  EXPECT_EQ(v.title, kTitle);
  EXPECT_EQ(v.number, number_);
  ASSERT_EQ(v.signatures.size(), 2u);
  EXPECT_EQ(v.signatures[1].role, "seal");
}

TEST_F(VerifyTest, AnUnsignedUpdateReplacingTheRecordsFileDoesNotShowItsTitle) {
  Verification v = Check(UnsignedUpdate(issued_, ProofTitled(kEvil)));
  EXPECT_FALSE(v.valid);
  EXPECT_EQ(v.title, kTitle) << "the header shows only what a signature covers";
  EXPECT_EQ(v.number, number_);
  EXPECT_TRUE(AnyHas(v.problems, "bytes were added after the last signature")) << Joined(v.problems);
  EXPECT_TRUE(AnyHas(v.problems, "replace the records file")) << Joined(v.problems);
  for (const SignatureCheck& s : v.signatures) EXPECT_TRUE(s.valid) << s.field << ": " << s.reason;
}

TEST_F(VerifyTest, ACorruptedAppendedRecordsFileStillSaysBytesWereAdded) {
  Verification v = Check(UnsignedUpdate(issued_, std::string(kProofMagic) + "not records at all\n"));
  EXPECT_FALSE(v.valid);
  EXPECT_EQ(v.title, kTitle);
  EXPECT_TRUE(AnyHas(v.problems, "bytes were added after the last signature")) << Joined(v.problems);
  EXPECT_TRUE(AnyHas(v.problems, "replace the records file")) << Joined(v.problems);
  // Not the misleading consequences of reading the unsigned records file.
  EXPECT_FALSE(AnyHas(v.problems, "no trusted organisation has granted")) << Joined(v.problems);
  for (const SignatureCheck& s : v.signatures) EXPECT_TRUE(s.valid) << s.field << ": " << s.reason;
}

TEST_F(VerifyTest, BytesAfterTheLastSignatureAreNamed) {
  Verification v = Check(issued_ + "1 0 obj\n(" + kEvil + ")\nendobj\n");
  EXPECT_FALSE(v.valid);
  EXPECT_EQ(v.title, kTitle);
  EXPECT_TRUE(AnyHas(v.problems, "bytes were added after the last signature")) << Joined(v.problems);
}

TEST_F(VerifyTest, ASignerWithoutTheRoleIsNamedAndItsUpdateNotShown) {
  Verification v = Check(SignedUpdate(issued_, "chuyenvien", "ky-2", ProofTitled(kEvil)));
  EXPECT_FALSE(v.valid);
  EXPECT_EQ(v.title, kTitle);
  ASSERT_EQ(v.signatures.size(), 3u);
  EXPECT_FALSE(v.signatures[2].valid);
  EXPECT_TRUE(AnyHas(v.problems, "did not hold the role signer")) << Joined(v.problems);
  EXPECT_TRUE(AnyHas(v.problems, "bytes were added after the last signature")) << Joined(v.problems);
}

TEST_F(VerifyTest, ASignatureAfterTheSealMakesTheSealNotLast) {
  // giamdoc holds the role signer and has no doc.sign in the records: their signature
  // itself is good, so the report is of their revision, where the seal is not last.
  Verification v = Check(SignedUpdate(issued_, "giamdoc", "ky-2"));
  EXPECT_FALSE(v.valid);
  ASSERT_EQ(v.signatures.size(), 3u);
  EXPECT_TRUE(v.signatures[2].valid) << v.signatures[2].reason;
  EXPECT_TRUE(AnyHas(v.problems, "the seal is not the last signature")) << Joined(v.problems);
}

TEST_F(VerifyTest, ADocSignNamingOtherBytesIsNamed) {
  // pgd signs again after the seal: the records name pgd's signed copy, not this revision.
  Verification v = Check(SignedUpdate(issued_, "pgd", "ky-2"));
  EXPECT_FALSE(v.valid);
  ASSERT_EQ(v.signatures.size(), 3u);
  EXPECT_FALSE(v.signatures[2].valid);
  EXPECT_TRUE(AnyHas(v.problems, "names another PDF than this revision")) << Joined(v.problems);
}

TEST_F(VerifyTest, AForgedRecordsFileIsNamed) {
  auto proof = ReadPdf(issued_);
  ASSERT_TRUE(proof.ok() && proof->proof);
  std::string forged = *proof->proof;
  size_t at = forged.find(kTitle);
  ASSERT_NE(at, std::string::npos);
  forged[at] = 'Q';  // a record whose signature no longer verifies
  Verification v = Check(SignedUpdate(issued_, "giamdoc", "ky-2", forged));
  EXPECT_FALSE(v.valid);
  EXPECT_TRUE(AnyHas(v.problems, "signature does not verify")) << Joined(v.problems);
}

TEST_F(VerifyTest, APdfHeaderAloneIsBadInput) {
  auto v = Verify("%PDF-1.7", node_->authority());
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Status::Code::kBadInput) << v.status().message();
  EXPECT_NE(v.status().message().find("not a readable PDF"), std::string::npos) << v.status().message();
}

TEST_F(VerifyTest, ARevokedDocumentIsNotValidOnTheNodeThatKnows) {
  ASSERT_TRUE(VerifyOnNode(issued_, *node_).value().valid);
  {
    ScopedNow later("2030-01-05T10:00:00+07:00");
    Status s = node_->Do(As("giamdoc"), act::Revoke{id_, "Bị thay thế bởi kế hoạch mới"}).status();
    ASSERT_TRUE(s.ok()) << s.message();
  }
  auto v = VerifyOnNode(issued_, *node_);
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_FALSE(v->valid);
  ASSERT_TRUE(v->revoked.has_value());
  EXPECT_EQ(v->revoked->by, "giamdoc");
  EXPECT_EQ(v->revoked->at, "2030-01-05T10:00:00+07:00");
  EXPECT_EQ(v->revoked->reason, "Bị thay thế bởi kế hoạch mới");
  EXPECT_TRUE(AnyHas(v->problems, "revoked")) << Joined(v->problems);
  // From the file alone (a node that never heard of it) it stays valid.
  EXPECT_TRUE(Check(issued_).valid);
}

TEST_F(VerifyTest, ACopyWithoutItsIssuanceIsNotTheIssuedOne) {
  auto v = VerifyOnNode(signed_, *node_);
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_FALSE(v->valid);
  auto d = node_->Show(id_);
  ASSERT_TRUE(d.ok() && d->issue);
  EXPECT_TRUE(AnyHas(v->problems, "this copy is not the issued one (issued as " + number_ + " on " + d->issue->date + ")"))
      << Joined(v->problems);
}

TEST_F(VerifyTest, TheReceiptCheckRefusesABadSignedCopy) {
  auto d = node_->Show(id_);
  ASSERT_TRUE(d.ok());
  ReceiptCheck verifier = ReceiptVerifier();
  auto check = [&](const Document& doc, const std::optional<std::string>& copy) {
    return verifier(node_->authority(), doc, copy);
  };
  EXPECT_TRUE(check(*d, issued_).ok());
  Status appended = check(*d, UnsignedUpdate(issued_, ProofTitled(kEvil)));
  EXPECT_EQ(appended.code(), Status::Code::kRefused) << appended.message();
  EXPECT_NE(appended.message().find("the signed PDF does not verify"), std::string::npos) << appended.message();
  Status roleless = check(*d, SignedUpdate(issued_, "chuyenvien", "ky-2"));
  EXPECT_EQ(roleless.code(), Status::Code::kRefused) << roleless.message();
  Status unsealed = check(*d, signed_);
  EXPECT_EQ(unsealed.code(), Status::Code::kRefused) << unsealed.message();
}

}  // namespace
}  // namespace vanban::pdf
