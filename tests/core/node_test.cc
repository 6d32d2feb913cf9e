// Node: opening a home, people and keys, trusted organisations, ingest of records
// from elsewhere, blobs, search, and the check digest.
#include "core/node.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/db.h"
#include "core/files.h"
#include "tests/core/fixture.h"

namespace vanban {
namespace {

using testing::As;
using testing::TestOptions;
using testing::DirectiveText;
using testing::HasCode;
using testing::IsRefused;
using testing::kOrgCreated;
using testing::OrgTest;
using testing::Pass;
using testing::ReportText;
using testing::ScopedNow;
using testing::SecondOrg;
using testing::SecondOrgOptions;
using testing::TempDir;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// --- init and open -------------------------------------------------------------

TEST(NodeInit, MakesTheOrganisationItsAdminAndKeys) {
  const std::string home = TempDir("init") + "/home";
  ScopedNow now("2024-01-02T08:00:00+07:00");
  auto n = Node::Init(home, SecondOrgOptions(), TestOptions());
  ASSERT_TRUE(n.ok()) << n.status().message();
  Node& node = **n;
  EXPECT_EQ(node.org().code, "SNV");
  EXPECT_EQ(node.org().name, "Sở Nội vụ tỉnh Cao Bằng");
  EXPECT_EQ(node.org().head_title, "Giám đốc");
  EXPECT_EQ(node.org().created.Iso(), "2024-01-02T08:00:00+07:00");
  EXPECT_EQ(node.admin_login(), "giamdoc");
  auto users = node.Users();
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0].login, "giamdoc");
  EXPECT_EQ(users[0].name, "Nông Văn Dũng");
  EXPECT_EQ(users[0].current_roles(), (std::set<Role>{Role::kAdmin, Role::kSigner}));
  EXPECT_EQ(node.org().nodes.count(node.node_key()), 1u);
  // Four key files, readable by the owner only, each for its purpose.
  struct Want {
    std::string file;
    KeyPurpose purpose;
  } want[] = {{"person-giamdoc.key", KeyPurpose::kPerson},
              {"org-root.key", KeyPurpose::kOrgRoot},
              {"seal-giamdoc.key", KeyPurpose::kOrgSeal},
              {"node.key", KeyPurpose::kNode}};
  for (const Want& w : want) {
    const std::string path = home + "/keys/" + w.file;
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0) << path;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << path;
    auto info = KeyFile::Peek(ReadFile(path), path);
    ASSERT_TRUE(info.ok()) << info.status().message();
    EXPECT_EQ(info->purpose, w.purpose);
    EXPECT_EQ(info->owner, "giamdoc");
  }
  EXPECT_EQ(KeyFile::Peek(ReadFile(home + "/keys/org-root.key"), "x")->pk, node.org().root);
  EXPECT_EQ(KeyFile::Peek(ReadFile(home + "/keys/seal-giamdoc.key"), "x")->pk, node.org().seal);
  EXPECT_EQ(KeyFile::Peek(ReadFile(home + "/keys/node.key"), "x")->pk, node.node_key());
  auto check = node.Check();
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->ok);
  // org.create, person.grant, node.admit, org.ca, the seal's and the admin's person.certificate
  EXPECT_EQ(check->records, 6);
  // The certification authority and the two signing certificates it issued, each
  // key sealed to its holder's key on this node.
  const Organisation& org = node.org();
  ASSERT_EQ(org.authorities.size(), 1u);
  ASSERT_EQ(org.seal_certificates.size(), 1u);
  const Person* admin = node.authority().FindLogin(org.root, "giamdoc");
  ASSERT_NE(admin, nullptr);
  ASSERT_EQ(admin->certificates.size(), 1u);
  EXPECT_EQ(x509::Read(admin->certificates[0])->subject.common_name, admin->name);
  EXPECT_TRUE(x509::CheckIssuedBy(admin->certificates[0], org.authorities[0]).ok());
  EXPECT_TRUE(x509::CheckIssuedBy(org.seal_certificates[0], org.authorities[0]).ok());
  struct Held {
    std::string file;
    PublicKey holder;
    const std::string& certificate;
  } held[] = {{"org-ca.x509", org.root, org.authorities[0]},
              {"seal.x509", org.seal, org.seal_certificates[0]},
              {"person-giamdoc.x509", admin->key, admin->certificates[0]}};
  for (const Held& h : held) {
    const std::string path = home + "/keys/" + h.file;
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0) << path;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << path;
    auto info = x509::PeekKey(ReadFile(path), path);
    ASSERT_TRUE(info.ok()) << info.status().message();
    EXPECT_EQ(info->holder, h.holder) << path;
    EXPECT_EQ(info->certificate, x509::Read(h.certificate)->fingerprint) << path;
  }
  n->reset();
  std::filesystem::remove_all(std::filesystem::path(home).parent_path());
}

TEST(NodeInit, RefusesBadOptionsBeforeWritingAnything) {
  const std::string dir = TempDir("init-bad");
  auto expect_bad = [&](InitOptions o, const std::string& part) {
    const std::string home = dir + "/h";
    auto n = Node::Init(home, o, TestOptions());
    ASSERT_FALSE(n.ok()) << part;
    EXPECT_TRUE(HasCode(n.status(), Status::Code::kBadInput, part));
    EXPECT_FALSE(files::Exists(home + "/vanban.db")) << part;
    EXPECT_FALSE(files::Exists(home + "/keys/org-root.key")) << part;
  };
  InitOptions o = SecondOrgOptions();
  o.code = "SN/V";
  expect_bad(o, "--code 'SN/V' must be one word without '/'");
  o = SecondOrgOptions({.passphrase = ""});
  expect_bad(o, "the passphrase is empty");
  o = SecondOrgOptions();
  o.admin_login = "Giam Doc";
  expect_bad(o, "login 'Giam Doc' must be lower-case");
  o = SecondOrgOptions();
  o.org_name = "  ";
  expect_bad(o, "--org is empty");
  o = SecondOrgOptions();
  o.utc_offset = "+7";
  expect_bad(o, "bad UTC offset '+7'");
  std::filesystem::remove_all(dir);
}

using NodeTest = OrgTest;

// An organisation card made by hand: org.create by `root`, then the given grants.
struct HandCard {
  SecretKey root = SecretKey::Generate(), seal = SecretKey::Generate(), signer = SecretKey::Generate();
  std::vector<Record> records;
  HandCard() {
    Record create("org.create");
    create.Add("org", ToHex(root.public_key()));
    create.Add("code", "SNV");
    create.Add("name", "Sở Nội vụ tỉnh Cao Bằng");
    create.Add("place", "Cao Bằng");
    create.Add("seal", ToHex(seal.public_key()));
    create.Add("head-title", "Giám đốc");
    create.Add("utc-offset", "+07:00");
    create.Add("at", kOrgCreated);
    EXPECT_TRUE(create.Sign(root).ok());
    records.push_back(create);
  }
  // A grant of `signer`, signed by `by` (the root key unless told otherwise).
  void Grant(const SecretKey* by = nullptr) {
    Record g("person.grant");
    g.Add("org", ToHex(root.public_key()));
    g.Add("key", ToHex(signer.public_key()));
    g.Add("login", "nvdung");
    g.Add("name", "Nông Văn Dũng");
    g.Add("title", "Giám đốc");
    g.Add("role", "signer");
    g.Add("at", kOrgCreated);
    g.Add("parent", records.back().id_hex());
    EXPECT_TRUE(g.Sign(by ? *by : root).ok());
    records.push_back(g);
  }
  std::string Text(const std::string& extra = "") const {
    std::string card = "vanban-card 1\n";
    for (const Record& r : records) card += "record " + std::to_string(r.bytes().size()) + "\n" + r.bytes();
    return card + extra;
  }
};


TEST_F(NodeTest, InitRefusesAnExistingHome) {
  auto n = Node::Init(home_, SecondOrgOptions(), TestOptions());
  ASSERT_FALSE(n.ok());
  EXPECT_TRUE(HasCode(n.status(), Status::Code::kBadInput, "already holds a vanban node"));
  EXPECT_EQ(node_->org().code, "SNgV");  // untouched
}

TEST_F(NodeTest, OpenAMissingHomeIsNotFound) {
  const std::string empty = TempDir("empty");
  auto n = Node::Open(empty, TestOptions());
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().code(), Status::Code::kNotFound);
  EXPECT_EQ(n.status().exit_code(), 4);
  EXPECT_NE(n.status().message().find("no vanban node in " + empty), std::string::npos);
  std::filesystem::remove_all(empty);
}

TEST_F(NodeTest, ReopenSeesTheSameState) {
  std::string id = NewDirective();
  auto before = node_->Check();
  ASSERT_TRUE(before.ok());
  node_.reset();
  auto n = Node::Open(home_, TestOptions());
  ASSERT_TRUE(n.ok()) << n.status().message();
  node_ = std::move(n).value();
  auto after = node_->Check();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->digest, before->digest);
  EXPECT_EQ(after->records, before->records);
  EXPECT_EQ(node_->Users().size(), 6u);
  EXPECT_EQ(node_->admin_login(), "giamdoc");
  EXPECT_EQ(ToHex(node_->Show(id)->id), id);
}

// --- people --------------------------------------------------------------------

TEST_F(NodeTest, UsersOfTheFixture) {
  auto users = node_->Users();
  std::vector<std::string> logins;
  for (const Person& p : users) logins.push_back(p.login);
  EXPECT_EQ(logins, (std::vector<std::string>{"chuyenvien", "giamdoc", "pgd", "tp1", "tp2", "vanthu"}));
  for (const Person& p : users) {
    EXPECT_TRUE(p.active());
    EXPECT_EQ(p.org, node_->org().root);
    EXPECT_EQ(p.history.front().at.Iso(), kOrgCreated);
  }
  EXPECT_EQ(node_->Who(users[0].key), "chuyenvien");
  EXPECT_EQ(node_->Who(node_->org().root), "Sở Ngoại vụ tỉnh Lạng Sơn");
  // A clerk got a copy of the seal, under their own passphrase.
  auto seal = KeyFile::Peek(ReadFile(home_ + "/keys/seal-vanthu.key"), "seal");
  ASSERT_TRUE(seal.ok());
  EXPECT_EQ(seal->pk, node_->org().seal);
  EXPECT_EQ(seal->owner, "vanthu");
  EXPECT_FALSE(files::Exists(home_ + "/keys/seal-tp1.key"));
}

TEST_F(NodeTest, AddUserNeedsAnAdmin) {
  auto p = node_->AddUser(As("chuyenvien"), "hoa2", "Nguyễn Thị Hòa", "Chuyên viên", {Role::kDrafter}, Pass("x"));
  ASSERT_FALSE(p.ok());
  EXPECT_TRUE(IsRefused(p.status(), "'chuyenvien' does not hold the role admin"));
  EXPECT_FALSE(files::Exists(home_ + "/keys/person-hoa2.key"));
  EXPECT_EQ(node_->Users().size(), 6u);
}

TEST_F(NodeTest, AddUserChecksItsInput) {
  auto dup = node_->AddUser(As("giamdoc"), "tp1", "Người khác", "Chuyên viên", {Role::kReviewer}, Pass("x"));
  EXPECT_TRUE(HasCode(dup.status(), Status::Code::kBadInput, "login 'tp1' is already taken (Hoàng Văn Nam)"));
  // tp1's key file is untouched by the refused add.
  EXPECT_TRUE(KeyFile::Open(ReadFile(home_ + "/keys/person-tp1.key"), "matkhau", "k").ok());
  auto bad_login = node_->AddUser(As("giamdoc"), "Hoa Nguyen", "Hoa", "Chuyên viên", {Role::kDrafter}, Pass("x"));
  EXPECT_TRUE(HasCode(bad_login.status(), Status::Code::kBadInput, "login 'Hoa Nguyen' must be lower-case"));
  auto no_roles = node_->AddUser(As("giamdoc"), "hoa", "Hoa", "Chuyên viên", {}, Pass("x"));
  EXPECT_TRUE(HasCode(no_roles.status(), Status::Code::kBadInput, "--roles names at least one role"));
  auto no_name = node_->AddUser(As("giamdoc"), "hoa", " ", "Chuyên viên", {Role::kDrafter}, Pass("x"));
  EXPECT_TRUE(HasCode(no_name.status(), Status::Code::kBadInput, "--name is empty"));
  auto empty_pass = node_->AddUser(As("giamdoc"), "hoa", "Hoa", "Chuyên viên", {Role::kDrafter}, Pass(""));
  EXPECT_TRUE(HasCode(empty_pass.status(), Status::Code::kBadInput, "the new person's passphrase is empty"));
  EXPECT_FALSE(files::Exists(home_ + "/keys/person-hoa.key"));
  EXPECT_EQ(node_->Users().size(), 6u);
}

TEST_F(NodeTest, AddUserReplacesAKeyFileLeftByAnInterruptedAdd) {
  // A key file of a login nobody holds (an add that stopped before its record was
  // saved) is replaced, not an obstacle.
  std::ofstream(home_ + "/keys/person-hoa.key") << "half-written";
  auto p = node_->AddUser(As("giamdoc"), "hoa", "Nguyễn Thị Hòa", "Chuyên viên", {Role::kDrafter}, Pass("mới"));
  ASSERT_TRUE(p.ok()) << p.status().message();
  auto k = KeyFile::Open(ReadFile(home_ + "/keys/person-hoa.key"), "mới", "k");
  ASSERT_TRUE(k.ok()) << k.status().message();
  EXPECT_EQ(k->public_key(), p->key);
}

TEST_F(NodeTest, AddClerkHandsOverTheSeal) {
  auto p = node_->AddUser(As("giamdoc"), "vanthu2", "Hà Thị Mai", "Văn thư", {Role::kClerk}, Pass("mới"));
  ASSERT_TRUE(p.ok()) << p.status().message();
  auto seal = KeyFile::Open(ReadFile(home_ + "/keys/seal-vanthu2.key"), "mới", "seal");
  ASSERT_TRUE(seal.ok()) << seal.status().message();
  EXPECT_EQ(seal->public_key(), node_->org().seal);
  EXPECT_EQ(KeyFile::Peek(ReadFile(home_ + "/keys/seal-vanthu2.key"), "seal")->owner, "vanthu2");
  // A clerk added by an admin with no seal on this node can't be given one.
  ASSERT_TRUE(node_->AddUser(As("giamdoc"), "admin2", "Lê Văn Hải", "Phó Giám đốc", {Role::kAdmin}, Pass("matkhau")).ok());
  auto none = node_->AddUser(As("admin2"), "vanthu3", "Hà Văn Bình", "Văn thư", {Role::kClerk}, Pass("x"));
  EXPECT_TRUE(IsRefused(none.status(), "'admin2' holds no copy of the seal key on this node to hand to a clerk"));
  EXPECT_FALSE(files::Exists(home_ + "/keys/person-vanthu3.key"));  // nothing left behind
  EXPECT_EQ(node_->authority().FindLogin(node_->org().root, "vanthu3"), nullptr);
}

TEST_F(NodeTest, AddUserWithDecomposedNameStoresNfc) {
  auto p = node_->AddUser(As("giamdoc"), "viet", "Nguye\xcc\x82\xcc\x83n Vie\xcc\xa3\xcc\x82t", "Chuyên viên",
                          {Role::kDrafter}, Pass("mới"));
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->name, "Nguyễn Việt");
  EXPECT_EQ(p->current_roles(), std::set<Role>{Role::kDrafter});
  // The new key file opens with the new person's own passphrase.
  auto k = KeyFile::Open(ReadFile(home_ + "/keys/person-viet.key"), "mới", "k");
  ASSERT_TRUE(k.ok()) << k.status().message();
  EXPECT_EQ(k->public_key(), p->key);
}

TEST_F(NodeTest, RevokeUser) {
  EXPECT_TRUE(HasCode(node_->RevokeUser(As("giamdoc"), "khach"), Status::Code::kNotFound, "no person 'khach'"));
  EXPECT_TRUE(IsRefused(node_->RevokeUser(As("giamdoc"), "giamdoc"), "an admin cannot revoke themselves"));
  ASSERT_TRUE(files::Exists(home_ + "/keys/seal-vanthu.key"));
  ASSERT_TRUE(node_->RevokeUser(As("giamdoc"), "vanthu").ok());
  // A revoked clerk's copy of the seal is removed from this node.
  EXPECT_FALSE(files::Exists(home_ + "/keys/seal-vanthu.key"));
  const Person* p = node_->authority().FindLogin(node_->org().root, "vanthu");
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(p->active());
  EXPECT_TRUE(IsRefused(node_->RevokeUser(As("giamdoc"), "vanthu"), "'vanthu' is already revoked"));
  EXPECT_TRUE(node_->Check()->ok);
}

TEST_F(NodeTest, ChangePassphrase) {
  const std::string path = home_ + "/keys/person-tp1.key";
  const std::string before = ReadFile(path);
  Status wrong = node_->ChangePassphrase("tp1", Pass("sai"), Pass("mới"));
  EXPECT_TRUE(HasCode(wrong, Status::Code::kBadInput, "wrong passphrase for the person key of 'tp1'"));
  EXPECT_EQ(ReadFile(path), before);
  EXPECT_TRUE(HasCode(node_->ChangePassphrase("khach", Pass("a"), Pass("b")), Status::Code::kNotFound, "no person 'khach'"));
  EXPECT_TRUE(HasCode(node_->ChangePassphrase("tp1", Pass("matkhau"), Pass("")), Status::Code::kBadInput,
                      "the new passphrase is empty"));
  ASSERT_TRUE(node_->ChangePassphrase("tp1", Pass("matkhau"), Pass("mật khẩu mới")).ok());
  const std::string after = ReadFile(path);
  EXPECT_NE(after, before);
  EXPECT_TRUE(KeyFile::Open(after, "mật khẩu mới", path).ok());
  EXPECT_FALSE(KeyFile::Open(after, "matkhau", path).ok());
  EXPECT_EQ(KeyFile::Peek(after, path)->pk, KeyFile::Peek(before, path)->pk);  // the same key
}

TEST_F(NodeTest, KeyFileProblemsNameTheFile) {
  std::string id = NewDirective();
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Route{id, {"tp1", "tp2"}}).status().ok());
  const std::string tp1 = home_ + "/keys/person-tp1.key", tp2 = home_ + "/keys/person-tp2.key";
  const std::string saved = ReadFile(tp1);
  const int64_t before = RecordCount();
  // Someone else's key file in tp1's place: same passphrase, another key.
  std::filesystem::copy_file(tp2, tp1, std::filesystem::copy_options::overwrite_existing);
  EXPECT_TRUE(HasCode(node_->Do(As("tp1"), act::Approve{id}).status(), Status::Code::kBadInput,
                      "the key file of 'tp1' holds another key than the one granted"));
  // No key file at all on this node.
  std::filesystem::remove(tp1);
  EXPECT_TRUE(HasCode(node_->Do(As("tp1"), act::Approve{id}).status(), Status::Code::kNotFound, "no key file " + tp1 + " on this node"));
  EXPECT_TRUE(HasCode(node_->ChangePassphrase("tp1", Pass("matkhau"), Pass("mới")), Status::Code::kNotFound,
                      "no key of 'tp1' on this node"));
  EXPECT_EQ(RecordCount(), before);
  std::ofstream(tp1, std::ios::binary) << saved;
  EXPECT_TRUE(node_->Do(As("tp1"), act::Approve{id}).status().ok());
}

TEST_F(NodeTest, UnlockNodeKey) {
  auto key = node_->UnlockNodeKey(Pass("matkhau"));
  ASSERT_TRUE(key.ok()) << key.status().message();
  EXPECT_EQ(key->public_key(), node_->node_key());
  EXPECT_FALSE(node_->UnlockNodeKey(Pass("sai")).ok());
  EXPECT_TRUE(HasCode(node_->UnlockNodeKey(nullptr).status(), Status::Code::kBadInput, "no passphrase given"));
  // Another key in the node key's place (same passphrase) is named as such.
  const std::string path = home_ + "/keys/node.key";
  std::filesystem::copy_file(home_ + "/keys/person-tp1.key", path, std::filesystem::copy_options::overwrite_existing);
  EXPECT_TRUE(HasCode(node_->UnlockNodeKey(Pass("matkhau")).status(), Status::Code::kBadInput,
                      path + " holds another key than this node's"));
  std::filesystem::remove(path);
  EXPECT_TRUE(HasCode(node_->UnlockNodeKey(Pass("matkhau")).status(), Status::Code::kNotFound, "no key file " + path));
}

TEST_F(NodeTest, SealKeyProblemsRefuseTheIssue) {
  std::string id = NewDirective();
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Submit{id, "giamdoc"}).status().ok());
  ASSERT_TRUE(node_->Do(As("giamdoc"), act::Sign{id, false}).status().ok());
  const std::string seal = home_ + "/keys/seal-vanthu.key";
  const std::string saved = ReadFile(seal);
  // A seal key file that holds another key than the organisation's seal.
  std::ofstream(seal, std::ios::binary | std::ios::trunc)
      << KeyFile::Seal(SecretKey::Generate(), KeyPurpose::kOrgSeal, "vanthu", "matkhau", {1, 8192});
  EXPECT_TRUE(IsRefused(node_->Do(As("vanthu"), act::Issue{id}).status(), "the seal key file holds another key than the organisation's seal"));
  std::filesystem::remove(seal);
  EXPECT_TRUE(IsRefused(node_->Do(As("vanthu"), act::Issue{id}).status(), "'vanthu' holds no copy of the organisation's seal on this node"));
  EXPECT_EQ(StateOf(id), DocState::kSigned);
  std::ofstream(seal, std::ios::binary) << saved;
  EXPECT_TRUE(node_->Do(As("vanthu"), act::Issue{id}).ok());
}

TEST_F(NodeTest, CommentSizeLimit) {
  std::string id = NewDirective();
  EXPECT_TRUE(HasCode(node_->Do(As("chuyenvien"), act::Comment{id, std::string((64 << 10) + 1, 'x')}).status(), Status::Code::kBadInput,
                      "the comment is longer than 64 KiB"));
  EXPECT_TRUE(HasCode(node_->Do(As("chuyenvien"), act::Comment{id, "a\xff"}).status(), Status::Code::kBadInput, "invalid UTF-8"));
  // Decomposed text is stored NFC.
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Comment{id, "Vie\xcc\xa3\xcc\x82t  "}).status().ok());
  EXPECT_EQ(node_->Show(id)->comments.at(0).text, "Việt");
}

// --- organisations -----------------------------------------------------------------

TEST_F(NodeTest, OrgCardAndTrustErrors) {
  auto card = node_->OrgCard();
  ASSERT_TRUE(card.ok());
  EXPECT_EQ(card->rfind("vanban-card 1\nrecord ", 0), 0u);
  EXPECT_TRUE(HasCode(node_->Trust(*card, "langson"), Status::Code::kBadInput, "this is our own organisation's card"));
  EXPECT_TRUE(HasCode(node_->Trust("hello", "x"), Status::Code::kBadInput, "not an organisation card"));
  EXPECT_TRUE(HasCode(node_->Trust("vanban-card 1\n", "x"), Status::Code::kBadInput, "holds no records"));
  EXPECT_TRUE(HasCode(node_->Trust("vanban-card 1\nrecord 9999\nabc", "x"), Status::Code::kBadInput, "truncated"));
  EXPECT_TRUE(HasCode(node_->Trust("vanban-card 1\nrekord 3\nabc", "x"), Status::Code::kBadInput, "expected 'record LEN'"));
  EXPECT_TRUE(HasCode(node_->Trust(*card, "Cao Bang"), Status::Code::kBadInput, "alias 'Cao Bang'"));
  EXPECT_TRUE(HasCode(node_->Trust("vanban-card 1\nrecord x\nabc", "x"), Status::Code::kBadInput, "bad length at byte 14"));
  EXPECT_TRUE(HasCode(node_->Trust("vanban-card 1\n" + std::string(4u << 20, 'x'), "x"), Status::Code::kBadInput,
                      "organisation card larger than 4 MiB"));
  // A card must begin with the organisation's create record.
  HandCard starts_wrong;
  starts_wrong.Grant();
  std::string grant_first = "vanban-card 1\nrecord " + std::to_string(starts_wrong.records[1].bytes().size()) + "\n" +
                            starts_wrong.records[1].bytes();
  EXPECT_TRUE(HasCode(node_->Trust(grant_first, "x"), Status::Code::kBadInput,
                      "organisation card does not begin with a valid org.create record"));
  // Nor may it mix organisations.
  HandCard one, two;
  std::string mixed = one.Text() + "record " + std::to_string(two.records[0].bytes().size()) + "\n" + two.records[0].bytes();
  EXPECT_TRUE(HasCode(node_->Trust(mixed, "x"), Status::Code::kBadInput, "organisation card mixes organisations"));
  EXPECT_TRUE(node_->Trusted().empty());
}

TEST_F(NodeTest, TrustOfAHandMadeCard) {
  HandCard cb;
  cb.Grant();
  ASSERT_TRUE(node_->Trust(cb.Text(), "caobang").ok());
  EXPECT_NE(node_->authority().FindOrg(cb.root.public_key()), nullptr);
  EXPECT_EQ(node_->Who(cb.signer.public_key()), "nvdung@SNV");
  EXPECT_TRUE(node_->Check()->ok);
}

TEST_F(NodeTest, ARefusedCardLeavesNothingBehind) {
  // A card whose second record the rules refuse (a grant signed by a key that is
  // not the organisation's): Trust fails, and nothing of it may stay, on disk or
  // in the node's memory.
  HandCard bad_grant;
  SecretKey stranger = SecretKey::Generate();
  bad_grant.Grant(&stranger);
  EXPECT_TRUE(HasCode(node_->Trust(bad_grant.Text(), "caobang"), Status::Code::kBadInput, "organisation card: "));
  // A card that breaks off after two good records.
  HandCard broken;
  broken.Grant();
  EXPECT_TRUE(HasCode(node_->Trust(broken.Text("record 5\nhello"), "laocai"), Status::Code::kBadInput, "malformed record"));
  EXPECT_TRUE(node_->Trusted().empty());
  EXPECT_EQ(RecordCount(), 12);
  // Nothing in memory either: the refused card's first records were applied, then rolled back.
  EXPECT_EQ(node_->authority().FindOrg(bad_grant.root.public_key()), nullptr);
  EXPECT_EQ(node_->authority().FindOrg(broken.root.public_key()), nullptr);
  EXPECT_EQ(node_->authority().FindPerson(broken.signer.public_key()), nullptr);
  EXPECT_EQ(node_->OrgName(broken.root.public_key()).rfind("organisation ", 0), 0u);  // unknown: shown by key
  EXPECT_TRUE(node_->Check()->ok);
}

// A second organisation's home, for cards and records from elsewhere.
class TwoOrgsTest : public OrgTest {
 protected:
  void SetUp() override {
    OrgTest::SetUp();
    other_home_ = TempDir("other") + "/home";
    auto n = SecondOrg(other_home_);
    ASSERT_TRUE(n.ok()) << n.status().message();
    other_ = std::move(n).value();
  }
  void TearDown() override {
    other_.reset();
    std::filesystem::remove_all(std::filesystem::path(other_home_).parent_path());
    OrgTest::TearDown();
  }
  std::string other_home_;
  std::unique_ptr<Node> other_;
};

TEST_F(TwoOrgsTest, TrustACardUnderAnAlias) {
  auto card = other_->OrgCard();
  ASSERT_TRUE(card.ok());
  ASSERT_TRUE(node_->Trust(*card, "caobang").ok());
  ASSERT_TRUE(node_->Trust(*card, "caobang").ok());  // again: nothing new
  auto trusted = node_->Trusted();
  ASSERT_EQ(trusted.size(), 1u);
  EXPECT_EQ(trusted[0].first, "caobang");
  EXPECT_EQ(trusted[0].second, other_->org().root);
  const Organisation* o = node_->authority().FindOrg(other_->org().root);
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->code, "SNV");
  EXPECT_EQ(node_->OrgName(other_->org().root), "Sở Nội vụ tỉnh Cao Bằng");
  // Their admin is known, but is not one of ours.
  const Person* their = node_->authority().FindLogin(other_->org().root, "giamdoc");
  ASSERT_NE(their, nullptr);
  EXPECT_EQ(node_->Who(their->key), "giamdoc@SNV");
  EXPECT_EQ(node_->Users().size(), 6u);
  // The alias can't be taken by a third organisation.
  const std::string third_home = TempDir("third") + "/home";
  {
    ScopedNow now(kOrgCreated);
    auto third = SecondOrg(third_home, {.name = "Sở Ngoại vụ tỉnh Lào Cai", .code = "SNgV"});
    ASSERT_TRUE(third.ok());
    EXPECT_TRUE(IsRefused(node_->Trust((*third)->OrgCard().value(), "caobang"), "alias 'caobang' already names another organisation"));
  }
  std::filesystem::remove_all(std::filesystem::path(third_home).parent_path());
  EXPECT_TRUE(node_->Check()->ok);
}

TEST_F(TwoOrgsTest, RecordsOfAnUntrustedOrganisationAreRefused) {
  auto card = other_->OrgCard();
  ASSERT_TRUE(card.ok());
  // The card's first record is their org.create; ingest it directly, untrusted.
  std::string first = card->substr(card->find('\n', 14) + 1);
  size_t len = std::stoul(card->substr(21, card->find('\n', 14) - 21));
  auto rep = node_->Ingest({first.substr(0, len)});
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->accepted, 0u);
  ASSERT_EQ(rep->refused.size(), 1u);
  EXPECT_NE(rep->refused[0].find("organisation is not trusted here"), std::string::npos) << rep->refused[0];
}

// --- ingest ---------------------------------------------------------------------

// Every stored record's bytes, in arrival order (read beside the node, as sync would).
std::vector<std::string> AllRecordBytes(const std::string& home) {
  auto db = Db::Open(home + "/vanban.db");
  EXPECT_TRUE(db.ok());
  std::vector<std::string> out;
  Stmt& q = (*db)->Prepare("SELECT bytes FROM records ORDER BY seq");
  while (q.Step()) out.push_back(q.Blob(0));
  return out;
}

TEST_F(NodeTest, IngestOfKnownRecordsIsANoOp) {
  std::string id = NewDirective();
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Route{id, {"tp1"}}).status().ok());
  auto before = node_->Check();
  ASSERT_TRUE(before.ok());
  auto all = AllRecordBytes(home_);
  ASSERT_EQ(static_cast<int64_t>(all.size()), before->records);
  for (int round = 0; round < 2; ++round) {
    auto rep = node_->Ingest(all);
    ASSERT_TRUE(rep.ok());
    EXPECT_EQ(rep->accepted, 0u);
    EXPECT_EQ(rep->duplicate, all.size());
    EXPECT_TRUE(rep->refused.empty());
  }
  auto after = node_->Check();
  EXPECT_EQ(after->records, before->records);
  EXPECT_EQ(after->digest, before->digest);
  EXPECT_EQ(StateOf(id), DocState::kInReview);
}

TEST_F(NodeTest, ANewDocumentTwiceInOneBatch) {
  // A document made here, then sent to a node of the same organisation that has
  // never seen it, twice over in one batch: the second copies are duplicates.
  std::string id = NewDirective();
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Route{id, {"tp1"}}).status().ok());
  ASSERT_TRUE(node_->Do(As("tp1"), act::Comment{id, "Đồng ý."}).status().ok());
  auto log = node_->Log(id);
  ASSERT_TRUE(log.ok());
  std::vector<std::string> once;
  for (const auto& e : *log) once.push_back(e.record.bytes());
  ASSERT_EQ(once.size(), 3u);
  std::vector<std::string> twice = once;
  twice.insert(twice.end(), once.begin(), once.end());
  twice.push_back(once[0]);

  const std::string other = testing::TempDir("org-b");
  std::filesystem::copy(testing::TemplateHome::Path(), other, std::filesystem::copy_options::recursive);
  {
    auto b = Node::Open(other, TestOptions());
    ASSERT_TRUE(b.ok()) << b.status().message();
    auto rep = (*b)->Ingest(twice);
    ASSERT_TRUE(rep.ok()) << rep.status().message();
    EXPECT_EQ(rep->accepted, 3u);
    EXPECT_EQ(rep->duplicate, 4u);
    EXPECT_TRUE(rep->refused.empty()) << rep->refused[0];
    rep = (*b)->Ingest(once);  // and in a later batch, from the store
    EXPECT_EQ(rep->accepted, 0u);
    EXPECT_EQ(rep->duplicate, 3u);
    EXPECT_EQ((*b)->Show(id)->comments.size(), 1u);
    auto c = (*b)->Check();
    ASSERT_TRUE(c.ok());
    EXPECT_TRUE(c->ok) << (c->problems.empty() ? "" : c->problems[0]);
    EXPECT_EQ(c->digest, node_->Check()->digest);
  }
  std::filesystem::remove_all(other);
}

TEST_F(NodeTest, IngestANewRecordOnceThenAsDuplicate) {
  std::string id = NewDirective();
  auto d = node_->Show(id);
  Record c("doc.comment");
  c.Add("doc", id);
  c.Add("rev", id);
  c.Add("at", node_->Now().Iso());
  for (const RecordId& h : d->heads) c.Add("parent", ToHex(h));
  c.SetText("Góp ý từ máy khác.");
  ASSERT_TRUE(c.Sign(PersonKey("chuyenvien")).ok());
  auto rep = node_->Ingest({c.bytes(), c.bytes()});
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->accepted, 1u);
  EXPECT_EQ(rep->duplicate, 1u);
  rep = node_->Ingest({c.bytes()});
  EXPECT_EQ(rep->accepted, 0u);
  EXPECT_EQ(rep->duplicate, 1u);
  EXPECT_EQ(node_->Show(id)->comments.size(), 1u);
  EXPECT_TRUE(node_->RecordVerifies(c.id()));
  EXPECT_TRUE(node_->RecordVerifies(id, c.id()));
  EXPECT_FALSE(node_->RecordVerifies(RecordId{}));
  EXPECT_FALSE(node_->RecordVerifies(id, RecordId{}));
  // Without the document at hand: from a fresh node that has not read it.
  node_.reset();
  node_ = std::move(Node::Open(home_, TestOptions())).value();
  EXPECT_TRUE(node_->RecordVerifies(c.id()));
}

TEST_F(NodeTest, IngestRefusesBadRecordsAndKeepsTheGoodOnes) {
  std::string id = NewDirective();
  const SecretKey key = PersonKey("chuyenvien");
  auto d = node_->Show(id);
  auto comment = [&](const std::string& text, const std::vector<std::string>& parents, const std::string& doc) {
    Record c("doc.comment");
    c.Add("doc", doc);
    c.Add("rev", id);
    c.Add("at", node_->Now().Iso());
    for (const auto& p : parents) c.Add("parent", p);
    c.SetText(text);
    EXPECT_TRUE(c.Sign(key).ok());
    return c;
  };
  std::vector<std::string> heads;
  for (const RecordId& h : d->heads) heads.push_back(ToHex(h));
  Record good = comment("Ý kiến hợp lệ.", heads, id);
  Record orphan = comment("Cha chưa đến.", {std::string(64, '7')}, id);
  Record elsewhere = comment("Văn bản chưa đến.", {}, std::string(64, '8'));
  std::string forged = comment("Ý kiến gốc.", heads, id).bytes();
  forged.replace(forged.find("Ý kiến gốc."), std::string("Ý kiến gốc.").size(), "Ý kiến giả.");
  const int64_t before = RecordCount();
  auto rep = node_->Ingest({"not a record", orphan.bytes(), elsewhere.bytes(), forged, good.bytes()});
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->accepted, 1u);
  ASSERT_EQ(rep->refused.size(), 4u);
  EXPECT_NE(rep->refused[0].find("malformed record: does not start with 'vanban-record 1'"), std::string::npos) << rep->refused[0];
  EXPECT_NE(rep->refused[1].find("parent 777777777777 has not arrived"), std::string::npos) << rep->refused[1];
  EXPECT_NE(rep->refused[2].find("its document has not arrived"), std::string::npos) << rep->refused[2];
  EXPECT_NE(rep->refused[3].find("signature does not verify"), std::string::npos) << rep->refused[3];
  EXPECT_EQ(RecordCount(), before + 1);
  auto shown = node_->Show(id);
  ASSERT_EQ(shown->comments.size(), 1u);
  EXPECT_EQ(shown->comments[0].text, "Ý kiến hợp lệ.");
  EXPECT_TRUE(node_->Check()->ok);
}

TEST_F(NodeTest, IngestOfAConcurrentRecordRefoldsTheDocument) {
  std::string id = NewDirective();
  const std::string create_only = id;  // the document's first record
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Route{id, {"tp1"}}).status().ok());
  // A comment made elsewhere that only knew the doc.create: it doesn't follow every head.
  Record c("doc.comment");
  c.Add("doc", id);
  c.Add("rev", id);
  c.Add("at", node_->Now().Iso());
  c.Add("parent", create_only);
  c.SetText("Ý kiến từ máy khác.");
  ASSERT_TRUE(c.Sign(PersonKey("chuyenvien")).ok());
  auto rep = node_->Ingest({c.bytes()});
  ASSERT_TRUE(rep.ok());
  ASSERT_EQ(rep->accepted, 1u) << (rep->refused.empty() ? "" : rep->refused[0]);
  auto d = node_->Show(id);
  EXPECT_EQ(d->heads.size(), 2u);  // the route and the comment
  EXPECT_EQ(d->comments.size(), 1u);
  EXPECT_EQ(d->state, DocState::kInReview);
  // The next local action follows both heads.
  ASSERT_TRUE(node_->Do(As("tp1"), act::Approve{id}).status().ok());
  EXPECT_EQ(node_->Show(id)->heads.size(), 1u);
  EXPECT_TRUE(node_->Check()->ok);
}

// --- blobs ---------------------------------------------------------------------

TEST_F(NodeTest, BlobsByHash) {
  const std::string bytes = "%PDF-1.7 bản scan công văn đến\n";
  auto h = node_->PutBlob(bytes);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(*h, crypto::Blake2b(bytes));
  auto again = node_->PutBlob(bytes);
  EXPECT_EQ(*again, *h);
  auto got = node_->GetBlob(*h);
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, bytes);
  auto missing = node_->GetBlob(crypto::Blake2b("không có"));
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  auto empty = node_->PutBlob("");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(node_->GetBlob(*empty).value().value(), "");
}

TEST_F(NodeTest, RecordNamingAMissingBlobWaitsForIt) {
  std::string id = NewDirective();
  const std::string attachment = "Phụ lục: danh sách đơn vị thi đua.\n";
  const Hash h = crypto::Blake2b(attachment);
  auto d = node_->Show(id);
  Record c("doc.comment");
  c.Add("doc", id);
  c.Add("rev", id);
  c.Add("blob", ToHex(h));
  c.Add("at", node_->Now().Iso());
  for (const RecordId& p : d->heads) c.Add("parent", ToHex(p));
  c.SetText("Gửi kèm phụ lục.");
  ASSERT_TRUE(c.Sign(PersonKey("chuyenvien")).ok());
  auto rep = node_->Ingest({c.bytes()});
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->accepted, 0u);
  ASSERT_EQ(rep->refused.size(), 1u);
  EXPECT_NE(rep->refused[0].find("blob " + ToHex(h).substr(0, 12) + " has not arrived"), std::string::npos)
      << rep->refused[0];
  EXPECT_TRUE(node_->Show(id)->comments.empty());
  ASSERT_TRUE(node_->PutBlob(attachment).ok());
  rep = node_->Ingest({c.bytes()});
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->accepted, 1u) << (rep->refused.empty() ? "" : rep->refused[0]);
  EXPECT_EQ(node_->Show(id)->comments.size(), 1u);
  EXPECT_TRUE(node_->Check()->ok);
}

TEST_F(NodeTest, MalformedBlobCardIsBadInput) {
  std::string id = NewDirective();
  auto d = node_->Show(id);
  Record c("doc.comment");
  c.Add("doc", id);
  c.Add("rev", id);
  c.Add("blob", "xyz");
  c.Add("at", node_->Now().Iso());
  for (const RecordId& p : d->heads) c.Add("parent", ToHex(p));
  c.SetText("x");
  ASSERT_TRUE(c.Sign(PersonKey("chuyenvien")).ok());
  auto rep = node_->Ingest({c.bytes()});
  ASSERT_EQ(rep->refused.size(), 1u);
  EXPECT_NE(rep->refused[0].find("bad 'blob' card"), std::string::npos) << rep->refused[0];
}

// --- search and lists ---------------------------------------------------------------

TEST_F(NodeTest, SearchFoldsVietnamese) {
  auto a = node_->Do(As("chuyenvien"), act::Draft{DirectiveText("Kế hoạch thi đua năm 2024", "Nội dung kế hoạch.\n"), "a.md"});
  auto b = node_->Do(As("chuyenvien"), act::Draft{ReportText("Báo cáo tình hình tỉnh Lạng Sơn", "Số liệu tổng hợp.\n"), "b.md"});
  auto c = node_->Do(As("chuyenvien"), act::Draft{ReportText("Báo cáo tuyên truyền", "Nội dung báo cáo.\n"), "c.md"});
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  auto ids = [&](const DocFilter& f) {
    auto r = node_->List(f);
    EXPECT_TRUE(r.ok()) << r.status().message();
    std::vector<std::string> out;
    if (r.ok())
      for (const auto& s : *r) out.push_back(s.id);
    return out;
  };
  auto query = [&](const std::string& q) {
    DocFilter f;
    f.query = q;
    return ids(f);
  };
  EXPECT_EQ(query("thi dua"), std::vector<std::string>{a->id});
  EXPECT_EQ(query("lang son"), std::vector<std::string>{b->id});
  EXPECT_EQ(query("Lạng Sơn"), std::vector<std::string>{b->id});
  EXPECT_EQ(query("THI ĐUA"), std::vector<std::string>{a->id});
  EXPECT_EQ(query("tong hop"), std::vector<std::string>{b->id});  // the body counts too
  EXPECT_TRUE(query("thi son").empty());                          // every word must match
  EXPECT_EQ(query("tuyen truyen"), std::vector<std::string>{c->id});
  EXPECT_EQ(query("bao cao").size(), 3u);  // the directive's recipients say "báo cáo" too
  DocFilter punct;
  punct.query = "!!! ...";
  EXPECT_TRUE(HasCode(node_->List(punct).status(), Status::Code::kBadInput, "--query has no words"));

  DocFilter reports;
  reports.kind = "report";
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  EXPECT_EQ(sorted(ids(reports)), sorted({b->id, c->id}));
  DocFilter drafts;
  drafts.state = "draft";
  EXPECT_EQ(ids(drafts).size(), 3u);
  drafts.limit = 2;
  EXPECT_EQ(ids(drafts).size(), 2u);
  DocFilter bad_state;
  bad_state.state = "done";
  EXPECT_TRUE(HasCode(node_->List(bad_state).status(), Status::Code::kBadInput, "--state 'done' is not a state"));
  DocFilter bad_kind;
  bad_kind.kind = "memo";
  EXPECT_TRUE(HasCode(node_->List(bad_kind).status(), Status::Code::kBadInput, "--kind 'memo' is not a kind"));
  auto all = node_->List(DocFilter{});
  ASSERT_EQ(all->size(), 3u);
  auto it = std::find_if(all->begin(), all->end(), [&](const DocSummary& s) { return s.id == b->id; });
  ASSERT_NE(it, all->end());
  EXPECT_EQ(it->title, "Báo cáo tình hình tỉnh Lạng Sơn");
  EXPECT_EQ(it->kind, "report");
  EXPECT_EQ(it->state, "draft");
  EXPECT_FALSE(it->number.has_value());
}

TEST_F(NodeTest, SearchFollowsTheCurrentRevision) {
  std::string id = NewDirective("Kế hoạch tuyên truyền");
  DocFilter f;
  f.query = "lang son";
  EXPECT_TRUE(node_->List(f)->empty());
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Revise{id, DirectiveText("Kế hoạch tuyên truyền tại Lạng Sơn"), "v2.md"}).ok());
  auto found = node_->List(f);
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].title, "Kế hoạch tuyên truyền tại Lạng Sơn");
}

TEST_F(NodeTest, DocumentIdsByPrefix) {
  std::string id = NewDirective();
  EXPECT_EQ(ToHex(node_->Show(id.substr(0, 6))->id), id);
  EXPECT_EQ(ToHex(node_->Show(id.substr(0, 4))->id), id);
  std::string upper = id.substr(0, 8);
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  EXPECT_EQ(ToHex(node_->Show(upper)->id), id);
  EXPECT_TRUE(HasCode(node_->Show(id.substr(0, 3)).status(), Status::Code::kBadInput, "is not a document id"));
  EXPECT_TRUE(HasCode(node_->Show("9/KH-SNgV").status(), Status::Code::kNotFound, "no document numbered 9/KH-SNgV"));
  auto log = node_->Log(id);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 1u);
  EXPECT_EQ((*log)[0].event.type, "doc.create");
  EXPECT_EQ((*log)[0].record.id_hex(), id);
}

TEST_F(NodeTest, RevisionReferencesAreUnambiguous) {
  // "r1" means revision 1, even when revision 2's id starts with "1"; a bare
  // number is not a revision reference.
  std::string id = NewDirective("Kế hoạch số một");
  const SecretKey key = PersonKey("chuyenvien");
  auto d = node_->Show(id);
  Record r;
  for (int i = 0; i < 2000; ++i) {  // a revision whose id starts with '1' (1 in 16)
    Record t("doc.revise");
    t.Add("doc", id);
    t.Add("base", id);
    t.Add("title", "Kế hoạch số hai");
    t.Add("at", Timestamp{node_->Now().utc + i, 420}.Iso());
    for (const RecordId& h : d->heads) t.Add("parent", ToHex(h));
    t.SetText(DirectiveText("Kế hoạch số hai"));
    ASSERT_TRUE(t.Sign(key).ok());
    if (t.id_hex()[0] == '1') {
      r = t;
      break;
    }
  }
  ASSERT_EQ(r.id_hex()[0], '1');
  auto rep = node_->Ingest({r.bytes()});
  ASSERT_EQ(rep->accepted, 1u) << (rep->refused.empty() ? "" : rep->refused[0]);
  auto text = [&](const std::string& ref) { return node_->RevisionText(id, ref); };
  ASSERT_TRUE(text("r1").ok()) << text("r1").status().message();
  EXPECT_NE(text("r1")->find("Kế hoạch số một"), std::string::npos);
  EXPECT_NE(text("r2")->find("Kế hoạch số hai"), std::string::npos);
  EXPECT_NE(text("")->find("Kế hoạch số hai"), std::string::npos);  // the current one
  EXPECT_NE(text(r.id_hex().substr(0, 8))->find("Kế hoạch số hai"), std::string::npos);
  EXPECT_NE(text(id.substr(0, 8))->find("Kế hoạch số một"), std::string::npos);
  EXPECT_TRUE(HasCode(text("1").status(), Status::Code::kBadInput, "'1' is not a revision"));
  EXPECT_TRUE(HasCode(text("r3").status(), Status::Code::kNotFound, "no revision 'r3'"));
}

// --- check ---------------------------------------------------------------------

TEST_F(NodeTest, CheckOfAFreshOrganisation) {
  auto c = node_->Check();
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->ok);
  EXPECT_TRUE(c->problems.empty());
  // org.create, admin grant, node.admit, org.ca, the seal's and the admin's
  // certificates, five grants, the certificate of the one signer among them
  EXPECT_EQ(c->records, 12);
  EXPECT_EQ(c->digest.size(), 64u);
}

TEST_F(NodeTest, DigestIsStableAndOverTheSetOfIds) {
  std::string id = NewDirective();
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Route{id, {"tp1", "tp2"}}).status().ok());
  auto a = node_->Check();
  auto b = node_->Check();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(a->ok);
  EXPECT_EQ(a->digest, b->digest);
  // BLAKE2b-256 over the sorted ids, one per line: any node holding the same set agrees.
  std::vector<std::string> ids;
  for (const std::string& bytes : AllRecordBytes(home_)) ids.push_back(Record::Decode(bytes)->id_hex());
  std::sort(ids.begin(), ids.end());
  std::string joined;
  for (const auto& i : ids) joined += i + "\n";
  EXPECT_EQ(a->digest, ToHex(crypto::Blake2b(joined)));
  // A copy of the home holds the same records and prints the same digest.
  const std::string copy = TempDir("copy") + "/home";
  node_.reset();
  std::filesystem::copy(home_, copy, std::filesystem::copy_options::recursive);
  {
    auto other = Node::Open(copy, TestOptions());
    ASSERT_TRUE(other.ok());
    EXPECT_EQ((*other)->Check()->digest, a->digest);
  }
  std::filesystem::remove_all(std::filesystem::path(copy).parent_path());
  node_ = Node::Open(home_, TestOptions()).value();
  // One more record changes it.
  ASSERT_TRUE(node_->Do(As("tp1"), act::Approve{id}).status().ok());
  auto c = node_->Check();
  EXPECT_NE(c->digest, a->digest);
  EXPECT_EQ(c->records, a->records + 1);
}

// Signed copies: core stores what the maker returns as a blob named by the act's
// record, hands the next act the copy to continue, and the proof to carry.
TEST_F(NodeTest, SignAndIssueAttachSignedCopies) {
  std::string id = NewDirective();
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Submit{id, "pgd"}).status().ok());
  std::vector<std::string> seen_previous, seen_types;
  std::vector<std::vector<std::string>> proof_types;
  SignedCopyMaker maker = [&](const SignedCopyRequest& req) -> Result<std::string> {
    seen_previous.push_back(req.previous.value_or("(none)"));
    seen_types.push_back(req.record.type());
    std::vector<std::string> types;
    for (const Record& r : req.proof) types.push_back(r.type());
    proof_types.push_back(types);
    EXPECT_NE(req.revision_text.find("Phát động phong trào"), std::string::npos);
    // The maker signs with the key it is given: the signer's, then the seal.
    return "copy by " + ToHex(req.key.public_key()) + " after [" + req.previous.value_or("") + "]";
  };
  copies_ = maker;
  ASSERT_TRUE(node_->Do(As("pgd"), act::Sign{id, true}).status().ok());
  auto first = node_->SignedCopy(id);
  ASSERT_TRUE(first.ok() && first->has_value());
  const Person* pgd = node_->authority().FindLogin(node_->org().root, "pgd");
  EXPECT_EQ(**first, "copy by " + ToHex(pgd->key) + " after []");

  auto number = vanban::testing::NumberOf(node_->Do(As("vanthu"), act::Issue{id}));
  ASSERT_TRUE(number.ok()) << number.status().message();
  auto issued = node_->SignedCopy(id);
  ASSERT_TRUE(issued.ok() && issued->has_value());
  EXPECT_EQ(**issued, "copy by " + ToHex(node_->org().seal) + " after [" + **first + "]");
  ASSERT_EQ(seen_previous.size(), 2u);
  EXPECT_EQ(seen_previous[0], "(none)");
  EXPECT_EQ(seen_previous[1], **first);
  // Proof: the organisation's card, the grants of the actors, the creation, the signature.
  auto has = [](const std::vector<std::string>& v, const std::string& t) { return std::count(v.begin(), v.end(), t); };
  EXPECT_EQ(has(proof_types[0], "org.create"), 1);
  EXPECT_EQ(has(proof_types[0], "person.grant"), 2);  // pgd's grant, and the admin's who made it
  EXPECT_EQ(has(proof_types[0], "doc.create"), 1);
  EXPECT_EQ(has(proof_types[0], "doc.sign"), 0);
  EXPECT_EQ(has(proof_types[1], "doc.sign"), 1);
  EXPECT_EQ(has(proof_types[1], "person.grant"), 3);  // pgd, vanthu and the admin
  // The records name their copies; check re-hashes the blobs.
  auto log = node_->Log(id);
  ASSERT_TRUE(log.ok());
  int named = 0;
  for (const auto& e : *log)
    if (e.record.Has("blob")) ++named;
  EXPECT_EQ(named, 2);
  auto c = node_->Check();
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->ok);
}

TEST_F(NodeTest, AFailingCopyMakerChangesNothing) {
  std::string id = NewDirective();
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Submit{id, "pgd"}).status().ok());
  int64_t before = RecordCount();
  SignedCopyMaker broken = [](const SignedCopyRequest&) -> Result<std::string> {
    return Status::BadInput("cannot render");
  };
  copies_ = broken;
  Status s = node_->Do(As("pgd"), act::Sign{id, false}).status();
  EXPECT_EQ(s.code(), Status::Code::kBadInput);
  EXPECT_EQ(s.message(), "cannot render");
  EXPECT_EQ(StateOf(id), DocState::kSubmitted);
  EXPECT_EQ(RecordCount(), before);
  auto copy = node_->SignedCopy(id);
  ASSERT_TRUE(copy.ok());
  EXPECT_FALSE(copy->has_value());
}

}  // namespace
}  // namespace vanban
