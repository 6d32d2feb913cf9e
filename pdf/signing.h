// vanban/pdf (internal) — signatures inside a PDF: each one an incremental update.
//
// AppendSignature() loads a PDF for update, creates form fields on the first
// signature (the number and date as read-only text fields, the names of parties
// that sign later likewise, one signature field per signer and one for the seal,
// at the boxes the layout reported), fills text fields, replaces the embedded proof
// file, draws the visible stamp and signs the field with an Ed25519 CMS over the
// /ByteRange (cms.h). Earlier revisions of the file are never touched, so earlier
// signatures stay valid. ReadSignatures() and friends read them back for
// verification. Deterministic: same input, same bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto.h"
#include "core/x509.h"
#include "core/status.h"
#include "pdf/cms.h"
#include "pdf/layout.h"

namespace vanban::pdf {

// The name of the embedded file that carries the workflow's records.
inline constexpr const char* kProofFileName = "vanban-records.txt";
inline constexpr std::string_view kProofMagic = "vanban-proof 1\n";
// The signature field of the organisation's seal, filled at issuance.
inline constexpr const char* kSealFieldName = "dong-dau";

struct NewField {
  enum class Kind { kText, kSignature } kind;
  std::string name;  // "so", "ngay", "ten-2", "ky-1", "dong-dau"
  Box box;
  // Text fields: printed before the value, alone until it is filled ("Số:"); kept
  // in the field's /TU, so the value stays the bare number.
  std::string label;
};

struct Update {
  std::vector<NewField> create;  // first signature only
  std::vector<std::pair<std::string, std::string>> fill;  // text field -> value (NFC)
  std::string sign_field;        // the signature field this update signs
  std::vector<std::string> stamp_lines;  // the visible stamp, top to bottom
  std::string qr_payload;        // drawn at the stamp's left when not empty
  // Decree 30 Appendix I: a PNG (image.h) drawn instead of the text stamp. A
  // signer's handwritten signature fits its field; the seal (seal_mm > 0) is drawn
  // at that real diameter over the left third of the signer's image on the same
  // page (its field moves there), `small_print` under it.
  std::string image_png;
  double seal_mm = 0;
  std::vector<std::string> small_print;
  std::string serial;            // the signing certificate's serial, in the signature dictionary
  std::string proof;             // the embedded records file (replaces the previous one)
  int64_t signing_time = 0;      // UTC seconds
  int offset_minutes = 420;      // for /M
  std::string reason;            // /Reason
  CertSubject subject;           // in the certificate (vanban's own Ed25519 signature)
  // A standard signature instead (PAdES B-B, /SubFilter /ETSI.CAdES.detached): the
  // X.509 key and its chain, signing certificate first (cms.h SignPades).
  const x509::PrivateKey* x509_key = nullptr;
  std::vector<std::string> chain;
  SignatureStamper stamp;        // B-T when given (cms.h SignPades); room is kept for its token
};

// The PDF with one more revision: `u` applied and signed with `key`.
Result<std::string> AppendSignature(std::string_view pdf, const Update& u, const SecretKey& key);

struct FoundSignature {
  std::string field;
  std::string cms;        // /Contents, zero padding included
  std::string signed_bytes;  // the bytes /ByteRange covers
  size_t revision_end = 0;   // where the signed revision ends (ByteRange's last offset)
  size_t contents_at = 0;    // where its /Contents begins: everything before is covered
  std::string reason, time_text;  // /Reason, /M as written
};
// A signature's /Contents without its zero padding: the CMS (or RFC 3161 token), DER.
std::string ContentsDer(const FoundSignature& f);

struct PdfContents {
  std::vector<FoundSignature> signatures;  // in field order; unsigned fields left out
  // Document time-stamps (/Type /DocTimeStamp, /SubFilter /ETSI.RFC3161): `cms` is
  // an RFC 3161 TimeStampToken over `signed_bytes`; in file order.
  std::vector<FoundSignature> document_timestamps;
  std::vector<std::pair<std::string, std::string>> fields;  // text fields: name -> value
  std::optional<std::string> proof;  // the embedded records file of the last revision
  // The Document Security Store's revocation lists (/DSS /CRLs, PAdES B-LT), DER.
  std::vector<std::string> dss_crls;
  size_t size = 0;
  std::string damage;  // why the structure could not be read (fields and proof then missing)
};
// One more revision holding a document time-stamp (PAdES B-LTA's building block,
// ETSI EN 319 142-1 5.4): an invisible signature field whose /Contents is the RFC
// 3161 token `stamp` gives for the bytes its /ByteRange covers, the whole PDF before
// it. `stamp` asks the authority (sync/tsa.h); its failure is returned as it is.
// `now` (UTC seconds) goes in the Info dictionary's ModDate.
// `crls` (DER) join the Document Security Store (/DSS /CRLs) in the same revision,
// so the time-stamp covers them (PAdES B-LTA).
using DocumentStamper = std::function<Result<std::string>(std::string_view covered)>;
Result<std::string> AppendDocumentTimeStamp(std::string_view pdf, const DocumentStamper& stamp, int64_t now,
                                            const std::vector<std::string>& crls = {});

// BadInput if the bytes are not a PDF; Invalid if a signature's byte range is
// malformed. A structure PoDoFo cannot read still gives the signatures (`damage`).
Result<PdfContents> ReadPdf(std::string_view pdf);

}  // namespace vanban::pdf
