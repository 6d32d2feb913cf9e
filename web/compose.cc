// vanban/web — new document / new revision from a form, with a live preview (routes.h).
//
// The form's fields become a document file (core WriteDocumentFile) and go through
// Node::Do(act::Draft / act::Revise), the path `vanban doc new|edit` takes; the
// core's parser is the judge. Common mistakes are caught first with a Vietnamese
// message beside the field; anything the parser still refuses is placed beside the
// field its line belongs to. Nothing is saved unless everything holds.
#include <map>

#include "core/crypto.h"
#include "core/docfile.h"
#include "core/workflow.h"
#include "web/reasons.h"
#include "web/routes.h"
#include "web/web.h"

namespace vanban::web {

namespace {

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= s.size()) {
    size_t nl = s.find('\n', i);
    if (nl == std::string::npos) nl = s.size();
    std::string line = s.substr(i, nl - i);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t a = line.find_first_not_of(" \t"), b = line.find_last_not_of(" \t");
    if (a != std::string::npos) out.push_back(line.substr(a, b - a + 1));
    i = nl + 1;
  }
  return out;
}

std::vector<std::string> Aliases(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s + ",") {
    if (c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == ';') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  return out;
}

std::string Trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r\n"), b = s.find_last_not_of(" \t\r\n");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

// What the person typed, kept as typed so the form comes back the same.
struct Form {
  std::string kind, title, symbol, recipients, parties, body;
};

Form FromCall(const Call& call) {
  return Form{call.Field("kind"), call.Field("title"), call.Field("symbol"), call.Field("recipients"),
              call.Field("parties"), call.Field("body")};
}

DocumentFields FieldsOf(const Form& f) {
  DocumentFields d;
  d.kind = f.kind;
  d.title = Trim(f.title);
  d.symbol = f.symbol;
  d.recipients = Lines(f.recipients);
  d.parties = Aliases(f.parties);  // a pledge, or a joint document of any kind
  d.body = f.body;
  // A form posts CR LF; the file is LF (the parser would fold it anyway).
  std::string b;
  for (size_t i = 0; i < d.body.size(); ++i)
    if (!(d.body[i] == '\r' && i + 1 < d.body.size() && d.body[i + 1] == '\n')) b += d.body[i];
  d.body = b;
  return d;
}

using Errors = std::map<std::string, std::string>;  // field -> message

// The mistakes people make, said in Vietnamese before the parser sees the file.
Errors Precheck(Node& node, const DocumentFields& d) {
  Errors e;
  if (!FindKind(d.kind)) e["kind"] = "Hãy chọn loại văn bản.";
  if (d.title.empty()) e["title"] = "Trích yếu (tên văn bản) không được để trống.";
  else if (d.title.find('\n') != std::string::npos) e["title"] = "Trích yếu chỉ được một dòng.";
  else if (d.title.size() > 1000) e["title"] = "Trích yếu quá dài (tối đa 1000 byte).";
  for (const std::string& r : d.recipients)
    if (r.size() > 4096) e["recipients"] = "Một nơi nhận quá dài (tối đa 4096 byte).";
  if (d.kind == "pledge" && d.parties.empty())
    e["parties"] = "Giao ước cần ít nhất một bên ký cùng (bí danh của cơ quan đã tin cậy).";
  {
    std::map<std::string, bool> known;
    for (const auto& [alias, key] : node.Trusted()) known[alias] = true;
    for (const std::string& p : d.parties)
      if (!known.count(p)) e["parties"] = "Không có cơ quan '" + p + "' trong danh sách tin cậy của máy này.";
  }
  if (d.body.find_first_not_of(" \t\r\n") == std::string::npos) e["body"] = "Nội dung không được để trống.";
  return e;
}

// A parser message "FILE:LINE: ..." placed beside the field its line belongs to.
std::string FieldOfLine(const DocumentFields& d, const std::string& message) {
  size_t c1 = message.find(':');
  if (c1 == std::string::npos) return "body";
  int line = 0;
  try {
    line = std::stoi(message.substr(c1 + 1));
  } catch (const std::exception&) {
    return "body";
  }
  // WriteDocumentFile's layout: ---, kind, title, [symbol], [parties...], [recipients...], ---, body.
  int at = 4;
  if (line == 2) return "kind";
  if (line == 3) return "title";
  if (!d.symbol.empty() && line == at++) return "symbol";
  if (!d.parties.empty()) {
    int end = at + 1 + static_cast<int>(d.parties.size());
    if (line >= at && line < end) return "parties";
    at = end;
  }
  if (!d.recipients.empty()) {
    int end = at + 1 + static_cast<int>(d.recipients.size());
    if (line >= at && line < end) return "recipients";
  }
  return "body";
}

std::string FieldError(const Errors& e, const std::string& field) {
  auto it = e.find(field);
  if (it == e.end()) return "";
  return "<p class=\"field-error\" id=\"error-" + field + "\" role=\"alert\">" + Escape(it->second) + "</p>";
}

std::string Selected(bool on) { return on ? " selected" : ""; }

// The compose form; `doc` non-empty: a new revision of that document (kind fixed).
std::string ComposePage(const Viewer& v, const Form& f, const Errors& e, const std::string& doc,
                        const std::string& preview) {
  const bool edit = !doc.empty();
  std::string b = "<h1>" + std::string(edit ? "Sửa văn bản (tạo bản mới)" : "Soạn văn bản mới") + "</h1>";
  if (!e.empty())
    b += "<p class=\"notice\" role=\"alert\">Chưa lưu: hãy sửa các chỗ được đánh dấu bên dưới.</p>";
  b += "<div class=\"cols\"><form class=\"compose\" id=\"compose\" method=\"post\" action=\"" +
       std::string(edit ? "/doc/" + doc + "/edit" : "/new") + "\">" + HiddenCsrf(v);
  b += "<label>Loại văn bản <select name=\"kind\"" + std::string(edit ? " disabled" : "") + ">";
  for (const KindInfo& k : Kinds())
    b += "<option value=\"" + Escape(k.kind) + "\"" + Selected(f.kind == k.kind) + ">" + Escape(k.name_vi) + "</option>";
  b += "</select></label>";
  if (edit) b += "<input type=\"hidden\" name=\"kind\" value=\"" + Escape(f.kind) + "\">";
  b += FieldError(e, "kind");
  b += "<label>Trích yếu <input type=\"text\" name=\"title\" size=\"60\" value=\"" + Escape(f.title) + "\"></label>" +
       FieldError(e, "title");
  b += "<label>Ký hiệu sổ <select name=\"symbol\"><option value=\"\">(theo loại văn bản)</option>";
  for (const SymbolInfo& s : Symbols())
    b += "<option value=\"" + Escape(s.symbol) + "\"" + Selected(f.symbol == s.symbol) + ">" + Escape(s.symbol) + " — " +
         Escape(s.name_vi) + "</option>";
  b += "</select></label>" + FieldError(e, "symbol");
  b += "<label>Các bên ký cùng (giao ước, văn bản liên tịch; bí danh, cách nhau bởi dấu phẩy) <input type=\"text\" name=\"parties\" "
       "value=\"" + Escape(f.parties) + "\"" + std::string(edit ? " readonly" : "") + "></label>" +
       FieldError(e, "parties");
  b += "<label>Nơi nhận (mỗi dòng một nơi; org:BÍ_DANH cho cơ quan trong cụm) <textarea name=\"recipients\" rows=\"4\">" +
       Escape(f.recipients) + "</textarea></label>" + FieldError(e, "recipients");
  b += "<label>Nội dung (đoạn văn; dòng \"## \" là đề mục; \"- \" gạch đầu dòng; **đậm**, *nghiêng*) "
       "<textarea name=\"body\" rows=\"18\">" + Escape(f.body) + "</textarea></label>" + FieldError(e, "body");
  b += "<p><button type=\"submit\" name=\"do\" value=\"preview\" class=\"secondary\">Xem trước</button> "
       "<button type=\"submit\" name=\"do\" value=\"save\">" + std::string(edit ? "Lưu bản sửa" : "Lưu bản nháp") +
       "</button>" + (edit ? " <a href=\"/doc/" + doc + "\">Huỷ</a>" : std::string()) + "</p></form>";
  b += "<section><h2>Xem trước</h2><div id=\"preview\" class=\"paper\" aria-live=\"polite\">" + preview +
       "</div></section></div>";
  return Layout(edit ? "Sửa văn bản" : "Soạn văn bản", v, b);
}

// The preview of what the form would save, or why it cannot be saved yet.
std::string Preview(Node& node, const DocumentFields& d) {
  Errors e = Precheck(node, d);
  if (!e.empty()) {
    std::string b = "<ul class=\"preview-errors\">";
    for (const auto& [field, msg] : e) b += "<li>" + Escape(msg) + "</li>";
    return b + "</ul>";
  }
  auto parsed = ParseDocumentFile(WriteDocumentFile(d), "văn bản");
  if (!parsed.ok()) return "<ul class=\"preview-errors\"><li>" + Escape(parsed.status().message()) + "</li></ul>";
  return DocumentHtml(*parsed, node.org().name);
}

// Saves, or comes back with the errors beside the fields (400, nothing saved).
Reply Save(Ctx& c, const Call& call, const std::string& doc) {
  Form f = FromCall(call);
  DocumentFields d = FieldsOf(f);
  const bool preview_only = call.Field("do") == "preview";
  Errors e = preview_only ? Errors{} : Precheck(c.node, d);
  if (e.empty() && !preview_only) {
    const std::string bytes = WriteDocumentFile(d);
    Action save = doc.empty() ? Action{act::Draft{bytes, "văn bản"}} : Action{act::Revise{doc, bytes, "văn bản"}};
    Result<Done> made = c.node.Do(c.actor(), save);
    if (made.ok()) return Reply::Redirect("/doc/" + made->id);
    if (made.status().code() == Status::Code::kBadInput) e[FieldOfLine(d, made.status().message())] = made.status().message();
    else return ErrorReply(c.viewer, HttpStatusOf(made.status()), Said(made.status()));
  }
  return Reply::Html(ComposePage(c.viewer, f, e, doc, Preview(c.node, d)), e.empty() ? 200 : 400);
}

}  // namespace

std::optional<Reply> ComposeRoutes(Ctx& c, const Call& call) {
  if (call.path == "/preview" && call.post) {
    Reply r = Reply::Html(Preview(c.node, FieldsOf(FromCall(call))));
    return r;
  }
  if (call.path == "/new") {
    if (call.post) return Save(c, call, "");
    Form f;
    f.kind = call.Field("kind").empty() ? "directive" : call.Field("kind");
    f.recipients = "Lưu: VT, VP.";
    return Reply::Html(ComposePage(c.viewer, f, {}, "", "<p class=\"muted\">Bản xem trước hiện ở đây.</p>"));
  }
  std::string id, what;
  if (!DocPath(call.path, &id, &what) || what != "edit") return std::nullopt;
  auto d = c.node.Show(id);
  if (!d.ok()) return ErrorReply(c.viewer, HttpStatusOf(d.status()), Said(d.status()));
  const std::string hex = ToHex(d->id);
  if (call.post) return Save(c, call, hex);
  auto fields = ReadDocumentFields(d->current_text);
  if (!fields.ok()) return ErrorReply(c.viewer, 500, Said(fields.status()));
  Form f{fields->kind, fields->title, fields->symbol, "", "", fields->body};
  for (const std::string& r : fields->recipients) f.recipients += r + "\n";
  for (const std::string& p : fields->parties) f.parties += (f.parties.empty() ? "" : ", ") + p;
  std::string preview = Preview(c.node, *fields);
  if (d->conflicted())
    preview = "<p class=\"notice\">Văn bản có " + std::to_string(d->rev_heads.size()) +
              " bản song song; bản lưu sau đây sẽ hợp nhất chúng (nội dung hiện ở đây là một trong các bản — "
              "xem \"Các bản, so sánh\").</p>" + preview;
  return Reply::Html(ComposePage(c.viewer, f, {}, hex, preview));
}

}  // namespace vanban::web
