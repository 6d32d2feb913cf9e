// vanban/core — Node: one node's state (a --home folder) and every action on it.
//
// This is the one path that changes anything: the CLI and the web call these
// methods, and records from peers enter through Ingest(), the same validation local
// actions pass. Every action is one SQLite transaction; a refused action changes
// nothing and says why (Status codes = CLI exit codes; refusals carry a Reason,
// core/reason.h). Secret keys are unlocked only inside an action, from key files in
// HOME/keys, and wiped when it returns. A Node is used from one thread at a time.
//
// What it is given and gives, beside it: NodeOptions, InitOptions (core/options.h),
// Actor and the actions (core/action.h), lists and the inbox (core/doclist.h), the
// registers (core/register.h), CheckReport and IngestReport (core/reports.h), the
// sync history (core/synclog.h), a batch arriving (core/arrival.h).
//
// Contents, in the order below (and the file that does each):
//   Init, Join, Open   opening a home (node.cc)
//   this node          organisation, settings, acting person, passphrases (node.cc, people.cc)
//   certificates       X.509 for the standard signatures, tokens (certify.cc)
//   nodes, people      admitted nodes, grants, key requests, revocations (people.cc)
//   documents          draft … sign, issue, receive, revoke; lists, inbox (actions.cc)
//   registers, check   the registers, collisions, check and rebuild (registers.cc, check.cc)
//   records, sync      Ingest, what a peer may have, the sync history (replication.cc, people.cc)
// None of these files prepares SQL: each asks the Store (core/store.h) by name.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/action.h"
#include "core/authority.h"
#include "core/clock.h"
#include "core/docfile.h"
#include "core/doclist.h"
#include "core/image.h"
#include "core/keyrequest.h"
#include "core/options.h"
#include "core/record.h"
#include "core/register.h"
#include "core/reports.h"
#include "core/status.h"
#include "core/synclog.h"
#include "core/token.h"
#include "core/workflow.h"
#include "core/x509.h"

namespace vanban {

enum class OpenMode;  // core/db.h

class Arrival;
class Store;

class Node {
 public:
  ~Node();
  static Result<std::unique_ptr<Node>> Init(const std::string& home, const InitOptions& opt,
                                            const NodeOptions& options);
  static Result<std::unique_ptr<Node>> Open(const std::string& home, const NodeOptions& options);
  // For commands that only read: the database opened read-only, so a home that
  // cannot be written (a backup mounted read-only, an archive copy) still opens.
  // Any act that writes then fails.
  static Result<std::unique_ptr<Node>> OpenReadOnly(const std::string& home, const NodeOptions& options);
  // A new node of an existing organisation, from its card (OrgCard of a node of
  // it): the card's records go through ingest; a fresh node key is sealed under
  // `passphrase`. No root, seal or person key is made here. The node syncs only
  // once an admin has admitted its key (AdmitNode) and the record reached the peer.
  static Result<std::unique_ptr<Node>> Join(const std::string& home, const std::string& card,
                                            const std::string& passphrase, const NodeOptions& options);

  // --- this node and organisation
  const Organisation& org() const;
  const std::string& home() const { return home_; }
  // Reloads what this Node folded if another connection committed since (a long-lived
  // Node beside other writers: the web server, before each request).
  Status Refresh();
  const Authority& authority() const { return auth_; }
  std::string admin_login() const { return admin_; }  // empty on a node made by Join
  // Who acts when no login is given: the admin of init; on a joined node, the
  // one person of the organisation who has a key file here (else BadInput).
  Result<std::string> DefaultLogin() const;
  PublicKey node_key() const { return node_; }
  // This node's own secret key (HOME/keys/node.key), for the sync handshake: the
  // caller holds it for as long as it serves or syncs; it is wiped when dropped.
  Result<SecretKey> UnlockNodeKey(const PassphraseSource& pass) const;
  std::string OrgName(const PublicKey& org) const;
  // Display name of a person or organisation key: login, or org name.
  std::string Who(const PublicKey& k) const;
  Result<std::string> OrgCard();  // the organisation's create record, signed by its root key
  Status Trust(const std::string& card_bytes, const std::string& alias);
  // The organisations this node trusts, by alias (read when the node opens or refreshes).
  const std::vector<std::pair<std::string, PublicKey>>& Trusted() const { return trusted_; }
  Status SetSetting(const Actor& actor, const std::string& name, const std::string& value);
  // The organisation's working days (core/calendar.h), for every node of it (needs
  // role admin): what `days` say, in one org.calendar record (a year's list at once).
  Status SetCalendar(const Actor& actor, const std::vector<CalendarDay>& days);
  const WorkCalendar& calendar() const { return org().calendar; }

  // --- certificates (docs/certificates.md)
  // Makes what is missing, on the node that holds the root key, as its owner (an
  // admin): the organisation's certification authority, and signing certificates
  // for the seal and for every active signer whose key is on this node. Returns
  // how many records it made (0: nothing was missing). One transaction.
  Result<size_t> Certify(const Actor& actor);
  // Trusts a root authority (a PEM certificate) for the signatures of PDFs from
  // anywhere, for every node of this organisation (an org.trust-root record; needs
  // role admin). Returns the certificate as read.
  Result<x509::Certificate> AddTrustRoot(const Actor& actor, const std::string& pem);
  // The images of Decree 30 Appendix I, for every node of this organisation (needs
  // role admin): `login`'s handwritten signature (a person.image record), drawn in
  // their signature's field between title and name; the seal (org.seal-image), drawn
  // at its real diameter over the left third of the signer's image at issuance.
  // `png` is checked first (image::ReadPng). Returns the image's width and height.
  Result<image::Raster> SetSignatureImage(const Actor& actor, const std::string& login, const std::string& png);
  Result<image::Raster> SetSealImage(const Actor& actor, const std::string& png, int diameter_mm);
  // Binds the certificate and key on a PKCS#11 token to the acting person (a
  // signer): a person.certificate record with their chain and a signature by the
  // token's key over the binding, which proves they hold it, then
  // KEYS/person-LOGIN.token, which says where the key is. The certificate must chain
  // (through the token's authorities and those in `chain_pem`) to a root the
  // organisation trusts (AddTrustRoot). From then on their signatures inside PDFs
  // are made on the token, with its PIN (actor.pin) asked at each signing.
  struct BoundToken {
    std::string login;
    x509::Certificate certificate;
    token::Location where;  // token label and key id as found
    bool already = false;   // the certificate was bound to them before: only the location was written
  };
  Result<BoundToken> BindToken(const Actor& actor, const token::Location& where, const std::string& chain_pem);
  // Where `login`'s signing key is when it is on a token (their current certificate
  // bound with BindToken on this node); nullopt when it is not.
  Result<std::optional<token::Location>> SigningToken(const std::string& login) const;
  // Settings of this node alone, not records (docs/cli.md "config"): "tsa", the URL
  // of the time-stamping authority its signatures ask (http://…; "" for none).
  Result<std::string> NodeSetting(const std::string& name) const;  // "" when unset
  Status SetNodeSetting(const std::string& name, const std::string& value);  // "" unsets
  static const std::vector<std::string>& NodeSettingNames();
  // Certificate revocation lists this node checks PDF signatures against (HOME/crl/,
  // one per issuing authority: this node's own knowledge, not a record). Adding one
  // replaces the list of the same authority when it is newer; an older one is refused.
  Result<x509::RevocationList> AddRevocationList(const std::string& bytes);
  Result<std::vector<std::string>> RevocationLists() const;  // DER
  // The roots this node checks a PDF signature's chain against: this organisation's
  // own authorities and trusted roots, and the authorities of the organisations it trusts.
  std::vector<std::string> TrustRoots() const;
  // Whether Certify could make something here for `actor`: this node holds their
  // root key, and the authority, the seal's or a local signer's certificate is missing.
  bool CertificatesMissing(const Actor& actor) const;

  // --- the nodes of this organisation
  // A node.admit record for `node_hex` (64 hex digits; needs role admin). A key
  // already admitted is refused here; the rules themselves accept a second
  // admission, so two admins who admit one node while apart still converge.
  Result<NodeAdmission> AdmitNode(const Actor& actor, const std::string& node_hex, const std::string& label);
  // This organisation's admissions, one per node key (the first), in record order.
  std::vector<NodeAdmission> Nodes() const;
  bool admitted() const { return org().nodes.count(node_) > 0; }

  // --- people
  Result<Person> AddUser(const Actor& actor, const std::string& login, const std::string& name,
                         const std::string& title, const std::set<Role>& roles, const PassphraseSource& new_passphrase);
  // On the person's own node: makes their key pair, seals it in person-LOGIN.key
  // under `passphrase`, and returns the signed request file (docs/keys.md) for an
  // admin to grant with AddUserFromRequest, on any node of the organisation.
  Result<std::string> RequestKey(const std::string& login, const std::string& name, const std::string& title,
                                 const PassphraseSource& passphrase);
  // On an admin's node: verifies the request (signature, our organisation, `login`
  // matches, a new person) and grants its public key. No key file is made here.
  Result<Person> AddUserFromRequest(const Actor& actor, const std::string& login, const std::string& request,
                                    const std::set<Role>& roles, std::string_view where = "key request");
  Status RevokeUser(const Actor& actor, const std::string& login);
  std::vector<Person> Users() const;
  Status ChangePassphrase(const std::string& login, const PassphraseSource& old_pass, const PassphraseSource& new_pass);
  // Whether `pass` unlocks the key file of `login` on this node, holding the key
  // granted to that active person (the web interface's login). Nothing is kept:
  // the key is wiped before this returns. A wrong passphrase is BadInput.
  Status CheckPassphrase(const std::string& login, const PassphraseSource& pass) const;

  // --- documents
  // Does what a person asks (core/action.h): checks it against the rules, builds
  // the record, signs it and ingests it, in one transaction (refusing before any
  // passphrase is asked). Signing and issuing also make the signed copy
  // (NodeOptions::signed_copy); receiving checks it first (NodeOptions::receipt_check).
  Result<Done> Do(const Actor& actor, const Action& action);
  Result<Document> Show(const std::string& id);
  Result<std::vector<DocSummary>> List(const DocFilter& f);
  Result<std::vector<InboxItem>> Inbox(const std::string& login);
  Result<std::string> RevisionText(const std::string& id, const std::string& rev);
  // A revision of `d` by "rN" (sequence number) or a unique id prefix of at least 4 hex digits.
  Result<RecordId> ResolveRevision(const Document& d, const std::string& ref) const;
  // The document's history: every record in fold order, with whether it counts.
  struct LogEntry {
    Event event;
    Record record;
  };
  Result<std::vector<LogEntry>> Log(const std::string& id);
  // Re-checks a stored record's hash and signature (for "valid" in displays).
  bool RecordVerifies(const std::string& doc_hex, const RecordId& id);
  // As above, the document unknown: quick for an organisation record or a record
  // of a document this Node has read (Show, Log, ...), else a scan of the store.
  bool RecordVerifies(const RecordId& id);

  // Why the signed copy of this node's last sign or issue went without its
  // time-stamp (it is then PAdES B-B); empty when it has one or none was asked.
  const std::string& unstamped() const { return unstamped_; }
  // The latest signed copy of a document (issued, else last signed), if any.
  Result<std::optional<std::string>> SignedCopy(const std::string& id);
  // Signs `message` with the organisation's seal, from the copy the acting person
  // holds on this node (the admin and the records clerks): archive manifests.
  Result<Signature> SignWithSeal(const Actor& actor, std::string_view message);
  // Whether `login` holds a copy of the seal on this node, without unlocking it:
  // SignWithSeal's refusal, before long work that ends with a seal (archive export).
  Status CheckSealHolder(const std::string& login) const;

  // --- registers and checks
  // Outgoing: this organisation's issued documents, with their receipts. Incoming:
  // documents of other organisations addressed to this one, received (by incoming
  // number) first, then those still awaiting a receipt (in every year's list).
  Result<std::vector<RegisterEntry>> Register(std::optional<int> year, bool incoming);
  // A page of a register, searched: what the web's register page and export read.
  // Register() is ReadRegister of every row (incoming: rows, then awaiting).
  Result<RegisterPage> ReadRegister(const RegisterQuery& q);
  // The years that have entries in that register (incoming: received ones), ascending.
  Result<std::vector<int>> RegisterYears(bool incoming);
  Result<CheckReport> Check();
  // Rebuilds every view table from the records (`check --repair`). Records
  // themselves are never rewritten: a damaged record must come back from a peer.
  Status RebuildViews();

  // --- records and blobs (the path records from peers and bundles take)
  // `blobs`: blobs the records name (signed copies), kept with the records that name
  // them in the same transaction; a record naming a blob neither held nor given is refused.
  // Scope applies on receipt too (core/scope.h, MayHold): a record of another
  // organisation's document that this organisation may not hold is not kept, whoever
  // sent it; it is refused, or with `more_follows` (more of the same transfer is
  // coming) held back for the caller to offer again (IngestReport::held_back).
  Result<IngestReport> Ingest(std::vector<std::string> record_bytes, std::vector<std::string> blobs = {},
                              bool more_follows = false);
  // The same for a batch whose checks started when it was handed over (Arriving):
  // a caller with the next batch at hand makes it arrive before applying this one.
  Result<IngestReport> Ingest(Arrival& batch, bool more_follows = false);
  // A batch handed over, decoded and checked on verify_threads - 1 helpers from now on.
  std::unique_ptr<Arrival> Arriving(std::vector<std::string> records, std::vector<std::string> blobs = {}) const;
  // Threads that decode and check signatures of a batch before it is applied (default 1:
  // one core; sync uses the machine's cores, verification being what bounds it).
  void set_verify_threads(unsigned n) { verify_threads_ = n ? n : 1; }
  Result<Hash> PutBlob(std::string_view bytes);

  // --- sync history (table sync_log, docs/storage.md): one row per session, written
  // by the sync functions (sync::SyncAndRecord, sync::Serve), in one transaction that
  // also drops the peer's rows beyond kSyncLogPerPeer.
  Status RecordSync(const SyncLogEntry& entry);
  // Newest first; `limit` 0: every row kept.
  Result<std::vector<SyncLogEntry>> SyncLog(size_t limit = 0);

  // --- what sync and bundles move (docs/sync.md; core knows nothing of the network)
  struct HeldRecord {
    RecordId id{};
    int64_t seq = 0;  // place in this node's arrival order: parents come first
  };
  // Every record organisation `peer` may receive from this node, sorted by id:
  // everything for this organisation's own nodes, else its share (core/scope.h).
  Result<std::vector<HeldRecord>> SharedWith(const PublicKey& peer);
  struct Outgoing {
    std::vector<std::string> records;  // in arrival order
    std::vector<std::string> blobs;    // the held blobs those records name
  };
  // The records at these places (any order given), with their blobs.
  Result<Outgoing> ReadHeld(std::vector<int64_t> seqs);
  // The organisation that admitted node key `node`, if this node knows it.
  const Organisation* OrgOfNode(const PublicKey& node) const;
  Result<std::optional<std::string>> GetBlob(const Hash& h);

  // Now, by this node's clock, in the organisation's zone.
  Timestamp Now() const;
  const NodeOptions& options() const { return options_; }

 private:
  explicit Node(const NodeOptions& options);
  // Do's work, one per action (actions.cc).
  Result<Done> Perform(const Actor& actor, const act::Draft& a);
  Result<Done> Perform(const Actor& actor, const act::Revise& a);
  Result<Done> Perform(const Actor& actor, const act::Route& a);
  Result<Done> Perform(const Actor& actor, const act::Comment& a);
  Result<Done> Perform(const Actor& actor, const act::Approve& a);
  Result<Done> Perform(const Actor& actor, const act::Submit& a);
  Result<Done> Perform(const Actor& actor, const act::Return& a);
  Result<Done> Perform(const Actor& actor, const act::Sign& a);
  Result<Done> Perform(const Actor& actor, const act::Issue& a);
  Result<Done> Perform(const Actor& actor, const act::Receive& a);
  Result<Done> Perform(const Actor& actor, const act::Revoke& a);
  static Result<std::unique_ptr<Node>> OpenIn(const std::string& home, OpenMode mode, const NodeOptions& options);
  Status Load();
  Status LoadTrusted();
  Result<const Person*> ActingPerson(const Actor& actor) const;
  Result<std::string> ResolveDoc(const std::string& id_or_prefix);
  Result<Document> LoadDoc(const std::string& doc_hex);
  // The folded document in this session's cache (folded from the store if absent).
  Result<Document*> Cached(const std::string& doc_hex);
  Result<SecretKey> UnlockKeyFile(const std::string& file, const PassphraseSource& pass) const;
  // The copy of the organisation's seal `login` holds on this node.
  Result<SecretKey> UnlockSeal(const std::string& login, const PassphraseSource& pass) const;
  // Makes an action's unsigned record from the node's current state.
  using Build = std::function<Result<Record>()>;
  // Runs after the person's key is unlocked, before signing, with the same
  // passphrase (e.g. to add the seal, or to write a new person's key file).
  using SignHook = std::function<Status(Record&, const SecretKey& key, const PassphraseSource&)>;
  // Runs after the record is stored, in the same transaction (records that follow it).
  using AfterHook = std::function<Status(const Record& stored, const PassphraseSource&)>;
  // The one path of every action: build and check the record (refusing before any
  // passphrase is asked), unlock the key, then under the write lock re-read the
  // store, build and check again, sign, ingest, commit. Returns the record's id.
  // `ready` runs once the action is allowed and the key unlocked, before the write
  // lock: what asks the person more (a token's PIN) waits there, not under the lock.
  Result<std::string> Act(const Actor& actor, const std::string& doc_hex, const Build& build,
                          const SignHook& hook = nullptr, const AfterHook& after = nullptr,
                          const std::function<Status()>& ready = nullptr);
  // Fills by, at (never before the document's heads), org or doc, parents; checks the rules.
  Status Complete(const Person& who, const std::string& doc_hex, Record& r);
  Timestamp NotBeforeHeads(const Document& d, Timestamp now) const;
  // Builders: a record made once; a record on the document's current revision.
  static Build Fixed(const Record& r);
  Build OnRevision(const std::string& doc, const std::string& type, std::function<void(Record&)> fill);
  // Checks and stores one record (inside a transaction); a record already held is
  // a no-op that sets *duplicate.
  // `signature`: the signature's check, when the caller already made it.
  Status IngestOne(const Record& r, bool* duplicate = nullptr, std::optional<bool> signature = std::nullopt);
  Status IngestBatch(Arrival& batch, IngestReport* rep, bool more_follows);
  // Of the records just applied (`fresh`, indices into `records`), those of another
  // organisation's document that this organisation may not hold (inside the transaction).
  Result<std::vector<size_t>> BeyondScope(const std::vector<const Record*>& records, const std::vector<size_t>& fresh);
  // Stores the arriving blobs an accepted record names.
  Status KeepArrivingBlobs(const Record& r);
  // Inside a write transaction: reloads if another connection committed since.
  Status SeeOtherWriters();
  // After a committed batch: drops the folded documents once there are many.
  void ForgetFoldedIfMany();
  Result<int64_t> DataVersion();
  Status RebuildViewsTx();
  // Numbers held by more than one document, as (the documents in keeping order):
  // the first keeps the number everywhere.
  Result<std::vector<std::vector<std::string>>> NumberCollisions(const RegisterQuery& q);
  // Whether `doc` lost its (incoming) number to another document.
  Result<bool> LostNumber(const std::string& doc, bool incoming);
  // The receipts and awaited organisations of an outgoing row.
  Status AddReceipts(RegisterEntry& e);
  // The recipients `org:ALIAS` of a revision, as organisation keys through the trust table.
  Result<std::vector<PublicKey>> AddressedOrgs(const Document& d, const RecordId& rev);
  // Rewrites the views of documents changed since the last flush (once per batch).
  Status FlushViews();
  std::string KeyPath(const std::string& file) const;
  // The blob a record of this node names, if any (signed copies).
  Result<std::optional<std::string>> BlobOf(const Document& d, const RecordId& id);
  // Makes the signed copy of an act and names it in `r` (none when NoSignedCopies).
  // `certified`: the X.509 key of `key` on this node (CertifiedKey), if any.
  struct Certified {
    x509::PrivateKey key;
    std::vector<std::string> chain;  // its certificate, then the authority that issued it
  };
  Status AttachCopy(const Document& d, Record& r, const SecretKey& key,
                    const std::optional<Certified>& certified = std::nullopt);
  // The X.509 key bound to `holder`'s public key, from KEYS/`file`, opened with
  // `holder`; nullopt when no certificate is bound to it or its key is not here.
  Result<std::optional<Certified>> CertifiedKey(const SecretKey& holder, const std::string& file) const;
  // The session on the token that holds `login`'s signing key (KEYS/person-LOGIN.token
  // for the certificate bound to them now), logged in with `pin`; nullopt when
  // their key is not on a token.
  Result<std::optional<token::Session>> TokenOf(const std::string& login, const PassphraseSource& pin) const;
  // The certificate's chain for a CMS: it, then the authorities between it and its root.
  std::vector<std::string> ChainOf(const std::string& cert) const;
  // Inside a write transaction, on the node that holds the root key of `login`:
  // makes the organisation's certification authority if it has none, then a
  // signing certificate for the seal and for each key of `people` (every active
  // signer when empty) that has none and whose key file is on this node; each key
  // sealed to its holder's key (KEYS/*.x509), each binding a record signed by the
  // root key. NotFound when this node does not hold that root key. Files written
  // are listed in `written` (the caller removes them if the transaction fails).
  Status CertifyHere(const std::string& login, const PassphraseSource& pass, const std::vector<PublicKey>& people,
                     std::vector<std::string>* written);
  // Records a signed copy carries so it verifies alone (docs/pdf.md).
  Result<std::vector<Record>> ProofOf(const Document& d, const Record& act);

  NodeOptions options_;
  std::string home_;
  std::unique_ptr<Store> store_;
  Authority auth_;
  PublicKey org_{};
  PublicKey node_{};
  std::string admin_;
  std::vector<std::pair<std::string, PublicKey>> trusted_;  // Trusted()
  std::unordered_map<std::string, Document> cache_;  // folded documents of this session
  std::set<std::string> dirty_;            // documents whose views await FlushViews
  // Documents whose doc.create the open transaction stored: every stored record
  // of theirs came in this transaction and is in their cached log. Cleared by
  // FlushViews and Load, which end every transaction that ingests.
  std::unordered_set<std::string> new_docs_;
  std::string last_id_;                    // id of the record the last action made
  std::string unstamped_;                  // unstamped()
  const std::map<Hash, std::string_view>* arriving_ = nullptr;  // blobs given to Ingest
  unsigned verify_threads_ = 1;
  int64_t data_version_ = -1;              // PRAGMA data_version when last loaded
};

}  // namespace vanban
