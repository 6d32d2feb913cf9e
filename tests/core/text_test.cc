// Vietnamese text: UTF-8 checks with byte offsets, NFC, search folding, upper case.
#include "core/text.h"

#include <gtest/gtest.h>
#include <utf8proc.h>

#include <cstdlib>
#include <memory>

namespace vanban::text {
namespace {

// "Việt" precomposed: ệ is U+1EC7 (E1 BB 87).
const std::string kVietNfc = "Vi\xe1\xbb\x87t";
// Decomposed: e + U+0323 (dot below, CC A3) + U+0302 (circumflex, CC 82), and the
// other mark order a Windows keyboard may produce.
const std::string kVietNfd = "Vie\xcc\xa3\xcc\x82t";
const std::string kVietNfdOtherOrder = "Vie\xcc\x82\xcc\xa3t";

TEST(TextParseDecimal, OnlyTheFormVanbanWrites) {
  EXPECT_EQ(text::ParseDecimal("0"), 0u);
  EXPECT_EQ(text::ParseDecimal("12"), 12u);
  EXPECT_EQ(text::ParseDecimal("2024", 9999), 2024u);
  EXPECT_EQ(text::ParseDecimal("18446744073709551615"), UINT64_MAX);
  for (const char* bad : {"", " 12", "12 ", "12abc", "+12", "-1", "012", "00", "1e3", "0x10", "１２", "1_000",
                          "18446744073709551616", "99999999999999999999999"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(text::ParseDecimal(bad), std::nullopt);
  }
  EXPECT_EQ(text::ParseDecimal("65535", 65535), 65535u);
  EXPECT_EQ(text::ParseDecimal("65536", 65535), std::nullopt);
  EXPECT_EQ(text::ParseDecimal("9", 5), std::nullopt);
  EXPECT_EQ(text::ParseDecimal("5", 5), 5u);
  EXPECT_EQ(text::ParseDecimal("0", 0), 0u);
  EXPECT_EQ(text::ParseDecimal("1", 0), std::nullopt);
}

TEST(TextNormalize, DecomposedVietnameseBecomesPrecomposed) {
  EXPECT_EQ(kVietNfc, "Việt");  // the source file itself is NFC
  auto a = Normalize(kVietNfd);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(*a, kVietNfc);
  auto b = Normalize(kVietNfdOtherOrder);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, kVietNfc);
  EXPECT_NE(kVietNfd, kVietNfc);
}

TEST(TextNormalize, NfcIsUnchangedAndEmptyIsEmpty) {
  const std::string s = "Sở Ngoại vụ tỉnh Lạng Sơn — Đặng Thị Ưng";
  auto n = Normalize(s);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, s);
  auto e = Normalize("");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(*e, "");
}

TEST(TextNormalize, RefusesInvalidUtf8) {
  auto n = Normalize("ab\xff");
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().code(), Status::Code::kBadInput);
  EXPECT_EQ(n.status().message(), "invalid UTF-8 at byte offset 2");
}

TEST(TextCheckUtf8, InvalidBytesNameTheirOffset) {
  EXPECT_TRUE(CheckUtf8("").ok());
  EXPECT_TRUE(CheckUtf8("Lạng Sơn\ttab\r\nline").ok());
  struct Case {
    std::string bytes;
    size_t offset;
  } cases[] = {
      {"\xff", 0},
      {"abc\x80", 3},                         // a lone continuation byte
      {"Vi\xe1\xbb", 2},                      // ệ cut short at the end
      {"L\xe1\xba\xa1ng S\xc6", 8},           // "Lạng S" then half of ơ
      {"\xc0\xaf", 0},                        // overlong encoding of '/'
      {"ok \xed\xa0\x80", 3},                 // a UTF-16 surrogate
      {"\xf4\x90\x80\x80", 0},                // above U+10FFFF
      {"ab\xe0\x80\x80", 2},                   // overlong 3-byte NUL
      {"\xf0\x80\x80\x80", 0},                // overlong 4-byte NUL
      {"\xf5\x80\x80\x80", 0},                // lead byte beyond U+10FFFF
      {"\xe1\xbb", 0},                          // truncated at the end
      {"a\xe1\x41\x87", 1},                    // a continuation byte missing
  };
  for (const Case& c : cases) {
    Status s = CheckUtf8(c.bytes);
    ASSERT_FALSE(s.ok()) << c.offset;
    EXPECT_EQ(s.code(), Status::Code::kBadInput);
    EXPECT_EQ(s.message(), "invalid UTF-8 at byte offset " + std::to_string(c.offset));
  }
}

TEST(TextCheckUtf8, ControlCharactersAreBinaryData) {
  Status nul = CheckUtf8(std::string("ab\0c", 4));
  ASSERT_FALSE(nul.ok());
  EXPECT_EQ(nul.code(), Status::Code::kBadInput);
  EXPECT_NE(nul.message().find("binary data"), std::string::npos) << nul.message();
  EXPECT_NE(nul.message().find("at byte offset 2"), std::string::npos) << nul.message();

  for (char c : {'\x01', '\x07', '\x1b', '\x1f', '\x7f'}) {
    std::string s = "Sơn";  // 4 bytes
    s.push_back(c);
    Status st = CheckUtf8(s);
    ASSERT_FALSE(st.ok()) << static_cast<int>(c);
    EXPECT_NE(st.message().find("control character"), std::string::npos) << st.message();
    EXPECT_NE(st.message().find("at byte offset 4"), std::string::npos) << st.message();
  }
}

TEST(TextCheckUtf8, EveryOffsetOfALongAsciiRun) {
  // Printable ASCII and line ends are passed over without decoding: a bad byte,
  // or a valid non-ASCII letter, at any position of a long run is still seen.
  const std::string run(40, 'a');
  for (size_t at = 0; at < run.size(); ++at) {
    for (char bad : {'\0', '\x01', '\x1f', '\x7f', '\x80', '\xff'}) {
      std::string s = run;
      s[at] = bad;
      Status st = CheckUtf8(s);
      ASSERT_FALSE(st.ok()) << at << " " << static_cast<int>(bad);
      EXPECT_NE(st.message().find("at byte offset " + std::to_string(at)), std::string::npos) << st.message();
    }
    for (const char* ok : {"\n", "\t", "\r", " ", "~"}) {
      std::string s = run;
      s[at] = ok[0];
      bool quick = false;
      EXPECT_TRUE(CheckUtf8(s, &quick).ok()) << at;
      EXPECT_TRUE(quick) << at;
    }
    std::string s = run.substr(0, at) + "\xe1\xbb\x87" + run.substr(at);  // ệ, NFC-safe
    bool quick = false;
    EXPECT_TRUE(CheckUtf8(s, &quick).ok()) << at;
    EXPECT_TRUE(quick) << at;
    s = run.substr(0, at) + "\xc6\xa1" + run.substr(at);  // ơ, NFC-safe
    EXPECT_TRUE(CheckUtf8(s, &quick).ok()) << at;
    EXPECT_TRUE(quick) << at;
    s = run.substr(0, at) + "e\xcc\x82" + run.substr(at);  // a combining mark: valid, not certainly NFC
    EXPECT_TRUE(CheckUtf8(s, &quick).ok()) << at;
    EXPECT_FALSE(quick) << at;
    // Lead bytes of the quick paths without their continuation bytes.
    for (const char* broken : {"\xc6", "\xc6" "A", "\xe1\xbb", "\xe1\xbb" "A", "\xe1" "A\x87"}) {
      s = run.substr(0, at) + broken + run.substr(at);
      Status st = CheckUtf8(s);
      ASSERT_FALSE(st.ok()) << at << " " << broken;
      EXPECT_EQ(st.message(), "invalid UTF-8 at byte offset " + std::to_string(at));
      s = run.substr(0, at) + broken;  // at the very end
      EXPECT_FALSE(CheckUtf8(s).ok()) << at << " " << broken;
    }
  }
}

TEST(TextCheckUtf8, ControlCharacterIsNamedInUnicodeNotation) {
  // U+ notation is hexadecimal: DEL is U+007F, not "U+127".
  Status st = CheckUtf8("a\x7f");
  EXPECT_NE(st.message().find("U+007F"), std::string::npos) << st.message();
  st = CheckUtf8("a\x1b");
  EXPECT_NE(st.message().find("U+001B"), std::string::npos) << st.message();
}

TEST(TextHasControl, OneLineValues) {
  EXPECT_FALSE(HasControl("Lạng Sơn"));
  EXPECT_TRUE(HasControl("a\tb"));
  EXPECT_TRUE(HasControl("a\nb"));
  EXPECT_TRUE(HasControl("a\rb"));
  EXPECT_TRUE(HasControl(std::string("a\0b", 3)));
  EXPECT_TRUE(HasControl("a\x7f"));
  EXPECT_FALSE(HasControl(""));
}

TEST(TextFold, DropsMarksAndCase) {
  EXPECT_EQ(Fold("Thi đua Lạng Sơn ĐẶNG"), "thi dua lang son dang");
  EXPECT_EQ(Fold("Phát động phong trào thi đua năm 2021"), "phat dong phong trao thi dua nam 2021");
  EXPECT_EQ(Fold("Ưu tiên ƯỚC Ơn"), "uu tien uoc on");
  EXPECT_EQ(Fold(""), "");
  // Decomposed and precomposed spellings fold alike.
  EXPECT_EQ(Fold(kVietNfd), Fold(kVietNfc));
  EXPECT_EQ(Fold(kVietNfc), "viet");
}

TEST(TextDistinctWords, FirstAppearanceOrderOneSpaceApart) {
  EXPECT_EQ(DistinctWords(""), "");
  EXPECT_EQ(DistinctWords(" ,. \n"), "");
  EXPECT_EQ(DistinctWords("thi dua, thi dua.\nke hoach 1/kh-sngv thi"), "thi dua ke hoach 1 kh sngv");
  // Non-ASCII bytes belong to words, as in `doc list --query`.
  EXPECT_EQ(DistinctWords("“thi” dua–thi “thi”"), "“thi” dua–thi");
  EXPECT_EQ(DistinctWords(Fold("Phát động phong trào thi đua; PHONG TRÀO")), "phat dong phong trao thi dua");
}

TEST(TextSearchWords, FoldedSplitAtSpacesPunctuationAroundDropped) {
  using V = std::vector<std::string>;
  EXPECT_EQ(SearchWords(""), V{});
  EXPECT_EQ(SearchWords(" ,. \n\t"), V{});
  EXPECT_EQ(SearchWords("  \"Đối ngoại\", THI ĐUA. "), (V{"doi", "ngoai", "thi", "dua"}));
  // A number keeps its inner punctuation: "2/KH" is one word, not "2" and "kh".
  EXPECT_EQ(SearchWords("2/KH-SNgV 05/03/2024"), (V{"2/kh-sngv", "05/03/2024"}));
  EXPECT_EQ(SearchWords("(Lào Cai)"), (V{"lao", "cai"}));
}

TEST(TextUpper, VietnameseCapitals) {
  EXPECT_EQ(Upper("Sở Ngoại vụ tỉnh Lạng Sơn"), "SỞ NGOẠI VỤ TỈNH LẠNG SƠN");
  EXPECT_EQ(Upper("đặng ưng ơn"), "ĐẶNG ƯNG ƠN");
  EXPECT_EQ(Upper("kế hoạch 2021"), "KẾ HOẠCH 2021");
  EXPECT_EQ(Upper(""), "");
  // Invalid UTF-8 comes back unchanged rather than half-converted.
  EXPECT_EQ(Upper("ab\xff"), "ab\xff");
}

TEST(TextTrim, AsciiWhitespaceOnly) {
  EXPECT_EQ(Trim("  \t Lạng Sơn \r\n"), "Lạng Sơn");
  EXPECT_EQ(Trim("   "), "");
  EXPECT_EQ(Trim(""), "");
  EXPECT_EQ(Trim("a b"), "a b");
}

// utf8proc's NFC / NFD, the reference the fast paths must agree with.
std::string Ref(const std::string& s, bool nfc) {
  utf8proc_uint8_t* out = nullptr;
  utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()),
                                    static_cast<utf8proc_ssize_t>(s.size()), &out,
                                    static_cast<utf8proc_option_t>(UTF8PROC_STABLE |
                                                                   (nfc ? UTF8PROC_COMPOSE : UTF8PROC_DECOMPOSE)));
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> hold(out, &std::free);
  EXPECT_GE(n, 0);
  return n < 0 ? "" : std::string(reinterpret_cast<char*>(out), static_cast<size_t>(n));
}

std::string Encode(uint32_t cp) {
  utf8proc_uint8_t buf[4];
  utf8proc_ssize_t n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(cp), buf);
  return std::string(reinterpret_cast<char*>(buf), static_cast<size_t>(n));
}

TEST(TextNormalize, EveryNfcSafeCodePointIsStableAloneAndBesideAnyOther) {
  // Normalize skips utf8proc for texts made only of these code points: check the
  // claim against utf8proc, for each one alone and next to every other one.
  std::vector<uint32_t> safe;
  for (uint32_t cp = 0; cp < 0x110000; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    if (IsNfcSafe(cp)) safe.push_back(cp);
  }
  ASSERT_GT(safe.size(), 1000u);
  EXPECT_TRUE(IsNfcSafe('a'));
  EXPECT_TRUE(IsNfcSafe(0x1EC7));    // ệ
  EXPECT_FALSE(IsNfcSafe(0x0302));   // combining circumflex
  EXPECT_FALSE(IsNfcSafe(0x2000));   // EN QUAD, a singleton decomposing to U+2002
  EXPECT_FALSE(IsNfcSafe(0x212B));   // ANGSTROM SIGN, a singleton
  for (uint32_t x : safe) {
    const std::string one = Encode(x);
    ASSERT_EQ(Ref(one, true), one) << "U+" << std::hex << x;
    // x next to every safe code point, on both sides: x y1 x y2 x ... x.
    std::string pairs = one;
    for (uint32_t y : safe) pairs += Encode(y) + one;
    ASSERT_EQ(Ref(pairs, true), pairs) << "U+" << std::hex << x << " composes with a neighbour";
  }
}

TEST(TextNormalize, FastAndSlowPathsAgreeWithUtf8proc) {
  const std::vector<std::string> samples = {
      "Sở Ngoại vụ tỉnh Lạng Sơn",                       // already NFC, fast path
      "Vie\xcc\xa3\xcc\x82t Nam",                           // decomposed
      "Số 12/KH-SNgV — “trích dẫn” … 100₫",              // punctuation, đồng sign
      "Ångström \xe2\x84\xab",                            // U+212B singleton -> U+00C5
      "e\xcc\x81 \xe1\xba\xbf\xcc\x81",                      // é decomposed; ế plus another acute
      "\xea\xb0\x80 \xe1\x84\x80\xe1\x85\xa1",                   // Hangul, precomposed and jamo
      "a\xcc\xa3\xcc\x82 a\xcc\x82\xcc\xa3",                   // both mark orders
  };
  for (const std::string& s : samples) {
    auto n = Normalize(s);
    ASSERT_TRUE(n.ok()) << s;
    EXPECT_EQ(*n, Ref(s, true)) << s;
    auto twice = Normalize(*n);
    EXPECT_EQ(*twice, *n) << "NFC is idempotent: " << s;
  }
}

TEST(TextFold, TableCodePointsFoldAsUtf8procSays) {
  // Fold reads the letters below U+0300 and U+1E00..U+1EFF straight from its
  // table: each must fold as utf8proc folds it (decomposed, marks stripped,
  // case-folded, đ -> d), alone and between ASCII letters.
  for (uint32_t cp = 0x80; cp < 0x1F00; cp = cp == 0x2FF ? 0x1E00 : cp + 1) {
    const std::string one = Encode(cp);
    utf8proc_uint8_t* out = nullptr;
    utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(one.data()),
                                      static_cast<utf8proc_ssize_t>(one.size()), &out,
                                      static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_DECOMPOSE |
                                                                     UTF8PROC_STRIPMARK | UTF8PROC_CASEFOLD));
    std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> hold(out, &std::free);
    ASSERT_GE(n, 0);
    std::string want(reinterpret_cast<char*>(out), static_cast<size_t>(n));
    for (size_t at = want.find("\xc4\x91"); at != std::string::npos; at = want.find("\xc4\x91")) want.replace(at, 2, "d");
    EXPECT_EQ(Fold(one), want) << "U+" << std::hex << cp;
    EXPECT_EQ(Fold("A" + one + "b"), "a" + want + "b") << "U+" << std::hex << cp;
  }
}

TEST(TextFold, PrecomposedAndDecomposedVietnameseLettersFoldAlike) {
  // Every letter of Latin Extended Additional that Vietnamese uses (U+1EA0..U+1EF9).
  for (uint32_t cp = 0x1EA0; cp <= 0x1EF9; ++cp) {
    const std::string pre = Encode(cp), nfd = Ref(pre, false);
    ASSERT_NE(pre, nfd);
    const std::string f = Fold(pre);
    EXPECT_EQ(f, Fold(nfd)) << "U+" << std::hex << cp;
    ASSERT_EQ(f.size(), 1u) << "U+" << std::hex << cp << " folds to '" << f << "'";
    EXPECT_TRUE(f[0] >= 'a' && f[0] <= 'z') << f;
  }
  EXPECT_EQ(Fold("Đ"), "d");
  EXPECT_EQ(Fold("đ"), "d");
  // Bytes that aren't UTF-8 are kept, and the rest still folds.
  EXPECT_EQ(Fold("ĐÀ\xff NẴNG"), "da\xff nang");
}

}  // namespace
}  // namespace vanban::text
