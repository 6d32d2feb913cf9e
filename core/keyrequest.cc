#include "core/keyrequest.h"

#include <vector>

#include "core/authority.h"
#include "core/text.h"
#include "core/x509.h"

namespace vanban {

namespace {

constexpr std::string_view kMagic = "vanban-key-request 1";
// The lines in their one order; `sig` follows and covers every byte before it.
constexpr const char* kFields[] = {"org", "login", "name", "title", "key", "node"};

std::string Body(const KeyRequest& r) {
  std::string b(kMagic);
  b += "\n";
  b += "org " + ToHex(r.org) + "\n";
  b += "login " + r.login + "\n";
  b += "name " + r.name + "\n";
  b += "title " + r.title + "\n";
  b += "key " + ToHex(r.key) + "\n";
  b += "node " + ToHex(r.node) + "\n";
  if (!r.x509_key.empty())
    b += "x509 " + ToHex(reinterpret_cast<const uint8_t*>(r.x509_key.data()), r.x509_key.size()) + "\n";
  return b;
}

// A one-line value as records take them: UTF-8, NFC, no control byte, no edge space.
bool GoodText(std::string_view v) {
  if (v.empty() || v.size() > 4096 || v.front() == ' ' || v.back() == ' ') return false;
  if (text::HasControl(v) || !text::CheckUtf8(v).ok()) return false;
  auto n = text::Normalize(v);
  return n.ok() && *n == v;
}

}  // namespace

std::string EncodeKeyRequest(const KeyRequest& req, const SecretKey& key) {
  std::string body = Body(req);
  Signature sig = key.Sign(body);
  return body + "sig " + ToHex(sig) + "\n";
}

Result<KeyRequest> ParseKeyRequest(std::string_view bytes, std::string_view where) {
  const std::string pre = std::string(where) + ": not a vanban key request: ";
  auto bad = [&](const std::string& why) { return Status::BadInput(pre + why); };
  if (bytes.size() > kMaxKeyRequestBytes) return bad("larger than 16 KiB");
  if (bytes.empty() || bytes.back() != '\n') return bad("last line is not terminated");
  const std::vector<std::string_view> lines = *text::TerminatedLines(bytes);  // the last LF is checked above
  // An optional 'x509' line after the fields (requests made before certificates have none).
  constexpr size_t kShort = 2 + std::size(kFields);
  if (lines.size() != kShort && lines.size() != kShort + 1)
    return bad("expected " + std::to_string(kShort) + " or " + std::to_string(kShort + 1) + " lines, found " +
               std::to_string(lines.size()));
  const size_t kLines = lines.size();
  if (lines[0] != kMagic) return bad("first line must be '" + std::string(kMagic) + "'");
  KeyRequest r;
  for (size_t i = 0; i < std::size(kFields); ++i) {
    std::string_view line = lines[i + 1];
    const std::string key = kFields[i];
    const std::string n = "line " + std::to_string(i + 2) + ": ";
    if (line.substr(0, key.size() + 1) != key + " ") return bad(n + "expected '" + key + " …'");
    std::string_view v = line.substr(key.size() + 1);
    if (key == "org" || key == "key" || key == "node") {
      PublicKey* out = key == "org" ? &r.org : key == "key" ? &r.key : &r.node;
      if (!FromHex(v, out)) return bad(n + "bad " + key + " (64 lower-case hex digits)");
    } else if (key == "login") {
      if (!ValidLogin(v)) return bad(n + "bad login '" + std::string(v) + "'");
      r.login = v;
    } else {
      if (!GoodText(v)) return bad(n + "bad " + key + " (one line of UTF-8 in NFC)");
      (key == "name" ? r.name : r.title) = v;
    }
  }
  if (kLines == kShort + 1) {
    std::string_view line = lines[kShort - 1];
    const std::string n = "line " + std::to_string(kShort) + ": ";
    if (line.substr(0, 5) != "x509 " || !FromHex(line.substr(5), &r.x509_key))
      return bad(n + "expected 'x509 ' and the signing key's SubjectPublicKeyInfo in lower-case hex");
    if (Status s = x509::CheckSigningKey(r.x509_key); !s.ok()) return bad(n + s.message());
  }
  std::string_view sig_line = lines[kLines - 1];
  Signature sig;
  if (sig_line.substr(0, 4) != "sig " || !FromHex(sig_line.substr(4), &sig))
    return bad("line " + std::to_string(kLines) + ": sig must be 128 lower-case hex digits");
  // Canonical: the bytes must be exactly what this program writes for these values.
  std::string body = Body(r);
  if (bytes.substr(0, body.size()) != body) return bad("not in canonical form");
  if (!crypto::Verify(r.key, body, sig))
    return Status::BadInput(std::string(where) + ": the key request's signature does not verify (the file was changed)");
  return r;
}

}  // namespace vanban
