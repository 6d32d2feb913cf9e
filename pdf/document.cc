// From core's documents to PDFs (pdf.h): drafts rendered on the fly, and the
// signed copy made at each signature and at issuance (docs/pdf.md).
#include <algorithm>

#include "core/clock.h"
#include "core/text.h"
#include "pdf/pdf.h"
#include "pdf/signing.h"

namespace vanban::pdf {

namespace {

std::string SignerField(size_t i) { return "ky-" + std::to_string(i + 1); }
// The name under a party's signature, filled in when that party signs (pledges).
std::string NameField(size_t i) { return "ten-" + std::to_string(i + 1); }

// The layout's input for one revision of a document.
Result<RenderInput> InputFor(const Document& d, const Authority& auth, const std::string& revision_text,
                             const std::vector<std::pair<std::string, PublicKey>>& trusted) {
  const Organisation* org = auth.FindOrg(d.org);
  if (!org) return Status::NotFound("the document's organisation is not known here");
  VB_ASSIGN_OR_RETURN(DocumentFile f, ParseDocumentFile(revision_text, "revision"));
  RenderInput in;
  in.head = Letterhead{org->parent_body, org->name, org->place};
  const SymbolInfo* sym = FindSymbol(d.symbol);
  in.kind_name = sym ? std::string(sym->name_vi) : text::Upper(d.kind);
  in.title = f.title;
  in.blocks = f.blocks;
  for (const std::string& r : f.recipients) {
    std::string shown = r;
    if (r.rfind("org:", 0) == 0) {
      auto it = std::find_if(trusted.begin(), trusted.end(), [&](const auto& t) { return "org:" + t.first == r; });
      const Organisation* o = it == trusted.end() ? nullptr : auth.FindOrg(it->second);
      if (o) shown = o->name;
    }
    in.recipients.push_back(shown);
  }
  in.symbol_suffix = d.symbol + "-" + org->code;
  in.document_id = ToHex(d.id);
  // Pledges: one block per organisation, named as each signs.
  for (const PublicKey& k : d.signing_order()) {
    const Organisation* o = auth.FindOrg(k);
    SignerBlock b;
    b.title = o ? o->head_title : "";
    const bool joint = !d.parties.empty();  // a pledge, or a joint document of another kind
    if (joint) b.org = o ? o->name : "";
    in.signers.push_back(b);
    if (!joint) break;
  }
  return in;
}

void NameSigner(SignerBlock& b, const std::string& name, const std::string& title, bool on_behalf,
                const std::string& head_title) {
  b.name = name;
  b.title = title;
  b.authority = on_behalf ? "KT. " + text::Upper(head_title) : "";
}

std::string StampTime(const Timestamp& t) { return "Thời gian: " + t.Iso(); }

}  // namespace

ReceiptCheck ReceiptVerifier() {
  return [](const Authority& authority, const Document& d, const std::optional<std::string>& copy) -> Status {
    if (!copy) return Status::Ok();  // issued without a PDF: its records were verified on arrival
    auto v = Verify(*copy, authority);
    if (!v.ok()) return Status::Refused("the signed PDF cannot be read: " + v.status().message() + "; not received");
    std::string why;
    if (!v->valid) why = v->problems.empty() ? "it is not valid" : v->problems.front();
    else if (d.issue && v->number != d.issue->number)
      why = "it carries the number " + v->number + ", the issuance " + d.issue->number;
    else if (v->document != ToHex(d.id)) why = "it is the PDF of another document";
    if (!why.empty()) return Status::Refused("the signed PDF does not verify: " + why + "; not received");
    return Status::Ok();
  };
}

namespace {

// What every update of the signed copy carries: the signing time, the records inside,
// the standard signature's key and chain when there is one, and the time-stamping
// authority's stamper when the node names one.
Update BaseUpdate(const SignedCopyRequest& req, const Timestamp& at, const StamperFor& stamper_for) {
  Update u;
  u.signing_time = at.utc;
  u.offset_minutes = at.offset_minutes;
  u.proof = EncodeRecordList(kProofMagic, req.proof);
  u.x509_key = req.x509_key;
  u.chain = req.chain;
  if (!req.chain.empty())
    if (auto c = x509::Read(req.chain.front()); c.ok()) u.serial = c->serial;
  if (stamper_for && !req.tsa_url.empty()) {
    auto failure = std::make_shared<std::string>();
    u.stamp = [stamp = stamper_for(req.tsa_url, failure), failure, said = req.unstamped](std::string_view value) {
      auto token = stamp(value);
      if (!token && said) *said = *failure;
      return token;
    };
  }
  return u;
}

// The first signature's base: the revision rendered, with empty number and date
// fields, a field per signer (and per party's name still to come) and the seal's.
Result<std::string> FirstCopy(const SignedCopyRequest& req, const Organisation& org, const Timestamp& at,
                              bool on_behalf, Update* u) {
  const Document& d = req.doc;
  const Record& r = req.record;
  VB_ASSIGN_OR_RETURN(RenderInput in, InputFor(d, req.authority, req.revision_text, req.trusted));
  in.draft = false;
  in.year = at.Year();
  in.created = at.utc;
  NameSigner(in.signers[0], r.Get("name"), r.Get("title"), on_behalf, org.head_title);
  // What the fields and stamps will draw later, kept in the page fonts' subsets.
  in.reserve = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"
               "Ký số bởi Thời gian Khóa ĐÃ ĐÓNG DẤU Số ngày tháng năm KT. " +
               org.name + org.place + org.head_title + r.Get("name") + r.Get("title");
  for (const PublicKey& k : d.parties)
    if (const Organisation* o = req.authority.FindOrg(k)) in.reserve += o->name + o->head_title;
  VB_ASSIGN_OR_RETURN(Rendered out, Render(in));
  if (out.signature_stamps.size() != in.signers.size())
    return Status::BadInput("the layout placed " + std::to_string(out.signature_stamps.size()) + " signatures for " +
                            std::to_string(in.signers.size()) + " signers");
  u->create = {{NewField::Kind::kText, "so", out.number_field, "Số:"},
               {NewField::Kind::kText, "ngay", out.date_field}};
  for (size_t i = 0; i < out.signature_stamps.size(); ++i)
    u->create.push_back({NewField::Kind::kSignature, SignerField(i), out.signature_stamps[i]});
  for (size_t i = 0; i < in.signers.size() && i < out.name_fields.size(); ++i)
    if (in.signers[i].name.empty()) u->create.push_back({NewField::Kind::kText, NameField(i), out.name_fields[i]});
  u->create.push_back({NewField::Kind::kSignature, kSealFieldName, out.seal_stamp});
  return std::move(out.pdf);
}

// A person's signature (doc.sign) in its organisation's slot: on the first copy,
// or on the copy the earlier organisations signed (a pledge's parties).
Result<std::string> SignedBySigner(const SignedCopyRequest& req, const Organisation& org, const Timestamp& at, Update u) {
  const Document& d = req.doc;
  const Record& r = req.record;
  const Person* who = req.authority.FindPerson(r.author());
  if (!who) return Status::NotFound("the signer is not known here");
  const Organisation* their = req.authority.FindOrg(who->org);
  auto order = d.signing_order();
  size_t slot = std::find(order.begin(), order.end(), who->org) - order.begin();
  if (slot >= order.size()) return Status::Refused("the signer's organisation does not sign this document");
  bool on_behalf = r.Get("on-behalf") == "yes";
  std::string base;
  if (req.previous) {
    base = *req.previous;
  } else if (slot > 0) {
    return Status::Refused("the PDF the earlier organisations signed is not on this node; it travels with their signatures");
  } else {
    VB_ASSIGN_OR_RETURN(base, FirstCopy(req, org, at, on_behalf, &u));
  }
  if (slot > 0) {
    // The party's name under its signature, 14 pt bold like the first signer's
    // (copies made before name fields existed have none to fill).
    VB_ASSIGN_OR_RETURN(PdfContents have, ReadPdf(base));
    for (const auto& field : have.fields)
      if (field.first == NameField(slot)) u.fill.push_back({NameField(slot), r.Get("name")});
  }
  u.sign_field = SignerField(slot);
  std::string role = on_behalf ? "KT. " + org.head_title + " - " + r.Get("title") : r.Get("title");
  u.stamp_lines = {"Ký số bởi: " + r.Get("name"), role, their ? their->name : "", StampTime(at),
                   "Khóa: " + crypto::Fingerprint(r.author())};
  u.reason = d.kind == "pledge" ? "Ký giao ước" : !d.parties.empty() ? "Ký ban hành liên tịch" : "Ký ban hành";
  u.subject = CertSubject{r.Get("name"), r.Get("title"), their ? their->name : ""};
  u.image_png = who->signature_image;
  return AppendSignature(base, u, req.key);
}

// The seal (doc.issue) on the signed copy: the number and date filled in, the QR
// code, and the seal's image when the organisation has one.
Result<std::string> SealedAtIssue(const SignedCopyRequest& req, const Organisation& org, const Timestamp& at, Update u) {
  const Document& d = req.doc;
  const Record& r = req.record;
  if (!req.previous) return Status::Refused("the signed revision has no signed PDF to number and seal");
  std::string number = r.Get("number"), date = r.Get("date");
  u.fill = {{"so", number}, {"ngay", org.place + ", " + VietnameseDate(date)}};
  u.sign_field = kSealFieldName;
  // What a printed copy carries to be checked against the register.
  // Short enough for a QR code whose modules print at about half a millimetre.
  u.qr_payload = "VB1|" + number + "|" + date + "|" + ToHex(d.org).substr(0, 16) + "|" + ToHex(d.id).substr(0, 16) +
                 "|" + r.Get("rev").substr(0, 32);
  u.stamp_lines = {"ĐÃ ĐÓNG DẤU", org.name, "Số " + number, at.Iso(), "Khóa: " + crypto::Fingerprint(org.seal)};
  u.reason = "Đóng dấu, cấp số " + number;
  u.subject = CertSubject{org.name, "Con dấu điện tử", org.name};
  if (!org.seal_image.empty()) {
    // Appendix I: the seal at its real size, the organisation and the time with it.
    u.image_png = org.seal_image;
    u.seal_mm = org.seal_diameter_mm;
    u.small_print = {org.name, at.Iso()};
  }
  return AppendSignature(*req.previous, u, req.key);
}

}  // namespace

SignedCopyMaker CopyMaker(const StamperFor& stamper_for) {
  return [stamper_for](const SignedCopyRequest& req) -> Result<std::string> {
    const Record& r = req.record;
    VB_ASSIGN_OR_RETURN(Timestamp at, ParseTimestamp(r.Get("at")));
    const Organisation* org = req.authority.FindOrg(req.doc.org);
    if (!org) return Status::NotFound("the document's organisation is not known here");
    Update u = BaseUpdate(req, at, stamper_for);
    if (r.type() == "doc.sign") return SignedBySigner(req, *org, at, std::move(u));
    if (r.type() == "doc.issue") return SealedAtIssue(req, *org, at, std::move(u));
    return Status::BadInput("no signed copy for a " + r.type() + " record");
  };
}

Result<std::string> RenderRevision(Node& node, const std::string& id, const std::string& rev) {
  VB_ASSIGN_OR_RETURN(Document d, node.Show(id));
  VB_ASSIGN_OR_RETURN(std::string text, node.RevisionText(id, rev));
  VB_ASSIGN_OR_RETURN(RenderInput in, InputFor(d, node.authority(), text, node.Trusted()));
  // Which revision: its number and id, as people name it ("r3").
  const Revision* shown = d.current() ? d.current() : &d.revisions.back();
  if (!rev.empty()) {
    VB_ASSIGN_OR_RETURN(RecordId id, node.ResolveRevision(d, rev));
    shown = d.FindRevision(id);
  }
  in.draft = true;
  in.draft_label = "Dự thảo lần " + std::to_string(shown->seq) + " (r" + std::to_string(shown->seq) + ", " +
                   ToHex(shown->id).substr(0, 8) + ")";
  in.year = shown->at.Year();
  in.created = shown->at.utc;
  VB_ASSIGN_OR_RETURN(Rendered out, Render(in));
  return std::move(out.pdf);
}

Result<std::string> ExportPdf(Node& node, const std::string& id) {
  VB_ASSIGN_OR_RETURN(auto stored, node.SignedCopy(id));
  if (stored) return *stored;
  VB_ASSIGN_OR_RETURN(Document d, node.Show(id));
  if (!d.signatures.empty())
    return Status::NotFound("document " + ToHex(d.id).substr(0, 12) + " was signed without a signed PDF; there is none to export");
  return RenderRevision(node, id, "");
}

}  // namespace vanban::pdf
