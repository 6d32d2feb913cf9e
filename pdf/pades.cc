// Standard PDF signatures checked with libcrypto (pades.h).
#include "pdf/pades.h"

#include "core/clock.h"
#include "core/libcrypto.h"

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include <ctime>
#include <memory>
#include <new>

namespace vanban::pdf {

namespace {

using libcrypto::BioPtr;
using libcrypto::BnPtr;
using libcrypto::X509Ptr;
using CmsPtr = libcrypto::Owned<CMS_ContentInfo, CMS_ContentInfo_free>;
void FreeCerts(STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); }
void FreeStack(STACK_OF(X509) * s) { sk_X509_free(s); }

// The CMS without the zero padding after it; null if it does not parse.
CmsPtr Parse(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
  ERR_clear_error();
  if (!cms) return nullptr;
  std::string_view rest = der.substr(static_cast<size_t>(p - reinterpret_cast<const unsigned char*>(der.data())));
  if (rest.find_first_not_of('\0') != std::string_view::npos) return nullptr;
  return cms;
}

CMS_SignerInfo* OnlySigner(CMS_ContentInfo* cms) {
  STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms);
  if (!infos || sk_CMS_SignerInfo_num(infos) != 1) return nullptr;
  return sk_CMS_SignerInfo_value(infos, 0);
}

}  // namespace

bool IsEd25519Cms(std::string_view cms_der) {
  CmsPtr cms = Parse(cms_der);
  if (!cms) return false;
  CMS_SignerInfo* si = OnlySigner(cms.get());
  if (!si) return false;
  X509_ALGOR* sig_alg = nullptr;
  CMS_SignerInfo_get0_algs(si, nullptr, nullptr, nullptr, &sig_alg);
  const ASN1_OBJECT* oid = nullptr;
  X509_ALGOR_get0(&oid, nullptr, nullptr, sig_alg);
  return OBJ_obj2nid(oid) == NID_ED25519;
}

Result<StandardSigner> VerifyStandard(std::string_view cms_der, std::string_view content) {
  CmsPtr cms = Parse(cms_der);
  if (!cms) return Status::Invalid("malformed CMS: not a CMS SignedData");
  if (OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) return Status::Invalid("malformed CMS: not a SignedData");
  if (!CMS_is_detached(cms.get())) return Status::Invalid("malformed CMS: the content is embedded, not detached");
  CMS_SignerInfo* si = OnlySigner(cms.get());
  if (!si) return Status::Invalid("malformed CMS: not exactly one signer");
  // Digest and signature only: which certificates to trust is the caller's business.
  // First the signature over the attributes, then the content's digest, to say which failed.
  auto verify = [&](unsigned flags) {
    BioPtr data(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
    if (!data) throw std::bad_alloc();
    int ok = CMS_verify(cms.get(), nullptr, nullptr, data.get(), nullptr,
                        CMS_DETACHED | CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY | flags);
    unsigned long e = ok == 1 ? 0 : ERR_peek_last_error();
    ERR_clear_error();
    return e;
  };
  if (unsigned long e = verify(CMS_NO_CONTENT_VERIFY)) {
    int reason = ERR_GET_REASON(e);
    if (reason == CMS_R_SIGNER_CERTIFICATE_NOT_FOUND) return Status::Invalid("malformed CMS: no certificate for the signer");
    if (reason == CMS_R_NO_MATCHING_DIGEST || reason == CMS_R_UNKNOWN_DIGEST_ALGORITHM)
      return Status::Invalid("the CMS uses a digest this verifier does not know");
    return Status::Invalid("signature does not verify");
  }
  if (verify(0)) return Status::Invalid("message digest does not match the signed bytes");
  // The stack is ours to free, its certificates are the CMS's.
  std::unique_ptr<STACK_OF(X509), decltype(&FreeStack)> signer_stack(CMS_get0_signers(cms.get()), &FreeStack);
  STACK_OF(X509)* signers = signer_stack.get();
  if (!signers || sk_X509_num(signers) != 1) return Status::Invalid("malformed CMS: no certificate for the signer");
  StandardSigner out;
  VB_ASSIGN_OR_RETURN(out.certificate, x509::Read(x509::DerOf(sk_X509_value(signers, 0))));
  std::unique_ptr<STACK_OF(X509), decltype(&FreeCerts)> all(CMS_get1_certs(cms.get()), &FreeCerts);
  for (int i = 0; all && i < sk_X509_num(all.get()); ++i) out.certificates.push_back(x509::DerOf(sk_X509_value(all.get(), i)));
  // PAdES: the signed ESS signingCertificateV2 names the signer's certificate.
  int at = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
  if (at >= 0) {
    ASN1_TYPE* t = X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, at), 0);
    std::tm tm{};
    if (t && (t->type == V_ASN1_UTCTIME || t->type == V_ASN1_GENERALIZEDTIME) &&
        ASN1_TIME_to_tm(reinterpret_cast<const ASN1_TIME*>(t->value.asn1_string), &tm) == 1)
      out.signing_time = static_cast<int64_t>(timegm(&tm));
  }
  if (ASN1_OCTET_STRING* sig = CMS_SignerInfo_get0_signature(si))
    out.signature.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(sig)), static_cast<size_t>(ASN1_STRING_length(sig)));
  int stamp = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1);
  if (stamp >= 0) {
    ASN1_TYPE* t = X509_ATTRIBUTE_get0_type(CMS_unsigned_get_attr(si, stamp), 0);
    if (t && t->type == V_ASN1_SEQUENCE)
      out.timestamp_token.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(t->value.sequence)),
                                 static_cast<size_t>(ASN1_STRING_length(t->value.sequence)));
  }
  out.signing_certificate_v2 = CMS_signed_get_attr_by_NID(si, NID_id_smime_aa_signingCertificateV2, -1) >= 0 &&
                               CMS_SignerInfo_cert_cmp(si, sk_X509_value(signers, 0)) == 0;
  ERR_clear_error();
  return out;
}

Status CheckChain(const StandardSigner& signer, const std::vector<std::string>& roots, int64_t at) {
  if (!signer.certificate.signing)
    return Status::Invalid("the certificate does not allow signing (keyUsage)");
  return x509::CheckChain(signer.certificate.der, signer.certificates, roots, at);
}

RevocationCheck CheckRevocation(const StandardSigner& signer, const std::vector<std::string>& roots,
                                const std::vector<x509::RevocationList>& crls) {
  RevocationCheck out;
  const x509::Certificate& c = signer.certificate;
  const std::string issuer_name = c.issuer.common_name.empty() ? c.issuer.organisation : c.issuer.common_name;
  out.words = "no revocation list of " + issuer_name + " here";
  const std::string* issuer = nullptr;
  for (const std::vector<std::string>* list : {&signer.certificates, &roots})
    for (const std::string& der : *list)
      if (!issuer && der != c.der && x509::CheckIssuedBy(c.der, der).ok()) issuer = &der;
  if (!issuer) return out;
  for (const x509::RevocationList& l : crls) {
    if (l.issuer.common_name != c.issuer.common_name || l.issuer.organisation != c.issuer.organisation) continue;
    auto revoked = x509::RevokedAt(c.der, *issuer, l.der);
    if (!revoked.ok()) continue;  // a list of another authority of the same name
    const std::string of = "list of " + issuer_name + " of " + Timestamp{l.this_update, 420}.Date();
    out.checked = true;
    if (*revoked) {
      out.revoked = true;
      out.revoked_at = **revoked;
      out.words = "revoked on " + Timestamp{**revoked, 420}.Iso() + " (" + of + ")";
      return out;
    }
    out.words = "not revoked (" + of + ")";
  }
  return out;
}

int64_t PdfDateSeconds(std::string_view t) {
  if (t.substr(0, 2) == "D:") t.remove_prefix(2);
  auto num = [&](size_t at, size_t n) -> int {
    int v = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (i >= t.size() || t[i] < '0' || t[i] > '9') return -1;
      v = v * 10 + (t[i] - '0');
    }
    return v;
  };
  int y = num(0, 4), mo = num(4, 2), d = num(6, 2), h = num(8, 2), mi = num(10, 2), s = num(12, 2);
  if (y < 0 || mo < 1 || d < 1 || h < 0 || mi < 0 || s < 0) return 0;
  std::tm tm{};
  tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d, tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = s;
  int64_t utc = static_cast<int64_t>(timegm(&tm));
  if (t.size() > 14 && (t[14] == '+' || t[14] == '-')) {
    int oh = num(15, 2), om = t.size() >= 21 ? num(18, 2) : 0;
    if (oh < 0 || om < 0) return 0;
    int64_t off = (oh * 60 + om) * 60;
    utc += t[14] == '+' ? -off : off;
  }
  return utc;
}

}  // namespace vanban::pdf
