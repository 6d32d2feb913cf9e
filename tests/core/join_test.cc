// More nodes of one organisation: a node joins from the organisation's card, an
// admin admits its key, and a person's key made on their own node is granted from
// another node through a key request; records move with Node::Ingest.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "core/keyrequest.h"
#include "core/node.h"
#include "core/record.h"
#include "core/x509.h"
#include "tests/core/fixture.h"

namespace vanban {
namespace {

using testing::As;
using testing::DirectiveText;
using testing::HasCode;
using testing::IsRefused;
using testing::OrgTest;
using testing::Pass;
using testing::SecondOrg;
using testing::TempDir;
using testing::TestOptions;

class JoinTest : public OrgTest {
 protected:
  void TearDown() override {
    b_.reset();
    if (!b_dir_.empty()) std::filesystem::remove_all(b_dir_);
    OrgTest::TearDown();
  }
  std::string Card() {
    auto card = node_->OrgCard();
    EXPECT_TRUE(card.ok()) << card.status().message();
    return card.ok() ? *card : "";
  }
  // Node B of the same organisation, joined from A's card.
  void JoinB() {
    b_dir_ = TempDir("join");
    auto b = Node::Join(b_dir_ + "/home", Card(), "mật khẩu máy B", TestOptions());
    ASSERT_TRUE(b.ok()) << b.status().message();
    b_ = std::move(b).value();
  }
  std::string BHome() const { return b_dir_ + "/home"; }
  // Every organisation record A holds, as B would receive them by sync.
  std::vector<std::string> OrgRecordsOfA() {
    auto parts = SplitRecordList("vanban-card 1\n", Card(), "card");
    EXPECT_TRUE(parts.ok());
    return parts.ok() ? *parts : std::vector<std::string>{};
  }

  std::string b_dir_;
  std::unique_ptr<Node> b_;
};

TEST_F(JoinTest, JoinFromTheCard) {
  JoinB();
  EXPECT_EQ(b_->org().root, node_->org().root);
  EXPECT_NE(b_->node_key(), node_->node_key());
  EXPECT_TRUE(b_->admin_login().empty());
  EXPECT_EQ(b_->Users().size(), node_->Users().size());
  EXPECT_FALSE(b_->admitted());
  EXPECT_TRUE(node_->admitted());
  // Only the node key: no root, seal or person key came over.
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(BHome() + "/keys")) files.push_back(e.path().filename());
  EXPECT_EQ(files, std::vector<std::string>{"node.key"});
  auto key = b_->UnlockNodeKey(Pass("mật khẩu máy B"));
  ASSERT_TRUE(key.ok()) << key.status().message();
  EXPECT_EQ(key->public_key(), b_->node_key());
  // Same records, same digest; and it opens again.
  EXPECT_EQ(b_->Check()->digest, node_->Check()->digest);
  b_.reset();
  auto b = Node::Open(BHome(), TestOptions());
  ASSERT_TRUE(b.ok()) << b.status().message();
  b_ = std::move(b).value();
  EXPECT_EQ(b_->org().code, "SNgV");
  // No one to act by default, and actions that need a key say why.
  EXPECT_TRUE(HasCode(b_->DefaultLogin().status(), Status::Code::kBadInput, "--as"));
  EXPECT_TRUE(HasCode(b_->Do(Actor{"", Pass("x")}, act::Draft{DirectiveText(), "f.md"}).status(),
                      Status::Code::kBadInput, "--as"));
  // giamdoc is a person of the organisation, but their key is on node A.
  EXPECT_TRUE(HasCode(b_->AdmitNode(As("giamdoc"), ToHex(b_->node_key()), "").status(), Status::Code::kNotFound,
                      "no key file"));
  // Read-only work goes on.
  EXPECT_TRUE(b_->List({}).ok());
  EXPECT_TRUE(b_->Check()->ok);
  // A second join into the same home is refused.
  EXPECT_TRUE(HasCode(Node::Join(BHome(), Card(), "x", TestOptions()).status(), Status::Code::kBadInput, "already holds"));
}

TEST_F(JoinTest, BadCardsAreRefusedAndLeaveNothing) {
  const std::string card = Card();
  auto refused = [&](const std::string& bytes, const std::string& part) {
    std::string dir = TempDir("badjoin");
    auto b = Node::Join(dir + "/home", bytes, "x", TestOptions());
    EXPECT_TRUE(HasCode(b.status(), Status::Code::kBadInput, part));
    EXPECT_FALSE(std::filesystem::exists(dir + "/home/vanban.db"));
    EXPECT_FALSE(std::filesystem::exists(dir + "/home/keys/node.key"));
    std::filesystem::remove_all(dir);
  };
  refused("", "");
  refused("not a card\n", "");
  // One byte of a person's name changed: that grant's signature fails.
  std::string edited = card;
  size_t at = edited.find("Nguyễn Thị Hoa");
  ASSERT_NE(at, std::string::npos);
  edited[at] = 'M';
  refused(edited, "signature does not verify");
  // Without its org.create: the card does not begin with one.
  auto parts = OrgRecordsOfA();
  std::vector<Record> rest;
  for (size_t i = 1; i < parts.size(); ++i) rest.push_back(*Record::Decode(parts[i]));
  refused(EncodeRecordList("vanban-card 1\n", rest), "org.create");
  // A record missing in the middle: the next one's parent has not arrived.
  std::vector<Record> gap;
  for (size_t i = 0; i < parts.size(); ++i)
    if (i != 2) gap.push_back(*Record::Decode(parts[i]));
  refused(EncodeRecordList("vanban-card 1\n", gap), "has not arrived");
  // An empty passphrase.
  std::string dir = TempDir("badjoin");
  EXPECT_TRUE(HasCode(Node::Join(dir + "/home", card, "", TestOptions()).status(), Status::Code::kBadInput, "passphrase"));
  std::filesystem::remove_all(dir);
}

TEST_F(JoinTest, AdmitNode) {
  JoinB();
  const std::string key = ToHex(b_->node_key());
  // Not an admin: refused (3) before any passphrase.
  EXPECT_TRUE(IsRefused(node_->AdmitNode(Actor{"chuyenvien", nullptr}, key, "Máy chuyên viên").status(), "admin"));
  // Malformed keys: 2.
  EXPECT_TRUE(HasCode(node_->AdmitNode(As("giamdoc"), "abcd", "").status(), Status::Code::kBadInput, "not a node key"));
  EXPECT_TRUE(HasCode(node_->AdmitNode(As("giamdoc"), key + "0", "").status(), Status::Code::kBadInput));
  EXPECT_TRUE(HasCode(node_->AdmitNode(As("giamdoc"), std::string(64, 'g'), "").status(), Status::Code::kBadInput));
  EXPECT_TRUE(HasCode(node_->AdmitNode(As("giamdoc"), ToHex(node_->org().root), "").status(), Status::Code::kBadInput,
                      "organisation key"));
  // Admitted, with its label; upper-case hex is the same key.
  std::string upper = key;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto a = node_->AdmitNode(As("giamdoc"), upper, "Máy chuyên viên");
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->node, b_->node_key());
  EXPECT_EQ(a->label, "Máy chuyên viên");
  EXPECT_EQ(node_->Who(a->by), "giamdoc");
  auto nodes = node_->Nodes();
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0].node, node_->node_key());
  EXPECT_EQ(nodes[1].node, b_->node_key());
  // Twice: refused.
  EXPECT_TRUE(IsRefused(node_->AdmitNode(As("giamdoc"), key, "").status(), "already admitted"));
  // B learns it when A's records arrive.
  auto rep = b_->Ingest(OrgRecordsOfA());
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->accepted, 1u);
  EXPECT_TRUE(b_->admitted());
  EXPECT_EQ(b_->Nodes().size(), 2u);
}

TEST_F(JoinTest, KeyRequestRoundTrip) {
  JoinB();
  auto req = b_->RequestKey("hoa", "Nguyễn Thị Hòa", "Chuyên viên", Pass("mật khẩu của Hòa"));
  ASSERT_TRUE(req.ok()) << req.status().message();
  EXPECT_TRUE(std::filesystem::exists(BHome() + "/keys/person-hoa.key"));
  auto parsed = ParseKeyRequest(*req, "req");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->org, node_->org().root);
  EXPECT_EQ(parsed->node, b_->node_key());
  EXPECT_EQ(parsed->login, "hoa");
  // Before the grant arrives, B says what is missing.
  EXPECT_TRUE(HasCode(b_->DefaultLogin().status(), Status::Code::kNotFound, "no grant"));
  EXPECT_TRUE(HasCode(b_->Do(As("hoa", "mật khẩu của Hòa"), act::Draft{DirectiveText(), "f.md"}).status(),
                      Status::Code::kNotFound, "no grant"));
  // A second request for the same login on B would overwrite the key: refused.
  EXPECT_TRUE(HasCode(b_->RequestKey("hoa", "X", "Y", Pass("z")).status(), Status::Code::kBadInput, "already"));

  // On A: only an admin grants; the login must match.
  EXPECT_TRUE(IsRefused(node_->AddUserFromRequest(Actor{"chuyenvien", nullptr}, "hoa", *req, {Role::kDrafter}).status()));
  EXPECT_TRUE(HasCode(node_->AddUserFromRequest(As("giamdoc"), "lan", *req, {Role::kDrafter}).status(),
                      Status::Code::kBadInput, "'hoa'"));
  EXPECT_TRUE(IsRefused(node_->AddUserFromRequest(As("giamdoc"), "hoa", *req, {Role::kClerk}).status(), "seal"));
  auto p = node_->AddUserFromRequest(As("giamdoc"), "hoa", *req, {Role::kDrafter});
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->key, parsed->key);
  EXPECT_EQ(p->name, "Nguyễn Thị Hòa");
  EXPECT_FALSE(std::filesystem::exists(home_ + "/keys/person-hoa.key"));
  EXPECT_TRUE(HasCode(node_->AddUserFromRequest(As("giamdoc"), "hoa", *req, {Role::kDrafter}).status(),
                      Status::Code::kBadInput, "already granted"));

  // A's records reach B: hoa acts there, by default too (the one key on B).
  auto rep = b_->Ingest(OrgRecordsOfA());
  ASSERT_TRUE(rep.ok());
  EXPECT_TRUE(rep->refused.empty());
  EXPECT_EQ(*b_->DefaultLogin(), "hoa");
  auto doc = b_->Do(Actor{"", Pass("mật khẩu của Hòa")}, act::Draft{DirectiveText("Kế hoạch soạn trên máy B"), "f.md"});
  ASSERT_TRUE(doc.ok()) << doc.status().message();

  // ... and what she signed on B is accepted on A.
  auto log = b_->Log(doc->id);
  ASSERT_TRUE(log.ok());
  std::vector<std::string> bytes;
  for (const auto& e : *log) bytes.push_back(e.record.bytes());
  auto back = node_->Ingest(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->accepted, 1u);
  EXPECT_TRUE(back->refused.empty()) << back->refused[0];
  auto d = node_->Show(doc->id);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(node_->Who(d->creator), "hoa");
  EXPECT_EQ(d->title, "Kế hoạch soạn trên máy B");
}

// A request carries the public key of the X.509 signing key made beside the person's
// key; one made before certificates (no 'x509' line) still reads.
TEST(KeyRequestFormat, SigningKeyLineIsOptional) {
  ASSERT_TRUE(crypto::Init().ok());
  SecretKey key = SecretKey::Generate();
  KeyRequest r{key.public_key(), "hoa", "Nguyễn Thị Hòa", "Chuyên viên", key.public_key(), key.public_key(), ""};
  auto old = ParseKeyRequest(EncodeKeyRequest(r, key), "REQ");
  ASSERT_TRUE(old.ok()) << old.status().message();
  EXPECT_TRUE(old->x509_key.empty());
  r.x509_key = x509::PrivateKey::Generate().PublicDer();
  const std::string bytes = EncodeKeyRequest(r, key);
  EXPECT_EQ(std::count(bytes.begin(), bytes.end(), '\n'), 9);
  auto now = ParseKeyRequest(bytes, "REQ");
  ASSERT_TRUE(now.ok()) << now.status().message();
  EXPECT_EQ(now->x509_key, r.x509_key);
}

TEST_F(JoinTest, TamperedOrForeignRequestsAreRefused) {
  JoinB();
  auto req = b_->RequestKey("hoa", "Nguyễn Thị Hòa", "Chuyên viên", Pass("p"));
  ASSERT_TRUE(req.ok());
  auto refused = [&](const std::string& bytes, const std::string& part) {
    auto p = node_->AddUserFromRequest(As("giamdoc"), "hoa", bytes, {Role::kDrafter}, "REQ");
    EXPECT_TRUE(HasCode(p.status(), Status::Code::kBadInput, part));
  };
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = *req;
    size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos);
    return s.replace(at, from.size(), to);
  };
  refused(replace("Chuyên viên", "Giám đốc"), "signature does not verify");
  refused(replace("name Nguyễn", "name Trần"), "signature does not verify");
  refused(replace("vanban-key-request 1", "vanban-key-request 2"), "first line");
  refused(replace("login hoa", "login Hoa"), "line 3: bad login");
  refused(replace("\nsig ", "\nextra x\nsig "), "expected 8 or 9 lines, found 10");
  refused(replace("\nx509 30", "\nx509 31"), "line 8: a signing key must be RSA of at least 2048 bits");
  refused(replace("\nx509 ", "\nx590 "), "line 8: expected 'x509 '");
  refused(req->substr(0, req->size() - 1), "not terminated");
  refused("", "not terminated");
  std::string sig = *req;
  sig[sig.size() - 2] = sig[sig.size() - 2] == '0' ? '1' : '0';
  refused(sig, "signature does not verify");
  EXPECT_TRUE(node_->Users().size() == 6u);
  // A request made in another organisation.
  std::string other_dir = TempDir("other");
  {
    auto other = SecondOrg(other_dir + "/home", {.name = "Sở Ngoại vụ tỉnh Cao Bằng", .code = "SNgV", .passphrase = "p"});
    ASSERT_TRUE(other.ok()) << other.status().message();
    auto foreign = (*other)->RequestKey("hoa", "Nguyễn Thị Hòa", "Chuyên viên", Pass("p"));
    ASSERT_TRUE(foreign.ok());
    refused(*foreign, "not Sở Ngoại vụ tỉnh Lạng Sơn");
  }
  std::filesystem::remove_all(other_dir);
}

}  // namespace
}  // namespace vanban
