// Revisions, the word diff, the full history and the PDF of any revision (web/history.cc,
// web/diff.cc): the diff as exact runs, then the pages through the in-process server.
#include <filesystem>
#include <ostream>

#include "tests/pdf/util.h"
#include "tests/web/web_fixture.h"
#include "web/diff.h"

namespace vanban::web {
// Readable runs in failure messages.
void PrintTo(const DiffRun& r, std::ostream* os) {
  *os << (r.op == DiffOp::kEqual ? "=" : r.op == DiffOp::kInsert ? "+" : "-") << "\"" << r.text << "\"";
}
}  // namespace vanban::web

namespace vanban::testing {
namespace {

using web::DiffDetail;
using web::DiffOp;
using web::DiffRun;
using web::WordDiff;

DiffRun Eq(const std::string& t) { return {DiffOp::kEqual, t}; }
DiffRun Ins(const std::string& t) { return {DiffOp::kInsert, t}; }
DiffRun Del(const std::string& t) { return {DiffOp::kDelete, t}; }
using Runs = std::vector<DiffRun>;

// Both texts back from the runs, and no two neighbours with the same op.
void ExpectConsistent(const std::string& a, const std::string& b, const Runs& runs) {
  std::string ra, rb;
  for (size_t i = 0; i < runs.size(); ++i) {
    EXPECT_FALSE(runs[i].text.empty());
    if (i) {
      EXPECT_NE(runs[i].op, runs[i - 1].op);
    }
    if (runs[i].op != DiffOp::kInsert) ra += runs[i].text;
    if (runs[i].op != DiffOp::kDelete) rb += runs[i].text;
  }
  EXPECT_EQ(ra, a);
  EXPECT_EQ(rb, b);
}

TEST(WebDiff, TokensAreWordsSpacesAndPunctuationNeverSplittingACharacter) {
  using V = std::vector<std::string_view>;
  EXPECT_EQ(web::Tokenize("Hà Nội, 2024–2025"), (V{"Hà", " ", "Nội", ",", " ", "2024", "–", "2025"}));
  // Combining diacritics (NFD) stay in their word; « » are punctuation.
  EXPECT_EQ(web::Tokenize("«Vie\xCC\x82\xCC\xA3t»  \n"), (V{"«", "Vie\xCC\x82\xCC\xA3t", "»", "  \n"}));
  // A malformed or cut sequence: each byte alone, nothing lost.
  EXPECT_EQ(web::Tokenize("a\xFF" "b\xE1\xBB"), (V{"a", "\xFF", "b", "\xE1", "\xBB"}));
  EXPECT_TRUE(web::Tokenize("").empty());
}

TEST(WebDiff, InsertInTheMiddle) {
  auto d = WordDiff("Kế hoạch năm 2024", "Kế hoạch công tác năm 2024");
  EXPECT_EQ(d.detail, DiffDetail::kWords);
  EXPECT_EQ(d.runs, (Runs{Eq("Kế hoạch "), Ins("công tác "), Eq("năm 2024")}));
}

TEST(WebDiff, DeleteAtStartAndAtEnd) {
  EXPECT_EQ(WordDiff("Dự thảo: Kế hoạch", "Kế hoạch").runs, (Runs{Del("Dự thảo: "), Eq("Kế hoạch")}));
  EXPECT_EQ(WordDiff("Lạng Sơn, ngày 05", "Lạng Sơn").runs, (Runs{Eq("Lạng Sơn"), Del(", ngày 05")}));
}

TEST(WebDiff, ReplaceWordsWithDiacritics) {
  // Whole words, not their common bytes ("th…ng").
  EXPECT_EQ(WordDiff("Báo cáo tháng 5", "Báo cáo thắng 5").runs,
            (Runs{Eq("Báo cáo "), Del("tháng"), Ins("thắng"), Eq(" 5")}));
  // Two words replaced read as one change, the space between folded in.
  EXPECT_EQ(WordDiff("Đẩy mạnh phong trào thi đua.", "Đẩy mạnh phong trào khen thưởng.").runs,
            (Runs{Eq("Đẩy mạnh phong trào "), Del("thi đua"), Ins("khen thưởng"), Eq(".")}));
}

TEST(WebDiff, IdenticalAndEmptyTexts) {
  EXPECT_EQ(WordDiff("Giống nhau.", "Giống nhau.").runs, (Runs{Eq("Giống nhau.")}));
  EXPECT_TRUE(WordDiff("", "").runs.empty());
  EXPECT_EQ(WordDiff("", "Mới").runs, (Runs{Ins("Mới")}));
  EXPECT_EQ(WordDiff("Cũ", "").runs, (Runs{Del("Cũ")}));
}

TEST(WebDiff, MultiByteCharactersSharingLeadingBytes) {
  // – (E2 80 93) and — (E2 80 94) share two bytes: the whole character changes.
  EXPECT_EQ(WordDiff("a–b", "a—b").runs, (Runs{Eq("a"), Del("–"), Ins("—"), Eq("b")}));
  // ệ (E1 BB 87) and ế (E1 BA BF).
  EXPECT_EQ(WordDiff("Việt Nam", "Viết Nam").runs, (Runs{Del("Việt"), Ins("Viết"), Eq(" Nam")}));
}

// Past the limits: lines, each changed block word by word; then the middle as one block.
TEST(WebDiff, CoarserBeyondTheLimits) {
  const std::string a = "một\nhai\nba\n", b = "một\nHAI\nba\nbốn\n";
  EXPECT_EQ(WordDiff(a, b).runs, (Runs{Eq("một\n"), Del("hai"), Ins("HAI"), Eq("\nba"), Ins("\nbốn"), Eq("\n")}));
  web::DiffLimits three;
  three.max_edits = 3;  // 4 differing tokens, 3 differing lines
  auto lines = WordDiff(a, b, three);
  EXPECT_EQ(lines.detail, DiffDetail::kLines);
  EXPECT_EQ(lines.runs, (Runs{Eq("một\n"), Del("hai"), Ins("HAI"), Eq("\nba\n"), Ins("bốn\n")}));
  web::DiffLimits one;
  one.max_edits = 1;
  auto whole = WordDiff(a, b, one);
  EXPECT_EQ(whole.detail, DiffDetail::kWhole);
  EXPECT_EQ(whole.runs, (Runs{Eq("một\n"), Del("hai\nba"), Ins("HAI\nba\nbốn"), Eq("\n")}));
  web::DiffLimits few_steps;
  few_steps.max_steps = 10;
  auto starved = WordDiff(a, b, few_steps);
  EXPECT_NE(starved.detail, DiffDetail::kWords);
  ExpectConsistent(a, b, starved.runs);
}

// Texts made from a few Vietnamese words by a fixed generator: every diff gives both back.
TEST(WebDiff, RunsGiveBothTextsBack) {
  const char* words[] = {"thi đua", "khen thưởng", "biên giới", ", ", ".\n", "Lạng Sơn", " ", "–", "ngày 05"};
  uint32_t s = 12345;
  auto next = [&] { return s = s * 1103515245u + 12345u, (s >> 16) % 9; };
  for (int round = 0; round < 200; ++round) {
    std::string a, b;
    for (int i = 0; i < 30; ++i) {
      std::string w = words[next()];
      uint32_t what = next();
      if (what != 0) a += w;
      if (what != 1) b += (what == 2 ? words[next()] : w);
    }
    web::DiffLimits small;
    small.max_edits = round % 3 == 0 ? 8 : 1000;
    auto d = WordDiff(a, b, small);
    ExpectConsistent(a, b, d.runs);
  }
}

TEST(WebDiff, HtmlEscapesEveryRun) {
  EXPECT_EQ(web::DiffHtml({Eq("a<b>"), Ins("&"), Del("\"x\"")}),
            "<div class=\"diff\"><pre class=\"text\">a&lt;b&gt;<ins>&amp;</ins><del>&quot;x&quot;</del></pre></div>");
}

// The text between <div class="diff"> and its end.
std::string DiffPart(const std::string& html) {
  size_t from = html.find("<div class=\"diff\">");
  if (from == std::string::npos) return "";
  return html.substr(from, html.find("</div>", from) - from);
}

class WebHistoryTest : public WebServerTest {
 protected:
  void SetUp() override {
    OrgTest::SetUp();
    {
      ScopedNow now("2024-02-05T09:00:00+07:00");
      id_ = NewDirective("Kế hoạch thi đua năm 2024");
    }
    ScopedNow now("2024-02-05T10:00:00+07:00");
    auto r = node_->Do(As("chuyenvien"), act::Revise{id_,
        DirectiveText("Kế hoạch thi đua năm 2024",
                      "## I. MỤC ĐÍCH, YÊU CẦU\n1. Đẩy mạnh phong trào khen thưởng <b>đột xuất</b>.\n"),
        "test.md"});
    ASSERT_TRUE(r.ok()) << r.status().message();
  }
  std::string id_;
};

TEST_F(WebHistoryTest, WebRevisionsListBothAndDiffThem) {
  StartServer();
  std::string cookie = Login("tp1");
  Reply page = Get("/doc/" + id_ + "/revisions", cookie);
  ASSERT_EQ(page.status, 200) << page.body;
  for (const char* rev : {"r1", "r2"}) {
    EXPECT_NE(page.body.find("href=\"/doc/" + id_ + "/rev/" + rev + "\">Xem</a>"), std::string::npos) << rev;
    EXPECT_NE(page.body.find("href=\"/doc/" + id_ + "/rev/" + rev + "/pdf\">PDF</a>"), std::string::npos) << rev;
  }
  EXPECT_NE(page.body.find("Nguyễn Thị Hoa (Chuyên viên)"), std::string::npos);
  // The form defaults to the previous and the latest revision, and the diff between them is shown.
  EXPECT_NE(page.body.find("<select name=\"a\"><option value=\"r1\" selected>"), std::string::npos);
  EXPECT_NE(page.body.find("<option value=\"r2\" selected>"), std::string::npos);
  for (const Reply& r : {page, Get("/doc/" + id_ + "/revisions?a=r1&b=r2", cookie)}) {
    std::string diff = DiffPart(r.body);
    EXPECT_NE(diff.find("<del>thi đua</del>"), std::string::npos) << diff;
    EXPECT_NE(diff.find("<ins>khen thưởng &lt;b&gt;đột xuất&lt;/b&gt;</ins>"), std::string::npos) << diff;
    EXPECT_EQ(diff.find("<b>"), std::string::npos);
  }
  // The other way round: what was added is now removed. By id prefix too.
  auto d = node_->Show(id_);  // read-only: the store is not written while the server runs
  ASSERT_TRUE(d.ok());
  std::string r2 = ToHex(d->revisions[1].id).substr(0, 8);
  std::string back = DiffPart(Get("/doc/" + id_ + "/revisions?a=" + r2 + "&b=r1", cookie).body);
  EXPECT_NE(back.find("<ins>thi đua</ins>"), std::string::npos) << back;
  EXPECT_NE(back.find("<del>khen thưởng &lt;b&gt;đột xuất&lt;/b&gt;</del>"), std::string::npos) << back;
  // One revision against itself: no change.
  Reply same = Get("/doc/" + id_ + "/revisions?a=r2&b=r2", cookie);
  EXPECT_NE(same.body.find("hai bản giống hệt nhau"), std::string::npos);
  EXPECT_EQ(DiffPart(same.body).find("<ins>"), std::string::npos);
}

TEST_F(WebHistoryTest, WebDocumentPageLinksEachRevisionAndItsDiff) {
  StartServer();
  Reply page = Get("/doc/" + id_, Login("tp1"));
  ASSERT_EQ(page.status, 200) << page.body;
  for (const char* rev : {"r1", "r2"})
    EXPECT_NE(page.body.find("href=\"/doc/" + id_ + "/rev/" + rev + "\">Xem</a>"), std::string::npos) << rev;
  // r2 continues r1: compared with it in one click; r1 has nothing before it.
  EXPECT_NE(page.body.find("href=\"/doc/" + id_ + "/revisions?a=r1&amp;b=r2\">So sánh với r1</a>"), std::string::npos);
  EXPECT_EQ(page.body.find("b=r1\""), std::string::npos);
}

TEST_F(WebHistoryTest, WebRevisionTextIsEscaped) {
  StartServer();
  std::string cookie = Login("tp1");
  Reply r2 = Get("/doc/" + id_ + "/rev/r2", cookie);
  ASSERT_EQ(r2.status, 200);
  EXPECT_NE(r2.body.find("khen thưởng &lt;b&gt;đột xuất&lt;/b&gt;"), std::string::npos);
  EXPECT_EQ(r2.body.find("<b>đột"), std::string::npos);
  EXPECT_NE(r2.body.find("<article class=\"doc\">"), std::string::npos);  // readable, as on the document page
  EXPECT_NE(r2.body.find("/revisions?a=r1&amp;b=r2"), std::string::npos);  // compare with the one it continues
  Reply r1 = Get("/doc/" + id_ + "/rev/r1", cookie);
  EXPECT_NE(r1.body.find("phong trào thi đua"), std::string::npos);
  EXPECT_EQ(r1.body.find("khen thưởng"), std::string::npos);
}

TEST_F(WebHistoryTest, WebRevisionPdfIsADraft) {
  StartServer();
  std::string cookie = Login("tp1");
  Reply pdf = Get("/doc/" + id_ + "/rev/r1/pdf", cookie);
  ASSERT_EQ(pdf.status, 200) << pdf.body;
  EXPECT_EQ(pdf.headers["content-type"], "application/pdf");
  EXPECT_EQ(pdf.body.substr(0, 5), "%PDF-");
  EXPECT_EQ(pdf.headers["content-disposition"].rfind("inline;", 0), 0u);
  Reply download = Get("/doc/" + id_ + "/rev/r1/pdf?download=1", cookie);
  EXPECT_EQ(download.headers["content-disposition"], "attachment; filename=\"" + id_.substr(0, 12) + "-r1.pdf\"");
  VB_REQUIRE_TOOL("pdftotext");
  std::string file = home_ + "/r1.pdf";
  pdf::testing::WriteFile(file, pdf.body);
  std::string text = pdf::testing::Shell("pdftotext -enc UTF-8 " + file + " -");
  EXPECT_NE(text.find("DỰ THẢO"), std::string::npos) << text;
  EXPECT_NE(text.find("thi đua"), std::string::npos);  // r1's words, not r2's
  EXPECT_EQ(text.find("khen thưởng"), std::string::npos);
}

TEST_F(WebHistoryTest, WebBadRevisionIs404) {
  StartServer();
  std::string cookie = Login("tp1");
  for (const char* path : {"/rev/r9", "/rev/r9/pdf", "/rev/zz", "/rev/00000000", "/revisions?a=r7",
                                  "/revisions?a=r1&b=xyz"}) {
    Reply r = Get("/doc/" + id_ + std::string(path), cookie);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_NE(r.body.find("không có bản"), std::string::npos) << path;
  }
  EXPECT_EQ(Get("/doc/" + id_ + "/rev/r1/other", cookie).status, 404);
}

TEST_F(WebHistoryTest, WebHistoryListsEveryRecordInOrder) {
  ASSERT_NO_FATAL_FAILURE(Advance(id_, PathStep::kRoute, PathStep::kRoute, {.at = {"2024-02-05T11:00:00+07:00"}}));
  {
    ScopedNow now("2024-02-05T12:00:00+07:00");
    ASSERT_TRUE(node_->Do(As("tp1"), act::Comment{id_, "Đồng ý <i>về</i> nội dung"}).status().ok());
  }
  ASSERT_NO_FATAL_FAILURE(Advance(id_, PathStep::kApprove, PathStep::kSign,
                                  {.on_behalf = true,
                                   .at = {"2024-02-05T13:00:00+07:00", "2024-02-05T14:00:00+07:00",
                                          "2024-02-05T15:00:00+07:00"}}));
  StartServer();
  Reply h = Get("/doc/" + id_ + "/history", Login("vanthu"));
  ASSERT_EQ(h.status, 200) << h.body;
  // Each row: who (name, title), what in Vietnamese, on which revision, details.
  const std::vector<std::string> rows = {
      "<td>09:00, ngày 05 tháng 02 năm 2024</td><td>Nguyễn Thị Hoa (Chuyên viên)</td><td>Tạo văn bản</td>",
      "<td>10:00, ngày 05 tháng 02 năm 2024</td><td>Nguyễn Thị Hoa (Chuyên viên)</td><td>Sửa (bản mới)</td>",
      "<td>11:00, ngày 05 tháng 02 năm 2024</td><td>Nguyễn Thị Hoa (Chuyên viên)</td><td>Xin ý kiến</td>",
      "Gửi xin ý kiến: Hoàng Văn Nam (Trưởng phòng)",
      "<td>12:00, ngày 05 tháng 02 năm 2024</td><td>Hoàng Văn Nam (Trưởng phòng)</td><td>Ý kiến</td>",
      "<q>Đồng ý &lt;i&gt;về&lt;/i&gt; nội dung</q>",
      "<td>13:00, ngày 05 tháng 02 năm 2024</td><td>Hoàng Văn Nam (Trưởng phòng)</td><td>Thông qua</td>",
      "<td>14:00, ngày 05 tháng 02 năm 2024</td><td>Nguyễn Thị Hoa (Chuyên viên)</td><td>Trình ký</td>",
      "Trình người ký: Vi Văn Thành (Phó Giám đốc)",
      "<td>15:00, ngày 05 tháng 02 năm 2024</td><td>Vi Văn Thành (Phó Giám đốc)</td><td>Ký</td>",
      "ký thay (KT.)",
  };
  size_t at = 0;
  for (const std::string& row : rows) {
    size_t found = h.body.find(row, at);
    ASSERT_NE(found, std::string::npos) << "missing or out of order: " << row << "\n" << h.body;
    at = found + row.size();
  }
  // The revision each act was on: the comment on r2 (the current one when made).
  EXPECT_NE(h.body.find("<td>Ý kiến</td><td><a href=\"/doc/" + id_ + "/rev/r2\">r2</a>"), std::string::npos);
  EXPECT_NE(h.body.find("<td>Tạo văn bản</td><td><a href=\"/doc/" + id_ + "/rev/r1\">r1</a>"), std::string::npos);
  // Seven records, each signature checked again.
  size_t valid = 0;
  for (size_t p = h.body.find("<td>hợp lệ</td>"); p != std::string::npos; p = h.body.find("<td>hợp lệ</td>", p + 1))
    ++valid;
  EXPECT_EQ(valid, 7u);
  EXPECT_EQ(h.body.find("không hợp lệ"), std::string::npos);
  EXPECT_EQ(h.body.find("<i>về"), std::string::npos);
}

TEST_F(WebHistoryTest, WebHistoryOfUnknownDocumentIs404) {
  StartServer();
  std::string cookie = Login("tp1");
  EXPECT_EQ(Get("/doc/0123456789abcdef/history", cookie).status, 404);
  EXPECT_EQ(Get("/doc/0123456789abcdef/revisions", cookie).status, 404);
}

}  // namespace
}  // namespace vanban::testing
