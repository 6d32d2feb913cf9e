// vanban/pdf (internal) — the standard signatures inside a PDF, checked with
// libcrypto's CMS whoever made them (PAdES ETSI.CAdES.detached, adbe.pkcs7.detached),
// beside vanban's own Ed25519 ones (cms.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/x509.h"

namespace vanban::pdf {

// True if the CMS is signed with Ed25519 (vanban's own signatures before X.509
// certificates: cms.h VerifyDetached checks those).
bool IsEd25519Cms(std::string_view cms_der);

struct StandardSigner {
  x509::Certificate certificate;          // the signer's
  std::vector<std::string> certificates;  // every certificate the CMS carries, DER
  bool signing_certificate_v2 = false;    // the ESS attribute names this certificate (PAdES)
  int64_t signing_time = 0;               // the signingTime attribute, when there is one (not PAdES)
  std::string signature;                  // the signature value (what a signature-time-stamp covers)
  std::string timestamp_token;            // the unsigned signatureTimeStampToken (PAdES B-T), DER; "" if none
};

// Whether the signer's certificate chains (through the other certificates the CMS
// carries) to one of `roots` (DER), every certificate valid at `at` (UTC seconds),
// and allows signing. Ok, or Invalid with the reason in a person's words ("the
// chain does not reach a root trusted here: unable to get local issuer certificate").
Status CheckChain(const StandardSigner& signer, const std::vector<std::string>& roots, int64_t at);

// What the certificate revocation lists `crls` (read once per verification) say of the signer's certificate,
// its issuer found among the certificates the CMS carries and `roots`. `checked`:
// a list of its issuer, signed by it, is here; `words` for a person either way.
struct RevocationCheck {
  bool checked = false, revoked = false;
  int64_t revoked_at = 0;  // UTC seconds
  std::string words;       // "not revoked (list of CA phụ of 2026-12-07)", "revoked on …", "no revocation list of … here"
};
RevocationCheck CheckRevocation(const StandardSigner& signer, const std::vector<std::string>& roots,
                                const std::vector<x509::RevocationList>& crls);

// Checks the CMS (trailing zero bytes allowed: /Contents is padded) over `content`:
// the message digest, then the signature with the signer's certificate. No chain
// or trust here: the caller decides whom it trusts. Invalid with the reason
// otherwise ("message digest does not match the signed bytes").
Result<StandardSigner> VerifyStandard(std::string_view cms_der, std::string_view content);

// "D:20240205093000+07'00'" (a PDF date, /M) as UTC seconds; 0 if it is not one.
int64_t PdfDateSeconds(std::string_view text);

}  // namespace vanban::pdf
