// vanban/core — Authority: organisations, people and the roles in force over time.
//
// Folded from the organisation-level records (org.create, person.grant,
// person.revoke, node.admit, org.setting, org.ca, person.certificate, org.trust-root,
// person.image, org.seal-image, org.calendar;
// docs/records.md). An organisation is
// named by its root public key; the root key grants and revokes roles, and so may
// a person who holds `admin` at that moment. A role is "in force" for a record
// timestamped t if the person's latest grant at or before t carries it and no
// revocation at or before t follows — so revoking a person invalidates their later
// records and keeps their earlier ones. Not thread-safe; one per Node.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/calendar.h"
#include "core/clock.h"
#include "core/record.h"
#include "core/x509.h"

namespace vanban {

enum class Role { kDrafter, kReviewer, kSigner, kClerk, kArchivist, kAdmin };
const char* RoleName(Role r);
std::optional<Role> ParseRole(std::string_view s);
std::string RolesText(const std::set<Role>& roles);  // "admin,signer"
// A login as the rules accept it: [a-z][a-z0-9._-]{0,31}.
bool ValidLogin(std::string_view s);

// One node.admit record of an organisation (a key admitted twice keeps both).
struct NodeAdmission {
  PublicKey node{};
  std::string label;  // may be empty
  Timestamp at;
  PublicKey by{};     // the root key or an admin
  RecordId id{};
};

struct Organisation {
  PublicKey root{};
  PublicKey seal{};
  std::string code;         // "SNgV"
  std::string name;         // "Sở Ngoại vụ tỉnh Lạng Sơn"
  std::string place;        // "Lạng Sơn"
  std::string parent_body;  // "UBND TỈNH LẠNG SƠN", may be empty
  std::string head_title;   // the head's title, "Giám đốc"
  int offset_minutes = 420;
  Timestamp created;
  RecordId create_id{};
  // name -> (from, value), in record order: a setting counts from its record's time on.
  std::map<std::string, std::vector<std::pair<Timestamp, std::string>>> settings;
  std::set<PublicKey> nodes;
  std::vector<NodeAdmission> admissions;  // in the organisation's record order
  // Its certification authorities (org.ca), DER, in record order: the newest is
  // the one that issues; every one stays trusted for what it issued.
  std::vector<std::string> authorities;
  // The seal's signing certificates (person.certificate of the seal key), DER, in order.
  std::vector<std::string> seal_certificates;
  // Root authorities its admins trust for the signatures of PDFs from anywhere
  // (org.trust-root: the national CA of the Government Cipher Committee, a
  // ministry's), DER, in record order.
  std::vector<std::string> trust_roots;
  // The image of its seal (org.seal-image: PNG, red, transparent background) and its
  // real diameter, drawn in the seal's field at issuance; empty: a text stamp.
  std::string seal_image;
  int seal_diameter_mm = 0;
  // Its working days (org.calendar): public holidays, days off in lieu, weekend days
  // worked in exchange; what deadlines in working days count.
  WorkCalendar calendar;
};

struct Person {
  PublicKey key{};
  PublicKey org{};
  std::string login, name, title;
  struct Entry {
    Timestamp at;
    bool revoked;
    std::set<Role> roles;
  };
  std::vector<Entry> history;  // in the organisation's record order
  std::vector<std::string> certificates;  // signing certificates (DER), in record order: the last is in use
  // The public key (SubjectPublicKeyInfo, DER) of the X.509 signing key made on the
  // person's own node with their key request, for the authority to certify; "" when
  // their keys were made on the admin's node.
  std::string x509_key;
  // The image of their handwritten signature (person.image: PNG, blue, transparent
  // background), drawn in their signature's field; empty: a text stamp.
  std::string signature_image;
  std::set<Role> RolesAt(const Timestamp& t) const;
  bool active() const { return !history.empty() && !history.back().revoked; }
  std::set<Role> current_roles() const { return history.empty() ? std::set<Role>{} : history.back().roles; }
};

class Authority {
 public:
  // Validates an organisation-level record against what is known and applies it.
  // Records must come in a causal order (parents first); Refused says why not.
  Status Apply(const Record& r);
  // Would Apply accept it? (Same rules, nothing changes.)
  Status Check(const Record& r) const;

  static bool IsOrgRecord(std::string_view type);

  const Organisation* FindOrg(const PublicKey& root) const;
  const Person* FindPerson(const PublicKey& key) const;
  const Person* FindLogin(const PublicKey& org, std::string_view login) const;
  bool HasRole(const PublicKey& key, Role role, const Timestamp& at) const;
  // Roles of `key` at time t in organisation `org` (empty if it is not theirs).
  std::set<Role> RolesAt(const PublicKey& key, const Timestamp& at) const;
  const std::map<PublicKey, Organisation>& orgs() const { return orgs_; }
  const std::map<PublicKey, Person>& persons() const { return persons_; }
  // The value in force at `at` (the latest set at or before it), else `def`.
  std::string Setting(const PublicKey& org, const std::string& name, const std::string& def, const Timestamp& at) const;
  std::string CurrentSetting(const PublicKey& org, const std::string& name, const std::string& def) const;
  // People of an organisation holding `role` now, in login order.
  std::vector<const Person*> Holders(const PublicKey& org, Role role) const;
  // The signing certificate (DER) in use for a person's or a seal's key: the last
  // one bound to it; nullptr when none is.
  const std::string* CertificateOf(const PublicKey& key) const;
  // The organisation that bound the certificate with this SHA-256 fingerprint to a
  // key, and that key; nullopt when no such certificate is bound here.
  struct Binding {
    PublicKey org{}, key{};
    Timestamp at;  // when it was bound
    // The authorities between it and a root its organisation trusts (DER), for a
    // certificate from outside (a token's); empty for the organisation's own.
    std::vector<std::string> intermediates;
  };
  std::optional<Binding> FindCertificate(std::string_view fingerprint) const;
  // What a person signs with the key of a certificate from outside (a token's) to
  // prove they hold it, in the 'possession' card of its person.certificate record
  // (docs/certificates.md).
  static std::string PossessionMessage(const PublicKey& org, const PublicKey& key, std::string_view fingerprint);
  // Heads of the organisation-level record graph of `org`, for new records' parents.
  std::vector<RecordId> Heads(const PublicKey& org) const;

 private:
  Status Validate(const Record& r, const Timestamp& at) const;
  Status ValidateOwnCertificate(const Record& r, const Organisation& o, const Timestamp& at) const;
  Status CheckSigningCertificate(const Record& r, const x509::Certificate& c, const Timestamp& at) const;
  std::map<PublicKey, Organisation> orgs_;
  std::map<PublicKey, Person> persons_;
  std::map<PublicKey, std::set<RecordId>> heads_;
  std::map<std::string, Binding, std::less<>> certificates_;  // by SHA-256 fingerprint
};

}  // namespace vanban
