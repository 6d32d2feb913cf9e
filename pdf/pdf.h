// vanban/pdf — documents as PDF (docs/pdf.md): the one public header of the module.
//
// Owns: rendering a revision in the layout of Decree 30/2020 (drafts on the fly,
// marked "DỰ THẢO"); the signed copy core asks for when a person signs and when the
// records office issues (CopyMaker: each signature an incremental update with an
// Ed25519 CMS signature and a visible stamp, the workflow's proof records inside);
// verification of a PDF on its own against the organisations this node trusts; and
// the yearly archive. Everything reaches the store through core::Node.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/node.h"
#include "pdf/cms.h"

namespace vanban::pdf {

// The stamper for a node's time-stamping authority (SignedCopyRequest::tsa_url),
// which says in `failure` why it gave no token (sync::Stamper).
using StamperFor = std::function<SignatureStamper(std::string tsa_url, std::shared_ptr<std::string> failure)>;

// The maker signing and issuing (Node::Do) call to make and extend the signed PDF
// (NodeOptions::signed_copy). When the node names a time-stamping authority,
// `stamper_for` gives the stamper that time-stamps each standard signature (PAdES
// B-T, cms.h); without one, or when it gives no token, the signature stays B-B
// (and SignedCopyRequest::unstamped says why).
SignedCopyMaker CopyMaker(const StamperFor& stamper_for = nullptr);

// The check receiving (Node::Do, act::Receive) calls before a receipt vouches for a document
// (NodeOptions::receipt_check): its signed PDF must verify against the node's
// trusted organisations and be this issuance's copy.
ReceiptCheck ReceiptVerifier();

// A revision rendered on the fly: drafts (and any revision not yet signed) carry
// "DỰ THẢO" and the revision, never a signature. `rev` is "rN" or an id prefix;
// empty means the current revision.
Result<std::string> RenderRevision(Node& node, const std::string& doc, const std::string& rev);

// `export pdf`: the stored signed copy of a signed or issued document, byte for
// byte; a draft rendered now.
Result<std::string> ExportPdf(Node& node, const std::string& doc);

struct SignatureCheck {
  std::string field;        // the PDF field: "ky-1", "dong-dau"
  std::string role;         // "signer", "party", "seal"
  std::string signer;       // a person's name, or the organisation for the seal
  std::string title;
  std::string on_behalf;    // "KT. Giám đốc" when signed on behalf of the head (its record's on-behalf), else ""
  std::string org;          // organisation name
  std::string time;         // ISO 8601 with offset
  std::string fingerprint;  // of the signing key
  std::string serial;       // of the X.509 certificate of a standard signature; "" for vanban's own Ed25519 one
  std::string issuer;       // who issued that certificate (its CN, else O)
  // "valid"; "untrusted": the signature verifies but its certificate does not chain
  // to a root trusted here ("valid signature, signer not trusted here"); "invalid".
  std::string status;
  std::string chain;        // the chain's verdict in words ("trusted: Sở Ngoại vụ tỉnh Lạng Sơn"), "" for Ed25519
  std::string revocation;   // what this node's revocation lists say ("not revoked (list of … of DATE)"), "" for Ed25519
  enum class Revocation { kNotChecked, kNoList, kNotRevoked, kRevoked } revocation_state = Revocation::kNotChecked;
  // The signature's RFC 3161 time-stamp (PAdES B-T): when, and by which authority; "" if none.
  std::string timestamp_time, timestamp_authority;
  // Whether the authority's certificate chains to a root trusted here (trust add);
  // an untrusted authority's time proves nothing (a revocation after it still counts).
  bool timestamp_trusted = false;
  bool valid = false;
  std::string reason;       // why not, when not valid
};

// A later record this node holds that withdrew the document (doc.revoke).
struct Revocation {
  std::string by;      // the person's login, else their name, as this node knows them
  std::string at;      // ISO 8601 with the organisation's offset
  std::string reason;
};

// A document time-stamp (/ETSI.RFC3161): an authority's proof that the whole file
// before it existed at `time`.
struct DocumentTimeStampCheck {
  std::string field;      // "dau-thoi-gian-1"
  bool valid = false;     // the token's signature verifies and its imprint is the covered bytes'
  std::string time;       // ISO 8601, +07:00
  std::string authority;  // the TSA certificate's subject
  std::string serial;     // the token's serial
  bool trusted = false;   // the authority's certificate chains to a root trusted here
  std::string reason;     // why not valid; when valid and not trusted, why not trusted
};

// A signed PDF with one more revision: a document time-stamp (/ETSI.RFC3161) over the
// whole file before it, from the authority `stamp` asks (sync/tsa.h TimeStampOf),
// checked once written. BadInput when the PDF carries no signature; the authority's
// failure as `stamp` returns it. `now` (UTC seconds) goes in the Info's ModDate.
struct TimeStamped {
  std::string pdf;
  DocumentTimeStampCheck stamp;
  size_t revocation_lists = 0;  // how many went into the Document Security Store
};
// Of `revocation_lists` (DER or PEM: the node's, Node::RevocationLists), those
// that speak for a signature's certificate go into the PDF's Document Security
// Store in the same revision, so the file shows later, alone, that no signer was
// revoked when it was time-stamped (PAdES B-LTA).
Result<TimeStamped> AddDocumentTimeStamp(std::string_view pdf,
                                         const std::function<Result<std::string>(std::string_view covered)>& stamp,
                                         int64_t now, const std::vector<std::string>& revocation_lists = {});

struct Verification {
  bool valid = false;       // every signature valid, the proof consistent, the organisation trusted
  // The header comes only from the revision the last valid signature covers (if no
  // signature is valid, the last one whose bytes verify; if none, it stays empty):
  // bytes added after it never show here, they are a problem.
  std::string number, date, title, kind, org, document, revision;
  std::vector<SignatureCheck> signatures;
  // After the signatures, in file order; each valid one extends what is covered to
  // the end of its own revision.
  std::vector<DocumentTimeStampCheck> document_timestamps;
  std::vector<std::string> awaiting;  // pledges: organisations whose signature is still to come
  std::vector<std::string> problems;  // each reason the PDF is not valid
  std::optional<Revocation> revoked;  // VerifyOnNode: the node knows the document was revoked
  // VerifyOnNode: the number and date the node knows the document was issued under,
  // when this copy does not carry them (its issuance stripped, or a re-issue since).
  std::string issued_as_number, issued_as_date;
};

// Checks a PDF from its own bytes: each embedded signature over its byte range,
// the signers' authority from the records inside against `trusted` (this node's
// knowledge of organisations: the issuing one must be known here), the revision's
// hash, the number and date under the seal. Every problem found is listed. Bad
// input only if it is not a PDF at all (no %PDF- header, or no signature and a
// structure that cannot be read).
//
// A PDF that carries no vanban records file (signed by another producer: a
// ministry's, a provincial People's Committee's) is checked as any PDF reader
// would: each standard signature's digest and signature, its certificate chain up
// to one of `roots` (DER) at the signing time, key usage, and that the last
// signature covers the whole file. Empty `roots`: the authorities of the
// organisations in `trusted`.
Result<Verification> Verify(std::string_view pdf, const Authority& trusted, const std::vector<std::string>& roots = {},
                            const std::vector<std::string>& revocation_lists = {});

// Verify against `node`'s authority (`vanban verify`, the web's "Kiểm tra PDF"), and
// when the node holds the document, what only its records say: whether a signature
// was made on behalf of the head (KT.) (the PDF carries the doc.sign records of the
// signatures before its last one only: a record cannot hold the PDF that names it);
// a later revocation (`revoked`, not valid); an issuance the copy does not carry
// (stripped, or replaced by a re-issue: not valid, "this copy is not the issued one").
Result<Verification> VerifyOnNode(std::string_view pdf, Node& node);

// For checking with other tools (docs/pdf.md: GnuTLS certtool): writes each
// signature as DIR/N.p7s (its CMS, DER, without the zero padding) and DIR/N.bin
// (the bytes its /ByteRange covers), N = 1, 2, ... in file order. Returns N.
Result<size_t> ExportSignatures(std::string_view pdf, const std::string& dir);

struct ArchiveProgress {
  size_t done = 0, total = 0;
  std::string number;
};

// `archive export`: every issued document of `year` as DIR/<number, '/' -> '_'>.pdf
// plus DIR/manifest.json signed with the organisation's seal (DIR/manifest.json.sig).
// Resumable: files already present with the right hash are kept.
Result<size_t> ExportArchive(Node& node, const Actor& actor, int year, const std::string& dir,
                             const std::function<void(const ArchiveProgress&)>& progress);

}  // namespace vanban::pdf
