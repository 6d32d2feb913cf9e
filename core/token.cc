// Keys on PKCS#11 tokens with libp11 (token.h, docs/certificates.md).
#include "core/token.h"

#include "core/crypto.h"
#include "core/text.h"

#include <libp11.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sodium.h>
#include <sys/stat.h>

#include <optional>
#include <stdexcept>

namespace vanban::token {

namespace {

// Cryptoki return values libp11 passes on as the OpenSSL error's reason.
constexpr unsigned long kPinIncorrect = 0xA0, kPinInvalid = 0xA1, kPinLenRange = 0xA2, kPinExpired = 0xA3,
                        kPinLocked = 0xA4;

unsigned long LastReason() {
  unsigned long e = ERR_peek_last_error();
  ERR_clear_error();
  return ERR_GET_REASON(e);
}

std::string Quoted(const std::string& s) { return "'" + s + "'"; }

}  // namespace

// libp11's context with its slots; the session and the login live in the slot.
struct Session::Module {
  PKCS11_CTX* ctx = nullptr;
  PKCS11_SLOT* slots = nullptr;
  unsigned int count = 0;
  bool loaded = false;
  ~Module() {
    if (slots) PKCS11_release_all_slots(ctx, slots, count);
    if (loaded) PKCS11_CTX_unload(ctx);
    if (ctx) PKCS11_CTX_free(ctx);
  }
};

Result<Session> Session::Open(const Location& where, const PinSource& pin) {
  const std::string& path = where.module;
  struct stat st {};
  if (path.empty()) return Status::BadInput("no PKCS#11 module given (--module PATH.so)");
  if (::stat(path.c_str(), &st) != 0)
    return Status::NotFound("no PKCS#11 module at " + path + " (is the token's driver installed?)");
  Session s;
  s.module_ = std::make_shared<Module>();
  Module& m = *s.module_;
  m.ctx = PKCS11_CTX_new();
  if (!m.ctx) throw std::bad_alloc();
  if (PKCS11_CTX_load(m.ctx, path.c_str()) != 0) {
    ERR_clear_error();
    return Status::BadInput("cannot load " + path + " as a PKCS#11 module");
  }
  m.loaded = true;
  if (PKCS11_enumerate_slots(m.ctx, &m.slots, &m.count) != 0) {
    ERR_clear_error();
    return Status::BadInput("the PKCS#11 module " + path + " cannot list its slots");
  }
  std::vector<PKCS11_SLOT*> present;
  std::string labels;
  for (unsigned int i = 0; i < m.count; ++i) {
    PKCS11_TOKEN* t = m.slots[i].token;
    if (!t || !t->initialized) continue;
    present.push_back(&m.slots[i]);
    labels += (labels.empty() ? "" : ", ") + Quoted(t->label);
  }
  PKCS11_SLOT* slot = nullptr;
  if (!where.token.empty()) {
    for (PKCS11_SLOT* p : present)
      if (where.token == p->token->label) slot = p;
    if (!slot)
      return Status::NotFound("no token " + Quoted(where.token) + " in " + path +
                              (present.empty() ? " (no token is plugged in)" : " (tokens present: " + labels + ")"));
  } else {
    if (present.empty()) return Status::NotFound("no token is plugged in (module " + path + ")");
    if (present.size() > 1)
      return Status::BadInput(std::to_string(present.size()) + " tokens in " + path + ": name one with --token (" +
                              labels + ")");
    slot = present.front();
  }
  PKCS11_TOKEN* tok = slot->token;
  s.where_ = where;
  s.where_.token = tok->label;
  const std::string named = "token " + Quoted(s.where_.token) + " (" + path + ")";
  if (tok->userPinLocked) return Status::Refused(Reason{"pin-locked", {{"token", named}}});
  if (PKCS11_open_session(slot, 0) != 0) {
    ERR_clear_error();
    return Status::BadInput("cannot open a session on " + named);
  }
  if (tok->loginRequired) {
    if (!pin) return Status::BadInput(named + " needs its PIN");
    VB_ASSIGN_OR_RETURN(std::string secret, pin());
    int rc = PKCS11_login(slot, 0, secret.c_str());
    sodium_memzero(secret.data(), secret.size());
    if (rc != 0) {
      unsigned long why = LastReason();
      if (why == kPinLocked) return Status::Refused(Reason{"pin-locked", {{"token", named}}});
      if (why == kPinIncorrect || why == kPinInvalid || why == kPinLenRange)
        return Status::BadInput("wrong PIN for " + named + (tok->userPinFinalTry ? " (the next wrong PIN locks it)" : ""));
      if (why == kPinExpired) return Status::Refused(Reason{"pin-expired", {{"token", named}}});
      return Status::BadInput("cannot log in to " + named);
    }
  }
  PKCS11_CERT* certs = nullptr;
  unsigned int ncerts = 0;
  if (PKCS11_enumerate_certs(tok, &certs, &ncerts) != 0) {
    ERR_clear_error();
    return Status::BadInput("cannot list the certificates on " + named);
  }
  PKCS11_CERT* chosen = nullptr;
  std::string ids;
  int candidates = 0;
  for (unsigned int i = 0; i < ncerts; ++i) {
    PKCS11_CERT& c = certs[i];
    if (!c.x509) continue;
    if (X509_check_ca(c.x509) != 0) {
      s.authorities_.push_back(x509::DerOf(c.x509));
      continue;
    }
    PKCS11_KEY* k = PKCS11_find_key(&c);
    ERR_clear_error();
    if (!k) continue;
    std::string id = ToHex(c.id, c.id_len);
    ++candidates;
    ids += (ids.empty() ? "" : ", ") + id;
    if (where.id.empty() || where.id == id) chosen = &c;
  }
  if (!where.id.empty() && !chosen)
    return Status::NotFound("no certificate with id " + where.id + " and a private key on " + named +
                            (ids.empty() ? "" : " (ids: " + ids + ")"));
  if (!chosen) return Status::NotFound("no certificate with a private key on " + named);
  if (where.id.empty() && candidates > 1)
    return Status::BadInput(named + " holds " + std::to_string(candidates) +
                            " signing certificates: choose one with --id (" + ids + ")");
  s.where_.id = ToHex(chosen->id, chosen->id_len);
  s.certificate_ = x509::DerOf(chosen->x509);
  s.key_ = PKCS11_find_key(chosen);
  ERR_clear_error();
  if (EVP_PKEY_get_base_id(X509_get0_pubkey(chosen->x509)) != EVP_PKEY_RSA)
    return Status::BadInput("the key with id " + s.where_.id + " on " + named +
                            " is not an RSA key: vanban signs PDFs with RSA (PKCS#1 v1.5, SHA-256)");
  return s;
}

x509::PrivateKey Session::Key() const {
  if (!key_) throw std::logic_error("token::Session::Key on a closed session");
  EVP_PKEY* k = PKCS11_get_private_key(static_cast<PKCS11_KEY*>(key_));
  if (!k) throw std::runtime_error("libp11 gave no key for a certificate's key it found");
  ERR_clear_error();
  return x509::PrivateKey::Adopt(k, module_);
}

// --- the location file ----------------------------------------------------------------

namespace {
constexpr std::string_view kMagic = "vanban-token 1";
constexpr const char* kCards[] = {"owner", "module", "token", "id", "certificate"};
}  // namespace

std::string WriteLocation(const LocationFile& f) {
  const std::string* values[] = {&f.owner, &f.where.module, &f.where.token, &f.where.id, &f.certificate};
  std::string out(kMagic);
  out += '\n';
  for (size_t i = 0; i < std::size(kCards); ++i) {
    if (values[i]->find('\n') != std::string::npos) throw std::invalid_argument("a token location with a line break");
    out += std::string(kCards[i]) + " " + *values[i] + "\n";
  }
  return out;
}

Result<LocationFile> ReadLocation(std::string_view file, std::string_view path) {
  auto bad = [&](const std::string& why) {
    return Status::BadInput(std::string(path) + ": not a vanban token file: " + why);
  };
  auto split = text::TerminatedLines(file);
  if (!split) return bad("last line is not terminated");
  const std::vector<std::string_view>& lines = *split;
  if (lines.size() != 1 + std::size(kCards)) return bad("expected 6 lines, found " + std::to_string(lines.size()));
  if (lines[0] != kMagic) return bad("first line must be '" + std::string(kMagic) + "'");
  LocationFile f;
  std::string* values[] = {&f.owner, &f.where.module, &f.where.token, &f.where.id, &f.certificate};
  for (size_t i = 0; i < std::size(kCards); ++i) {
    auto value = text::CardValue(lines[i + 1], kCards[i]);
    if (!value) return bad("line " + std::to_string(i + 2) + " must be '" + std::string(kCards[i]) + " VALUE'");
    *values[i] = std::string(*value);
  }
  return f;
}

}  // namespace vanban::token
