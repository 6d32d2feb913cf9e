// Verification of a PDF on its own (pdf.h, docs/pdf.md): each signature over its
// byte range, each signer's authority from the records the PDF carries, checked
// against the organisations this node trusts.
#include <algorithm>
#include <map>
#include <regex>

#include "core/clock.h"
#include "core/files.h"
#include "core/timestamp.h"
#include "core/workflow.h"
#include "pdf/pades.h"
#include "pdf/pdf.h"
#include "pdf/signing.h"

namespace vanban::pdf {

namespace {

struct Proof {
  std::vector<Record> records;  // causal order
  const Record* create = nullptr;
  const Record* revision = nullptr;
  std::vector<const Record*> signs;
};

Status ReadProof(const std::string& bytes, Proof* p) {
  VB_ASSIGN_OR_RETURN(std::vector<std::string> parts, SplitRecordList(kProofMagic, bytes, "the PDF's record file"));
  std::vector<Record> records;
  for (const std::string& b : parts) {
    VB_ASSIGN_OR_RETURN(Record r, Record::Decode(b));
    if (!r.VerifySignature()) return Status::Invalid("record " + r.id_hex().substr(0, 12) + " in the PDF: signature does not verify");
    records.push_back(std::move(r));
  }
  for (size_t i : CausalOrder(records)) p->records.push_back(records[i]);
  for (const Record& r : p->records) {
    if (r.type() == "doc.create") p->create = &r;
    if (r.type() == "doc.sign") p->signs.push_back(&r);
  }
  if (!p->create) return Status::Invalid("the PDF's records hold no doc.create");
  // The revision signed: the one the signature records name, else the latest with a text.
  std::string rev = p->signs.empty() ? "" : p->signs.front()->Get("rev");
  for (const Record& r : p->records) {
    if (!r.text()) continue;
    if (rev.empty() ? true : r.id_hex() == rev) p->revision = &r;
  }
  if (!p->revision) return Status::Invalid("the PDF's records hold no signed revision");
  for (const Record* s : p->signs)
    if (s->Get("rev") != p->revision->id_hex())
      return Status::Invalid("the signature records in the PDF name different revisions");
  return Status::Ok();
}

// "Lạng Sơn, ngày 05 tháng 02 năm 2024" -> "2024-02-05".
std::string IsoFromVietnamese(const std::string& s) {
  // Decree 30 pads only days below 10 and the months 1 and 2.
  static const std::regex re("ngày (\\d{1,2}) tháng (\\d{1,2}) năm (\\d{4})");
  std::smatch m;
  if (!std::regex_search(s, m, re)) return "";
  auto two = [](const std::string& n) { return n.size() == 1 ? "0" + n : n; };
  return m[3].str() + "-" + two(m[2].str()) + "-" + two(m[1].str());
}

// The length of the DER element at the start of `b` (0 if it is not one).
size_t DerLength(std::string_view b) {
  if (b.size() < 2) return 0;
  size_t len = static_cast<uint8_t>(b[1]), head = 2;
  if (len & 0x80) {
    size_t n = len & 0x7f;
    if (n == 0 || n > 4 || b.size() < 2 + n) return 0;
    len = 0;
    for (size_t i = 0; i < n; ++i) len = len * 256 + static_cast<uint8_t>(b[2 + i]);
    head += n;
  }
  return head + len <= b.size() ? head + len : 0;
}

std::string NameOf(const x509::Name& n) { return n.common_name.empty() ? n.organisation : n.common_name; }

// Who made a signature, from its CMS: vanban's own Ed25519 one names the key in its
// self-signed certificate; a standard one names an X.509 certificate, which an
// organisation's record binds to a person's or its seal's key (`bound`).
struct Identity {
  bool bound = true;
  PublicKey key{};
  CertSubject subject;
  int64_t signing_time = 0;
  std::string serial;  // of the X.509 certificate; "" for Ed25519
  std::string issuer;
  std::optional<StandardSigner> standard;  // a standard signature's signer
};

Result<Identity> Identify(const FoundSignature& f, const Authority& auth) {
  Identity id;
  if (IsEd25519Cms(f.cms)) {
    VB_ASSIGN_OR_RETURN(CmsSigner cms, VerifyDetached(f.cms, f.signed_bytes));
    id.key = cms.key;
    id.subject = cms.subject;
    id.signing_time = cms.signing_time;
    return id;
  }
  VB_ASSIGN_OR_RETURN(StandardSigner std_signer, VerifyStandard(f.cms, f.signed_bytes));
  const x509::Certificate& c = std_signer.certificate;
  id.subject = CertSubject{c.subject.common_name, c.subject.title, c.subject.organisation, c.subject.country};
  id.serial = c.serial;
  id.issuer = NameOf(c.issuer);
  // PAdES: the claimed signing time is the dictionary's /M.
  id.signing_time = PdfDateSeconds(f.time_text);
  auto binding = auth.FindCertificate(c.fingerprint);
  id.bound = binding.has_value();
  if (binding) id.key = binding->key;
  id.standard = std_signer;
  if (id.bound && (id.signing_time < c.not_before || id.signing_time > c.not_after))
    return Status::Invalid("the certificate (serial " + c.serial + ") is not valid at the signing time");
  return id;
}

void NoteRevocation(const RevocationCheck& r, SignatureCheck* s) {
  using R = SignatureCheck::Revocation;
  s->revocation = r.words;
  s->revocation_state = r.revoked ? R::kRevoked : r.checked ? R::kNotRevoked : R::kNoList;
}

// Whether a time-stamping authority is trusted here: its certificate chains to one
// of `roots` at the time it stamped.
Status CheckAuthority(const timestamp::Stamp& ts, const std::vector<std::string>& roots) {
  if (ts.certificate.empty()) return Status::Invalid("the token carries no certificate of its authority");
  Status chain = x509::CheckChain(ts.certificate, ts.certificates, roots, ts.time);
  if (!chain.ok()) return Status::Invalid("the time-stamping authority is not trusted here: " + chain.message());
  return Status::Ok();
}

// The signature's time-stamp (B-T), noted in `s`: Ok with the time it proves (0 when
// it has none, or when its authority is not trusted here), or Invalid when the token
// is not a time-stamp of this signature.
Result<int64_t> NoteTimeStamp(const StandardSigner& signer, int offset_minutes, const std::vector<std::string>& roots,
                              SignatureCheck* s) {
  if (signer.timestamp_token.empty()) return int64_t{0};
  auto ts = timestamp::Read(signer.timestamp_token, signer.signature);
  if (!ts.ok()) return Status::Invalid("its time-stamp is not valid: " + ts.status().message());
  s->timestamp_time = Timestamp{ts->time, offset_minutes}.Iso();
  s->timestamp_authority = ts->authority;
  s->timestamp_trusted = CheckAuthority(*ts, roots).ok();
  return s->timestamp_trusted ? ts->time : 0;
}

// A revoked certificate makes the signature invalid, unless a time-stamp proves it
// was made before the revocation; the signer's own claim of a time proves nothing.
std::optional<std::string> RevokedReason(const RevocationCheck& r, int64_t signing_time, int64_t proven_time) {
  if (!r.revoked) return std::nullopt;
  if (proven_time && proven_time < r.revoked_at) return std::nullopt;
  return "the certificate was " + r.words +
         (r.revoked_at > signing_time ? "; the claimed signing time before it is not proven by a time-stamp" : "");
}

// Each document time-stamp of the file, checked; `end` (where what the signatures
// cover ends) moves to the end of each valid one that covers everything before it.
std::vector<DocumentTimeStampCheck> CheckDocumentTimeStamps(const PdfContents& c, const std::vector<std::string>& roots,
                                                            size_t* end) {
  std::vector<DocumentTimeStampCheck> out;
  for (size_t i = 0; i < c.document_timestamps.size(); ++i) {
    const FoundSignature& f = c.document_timestamps[i];
    DocumentTimeStampCheck d;
    d.field = f.field.empty() ? "time-stamp " + std::to_string(i + 1) : f.field;
    auto ts = timestamp::Read(ContentsDer(f), f.signed_bytes);
    if (!ts.ok()) {
      d.reason = ts.status().message();
    } else {
      d.valid = true;
      d.time = Timestamp{ts->time, 420}.Iso();
      d.authority = ts->authority;
      d.serial = ts->serial;
      Status trust = CheckAuthority(*ts, roots);
      d.trusted = trust.ok();
      if (!d.trusted) d.reason = trust.message();
      if (f.contents_at >= *end) *end = std::max(*end, f.revision_end);
    }
    out.push_back(std::move(d));
  }
  return out;
}

// Problems of the document time-stamps, for the report.
void NoteDocumentTimeStamps(Verification& v) {
  for (const DocumentTimeStampCheck& d : v.document_timestamps)
    if (!d.valid) v.problems.push_back("document time-stamp " + d.field + ": " + d.reason);
}

// The bytes of a signature verify with its own certificate (trust aside).
bool BytesVerify(const FoundSignature& f) {
  return IsEd25519Cms(f.cms) ? VerifyDetached(f.cms, f.signed_bytes).ok() : VerifyStandard(f.cms, f.signed_bytes).ok();
}

}  // namespace

std::string ContentsDer(const FoundSignature& f) {
  const size_t n = DerLength(f.cms);
  return f.cms.substr(0, n ? n : f.cms.size());
}

Result<TimeStamped> AddDocumentTimeStamp(std::string_view pdf,
                                         const std::function<Result<std::string>(std::string_view covered)>& stamp,
                                         int64_t now, const std::vector<std::string>& revocation_lists) {
  VB_ASSIGN_OR_RETURN(PdfContents before, ReadPdf(pdf));
  if (before.signatures.empty()) return Status::BadInput("the PDF carries no signature to time-stamp");
  // The lists of the authorities that issued the signers' certificates.
  std::vector<std::string> relevant;
  for (const std::string& bytes : revocation_lists) {
    auto l = x509::ReadRevocationList(bytes);
    if (!l.ok()) continue;
    bool speaks = false;
    for (const FoundSignature& f : before.signatures) {
      if (IsEd25519Cms(f.cms)) continue;
      auto signer = VerifyStandard(f.cms, f.signed_bytes);
      if (!signer.ok()) continue;
      for (const std::string& issuer : signer->certificates)
        speaks = speaks || (issuer != signer->certificate.der && x509::RevokedAt(signer->certificate.der, issuer, l->der).ok());
    }
    if (speaks) relevant.push_back(l->der);
  }
  TimeStamped out;
  out.revocation_lists = relevant.size();
  VB_ASSIGN_OR_RETURN(out.pdf, AppendDocumentTimeStamp(pdf, stamp, now, relevant));
  VB_ASSIGN_OR_RETURN(PdfContents after, ReadPdf(out.pdf));
  size_t end = pdf.size();
  std::vector<DocumentTimeStampCheck> checks = CheckDocumentTimeStamps(after, {}, &end);
  if (checks.empty() || !checks.back().valid || end != out.pdf.size())
    return Status::Invalid("the time-stamp added does not verify" +
                           (checks.empty() ? std::string() : ": " + checks.back().reason) + "; nothing written");
  out.stamp = checks.back();
  return out;
}

Result<size_t> ExportSignatures(std::string_view pdf, const std::string& dir) {
  VB_ASSIGN_OR_RETURN(PdfContents c, ReadPdf(pdf));
  VB_RETURN_IF_ERROR(files::MakeDirs(dir, 0755));
  std::vector<FoundSignature> all = c.signatures;
  all.insert(all.end(), c.document_timestamps.begin(), c.document_timestamps.end());
  for (size_t i = 0; i < all.size(); ++i) {
    const FoundSignature& f = all[i];
    std::string base = dir + "/" + std::to_string(i + 1);
    VB_RETURN_IF_ERROR(files::WriteAtomic(base + ".p7s", ContentsDer(f), 0644, false));
    VB_RETURN_IF_ERROR(files::WriteAtomic(base + ".bin", f.signed_bytes, 0644, false));
  }
  return all.size();
}

namespace {

// The report on one revision of a PDF (`pdf` cut where that revision ends), with
// what it read: the records file and the structure's damage, to compare with the
// whole file's.
struct RevisionReport {
  Verification v;
  std::optional<std::string> proof;
  std::string damage;
};

// A certificate or a grant among the PDF's records that this node has not seen yet,
// of an organisation it trusts: applied to `auth` through the node's own rules, so
// that the signatures it vouches for can be judged. An untrusted organisation is a problem.
void AdoptRecord(const Record& r, Authority& auth, Verification& v) {
  if (r.type() == "org.create" && !auth.FindOrg(r.author()))
    v.problems.push_back("organisation '" + r.Get("name") +
                         "' is not trusted on this node (vanban org trust CARD --alias ALIAS)");
  if (r.type() == "org.ca" || r.type() == "org.trust-root" || r.type() == "person.certificate") {
    // The certificates in the PDF that this node has not seen yet, through the same rules.
    PublicKey o{};
    FromHex(r.Get("org"), &o);
    const Organisation* known = auth.FindOrg(o);
    // The certificate first, then (from a token) the authorities of its chain.
    auto all = r.text() ? x509::AllFromPem(*r.text()) : Result<std::vector<std::string>>(Status::BadInput("no text"));
    auto cert = all.ok() && !all->empty() ? x509::Read(all->front())
                                          : Result<x509::Certificate>(Status::BadInput("no certificate"));
    const std::vector<std::string>* list = !known                       ? nullptr
                                           : r.type() == "org.ca"         ? &known->authorities
                                           : r.type() == "org.trust-root" ? &known->trust_roots
                                                                          : nullptr;
    bool have = cert.ok() && known &&
                (list ? std::count(list->begin(), list->end(), cert->der) > 0
                      : auth.FindCertificate(cert->fingerprint).has_value());
    if (known && !have) {
      if (Status s = auth.Apply(r); !s.ok()) v.problems.push_back("a certificate in the PDF is refused: " + s.message());
    }
  }
  if (r.type() == "person.grant") {
    PublicKey k{}, o{};
    FromHex(r.Get("key"), &k);
    FromHex(r.Get("org"), &o);
    if (auth.FindOrg(o) && !auth.FindPerson(k)) {
      if (Status s = auth.Apply(r); !s.ok()) v.problems.push_back("a grant in the PDF is refused: " + s.message());
    }
  }
}

// The records file inside (into `proof`, as far as it reads: a partial one still
// names the document and its parties) and what this node's trust makes of it.
// Returns the issuing organisation when it is known here.
const Organisation* ReadRecords(const PdfContents& c, Proof& proof, Authority& auth, Verification& v) {
  if (!c.proof) {
    v.problems.push_back("the PDF carries no vanban records file (" + std::string(kProofFileName) + ")");
    return nullptr;
  }
  if (Status s = ReadProof(*c.proof, &proof); !s.ok()) {
    v.problems.push_back(s.message());
    return nullptr;
  }
  PublicKey org_key{};
  FromHex(proof.create->Get("org"), &org_key);
  v.document = proof.create->id_hex();
  v.revision = proof.revision->id_hex();
  v.kind = proof.create->Get("kind");
  v.title = proof.revision->Get("title");
  for (const Record& r : proof.records) AdoptRecord(r, auth, v);
  const Organisation* org = auth.FindOrg(org_key);
  if (org) v.org = org->name;
  return org;
}

// What one revision's signatures are judged by.
struct Judge {
  std::string_view pdf;
  const PdfContents& c;
  const Authority& auth;          // the node's, with what the records added
  const Organisation* org;        // the issuing organisation, if known here
  const Proof& proof;
  const std::vector<std::string>& roots;
  const std::vector<x509::RevocationList>& crls;
};

// Signature `i` of the revision: its bytes and certificate, then the signer's
// standing: the seal (last, over the number and date it gives the header) or a
// person who held the role signer and whose doc.sign record names this revision.
SignatureCheck CheckSignature(const Judge& j, size_t i, Verification& v) {
  const FoundSignature& f = j.c.signatures[i];
  const Organisation* org = j.org;
  SignatureCheck s;
  s.field = f.field.empty() ? "signature " + std::to_string(i + 1) : f.field;
  auto fail = [&](const std::string& why) {
    if (s.reason.empty()) s.reason = why;
    s.valid = false;
  };
  s.valid = true;
  auto cms = Identify(f, j.auth);
  if (!cms.ok()) {
    fail(cms.status().message());
    s.signer = "?";
    return s;
  }
  if (!cms->bound) {
    s.signer = cms->subject.common_name;
    s.org = cms->subject.organisation;
    fail("signed with a certificate no trusted organisation has bound to a person or a seal (serial " + cms->serial + ")");
    return s;
  }
  Timestamp when{cms->signing_time, org ? org->offset_minutes : 420};
  s.time = when.Iso();
  s.fingerprint = crypto::Fingerprint(cms->key);
  s.signer = cms->subject.common_name;
  s.title = cms->subject.title;
  s.org = cms->subject.organisation;
  s.serial = cms->serial;
  s.issuer = cms->issuer;
  if (!cms->serial.empty()) s.chain = "trusted: bound by " + (org ? org->name : std::string("its organisation"));
  if (cms->standard) {
    auto proven = NoteTimeStamp(*cms->standard, org ? org->offset_minutes : 420, j.roots, &s);
    if (!proven.ok()) fail(proven.status().message());
    RevocationCheck revocation = CheckRevocation(*cms->standard, j.roots, j.crls);
    NoteRevocation(revocation, &s);
    if (auto why = RevokedReason(revocation, cms->signing_time, proven.ok() ? *proven : 0)) fail(*why);
  }
  if (org && cms->key == org->seal) {
    s.role = "seal";
    s.signer = org->name;
    s.org = org->name;
    if (i + 1 != j.c.signatures.size()) fail("the seal is not the last signature");
    std::map<std::string, std::string> fields(j.c.fields.begin(), j.c.fields.end());
    v.number = fields["so"];
    v.date = IsoFromVietnamese(fields["ngay"]);
    if (v.number.empty() || v.date.empty()) fail("the seal covers no number or date");
  } else if (const Person* p = j.auth.FindPerson(cms->key)) {
    s.role = p->org == (org ? org->root : PublicKey{}) ? "signer" : "party";
    const Organisation* theirs = j.auth.FindOrg(p->org);
    s.org = theirs ? theirs->name : s.org;
    if (!p->RolesAt(when).count(Role::kSigner)) fail("'" + p->name + "' did not hold the role signer at " + when.Iso());
    for (const Record* r : j.proof.signs) {
      if (r->author() != cms->key) continue;
      if (r->Get("on-behalf") == "yes" && theirs) s.on_behalf = "KT. " + theirs->head_title;
      Hash h{};
      if (!FromHex(r->Get("blob"), &h) || h != crypto::Blake2b(j.pdf.substr(0, f.revision_end)))
        fail("the signature record of '" + p->name + "' names another PDF than this revision");
    }
  } else {
    fail("signed by a key no trusted organisation has granted (" + s.fingerprint + ")");
  }
  return s;
}

// A pledge signed by its first organisations is valid as far as it goes; say who is to come.
void NoteAwaiting(const Proof& proof, const Authority& auth, Verification& v) {
  if (!proof.create) return;
  PublicKey drafting{};
  FromHex(proof.create->Get("org"), &drafting);
  std::vector<PublicKey> order = {drafting};
  if (auto parties = PartiesOf(*proof.create); parties.ok()) order.insert(order.end(), parties->begin(), parties->end());
  size_t signers = std::count_if(v.signatures.begin(), v.signatures.end(),
                                 [](const SignatureCheck& s) { return s.role != "seal"; });
  for (size_t i = signers; i < order.size(); ++i) {
    const Organisation* o = auth.FindOrg(order[i]);
    v.awaiting.push_back(o ? o->name : ToHex(order[i]).substr(0, 16));
  }
}

Result<RevisionReport> VerifyRevision(std::string_view pdf, const Authority& trusted, const std::vector<std::string>& roots,
                                      const std::vector<x509::RevocationList>& crls) {
  RevisionReport out;
  Verification& v = out.v;
  auto read = ReadPdf(pdf);
  if (!read.ok()) {
    if (read.status().code() != Status::Code::kInvalid) return read.status();
    v.problems.push_back(read.status().message());
    return out;
  }
  const PdfContents& c = *read;
  out.proof = c.proof;
  out.damage = c.damage;
  if (!c.damage.empty()) v.problems.push_back(c.damage);
  if (c.signatures.empty()) v.problems.push_back("the PDF carries no signature (a draft, or not made by vanban)");

  // The records inside, and what this node's trust makes of them.
  Proof proof;
  Authority auth = trusted;
  const Organisation* org = ReadRecords(c, proof, auth, v);
  const Judge judge{pdf, c, auth, org, proof, roots, crls};
  for (size_t i = 0; i < c.signatures.size(); ++i) {
    SignatureCheck s = CheckSignature(judge, i, v);
    if (!s.valid) v.problems.push_back(s.field + " (" + s.signer + "): " + s.reason);
    s.status = s.valid ? "valid" : "invalid";
    v.signatures.push_back(std::move(s));
  }
  NoteAwaiting(proof, auth, v);
  v.valid = v.problems.empty();
  return out;
}

void ClearHeader(Verification& v) {
  v.number.clear(), v.date.clear(), v.title.clear(), v.kind.clear(), v.org.clear();
  v.document.clear(), v.revision.clear();
  v.awaiting.clear();
}

}  // namespace

namespace {

// A PDF from another producer: its standard signatures as any reader checks them.
Verification VerifyForeign(std::string_view pdf, const PdfContents& c, const std::vector<std::string>& roots,
                           const std::vector<x509::RevocationList>& crls) {
  Verification v;
  for (size_t i = 0; i < c.signatures.size(); ++i) {
    const FoundSignature& f = c.signatures[i];
    SignatureCheck s;
    s.field = f.field.empty() ? "signature " + std::to_string(i + 1) : f.field;
    s.role = "signer";
    s.signer = "?";
    if (IsEd25519Cms(f.cms)) {
      s.status = "invalid";
      s.reason = "a vanban signature (Ed25519) without the vanban records file it needs";
    } else if (auto std_signer = VerifyStandard(f.cms, f.signed_bytes); !std_signer.ok()) {
      s.status = "invalid";
      s.reason = std_signer.status().message();
    } else {
      const x509::Certificate& cert = std_signer->certificate;
      s.signer = NameOf(cert.subject);
      s.title = cert.subject.title;
      s.org = cert.subject.organisation;
      s.serial = cert.serial;
      s.issuer = NameOf(cert.issuer);
      // The claimed time: the dictionary's /M (PAdES), else the signingTime attribute.
      int64_t at = PdfDateSeconds(f.time_text);
      if (at == 0) at = std_signer->signing_time;
      if (at) s.time = Timestamp{at, 420}.Iso();
      if (at == 0) {
        s.status = "untrusted";
        s.reason = "the signature names no signing time to judge its certificate at";
      } else if (Status chain = CheckChain(*std_signer, roots, at); !chain.ok()) {
        s.status = "untrusted";
        s.reason = chain.message();
        s.chain = chain.message();
      } else {
        s.status = "valid";
        s.chain = "trusted";
      }
      auto proven = NoteTimeStamp(*std_signer, 420, roots, &s);
      RevocationCheck revocation = CheckRevocation(*std_signer, roots, crls);
      NoteRevocation(revocation, &s);
      if (!proven.ok()) {
        s.status = "invalid";
        s.reason = proven.status().message();
      } else if (auto why = RevokedReason(revocation, at, *proven)) {
        s.status = "invalid";
        s.reason = *why;
      }
    }
    s.valid = s.status == "valid";
    if (s.status == "untrusted") v.problems.push_back(s.field + " (" + s.signer + "): valid signature, signer not trusted here: " + s.reason);
    if (s.status == "invalid") v.problems.push_back(s.field + " (" + s.signer + "): " + s.reason);
    v.signatures.push_back(std::move(s));
  }
  size_t covered = c.signatures.back().revision_end;
  v.document_timestamps = CheckDocumentTimeStamps(c, roots, &covered);
  NoteDocumentTimeStamps(v);
  std::string_view rest = pdf.substr(std::min(pdf.size(), covered));
  if (rest.find_first_not_of("\r\n ") != std::string_view::npos)
    v.problems.push_back(std::to_string(rest.size()) + " bytes were added after the last signature (" +
                         v.signatures.back().field + "): the signatures do not cover the whole file");
  v.valid = v.problems.empty();
  return v;
}

}  // namespace

namespace {

// The revocation lists that count: this node's, and those the PDF carries in its
// Document Security Store (each checked against its authority before it counts:
// CheckRevocation).
std::vector<x509::RevocationList> RevocationListsFor(const std::vector<std::string>& revocation_lists,
                                                     const PdfContents& c) {
  std::vector<x509::RevocationList> crls;
  for (const auto* lists : {&revocation_lists, &c.dss_crls})
    for (const std::string& der : *lists)
      if (auto l = x509::ReadRevocationList(der); l.ok()) crls.push_back(std::move(*l));
  return crls;
}

// The revision the report describes: the last one a valid signature covers, else
// the last one whose signature's bytes verify (none: nullopt). The reports made on
// the way are kept in `seen`, by signature.
Result<std::optional<size_t>> ShownRevision(std::string_view pdf, const PdfContents& c, const Authority& trusted,
                                            const std::vector<std::string>& roots,
                                            const std::vector<x509::RevocationList>& crls,
                                            std::vector<std::optional<RevisionReport>>* seen) {
  std::optional<size_t> fallback;
  for (size_t k = c.signatures.size(); k-- > 0;) {
    const FoundSignature& f = c.signatures[k];
    if (!BytesVerify(f)) continue;
    VB_ASSIGN_OR_RETURN(RevisionReport r, VerifyRevision(pdf.substr(0, f.revision_end), trusted, roots, crls));
    // The cut holds exactly the signatures up to this one (else it is not a revision of this file).
    if (r.v.signatures.size() != k + 1) continue;
    bool ok = r.v.signatures.back().valid;
    (*seen)[k] = std::move(r);
    if (ok) return std::optional<size_t>(k);
    if (!fallback) fallback = k;
  }
  return fallback;
}

// Signatures after the one shown: each says why it does not count.
void NoteLaterSignatures(const PdfContents& c, size_t shown, const std::vector<std::optional<RevisionReport>>& seen,
                         const Authority& trusted, Verification& v) {
  for (size_t i = shown + 1; i < c.signatures.size(); ++i) {
    const FoundSignature& f = c.signatures[i];
    SignatureCheck s;
    if (seen[i] && seen[i]->v.signatures.size() == i + 1) {
      s = seen[i]->v.signatures.back();
    } else {
      s.field = f.field.empty() ? "signature " + std::to_string(i + 1) : f.field;
      s.signer = "?";
      auto cms = Identify(f, trusted);
      s.reason = cms.ok() ? "its revision cannot be read as a PDF of its own" : cms.status().message();
    }
    s.valid = false;
    s.status = "invalid";
    v.problems.push_back(s.field + " (" + s.signer + "): " + s.reason);
    v.signatures.push_back(std::move(s));
  }
}

}  // namespace

Result<Verification> Verify(std::string_view pdf, const Authority& trusted, const std::vector<std::string>& roots_in,
                            const std::vector<std::string>& revocation_lists) {
  // Read once: every signature of every revision is checked against them.
  auto read = ReadPdf(pdf);
  if (!read.ok()) {
    if (read.status().code() != Status::Code::kInvalid) return read.status();
    Verification v;
    v.problems.push_back(read.status().message());
    return v;
  }
  const PdfContents& c = *read;
  std::vector<x509::RevocationList> crls = RevocationListsFor(revocation_lists, c);
  // Nothing signed and nothing readable ("%PDF-1.7" alone): not a document to judge.
  if (c.signatures.empty() && !c.damage.empty()) return Status::BadInput("not a readable PDF (" + c.damage + ")");
  if (!c.proof && !c.signatures.empty() && c.damage.empty()) {
    std::vector<std::string> roots = roots_in;
    if (roots.empty())
      for (const auto& [k, o] : trusted.orgs()) roots.insert(roots.end(), o.authorities.begin(), o.authorities.end());
    return VerifyForeign(pdf, c, roots, crls);
  }

  // Only what a signature covers is shown; what was added after it is listed as problems.
  std::vector<std::optional<RevisionReport>> seen(c.signatures.size());
  VB_ASSIGN_OR_RETURN(std::optional<size_t> shown, ShownRevision(pdf, c, trusted, roots_in, crls, &seen));
  if (!shown) {
    // No signature verifies: every signature with its failure, no header (nothing is vouched for).
    VB_ASSIGN_OR_RETURN(RevisionReport whole, VerifyRevision(pdf, trusted, roots_in, crls));
    ClearHeader(whole.v);
    whole.v.valid = false;
    if (whole.v.problems.empty()) whole.v.problems.push_back("no signature of the PDF verifies");
    return std::move(whole.v);
  }

  RevisionReport& base = *seen[*shown];
  Verification v = std::move(base.v);
  NoteLaterSignatures(c, *shown, seen, trusted, v);
  size_t end = c.signatures[*shown].revision_end;
  // Time-stamps over the shown revision count only when it is the last signature's.
  if (*shown + 1 == c.signatures.size()) {
    v.document_timestamps = CheckDocumentTimeStamps(c, roots_in, &end);
    NoteDocumentTimeStamps(v);
  }
  std::string_view rest = pdf.substr(end);
  if (rest.find_first_not_of("\r\n ") != std::string_view::npos) {
    v.problems.push_back(std::to_string(rest.size()) + " bytes were added after the last signature (" +
                         v.signatures[*shown].field + "); what they change is not shown");
    if (c.proof != base.proof)
      v.problems.push_back("the bytes added after the last signature replace the records file (" +
                           std::string(kProofFileName) + ")");
    if (!c.damage.empty() && base.damage.empty())
      v.problems.push_back("the bytes added after the last signature make the PDF unreadable: " + c.damage);
  }
  v.valid = v.problems.empty();
  return v;
}

Result<Verification> VerifyOnNode(std::string_view pdf, Node& node) {
  VB_ASSIGN_OR_RETURN(std::vector<std::string> lists, node.RevocationLists());
  VB_ASSIGN_OR_RETURN(Verification v, Verify(pdf, node.authority(), node.TrustRoots(), lists));
  RecordId rev{};
  if (v.document.empty() || !FromHex(v.revision, &rev)) return v;
  // A document this node does not hold (NotFound) is verified from the PDF alone.
  auto d = node.Show(v.document);
  if (!d.ok()) return v;
  // What only this node's records say about the document's standing.
  const int offset = node.org().offset_minutes;
  if (d->revocation) {
    const Person* p = node.authority().FindPerson(d->revocation->by);
    v.revoked = Revocation{p ? p->login : node.Who(d->revocation->by),
                           d->revocation->at.InOffset(offset).Iso(), d->revocation->reason};
    v.problems.push_back("the document was revoked by " + v.revoked->by + " at " + v.revoked->at +
                         (v.revoked->reason.empty() ? "" : ": " + v.revoked->reason));
  }
  if (d->issue && v.number != d->issue->number) {
    v.issued_as_number = d->issue->number;
    v.issued_as_date = d->issue->date;
    v.problems.push_back("this copy is not the issued one (issued as " + d->issue->number + " on " + d->issue->date + ")");
  }
  v.valid = v.problems.empty();
  for (SignatureCheck& s : v.signatures) {
    if (!s.on_behalf.empty() || s.role == "seal") continue;
    for (const SignatureEntry& e : d->signatures) {
      if (!e.on_behalf || e.rev != rev || crypto::Fingerprint(e.signer) != s.fingerprint) continue;
      const Organisation* o = node.authority().FindOrg(e.org);
      s.on_behalf = "KT. " + (o ? o->head_title : std::string());
    }
  }
  return v;
}

}  // namespace vanban::pdf
