// vanban/core — the key request: a person's new public key, made on their own node,
// for an admin to grant from another node (like a CSR). A few strict text lines
// signed by the new key itself, so the admin knows the requester holds the secret
// and that nothing was edited on the way (docs/keys.md, "Key requests").
#pragma once

#include <string>
#include <string_view>

#include "core/crypto.h"
#include "core/status.h"

namespace vanban {

struct KeyRequest {
  PublicKey org{};   // the organisation asked (its root key)
  std::string login, name, title;
  PublicKey key{};   // the person's new public key
  PublicKey node{};  // the node where the secret key was made and stays
  // The SubjectPublicKeyInfo (DER) of the X.509 signing key made beside it, for the
  // organisation's authority to certify if the person is granted `signer`; empty in
  // requests made before certificates.
  std::string x509_key;
};

// The request file's bytes, signed by `key` (whose public key must be `req.key`).
// The values must already be valid (NFC, one line): ParseKeyRequest reads them back.
std::string EncodeKeyRequest(const KeyRequest& req, const SecretKey& key);

// Strict parse and signature check. Every failure is BadInput naming `where`
// and the first rule broken: "REQ: not a vanban key request: line 3: bad login".
Result<KeyRequest> ParseKeyRequest(std::string_view bytes, std::string_view where);

inline constexpr size_t kMaxKeyRequestBytes = 16384;

}  // namespace vanban
