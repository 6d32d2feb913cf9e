// vanban/core (internal) — what every module that calls OpenSSL's libcrypto needs:
// owning pointers that free with libcrypto's own functions, the reason it gives for
// a failure, and the check of calls that fail only when memory runs out.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace vanban::libcrypto {

template <typename T, void (*F)(T*)>
struct Free {
  void operator()(T* p) const { F(p); }
};
// Owned<X509, X509_free> x(d2i_X509(...));
template <typename T, void (*F)(T*)>
using Owned = std::unique_ptr<T, Free<T, F>>;
using X509Ptr = Owned<X509, X509_free>;
using BioPtr = Owned<BIO, BIO_free_all>;
using BnPtr = Owned<BIGNUM, BN_free>;

// The reason libcrypto gives for its last failure, its queue emptied; `fallback`
// when it gives none.
inline std::string ErrorReason(const char* fallback = "unknown error") {
  unsigned long e = ERR_peek_last_error();
  const char* r = e ? ERR_reason_error_string(e) : nullptr;
  std::string why = r ? r : e ? "error " + std::to_string(e) : fallback;
  ERR_clear_error();
  return why;
}

// libcrypto fails here only when out of memory or given what we never give it: a
// programmer's error, so an exception.
inline void Must(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("libcrypto: ") + what + ": " + ErrorReason());
}

}  // namespace vanban::libcrypto
