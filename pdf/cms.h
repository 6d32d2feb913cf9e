// vanban/pdf (internal) — the DER we write and read: Ed25519 X.509 certificates and
// CMS SignedData (RFC 5652) with Ed25519 (RFC 8410, RFC 8419), as PDF signatures carry.
//
// No Debian library makes Ed25519 CMS, so this small encoder is ours: one place,
// deterministic (the same key, names, times and content give the same bytes), with
// test vectors in tests/data/cms-vectors.txt. GnuTLS `certtool --p7-verify` accepts
// what SignDetached makes. The reader accepts exactly the shapes the writer makes
// (plus what it must to be robust): anything else is refused with a reason.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>
#include <optional>
#include <string>
#include <string_view>

#include "core/crypto.h"
#include "core/status.h"

namespace vanban::pdf {

// Who a certificate names. Subject and issuer are the same: the certificate is
// self-signed by the person's (or seal's) key. Trust comes from vanban's records
// (the organisation's grant of that key), not from an X.509 chain.
struct CertSubject {
  std::string common_name;   // the person's name, NFC UTF-8 ("Nguyễn Văn An")
  std::string title;         // X.520 title ("Phó Giám đốc"); may be empty
  std::string organisation;  // "Sở Ngoại vụ tỉnh Lạng Sơn"
  std::string country = "VN";
};

// A self-signed X.509 v3 certificate (DER) for an Ed25519 key. Serial = first 16
// bytes of BLAKE2b(public key); validity [not_before, not_after] in UTC seconds.
// Empty names are left out. Programmer errors throw std::invalid_argument: a
// country outside PrintableString, a time outside 1970..9999.
std::string SelfCertificate(const SecretKey& key, const CertSubject& subject, int64_t not_before,
                            int64_t not_after);

// A detached CMS SignedData (DER, ContentInfo) over `content`: digest SHA-512,
// signed attributes contentType, signingTime (UTC, whole seconds) and
// messageDigest, the Ed25519 signature over their DER SET, the certificate included.
// `certificate_der` must be a certificate of `key` as SelfCertificate makes it,
// else std::invalid_argument (a programmer error, like a time outside 1970..9999).
std::string SignDetached(const SecretKey& key, std::string_view certificate_der, std::string_view content,
                         int64_t signing_time);

// A detached CMS SignedData for PAdES baseline B-B (ETSI EN 319 142-1 with CAdES,
// EN 319 122-1): digest SHA-256; signed attributes contentType, messageDigest and
// ESS signingCertificateV2 (RFC 5035) naming `chain[0]` by its SHA-256 hash and
// issuer and serial; no signingTime (PAdES puts the claimed time in the signature
// dictionary's /M); RSASSA-PKCS1-v1_5 by `sign` over the attributes' DER; every
// certificate of `chain` (the signer's first, then its authority) included.
// Deterministic for a deterministic `sign`. A chain[0] that is not a certificate
// throws std::invalid_argument (a programmer error).
//
// PAdES B-T when `stamp` is given and gives a token: an RFC 3161 TimeStampToken over
// the signature value (timestamp.h), as the unsigned attribute
// id-aa-signatureTimeStampToken. `stamp` gives nullopt when no authority answered:
// the signature is then B-B.
using RsaSign = std::function<std::string(std::string_view data)>;
using SignatureStamper = std::function<std::optional<std::string>(std::string_view signature)>;
std::string SignPades(const std::vector<std::string>& chain, std::string_view content, const RsaSign& sign,
                      const SignatureStamper& stamp = nullptr);

struct CmsSigner {
  PublicKey key{};           // the Ed25519 key that signed
  CertSubject subject;       // from the included certificate
  int64_t signing_time = 0;  // from the signed attributes
};

// Parses `cms_der` (trailing zero bytes allowed: PDF /Contents is zero-padded),
// checks that the content digest matches `content` and that the signature over
// the signed attributes verifies with the included certificate's key (which must
// be self-signed by that key, so the names in it are the key holder's).
// Invalid with the reason otherwise ("message digest does not match the signed bytes").
Result<CmsSigner> VerifyDetached(std::string_view cms_der, std::string_view content);

}  // namespace vanban::pdf
