// Node: opening a home (Init, Join, Open), the acting person and their keys, and the
// one path of a local action (Act: check, build, sign, ingest, fold, one transaction).
#include "core/node.h"

#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <stdexcept>

#include "core/files.h"
#include "core/node_internal.h"
#include "core/scope.h"
#include "core/store.h"
#include "core/text.h"

namespace vanban {

using namespace node_internal;

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
    Transaction tx = node_ptr->store_->Begin();
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
  VB_ASSIGN_OR_RETURN(node->store_, Store::Open(home + "/vanban.db", kSchemaVersion, mode, options.upgrading));
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
    Transaction tx = node_ptr->store_->Begin();
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
  VB_RETURN_IF_ERROR(LoadTrusted());
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
    VB_ASSIGN_OR_RETURN(auto found, store_->OutgoingNumbered(ToHex(org_), ref, other));
    if (found.empty()) {
      // Else another organisation's number on a document addressed to this one.
      VB_ASSIGN_OR_RETURN(found, store_->IncomingNumbered(ToHex(org_), ref, other));
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
  VB_ASSIGN_OR_RETURN(std::vector<std::string> found, store_->DocumentsWithPrefix(lower));
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
    Transaction tx = store_->Begin();
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

}  // namespace vanban
