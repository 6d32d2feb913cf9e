#include "core/authority.h"

#include <algorithm>

#include "core/image.h"
#include "core/text.h"
#include "core/x509.h"

namespace vanban {

const char* RoleName(Role r) {
  switch (r) {
    case Role::kDrafter: return "drafter";
    case Role::kReviewer: return "reviewer";
    case Role::kSigner: return "signer";
    case Role::kClerk: return "clerk";
    case Role::kArchivist: return "archivist";
    case Role::kAdmin: return "admin";
  }
  return "?";
}

std::optional<Role> ParseRole(std::string_view s) {
  for (Role r : {Role::kDrafter, Role::kReviewer, Role::kSigner, Role::kClerk, Role::kArchivist, Role::kAdmin})
    if (s == RoleName(r)) return r;
  return std::nullopt;
}

std::string RolesText(const std::set<Role>& roles) {
  std::vector<std::string> names;
  for (Role r : roles) names.push_back(RoleName(r));
  std::sort(names.begin(), names.end());
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

std::set<Role> Person::RolesAt(const Timestamp& t) const {
  const Entry* in_force = nullptr;
  for (const Entry& e : history) {
    if (e.at <= t) in_force = &e;
  }
  if (!in_force || in_force->revoked) return {};
  return in_force->roles;
}

bool Authority::IsOrgRecord(std::string_view type) {
  return type == "org.create" || type == "person.grant" || type == "person.revoke" || type == "node.admit" ||
         type == "org.setting" || type == "org.ca" || type == "person.certificate" ||
         type == "org.trust-root" || type == "person.image" || type == "org.seal-image" || type == "org.calendar";
}

const std::string* Authority::CertificateOf(const PublicKey& key) const {
  if (const Person* p = FindPerson(key)) return p->certificates.empty() ? nullptr : &p->certificates.back();
  for (const auto& [root, o] : orgs_)
    if (o.seal == key) return o.seal_certificates.empty() ? nullptr : &o.seal_certificates.back();
  return nullptr;
}

std::optional<Authority::Binding> Authority::FindCertificate(std::string_view fingerprint) const {
  auto it = certificates_.find(fingerprint);
  if (it == certificates_.end()) return std::nullopt;
  return it->second;
}

const Organisation* Authority::FindOrg(const PublicKey& root) const {
  auto it = orgs_.find(root);
  return it == orgs_.end() ? nullptr : &it->second;
}

const Person* Authority::FindPerson(const PublicKey& key) const {
  auto it = persons_.find(key);
  return it == persons_.end() ? nullptr : &it->second;
}

const Person* Authority::FindLogin(const PublicKey& org, std::string_view login) const {
  for (const auto& [k, p] : persons_)
    if (p.org == org && p.login == login) return &p;
  return nullptr;
}

std::set<Role> Authority::RolesAt(const PublicKey& key, const Timestamp& at) const {
  const Person* p = FindPerson(key);
  return p ? p->RolesAt(at) : std::set<Role>{};
}

bool Authority::HasRole(const PublicKey& key, Role role, const Timestamp& at) const {
  return RolesAt(key, at).count(role) > 0;
}

std::string Authority::Setting(const PublicKey& org, const std::string& name, const std::string& def,
                               const Timestamp& at) const {
  const Organisation* o = FindOrg(org);
  if (!o) return def;
  auto it = o->settings.find(name);
  if (it == o->settings.end()) return def;
  std::string v = def;
  for (const auto& [from, value] : it->second)
    if (from <= at) v = value;
  return v;
}

std::string Authority::CurrentSetting(const PublicKey& org, const std::string& name, const std::string& def) const {
  const Organisation* o = FindOrg(org);
  if (!o) return def;
  auto it = o->settings.find(name);
  return it == o->settings.end() || it->second.empty() ? def : it->second.back().second;
}

std::vector<const Person*> Authority::Holders(const PublicKey& org, Role role) const {
  std::vector<const Person*> out;
  for (const auto& [k, p] : persons_)
    if (p.org == org && p.active() && p.current_roles().count(role)) out.push_back(&p);
  std::sort(out.begin(), out.end(), [](const Person* a, const Person* b) { return a->login < b->login; });
  return out;
}

std::vector<RecordId> Authority::Heads(const PublicKey& org) const {
  auto it = heads_.find(org);
  if (it == heads_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

namespace {

Status Refuse(const Record& r, const std::string& why) {
  // An action checked before signing has no id yet: name its type only.
  if (r.bytes().empty()) return Status::Refused(why);
  return Status::Refused(r.type() + " " + r.id_hex().substr(0, 12) + ": " + why);
}

// The one certificate a record carries as its text (PEM); `what` names it in the refusal.
Result<x509::Certificate> TextCertificate(const Record& r, const std::string& what) {
  if (!r.text()) return Refuse(r, r.type() + " carries " + what + " (PEM) as its text");
  auto der = x509::FromPem(*r.text());
  if (!der.ok()) return Refuse(r, what + ": " + der.status().message());
  auto c = x509::Read(*der);
  if (!c.ok()) return Refuse(r, what + ": " + c.status().message());
  return c;
}

}  // namespace

bool ValidLogin(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_')) return false;
  return s[0] >= 'a' && s[0] <= 'z';
}

Status Authority::Validate(const Record& r, const Timestamp& at) const {
  PublicKey org{};
  if (!FromHex(r.Get("org"), &org)) return Refuse(r, "'org' must be an organisation key (64 hex digits)");
  const PublicKey by = r.author();
  if (r.type() == "org.create") {
    if (by != org) return Refuse(r, "an organisation is created by its own root key");
    if (orgs_.count(org)) return Refuse(r, "organisation already exists");
    for (const char* k : {"code", "name", "place", "seal", "head-title", "utc-offset"})
      if (!r.Has(k)) return Refuse(r, std::string("missing card '") + k + "'");
    PublicKey seal;
    if (!FromHex(r.Get("seal"), &seal)) return Refuse(r, "'seal' must be a public key");
    if (!ParseOffset(r.Get("utc-offset")).ok()) return Refuse(r, "bad 'utc-offset'");
    if (!r.parents().empty()) return Refuse(r, "org.create has no parents");
    return Status::Ok();
  }
  const Organisation* o = FindOrg(org);
  if (!o) return Refuse(r, "unknown organisation " + r.Get("org").substr(0, 12));
  // A person binds a certificate from outside (a token's) to their own key.
  if (r.type() == "person.certificate" && r.Has("possession")) return ValidateOwnCertificate(r, *o, at);
  bool root = by == org;
  if (!root && !HasRole(by, Role::kAdmin, at)) {
    const Person* p = FindPerson(by);
    return Refuse(r, (p ? "'" + p->login + "'" : std::string("an unknown key")) +
                         " does not hold the role admin in this organisation at " + at.Iso());
  }
  if (!root) {
    const Person* p = FindPerson(by);
    if (!p || p->org != org) return Refuse(r, "an admin acts only in their own organisation");
  }
  if (r.type() == "person.grant") {
    PublicKey key;
    if (!FromHex(r.Get("key"), &key)) return Refuse(r, "'key' must be a public key");
    if (key == org || key == o->seal) return Refuse(r, "an organisation key cannot be a person");
    const std::string& login = r.Get("login");
    if (!ValidLogin(login)) return Refuse(r, "login '" + login + "' must be lower-case letters, digits, '.', '-', '_'");
    if (!r.Has("name") || !r.Has("title")) return Refuse(r, "a person needs 'name' and 'title'");
    auto roles = r.GetAll("role");
    if (roles.empty()) return Refuse(r, "a grant names at least one role");
    if (r.Has("x509-key")) {
      std::string spki;
      if (!FromHex(r.Get("x509-key"), &spki)) return Refuse(r, "'x509-key' must be hex");
      if (Status s = x509::CheckSigningKey(spki); !s.ok()) return Refuse(r, "'x509-key': " + s.message());
    }
    for (const auto& rn : roles)
      if (!ParseRole(rn)) return Refuse(r, "unknown role '" + rn + "'");
    if (const Person* existing = FindPerson(key)) {
      if (existing->org != org) return Refuse(r, "this key belongs to another organisation");
      if (existing->login != login) return Refuse(r, "this key already belongs to '" + existing->login + "'");
      if (!existing->active()) return Refuse(r, "'" + login + "' was revoked; a revoked key is not granted again");
    } else if (const Person* same = FindLogin(org, login)) {
      return Refuse(r, "login '" + login + "' is already taken (" + same->name + ")");
    }
    return Status::Ok();
  }
  if (r.type() == "person.revoke") {
    PublicKey key;
    if (!FromHex(r.Get("key"), &key)) return Refuse(r, "'key' must be a public key");
    const Person* p = FindPerson(key);
    if (!p || p->org != org) return Refuse(r, "no such person in this organisation");
    if (!p->active()) return Refuse(r, "'" + p->login + "' is already revoked");
    if (key == by) return Refuse(r, "an admin cannot revoke themselves");
    return Status::Ok();
  }
  if (r.type() == "node.admit") {
    PublicKey node;
    if (!FromHex(r.Get("node"), &node)) return Refuse(r, "'node' must be a public key");
    return Status::Ok();
  }
  if (r.type() == "org.ca") {
    if (!root) return Refuse(r, "an organisation's certification authority is set by its root key");
    auto c = TextCertificate(r, "the authority's certificate");
    if (!c.ok()) return c.status();
    if (!c->authority) return Refuse(r, "the certificate is not a certification authority (basicConstraints cA)");
    if (!x509::CheckIssuedBy(c->der, c->der).ok()) return Refuse(r, "the authority's certificate is not self-signed");
    return Status::Ok();
  }
  if (r.type() == "org.trust-root") {
    auto c = TextCertificate(r, "the root certificate");
    if (!c.ok()) return c.status();
    if (!c->authority) return Refuse(r, "the certificate is not a certification authority (basicConstraints cA)");
    if (std::count(o->trust_roots.begin(), o->trust_roots.end(), c->der))
      return Refuse(r, "this root is already trusted (" + c->subject.common_name + ")");
    return Status::Ok();
  }
  if (r.type() == "person.certificate") {
    PublicKey key;
    if (!FromHex(r.Get("key"), &key)) return Refuse(r, "'key' must be a public key");
    const Person* p = FindPerson(key);
    if (key != o->seal && (!p || p->org != org)) return Refuse(r, "the key is neither a person of this organisation nor its seal");
    if (p && !p->active()) return Refuse(r, "'" + p->login + "' has been revoked");
    auto c = TextCertificate(r, "the certificate");
    if (!c.ok()) return c.status();
    VB_RETURN_IF_ERROR(CheckSigningCertificate(r, *c, at));
    bool issued = false;
    for (const std::string& ca : o->authorities) issued = issued || x509::CheckIssuedBy(c->der, ca).ok();
    if (!issued) return Refuse(r, "the certificate was not issued by the organisation's certification authority");
    return Status::Ok();
  }
  if (r.type() == "person.image" || r.type() == "org.seal-image") {
    if (r.type() == "person.image") {
      PublicKey key;
      if (!FromHex(r.Get("key"), &key)) return Refuse(r, "'key' must be a public key");
      const Person* p = FindPerson(key);
      if (!p || p->org != org) return Refuse(r, "no such person in this organisation");
      if (!p->active()) return Refuse(r, "'" + p->login + "' has been revoked");
    } else {
      const auto mm = text::ParseDecimal(r.Get("diameter"), 999);
      if (!mm || *mm < image::kMinSealMm || *mm > image::kMaxSealMm)
        return Refuse(r, "'diameter' must be the seal's diameter in millimetres, " + std::to_string(image::kMinSealMm) +
                             " to " + std::to_string(image::kMaxSealMm));
    }
    if (!r.text()) return Refuse(r, r.type() + " carries the PNG (base64) as its text");
    auto png = image::FromText(*r.text());
    if (!png.ok()) return Refuse(r, png.status().message());
    if (auto read = image::ReadPng(*png); !read.ok()) return Refuse(r, read.status().message());
    return Status::Ok();
  }
  if (r.type() == "org.calendar") {
    if (!r.text()) return Refuse(r, "org.calendar carries its days as its text");
    if (auto days = ParseCalendar(*r.text(), "the calendar"); !days.ok()) return Refuse(r, days.status().message());
    return Status::Ok();
  }
  if (r.type() == "org.setting") {
    static const std::set<std::string> kSettings = {"require-concurrence"};
    if (!kSettings.count(r.Get("name"))) return Refuse(r, "unknown setting '" + r.Get("name") + "'");
    const std::string& v = r.Get("value");
    if (v != "yes" && v != "no") return Refuse(r, "setting value must be yes or no");
    return Status::Ok();
  }
  return Refuse(r, "not an organisation record");
}

Status Authority::CheckSigningCertificate(const Record& r, const x509::Certificate& c, const Timestamp& at) const {
  if (c.authority || !c.signing)
    return Refuse(r, "the certificate is not a signing certificate (keyUsage digitalSignature or nonRepudiation, not a CA)");
  if (at.utc < c.not_before || at.utc > c.not_after) return Refuse(r, "the certificate is not valid at " + at.Iso());
  if (certificates_.count(c.fingerprint)) return Refuse(r, "the certificate is already bound to a key");
  return Status::Ok();
}

std::string Authority::PossessionMessage(const PublicKey& org, const PublicKey& key, std::string_view fingerprint) {
  return "vanban person.certificate possession\norg " + ToHex(org) + "\nkey " + ToHex(key) + "\ncertificate " +
         std::string(fingerprint) + "\n";
}

Status Authority::ValidateOwnCertificate(const Record& r, const Organisation& o, const Timestamp& at) const {
  PublicKey key;
  if (!FromHex(r.Get("key"), &key)) return Refuse(r, "'key' must be a public key");
  if (key != r.author()) return Refuse(r, "a certificate with a proof of possession is bound by its holder, to their own key");
  const Person* p = FindPerson(key);
  if (!p || p->org != o.root) return Refuse(r, "the key is not a person of this organisation");
  if (!p->active()) return Refuse(r, "'" + p->login + "' has been revoked");
  if (!HasRole(key, Role::kSigner, at)) return Refuse(r, "'" + p->login + "' does not hold the role signer at " + at.Iso());
  if (!r.text()) return Refuse(r, "person.certificate carries the certificate and its chain (PEM) as its text");
  auto all = x509::AllFromPem(*r.text());
  if (!all.ok()) return Refuse(r, "the certificate: " + all.status().message());
  if (all->empty()) return Refuse(r, "the certificate: no certificate in the text");
  auto c = x509::Read(all->front());
  if (!c.ok()) return Refuse(r, "the certificate: " + c.status().message());
  VB_RETURN_IF_ERROR(CheckSigningCertificate(r, *c, at));
  std::vector<std::string> roots = o.trust_roots;
  roots.insert(roots.end(), o.authorities.begin(), o.authorities.end());
  std::vector<std::string> others(all->begin() + 1, all->end());
  if (Status chained = x509::CheckChain(c->der, others, roots, at.utc); !chained.ok())
    return Refuse(r, "the certificate does not chain to a root this organisation trusts: " + chained.message() +
                         " (an admin adds the root with 'vanban trust add ROOT.pem')");
  std::string proof;
  if (!FromHex(r.Get("possession"), &proof) ||
      !x509::VerifySignature(c->der, PossessionMessage(o.root, key, c->fingerprint), proof))
    return Refuse(r, "'possession' is not the certificate key's signature of its binding");
  return Status::Ok();
}

Status Authority::Check(const Record& r) const {
  auto at = ParseTimestamp(r.Get("at"));
  if (!at.ok()) return Refuse(r, "bad 'at' card");
  return Validate(r, *at);
}

Status Authority::Apply(const Record& r) {
  auto at = ParseTimestamp(r.Get("at"));
  if (!at.ok()) return Refuse(r, "bad 'at' card");
  VB_RETURN_IF_ERROR(Validate(r, *at));
  PublicKey org{};
  FromHex(r.Get("org"), &org);
  auto& heads = heads_[org];
  for (const RecordId& p : r.parents()) heads.erase(p);
  heads.insert(r.id());
  if (r.type() == "org.create") {
    Organisation o;
    o.root = org;
    FromHex(r.Get("seal"), &o.seal);
    o.code = r.Get("code");
    o.name = r.Get("name");
    o.place = r.Get("place");
    o.parent_body = r.Get("parent-body");
    o.head_title = r.Get("head-title");
    o.offset_minutes = *ParseOffset(r.Get("utc-offset"));
    o.created = *at;
    o.create_id = r.id();
    orgs_[org] = std::move(o);
  } else if (r.type() == "person.grant") {
    PublicKey key;
    FromHex(r.Get("key"), &key);
    Person& p = persons_[key];
    p.key = key;
    p.org = org;
    p.login = r.Get("login");
    p.name = r.Get("name");
    p.title = r.Get("title");
    if (r.Has("x509-key")) FromHex(r.Get("x509-key"), &p.x509_key);
    Person::Entry e{*at, false, {}};
    for (const auto& rn : r.GetAll("role")) e.roles.insert(*ParseRole(rn));
    p.history.push_back(std::move(e));
  } else if (r.type() == "person.revoke") {
    PublicKey key;
    FromHex(r.Get("key"), &key);
    persons_[key].history.push_back({*at, true, {}});
  } else if (r.type() == "node.admit") {
    PublicKey node;
    FromHex(r.Get("node"), &node);
    Organisation& o = orgs_[org];
    o.nodes.insert(node);
    o.admissions.push_back({node, r.Get("label"), *at, r.author(), r.id()});
  } else if (r.type() == "org.setting") {
    orgs_[org].settings[r.Get("name")].push_back({*at, r.Get("value")});
  } else if (r.type() == "org.ca") {
    orgs_[org].authorities.push_back(*x509::FromPem(*r.text()));
  } else if (r.type() == "org.trust-root") {
    orgs_[org].trust_roots.push_back(*x509::FromPem(*r.text()));
  } else if (r.type() == "person.image") {
    PublicKey key;
    FromHex(r.Get("key"), &key);
    persons_[key].signature_image = *image::FromText(*r.text());
  } else if (r.type() == "org.calendar") {
    auto days = ParseCalendar(*r.text(), "the calendar");  // checked in Validate
    for (const CalendarDay& d : *days) orgs_[org].calendar.Set(d);
  } else if (r.type() == "org.seal-image") {
    orgs_[org].seal_image = *image::FromText(*r.text());
    orgs_[org].seal_diameter_mm = static_cast<int>(*text::ParseDecimal(r.Get("diameter"), 999));
  } else if (r.type() == "person.certificate") {
    PublicKey key;
    FromHex(r.Get("key"), &key);
    std::vector<std::string> chain = *x509::AllFromPem(*r.text());
    std::vector<std::string>& list = key == orgs_[org].seal ? orgs_[org].seal_certificates : persons_[key].certificates;
    list.push_back(chain.front());
    certificates_[x509::Read(chain.front())->fingerprint] =
        Binding{org, key, *at, std::vector<std::string>(chain.begin() + 1, chain.end())};
  }
  return Status::Ok();
}

}  // namespace vanban
