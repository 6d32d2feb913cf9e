// Node: opening a home, keys, people, organisations, and the shared action path.
#include "core/node.h"

#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>

#include "core/files.h"
#include "core/scope.h"
#include "core/store.h"
#include "core/text.h"

namespace vanban {

namespace {

constexpr size_t kMaxKeyFile = 4096;
constexpr size_t kMaxCard = 4u << 20;
constexpr std::string_view kCardMagic = "vanban-card 1\n";

void Wipe(std::string& s) {
  if (!s.empty()) sodium_memzero(s.data(), s.size());
  s.clear();
}

// Holds a passphrase for the length of one action and wipes it afterwards.
struct HeldPassphrase {
  std::string value;
  ~HeldPassphrase() { Wipe(value); }
};

bool ValidCode(std::string_view c) {
  if (c.empty() || c.size() > 32) return false;
  return text::CheckUtf8(c).ok() && c.find_first_of(" /\t\n") == std::string_view::npos;
}

Status NeedText(const std::string& v, const std::string& what) {
  if (text::Trim(v).empty()) return Status::BadInput(what + " is empty");
  if (text::HasControl(v) || !text::CheckUtf8(v).ok()) return Status::BadInput(what + " must be one line of UTF-8 text");
  if (v.size() > kMaxValueBytes) return Status::BadInput(what + " is too long");
  return Status::Ok();
}

Result<std::string> Nfc(const std::string& v, const std::string& what) {
  VB_RETURN_IF_ERROR(NeedText(v, what));
  VB_ASSIGN_OR_RETURN(std::string n, text::Normalize(text::Trim(v)));
  return n;
}

}  // namespace

Node::Node(const NodeOptions& options) : options_(options) {
  // Programmer errors: every interface gives both (NodeOptions).
  if (!options_.clock) throw std::invalid_argument("NodeOptions without a clock");
  if (!options_.signed_copy) throw std::invalid_argument("NodeOptions without a signed-copy maker");
  if (!options_.receipt_check) throw std::invalid_argument("NodeOptions without a receipt check");
}
Node::~Node() = default;

SignedCopyMaker NoSignedCopies() {
  return [](const SignedCopyRequest&) -> Result<std::string> { return std::string(); };
}

ReceiptCheck ReceiptsUnchecked() {
  return [](const Authority&, const Document&, const std::optional<std::string>&) { return Status::Ok(); };
}

std::string Node::KeyPath(const std::string& file) const { return home_ + "/keys/" + file; }

Timestamp Node::Now() const { return Timestamp{options_.clock(), org().offset_minutes}; }

const Organisation& Node::org() const {
  const Organisation* o = auth_.FindOrg(org_);
  if (!o) throw std::logic_error("Node without its organisation");
  return *o;
}

std::string Node::OrgName(const PublicKey& k) const {
  const Organisation* o = auth_.FindOrg(k);
  return o ? o->name : "organisation " + ToHex(k).substr(0, 12);
}

std::string Node::Who(const PublicKey& k) const {
  if (const Person* p = auth_.FindPerson(k)) {
    if (p->org == org_) return p->login;
    return p->login + "@" + (auth_.FindOrg(p->org) ? auth_.FindOrg(p->org)->code : "?");
  }
  if (auth_.FindOrg(k)) return OrgName(k);
  return ToHex(k).substr(0, 12);
}

Result<std::unique_ptr<Node>> Node::Init(const std::string& home, const InitOptions& in, const NodeOptions& options) {
  VB_RETURN_IF_ERROR(crypto::Init());
  if (files::Exists(home + "/vanban.db"))
    return Status::BadInput(home + " already holds a vanban node; choose another --home");
  InitOptions o = in;
  VB_ASSIGN_OR_RETURN(o.org_name, Nfc(in.org_name, "--org"));
  VB_ASSIGN_OR_RETURN(o.place, Nfc(in.place, "--place"));
  VB_ASSIGN_OR_RETURN(o.admin_name, Nfc(in.admin_name, "--name"));
  VB_ASSIGN_OR_RETURN(o.admin_title, Nfc(in.admin_title, "--title"));
  if (!in.parent_body.empty()) { VB_ASSIGN_OR_RETURN(o.parent_body, Nfc(in.parent_body, "--parent")); }
  VB_ASSIGN_OR_RETURN(o.code, Nfc(in.code, "--code"));
  if (!ValidCode(o.code)) return Status::BadInput("--code '" + o.code + "' must be one word without '/' (e.g. SNgV)");
  if (!ParseOffset(o.utc_offset).ok()) return Status::BadInput("bad UTC offset '" + o.utc_offset + "'");
  if (o.passphrase.empty()) return Status::BadInput("the passphrase is empty");

  SecretKey root = SecretKey::Generate(), seal = SecretKey::Generate(), node = SecretKey::Generate(),
            admin = SecretKey::Generate();
  int offset = *ParseOffset(o.utc_offset);
  const Timestamp now{options.clock(), offset};
  std::string org_hex = ToHex(root.public_key());

  Record create("org.create");
  create.Add("org", org_hex);
  create.Add("code", o.code);
  create.Add("name", o.org_name);
  create.Add("place", o.place);
  if (!o.parent_body.empty()) create.Add("parent-body", o.parent_body);
  create.Add("seal", ToHex(seal.public_key()));
  create.Add("head-title", o.admin_title);
  create.Add("utc-offset", o.utc_offset);
  create.Add("at", now.Iso());
  VB_RETURN_IF_ERROR(create.Sign(root));

  Record grant("person.grant");
  grant.Add("org", org_hex);
  grant.Add("key", ToHex(admin.public_key()));
  grant.Add("login", o.admin_login);
  grant.Add("name", o.admin_name);
  grant.Add("title", o.admin_title);
  grant.Add("role", "admin");
  grant.Add("role", "signer");
  grant.Add("at", now.Iso());
  grant.Add("parent", create.id_hex());
  VB_RETURN_IF_ERROR(grant.Sign(root));

  Record admit("node.admit");
  admit.Add("org", org_hex);
  admit.Add("node", ToHex(node.public_key()));
  admit.Add("at", now.Iso());
  admit.Add("parent", grant.id_hex());
  VB_RETURN_IF_ERROR(admit.Sign(root));

  // Rules first, so a bad login is refused before anything touches the disk.
  Authority check;
  VB_RETURN_IF_ERROR(check.Apply(create));
  if (Status s = check.Apply(grant); !s.ok()) return Status::BadInput(s.message());
  VB_RETURN_IF_ERROR(check.Apply(admit));

  VB_RETURN_IF_ERROR(files::MakeDirs(home + "/keys", 0700));
  ::chmod(home.c_str(), 0700);
  struct KeyOut {
    std::string file;
    const SecretKey* key;
    KeyPurpose purpose;
  };
  std::vector<KeyOut> keys = {{"person-" + o.admin_login + ".key", &admin, KeyPurpose::kPerson},
                              {"org-root.key", &root, KeyPurpose::kOrgRoot},
                              {"seal-" + o.admin_login + ".key", &seal, KeyPurpose::kOrgSeal},
                              {"node.key", &node, KeyPurpose::kNode}};
  std::vector<std::string> written;
  auto undo = [&] {
    for (const auto& f : written) ::unlink(f.c_str());
  };
  for (const KeyOut& k : keys) {
    std::string path = home + "/keys/" + k.file;
    Status s = files::WriteAtomic(path, KeyFile::Seal(*k.key, k.purpose, o.admin_login, o.passphrase, options.key_cost), 0600, true);
    if (!s.ok()) {
      undo();
      return s;
    }
    written.push_back(path);
  }

  auto node_ptr = std::unique_ptr<Node>(new Node(options));
  node_ptr->home_ = home;
  auto store = Store::Open(home + "/vanban.db");
  if (!store.ok()) {
    undo();
    return store.status();
  }
  node_ptr->store_ = std::move(store).value();
  Status s = [&]() -> Status {
    Transaction tx(node_ptr->store_->db());
    VB_RETURN_IF_ERROR(tx.status());
    VB_RETURN_IF_ERROR(node_ptr->store_->SetMeta("org", org_hex));
    VB_RETURN_IF_ERROR(node_ptr->store_->SetMeta("admin", o.admin_login));
    VB_RETURN_IF_ERROR(node_ptr->store_->SetMeta("node", ToHex(node.public_key())));
    node_ptr->org_ = root.public_key();
    for (const Record* r : {&create, &grant, &admit}) VB_RETURN_IF_ERROR(node_ptr->IngestOne(*r));
    // The certification authority, and certificates for the seal and the admin (a signer).
    PassphraseSource pass = [&o]() -> Result<std::string> { return o.passphrase; };
    VB_RETURN_IF_ERROR(node_ptr->CertifyHere(o.admin_login, pass, {}, &written));
    VB_RETURN_IF_ERROR(node_ptr->FlushViews());
    return tx.Commit();
  }();
  if (!s.ok()) {
    node_ptr->store_.reset();
    undo();
    ::unlink((home + "/vanban.db").c_str());
    return s;
  }
  node_ptr->admin_ = o.admin_login;
  node_ptr->node_ = node.public_key();
  return node_ptr;
}

Result<std::unique_ptr<Node>> Node::Open(const std::string& home, const NodeOptions& options) {
  return OpenIn(home, OpenMode::kReadWrite, options);
}

Result<std::unique_ptr<Node>> Node::OpenReadOnly(const std::string& home, const NodeOptions& options) {
  return OpenIn(home, OpenMode::kReadOnly, options);
}

Result<std::unique_ptr<Node>> Node::OpenIn(const std::string& home, OpenMode mode, const NodeOptions& options) {
  VB_RETURN_IF_ERROR(crypto::Init());
  if (!files::Exists(home + "/vanban.db"))
    return Status::NotFound("no vanban node in " + home + " (run 'vanban init' or give --home)");
  auto node = std::unique_ptr<Node>(new Node(options));
  node->home_ = home;
  VB_ASSIGN_OR_RETURN(node->store_, Store::Open(home + "/vanban.db", kSchemaVersion, mode));
  VB_RETURN_IF_ERROR(node->Load());
  return node;
}

Result<std::unique_ptr<Node>> Node::Join(const std::string& home, const std::string& card,
                                         const std::string& passphrase, const NodeOptions& options) {
  VB_RETURN_IF_ERROR(crypto::Init());
  if (files::Exists(home + "/vanban.db"))
    return Status::BadInput(home + " already holds a vanban node; choose another --home");
  if (passphrase.empty()) return Status::BadInput("the passphrase is empty");
  if (card.size() > kMaxCard) return Status::BadInput("organisation card larger than 4 MiB");
  // The whole card is checked in memory before anything touches the disk.
  VB_ASSIGN_OR_RETURN(std::vector<std::string> parts, SplitRecordList(kCardMagic, card, "an organisation card"));
  if (parts.empty()) return Status::BadInput("organisation card holds no records");
  std::vector<Record> records;
  for (const std::string& b : parts) {
    auto r = Record::Decode(b);
    if (!r.ok()) return Status::BadInput("organisation card: " + r.status().message());
    records.push_back(std::move(r).value());
  }
  const Record& first = records[0];
  if (first.type() != "org.create" || !first.VerifySignature() || first.Get("org") != ToHex(first.author()))
    return Status::BadInput("organisation card does not begin with an org.create record signed by its root key");
  const PublicKey org = first.author();
  for (const Record& r : records)
    if (r.Get("org") != ToHex(org)) return Status::BadInput("organisation card mixes organisations");

  SecretKey node = SecretKey::Generate();
  VB_RETURN_IF_ERROR(files::MakeDirs(home + "/keys", 0700));
  ::chmod(home.c_str(), 0700);
  // No person owns a joined node's key: its owner line says so (docs/keys.md).
  const std::string key_path = home + "/keys/node.key";
  VB_RETURN_IF_ERROR(files::WriteAtomic(key_path, KeyFile::Seal(node, KeyPurpose::kNode, "node", passphrase, options.key_cost), 0600, true));

  auto node_ptr = std::unique_ptr<Node>(new Node(options));
  node_ptr->home_ = home;
  auto undo = [&](Status s) -> Status {
    node_ptr->store_.reset();
    ::unlink(key_path.c_str());
    for (const char* f : {"/vanban.db", "/vanban.db-wal", "/vanban.db-shm"}) ::unlink((home + f).c_str());
    return s;
  };
  auto store = Store::Open(home + "/vanban.db");
  if (!store.ok()) return undo(store.status());
  node_ptr->store_ = std::move(store).value();
  Status s = [&]() -> Status {
    Transaction tx(node_ptr->store_->db());
    VB_RETURN_IF_ERROR(tx.status());
    VB_RETURN_IF_ERROR(node_ptr->store_->SetMeta("org", ToHex(org)));
    VB_RETURN_IF_ERROR(node_ptr->store_->SetMeta("admin", ""));
    VB_RETURN_IF_ERROR(node_ptr->store_->SetMeta("node", ToHex(node.public_key())));
    node_ptr->org_ = org;
    // The same path as records from peers: signature, parents, the authority's rules.
    for (const Record& r : records) {
      Status one = node_ptr->IngestOne(r);
      if (!one.ok()) return Status::BadInput("organisation card: " + one.message());
    }
    VB_RETURN_IF_ERROR(node_ptr->FlushViews());
    return tx.Commit();
  }();
  if (!s.ok()) return undo(s);
  if (Status l = node_ptr->Load(); !l.ok()) return undo(l);
  return node_ptr;
}

Status Node::Load() {
  VB_ASSIGN_OR_RETURN(std::string org_hex, store_->Meta("org"));
  if (!FromHex(org_hex, &org_)) return Status::Invalid(home_ + ": the database names no organisation");
  VB_ASSIGN_OR_RETURN(admin_, store_->Meta("admin"));
  VB_ASSIGN_OR_RETURN(std::string node_hex, store_->Meta("node"));
  FromHex(node_hex, &node_);
  VB_ASSIGN_OR_RETURN(std::vector<Record> records, store_->OrgRecords());
  auth_ = Authority();
  for (size_t i : CausalOrder(records)) {
    // Stored records were checked on arrival; a failure here is for `check` to report.
    (void)auth_.Apply(records[i]);
  }
  if (!auth_.FindOrg(org_)) return Status::Invalid(home_ + ": this organisation's own record is missing");
  cache_.clear();
  dirty_.clear();
  new_docs_.clear();
  VB_ASSIGN_OR_RETURN(data_version_, DataVersion());
  return Status::Ok();
}

Result<std::string> Node::DefaultLogin() const {
  if (!admin_.empty()) return admin_;
  // A joined node has no admin of its own: the person is whoever keeps a key here.
  std::vector<std::string> granted, waiting;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(home_ + "/keys", ec)) {
    const std::string f = e.path().filename().string();
    if (f.rfind("person-", 0) != 0 || f.size() <= 11 || f.substr(f.size() - 4) != ".key") continue;
    std::string login = f.substr(7, f.size() - 11);
    (auth_.FindLogin(org_, login) ? granted : waiting).push_back(login);
  }
  std::sort(granted.begin(), granted.end());
  if (granted.size() == 1) return granted[0];
  if (granted.size() > 1) {
    std::string all;
    for (const auto& l : granted) all += (all.empty() ? "" : ", ") + l;
    return Status::BadInput("several people have keys on this node (" + all + "): give --as LOGIN");
  }
  if (!waiting.empty())
    return Status::NotFound("'" + waiting[0] + "' has a key on this node but no grant of it has arrived yet (an admin runs "
                            "'vanban user add " + waiting[0] + " --request REQ', then the nodes sync)");
  return Status::BadInput("this node joined " + org().name +
                          " and holds no person's key: give --as LOGIN, or make a key with 'vanban key request'");
}

Result<const Person*> Node::ActingPerson(const Actor& actor) const {
  std::string login = actor.login;
  if (login.empty()) { VB_ASSIGN_OR_RETURN(login, DefaultLogin()); }
  const Person* p = auth_.FindLogin(org_, login);
  if (!p && files::Exists(KeyPath("person-" + login + ".key")))
    return Status::NotFound("'" + login + "' has a key on this node but no grant of it has arrived yet (an admin runs "
                            "'vanban user add " + login + " --request REQ', then the nodes sync)");
  if (!p) return Status::NotFound("no person '" + login + "' in " + org().name + " (see 'vanban user list')");
  if (!p->active()) return Status::Refused(Reason{"person-revoked", {{"login", login}}});
  return p;
}

Result<SecretKey> Node::UnlockKeyFile(const std::string& file, const PassphraseSource& pass) const {
  std::string path = KeyPath(file);
  auto bytes = files::Read(path, kMaxKeyFile);
  if (!bytes.ok()) {
    if (bytes.status().code() == Status::Code::kNotFound)
      return Status::NotFound("no key file " + path + " on this node");
    return bytes.status();
  }
  if (!pass) return Status::BadInput("no passphrase given");
  VB_ASSIGN_OR_RETURN(std::string p, pass());
  HeldPassphrase held{std::move(p)};
  return KeyFile::Open(*bytes, held.value, path);
}

Status Node::CheckPassphrase(const std::string& login, const PassphraseSource& pass) const {
  if (login.empty()) return Status::BadInput("no login given");
  VB_ASSIGN_OR_RETURN(const Person* who, ActingPerson(Actor{login, pass}));
  VB_ASSIGN_OR_RETURN(SecretKey key, UnlockKeyFile("person-" + login + ".key", pass));
  if (key.public_key() != who->key)
    return Status::BadInput("the key file of '" + login + "' holds another key than the one granted");
  return Status::Ok();
}

Result<SecretKey> Node::UnlockNodeKey(const PassphraseSource& pass) const {
  VB_ASSIGN_OR_RETURN(SecretKey key, UnlockKeyFile("node.key", pass));
  if (key.public_key() != node_)
    return Status::BadInput(KeyPath("node.key") + " holds another key than this node's (" +
                            crypto::Fingerprint(node_) + ")");
  return key;
}

Result<std::string> Node::ResolveDoc(const std::string& ref) {
  // A number as issued ("1/KH-SNgV"), or a unique prefix of the id (at least 4 hex digits).
  if (ref.find('/') != std::string::npos) {
    // "1/KH-SNgV" finds "01/KH-SNgV" and the other way round (NumberSpellings).
    const std::vector<std::string> spell = NumberSpellings(ref);
    const std::string& other = spell.back();
    Stmt& q = store_->db().Prepare(
        "SELECT doc, year FROM register_out WHERE number IN (?, ?) AND org=? ORDER BY year, at, issue");
    q.Bind(1, ref).Bind(2, other).Bind(3, ToHex(org_));
    std::vector<std::pair<std::string, std::string>> found;
    while (q.Step()) found.push_back({q.Text(0), q.Text(1)});
    VB_RETURN_IF_ERROR(q.status());
    if (found.empty()) {
      // Else another organisation's number on a document addressed to this one.
      Stmt& in = store_->db().Prepare(
          "SELECT o.doc, o.year FROM register_out o JOIN register_in i ON i.doc = o.doc AND i.org = ? "
          "WHERE o.number IN (?, ?) ORDER BY o.year, o.at, o.issue");
      in.Bind(1, ToHex(org_)).Bind(2, ref).Bind(3, other);
      while (in.Step()) found.push_back({in.Text(0), in.Text(1)});
      VB_RETURN_IF_ERROR(in.status());
    }
    if (found.empty()) return Status::NotFound("no document numbered " + ref);
    if (found.size() > 1) {
      std::string which;
      for (const auto& [doc, year] : found) which += (which.empty() ? "" : ", ") + doc.substr(0, 12) + " (" + year + ")";
      return Status::BadInput("number " + ref + " names several documents: " + which + "; give the id");
    }
    return found[0].first;
  }
  std::string lower = ref;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower.size() < 4 || lower.size() > 64 || lower.find_first_not_of("0123456789abcdef") != std::string::npos)
    return Status::BadInput("'" + ref + "' is not a document id (4 to 64 hex digits) or number (e.g. 1/KH-SNgV)");
  Stmt& q = store_->db().Prepare("SELECT doc FROM documents WHERE doc >= ? AND doc < ? ORDER BY doc LIMIT 2");
  q.Bind(1, lower).Bind(2, lower + "g");
  std::vector<std::string> found;
  while (q.Step()) found.push_back(q.Text(0));
  VB_RETURN_IF_ERROR(q.status());
  if (found.empty()) return Status::NotFound("no document " + ref);
  if (found.size() > 1) return Status::BadInput("'" + ref + "' matches several documents; give more digits");
  return found[0];
}

Result<Document*> Node::Cached(const std::string& doc_hex) {
  auto it = cache_.find(doc_hex);
  if (it != cache_.end()) return &it->second;
  VB_ASSIGN_OR_RETURN(std::vector<Record> records, store_->DocRecords(doc_hex));
  if (records.empty()) return Status::NotFound("no document " + doc_hex.substr(0, 12));
  VB_ASSIGN_OR_RETURN(Document d, FoldDocument(auth_, records));
  return &(cache_[doc_hex] = std::move(d));
}

Result<Document> Node::LoadDoc(const std::string& doc_hex) {
  VB_ASSIGN_OR_RETURN(Document* d, Cached(doc_hex));
  return *d;
}

Status Node::Complete(const Person& who, const std::string& doc_hex, Record& r) {
  r.SetAuthor(who.key);
  if (!r.Has("at")) {
    Timestamp now = Now();
    // A record never predates what it follows, even if this machine's clock is behind.
    if (!doc_hex.empty()) {
      VB_ASSIGN_OR_RETURN(Document d, LoadDoc(doc_hex));
      now = NotBeforeHeads(d, now);
    }
    r.Add("at", now.Iso());
  }
  if (Authority::IsOrgRecord(r.type())) {
    r.Add("org", ToHex(org_));
    for (const RecordId& h : auth_.Heads(org_)) r.Add("parent", ToHex(h));
    return auth_.Check(r);
  }
  if (r.type() == "doc.create") {
    Document empty;
    return ApplyDocRecord(auth_, empty, r, /*preflight=*/true);
  }
  VB_ASSIGN_OR_RETURN(Document d, LoadDoc(doc_hex));
  r.Add("doc", doc_hex);
  for (const RecordId& h : d.heads) r.Add("parent", ToHex(h));
  return ApplyDocRecord(auth_, d, r, /*preflight=*/true);
}

Timestamp Node::NotBeforeHeads(const Document& d, Timestamp now) const {
  for (const Event& e : d.log)
    if (d.heads.count(e.id) && now < e.at) now = e.at.InOffset(now.offset_minutes);
  return now;
}

Result<std::string> Node::Act(const Actor& actor, const std::string& doc_hex, const Build& build,
                              const SignHook& hook, const AfterHook& after, const std::function<Status()>& ready) {
  // First from what this process has read: refuse early, before any passphrase.
  {
    VB_ASSIGN_OR_RETURN(const Person* who, ActingPerson(actor));
    VB_ASSIGN_OR_RETURN(Record r, build());
    VB_RETURN_IF_ERROR(Complete(*who, doc_hex, r));
  }
  // Allowed: unlock the key (one passphrase for every key this action needs).
  if (!actor.passphrase) return Status::BadInput("no passphrase given");
  std::string login = actor.login;
  if (login.empty()) { VB_ASSIGN_OR_RETURN(login, DefaultLogin()); }
  // A person of the organisation whose key is on another node: say so before asking.
  if (!files::Exists(KeyPath("person-" + login + ".key")))
    return Status::NotFound("no key file " + KeyPath("person-" + login + ".key") + " on this node: '" + login +
                            "' acts on the node that holds their key");
  VB_ASSIGN_OR_RETURN(std::string p, actor.passphrase());
  HeldPassphrase held{std::move(p)};
  PassphraseSource same = [&held]() -> Result<std::string> { return held.value; };
  VB_ASSIGN_OR_RETURN(SecretKey key, UnlockKeyFile("person-" + login + ".key", same));
  if (ready) VB_RETURN_IF_ERROR(ready());

  // Then under the write lock, from a fresh read: another process may have acted
  // meanwhile, and the record must follow what the store holds now.
  Status s = [&]() -> Status {
    Transaction tx(store_->db());
    VB_RETURN_IF_ERROR(tx.status());
    VB_RETURN_IF_ERROR(Load());
    VB_ASSIGN_OR_RETURN(const Person* who, ActingPerson(actor));
    if (key.public_key() != who->key)
      return Status::BadInput("the key file of '" + who->login + "' holds another key than the one granted");
    VB_ASSIGN_OR_RETURN(Record r, build());
    VB_RETURN_IF_ERROR(Complete(*who, doc_hex, r));
    if (hook) VB_RETURN_IF_ERROR(hook(r, key, same));
    VB_RETURN_IF_ERROR(r.Sign(key));
    VB_RETURN_IF_ERROR(IngestOne(r));
    if (after) VB_RETURN_IF_ERROR(after(r, same));
    VB_RETURN_IF_ERROR(FlushViews());
    last_id_ = r.id_hex();
    return tx.Commit();
  }();
  if (!s.ok()) {
    (void)Load();
    return s;
  }
  return last_id_;
}

Status Node::FlushViews() {
  for (const std::string& doc : dirty_) {
    VB_ASSIGN_OR_RETURN(Document* d, Cached(doc));
    VB_RETURN_IF_ERROR(store_->WriteDocViews(*d));
  }
  dirty_.clear();
  new_docs_.clear();
  return Status::Ok();
}

Status Node::IngestOne(const Record& r, bool* duplicate, std::optional<bool> signature) {
  const bool signature_checked = signature.has_value(), signature_ok = signature.value_or(false);
  const bool org_record = Authority::IsOrgRecord(r.type());
  // The document a record belongs to is in its own bytes: where a copy would be held.
  const std::string doc_hex = org_record ? "" : r.type() == "doc.create" ? r.id_hex() : r.Get("doc");
  bool held = false;
  auto fresh = new_docs_.count(doc_hex) ? cache_.find(doc_hex) : cache_.end();
  if (fresh != cache_.end()) {
    // A document this transaction created: its cached log lists every record it holds.
    const auto& log = fresh->second.log;
    held = std::any_of(log.begin(), log.end(), [&](const Event& e) { return e.id == r.id(); });
  } else {
    held = store_->HasRecord(r.id(), doc_hex);
  }
  if (held) {
    if (duplicate) *duplicate = true;
    return Status::Ok();
  }
  if (!(signature_checked ? signature_ok : r.VerifySignature()))
    return Status::Invalid("record " + r.id_hex().substr(0, 12) + ": signature does not verify");
  for (const Card& c : r.cards()) {
    if (c.key != "blob") continue;
    Hash h;
    if (!FromHex(c.value, &h)) return Status::BadInput("record " + r.id_hex().substr(0, 12) + ": bad 'blob' card");
    if (!store_->HasBlob(h) && !(arriving_ && arriving_->count(h)))
      return Status::Refused("record " + r.id_hex().substr(0, 12) + ": blob " + c.value.substr(0, 12) + " has not arrived");
  }
  auto missing_parent = [&](const RecordId& p) {
    return Status::Refused("record " + r.id_hex().substr(0, 12) + ": parent " + ToHex(p).substr(0, 12) +
                           " has not arrived");
  };
  if (org_record) {
    // An organisation record follows organisation records; any other parent is
    // looked for the slow way.
    for (const RecordId& p : r.parents())
      if (!store_->HasRecord(p, "") && !store_->HasRecordAnywhere(p)) return missing_parent(p);
    PublicKey org;
    if (!FromHex(r.Get("org"), &org)) return Status::BadInput("record " + r.id_hex().substr(0, 12) + ": bad 'org'");
    if (org != org_) {
      Stmt& q = store_->db().Prepare("SELECT 1 FROM trust WHERE org=?");
      q.Bind(1, ToHex(org));
      if (!q.Step()) return Status::Refused("record " + r.id_hex().substr(0, 12) + ": organisation is not trusted here");
    }
    VB_RETURN_IF_ERROR(auth_.Apply(r));
    VB_RETURN_IF_ERROR(store_->PutRecord(r, "", ToHex(org)));
    VB_RETURN_IF_ERROR(store_->WritePersonsView(auth_));
    if (r.type() == "person.revoke") {
      // Records this person made after the revocation no longer count: refold their documents.
      Stmt& q = store_->db().Prepare("SELECT DISTINCT doc FROM records WHERE author=? AND doc IS NOT NULL");
      q.Bind(1, r.Get("key"));
      std::vector<std::string> docs;
      while (q.Step()) docs.push_back(q.Text(0));
      VB_RETURN_IF_ERROR(q.status());
      for (const std::string& doc : docs) {
        cache_.erase(doc);
        dirty_.insert(doc);
      }
    }
    return Status::Ok();
  }
  const std::string id12 = r.id_hex().substr(0, 12);
  if (r.type() == "doc.create") {
    Document d;
    VB_RETURN_IF_ERROR(ApplyDocRecord(auth_, d, r).With("record " + id12));
    VB_RETURN_IF_ERROR(store_->PutRecord(r, doc_hex, ToHex(d.org)));
    cache_[doc_hex] = std::move(d);
    dirty_.insert(doc_hex);
    new_docs_.insert(doc_hex);
    return Status::Ok();
  }
  RecordId doc_id;
  if (!FromHex(doc_hex, &doc_id)) return Status::BadInput("record " + id12 + ": bad 'doc' card");
  auto cached = Cached(doc_hex);
  if (!cached.ok()) {
    if (cached.status().code() == Status::Code::kNotFound)
      return Status::Refused("record " + id12 + ": its document has not arrived");
    return cached.status();
  }
  Document& d = **cached;  // changed in place: a failed batch reloads (see Ingest, Act)
  auto parents = r.parents();
  // A document record's parents are records of the same document, all in its log,
  // but for another organisation's document: of that, only its share reaches us.
  const bool was_partial = d.partial;
  for (const RecordId& p : parents) {
    bool known = std::any_of(d.log.begin(), d.log.end(), [&](const Event& e) { return e.id == p; });
    if (known) continue;
    if (d.org == org_) return missing_parent(p);
    d.partial = true;
  }
  bool follows_all = std::all_of(d.heads.begin(), d.heads.end(), [&](const RecordId& h) {
    return std::find(parents.begin(), parents.end(), h) != parents.end();
  });
  if (follows_all) {
    // It descends from every record of the document: it is last in causal order.
    Status s = ApplyDocRecord(auth_, d, r);
    if (!s.ok()) {
      d.log.pop_back();  // the refusal's log entry: the record is not kept
      d.partial = was_partial;
      return s.With("record " + id12);
    }
  } else {
    VB_ASSIGN_OR_RETURN(std::vector<Record> all, store_->DocRecords(doc_hex));
    all.push_back(r);
    VB_ASSIGN_OR_RETURN(Document refolded, FoldDocument(auth_, all));
    for (const Event& e : refolded.log) {
      if (e.id == r.id() && !e.accepted) return Status::Refused("record " + id12 + ": " + e.note);
    }
    d = std::move(refolded);
  }
  VB_RETURN_IF_ERROR(store_->PutRecord(r, doc_hex, ToHex(d.org)));
  dirty_.insert(doc_hex);
  return Status::Ok();
}

Result<IngestReport> Node::Ingest(const std::vector<std::string>& record_bytes, const std::vector<std::string>& blobs,
                                  bool more_follows) {
  IngestReport rep;
  // A blob is known by its hash: one that no record names is simply not kept.
  std::map<Hash, std::string_view> arriving;
  for (const std::string& b : blobs) arriving.emplace(crypto::Blake2b(b), b);
  arriving_ = &arriving;
  Status s = IngestBatch(record_bytes, &rep, more_follows);
  arriving_ = nullptr;
  if (!s.ok()) {
    (void)Load();  // the batch rolled back: forget what it applied in memory
    return s;
  }
  return rep;
}

namespace {

// The decoding and signature check of a batch's records, shared by the thread that
// applies them in order and helper threads: each record is claimed once, in order,
// checked by whoever claimed it, and published to the others.
class BatchCheck {
 public:
  explicit BatchCheck(const std::vector<std::string>& bytes)
      : bytes_(bytes), decoded_(bytes.size()), signed_ok_(bytes.size(), 0),
        done_(std::make_unique<std::atomic<bool>[]>(bytes.size())) {}
  // A helper thread's work: check records until none is left to claim.
  void Work() {
    while (CheckNext()) {
    }
  }
  // Record i, decoded and checked; while another thread is at it, this one checks
  // records further on rather than wait.
  const Result<Record>& Await(size_t i) {
    while (!done_[i].load(std::memory_order_acquire))
      if (!CheckNext()) std::this_thread::yield();
    return *decoded_[i];
  }
  // Whether record i's signature verifies (after Await(i)).
  bool signed_ok(size_t i) const { return signed_ok_[i] != 0; }

 private:
  bool CheckNext() {
    const size_t i = next_.fetch_add(1, std::memory_order_relaxed);
    if (i >= bytes_.size()) return false;
    decoded_[i] = Record::Decode(bytes_[i]);
    signed_ok_[i] = decoded_[i]->ok() && (*decoded_[i])->VerifySignature();
    done_[i].store(true, std::memory_order_release);
    return true;
  }

  const std::vector<std::string>& bytes_;
  std::vector<std::optional<Result<Record>>> decoded_;
  std::vector<char> signed_ok_;
  std::unique_ptr<std::atomic<bool>[]> done_;
  std::atomic<size_t> next_{0};
};

}  // namespace

Status Node::IngestBatch(const std::vector<std::string>& record_bytes, IngestReport* out, bool more_follows) {
  // Decoding (hashing) and signature checks need nothing from the store: they run on
  // helper threads beside the apply, which takes the records in order as each is
  // checked and checks the next unclaimed ones itself while it waits (BatchCheck).
  // Who checked a record does not change what is applied: the outcome is the same.
  const size_t n = record_bytes.size();
  BatchCheck check(record_bytes);
  const size_t helpers = std::min<size_t>(verify_threads_, n / 32 + 1) - 1;
  std::vector<std::thread> workers;
  struct Joiner {  // the helpers end before `check` goes, on every return path
    std::vector<std::thread>& w;
    ~Joiner() {
      for (std::thread& t : w) t.join();
    }
  } joiner{workers};
  for (size_t t = 0; t < helpers; ++t) workers.emplace_back([&check] { check.Work(); });
  std::vector<const Record*> records(n, nullptr);
  // Scope is decided on the document as the batch leaves it (a record alone cannot
  // tell: the issuance addressed here follows the creation). Records beyond it are
  // left out and the batch applied again without them, until none is.
  std::vector<char> beyond(n, 0), applied_first(n, 0);
  for (bool first = true;; first = false) {
    IngestReport rep;
    std::vector<size_t> fresh;
    {
      Transaction tx(store_->db());
      VB_RETURN_IF_ERROR(tx.status());
      VB_RETURN_IF_ERROR(SeeOtherWriters());
      for (size_t i = 0; i < n; ++i) {
        if (beyond[i]) continue;
        const Result<Record>& decoded = check.Await(i);
        if (!decoded.ok()) {
          rep.refused.push_back(decoded.status().message());
          continue;
        }
        records[i] = &*decoded;
        bool duplicate = false;
        Status s = IngestOne(*records[i], &duplicate, check.signed_ok(i));
        if (!s.ok() && applied_first[i]) beyond[i] = 1;  // it followed a record left out: left out too
        else if (!s.ok()) rep.refused.push_back(s.message());
        else if (duplicate) ++rep.duplicate;
        else {
          ++rep.accepted;
          fresh.push_back(i);
          if (first) applied_first[i] = 1;
          if (arriving_) VB_RETURN_IF_ERROR(KeepArrivingBlobs(*records[i]));
        }
      }
      VB_ASSIGN_OR_RETURN(std::vector<size_t> outside, BeyondScope(records, fresh));
      if (outside.empty()) {
        VB_RETURN_IF_ERROR(FlushViews());
        VB_RETURN_IF_ERROR(tx.Commit());
        ForgetFoldedIfMany();
        for (size_t i = 0; i < n; ++i) {
          if (!beyond[i]) continue;
          const Record& r = *records[i];
          if (more_follows) {
            rep.held_back.push_back(record_bytes[i]);
            for (const std::string& b : r.GetAll("blob")) {
              Hash h;
              if (!arriving_ || !FromHex(b, &h)) continue;
              auto it = arriving_->find(h);
              if (it != arriving_->end()) rep.held_back_blobs.emplace_back(it->second);
            }
            continue;
          }
          ++rep.out_of_scope;
          rep.refused.push_back("record " + r.id_hex().substr(0, 12) + ": a " + r.type() +
                                " of another organisation's document that this organisation may not hold");
        }
        *out = std::move(rep);
        return Status::Ok();
      }
      for (size_t i : outside) beyond[i] = 1;
    }
    // The transaction rolled back: forget what it applied in memory, then again.
    VB_RETURN_IF_ERROR(Load());
  }
}

void Node::ForgetFoldedIfMany() {
  // A long transfer (a first sync, a large bundle) touches every document once or
  // twice: keeping each folded document would grow memory with the store (some
  // 110,000 for a million records) and slow every allocation. Any of them folds
  // again from its records when asked; the views are already written.
  constexpr size_t kMaxFoldedDocuments = 4096;
  if (cache_.size() > kMaxFoldedDocuments) cache_.clear();
}

Result<std::vector<size_t>> Node::BeyondScope(const std::vector<const Record*>& records,
                                              const std::vector<size_t>& fresh) {
  std::map<std::string, std::vector<size_t>> by_doc;
  for (size_t i : fresh) {
    const Record& r = *records[i];
    if (Authority::IsOrgRecord(r.type())) continue;
    by_doc[r.type() == "doc.create" ? r.id_hex() : r.Get("doc")].push_back(i);
  }
  std::vector<size_t> out;
  for (const auto& [doc_hex, applied] : by_doc) {
    VB_ASSIGN_OR_RETURN(Document * cached, Cached(doc_hex));
    if (cached->org == org_) continue;  // this organisation's own: all of it
    VB_ASSIGN_OR_RETURN(std::vector<Record> held, store_->DocRecords(doc_hex));
    VB_ASSIGN_OR_RETURN(Document d, FoldDocument(auth_, held));
    std::set<RecordId> keep = MayHold(auth_, d, held, org_);
    for (size_t i : applied)
      if (!keep.count(records[i]->id())) out.push_back(i);
  }
  return out;
}

Status Node::KeepArrivingBlobs(const Record& r) {
  for (const Card& c : r.cards()) {
    Hash h;
    if (c.key != "blob" || !FromHex(c.value, &h) || store_->HasBlob(h)) continue;
    auto it = arriving_->find(h);
    if (it != arriving_->end()) { VB_RETURN_IF_ERROR(store_->PutBlob(it->second).status()); }
  }
  return Status::Ok();
}

Status Node::Refresh() {
  // A cached statement stopped after its first row (a lookup) keeps its read open, and
  // with it the snapshot it began in: data_version would not move and other writers'
  // commits would stay unseen. Between requests nothing is mid-iteration.
  store_->db().ResetAll();
  return SeeOtherWriters();
}

Status Node::SeeOtherWriters() {
  // data_version changes when another connection (another vanban process, another
  // sync session) commits: what this Node folded before may be stale.
  VB_ASSIGN_OR_RETURN(int64_t v, DataVersion());
  return v == data_version_ ? Status::Ok() : Load();
}

Result<int64_t> Node::DataVersion() {
  Stmt& q = store_->db().Prepare("PRAGMA data_version");
  int64_t v = q.Step() ? q.Int(0) : -1;
  q.Step();  // to the end: a statement left on a row would hold its read snapshot
  VB_RETURN_IF_ERROR(q.status());
  return v;
}

// --- sync ------------------------------------------------------------------------

Result<std::vector<Node::HeldRecord>> Node::SharedWith(const PublicKey& peer) {
  std::vector<HeldRecord> out;
  if (peer == org_) {
    VB_ASSIGN_OR_RETURN(auto all, store_->AllHeld());
    out.reserve(all.size());
    for (const auto& [id, seq] : all) out.push_back({id, seq});
  } else {
    std::set<PublicKey> orgs = {org_, peer};
    // Only these can hold a share: the peer's own documents, pledges, issued ones.
    Stmt& q = store_->db().Prepare(
        "SELECT doc FROM documents WHERE org=? OR kind='pledge' OR state IN ('issued', 'revoked')");
    q.Bind(1, ToHex(peer));
    std::vector<std::string> docs;
    while (q.Step()) docs.push_back(q.Text(0));
    VB_RETURN_IF_ERROR(q.status());
    for (const std::string& doc : docs) {
      VB_ASSIGN_OR_RETURN(auto held, store_->DocRecordsWithSeq(doc));
      std::vector<Record> records;
      records.reserve(held.size());
      std::map<RecordId, int64_t> seq_of;
      for (auto& [seq, r] : held) {
        seq_of[r.id()] = seq;
        records.push_back(std::move(r));
      }
      VB_ASSIGN_OR_RETURN(Document d, FoldDocument(auth_, records));
      std::vector<RecordId> part = SharedPart(auth_, d, records, peer);
      if (part.empty()) continue;
      for (const RecordId& id : part) out.push_back({id, seq_of[id]});
      for (const PublicKey& o : InvolvedOrgs(d)) orgs.insert(o);
    }
    VB_ASSIGN_OR_RETURN(auto org_records, store_->OrgRecordsWithSeq());
    for (const auto& [seq, r] : org_records) {
      PublicKey o;
      if (FromHex(r.Get("org"), &o) && orgs.count(o)) out.push_back({r.id(), seq});
    }
  }
  std::sort(out.begin(), out.end(), [](const HeldRecord& a, const HeldRecord& b) { return a.id < b.id; });
  return out;
}

Result<Node::Outgoing> Node::ReadHeld(std::vector<int64_t> seqs) {
  std::sort(seqs.begin(), seqs.end());
  Outgoing out;
  std::set<std::string> named;
  for (int64_t seq : seqs) {
    VB_ASSIGN_OR_RETURN(std::string bytes, store_->RecordBytesAt(seq));
    // Only signed copies name blobs: a cheap look before decoding.
    if (bytes.find("\nblob ") != std::string::npos) {
      VB_ASSIGN_OR_RETURN(Record r, Record::Decode(bytes));
      for (const std::string& b : r.GetAll("blob")) {
        Hash h;
        if (!FromHex(b, &h) || !named.insert(b).second) continue;
        VB_ASSIGN_OR_RETURN(auto blob, store_->GetBlob(h));
        if (blob) out.blobs.push_back(std::move(*blob));
      }
    }
    out.records.push_back(std::move(bytes));
  }
  return out;
}

const Organisation* Node::OrgOfNode(const PublicKey& node) const {
  for (const auto& [key, o] : auth_.orgs())
    if (o.nodes.count(node)) return &o;
  return nullptr;
}

Result<Hash> Node::PutBlob(std::string_view bytes) { return store_->PutBlob(bytes); }
Result<std::optional<std::string>> Node::GetBlob(const Hash& h) { return store_->GetBlob(h); }

// --- organisations ---------------------------------------------------------------

Result<std::string> Node::OrgCard() {
  VB_ASSIGN_OR_RETURN(std::vector<Record> records, store_->OrgRecords());
  std::vector<Record> ours;
  for (size_t i : CausalOrder(records))
    if (records[i].Get("org") == ToHex(org_)) ours.push_back(records[i]);
  return EncodeRecordList(kCardMagic, ours);
}

Status Node::Trust(const std::string& card, const std::string& alias) {
  if (card.size() > kMaxCard) return Status::BadInput("organisation card larger than 4 MiB");
  if (alias.empty() || alias.size() > 32 ||
      alias.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") != std::string::npos)
    return Status::BadInput("alias '" + alias + "' must be lower-case letters, digits, '-', '_'");
  VB_ASSIGN_OR_RETURN(std::vector<std::string> parts, SplitRecordList(kCardMagic, card, "an organisation card"));
  if (parts.empty()) return Status::BadInput("organisation card holds no records");
  VB_ASSIGN_OR_RETURN(Record first, Record::Decode(parts[0]));
  if (first.type() != "org.create" || !first.VerifySignature())
    return Status::BadInput("organisation card does not begin with a valid org.create record");
  PublicKey org = first.author();
  if (org == org_) return Status::BadInput("this is our own organisation's card");
  {
    Stmt& q = store_->db().Prepare("SELECT org FROM trust WHERE alias=?");
    q.Bind(1, alias);
    if (q.Step() && q.Text(0) != ToHex(org))
      return Status::Refused(Reason{"alias-taken", {{"alias", alias}}});
  }
  Status s = [&]() -> Status {
    Transaction tx(store_->db());
    VB_RETURN_IF_ERROR(tx.status());
    VB_RETURN_IF_ERROR(store_->db()
                           .Prepare("INSERT INTO trust(alias, org) VALUES(?, ?) ON CONFLICT(org) DO UPDATE SET alias=excluded.alias")
                           .Bind(1, alias)
                           .Bind(2, ToHex(org))
                           .Run());
    for (const std::string& b : parts) {
      auto r = Record::Decode(b);
      if (!r.ok()) return Status::BadInput("organisation card: " + r.status().message());
      if (r->Get("org") != ToHex(org)) return Status::BadInput("organisation card mixes organisations");
      Status one = IngestOne(*r);
      if (!one.ok()) return Status::BadInput("organisation card: " + one.message());
    }
    VB_RETURN_IF_ERROR(FlushViews());
    return tx.Commit();
  }();
  // On failure the transaction has rolled back; forget what was applied in memory too.
  if (!s.ok()) (void)Load();
  return s;
}

std::vector<std::pair<std::string, PublicKey>> Node::Trusted() {
  std::vector<std::pair<std::string, PublicKey>> out;
  Stmt& q = store_->db().Prepare("SELECT alias, org FROM trust ORDER BY alias");
  while (q.Step()) {
    PublicKey k;
    if (FromHex(q.Text(1), &k)) out.push_back({q.Text(0), k});
  }
  return out;
}

Status Node::RecordSync(const SyncLogEntry& e) {
  if (e.side != "client" && e.side != "server") return Status::BadInput("sync log: side '" + e.side + "'");
  // A peer is the address this node calls, or the node that calls it (its address changes).
  const std::string peer = e.side == "client" ? e.address : e.peer_node;
  Transaction tx(store_->db());
  VB_RETURN_IF_ERROR(tx.status());
  VB_RETURN_IF_ERROR(store_->db()
                         .Prepare("INSERT INTO sync_log(at, side, peer, address, peer_org, peer_node, sent, received, "
                                  "duplicate, refused, peer_refused, ok, message, ms) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
                         .Bind(1, e.at.Iso())
                         .Bind(2, e.side)
                         .Bind(3, peer)
                         .Bind(4, e.address)
                         .Bind(5, e.peer_org)
                         .Bind(6, e.peer_node)
                         .Bind(7, e.sent)
                         .Bind(8, e.received)
                         .Bind(9, e.duplicate)
                         .Bind(10, e.refused)
                         .Bind(11, e.peer_refused)
                         .Bind(12, e.ok ? 1 : 0)
                         .Bind(13, e.message)
                         .Bind(14, e.ms)
                         .Run());
  VB_RETURN_IF_ERROR(store_->db()
                         .Prepare("DELETE FROM sync_log WHERE side=?1 AND peer=?2 AND seq NOT IN "
                                  "(SELECT seq FROM sync_log WHERE side=?1 AND peer=?2 ORDER BY seq DESC LIMIT ?3)")
                         .Bind(1, e.side)
                         .Bind(2, peer)
                         .Bind(3, static_cast<int64_t>(kSyncLogPerPeer))
                         .Run());
  return tx.Commit();
}

Result<std::vector<SyncLogEntry>> Node::SyncLog(size_t limit) {
  Stmt& q = store_->db().Prepare(
      "SELECT at, side, address, peer_org, peer_node, sent, received, duplicate, refused, peer_refused, ok, message, ms "
      "FROM sync_log ORDER BY seq DESC LIMIT ?");
  q.Bind(1, limit ? static_cast<int64_t>(limit) : int64_t{-1});
  std::vector<SyncLogEntry> out;
  while (q.Step()) {
    SyncLogEntry e;
    auto at = ParseTimestamp(q.Text(0));
    if (!at.ok()) return at.status().With("sync log");
    e.at = *at;
    e.side = q.Text(1);
    e.address = q.Text(2);
    e.peer_org = q.Text(3);
    e.peer_node = q.Text(4);
    e.sent = q.Int(5);
    e.received = q.Int(6);
    e.duplicate = q.Int(7);
    e.refused = q.Int(8);
    e.peer_refused = q.Int(9);
    e.ok = q.Int(10) != 0;
    e.message = q.Text(11);
    e.ms = q.Int(12);
    out.push_back(std::move(e));
  }
  VB_RETURN_IF_ERROR(q.status());
  return out;
}

Status Node::SetSetting(const Actor& actor, const std::string& name, const std::string& value) {
  if (name != "require-concurrence") return Status::BadInput("unknown setting '" + name + "' (known: require-concurrence)");
  if (value != "yes" && value != "no") return Status::BadInput("setting " + name + " takes yes or no, not '" + value + "'");
  Record r("org.setting");
  r.Add("name", name);
  r.Add("value", value);
  return Act(actor, "", Fixed(r)).status();
}

// --- nodes of this organisation ------------------------------------------------

Result<NodeAdmission> Node::AdmitNode(const Actor& actor, const std::string& node_in, const std::string& label_in) {
  std::string hex = text::Trim(node_in);
  std::transform(hex.begin(), hex.end(), hex.begin(), [](unsigned char c) { return std::tolower(c); });
  PublicKey key;
  if (!FromHex(hex, &key))
    return Status::BadInput("'" + node_in + "' is not a node key: 64 hex digits, as 'vanban node id' prints it on that node");
  if (key == org_ || key == org().seal) return Status::BadInput("that is an organisation key, not a node key");
  std::string label;
  if (!label_in.empty()) { VB_ASSIGN_OR_RETURN(label, Nfc(label_in, "--label")); }
  Record r("node.admit");
  r.Add("node", hex);
  if (!label.empty()) r.Add("label", label);
  // Built again under the write lock: another process may have admitted it meanwhile.
  Build build = [this, r, key]() -> Result<Record> {
    for (const NodeAdmission& a : org().admissions)
      if (a.node == key)
        return Status::Refused(
            Reason{"node-admitted", {{"node", crypto::Fingerprint(key)}, {"at", a.at.Iso()}, {"who", Who(a.by)}}});
    return r;
  };
  VB_RETURN_IF_ERROR(Act(actor, "", build).status());
  for (const NodeAdmission& a : Nodes())
    if (a.node == key) return a;
  return Status::Invalid("node.admit stored but not applied");
}

std::vector<NodeAdmission> Node::Nodes() const {
  std::vector<NodeAdmission> out;
  std::set<PublicKey> seen;
  for (const NodeAdmission& a : org().admissions)
    if (seen.insert(a.node).second) out.push_back(a);
  return out;
}

// --- people ----------------------------------------------------------------------

Result<Person> Node::AddUser(const Actor& actor, const std::string& login, const std::string& name_in,
                             const std::string& title_in, const std::set<Role>& roles,
                             const PassphraseSource& new_passphrase) {
  VB_ASSIGN_OR_RETURN(std::string name, Nfc(name_in, "--name"));
  VB_ASSIGN_OR_RETURN(std::string title, Nfc(title_in, "--title"));
  if (roles.empty()) return Status::BadInput("--roles names at least one role");
  VB_ASSIGN_OR_RETURN(const Person* who, ActingPerson(actor));
  const std::string actor_login = who->login;  // `who` does not survive Act's reload
  // A key file of a login nobody holds is left from an add that was interrupted
  // before its record was saved: it is replaced.
  std::string key_path = KeyPath("person-" + login + ".key");

  SecretKey key = SecretKey::Generate();
  Record r("person.grant");
  r.Add("key", ToHex(key.public_key()));
  r.Add("login", login);
  r.Add("name", name);
  r.Add("title", title);
  for (Role role : roles) r.Add("role", RoleName(role));
  // Check the grant (role admin, login free) before any passphrase is asked for.
  {
    Record probe = r;
    probe.SetAuthor(who->key);
    const Timestamp now = Now();
    probe.Add("at", now.Iso());
    probe.Add("org", ToHex(org_));
    Status s = auth_.Check(probe);
    if (!s.ok()) {
      if (s.message().find("does not hold the role admin") != std::string::npos) return s;
      return Status::BadInput(s.message());
    }
  }
  std::vector<std::string> written;
  auto hook = [&](Record&, const SecretKey&, const PassphraseSource& actor_pass) -> Status {
    HeldPassphrase fresh;
    if (new_passphrase) {
      VB_ASSIGN_OR_RETURN(fresh.value, new_passphrase());
    } else {
      VB_ASSIGN_OR_RETURN(fresh.value, actor_pass());
    }
    if (fresh.value.empty()) return Status::BadInput("the new person's passphrase is empty");
    VB_RETURN_IF_ERROR(files::WriteAtomic(key_path, KeyFile::Seal(key, KeyPurpose::kPerson, login, fresh.value, options_.key_cost), 0600, false));
    written.push_back(key_path);
    if (roles.count(Role::kClerk)) {
      // The records office works with the organisation's seal: the new clerk gets a
      // copy, encrypted with their own passphrase.
      auto seal = UnlockKeyFile("seal-" + actor_login + ".key", actor_pass);
      if (!seal.ok()) {
        if (seal.status().code() == Status::Code::kNotFound)
          return Status::Refused(Reason{"no-seal-to-hand", {{"login", actor_login}}});
        return seal.status();
      }
      std::string seal_path = KeyPath("seal-" + login + ".key");
      VB_RETURN_IF_ERROR(files::WriteAtomic(seal_path, KeyFile::Seal(*seal, KeyPurpose::kOrgSeal, login, fresh.value, options_.key_cost),
                                            0600, false));
      written.push_back(seal_path);
    }
    return Status::Ok();
  };
  // A signer gets a signing certificate where the organisation's authority is (the
  // node of its root key); elsewhere the person signs PDFs with vanban's own key
  // until an admin runs 'vanban org certificate' there.
  auto certify = [&](const Record& grant, const PassphraseSource& actor_pass) -> Status {
    if (!roles.count(Role::kSigner)) return Status::Ok();
    PublicKey k{};
    FromHex(grant.Get("key"), &k);
    Status c = CertifyHere(actor_login, actor_pass, {k}, &written);
    return c.code() == Status::Code::kNotFound ? Status::Ok() : c;
  };
  Status s = Act(actor, "", Fixed(r), hook, certify).status();
  if (!s.ok()) {
    for (const auto& f : written) ::unlink(f.c_str());
    return s;
  }
  return *auth_.FindLogin(org_, login);
}

Result<std::string> Node::RequestKey(const std::string& login, const std::string& name_in, const std::string& title_in,
                                     const PassphraseSource& passphrase) {
  if (!ValidLogin(login)) return Status::BadInput("login '" + login + "' must be lower-case letters, digits, '.', '-', '_' (a letter first, at most 32)");
  VB_ASSIGN_OR_RETURN(std::string name, Nfc(name_in, "--name"));
  VB_ASSIGN_OR_RETURN(std::string title, Nfc(title_in, "--title"));
  if (const Person* p = auth_.FindLogin(org_, login))
    return Status::BadInput("login '" + login + "' is already taken in " + org().name + " (" + p->name + ")");
  // Never over another key of this login: it may be the one an admin is granting.
  const std::string path = KeyPath("person-" + login + ".key");
  if (files::Exists(path)) return Status::BadInput("a key of '" + login + "' is already on this node: " + path);
  if (!passphrase) return Status::BadInput("no passphrase given");
  VB_ASSIGN_OR_RETURN(std::string p, passphrase());
  HeldPassphrase held{std::move(p)};
  if (held.value.empty()) return Status::BadInput("the new person's passphrase is empty");
  SecretKey key = SecretKey::Generate();
  // Beside it, the X.509 signing key the organisation's authority certifies when the
  // person is granted 'signer' (docs/certificates.md): made here, it never leaves.
  x509::PrivateKey signing = x509::PrivateKey::Generate();
  const std::string spki = signing.PublicDer();
  std::string request = EncodeKeyRequest({org_, login, name, title, key.public_key(), node_, spki}, key);
  const std::string x509_path = KeyPath("person-" + login + ".x509");
  VB_RETURN_IF_ERROR(files::WriteAtomic(
      x509_path, x509::SealKey(signing, x509::KeyHolder::kPerson, login, key.public_key(), spki), 0600, false));
  Status written = files::WriteAtomic(path, KeyFile::Seal(key, KeyPurpose::kPerson, login, held.value, options_.key_cost), 0600, true);
  if (!written.ok()) {
    ::unlink(x509_path.c_str());
    return written;
  }
  return request;
}

Result<Person> Node::AddUserFromRequest(const Actor& actor, const std::string& login, const std::string& request,
                                        const std::set<Role>& roles, std::string_view where) {
  VB_ASSIGN_OR_RETURN(KeyRequest req, ParseKeyRequest(request, where));
  const std::string w(where);
  if (req.org != org_)
    return Status::BadInput(w + ": the request is for " + OrgName(req.org) + ", not " + org().name);
  if (req.login != login) return Status::BadInput(w + ": the request is for login '" + req.login + "', not '" + login + "'");
  if (roles.empty()) return Status::BadInput("--roles names at least one role");
  if (const Person* p = auth_.FindPerson(req.key))
    return Status::BadInput(w + ": this key is already granted to '" + p->login + "'");
  if (const Person* p = auth_.FindLogin(org_, login))
    return Status::BadInput("login '" + login + "' is already taken (" + p->name + ")");
  if (roles.count(Role::kClerk))
    return Status::Refused(Reason{"clerk-needs-seal", {}});
  VB_ASSIGN_OR_RETURN(const Person* who, ActingPerson(actor));
  const std::string actor_login = who->login;  // `who` does not survive Act's reload
  Record r("person.grant");
  r.Add("key", ToHex(req.key));
  r.Add("login", req.login);
  r.Add("name", req.name);
  r.Add("title", req.title);
  for (Role role : roles) r.Add("role", RoleName(role));
  if (!req.x509_key.empty())
    r.Add("x509-key", ToHex(reinterpret_cast<const uint8_t*>(req.x509_key.data()), req.x509_key.size()));
  // A signer's key from the request is certified at once where the authority is.
  std::vector<std::string> written;
  auto certify = [&](const Record&, const PassphraseSource& actor_pass) -> Status {
    if (!roles.count(Role::kSigner) || req.x509_key.empty()) return Status::Ok();
    Status c = CertifyHere(actor_login, actor_pass, {req.key}, &written);
    return c.code() == Status::Code::kNotFound ? Status::Ok() : c;
  };
  VB_RETURN_IF_ERROR(Act(actor, "", Fixed(r), nullptr, certify).status());
  return *auth_.FindLogin(org_, login);
}

Status Node::RevokeUser(const Actor& actor, const std::string& login) {
  const Person* p = auth_.FindLogin(org_, login);
  if (!p) return Status::NotFound("no person '" + login + "' in " + org().name);
  Record r("person.revoke");
  r.Add("key", ToHex(p->key));
  VB_RETURN_IF_ERROR(Act(actor, "", Fixed(r)).status());
  // A revoked clerk's copy of the seal must not stay usable on this node.
  ::unlink(KeyPath("seal-" + login + ".key").c_str());
  return Status::Ok();
}

std::vector<Person> Node::Users() const {
  std::vector<Person> out;
  for (const auto& [k, p] : auth_.persons())
    if (p.org == org_) out.push_back(p);
  std::sort(out.begin(), out.end(), [](const Person& a, const Person& b) { return a.login < b.login; });
  return out;
}

Status Node::ChangePassphrase(const std::string& login, const PassphraseSource& old_pass,
                              const PassphraseSource& new_pass) {
  const Person* p = auth_.FindLogin(org_, login);
  if (!p) return Status::NotFound("no person '" + login + "' in " + org().name);
  VB_ASSIGN_OR_RETURN(std::string o, old_pass());
  HeldPassphrase held_old{std::move(o)};
  VB_ASSIGN_OR_RETURN(std::string n, new_pass());
  HeldPassphrase held_new{std::move(n)};
  if (held_new.value.empty()) return Status::BadInput("the new passphrase is empty");
  struct Rewrap {
    std::string file;
    KeyPurpose purpose;
  };
  std::vector<std::pair<std::string, std::string>> out;
  for (const Rewrap& w : {Rewrap{"person-" + login + ".key", KeyPurpose::kPerson},
                          Rewrap{"seal-" + login + ".key", KeyPurpose::kOrgSeal},
                          Rewrap{"org-root.key", KeyPurpose::kOrgRoot}, Rewrap{"node.key", KeyPurpose::kNode}}) {
    if (!files::Exists(KeyPath(w.file))) continue;
    auto bytes = files::Read(KeyPath(w.file), kMaxKeyFile);
    if (!bytes.ok()) return bytes.status();
    auto info = KeyFile::Peek(*bytes, KeyPath(w.file));
    if (!info.ok() || info->owner != login) continue;  // root and node keys follow the admin who made them
    VB_ASSIGN_OR_RETURN(SecretKey k, KeyFile::Open(*bytes, held_old.value, KeyPath(w.file)));
    out.push_back({KeyPath(w.file), KeyFile::Seal(k, w.purpose, login, held_new.value, options_.key_cost)});
  }
  if (out.empty()) return Status::NotFound("no key of '" + login + "' on this node");
  for (const auto& [path, bytes] : out) VB_RETURN_IF_ERROR(files::WriteAtomic(path, bytes, 0600, false));
  return Status::Ok();
}

Result<size_t> Node::Certify(const Actor& actor) {
  VB_ASSIGN_OR_RETURN(const Person* who, ActingPerson(actor));
  const std::string login = who->login;
  const Timestamp now = Now();
  if (!auth_.HasRole(who->key, Role::kAdmin, now))
    return Status::Refused(Reason{"certificates-by-admin", {{"login", login}}});
  if (!actor.passphrase) return Status::BadInput("no passphrase given");
  VB_ASSIGN_OR_RETURN(std::string p, actor.passphrase());
  HeldPassphrase held{std::move(p)};
  PassphraseSource same = [&held]() -> Result<std::string> { return held.value; };
  std::vector<std::string> written;
  size_t made = 0;
  Status s = [&]() -> Status {
    Transaction tx(store_->db());
    VB_RETURN_IF_ERROR(tx.status());
    VB_RETURN_IF_ERROR(Load());
    VB_RETURN_IF_ERROR(CertifyHere(login, same, {}, &written));
    made = written.size();  // one key file per record bound
    VB_RETURN_IF_ERROR(FlushViews());
    return tx.Commit();
  }();
  if (!s.ok()) {
    for (const auto& f : written) ::unlink(f.c_str());
    (void)Load();
    return s;
  }
  return made;
}

}  // namespace vanban
