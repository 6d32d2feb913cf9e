// vanban/core — Vietnamese text: UTF-8 checks, NFC normalisation, search folding.
//
// Everything that is hashed or signed passes through Normalize() first, because
// Vietnamese text often arrives decomposed (e + U+0302 + U+0301 instead of ế) and
// two spellings of one word must give one hash. Fold() is the search key: it drops
// tone and vowel marks, maps đ/Đ to d and lower-cases, so "thi dua" finds "thi đua".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vanban::text {

// Ok if `s` is valid UTF-8 without NUL or other C0 controls except tab, LF, CR;
// otherwise names the byte offset of the first bad byte.
Status CheckUtf8(std::string_view s);

// As above; also sets *quick_nfc when the text is certainly NFC already (every
// code point IsNfcSafe), so callers can skip Normalize.
Status CheckUtf8(std::string_view s, bool* quick_nfc);

// A decimal number as vanban writes it, from data that crossed a trust boundary (a
// record's card, a bundle header, a PDF's byte range, a port): ASCII digits only, no
// sign, no spaces, no leading zero (except "0" itself), at most `max`. Anything else
// (std::stoi would take "12abc", " 12", "+12", "012") is nullopt.
std::optional<uint64_t> ParseDecimal(std::string_view s, uint64_t max = UINT64_MAX);

// NFC form of valid UTF-8 input.
Result<std::string> Normalize(std::string_view s);

// Search key: decomposed, marks stripped, case-folded, đ -> d.
std::string Fold(std::string_view s);

// The distinct words of `s` in order of first appearance, separated by single
// spaces. A word is a run of ASCII letters and digits and non-ASCII bytes: what
// `doc list --query` matches. Every other ASCII character separates words for
// the full-text index too, so the index finds the same words in either text.
std::string DistinctWords(std::string_view s);

// The words of a search typed by a person, folded: split at spaces only, so a number
// keeps its form ("2/KH" finds "2/KH-SNgV", not every "2024"), with the punctuation
// around each word (quotes, a trailing comma) dropped. Empty: no search at all.
std::vector<std::string> SearchWords(std::string_view query);

// True for code points that are NFC on their own and never compose with a
// neighbour (the fast path of Normalize; exposed for its test).
bool IsNfcSafe(uint32_t cp);

// Trims ASCII whitespace at both ends.
std::string Trim(std::string_view s);

// The lines of a small line-oriented file (key files, key requests, token files),
// each ended by LF, without it; nullopt when the last line is not ended.
std::optional<std::vector<std::string_view>> TerminatedLines(std::string_view s);
// The value of a "KEY VALUE" line (split at the first space) when its key is `key`
// and the value is not empty; nullopt otherwise.
std::optional<std::string_view> CardValue(std::string_view line, std::string_view key);

// Upper-cases Vietnamese text (for headers such as "SỞ NGOẠI VỤ").
std::string Upper(std::string_view s);

// True if `s` holds a character that may not appear in a one-line record value.
bool HasControl(std::string_view s);

// Text for XML or HTML content and attribute values: & < > " ' as character
// references (the PDF's XMP metadata, the web pages).
std::string EscapeMarkup(std::string_view s);

}  // namespace vanban::text
