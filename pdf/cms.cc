// The DER that SelfCertificate and SignDetached write, and VerifyDetached reads
// (RFC 5280, RFC 5652, RFC 8410, RFC 8419). Names in the ASN.1 are the RFCs'.
//
//   ContentInfo ::= SEQUENCE {
//     contentType  OID 1.2.840.113549.1.7.2 (signedData),
//     content      [0] EXPLICIT SignedData }
//   SignedData ::= SEQUENCE {
//     version            INTEGER 1,
//     digestAlgorithms   SET { AlgorithmIdentifier sha512 },
//     encapContentInfo   SEQUENCE { eContentType OID id-data }   -- no eContent: detached
//     certificates       [0] IMPLICIT SET { Certificate },
//     signerInfos        SET { SignerInfo } }
//   SignerInfo ::= SEQUENCE {
//     version             INTEGER 1,
//     sid                 SEQUENCE { issuer Name, serialNumber INTEGER },   -- IssuerAndSerialNumber
//     digestAlgorithm     AlgorithmIdentifier sha512,
//     signedAttrs         [0] IMPLICIT SET OF Attribute {               -- DER order, as encoded
//                           contentType   SET { OID id-data },
//                           signingTime   SET { Time },
//                           messageDigest SET { OCTET STRING SHA-512(content) } },
//     signatureAlgorithm  AlgorithmIdentifier Ed25519,
//     signature           OCTET STRING (64) }  -- Ed25519 over signedAttrs re-tagged SET (0x31)
//   Attribute ::= SEQUENCE { attrType OID, attrValues SET OF value }
//
//   Certificate ::= SEQUENCE { tbsCertificate, AlgorithmIdentifier Ed25519, signature BIT STRING }
//   TBSCertificate ::= SEQUENCE {
//     version        [0] EXPLICIT INTEGER 2 (v3),
//     serialNumber   INTEGER: the first 16 bytes of BLAKE2b-256(public key), as a positive INTEGER
//     signature      AlgorithmIdentifier Ed25519,
//     issuer         Name (= subject),
//     validity       SEQUENCE { notBefore Time, notAfter Time },
//     subject        Name: RDNs C (PrintableString), O, title, CN (UTF8String); empty ones left out
//     subjectPublicKeyInfo SEQUENCE { AlgorithmIdentifier Ed25519, BIT STRING (32) },
//     extensions     [3] EXPLICIT SEQUENCE {
//                      basicConstraints critical SEQUENCE {}  -- cA FALSE
//                      keyUsage         critical BIT STRING digitalSignature, nonRepudiation
//                      subjectKeyIdentifier OCTET STRING (the same 16 bytes) } }
//   AlgorithmIdentifier ::= SEQUENCE { OID }   -- parameters absent (RFC 8410, RFC 5754)
//   Time ::= UTCTime through 2049, GeneralizedTime from 2050 (whole seconds, Z)
#include "pdf/cms.h"

#include <sodium.h>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <vector>

#include "pdf/der.h"

namespace vanban::pdf {
namespace {

constexpr std::string_view kOidData = "1.2.840.113549.1.7.1";
constexpr std::string_view kOidSignedData = "1.2.840.113549.1.7.2";
constexpr std::string_view kOidContentType = "1.2.840.113549.1.9.3";
constexpr std::string_view kOidMessageDigest = "1.2.840.113549.1.9.4";
constexpr std::string_view kOidSigningTime = "1.2.840.113549.1.9.5";
constexpr std::string_view kOidSha512 = "2.16.840.1.101.3.4.2.3";
constexpr std::string_view kOidSha256 = "2.16.840.1.101.3.4.2.1";
constexpr std::string_view kOidRsaEncryption = "1.2.840.113549.1.1.1";
constexpr std::string_view kOidSigningCertificateV2 = "1.2.840.113549.1.9.16.2.47";
constexpr std::string_view kOidSignatureTimeStampToken = "1.2.840.113549.1.9.16.2.14";
constexpr std::string_view kOidEd25519 = "1.3.101.112";
constexpr std::string_view kOidCommonName = "2.5.4.3";
constexpr std::string_view kOidCountry = "2.5.4.6";
constexpr std::string_view kOidOrganisation = "2.5.4.10";
constexpr std::string_view kOidTitle = "2.5.4.12";
constexpr std::string_view kOidSubjectKeyId = "2.5.29.14";
constexpr std::string_view kOidKeyUsage = "2.5.29.15";
constexpr std::string_view kOidBasicConstraints = "2.5.29.19";

std::string_view View(const uint8_t* p, size_t n) { return {reinterpret_cast<const char*>(p), n}; }

std::string AlgorithmId(std::string_view oid) { return der::Sequence({der::Oid(oid)}); }

std::string Sha512(std::string_view data) {
  uint8_t h[crypto_hash_sha512_BYTES];
  crypto_hash_sha512(h, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return std::string(View(h, sizeof h));
}

std::string Sha256(std::string_view data) {
  uint8_t h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return std::string(View(h, sizeof h));
}

// 16 bytes that name the key: the certificate serial and subject key identifier.
// The first 8 are crypto::Fingerprint's.
std::string KeyId(const PublicKey& pk) {
  Hash h = crypto::Blake2b(View(pk.data(), pk.size()));
  return std::string(View(h.data(), 16));
}

std::string Name(const CertSubject& s) {
  auto rdn = [](std::string_view oid, std::string value) {
    return der::SetOf({der::Sequence({der::Oid(oid), value})});
  };
  std::string body;
  if (!s.country.empty()) body += rdn(kOidCountry, der::Printable(s.country));
  if (!s.organisation.empty()) body += rdn(kOidOrganisation, der::Utf8(s.organisation));
  if (!s.title.empty()) body += rdn(kOidTitle, der::Utf8(s.title));
  if (!s.common_name.empty()) body += rdn(kOidCommonName, der::Utf8(s.common_name));
  return der::Tlv(der::kSequence, body);
}

std::string Extension(std::string_view oid, bool critical, std::string_view value) {
  // DER leaves out a BOOLEAN equal to its DEFAULT FALSE.
  return der::Sequence({der::Oid(oid), critical ? der::Boolean(true) : "", der::Octets(value)});
}

// --- reading ----------------------------------------------------------------------

Status Malformed(const Status& s) { return Status::Invalid("malformed CMS: " + s.message()); }
Status Malformed(const std::string& why) { return Status::Invalid("malformed CMS: " + why); }

// In this file only: `lhs` = the next element with `tag`, or return "malformed CMS: <what>: ...".
#define CMS_NEXT(lhs, reader, tag, what)                                                 \
  auto VB_CONCAT(next_, __LINE__) = (reader).Next(tag, what);                            \
  if (!VB_CONCAT(next_, __LINE__).ok()) return Malformed(VB_CONCAT(next_, __LINE__).status()); \
  lhs = *VB_CONCAT(next_, __LINE__)
#define CMS_CHECK(expr)                 \
  do {                                  \
    ::vanban::Status c_ = (expr);       \
    if (!c_.ok()) return Malformed(c_); \
  } while (0)

// Steps over an element that must be there but that we do not read.
Status Skip(der::Reader& r, uint8_t tag, const char* what) {
  auto e = r.Next(tag, what);
  return e.ok() ? Status::Ok() : Malformed(e.status());
}

Status ReadInteger(const der::Element& e, const char* what, int64_t want) {
  auto v = der::ReadSmallInteger(e, what);
  if (!v.ok()) return Malformed(v.status());
  if (*v != want)
    return Malformed(std::string(what) + " is " + std::to_string(*v) + ", expected " + std::to_string(want));
  return Status::Ok();
}

bool IsSha512(const der::Element& alg) {
  // Parameters absent (what we write) or NULL: RFC 5754 asks readers to take both.
  return alg.whole == AlgorithmId(kOidSha512) ||
         alg.whole == der::Sequence({der::Oid(kOidSha512), der::Null()});
}

struct ParsedCert {
  std::string_view serial;  // INTEGER content
  std::string_view issuer;  // Name, whole encoding
  CertSubject subject;
  PublicKey key{};
};

// The names we read, from an X.501 Name. Other attributes are ignored.
Status ReadName(std::string_view name, CertSubject* out) {
  *out = CertSubject{};
  out->country.clear();
  bool seen[4] = {};
  der::Reader rdns(name);
  while (!rdns.empty()) {
    CMS_NEXT(der::Element rdn, rdns, der::kSet, "certificate name");
    der::Reader atvs(rdn.content);
    do {
      CMS_NEXT(der::Element atv, atvs, der::kSequence, "certificate name attribute");
      der::Reader r(atv.content);
      CMS_NEXT(der::Element type, r, der::kOid, "certificate name attribute type");
      auto value = r.NextAny("certificate name attribute value");
      if (!value.ok()) return Malformed(value.status());
      CMS_CHECK(r.Done("certificate name attribute"));
      static const std::string kOids[4] = {der::Oid(kOidCommonName), der::Oid(kOidTitle),
                                           der::Oid(kOidOrganisation), der::Oid(kOidCountry)};
      std::string* fields[4] = {&out->common_name, &out->title, &out->organisation, &out->country};
      for (int i = 0; i < 4; ++i) {
        if (type.whole != kOids[i]) continue;
        if (seen[i]) return Malformed("certificate name repeats an attribute");
        if (value->tag != der::kUtf8String && value->tag != der::kPrintableString)
          return Malformed("certificate name: unsupported string type");
        seen[i] = true;
        *fields[i] = std::string(value->content);
      }
    } while (!atvs.empty());
  }
  return Status::Ok();
}

// A certificate as SelfCertificate writes it (v1..v3, any extensions), whose
// signature verifies with its own key.
Result<ParsedCert> ParseCertificate(std::string_view der_bytes) {
  ParsedCert pc;
  der::Reader top(der_bytes);
  CMS_NEXT(der::Element cert, top, der::kSequence, "certificate");
  CMS_CHECK(top.Done("certificate"));
  der::Reader c(cert.content);
  CMS_NEXT(der::Element tbs, c, der::kSequence, "tbsCertificate");
  CMS_NEXT(der::Element sig_alg, c, der::kSequence, "certificate signature algorithm");
  CMS_NEXT(der::Element sig_bits, c, der::kBitString, "certificate signature");
  CMS_CHECK(c.Done("certificate"));

  der::Reader t(tbs.content);
  if (t.PeekTag(der::ContextTag(0))) {
    CMS_NEXT(der::Element version, t, der::ContextTag(0), "certificate version");
    der::Reader v(version.content);
    CMS_NEXT(der::Element n, v, der::kInteger, "certificate version");
    CMS_CHECK(v.Done("certificate version"));
    auto num = der::ReadSmallInteger(n, "certificate version");
    if (!num.ok()) return Malformed(num.status());
    if (*num > 2) return Malformed("unknown certificate version");
  }
  CMS_NEXT(der::Element serial, t, der::kInteger, "certificate serial");
  CMS_NEXT(der::Element tbs_alg, t, der::kSequence, "certificate signature algorithm");
  CMS_NEXT(der::Element issuer, t, der::kSequence, "certificate issuer");
  CMS_NEXT(der::Element validity, t, der::kSequence, "certificate validity");
  CMS_NEXT(der::Element subject, t, der::kSequence, "certificate subject");
  CMS_NEXT(der::Element spki, t, der::kSequence, "certificate public key");
  // Unique identifiers [1] [2] and extensions [3]: well-formed, otherwise unread.
  for (int n = 1; n <= 3; ++n) {
    for (uint8_t tag : {der::ContextPrimitiveTag(n), der::ContextTag(n)})
      if (t.PeekTag(tag)) VB_RETURN_IF_ERROR(Skip(t, tag, "certificate unique id or extensions"));
  }
  CMS_CHECK(t.Done("tbsCertificate"));

  const std::string ed25519 = AlgorithmId(kOidEd25519);
  if (sig_alg.whole != ed25519 || tbs_alg.whole != ed25519) return Malformed("certificate is not signed with Ed25519");
  der::Reader val(validity.content);
  for (const char* what : {"certificate notBefore", "certificate notAfter"}) {
    auto e = val.NextAny(what);
    if (!e.ok()) return Malformed(e.status());
    auto time = der::ReadTime(*e, what);
    if (!time.ok()) return Malformed(time.status());
  }
  CMS_CHECK(val.Done("certificate validity"));
  VB_RETURN_IF_ERROR(ReadName(subject.content, &pc.subject));

  der::Reader k(spki.content);
  CMS_NEXT(der::Element key_alg, k, der::kSequence, "public key algorithm");
  CMS_NEXT(der::Element key_bits, k, der::kBitString, "public key");
  CMS_CHECK(k.Done("public key"));
  if (key_alg.whole != ed25519) return Malformed("certificate key is not Ed25519");
  auto key = der::ReadBits(key_bits, "public key");
  if (!key.ok()) return Malformed(key.status());
  if (key->size() != pc.key.size()) return Malformed("Ed25519 public key is not 32 bytes");
  std::copy(key->begin(), key->end(), pc.key.begin());

  auto sig = der::ReadBits(sig_bits, "certificate signature");
  if (!sig.ok()) return Malformed(sig.status());
  Signature s{};
  if (sig->size() != s.size()) return Malformed("certificate signature is not 64 bytes");
  std::copy(sig->begin(), sig->end(), s.begin());
  if (!crypto::Verify(pc.key, tbs.whole, s)) return Status::Invalid("certificate is not self-signed by its key");

  pc.serial = serial.content;
  pc.issuer = issuer.whole;
  return pc;
}

struct SignedAttrs {
  std::string_view digest;
  int64_t signing_time = 0;
};

// contentType, signingTime and messageDigest, once each; other attributes are ignored.
Result<SignedAttrs> ReadSignedAttrs(std::string_view content) {
  SignedAttrs out;
  bool has_type = false, has_time = false, has_digest = false;
  const std::string content_type = der::Oid(kOidContentType), signing_time = der::Oid(kOidSigningTime),
                    message_digest = der::Oid(kOidMessageDigest), id_data = der::Oid(kOidData);
  der::Reader attrs(content);
  while (!attrs.empty()) {
    CMS_NEXT(der::Element attr, attrs, der::kSequence, "signed attribute");
    der::Reader a(attr.content);
    CMS_NEXT(der::Element type, a, der::kOid, "signed attribute type");
    CMS_NEXT(der::Element values, a, der::kSet, "signed attribute values");
    CMS_CHECK(a.Done("signed attribute"));
    bool* seen = type.whole == content_type     ? &has_type
                 : type.whole == signing_time   ? &has_time
                 : type.whole == message_digest ? &has_digest
                                                : nullptr;
    if (!seen) continue;
    if (*seen) return Malformed("a signed attribute is repeated");
    *seen = true;
    der::Reader v(values.content);
    auto value = v.NextAny("signed attribute value");
    if (!value.ok()) return Malformed(value.status());
    CMS_CHECK(v.Done("signed attribute (one value)"));
    if (seen == &has_type) {
      if (value->whole != id_data) return Malformed("signed content type is not id-data");
    } else if (seen == &has_time) {
      auto t = der::ReadTime(*value, "signing time");
      if (!t.ok()) return Malformed(t.status());
      out.signing_time = *t;
    } else {
      if (value->tag != der::kOctetString) return Malformed("message digest: expected OCTET STRING");
      out.digest = value->content;
    }
  }
  if (!has_type) return Malformed("no content type attribute");
  if (!has_time) return Malformed("no signing time attribute");
  if (!has_digest) return Malformed("no message digest attribute");
  return out;
}

}  // namespace

std::string SelfCertificate(const SecretKey& key, const CertSubject& subject, int64_t not_before,
                            int64_t not_after) {
  const PublicKey& pk = key.public_key();
  const std::string key_id = KeyId(pk);
  const std::string name = Name(subject);
  const std::string ed25519 = AlgorithmId(kOidEd25519);
  const std::string extensions = der::Sequence({
      Extension(kOidBasicConstraints, true, der::Sequence({})),
      // Bits 0 and 1 (digitalSignature, nonRepudiation): 0xc0 with 6 unused bits.
      Extension(kOidKeyUsage, true, der::Bits("\xc0", 6)),
      Extension(kOidSubjectKeyId, false, der::Octets(key_id)),
  });
  const std::string tbs = der::Sequence({
      der::Explicit(0, der::Integer(2)),
      der::UnsignedInteger(key_id),
      ed25519,
      name,
      der::Sequence({der::Time(not_before), der::Time(not_after)}),
      name,
      der::Sequence({ed25519, der::Bits(View(pk.data(), pk.size()))}),
      der::Explicit(3, extensions),
  });
  const Signature sig = key.Sign(tbs);
  return der::Sequence({tbs, ed25519, der::Bits(View(sig.data(), sig.size()))});
}

std::string SignDetached(const SecretKey& key, std::string_view certificate_der, std::string_view content,
                         int64_t signing_time) {
  auto cert = ParseCertificate(certificate_der);
  if (!cert.ok()) throw std::invalid_argument("SignDetached: " + cert.status().message());
  if (cert->key != key.public_key()) throw std::invalid_argument("SignDetached: the certificate is for another key");

  const std::string attrs = der::SetOf({
      der::Sequence({der::Oid(kOidContentType), der::SetOf({der::Oid(kOidData)})}),
      der::Sequence({der::Oid(kOidSigningTime), der::SetOf({der::Time(signing_time)})}),
      der::Sequence({der::Oid(kOidMessageDigest), der::SetOf({der::Octets(Sha512(content))})}),
  });
  // RFC 5652 5.4: the signature covers the attributes' DER as a SET; the message carries them as [0].
  const Signature sig = key.Sign(attrs);
  const std::string sha512 = AlgorithmId(kOidSha512);
  const std::string signer = der::Sequence({
      der::Integer(1),
      der::Sequence({cert->issuer, der::Tlv(der::kInteger, cert->serial)}),
      sha512,
      der::Implicit(0, attrs),
      AlgorithmId(kOidEd25519),
      der::Octets(View(sig.data(), sig.size())),
  });
  const std::string signed_data = der::Sequence({
      der::Integer(1),
      der::SetOf({sha512}),
      der::Sequence({der::Oid(kOidData)}),
      der::Implicit(0, der::SetOf({std::string(certificate_der)})),
      der::SetOf({signer}),
  });
  return der::Sequence({der::Oid(kOidSignedData), der::Explicit(0, signed_data)});
}

std::string SignPades(const std::vector<std::string>& chain, std::string_view content, const RsaSign& sign,
                      const SignatureStamper& stamp) {
  if (chain.empty()) throw std::invalid_argument("SignPades: no certificate");
  // The signer's issuer and serial, read from its TBSCertificate.
  std::string issuer, serial;
  {
    der::Reader top(chain[0]);
    auto cert = top.Next(der::kSequence, "certificate");
    if (!cert.ok()) throw std::invalid_argument("SignPades: " + cert.status().message());
    der::Reader c(cert->content);
    auto tbs = c.Next(der::kSequence, "tbsCertificate");
    if (!tbs.ok()) throw std::invalid_argument("SignPades: " + tbs.status().message());
    der::Reader t(tbs->content);
    if (t.PeekTag(der::ContextTag(0))) (void)t.NextAny("version");
    auto s = t.Next(der::kInteger, "serial");
    auto alg = s.ok() ? t.Next(der::kSequence, "algorithm") : s;
    auto name = alg.ok() ? t.Next(der::kSequence, "issuer") : alg;
    if (!name.ok()) throw std::invalid_argument("SignPades: " + name.status().message());
    serial = std::string(s->whole);
    issuer = std::string(name->whole);
  }
  // ESSCertIDv2 { certHash, issuerSerial { GeneralNames { directoryName [4] Name }, serial } };
  // hashAlgorithm left out: its DEFAULT is SHA-256.
  const std::string cert_id = der::Sequence({
      der::Octets(Sha256(chain[0])),
      der::Sequence({der::Sequence({der::Explicit(4, issuer)}), serial}),
  });
  const std::string attrs = der::SetOf({
      der::Sequence({der::Oid(kOidContentType), der::SetOf({der::Oid(kOidData)})}),
      der::Sequence({der::Oid(kOidMessageDigest), der::SetOf({der::Octets(Sha256(content))})}),
      der::Sequence({der::Oid(kOidSigningCertificateV2), der::SetOf({der::Sequence({der::Sequence({cert_id})})})}),
  });
  const std::string sig = sign(attrs);
  const std::string sha256 = AlgorithmId(kOidSha256);
  // B-T: the authority's token over the signature value, unsigned.
  std::string unsigned_attrs;
  if (std::optional<std::string> token = stamp ? stamp(sig) : std::nullopt)
    unsigned_attrs = der::Implicit(
        1, der::SetOf({der::Sequence({der::Oid(kOidSignatureTimeStampToken), der::SetOf({*token})})}));
  const std::string signer = der::Sequence({
      der::Integer(1),
      der::Sequence({issuer, serial}),
      sha256,
      der::Implicit(0, attrs),
      der::Sequence({der::Oid(kOidRsaEncryption), der::Null()}),
      der::Octets(sig),
      unsigned_attrs,
  });
  const std::string signed_data = der::Sequence({
      der::Integer(1),
      der::SetOf({sha256}),
      der::Sequence({der::Oid(kOidData)}),
      der::Implicit(0, der::SetOf(chain)),
      der::SetOf({signer}),
  });
  return der::Sequence({der::Oid(kOidSignedData), der::Explicit(0, signed_data)});
}

namespace {

// What VerifyDetached reads of a SignedData: the certificates it carries and its one
// signer info.
struct SignedDataParts {
  std::vector<std::string_view> certs;
  der::Element signer;
};

// The SignedData inside a ContentInfo (a PDF's /Contents, whose zero padding after it
// is allowed): SHA-512 digests only, detached id-data content, exactly one signer.
Result<SignedDataParts> ReadSignedData(std::string_view cms_der) {
  der::Reader outer(cms_der);
  CMS_NEXT(der::Element info, outer, der::kSequence, "ContentInfo");
  // PDF /Contents reserves room and pads the rest with zeros.
  std::string_view padding = outer.rest();
  if (std::any_of(padding.begin(), padding.end(), [](char c) { return c != 0; }))
    return Malformed("unexpected data after the signature");

  der::Reader ci(info.content);
  CMS_NEXT(der::Element type, ci, der::kOid, "content type");
  if (type.whole != der::Oid(kOidSignedData)) return Malformed("not a SignedData");
  CMS_NEXT(der::Element wrapped, ci, der::ContextTag(0), "SignedData");
  CMS_CHECK(ci.Done("ContentInfo"));
  der::Reader w(wrapped.content);
  CMS_NEXT(der::Element sd, w, der::kSequence, "SignedData");
  CMS_CHECK(w.Done("SignedData"));

  der::Reader s(sd.content);
  CMS_NEXT(der::Element sd_version, s, der::kInteger, "SignedData version");
  VB_RETURN_IF_ERROR(ReadInteger(sd_version, "SignedData version", 1));
  CMS_NEXT(der::Element digest_algs, s, der::kSet, "digest algorithms");
  der::Reader d(digest_algs.content);
  do {
    CMS_NEXT(der::Element alg, d, der::kSequence, "digest algorithm");
    if (!IsSha512(alg)) return Malformed("a digest algorithm is not SHA-512");
  } while (!d.empty());
  CMS_NEXT(der::Element encap, s, der::kSequence, "encapsulated content");
  der::Reader e(encap.content);
  CMS_NEXT(der::Element etype, e, der::kOid, "encapsulated content type");
  if (etype.whole != der::Oid(kOidData)) return Malformed("encapsulated content type is not id-data");
  if (!e.empty()) return Malformed("the content is embedded, not detached");
  SignedDataParts out;
  if (s.PeekTag(der::ContextTag(0))) {
    CMS_NEXT(der::Element set, s, der::ContextTag(0), "certificates");
    for (der::Reader r(set.content); !r.empty();) {
      CMS_NEXT(der::Element c, r, der::kSequence, "certificate");
      out.certs.push_back(c.whole);
    }
  }
  if (s.PeekTag(der::ContextTag(1))) VB_RETURN_IF_ERROR(Skip(s, der::ContextTag(1), "CRLs"));  // not ours to read
  CMS_NEXT(der::Element signers, s, der::kSet, "signer infos");
  CMS_CHECK(s.Done("SignedData"));
  der::Reader si(signers.content);
  CMS_NEXT(out.signer, si, der::kSequence, "signer info");
  if (!si.empty()) return Malformed("more than one signer");
  return out;
}

}  // namespace

Result<CmsSigner> VerifyDetached(std::string_view cms_der, std::string_view content) {
  VB_ASSIGN_OR_RETURN(SignedDataParts parts, ReadSignedData(cms_der));
  const std::vector<std::string_view>& certs = parts.certs;
  const der::Element& signer = parts.signer;

  der::Reader r(signer.content);
  CMS_NEXT(der::Element version, r, der::kInteger, "signer version");
  VB_RETURN_IF_ERROR(ReadInteger(version, "signer version", 1));
  CMS_NEXT(der::Element sid, r, der::kSequence, "signer issuer and serial");
  CMS_NEXT(der::Element digest_alg, r, der::kSequence, "signer digest algorithm");
  CMS_NEXT(der::Element attrs, r, der::ContextTag(0), "signed attributes");
  CMS_NEXT(der::Element sig_alg, r, der::kSequence, "signature algorithm");
  CMS_NEXT(der::Element sig, r, der::kOctetString, "signature");
  // Unsigned attributes (a timestamp added later) are not covered by the signature: not read.
  if (r.PeekTag(der::ContextTag(1))) VB_RETURN_IF_ERROR(Skip(r, der::ContextTag(1), "unsigned attributes"));
  CMS_CHECK(r.Done("signer info"));
  der::Reader id(sid.content);
  CMS_NEXT(der::Element issuer, id, der::kSequence, "signer issuer");
  CMS_NEXT(der::Element serial, id, der::kInteger, "signer serial");
  CMS_CHECK(id.Done("signer issuer and serial"));
  if (!IsSha512(digest_alg)) return Malformed("the digest algorithm is not SHA-512");
  if (sig_alg.whole != AlgorithmId(kOidEd25519)) return Malformed("the signature algorithm is not Ed25519");
  Signature signature{};
  if (sig.content.size() != signature.size()) return Malformed("Ed25519 signature is not 64 bytes");
  std::copy(sig.content.begin(), sig.content.end(), signature.begin());
  VB_ASSIGN_OR_RETURN(SignedAttrs signed_attrs, ReadSignedAttrs(attrs.content));

  std::optional<ParsedCert> cert;
  for (std::string_view c : certs) {
    VB_ASSIGN_OR_RETURN(ParsedCert pc, ParseCertificate(c));
    if (pc.issuer == issuer.whole && pc.serial == serial.content) cert = pc;
  }
  if (!cert) return Malformed("no certificate for the signer");

  if (signed_attrs.digest != Sha512(content)) return Status::Invalid("message digest does not match the signed bytes");
  std::string signed_bytes(attrs.whole);
  signed_bytes[0] = static_cast<char>(der::kSet);
  if (!crypto::Verify(cert->key, signed_bytes, signature)) return Status::Invalid("signature does not verify");

  CmsSigner out;
  out.key = cert->key;
  out.subject = cert->subject;
  out.signing_time = signed_attrs.signing_time;
  return out;
}

#undef CMS_CHECK
#undef CMS_NEXT

}  // namespace vanban::pdf
