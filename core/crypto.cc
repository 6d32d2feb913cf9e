#include "core/crypto.h"

#include "core/text.h"

#include <sodium.h>

#include <cstring>
#include <stdexcept>
#include <sstream>
#include <vector>

namespace vanban {

std::string ToHex(const uint8_t* p, size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[p[i] >> 4];
    out[2 * i + 1] = kDigits[p[i] & 15];
  }
  return out;
}

namespace {
// Lower-case hex digits and their values; 0xff for every other byte.
constexpr std::array<uint8_t, 256> kHexValue = [] {
  std::array<uint8_t, 256> t{};
  for (auto& v : t) v = 0xff;
  for (int c = '0'; c <= '9'; ++c) t[static_cast<size_t>(c)] = static_cast<uint8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) t[static_cast<size_t>(c)] = static_cast<uint8_t>(c - 'a' + 10);
  return t;
}();
bool HexInto(std::string_view s, uint8_t* out, size_t n) {
  if (s.size() != 2 * n) return false;
  uint8_t bad = 0;
  for (size_t i = 0; i < n; ++i) {
    uint8_t hi = kHexValue[static_cast<unsigned char>(s[2 * i])], lo = kHexValue[static_cast<unsigned char>(s[2 * i + 1])];
    bad |= (hi | lo) & 0xf0;
    out[i] = static_cast<uint8_t>(hi << 4 | (lo & 15));
  }
  return bad == 0;
}
bool HexVec(std::string_view s, std::vector<uint8_t>* out) {
  if (s.size() % 2) return false;
  out->resize(s.size() / 2);
  return HexInto(s, out->data(), out->size());
}
}  // namespace

template <size_t N>
bool FromHex(std::string_view s, std::array<uint8_t, N>* out) {
  return HexInto(s, out->data(), N);
}
bool FromHex(std::string_view s, std::string* out) {
  if (s.size() % 2) return false;
  out->resize(s.size() / 2);
  return HexInto(s, reinterpret_cast<uint8_t*>(out->data()), out->size());
}

template bool FromHex<32>(std::string_view, std::array<uint8_t, 32>*);
template bool FromHex<64>(std::string_view, std::array<uint8_t, 64>*);

namespace crypto {

Status Init() {
  if (sodium_init() < 0) return Status::BadInput("libsodium could not be initialised");
  return Status::Ok();
}

Hash Blake2b(std::string_view data) {
  Hash h;
  crypto_generichash(h.data(), h.size(), reinterpret_cast<const unsigned char*>(data.data()),
                     data.size(), nullptr, 0);
  return h;
}

bool Verify(const PublicKey& pk, std::string_view msg, const Signature& sig) {
  return crypto_sign_verify_detached(sig.data(), reinterpret_cast<const unsigned char*>(msg.data()),
                                     msg.size(), pk.data()) == 0;
}

std::string Fingerprint(const PublicKey& pk) {
  Hash h = Blake2b(std::string_view(reinterpret_cast<const char*>(pk.data()), pk.size()));
  std::string hex = ToHex(h.data(), 8);
  return hex.substr(0, 4) + " " + hex.substr(4, 4) + " " + hex.substr(8, 4) + " " + hex.substr(12, 4);
}

}  // namespace crypto

std::string crypto::SealTo(const PublicKey& to, std::string_view msg) {
  uint8_t x25519[crypto_box_PUBLICKEYBYTES];
  if (crypto_sign_ed25519_pk_to_curve25519(x25519, to.data()) != 0)
    throw std::invalid_argument("SealTo: not an Ed25519 public key");
  std::string out(msg.size() + crypto_box_SEALBYTES, '\0');
  crypto_box_seal(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(msg.data()),
                  msg.size(), x25519);
  return out;
}

SecretKey::SecretKey() = default;
SecretKey::~SecretKey() {
  if (sk_) sodium_free(sk_);  // sodium_free zeroes before releasing
}
SecretKey::SecretKey(SecretKey&& o) noexcept : sk_(o.sk_), pk_(o.pk_) { o.sk_ = nullptr; }
SecretKey& SecretKey::operator=(SecretKey&& o) noexcept {
  if (this != &o) {
    if (sk_) sodium_free(sk_);
    sk_ = o.sk_;
    pk_ = o.pk_;
    o.sk_ = nullptr;
  }
  return *this;
}

SecretKey SecretKey::Generate() {
  SecretKey k;
  k.sk_ = static_cast<uint8_t*>(sodium_malloc(crypto_sign_SECRETKEYBYTES));
  if (!k.sk_) throw std::bad_alloc();
  crypto_sign_keypair(k.pk_.data(), k.sk_);
  return k;
}

SecretKey SecretKey::FromSeed(const Bytes32& seed) {
  SecretKey k;
  k.sk_ = static_cast<uint8_t*>(sodium_malloc(crypto_sign_SECRETKEYBYTES));
  if (!k.sk_) throw std::bad_alloc();
  crypto_sign_seed_keypair(k.pk_.data(), k.sk_, seed.data());
  return k;
}

bool SecretKey::Unseal(std::string_view sealed, const std::function<void(std::string_view plain)>& use) const {
  if (!sk_) throw std::logic_error("SecretKey::Unseal on an empty key");
  if (sealed.size() < crypto_box_SEALBYTES) return false;
  // The X25519 pair and the plaintext both live in guarded memory, freed (zeroed) below.
  auto* pair = static_cast<uint8_t*>(sodium_malloc(crypto_box_SECRETKEYBYTES + crypto_box_PUBLICKEYBYTES));
  const size_t n = sealed.size() - crypto_box_SEALBYTES;
  auto* plain = static_cast<uint8_t*>(sodium_malloc(n ? n : 1));
  if (!pair || !plain) throw std::bad_alloc();
  uint8_t* xsk = pair;
  uint8_t* xpk = pair + crypto_box_SECRETKEYBYTES;
  bool ok = crypto_sign_ed25519_sk_to_curve25519(xsk, sk_) == 0 &&
            crypto_sign_ed25519_pk_to_curve25519(xpk, pk_.data()) == 0 &&
            crypto_box_seal_open(plain, reinterpret_cast<const unsigned char*>(sealed.data()), sealed.size(), xpk,
                                 xsk) == 0;
  sodium_free(pair);
  if (ok) use(std::string_view(reinterpret_cast<const char*>(plain), n));
  sodium_free(plain);
  return ok;
}

Signature SecretKey::Sign(std::string_view msg) const {
  if (!sk_) throw std::logic_error("SecretKey::Sign on an empty key");
  Signature sig;
  crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const unsigned char*>(msg.data()),
                       msg.size(), sk_);
  return sig;
}

const char* PurposeName(KeyPurpose p) {
  switch (p) {
    case KeyPurpose::kPerson: return "person";
    case KeyPurpose::kOrgRoot: return "org-root";
    case KeyPurpose::kOrgSeal: return "org-seal";
    case KeyPurpose::kNode: return "node";
  }
  return "?";
}

namespace {

constexpr std::string_view kKeyMagic = "vanban-key 1";

bool ParsePurpose(std::string_view s, KeyPurpose* p) {
  for (KeyPurpose k : {KeyPurpose::kPerson, KeyPurpose::kOrgRoot, KeyPurpose::kOrgSeal, KeyPurpose::kNode}) {
    if (s == PurposeName(k)) {
      *p = k;
      return true;
    }
  }
  return false;
}

struct ParsedKeyFile {
  KeyFile::Info info;
  unsigned long long opslimit = 0;
  size_t memlimit = 0;
  std::array<uint8_t, crypto_pwhash_SALTBYTES> salt{};
  std::array<uint8_t, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES> nonce{};
  std::vector<uint8_t> sealed;
  std::string header;  // the bytes bound as associated data: every line before "nonce"
};

// Splits "key value" on the first space; the key must match `want`.
bool Card(std::string_view line, std::string_view want, std::string_view* value) {
  auto v = text::CardValue(line, want);
  if (v) *value = *v;
  return v.has_value();
}

Result<ParsedKeyFile> Parse(std::string_view bytes, std::string_view where) {
  auto bad = [&](const std::string& why) {
    return Status::BadInput(std::string(where) + ": not a vanban key file: " + why);
  };
  auto split = text::TerminatedLines(bytes);
  if (!split) return bad("last line is not terminated");
  const std::vector<std::string_view>& lines = *split;
  if (lines.size() != 7) return bad("expected 7 lines, found " + std::to_string(lines.size()));
  if (lines[0] != kKeyMagic) return bad("first line must be '" + std::string(kKeyMagic) + "'");
  ParsedKeyFile f;
  std::string_view v;
  if (!Card(lines[1], "purpose", &v) || !ParsePurpose(v, &f.info.purpose)) return bad("line 2: bad purpose");
  if (!Card(lines[2], "owner", &v)) return bad("line 3: bad owner");
  f.info.owner = std::string(v);
  if (!Card(lines[3], "public", &v) || !FromHex(v, &f.info.pk)) return bad("line 4: bad public key");
  if (!Card(lines[4], "kdf", &v)) return bad("line 5: bad kdf");
  {
    std::istringstream in{std::string(v)};
    std::string alg, salt;
    if (!(in >> alg >> f.opslimit >> f.memlimit >> salt) || alg != "argon2id13" ||
        !HexInto(salt, f.salt.data(), f.salt.size()))
      return bad("line 5: kdf must be 'argon2id13 OPS MEM SALT'");
    if (f.opslimit < crypto_pwhash_OPSLIMIT_MIN || f.memlimit < crypto_pwhash_MEMLIMIT_MIN ||
        f.opslimit > 64 || f.memlimit > (size_t{1} << 32))
      return bad("line 5: kdf cost out of range");
  }
  if (!Card(lines[5], "nonce", &v) || !HexInto(v, f.nonce.data(), f.nonce.size())) return bad("line 6: bad nonce");
  if (!Card(lines[6], "sealed", &v) || !HexVec(v, &f.sealed) ||
      f.sealed.size() != crypto_sign_SECRETKEYBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES)
    return bad("line 7: bad sealed secret");
  size_t header_len = 0;
  for (int i = 0; i < 5; ++i) header_len += lines[i].size() + 1;
  f.header = std::string(bytes.substr(0, header_len));
  return f;
}

}  // namespace

KeyFile::Cost KeyFile::DefaultCost() {
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

std::string KeyFile::Seal(const SecretKey& key, KeyPurpose purpose, std::string_view owner,
                          std::string_view passphrase, Cost cost) {
  if (!key.valid()) throw std::logic_error("KeyFile::Seal of an empty key");
  std::array<uint8_t, crypto_pwhash_SALTBYTES> salt;
  std::array<uint8_t, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES> nonce;
  randombytes_buf(salt.data(), salt.size());
  randombytes_buf(nonce.data(), nonce.size());
  std::string header = std::string(kKeyMagic) + "\npurpose " + PurposeName(purpose) + "\nowner " +
                       std::string(owner) + "\npublic " + ToHex(key.public_key()) + "\nkdf argon2id13 " +
                       std::to_string(cost.opslimit) + " " + std::to_string(cost.memlimit) + " " +
                       ToHex(salt.data(), salt.size()) + "\n";
  auto* k = static_cast<uint8_t*>(sodium_malloc(crypto_aead_xchacha20poly1305_ietf_KEYBYTES));
  if (!k) throw std::bad_alloc();
  if (crypto_pwhash(k, crypto_aead_xchacha20poly1305_ietf_KEYBYTES, passphrase.data(), passphrase.size(),
                    salt.data(), cost.opslimit, cost.memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    sodium_free(k);
    throw std::bad_alloc();  // only fails when out of memory
  }
  std::vector<uint8_t> sealed(crypto_sign_SECRETKEYBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(sealed.data(), &clen, key.sk_, crypto_sign_SECRETKEYBYTES,
                                             reinterpret_cast<const unsigned char*>(header.data()),
                                             header.size(), nullptr, nonce.data(), k);
  sodium_free(k);
  return header + "nonce " + ToHex(nonce.data(), nonce.size()) + "\nsealed " +
         ToHex(sealed.data(), sealed.size()) + "\n";
}

Result<SecretKey> KeyFile::Open(std::string_view file_bytes, std::string_view passphrase,
                                std::string_view where) {
  VB_ASSIGN_OR_RETURN(ParsedKeyFile f, Parse(file_bytes, where));
  auto* k = static_cast<uint8_t*>(sodium_malloc(crypto_aead_xchacha20poly1305_ietf_KEYBYTES));
  if (!k) throw std::bad_alloc();
  if (crypto_pwhash(k, crypto_aead_xchacha20poly1305_ietf_KEYBYTES, passphrase.data(), passphrase.size(),
                    f.salt.data(), f.opslimit, f.memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    sodium_free(k);
    return Status::BadInput(std::string(where) + ": not enough memory to derive the key");
  }
  SecretKey sk;
  sk.sk_ = static_cast<uint8_t*>(sodium_malloc(crypto_sign_SECRETKEYBYTES));
  if (!sk.sk_) throw std::bad_alloc();
  unsigned long long mlen = 0;
  int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
      sk.sk_, &mlen, nullptr, f.sealed.data(), f.sealed.size(),
      reinterpret_cast<const unsigned char*>(f.header.data()), f.header.size(), f.nonce.data(), k);
  sodium_free(k);
  if (rc != 0) {
    // The header lines are bound as associated data, so an altered header fails here too.
    return Status::BadInput("wrong passphrase for the " + std::string(PurposeName(f.info.purpose)) + " key of '" +
                            f.info.owner + "' (" + std::string(where) + "), or the key file was altered");
  }
  PublicKey derived;
  crypto_sign_ed25519_sk_to_pk(derived.data(), sk.sk_);
  if (derived != f.info.pk) return Status::BadInput(std::string(where) + ": secret does not match its public key");
  sk.pk_ = f.info.pk;
  return sk;
}

Result<KeyFile::Info> KeyFile::Peek(std::string_view file_bytes, std::string_view where) {
  VB_ASSIGN_OR_RETURN(ParsedKeyFile f, Parse(file_bytes, where));
  return f.info;
}

}  // namespace vanban
