// Node's organisations, nodes and people: cards and trust, settings, the sync log,
// admitted nodes, people's keys (grants, requests, revocations, passphrases, certificates).
#include "core/node.h"

#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <stdexcept>

#include "core/files.h"
#include "core/node_internal.h"
#include "core/scope.h"
#include "core/store.h"
#include "core/text.h"

namespace vanban {

using namespace node_internal;

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
    // A failed read refuses nothing here: the write below meets the same store.
    auto taken = store_->TrustedAlias(alias);
    if (taken.ok() && *taken && **taken != ToHex(org))
      return Status::Refused(Reason{"alias-taken", {{"alias", alias}}});
  }
  Status s = [&]() -> Status {
    Transaction tx = store_->Begin();
    VB_RETURN_IF_ERROR(tx.status());
    VB_RETURN_IF_ERROR(store_->SetTrust(alias, ToHex(org)));
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
  else s = LoadTrusted();
  return s;
}

Status Node::LoadTrusted() {
  VB_ASSIGN_OR_RETURN(auto list, store_->TrustList());
  trusted_.clear();
  for (const auto& [alias, org] : list) {
    PublicKey k;
    if (!FromHex(org, &k)) return Status::Storage(home_ + "/vanban.db: trusted organisation '" + alias + "' is not a key");
    trusted_.push_back({alias, k});
  }
  return Status::Ok();
}

Status Node::RecordSync(const SyncLogEntry& e) {
  if (e.side != "client" && e.side != "server") return Status::BadInput("sync log: side '" + e.side + "'");
  // A peer is the address this node calls, or the node that calls it (its address changes).
  const std::string peer = e.side == "client" ? e.address : e.peer_node;
  Transaction tx = store_->Begin();
  VB_RETURN_IF_ERROR(tx.status());
  VB_RETURN_IF_ERROR(store_->AppendSyncLog(e, peer));
  VB_RETURN_IF_ERROR(store_->TrimSyncLog(e.side, peer, kSyncLogPerPeer));
  return tx.Commit();
}

Result<std::vector<SyncLogEntry>> Node::SyncLog(size_t limit) { return store_->SyncLog(limit); }

Status Node::SetSetting(const Actor& actor, const std::string& name, const std::string& value) {
  if (name != "require-concurrence") return Status::BadInput("unknown setting '" + name + "' (known: require-concurrence)");
  if (value != "yes" && value != "no") return Status::BadInput("setting " + name + " takes yes or no, not '" + value + "'");
  Record r("org.setting");
  r.Add("name", name);
  r.Add("value", value);
  return Act(actor, "", Fixed(r)).status();
}

Status Node::SetCalendar(const Actor& actor, const std::vector<CalendarDay>& days) {
  if (days.empty()) return Status::BadInput("the calendar: no days given");
  Record r("org.calendar");
  r.SetText(CalendarText(days));
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
    Transaction tx = store_->Begin();
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
