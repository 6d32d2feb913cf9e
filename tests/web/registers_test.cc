// The list of documents, the registers (outgoing, incoming), their CSV export and the
// yearly archive export through the web interface (web/registers.cc), in-process.
// Documents are brought to their state with the Node API before the server starts.
#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "core/db.h"
#include "pdf/pdf.h"
#include "tests/web/web_fixture.h"
#include "web/tar.h"

namespace vanban::testing {
namespace {

// One member of a ustar archive, read back by the test's own reader.
struct TarMember {
  std::string name;
  char type = 0;
  std::string bytes;
};

uint64_t OctalField(const std::string& h, size_t at, size_t width) {
  uint64_t v = 0;
  for (size_t i = at; i < at + width && h[i] >= '0' && h[i] <= '7'; ++i) v = v * 8 + static_cast<uint64_t>(h[i] - '0');
  return v;
}

// Reads a ustar archive, checking every header's magic and checksum and the end blocks.
std::vector<TarMember> ReadTar(const std::string& tar) {
  std::vector<TarMember> out;
  EXPECT_EQ(tar.size() % 512, 0u);
  size_t at = 0;
  while (at + 512 <= tar.size()) {
    std::string h = tar.substr(at, 512);
    if (h == std::string(512, '\0')) {
      EXPECT_EQ(tar.substr(at + 512, 512), std::string(512, '\0')) << "two zero blocks end the archive";
      return out;
    }
    EXPECT_EQ(h.substr(257, 6), std::string("ustar\0", 6));
    EXPECT_EQ(h.substr(263, 2), "00");
    unsigned sum = 0;
    for (size_t i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(h[i]);
    EXPECT_EQ(OctalField(h, 148, 8), sum) << "checksum of the header at " << at;
    TarMember m;
    std::string name = h.substr(0, 100).c_str(), prefix = h.substr(345, 155).c_str();
    m.name = prefix.empty() ? name : prefix + "/" + name;
    m.type = h[156];
    const uint64_t size = OctalField(h, 124, 12);
    m.bytes = tar.substr(at + 512, size);
    at += 512 + (size + 511) / 512 * 512;
    out.push_back(std::move(m));
  }
  ADD_FAILURE() << "no end-of-archive blocks";
  return out;
}

// The rows of the first table body of a page.
std::vector<std::string> Rows(const std::string& html) {
  std::vector<std::string> rows;
  size_t start = html.find("<tbody>"), end = html.find("</tbody>");
  if (start == std::string::npos || end == std::string::npos) return rows;
  std::string body = html.substr(start, end - start);
  for (size_t at = body.find("<tr"); at != std::string::npos; at = body.find("<tr", at + 1))
    rows.push_back(body.substr(at, body.find("</tr>", at) - at));
  return rows;
}

class RegistersTest : public WebServerTest {
 protected:
  // A directive drafted, submitted, signed by pgd and issued by vanthu at `when`,
  // with its signed PDF (as the web's own actions make it).
  std::string Issued(const std::string& title, const std::string& when = "2024-03-05T09:00:00+07:00",
                     const std::string& text = "") {
    ScopedNow now(when);
    auto ref = node_->Do(As("chuyenvien"), act::Draft{text.empty() ? DirectiveText(title) : text, "test.md"});
    EXPECT_TRUE(ref.ok()) << ref.status().message();
    if (!ref.ok()) return "";
    EXPECT_TRUE(node_->Do(As("chuyenvien"), act::Submit{ref->id, "pgd"}).status().ok());
    Status signed_ = node_->Do(As("pgd"), act::Sign{ref->id, false}).status();
    EXPECT_TRUE(signed_.ok()) << signed_.message();
    auto n = vanban::testing::NumberOf(node_->Do(As("vanthu"), act::Issue{ref->id}));
    EXPECT_TRUE(n.ok()) << n.status().message();
    return ref->id;
  }
  // The job's id from the redirect to /jobs/ID, "" if none.
  static std::string JobOf(const Reply& r) {
    auto it = r.headers.find("location");
    if (r.status != 303 || it == r.headers.end() || it->second.rfind("/jobs/", 0) != 0) return "";
    return it->second.substr(6);
  }
  // Polls the job's status until it has finished (at most 60 s); its last status.
  std::string WaitFor(const std::string& job, const std::string& cookie) {
    std::string status;
    for (int i = 0; i < 600; ++i) {
      status = Get("/jobs/" + job + "/status", cookie).body;
      if (status.find("\"finished\":true") != std::string::npos) return status;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "the job did not finish within 60 s: " << status;
    return status;
  }
};

TEST(WebUnit, UstarWriterHeadersNamesAndPadding) {
  auto tar = web::Ustar({{"top/", ""}, {"top/a.txt", "xin chào"}, {"top/" + std::string(120, 'b') + "/c.pdf", "%PDF-"},
                         {"top/rỗng.json", ""}},
                        1709604000);
  ASSERT_TRUE(tar.ok()) << tar.status().message();
  // Four headers, two one-block contents, the two end blocks.
  EXPECT_EQ(tar->size(), 512u * (4 + 2 + 2));
  auto m = ReadTar(*tar);
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[0].name, "top/");
  EXPECT_EQ(m[0].type, '5');
  EXPECT_EQ(m[1].name, "top/a.txt");
  EXPECT_EQ(m[1].type, '0');
  EXPECT_EQ(m[1].bytes, "xin chào");
  EXPECT_EQ(m[2].name, "top/" + std::string(120, 'b') + "/c.pdf");  // split into prefix and name
  EXPECT_EQ(m[2].bytes, "%PDF-");
  EXPECT_EQ(m[3].name, "top/rỗng.json");
  EXPECT_EQ(m[3].bytes, "");
  EXPECT_EQ(OctalField(tar->substr(512, 512), 136, 12), 1709604000u);  // mtime
  EXPECT_EQ(tar->substr(512 + 100, 8), std::string("0000644\0", 8));   // mode
  // A name that fits neither field is refused, not cut.
  EXPECT_EQ(web::Ustar({{std::string(120, 'x') + ".pdf", "x"}}, 0).status().code(), Status::Code::kBadInput);
  EXPECT_EQ(web::Ustar({{std::string(200, 'x') + "/" + std::string(20, 'y'), "x"}}, 0).status().code(),
            Status::Code::kBadInput);
}

// /docs: newest first, filters by kind and state, and the core's folded search.
TEST_F(RegistersTest, WebDocsFilterAndSearchWithoutDiacritics) {
  std::string directive, report;
  {
    ScopedNow now("2024-02-05T09:00:00+07:00");
    directive = NewDirective("Phát động phong trào thi đua năm 2024");
  }
  {
    ScopedNow now("2024-02-06T09:00:00+07:00");
    auto r = node_->Do(As("chuyenvien"), act::Draft{ReportText("Báo cáo công tác đối ngoại quý I"), "r.md"});
    ASSERT_TRUE(r.ok()) << r.status().message();
    report = r->id;
    ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Route{report, {"tp1"}}).status().ok());
  }
  // The filter the page reads with: a page of the newest first.
  DocFilter newest;
  newest.newest_first = true;
  newest.limit = 1;
  newest.offset = 1;
  auto second = node_->List(newest);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ((*second)[0].id, directive);
  StartServer();
  std::string cookie = Login("tp2");
  Reply all = Get("/docs", cookie);
  ASSERT_EQ(all.status, 200);
  EXPECT_NE(all.body.find("<select name=\"state\">"), std::string::npos);
  EXPECT_NE(all.body.find("<select name=\"kind\">"), std::string::npos);
  EXPECT_NE(all.body.find("<input type=\"search\" name=\"q\""), std::string::npos);
  auto rows = Rows(all.body);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_NE(rows[0].find("/doc/" + report), std::string::npos) << "newest first";
  EXPECT_NE(rows[0].find("đang xin ý kiến"), std::string::npos);
  EXPECT_NE(rows[0].find("06/02/2024"), std::string::npos);
  EXPECT_NE(rows[1].find("/doc/" + directive), std::string::npos);
  EXPECT_NE(rows[1].find("nháp"), std::string::npos);
  EXPECT_NE(rows[1].find("KẾ HOẠCH"), std::string::npos);

  rows = Rows(Get("/docs?kind=report", cookie).body);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_NE(rows[0].find("Báo cáo công tác đối ngoại"), std::string::npos);
  rows = Rows(Get("/docs?state=draft", cookie).body);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_NE(rows[0].find("/doc/" + directive), std::string::npos);
  // No diacritics, other case: the Vietnamese title is found, the other is not.
  for (const std::string q : {"thi+dua", "THI+%C4%90UA", "phong+trao"}) {
    Reply found = Get("/docs?q=" + q, cookie);
    rows = Rows(found.body);
    ASSERT_EQ(rows.size(), 1u) << q;
    EXPECT_NE(rows[0].find("Phát động phong trào thi đua năm 2024"), std::string::npos) << q;
  }
  Reply none = Get("/docs?q=ngan+sach", cookie);
  EXPECT_TRUE(Rows(none.body).empty());
  EXPECT_NE(none.body.find("Không có văn bản nào khớp"), std::string::npos);
  EXPECT_EQ(Get("/docs?state=nowhere", cookie).status, 400);
  // Past the last page: nothing, and the way back keeps the filter.
  Reply past = Get("/docs?kind=report&page=2", cookie);
  EXPECT_TRUE(Rows(past.body).empty());
  EXPECT_NE(past.body.find("<a rel=\"prev\" href=\"/docs?kind=report\">"), std::string::npos);
}

// The outgoing register lists the number, date, kind, title and signer; every title escaped.
TEST_F(RegistersTest, WebOutgoingRegisterListsIssuedNumbersEscaped) {
  std::string id = Issued("Phát động phong trào thi đua năm 2024");
  std::string evil = Issued("<script>alert(1)</script>", "2024-03-06T09:00:00+07:00");
  StartServer();
  std::string cookie = Login("vanthu");
  Reply r = Get("/registers?year=2024&kind=out", cookie);
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("Sổ văn bản đi năm 2024"), std::string::npos);
  auto rows = Rows(r.body);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_NE(rows[0].find("<td>01/KH-SNgV</td><td>05/03/2024</td><td>KẾ HOẠCH</td>"), std::string::npos) << rows[0];
  EXPECT_NE(rows[0].find("/doc/" + id), std::string::npos);
  EXPECT_NE(rows[0].find("Vi Văn Thành"), std::string::npos);
  EXPECT_NE(rows[1].find("02/KH-SNgV"), std::string::npos);
  for (const Reply& page : {r, Get("/docs", cookie), Get("/registers?year=2024&q=script", cookie)}) {
    EXPECT_EQ(page.body.find("<script>alert"), std::string::npos);
    EXPECT_NE(page.body.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  }
  // Without a year: this year (none issued), with 2024 among the years to choose.
  Reply now = Get("/registers", cookie);
  EXPECT_EQ(now.status, 200);
  EXPECT_NE(now.body.find("<option value=\"2024\">2024</option>"), std::string::npos);
  EXPECT_NE(now.body.find("Chưa có văn bản đi nào"), std::string::npos);
  EXPECT_EQ(Get("/registers?year=20x4", cookie).status, 400);
  EXPECT_EQ(Get("/registers?kind=sideways", cookie).status, 400);
  // A search of more different words than a register search takes: said, not run.
  Reply many = Get("/registers?year=2024&q=a+b+c+d+e+f+g+h+i+j+k+l+m", cookie);
  EXPECT_EQ(many.status, 400);
  EXPECT_NE(many.body.find("Tìm trong sổ tối đa 12 từ khác nhau."), std::string::npos) << many.body;
  EXPECT_EQ(Get("/registers?year=2024&q=a+a+a+a+a+a+a+a+a+a+a+a+a+a", cookie).status, 200);  // one word, said often
}

TEST_F(RegistersTest, WebRegisterSearchIgnoresDiacritics) {
  Issued("Phát động phong trào thi đua năm 2024");
  Issued("Báo cáo công tác đối ngoại", "2024-03-06T09:00:00+07:00");
  Issued("Kế hoạch thi đua khen thưởng", "2024-03-07T09:00:00+07:00");
  StartServer();
  std::string cookie = Login("tp1");
  auto plain = Rows(Get("/registers?year=2024&q=thi+dua", cookie).body);
  auto marked = Rows(Get("/registers?year=2024&q=thi+%C4%91ua", cookie).body);  // "thi đua"
  auto upper = Rows(Get("/registers?year=2024&q=THI+%C4%90UA", cookie).body);   // "THI ĐUA"
  ASSERT_EQ(plain.size(), 2u);
  EXPECT_EQ(plain, marked);
  EXPECT_EQ(plain, upper);
  EXPECT_NE(plain[0].find("01/KH-SNgV"), std::string::npos);
  EXPECT_NE(plain[1].find("03/KH-SNgV"), std::string::npos);
  // Every word must be there, in any field the row shows (here the signer and the number).
  auto both = Rows(Get("/registers?year=2024&q=doi+ngoai+thanh", cookie).body);
  ASSERT_EQ(both.size(), 1u);
  EXPECT_NE(both[0].find("Báo cáo công tác đối ngoại"), std::string::npos);
  ASSERT_EQ(Rows(Get("/registers?year=2024&q=2%2FKH", cookie).body).size(), 1u);
  EXPECT_TRUE(Rows(Get("/registers?year=2024&q=thi+dua+ngoai", cookie).body).empty());
}

TEST_F(RegistersTest, WebRegisterCsvExport) {
  Issued("Kế hoạch \"Mùa xuân\", năm 2024");
  Issued("=HYPERLINK(\"x\") thi đua", "2024-03-06T09:00:00+07:00");
  StartServer();
  std::string cookie = Login("vanthu");
  Reply csv = Get("/registers/export?year=2024&kind=out", cookie);
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.headers["content-type"], "text/csv; charset=utf-8");
  EXPECT_EQ(csv.headers["content-disposition"], "attachment; filename=\"so-van-ban-di-2024.csv\"");
  ASSERT_EQ(csv.body.substr(0, 3), "\xEF\xBB\xBF");
  std::vector<std::string> lines;
  for (size_t at = 3; at < csv.body.size();) {
    size_t end = csv.body.find("\r\n", at);
    ASSERT_NE(end, std::string::npos) << "every line ends with CRLF";
    lines.push_back(csv.body.substr(at, end - at));
    at = end + 2;
  }
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "\"Số, ký hiệu\",Ngày,Loại,Trích yếu nội dung,Người ký,Mã văn bản,Nơi nhận đã vào sổ,"
                      "Nơi nhận chưa vào sổ,Trùng số");
  EXPECT_EQ(lines[1].rfind("01/KH-SNgV,05/03/2024,KẾ HOẠCH,\"Kế hoạch \"\"Mùa xuân\"\", năm 2024\",Vi Văn Thành,", 0), 0u)
      << lines[1];
  // A title a spreadsheet would take for a formula is kept as text.
  EXPECT_NE(lines[2].find(",\"'=HYPERLINK(\"\"x\"\") thi đua\","), std::string::npos) << lines[2];
  // The export follows the search of the page it is offered on.
  Reply found = Get("/registers/export?year=2024&kind=out&q=mua+xuan", cookie);
  EXPECT_NE(found.body.find("Mùa xuân"), std::string::npos);
  EXPECT_EQ(found.body.find("HYPERLINK"), std::string::npos);
  Reply page = Get("/registers?year=2024&q=mua+xuan", cookie);
  EXPECT_NE(page.body.find("href=\"/registers/export?year=2024&amp;kind=out&amp;q=mua%20xuan\""), std::string::npos);
}

// Records of one home given to another, as sync carries them (tests/core/receive_test.cc).
std::vector<std::string> DocRecords(const std::string& home, const std::string& doc) {
  auto db = Db::Open(home + "/vanban.db");
  EXPECT_TRUE(db.ok());
  std::vector<std::string> out;
  if (!db.ok()) return out;
  Stmt& q = (*db)->Prepare("SELECT bytes FROM records WHERE doc = ? ORDER BY seq");
  q.Bind(1, doc);
  while (q.Step()) out.push_back(q.Blob(0));
  return out;
}

// Two organisations: Cao Bằng (P) addresses documents to this office, which receives
// one (the incoming register) and leaves one awaiting; this office's own issuance to
// Cao Bằng is received there, and its receipt shows in the outgoing register.
TEST_F(RegistersTest, WebIncomingRegisterAndReceipts) {
  const std::string root = TempDir("registers");
  auto made = SecondOrg(root + "/p", {.staff = true});
  ASSERT_TRUE(made.ok()) << made.status().message();
  std::unique_ptr<Node> p = std::move(made).value();
  ASSERT_TRUE(node_->Trust(p->OrgCard().value(), "caobang").ok());
  ASSERT_TRUE(p->Trust(node_->OrgCard().value(), "langson").ok());
  auto addressed = [](const std::string& title, const std::string& alias) {
    return "---\nkind: directive\ntitle: " + title + "\nrecipients:\n  - org:" + alias +
           "\n  - \"Lưu: VT, VP.\"\n---\nNội dung.\n";
  };
  // P issues two documents to this office.
  auto p_issue = [&](const std::string& title, const std::string& when) {
    ScopedNow now(when);
    auto ref = p->Do(As("chuyenvien"), act::Draft{addressed(title, "langson"), "p.md"});
    EXPECT_TRUE(ref.ok()) << ref.status().message();
    EXPECT_TRUE(p->Do(As("chuyenvien"), act::Submit{ref->id, "giamdoc"}).status().ok());
    EXPECT_TRUE(p->Do(As("giamdoc"), act::Sign{ref->id, false}).status().ok());
    EXPECT_TRUE(p->Do(As("vanthu"), act::Issue{ref->id}).ok());
    auto rep = node_->Ingest(DocRecords(root + "/p", ref->id));
    EXPECT_TRUE(rep.ok() && rep->refused.empty());
    return ref->id;
  };
  std::string got = p_issue("Hướng dẫn công tác thi đua năm 2024", "2024-03-04T09:00:00+07:00");
  std::string waiting = p_issue("Thông báo lịch họp giao ban", "2024-03-05T09:00:00+07:00");
  {
    ScopedNow now("2024-03-06T08:00:00+07:00");
    auto n = vanban::testing::NumberOf(node_->Do(As("vanthu"), act::Receive{got}));
    ASSERT_TRUE(n.ok()) << n.status().message();
    EXPECT_EQ(*n, "1");
  }
  // This office issues to P; P receives it and its receipt comes back. The records
  // alone travel here (DocRecords carries no blobs): no signed copy to send.
  copies_ = NoSignedCopies();
  std::string mine;
  {
    ScopedNow now("2024-03-07T09:00:00+07:00");
    auto ref = node_->Do(As("chuyenvien"), act::Draft{addressed("Kế hoạch phối hợp biên giới", "caobang"), "a.md"});
    ASSERT_TRUE(ref.ok()) << ref.status().message();
    mine = ref->id;
    ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Submit{mine, "pgd"}).status().ok());
    ASSERT_TRUE(node_->Do(As("pgd"), act::Sign{mine, false}).status().ok());
    ASSERT_TRUE(node_->Do(As("vanthu"), act::Issue{mine}).ok());
    auto rep = p->Ingest(DocRecords(home_, mine));
    ASSERT_TRUE(rep.ok() && rep->refused.empty());
  }
  {
    ScopedNow now("2024-03-08T08:00:00+07:00");
    ASSERT_TRUE(p->Do(As("vanthu"), act::Receive{mine}).ok());
    auto rep = node_->Ingest(DocRecords(root + "/p", mine));
    ASSERT_TRUE(rep.ok() && rep->refused.empty());
  }
  p.reset();
  StartServer();
  std::string cookie = Login("vanthu");
  Reply in = Get("/registers?year=2024&kind=in", cookie);
  ASSERT_EQ(in.status, 200);
  EXPECT_NE(in.body.find("Sổ văn bản đến năm 2024"), std::string::npos);
  auto rows = Rows(in.body);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_NE(rows[0].find("<td>1</td><td>06/03/2024</td><td>Sở Nội vụ tỉnh Cao Bằng</td><td>01/KH-SNV</td>"
                         "<td>04/03/2024</td>"),
            std::string::npos)
      << rows[0];
  EXPECT_NE(rows[0].find("Hướng dẫn công tác thi đua năm 2024"), std::string::npos);
  EXPECT_NE(rows[0].find("Đinh Thị Thu"), std::string::npos);  // who received it
  // The one not yet received is listed apart, with the way to its receipt.
  size_t apart = in.body.find("chờ vào sổ");
  ASSERT_NE(apart, std::string::npos);
  std::string awaiting = in.body.substr(apart);
  EXPECT_NE(awaiting.find("Thông báo lịch họp giao ban"), std::string::npos);
  EXPECT_NE(awaiting.find("<a href=\"/doc/" + waiting + "\">Mở để vào sổ</a>"), std::string::npos);
  EXPECT_NE(Get("/doc/" + waiting, cookie).body.find("/doc/" + waiting + "/receive"), std::string::npos);
  // Search in the incoming register, by the sender without diacritics.
  EXPECT_EQ(Rows(Get("/registers?year=2024&kind=in&q=cao+bang+thi+dua", cookie).body).size(), 1u);
  // The outgoing register shows Cao Bằng's receipt of this office's document.
  auto out = Rows(Get("/registers?year=2024&kind=out", cookie).body);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(out[0].find("Sở Nội vụ tỉnh Cao Bằng: số đến 1, ngày 08/03/2024"), std::string::npos) << out[0];
  // The incoming CSV: the received row and the awaiting one.
  Reply csv = Get("/registers/export?year=2024&kind=in", cookie);
  EXPECT_EQ(csv.headers["content-disposition"], "attachment; filename=\"so-van-ban-den-2024.csv\"");
  EXPECT_NE(csv.body.find("\r\n1,06/03/2024,KẾ HOẠCH,Hướng dẫn công tác thi đua năm 2024,"), std::string::npos);
  EXPECT_NE(csv.body.find(",,KẾ HOẠCH,Thông báo lịch họp giao ban,"), std::string::npos);
  StopServer();
  std::filesystem::remove_all(root);
}

// One number issued on two nodes of this office while apart: the register warns on
// both rows, and the one that lost says it must be issued again.
TEST_F(RegistersTest, WebRegisterWarnsOfANumberIssuedTwice) {
  node_.reset();  // copied closed, as a second node of the same office
  const std::string other = TempDir("registers-node2");
  std::filesystem::remove_all(other);
  std::filesystem::copy(home_, other, std::filesystem::copy_options::recursive);
  node_ = Node::Open(home_, Options()).value();
  auto node2 = Node::Open(other, TestOptions()).value();
  auto issue = [](Node& n, const std::string& title, const std::string& when) {
    ScopedNow now(when);
    auto ref = n.Do(As("chuyenvien"), act::Draft{DirectiveText(title), "t.md"});
    EXPECT_TRUE(ref.ok()) << ref.status().message();
    EXPECT_TRUE(n.Do(As("chuyenvien"), act::Submit{ref->id, "pgd"}).status().ok());
    EXPECT_TRUE(n.Do(As("pgd"), act::Sign{ref->id, false}).status().ok());
    auto num = vanban::testing::NumberOf(n.Do(As("vanthu"), act::Issue{ref->id}));
    EXPECT_TRUE(num.ok()) << num.status().message();
    EXPECT_EQ(num.ok() ? *num : "", "01/KH-SNgV");
    return ref->id;
  };
  std::string kept = issue(*node_, "Kế hoạch giữ số", "2024-03-05T09:00:00+07:00");
  std::string lost = issue(*node2, "Kế hoạch mất số", "2024-03-05T10:00:00+07:00");
  auto rep = node_->Ingest(DocRecords(other, lost));
  ASSERT_TRUE(rep.ok() && rep->refused.empty());
  node2.reset();
  std::filesystem::remove_all(other);
  StartServer();
  std::string cookie = Login("vanthu");
  auto rows = Rows(Get("/registers?year=2024", cookie).body);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_NE(rows[0].find("/doc/" + kept), std::string::npos);
  EXPECT_NE(rows[0].find("class=\"collision\""), std::string::npos);
  EXPECT_NE(rows[0].find("văn bản này giữ số"), std::string::npos);
  EXPECT_NE(rows[1].find("/doc/" + lost), std::string::npos);
  EXPECT_NE(rows[1].find("<p class=\"warn\" role=\"alert\">Trùng số: số 01/KH-SNgV"), std::string::npos) << rows[1];
  EXPECT_NE(rows[1].find("<a href=\"/doc/" + lost + "\">ban hành lại văn bản này</a>"), std::string::npos);
  Reply csv = Get("/registers/export?year=2024", cookie);
  EXPECT_NE(csv.body.find("Kế hoạch mất số,Vi Văn Thành," + lost + ",,,phải ban hành lại\r\n"), std::string::npos);
  EXPECT_NE(csv.body.find("Kế hoạch giữ số,Vi Văn Thành," + kept + ",,,giữ số\r\n"), std::string::npos);
}

// The archive export as a job: progress to the end, one tar with the sealed manifest
// and each issued document's signed PDF; listed on /archive afterwards.
TEST_F(RegistersTest, WebArchiveJobMakesTheTar) {
  std::string a = Issued("Phát động phong trào thi đua năm 2024");
  std::string b = Issued("Kế hoạch công tác đối ngoại", "2024-03-06T09:00:00+07:00");
  StartServer();
  std::string cookie = Login("vanthu");
  Reply page = Get("/archive", cookie);
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<select name=\"year\"><option value=\"2024\" selected>"), std::string::npos) << page.body;
  EXPECT_NE(page.body.find("Xuất lưu trữ</button>"), std::string::npos);
  Reply start = Post("/archive", "csrf=" + Csrf(page.body) + "&year=2024", cookie);
  std::string job = JobOf(start);
  ASSERT_FALSE(job.empty()) << start.status << start.body;
  std::string status = WaitFor(job, cookie);
  EXPECT_NE(status.find("\"ok\":true"), std::string::npos) << status;
  EXPECT_NE(status.find("\"done\":2,"), std::string::npos) << status;
  EXPECT_NE(status.find("\"total\":2,"), std::string::npos) << status;
  EXPECT_NE(status.find("2 văn bản"), std::string::npos) << status;

  Reply file = Get("/jobs/" + job + "/file", cookie);
  ASSERT_EQ(file.status, 200);
  EXPECT_EQ(file.headers["content-type"], "application/x-tar");
  EXPECT_EQ(file.headers["content-disposition"], "attachment; filename=\"luu-tru-2024.tar\"");
  auto members = ReadTar(file.body);
  std::vector<std::string> names;
  for (const TarMember& m : members) names.push_back(m.name);
  EXPECT_EQ(names, (std::vector<std::string>{"luu-tru-2024/", "luu-tru-2024/manifest.json", "luu-tru-2024/manifest.json.sig",
                                             "luu-tru-2024/01_KH-SNgV.pdf", "luu-tru-2024/02_KH-SNgV.pdf"}));
  ASSERT_EQ(members.size(), 5u);
  EXPECT_NE(members[1].bytes.find("\"format\": \"vanban-archive 1\""), std::string::npos);
  EXPECT_NE(members[1].bytes.find("\"document\": \"" + a + "\""), std::string::npos);
  EXPECT_NE(members[1].bytes.find("\"document\": \"" + b + "\""), std::string::npos);
  EXPECT_EQ(members[2].bytes.rfind("vanban-signature 1\nfile manifest.json\n", 0), 0u);
  for (size_t i : {3u, 4u}) EXPECT_EQ(members[i].bytes.substr(0, 5), "%PDF-") << members[i].name;
  // The PDFs are the stored signed copies, byte for byte (the server's Node is its
  // thread's: compared after it stops).
  std::string pdf1 = members[3].bytes;

  Reply again = Get("/archive", cookie);
  EXPECT_NE(again.body.find("<a href=\"/jobs/" + job + "\">Xuất lưu trữ năm 2024</a>"), std::string::npos);
  EXPECT_NE(again.body.find("/jobs/" + job + "/file\">Tải về luu-tru-2024.tar</a>"), std::string::npos);
  // Another person does not see nor fetch this job.
  EXPECT_EQ(Get("/jobs/" + job + "/file", Login("giamdoc")).status, 404);
  StopServer();
  auto stored = node_->SignedCopy(a);
  ASSERT_TRUE(stored.ok() && *stored);
  EXPECT_EQ(**stored, pdf1);
}

// Only a holder of the seal may export: a reviewer is told why, and no job starts.
TEST_F(RegistersTest, WebArchiveRefusedWithoutTheSeal) {
  StartServer();
  std::string cookie = Login("tp1");
  Reply page = Get("/archive", cookie);
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("không giữ bản sao con dấu của đơn vị"), std::string::npos) << page.body;
  EXPECT_EQ(page.body.find("Xuất lưu trữ</button>"), std::string::npos);
  Reply r = Post("/archive", "csrf=" + Csrf(page.body) + "&year=2024", cookie);
  EXPECT_EQ(r.status, 409);
  EXPECT_TRUE(JobOf(r).empty());
  EXPECT_NE(r.body.find("Không xuất được lưu trữ: &#39;tp1&#39; không giữ bản sao con dấu của đơn vị trên máy này"),
            std::string::npos)
      << r.body;
  // The admin holds the seal, but no document was issued in that year.
  std::string admin = Login("giamdoc");
  Reply none = Post("/archive", "csrf=" + Csrf(Get("/archive", admin).body) + "&year=2024", admin);
  EXPECT_EQ(none.status, 404);
  EXPECT_NE(none.body.find("Năm 2024 không có văn bản nào được ban hành"), std::string::npos);
}

}  // namespace
}  // namespace vanban::testing
