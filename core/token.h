// vanban/core — signing keys on PKCS#11 tokens: the USB tokens of the national
// certification authorities, smart cards, SoftHSM2 in tests (docs/certificates.md).
//
// Owns: finding a token in a PKCS#11 module, logging in with its PIN, the signing
// certificate and key there, and the file that says where a person's key is
// (KEYS/person-LOGIN.token). Uses libp11, which hands OpenSSL a key whose
// signatures the token makes (C_Sign): the private key never leaves the token, and
// the PIN is asked for each session and never kept. Not thread-safe per Session.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/x509.h"

namespace vanban::token {

// Where a key is.
struct Location {
  std::string module;  // the PKCS#11 module: the path of its .so
  std::string token;   // the token's label; empty: the only token present
  std::string id;      // CKA_ID of the certificate and its key, lower-case hex; empty: the only one
};

// Gives the PIN when the token asks for one (a file, $VANBAN_PIN, a prompt).
using PinSource = std::function<Result<std::string>()>;

// A logged-in session on a token, with its signing certificate and key.
class Session {
 public:
  // Loads the module, finds the token, logs in with the PIN from `pin` (asked only
  // if the token wants a login) and finds the certificate that has a private key.
  // NotFound names the module and the token (no module, no token, no certificate);
  // BadInput: a wrong PIN (the token counts it) or a choice to make (--token, --id);
  // Refused: the PIN is locked.
  static Result<Session> Open(const Location& where, const PinSource& pin);

  const Location& location() const { return where_; }  // label and id filled in
  const std::string& certificate() const { return certificate_; }  // DER
  // The certification authorities' certificates the token also holds (DER): the
  // chain its issuer ships on it, often.
  const std::vector<std::string>& authorities() const { return authorities_; }
  // The key on the token; it keeps the session open while it lives.
  x509::PrivateKey Key() const;

 private:
  struct Module;
  std::shared_ptr<Module> module_;
  void* key_ = nullptr;  // libp11's PKCS11_KEY, owned by module_
  Location where_;
  std::string certificate_;
  std::vector<std::string> authorities_;
};

// The file KEYS/person-LOGIN.token: where `owner`'s key is and which certificate
// (SHA-256 of its DER, hex) it signs for. No secret is in it.
struct LocationFile {
  Location where;
  std::string owner;
  std::string certificate;
};
std::string WriteLocation(const LocationFile& f);
Result<LocationFile> ReadLocation(std::string_view file, std::string_view path);

}  // namespace vanban::token
