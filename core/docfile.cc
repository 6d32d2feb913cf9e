#include "core/docfile.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "core/record.h"
#include "core/text.h"

namespace vanban {

const std::vector<KindInfo>& Kinds() {
  static const std::vector<KindInfo> k = {
      {"directive", "KH", "KẾ HOẠCH"},
      {"report", "BC", "BÁO CÁO"},
      {"pledge", "GƯ", "GIAO ƯỚC THI ĐUA"},
  };
  return k;
}

const KindInfo* FindKind(std::string_view kind) {
  for (const KindInfo& k : Kinds()) if (k.kind == kind) return &k;
  return nullptr;
}

const std::vector<SymbolInfo>& Symbols() {
  static const std::vector<SymbolInfo> s = {
      {"NQ", "NGHỊ QUYẾT"},  {"QĐ", "QUYẾT ĐỊNH"},  {"CT", "CHỈ THỊ"},     {"QC", "QUY CHẾ"},
      {"QyĐ", "QUY ĐỊNH"},   {"TC", "THÔNG CÁO"},   {"TB", "THÔNG BÁO"},   {"HD", "HƯỚNG DẪN"},
      {"CTr", "CHƯƠNG TRÌNH"}, {"KH", "KẾ HOẠCH"},  {"PA", "PHƯƠNG ÁN"},   {"ĐA", "ĐỀ ÁN"},
      {"DA", "DỰ ÁN"},       {"BC", "BÁO CÁO"},     {"BB", "BIÊN BẢN"},    {"TTr", "TỜ TRÌNH"},
      {"CĐ", "CÔNG ĐIỆN"},   {"GN", "BẢN GHI NHỚ"}, {"TTh", "BẢN THỎA THUẬN"}, {"GM", "GIẤY MỜI"},
      {"GƯ", "GIAO ƯỚC THI ĐUA"},
  };
  return s;
}

const SymbolInfo* FindSymbol(std::string_view symbol) {
  for (const SymbolInfo& s : Symbols()) if (s.symbol == symbol) return &s;
  return nullptr;
}

namespace {

std::string Where(std::string_view where, int line) {
  return std::string(where) + ":" + std::to_string(line);
}

// What to write instead, after yaml-cpp's own words.
constexpr std::string_view kQuoteHint =
    " (a value that starts with '[', '{', '*', '&', '!', '|', '>', '%' or '@', or holds ': ', is written in "
    "double quotes: key: \"…\"; list items each on their own '  - ' line)";

bool ValidAlias(std::string_view a) {
  if (a.empty() || a.size() > 32) return false;
  return std::all_of(a.begin(), a.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

bool LabelChar(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// "[^label]" at `at`: returns the label's length, 0 if none.
size_t FootnoteRef(std::string_view s, size_t at) {
  if (s.compare(at, 2, "[^") != 0) return 0;
  size_t e = at + 2;
  while (e < s.size() && LabelChar(s[e])) ++e;
  return e > at + 2 && e < s.size() && s[e] == ']' ? e - at - 2 : 0;
}

// Body blocks, and the footnote rule: every [^n] defined once, every definition used.
// text::Trim without the copy.
std::string_view TrimView(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n')) --e;
  return s.substr(b, e - b);
}

Status ParseBody(std::string_view body, int first_line, std::string_view where, std::vector<Block>* out) {
  Block* open = nullptr;  // paragraph or bullet being continued
  int lineno = first_line - 1;
  for (size_t pos = 0; pos <= body.size();) {
    size_t nl = body.find('\n', pos);
    if (nl == std::string_view::npos) nl = body.size();
    const std::string_view line = TrimView(body.substr(pos, nl - pos));
    pos = nl + 1;
    ++lineno;
    if (line.empty()) {
      open = nullptr;
      continue;
    }
    size_t def_len = FootnoteRef(line, 0);
    bool is_def = def_len > 0 && line.size() > def_len + 3 && line[def_len + 3] == ':';
    if (line[0] == '#') {
      size_t level = line.find_first_not_of('#');
      if (level > 3 || level == std::string_view::npos || line[level] != ' ')
        return Status::BadInput(Where(where, lineno) + ": a heading is '#', '##' or '###', a space, then the text");
      out->push_back({Block::Type::kHeading, static_cast<int>(level), "", std::string(TrimView(line.substr(level))), lineno});
      open = nullptr;
    } else if (line.substr(0, 2) == "- ") {
      out->push_back({Block::Type::kBullet, 0, "", std::string(TrimView(line.substr(2))), lineno});
      open = &out->back();
    } else if (is_def) {
      out->push_back({Block::Type::kFootnote, 0, std::string(line.substr(2, def_len)),
                      std::string(TrimView(line.substr(def_len + 4))), lineno});
      open = &out->back();
    } else if (open) {
      open->text += ' ';
      open->text.append(line);
    } else {
      out->push_back({Block::Type::kParagraph, 0, "", std::string(line), lineno});
      open = &out->back();
    }
  }
  if (out->empty()) return Status::BadInput(std::string(where) + ": the body is empty");
  std::map<std::string, int> defined;
  std::set<std::string> used;
  for (const Block& b : *out) {
    if (b.type == Block::Type::kFootnote) {
      if (defined.count(b.label))
        return Status::BadInput(Where(where, b.line) + ": footnote [^" + b.label + "] is defined twice");
      defined[b.label] = b.line;
    }
  }
  for (const Block& b : *out) {
    for (size_t at = b.text.find("[^"); at != std::string::npos; at = b.text.find("[^", at + 1)) {
      size_t len = FootnoteRef(b.text, at);
      if (len == 0) continue;
      std::string label = b.text.substr(at + 2, len);
      if (!defined.count(label))
        return Status::BadInput(Where(where, b.line) + ": footnote [^" + label + "] has no definition");
      used.insert(label);
    }
  }
  for (const auto& [label, line] : defined) {
    if (!used.count(label))
      return Status::BadInput(Where(where, line) + ": footnote [^" + label + "] is never referenced");
  }
  return Status::Ok();
}

// A front-matter value: what the checks below need to know of it, from yaml-cpp
// or from the fast reader of simple front matter.
struct FrontValue {
  enum class Kind { kNull, kScalar, kList, kOther };
  struct Item {
    bool scalar = false;
    std::string value;
    int line = 0;
  };
  Kind kind = Kind::kOther;
  std::string scalar;
  std::vector<Item> items;
};
struct FrontField {
  FrontValue value;
  int line = 0;  // of the key
};
using FrontFields = std::map<std::string, FrontField>;

const std::set<std::string>& FrontKeys() {
  static const std::set<std::string> k = {"kind", "title", "recipients", "parties", "symbol"};
  return k;
}

Result<std::string> Scalar(const std::string& v_in, bool is_scalar, std::string_view where, int line,
                           std::string_view field) {
  if (!is_scalar)
    return Status::BadInput(Where(where, line) + ": field '" + std::string(field) +
                            "' must be a single text value" + std::string(kQuoteHint));
  std::string v = text::Trim(v_in);
  if (v.find('\n') != std::string::npos)
    return Status::BadInput(Where(where, line) + ": field '" + std::string(field) + "' must be one line");
  // Only a YAML escape ("\0", "\u0301") can bring these into a value of a checked file;
  // refused here, with the line, before any key is unlocked to sign it.
  for (unsigned char c : v) {
    if (c < 0x20 || c == 0x7f)
      return Status::BadInput(Where(where, line) + ": field '" + std::string(field) + "' has a control character (U+" +
                              std::to_string(c) + "); write the text itself, without escapes such as \\0 or \\t");
  }
  // Nearly every value is NFC by the quick check; only the others are normalised to compare.
  bool quick_nfc = false;
  bool is_nfc = text::CheckUtf8(v, &quick_nfc).ok();
  if (is_nfc && !quick_nfc) {
    auto nfc = text::Normalize(v);
    is_nfc = nfc.ok() && *nfc == v;
  }
  if (!is_nfc)
    return Status::BadInput(Where(where, line) + ": field '" + std::string(field) +
                            "' is not in Unicode NFC; write the letters themselves, not escapes such as \\u0301");
  return v;
}

Result<std::string> Scalar(const FrontValue& n, std::string_view where, int line, std::string_view field) {
  return Scalar(n.scalar, n.kind == FrontValue::Kind::kScalar, where, line, field);
}

Result<std::vector<std::string>> List(const FrontValue& n, std::string_view where, int line, std::string_view field) {
  if (n.kind != FrontValue::Kind::kList)
    return Status::BadInput(Where(where, line) + ": field '" + std::string(field) + "' must be a list");
  std::vector<std::string> out;
  for (const FrontValue::Item& item : n.items) {
    int l = item.line;
    VB_ASSIGN_OR_RETURN(std::string v, Scalar(item.value, item.scalar, where, l, field));
    if (v.empty()) return Status::BadInput(Where(where, l) + ": field '" + std::string(field) + "' has an empty item");
    if (v.size() > kMaxValueBytes)
      return Status::BadInput(Where(where, l) + ": field '" + std::string(field) + "' has an item over 4096 bytes");
    out.push_back(std::move(v));
  }
  return out;
}

// A plain (unquoted) value of a text field that YAML would not read as the text
// written: "Lưu: VT, VP." is a mapping to YAML, "[Dự thảo] …" a list, "@…" an
// error. Values YAML reads as text already are left alone, so every file that was
// valid before parses to the same fields (stored revisions are re-parsed).
bool MisreadAsYaml(std::string_view v) {
  if (v.empty() || v.front() == '"' || v.front() == '\'') return false;
  if (v.find(": ") != std::string_view::npos || v.find(":\t") != std::string_view::npos || v.back() == ':') return true;
  if (std::string_view("[{*%@`").find(v.front()) != std::string_view::npos) return true;
  return v.size() >= 2 && std::string_view("-?:").find(v.front()) != std::string_view::npos &&
         (v[1] == ' ' || v[1] == '\t');
}

// A value with its trailing YAML comment (" #…") and surrounding blanks removed.
std::string_view ValueText(std::string_view v) {
  for (size_t i = 1; i < v.size(); ++i) {
    if (v[i] == '#' && (v[i - 1] == ' ' || v[i - 1] == '\t')) {
      v = v.substr(0, i);
      break;
    }
  }
  return TrimView(v);
}

std::string YamlQuoted(std::string_view v) {
  std::string o = "\"";
  for (char c : v) {
    if (c == '\\' || c == '"') o += '\\';
    o += c;
  }
  return o + "\"";
}

// The title line and the block-list items of `recipients` are text, as a person
// writes them: where YAML would misread a plain one, it is double-quoted before
// either reader sees it. Line count and order are kept, so messages keep their lines.
std::string QuoteTextLines(std::string_view front) {
  std::string out;
  out.reserve(front.size() + 16);
  std::string_view key;  // the top-level key whose lines these are
  size_t pos = 0;
  while (pos < front.size()) {
    size_t nl = front.find('\n', pos);
    if (nl == std::string_view::npos) nl = front.size();
    const std::string_view line = front.substr(pos, nl - pos);
    size_t next = nl + 1;
    pos = next;
    // A plain value may continue on a more-indented line; YAML folds those, so
    // such values are left to it.
    auto continued = [&](size_t indent) {
      if (next >= front.size()) return false;
      std::string_view n = front.substr(next, front.find('\n', next) - next);
      size_t sp = n.find_first_not_of(' ');
      return sp != std::string_view::npos && sp > indent && n.compare(sp, 2, "- ") != 0 && n[sp] != '#';
    };
    std::string rewritten;
    if (!line.empty() && line[0] >= 'a' && line[0] <= 'z') {
      size_t colon = line.find(':');
      key = colon == std::string_view::npos ? std::string_view() : line.substr(0, colon);
      if (key == "title" && colon + 1 < line.size() && line[colon + 1] == ' ') {
        std::string_view v = ValueText(line.substr(colon + 1));
        if (MisreadAsYaml(v) && !continued(0)) rewritten = "title: " + YamlQuoted(v);
      }
    } else if (key == "recipients") {
      size_t sp = line.find_first_not_of(' ');
      if (sp != std::string_view::npos && line.compare(sp, 2, "- ") == 0) {
        std::string_view v = ValueText(line.substr(sp + 2));
        if (MisreadAsYaml(v) && !continued(sp))
          rewritten = std::string(line.substr(0, sp + 2)) + YamlQuoted(v);
      }
    }
    if (!rewritten.empty()) {
      out += rewritten;
    } else {
      out.append(line);
    }
    if (nl < front.size()) out += '\n';
  }
  return out;
}

// The front matter as yaml-cpp reads it.
Result<FrontFields> YamlFront(const std::string& front, std::string_view where) {
  YAML::Node root;
  try {
    root = YAML::Load(front);
  } catch (const YAML::Exception& e) {
    return Status::BadInput(Where(where, e.mark.line + 2) + ": front matter: " + e.msg + std::string(kQuoteHint));
  }
  if (!root.IsMap()) return Status::BadInput(Where(where, 2) + ": the front matter must be 'key: value' lines");
  FrontFields fields;
  for (const auto& kv : root) {
    int line = kv.first.Mark().line + 2;
    std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
    if (!FrontKeys().count(key))
      return Status::BadInput(Where(where, line) + ": unknown front-matter key '" + key +
                              "' (allowed: kind, title, recipients, parties, symbol)");
    if (fields.count(key)) return Status::BadInput(Where(where, line) + ": front-matter key '" + key + "' given twice");
    FrontValue v;
    const YAML::Node& n = kv.second;
    if (n.IsNull()) {
      v.kind = FrontValue::Kind::kNull;
    } else if (n.IsScalar()) {
      v.kind = FrontValue::Kind::kScalar;
      v.scalar = n.Scalar();
    } else if (n.IsSequence()) {
      v.kind = FrontValue::Kind::kList;
      for (const YAML::Node& item : n)
        v.items.push_back({item.IsScalar(), item.IsScalar() ? item.Scalar() : std::string(), item.Mark().line + 2});
    }
    fields[key] = {std::move(v), line};
  }
  return fields;
}

// A value the fast reader takes as YAML would: a plain scalar that nothing in
// YAML treats specially, or a double-quoted one without escapes; made of ASCII
// and the Latin, Vietnamese and punctuation ranges that YAML reads as text.
// Anything else is left to yaml-cpp.
bool SimpleValue(std::string_view v, std::string* out) {
  bool quoted = v.size() >= 2 && v.front() == '"' && v.back() == '"';
  std::string_view inner = quoted ? v.substr(1, v.size() - 2) : v;
  if (inner.empty()) return false;
  if (!quoted) {
    if (std::string_view("-?:,[]{}#&*!|>'\"%@`~ ").find(inner.front()) != std::string_view::npos) return false;
    if (inner.back() == ' ' || inner.back() == ':') return false;
    if (inner == "null" || inner == "Null" || inner == "NULL") return false;
    if (inner.find(": ") != std::string_view::npos) return false;
  }
  for (size_t i = 0; i < inner.size();) {
    unsigned char c = static_cast<unsigned char>(inner[i]);
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f || std::string_view("#\"'`\\[]{}|>").find(static_cast<char>(c)) != std::string_view::npos)
        return false;
      ++i;
      continue;
    }
    uint32_t cp = 0;
    size_t n = 0;
    if ((c & 0xE0) == 0xC0 && i + 1 < inner.size()) {
      cp = (c & 0x1Fu) << 6 | (static_cast<unsigned char>(inner[i + 1]) & 0x3Fu);
      n = 2;
    } else if ((c & 0xF0) == 0xE0 && i + 2 < inner.size()) {
      cp = (c & 0x0Fu) << 12 | (static_cast<unsigned char>(inner[i + 1]) & 0x3Fu) << 6 |
           (static_cast<unsigned char>(inner[i + 2]) & 0x3Fu);
      n = 3;
    } else {
      return false;
    }
    // (The text is valid UTF-8 already; this only picks the ranges.)
    bool text = (cp >= 0xC0 && cp <= 0x2AF) || (cp >= 0x1E00 && cp <= 0x1EFF) || (cp >= 0x2010 && cp <= 0x2027) ||
                (cp >= 0x2030 && cp <= 0x205E) || cp == 0x20AB;
    if (!text) return false;
    i += n;
  }
  *out = std::string(inner);
  return true;
}

// The front matter when it is only "key: value" lines and "key:" followed by
// "- item" lines (the form vanban writes and documents): read without yaml-cpp,
// to the same result. Anything else, errors included, gives nullopt.
std::optional<FrontFields> SimpleFront(std::string_view front) {
  FrontFields fields;
  FrontValue* list = nullptr;  // the list the next "- item" lines belong to
  size_t indent = std::string_view::npos;
  int line = 1;
  size_t pos = 0;
  while (pos < front.size()) {
    size_t nl = front.find('\n', pos);
    if (nl == std::string_view::npos) return std::nullopt;
    std::string_view l = front.substr(pos, nl - pos);
    pos = nl + 1;
    ++line;
    size_t sp = l.find_first_not_of(' ');
    if (sp != std::string_view::npos && l.compare(sp, 2, "- ") == 0) {
      if (!list || (indent != std::string_view::npos && sp != indent)) return std::nullopt;
      indent = sp;
      FrontValue::Item item{true, "", line};
      if (!SimpleValue(l.substr(sp + 2), &item.value)) return std::nullopt;
      list->kind = FrontValue::Kind::kList;
      list->items.push_back(std::move(item));
      continue;
    }
    if (list && list->kind == FrontValue::Kind::kList) list = nullptr;  // the list has ended
    size_t colon = 0;
    while (colon < l.size() && l[colon] >= 'a' && l[colon] <= 'z') ++colon;
    if (colon == 0 || colon == l.size() || l[colon] != ':') return std::nullopt;
    std::string key(l.substr(0, colon));
    if (!FrontKeys().count(key) || fields.count(key)) return std::nullopt;
    FrontField& f = fields[key];
    f.line = line;
    if (colon + 1 == l.size()) {  // "key:" - a list follows, or nothing (null)
      f.value.kind = FrontValue::Kind::kNull;
      list = &f.value;
      indent = std::string_view::npos;
      continue;
    }
    list = nullptr;
    if (l[colon + 1] != ' ' || !SimpleValue(l.substr(colon + 2), &f.value.scalar)) return std::nullopt;
    f.value.kind = FrontValue::Kind::kScalar;
  }
  if (fields.empty()) return std::nullopt;
  return fields;
}

}  // namespace

std::vector<InlineSpan> InlineSpans(std::string_view text) {
  std::vector<InlineSpan> out;
  bool bold = false, italic = false;
  std::string cur;
  auto flush = [&] {
    if (cur.empty()) return;
    out.push_back({std::move(cur), "", bold, italic});
    cur.clear();
  };
  // Whether a closer of `marker` follows `from`: after a non-space, and for "*" not a "**".
  auto has_closer = [&](size_t from, std::string_view marker) {
    size_t p = text.find(marker, from);
    while (p != std::string_view::npos) {
      if (p > 0 && text[p - 1] != ' ') {
        if (marker == "*" && p + 1 < text.size() && text[p + 1] == '*') {
          p = text.find(marker, p + 2);
          continue;
        }
        return true;
      }
      p = text.find(marker, p + marker.size());
    }
    return false;
  };
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '[') {
      if (size_t len = FootnoteRef(text, i)) {
        flush();
        out.push_back({"", std::string(text.substr(i + 2, len)), bold, italic});
        i += len + 3;
        continue;
      }
    }
    if (text[i] == '*') {
      const bool two = i + 1 < text.size() && text[i + 1] == '*';
      const std::string_view marker = two ? "**" : "*";
      const size_t after = i + marker.size();
      bool& on = two ? bold : italic;
      const bool prev_ok = i > 0 && text[i - 1] != ' ';
      const bool next_ok = after < text.size() && text[after] != ' ';
      if (on ? prev_ok : next_ok && has_closer(after, marker)) {
        flush();
        on = !on;
        i = after;
        continue;
      }
    }
    cur += text[i];
    ++i;
  }
  flush();
  return out;
}

Result<DocumentFile> ParseDocumentFile(std::string_view bytes, std::string_view where, ParseOptions opt) {
  if (bytes.size() > kMaxTextBytes)
    return Status::BadInput(std::string(where) + ": larger than 10 MiB (" + std::to_string(bytes.size()) + " bytes)");
  // Normalize below checks the UTF-8 too, but the message must name the file's own
  // byte offsets, before line ends are changed.
  bool quick_nfc = opt.checked_nfc;
  if (!opt.checked_nfc) VB_RETURN_IF_ERROR(text::CheckUtf8(bytes, &quick_nfc).With(std::string(where)));
  std::string lf;
  if (bytes.find('\r') == std::string_view::npos) {
    lf = std::string(bytes);
  } else {
    lf.reserve(bytes.size());
    for (size_t i = 0; i < bytes.size(); ++i) {
      if (bytes[i] == '\r' && i + 1 < bytes.size() && bytes[i + 1] == '\n') continue;
      lf.push_back(bytes[i]);
    }
  }
  if (lf.rfind("\xEF\xBB\xBF", 0) == 0) lf.erase(0, 3);  // a BOM from Windows editors
  std::string nfc;
  if (quick_nfc) {
    nfc = std::move(lf);  // dropping CRs and a BOM keeps a text NFC
  } else {
    VB_ASSIGN_OR_RETURN(nfc, text::Normalize(lf));
  }
  if (!nfc.empty() && nfc.back() != '\n') nfc.push_back('\n');

  if (nfc.rfind("---\n", 0) != 0)
    return Status::BadInput(Where(where, 1) + ": the file must begin with a front matter between '---' lines");
  size_t end = nfc.find("\n---\n", 3);
  if (end == std::string::npos)
    return Status::BadInput(Where(where, 1) + ": the front matter has no closing '---' line");
  std::string_view front = std::string_view(nfc).substr(4, end + 1 - 4);
  std::string_view body = std::string_view(nfc).substr(end + 5);
  int body_first_line = 2 + static_cast<int>(std::count(front.begin(), front.end(), '\n')) + 1;

  const std::string quoted = QuoteTextLines(front);
  FrontFields fields;
  std::optional<FrontFields> simple;
  if (!opt.yaml_only) simple = SimpleFront(quoted);
  if (simple) {
    fields = std::move(*simple);
  } else {
    VB_ASSIGN_OR_RETURN(fields, YamlFront(quoted, where));
  }
  DocumentFile doc;
  auto field = [&](const std::string& k) { return fields.count(k) ? &fields[k] : nullptr; };

  auto* kind = field("kind");
  if (!kind) return Status::BadInput(Where(where, 2) + ": missing front-matter key 'kind'");
  VB_ASSIGN_OR_RETURN(doc.kind, Scalar(kind->value, where, kind->line, "kind"));
  const KindInfo* ki = FindKind(doc.kind);
  if (!ki)
    return Status::BadInput(Where(where, kind->line) + ": field 'kind': unknown kind '" + doc.kind +
                            "' (expected directive, pledge or report)");
  auto* title = field("title");
  if (!title) return Status::BadInput(Where(where, 2) + ": missing front-matter key 'title'");
  VB_ASSIGN_OR_RETURN(doc.title, Scalar(title->value, where, title->line, "title"));
  if (doc.title.empty()) return Status::BadInput(Where(where, title->line) + ": field 'title' is empty");
  if (doc.title.size() > 1000) return Status::BadInput(Where(where, title->line) + ": field 'title' is over 1000 bytes");
  if (auto* r = field("recipients")) {
    if (r->value.kind != FrontValue::Kind::kNull) {
      VB_ASSIGN_OR_RETURN(doc.recipients, List(r->value, where, r->line, "recipients"));
    }
  }
  auto* parties = field("parties");
  if (doc.kind == "pledge" && (!parties || parties->value.kind == FrontValue::Kind::kNull))
    return Status::BadInput(Where(where, 2) + ": a pledge needs 'parties' (aliases of trusted organisations)");
  // Any other kind may name parties too: a joint document (văn bản liên tịch), signed
  // by each party's signer in order as a pledge is.
  if (parties) {
    VB_ASSIGN_OR_RETURN(doc.parties, List(parties->value, where, parties->line, "parties"));
    if (doc.parties.empty())
      return Status::BadInput(Where(where, parties->line) + ": field 'parties' is empty");
    std::set<std::string> seen;
    for (const std::string& p : doc.parties) {
      if (!ValidAlias(p))
        return Status::BadInput(Where(where, parties->line) + ": field 'parties': '" + p +
                                "' is not an alias (lower-case letters, digits, '-', '_')");
      if (!seen.insert(p).second)
        return Status::BadInput(Where(where, parties->line) + ": field 'parties': '" + p + "' is listed twice");
    }
  }
  doc.symbol = std::string(ki->symbol);
  if (auto* s = field("symbol")) {
    VB_ASSIGN_OR_RETURN(doc.symbol, Scalar(s->value, where, s->line, "symbol"));
    if (!FindSymbol(doc.symbol))
      return Status::BadInput(Where(where, s->line) + ": field 'symbol': '" + doc.symbol +
                              "' is not an abbreviation of Decree 30/2020 Appendix III (e.g. KH, CT, QĐ, BC, TB)");
  }
  for (const std::string& r : doc.recipients) {
    if (r.rfind("org:", 0) == 0 && !ValidAlias(r.substr(4)))
      return Status::BadInput(Where(where, field("recipients")->line) + ": recipient '" + r +
                              "': after 'org:' comes the alias of a trusted organisation");
  }
  VB_RETURN_IF_ERROR(ParseBody(body, body_first_line, where, &doc.blocks));
  doc.text = std::move(nfc);
  return doc;
}


std::string WriteDocumentFile(const DocumentFields& f) {
  std::string t = "---\nkind: " + YamlQuoted(f.kind) + "\ntitle: " + YamlQuoted(f.title) + "\n";
  if (!f.symbol.empty()) t += "symbol: " + YamlQuoted(f.symbol) + "\n";
  if (!f.parties.empty()) {
    t += "parties:\n";
    for (const std::string& p : f.parties) t += "  - " + YamlQuoted(p) + "\n";
  }
  if (!f.recipients.empty()) {
    t += "recipients:\n";
    for (const std::string& r : f.recipients) t += "  - " + YamlQuoted(r) + "\n";
  }
  t += "---\n" + f.body;
  if (!t.empty() && t.back() != '\n') t += '\n';
  return t;
}

Result<DocumentFields> ReadDocumentFields(std::string_view text) {
  VB_ASSIGN_OR_RETURN(DocumentFile d, ParseDocumentFile(text, "revision"));
  DocumentFields f;
  f.kind = d.kind;
  f.title = d.title;
  const KindInfo* k = FindKind(d.kind);
  if (!k || d.symbol != k->symbol) f.symbol = d.symbol;
  f.recipients = d.recipients;
  f.parties = d.parties;
  // The body: everything after the closing '---' line of the front matter.
  std::string_view t = d.text;
  size_t close = t.find("\n---\n");
  f.body = close == std::string_view::npos ? "" : std::string(t.substr(close + 5));
  return f;
}

}  // namespace vanban
