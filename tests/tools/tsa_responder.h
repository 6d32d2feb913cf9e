// A time-stamping authority's answer, made with libcrypto's own TS responder (as
// `openssl ts -reply` makes it): for the unit tests of core/timestamp.h and the
// test authority on 127.0.0.1 (test_tsa.cc).
#pragma once

#include <openssl/bio.h>
#include <openssl/ts.h>

#include <string>

namespace vanban::testing {

// The DER TimeStampResp to `query` from the authority with `cert` (extendedKeyUsage
// timeStamping) and `key`, accepting imprints made with `md` only; "" if libcrypto
// makes none. `serial` numbers the tokens.
inline std::string TsaReply(X509* cert, EVP_PKEY* key, const std::string& query, const EVP_MD* md, long serial) {
  TS_RESP_CTX* ctx = TS_RESP_CTX_new();
  ASN1_OBJECT* policy = OBJ_txt2obj("1.2.3.4.1", 1);
  TS_RESP_CTX_set_signer_cert(ctx, cert);
  TS_RESP_CTX_set_signer_key(ctx, key);
  TS_RESP_CTX_set_def_policy(ctx, policy);
  TS_RESP_CTX_add_md(ctx, md);
  TS_RESP_CTX_set_signer_digest(ctx, EVP_sha256());
  TS_RESP_CTX_set_serial_cb(
      ctx,
      [](TS_RESP_CTX*, void* n) {
        ASN1_INTEGER* s = ASN1_INTEGER_new();
        ASN1_INTEGER_set(s, *static_cast<long*>(n));
        return s;
      },
      &serial);
  BIO* in = BIO_new_mem_buf(query.data(), static_cast<int>(query.size()));
  TS_RESP* resp = TS_RESP_create_response(ctx, in);
  std::string out;
  if (resp) {
    int n = i2d_TS_RESP(resp, nullptr);
    out.resize(static_cast<size_t>(n));
    auto* p = reinterpret_cast<unsigned char*>(out.data());
    i2d_TS_RESP(resp, &p);
  }
  TS_RESP_free(resp);
  BIO_free(in);
  ASN1_OBJECT_free(policy);
  TS_RESP_CTX_free(ctx);
  return out;
}

}  // namespace vanban::testing
