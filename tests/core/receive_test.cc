// The incoming side of an issued document (Decree 30/2020 Art. 21-22): the
// organisations an issuance is addressed to, their receipts (doc.receive), the
// incoming register, across two organisations' nodes. Records move between homes
// as sync will move them: read from one store, given to the other's Ingest.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/db.h"
#include "core/node.h"
#include "tests/core/fixture.h"

namespace vanban {
namespace {

using testing::As;
using testing::HasCode;
using testing::IsRefused;
using testing::OrgTest;
using testing::ScopedNow;
using testing::SecondOrg;
using testing::TempDir;
using testing::TestOptions;

std::string Addressed(const std::string& title, const std::vector<std::string>& aliases) {
  std::string list;
  for (const auto& a : aliases) list += "  - org:" + a + "\n";
  return "---\nkind: directive\ntitle: " + title + "\nrecipients:\n" + list + "  - \"Lưu: VT, VP.\"\n---\n" +
         "## I. MỤC ĐÍCH, YÊU CẦU\n1. Đẩy mạnh phong trào thi đua.\n";
}

// The document records a home holds (of one document, if given), in arrival order,
// without the types listed in `skip`: what the issuer's node would send.
std::vector<std::string> DocRecordBytes(const std::string& home, const std::string& doc = "",
                                        const std::set<std::string>& skip = {}) {
  auto db = Db::Open(home + "/vanban.db");
  EXPECT_TRUE(db.ok());
  std::vector<std::string> out;
  Stmt& q = (*db)->Prepare("SELECT bytes, type, doc FROM records WHERE doc IS NOT NULL ORDER BY seq");
  while (q.Step()) {
    if (skip.count(q.Text(1)) || (!doc.empty() && q.Text(2) != doc)) continue;
    out.push_back(q.Blob(0));
  }
  return out;
}

// A (this fixture's Lạng Sơn office, node_) issues; P (Cao Bằng) receives; C (Lào
// Cai) is trusted by A but not addressed. P and C each have a clerk `vanthu` and a
// drafter `chuyenvien`.
class ReceiveTest : public OrgTest {
 protected:
  void SetUp() override {
    OrgTest::SetUp();
    root_ = TempDir("receive");
    p_ = MakeOrg(root_ + "/p", "Sở Nội vụ tỉnh Cao Bằng", "SNV");
    c_ = MakeOrg(root_ + "/c", "Sở Ngoại vụ tỉnh Lào Cai", "SNgV");
    ASSERT_TRUE(p_ && c_);
    ASSERT_TRUE(node_->Trust(p_->OrgCard().value(), "caobang").ok());
    ASSERT_TRUE(node_->Trust(c_->OrgCard().value(), "laocai").ok());
    ASSERT_TRUE(p_->Trust(node_->OrgCard().value(), "langson").ok());
    ASSERT_TRUE(c_->Trust(node_->OrgCard().value(), "langson").ok());
  }
  void TearDown() override {
    p_.reset();
    c_.reset();
    p2_.reset();
    std::filesystem::remove_all(root_);
    OrgTest::TearDown();
  }
  std::unique_ptr<Node> MakeOrg(const std::string& home, const std::string& name, const std::string& code) {
    auto n = SecondOrg(home, {.name = name, .code = code, .staff = true});
    EXPECT_TRUE(n.ok()) << n.status().message();
    return n.ok() ? std::move(n).value() : nullptr;
  }
  // A second node of P's organisation, as P's home is now (a clerk offline elsewhere).
  void CopyP() {
    p_.reset();
    std::filesystem::copy(root_ + "/p", root_ + "/p2", std::filesystem::copy_options::recursive);
    p_ = Node::Open(root_ + "/p", TestOptions()).value();
    p2_ = Node::Open(root_ + "/p2", TestOptions()).value();
  }
  // A directive of A, drafted, signed by pgd and issued by vanthu at `when`.
  std::string Issued(const std::string& title, const std::vector<std::string>& to = {"caobang"},
                     const std::string& when = "2024-03-05T09:00:00+07:00") {
    ScopedNow now(when);
    auto ref = node_->Do(As("chuyenvien"), act::Draft{Addressed(title, to), "test.md"});
    EXPECT_TRUE(ref.ok()) << ref.status().message();
    EXPECT_TRUE(node_->Do(As("chuyenvien"), act::Submit{ref->id, "pgd"}).status().ok());
    EXPECT_TRUE(node_->Do(As("pgd"), act::Sign{ref->id, false}).status().ok());
    auto n = vanban::testing::NumberOf(node_->Do(As("vanthu"), act::Issue{ref->id}));
    EXPECT_TRUE(n.ok()) << n.status().message();
    return ref->id;
  }
  // Gives `to` the document records `from_home` holds; every one must be taken but
  // those `to`'s organisation may not hold (scope on receipt leaves them out).
  void Send(const std::string& from_home, Node& to, const std::string& doc = "", const std::set<std::string>& skip = {}) {
    auto rep = to.Ingest(DocRecordBytes(from_home, doc, skip));
    ASSERT_TRUE(rep.ok()) << rep.status().message();
    for (const auto& r : rep->refused)
      if (r.find("this organisation may not hold") == std::string::npos) ADD_FAILURE() << "refused: " << r;
  }
  Result<std::string> Receive(Node& n, const std::string& doc, const std::string& when, const std::string& login = "vanthu") {
    ScopedNow now(when);
    return vanban::testing::NumberOf(n.Do(As(login), act::Receive{doc}));
  }
  // Two documents received as incoming number 1 on two nodes of P, offline, then
  // synced to p_: the first ("một", received earlier) keeps the number.
  std::pair<std::string, std::string> NumberOneTwice() {
    std::string d1 = Issued("Kế hoạch một"), d2 = Issued("Kế hoạch hai");
    Send(home_, *p_);
    CopyP();
    EXPECT_EQ(Receive(*p_, d1, "2024-03-06T08:00:00+07:00").value(), "1");
    EXPECT_EQ(Receive(*p2_, d2, "2024-03-06T09:00:00+07:00").value(), "1");
    Send(root_ + "/p2", *p_, d2);
    return {d1, d2};
  }
  std::vector<std::string> Actions(Node& n, const std::string& login) {
    std::vector<std::string> out;
    auto items = n.Inbox(login);
    EXPECT_TRUE(items.ok()) << items.status().message();
    if (!items.ok()) return out;
    for (const InboxItem& it : *items) out.push_back(it.action + " " + it.doc.id.substr(0, 12));
    return out;
  }

  std::string root_;
  std::unique_ptr<Node> p_, c_, p2_;
};

TEST_F(ReceiveTest, TheIssuanceNamesTheAddressedOrganisations) {
  std::string id = Issued("Kế hoạch gửi hai tỉnh", {"caobang", "laocai"});
  auto d = node_->Show(id);
  ASSERT_TRUE(d.ok());
  std::vector<PublicKey> want = {p_->org().root, c_->org().root};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(d->addressed, want);
  EXPECT_EQ(d->issue->to, want);
  auto log = node_->Log(id).value();
  const Record& issue = log.back().record;
  ASSERT_EQ(issue.type(), "doc.issue");
  std::vector<std::string> cards = issue.GetAll("to");
  ASSERT_EQ(cards.size(), 2u);
  EXPECT_EQ(cards[0], ToHex(want[0]));
  EXPECT_EQ(cards[1], ToHex(want[1]));
  // The issuing office sees both awaiting.
  auto reg = node_->Register(std::nullopt, false).value();
  ASSERT_EQ(reg.size(), 1u);
  EXPECT_EQ(reg[0].awaiting.size(), 2u);
  EXPECT_TRUE(reg[0].receipts.empty());
  EXPECT_TRUE(node_->Check()->ok);
}

TEST_F(ReceiveTest, AnUntrustedAliasRefusesTheIssuance) {
  ScopedNow now("2024-03-05T09:00:00+07:00");
  auto ref = node_->Do(As("chuyenvien"), act::Draft{Addressed("Kế hoạch", {"caobang", "haiphong"}), "test.md"});
  ASSERT_TRUE(ref.ok());
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Submit{ref->id, "pgd"}).status().ok());
  ASSERT_TRUE(node_->Do(As("pgd"), act::Sign{ref->id, false}).status().ok());
  int64_t before = RecordCount();
  // Refused before any passphrase is asked.
  auto n = vanban::testing::NumberOf(node_->Do(Actor{"vanthu", nullptr}, act::Issue{ref->id}));
  EXPECT_TRUE(IsRefused(n.status(), "recipient 'org:haiphong' is not a trusted organisation; run 'vanban org trust CARD --alias haiphong'"));
  EXPECT_EQ(n.status().exit_code(), 3);
  EXPECT_EQ(RecordCount(), before);
  EXPECT_EQ(StateOf(ref->id), DocState::kSigned);
}

TEST_F(ReceiveTest, AReceiptGivesIncomingNumbersPerYear) {
  std::string d1 = Issued("Kế hoạch một"), d2 = Issued("Kế hoạch hai"), d3 = Issued("Kế hoạch ba");
  std::string d4 = Issued("Kế hoạch bốn", {"caobang"}, "2024-12-31T16:00:00+07:00");
  Send(home_, *p_);
  // Each arrived document waits for P's records office, not for A's nor P's drafter.
  auto inbox = Actions(*p_, "vanthu");
  EXPECT_EQ(inbox.size(), 4u);
  for (const auto& a : inbox) EXPECT_EQ(a.rfind("receive ", 0), 0u) << a;
  EXPECT_TRUE(Actions(*p_, "chuyenvien").empty());
  EXPECT_TRUE(Actions(*node_, "vanthu").empty());

  EXPECT_EQ(Receive(*p_, d1, "2024-03-06T08:00:00+07:00").value(), "1");
  EXPECT_EQ(Receive(*p_, d2, "2024-03-06T08:05:00+07:00").value(), "2");
  EXPECT_EQ(Receive(*p_, d3, "2024-03-07T08:00:00+07:00").value(), "3");
  // A new year in the receiving organisation's time zone starts again at 1.
  EXPECT_EQ(Receive(*p_, d4, "2025-01-02T08:00:00+07:00").value(), "1");
  EXPECT_TRUE(Actions(*p_, "vanthu").empty());

  auto d = p_->Show(d2).value();
  ASSERT_EQ(d.receipts.size(), 1u);
  EXPECT_EQ(d.receipts[0].org, p_->org().root);
  EXPECT_EQ(d.receipts[0].seq, 2);
  EXPECT_EQ(d.receipts[0].date, "2024-03-06");
  EXPECT_EQ(d.state, DocState::kIssued);

  auto in2024 = p_->Register(2024, true).value();
  ASSERT_EQ(in2024.size(), 3u);
  EXPECT_EQ(in2024[0].number, "1");
  EXPECT_EQ(in2024[0].date, "2024-03-06");
  EXPECT_EQ(in2024[0].their_number, "01/KH-SNgV");
  EXPECT_EQ(in2024[0].their_date, "2024-03-05");
  EXPECT_EQ(in2024[0].from, "Sở Ngoại vụ tỉnh Lạng Sơn");
  EXPECT_EQ(in2024[0].title, "Kế hoạch một");
  EXPECT_EQ(in2024[0].kind, "directive");
  EXPECT_EQ(in2024[0].signer, "Vi Văn Thành");
  EXPECT_EQ(in2024[0].received_by, "vanthu");
  EXPECT_TRUE(in2024[0].received);
  EXPECT_EQ(in2024[2].number, "3");
  auto in2025 = p_->Register(2025, true).value();
  ASSERT_EQ(in2025.size(), 1u);
  EXPECT_EQ(in2025[0].their_number, "04/KH-SNgV");
  EXPECT_EQ(in2025[0].their_date, "2024-12-31");
  // Also by the issuer's number, which is not one of P's.
  EXPECT_EQ(p_->Show("02/KH-SNgV")->id, d2 == "" ? RecordId{} : p_->Show(d2)->id);
  EXPECT_TRUE(p_->Check()->ok);
}

TEST_F(ReceiveTest, ArrivedButNotYetReceivedIsInTheIncomingRegister) {
  std::string d1 = Issued("Kế hoạch một"), d2 = Issued("Kế hoạch hai");
  Send(home_, *p_);
  ASSERT_TRUE(Receive(*p_, d2, "2024-03-06T08:00:00+07:00").ok());
  auto reg = p_->Register(std::nullopt, true).value();
  ASSERT_EQ(reg.size(), 2u);
  EXPECT_EQ(reg[0].doc, d2);
  EXPECT_TRUE(reg[0].received);
  EXPECT_EQ(reg[1].doc, d1);
  EXPECT_FALSE(reg[1].received);
  EXPECT_EQ(reg[1].number, "");
  EXPECT_EQ(reg[1].their_number, "01/KH-SNgV");
  // Awaiting ones are listed whatever the year asked for.
  EXPECT_EQ(p_->Register(2030, true)->size(), 1u);
  // The outgoing register of P holds none of these.
  EXPECT_TRUE(p_->Register(std::nullopt, false)->empty());
}

TEST_F(ReceiveTest, OnlyAnAddressedOrganisationsClerkReceivesAnIssuedDocument) {
  std::string issued = Issued("Kế hoạch một");
  std::string signed_only;
  {
    ScopedNow now("2024-03-05T10:00:00+07:00");
    signed_only = node_->Do(As("chuyenvien"), act::Draft{Addressed("Chưa ban hành", {"caobang"}), "t.md"})->id;
    ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Submit{signed_only, "pgd"}).status().ok());
    ASSERT_TRUE(node_->Do(As("pgd"), act::Sign{signed_only, false}).status().ok());
  }
  Send(home_, *p_);
  Send(home_, *c_);
  const std::string when = "2024-03-06T08:00:00+07:00";
  // No passphrase: every refusal comes before a key is unlocked.
  auto no_key = [&](Node& n, const std::string& doc, const std::string& login) {
    ScopedNow now(when);
    return n.Do(Actor{login, nullptr}, act::Receive{doc}).status();
  };
  EXPECT_TRUE(IsRefused(no_key(*p_, issued, "chuyenvien"), "'chuyenvien' does not hold the role clerk in Sở Nội vụ tỉnh Cao Bằng"));
  // C, not addressed, and P before the issuance do not even hold the document (scope on
  // receipt); the rule against such a receipt is AHandMadeReceiptFromAnotherOrganisationDoesNotCount.
  EXPECT_TRUE(HasCode(no_key(*c_, issued, "vanthu"), Status::Code::kNotFound));
  EXPECT_TRUE(HasCode(no_key(*p_, signed_only, "vanthu"), Status::Code::kNotFound));
  EXPECT_TRUE(IsRefused(no_key(*node_, issued, "vanthu"), "this organisation issued the document"));
  EXPECT_EQ(no_key(*p_, issued, "chuyenvien").exit_code(), 3);
  EXPECT_TRUE(HasCode(no_key(*p_, "ffff", "vanthu"), Status::Code::kNotFound));
  // Once received, again is refused.
  ASSERT_TRUE(Receive(*p_, issued, when).ok());
  EXPECT_TRUE(IsRefused(no_key(*p_, issued, "vanthu"), "already received as incoming 1 of 2024 on 2024-03-06; nothing to receive again"));
  EXPECT_TRUE(IsRefused(no_key(*p_, issued, "chuyenvien"), "'chuyenvien' does not hold the role clerk"));
  // A revoked document is no longer received.
  {
    ScopedNow now("2024-03-07T08:00:00+07:00");
    std::string other = Issued("Kế hoạch hai", {"caobang"}, "2024-03-07T08:00:00+07:00");
    ASSERT_TRUE(node_->Do(As("giamdoc"), act::Revoke{other, "Bị thay thế"}).status().ok());
    Send(home_, *p_, other);
    EXPECT_TRUE(IsRefused(no_key(*p_, other, "vanthu"), "cannot receive a document in state revoked"));
  }
  EXPECT_TRUE(p_->Check()->ok);
  EXPECT_TRUE(c_->Check()->ok);
}

TEST_F(ReceiveTest, AHandMadeReceiptFromAnotherOrganisationDoesNotCount) {
  // The rules, not only Receive: a receipt signed by C's clerk, ingested on A.
  std::string id = Issued("Kế hoạch một");
  auto d = node_->Show(id).value();  // C holds none of it: its clerk makes the receipt by hand
  Record r("doc.receive");
  r.Add("doc", id);
  r.Add("issue", ToHex(d.issue->id));
  r.Add("org", ToHex(c_->org().root));
  r.Add("number", "1");
  r.Add("year", "2024");
  r.Add("date", "2024-03-06");
  r.Add("at", "2024-03-06T08:00:00+07:00");
  for (const RecordId& h : d.heads) r.Add("parent", ToHex(h));
  std::ifstream in(root_ + "/c/keys/person-vanthu.key");
  std::stringstream ss;
  ss << in.rdbuf();
  auto key = KeyFile::Open(ss.str(), "matkhau", "vanthu");
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(r.Sign(*key).ok());
  auto rep = node_->Ingest({std::string(r.bytes())});
  ASSERT_TRUE(rep.ok());
  ASSERT_EQ(rep->refused.size(), 1u);
  EXPECT_NE(rep->refused[0].find("is not among the organisations this document is addressed to"), std::string::npos) << rep->refused[0];
}

TEST_F(ReceiveTest, TheIssuerSeesWhoReceivedItAndWhen) {
  std::string id = Issued("Kế hoạch một", {"caobang", "laocai"});
  Send(home_, *p_);
  ASSERT_EQ(Receive(*p_, id, "2024-03-06T08:00:00+07:00").value(), "1");
  // The receipt goes back to the issuing node.
  Send(root_ + "/p", *node_, id);
  auto reg = node_->Register(std::nullopt, false).value();
  ASSERT_EQ(reg.size(), 1u);
  ASSERT_EQ(reg[0].receipts.size(), 1u);
  EXPECT_EQ(reg[0].receipts[0].org, "Sở Nội vụ tỉnh Cao Bằng");
  EXPECT_EQ(reg[0].receipts[0].by, "vanthu@SNV");
  EXPECT_EQ(reg[0].receipts[0].number, 1);
  EXPECT_EQ(reg[0].receipts[0].date, "2024-03-06");
  EXPECT_EQ(reg[0].receipts[0].at, "2024-03-06T08:00:00+07:00");
  EXPECT_EQ(reg[0].awaiting, std::vector<std::string>{"Sở Ngoại vụ tỉnh Lào Cai"});
  auto d = node_->Show(id).value();
  ASSERT_EQ(d.receipts.size(), 1u);
  EXPECT_EQ(d.receipts[0].clerk, p_->authority().FindLogin(p_->org().root, "vanthu")->key);
  // A's own incoming register does not list its own documents.
  EXPECT_TRUE(node_->Register(std::nullopt, true)->empty());
  EXPECT_TRUE(node_->Check()->ok);
}

TEST_F(ReceiveTest, ThePartAnAddresseeHoldsIsEnough) {
  // Routed, commented and approved on A; P gets only create, submit, sign, issue.
  std::string id;
  auto at = [](int minute) { return "2024-03-05T09:0" + std::to_string(minute) + ":00+07:00"; };
  { ScopedNow now(at(0)); id = node_->Do(As("chuyenvien"), act::Draft{Addressed("Kế hoạch có góp ý", {"caobang"}), "t.md"})->id; }
  { ScopedNow now(at(1)); ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Route{id, {"tp1"}}).status().ok()); }
  { ScopedNow now(at(2)); ASSERT_TRUE(node_->Do(As("tp1"), act::Comment{id, "Đề nghị bổ sung."}).status().ok()); }
  { ScopedNow now(at(3)); ASSERT_TRUE(node_->Do(As("tp1"), act::Approve{id}).status().ok()); }
  { ScopedNow now(at(4)); ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Submit{id, "pgd"}).status().ok()); }
  { ScopedNow now(at(5)); ASSERT_TRUE(node_->Do(As("pgd"), act::Sign{id, true}).status().ok()); }
  { ScopedNow now(at(6)); ASSERT_TRUE(node_->Do(As("vanthu"), act::Issue{id}).ok()); }
  const std::set<std::string> internal = {"doc.route", "doc.comment", "doc.approve"};
  auto part = DocRecordBytes(home_, id, internal);
  EXPECT_EQ(part.size(), 4u);
  Send(home_, *p_, id, internal);
  auto d = p_->Show(id).value();
  EXPECT_EQ(d.state, DocState::kIssued);
  EXPECT_TRUE(d.comments.empty());
  EXPECT_EQ(Actions(*p_, "vanthu").size(), 1u);
  EXPECT_EQ(Receive(*p_, id, "2024-03-06T08:00:00+07:00").value(), "1");
  EXPECT_TRUE(p_->Check()->ok) << ::testing::PrintToString(p_->Check()->problems);
  // The receipt, made on the part, counts on the issuer's node that holds the whole.
  Send(root_ + "/p", *node_, id);
  EXPECT_EQ(node_->Show(id)->receipts.size(), 1u);
  EXPECT_TRUE(node_->Check()->ok);
  // And the rest arriving later is not kept: P may not hold A's internal records.
  auto rest = p_->Ingest(DocRecordBytes(home_, id));
  ASSERT_TRUE(rest.ok()) << rest.status().message();
  EXPECT_EQ(rest->accepted, 0u);
  EXPECT_EQ(rest->out_of_scope, internal.size());
  EXPECT_TRUE(p_->Show(id)->comments.empty());
  EXPECT_EQ(p_->Show(id)->receipts.size(), 1u);
  EXPECT_TRUE(p_->Check()->ok);
}

TEST_F(ReceiveTest, TwoClerksOfOneOrganisationReceiveTheSameDocument) {
  std::string id = Issued("Kế hoạch một");
  Send(home_, *p_);
  CopyP();
  ASSERT_EQ(Receive(*p_, id, "2024-03-06T08:00:00+07:00").value(), "1");
  ASSERT_EQ(Receive(*p2_, id, "2024-03-06T09:00:00+07:00").value(), "1");
  RecordId first = p_->Show(id)->receipts.at(0).id, second = p2_->Show(id)->receipts.at(0).id;
  // On the issuer's node, in either order, the same receipt counts: the later alone first,
  Send(root_ + "/p2", *node_, id);
  EXPECT_EQ(node_->Show(id)->receipts.at(0).id, second);
  // then the earlier, which takes its place.
  Send(root_ + "/p", *node_, id);
  ASSERT_EQ(node_->Show(id)->receipts.size(), 1u);
  EXPECT_EQ(node_->Show(id)->receipts.at(0).id, first);
  EXPECT_TRUE(node_->Check()->ok);
  // P2 learns of the earlier receipt: it counts, P2's own is logged as not counting.
  ASSERT_TRUE(p2_->Ingest(DocRecordBytes(root_ + "/p", id)).ok());
  auto d2 = p2_->Show(id).value();
  ASSERT_EQ(d2.receipts.size(), 1u);
  EXPECT_EQ(d2.receipts[0].id, first);
  bool logged = false;
  for (const Event& e : d2.log)
    if (e.id == second) {
      logged = true;
      EXPECT_FALSE(e.accepted);
      EXPECT_NE(e.note.find("Sở Nội vụ tỉnh Cao Bằng has already received this document as incoming 1"), std::string::npos) << e.note;
    }
  EXPECT_TRUE(logged);
  // The other way round, P keeps its own; the later one does not count there either.
  auto rep = p_->Ingest(DocRecordBytes(root_ + "/p2", id));
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(p_->Show(id)->receipts.at(0).id, first);
  EXPECT_TRUE(p_->Check()->ok);
  EXPECT_TRUE(p2_->Check()->ok);
}

TEST_F(ReceiveTest, OneIncomingNumberGivenTwiceOnTwoNodes) {
  auto [d1, d2] = NumberOneTwice();
  auto reg = p_->Register(std::nullopt, true).value();
  ASSERT_EQ(reg.size(), 2u);
  EXPECT_EQ(reg[0].doc, d1);
  EXPECT_FALSE(reg[0].must_rereceive);
  EXPECT_EQ(reg[0].collides_with, std::vector<std::string>{d2});
  EXPECT_EQ(reg[1].doc, d2);
  EXPECT_TRUE(reg[1].must_rereceive);
  auto check = p_->Check().value();
  EXPECT_FALSE(check.ok);
  ASSERT_EQ(check.problems.size(), 1u);
  EXPECT_EQ(check.problems[0], "incoming number 1 of 2024 was given twice; document " + d2.substr(0, 12) +
                                   " must be received again (vanban receive " + d2.substr(0, 12) + ")");
  EXPECT_EQ(Actions(*p_, "vanthu"), std::vector<std::string>{"receive " + d2.substr(0, 12)});
  // The first keeps it; receiving again gives the next free number.
  EXPECT_TRUE(IsRefused(Receive(*p_, d1, "2024-03-06T10:00:00+07:00").status(), "nothing to receive again"));
  EXPECT_EQ(Receive(*p_, d2, "2024-03-06T10:00:00+07:00").value(), "2");
  reg = p_->Register(std::nullopt, true).value();
  EXPECT_EQ(reg[1].number, "2");
  EXPECT_TRUE(reg[1].collides_with.empty());
  EXPECT_TRUE(p_->Check()->ok);
  EXPECT_TRUE(Actions(*p_, "vanthu").empty());
}

TEST_F(ReceiveTest, TheCheckHookRefusesTheReceipt) {
  std::string id = Issued("Kế hoạch một");
  Send(home_, *p_);
  int calls = 0;
  ReceiptCheck bad = [&](const Authority&, const Document& d, const std::optional<std::string>& copy) -> Status {
    ++calls;
    EXPECT_EQ(ToHex(d.id), id);
    EXPECT_FALSE(copy.has_value());  // issued without a signed copy
    return Status::Refused("the signed PDF does not verify: altered");
  };
  ScopedNow now("2024-03-06T08:00:00+07:00");
  p_ = Node::Open(root_ + "/p", TestOptions(NoSignedCopies(), bad)).value();  // the node's receipt check
  auto n = vanban::testing::NumberOf(p_->Do(As("vanthu"), act::Receive{id}));
  EXPECT_TRUE(IsRefused(n.status(), "the signed PDF does not verify: altered"));
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(p_->Show(id)->receipts.empty());
  EXPECT_EQ(p_->Register(std::nullopt, true)->at(0).received, false);
  p_ = Node::Open(root_ + "/p", TestOptions()).value();  // no check
  EXPECT_EQ(vanban::testing::NumberOf(p_->Do(As("vanthu"), act::Receive{id})).value(), "1");
}

TEST_F(ReceiveTest, CheckComparesTheIncomingRegisterView) {
  std::string id = Issued("Kế hoạch một");
  Send(home_, *p_);
  ASSERT_TRUE(Receive(*p_, id, "2024-03-06T08:00:00+07:00").ok());
  ASSERT_TRUE(p_->Check()->ok);
  p_.reset();
  {
    auto db = Db::Open(root_ + "/p/vanban.db");
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("UPDATE register_in SET seq = 7").ok());
  }
  p_ = Node::Open(root_ + "/p", TestOptions()).value();
  EXPECT_EQ(p_->Register(std::nullopt, true)->at(0).number, "7");
  auto check = p_->Check().value();
  EXPECT_FALSE(check.ok);
  ASSERT_FALSE(check.problems.empty());
  EXPECT_NE(check.problems[0].find("view 'register_in' differs from its records: seq: view says '7', records say '1'"),
            std::string::npos)
      << check.problems[0];
  ASSERT_TRUE(p_->RebuildViews().ok());
  EXPECT_TRUE(p_->Check()->ok);
  EXPECT_EQ(p_->Register(std::nullopt, true)->at(0).number, "1");
}

}  // namespace
}  // namespace vanban

// --- scope: what Node::SharedWith gives another organisation (core/scope.h) ---------

namespace vanban {
namespace {

// The record types of document `doc` among `held`, sorted.
std::vector<std::string> TypesOf(Node& n, const std::vector<Node::HeldRecord>& held, const std::string& doc) {
  std::set<RecordId> ids;
  for (const Node::HeldRecord& h : held) ids.insert(h.id);
  std::vector<std::string> out;
  auto log = n.Log(doc);
  EXPECT_TRUE(log.ok());
  for (const auto& e : *log)
    if (ids.count(e.record.id())) out.push_back(e.record.type());
  std::sort(out.begin(), out.end());
  return out;
}

// Gives `to` exactly what `from` shares with `to`'s organisation, as a sync would.
IngestReport Share(Node& from, Node& to) {
  auto held = from.SharedWith(to.org().root);
  EXPECT_TRUE(held.ok()) << held.status().message();
  std::vector<int64_t> seqs;
  for (const Node::HeldRecord& h : *held) seqs.push_back(h.seq);
  auto out = from.ReadHeld(seqs);
  EXPECT_TRUE(out.ok());
  auto rep = to.Ingest(out->records, out->blobs);
  EXPECT_TRUE(rep.ok()) << rep.status().message();
  return rep.ok() ? *rep : IngestReport{};
}

TEST_F(ReceiveTest, ScopeGivesAnAddressedOrganisationOnlyItsShare) {
  std::string draft, issued;
  {
    ScopedNow now("2024-03-04T09:00:00+07:00");
    draft = node_->Do(As("chuyenvien"), act::Draft{Addressed("Dự thảo nội bộ", {"caobang"}), "d.md"})->id;
    ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Route{draft, {"tp1"}}).status().ok());
    ASSERT_TRUE(node_->Do(As("tp1"), act::Comment{draft, "Ý kiến nội bộ"}).status().ok());
  }
  {
    ScopedNow now("2024-03-05T08:00:00+07:00");
    issued = node_->Do(As("chuyenvien"), act::Draft{Addressed("Kế hoạch gửi Cao Bằng", {"caobang"}), "i.md"})->id;
    ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Route{issued, {"tp1"}}).status().ok());
    ASSERT_TRUE(node_->Do(As("tp1"), act::Comment{issued, "Góp ý nội bộ"}).status().ok());
    ASSERT_TRUE(node_->Do(As("tp1"), act::Approve{issued}).status().ok());
    ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Submit{issued, "pgd"}).status().ok());
    ASSERT_TRUE(node_->Do(As("pgd"), act::Return{issued, "Sửa lại"}).status().ok());
    ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Revise{issued, Addressed("Kế hoạch gửi Cao Bằng (sửa)", {"caobang"}), "i.md"}).ok());
    ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Submit{issued, "pgd"}).status().ok());
    ASSERT_TRUE(node_->Do(As("pgd"), act::Sign{issued, false}).status().ok());
    ASSERT_TRUE(node_->Do(As("vanthu"), act::Issue{issued}).ok());
  }
  auto for_p = node_->SharedWith(p_->org().root).value();
  EXPECT_TRUE(TypesOf(*node_, for_p, draft).empty());
  EXPECT_EQ(TypesOf(*node_, for_p, issued),
            (std::vector<std::string>{"doc.create", "doc.issue", "doc.revise", "doc.sign", "doc.submit"}));
  auto for_c = node_->SharedWith(c_->org().root).value();
  EXPECT_TRUE(TypesOf(*node_, for_c, issued).empty());  // trusted, but not addressed
  {
    // Nor does P get the organisation records of C, trusted here but no part of P's share.
    std::set<std::string> in_p;
    for (const Node::HeldRecord& h : for_p) in_p.insert(ToHex(h.id));
    auto db = Db::Open(home_ + "/vanban.db");
    ASSERT_TRUE(db.ok());
    Stmt& q = (*db)->Prepare("SELECT id FROM records WHERE doc IS NULL AND org=?");
    q.Bind(1, ToHex(c_->org().root));
    size_t of_c = 0;
    for (; q.Step(); ++of_c) EXPECT_EQ(in_p.count(q.Text(0)), 0u) << "C's record " << q.Text(0);
    EXPECT_GT(of_c, 0u);
  }
  auto own = node_->SharedWith(node_->org().root).value();
  EXPECT_EQ(static_cast<int64_t>(own.size()), RecordCount());

  // Folded from its share, the document is the same issued document on P's node.
  IngestReport rep = Share(*node_, *p_);
  EXPECT_TRUE(rep.refused.empty()) << rep.refused[0];
  auto d = p_->Show(issued);
  ASSERT_TRUE(d.ok()) << d.status().message();
  auto mine = node_->Show(issued).value();
  EXPECT_EQ(d->state, DocState::kIssued);
  EXPECT_EQ(d->issue->number, mine.issue->number);
  EXPECT_EQ(d->title, mine.title);
  EXPECT_TRUE(d->partial);
  EXPECT_TRUE(d->comments.empty());
  EXPECT_EQ(p_->Show(draft).status().code(), Status::Code::kNotFound);
  EXPECT_TRUE(p_->Check()->ok);
  // A receipt made there comes back in P's share for A, and a second share moves nothing new.
  ASSERT_TRUE(Receive(*p_, issued, "2024-03-06T08:00:00+07:00").ok());
  IngestReport back = Share(*p_, *node_);
  EXPECT_EQ(back.accepted, 1u);
  EXPECT_EQ(Share(*node_, *p_).accepted, 0u);
}

TEST_F(ReceiveTest, ScopeGivesAPartyThePledgeFromItsSubmissionOn) {
  ScopedNow now("2024-03-05T08:00:00+07:00");
  std::string text =
      "---\nkind: pledge\ntitle: Giao ước thi đua\nrecipients:\n  - \"Lưu: VT\"\nparties: [caobang]\n---\nCùng thi đua.\n";
  std::string id = node_->Do(As("chuyenvien"), act::Draft{text, "p.md"})->id;
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Comment{id, "Ghi chú nội bộ"}).status().ok());
  // Two revisions; only the second is submitted: the first never leaves (its base is absent there).
  std::string r2 = text, r3 = text;
  r2.replace(r2.find("Cùng thi đua."), 13, "Bản nháp hai.");
  r3.replace(r3.find("Cùng thi đua."), 13, "Bản trình ký.");
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Revise{id, r2, "p.md"}).ok());
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Revise{id, r3, "p.md"}).ok());
  EXPECT_TRUE(TypesOf(*node_, node_->SharedWith(p_->org().root).value(), id).empty());  // a draft
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Submit{id, "pgd"}).status().ok());
  ASSERT_TRUE(node_->Do(As("pgd"), act::Sign{id, false}).status().ok());
  EXPECT_EQ(TypesOf(*node_, node_->SharedWith(p_->org().root).value(), id),
            (std::vector<std::string>{"doc.create", "doc.revise", "doc.sign", "doc.submit"}));
  EXPECT_TRUE(TypesOf(*node_, node_->SharedWith(c_->org().root).value(), id).empty());  // not a party
  IngestReport rep = Share(*node_, *p_);
  EXPECT_TRUE(rep.refused.empty()) << rep.refused[0];
  auto d = p_->Show(id);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->state, DocState::kPartiallySigned);
  EXPECT_EQ(d->revisions.size(), 2u);  // the creation's text and the submitted one
  EXPECT_FALSE(d->conflicted());
  EXPECT_EQ(d->current_text, node_->Show(id)->current_text);
  EXPECT_EQ(d->current_text.find("Bản nháp hai"), std::string::npos);
  // The party signs on its own node; the drafting organisation takes the signature.
  ASSERT_TRUE(p_->Do(As("giamdoc"), act::Sign{id, false}).status().ok());
  EXPECT_EQ(Share(*p_, *node_).accepted, 1u);
  EXPECT_EQ(node_->Show(id)->state, DocState::kSigned);
  EXPECT_EQ(p_->Show(id)->state, DocState::kSigned);
  ASSERT_TRUE(d->awaited_org());
  EXPECT_EQ(*d->awaited_org(), p_->org().root);
}

// Scope on receipt: whatever a peer sends (here every record A holds, as a modified
// peer or a bundle made for A's own nodes would), P keeps its share and no more.
TEST_F(ReceiveTest, ScopeOnReceiptKeepsOnlyTheShareWhateverArrives) {
  ScopedNow now("2024-03-05T08:00:00+07:00");
  ASSERT_TRUE(p_->Trust(c_->OrgCard().value(), "laocai").ok());  // P knows C's clerk
  std::string draft = node_->Do(As("chuyenvien"), act::Draft{Addressed("Dự thảo nội bộ", {"caobang"}), "d.md"})->id;
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Comment{draft, "Ý kiến nội bộ"}).status().ok());
  std::string id = node_->Do(As("chuyenvien"), act::Draft{Addressed("Kế hoạch gửi hai tỉnh", {"caobang", "laocai"}), "i.md"})->id;
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Route{id, {"tp1"}}).status().ok());
  ASSERT_TRUE(node_->Do(As("tp1"), act::Comment{id, "Góp ý nội bộ"}).status().ok());
  ASSERT_TRUE(node_->Do(As("tp1"), act::Approve{id}).status().ok());
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Submit{id, "pgd"}).status().ok());
  ASSERT_TRUE(node_->Do(As("pgd"), act::Return{id, "Lý do trả lại nội bộ"}).status().ok());
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Revise{id, Addressed("Kế hoạch gửi hai tỉnh (sửa)", {"caobang", "laocai"}), "i.md"}).ok());
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Submit{id, "pgd"}).status().ok());
  ASSERT_TRUE(node_->Do(As("pgd"), act::Sign{id, false}).status().ok());
  ASSERT_TRUE(node_->Do(As("vanthu"), act::Issue{id}).ok());
  // C receives it; its receipt comes back to A.
  IngestReport to_c = Share(*node_, *c_);
  EXPECT_TRUE(to_c.refused.empty()) << to_c.refused[0];
  ASSERT_TRUE(Receive(*c_, id, "2024-03-06T08:00:00+07:00").ok());
  Send(root_ + "/c", *node_, id);
  ASSERT_EQ(node_->Show(id)->receipts.size(), 1u);
  const std::vector<std::string> share = {"doc.create", "doc.issue", "doc.revise", "doc.sign", "doc.submit"};
  EXPECT_EQ(TypesOf(*node_, node_->SharedWith(p_->org().root).value(), id), share);  // no receipt of C's

  auto all = DocRecordBytes(home_);
  ASSERT_EQ(all.size(), 2u + 11u);
  auto rep = p_->Ingest(all);
  ASSERT_TRUE(rep.ok()) << rep.status().message();
  EXPECT_EQ(rep->accepted, share.size());
  EXPECT_EQ(rep->out_of_scope, all.size() - share.size());
  EXPECT_EQ(rep->refused.size(), rep->out_of_scope);
  for (const std::string& why : rep->refused) EXPECT_NE(why.find("may not hold"), std::string::npos) << why;
  EXPECT_EQ(TypesOf(*p_, p_->SharedWith(p_->org().root).value(), id), share);
  auto d = p_->Show(id);
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->state, DocState::kIssued);
  EXPECT_TRUE(d->comments.empty());
  EXPECT_TRUE(d->receipts.empty());
  EXPECT_EQ(p_->Show(draft).status().code(), Status::Code::kNotFound);
  auto check = p_->Check();
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->ok) << ::testing::PrintToString(check->problems);
}

// A transfer cut into batches: the creation comes before the issuance that brings
// the document into P's scope. Held back (more follows), it is kept once that arrives.
TEST_F(ReceiveTest, ScopeOnReceiptWaitsForTheRecordThatBringsADocumentIn) {
  std::string id = Issued("Kế hoạch từng bản ghi");
  auto held = node_->SharedWith(p_->org().root).value();
  std::vector<int64_t> seqs;
  for (const Node::HeldRecord& h : held) seqs.push_back(h.seq);
  auto out = node_->ReadHeld(seqs).value();
  size_t accepted = 0, duplicate = 0;
  std::vector<std::string> carried, carried_blobs;
  for (const std::string& r : out.records) {
    std::vector<std::string> batch = carried;
    batch.push_back(r);
    auto rep = p_->Ingest(batch, carried_blobs, true);
    ASSERT_TRUE(rep.ok()) << rep.status().message();
    for (const auto& why : rep->refused) ADD_FAILURE() << "refused: " << why;
    accepted += rep->accepted;
    duplicate += rep->duplicate;  // the organisation records P holds from the cards
    carried = rep->held_back;
    carried_blobs = rep->held_back_blobs;
  }
  EXPECT_TRUE(carried.empty());
  EXPECT_EQ(accepted, 4u);  // create, submit, sign, issue
  EXPECT_EQ(accepted + duplicate, out.records.size());
  EXPECT_EQ(p_->Show(id)->state, DocState::kIssued);
  // The same first record with nothing to follow is refused: alone, it is beyond scope.
  std::string other = Issued("Kế hoạch gửi Lào Cai", {"laocai"});
  auto first = DocRecordBytes(home_, other);
  auto rep = p_->Ingest({first.front()});
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->accepted, 0u);
  EXPECT_EQ(rep->out_of_scope, 1u);
  EXPECT_EQ(p_->Show(other).status().code(), Status::Code::kNotFound);
}

// --- ReadRegister: a page of a register, searched in SQL (the web's register page)

std::vector<std::string> Docs(const std::vector<RegisterEntry>& rows) {
  std::vector<std::string> out;
  for (const RegisterEntry& e : rows) out.push_back(e.doc);
  return out;
}

TEST_F(ReceiveTest, ARegisterReadsByPagesInRegisterOrder) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(Issued("Kế hoạch số " + std::to_string(i), {"caobang"}, "2024-03-0" + std::to_string(i + 1) + "T09:00:00+07:00"));
  std::vector<std::string> seen;
  for (size_t offset = 0; offset < 6; offset += 2) {
    RegisterQuery q;
    q.year = 2024;
    q.offset = offset;
    q.limit = 2;
    auto page = node_->ReadRegister(q);
    ASSERT_TRUE(page.ok()) << page.status().message();
    EXPECT_EQ(page->total, 5u);
    EXPECT_EQ(page->rows.size(), offset < 4 ? 2u : 1u);
    for (const RegisterEntry& e : page->rows) {
      seen.push_back(e.doc);
      ASSERT_EQ(e.awaiting.size(), 1u);  // the receipts come with each row of a page
      EXPECT_EQ(e.awaiting[0], "Sở Nội vụ tỉnh Cao Bằng");
    }
  }
  EXPECT_EQ(seen, ids);
  EXPECT_EQ(Docs(node_->Register(2024, false).value()), ids);
  RegisterQuery other;
  other.year = 2025;
  EXPECT_EQ(node_->ReadRegister(other)->total, 0u);
}

TEST_F(ReceiveTest, ARegisterIsSearchedWithOrWithoutDiacritics) {
  std::string plan = Issued("Kế hoạch thi đua năm 2024", {"caobang"}, "2024-03-05T09:00:00+07:00");
  std::string report = Issued("Báo cáo công tác đối ngoại", {"laocai"}, "2024-04-10T09:00:00+07:00");
  Send(home_, *p_, plan);
  ASSERT_TRUE(Receive(*p_, plan, "2024-03-06T08:00:00+07:00").ok());
  ASSERT_TRUE(node_->Ingest(DocRecordBytes(root_ + "/p", plan)).ok());
  auto out = [&](const std::string& query) {
    RegisterQuery q;
    q.year = 2024;
    q.query = query;
    auto page = node_->ReadRegister(q);
    EXPECT_TRUE(page.ok()) << page.status().message();
    return page.ok() ? Docs(page->rows) : std::vector<std::string>{};
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(out("thi dua"), V{plan});
  EXPECT_EQ(out("THI ĐUA"), V{plan});
  EXPECT_EQ(out("\"đối ngoại\","), V{report});  // punctuation around a word is no part of it
  EXPECT_EQ(out("05/03/2024"), V{plan});         // the date as the register prints it
  EXPECT_EQ(out("2024-04-10"), V{report});       // and as it is stored
  EXPECT_EQ(out("1/KH"), V{plan});               // a number keeps its form
  EXPECT_EQ(out("ke hoach"), (V{plan, report}));  // every directive is a KẾ HOẠCH
  EXPECT_EQ(out("cao bang"), V{plan});           // the organisation it is addressed to
  EXPECT_EQ(out("lao cai"), V{report});
  EXPECT_EQ(out("loc thi mai"), V{plan});        // who received it there
  EXPECT_EQ(out("vanthu@snv"), V{plan});
  EXPECT_EQ(out("thi dua lao cai"), V{});        // every word, in one row
  EXPECT_EQ(out("  ,  "), (V{plan, report}));    // no word: no search
  EXPECT_EQ(out("thi dua thi dua THI ĐUA"), V{plan});  // a word said twice is one word
  RegisterQuery many;
  many.query = "a b c d e f g h i j k l m";  // 13 different words: more than a register search takes
  EXPECT_TRUE(HasCode(node_->ReadRegister(many).status(), Status::Code::kBadInput));
  RegisterQuery counted;
  counted.year = 2024;
  counted.query = "ke hoach";
  counted.limit = 1;
  auto page = node_->ReadRegister(counted);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 2u);
  EXPECT_EQ(Docs(page->rows), V{plan});

  // The incoming register of P: received rows by their incoming number, and those
  // awaiting, both searched.
  Send(home_, *p_);
  auto in = [&](const std::string& query) {
    RegisterQuery q;
    q.incoming = true;
    q.year = 2024;
    q.query = query;
    auto page = p_->ReadRegister(q);
    EXPECT_TRUE(page.ok()) << page.status().message();
    return page.ok() ? std::make_pair(Docs(page->rows), Docs(page->awaiting)) : std::make_pair(V{}, V{});
  };
  std::string later = Issued("Công văn gửi Cao Bằng", {"caobang"}, "2024-05-02T09:00:00+07:00");
  Send(home_, *p_, later);
  EXPECT_EQ(in(""), std::make_pair(V{plan}, V{later}));
  EXPECT_EQ(in("lang son"), std::make_pair(V{plan}, V{later}));  // who sent it
  EXPECT_EQ(in("loc thi mai"), std::make_pair(V{plan}, V{}));    // the clerk who received it, by name
  EXPECT_EQ(in("06/03/2024"), std::make_pair(V{plan}, V{}));     // the arrival date
  EXPECT_EQ(in("cong van"), std::make_pair(V{}, V{later}));
}

TEST_F(ReceiveTest, ANumberHeldTwiceShowsOnEveryPage) {
  auto [d1, d2] = NumberOneTwice();
  for (size_t offset : {0u, 1u}) {
    RegisterQuery q;
    q.incoming = true;
    q.offset = offset;
    q.limit = 1;
    auto page = p_->ReadRegister(q);
    ASSERT_TRUE(page.ok());
    EXPECT_EQ(page->total, 2u);
    ASSERT_EQ(page->rows.size(), 1u);
    const RegisterEntry& e = page->rows[0];
    EXPECT_EQ(e.doc, offset ? d2 : d1);
    EXPECT_EQ(e.must_rereceive, offset == 1);
    EXPECT_EQ(e.collides_with, std::vector<std::string>{offset ? d1 : d2});
  }
  RegisterQuery lost;
  lost.incoming = true;
  lost.lost_only = true;
  EXPECT_EQ(Docs(p_->ReadRegister(lost)->rows), std::vector<std::string>{d2});
  lost.query = "mot";  // the one that lost is "hai"
  EXPECT_TRUE(p_->ReadRegister(lost)->rows.empty());
}

}  // namespace
}  // namespace vanban
