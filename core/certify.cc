// The organisation's certification authority and the signing certificates it
// issues on the node that holds the root key (node.h: CertifyHere, CertifiedKey;
// docs/certificates.md).
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "core/db.h"
#include "core/files.h"
#include "core/node.h"
#include "core/store.h"
#include "core/text.h"

namespace vanban {

namespace {

constexpr size_t kMaxCertKeyFile = 16 * 1024;
constexpr const char* kAuthorityFile = "org-ca.x509";
constexpr const char* kSealFile = "seal.x509";

std::string PersonFile(const std::string& login) { return "person-" + login + ".x509"; }
std::string TokenFile(const std::string& login) { return "person-" + login + ".token"; }

}  // namespace

Result<std::optional<Node::Certified>> Node::CertifiedKey(const SecretKey& holder, const std::string& file) const {
  const std::string* cert = auth_.CertificateOf(holder.public_key());
  if (!cert) return std::optional<Certified>();
  const std::string path = KeyPath(file);
  auto bytes = files::Read(path, kMaxCertKeyFile);
  if (!bytes.ok()) {
    if (bytes.status().code() == Status::Code::kNotFound) return std::optional<Certified>();
    return bytes.status();
  }
  VB_ASSIGN_OR_RETURN(x509::Certificate c, x509::Read(*cert));
  VB_ASSIGN_OR_RETURN(x509::KeyFileInfo info, x509::PeekKey(*bytes, path));
  // A key file of an earlier certificate (replaced since) is not this one's key; a key
  // made with a key request names its own public key until its certificate arrives.
  if (info.certificate != c.fingerprint && info.certificate != x509::Sha256Hex(c.public_key))
    return std::optional<Certified>();
  VB_ASSIGN_OR_RETURN(x509::PrivateKey key, x509::OpenKey(*bytes, holder, path));
  if (key.PublicDer() != c.public_key) return Status::Invalid(path + ": holds another key than its certificate's");
  return std::optional<Certified>(Certified{std::move(key), ChainOf(*cert)});
}

std::vector<std::string> Node::ChainOf(const std::string& cert) const {
  std::vector<std::string> chain = {cert};
  auto c = x509::Read(cert);
  auto binding = c.ok() ? auth_.FindCertificate(c->fingerprint) : std::nullopt;
  if (!binding) return chain;
  chain.insert(chain.end(), binding->intermediates.begin(), binding->intermediates.end());
  if (const Organisation* o = auth_.FindOrg(binding->org))
    for (const std::string& ca : o->authorities)
      if (x509::CheckIssuedBy(cert, ca).ok()) chain.push_back(ca);
  return chain;
}

Result<std::optional<token::Location>> Node::SigningToken(const std::string& login) const {
  const Person* p = auth_.FindLogin(org_, login);
  const std::string* cert = p ? auth_.CertificateOf(p->key) : nullptr;
  if (!cert) return std::optional<token::Location>();
  const std::string path = KeyPath(TokenFile(login));
  auto bytes = files::Read(path, kMaxCertKeyFile);
  if (!bytes.ok()) {
    if (bytes.status().code() == Status::Code::kNotFound) return std::optional<token::Location>();
    return bytes.status();
  }
  VB_ASSIGN_OR_RETURN(token::LocationFile where, token::ReadLocation(*bytes, path));
  VB_ASSIGN_OR_RETURN(x509::Certificate c, x509::Read(*cert));
  // The token of an earlier certificate (replaced since) does not sign for this one.
  if (where.certificate != c.fingerprint || where.owner != login) return std::optional<token::Location>();
  return std::optional<token::Location>(where.where);
}

Result<std::optional<token::Session>> Node::TokenOf(const std::string& login, const PassphraseSource& pin) const {
  VB_ASSIGN_OR_RETURN(std::optional<token::Location> where, SigningToken(login));
  if (!where) return std::optional<token::Session>();
  VB_ASSIGN_OR_RETURN(token::Session s, token::Session::Open(*where, pin));
  if (s.certificate() != *auth_.CertificateOf(auth_.FindLogin(org_, login)->key))
    return Status::Invalid("the key with id " + s.location().id + " on token '" + s.location().token +
                           "' is not the one bound to '" + login +
                           "': plug in their token, or bind this one with 'vanban key token'");
  return std::optional<token::Session>(std::move(s));
}

Result<Node::BoundToken> Node::BindToken(const Actor& actor, const token::Location& where, const std::string& chain_pem) {
  VB_ASSIGN_OR_RETURN(const Person* who, ActingPerson(actor));
  const std::string login = who->login;
  const PublicKey key = who->key;
  std::vector<std::string> extra;
  if (!chain_pem.empty()) { VB_ASSIGN_OR_RETURN(extra, x509::AllFromPem(chain_pem)); }
  VB_ASSIGN_OR_RETURN(token::Session session, token::Session::Open(where, actor.pin));
  BoundToken out;
  out.login = login;
  out.where = session.location();
  VB_ASSIGN_OR_RETURN(out.certificate, x509::Read(session.certificate()));
  const x509::Certificate& c = out.certificate;
  if (auto bound = auth_.FindCertificate(c.fingerprint)) {
    if (bound->key != key) return Status::Refused(Reason{"certificate-bound-elsewhere", {{"serial", c.serial}}});
    out.already = true;
  }
  // The authorities between the certificate and its root: those the token holds and
  // those given, without the roots themselves (the organisation trusts those).
  std::string text = x509::ToPem(c.der);
  std::set<std::string> seen = {c.der};
  extra.insert(extra.begin(), session.authorities().begin(), session.authorities().end());
  for (const std::string& der : extra)
    if (seen.insert(der).second && !x509::CheckIssuedBy(der, der).ok()) text += x509::ToPem(der);
  const std::string path = KeyPath(TokenFile(login));
  const std::string location = token::WriteLocation({out.where, login, c.fingerprint});
  if (out.already) {
    VB_RETURN_IF_ERROR(files::WriteAtomic(path, location, 0600, false));
    return out;
  }
  std::string proof = session.Key().Sign(Authority::PossessionMessage(org_, key, c.fingerprint));
  Record r("person.certificate");
  r.Add("key", ToHex(key));
  r.Add("possession", ToHex(reinterpret_cast<const uint8_t*>(proof.data()), proof.size()));
  r.SetText(text);
  // Written once the binding is allowed, before its record: alone, the file names a
  // certificate not bound to anyone, which signing ignores.
  auto write = [&](Record&, const SecretKey&, const PassphraseSource&) {
    return files::WriteAtomic(path, location, 0600, false);
  };
  VB_RETURN_IF_ERROR(Act(actor, "", Fixed(r), write).status());
  return out;
}

Status Node::CertifyHere(const std::string& login, const PassphraseSource& pass, const std::vector<PublicKey>& people,
                         std::vector<std::string>* written) {
  const std::string root_path = KeyPath("org-root.key");
  auto root_file = files::Read(root_path, 4096);
  if (!root_file.ok()) {
    if (root_file.status().code() == Status::Code::kNotFound)
      return Status::NotFound("this node does not hold the organisation's root key (" + root_path +
                              "): certificates are issued on the node where 'vanban init' was run");
    return root_file.status();
  }
  VB_ASSIGN_OR_RETURN(KeyFile::Info root_info, KeyFile::Peek(*root_file, root_path));
  if (root_info.owner != login)
    return Status::NotFound("the organisation's root key on this node is '" + root_info.owner + "''s, not '" + login + "''s");
  VB_ASSIGN_OR_RETURN(SecretKey root, UnlockKeyFile("org-root.key", pass));
  if (root.public_key() != org_) return Status::Invalid(root_path + " holds another key than this organisation's root");
  Timestamp now = Now();
  const Organisation& o = org();
  const std::string org_name = o.name;

  auto bind = [&](Record r) -> Status {
    r.Add("org", ToHex(org_));
    r.Add("at", now.Iso());
    for (const RecordId& h : auth_.Heads(org_)) r.Add("parent", ToHex(h));
    VB_RETURN_IF_ERROR(r.Sign(root));
    return IngestOne(r);
  };
  auto keep = [&](const std::string& file, const std::string& bytes) -> Status {
    const std::string path = KeyPath(file);
    VB_RETURN_IF_ERROR(files::WriteAtomic(path, bytes, 0600, false));
    written->push_back(path);
    return Status::Ok();
  };

  // The authority: made once, then opened from its key file.
  x509::PrivateKey ca_key;
  std::string ca;
  if (o.authorities.empty()) {
    ca_key = x509::PrivateKey::Generate();
    ca = x509::MakeAuthority(ca_key, {org_name, "", org_name}, now.utc);
    VB_RETURN_IF_ERROR(keep(kAuthorityFile, x509::SealKey(ca_key, x509::KeyHolder::kAuthority, login, org_, ca)));
    Record r("org.ca");
    r.SetText(x509::ToPem(ca));
    VB_RETURN_IF_ERROR(bind(std::move(r)));
  } else {
    ca = org().authorities.back();
    const std::string path = KeyPath(kAuthorityFile);
    auto bytes = files::Read(path, kMaxCertKeyFile);
    if (!bytes.ok()) {
      if (bytes.status().code() == Status::Code::kNotFound)
        return Status::NotFound("the key of the organisation's certification authority is not on this node (" + path + ")");
      return bytes.status();
    }
    VB_ASSIGN_OR_RETURN(x509::Certificate c, x509::Read(ca));
    VB_ASSIGN_OR_RETURN(x509::KeyFileInfo info, x509::PeekKey(*bytes, path));
    if (info.certificate != c.fingerprint) return Status::Invalid(path + " is the key of another certification authority");
    VB_ASSIGN_OR_RETURN(ca_key, x509::OpenKey(*bytes, root, path));
  }

  auto certify = [&](const PublicKey& holder, x509::KeyHolder what, const std::string& owner, const x509::Name& name,
                     const std::string& file) -> Status {
    x509::PrivateKey key = x509::PrivateKey::Generate();
    VB_ASSIGN_OR_RETURN(std::string cert, x509::Issue(ca_key, ca, key.PublicDer(), name, now.utc));
    VB_RETURN_IF_ERROR(keep(file, x509::SealKey(key, what, owner, holder, cert)));
    Record r("person.certificate");
    r.Add("key", ToHex(holder));
    r.SetText(x509::ToPem(cert));
    return bind(std::move(r));
  };
  if (org().seal_certificates.empty())
    VB_RETURN_IF_ERROR(certify(org().seal, x509::KeyHolder::kSeal, login, {org_name, "", org_name}, kSealFile));

  std::vector<PublicKey> wanted = people;
  if (wanted.empty())
    for (const Person* p : auth_.Holders(org_, Role::kSigner)) wanted.push_back(p->key);
  for (const PublicKey& k : wanted) {
    const Person* p = auth_.FindPerson(k);
    if (!p || p->org != org_ || !p->active() || !p->certificates.empty()) continue;
    const std::string person_login = p->login;
    const x509::Name name{p->name, p->title, org_name};
    // The person's X.509 key is made where their Ed25519 key is, and never leaves it:
    // here, or on their own node, whose key request gave its public key (the grant's
    // x509-key), which is certified without a key file here.
    if (files::Exists(KeyPath("person-" + person_login + ".key"))) {
      VB_RETURN_IF_ERROR(certify(k, x509::KeyHolder::kPerson, person_login, name, PersonFile(person_login)));
    } else if (!p->x509_key.empty()) {
      const std::string spki = p->x509_key;
      VB_ASSIGN_OR_RETURN(std::string cert, x509::Issue(ca_key, ca, spki, name, now.utc));
      Record r("person.certificate");
      r.Add("key", ToHex(k));
      r.SetText(x509::ToPem(cert));
      VB_RETURN_IF_ERROR(bind(std::move(r)));
    }
  }
  return Status::Ok();
}

Result<x509::Certificate> Node::AddTrustRoot(const Actor& actor, const std::string& pem) {
  VB_ASSIGN_OR_RETURN(std::vector<std::string> all, x509::AllFromPem(pem));
  if (all.size() != 1) return Status::BadInput("give one root certificate per file (found " + std::to_string(all.size()) + ")");
  VB_ASSIGN_OR_RETURN(x509::Certificate c, x509::Read(all[0]));
  if (!c.authority) return Status::BadInput("'" + c.subject.common_name + "' is not a certification authority (basicConstraints cA)");
  Record r("org.trust-root");
  r.SetText(x509::ToPem(all[0]));
  VB_RETURN_IF_ERROR(Act(actor, "", Fixed(r)).status());
  return c;
}

Result<image::Raster> Node::SetSignatureImage(const Actor& actor, const std::string& login, const std::string& png) {
  const Person* p = auth_.FindLogin(org_, login);
  if (!p) return Status::NotFound("no person '" + login + "' in " + org().name);
  if (!p->active()) return Status::Refused(Reason{"person-revoked", {{"login", login}}});
  VB_ASSIGN_OR_RETURN(image::Raster raster, image::ReadPng(png));
  Record r("person.image");
  r.Add("key", ToHex(p->key));
  r.SetText(image::ToText(png));
  VB_RETURN_IF_ERROR(Act(actor, "", Fixed(r)).status());
  return raster;
}

Result<image::Raster> Node::SetSealImage(const Actor& actor, const std::string& png, int diameter_mm) {
  if (diameter_mm < image::kMinSealMm || diameter_mm > image::kMaxSealMm)
    return Status::BadInput("the seal's diameter must be " + std::to_string(image::kMinSealMm) + " to " +
                            std::to_string(image::kMaxSealMm) + " mm (a round seal of an office is usually 35-36 mm)");
  VB_ASSIGN_OR_RETURN(image::Raster raster, image::ReadPng(png));
  Record r("org.seal-image");
  r.Add("diameter", std::to_string(diameter_mm));
  r.SetText(image::ToText(png));
  VB_RETURN_IF_ERROR(Act(actor, "", Fixed(r)).status());
  return raster;
}

namespace {
constexpr size_t kMaxRevocationList = 64u << 20;  // national CAs' lists run to megabytes
std::string RevocationFile(const x509::RevocationList& l) {
  Hash h = crypto::Blake2b(l.issuer.common_name + "\n" + l.issuer.organisation + "\n" + l.issuer.country);
  return ToHex(h).substr(0, 32) + ".crl";
}
}  // namespace

const std::vector<std::string>& Node::NodeSettingNames() {
  static const std::vector<std::string> kNames = {"tsa"};
  return kNames;
}

Result<std::string> Node::NodeSetting(const std::string& name) const {
  const auto& names = NodeSettingNames();
  if (std::find(names.begin(), names.end(), name) == names.end())
    return Status::BadInput("no node setting '" + name + "' (there is: tsa)");
  return store_->Meta("setting." + name);
}

Status Node::SetNodeSetting(const std::string& name, const std::string& value) {
  VB_RETURN_IF_ERROR(NodeSetting(name).status());
  if (name == "tsa" && !value.empty() &&
      (value.rfind("http://", 0) != 0 || value.size() <= 7 || text::HasControl(value) || value.find(' ') != std::string::npos))
    return Status::BadInput("tsa must be an http:// URL of a time-stamping authority (the token is signed; "
                            "no TLS is needed), e.g. http://timestamp.example.vn/tsa");
  return store_->SetMeta("setting." + name, value);
}

Result<x509::RevocationList> Node::AddRevocationList(const std::string& bytes) {
  VB_ASSIGN_OR_RETURN(x509::RevocationList l, x509::ReadRevocationList(bytes));
  const std::string dir = home_ + "/crl";
  VB_RETURN_IF_ERROR(files::MakeDirs(dir, 0700));
  const std::string path = dir + "/" + RevocationFile(l);
  if (auto held = files::Read(path, kMaxRevocationList); held.ok()) {
    if (auto old = x509::ReadRevocationList(*held); old.ok() && old->this_update > l.this_update)
      return Status::Refused(Reason{"revocation-list-older",
                                    {{"issuer", l.issuer.common_name},
                                     {"held", Timestamp{old->this_update, 0}.Iso()},
                                     {"given", Timestamp{l.this_update, 0}.Iso()}}});
  }
  VB_RETURN_IF_ERROR(files::WriteAtomic(path, l.der, 0644, false));
  return l;
}

Result<std::vector<std::string>> Node::RevocationLists() const {
  std::vector<std::string> out;
  const std::string dir = home_ + "/crl";
  if (!files::Exists(dir)) return out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() != ".crl") continue;
    VB_ASSIGN_OR_RETURN(std::string bytes, files::Read(e.path().string(), kMaxRevocationList));
    out.push_back(std::move(bytes));
  }
  if (ec) return Status::BadInput(dir + ": " + ec.message());
  std::sort(out.begin(), out.end());  // the same order on every run
  return out;
}

std::vector<std::string> Node::TrustRoots() const {
  std::vector<std::string> out;
  for (const auto& [root, o] : auth_.orgs()) {
    out.insert(out.end(), o.authorities.begin(), o.authorities.end());
    if (root == org_) out.insert(out.end(), o.trust_roots.begin(), o.trust_roots.end());
  }
  return out;
}

bool Node::CertificatesMissing(const Actor& actor) const {
  auto login = actor.login.empty() ? DefaultLogin() : Result<std::string>(actor.login);
  auto root = files::Read(KeyPath("org-root.key"), 4096);
  if (!login.ok() || !root.ok()) return false;
  auto info = KeyFile::Peek(*root, KeyPath("org-root.key"));
  if (!info.ok() || info->owner != *login) return false;
  const Organisation& o = org();
  if (o.authorities.empty() || o.seal_certificates.empty()) return true;
  for (const Person* p : auth_.Holders(org_, Role::kSigner))
    if (p->certificates.empty() && (files::Exists(KeyPath("person-" + p->login + ".key")) || !p->x509_key.empty()))
      return true;
  return false;
}

}  // namespace vanban
