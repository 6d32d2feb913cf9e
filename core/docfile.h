// vanban/core — the document file: front matter + body, as people write it.
//
// Format (docs/document-format.md): UTF-8 text; a YAML front matter between "---"
// lines with the keys kind, title, recipients, parties (pledges), symbol (optional);
// then the body in a small Markdown subset (headings, paragraphs, "-" bullets,
// **bold**, *italic*, footnotes [^n]). Parse() normalises to NFC and refuses bad
// input with "FILE:LINE: field: what is wrong"; nothing else in vanban reads files
// of this kind. Thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vanban {

// A document kind and its register symbol (Decree 30/2020, Appendix III).
struct KindInfo {
  std::string_view kind;       // "directive"
  std::string_view symbol;     // default register symbol, "KH"
  std::string_view name_vi;    // how the kind is printed, "KẾ HOẠCH"
};
const std::vector<KindInfo>& Kinds();
const KindInfo* FindKind(std::string_view kind);
// The abbreviations of Decree 30/2020 Appendix III that `symbol:` may take, with
// the Vietnamese names printed above the title.
struct SymbolInfo {
  std::string_view symbol;
  std::string_view name_vi;
};
const std::vector<SymbolInfo>& Symbols();
const SymbolInfo* FindSymbol(std::string_view symbol);

struct Block {
  enum class Type { kHeading, kParagraph, kBullet, kFootnote };
  Type type;
  int level = 0;       // headings: 1..3
  std::string label;   // footnotes: the n of [^n]
  std::string text;    // inline markup kept as written
  int line = 0;        // 1-based line in the file
};

struct DocumentFile {
  std::string kind;
  std::string title;
  std::string symbol;                   // register symbol (from the kind unless given)
  std::vector<std::string> recipients;  // "Nơi nhận", in order; "org:ALIAS" for trusted orgs
  std::vector<std::string> parties;     // pledge only: aliases, in signing order
  std::vector<Block> blocks;
  std::string text;                     // the whole file, NFC, LF line ends: what is signed
};

struct ParseOptions {
  // The bytes are known to be UTF-8 in NFC (a record's text, which Record::Decode
  // and Record::Sign check), so they are not checked again.
  bool checked_nfc = false;
  // Read the front matter with yaml-cpp even when it is of the simple form that
  // is read without it (tests compare the two).
  bool yaml_only = false;
};

// The fields of a document file as a form gives them (the web's compose page).
struct DocumentFields {
  std::string kind, title, symbol;      // symbol "": the kind's default
  std::vector<std::string> recipients;  // in order
  std::vector<std::string> parties;     // pledge: aliases in signing order
  std::string body;                     // the Markdown-subset body
};
// Writes the file: every front-matter value double-quoted (so ':' '#' '[' and quotes
// in a title need no care), then the body. Line 1 is '---'; the title is on line 3;
// ParseDocumentFile decides whether it is a valid document.
std::string WriteDocumentFile(const DocumentFields& f);
// The file back into fields (the compose page editing a revision). Its text must parse.
Result<DocumentFields> ReadDocumentFields(std::string_view text);

// A piece of a block's inline markup: text in one style, or a footnote reference.
struct InlineSpan {
  std::string text;     // as written, the markers taken out; empty for a reference
  std::string note;     // the label of a "[^label]" reference; empty for text
  bool bold = false;    // inside **...**
  bool italic = false;  // inside *...*
};
// The inline markup of Block::text, in order: the one reading of it that the PDF and
// the web pages share. The rules:
//  - "**" turns bold on or off, "*" italic. A marker opens only when a non-space
//    follows it and a closer of its kind comes later in the text (a marker after a
//    non-space; for "*", not one of a "**"); it closes only after a non-space. Any
//    other '*' is text as written: "a * b * c", "2 * 3", "** cách **". A marker left
//    open runs to the end of the text.
//  - "[^label]" with a label of letters and digits (as a footnote definition has) is a
//    reference span, in the style of the text around it; other brackets are text.
// A marker always ends a text span, so neighbouring spans may share a style; no span
// is empty. Bytes are not checked (Block::text is checked UTF-8).
std::vector<InlineSpan> InlineSpans(std::string_view text);

// `where` names the file in messages.
Result<DocumentFile> ParseDocumentFile(std::string_view bytes, std::string_view where, ParseOptions opt = {});

}  // namespace vanban
