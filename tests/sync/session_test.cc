// Sessions and bundles between two organisations' nodes, in-process on 127.0.0.1:
// what the receiving node keeps whatever the other sends (scope on receipt, also
// against a modified peer that skips the sender's filter), the bundle import rules
// (forged header, unadmitted node, damaged entries), and that importing a bundle
// gives the same records as a network sync.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "sync/bundle.h"
#include "sync/intake.h"
#include "sync/messages.h"
#include "sync/reconcile.h"
#include "sync/session.h"
#include "tests/core/fixture.h"

namespace vanban::sync {
namespace {

using testing::As;
using testing::Pass;
using testing::ScopedNow;
using testing::SecondOrg;
using testing::TempDir;
using testing::TestOptions;

std::string Addressed(const std::string& title, const std::string& alias) {
  return "---\nkind: directive\ntitle: " + title + "\nrecipients:\n  - org:" + alias +
         "\n  - \"Lưu: VT, VP.\"\n---\n## I. MỤC ĐÍCH, YÊU CẦU\n1. Đẩy mạnh phong trào thi đua.\n";
}

bool Has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// A modified peer: the session as Exchange runs it on the client's side, but offering
// every record its node holds, whatever the other organisation may hold (the sender's
// filter skipped). What the other side sends back is read and answered with a report.
awaitable<Status> SendEverything(Channel& ch, Node& node) {
  auto all = node.SharedWith(node.org().root);  // everything held
  if (!all.ok()) co_return all.status();
  std::vector<Id> ids;
  for (const Node::HeldRecord& h : *all) ids.push_back(h.id);
  Reconciler rec(std::move(ids));
  Status s = co_await ch.Send(std::string(1, kReconcile) + rec.Start());
  if (!s.ok()) co_return s;
  auto next = [&](char want) -> awaitable<Result<std::string>> {
    auto m = co_await ch.Receive();
    if (!m.ok()) co_return m.status();
    if (!*m || (*m)->empty() || (**m)[0] != want) co_return Status::Peer("unexpected message");
    co_return (*m)->substr(1);
  };
  for (bool done = false; !done;) {
    auto m = co_await next(kReconcile);
    if (!m.ok()) co_return m.status();
    auto step = rec.Answer(*m);
    if (!step.ok()) co_return step.status();
    if (step->reply) {
      s = co_await ch.Send(std::string(1, kReconcile) + *step->reply);
      if (!s.ok()) co_return s;
    }
    done = step->done;
  }
  std::vector<int64_t> seqs;
  for (size_t i : rec.PeerLacks()) seqs.push_back((*all)[i].seq);
  auto out = node.ReadHeld(seqs);
  if (!out.ok()) co_return out.status();
  std::string batch(1, kBatch);
  PutVarint(batch, out->blobs.size());
  for (const std::string& b : out->blobs) PutBytes(batch, b);
  PutVarint(batch, out->records.size());
  for (const std::string& r : out->records) PutBytes(batch, r);
  if (s = co_await ch.Send(batch); !s.ok()) co_return s;
  std::string end(1, kEnd);
  PutVarint(end, out->records.size());
  if (s = co_await ch.Send(end); !s.ok()) co_return s;
  if (auto a = co_await next(kReport); !a.ok()) co_return a.status();
  for (;;) {
    auto m = co_await ch.Receive();
    if (!m.ok()) co_return m.status();
    if (!*m || (*m)->empty()) co_return Status::Peer("the peer ended the session early");
    if ((**m)[0] == kEnd) break;
  }
  std::string report(1, kReport);
  for (int i = 0; i < 4; ++i) PutVarint(report, 0);
  co_return co_await ch.Send(report);
}

// Lạng Sơn (the fixture's organisation, A) and Cao Bằng (P), trusting each other.
// A holds a draft with a comment, and a directive addressed to P with its whole
// internal history: routing, a comment, a concurrence, a submission, a return,
// an edit, a second submission, the signature, the issuance.
class TwoOrgsTest : public testing::OrgTest {
 protected:
  void SetUp() override {
    OrgTest::SetUp();
    root_ = TempDir("session");
    auto p = SecondOrg(root_ + "/p", {.staff = true});
    ASSERT_TRUE(p.ok()) << p.status().message();
    p_ = std::move(p).value();
    ASSERT_TRUE(node_->Trust(p_->OrgCard().value(), "caobang").ok());
    ASSERT_TRUE(p_->Trust(node_->OrgCard().value(), "langson").ok());
    auto ak = node_->UnlockNodeKey(Pass("matkhau"));
    auto pk = p_->UnlockNodeKey(Pass("matkhau"));
    ASSERT_TRUE(ak.ok() && pk.ok());
    a_key_ = std::make_unique<SecretKey>(std::move(ak).value());
    p_key_ = std::make_unique<SecretKey>(std::move(pk).value());
    ScopedNow now("2024-03-05T08:00:00+07:00");
    draft_ = node_->Do(As("chuyenvien"), act::Draft{Addressed("Dự thảo nội bộ", "caobang"), "d.md"})->id;
    ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Comment{draft_, "Ý kiến nội bộ"}).status().ok());
    id_ = node_->Do(As("chuyenvien"), act::Draft{Addressed("Kế hoạch gửi Cao Bằng", "caobang"), "i.md"})->id;
    ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Route{id_, {"tp1"}}).status().ok());
    ASSERT_TRUE(node_->Do(As("tp1"), act::Comment{id_, "Góp ý nội bộ"}).status().ok());
    ASSERT_TRUE(node_->Do(As("tp1"), act::Approve{id_}).status().ok());
    ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Submit{id_, "pgd"}).status().ok());
    ASSERT_TRUE(node_->Do(As("pgd"), act::Return{id_, "Lý do trả lại nội bộ"}).status().ok());
    ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Revise{id_, Addressed("Kế hoạch (sửa)", "caobang"), "i.md"}).ok());
    ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Submit{id_, "pgd"}).status().ok());
    ASSERT_TRUE(node_->Do(As("pgd"), act::Sign{id_, false}).status().ok());
    ASSERT_TRUE(node_->Do(As("vanthu"), act::Issue{id_}).ok());
  }
  void TearDown() override {
    p_.reset();
    std::filesystem::remove_all(root_);
    OrgTest::TearDown();
  }

  struct Ran {
    std::optional<Result<SessionReport>> server;
    Status client = Status::Invalid("the client did not run");
  };
  // One session on 127.0.0.1: `server` answers with Exchange; the client's node
  // connects as `client_key` and runs `client` on the channel.
  Ran Session(Node& server, const SecretKey& server_key, Node& client_node, const SecretKey& client_key,
              std::function<awaitable<Status>(Channel&)> client) {
    asio::io_context io;
    Ran out;
    int finished = 0;
    std::unique_ptr<Server> srv;
    auto one_done = [&]() {
      if (++finished == 2) srv->Stop();
    };
    SessionHandler handler = [&](Channel& ch) -> awaitable<void> {
      out.server = co_await Exchange(ch, server, false);
      const std::string why = out.server->ok() ? "" : out.server->status().message();
      co_await ch.Close(why);
      one_done();
    };
    srv = std::make_unique<Server>(io, server_key, NodePolicy(server), handler, Server::Options{});
    EXPECT_TRUE(srv->Listen(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)).ok());
    const tcp::endpoint at(asio::ip::make_address("127.0.0.1"), srv->port());
    asio::co_spawn(
        io,
        [&]() -> awaitable<void> {
          auto ch = co_await Connect(at, client_key, NodePolicy(client_node));
          if (!ch.ok()) {
            out.client = ch.status();
            srv->Stop();
            co_return;
          }
          out.client = co_await client(**ch);
          co_await (*ch)->Close();
          one_done();
        },
        asio::detached);
    io.run();
    return out;
  }
  static std::function<awaitable<Status>(Channel&)> Honest(Node& n, ExchangeOptions o = {}) {
    return [&n, o](Channel& ch) -> awaitable<Status> {
      auto rep = co_await Exchange(ch, n, true, o);
      co_return rep.status();
    };
  }

  // The record types of A's directive that `n` holds, sorted.
  std::vector<std::string> TypesHeld(Node& n) {
    std::vector<std::string> out;
    auto log = n.Log(id_);
    if (!log.ok()) return out;
    for (const auto& e : *log) out.push_back(e.record.type());
    std::sort(out.begin(), out.end());
    return out;
  }
  int64_t Records(Node& n) {
    auto c = n.Check();
    EXPECT_TRUE(c.ok());
    return c.ok() ? c->records : -1;
  }
  void ExpectOnlyTheShare(Node& n) {
    EXPECT_EQ(TypesHeld(n), kShare);
    auto d = n.Show(id_);
    ASSERT_TRUE(d.ok()) << d.status().message();
    EXPECT_EQ(d->state, DocState::kIssued);
    EXPECT_TRUE(d->comments.empty());
    EXPECT_EQ(n.Show(draft_).status().code(), Status::Code::kNotFound);
    auto c = n.Check();
    ASSERT_TRUE(c.ok());
    EXPECT_TRUE(c->ok) << ::testing::PrintToString(c->problems);
  }
  // A bundle A makes for `for_org`, with header lines replaced as given.
  std::string Bundle(const PublicKey& for_org, const std::vector<std::pair<std::string, std::string>>& replace = {}) {
    std::string b;
    auto made = MakeBundle(*node_, *a_key_, for_org, &b);
    EXPECT_TRUE(made.ok()) << made.status().message();
    for (const auto& [from, to] : replace) {
      size_t at = b.find(from);
      EXPECT_NE(at, std::string::npos) << from;
      if (at != std::string::npos) b.replace(at, from.size(), to);
    }
    return b;
  }

  const std::vector<std::string> kShare = {"doc.create", "doc.issue", "doc.revise", "doc.sign", "doc.submit"};
  std::string root_, draft_, id_;
  std::unique_ptr<Node> p_;
  std::unique_ptr<SecretKey> a_key_, p_key_;
};

// --- Intake: a transfer's batches, each checked while the one before it is applied

// A's records as a peer would hand them to P in batches of `per_batch` (the blobs with
// the first), everything A holds or only P's share.
struct Handed {
  size_t accepted = 0, duplicate = 0;
  std::vector<std::string> refused;
  size_t refused_count = 0;
};
Handed HandOver(Node& from, Node& to, bool everything, size_t per_batch, size_t keep_reasons = 100) {
  auto held = from.SharedWith(everything ? from.org().root : to.org().root).value();
  std::vector<int64_t> seqs;
  for (const Node::HeldRecord& h : held) seqs.push_back(h.seq);
  Node::Outgoing out = from.ReadHeld(seqs).value();
  Intake intake(to, keep_reasons);
  std::vector<std::string> blobs = out.blobs;
  for (size_t at = 0; at < out.records.size(); at += per_batch) {
    std::vector<std::string> batch(out.records.begin() + static_cast<long>(at),
                                   out.records.begin() + static_cast<long>(std::min(at + per_batch, out.records.size())));
    Status s = intake.Add(std::move(batch), std::move(blobs));
    EXPECT_TRUE(s.ok()) << s.message();
    blobs.clear();
  }
  Status s = intake.Finish();
  EXPECT_TRUE(s.ok()) << s.message();
  const size_t refused_count = intake.refused_count();
  return {intake.accepted(), intake.duplicate(), intake.TakeRefused(), refused_count};
}

TEST_F(TwoOrgsTest, AnIntakeOfOneRecordPerBatchKeepsTheWholeShare) {
  // The creation is held back, batch after batch, until the issuance brings it in.
  Handed h = HandOver(*node_, *p_, false, 1);
  EXPECT_EQ(h.accepted, kShare.size());
  EXPECT_TRUE(h.refused.empty()) << ::testing::PrintToString(h.refused);
  ExpectOnlyTheShare(*p_);
  // Again: every record is already held.
  Handed again = HandOver(*node_, *p_, false, 3);
  EXPECT_EQ(again.accepted, 0u);
  EXPECT_TRUE(again.refused.empty());
  ExpectOnlyTheShare(*p_);
}

TEST_F(TwoOrgsTest, AnIntakeRefusesAtTheEndWhatIsStillBeyondScope) {
  for (size_t per_batch : {1u, 4u}) {
    SCOPED_TRACE(per_batch);
    Handed h = HandOver(*node_, *p_, true, per_batch, 2);
    EXPECT_EQ(h.accepted, per_batch == 1 ? kShare.size() : 0u);  // the second time, all held
    EXPECT_EQ(h.refused.size(), 2u);                             // of more: only as many reasons as asked
    EXPECT_GT(h.refused_count, 2u);                              // ... but every refusal counted
    ExpectOnlyTheShare(*p_);
  }
}

TEST_F(TwoOrgsTest, AModifiedPeerPushingEverythingLeavesOnlyTheShare) {
  Ran ran = Session(*p_, *p_key_, *node_, *a_key_, [this](Channel& ch) { return SendEverything(ch, *node_); });
  ASSERT_TRUE(ran.client.ok()) << ran.client.message();
  ASSERT_TRUE(ran.server && ran.server->ok()) << (ran.server ? ran.server->status().message() : "no session");
  const SessionReport& rep = **ran.server;
  EXPECT_EQ(rep.received, kShare.size());
  // The draft's two, the directive's internal five: beyond scope in the batch that
  // brought them, then offered again at the end, where some fail the workflow first.
  EXPECT_EQ(rep.refused.size(), 2u + 10u - kShare.size());
  EXPECT_EQ(rep.refused_count, rep.refused.size());
  size_t beyond = 0;
  for (const std::string& why : rep.refused) beyond += Has(why, "this organisation may not hold");
  EXPECT_GE(beyond, 2u) << ::testing::PrintToString(rep.refused);
  ExpectOnlyTheShare(*p_);
}

TEST_F(TwoOrgsTest, AnHonestSyncInBatchesOfOneKeepsTheWholeShare) {
  // The creation arrives batches before the issuance that brings it into P's scope.
  Ran ran = Session(*p_, *p_key_, *node_, *a_key_, Honest(*node_, {.batch_records = 1}));
  ASSERT_TRUE(ran.client.ok()) << ran.client.message();
  ASSERT_TRUE(ran.server && ran.server->ok());
  EXPECT_EQ((*ran.server)->received, kShare.size());
  EXPECT_TRUE((*ran.server)->refused.empty()) << (*ran.server)->refused[0];
  ExpectOnlyTheShare(*p_);
}

TEST_F(TwoOrgsTest, ABundleImportGivesWhatANetworkSyncGives) {
  const std::string q_home = root_ + "/q";  // a second copy of P's home, as it is now
  p_.reset();
  std::filesystem::copy(root_ + "/p", q_home, std::filesystem::copy_options::recursive);
  p_ = Node::Open(root_ + "/p", TestOptions()).value();
  auto q = Node::Open(q_home, TestOptions()).value();
  auto imported = ImportBundle(*p_, Bundle(p_->org().root));
  ASSERT_TRUE(imported.ok()) << imported.status().message();
  EXPECT_TRUE(imported->clean());
  EXPECT_EQ(imported->accepted, kShare.size());
  Ran ran = Session(*node_, *a_key_, *q, *p_key_, Honest(*q));
  ASSERT_TRUE(ran.client.ok()) << ran.client.message();
  ExpectOnlyTheShare(*p_);
  ExpectOnlyTheShare(*q);
  EXPECT_EQ(p_->Check()->digest, q->Check()->digest);
  // Again: nothing new.
  auto again = ImportBundle(*p_, Bundle(p_->org().root));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->accepted, 0u);
  EXPECT_TRUE(again->clean());
}

TEST_F(TwoOrgsTest, ABundleWhoseForOrgWasChangedImportsNothing) {
  // A's bundle for its own nodes (everything), its for-org line made P's.
  const int64_t before = Records(*p_);
  std::string forged = Bundle(node_->org().root, {{"for-org " + ToHex(node_->org().root), "for-org " + ToHex(p_->org().root)}});
  auto rep = ImportBundle(*p_, forged);
  ASSERT_FALSE(rep.ok());
  EXPECT_EQ(rep.status().code(), Status::Code::kRefused);
  EXPECT_TRUE(Has(rep.status().message(), "signature does not verify")) << rep.status().message();
  EXPECT_EQ(Records(*p_), before);
  EXPECT_EQ(p_->Show(id_).status().code(), Status::Code::kNotFound);
}

TEST_F(TwoOrgsTest, ABundleWhoseFromNodeWasChangedImportsNothing) {
  // As if made by P's own node for P: from-org, from-node and for-org all P's.
  const int64_t before = Records(*p_);
  std::string forged = Bundle(node_->org().root, {{"from-org " + ToHex(node_->org().root), "from-org " + ToHex(p_->org().root)},
                                                  {"from-node " + ToHex(node_->node_key()), "from-node " + ToHex(p_->node_key())},
                                                  {"for-org " + ToHex(node_->org().root), "for-org " + ToHex(p_->org().root)}});
  auto rep = ImportBundle(*p_, forged);
  ASSERT_FALSE(rep.ok());
  EXPECT_EQ(rep.status().code(), Status::Code::kRefused);
  EXPECT_TRUE(Has(rep.status().message(), "signature does not verify")) << rep.status().message();
  EXPECT_EQ(Records(*p_), before);
}

TEST_F(TwoOrgsTest, ABundleForAnotherOrganisationIsRefused) {
  const int64_t before = Records(*p_);
  auto rep = ImportBundle(*p_, Bundle(node_->org().root));  // A's own, unchanged
  ASSERT_FALSE(rep.ok());
  EXPECT_EQ(rep.status().code(), Status::Code::kRefused);
  EXPECT_TRUE(Has(rep.status().message(), "not for Sở Nội vụ tỉnh Cao Bằng")) << rep.status().message();
  EXPECT_EQ(Records(*p_), before);
}

TEST_F(TwoOrgsTest, ABundleOfANodeNotAdmittedIsRefused) {
  // A node joined to A's organisation but never admitted makes a bundle for it.
  auto joined = Node::Join(root_ + "/joined", node_->OrgCard().value(), "mật khẩu máy mới", TestOptions());
  ASSERT_TRUE(joined.ok()) << joined.status().message();
  auto key = (*joined)->UnlockNodeKey(Pass("mật khẩu máy mới"));
  ASSERT_TRUE(key.ok());
  std::string b;
  ASSERT_TRUE(MakeBundle(**joined, *key, node_->org().root, &b).ok());
  const int64_t before = Records(*node_);
  auto rep = ImportBundle(*node_, b);
  ASSERT_FALSE(rep.ok());
  EXPECT_EQ(rep.status().code(), Status::Code::kRefused);
  EXPECT_TRUE(Has(rep.status().message(), "not admitted")) << rep.status().message();
  EXPECT_EQ(Records(*node_), before);
}

TEST_F(TwoOrgsTest, AShortLineInABundleIsDamageNotACrash) {
  std::string b = Bundle(p_->org().root);
  size_t first = b.find("\nrecord ");
  ASSERT_NE(first, std::string::npos);
  b.insert(first + 1, "ab\n");  // shorter than any entry's keyword
  auto rep = ImportBundle(*p_, b);
  ASSERT_TRUE(rep.ok()) << rep.status().message();
  std::string damage;
  for (const std::string& d : rep->damaged) damage += d + "\n";
  EXPECT_TRUE(Has(damage, "an unreadable entry line")) << damage;
}

TEST_F(TwoOrgsTest, ADamagedBundleKeepsWhatVerifiesAndAnIntactOneBringsTheRest) {
  std::string b = Bundle(p_->org().root);
  // The first entry's line made unreadable (the reader finds the next entry), and
  // one byte of the last record (the issuance) changed.
  size_t first = b.find("\nrecord ");
  ASSERT_NE(first, std::string::npos);
  b[first + 3] = 'X';  // "reXord"
  size_t last = b.rfind("\nrecord ");
  size_t content = b.find('\n', last + 1) + 1;
  b[content + 10] ^= 0x20;
  auto rep = ImportBundle(*p_, b);
  ASSERT_TRUE(rep.ok()) << rep.status().message();
  EXPECT_FALSE(rep->clean());
  std::string damage;
  for (const std::string& d : rep->damaged) damage += d + "\n";
  EXPECT_TRUE(Has(damage, "an unreadable entry line")) << damage;
  EXPECT_TRUE(Has(damage, "its bytes do not match its hash")) << damage;
  EXPECT_TRUE(Has(damage, "the body does not match the header's digest")) << damage;
  // Without its issuance the document is not (yet) P's to hold: nothing of it stays.
  EXPECT_EQ(rep->accepted, 0u);
  EXPECT_EQ(rep->refused.size(), kShare.size() - 1);
  EXPECT_EQ(p_->Show(id_).status().code(), Status::Code::kNotFound);
  auto fixed = ImportBundle(*p_, Bundle(p_->org().root));
  ASSERT_TRUE(fixed.ok());
  EXPECT_TRUE(fixed->clean());
  EXPECT_EQ(fixed->accepted, kShare.size());
  ExpectOnlyTheShare(*p_);
}

}  // namespace
}  // namespace vanban::sync
