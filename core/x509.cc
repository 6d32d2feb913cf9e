// X.509 with libcrypto (x509.h, docs/certificates.md).
#include "core/x509.h"

#include "core/libcrypto.h"
#include "core/text.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sodium.h>

#include <cctype>
#include <ctime>
#include <optional>
#include <stdexcept>

namespace vanban::x509 {

namespace {

using libcrypto::BioPtr;
using libcrypto::BnPtr;
using libcrypto::X509Ptr;
using libcrypto::Must;
using KeyPtr = libcrypto::Owned<EVP_PKEY, EVP_PKEY_free>;
using MdCtxPtr = libcrypto::Owned<EVP_MD_CTX, EVP_MD_CTX_free>;
using P8Ptr = libcrypto::Owned<PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free>;

// The reason libcrypto gives for the first failure in its queue (the queue emptied).
std::string OpenSslError() {
  unsigned long e = ERR_get_error();
  std::string why = e ? ERR_reason_error_string(e) ? ERR_reason_error_string(e) : "error " + std::to_string(e)
                      : "unknown error";
  ERR_clear_error();
  return why;
}

X509Ptr Parse(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (x && p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) x.reset();  // bytes after it
  ERR_clear_error();
  return x;
}

}  // namespace

std::string DerOf(X509* x) {
  int n = i2d_X509(x, nullptr);
  Must(n > 0, "i2d_X509");
  std::string out(static_cast<size_t>(n), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  i2d_X509(x, &p);
  return out;
}

namespace {

// SubjectPublicKeyInfo, DER.
std::string Spki(EVP_PKEY* k) {
  int n = i2d_PUBKEY(k, nullptr);
  Must(n > 0, "i2d_PUBKEY");
  std::string out(static_cast<size_t>(n), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  i2d_PUBKEY(k, &p);
  return out;
}

std::string Entry(X509_NAME* name, int nid) {
  int i = X509_NAME_get_index_by_NID(name, nid, -1);
  if (i < 0) return "";
  unsigned char* utf8 = nullptr;
  int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
  if (n < 0) return "";
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
  OPENSSL_free(utf8);
  return out;
}

Name ReadName(X509_NAME* n) {
  return Name{Entry(n, NID_commonName), Entry(n, NID_title), Entry(n, NID_organizationName), Entry(n, NID_countryName)};
}

void SetName(X509_NAME* n, const Name& name) {
  auto add = [&](int nid, int type, const std::string& v) {
    if (v.empty()) return;
    Must(X509_NAME_add_entry_by_NID(n, nid, type, reinterpret_cast<const unsigned char*>(v.data()),
                                    static_cast<int>(v.size()), -1, 0) == 1,
         "a certificate name");
  };
  add(NID_countryName, MBSTRING_ASC, name.country);
  add(NID_organizationName, MBSTRING_UTF8, name.organisation);
  add(NID_title, MBSTRING_UTF8, name.title);
  add(NID_commonName, MBSTRING_UTF8, name.common_name);
}

int64_t Seconds(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<int64_t>(timegm(&tm));
}

// `from` plus whole calendar years (a certificate's notAfter).
int64_t PlusYears(int64_t from, int64_t years) {
  std::time_t t = static_cast<std::time_t>(from);
  std::tm tm{};
  gmtime_r(&t, &tm);
  tm.tm_year += static_cast<int>(years);
  return static_cast<int64_t>(timegm(&tm));
}

// 16 bytes naming this issuance: BLAKE2b of the subject's key and the time, high
// bit clear (a positive INTEGER), never zero.
BnPtr Serial(std::string_view subject_key, int64_t from) {
  std::string in(subject_key);
  in += std::to_string(from);
  Hash h = crypto::Blake2b(in);
  h[0] = static_cast<uint8_t>((h[0] & 0x7f) | 0x40);
  BnPtr bn(BN_bin2bn(h.data(), 16, nullptr));
  Must(bn != nullptr, "BN_bin2bn");
  return bn;
}

void AddExtension(X509* x, X509V3_CTX* ctx, int nid, const char* value) {
  X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, ctx, nid, value);
  Must(e != nullptr, value);
  Must(X509_add_ext(x, e, -1) == 1, "X509_add_ext");
  X509_EXTENSION_free(e);
}

// The fields every certificate we make has; the caller adds extensions and signs.
X509Ptr Skeleton(const Name& subject, X509_NAME* issuer, EVP_PKEY* subject_key, int64_t from, int64_t years) {
  X509Ptr x(X509_new());
  Must(x != nullptr, "X509_new");
  Must(X509_set_version(x.get(), 2) == 1, "X509_set_version");
  BnPtr serial = Serial(Spki(subject_key), from);
  Must(BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(x.get())) != nullptr, "serial");
  SetName(X509_get_subject_name(x.get()), subject);
  Must(X509_set_issuer_name(x.get(), issuer ? issuer : X509_get_subject_name(x.get())) == 1, "issuer");
  Must(ASN1_TIME_set(X509_getm_notBefore(x.get()), static_cast<time_t>(from)) != nullptr, "notBefore");
  Must(ASN1_TIME_set(X509_getm_notAfter(x.get()), static_cast<time_t>(PlusYears(from, years))) != nullptr, "notAfter");
  Must(X509_set_pubkey(x.get(), subject_key) == 1, "X509_set_pubkey");
  return x;
}

constexpr std::string_view kKeyMagic = "vanban-x509-key 1";

}  // namespace

struct Access {
  static EVP_PKEY* Of(const PrivateKey& k) {
    if (!k.key_) throw std::logic_error("an empty x509::PrivateKey used");
    return k.key_;
  }
  static PrivateKey Own(EVP_PKEY* k) { return PrivateKey(k); }
};

// --- keys ---------------------------------------------------------------------------

PrivateKey::PrivateKey() = default;
PrivateKey::~PrivateKey() { EVP_PKEY_free(key_); }  // RSA_free clears the private numbers
PrivateKey::PrivateKey(PrivateKey&& o) noexcept : key_(o.key_), keeper_(std::move(o.keeper_)) { o.key_ = nullptr; }
PrivateKey& PrivateKey::operator=(PrivateKey&& o) noexcept {
  if (this != &o) {
    EVP_PKEY_free(key_);
    key_ = o.key_;
    o.key_ = nullptr;
    keeper_ = std::move(o.keeper_);
  }
  return *this;
}

PrivateKey PrivateKey::Adopt(EVP_PKEY* k, std::shared_ptr<void> keeper) {
  if (!k) throw std::logic_error("PrivateKey::Adopt of no key");
  PrivateKey out(k);
  out.keeper_ = std::move(keeper);
  return out;
}

PrivateKey PrivateKey::Generate() {
  EVP_PKEY* k = EVP_RSA_gen(2048);
  Must(k != nullptr, "RSA key generation");
  return PrivateKey(k);
}

std::string PrivateKey::PublicDer() const {
  if (!key_) throw std::logic_error("PrivateKey::PublicDer on an empty key");
  return Spki(key_);
}

std::string PrivateKey::Sign(std::string_view data) const {
  if (!key_) throw std::logic_error("PrivateKey::Sign on an empty key");
  MdCtxPtr ctx(EVP_MD_CTX_new());
  Must(ctx && EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_) == 1, "EVP_DigestSignInit");
  size_t n = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(data.data());
  Must(EVP_DigestSign(ctx.get(), nullptr, &n, in, data.size()) == 1, "EVP_DigestSign");
  std::string sig(n, '\0');
  Must(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &n, in, data.size()) == 1,
       "EVP_DigestSign");
  sig.resize(n);
  return sig;
}

size_t PrivateKey::SignatureSize() const {
  if (!key_) throw std::logic_error("PrivateKey::SignatureSize on an empty key");
  return static_cast<size_t>(EVP_PKEY_get_size(key_));
}

// --- certificates -------------------------------------------------------------------

Result<Certificate> Read(std::string_view der) {
  X509Ptr x = Parse(der);
  if (!x) return Status::BadInput("not an X.509 certificate (DER)");
  Certificate c;
  c.der = std::string(der);
  c.subject = ReadName(X509_get_subject_name(x.get()));
  c.issuer = ReadName(X509_get_issuer_name(x.get()));
  BnPtr serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(x.get()), nullptr));
  if (!serial) return Status::BadInput("certificate: bad serial number");
  char* hex = BN_bn2hex(serial.get());
  c.serial = hex;
  OPENSSL_free(hex);
  for (char& ch : c.serial) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  c.not_before = Seconds(X509_get0_notBefore(x.get()));
  c.not_after = Seconds(X509_get0_notAfter(x.get()));
  const uint32_t flags = X509_get_extension_flags(x.get());
  c.authority = (flags & EXFLAG_CA) != 0;
  const uint32_t usage = X509_get_key_usage(x.get());
  // No keyUsage extension at all allows every use (RFC 5280 4.2.1.3).
  c.signing = !(flags & EXFLAG_KUSAGE) || (usage & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION));
  EVP_PKEY* pub = X509_get0_pubkey(x.get());
  ERR_clear_error();
  if (!pub) return Status::BadInput("certificate: unreadable public key");
  c.public_key = Spki(pub);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  Must(X509_digest(x.get(), EVP_sha256(), md, &md_len) == 1, "X509_digest");
  c.fingerprint = ToHex(md, md_len);
  return c;
}

std::string ToPem(std::string_view der) {
  X509Ptr x = Parse(der);
  if (!x) throw std::invalid_argument("ToPem: not a certificate");
  BioPtr bio(BIO_new(BIO_s_mem()));
  Must(bio && PEM_write_bio_X509(bio.get(), x.get()) == 1, "PEM_write_bio_X509");
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

Result<std::vector<std::string>> AllFromPem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Must(bio != nullptr, "BIO_new_mem_buf");
  std::vector<std::string> out;
  for (;;) {
    X509Ptr x(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!x) break;
    out.push_back(DerOf(x.get()));
  }
  // The loop ends at the end of the text (no start line) or at a broken certificate.
  unsigned long e = ERR_peek_last_error();
  bool at_end = ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
  std::string why = e && !at_end ? OpenSslError() : "";
  ERR_clear_error();
  if (!why.empty()) return Status::BadInput("not a PEM certificate: " + why);
  if (out.empty()) return Status::BadInput("no PEM certificate ('-----BEGIN CERTIFICATE-----') in it");
  return out;
}

Result<std::string> FromPem(std::string_view pem) {
  VB_ASSIGN_OR_RETURN(std::vector<std::string> all, AllFromPem(pem));
  if (all.size() != 1) return Status::BadInput("expected one certificate, found " + std::to_string(all.size()));
  return std::move(all.front());
}

std::string MakeAuthority(const PrivateKey& key, const Name& name, int64_t from) {
  EVP_PKEY* k = Access::Of(key);
  X509Ptr x = Skeleton(name, nullptr, k, from, kAuthorityYears);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
  AddExtension(x.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  AddExtension(x.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
  AddExtension(x.get(), &ctx, NID_subject_key_identifier, "hash");
  Must(X509_sign(x.get(), k, EVP_sha256()) > 0, "X509_sign");
  return DerOf(x.get());
}

namespace {
KeyPtr ParsePublicKey(std::string_view spki) {
  const auto* p = reinterpret_cast<const unsigned char*>(spki.data());
  KeyPtr pub(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())));
  ERR_clear_error();
  if (pub && p != reinterpret_cast<const unsigned char*>(spki.data()) + spki.size()) pub.reset();  // bytes after it
  return pub;
}
}  // namespace

Status CheckSigningKey(std::string_view spki) {
  KeyPtr pub = ParsePublicKey(spki);
  if (!pub || EVP_PKEY_get_base_id(pub.get()) != EVP_PKEY_RSA || EVP_PKEY_get_bits(pub.get()) < 2048)
    return Status::BadInput("a signing key must be RSA of at least 2048 bits");
  return Status::Ok();
}

std::string Sha256Hex(std::string_view data) {
  unsigned char md[32];
  unsigned int md_len = 0;
  Must(EVP_Digest(data.data(), data.size(), md, &md_len, EVP_sha256(), nullptr) == 1, "SHA-256");
  return ToHex(md, md_len);
}

Result<std::string> Issue(const PrivateKey& authority_key, std::string_view authority, std::string_view subject_key,
                          const Name& subject, int64_t from) {
  X509Ptr ca = Parse(authority);
  if (!ca) return Status::BadInput("the authority's certificate is not a certificate");
  VB_RETURN_IF_ERROR(CheckSigningKey(subject_key));
  KeyPtr pub = ParsePublicKey(subject_key);
  X509Ptr x = Skeleton(subject, X509_get_subject_name(ca.get()), pub.get(), from, kSigningYears);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, ca.get(), x.get(), nullptr, nullptr, 0);
  AddExtension(x.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE");
  AddExtension(x.get(), &ctx, NID_key_usage, "critical,digitalSignature,nonRepudiation");
  AddExtension(x.get(), &ctx, NID_subject_key_identifier, "hash");
  AddExtension(x.get(), &ctx, NID_authority_key_identifier, "keyid:always");
  Must(X509_sign(x.get(), Access::Of(authority_key), EVP_sha256()) > 0, "X509_sign");
  return DerOf(x.get());
}

Status CheckIssuedBy(std::string_view cert, std::string_view authority) {
  X509Ptr x = Parse(cert), ca = Parse(authority);
  if (!x || !ca) return Status::Invalid("not a certificate");
  int why = X509_check_issued(ca.get(), x.get());
  ERR_clear_error();
  if (why != X509_V_OK) return Status::Invalid(std::string("not issued by this authority: ") + X509_verify_cert_error_string(why));
  int ok = X509_verify(x.get(), X509_get0_pubkey(ca.get()));
  ERR_clear_error();
  if (ok != 1) return Status::Invalid("the authority's signature on the certificate does not verify");
  return Status::Ok();
}

Status CheckChain(std::string_view leaf, const std::vector<std::string>& others, const std::vector<std::string>& roots,
                  int64_t at) {
  using StorePtr = libcrypto::Owned<X509_STORE, X509_STORE_free>;
  using StoreCtxPtr = libcrypto::Owned<X509_STORE_CTX, X509_STORE_CTX_free>;
  StorePtr store(X509_STORE_new());
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  std::unique_ptr<STACK_OF(X509), void (*)(STACK_OF(X509)*)> untrusted(
      sk_X509_new_null(), [](STACK_OF(X509)* s) { sk_X509_pop_free(s, X509_free); });
  Must(store && ctx && untrusted, "X509_STORE_new");
  X509Ptr x = Parse(leaf);
  if (!x) return Status::Invalid("the signer's certificate cannot be read");
  for (const std::string& r : roots)
    if (X509Ptr c = Parse(r)) X509_STORE_add_cert(store.get(), c.get());  // the store keeps its own reference
  for (const std::string& o : others)
    if (X509Ptr c = Parse(o)) sk_X509_push(untrusted.get(), c.release());
  ERR_clear_error();
  Must(X509_STORE_CTX_init(ctx.get(), store.get(), x.get(), untrusted.get()) == 1, "X509_STORE_CTX_init");
  // Every certificate is judged at the given time (a signature's), not today.
  X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx.get()), static_cast<time_t>(at));
  int ok = X509_verify_cert(ctx.get());
  int err = X509_STORE_CTX_get_error(ctx.get());
  ERR_clear_error();
  if (ok == 1) return Status::Ok();
  std::string why = X509_verify_cert_error_string(err);
  if (err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY || err == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
      err == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT || err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT)
    return Status::Invalid("the chain does not reach a root trusted here (" + why + ")");
  if (err == X509_V_ERR_CERT_HAS_EXPIRED || err == X509_V_ERR_CERT_NOT_YET_VALID)
    return Status::Invalid("a certificate of the chain is not valid at the signing time (" + why + ")");
  return Status::Invalid("the certificate chain does not verify (" + why + ")");
}

Result<RevocationList> ReadRevocationList(std::string_view bytes) {
  using CrlPtr = libcrypto::Owned<X509_CRL, X509_CRL_free>;
  CrlPtr crl;
  if (bytes.find("-----BEGIN X509 CRL-----") != std::string_view::npos) {
    BioPtr in(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
    Must(in != nullptr, "BIO_new_mem_buf");
    crl.reset(PEM_read_bio_X509_CRL(in.get(), nullptr, nullptr, nullptr));
  } else {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    crl.reset(d2i_X509_CRL(nullptr, &p, static_cast<long>(bytes.size())));
  }
  ERR_clear_error();
  if (!crl) return Status::BadInput("not a certificate revocation list (CRL, DER or PEM)");
  RevocationList out;
  int n = i2d_X509_CRL(crl.get(), nullptr);
  Must(n > 0, "i2d_X509_CRL");
  out.der.resize(static_cast<size_t>(n));
  auto* w = reinterpret_cast<unsigned char*>(out.der.data());
  i2d_X509_CRL(crl.get(), &w);
  out.issuer = ReadName(X509_CRL_get_issuer(crl.get()));
  out.this_update = Seconds(X509_CRL_get0_lastUpdate(crl.get()));
  if (const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl.get())) out.next_update = Seconds(next);
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
  out.revoked = revoked ? static_cast<size_t>(sk_X509_REVOKED_num(revoked)) : 0;
  return out;
}

Result<std::optional<int64_t>> RevokedAt(std::string_view cert, std::string_view issuer, std::string_view crl) {
  using CrlPtr = libcrypto::Owned<X509_CRL, X509_CRL_free>;
  X509Ptr x = Parse(cert), ca = Parse(issuer);
  const auto* p = reinterpret_cast<const unsigned char*>(crl.data());
  CrlPtr list(d2i_X509_CRL(nullptr, &p, static_cast<long>(crl.size())));
  ERR_clear_error();
  if (!x || !ca || !list) return Status::Invalid("a certificate or the revocation list cannot be read");
  if (X509_NAME_cmp(X509_CRL_get_issuer(list.get()), X509_get_subject_name(ca.get())) != 0 ||
      X509_CRL_verify(list.get(), X509_get0_pubkey(ca.get())) != 1) {
    ERR_clear_error();
    return Status::Invalid("the revocation list is not signed by the certificate's issuer");
  }
  X509_REVOKED* entry = nullptr;
  int found = X509_CRL_get0_by_cert(list.get(), &entry, x.get());
  ERR_clear_error();
  if (found != 1 || !entry) return std::optional<int64_t>();
  return std::optional<int64_t>(Seconds(X509_REVOKED_get0_revocationDate(entry)));
}

bool VerifySignature(std::string_view cert, std::string_view data, std::string_view signature) {
  X509Ptr x = Parse(cert);
  if (!x) return false;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  Must(ctx != nullptr, "EVP_MD_CTX_new");
  bool ok = EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, X509_get0_pubkey(x.get())) == 1 &&
            EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                             reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  ERR_clear_error();
  return ok;
}

// --- key files ----------------------------------------------------------------------

const char* HolderName(KeyHolder h) {
  switch (h) {
    case KeyHolder::kPerson: return "person";
    case KeyHolder::kAuthority: return "org-ca";
    case KeyHolder::kSeal: return "org-seal";
  }
  return "?";
}

namespace {

struct ParsedKey {
  KeyFileInfo info;
  std::string header;  // every line before "sealed", bound inside the sealed bytes
  std::string sealed;
};

Result<ParsedKey> ParseKey(std::string_view file, std::string_view where) {
  auto bad = [&](const std::string& why) {
    return Status::BadInput(std::string(where) + ": not a vanban certificate key file: " + why);
  };
  auto split = text::TerminatedLines(file);
  if (!split) return bad("last line is not terminated");
  const std::vector<std::string_view>& lines = *split;
  if (lines.size() != 6) return bad("expected 6 lines, found " + std::to_string(lines.size()));
  if (lines[0] != kKeyMagic) return bad("first line must be '" + std::string(kKeyMagic) + "'");
  auto card = [&](size_t i, std::string_view key) { return text::CardValue(lines[i], key); };
  ParsedKey k;
  auto holds = card(1, "holds");
  bool known = false;
  for (KeyHolder h : {KeyHolder::kPerson, KeyHolder::kAuthority, KeyHolder::kSeal})
    if (holds && *holds == HolderName(h)) k.info.what = h, known = true;
  if (!known) return bad("line 2: must be 'holds person', 'holds org-ca' or 'holds org-seal'");
  auto owner = card(2, "owner");
  if (!owner) return bad("line 3: bad owner");
  k.info.owner = std::string(*owner);
  auto holder = card(3, "holder");
  if (!holder || !FromHex(*holder, &k.info.holder)) return bad("line 4: bad holder key");
  auto cert = card(4, "certificate");
  Hash h{};
  if (!cert || !FromHex(*cert, &h)) return bad("line 5: bad certificate fingerprint");
  k.info.certificate = std::string(*cert);
  auto sealed = card(5, "sealed");
  std::vector<uint8_t> bytes;
  if (!sealed || sealed->size() % 2 != 0 || sealed->size() < 2 * (crypto_box_SEALBYTES + 32))
    return bad("line 6: bad sealed key");
  k.sealed.resize(sealed->size() / 2);
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(k.sealed.data()), k.sealed.size(), sealed->data(),
                     sealed->size(), nullptr, nullptr, nullptr) != 0)
    return bad("line 6: bad sealed key");
  size_t header_len = 0;
  for (int i = 0; i < 5; ++i) header_len += lines[i].size() + 1;
  k.header = std::string(file.substr(0, header_len));
  return k;
}

}  // namespace

std::string SealKey(const PrivateKey& key, KeyHolder what, std::string_view owner, const PublicKey& holder,
                    std::string_view certificate_der) {
  EVP_PKEY* k = Access::Of(key);
  P8Ptr p8(EVP_PKEY2PKCS8(k));
  Must(p8 != nullptr, "EVP_PKEY2PKCS8");
  unsigned char* der = nullptr;
  int n = i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &der);
  Must(n > 0, "i2d_PKCS8_PRIV_KEY_INFO");
  const std::string header = std::string(kKeyMagic) + "\nholds " + HolderName(what) + "\nowner " + std::string(owner) +
                             "\nholder " + ToHex(holder) + "\ncertificate " + Sha256Hex(certificate_der) + "\n";
  // The plaintext: BLAKE2b(header) then the key, so no header line can be changed.
  Hash bound = crypto::Blake2b(header);
  std::string plain(reinterpret_cast<const char*>(bound.data()), bound.size());
  plain.append(reinterpret_cast<const char*>(der), static_cast<size_t>(n));
  OPENSSL_clear_free(der, static_cast<size_t>(n));
  std::string sealed = crypto::SealTo(holder, plain);
  sodium_memzero(plain.data(), plain.size());
  return header + "sealed " + ToHex(reinterpret_cast<const uint8_t*>(sealed.data()), sealed.size()) + "\n";
}

Result<KeyFileInfo> PeekKey(std::string_view file, std::string_view where) {
  VB_ASSIGN_OR_RETURN(ParsedKey k, ParseKey(file, where));
  return k.info;
}

Result<PrivateKey> OpenKey(std::string_view file, const SecretKey& holder, std::string_view where) {
  VB_ASSIGN_OR_RETURN(ParsedKey k, ParseKey(file, where));
  if (k.info.holder != holder.public_key())
    return Status::BadInput(std::string(where) + ": the key is sealed to another key than this person's");
  Hash bound = crypto::Blake2b(k.header);
  EVP_PKEY* out = nullptr;
  bool header_ok = false;
  bool opened = holder.Unseal(k.sealed, [&](std::string_view plain) {
    if (plain.size() <= bound.size() || plain.substr(0, bound.size()) != std::string_view(
                                                                        reinterpret_cast<const char*>(bound.data()), bound.size()))
      return;
    header_ok = true;
    const auto* p = reinterpret_cast<const unsigned char*>(plain.data() + bound.size());
    out = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(plain.size() - bound.size()));
    ERR_clear_error();
  });
  if (!opened) return Status::BadInput(std::string(where) + ": the key does not open with its holder's key (altered?)");
  if (!header_ok) return Status::BadInput(std::string(where) + ": the key file's header was altered");
  if (!out) return Status::BadInput(std::string(where) + ": the sealed key is not a private key");
  return Access::Own(out);
}

}  // namespace vanban::x509
