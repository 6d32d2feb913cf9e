// The document file: front matter + Markdown-subset body, and every way it can be
// wrong, each named as FILE:LINE: field: what.
#include "core/docfile.h"

#include <gtest/gtest.h>

#include "core/record.h"
#include "tests/core/fixture.h"

namespace vanban {
namespace {

// Line numbers are in the comments: messages and blocks name them.
const std::string kDirective =
    "---\n"                                                   // 1
    "kind: directive\n"                                       // 2
    "title: Phát động phong trào thi đua năm 2021\n"          // 3
    "recipients:\n"                                           // 4
    "  - UBND tỉnh (báo cáo)\n"                               // 5
    "  - \"Lưu: VT, VP.\"\n"                                  // 6
    "---\n"                                                   // 7
    "## I. MỤC ĐÍCH, YÊU CẦU\n"                               // 8
    "1. Đẩy mạnh phong trào thi đua[^1], hoàn thành\n"        // 9
    "kế hoạch năm.\n"                                         // 10
    "\n"                                                      // 11
    "- Khen thưởng kịp thời\n"                                // 12
    "- Nhân rộng **điển hình**\n"                             // 13
    "  tiên tiến\n"                                           // 14
    "\n"                                                      // 15
    "### 1. Nội dung\n"                                       // 16
    "Đoạn *in nghiêng*.\n"                                    // 17
    "\n"                                                      // 18
    "[^1]: Theo Luật Thi đua, khen thưởng.\n";                // 19

// Both readers of the front matter: the fast one for simple front matter and
// yaml-cpp must agree on every input, accepted or not.
void ExpectSameAsYaml(const std::string& s, const Result<DocumentFile>& f) {
  auto y = ParseDocumentFile(s, "ke-hoach.md", {.yaml_only = true});
  ASSERT_EQ(f.ok(), y.ok()) << (f.ok() ? y.status().message() : f.status().message());
  if (!f.ok()) {
    EXPECT_EQ(f.status().message(), y.status().message());
    return;
  }
  EXPECT_EQ(f->kind, y->kind);
  EXPECT_EQ(f->title, y->title);
  EXPECT_EQ(f->symbol, y->symbol);
  EXPECT_EQ(f->recipients, y->recipients);
  EXPECT_EQ(f->parties, y->parties);
  EXPECT_EQ(f->text, y->text);
  EXPECT_EQ(f->blocks.size(), y->blocks.size());
}

Result<DocumentFile> Parse(const std::string& s) {
  auto f = ParseDocumentFile(s, "ke-hoach.md");
  ExpectSameAsYaml(s, f);
  return f;
}

void ExpectBad(const std::string& bytes, const std::string& message) {
  auto f = Parse(bytes);
  ASSERT_FALSE(f.ok()) << "accepted; expected: " << message;
  EXPECT_EQ(f.status().code(), Status::Code::kBadInput);
  EXPECT_EQ(f.status().message(), message);
}

std::string Front(const std::string& front, const std::string& body = "Nội dung.\n") {
  return "---\n" + front + "---\n" + body;
}

TEST(DocFile, DirectiveWithBlocksAndFootnotes) {
  auto f = Parse(kDirective);
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->kind, "directive");
  EXPECT_EQ(f->title, "Phát động phong trào thi đua năm 2021");
  EXPECT_EQ(f->symbol, "KH");
  EXPECT_EQ(f->recipients, (std::vector<std::string>{"UBND tỉnh (báo cáo)", "Lưu: VT, VP."}));
  EXPECT_TRUE(f->parties.empty());
  EXPECT_EQ(f->text, kDirective);
  using T = Block::Type;
  struct Want {
    T type;
    int level;
    std::string label, text;
    int line;
  } want[] = {
      {T::kHeading, 2, "", "I. MỤC ĐÍCH, YÊU CẦU", 8},
      {T::kParagraph, 0, "", "1. Đẩy mạnh phong trào thi đua[^1], hoàn thành kế hoạch năm.", 9},
      {T::kBullet, 0, "", "Khen thưởng kịp thời", 12},
      {T::kBullet, 0, "", "Nhân rộng **điển hình** tiên tiến", 13},
      {T::kHeading, 3, "", "1. Nội dung", 16},
      {T::kParagraph, 0, "", "Đoạn *in nghiêng*.", 17},
      {T::kFootnote, 0, "1", "Theo Luật Thi đua, khen thưởng.", 19},
  };
  ASSERT_EQ(f->blocks.size(), std::size(want));
  for (size_t i = 0; i < std::size(want); ++i) {
    const Block& b = f->blocks[i];
    EXPECT_EQ(b.type, want[i].type) << i;
    EXPECT_EQ(b.level, want[i].level) << i;
    EXPECT_EQ(b.label, want[i].label) << i;
    EXPECT_EQ(b.text, want[i].text) << i;
    EXPECT_EQ(b.line, want[i].line) << i;
  }
}

TEST(DocFile, ReportWithoutRecipients) {
  auto f = Parse(Front("kind: report\ntitle: Báo cáo tổng kết năm 2021\n", "# Tổng kết\nKết quả tốt.\n"));
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->kind, "report");
  EXPECT_EQ(f->symbol, "BC");
  EXPECT_TRUE(f->recipients.empty());
  ASSERT_EQ(f->blocks.size(), 2u);
  EXPECT_EQ(f->blocks[0].type, Block::Type::kHeading);
  EXPECT_EQ(f->blocks[0].level, 1);
  EXPECT_EQ(f->blocks[0].line, 5);
  // An empty recipients key is the same as none.
  auto g = Parse(Front("kind: report\ntitle: Báo cáo\nrecipients:\n"));
  ASSERT_TRUE(g.ok()) << g.status().message();
  EXPECT_TRUE(g->recipients.empty());
}

TEST(DocFile, PledgeWithParties) {
  auto f = Parse(Front("kind: pledge\ntitle: Giao ước thi đua năm 2021\nparties: [caobang, lao-cai]\n"
                       "recipients:\n  - org:caobang\n  - org:lao-cai\n"));
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->kind, "pledge");
  EXPECT_EQ(f->symbol, "GƯ");
  EXPECT_EQ(f->parties, (std::vector<std::string>{"caobang", "lao-cai"}));
  EXPECT_EQ(f->recipients, (std::vector<std::string>{"org:caobang", "org:lao-cai"}));
  // Block-list form too.
  auto g = Parse(Front("kind: pledge\ntitle: Giao ước\nparties:\n  - caobang\n"));
  ASSERT_TRUE(g.ok()) << g.status().message();
  EXPECT_EQ(g->parties, std::vector<std::string>{"caobang"});
}

TEST(DocFile, SymbolOverride) {
  auto f = Parse(Front("kind: directive\ntitle: Chỉ thị về thi đua\nsymbol: CT\n"));
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->symbol, "CT");
  auto q = Parse(Front("kind: directive\ntitle: Quyết định\nsymbol: QĐ\n"));
  ASSERT_TRUE(q.ok()) << q.status().message();
  EXPECT_EQ(q->symbol, "QĐ");
}

TEST(DocFile, MissingKind) {
  ExpectBad(Front("title: Kế hoạch\n"), "ke-hoach.md:2: missing front-matter key 'kind'");
}

TEST(DocFile, UnknownKind) {
  ExpectBad(Front("title: Kế hoạch\nkind: memo\n"),
            "ke-hoach.md:3: field 'kind': unknown kind 'memo' (expected directive, pledge or report)");
}

TEST(DocFile, MissingOrEmptyTitle) {
  ExpectBad(Front("kind: directive\n"), "ke-hoach.md:2: missing front-matter key 'title'");
  ExpectBad(Front("kind: directive\ntitle: \"\"\n"), "ke-hoach.md:3: field 'title' is empty");
  ExpectBad(Front("kind: directive\ntitle: \"   \"\n"), "ke-hoach.md:3: field 'title' is empty");
  {
    auto list = Parse(Front("kind: directive\ntitle:\n  - a\n  - b\n"));
    ASSERT_FALSE(list.ok());
    EXPECT_EQ(list.status().message().rfind("ke-hoach.md:3: field 'title' must be a single text value (", 0), 0u)
        << list.status().message();
  }
  ExpectBad(Front("kind: directive\ntitle: " + std::string(1001, 'x') + "\n"),
            "ke-hoach.md:3: field 'title' is over 1000 bytes");
}

TEST(DocFile, UnknownKey) {
  ExpectBad(Front("kind: directive\ntitle: Kế hoạch\nauthor: Hoa\n"),
            "ke-hoach.md:4: unknown front-matter key 'author' (allowed: kind, title, recipients, parties, symbol)");
}

TEST(DocFile, KeyGivenTwice) {
  auto f = Parse(Front("kind: directive\ntitle: Một\ntitle: Hai\n"));
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), Status::Code::kBadInput);
  EXPECT_EQ(f.status().message().rfind("ke-hoach.md:4: ", 0), 0u) << f.status().message();
  EXPECT_NE(f.status().message().find("title"), std::string::npos) << f.status().message();
}

TEST(DocFile, PledgeWithoutParties) {
  ExpectBad(Front("kind: pledge\ntitle: Giao ước\n"),
            "ke-hoach.md:2: a pledge needs 'parties' (aliases of trusted organisations)");
  ExpectBad(Front("kind: pledge\ntitle: Giao ước\nparties: []\n"), "ke-hoach.md:4: field 'parties' is empty");
  {
    auto f = Parse(Front("kind: pledge\ntitle: Giao ước\nparties: [Cao Bang]\n"));
    ASSERT_FALSE(f.ok());
    EXPECT_EQ(f.status().message().rfind("ke-hoach.md:4: field 'parties': 'Cao Bang' is not an alias", 0), 0u)
        << f.status().message();
  }
  ExpectBad(Front("kind: pledge\ntitle: Giao ước\nparties: [caobang, caobang]\n"),
            "ke-hoach.md:4: field 'parties': 'caobang' is listed twice");
  ExpectBad(Front("kind: pledge\ntitle: Giao ước\nparties: caobang\n"),
            "ke-hoach.md:4: field 'parties' must be a list");
}

// A directive or report with parties is a joint document (văn bản liên tịch), signed by
// each party as a pledge is; the contract's own example names parties on a directive.
TEST(DocFile, PartiesOnADirectiveMakeAJointDocument) {
  auto f = Parse(Front("kind: directive\ntitle: Kế hoạch liên tịch\nparties: [caobang, laocai]\n"));
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->parties, (std::vector<std::string>{"caobang", "laocai"}));
  ExpectBad(Front("kind: report\ntitle: Báo cáo\nparties: []\n"), "ke-hoach.md:4: field 'parties' is empty");
}

// ../shared/spec/cli-contract.md, "The document file", exactly as written there.
TEST(DocFile, TheContractsExampleAsWritten) {
  const std::string contract =
      "---\n"
      "kind: directive            # directive | pledge | report (more kinds may be added)\n"
      "title: Phát động phong trào thi đua năm 2021\n"
      "recipients:\n"
      "  - UBND tỉnh (báo cáo)\n"
      "  - Lưu: VT, VP.\n"
      "parties: [caobang, laocai]  # pledge only: aliases of trusted organisations (the author's own is implied)\n"
      "---\n"
      "## I. MỤC ĐÍCH, YÊU CẦU\n"
      "1. Body paragraphs ... **bold**, *italic*, a footnote[^1].\n"
      "- a bullet\n"
      "\n"
      "[^1]: The footnote text.\n";
  auto f = Parse(contract);
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->kind, "directive");
  EXPECT_EQ(f->title, "Phát động phong trào thi đua năm 2021");
  EXPECT_EQ(f->recipients, (std::vector<std::string>{"UBND tỉnh (báo cáo)", "Lưu: VT, VP."}));
  EXPECT_EQ(f->parties, (std::vector<std::string>{"caobang", "laocai"}));
  EXPECT_EQ(f->blocks.size(), 4u);
}

TEST(DocFile, RecipientRules) {
  ExpectBad(Front("kind: directive\ntitle: Kế hoạch\nrecipients: UBND tỉnh\n"),
            "ke-hoach.md:4: field 'recipients' must be a list");
  ExpectBad(Front("kind: directive\ntitle: Kế hoạch\nrecipients:\n  - \"\"\n"),
            "ke-hoach.md:5: field 'recipients' has an empty item");
  ExpectBad(Front("kind: directive\ntitle: Kế hoạch\nrecipients:\n  - org:Cao Bang\n"),
            "ke-hoach.md:4: recipient 'org:Cao Bang': after 'org:' comes the alias of a trusted organisation");
}

TEST(DocFile, LargerThan10MiB) {
  std::string big = Front("kind: directive\ntitle: Kế hoạch\n", std::string(kMaxTextBytes, 'a') + "\n");
  ExpectBad(big, "ke-hoach.md: larger than 10 MiB (" + std::to_string(big.size()) + " bytes)");
}

TEST(DocFile, BinaryData) {
  std::string s = Front("kind: directive\ntitle: Kế hoạch\n", std::string("ab\0cd\n", 6));
  size_t nul = s.find('\0');
  auto f = Parse(s);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), Status::Code::kBadInput);
  EXPECT_EQ(f.status().message().rfind("ke-hoach.md: binary data", 0), 0u) << f.status().message();
  EXPECT_NE(f.status().message().find("at byte offset " + std::to_string(nul)), std::string::npos)
      << f.status().message();
}

TEST(DocFile, InvalidUtf8NamesTheOffset) {
  std::string s = Front("kind: directive\ntitle: Kế hoạch\n", "Lạng S\xc6n\n");
  size_t bad = s.find('\xc6');
  ExpectBad(s, "ke-hoach.md: invalid UTF-8 at byte offset " + std::to_string(bad));
}

TEST(DocFile, Footnotes) {
  // Line 5 uses [^2], which has no definition.
  ExpectBad(Front("kind: directive\ntitle: Kế hoạch\n", "Một[^1] và hai[^2].\n\n[^1]: Chú thích.\n"),
            "ke-hoach.md:5: footnote [^2] has no definition");
  // Line 8 defines [^9], which nothing uses.
  ExpectBad(Front("kind: directive\ntitle: Kế hoạch\n", "Một[^1].\n\n[^1]: Chú thích.\n[^9]: Thừa.\n"),
            "ke-hoach.md:8: footnote [^9] is never referenced");
  ExpectBad(Front("kind: directive\ntitle: Kế hoạch\n", "Một[^1].\n\n[^1]: A.\n\n[^1]: B.\n"),
            "ke-hoach.md:9: footnote [^1] is defined twice");
  // A reference inside a bullet or a heading counts.
  auto ok = Parse(Front("kind: directive\ntitle: Kế hoạch\n", "# Mục[^a]\n- ý[^b]\n\n[^a]: A.\n[^b]: B.\n"));
  ASSERT_TRUE(ok.ok()) << ok.status().message();
}

TEST(DocFile, BadHeading) {
  const std::string why = ": a heading is '#', '##' or '###', a space, then the text";
  ExpectBad(Front("kind: directive\ntitle: Kế hoạch\n", "Mở đầu.\n\n#### Quá sâu\n"), "ke-hoach.md:7" + why);
  ExpectBad(Front("kind: directive\ntitle: Kế hoạch\n", "#Thiếu dấu cách\n"), "ke-hoach.md:5" + why);
  ExpectBad(Front("kind: directive\ntitle: Kế hoạch\n", "###\n"), "ke-hoach.md:5" + why);
}

TEST(DocFile, NoFrontMatter) {
  ExpectBad("kind: directive\ntitle: Kế hoạch\n\nNội dung.\n",
            "ke-hoach.md:1: the file must begin with a front matter between '---' lines");
  ExpectBad("", "ke-hoach.md:1: the file must begin with a front matter between '---' lines");
  ExpectBad("---\nkind: directive\ntitle: Kế hoạch\nNội dung.\n",
            "ke-hoach.md:1: the front matter has no closing '---' line");
  ExpectBad("---\njust some words\n---\nNội dung.\n", "ke-hoach.md:2: the front matter must be 'key: value' lines");
}

TEST(DocFile, YamlSyntaxErrorNamesTheLine) {
  // The title line is text ("[Kế hoạch" is a title); a flow list is YAML's.
  EXPECT_TRUE(Parse(Front("kind: directive\ntitle: [Kế hoạch\n")).ok());
  auto f = Parse(Front("kind: directive\ntitle: Kế hoạch\nrecipients: [UBND tỉnh\n"));
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), Status::Code::kBadInput);
  EXPECT_NE(f.status().message().find("front matter: "), std::string::npos) << f.status().message();
  EXPECT_EQ(f.status().message().rfind("ke-hoach.md:", 0), 0u) << f.status().message();
}

TEST(DocFile, BadSymbol) {
  ExpectBad(Front("kind: directive\ntitle: Kế hoạch\nsymbol: XYZ\n"),
            "ke-hoach.md:4: field 'symbol': 'XYZ' is not an abbreviation of Decree 30/2020 Appendix III "
            "(e.g. KH, CT, QĐ, BC, TB)");
  // Abbreviations are case-sensitive: "kh" is not "KH".
  EXPECT_FALSE(Parse(Front("kind: directive\ntitle: Kế hoạch\nsymbol: kh\n")).ok());
}

TEST(DocFile, EmptyBody) {
  ExpectBad(Front("kind: directive\ntitle: Kế hoạch\n", ""), "ke-hoach.md: the body is empty");
  ExpectBad(Front("kind: directive\ntitle: Kế hoạch\n", "\n  \n"), "ke-hoach.md: the body is empty");
}

TEST(DocFile, CrlfAndBomAccepted) {
  std::string crlf;
  for (char c : kDirective) {
    if (c == '\n') crlf += "\r\n";
    else crlf.push_back(c);
  }
  auto lf = Parse(kDirective);
  ASSERT_TRUE(lf.ok());
  for (const std::string& variant : {crlf, "\xEF\xBB\xBF" + crlf, "\xEF\xBB\xBF" + kDirective}) {
    auto f = Parse(variant);
    ASSERT_TRUE(f.ok()) << f.status().message();
    EXPECT_EQ(f->text, kDirective);  // LF line ends, no BOM: what is signed
    EXPECT_EQ(f->title, lf->title);
    EXPECT_EQ(f->recipients, lf->recipients);
    ASSERT_EQ(f->blocks.size(), lf->blocks.size());
    for (size_t i = 0; i < f->blocks.size(); ++i) {
      EXPECT_EQ(f->blocks[i].text, lf->blocks[i].text);
      EXPECT_EQ(f->blocks[i].line, lf->blocks[i].line);
    }
  }
}

TEST(DocFile, MissingFinalNewlineIsAdded) {
  auto f = Parse("---\nkind: report\ntitle: Báo cáo\n---\nNội dung.");
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->text, "---\nkind: report\ntitle: Báo cáo\n---\nNội dung.\n");
}

TEST(DocFile, DecomposedInputIsNormalisedToNfc) {
  // "Việt" with e + U+0323 + U+0302, in the title and the body.
  const std::string nfd = "Vie\xcc\xa3\xcc\x82t";
  auto f = Parse(Front("kind: directive\ntitle: Kế hoạch " + nfd + " Nam\n", "Nước " + nfd + ".\n"));
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->title, "Kế hoạch Việt Nam");
  EXPECT_EQ(f->blocks[0].text, "Nước Việt.");
  EXPECT_EQ(f->text.find(nfd), std::string::npos);
  EXPECT_NE(f->text.find("Việt"), std::string::npos);
  // The same document typed either way gives the same signed text.
  auto g = Parse(Front("kind: directive\ntitle: Kế hoạch Việt Nam\n", "Nước Việt.\n"));
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(f->text, g->text);
}

TEST(DocFile, SimpleFrontMatterReadsAsYamlDoes) {
  // The fast reader takes these, or leaves them to yaml-cpp; either way the
  // result is yaml-cpp's (Parse compares).
  const char* fronts[] = {
      "kind: directive\ntitle: Kế hoạch số 12 về “thi đua” – năm 2021\n",
      "kind: directive\ntitle: Kế hoạch\nrecipients:\n- UBND tỉnh\n- \"Lưu: VT, VP.\"\n",
      "recipients:\n  - UBND tỉnh\nkind: directive\ntitle: Kế hoạch\n",
      "kind: directive\ntitle: Kế hoạch\nrecipients:\nsymbol: CT\n",
      "kind: directive\ntitle: Kế hoạch\nrecipients:\n  - A\n    - B\n",
      "kind: directive\ntitle: Kế hoạch\nrecipients:\n  - A\n  -B\n",
      "kind: directive\ntitle: Kế hoạch\nrecipients:\n  - A\n - B\n",
      "kind: directive\ntitle: Kế hoạch: giai đoạn 2\n",
      "kind: directive\ntitle: Kế hoạch:giai đoạn 2\n",
      "kind: directive\ntitle: \"  Kế hoạch  \"\n",
      "kind: directive\ntitle: Kế hoạch # ghi chú\n",
      "kind: directive\ntitle: Kế hoạch#1\n",
      "kind: directive\ntitle: ~\n",
      "kind: directive\ntitle: null\n",
      "kind: directive\ntitle: 'Kế hoạch'\n",
      "kind: directive\ntitle: \"Kế \\\"hoạch\\\"\"\n",
      "kind: directive\ntitle: - Kế hoạch\n",
      "kind: directive\ntitle: *anchor\n",
      "kind: directive\ntitle: &a Kế hoạch\n",
      "kind: directive\ntitle: !!str Kế hoạch\n",
      "kind: directive\ntitle: 2021\n",
      "kind: directive\ntitle: yes\n",
      "kind: directive\ntitle: Kế hoạch\n  tiếp theo\n",
      "kind: directive\ntitle:  Kế hoạch\n",
      "kind: directive\ntitle: Kế hoạch \n",
      "kind: directive\ntitle:\n",
      "kind: directive\ntitle:\n  - Kế hoạch\n",
      "kind: directive\ntitle: Kế hoạch\ntitle: Hai\n",
      "kind: directive\ntitle: Kế hoạch\n\nsymbol: CT\n",
      "kind: directive\n  title: Kế hoạch\n",
      "kind:directive\ntitle: Kế hoạch\n",
      "Kind: directive\ntitle: Kế hoạch\n",
      "kind: directive\ntitle: Kế hoạch\nsymbol: QĐ\n",
      "kind: directive\ntitle: Kế hoạch\nsymbol: \"CT\"\n",
      "kind: directive\ntitle: Kế hoạch\nrecipients:\n  - org:caobang\n  - org:Cao Bang\n",
      "kind: directive\ntitle: Kế hoạch\nrecipients:\n  - \"\"\n",
      "kind: directive\ntitle: Kế hoạch\nrecipients:\n  - x: y\n",
      "kind: directive\ntitle: Kế hoạch\nrecipients:\n  - [a]\n",
      "kind: pledge\ntitle: Giao ước\nparties:\n  - caobang\n  - lao-cai\n",
      "kind: pledge\ntitle: Giao ước\nparties:\n  - caobang\n  - caobang\n",
      "kind: pledge\ntitle: Giao ước\nparties:\n",
      "kind: report\ntitle: Báo cáo {tạm}\n",
      "kind: report\ntitle: Báo cáo | tạm\n",
      "kind: report\ntitle: Tiêu đề\xe2\x80\xa8" "dòng hai\n",
      "kind: report\ntitle: Tiêu đề\xc2\xa0rộng\n",
      "kind: report\ntitle: 中文标题\n",
      "kind: report\ntitle: Báo cáo\t2021\n",
      "kind: report\ntitle: @tên\n",
      "kind: report\ntitle: %tên\n",
      "kind: report\ntitle: ? câu hỏi\n",
      "kind: report\ntitle: 'tên'\n",
      "kind: report\ntitle: ...\n",
      "kind: report\ntitle: --- a\n",
      "kind: report\ntitle: a --- b\n",
      "kind: directive\ntitle: Kế hoạch: tổ chức hội nghị\n",
      "kind: directive\ntitle: Kế hoạch: tổ chức # ghi chú\n",
      "kind: directive\ntitle: [Dự thảo] Kế hoạch\n",
      "kind: directive\ntitle: {tạm} Kế hoạch\n",
      "kind: directive\ntitle: Kế hoạch\nrecipients:\n  - Lưu: VT, VP.\n  - x: y: z\n",
      "kind: directive\ntitle: Kế hoạch\nrecipients:\n  - Lưu: VT\n    tiếp\n",
      "kind: directive\ntitle: Kế hoạch\nrecipients: [a, \"Lưu: VT\"]\n",
  };
  for (const char* f : fronts) {
    SCOPED_TRACE(f);
    (void)Parse(Front(f));
  }
}

// The contract's own example (../shared/spec/cli-contract.md) and the lines every
// Vietnamese document ends with: text as written, not YAML mappings.
TEST(DocFile, TitleAndRecipientLinesAreTextAsWritten) {
  auto f = Parse(Front(
      "kind: directive            # directive | pledge | report (more kinds may be added)\n"
      "title: Kế hoạch: tổ chức hội nghị sơ kết   # ghi chú\n"
      "recipients:\n"
      "  - UBND tỉnh (báo cáo)\n"
      "  - Lưu: VT, VP.\n"
      "  - [Dự thảo] các phòng: để biết\n"
      "  - Như trên:\n"));
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->title, "Kế hoạch: tổ chức hội nghị sơ kết");
  EXPECT_EQ(f->recipients,
            (std::vector<std::string>{"UBND tỉnh (báo cáo)", "Lưu: VT, VP.", "[Dự thảo] các phòng: để biết", "Như trên:"}));
  // Quoting stays allowed and reads the same.
  auto q = Parse(Front("kind: directive\ntitle: \"Kế hoạch: tổ chức hội nghị sơ kết\"\nrecipients:\n"
                       "  - \"Lưu: VT, VP.\"\n  - 'Như trên:'\n"));
  ASSERT_TRUE(q.ok()) << q.status().message();
  EXPECT_EQ(q->title, f->title);
  EXPECT_EQ(q->recipients, (std::vector<std::string>{"Lưu: VT, VP.", "Như trên:"}));
  // Block lists without indentation, and a plain title that only YAML's "- " would misread.
  auto z = Parse(Front("kind: report\ntitle: - Báo cáo\nrecipients:\n- Lưu: VT.\n"));
  ASSERT_TRUE(z.ok()) << z.status().message();
  EXPECT_EQ(z->title, "- Báo cáo");
  EXPECT_EQ(z->recipients, std::vector<std::string>{"Lưu: VT."});
}

TEST(DocFile, StillWrongFrontMatterSaysWhatToWrite) {
  // A flow list is YAML's: an item there that holds ": " needs quotes, and the message says so.
  auto f = Parse(Front("kind: directive\ntitle: Kế hoạch\nrecipients: [UBND tỉnh, Lưu: VT]\n"));
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message().rfind("ke-hoach.md:4: field 'recipients' must be a single text value", 0), 0u)
      << f.status().message();
  EXPECT_NE(f.status().message().find("double quotes"), std::string::npos) << f.status().message();
  auto g = Parse(Front("kind: directive\ntitle: Kế hoạch: một\n  hai: ba\n"));
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("double quotes"), std::string::npos) << g.status().message();
  EXPECT_EQ(g.status().message().rfind("ke-hoach.md:", 0), 0u) << g.status().message();
}

TEST(DocFile, AnEscapedControlCharacterNamesFileAndLine) {
  ExpectBad(Front("kind: directive\ntitle: \"A\\0B\"\n"),
            "ke-hoach.md:3: field 'title' has a control character (U+0); write the text itself, without escapes "
            "such as \\0 or \\t");
  ExpectBad(Front("kind: directive\ntitle: Kế hoạch\nrecipients:\n  - \"UBND\\ttỉnh\"\n"),
            "ke-hoach.md:5: field 'recipients' has a control character (U+9); write the text itself, without "
            "escapes such as \\0 or \\t");
  ExpectBad(Front("kind: directive\ntitle: \"Ke\\u0302\\u0301 hoạch\"\n"),
            "ke-hoach.md:3: field 'title' is not in Unicode NFC; write the letters themselves, not escapes such "
            "as \\u0301");
}

TEST(DocFile, RecordTextSkipsTheUtf8Scan) {
  // A record's text is NFC already: the same result without the scan.
  auto a = ParseDocumentFile(kDirective, "revision");
  auto b = ParseDocumentFile(kDirective, "revision", {.checked_nfc = true});
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->text, b->text);
  EXPECT_EQ(a->title, b->title);
  EXPECT_EQ(a->recipients, b->recipients);
  EXPECT_EQ(a->blocks.size(), b->blocks.size());
}

TEST(DocKinds, TablesOfKindsAndSymbols) {
  ASSERT_NE(FindKind("directive"), nullptr);
  EXPECT_EQ(FindKind("directive")->symbol, "KH");
  EXPECT_EQ(FindKind("directive")->name_vi, "KẾ HOẠCH");
  EXPECT_EQ(FindKind("report")->symbol, "BC");
  EXPECT_EQ(FindKind("pledge")->symbol, "GƯ");
  EXPECT_EQ(FindKind("memo"), nullptr);
  EXPECT_EQ(Kinds().size(), 3u);
  ASSERT_NE(FindSymbol("QĐ"), nullptr);
  EXPECT_EQ(FindSymbol("QĐ")->name_vi, "QUYẾT ĐỊNH");
  EXPECT_EQ(FindSymbol("TB")->name_vi, "THÔNG BÁO");
  EXPECT_EQ(FindSymbol("XX"), nullptr);
  // Every kind's default symbol is itself a valid abbreviation.
  for (const KindInfo& k : Kinds()) EXPECT_NE(FindSymbol(k.symbol), nullptr) << k.kind;
}

// The compose page writes files from form fields: any title survives the round trip.
TEST(DocFile, WrittenFromFieldsReadsBack) {
  DocumentFields f;
  f.kind = "pledge";
  f.title = "Giao ước: \"thi đua\" \\ năm 2024 # [1] {a}, - *b*";
  f.parties = {"caobang", "laocai"};
  f.recipients = {"Lưu: VT, VP.", "org:caobang", "- gạch đầu dòng"};
  f.body = "## Điều 1\n\nCác bên cam kết.\n";
  std::string text = WriteDocumentFile(f);
  auto d = ParseDocumentFile(text, "form");
  ASSERT_TRUE(d.ok()) << d.status().message() << "\n" << text;
  EXPECT_EQ(d->title, f.title);
  EXPECT_EQ(d->parties, f.parties);
  EXPECT_EQ(d->recipients, f.recipients);
  EXPECT_EQ(d->symbol, "GƯ");
  auto back = ReadDocumentFields(d->text);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->title, f.title);
  EXPECT_EQ(back->body, f.body);
  EXPECT_EQ(back->symbol, "");  // the kind's default stays implicit
  EXPECT_EQ(WriteDocumentFile(*back), text);
  // The yaml-cpp reader agrees with the quick one.
  ParseOptions slow;
  slow.yaml_only = true;
  auto y = ParseDocumentFile(text, "form", slow);
  ASSERT_TRUE(y.ok()) << y.status().message();
  EXPECT_EQ(y->title, f.title);
  EXPECT_EQ(y->recipients, f.recipients);
}

// ---- inline markup: the one reading the PDF and the web pages share ----

// Spans as "text" with b/i markers, "^label" for a reference: "[b]đậm", "[i]nghiêng", "[bi]cả hai".
std::vector<std::string> Spans(std::string_view text) {
  std::vector<std::string> out;
  for (const InlineSpan& s : InlineSpans(text)) {
    std::string style = std::string(s.bold ? "b" : "") + (s.italic ? "i" : "");
    EXPECT_TRUE(s.note.empty() != s.text.empty()) << "a span is text or a reference: " << text;
    out.push_back((style.empty() ? "" : "[" + style + "]") + (s.note.empty() ? s.text : "^" + s.note));
  }
  return out;
}
using V = std::vector<std::string>;

TEST(InlineSpans, BoldAndItalic) {
  EXPECT_EQ(Spans("Nhân rộng **điển hình** tiên tiến"), (V{"Nhân rộng ", "[b]điển hình", " tiên tiến"}));
  EXPECT_EQ(Spans("Đoạn *in nghiêng*."), (V{"Đoạn ", "[i]in nghiêng", "."}));
  EXPECT_EQ(Spans("***cả hai***"), (V{"[bi]cả hai"}));
  EXPECT_EQ(Spans("**đậm *lồng nghiêng* đậm**"), (V{"[b]đậm ", "[bi]lồng nghiêng", "[b] đậm"}));
  EXPECT_EQ(Spans("*bắt đầu* và kết *thúc*"), (V{"[i]bắt đầu", " và kết ", "[i]thúc"}));
  EXPECT_EQ(Spans("không có gì"), (V{"không có gì"}));
  EXPECT_TRUE(InlineSpans("").empty());
}

TEST(InlineSpans, AStarWithSpaceOrWithoutACloserIsText) {
  // A marker opens only before a non-space, closes only after one.
  EXPECT_EQ(Spans("a * b * c"), (V{"a * b * c"}));
  EXPECT_EQ(Spans("2 * 3 = 6"), (V{"2 * 3 = 6"}));
  EXPECT_EQ(Spans("** cách ** và * cách *"), (V{"** cách ** và * cách *"}));
  // ...and only with a closer of its kind later on.
  EXPECT_EQ(Spans("*nghiêng chưa đóng"), (V{"*nghiêng chưa đóng"}));
  EXPECT_EQ(Spans("**đậm chưa đóng"), (V{"**đậm chưa đóng"}));
  EXPECT_EQ(Spans("giá 5* và 6*"), (V{"giá 5* và 6*"}));
  // A closer that only a "**" offers does not open a '*'.
  EXPECT_EQ(Spans("*a b**"), (V{"*a b**"}));
  // An opened marker whose closer went to another runs to the end.
  EXPECT_EQ(Spans("*a **b**"), (V{"[i]a ", "[bi]b"}));
  EXPECT_EQ(Spans("trailing *"), (V{"trailing *"}));
}

TEST(InlineSpans, MarkersInsideWords) {
  EXPECT_EQ(Spans("a**b**c"), (V{"a", "[b]b", "c"}));
  EXPECT_EQ(Spans("x*y*z"), (V{"x", "[i]y", "z"}));
  EXPECT_EQ(Spans("liền*kề*"), (V{"liền", "[i]kề"}));
  // Every marker ends a span, so neighbours may share a style.
  EXPECT_EQ(Spans("a****b"), (V{"a", "b"}));
}

TEST(InlineSpans, NoteReferences) {
  EXPECT_EQ(Spans("thi đua[^1], hoàn thành"), (V{"thi đua", "^1", ", hoàn thành"}));
  EXPECT_EQ(Spans("[^ghichu2]"), (V{"^ghichu2"}));
  // In the style of the text around it.
  EXPECT_EQ(Spans("**Hạnh phúc[^1]**"), (V{"[b]Hạnh phúc", "[b]^1"}));
  EXPECT_EQ(Spans("*[^2]*"), (V{"[i]^2"}));
  // Labels are letters and digits, as a definition's: anything else is text.
  EXPECT_EQ(Spans("[^a-b] [^x y] [^] [^[^2] [1]"), (V{"[^a-b] [^x y] [^] [^", "^2", " [1]"}));
  EXPECT_EQ(Spans("[^1"), (V{"[^1"}));
}

TEST(InlineSpans, VietnameseText) {
  EXPECT_EQ(Spans("Tiếng Việt: *Cộng hòa xã hội chủ nghĩa Việt Nam*, **Độc lập - Tự do - Hạnh phúc**"),
            (V{"Tiếng Việt: ", "[i]Cộng hòa xã hội chủ nghĩa Việt Nam", ", ", "[b]Độc lập - Tự do - Hạnh phúc"}));
  // Multi-byte letters beside markers are non-spaces.
  EXPECT_EQ(Spans("đ*ư*ờng **Đ**ồng"), (V{"đ", "[i]ư", "ờng ", "[b]Đ", "ồng"}));
}

// The blocks of a parsed file read as the document page and the PDF show them.
TEST(InlineSpans, OfParsedBlocks) {
  auto f = ParseDocumentFile(kDirective, "ke-hoach.md");
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(Spans(f->blocks[1].text), (V{"1. Đẩy mạnh phong trào thi đua", "^1", ", hoàn thành kế hoạch năm."}));
  EXPECT_EQ(Spans(f->blocks[3].text), (V{"Nhân rộng ", "[b]điển hình", " tiên tiến"}));
}

}  // namespace
}  // namespace vanban
