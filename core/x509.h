// vanban/core — X.509 certificates for the standard signatures inside PDFs
// (docs/certificates.md), with OpenSSL's libcrypto.
//
// Owns: the organisation's certification authority (a self-signed CA certificate),
// the signing certificates it issues to signers and to the seal, RSA-2048 keys
// (RSASSA-PKCS1-v1_5 with SHA-256: deterministic, so the same signed copy comes out
// byte for byte, and what every PDF reader and USB token does), the encrypted file
// that holds such a key on a node, and PEM. The Ed25519 records stay the
// workflow's authority; these certificates only let any PDF reader check the
// signatures inside a signed copy. Thread-safe; values and RAII only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto.h"
#include "core/status.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY, kept out of this header
struct x509_st;      // OpenSSL's X509

namespace vanban::x509 {

// How long certificates last. The internal CA's certificates are long-lived on
// purpose: a PDF reader checks them at today's date, and an archived copy must
// still show a trusted signature decades on; a person's authority ends with the
// records (person.revoke), not with the certificate's date.
inline constexpr int64_t kAuthorityYears = 40;
inline constexpr int64_t kSigningYears = 30;

// An RSA private key in libcrypto's memory; its numbers are cleared when freed.
class PrivateKey {
 public:
  PrivateKey();
  ~PrivateKey();
  PrivateKey(PrivateKey&&) noexcept;
  PrivateKey& operator=(PrivateKey&&) noexcept;

  static PrivateKey Generate();  // RSA-2048, e = 65537
  // Takes `k`, a key held elsewhere (on a token, where libp11 signs with C_Sign:
  // token.h); `keeper` holds what it needs (the token's session) while it lives.
  static PrivateKey Adopt(evp_pkey_st* k, std::shared_ptr<void> keeper);
  bool valid() const { return key_ != nullptr; }
  // SubjectPublicKeyInfo, DER.
  std::string PublicDer() const;
  // RSASSA-PKCS1-v1_5 over SHA-256(data).
  std::string Sign(std::string_view data) const;
  // The length of every signature Sign makes (the modulus's, in bytes).
  size_t SignatureSize() const;

 private:
  friend struct Access;
  explicit PrivateKey(evp_pkey_st* k) : key_(k) {}
  evp_pkey_st* key_ = nullptr;
  std::shared_ptr<void> keeper_;  // outlives key_ (members are destroyed after the body)
};

struct Name {
  std::string common_name;   // a person's name or the organisation's, NFC UTF-8
  std::string title;         // X.520 title; may be empty
  std::string organisation;  // may be empty
  std::string country = "VN";
};

struct Certificate {
  std::string der;
  Name subject, issuer;
  std::string serial;        // lower-case hex, no leading zeros
  int64_t not_before = 0, not_after = 0;  // UTC seconds
  bool authority = false;    // basicConstraints cA
  bool signing = false;      // keyUsage digitalSignature or nonRepudiation (or no keyUsage at all)
  std::string public_key;    // SubjectPublicKeyInfo DER
  std::string fingerprint;   // SHA-256 of der, lower-case hex
};

// The DER of a certificate libcrypto holds (for the modules that read a CMS or a
// token with it).
std::string DerOf(x509_st* x);
// Parses a DER certificate. BadInput with the reason if it is not one.
Result<Certificate> Read(std::string_view der);
// "-----BEGIN CERTIFICATE-----" ... as RFC 7468 writes it; Read of PEM text.
std::string ToPem(std::string_view der);
Result<std::string> FromPem(std::string_view pem);
// Every certificate in a PEM bundle, in order.
Result<std::vector<std::string>> AllFromPem(std::string_view pem);

// A self-signed CA certificate for `key`, valid from `from` for kAuthorityYears.
std::string MakeAuthority(const PrivateKey& key, const Name& name, int64_t from);
// A signing certificate (keyUsage digitalSignature + nonRepudiation, not a CA) for
// the public key `subject_key` (SubjectPublicKeyInfo DER), issued by the CA
// `authority` (its DER; `authority_key` its key), valid from `from` for kSigningYears.
// The serial is derived from the key and the time, so it is unique per issuance.
// Ok if `spki` (SubjectPublicKeyInfo, DER) is a key this organisation certifies for
// signing: RSA of at least 2048 bits. BadInput with the reason otherwise.
Status CheckSigningKey(std::string_view spki);
// SHA-256 of `data`, lower-case hex (a certificate's or a public key's fingerprint).
std::string Sha256Hex(std::string_view data);

Result<std::string> Issue(const PrivateKey& authority_key, std::string_view authority, std::string_view subject_key,
                          const Name& subject, int64_t from);
// Ok if `cert` names `authority` as issuer and its signature verifies with the
// authority's key; Invalid with the reason otherwise.
Status CheckIssuedBy(std::string_view cert, std::string_view authority);
// Ok if `leaf` chains through `others` (intermediate authorities, in any order) to
// one of `roots`, every certificate of the chain valid at `at` (UTC seconds);
// Invalid with the reason in words otherwise. Key usage is the caller's to judge.
Status CheckChain(std::string_view leaf, const std::vector<std::string>& others, const std::vector<std::string>& roots,
                  int64_t at);
// A certificate revocation list (RFC 5280), as an authority publishes it.
struct RevocationList {
  std::string der;
  Name issuer;
  int64_t this_update = 0, next_update = 0;  // UTC seconds; next_update 0 when absent
  size_t revoked = 0;                        // how many certificates it lists
};
// Parses a CRL, DER or PEM ("-----BEGIN X509 CRL-----"). BadInput if it is not one.
Result<RevocationList> ReadRevocationList(std::string_view bytes);
// When `cert` was revoked according to `crl`, or nullopt if the list does not name
// it; Invalid when `crl` is not signed by `issuer` (the certificate's issuer, DER).
Result<std::optional<int64_t>> RevokedAt(std::string_view cert, std::string_view issuer, std::string_view crl);
// Ok if `signature` is an RSASSA-PKCS1-v1_5 SHA-256 signature of `data` by the
// key of `cert`.
bool VerifySignature(std::string_view cert, std::string_view data, std::string_view signature);

// What a key file holds a key for, and who may open it.
enum class KeyHolder { kPerson, kAuthority, kSeal };
const char* HolderName(KeyHolder h);

// The key file (docs/certificates.md): the key's PKCS#8 DER sealed to the Ed25519
// key that opens it (crypto_box_seal to its X25519 form), so that whoever can open
// the holder's Ed25519 key file can open it, and no one else; no second passphrase,
// no second Argon2id. The header is bound inside the sealed bytes. `certificate_der`
// is the certificate the key belongs to; for a key still awaiting its certificate
// (made with a key request), the key's own SubjectPublicKeyInfo.
std::string SealKey(const PrivateKey& key, KeyHolder what, std::string_view owner, const PublicKey& holder,
                    std::string_view certificate_der);
struct KeyFileInfo {
  KeyHolder what;
  std::string owner;
  PublicKey holder{};
  std::string certificate;  // SHA-256 of the certificate DER, hex
};
Result<KeyFileInfo> PeekKey(std::string_view file, std::string_view where);
Result<PrivateKey> OpenKey(std::string_view file, const SecretKey& holder, std::string_view where);

}  // namespace vanban::x509
