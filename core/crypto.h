// vanban/core — keys, hashes and signatures (libsodium), and the key file format.
//
// Owns: Hash (BLAKE2b-256), PublicKey / Signature (Ed25519), SecretKey (a guarded,
// wiped-on-destruction secret), and the encrypted key file described in
// docs/keys.md (Argon2id + XChaCha20-Poly1305). Call crypto::Init() once before use;
// everything else is thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace vanban {

using Bytes32 = std::array<uint8_t, 32>;
using Bytes64 = std::array<uint8_t, 64>;

std::string ToHex(const uint8_t* p, size_t n);
template <size_t N>
std::string ToHex(const std::array<uint8_t, N>& a) { return ToHex(a.data(), N); }
// Strict: exactly 2*N lowercase hex digits.
template <size_t N>
bool FromHex(std::string_view s, std::array<uint8_t, N>* out);

// Any even number of lowercase hex digits, as bytes.
bool FromHex(std::string_view s, std::string* out);

using Hash = Bytes32;        // BLAKE2b-256
using PublicKey = Bytes32;   // Ed25519
using Signature = Bytes64;   // Ed25519, detached

namespace crypto {

Status Init();
Hash Blake2b(std::string_view data);
bool Verify(const PublicKey& pk, std::string_view msg, const Signature& sig);
// Short key fingerprint for people: the first 8 bytes of BLAKE2b(pk), hex, in 4 groups.
std::string Fingerprint(const PublicKey& pk);
// `msg` sealed so that only the holder of the Ed25519 secret of `to` can open it
// (crypto_box_seal to the key's X25519 form; SecretKey::Unseal opens it).
std::string SealTo(const PublicKey& to, std::string_view msg);

}  // namespace crypto

// An Ed25519 secret key held in guarded memory (sodium_malloc), wiped when destroyed.
class SecretKey {
 public:
  SecretKey();
  ~SecretKey();
  SecretKey(SecretKey&& o) noexcept;
  SecretKey& operator=(SecretKey&& o) noexcept;
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;

  static SecretKey Generate();
  // Deterministic key from a 32-byte seed: test vectors and benchmarks only.
  static SecretKey FromSeed(const Bytes32& seed);

  const PublicKey& public_key() const { return pk_; }
  Signature Sign(std::string_view msg) const;
  bool valid() const { return sk_ != nullptr; }
  // Opens what crypto::SealTo sealed to this key: the plaintext lives in guarded
  // memory only while `use` runs, then is wiped. False if it does not open.
  bool Unseal(std::string_view sealed, const std::function<void(std::string_view plain)>& use) const;

 private:
  friend class KeyFile;
  uint8_t* sk_ = nullptr;  // 64 bytes, crypto_sign_SECRETKEYBYTES
  PublicKey pk_{};
};

// What a key is for; written into the key file and bound into its encryption.
enum class KeyPurpose { kPerson, kOrgRoot, kOrgSeal, kNode };
const char* PurposeName(KeyPurpose p);

// The encrypted key file (docs/keys.md). Text, a few strict lines.
class KeyFile {
 public:
  struct Cost {
    unsigned long long opslimit;
    size_t memlimit;
  };
  static Cost DefaultCost();

  // Encrypts `key` under `passphrase` and returns the file's bytes.
  static std::string Seal(const SecretKey& key, KeyPurpose purpose, std::string_view owner,
                          std::string_view passphrase, Cost cost = DefaultCost());
  // Parses and decrypts. `where` names the file in messages.
  static Result<SecretKey> Open(std::string_view file_bytes, std::string_view passphrase,
                                std::string_view where);
  // Reads the public key and owner line without the passphrase.
  struct Info {
    KeyPurpose purpose;
    std::string owner;
    PublicKey pk;
  };
  static Result<Info> Peek(std::string_view file_bytes, std::string_view where);
};

}  // namespace vanban
