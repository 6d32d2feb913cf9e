// Test fixtures shared by the core tests: a temporary home with an organisation
// and its people, as a Lạng Sơn office would set it up; a clock override; and an
// in-memory world (seed keys, an Authority, documents folded by hand) for rule
// tests that need no store and no Argon2.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/authority.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "core/docfile.h"
#include "core/node.h"
#include "core/record.h"
#include "core/workflow.h"

namespace vanban::testing {

inline std::string TempDir(const std::string& tag) {
  std::random_device rd;
  auto dir = std::filesystem::temp_directory_path() / ("vanban-test-" + tag + "-" + std::to_string(rd()));
  std::filesystem::create_directories(dir);
  return dir.string();
}

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline PassphraseSource Pass(const std::string& p) {
  return [p]() -> Result<std::string> { return p; };
}

inline Actor As(const std::string& login, const std::string& pass = "matkhau") { return Actor{login, Pass(pass)}; }
// The number an Issue or a Receive gave (Done::number), or why there is none.
inline Result<std::string> NumberOf(const Result<Done>& done) {
  if (!done.ok()) return done.status();
  return done->number;
}

inline std::string DirectiveText(const std::string& title = "Phát động phong trào thi đua năm 2021",
                                 const std::string& body = "## I. MỤC ĐÍCH, YÊU CẦU\n1. Đẩy mạnh phong trào thi đua.\n") {
  return "---\nkind: directive\ntitle: " + title + "\nrecipients:\n  - UBND tỉnh (báo cáo)\n  - \"Lưu: VT, VP.\"\n---\n" + body;
}

inline std::string ReportText(const std::string& title = "Báo cáo kết quả công tác năm 2021",
                              const std::string& body = "Kết quả thực hiện nhiệm vụ năm 2021.\n") {
  return "---\nkind: report\ntitle: " + title + "\n---\n" + body;
}

// A pledge between this organisation and the parties (aliases of trusted organisations).
inline std::string PledgeText(const std::vector<std::string>& parties,
                              const std::string& title = "Giao ước thi đua năm 2021",
                              const std::string& body = "Các bên cam kết thi đua hoàn thành nhiệm vụ.\n") {
  std::string list;
  for (const auto& p : parties) list += (list.empty() ? "" : ", ") + p;
  return "---\nkind: pledge\ntitle: " + title + "\nparties: [" + list + "]\n---\n" + body;
}

// The tests' clock (TestOptions): the time a ScopedNow holds, else the machine's.
inline std::atomic<int64_t>& HeldNow() {
  static std::atomic<int64_t> held{INT64_MIN};
  return held;
}
inline int64_t TestClock() {
  const int64_t held = HeldNow().load();
  return held == INT64_MIN ? SystemClock() : held;
}

// Holds the tests' clock at `iso` for the life of the object, then restores it (as
// VANBAN_NOW holds the CLI's).
class ScopedNow {
 public:
  explicit ScopedNow(const std::string& iso) : old_(HeldNow().load()) {
    auto t = ParseTimestamp(iso);
    if (!t.ok()) throw std::logic_error("ScopedNow: " + t.status().message());
    HeldNow() = t->utc;
  }
  ~ScopedNow() { HeldNow() = old_; }
  ScopedNow(const ScopedNow&) = delete;
  ScopedNow& operator=(const ScopedNow&) = delete;

 private:
  int64_t old_;
};

// Argon2id at its least for the tests' key files (the production cost,
// KeyFile::DefaultCost, has its own test in keys_test).
inline constexpr KeyFile::Cost kTestKeyCost{1, 8192};

// The options of the tests' nodes: the tests' clock, cheap key files, and what
// signing and issuing make and receipts check (the core's tests hold records
// alone; the pdf and web tests give pdf::CopyMaker and pdf::ReceiptVerifier).
inline NodeOptions TestOptions(SignedCopyMaker copies = NoSignedCopies(), ReceiptCheck receipts = ReceiptsUnchecked()) {
  NodeOptions o;
  o.clock = TestClock;
  o.key_cost = kTestKeyCost;
  o.signed_copy = std::move(copies);
  o.receipt_check = std::move(receipts);
  return o;
}

inline Timestamp At(const std::string& iso) {
  auto t = ParseTimestamp(iso);
  if (!t.ok()) throw std::logic_error("test timestamp: " + t.status().message());
  return *t;
}

// When the fixture's organisation and people were made: every later test time
// (VANBAN_NOW or the real clock) finds their roles in force.
inline constexpr const char* kOrgCreated = "2024-01-02T08:00:00+07:00";

// The organisation home is made once (Init and six key files cost about a second
// and a half of Argon2) and copied for each test. ctest runs every test in its own
// process, so the made home is also kept beside the test binary, named after the
// binary's size and time: a rebuilt binary makes a fresh one.
class TemplateHome {
 public:
  static const std::string& Path() {
    static TemplateHome t;
    return t.dir_;
  }
  ~TemplateHome() {
    std::error_code ec;
    if (owned_) std::filesystem::remove_all(dir_, ec);
  }

 private:
  static std::string CachePath() {
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) return "";
    auto size = std::filesystem::file_size(exe, ec);
    if (ec) return "";
    auto mtime = std::filesystem::last_write_time(exe, ec);
    if (ec) return "";
    return (exe.parent_path() / (Prefix(exe) + std::to_string(size) + "-" +
                                 std::to_string(mtime.time_since_epoch().count())))
        .string();
  }
  // The homes of one test binary: the core and the web tests share the folder, and
  // ctest may run both at once.
  static std::string Prefix(const std::filesystem::path& exe) {
    return "vanban-test-home-" + exe.filename().string() + "-";
  }
  static void Build(const std::string& dir) {
    ScopedNow now(kOrgCreated);
    InitOptions o;
    o.org_name = "Sở Ngoại vụ tỉnh Lạng Sơn";
    o.code = "SNgV";
    o.place = "Lạng Sơn";
    o.parent_body = "UBND TỈNH LẠNG SƠN";
    o.admin_login = "giamdoc";
    o.admin_name = "Trịnh Tuyết Mai";
    o.admin_title = "Giám đốc";
    o.passphrase = "matkhau";
    auto n = Node::Init(dir, o, TestOptions());
    if (!n.ok()) throw std::runtime_error("template Init: " + n.status().message());
    auto add = [&](const std::string& login, const std::string& name, const std::string& title, std::set<Role> roles) {
      auto p = (*n)->AddUser(As("giamdoc"), login, name, title, roles, Pass("matkhau"));
      if (!p.ok()) throw std::runtime_error("template AddUser " + login + ": " + p.status().message());
    };
    add("chuyenvien", "Nguyễn Thị Hoa", "Chuyên viên", {Role::kDrafter});
    add("tp1", "Hoàng Văn Nam", "Trưởng phòng", {Role::kReviewer});
    add("tp2", "Lý Thị Lan", "Chánh Văn phòng", {Role::kReviewer});
    add("pgd", "Vi Văn Thành", "Phó Giám đốc", {Role::kSigner});
    add("vanthu", "Đinh Thị Thu", "Văn thư", {Role::kClerk});
    n->reset();
    std::ofstream(dir + "/complete") << "made by the core tests' fixture\n";
  }
  TemplateHome() {
    namespace fs = std::filesystem;
    std::error_code ec;
    const std::string cache = CachePath();
    if (!cache.empty() && fs::exists(cache + "/complete", ec)) {
      dir_ = cache;
      return;
    }
    if (cache.empty()) {
      dir_ = TempDir("template") + "/home";
      owned_ = true;
      Build(dir_);
      return;
    }
    // Made beside the cache and renamed into place: atomic, so processes running
    // side by side either win the rename or use the winner's.
    std::random_device rd;
    const std::string tmp = cache + ".tmp-" + std::to_string(rd());
    try {
      Build(tmp);
    } catch (...) {
      fs::remove_all(tmp, ec);
      throw;
    }
    fs::rename(tmp, cache, ec);
    if (ec) {
      fs::remove_all(tmp, ec);
      if (!fs::exists(cache + "/complete", ec)) throw std::runtime_error("template home: cannot use " + cache);
    } else {
      // Homes made by earlier builds of the binary are of no more use (this build's
      // ".tmp-" folders may be other processes' work in progress, and other binaries'
      // homes theirs: left alone).
      const std::string mine = fs::path(cache).filename().string();
      std::error_code exe_ec;
      const std::string ours = Prefix(std::filesystem::read_symlink("/proc/self/exe", exe_ec));
      for (const auto& e : fs::directory_iterator(fs::path(cache).parent_path(), ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind(ours, 0) == 0 && name.rfind(mine, 0) != 0) fs::remove_all(e.path(), ec);
      }
    }
    dir_ = cache;
  }
  std::string dir_;
  bool owned_ = false;
};

// The usual path of a directive drafted by chuyenvien, in order (OrgTest::Advance).
enum class PathStep { kRoute, kApprove, kSubmit, kSign };
struct PathOptions {
  bool on_behalf = false;       // pgd signs "KT." for the director
  std::vector<std::string> at;  // each step's time (VANBAN_NOW), in order; past its end: the clock as it is
};

// An organisation with: giamdoc (admin, signer), chuyenvien (drafter), tp1 and tp2
// (reviewers), pgd (signer), vanthu (clerk). Every passphrase is "matkhau".
// Their records are dated kOrgCreated.
class OrgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string& tpl = TemplateHome::Path();
    home_ = TempDir("org");
    std::filesystem::copy(tpl, home_, std::filesystem::copy_options::recursive);
    auto n = Node::Open(home_, Options());
    ASSERT_TRUE(n.ok()) << n.status().message();
    node_ = std::move(n).value();
  }
  // The node's options (TestOptions), its makers reading copies_ and receipts_ at each call.
  NodeOptions Options() {
    return TestOptions([this](const SignedCopyRequest& r) { return copies_(r); },
                       [this](const Authority& a, const Document& d, const std::optional<std::string>& copy) {
                         return receipts_(a, d, copy);
                       });
  }
  void TearDown() override {
    node_.reset();
    std::filesystem::remove_all(home_);
  }
  void Add(const std::string& login, const std::string& name, const std::string& title, std::set<Role> roles) {
    auto p = node_->AddUser(As("giamdoc"), login, name, title, roles, Pass("matkhau"));
    ASSERT_TRUE(p.ok()) << p.status().message();
  }
  // A directive drafted by chuyenvien; returns its id.
  std::string NewDirective(const std::string& title = "Phát động phong trào thi đua năm 2021") {
    auto ref = node_->Do(As("chuyenvien"), act::Draft{DirectiveText(title), "test.md"});
    EXPECT_TRUE(ref.ok()) << ref.status().message();
    return ref.ok() ? ref->id : "";
  }
  // Takes directive `id` through the steps `from`..`to` of its path: routed by
  // chuyenvien to tp1, approved by tp1, submitted by chuyenvien to pgd, signed by pgd.
  // A step refused is a fatal failure (ASSERT_NO_FATAL_FAILURE around the call).
  void Advance(const std::string& id, PathStep from, PathStep to, const PathOptions& o = {}) {
    for (int k = static_cast<int>(from); k <= static_cast<int>(to); ++k) {
      const size_t i = static_cast<size_t>(k - static_cast<int>(from));
      std::optional<ScopedNow> now;
      if (i < o.at.size()) now.emplace(o.at[i]);
      switch (static_cast<PathStep>(k)) {
        case PathStep::kRoute: {
          Status s = node_->Do(As("chuyenvien"), act::Route{id, {"tp1"}}).status();
          ASSERT_TRUE(s.ok()) << "route: " << s.message();
          break;
        }
        case PathStep::kApprove: {
          Status s = node_->Do(As("tp1"), act::Approve{id}).status();
          ASSERT_TRUE(s.ok()) << "approve: " << s.message();
          break;
        }
        case PathStep::kSubmit: {
          Status s = node_->Do(As("chuyenvien"), act::Submit{id, "pgd"}).status();
          ASSERT_TRUE(s.ok()) << "submit: " << s.message();
          break;
        }
        case PathStep::kSign: {
          Status s = node_->Do(As("pgd"), act::Sign{id, o.on_behalf}).status();
          ASSERT_TRUE(s.ok()) << "sign: " << s.message();
          break;
        }
      }
    }
  }
  DocState StateOf(const std::string& id) {
    auto d = node_->Show(id);
    EXPECT_TRUE(d.ok()) << d.status().message();
    return d.ok() ? d->state : DocState::kRevoked;
  }
  int64_t RecordCount() {
    auto c = node_->Check();
    EXPECT_TRUE(c.ok()) << c.status().message();
    return c.ok() ? c->records : -1;
  }
  // The secret key of a fixture person, from their key file (to craft records by hand).
  SecretKey PersonKey(const std::string& login) {
    std::ifstream in(home_ + "/keys/person-" + login + ".key");
    std::stringstream ss;
    ss << in.rdbuf();
    auto k = KeyFile::Open(ss.str(), "matkhau", login);
    if (!k.ok()) throw std::runtime_error("PersonKey: " + k.status().message());
    return std::move(k).value();
  }

  std::string home_;
  std::unique_ptr<Node> node_;
  // What the node's signing and issuing make, and how its receipts check the signed
  // copy: nothing here; the pdf and web tests set pdf's.
  SignedCopyMaker copies_ = NoSignedCopies();
  ReceiptCheck receipts_ = ReceiptsUnchecked();
};

// A second organisation beside the fixture's, on its own node.
struct SecondOrgSpec {
  std::string name = "Sở Nội vụ tỉnh Cao Bằng";
  std::string code = "SNV";
  std::string passphrase = "matkhau";  // its admin's, giamdoc
  bool staff = false;                  // also a clerk vanthu and a drafter chuyenvien ("matkhau")
};
// Its Init options: in Cao Bằng, its admin giamdoc Nông Văn Dũng, Giám đốc.
inline InitOptions SecondOrgOptions(const SecondOrgSpec& spec = {}) {
  InitOptions o;
  o.org_name = spec.name;
  o.code = spec.code;
  o.place = "Cao Bằng";
  o.admin_login = "giamdoc";
  o.admin_name = "Nông Văn Dũng";
  o.admin_title = "Giám đốc";
  o.passphrase = spec.passphrase;
  return o;
}
// Its node made at `home`, dated kOrgCreated as the fixture's organisation is.
inline Result<std::unique_ptr<Node>> SecondOrg(const std::string& home, const SecondOrgSpec& spec = {}) {
  ScopedNow now(kOrgCreated);
  VB_ASSIGN_OR_RETURN(std::unique_ptr<Node> n, Node::Init(home, SecondOrgOptions(spec), TestOptions()));
  if (spec.staff) {
    const Actor admin = As("giamdoc", spec.passphrase);
    VB_RETURN_IF_ERROR(n->AddUser(admin, "vanthu", "Lộc Thị Mai", "Văn thư", {Role::kClerk}, Pass("matkhau")).status());
    VB_RETURN_IF_ERROR(
        n->AddUser(admin, "chuyenvien", "Hà Văn Lực", "Chuyên viên", {Role::kDrafter}, Pass("matkhau")).status());
  }
  return n;
}

// Deterministic keys for in-memory records: no key files, no Argon2.
inline SecretKey SeedKey(uint32_t tag) {
  (void)crypto::Init();  // sodium_malloc aborts before sodium_init
  Bytes32 seed{};
  for (size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<uint8_t>(tag * 37 + i * 11 + (tag >> 8));
  return SecretKey::FromSeed(seed);
}

// Organisations, people and documents held in memory: records are signed with
// seed keys and applied to an Authority / ApplyDocRecord directly. Each record
// takes the next minute of a clock starting at 2024-03-01T08:00:00+07:00.
class MemWorld {
 public:
  struct Org {
    std::string alias;
    SecretKey root, seal;
  };
  struct Doc {
    Document d;
    std::vector<Record> records;  // accepted, in the order applied
    std::vector<Record> all;      // every record tried, accepted or not
  };

  MemWorld() { (void)crypto::Init(); }

  std::string Tick() {
    clock_ += 60;
    return Timestamp{clock_, 420}.Iso();
  }
  void SetClock(const std::string& iso) { clock_ = At(iso).utc; }

  // org.create by a fresh root key. Returns the organisation's root public key.
  PublicKey AddOrg(const std::string& alias, const std::string& code, const std::string& name) {
    Org o{alias, SeedKey(next_seed_++), SeedKey(next_seed_++)};
    Record r("org.create");
    r.Add("org", ToHex(o.root.public_key()));
    r.Add("code", code);
    r.Add("name", name);
    r.Add("place", "Lạng Sơn");
    r.Add("seal", ToHex(o.seal.public_key()));
    r.Add("head-title", "Giám đốc");
    r.Add("utc-offset", "+07:00");
    r.Add("at", Tick());
    Expect(r.Sign(o.root));
    Expect(auth.Apply(r));
    org_records.push_back(r);
    PublicKey k = o.root.public_key();
    orgs_.emplace(alias, std::move(o));
    return k;
  }
  const Org& org(const std::string& alias) const { return orgs_.at(alias); }
  PublicKey OrgKey(const std::string& alias) const { return orgs_.at(alias).root.public_key(); }

  // An org-level record of `alias` signed by `signer` (default: the root key).
  Status OrgAct(const std::string& alias, Record r, const SecretKey* signer = nullptr, std::string at = "") {
    const Org& o = orgs_.at(alias);
    r.Add("org", ToHex(o.root.public_key()));
    for (const RecordId& h : auth.Heads(o.root.public_key())) r.Add("parent", ToHex(h));
    r.Add("at", at.empty() ? Tick() : at);
    VB_RETURN_IF_ERROR(r.Sign(signer ? *signer : o.root));
    last_org = r;
    VB_RETURN_IF_ERROR(auth.Apply(r));
    org_records.push_back(r);
    return Status::Ok();
  }
  Record GrantRecord(const PublicKey& key, const std::string& login, const std::set<Role>& roles) {
    Record r("person.grant");
    r.Add("key", ToHex(key));
    r.Add("login", login);
    r.Add("name", "Người " + login);
    r.Add("title", "Chức danh " + login);
    for (Role role : roles) r.Add("role", RoleName(role));
    return r;
  }
  // A person of `alias` granted by the root key; logins are unique across the world.
  const SecretKey& AddPerson(const std::string& alias, const std::string& login, const std::set<Role>& roles) {
    people_.emplace(login, SeedKey(next_seed_++));
    Expect(OrgAct(alias, GrantRecord(people_.at(login).public_key(), login, roles)));
    return people_.at(login);
  }
  Status Revoke(const std::string& alias, const std::string& login, const SecretKey* signer = nullptr) {
    Record r("person.revoke");
    r.Add("key", ToHex(Key(login).public_key()));
    return OrgAct(alias, r, signer);
  }
  const SecretKey& Key(const std::string& login) const { return people_.at(login); }
  PublicKey Pk(const std::string& login) const { return people_.at(login).public_key(); }

  // The usual office: org "a" (SNgV) with the fixture's six people, org "b" (SNV
  // Cao Bằng) and org "c" (SNgV Lào Cai) each with one signer, for pledges.
  void Office() {
    AddOrg("a", "SNgV", "Sở Ngoại vụ tỉnh Lạng Sơn");
    AddPerson("a", "giamdoc", {Role::kAdmin, Role::kSigner});
    AddPerson("a", "chuyenvien", {Role::kDrafter});
    AddPerson("a", "tp1", {Role::kReviewer});
    AddPerson("a", "tp2", {Role::kReviewer});
    AddPerson("a", "pgd", {Role::kSigner});
    AddPerson("a", "vanthu", {Role::kClerk});
    AddOrg("b", "SNV", "Sở Nội vụ tỉnh Cao Bằng");
    AddPerson("b", "cb-giamdoc", {Role::kSigner});
    AddPerson("b", "cb-chuyenvien", {Role::kDrafter});
    AddOrg("c", "SNgV", "Sở Ngoại vụ tỉnh Lào Cai");
    AddPerson("c", "lc-giamdoc", {Role::kSigner});
  }

  // Signs `r` as `login`, continuing `doc` (doc card, parents = its heads, at), and
  // applies it. `at` empty: the next minute.
  Status Act(Doc& doc, Record r, const std::string& login, std::string at = "") {
    if (r.type() != "doc.create") {
      r.Add("doc", ToHex(doc.d.id));
      // next_parents: a record made elsewhere, not knowing every head.
      for (const RecordId& h : next_parents.empty() ? std::vector<RecordId>(doc.d.heads.begin(), doc.d.heads.end())
                                                    : next_parents)
        r.Add("parent", ToHex(h));
      next_parents.clear();
    }
    r.Add("at", at.empty() ? Tick() : at);
    VB_RETURN_IF_ERROR(r.Sign(Key(login)));
    last = r;
    doc.all.push_back(r);
    Status s = ApplyDocRecord(auth, doc.d, r);
    if (s.ok()) doc.records.push_back(r);
    return s;
  }

  // doc.create by `login` of a document of `alias`; `parties` are org aliases (pledge).
  Doc Create(const std::string& text, const std::string& login = "chuyenvien", const std::string& alias = "a",
             const std::vector<std::string>& parties = {}) {
    Doc doc;
    Expect(CreateInto(doc, text, login, alias, parties));
    return doc;
  }
  Status CreateInto(Doc& doc, const std::string& text, const std::string& login, const std::string& alias,
                    const std::vector<std::string>& parties) {
    auto f = ParseDocumentFile(text, "mem.md");
    if (!f.ok()) return f.status();
    Record r("doc.create");
    r.Add("org", ToHex(OrgKey(alias)));
    r.Add("kind", f->kind);
    r.Add("title", f->title);
    r.Add("symbol", f->symbol);
    if (!parties.empty()) {
      std::string list;
      for (const auto& p : parties) list += (list.empty() ? "" : ",") + ToHex(OrgKey(p));
      r.Add("parties", list);
    }
    r.SetText(f->text);
    return Act(doc, r, login);
  }
  Doc Pledge(const std::vector<std::string>& parties = {"b"}) {
    std::vector<std::string> aliases;
    for (const auto& p : parties) aliases.push_back(p == "b" ? "caobang" : p == "c" ? "laocai" : p);
    return Create(PledgeText(aliases), "chuyenvien", "a", parties);
  }

  static std::string Rev(const Doc& doc) {
    const Revision* c = doc.d.current();
    return ToHex(c ? c->id : doc.d.revisions.back().id);
  }

  Status Revise(Doc& doc, const std::string& login, const std::string& text, std::vector<RecordId> bases = {}) {
    auto f = ParseDocumentFile(text, "mem.md");
    if (!f.ok()) return f.status();
    Record r("doc.revise");
    if (bases.empty()) bases = doc.d.rev_heads;
    for (const RecordId& b : bases) r.Add("base", ToHex(b));
    r.Add("title", f->title);
    r.SetText(f->text);
    return Act(doc, r, login);
  }
  Status Route(Doc& doc, const std::string& login, const std::vector<std::string>& to) {
    Record r("doc.route");
    for (const auto& t : to) r.Add("to", ToHex(Pk(t)));
    return Act(doc, r, login);
  }
  Status Comment(Doc& doc, const std::string& login, const std::string& text = "Đề nghị bổ sung số liệu.") {
    Record r("doc.comment");
    r.Add("rev", Rev(doc));
    r.SetText(text);
    return Act(doc, r, login);
  }
  Status Approve(Doc& doc, const std::string& login, std::string rev = "") {
    Record r("doc.approve");
    r.Add("rev", rev.empty() ? Rev(doc) : rev);
    return Act(doc, r, login);
  }
  Status Submit(Doc& doc, const std::string& login, const std::string& to) {
    Record r("doc.submit");
    r.Add("rev", Rev(doc));
    r.Add("to", ToHex(Pk(to)));
    return Act(doc, r, login);
  }
  Status Return(Doc& doc, const std::string& login, const std::string& reason = "Cần bổ sung số liệu") {
    Record r("doc.return");
    if (!reason.empty()) r.Add("reason", reason);
    return Act(doc, r, login);
  }
  Status Sign(Doc& doc, const std::string& login, bool on_behalf = false) {
    Record r("doc.sign");
    r.Add("rev", Rev(doc));
    r.Add("name", "Người " + login);
    r.Add("title", "Chức danh " + login);
    if (on_behalf) r.Add("on-behalf", "yes");
    return Act(doc, r, login);
  }
  // A doc.issue with a correct number, date and seal signature unless told otherwise.
  struct IssueOpts {
    int seq = 1;
    bool reissue = false;
    std::string number;          // default SEQ/SYMBOL-CODE
    const SecretKey* seal = nullptr;  // default the organisation's seal
    std::string at;
    std::vector<std::string> to;  // aliases of the organisations it is addressed to
  };
  Status Issue(Doc& doc, const std::string& login, IssueOpts o) {
    const Organisation* org = auth.FindOrg(doc.d.org);
    const Org* mine = nullptr;
    for (const auto& [a, x] : orgs_)
      if (x.root.public_key() == doc.d.org) mine = &x;
    std::string at = o.at.empty() ? Tick() : o.at;
    Timestamp local = At(at).InOffset(org->offset_minutes);
    RecordId rev = doc.d.signatures.empty() ? doc.d.revisions.back().id : doc.d.signatures.back().rev;
    std::string number = o.number.empty() ? OutgoingNumber(o.seq, doc.d.symbol, org->code) : o.number;
    Record r("doc.issue");
    r.Add("rev", ToHex(rev));
    r.Add("number", number);
    r.Add("seq", std::to_string(o.seq));
    r.Add("year", std::to_string(local.Year()));
    r.Add("symbol", doc.d.symbol);
    r.Add("date", local.Date());
    r.Add("seal", ToHex(org->seal));
    const SecretKey& seal = o.seal ? *o.seal : mine->seal;
    r.Add("seal-sig", ToHex(seal.Sign(SealMessage(doc.d, rev, number, local.Date()))));
    if (o.reissue && doc.d.issue) r.Add("reissue-of", ToHex(doc.d.issue->id));
    for (const std::string& alias : o.to) r.Add("to", ToHex(OrgKey(alias)));
    return Act(doc, r, login, at);
  }
  // A doc.receive by `login` of organisation `alias`, with correct cards unless changed.
  struct ReceiveOpts {
    int number = 1;
    std::string at, replaces, number_card, date;
  };
  Status Receive(Doc& doc, const std::string& login, const std::string& alias, ReceiveOpts o) {
    const Organisation* org = auth.FindOrg(OrgKey(alias));
    std::string at = o.at.empty() ? Tick() : o.at;
    Timestamp local = At(at).InOffset(org->offset_minutes);
    Record r("doc.receive");
    if (doc.d.issue) r.Add("issue", ToHex(doc.d.issue->id));
    r.Add("org", ToHex(OrgKey(alias)));
    r.Add("number", o.number_card.empty() ? std::to_string(o.number) : o.number_card);
    r.Add("year", std::to_string(local.Year()));
    r.Add("date", o.date.empty() ? local.Date() : o.date);
    if (!o.replaces.empty()) r.Add("replaces", o.replaces);
    return Act(doc, r, login, at);
  }
  Status Receive(Doc& doc, const std::string& login, const std::string& alias) {
    return Receive(doc, login, alias, ReceiveOpts{});
  }
  Status Issue(Doc& doc, const std::string& login) { return Issue(doc, login, IssueOpts{}); }
  Status RevokeDoc(Doc& doc, const std::string& login, const std::string& reason = "Bị thay thế") {
    Record r("doc.revoke");
    if (!reason.empty()) r.Add("reason", reason);
    return Act(doc, r, login);
  }

  Authority auth;
  std::vector<RecordId> next_parents;  // parents of the next document record, if not its heads
  std::vector<Record> org_records;
  Record last;      // the last document record signed
  Record last_org;  // the last organisation record signed

 private:
  static void Expect(const Status& s) {
    if (!s.ok()) throw std::logic_error("MemWorld: " + s.message());
  }
  std::map<std::string, Org> orgs_;
  std::map<std::string, SecretKey> people_;
  uint32_t next_seed_ = 1;
  int64_t clock_ = At("2024-03-01T08:00:00+07:00").utc;
};

// Matchers on Status, readable in failures.
inline ::testing::AssertionResult IsRefused(const Status& s, const std::string& part = "") {
  if (s.code() != Status::Code::kRefused)
    return ::testing::AssertionFailure() << "expected kRefused, got code " << s.exit_code() << ": " << s.message();
  if (s.message().find(part) == std::string::npos)
    return ::testing::AssertionFailure() << "message '" << s.message() << "' lacks '" << part << "'";
  return ::testing::AssertionSuccess();
}
inline ::testing::AssertionResult HasCode(const Status& s, Status::Code code, const std::string& part = "") {
  if (s.code() != code)
    return ::testing::AssertionFailure() << "expected code " << static_cast<int>(code) << ", got "
                                         << s.exit_code() << ": " << s.message();
  if (s.message().find(part) == std::string::npos)
    return ::testing::AssertionFailure() << "message '" << s.message() << "' lacks '" << part << "'";
  return ::testing::AssertionSuccess();
}

}  // namespace vanban::testing
