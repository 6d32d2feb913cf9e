#include "bench/generator.h"

#include <cstdio>
#include <cstdlib>

#include "core/clock.h"
#include "core/workflow.h"

namespace vanban::bench {
namespace {

SecretKey Key(unsigned seed, uint8_t who) {
  Bytes32 s{};
  s[0] = who;
  s[1] = static_cast<uint8_t>(seed);
  s[2] = static_cast<uint8_t>(seed >> 8);
  return SecretKey::FromSeed(s);
}

std::string Iso(int64_t utc) { return Timestamp{utc, 420}.Iso(); }

const char* kWords[] = {"thi đua", "khen thưởng", "biên giới", "hợp tác", "đối ngoại", "Lạng Sơn", "Cao Bằng",
                        "cửa khẩu", "kế hoạch", "báo cáo", "phong trào", "nhiệm vụ", "đơn vị", "cán bộ"};

std::string Body(size_t n) {
  std::string b = "## I. MỤC ĐÍCH, YÊU CẦU\n";
  for (int p = 0; p < 6; ++p) {
    b += std::to_string(p + 1) + ". Tăng cường công tác";
    for (int w = 0; w < 40; ++w) b += std::string(" ") + kWords[(n * 7 + static_cast<size_t>(p * 13 + w)) % 14];
    b += ".\n\n";
  }
  return b;
}

const char* kLogins[] = {"chuyenvien", "tp1", "tp2", "pgd", "vanthu", "giamdoc"};  // keys 3..8

}  // namespace

PublicKey OrgKey(unsigned seed) { return Key(seed, 1).public_key(); }

SecretKey PersonKey(unsigned seed, const std::string& login) {
  for (uint8_t i = 0; i < 6; ++i)
    if (login == kLogins[i]) return Key(seed, static_cast<uint8_t>(3 + i));
  std::fprintf(stderr, "no generated person '%s'\n", login.c_str());
  std::exit(2);
}

Generated GenerateOrg(size_t documents, bool full, unsigned seed, const Shape& shape) {
  Generated g;
  SecretKey root = Key(seed, 1), seal = Key(seed, 2), drafter = Key(seed, 3), rev1 = Key(seed, 4),
            rev2 = Key(seed, 5), signer = Key(seed, 6), clerk = Key(seed, 7), admin = Key(seed, 8);
  std::string org = ToHex(root.public_key());
  int64_t t = 1612137600;  // 2021-02-01T07:00:00+07:00
  std::vector<Record> org_records;
  Record create("org.create");
  for (auto [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"org", org}, {"code", "SNgV"}, {"name", "Sở Ngoại vụ tỉnh Thử Nghiệm " + std::to_string(seed)},
           {"place", "Lạng Sơn"}, {"seal", ToHex(seal.public_key())}, {"head-title", "Giám đốc"},
           {"utc-offset", "+07:00"}, {"at", Iso(t)}})
    create.Add(k, v);
  (void)create.Sign(root);
  org_records.push_back(create);
  std::string head = create.id_hex();
  struct P {
    const SecretKey* key;
    const char* login;
    const char* title;
    const char* role;
  };
  for (const P& p : {P{&drafter, "chuyenvien", "Chuyên viên", "drafter"}, P{&rev1, "tp1", "Trưởng phòng", "reviewer"},
                     P{&rev2, "tp2", "Chánh Văn phòng", "reviewer"}, P{&signer, "pgd", "Phó Giám đốc", "signer"},
                     P{&clerk, "vanthu", "Văn thư", "clerk"}, P{&admin, "giamdoc", "Giám đốc", "admin"}}) {
    Record r("person.grant");
    r.Add("org", org);
    r.Add("key", ToHex(p.key->public_key()));
    r.Add("login", p.login);
    r.Add("name", std::string("Người ") + p.login);
    r.Add("title", p.title);
    r.Add("role", p.role);
    r.Add("at", Iso(t));
    r.Add("parent", head);
    (void)r.Sign(root);
    head = r.id_hex();
    org_records.push_back(r);
  }
  g.card = "vanban-card 1\n";
  for (const Record& r : org_records) g.card += "record " + std::to_string(r.bytes().size()) + "\n" + r.bytes();

  auto emit = [&](Record& r, const SecretKey& k, std::string& last) {
    (void)r.Sign(k);
    last = r.id_hex();
    g.record_bytes += r.bytes().size();
    g.records.push_back(r.bytes());
  };
  int seq = 0;
  for (size_t n = 0; n < documents; ++n) {
    t += 60;
    // How far this document goes: 8 = issued (see Shape).
    const bool pledge = shape.party && n % 100 == 50;
    const size_t stop = pledge ? 7 : shape.mixed && n % 100 < 8 ? n % 100 : 8;
    std::string title = (pledge ? "Giao ước thi đua số " : "Kế hoạch số ") + std::to_string(n + 1) + " về " +
                        kWords[n % 14] + " năm 2021";
    std::string text = pledge ? "---\nkind: pledge\ntitle: " + title + "\nparties: [" + shape.party_alias + "]\n---\n" + Body(n)
                              : "---\nkind: directive\ntitle: " + title + "\nrecipients:\n  - \"Lưu: VT, VP.\"\n---\n" + Body(n);
    Record c("doc.create");
    c.Add("org", org);
    c.Add("kind", pledge ? "pledge" : "directive");
    c.Add("title", title);
    c.Add("symbol", pledge ? "GƯ" : "KH");
    if (pledge) c.Add("parties", ToHex(*shape.party));
    c.Add("at", Iso(t));
    c.SetText(text);
    std::string last;
    emit(c, drafter, last);
    ++g.documents;
    if (!full || stop == 0) continue;
    std::string doc = c.id_hex(), rev = doc;
    auto next = [&](const char* type) {
      Record r(type);
      r.Add("doc", doc);
      r.Add("parent", last);
      r.Add("at", Iso(++t));
      return r;
    };
    Record route = next("doc.route");
    route.Add("to", ToHex(rev1.public_key()));
    route.Add("to", ToHex(rev2.public_key()));
    emit(route, drafter, last);
    if (stop == 1) continue;
    Record cm = next("doc.comment");
    cm.Add("rev", rev);
    cm.SetText("Đề nghị bổ sung nội dung thi đua về công tác biên giới.");
    emit(cm, rev1, last);
    if (stop == 2) continue;
    Record rv = next("doc.revise");
    rv.Add("base", rev);
    rv.Add("title", title);
    rv.SetText(text + "\n- Bổ sung theo ý kiến góp ý.\n");
    emit(rv, drafter, last);
    rev = last;
    if (stop == 3) continue;
    for (const SecretKey* k : {&rev1, &rev2}) {
      Record a = next("doc.approve");
      a.Add("rev", rev);
      emit(a, *k, last);
      if (stop == 4) break;
    }
    if (stop <= 5) continue;
    Record sub = next("doc.submit");
    sub.Add("rev", rev);
    sub.Add("to", ToHex(signer.public_key()));
    emit(sub, drafter, last);
    if (stop == 6) continue;
    Record sg = next("doc.sign");
    sg.Add("rev", rev);
    sg.Add("name", "Người pgd");
    sg.Add("title", "Phó Giám đốc");
    sg.Add("on-behalf", "yes");
    emit(sg, signer, last);
    std::string sign_id = last;
    if (stop == 7) continue;
    Record is = next("doc.issue");
    Timestamp at = *ParseTimestamp(is.Get("at"));
    ++seq;
    std::string number = OutgoingNumber(seq, "KH", "SNgV");
    Document d;
    RecordId id{};
    FromHex(doc, &id);
    d.id = id;
    d.org = root.public_key();
    SignatureEntry se;
    FromHex(sign_id, &se.id);
    d.signatures.push_back(se);
    RecordId rev_id{};
    FromHex(rev, &rev_id);
    is.Add("rev", rev);
    is.Add("number", number);
    is.Add("seq", std::to_string(seq));
    is.Add("year", std::to_string(at.Year()));
    is.Add("symbol", "KH");
    is.Add("date", at.Date());
    is.Add("seal", ToHex(seal.public_key()));
    is.Add("seal-sig", ToHex(seal.Sign(SealMessage(d, rev_id, number, at.Date()))));
    emit(is, clerk, last);
  }
  return g;
}

}  // namespace vanban::bench
