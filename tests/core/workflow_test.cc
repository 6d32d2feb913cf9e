// The document workflow. First the rules table itself, every transition allowed
// and refused, applied directly (ApplyDocRecord / FoldDocument on records signed
// in memory); then the same rules met through Node, as people use them.
#include "core/workflow.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <sstream>

#include "core/record.h"
#include "tests/core/fixture.h"

namespace vanban {
namespace {

using testing::As;
using testing::At;
using testing::DirectiveText;
using testing::HasCode;
using testing::IsRefused;
using testing::MemWorld;
using testing::OrgTest;
using testing::Pass;
using testing::PledgeText;
using testing::ReportText;
using testing::ScopedNow;
using S = DocState;
using Doc = MemWorld::Doc;

// Everything a document's state holds, as text: equal text, equal state.
std::string Summary(const Document& d) {
  std::ostringstream o;
  o << "id " << ToHex(d.id) << " org " << ToHex(d.org) << " kind " << d.kind << " symbol " << d.symbol << "\n";
  o << "title " << d.title << "\nstate " << StateName(d.state) << " since " << d.since.utc << "\n";
  for (const auto& r : d.revisions) {
    o << "rev " << ToHex(r.id) << " " << r.seq << " " << ToHex(r.author) << " " << r.at.utc << " " << r.title;
    for (const auto& b : r.bases) o << " base " << ToHex(b);
    o << "\n";
  }
  for (const auto& h : d.rev_heads) o << "rev_head " << ToHex(h) << "\n";
  for (const auto& h : d.heads) o << "head " << ToHex(h) << "\n";
  for (const auto& [k, t] : d.routed) o << "routed " << ToHex(k) << " " << t.utc << "\n";
  for (const auto& c : d.comments) o << "comment " << ToHex(c.id) << " " << ToHex(c.rev) << " " << c.text << "\n";
  for (const auto& a : d.approvals) o << "approval " << ToHex(a.id) << " " << ToHex(a.author) << " " << ToHex(a.rev) << "\n";
  if (d.submitted_to) o << "submitted_to " << ToHex(*d.submitted_to) << " " << d.submitted_at.utc << "\n";
  for (const auto& r : d.returns) o << "return " << ToHex(r.id) << " " << r.reason << "\n";
  for (const auto& s : d.signatures)
    o << "signature " << ToHex(s.id) << " " << ToHex(s.org) << " " << ToHex(s.rev) << " " << s.on_behalf << "\n";
  if (d.issue) o << "issue " << ToHex(d.issue->id) << " " << d.issue->number << " " << d.issue->date << "\n";
  for (const auto& i : d.earlier_issues) o << "earlier " << i.number << "\n";
  if (d.revocation) o << "revocation " << d.revocation->reason << "\n";
  for (const auto& e : d.log) o << "log " << ToHex(e.id) << " " << e.type << " " << e.accepted << " " << e.note << "\n";
  o << "text\n" << d.current_text;
  return o.str();
}

// ================================================================================
// The rules table, applied directly.
// ================================================================================

class RulesTest : public ::testing::Test {
 protected:
  void SetUp() override { w.Office(); }

  // A pledge of "a" with party "b", walked to `state` by the people who may.
  Doc InState(S state) {
    Doc doc = w.Pledge({"b"});
    auto step = [&](const Status& s) { EXPECT_TRUE(s.ok()) << s.message(); };
    if (state == S::kDraft) return doc;
    step(w.Route(doc, "chuyenvien", {"tp1"}));
    if (state == S::kInReview) return doc;
    step(w.Submit(doc, "chuyenvien", "giamdoc"));
    if (state == S::kSubmitted) return doc;
    step(w.Sign(doc, "giamdoc"));
    if (state == S::kPartiallySigned) return doc;
    step(w.Sign(doc, "cb-giamdoc"));
    if (state == S::kSigned) return doc;
    MemWorld::IssueOpts to_c;
    to_c.to = {"c"};
    step(w.Issue(doc, "vanthu", to_c));
    if (state == S::kIssued) return doc;
    step(w.RevokeDoc(doc, "giamdoc"));
    return doc;
  }

  // The record of `type` that the right person would make in the document's state.
  Status Attempt(Doc& doc, std::string_view type) {
    if (type == "doc.revise")
      return w.Revise(doc, "chuyenvien", PledgeText({"caobang"}, "Giao ước thi đua năm 2021 (bản sửa)"));
    if (type == "doc.route") return w.Route(doc, "chuyenvien", {"tp2"});
    if (type == "doc.comment") return w.Comment(doc, "chuyenvien");
    if (type == "doc.approve") return w.Approve(doc, "tp1");
    if (type == "doc.submit") return w.Submit(doc, "chuyenvien", "giamdoc");
    if (type == "doc.return") return w.Return(doc, "giamdoc");
    if (type == "doc.sign") return w.Sign(doc, doc.d.state == S::kPartiallySigned ? "cb-giamdoc" : "giamdoc");
    if (type == "doc.issue") {
      MemWorld::IssueOpts o;
      if (doc.d.state == S::kIssued) {
        o.seq = 2;
        o.reissue = true;
      }
      return w.Issue(doc, "vanthu", o);
    }
    if (type == "doc.revoke") return w.RevokeDoc(doc, "giamdoc");
    if (type == "doc.receive") {
      if (!clerk_c_) w.AddPerson("c", "lc-vanthu", {Role::kClerk});
      clerk_c_ = true;
      return w.Receive(doc, "lc-vanthu", "c");
    }
    ADD_FAILURE() << "no attempt for " << type;
    return Status::Ok();
  }

  MemWorld w;
  bool clerk_c_ = false;
};

const std::vector<S> kAllStates = {S::kDraft,  S::kInReview, S::kSubmitted, S::kPartiallySigned,
                                   S::kSigned, S::kIssued,   S::kRevoked};

// The workflow as docs/workflow.md states it: action, role, states it may start from.
struct Expected {
  std::string type;
  Role role;
  std::vector<S> from;
};
const std::vector<Expected> kTable = {
    {"doc.create", Role::kDrafter, {}},
    {"doc.revise", Role::kDrafter, {S::kDraft, S::kInReview}},
    {"doc.route", Role::kDrafter, {S::kDraft, S::kInReview}},
    {"doc.comment", Role::kReviewer, {S::kDraft, S::kInReview, S::kSubmitted, S::kPartiallySigned}},
    {"doc.approve", Role::kReviewer, {S::kInReview}},
    {"doc.submit", Role::kDrafter, {S::kDraft, S::kInReview}},
    {"doc.return", Role::kSigner, {S::kSubmitted}},
    {"doc.sign", Role::kSigner, {S::kSubmitted, S::kPartiallySigned}},
    {"doc.issue", Role::kClerk, {S::kSigned, S::kIssued}},
    {"doc.revoke", Role::kSigner, {S::kIssued}},
    {"doc.receive", Role::kClerk, {S::kIssued}},
};

TEST(RulesTable, MatchesTheDocumentedWorkflow) {
  ASSERT_EQ(Rules().size(), kTable.size());
  for (const Expected& e : kTable) {
    const Rule* r = FindRule(e.type);
    ASSERT_NE(r, nullptr) << e.type;
    EXPECT_EQ(r->role, e.role) << e.type;
    EXPECT_EQ(r->from, e.from) << e.type;
    EXPECT_FALSE(r->action.empty());
    EXPECT_FALSE(r->who.empty());
  }
  EXPECT_EQ(FindRule("doc.delete"), nullptr);
  for (S s : kAllStates) EXPECT_EQ(ParseState(StateName(s)), s);
  EXPECT_EQ(ParseState("finished"), std::nullopt);
  EXPECT_STREQ(StateName(S::kPartiallySigned), "partially_signed");
}

// The state an allowed action leads to (for this one-party pledge).
S After(std::string_view type, S from) {
  if (type == "doc.route") return S::kInReview;
  if (type == "doc.submit") return S::kSubmitted;
  if (type == "doc.return") return S::kDraft;
  if (type == "doc.sign") return from == S::kSubmitted ? S::kPartiallySigned : S::kSigned;
  if (type == "doc.issue") return S::kIssued;
  if (type == "doc.revoke") return S::kRevoked;
  return from;  // revise, comment, approve
}

TEST_F(RulesTest, EveryTransitionAllowedOrRefusedByState) {
  int allowed = 0, refused = 0;
  for (const Expected& e : kTable) {
    if (e.type == "doc.create") continue;
    for (S state : kAllStates) {
      SCOPED_TRACE(e.type + " in state " + StateName(state));
      Doc doc = InState(state);
      ASSERT_EQ(doc.d.state, state);
      const bool may = std::find(e.from.begin(), e.from.end(), state) != e.from.end();
      const std::string before = Summary(doc.d);
      const size_t log_before = doc.d.log.size();
      Status s = Attempt(doc, e.type);
      if (may) {
        ++allowed;
        EXPECT_TRUE(s.ok()) << s.message();
        EXPECT_EQ(doc.d.state, After(e.type, state));
        EXPECT_TRUE(doc.d.heads.count(w.last.id()));  // the record is now a head
      } else {
        ++refused;
        EXPECT_TRUE(IsRefused(s, std::string("in state ") + StateName(state)));
        // Refused: the document is unchanged but for a log entry saying why.
        ASSERT_EQ(doc.d.log.size(), log_before + 1);
        EXPECT_FALSE(doc.d.log.back().accepted);
        EXPECT_EQ(doc.d.log.back().note, s.message());
        doc.d.log.pop_back();
        EXPECT_EQ(Summary(doc.d), before);
      }
    }
  }
  EXPECT_EQ(allowed, 18);
  EXPECT_EQ(refused, 10 * 7 - 18);
}

TEST_F(RulesTest, ReceiveRules) {
  w.AddPerson("b", "cb-vanthu", {Role::kClerk});
  w.AddPerson("c", "lc-vanthu", {Role::kClerk});
  Doc doc = w.Create(DirectiveText());
  ASSERT_TRUE(w.Submit(doc, "chuyenvien", "pgd").ok());
  ASSERT_TRUE(w.Sign(doc, "pgd").ok());
  MemWorld::IssueOpts to_b;
  to_b.to = {"b"};
  ASSERT_TRUE(w.Issue(doc, "vanthu", to_b).ok());
  EXPECT_EQ(doc.d.addressed, std::vector<PublicKey>{w.OrgKey("b")});
  // Who: a clerk, of an addressed organisation.
  EXPECT_TRUE(IsRefused(w.Receive(doc, "cb-chuyenvien", "b"), "'cb-chuyenvien' does not hold the role clerk in Sở Nội vụ tỉnh Cao Bằng"));
  EXPECT_TRUE(IsRefused(w.Receive(doc, "lc-vanthu", "c"), "Sở Ngoại vụ tỉnh Lào Cai is not among the organisations this document is addressed to"));
  EXPECT_TRUE(IsRefused(w.Receive(doc, "vanthu", "a"), "is not among the organisations"));
  // Cards.
  EXPECT_TRUE(HasCode(w.Receive(doc, "cb-vanthu", "c"), Status::Code::kBadInput, "'org' is not the receiving clerk's organisation"));
  MemWorld::ReceiveOpts bad;
  for (const char* form : {"01", "1abc", "+1", "0x1"}) {
    SCOPED_TRACE(form);
    bad.number_card = form;
    EXPECT_TRUE(HasCode(w.Receive(doc, "cb-vanthu", "b", bad), Status::Code::kBadInput,
                        "'year' and 'number' are decimal numbers as vanban writes them"));
  }
  bad = {};
  bad.number = 0;
  EXPECT_TRUE(HasCode(w.Receive(doc, "cb-vanthu", "b", bad), Status::Code::kBadInput, "'number' is the incoming number"));
  bad = {};
  bad.at = "2024-12-31T23:30:00+07:00";
  bad.date = "2024-12-30";
  EXPECT_TRUE(HasCode(w.Receive(doc, "cb-vanthu", "b", bad), Status::Code::kBadInput, "day of arrival in the receiving organisation's time zone"));
  bad = {};
  bad.replaces = ToHex(doc.d.id);
  EXPECT_TRUE(HasCode(w.Receive(doc, "cb-vanthu", "b", bad), Status::Code::kBadInput, "'replaces' on a first receipt"));
  // One receipt per organisation counts; a second only renumbers the first.
  ASSERT_TRUE(w.Receive(doc, "cb-vanthu", "b").ok());
  EXPECT_EQ(doc.d.state, S::kIssued);
  ASSERT_NE(doc.d.ReceiptOf(w.OrgKey("b")), nullptr);
  RecordId first = doc.d.ReceiptOf(w.OrgKey("b"))->id;
  EXPECT_TRUE(IsRefused(w.Receive(doc, "cb-vanthu", "b"),
                        "Sở Nội vụ tỉnh Cao Bằng has already received this document as incoming 1 of 2024"));
  MemWorld::ReceiveOpts again;
  again.number = 2;
  again.replaces = ToHex(first);
  ASSERT_TRUE(w.Receive(doc, "cb-vanthu", "b", again).ok());
  ASSERT_EQ(doc.d.receipts.size(), 1u);
  EXPECT_EQ(doc.d.receipts[0].seq, 2);
  EXPECT_TRUE(doc.d.receipts[0].renumbered);
  EXPECT_TRUE(TasksOf(doc.d).empty());
  // A revoked document is received no more.
  ASSERT_TRUE(w.RevokeDoc(doc, "giamdoc").ok());
  EXPECT_TRUE(IsRefused(w.Receive(doc, "lc-vanthu", "c"), "in state revoked"));
}

TEST_F(RulesTest, AnIssuanceAddressesOrganisations) {
  w.AddPerson("b", "cb-vanthu", {Role::kClerk});
  Doc doc = w.Create(DirectiveText());
  ASSERT_TRUE(w.Submit(doc, "chuyenvien", "pgd").ok());
  ASSERT_TRUE(w.Sign(doc, "pgd").ok());
  MemWorld::IssueOpts own;
  own.to = {"a"};
  EXPECT_TRUE(HasCode(w.Issue(doc, "vanthu", own), Status::Code::kBadInput, "'to' names the issuing organisation itself"));
  MemWorld::IssueOpts two;
  two.to = {"b", "c"};
  ASSERT_TRUE(w.Issue(doc, "vanthu", two).ok());
  EXPECT_EQ(doc.d.addressed.size(), 2u);
  // Each addressed organisation's records office is asked to receive it.
  auto tasks = TasksOf(doc.d);
  ASSERT_EQ(tasks.size(), 2u);
  for (const Task& t : tasks) {
    EXPECT_EQ(t.action, "receive");
    EXPECT_EQ(t.role, Role::kClerk);
    EXPECT_FALSE(t.assignee.has_value());
  }
  ASSERT_TRUE(w.Receive(doc, "cb-vanthu", "b").ok());
  ASSERT_EQ(TasksOf(doc.d).size(), 1u);
  EXPECT_EQ(TasksOf(doc.d)[0].org, w.OrgKey("c"));
  // A re-issue's `to` is what counts from then on; b's receipt still counts.
  MemWorld::IssueOpts re;
  re.seq = 2;
  re.reissue = true;
  re.to = {"b"};
  ASSERT_TRUE(w.Issue(doc, "vanthu", re).ok());
  EXPECT_EQ(doc.d.addressed, std::vector<PublicKey>{w.OrgKey("b")});
  EXPECT_EQ(doc.d.receipts.size(), 1u);
  EXPECT_TRUE(TasksOf(doc.d).empty());
}

TEST_F(RulesTest, CreateNeedsADrafterOfTheOrganisation) {
  Doc doc = w.Create(DirectiveText());
  EXPECT_EQ(doc.d.state, S::kDraft);
  EXPECT_EQ(doc.d.kind, "directive");
  EXPECT_EQ(doc.d.symbol, "KH");
  EXPECT_EQ(doc.d.creator, w.Pk("chuyenvien"));
  ASSERT_EQ(doc.d.revisions.size(), 1u);
  EXPECT_EQ(doc.d.revisions[0].id, doc.d.id);  // the create record is revision 1

  Doc by_reviewer;
  EXPECT_TRUE(IsRefused(w.CreateInto(by_reviewer, DirectiveText(), "tp1", "a", {}), "'tp1' does not hold the role drafter"));
  Doc other_org;
  EXPECT_TRUE(IsRefused(w.CreateInto(other_org, DirectiveText(), "cb-chuyenvien", "a", {}),
                        "a drafter creates documents of their own organisation"));
  // The cards must say what the text says.
  Doc pledge_without_parties;
  EXPECT_TRUE(HasCode(w.CreateInto(pledge_without_parties, PledgeText({"caobang"}), "chuyenvien", "a", {}),
                      Status::Code::kBadInput, "a pledge has parties"));
  Doc directive_with_parties;
  EXPECT_TRUE(HasCode(w.CreateInto(directive_with_parties, DirectiveText(), "chuyenvien", "a", {"b"}),
                      Status::Code::kBadInput, "'parties' does not match the text's parties"));
  Doc two_vs_one;
  EXPECT_TRUE(HasCode(w.CreateInto(two_vs_one, PledgeText({"caobang"}), "chuyenvien", "a", {"b", "c"}),
                      Status::Code::kBadInput, "'parties' does not match the text's parties"));
  Doc self_party;
  EXPECT_TRUE(HasCode(w.CreateInto(self_party, PledgeText({"langson"}), "chuyenvien", "a", {"a"}),
                      Status::Code::kBadInput, "lists an organisation twice"));
}

TEST_F(RulesTest, CreateCardsMustMatchTheText) {
  auto make = [&](const std::string& kind, const std::string& title, const std::string& symbol) {
    Record r("doc.create");
    r.Add("org", ToHex(w.OrgKey("a")));
    r.Add("kind", kind);
    r.Add("title", title);
    r.Add("symbol", symbol);
    r.SetText(DirectiveText("Kế hoạch"));
    Doc d;
    return w.Act(d, r, "chuyenvien");
  };
  EXPECT_TRUE(make("directive", "Kế hoạch", "KH").ok());
  EXPECT_TRUE(HasCode(make("report", "Kế hoạch", "KH"), Status::Code::kBadInput, "'kind' card differs"));
  EXPECT_TRUE(HasCode(make("directive", "Khác", "KH"), Status::Code::kBadInput, "'title' card differs"));
  EXPECT_TRUE(HasCode(make("directive", "Kế hoạch", "CT"), Status::Code::kBadInput, "'symbol' card differs"));
  Record no_text("doc.create");
  no_text.Add("org", ToHex(w.OrgKey("a")));
  Doc d;
  EXPECT_TRUE(HasCode(w.Act(d, no_text, "chuyenvien"), Status::Code::kBadInput, "a revision carries its text"));
}

TEST_F(RulesTest, ReviseRules) {
  Doc doc = w.Create(DirectiveText());
  const std::string text2 = DirectiveText("Phát động phong trào thi đua năm 2021 (lần 2)");
  EXPECT_TRUE(IsRefused(w.Revise(doc, "tp1", text2), "'tp1' does not hold the role drafter in Sở Ngoại vụ tỉnh Lạng Sơn"));
  EXPECT_TRUE(IsRefused(w.Revise(doc, "cb-chuyenvien", text2), "'cb-chuyenvien' does not hold the role drafter"));
  EXPECT_TRUE(HasCode(w.Revise(doc, "chuyenvien", ReportText()), Status::Code::kBadInput,
                      "the kind of a document cannot change (was directive)"));
  Record no_base("doc.revise");
  no_base.Add("title", "Phát động phong trào thi đua năm 2021 (lần 2)");
  no_base.SetText(text2);
  EXPECT_TRUE(HasCode(w.Act(doc, no_base, "chuyenvien"), Status::Code::kBadInput, "names the revision(s) it continues"));
  EXPECT_TRUE(HasCode(w.Revise(doc, "chuyenvien", text2, {RecordId{}}), Status::Code::kBadInput,
                      "'base' names no revision of this document"));

  ASSERT_TRUE(w.Revise(doc, "chuyenvien", text2).ok());
  ASSERT_EQ(doc.d.revisions.size(), 2u);
  EXPECT_EQ(doc.d.revisions[1].seq, 2);
  EXPECT_EQ(doc.d.revisions[1].bases, std::vector<RecordId>{doc.d.id});
  EXPECT_EQ(doc.d.title, "Phát động phong trào thi đua năm 2021 (lần 2)");
  EXPECT_EQ(doc.d.current()->id, w.last.id());
  EXPECT_EQ(doc.d.current_text, ParseDocumentFile(text2, "x").value().text);
}

TEST_F(RulesTest, RouteRules) {
  Doc doc = w.Create(DirectiveText());
  EXPECT_TRUE(IsRefused(w.Route(doc, "chuyenvien", {"pgd"}), "'pgd' does not hold the role reviewer in Sở Ngoại vụ tỉnh Lạng Sơn"));
  EXPECT_TRUE(IsRefused(w.Route(doc, "chuyenvien", {"tp1", "cb-giamdoc"}), "'cb-giamdoc' does not hold the role reviewer"));
  EXPECT_TRUE(IsRefused(w.Route(doc, "tp1", {"tp2"}), "'tp1' does not hold the role drafter"));
  EXPECT_TRUE(HasCode(w.Route(doc, "chuyenvien", {}), Status::Code::kBadInput, "'to' names the reviewers"));
  EXPECT_TRUE(doc.d.routed.empty());

  ASSERT_TRUE(w.Route(doc, "chuyenvien", {"tp1"}).ok());
  EXPECT_EQ(doc.d.state, S::kInReview);
  Timestamp first = doc.d.routed[0].second;
  // Asking again (and someone new) renews the request, without duplicates.
  ASSERT_TRUE(w.Route(doc, "chuyenvien", {"tp1", "tp2"}).ok());
  ASSERT_EQ(doc.d.routed.size(), 2u);
  EXPECT_GT(doc.d.routed[0].second, first);
  EXPECT_TRUE(doc.d.routed_to(w.Pk("tp2")));
}

TEST_F(RulesTest, CommentRules) {
  Doc doc = w.Create(DirectiveText());
  ASSERT_TRUE(w.Route(doc, "chuyenvien", {"tp1"}).ok());
  EXPECT_TRUE(w.Comment(doc, "tp1", "Đề nghị làm rõ chỉ tiêu.").ok());   // a routed reviewer
  EXPECT_TRUE(w.Comment(doc, "chuyenvien", "Đã tiếp thu.").ok());        // the drafter
  EXPECT_TRUE(IsRefused(w.Comment(doc, "tp2"), "'tp2' may not comment: neither a routed reviewer, a drafter, nor the signer"));
  EXPECT_TRUE(IsRefused(w.Comment(doc, "pgd"), "may not comment"));
  EXPECT_TRUE(IsRefused(w.Comment(doc, "vanthu"), "may not comment"));
  EXPECT_TRUE(IsRefused(w.Comment(doc, "giamdoc"), "may not comment"));  // not yet submitted to them
  ASSERT_TRUE(w.Submit(doc, "chuyenvien", "giamdoc").ok());
  EXPECT_TRUE(w.Comment(doc, "giamdoc", "Ý kiến của Giám đốc.").ok());   // the signer it was submitted to
  EXPECT_TRUE(IsRefused(w.Comment(doc, "pgd"), "may not comment"));
  ASSERT_EQ(doc.d.comments.size(), 3u);
  EXPECT_EQ(doc.d.comments[0].text, "Đề nghị làm rõ chỉ tiêu.");
  EXPECT_EQ(doc.d.comments[0].author, w.Pk("tp1"));
  EXPECT_EQ(doc.d.comments[0].rev, doc.d.id);

  Record empty("doc.comment");
  empty.Add("rev", ToHex(doc.d.id));
  empty.SetText("");
  EXPECT_TRUE(HasCode(w.Act(doc, empty, "chuyenvien"), Status::Code::kBadInput, "a comment has text"));
  Record bad_rev("doc.comment");
  bad_rev.Add("rev", std::string(64, '0'));
  bad_rev.SetText("x");
  EXPECT_TRUE(HasCode(w.Act(doc, bad_rev, "chuyenvien"), Status::Code::kBadInput, "'rev' names no revision"));
}

TEST_F(RulesTest, ApproveRules) {
  Doc doc = w.Create(DirectiveText());
  ASSERT_TRUE(w.Route(doc, "chuyenvien", {"tp1"}).ok());
  Status s = w.Approve(doc, "tp2");
  EXPECT_TRUE(IsRefused(s, "'tp2' was not asked for comments on this document"));
  EXPECT_EQ(s.exit_code(), 3);
  EXPECT_TRUE(IsRefused(w.Approve(doc, "chuyenvien"), "was not asked"));
  ASSERT_TRUE(w.Approve(doc, "tp1").ok());
  EXPECT_TRUE(doc.d.approved(w.Pk("tp1"), doc.d.id));
  EXPECT_TRUE(IsRefused(w.Approve(doc, "tp1"), "'tp1' has already approved this revision"));
  // A new revision: the old approval no longer covers the current text.
  const std::string old_rev = ToHex(doc.d.id);
  ASSERT_TRUE(w.Revise(doc, "chuyenvien", DirectiveText("Phát động thi đua (sửa)")).ok());
  EXPECT_TRUE(IsRefused(w.Approve(doc, "tp1", old_rev), "revision " + old_rev.substr(0, 12) + " is not the current one"));
  EXPECT_FALSE(doc.d.approved(w.Pk("tp1"), doc.d.current()->id));
  EXPECT_TRUE(w.Approve(doc, "tp1").ok());
  EXPECT_TRUE(doc.d.approved(w.Pk("tp1"), doc.d.current()->id));
}

TEST_F(RulesTest, SubmitRules) {
  Doc doc = w.Create(DirectiveText());
  EXPECT_TRUE(IsRefused(w.Submit(doc, "chuyenvien", "tp1"), "'tp1' does not hold the role signer in Sở Ngoại vụ tỉnh Lạng Sơn"));
  EXPECT_TRUE(IsRefused(w.Submit(doc, "chuyenvien", "cb-giamdoc"), "'cb-giamdoc' does not hold the role signer"));
  EXPECT_TRUE(IsRefused(w.Submit(doc, "tp1", "giamdoc"), "'tp1' does not hold the role drafter"));
  // Straight from draft, without review: allowed.
  ASSERT_TRUE(w.Submit(doc, "chuyenvien", "pgd").ok());
  EXPECT_EQ(doc.d.state, S::kSubmitted);
  EXPECT_EQ(doc.d.submitted_to, w.Pk("pgd"));
}

TEST_F(RulesTest, ReturnRules) {
  Doc doc = w.Create(DirectiveText());
  ASSERT_TRUE(w.Submit(doc, "chuyenvien", "giamdoc").ok());
  EXPECT_TRUE(IsRefused(w.Return(doc, "pgd"), "only the signer it was submitted to ('giamdoc') may return it"));
  EXPECT_TRUE(HasCode(w.Return(doc, "giamdoc", ""), Status::Code::kBadInput, "a return gives a reason"));
  ASSERT_TRUE(w.Return(doc, "giamdoc", "Bổ sung số liệu quý IV").ok());
  EXPECT_EQ(doc.d.state, S::kDraft);
  EXPECT_FALSE(doc.d.submitted_to.has_value());
  ASSERT_EQ(doc.d.returns.size(), 1u);
  EXPECT_EQ(doc.d.returns[0].reason, "Bổ sung số liệu quý IV");
  // The drafter is asked to revise.
  auto tasks = TasksOf(doc.d);
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].action, "revise");
  EXPECT_EQ(tasks[0].assignee, w.Pk("chuyenvien"));
}

TEST_F(RulesTest, SignRules) {
  Doc doc = w.Create(DirectiveText());
  ASSERT_TRUE(w.Submit(doc, "chuyenvien", "giamdoc").ok());
  EXPECT_TRUE(IsRefused(w.Sign(doc, "pgd"), "it was submitted to 'giamdoc', not to 'pgd'"));
  EXPECT_TRUE(IsRefused(w.Sign(doc, "chuyenvien"), "it was submitted to 'giamdoc', not to 'chuyenvien'"));
  Record stale("doc.sign");
  stale.Add("rev", std::string(64, '1'));
  stale.Add("name", "x");
  stale.Add("title", "y");
  EXPECT_TRUE(IsRefused(w.Act(doc, stale, "giamdoc"), "is not the current one"));
  Record anonymous("doc.sign");
  anonymous.Add("rev", ToHex(doc.d.id));
  EXPECT_TRUE(HasCode(w.Act(doc, anonymous, "giamdoc"), Status::Code::kBadInput, "names the signer's name and title"));
  ASSERT_TRUE(w.Sign(doc, "giamdoc").ok());
  EXPECT_EQ(doc.d.state, S::kSigned);  // a directive has one signature
  ASSERT_EQ(doc.d.signatures.size(), 1u);
  EXPECT_EQ(doc.d.signatures[0].signer, w.Pk("giamdoc"));
  EXPECT_EQ(doc.d.signatures[0].org, w.OrgKey("a"));
  EXPECT_EQ(doc.d.signatures[0].rev, doc.d.id);
  EXPECT_FALSE(doc.d.signatures[0].on_behalf);
  EXPECT_EQ(doc.d.signatures[0].name, "Người giamdoc");
}

TEST_F(RulesTest, SignOnBehalf) {
  Doc doc = w.Create(DirectiveText());
  ASSERT_TRUE(w.Submit(doc, "chuyenvien", "pgd").ok());
  ASSERT_TRUE(w.Sign(doc, "pgd", /*on_behalf=*/true).ok());
  EXPECT_EQ(doc.d.state, S::kSigned);
  EXPECT_TRUE(doc.d.signatures[0].on_behalf);
  EXPECT_EQ(doc.d.signatures[0].signer, w.Pk("pgd"));
}

TEST_F(RulesTest, SignAndApproveRefusedWhileRevisionsConflict) {
  Doc doc = w.Create(DirectiveText());
  ASSERT_TRUE(w.Route(doc, "chuyenvien", {"tp1"}).ok());
  const RecordId r1 = doc.d.id;
  ASSERT_TRUE(w.Revise(doc, "chuyenvien", DirectiveText("Bản A"), {r1}).ok());
  ASSERT_TRUE(w.Revise(doc, "chuyenvien", DirectiveText("Bản B"), {r1}).ok());
  ASSERT_TRUE(doc.d.conflicted());
  EXPECT_EQ(doc.d.current(), nullptr);
  EXPECT_TRUE(IsRefused(w.Approve(doc, "tp1", ToHex(doc.d.revisions.back().id)), "the document has 2 concurrent revisions"));
  EXPECT_TRUE(IsRefused(w.Submit(doc, "chuyenvien", "giamdoc"), "make a merge revision first"));
  // A conflicted document can't be submitted, so a sign never meets one through
  // the rules; the guard is still there: force the state and try.
  Document forced = doc.d;
  forced.state = S::kSubmitted;
  forced.submitted_to = w.Pk("giamdoc");
  Record sign("doc.sign");
  sign.Add("doc", ToHex(doc.d.id));
  sign.Add("rev", ToHex(doc.d.revisions.back().id));
  sign.Add("name", "x");
  sign.Add("title", "y");
  sign.Add("at", w.Tick());
  ASSERT_TRUE(sign.Sign(w.Key("giamdoc")).ok());
  EXPECT_TRUE(IsRefused(ApplyDocRecord(w.auth, forced, sign), "concurrent revisions"));
}

TEST_F(RulesTest, IssueRules) {
  Doc doc = w.Create(DirectiveText());
  ASSERT_TRUE(w.Submit(doc, "chuyenvien", "giamdoc").ok());
  ASSERT_TRUE(w.Sign(doc, "giamdoc").ok());
  EXPECT_TRUE(IsRefused(w.Issue(doc, "giamdoc"), "'giamdoc' does not hold the role clerk in Sở Ngoại vụ tỉnh Lạng Sơn"));
  MemWorld::IssueOpts bad_number;
  bad_number.number = "1/KH-SNV";
  EXPECT_TRUE(HasCode(w.Issue(doc, "vanthu", bad_number), Status::Code::kBadInput, "'number' must be SEQ/SYMBOL-CODE"));
  MemWorld::IssueOpts zero;
  zero.seq = 0;
  EXPECT_TRUE(HasCode(w.Issue(doc, "vanthu", zero), Status::Code::kBadInput, "'seq' starts at 1"));
  MemWorld::IssueOpts wrong_seal;
  SecretKey not_the_seal = testing::SeedKey(4242);
  wrong_seal.seal = &not_the_seal;
  EXPECT_TRUE(IsRefused(w.Issue(doc, "vanthu", wrong_seal), "the seal signature does not verify"));
  // 'reissue-of' before any issuance (crafted by hand: the builder only adds it to a re-issue).
  Record r("doc.issue");
  r.Add("reissue-of", std::string(64, '2'));
  r.Add("rev", ToHex(doc.d.id));
  EXPECT_TRUE(HasCode(w.Act(doc, r, "vanthu"), Status::Code::kBadInput, "'reissue-of' on a first issuance"));
  EXPECT_EQ(doc.d.state, S::kSigned);

  ASSERT_TRUE(w.Issue(doc, "vanthu").ok());
  EXPECT_EQ(doc.d.state, S::kIssued);
  ASSERT_TRUE(doc.d.issue.has_value());
  EXPECT_EQ(doc.d.issue->number, "01/KH-SNgV");
  EXPECT_EQ(doc.d.issue->seq, 1);
  EXPECT_EQ(doc.d.issue->clerk, w.Pk("vanthu"));

  // Issued: a second issuance only as a re-issue naming the one it replaces.
  MemWorld::IssueOpts again;
  again.seq = 2;
  EXPECT_TRUE(IsRefused(w.Issue(doc, "vanthu", again), "already issued as 01/KH-SNgV; a re-issue names the issuance it replaces"));
  again.reissue = true;
  ASSERT_TRUE(w.Issue(doc, "vanthu", again).ok());
  EXPECT_EQ(doc.d.issue->number, "02/KH-SNgV");
  ASSERT_EQ(doc.d.earlier_issues.size(), 1u);
  EXPECT_EQ(doc.d.earlier_issues[0].number, "01/KH-SNgV");
}

TEST(OutgoingNumbers, ALeadingZeroBelowTenAndBothSpellingsFound) {
  EXPECT_EQ(OutgoingNumber(1, "KH", "SNgV"), "01/KH-SNgV");
  EXPECT_EQ(OutgoingNumber(9, "CT", "UBND"), "09/CT-UBND");
  EXPECT_EQ(OutgoingNumber(10, "KH", "SNgV"), "10/KH-SNgV");
  EXPECT_EQ(OutgoingNumber(174, "KH", "SNgV"), "174/KH-SNgV");
  EXPECT_EQ(NumberSpellings("1/KH-SNgV"), (std::vector<std::string>{"1/KH-SNgV", "01/KH-SNgV"}));
  EXPECT_EQ(NumberSpellings("01/KH-SNgV"), (std::vector<std::string>{"01/KH-SNgV", "1/KH-SNgV"}));
  EXPECT_EQ(NumberSpellings("10/KH-SNgV"), std::vector<std::string>{"10/KH-SNgV"});
  EXPECT_EQ(NumberSpellings("00/KH-SNgV"), std::vector<std::string>{"00/KH-SNgV"});
  EXPECT_EQ(NumberSpellings("abc"), std::vector<std::string>{"abc"});
}

TEST_F(RulesTest, IssueCardRules) {
  Doc doc = w.Create(DirectiveText());
  ASSERT_TRUE(w.Submit(doc, "chuyenvien", "giamdoc").ok());
  ASSERT_TRUE(w.Sign(doc, "giamdoc").ok());
  const Organisation* org = w.auth.FindOrg(w.OrgKey("a"));
  const std::string at = "2024-06-03T09:00:00+07:00";
  // A correct issuance, with one card replaced (or removed when the value is empty). Its
  // number is of the form written before the padded "01/…": still valid, as stored
  // issuances of earlier years must stay.
  auto issue = [&](const std::string& key, const std::string& value) {
    std::map<std::string, std::string> c = {{"rev", ToHex(doc.d.id)},     {"number", "1/KH-SNgV"},
                                            {"seq", "1"},                 {"year", "2024"},
                                            {"symbol", "KH"},             {"date", "2024-06-03"},
                                            {"seal", ToHex(org->seal)}};
    c["seal-sig"] = ToHex(w.org("a").seal.Sign(SealMessage(doc.d, doc.d.id, "1/KH-SNgV", "2024-06-03")));
    if (value.empty()) c.erase(key);
    else c[key] = value;
    Record r("doc.issue");
    for (const auto& [k, v] : c) r.Add(k, v);
    return w.Act(doc, r, "vanthu", at);
  };
  using C = Status::Code;
  EXPECT_TRUE(HasCode(issue("rev", std::string(64, '5')), C::kBadInput, "'rev' is not the signed revision"));
  EXPECT_TRUE(HasCode(issue("seq", "một"), C::kBadInput, "'year' and 'seq' are decimal numbers"));
  EXPECT_TRUE(HasCode(issue("year", ""), C::kBadInput, "'year' and 'seq' are decimal numbers"));
  // What std::stoi took: trailing junk, leading blanks, a sign, a leading zero.
  for (const char* bad : {"1abc", "+1", "01", "0x1", "1e0"}) {
    SCOPED_TRACE(bad);
    EXPECT_TRUE(HasCode(issue("seq", bad), C::kBadInput, "'year' and 'seq' are decimal numbers"));
  }
  for (const char* bad : {"2024abc", "+2024", "02024", "20240"}) {
    SCOPED_TRACE(bad);
    EXPECT_TRUE(HasCode(issue("year", bad), C::kBadInput, "'year' and 'seq' are decimal numbers"));
  }
  EXPECT_TRUE(HasCode(issue("symbol", "CT"), C::kBadInput, "'symbol' is not the document's register symbol KH"));
  EXPECT_TRUE(HasCode(issue("number", "001/KH-SNgV"), C::kBadInput, "'number' must be SEQ/SYMBOL-CODE"));
  EXPECT_TRUE(HasCode(issue("number", "2/KH-SNgV"), C::kBadInput, "'number' must be SEQ/SYMBOL-CODE"));
  EXPECT_TRUE(HasCode(issue("date", "2024-06-04"), C::kBadInput, "'date' and 'year' are the issuing day"));
  EXPECT_TRUE(HasCode(issue("year", "2023"), C::kBadInput, "'date' and 'year' are the issuing day"));
  EXPECT_TRUE(IsRefused(issue("seal", ToHex(w.org("b").seal.public_key())), "'seal' is not the seal key of Sở Ngoại vụ tỉnh Lạng Sơn"));
  EXPECT_TRUE(HasCode(issue("seal-sig", "abc"), C::kBadInput, "'seal-sig' must be 128 hex digits"));
  EXPECT_TRUE(HasCode(issue("seal-sig", ""), C::kBadInput, "'seal-sig' must be 128 hex digits"));
  EXPECT_EQ(doc.d.state, S::kSigned);
  EXPECT_TRUE(issue("", "").ok());  // unchanged: accepted
  EXPECT_EQ(doc.d.issue->number, "1/KH-SNgV");
  // The seal signature covers the signatures: the message names each one.
  const std::string msg = SealMessage(doc.d, doc.d.id, "1/KH-SNgV", "2024-06-03");
  EXPECT_EQ(msg.rfind("vanban-seal 1\norg " + ToHex(doc.d.org) + "\ndoc " + ToHex(doc.d.id) + "\n", 0), 0u) << msg;
  EXPECT_NE(msg.find("signature " + ToHex(doc.d.signatures[0].id) + "\n"), std::string::npos);
  EXPECT_NE(msg.find("number 1/KH-SNgV\ndate 2024-06-03\n"), std::string::npos);
}

TEST_F(RulesTest, MalformedCardsOfOtherActions) {
  Doc doc = w.Create(DirectiveText());
  Record route("doc.route");
  route.Add("to", "tp1");
  EXPECT_TRUE(HasCode(w.Act(doc, route, "chuyenvien"), Status::Code::kBadInput, "'to' must be person keys"));
  Record submit("doc.submit");
  submit.Add("rev", "r1");
  submit.Add("to", ToHex(w.Pk("giamdoc")));
  EXPECT_TRUE(HasCode(w.Act(doc, submit, "chuyenvien"), Status::Code::kBadInput, "'rev' must be a record id"));
  Record submit_to("doc.submit");
  submit_to.Add("rev", ToHex(doc.d.id));
  submit_to.Add("to", "giamdoc");
  EXPECT_TRUE(HasCode(w.Act(doc, submit_to, "chuyenvien"), Status::Code::kBadInput, "'to' must be a key"));
  Record unknown("doc.frobnicate");
  EXPECT_TRUE(IsRefused(w.Act(doc, unknown, "chuyenvien"), "unknown record type"));
  Record bad_parties("doc.create");
  bad_parties.Add("org", ToHex(w.OrgKey("a")));
  bad_parties.Add("kind", "pledge");
  bad_parties.Add("title", "Giao ước thi đua năm 2021");
  bad_parties.Add("symbol", "GƯ");
  bad_parties.Add("parties", "caobang");
  bad_parties.SetText(ParseDocumentFile(PledgeText({"caobang"}), "x").value().text);
  Doc d2;
  EXPECT_TRUE(HasCode(w.Act(d2, bad_parties, "chuyenvien"), Status::Code::kBadInput,
                      "'parties' must be comma-separated organisation keys"));
  Record unknown_party("doc.create");
  unknown_party.Add("org", ToHex(w.OrgKey("a")));
  unknown_party.Add("kind", "pledge");
  unknown_party.Add("title", "Giao ước thi đua năm 2021");
  unknown_party.Add("symbol", "GƯ");
  unknown_party.Add("parties", ToHex(testing::SeedKey(4444).public_key()));
  unknown_party.SetText(ParseDocumentFile(PledgeText({"caobang"}), "x").value().text);
  Doc d3;
  EXPECT_TRUE(IsRefused(w.Act(d3, unknown_party, "chuyenvien"), "is not a known organisation"));
}

TEST_F(RulesTest, PledgePartiesCannotChange) {
  Doc doc = w.Pledge({"b"});
  EXPECT_TRUE(HasCode(w.Revise(doc, "chuyenvien", PledgeText({"caobang", "laocai"})), Status::Code::kBadInput,
                      "the parties of a document cannot change"));
  EXPECT_TRUE(w.Revise(doc, "chuyenvien", PledgeText({"caobang"}, "Giao ước thi đua năm 2021 (sửa)")).ok());
}

TEST_F(RulesTest, ARecordNeverPredatesItsParents) {
  w.SetClock("2024-03-01T10:00:00+07:00");
  Doc doc = w.Create(DirectiveText());  // 10:01
  Record route("doc.route");
  route.Add("to", ToHex(w.Pk("tp1")));
  const size_t log_before = doc.d.log.size();
  Status s = w.Act(doc, route, "chuyenvien", "2024-03-01T09:59:00+07:00");
  EXPECT_TRUE(HasCode(s, Status::Code::kBadInput,
                      "its time 2024-03-01T09:59:00+07:00 is earlier than its parent's 2024-03-01T10:01:00+07:00"));
  EXPECT_EQ(doc.d.state, S::kDraft);
  ASSERT_EQ(doc.d.log.size(), log_before + 1);
  EXPECT_FALSE(doc.d.log.back().accepted);
  // The same instant as its parent is fine; so is the same instant in another offset.
  Record same("doc.route");
  same.Add("to", ToHex(w.Pk("tp1")));
  EXPECT_TRUE(w.Act(doc, same, "chuyenvien", "2024-03-01T03:01:00Z").ok());
  // And in a fold, wherever it comes in the input.
  auto f = FoldDocument(w.auth, doc.all);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(Summary(*f), Summary(doc.d));
}

TEST_F(RulesTest, IssueDateIsTheDayInTheOrganisationsZone) {
  Doc doc = w.Create(DirectiveText());
  ASSERT_TRUE(w.Submit(doc, "chuyenvien", "giamdoc").ok());
  ASSERT_TRUE(w.Sign(doc, "giamdoc").ok());
  // 2024-12-31T20:00Z is 1 January 2025 in Lạng Sơn.
  MemWorld::IssueOpts o;
  o.at = "2024-12-31T20:00:00Z";
  ASSERT_TRUE(w.Issue(doc, "vanthu", o).ok());
  EXPECT_EQ(doc.d.issue->date, "2025-01-01");
  EXPECT_EQ(doc.d.issue->year, 2025);

  // A record claiming the UTC date is refused.
  Doc other = w.Create(DirectiveText("Kế hoạch khác"));
  ASSERT_TRUE(w.Submit(other, "chuyenvien", "giamdoc").ok());
  ASSERT_TRUE(w.Sign(other, "giamdoc").ok());
  const Organisation* org = w.auth.FindOrg(w.OrgKey("a"));
  Record r("doc.issue");
  r.Add("rev", ToHex(other.d.id));
  r.Add("number", "01/KH-SNgV");
  r.Add("seq", "1");
  r.Add("year", "2024");
  r.Add("symbol", "KH");
  r.Add("date", "2024-12-31");
  r.Add("seal", ToHex(org->seal));
  r.Add("seal-sig", ToHex(w.org("a").seal.Sign(SealMessage(other.d, other.d.id, "01/KH-SNgV", "2024-12-31"))));
  EXPECT_TRUE(HasCode(w.Act(other, r, "vanthu", "2024-12-31T20:00:00Z"), Status::Code::kBadInput,
                      "'date' and 'year' are the issuing day in the organisation's time zone"));
}

TEST_F(RulesTest, RevokeRules) {
  Doc doc = InState(S::kIssued);
  EXPECT_TRUE(IsRefused(w.RevokeDoc(doc, "vanthu"), "'vanthu' is neither a signer nor an admin of Sở Ngoại vụ tỉnh Lạng Sơn"));
  EXPECT_TRUE(IsRefused(w.RevokeDoc(doc, "cb-giamdoc"), "neither a signer nor an admin"));
  EXPECT_TRUE(HasCode(w.RevokeDoc(doc, "pgd", ""), Status::Code::kBadInput, "a revocation gives a reason"));
  ASSERT_TRUE(w.RevokeDoc(doc, "pgd", "Được thay thế bởi Kế hoạch 5/KH-SNgV").ok());
  EXPECT_EQ(doc.d.state, S::kRevoked);
  EXPECT_EQ(doc.d.revocation->reason, "Được thay thế bởi Kế hoạch 5/KH-SNgV");
}

// A directive that names parties is a joint document (văn bản liên tịch): signed by each
// organisation in order, as a pledge is, under the directive's own register symbol.
TEST_F(RulesTest, AJointDirectiveIsSignedByEachPartyInOrder) {
  Doc doc;
  ASSERT_TRUE(w.CreateInto(doc,
                           "---\nkind: directive\ntitle: Kế hoạch liên tịch\nparties: [caobang]\nrecipients:\n"
                           "  - Lưu: VT, VP.\n---\nNội dung.\n",
                           "chuyenvien", "a", {"b"})
                  .ok());
  EXPECT_EQ(doc.d.symbol, "KH");
  EXPECT_EQ(doc.d.signing_order(), (std::vector<PublicKey>{w.OrgKey("a"), w.OrgKey("b")}));
  ASSERT_TRUE(w.Submit(doc, "chuyenvien", "giamdoc").ok());
  ASSERT_TRUE(w.Sign(doc, "giamdoc").ok());
  EXPECT_EQ(doc.d.state, S::kPartiallySigned);
  EXPECT_EQ(doc.d.awaited_org(), w.OrgKey("b"));
  ASSERT_TRUE(w.Sign(doc, "cb-giamdoc").ok());
  EXPECT_EQ(doc.d.state, S::kSigned);
}

TEST_F(RulesTest, PledgeSignedByEachPartyInOrder) {
  Doc doc = w.Pledge({"b", "c"});
  EXPECT_EQ(doc.d.parties, (std::vector<PublicKey>{w.OrgKey("b"), w.OrgKey("c")}));
  EXPECT_EQ(doc.d.signing_order(), (std::vector<PublicKey>{w.OrgKey("a"), w.OrgKey("b"), w.OrgKey("c")}));
  EXPECT_EQ(doc.d.symbol, "GƯ");
  ASSERT_TRUE(w.Submit(doc, "chuyenvien", "giamdoc").ok());
  EXPECT_EQ(doc.d.awaited_org(), w.OrgKey("a"));
  // A party may not sign before the drafting organisation.
  EXPECT_TRUE(IsRefused(w.Sign(doc, "cb-giamdoc"), "it was submitted to 'giamdoc'"));
  ASSERT_TRUE(w.Sign(doc, "giamdoc").ok());
  EXPECT_EQ(doc.d.state, S::kPartiallySigned);
  EXPECT_EQ(doc.d.awaited_org(), w.OrgKey("b"));
  // Out of order: Lào Cai before Cao Bằng.
  EXPECT_TRUE(IsRefused(w.Sign(doc, "lc-giamdoc"), "awaiting the signature of Sở Nội vụ tỉnh Cao Bằng first"));
  // Cao Bằng's drafter is not its signer; nor may the first organisation sign twice.
  EXPECT_TRUE(IsRefused(w.Sign(doc, "cb-chuyenvien"), "'cb-chuyenvien' does not hold the role signer in Sở Nội vụ tỉnh Cao Bằng"));
  EXPECT_TRUE(IsRefused(w.Sign(doc, "pgd"), "awaiting the signature of Sở Nội vụ tỉnh Cao Bằng first"));
  auto tasks = TasksOf(doc.d);
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].org, w.OrgKey("b"));
  EXPECT_EQ(tasks[0].role, Role::kSigner);
  ASSERT_TRUE(w.Sign(doc, "cb-giamdoc").ok());
  EXPECT_EQ(doc.d.state, S::kPartiallySigned);
  EXPECT_EQ(doc.d.awaited_org(), w.OrgKey("c"));
  ASSERT_TRUE(w.Sign(doc, "lc-giamdoc").ok());
  EXPECT_EQ(doc.d.state, S::kSigned);
  EXPECT_EQ(doc.d.awaited_org(), std::nullopt);
  ASSERT_EQ(doc.d.signatures.size(), 3u);
  EXPECT_EQ(doc.d.signatures[2].org, w.OrgKey("c"));
  EXPECT_TRUE(IsRefused(w.Sign(doc, "giamdoc"), "cannot sign a document in state signed"));
}

TEST_F(RulesTest, TasksFollowTheState) {
  Doc doc = w.Create(DirectiveText());
  EXPECT_TRUE(TasksOf(doc.d).empty());  // a fresh draft waits for nobody
  ASSERT_TRUE(w.Route(doc, "chuyenvien", {"tp1", "tp2"}).ok());
  auto t = TasksOf(doc.d);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].action, "review");
  EXPECT_EQ(t[1].action, "review");
  // One each (in the route record's card order, which is by key).
  EXPECT_EQ((std::set<PublicKey>{*t[0].assignee, *t[1].assignee}), (std::set<PublicKey>{w.Pk("tp1"), w.Pk("tp2")}));
  ASSERT_TRUE(w.Approve(doc, "tp1").ok());
  ASSERT_TRUE(w.Approve(doc, "tp2").ok());
  t = TasksOf(doc.d);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].action, "submit");
  EXPECT_EQ(t[0].assignee, w.Pk("chuyenvien"));
  ASSERT_TRUE(w.Submit(doc, "chuyenvien", "giamdoc").ok());
  t = TasksOf(doc.d);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].action, "sign");
  EXPECT_EQ(t[0].assignee, w.Pk("giamdoc"));
  ASSERT_TRUE(w.Sign(doc, "giamdoc").ok());
  t = TasksOf(doc.d);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].action, "issue");
  EXPECT_EQ(t[0].role, Role::kClerk);
  EXPECT_FALSE(t[0].assignee.has_value());
  ASSERT_TRUE(w.Issue(doc, "vanthu").ok());
  EXPECT_TRUE(TasksOf(doc.d).empty());

  Doc conflict = w.Create(DirectiveText("Khác"));
  ASSERT_TRUE(w.Revise(conflict, "chuyenvien", DirectiveText("Khác A"), {conflict.d.id}).ok());
  ASSERT_TRUE(w.Revise(conflict, "chuyenvien", DirectiveText("Khác B"), {conflict.d.id}).ok());
  t = TasksOf(conflict.d);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].action, "merge");
}

// --- the fold ----------------------------------------------------------------------

TEST_F(RulesTest, FoldIsDeterministicWhateverTheOrder) {
  Doc doc = w.Create(DirectiveText());
  const RecordId r1 = doc.d.id;
  ASSERT_TRUE(w.Route(doc, "chuyenvien", {"tp1", "tp2"}).ok());
  // Two nodes edit revision 1 at once: the same parents, two revision heads.
  std::vector<RecordId> fork(doc.d.heads.begin(), doc.d.heads.end());
  w.next_parents = fork;
  ASSERT_TRUE(w.Revise(doc, "chuyenvien", DirectiveText("Bản của phòng A"), {r1}).ok());
  w.next_parents = fork;
  ASSERT_TRUE(w.Revise(doc, "chuyenvien", DirectiveText("Bản của phòng B"), {r1}).ok());
  EXPECT_EQ(doc.d.heads.size(), 2u);
  EXPECT_EQ(doc.d.rev_heads.size(), 2u);
  ASSERT_TRUE(w.Comment(doc, "tp1", "Hai bản khác nhau.").ok());
  EXPECT_FALSE(w.Approve(doc, "tp2", ToHex(doc.d.revisions.back().id)).ok());  // refused: conflict
  ASSERT_TRUE(w.Revise(doc, "chuyenvien", DirectiveText("Bản hợp nhất")).ok());  // merge
  ASSERT_TRUE(w.Approve(doc, "tp1").ok());
  ASSERT_TRUE(w.Approve(doc, "tp2").ok());
  EXPECT_FALSE(w.Sign(doc, "pgd").ok());  // refused: not submitted
  ASSERT_TRUE(w.Submit(doc, "chuyenvien", "giamdoc").ok());
  ASSERT_TRUE(w.Comment(doc, "giamdoc", "Đồng ý.").ok());
  ASSERT_TRUE(w.Sign(doc, "giamdoc").ok());
  ASSERT_TRUE(w.Issue(doc, "vanthu").ok());

  auto folded = FoldDocument(w.auth, doc.all);
  ASSERT_TRUE(folded.ok()) << folded.status().message();
  const std::string want = Summary(*folded);
  EXPECT_EQ(folded->state, S::kIssued);
  EXPECT_EQ(want, Summary(doc.d));  // the fold agrees with the record-by-record state
  std::mt19937 rng(30);
  for (int round = 0; round < 25; ++round) {
    std::vector<Record> shuffled = doc.all;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    auto again = FoldDocument(w.auth, shuffled);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(Summary(*again), want) << "round " << round;
  }
  // The refused records are in the log, marked as not counting.
  int refused = 0;
  for (const Event& e : folded->log) refused += e.accepted ? 0 : 1;
  EXPECT_EQ(refused, 2);
}

TEST_F(RulesTest, FoldNeedsACreateAndLogsStrays) {
  Doc doc = w.Create(DirectiveText());
  ASSERT_TRUE(w.Route(doc, "chuyenvien", {"tp1"}).ok());
  auto none = FoldDocument(w.auth, {doc.records[1]});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), Status::Code::kInvalid);
  EXPECT_EQ(none.status().message(), "no valid doc.create among the document's records");
  EXPECT_FALSE(FoldDocument(w.auth, {}).ok());

  // A second doc.create among the records is logged and ignored.
  Doc other = w.Create(DirectiveText("Khác"));
  std::vector<Record> mixed = doc.records;
  mixed.push_back(other.records[0]);
  auto f = FoldDocument(w.auth, mixed);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->id, doc.d.id);
  bool logged = false;
  for (const Event& e : f->log)
    if (e.id == other.records[0].id()) logged = !e.accepted && e.note == "a second doc.create";
  EXPECT_TRUE(logged);
}

TEST_F(RulesTest, RevokedPersonsLaterRecordsDoNotCountEarlierOnesDo) {
  w.SetClock("2024-03-01T09:00:00+07:00");
  Doc doc = w.Create(DirectiveText());                         // 09:01
  ASSERT_TRUE(w.Route(doc, "chuyenvien", {"tp1"}).ok());       // 09:02
  ASSERT_TRUE(w.Approve(doc, "tp1").ok());                     // 09:03
  // tp1 comments at 11:30 on a node that has not heard of the revocation yet.
  Record late("doc.comment");
  late.Add("rev", ToHex(doc.d.id));
  late.SetText("Ý kiến muộn.");
  ASSERT_TRUE(w.Act(doc, late, "tp1", "2024-03-01T11:30:00+07:00").ok());
  ASSERT_EQ(doc.d.comments.size(), 1u);
  // Revoked at 11:00.
  ASSERT_TRUE(w.OrgAct("a", [&] {
                Record r("person.revoke");
                r.Add("key", ToHex(w.Pk("tp1")));
                return r;
              }(), nullptr, "2024-03-01T11:00:00+07:00").ok());
  auto f = FoldDocument(w.auth, doc.all);
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->comments.empty());                 // 11:30: no longer counts
  ASSERT_EQ(f->approvals.size(), 1u);               // 09:03: still counts
  EXPECT_EQ(f->approvals[0].author, w.Pk("tp1"));
  const Event& e = f->log.back();
  EXPECT_FALSE(e.accepted);
  EXPECT_EQ(e.note, "'tp1' holds no role at 2024-03-01T11:30:00+07:00 (revoked)");
}

TEST_F(RulesTest, RecordsOfAnotherDocumentOrUnknownAuthor) {
  Doc doc = w.Create(DirectiveText());
  Doc other = w.Create(DirectiveText("Khác"));
  Record r("doc.route");
  r.Add("doc", ToHex(other.d.id));  // names the other document
  r.Add("to", ToHex(w.Pk("tp1")));
  r.Add("at", w.Tick());
  ASSERT_TRUE(r.Sign(w.Key("chuyenvien")).ok());
  EXPECT_TRUE(HasCode(ApplyDocRecord(w.auth, doc.d, r), Status::Code::kBadInput, "'doc' card names another document"));
  Record stranger("doc.comment");
  stranger.Add("rev", ToHex(doc.d.id));
  stranger.SetText("x");
  stranger.Add("doc", ToHex(doc.d.id));
  stranger.Add("at", w.Tick());
  ASSERT_TRUE(stranger.Sign(testing::SeedKey(4343)).ok());
  EXPECT_TRUE(IsRefused(ApplyDocRecord(w.auth, doc.d, stranger), "the author's key is not a person known to this node"));
  Record no_time("doc.comment");
  ASSERT_TRUE(no_time.Sign(w.Key("chuyenvien")).ok());
  EXPECT_TRUE(HasCode(ApplyDocRecord(w.auth, doc.d, no_time), Status::Code::kBadInput, "bad 'at' card"));
  Document empty;
  Record route("doc.route");
  route.Add("at", w.Tick());
  ASSERT_TRUE(route.Sign(w.Key("chuyenvien")).ok());
  EXPECT_TRUE(IsRefused(ApplyDocRecord(w.auth, empty, route), "the document does not exist here"));
}

// Every rule has its apply step. Where the table leaves the role to it (kInApply),
// a refusal said before the role stays first; the state is always said before it.
TEST_F(RulesTest, TheRoleIsCheckedWhereTheTableSays) {
  for (const Rule& r : Rules()) EXPECT_NE(r.apply, nullptr) << r.record_type;
  EXPECT_EQ(FindRule("doc.route")->check, RoleCheck::kFirst);
  EXPECT_EQ(FindRule("doc.approve")->check, RoleCheck::kInApply);
  auto why = [](const Status& s) { return s.reason() ? s.reason()->id : "(" + s.message() + ")"; };
  Doc doc = w.Create(DirectiveText());
  EXPECT_EQ(why(w.Return(doc, "tp1")), "wrong-state");
  EXPECT_EQ(why(w.Route(doc, "tp1", {"tp2"})), "lacks-role-in");
  ASSERT_TRUE(w.Route(doc, "chuyenvien", {"tp1"}).ok());
  EXPECT_EQ(why(w.Approve(doc, "vanthu")), "not-routed");  // neither routed nor a reviewer
  ASSERT_TRUE(w.OrgAct("a", w.GrantRecord(w.Pk("tp1"), "tp1", {Role::kDrafter})).ok());
  EXPECT_EQ(why(w.Approve(doc, "tp1")), "lacks-role-in");  // routed, no longer a reviewer
  ASSERT_TRUE(w.Submit(doc, "chuyenvien", "giamdoc").ok());
  EXPECT_EQ(why(w.Return(doc, "vanthu")), "return-not-signer");  // neither submitted to nor a signer
  EXPECT_EQ(why(w.Sign(doc, "vanthu")), "submitted-to-other");
}

// ================================================================================
// Through Node, as people use it (the OrgTest office; passphrase "matkhau").
// ================================================================================

using NodeWorkflowTest = OrgTest;

TEST_F(NodeWorkflowTest, DirectiveFromDraftToIssued) {
  ScopedNow now("2024-06-03T09:00:00+07:00");
  std::string id = NewDirective();
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(StateOf(id), S::kDraft);
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Route{id, {"tp1", "tp2"}}).status().ok());
  EXPECT_EQ(StateOf(id), S::kInReview);
  auto inbox = node_->Inbox("tp1");
  ASSERT_TRUE(inbox.ok());
  ASSERT_EQ(inbox->size(), 1u);
  EXPECT_EQ((*inbox)[0].action, "review");
  EXPECT_EQ((*inbox)[0].doc.id, id);
  ASSERT_TRUE(node_->Do(As("tp1"), act::Comment{id, "Đề nghị bổ sung chỉ tiêu."}).status().ok());
  ASSERT_TRUE(node_->Do(As("tp1"), act::Approve{id}).status().ok());
  ASSERT_TRUE(node_->Do(As("tp2"), act::Approve{id}).status().ok());
  inbox = node_->Inbox("chuyenvien");
  ASSERT_EQ(inbox->size(), 1u);
  EXPECT_EQ((*inbox)[0].action, "submit");
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Submit{id, "giamdoc"}).status().ok());
  EXPECT_EQ(StateOf(id), S::kSubmitted);
  EXPECT_EQ(node_->Inbox("giamdoc")->at(0).action, "sign");
  ASSERT_TRUE(node_->Do(As("giamdoc"), act::Sign{id, false}).status().ok());
  EXPECT_EQ(StateOf(id), S::kSigned);
  EXPECT_EQ(node_->Inbox("vanthu")->at(0).action, "issue");
  auto number = vanban::testing::NumberOf(node_->Do(As("vanthu"), act::Issue{id}));
  ASSERT_TRUE(number.ok()) << number.status().message();
  EXPECT_EQ(*number, "01/KH-SNgV");

  auto d = node_->Show(id);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->state, S::kIssued);
  EXPECT_EQ(d->issue->number, "01/KH-SNgV");
  EXPECT_EQ(d->issue->date, "2024-06-03");
  ASSERT_EQ(d->signatures.size(), 1u);
  EXPECT_EQ(d->signatures[0].name, "Trịnh Tuyết Mai");
  EXPECT_EQ(d->signatures[0].title, "Giám đốc");
  ASSERT_EQ(d->comments.size(), 1u);
  EXPECT_EQ(d->approvals.size(), 2u);
  EXPECT_TRUE(node_->Inbox("vanthu")->empty());
  // The number finds the document too.
  auto by_number = node_->Show("01/KH-SNgV");
  ASSERT_TRUE(by_number.ok());
  EXPECT_EQ(ToHex(by_number->id), id);
  auto reg = node_->Register(2024, false);
  ASSERT_TRUE(reg.ok());
  ASSERT_EQ(reg->size(), 1u);
  EXPECT_EQ((*reg)[0].number, "01/KH-SNgV");
  EXPECT_EQ((*reg)[0].date, "2024-06-03");
  EXPECT_EQ((*reg)[0].signer, "Trịnh Tuyết Mai");
  EXPECT_EQ((*reg)[0].kind, "directive");
  // Issued once: a second issue is refused.
  EXPECT_TRUE(IsRefused(node_->Do(As("vanthu"), act::Issue{id}).status(), "already issued as 01/KH-SNgV"));
  auto check = node_->Check();
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->ok) << (check->problems.empty() ? "" : check->problems[0]);
}

TEST_F(NodeWorkflowTest, ApproveByANonRoutedReviewerIsRefused) {
  std::string id = NewDirective();
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Route{id, {"tp1"}}).status().ok());
  const int64_t before = RecordCount();
  Status s = node_->Do(As("tp2"), act::Approve{id}).status();
  EXPECT_TRUE(IsRefused(s, "'tp2' was not asked for comments on this document"));
  EXPECT_EQ(s.exit_code(), 3);
  EXPECT_EQ(RecordCount(), before);
  EXPECT_TRUE(node_->Show(id)->approvals.empty());
}

TEST_F(NodeWorkflowTest, SubmitToANonSignerIsRefused) {
  std::string id = NewDirective();
  EXPECT_TRUE(IsRefused(node_->Do(As("chuyenvien"), act::Submit{id, "tp1"}).status(), "'tp1' does not hold the role signer"));
  EXPECT_TRUE(IsRefused(node_->Do(As("chuyenvien"), act::Submit{id, "vanthu"}).status(), "'vanthu' does not hold the role signer"));
  EXPECT_TRUE(HasCode(node_->Do(As("chuyenvien"), act::Submit{id, "nobody"}).status(), Status::Code::kNotFound, "no person 'nobody'"));
  EXPECT_TRUE(IsRefused(node_->Do(As("tp1"), act::Submit{id, "giamdoc"}).status(), "'tp1' does not hold the role drafter"));
  EXPECT_EQ(StateOf(id), S::kDraft);
}

TEST_F(NodeWorkflowTest, SignByAnyoneButTheSubmittedToSignerIsRefused) {
  std::string id = NewDirective();
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Submit{id, "giamdoc"}).status().ok());
  EXPECT_TRUE(IsRefused(node_->Do(As("pgd"), act::Sign{id, false}).status(), "it was submitted to 'giamdoc', not to 'pgd'"));
  EXPECT_TRUE(IsRefused(node_->Do(As("chuyenvien"), act::Sign{id, false}).status(), "not to 'chuyenvien'"));
  EXPECT_TRUE(IsRefused(node_->Do(As("pgd"), act::Return{id, "Không đồng ý"}).status(), "only the signer it was submitted to"));
  EXPECT_EQ(StateOf(id), S::kSubmitted);
}

TEST_F(NodeWorkflowTest, ReturnThenEditThenSign) {
  std::string id = NewDirective();
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Submit{id, "giamdoc"}).status().ok());
  EXPECT_TRUE(HasCode(node_->Do(As("giamdoc"), act::Return{id, "  "}).status(), Status::Code::kBadInput, "--reason is empty"));
  ASSERT_TRUE(node_->Do(As("giamdoc"), act::Return{id, "Bổ sung số liệu quý IV"}).status().ok());
  EXPECT_EQ(StateOf(id), S::kDraft);
  auto inbox = node_->Inbox("chuyenvien");
  ASSERT_EQ(inbox->size(), 1u);
  EXPECT_EQ((*inbox)[0].action, "revise");
  EXPECT_EQ((*inbox)[0].detail, "returned: Bổ sung số liệu quý IV");
  // Signing a returned document is refused until it is submitted again.
  EXPECT_TRUE(IsRefused(node_->Do(As("giamdoc"), act::Sign{id, false}).status(), "cannot sign a document in state draft"));
  auto rev2 = node_->Do(As("chuyenvien"), act::Revise{id,
                                  DirectiveText("Phát động phong trào thi đua năm 2021",
                                                "## I. MỤC ĐÍCH\nSố liệu quý IV đã bổ sung.\n"),
                                  "ke-hoach-v2.md"});
  ASSERT_TRUE(rev2.ok()) << rev2.status().message();
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Submit{id, "giamdoc"}).status().ok());
  ASSERT_TRUE(node_->Do(As("giamdoc"), act::Sign{id, false}).status().ok());
  auto d = node_->Show(id);
  EXPECT_EQ(d->state, S::kSigned);
  ASSERT_EQ(d->revisions.size(), 2u);
  EXPECT_EQ(ToHex(d->signatures[0].rev), rev2->record);
  EXPECT_EQ(d->returns.size(), 1u);
  auto text = node_->RevisionText(id, "");
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("Số liệu quý IV đã bổ sung."), std::string::npos);
  auto text1 = node_->RevisionText(id, id.substr(0, 12));
  ASSERT_TRUE(text1.ok());
  EXPECT_EQ(text1->find("Số liệu quý IV"), std::string::npos);
}

TEST_F(NodeWorkflowTest, SignOnBehalf) {
  std::string id = NewDirective();
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Submit{id, "pgd"}).status().ok());
  ASSERT_TRUE(node_->Do(As("pgd"), act::Sign{id, /*on_behalf=*/true}).status().ok());
  auto d = node_->Show(id);
  ASSERT_EQ(d->signatures.size(), 1u);
  EXPECT_TRUE(d->signatures[0].on_behalf);
  EXPECT_EQ(d->signatures[0].name, "Vi Văn Thành");
  EXPECT_EQ(d->signatures[0].title, "Phó Giám đốc");
  EXPECT_EQ(d->state, S::kSigned);
}

TEST_F(NodeWorkflowTest, NoNewRevisionAfterSigning) {
  std::string id = NewDirective();
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Submit{id, "giamdoc"}).status().ok());
  EXPECT_TRUE(IsRefused(node_->Do(As("chuyenvien"), act::Revise{id, DirectiveText("Sửa khi đã trình"), "x.md"}).status(),
                        "cannot doc edit a document in state submitted"));
  ASSERT_TRUE(node_->Do(As("giamdoc"), act::Sign{id, false}).status().ok());
  Status s = node_->Do(As("chuyenvien"), act::Revise{id, DirectiveText("Sửa sau khi ký"), "x.md"}).status();
  EXPECT_TRUE(IsRefused(s, "cannot doc edit a document in state signed (allowed in draft or in_review)"));
  EXPECT_EQ(node_->Show(id)->revisions.size(), 1u);
  // The same text again is not a revision at all.
  std::string id2 = NewDirective("Kế hoạch khác");
  EXPECT_TRUE(HasCode(node_->Do(As("chuyenvien"), act::Revise{id2, DirectiveText("Kế hoạch khác"), "x.md"}).status(),
                      Status::Code::kBadInput, "nothing to revise"));
  EXPECT_TRUE(HasCode(node_->Do(As("chuyenvien"), act::Revise{id2, ReportText(), "x.md"}).status(), Status::Code::kBadInput,
                      "kind 'report' differs from the document's kind 'directive'"));
}

TEST_F(NodeWorkflowTest, IssueByANonClerkIsRefused) {
  std::string id = NewDirective();
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Submit{id, "giamdoc"}).status().ok());
  EXPECT_TRUE(IsRefused(node_->Do(As("vanthu"), act::Issue{id}).status(), "cannot issue a document in state submitted"));
  ASSERT_TRUE(node_->Do(As("giamdoc"), act::Sign{id, false}).status().ok());
  const int64_t before = RecordCount();
  EXPECT_TRUE(IsRefused(node_->Do(As("giamdoc"), act::Issue{id}).status(), "'giamdoc' does not hold the role clerk"));
  EXPECT_TRUE(IsRefused(node_->Do(As("chuyenvien"), act::Issue{id}).status(), "'chuyenvien' does not hold the role clerk"));
  EXPECT_EQ(RecordCount(), before);
  EXPECT_EQ(StateOf(id), S::kSigned);
}

TEST_F(NodeWorkflowTest, CommentRules) {
  std::string id = NewDirective();
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Route{id, {"tp1"}}).status().ok());
  EXPECT_TRUE(IsRefused(node_->Do(As("tp2"), act::Comment{id, "Tôi chưa được hỏi."}).status(), "'tp2' may not comment"));
  EXPECT_TRUE(IsRefused(node_->Do(As("pgd"), act::Comment{id, "Ý kiến."}).status(), "'pgd' may not comment"));
  EXPECT_TRUE(IsRefused(node_->Do(As("vanthu"), act::Comment{id, "Ý kiến."}).status(), "'vanthu' may not comment"));
  EXPECT_TRUE(HasCode(node_->Do(As("tp1"), act::Comment{id, "   "}).status(), Status::Code::kBadInput, "the comment is empty"));
  ASSERT_TRUE(node_->Do(As("tp1"), act::Comment{id, "Nhất trí, đề nghị sửa mục II."}).status().ok());
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Comment{id, "Đã tiếp thu."}).status().ok());
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Submit{id, "giamdoc"}).status().ok());
  ASSERT_TRUE(node_->Do(As("giamdoc"), act::Comment{id, "Ý kiến của Giám đốc."}).status().ok());
  auto d = node_->Show(id);
  ASSERT_EQ(d->comments.size(), 3u);
  EXPECT_EQ(d->comments[0].text, "Nhất trí, đề nghị sửa mục II.");
  EXPECT_EQ(d->comments[2].author, node_->authority().FindLogin(node_->org().root, "giamdoc")->key);
}

TEST_F(NodeWorkflowTest, RequireConcurrenceBlocksSubmitUntilEveryReviewerApproved) {
  EXPECT_TRUE(IsRefused(node_->SetSetting(As("chuyenvien"), "require-concurrence", "yes"), "does not hold the role admin"));
  ASSERT_TRUE(node_->SetSetting(As("giamdoc"), "require-concurrence", "yes").ok());
  EXPECT_EQ(node_->authority().CurrentSetting(node_->org().root, "require-concurrence", "no"), "yes");
  std::string id = NewDirective();
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Route{id, {"tp1", "tp2"}}).status().ok());
  ASSERT_TRUE(node_->Do(As("tp1"), act::Approve{id}).status().ok());
  EXPECT_TRUE(IsRefused(node_->Do(As("chuyenvien"), act::Submit{id, "giamdoc"}).status(),
                        "this organisation requires every routed reviewer to concur; awaiting 'tp2'"));
  ASSERT_TRUE(node_->Do(As("tp2"), act::Approve{id}).status().ok());
  // A new revision: both approvals are of the old text now.
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Revise{id, DirectiveText("Phát động phong trào thi đua năm 2021",
                                                                      "Nội dung đã sửa.\n"),
                                  "v2.md"})
                  .ok());
  Status both = node_->Do(As("chuyenvien"), act::Submit{id, "giamdoc"}).status();
  EXPECT_TRUE(IsRefused(both, "this organisation requires every routed reviewer to concur; awaiting '"));
  EXPECT_TRUE(IsRefused(both, "'tp1'"));
  EXPECT_TRUE(IsRefused(both, "'tp2'"));
  ASSERT_TRUE(node_->Do(As("tp2"), act::Approve{id}).status().ok());
  EXPECT_TRUE(IsRefused(node_->Do(As("chuyenvien"), act::Submit{id, "giamdoc"}).status(), "awaiting 'tp1'"));
  ASSERT_TRUE(node_->Do(As("tp1"), act::Approve{id}).status().ok());
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Submit{id, "giamdoc"}).status().ok());
  EXPECT_EQ(StateOf(id), S::kSubmitted);
  // Without the setting (a second document after turning it off), submit needs no approval.
  ASSERT_TRUE(node_->SetSetting(As("giamdoc"), "require-concurrence", "no").ok());
  std::string id2 = NewDirective("Kế hoạch không cần đồng thuận");
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Route{id2, {"tp1"}}).status().ok());
  EXPECT_TRUE(node_->Do(As("chuyenvien"), act::Submit{id2, "giamdoc"}).status().ok());
  EXPECT_TRUE(HasCode(node_->SetSetting(As("giamdoc"), "require-concurrence", "maybe"), Status::Code::kBadInput,
                      "setting require-concurrence takes yes or no, not 'maybe'"));
  EXPECT_TRUE(HasCode(node_->SetSetting(As("giamdoc"), "colour", "yes"), Status::Code::kBadInput, "unknown setting 'colour'"));
}

TEST_F(NodeWorkflowTest, ConcurrentEditsNeedAMergeRevision) {
  std::string id = NewDirective();
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Route{id, {"tp1"}}).status().ok());
  const std::string title = "Phát động phong trào thi đua năm 2021";
  // Two edits, both continuing revision 1 (as two offices would offline).
  auto a = node_->Do(As("chuyenvien"), act::Revise{id, DirectiveText(title, "Bản của phòng A.\n"), "a.md", id.substr(0, 12)});
  ASSERT_TRUE(a.ok()) << a.status().message();
  auto b = node_->Do(As("chuyenvien"), act::Revise{id, DirectiveText(title, "Bản của phòng B.\n"), "b.md", id.substr(0, 12)});
  ASSERT_TRUE(b.ok()) << b.status().message();
  auto d = node_->Show(id);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->conflicted());
  std::vector<std::string> heads;
  for (const RecordId& h : d->rev_heads) heads.push_back(ToHex(h));
  std::sort(heads.begin(), heads.end());
  std::vector<std::string> want = {a->record, b->record};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(heads, want);
  EXPECT_EQ(node_->Inbox("chuyenvien")->at(0).action, "merge");
  // Refused until merged.
  EXPECT_TRUE(IsRefused(node_->Do(As("chuyenvien"), act::Submit{id, "giamdoc"}).status(),
                        "the document has 2 concurrent revisions; make a merge revision first"));
  EXPECT_TRUE(IsRefused(node_->Do(As("tp1"), act::Approve{id}).status(), "2 concurrent revisions"));
  EXPECT_TRUE(IsRefused(node_->Do(As("giamdoc"), act::Sign{id, false}).status(), "cannot sign a document in state in_review"));
  EXPECT_TRUE(HasCode(node_->Do(As("chuyenvien"), act::Revise{id, DirectiveText(title, "x\n"), "c.md", "r9"}).status(),
                      Status::Code::kNotFound, "no revision 'r9'"));
  EXPECT_TRUE(HasCode(node_->Do(As("chuyenvien"), act::Revise{id, DirectiveText(title, "x\n"), "c.md", "9"}).status(),
                      Status::Code::kBadInput, "'9' is not a revision"));
  // The merge: an edit without a base continues every head.
  auto m = node_->Do(As("chuyenvien"), act::Revise{id, DirectiveText(title, "Bản hợp nhất A và B.\n"), "m.md"});
  ASSERT_TRUE(m.ok()) << m.status().message();
  d = node_->Show(id);
  EXPECT_FALSE(d->conflicted());
  ASSERT_NE(d->current(), nullptr);
  EXPECT_EQ(ToHex(d->current()->id), m->record);
  EXPECT_EQ(d->current()->bases.size(), 2u);
  ASSERT_TRUE(node_->Do(As("tp1"), act::Approve{id}).status().ok());
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Submit{id, "giamdoc"}).status().ok());
  ASSERT_TRUE(node_->Do(As("giamdoc"), act::Sign{id, false}).status().ok());
  EXPECT_EQ(StateOf(id), S::kSigned);
}

TEST_F(NodeWorkflowTest, FoldOfTheStoredRecordsIsTheShownState) {
  std::string id = NewDirective();
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Route{id, {"tp1", "tp2"}}).status().ok());
  ASSERT_TRUE(node_->Do(As("tp2"), act::Comment{id, "Góp ý."}).status().ok());
  ASSERT_TRUE(node_->Do(As("tp1"), act::Approve{id}).status().ok());
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Submit{id, "giamdoc"}).status().ok());
  auto log = node_->Log(id);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 5u);
  EXPECT_EQ((*log)[0].event.type, "doc.create");
  EXPECT_EQ((*log)[4].event.type, "doc.submit");
  for (const auto& e : *log) EXPECT_TRUE(e.event.accepted);
  std::vector<Record> records;
  for (const auto& e : *log) records.push_back(e.record);
  const std::string shown = Summary(node_->Show(id).value());
  std::mt19937 rng(7);
  for (int round = 0; round < 10; ++round) {
    std::shuffle(records.begin(), records.end(), rng);
    auto f = FoldDocument(node_->authority(), records);
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(Summary(*f), shown);
  }
}

TEST_F(NodeWorkflowTest, ABehindClockDoesNotPredateTheDocument) {
  std::string id;
  {
    ScopedNow now("2024-03-01T10:00:00+07:00");
    id = NewDirective();
  }
  // This machine's clock is an hour behind: the route is dated with its parent's time.
  ScopedNow behind("2024-03-01T09:00:00+07:00");
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Route{id, {"tp1"}}).status().ok());
  auto d = node_->Show(id);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->state, S::kInReview);
  ASSERT_EQ(d->routed.size(), 1u);
  EXPECT_EQ(d->routed[0].second.Iso(), "2024-03-01T10:00:00+07:00");
  EXPECT_TRUE(node_->Check()->ok);
}

// Issues a fresh document of `text`: new, submit, sign, issue. Returns the number.
std::string IssueNew(Node& node, const std::string& text) {
  auto ref = node.Do(As("chuyenvien"), act::Draft{text, "x.md"});
  EXPECT_TRUE(ref.ok()) << ref.status().message();
  if (!ref.ok()) return "";
  EXPECT_TRUE(node.Do(As("chuyenvien"), act::Submit{ref->id, "giamdoc"}).status().ok());
  EXPECT_TRUE(node.Do(As("giamdoc"), act::Sign{ref->id, false}).status().ok());
  auto n = vanban::testing::NumberOf(node.Do(As("vanthu"), act::Issue{ref->id}));
  EXPECT_TRUE(n.ok()) << n.status().message();
  return n.ok() ? *n : "";
}

TEST_F(NodeWorkflowTest, NumberingPerSymbolAndYear) {
  {
    ScopedNow now("2024-06-03T09:00:00+07:00");
    EXPECT_EQ(IssueNew(*node_, DirectiveText("Kế hoạch một")), "01/KH-SNgV");
    EXPECT_EQ(IssueNew(*node_, DirectiveText("Kế hoạch hai")), "02/KH-SNgV");
    EXPECT_EQ(IssueNew(*node_, ReportText("Báo cáo một")), "01/BC-SNgV");  // its own register line
  }
  {
    ScopedNow now("2025-01-02T09:00:00+07:00");
    EXPECT_EQ(IssueNew(*node_, DirectiveText("Kế hoạch năm mới")), "01/KH-SNgV");  // a new year starts at 1
  }
  ASSERT_EQ(testing::HeldNow().load(), INT64_MIN);  // the clock let go
  auto y2024 = node_->Register(2024, false);
  ASSERT_TRUE(y2024.ok());
  ASSERT_EQ(y2024->size(), 3u);
  // Sorted by symbol, then number.
  EXPECT_EQ((*y2024)[0].number, "01/BC-SNgV");
  EXPECT_EQ((*y2024)[1].number, "01/KH-SNgV");
  EXPECT_EQ((*y2024)[1].title, "Kế hoạch một");
  EXPECT_EQ((*y2024)[2].number, "02/KH-SNgV");
  for (const auto& e : *y2024) EXPECT_TRUE(e.collides_with.empty());
  auto y2025 = node_->Register(2025, false);
  ASSERT_EQ(y2025->size(), 1u);
  EXPECT_EQ((*y2025)[0].year, 2025);
  EXPECT_EQ((*y2025)[0].date, "2025-01-02");
  EXPECT_EQ(node_->Register(std::nullopt, false)->size(), 4u);
  EXPECT_TRUE(node_->Register(std::nullopt, true)->empty());  // incoming: nothing arrived
  EXPECT_TRUE(node_->Check()->ok);
}

TEST_F(NodeWorkflowTest, IssueDateIsInVietnamTime) {
  // 20:00 UTC on 31 December is already 1 January 2025 in Lạng Sơn.
  ScopedNow now("2024-12-31T20:00:00Z");
  std::string n = IssueNew(*node_, DirectiveText("Kế hoạch giao thừa"));
  EXPECT_EQ(n, "01/KH-SNgV");
  auto reg = node_->Register(2025, false);
  ASSERT_EQ(reg->size(), 1u);
  EXPECT_EQ((*reg)[0].date, "2025-01-01");
  EXPECT_TRUE(node_->Register(2024, false)->empty());
  auto d = node_->Show("01/KH-SNgV");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->issue->at.Iso(), "2025-01-01T03:00:00+07:00");
}

TEST_F(NodeWorkflowTest, RevokedPersonsLaterActionsRefusedEarlierRecordsCount) {
  std::string id;
  {
    ScopedNow now("2024-03-01T10:00:00+07:00");
    id = NewDirective();
    ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Route{id, {"tp1", "tp2"}}).status().ok());
    ASSERT_TRUE(node_->Do(As("tp1"), act::Approve{id}).status().ok());
    ASSERT_TRUE(node_->Do(As("tp1"), act::Comment{id, "Nhất trí."}).status().ok());
  }
  {
    ScopedNow now("2024-03-01T11:00:00+07:00");
    EXPECT_TRUE(IsRefused(node_->RevokeUser(As("tp2"), "tp1"), "does not hold the role admin"));
    ASSERT_TRUE(node_->RevokeUser(As("giamdoc"), "tp1").ok());
  }
  ScopedNow now("2024-03-01T11:30:00+07:00");
  Status s = node_->Do(As("tp1"), act::Comment{id, "Ý kiến sau khi thôi việc."}).status();
  EXPECT_EQ(s.exit_code(), 3);
  EXPECT_TRUE(IsRefused(s, "'tp1' has been revoked"));
  // A record tp1 signs by hand after the revocation is refused on arrival too.
  const SecretKey tp1_key = PersonKey("tp1");
  auto d = node_->Show(id);
  ASSERT_TRUE(d.ok());
  Record late("doc.approve");
  late.Add("doc", id);
  late.Add("rev", id);
  late.Add("at", "2024-03-01T11:30:00+07:00");
  for (const RecordId& h : d->heads) late.Add("parent", ToHex(h));
  ASSERT_TRUE(late.Sign(tp1_key).ok());
  auto rep = node_->Ingest({late.bytes()});
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->accepted, 0u);
  ASSERT_EQ(rep->refused.size(), 1u);
  EXPECT_NE(rep->refused[0].find("'tp1' holds no role at 2024-03-01T11:30:00+07:00 (revoked)"), std::string::npos)
      << rep->refused[0];
  // The approval and comment made at 10:00 still count.
  d = node_->Show(id);
  ASSERT_EQ(d->approvals.size(), 1u);
  EXPECT_EQ(d->comments.size(), 1u);
  EXPECT_TRUE(d->routed_to(tp1_key.public_key()));
  EXPECT_TRUE(node_->Inbox("tp1")->empty());  // a revoked person has nothing to do
  auto users = node_->Users();
  auto tp1 = std::find_if(users.begin(), users.end(), [](const Person& p) { return p.login == "tp1"; });
  ASSERT_NE(tp1, users.end());
  EXPECT_FALSE(tp1->active());
  // The document moves on without tp1.
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Submit{id, "giamdoc"}).status().ok());
  EXPECT_TRUE(node_->Check()->ok);
}

TEST_F(NodeWorkflowTest, RevocationArrivingLateUndoesLaterRecords) {
  std::string id;
  {
    ScopedNow now("2024-03-01T10:00:00+07:00");
    id = NewDirective();
    ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Route{id, {"tp1"}}).status().ok());
  }
  // tp1 comments at 11:30 (e.g. on another node) and it arrives here first.
  auto d = node_->Show(id);
  Record late("doc.comment");
  late.Add("doc", id);
  late.Add("rev", id);
  late.Add("at", "2024-03-01T11:30:00+07:00");
  for (const RecordId& h : d->heads) late.Add("parent", ToHex(h));
  late.SetText("Ý kiến lúc 11 giờ 30.");
  ASSERT_TRUE(late.Sign(PersonKey("tp1")).ok());
  auto rep = node_->Ingest({late.bytes()});
  ASSERT_TRUE(rep.ok());
  ASSERT_EQ(rep->accepted, 1u) << (rep->refused.empty() ? "" : rep->refused[0]);
  EXPECT_EQ(node_->Show(id)->comments.size(), 1u);
  // Then the revocation, dated 11:00.
  {
    ScopedNow now("2024-03-01T11:00:00+07:00");
    ASSERT_TRUE(node_->RevokeUser(As("giamdoc"), "tp1").ok());
  }
  d = node_->Show(id);
  EXPECT_TRUE(d->comments.empty());
  bool logged = false;
  for (const Event& e : d->log)
    if (e.id == late.id()) logged = !e.accepted && e.note.find("(revoked)") != std::string::npos;
  EXPECT_TRUE(logged);
  auto check = node_->Check();
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->ok) << (check->problems.empty() ? "" : check->problems[0]);
  ASSERT_FALSE(check->notes.empty());
  EXPECT_NE(check->notes[0].find("does not count"), std::string::npos) << check->notes[0];
}

TEST_F(NodeWorkflowTest, WrongPassphraseChangesNothing) {
  std::string id = NewDirective();
  const int64_t before = RecordCount();
  Status s = node_->Do(As("chuyenvien", "sai mật khẩu"), act::Route{id, {"tp1"}}).status();
  EXPECT_EQ(s.code(), Status::Code::kBadInput);
  EXPECT_EQ(s.exit_code(), 2);
  EXPECT_NE(s.message().find("wrong passphrase for the person key of 'chuyenvien'"), std::string::npos) << s.message();
  EXPECT_EQ(RecordCount(), before);
  EXPECT_EQ(StateOf(id), S::kDraft);
  // No passphrase at all, or a source that fails, is bad input too.
  EXPECT_TRUE(HasCode(node_->Do(Actor{"chuyenvien", nullptr}, act::Route{id, {"tp1"}}).status(), Status::Code::kBadInput, "no passphrase given"));
  PassphraseSource fails = []() -> Result<std::string> { return Status::BadInput("no terminal to ask on"); };
  EXPECT_TRUE(HasCode(node_->Do(Actor{"chuyenvien", fails}, act::Route{id, {"tp1"}}).status(), Status::Code::kBadInput, "no terminal"));
  EXPECT_EQ(RecordCount(), before);
  // The right one still works afterwards.
  EXPECT_TRUE(node_->Do(As("chuyenvien"), act::Route{id, {"tp1"}}).status().ok());
  EXPECT_EQ(RecordCount(), before + 1);
}

TEST_F(NodeWorkflowTest, UnknownActorOrDocument) {
  std::string id = NewDirective();
  EXPECT_TRUE(HasCode(node_->Do(As("khach"), act::Route{id, {"tp1"}}).status(), Status::Code::kNotFound, "no person 'khach'"));
  EXPECT_TRUE(HasCode(node_->Do(As("chuyenvien"), act::Route{id, {"khach"}}).status(), Status::Code::kNotFound, "no person 'khach'"));
  EXPECT_TRUE(HasCode(node_->Do(As("chuyenvien"), act::Route{id, {}}).status(), Status::Code::kBadInput, "--to names at least one reviewer"));
  EXPECT_TRUE(HasCode(node_->Do(As("tp1"), act::Approve{"ffffffff"}).status(), Status::Code::kNotFound, "no document ffffffff"));
  EXPECT_TRUE(HasCode(node_->Do(As("tp1"), act::Approve{"xyz"}).status(), Status::Code::kBadInput, "is not a document id"));
}

// --- a pledge between two organisations in one store ---------------------------------

class PledgeTest : public OrgTest {
 protected:
  struct Other {
    SecretKey root, seal, signer;
    std::string signer_login, signer_name;
    std::vector<Record> records;
  };
  // Another organisation's card, made in memory: org.create and one signer.
  Other MakeOrg(const std::string& code, const std::string& name, const std::string& login, const std::string& person) {
    Other o{SecretKey::Generate(), SecretKey::Generate(), SecretKey::Generate(), login, person, {}};
    const std::string at = kBefore;
    Record create("org.create");
    create.Add("org", ToHex(o.root.public_key()));
    create.Add("code", code);
    create.Add("name", name);
    create.Add("place", "Cao Bằng");
    create.Add("seal", ToHex(o.seal.public_key()));
    create.Add("head-title", "Giám đốc");
    create.Add("utc-offset", "+07:00");
    create.Add("at", at);
    EXPECT_TRUE(create.Sign(o.root).ok());
    Record grant("person.grant");
    grant.Add("org", ToHex(o.root.public_key()));
    grant.Add("key", ToHex(o.signer.public_key()));
    grant.Add("login", login);
    grant.Add("name", person);
    grant.Add("title", "Giám đốc");
    grant.Add("role", "signer");
    grant.Add("at", at);
    grant.Add("parent", create.id_hex());
    EXPECT_TRUE(grant.Sign(o.root).ok());
    o.records = {create, grant};
    return o;
  }
  static std::string Card(const Other& o) {
    std::string card = "vanban-card 1\n";
    for (const Record& r : o.records) card += "record " + std::to_string(r.bytes().size()) + "\n" + r.bytes();
    return card;
  }
  // The other organisation's signer signs the current revision, by hand.
  Record SignAs(const Other& o, const std::string& id) {
    auto d = node_->Show(id);
    EXPECT_TRUE(d.ok());
    Record r("doc.sign");
    r.Add("doc", id);
    r.Add("rev", ToHex(d->current()->id));
    r.Add("name", o.signer_name);
    r.Add("title", "Giám đốc");
    r.Add("at", node_->Now().Iso());
    for (const RecordId& h : d->heads) r.Add("parent", ToHex(h));
    EXPECT_TRUE(r.Sign(o.signer).ok());
    return r;
  }
  static constexpr const char* kBefore = "2024-01-02T08:30:00+07:00";
};

TEST_F(PledgeTest, TwoOrganisationsSignInOrder) {
  Other cb = MakeOrg("SNV", "Sở Nội vụ tỉnh Cao Bằng", "nvdung", "Nông Văn Dũng");
  Other lc = MakeOrg("SNgV", "Sở Ngoại vụ tỉnh Lào Cai", "ltmai", "Lò Thị Mai");
  ASSERT_TRUE(node_->Trust(Card(cb), "caobang").ok());
  ASSERT_TRUE(node_->Trust(Card(lc), "laocai").ok());
  auto trusted = node_->Trusted();
  ASSERT_EQ(trusted.size(), 2u);
  EXPECT_EQ(trusted[0].first, "caobang");
  EXPECT_EQ(trusted[0].second, cb.root.public_key());
  EXPECT_EQ(node_->OrgName(cb.root.public_key()), "Sở Nội vụ tỉnh Cao Bằng");

  auto ref = node_->Do(As("chuyenvien"), act::Draft{PledgeText({"caobang", "laocai"}), "giao-uoc.md"});
  ASSERT_TRUE(ref.ok()) << ref.status().message();
  const std::string id = ref->id;
  auto d = node_->Show(id);
  EXPECT_EQ(d->parties, (std::vector<PublicKey>{cb.root.public_key(), lc.root.public_key()}));
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Submit{id, "giamdoc"}).status().ok());

  // Cao Bằng may not sign before Lạng Sơn.
  auto early = node_->Ingest({SignAs(cb, id).bytes()});
  ASSERT_TRUE(early.ok());
  ASSERT_EQ(early->refused.size(), 1u);
  EXPECT_NE(early->refused[0].find("it was submitted to 'giamdoc', not to 'nvdung'"), std::string::npos) << early->refused[0];

  ASSERT_TRUE(node_->Do(As("giamdoc"), act::Sign{id, false}).status().ok());
  EXPECT_EQ(StateOf(id), S::kPartiallySigned);
  // Lào Cai out of turn: the message names whose signature is awaited.
  auto out_of_order = node_->Ingest({SignAs(lc, id).bytes()});
  ASSERT_TRUE(out_of_order.ok());
  EXPECT_EQ(out_of_order->accepted, 0u);
  ASSERT_EQ(out_of_order->refused.size(), 1u);
  EXPECT_NE(out_of_order->refused[0].find("awaiting the signature of Sở Nội vụ tỉnh Cao Bằng first"), std::string::npos)
      << out_of_order->refused[0];
  EXPECT_TRUE(IsRefused(node_->Do(As("pgd"), act::Sign{id, false}).status(), "awaiting the signature of Sở Nội vụ tỉnh Cao Bằng first"));
  EXPECT_EQ(StateOf(id), S::kPartiallySigned);

  auto by_cb = node_->Ingest({SignAs(cb, id).bytes()});
  ASSERT_TRUE(by_cb.ok());
  ASSERT_EQ(by_cb->accepted, 1u) << (by_cb->refused.empty() ? "" : by_cb->refused[0]);
  EXPECT_EQ(StateOf(id), S::kPartiallySigned);
  auto by_lc = node_->Ingest({SignAs(lc, id).bytes()});
  ASSERT_EQ(by_lc->accepted, 1u) << (by_lc->refused.empty() ? "" : by_lc->refused[0]);
  d = node_->Show(id);
  EXPECT_EQ(d->state, S::kSigned);
  ASSERT_EQ(d->signatures.size(), 3u);
  EXPECT_EQ(d->signatures[0].org, node_->org().root);
  EXPECT_EQ(d->signatures[1].org, cb.root.public_key());
  EXPECT_EQ(d->signatures[1].name, "Nông Văn Dũng");
  EXPECT_EQ(d->signatures[2].org, lc.root.public_key());
  EXPECT_EQ(node_->Who(cb.signer.public_key()), "nvdung@SNV");
  auto n = vanban::testing::NumberOf(node_->Do(As("vanthu"), act::Issue{id}));
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(*n, "01/GƯ-SNgV");
  EXPECT_TRUE(node_->Check()->ok);
}

TEST_F(PledgeTest, SingleParty) {
  Other cb = MakeOrg("SNV", "Sở Nội vụ tỉnh Cao Bằng", "giamdoc", "Nông Văn Dũng");  // same login as ours: fine
  ASSERT_TRUE(node_->Trust(Card(cb), "caobang").ok());
  auto ref = node_->Do(As("chuyenvien"), act::Draft{PledgeText({"caobang"}), "giao-uoc.md"});
  ASSERT_TRUE(ref.ok()) << ref.status().message();
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Submit{ref->id, "giamdoc"}).status().ok());
  ASSERT_TRUE(node_->Do(As("giamdoc"), act::Sign{ref->id, false}).status().ok());
  EXPECT_EQ(StateOf(ref->id), S::kPartiallySigned);
  auto rep = node_->Ingest({SignAs(cb, ref->id).bytes()});
  ASSERT_TRUE(rep.ok());
  ASSERT_EQ(rep->accepted, 1u) << (rep->refused.empty() ? "" : rep->refused[0]);
  EXPECT_EQ(StateOf(ref->id), S::kSigned);
}

TEST_F(PledgeTest, PartiesMustBeTrusted) {
  auto ref = node_->Do(As("chuyenvien"), act::Draft{PledgeText({"caobang"}), "giao-uoc.md"});
  ASSERT_FALSE(ref.ok());
  EXPECT_TRUE(HasCode(ref.status(), Status::Code::kNotFound, "giao-uoc.md: party 'caobang' is not a trusted organisation"));
}

}  // namespace
}  // namespace vanban
