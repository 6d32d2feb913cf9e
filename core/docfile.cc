#include "core/docfile.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
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
Status ParseBody(std::string_view body, int first_line, std::string_view where, std::vector<Block>* out) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos <= body.size()) {
    size_t nl = body.find('\n', pos);
    if (nl == std::string_view::npos) nl = body.size();
    lines.emplace_back(body.substr(pos, nl - pos));
    pos = nl + 1;
  }
  Block* open = nullptr;  // paragraph or bullet being continued
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string line = text::Trim(lines[i]);
    int lineno = first_line + static_cast<int>(i);
    if (line.empty()) {
      open = nullptr;
      continue;
    }
    size_t def_len = FootnoteRef(line, 0);
    bool is_def = def_len > 0 && line.size() > def_len + 3 && line[def_len + 3] == ':';
    if (line[0] == '#') {
      size_t level = line.find_first_not_of('#');
      if (level > 3 || level == std::string::npos || line[level] != ' ')
        return Status::BadInput(Where(where, lineno) + ": a heading is '#', '##' or '###', a space, then the text");
      out->push_back({Block::Type::kHeading, static_cast<int>(level), "", text::Trim(line.substr(level)), lineno});
      open = nullptr;
    } else if (line.rfind("- ", 0) == 0) {
      out->push_back({Block::Type::kBullet, 0, "", text::Trim(line.substr(2)), lineno});
      open = &out->back();
    } else if (is_def) {
      out->push_back({Block::Type::kFootnote, 0, line.substr(2, def_len), text::Trim(line.substr(def_len + 4)), lineno});
      open = &out->back();
    } else if (open) {
      open->text += " " + line;
    } else {
      out->push_back({Block::Type::kParagraph, 0, "", line, lineno});
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

Result<std::string> Scalar(const YAML::Node& n, std::string_view where, int line, std::string_view field) {
  if (!n.IsScalar())
    return Status::BadInput(Where(where, line) + ": field '" + std::string(field) + "' must be a single text value");
  std::string v = text::Trim(n.Scalar());
  if (v.find('\n') != std::string::npos)
    return Status::BadInput(Where(where, line) + ": field '" + std::string(field) + "' must be one line");
  return v;
}

Result<std::vector<std::string>> List(const YAML::Node& n, std::string_view where, int line, std::string_view field) {
  if (!n.IsSequence())
    return Status::BadInput(Where(where, line) + ": field '" + std::string(field) + "' must be a list");
  std::vector<std::string> out;
  for (const YAML::Node& item : n) {
    int l = item.Mark().line + 2;
    VB_ASSIGN_OR_RETURN(std::string v, Scalar(item, where, l, field));
    if (v.empty()) return Status::BadInput(Where(where, l) + ": field '" + std::string(field) + "' has an empty item");
    if (v.size() > kMaxValueBytes)
      return Status::BadInput(Where(where, l) + ": field '" + std::string(field) + "' has an item over 4096 bytes");
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace

Result<DocumentFile> ParseDocumentFile(std::string_view bytes, std::string_view where) {
  if (bytes.size() > kMaxTextBytes)
    return Status::BadInput(std::string(where) + ": larger than 10 MiB (" + std::to_string(bytes.size()) + " bytes)");
  // Normalize below checks the UTF-8 too, but the message must name the file's own
  // byte offsets, before line ends are changed.
  bool quick_nfc = false;
  VB_RETURN_IF_ERROR(text::CheckUtf8(bytes, &quick_nfc).With(std::string(where)));
  std::string lf;
  lf.reserve(bytes.size());
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] == '\r' && i + 1 < bytes.size() && bytes[i + 1] == '\n') continue;
    lf.push_back(bytes[i]);
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
  std::string front = nfc.substr(4, end + 1 - 4);
  std::string body = nfc.substr(end + 5);
  int body_first_line = 2 + static_cast<int>(std::count(front.begin(), front.end(), '\n')) + 1;

  YAML::Node root;
  try {
    root = YAML::Load(front);
  } catch (const YAML::Exception& e) {
    return Status::BadInput(Where(where, e.mark.line + 2) + ": front matter: " + e.msg);
  }
  if (!root.IsMap()) return Status::BadInput(Where(where, 2) + ": the front matter must be 'key: value' lines");

  DocumentFile doc;
  static const std::set<std::string> kKeys = {"kind", "title", "recipients", "parties", "symbol"};
  std::map<std::string, std::pair<YAML::Node, int>> fields;
  for (const auto& kv : root) {
    int line = kv.first.Mark().line + 2;
    std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
    if (!kKeys.count(key))
      return Status::BadInput(Where(where, line) + ": unknown front-matter key '" + key +
                              "' (allowed: kind, title, recipients, parties, symbol)");
    if (fields.count(key)) return Status::BadInput(Where(where, line) + ": front-matter key '" + key + "' given twice");
    fields[key] = {kv.second, line};
  }
  auto field = [&](const std::string& k) { return fields.count(k) ? &fields[k] : nullptr; };

  auto* kind = field("kind");
  if (!kind) return Status::BadInput(Where(where, 2) + ": missing front-matter key 'kind'");
  VB_ASSIGN_OR_RETURN(doc.kind, Scalar(kind->first, where, kind->second, "kind"));
  const KindInfo* ki = FindKind(doc.kind);
  if (!ki)
    return Status::BadInput(Where(where, kind->second) + ": field 'kind': unknown kind '" + doc.kind +
                            "' (expected directive, pledge or report)");
  auto* title = field("title");
  if (!title) return Status::BadInput(Where(where, 2) + ": missing front-matter key 'title'");
  VB_ASSIGN_OR_RETURN(doc.title, Scalar(title->first, where, title->second, "title"));
  if (doc.title.empty()) return Status::BadInput(Where(where, title->second) + ": field 'title' is empty");
  if (doc.title.size() > 1000) return Status::BadInput(Where(where, title->second) + ": field 'title' is over 1000 bytes");
  if (auto* r = field("recipients")) {
    if (!r->first.IsNull()) { VB_ASSIGN_OR_RETURN(doc.recipients, List(r->first, where, r->second, "recipients")); }
  }
  auto* parties = field("parties");
  if (doc.kind == "pledge") {
    if (!parties || parties->first.IsNull())
      return Status::BadInput(Where(where, 2) + ": a pledge needs 'parties' (aliases of trusted organisations)");
    VB_ASSIGN_OR_RETURN(doc.parties, List(parties->first, where, parties->second, "parties"));
    if (doc.parties.empty())
      return Status::BadInput(Where(where, parties->second) + ": field 'parties' is empty");
    std::set<std::string> seen;
    for (const std::string& p : doc.parties) {
      if (!ValidAlias(p))
        return Status::BadInput(Where(where, parties->second) + ": field 'parties': '" + p +
                                "' is not an alias (lower-case letters, digits, '-', '_')");
      if (!seen.insert(p).second)
        return Status::BadInput(Where(where, parties->second) + ": field 'parties': '" + p + "' is listed twice");
    }
  } else if (parties) {
    return Status::BadInput(Where(where, parties->second) + ": field 'parties' is for pledges only");
  }
  doc.symbol = std::string(ki->symbol);
  if (auto* s = field("symbol")) {
    VB_ASSIGN_OR_RETURN(doc.symbol, Scalar(s->first, where, s->second, "symbol"));
    if (!FindSymbol(doc.symbol))
      return Status::BadInput(Where(where, s->second) + ": field 'symbol': '" + doc.symbol +
                              "' is not an abbreviation of Decree 30/2020 Appendix III (e.g. KH, CT, QĐ, BC, TB)");
  }
  for (const std::string& r : doc.recipients) {
    if (r.rfind("org:", 0) == 0 && !ValidAlias(r.substr(4)))
      return Status::BadInput(Where(where, field("recipients")->second) + ": recipient '" + r +
                              "': after 'org:' comes the alias of a trusted organisation");
  }
  VB_RETURN_IF_ERROR(ParseBody(body, body_first_line, where, &doc.blocks));
  doc.text = std::move(nfc);
  return doc;
}

}  // namespace vanban
