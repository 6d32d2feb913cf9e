// Authority: organisations, people, and the roles in force at a record's time.
// Records are built and signed in memory (seed keys) and applied directly.
#include "core/authority.h"

#include <gtest/gtest.h>

#include "core/image.h"
#include "core/x509.h"
#include "tests/core/fixture.h"
#include "tests/tools/png_maker.h"

namespace vanban {
namespace {

using testing::At;
using testing::IsRefused;
using testing::MemWorld;
using testing::SeedKey;

// An org-level record of `alias`, signed by `key` at `at`, not applied.
Record Probe(MemWorld& w, const std::string& alias, Record r, const SecretKey& key, const std::string& at) {
  r.Add("org", ToHex(w.OrgKey(alias)));
  for (const RecordId& h : w.auth.Heads(w.OrgKey(alias))) r.Add("parent", ToHex(h));
  r.Add("at", at);
  EXPECT_TRUE(r.Sign(key).ok());
  return r;
}

class AuthorityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    w.SetClock("2024-01-02T08:00:00+07:00");
    w.AddOrg("a", "SNgV", "Sở Ngoại vụ tỉnh Lạng Sơn");
    w.AddPerson("a", "giamdoc", {Role::kAdmin, Role::kSigner});
  }
  MemWorld w;
};

TEST_F(AuthorityTest, OrganisationFromItsCreateRecord) {
  const Organisation* o = w.auth.FindOrg(w.OrgKey("a"));
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->code, "SNgV");
  EXPECT_EQ(o->name, "Sở Ngoại vụ tỉnh Lạng Sơn");
  EXPECT_EQ(o->place, "Lạng Sơn");
  EXPECT_EQ(o->head_title, "Giám đốc");
  EXPECT_EQ(o->offset_minutes, 420);
  EXPECT_EQ(o->seal, w.org("a").seal.public_key());
  EXPECT_EQ(o->create_id, w.org_records.front().id());
  EXPECT_EQ(o->created, At("2024-01-02T08:01:00+07:00"));
  EXPECT_EQ(w.auth.FindOrg(SeedKey(999).public_key()), nullptr);
}

TEST_F(AuthorityTest, RolesInForceOverTime) {
  // Granted at 09:00 by the admin, revoked at 11:00.
  const SecretKey& hoa = SeedKey(500);
  ASSERT_TRUE(w.OrgAct("a", w.GrantRecord(hoa.public_key(), "hoa", {Role::kDrafter}), &w.Key("giamdoc"),
                       "2024-01-02T09:00:00+07:00").ok());
  Record revoke("person.revoke");
  revoke.Add("key", ToHex(hoa.public_key()));
  ASSERT_TRUE(w.OrgAct("a", revoke, &w.Key("giamdoc"), "2024-01-02T11:00:00+07:00").ok());

  const PublicKey k = hoa.public_key();
  EXPECT_TRUE(w.auth.RolesAt(k, At("2024-01-02T08:59:59+07:00")).empty());
  EXPECT_EQ(w.auth.RolesAt(k, At("2024-01-02T09:00:00+07:00")), std::set<Role>{Role::kDrafter});
  EXPECT_TRUE(w.auth.HasRole(k, Role::kDrafter, At("2024-01-02T10:59:59+07:00")));
  EXPECT_FALSE(w.auth.HasRole(k, Role::kDrafter, At("2024-01-02T11:00:00+07:00")));
  EXPECT_FALSE(w.auth.HasRole(k, Role::kDrafter, At("2025-01-01T00:00:00+07:00")));
  EXPECT_FALSE(w.auth.HasRole(k, Role::kReviewer, At("2024-01-02T10:00:00+07:00")));
  const Person* p = w.auth.FindPerson(k);
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(p->active());
  EXPECT_TRUE(p->current_roles().empty());
  ASSERT_EQ(p->history.size(), 2u);
  EXPECT_TRUE(p->history[1].revoked);
  // The same instant in another offset is the same instant.
  EXPECT_TRUE(w.auth.HasRole(k, Role::kDrafter, At("2024-01-02T03:59:59Z")));
  EXPECT_FALSE(w.auth.HasRole(k, Role::kDrafter, At("2024-01-02T04:00:00Z")));
}

TEST_F(AuthorityTest, RevokedAdminsEarlierRecordsCountLaterOnesDoNot) {
  // "tc" is an admin from 09:00, revoked at 11:00. A grant by tc timestamped before
  // 11:00 is accepted; at or after 11:00 it is refused.
  const SecretKey& tc = SeedKey(501);
  ASSERT_TRUE(w.OrgAct("a", w.GrantRecord(tc.public_key(), "tc", {Role::kAdmin}), nullptr,
                       "2024-01-02T09:00:00+07:00").ok());
  Record revoke("person.revoke");
  revoke.Add("key", ToHex(tc.public_key()));
  ASSERT_TRUE(w.OrgAct("a", revoke, &w.Key("giamdoc"), "2024-01-02T11:00:00+07:00").ok());

  auto grant_by_tc = [&](const std::string& login, const std::string& at) {
    return Probe(w, "a", w.GrantRecord(SeedKey(600 + static_cast<uint32_t>(login.size())).public_key(), login,
                                       {Role::kReviewer}),
                 tc, at);
  };
  EXPECT_TRUE(w.auth.Check(grant_by_tc("early", "2024-01-02T10:59:59+07:00")).ok());
  Status at_revoke = w.auth.Check(grant_by_tc("onthedot", "2024-01-02T11:00:00+07:00"));
  EXPECT_TRUE(IsRefused(at_revoke, "'tc' does not hold the role admin in this organisation at 2024-01-02T11:00:00+07:00"));
  EXPECT_TRUE(IsRefused(w.auth.Check(grant_by_tc("later", "2024-01-02T12:00:00+07:00")), "does not hold the role admin"));
}

TEST_F(AuthorityTest, AdminGrantsAndNonAdminIsRefused) {
  // An admin (not the root key) grants.
  const SecretKey& hoa = SeedKey(502);
  ASSERT_TRUE(w.OrgAct("a", w.GrantRecord(hoa.public_key(), "hoa", {Role::kDrafter}), &w.Key("giamdoc")).ok());
  EXPECT_EQ(w.auth.FindLogin(w.OrgKey("a"), "hoa")->key, hoa.public_key());
  // A drafter does not.
  Record by_drafter = Probe(w, "a", w.GrantRecord(SeedKey(503).public_key(), "lan", {Role::kReviewer}), hoa, w.Tick());
  Status s = w.auth.Apply(by_drafter);
  EXPECT_TRUE(IsRefused(s, "'hoa' does not hold the role admin in this organisation"));
  EXPECT_EQ(s.message().rfind("person.grant " + by_drafter.id_hex().substr(0, 12) + ": ", 0), 0u) << s.message();
  EXPECT_EQ(w.auth.FindLogin(w.OrgKey("a"), "lan"), nullptr);  // nothing changed
  // Nor a key nobody granted.
  Record by_stranger = Probe(w, "a", w.GrantRecord(SeedKey(504).public_key(), "mai", {Role::kReviewer}), SeedKey(505), w.Tick());
  EXPECT_TRUE(IsRefused(w.auth.Apply(by_stranger), "an unknown key does not hold the role admin"));
}

TEST_F(AuthorityTest, AdminActsOnlyInTheirOwnOrganisation) {
  w.AddOrg("b", "SNV", "Sở Nội vụ tỉnh Cao Bằng");
  Record r = Probe(w, "b", w.GrantRecord(SeedKey(506).public_key(), "lan", {Role::kReviewer}), w.Key("giamdoc"), w.Tick());
  EXPECT_TRUE(IsRefused(w.auth.Apply(r), "an admin acts only in their own organisation"));
  // Nor may another organisation's root grant a key that belongs to a.
  Record steal = Probe(w, "b", w.GrantRecord(w.Pk("giamdoc"), "giamdoc", {Role::kSigner}), w.org("b").root, w.Tick());
  EXPECT_TRUE(IsRefused(w.auth.Apply(steal), "this key belongs to another organisation"));
}

TEST_F(AuthorityTest, LoginsAreUniqueWithinAnOrganisation) {
  w.AddPerson("a", "tp1", {Role::kReviewer});
  Status s = w.OrgAct("a", w.GrantRecord(SeedKey(507).public_key(), "tp1", {Role::kReviewer}));
  EXPECT_TRUE(IsRefused(s, "login 'tp1' is already taken (Người tp1)"));
  // The same key under another login is refused too.
  s = w.OrgAct("a", w.GrantRecord(w.Pk("tp1"), "tp1b", {Role::kReviewer}));
  EXPECT_TRUE(IsRefused(s, "this key already belongs to 'tp1'"));
  // The same login in another organisation is fine.
  w.AddOrg("b", "SNV", "Sở Nội vụ tỉnh Cao Bằng");
  EXPECT_TRUE(w.OrgAct("b", w.GrantRecord(SeedKey(508).public_key(), "tp1", {Role::kReviewer})).ok());
  EXPECT_NE(w.auth.FindLogin(w.OrgKey("a"), "tp1")->key, w.auth.FindLogin(w.OrgKey("b"), "tp1")->key);
}

TEST_F(AuthorityTest, RegrantChangesRolesFromItsTimeOn) {
  w.SetClock("2024-01-02T09:00:00+07:00");
  w.AddPerson("a", "tp1", {Role::kReviewer});  // 09:01
  ASSERT_TRUE(w.OrgAct("a", w.GrantRecord(w.Pk("tp1"), "tp1", {Role::kReviewer, Role::kSigner}), nullptr,
                       "2024-01-02T10:00:00+07:00").ok());
  EXPECT_EQ(w.auth.RolesAt(w.Pk("tp1"), At("2024-01-02T09:30:00+07:00")), std::set<Role>{Role::kReviewer});
  EXPECT_EQ(w.auth.RolesAt(w.Pk("tp1"), At("2024-01-02T10:00:00+07:00")),
            (std::set<Role>{Role::kReviewer, Role::kSigner}));
}

TEST_F(AuthorityTest, UnknownOrganisation) {
  Record r("person.grant");
  r.Add("org", ToHex(SeedKey(700).public_key()));
  r.Add("key", ToHex(SeedKey(701).public_key()));
  r.Add("login", "hoa");
  r.Add("name", "Hoa");
  r.Add("title", "Chuyên viên");
  r.Add("role", "drafter");
  r.Add("at", "2024-01-02T09:00:00+07:00");
  ASSERT_TRUE(r.Sign(SeedKey(700)).ok());
  EXPECT_TRUE(IsRefused(w.auth.Apply(r), "unknown organisation " + ToHex(SeedKey(700).public_key()).substr(0, 12)));
  Record no_org("person.grant");
  no_org.Add("at", "2024-01-02T09:00:00+07:00");
  ASSERT_TRUE(no_org.Sign(SeedKey(700)).ok());
  EXPECT_TRUE(IsRefused(w.auth.Apply(no_org), "'org' must be an organisation key"));
}

TEST_F(AuthorityTest, OrgCreateRules) {
  auto create = [&](const SecretKey& root, const SecretKey& signer, bool with_seal, const std::string& offset,
                    bool with_parent) {
    Record r("org.create");
    r.Add("org", ToHex(root.public_key()));
    r.Add("code", "SNV");
    r.Add("name", "Sở Nội vụ");
    r.Add("place", "Cao Bằng");
    if (with_seal) r.Add("seal", ToHex(SeedKey(801).public_key()));
    r.Add("head-title", "Giám đốc");
    r.Add("utc-offset", offset);
    r.Add("at", "2024-01-02T09:00:00+07:00");
    if (with_parent) r.Add("parent", ToHex(w.org_records[0].id()));
    EXPECT_TRUE(r.Sign(signer).ok());
    return r;
  };
  SecretKey root = SeedKey(800);
  EXPECT_TRUE(IsRefused(w.auth.Check(create(root, SeedKey(802), true, "+07:00", false)),
                        "an organisation is created by its own root key"));
  EXPECT_TRUE(IsRefused(w.auth.Check(create(root, root, false, "+07:00", false)), "missing card 'seal'"));
  EXPECT_TRUE(IsRefused(w.auth.Check(create(root, root, true, "+7", false)), "bad 'utc-offset'"));
  EXPECT_TRUE(IsRefused(w.auth.Check(create(root, root, true, "+07:00", true)), "org.create has no parents"));
  Record good = create(root, root, true, "+07:00", false);
  ASSERT_TRUE(w.auth.Apply(good).ok());
  EXPECT_TRUE(IsRefused(w.auth.Apply(good), "organisation already exists"));
}

TEST_F(AuthorityTest, GrantContentRules) {
  PublicKey k = SeedKey(900).public_key();
  EXPECT_TRUE(IsRefused(w.OrgAct("a", w.GrantRecord(k, "Hoa", {Role::kDrafter})), "login 'Hoa' must be lower-case"));
  EXPECT_TRUE(IsRefused(w.OrgAct("a", w.GrantRecord(k, "1hoa", {Role::kDrafter})), "login '1hoa'"));
  EXPECT_TRUE(IsRefused(w.OrgAct("a", w.GrantRecord(k, "hoa", {})), "a grant names at least one role"));
  Record boss = w.GrantRecord(k, "hoa", {});
  boss.Add("role", "boss");
  EXPECT_TRUE(IsRefused(w.OrgAct("a", boss), "unknown role 'boss'"));
  Record nameless("person.grant");
  nameless.Add("key", ToHex(k));
  nameless.Add("login", "hoa");
  nameless.Add("role", "drafter");
  EXPECT_TRUE(IsRefused(w.OrgAct("a", nameless), "a person needs 'name' and 'title'"));
  EXPECT_TRUE(IsRefused(w.OrgAct("a", w.GrantRecord(w.OrgKey("a"), "hoa", {Role::kDrafter})),
                        "an organisation key cannot be a person"));
  EXPECT_TRUE(IsRefused(w.OrgAct("a", w.GrantRecord(w.org("a").seal.public_key(), "hoa", {Role::kDrafter})),
                        "an organisation key cannot be a person"));
  // The public key of a key request's X.509 signing key: hex of an RSA-2048 SubjectPublicKeyInfo.
  Record odd = w.GrantRecord(k, "hoa", {Role::kSigner});
  odd.Add("x509-key", "zz");
  EXPECT_TRUE(IsRefused(w.OrgAct("a", odd), "'x509-key' must be hex"));
  Record not_a_key = w.GrantRecord(k, "hoa", {Role::kSigner});
  not_a_key.Add("x509-key", "3082");
  EXPECT_TRUE(IsRefused(w.OrgAct("a", not_a_key), "'x509-key': a signing key must be RSA of at least 2048 bits"));
  EXPECT_EQ(w.auth.FindLogin(w.OrgKey("a"), "hoa"), nullptr);
  const std::string spki = x509::PrivateKey::Generate().PublicDer();
  Record with_key = w.GrantRecord(k, "hoa", {Role::kSigner});
  with_key.Add("x509-key", ToHex(reinterpret_cast<const uint8_t*>(spki.data()), spki.size()));
  ASSERT_TRUE(w.OrgAct("a", with_key).ok());
  EXPECT_EQ(w.auth.FindLogin(w.OrgKey("a"), "hoa")->x509_key, spki);
}

TEST_F(AuthorityTest, RevokeRules) {
  w.AddPerson("a", "tp1", {Role::kReviewer});
  EXPECT_TRUE(IsRefused(w.Revoke("a", "giamdoc", &w.Key("giamdoc")), "an admin cannot revoke themselves"));
  Record nobody("person.revoke");
  nobody.Add("key", ToHex(SeedKey(901).public_key()));
  EXPECT_TRUE(IsRefused(w.OrgAct("a", nobody), "no such person in this organisation"));
  ASSERT_TRUE(w.Revoke("a", "tp1").ok());
  EXPECT_TRUE(IsRefused(w.Revoke("a", "tp1"), "'tp1' is already revoked"));
  // A revoked key is not granted again.
  EXPECT_TRUE(IsRefused(w.OrgAct("a", w.GrantRecord(w.Pk("tp1"), "tp1", {Role::kReviewer})),
                        "'tp1' was revoked; a revoked key is not granted again"));
}

TEST_F(AuthorityTest, SettingsAndNodes) {
  EXPECT_EQ(w.auth.CurrentSetting(w.OrgKey("a"), "require-concurrence", "no"), "no");
  Record set("org.setting");
  set.Add("name", "require-concurrence");
  set.Add("value", "yes");
  ASSERT_TRUE(w.OrgAct("a", set, &w.Key("giamdoc"), "2024-01-02T10:00:00+07:00").ok());
  Record unset("org.setting");
  unset.Add("name", "require-concurrence");
  unset.Add("value", "no");
  ASSERT_TRUE(w.OrgAct("a", unset, &w.Key("giamdoc"), "2024-01-02T12:00:00+07:00").ok());
  EXPECT_EQ(w.auth.CurrentSetting(w.OrgKey("a"), "require-concurrence", "dflt"), "no");
  // A setting counts from its record's time on.
  auto at = [&](const char* t) { return w.auth.Setting(w.OrgKey("a"), "require-concurrence", "dflt", At(t)); };
  EXPECT_EQ(at("2024-01-02T09:59:59+07:00"), "dflt");
  EXPECT_EQ(at("2024-01-02T10:00:00+07:00"), "yes");
  EXPECT_EQ(at("2024-01-02T11:59:59+07:00"), "yes");
  EXPECT_EQ(at("2024-01-02T12:00:00+07:00"), "no");
  EXPECT_EQ(w.auth.CurrentSetting(SeedKey(902).public_key(), "require-concurrence", "dflt"), "dflt");
  EXPECT_EQ(w.auth.Setting(SeedKey(902).public_key(), "require-concurrence", "dflt", At("2024-06-01T00:00:00Z")), "dflt");

  Record unknown("org.setting");
  unknown.Add("name", "colour");
  unknown.Add("value", "yes");
  EXPECT_TRUE(IsRefused(w.OrgAct("a", unknown), "unknown setting 'colour'"));
  Record maybe("org.setting");
  maybe.Add("name", "require-concurrence");
  maybe.Add("value", "maybe");
  EXPECT_TRUE(IsRefused(w.OrgAct("a", maybe), "setting value must be yes or no"));

  Record admit("node.admit");
  admit.Add("node", ToHex(SeedKey(903).public_key()));
  ASSERT_TRUE(w.OrgAct("a", admit).ok());
  EXPECT_EQ(w.auth.FindOrg(w.OrgKey("a"))->nodes.count(SeedKey(903).public_key()), 1u);
  Record bad_admit("node.admit");
  bad_admit.Add("node", "xyz");
  EXPECT_TRUE(IsRefused(w.OrgAct("a", bad_admit), "'node' must be a public key"));

  Record stray("doc.comment");
  EXPECT_TRUE(IsRefused(w.OrgAct("a", stray), "not an organisation record"));
}

TEST_F(AuthorityTest, CheckChangesNothingAndNeedsAValidTime) {
  PublicKey k = SeedKey(904).public_key();
  Record r = Probe(w, "a", w.GrantRecord(k, "hoa", {Role::kDrafter}), w.org("a").root, w.Tick());
  EXPECT_TRUE(w.auth.Check(r).ok());
  EXPECT_EQ(w.auth.FindPerson(k), nullptr);
  EXPECT_TRUE(w.auth.Apply(r).ok());
  EXPECT_NE(w.auth.FindPerson(k), nullptr);

  Record no_time("person.grant");
  no_time.Add("org", ToHex(w.OrgKey("a")));
  ASSERT_TRUE(no_time.Sign(w.org("a").root).ok());
  EXPECT_TRUE(IsRefused(w.auth.Check(no_time), "bad 'at' card"));
  EXPECT_TRUE(IsRefused(w.auth.Apply(no_time), "bad 'at' card"));
}

TEST_F(AuthorityTest, HeadsOfTheOrganisationGraph) {
  // A chain has one head: the last record.
  w.AddPerson("a", "tp1", {Role::kReviewer});
  EXPECT_EQ(w.auth.Heads(w.OrgKey("a")), std::vector<RecordId>{w.last_org.id()});
  // Two records with the same parents (made on two nodes) give two heads.
  Record x = Probe(w, "a", w.GrantRecord(SeedKey(905).public_key(), "x1", {Role::kDrafter}), w.org("a").root, w.Tick());
  Record y = Probe(w, "a", w.GrantRecord(SeedKey(906).public_key(), "y1", {Role::kDrafter}), w.org("a").root, w.Tick());
  ASSERT_TRUE(w.auth.Apply(x).ok());
  ASSERT_TRUE(w.auth.Apply(y).ok());
  auto heads = w.auth.Heads(w.OrgKey("a"));
  std::set<RecordId> got(heads.begin(), heads.end());
  EXPECT_EQ(got, (std::set<RecordId>{x.id(), y.id()}));
  EXPECT_TRUE(w.auth.Heads(SeedKey(907).public_key()).empty());
}

TEST_F(AuthorityTest, HoldersInLoginOrderAndOnlyActive) {
  w.AddPerson("a", "pgd", {Role::kSigner});
  w.AddPerson("a", "bgd", {Role::kSigner});
  w.AddPerson("a", "tp1", {Role::kReviewer});
  auto names = [&](Role r) {
    std::vector<std::string> out;
    for (const Person* p : w.auth.Holders(w.OrgKey("a"), r)) out.push_back(p->login);
    return out;
  };
  EXPECT_EQ(names(Role::kSigner), (std::vector<std::string>{"bgd", "giamdoc", "pgd"}));
  ASSERT_TRUE(w.Revoke("a", "bgd").ok());
  EXPECT_EQ(names(Role::kSigner), (std::vector<std::string>{"giamdoc", "pgd"}));
  EXPECT_EQ(names(Role::kReviewer), std::vector<std::string>{"tp1"});
  EXPECT_TRUE(names(Role::kArchivist).empty());
}

TEST_F(AuthorityTest, SignatureAndSealImagesByAnAdmin) {
  w.AddPerson("a", "pgd", {Role::kSigner});
  w.AddPerson("a", "vt", {Role::kClerk});
  const std::string png = testing::SignaturePng();
  auto image_of = [&](const std::string& login) {
    Record r("person.image");
    r.Add("key", ToHex(w.Pk(login)));
    r.SetText(image::ToText(png));
    return r;
  };
  // A clerk may not set anyone's image, not even their own.
  EXPECT_TRUE(IsRefused(w.auth.Apply(Probe(w, "a", image_of("vt"), w.Key("vt"), w.Tick())), "does not hold the role admin"));
  ASSERT_TRUE(w.OrgAct("a", image_of("pgd"), &w.Key("giamdoc")).ok());
  EXPECT_EQ(w.auth.FindLogin(w.OrgKey("a"), "pgd")->signature_image, png);
  EXPECT_TRUE(w.auth.FindLogin(w.OrgKey("a"), "vt")->signature_image.empty());
  // What is not a usable PNG, or names nobody here, is refused with the reason.
  Record jpeg("person.image");
  jpeg.Add("key", ToHex(w.Pk("vt")));
  jpeg.SetText(image::ToText("\xFF\xD8\xFF\xE0 a JPEG"));
  EXPECT_TRUE(IsRefused(w.auth.Apply(Probe(w, "a", jpeg, w.Key("giamdoc"), w.Tick())), "this is a JPEG file"));
  Record nobody("person.image");
  nobody.Add("key", ToHex(SeedKey(777).public_key()));
  nobody.SetText(image::ToText(png));
  EXPECT_TRUE(IsRefused(w.auth.Apply(Probe(w, "a", nobody, w.Key("giamdoc"), w.Tick())), "no such person"));
  Record bare("person.image");
  bare.Add("key", ToHex(w.Pk("vt")));
  EXPECT_TRUE(IsRefused(w.auth.Apply(Probe(w, "a", bare, w.Key("giamdoc"), w.Tick())), "carries the PNG"));
  ASSERT_TRUE(w.Revoke("a", "pgd").ok());
  EXPECT_TRUE(IsRefused(w.auth.Apply(Probe(w, "a", image_of("pgd"), w.Key("giamdoc"), w.Tick())), "has been revoked"));

  // The seal: its image and real diameter, 20 to 60 mm.
  auto seal = [&](const std::string& mm) {
    Record r("org.seal-image");
    r.Add("diameter", mm);
    r.SetText(image::ToText(testing::SealPng()));
    return Probe(w, "a", r, w.Key("giamdoc"), w.Tick());
  };
  EXPECT_TRUE(IsRefused(w.auth.Apply(seal("19")), "'diameter' must be the seal's diameter in millimetres, 20 to 60"));
  EXPECT_TRUE(IsRefused(w.auth.Apply(seal("036")), "'diameter'"));
  EXPECT_TRUE(w.auth.FindOrg(w.OrgKey("a"))->seal_image.empty());
  ASSERT_TRUE(w.auth.Apply(seal("36")).ok());
  EXPECT_EQ(w.auth.FindOrg(w.OrgKey("a"))->seal_image, testing::SealPng());
  EXPECT_EQ(w.auth.FindOrg(w.OrgKey("a"))->seal_diameter_mm, 36);
}

TEST(Roles, NamesParseAndText) {
  for (Role r : {Role::kDrafter, Role::kReviewer, Role::kSigner, Role::kClerk, Role::kArchivist, Role::kAdmin})
    EXPECT_EQ(ParseRole(RoleName(r)), r);
  EXPECT_STREQ(RoleName(Role::kClerk), "clerk");
  EXPECT_EQ(ParseRole("Admin"), std::nullopt);
  EXPECT_EQ(ParseRole(""), std::nullopt);
  EXPECT_EQ(RolesText({Role::kSigner, Role::kAdmin}), "admin,signer");
  EXPECT_EQ(RolesText({}), "");
  EXPECT_TRUE(Authority::IsOrgRecord("org.create"));
  EXPECT_TRUE(Authority::IsOrgRecord("person.revoke"));
  EXPECT_TRUE(Authority::IsOrgRecord("org.setting"));
  EXPECT_FALSE(Authority::IsOrgRecord("doc.create"));
}

// --- certificates (docs/certificates.md) ---------------------------------------------

class CertificateRules : public AuthorityTest {
 protected:
  void SetUp() override {
    AuthorityTest::SetUp();
    ca_key = x509::PrivateKey::Generate();
    ca = x509::MakeAuthority(ca_key, {"Sở Ngoại vụ tỉnh Lạng Sơn", "", "Sở Ngoại vụ tỉnh Lạng Sơn"}, At(kAt).utc - 60);
  }
  static Record WithPem(const std::string& type, const std::string& der) {
    Record r(type);
    r.SetText(x509::ToPem(der));
    return r;
  }
  Record Binding(const PublicKey& key, const std::string& der) {
    Record r = WithPem("person.certificate", der);
    r.Add("key", ToHex(key));
    return r;
  }
  std::string Certificate(const x509::PrivateKey& issuer_key, const std::string& issuer, int64_t from) {
    x509::PrivateKey k = x509::PrivateKey::Generate();
    return *x509::Issue(issuer_key, issuer, k.PublicDer(), {"Trịnh Tuyết Mai", "Giám đốc", "Sở Ngoại vụ tỉnh Lạng Sơn"}, from);
  }
  static constexpr const char* kAt = "2024-01-02T10:00:00+07:00";
  x509::PrivateKey ca_key;
  std::string ca;
};

TEST_F(CertificateRules, AuthorityThenBindings) {
  const PublicKey person = w.Key("giamdoc").public_key();
  const std::string cert = Certificate(ca_key, ca, At(kAt).utc - 60);
  // No authority yet: a binding is refused.
  EXPECT_TRUE(IsRefused(w.OrgAct("a", Binding(person, cert), nullptr, kAt), "not issued by the organisation's"));
  // Only the root key sets the authority, and only a CA certificate.
  EXPECT_TRUE(IsRefused(w.OrgAct("a", WithPem("org.ca", ca), &w.Key("giamdoc"), kAt), "set by its root key"));
  EXPECT_TRUE(IsRefused(w.OrgAct("a", WithPem("org.ca", cert), nullptr, kAt), "not a certification authority"));
  Record no_text("org.ca");
  EXPECT_TRUE(IsRefused(w.OrgAct("a", no_text, nullptr, kAt), "as its text"));
  ASSERT_TRUE(w.OrgAct("a", WithPem("org.ca", ca), nullptr, kAt).ok());
  ASSERT_EQ(w.auth.FindOrg(w.OrgKey("a"))->authorities.size(), 1u);

  // A binding: the person's certificate, issued by that authority, valid then.
  ASSERT_TRUE(w.OrgAct("a", Binding(person, cert), nullptr, kAt).ok());
  ASSERT_NE(w.auth.CertificateOf(person), nullptr);
  EXPECT_EQ(*w.auth.CertificateOf(person), cert);
  auto b = w.auth.FindCertificate(x509::Read(cert)->fingerprint);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->key, person);
  // Bound once only; the seal's own; a stranger's key is not a person here.
  EXPECT_TRUE(IsRefused(w.OrgAct("a", Binding(person, cert), nullptr, kAt), "already bound"));
  const std::string seal_cert = Certificate(ca_key, ca, At(kAt).utc - 60);
  ASSERT_TRUE(w.OrgAct("a", Binding(w.org("a").seal.public_key(), seal_cert), nullptr, kAt).ok());
  EXPECT_EQ(*w.auth.CertificateOf(w.org("a").seal.public_key()), seal_cert);
  EXPECT_TRUE(IsRefused(w.OrgAct("a", Binding(SeedKey(777).public_key(), Certificate(ca_key, ca, At(kAt).utc)), nullptr, kAt),
                        "neither a person"));
}

TEST_F(CertificateRules, RefusesCertificatesThatAreNotTheAuthoritysOrNotForSigning) {
  ASSERT_TRUE(w.OrgAct("a", WithPem("org.ca", ca), nullptr, kAt).ok());
  const PublicKey person = w.Key("giamdoc").public_key();
  // Another authority of the same name.
  x509::PrivateKey other_key = x509::PrivateKey::Generate();
  std::string other = x509::MakeAuthority(other_key, {"Sở Ngoại vụ tỉnh Lạng Sơn", "", "Sở Ngoại vụ tỉnh Lạng Sơn"}, At(kAt).utc);
  EXPECT_TRUE(IsRefused(w.OrgAct("a", Binding(person, Certificate(other_key, other, At(kAt).utc - 60)), nullptr, kAt),
                        "not issued by the organisation's"));
  // A CA certificate is not a signing certificate.
  EXPECT_TRUE(IsRefused(w.OrgAct("a", Binding(person, ca), nullptr, kAt), "not a signing certificate"));
  // Not yet valid at the record's time.
  EXPECT_TRUE(IsRefused(w.OrgAct("a", Binding(person, Certificate(ca_key, ca, At(kAt).utc + 3600)), nullptr, kAt),
                        "not valid at"));
  // Not PEM.
  Record junk("person.certificate");
  junk.Add("key", ToHex(person));
  junk.SetText("hello");
  EXPECT_TRUE(IsRefused(w.OrgAct("a", junk, nullptr, kAt), "PEM"));
}

TEST_F(CertificateRules, TrustRootsByAnAdmin) {
  Record root = WithPem("org.trust-root", ca);
  ASSERT_TRUE(w.OrgAct("a", root, &w.Key("giamdoc"), kAt).ok());
  EXPECT_EQ(w.auth.FindOrg(w.OrgKey("a"))->trust_roots.size(), 1u);
  EXPECT_TRUE(IsRefused(w.OrgAct("a", WithPem("org.trust-root", ca), &w.Key("giamdoc"), kAt), "already trusted"));
  const std::string leaf = Certificate(ca_key, ca, At(kAt).utc - 60);
  EXPECT_TRUE(IsRefused(w.OrgAct("a", WithPem("org.trust-root", leaf), nullptr, kAt), "not a certification authority"));
  const SecretKey& drafter = SeedKey(600);
  ASSERT_TRUE(w.OrgAct("a", w.GrantRecord(drafter.public_key(), "hoa", {Role::kDrafter}), &w.Key("giamdoc"), kAt).ok());
  x509::PrivateKey k2 = x509::PrivateKey::Generate();
  std::string other = x509::MakeAuthority(k2, {"Root CA", "", "Ban Cơ yếu Chính phủ"}, At(kAt).utc);
  EXPECT_TRUE(IsRefused(w.OrgAct("a", WithPem("org.trust-root", other), &drafter, kAt), "does not hold the role admin"));
}

// A certificate from outside (a token's), bound by its holder with a proof that they
// hold its key, chaining to a root an admin trusts.
TEST_F(CertificateRules, OwnCertificateFromOutside) {
  const SecretKey& holder = w.Key("giamdoc");
  const PublicKey person = holder.public_key();
  x509::PrivateKey root_key = x509::PrivateKey::Generate();
  const std::string root = x509::MakeAuthority(root_key, {"Test Root CA", "", "Ban Cơ yếu Chính phủ"}, At(kAt).utc - 60);
  x509::PrivateKey leaf_key = x509::PrivateKey::Generate();
  const std::string leaf =
      *x509::Issue(root_key, root, leaf_key.PublicDer(), {"Trịnh Tuyết Mai", "Giám đốc", "Sở Ngoại vụ"}, At(kAt).utc - 60);
  const std::string fingerprint = x509::Read(leaf)->fingerprint;
  auto own = [&](const PublicKey& key, const x509::PrivateKey& prover) {
    Record r = Binding(key, leaf);
    std::string proof = prover.Sign(Authority::PossessionMessage(w.OrgKey("a"), key, fingerprint));
    r.Add("possession", ToHex(reinterpret_cast<const uint8_t*>(proof.data()), proof.size()));
    return r;
  };
  EXPECT_TRUE(IsRefused(w.OrgAct("a", own(person, leaf_key), &holder, kAt), "does not chain to a root"));
  ASSERT_TRUE(w.OrgAct("a", WithPem("org.trust-root", root), nullptr, kAt).ok());
  // The proof is the certificate key's signature of this binding, by its holder.
  EXPECT_TRUE(IsRefused(w.OrgAct("a", own(person, root_key), &holder, kAt), "'possession'"));
  EXPECT_TRUE(IsRefused(w.OrgAct("a", own(person, leaf_key), nullptr, kAt), "bound by its holder"));
  const SecretKey& drafter = SeedKey(601);
  ASSERT_TRUE(w.OrgAct("a", w.GrantRecord(drafter.public_key(), "hoa", {Role::kDrafter}), &holder, kAt).ok());
  EXPECT_TRUE(IsRefused(w.OrgAct("a", own(drafter.public_key(), leaf_key), &drafter, kAt), "role signer"));

  ASSERT_TRUE(w.OrgAct("a", own(person, leaf_key), &holder, kAt).ok());
  ASSERT_NE(w.auth.CertificateOf(person), nullptr);
  EXPECT_EQ(*w.auth.CertificateOf(person), leaf);
  auto b = w.auth.FindCertificate(fingerprint);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->key, person);
  EXPECT_TRUE(b->intermediates.empty());
  EXPECT_TRUE(IsRefused(w.OrgAct("a", own(person, leaf_key), &holder, kAt), "already bound"));
}

}  // namespace
}  // namespace vanban
