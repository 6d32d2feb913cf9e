// RFC 3161 time-stamps with libcrypto's TS (timestamp.h).
#include "core/timestamp.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <sodium.h>

#include <ctime>
#include <memory>
#include <new>

#include "core/libcrypto.h"
#include "core/x509.h"

namespace vanban::timestamp {

namespace {

using libcrypto::BioPtr;
using libcrypto::BnPtr;
using libcrypto::X509Ptr;
using libcrypto::Must;
using ReqPtr = libcrypto::Owned<TS_REQ, TS_REQ_free>;
using RespPtr = libcrypto::Owned<TS_RESP, TS_RESP_free>;
using InfoPtr = libcrypto::Owned<TS_TST_INFO, TS_TST_INFO_free>;
using P7Ptr = libcrypto::Owned<PKCS7, PKCS7_free>;
using VerifyPtr = libcrypto::Owned<TS_VERIFY_CTX, TS_VERIFY_CTX_free>;


std::string Sha256(std::string_view data) {
  unsigned char md[32];
  unsigned int n = 0;
  Must(EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr) == 1, "SHA-256");
  return std::string(reinterpret_cast<const char*>(md), n);
}

template <typename T, int (*I2d)(const T*, unsigned char**)>
std::string ToDer(const T* x) {
  int n = I2d(x, nullptr);
  Must(n > 0, "DER encoding");
  std::string out(static_cast<size_t>(n), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  I2d(x, &p);
  return out;
}

std::string Hex(const BIGNUM* b) {
  char* h = BN_bn2hex(b);
  Must(h != nullptr, "BN_bn2hex");
  std::string out(h);
  OPENSSL_free(h);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Reason(const char* fallback) { return libcrypto::ErrorReason(fallback); }

}  // namespace

Request MakeRequest(std::string_view data) {
  Request out;
  out.imprint = Sha256(data);
  out.nonce.resize(8);
  randombytes_buf(out.nonce.data(), out.nonce.size());
  out.nonce[0] = static_cast<char>(out.nonce[0] & 0x7f);  // a positive INTEGER, as every TSA reads it

  ReqPtr req(TS_REQ_new());
  libcrypto::Owned<TS_MSG_IMPRINT, TS_MSG_IMPRINT_free> imprint(TS_MSG_IMPRINT_new());
  libcrypto::Owned<X509_ALGOR, X509_ALGOR_free> alg(X509_ALGOR_new());
  if (!req || !imprint || !alg) throw std::bad_alloc();
  Must(X509_ALGOR_set0(alg.get(), OBJ_nid2obj(NID_sha256), V_ASN1_NULL, nullptr) == 1, "X509_ALGOR_set0");
  Must(TS_MSG_IMPRINT_set_algo(imprint.get(), alg.get()) == 1, "TS_MSG_IMPRINT_set_algo");
  Must(TS_MSG_IMPRINT_set_msg(imprint.get(), reinterpret_cast<unsigned char*>(out.imprint.data()),
                              static_cast<int>(out.imprint.size())) == 1,
       "TS_MSG_IMPRINT_set_msg");
  Must(TS_REQ_set_version(req.get(), 1) == 1, "TS_REQ_set_version");
  Must(TS_REQ_set_msg_imprint(req.get(), imprint.get()) == 1, "TS_REQ_set_msg_imprint");
  BnPtr n(BN_bin2bn(reinterpret_cast<const unsigned char*>(out.nonce.data()), 8, nullptr));
  Must(n != nullptr, "BN_bin2bn");
  libcrypto::Owned<ASN1_INTEGER, ASN1_INTEGER_free> nonce(BN_to_ASN1_INTEGER(n.get(), nullptr));
  Must(nonce && TS_REQ_set_nonce(req.get(), nonce.get()) == 1, "TS_REQ_set_nonce");
  Must(TS_REQ_set_cert_req(req.get(), 1) == 1, "TS_REQ_set_cert_req");
  out.der = ToDer<TS_REQ, i2d_TS_REQ>(req.get());
  return out;
}

Result<std::string> TokenFrom(std::string_view response, const Request& request) {
  const auto* p = reinterpret_cast<const unsigned char*>(response.data());
  RespPtr resp(d2i_TS_RESP(nullptr, &p, static_cast<long>(response.size())));
  if (!resp) {
    ERR_clear_error();
    return Status::Invalid("the time-stamping authority's answer is not a time-stamp response");
  }
  TS_STATUS_INFO* info = TS_RESP_get_status_info(resp.get());
  long status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(info));
  if (status != 0 && status != 1) {  // granted, grantedWithMods
    std::string text;
    if (const STACK_OF(ASN1_UTF8STRING)* t = TS_STATUS_INFO_get0_text(info))
      for (int i = 0; i < sk_ASN1_UTF8STRING_num(t); ++i) {
        const ASN1_UTF8STRING* s = sk_ASN1_UTF8STRING_value(t, i);
        text += (text.empty() ? "" : "; ") + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                                         static_cast<size_t>(ASN1_STRING_length(s)));
      }
    return Status::Invalid("the time-stamping authority refused (status " + std::to_string(status) + ")" +
                           (text.empty() ? "" : ": " + text));
  }
  const auto* q = reinterpret_cast<const unsigned char*>(request.der.data());
  ReqPtr req(d2i_TS_REQ(nullptr, &q, static_cast<long>(request.der.size())));
  Must(req != nullptr, "d2i_TS_REQ");
  // Version, imprint and nonce against the request; the signature is ReadTimeStamp's.
  VerifyPtr ctx(TS_REQ_to_TS_VERIFY_CTX(req.get(), nullptr));
  Must(ctx != nullptr, "TS_REQ_to_TS_VERIFY_CTX");
  TS_VERIFY_CTX_set_flags(ctx.get(), TS_VFY_VERSION | TS_VFY_IMPRINT | TS_VFY_NONCE);
  if (TS_RESP_verify_response(ctx.get(), resp.get()) != 1)
    return Status::Invalid("the time-stamp does not answer this request (" + Reason("imprint or nonce") + ")");
  PKCS7* token = TS_RESP_get_token(resp.get());
  if (!token) return Status::Invalid("the time-stamping authority granted no token");
  return ToDer<PKCS7, i2d_PKCS7>(token);
}

Result<Stamp> Read(std::string_view token, std::string_view data) {
  const auto* p = reinterpret_cast<const unsigned char*>(token.data());
  P7Ptr p7(d2i_PKCS7(nullptr, &p, static_cast<long>(token.size())));
  if (!p7) {
    ERR_clear_error();
    return Status::Invalid("not a time-stamp token");
  }
  InfoPtr info(PKCS7_to_TS_TST_INFO(p7.get()));
  if (!info) {
    ERR_clear_error();
    return Status::Invalid("the time-stamp token carries no TSTInfo");
  }
  const TS_MSG_IMPRINT* mi = TS_TST_INFO_get_msg_imprint(info.get());
  const ASN1_OCTET_STRING* msg = TS_MSG_IMPRINT_get_msg(const_cast<TS_MSG_IMPRINT*>(mi));
  const X509_ALGOR* alg = TS_MSG_IMPRINT_get_algo(const_cast<TS_MSG_IMPRINT*>(mi));
  const std::string want = Sha256(data);
  if (OBJ_obj2nid(alg->algorithm) != NID_sha256 || ASN1_STRING_length(msg) != static_cast<int>(want.size()) ||
      std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(msg)), want.size()) != want)
    return Status::Invalid("the time-stamp is of other data (message imprint)");
  // The authority's signature, with the certificate the token carries; whom to trust
  // for it is the verifier's choice, as for any signature.
  if (PKCS7_verify(p7.get(), nullptr, nullptr, nullptr, nullptr, PKCS7_NOVERIFY) != 1)
    return Status::Invalid("the time-stamp's signature does not verify (" + Reason("signature") + ")");
  Stamp out;
  std::tm tm{};
  Must(ASN1_TIME_to_tm(TS_TST_INFO_get_time(info.get()), &tm) == 1, "genTime");
  out.time = static_cast<int64_t>(timegm(&tm));
  BnPtr serial(ASN1_INTEGER_to_BN(TS_TST_INFO_get_serial(info.get()), nullptr));
  Must(serial != nullptr, "serial");
  out.serial = Hex(serial.get());
  std::unique_ptr<STACK_OF(X509), void (*)(STACK_OF(X509)*)> signers(
      PKCS7_get0_signers(p7.get(), nullptr, 0), [](STACK_OF(X509)* s) { sk_X509_free(s); });
  ERR_clear_error();
  if (signers && sk_X509_num(signers.get()) > 0) {
    out.certificate = x509::DerOf(sk_X509_value(signers.get(), 0));
    auto cert = x509::Read(out.certificate);
    if (cert.ok()) out.authority = cert->subject.common_name.empty() ? cert->subject.organisation : cert->subject.common_name;
  }
  if (const STACK_OF(X509)* all = p7->d.sign ? p7->d.sign->cert : nullptr)
    for (int i = 0; i < sk_X509_num(all); ++i) out.certificates.push_back(x509::DerOf(sk_X509_value(all, i)));
  return out;
}

}  // namespace vanban::timestamp
