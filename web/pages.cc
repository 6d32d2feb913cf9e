// vanban/web — the server-rendered pages (see pages.h).
#include "web/pages.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>

#include "core/crypto.h"
#include "core/docfile.h"
#include "core/text.h"
#include "core/workflow.h"
#include "pdf/pdf.h"
#include "web/reasons.h"
#include "web/routes.h"
#include "web/web.h"

namespace vanban::web {


std::string Escape(std::string_view s) { return text::EscapeMarkup(s); }

std::string VietnameseDate(const Timestamp& t) {
  std::string d = t.Date();  // YYYY-MM-DD
  if (d.size() != 10) return Escape(d);
  return "ngày " + d.substr(8, 2) + " tháng " + d.substr(5, 2) + " năm " + d.substr(0, 4);
}

std::string DateTime(const Timestamp& t) {
  std::string iso = t.Iso();  // YYYY-MM-DDTHH:MM:SS+HH:MM
  return (iso.size() >= 16 ? iso.substr(11, 5) + ", " : "") + VietnameseDate(t);
}

std::string KindLabel(const std::string& kind) {
  const KindInfo* k = FindKind(kind);
  return k ? std::string(k->name_vi) : kind;
}

namespace {

std::string ActionLabel(const std::string& action) {
  static const std::map<std::string, std::string> m = {
      {"review", "Cho ý kiến, thông qua"}, {"revise", "Sửa lại (bị trả lại)"}, {"submit", "Trình ký"},
      {"sign", "Ký"}, {"issue", "Ban hành"}, {"merge", "Hợp nhất bản sửa"}, {"receive", "Vào sổ văn bản đến"}};
  auto it = m.find(action);
  return it == m.end() ? action : it->second;
}

bool HasRole(const Person& p, Role r) { return p.current_roles().count(r) > 0; }

}  // namespace

namespace {

// A block's inline markup as the PDF reads it (core's InlineSpans): <strong>, <em>, and
// a footnote reference as <sup>label</sup>; every piece of text through Escape.
std::string Inline(const std::string& raw) {
  std::string o;
  bool bold = false, italic = false;  // open: <strong> outside <em>
  auto style = [&](bool b, bool i) {
    if (b == bold && i == italic) return;
    if (italic) o += "</em>";
    if (bold != b) o += b ? "<strong>" : "</strong>";
    if (i) o += "<em>";
    bold = b;
    italic = i;
  };
  for (const InlineSpan& s : InlineSpans(raw)) {
    style(s.bold, s.italic);
    o += s.note.empty() ? Escape(s.text) : "<sup>" + Escape(s.note) + "</sup>";
  }
  style(false, false);
  return o;
}

}  // namespace

std::string DocumentHtml(const DocumentFile& f, const std::string& org_name) {
  const SymbolInfo* sym = FindSymbol(f.symbol);
  std::string b = "<article class=\"doc\"><p class=\"doc-org\">" + Escape(org_name) + "</p><p class=\"doc-kind\">" +
                  Escape(sym ? std::string(sym->name_vi) : KindLabel(f.kind)) + "</p><p class=\"doc-title\">" +
                  Escape(f.title) + "</p>";
  bool list = false;
  for (const Block& bl : f.blocks) {
    if (bl.type != Block::Type::kBullet && list) {
      b += "</ul>";
      list = false;
    }
    switch (bl.type) {
      case Block::Type::kHeading:
        b += "<h" + std::to_string(bl.level + 2) + ">" + Inline(bl.text) + "</h" + std::to_string(bl.level + 2) + ">";
        break;
      case Block::Type::kParagraph:
        b += "<p>" + Inline(bl.text) + "</p>";
        break;
      case Block::Type::kBullet:
        if (!list) b += "<ul>";
        list = true;
        b += "<li>" + Inline(bl.text) + "</li>";
        break;
      case Block::Type::kFootnote:
        b += "<p class=\"footnote\"><sup>" + Escape(bl.label) + "</sup> " + Inline(bl.text) + "</p>";
        break;
    }
  }
  if (list) b += "</ul>";
  if (!f.recipients.empty()) {
    b += "<div class=\"doc-to\"><em>Nơi nhận:</em><ul>";
    for (const std::string& r : f.recipients) b += "<li>" + Escape(r) + "</li>";
    b += "</ul></div>";
  }
  return b + "</article>";
}

std::string HiddenCsrf(const Viewer& v) {
  return "<input type=\"hidden\" name=\"csrf\" value=\"" + Escape(v.csrf) + "\">";
}

std::string StateLabel(std::string_view s) {
  if (s == "draft") return "nháp";
  if (s == "in_review") return "đang xin ý kiến";
  if (s == "submitted") return "trình ký";
  if (s == "partially_signed") return "đã ký một phần";
  if (s == "signed") return "đã ký";
  if (s == "issued") return "đã ban hành";
  if (s == "revoked") return "đã thu hồi";
  return std::string(s);
}

std::string Layout(const std::string& title, const Viewer& v, const std::string& body) {
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>" + Escape(title) + " — vanban</title><link rel=\"stylesheet\" href=\"/style.css\">"
      "<script src=\"/app.js\" defer></script></head><body><header>";
  if (v.person) {
    h += "<nav class=\"main\"><a href=\"/\">Việc cần xử lý</a><a href=\"/docs\">Văn bản</a><a href=\"/new\">Soạn mới</a>"
         "<a href=\"/registers\">Sổ văn bản</a><a href=\"/archive\">Lưu trữ</a><a href=\"/peers\">Đồng bộ</a>"
         "<a href=\"/verify\">Kiểm tra PDF</a></nav>"
         "<span class=\"who\">" + Escape(v.person->name) + " (" + Escape(v.person->title) + ")</span>"
         "<form method=\"post\" action=\"/logout\">" + HiddenCsrf(v) + "<button type=\"submit\">Đăng xuất</button></form>";
  } else {
    h += "<a href=\"/\">vanban</a>";
  }
  return h + "</header><main>" + body + "</main></body></html>\n";
}

std::string LoginPage(Node& node, const std::string& message, const std::string& token) {
  std::string b = "<h1>Đăng nhập</h1><p>" + Escape(node.org().name) + "</p>";
  if (!message.empty()) b += "<p class=\"notice\" role=\"alert\">" + Escape(message) + "</p>";
  b += "<form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"login_token\" value=\"" + Escape(token) +
       "\"><label>Người dùng <select name=\"login\">";
  for (const Person& p : node.Users()) {
    if (!p.active()) continue;
    b += "<option value=\"" + Escape(p.login) + "\">" + Escape(p.name) + " — " + Escape(p.title) + " (" +
         Escape(p.login) + ")</option>";
  }
  b += "</select></label><label>Mật khẩu <input type=\"password\" name=\"passphrase\" autocomplete=\"current-password\" "
       "required></label><button type=\"submit\">Đăng nhập</button></form>";
  return Layout("Đăng nhập", Viewer{}, b);
}

Result<std::string> InboxPage(Node& node, const Viewer& v) {
  VB_ASSIGN_OR_RETURN(std::vector<InboxItem> items, node.Inbox(v.person->login));
  std::stable_sort(items.begin(), items.end(),
                   [](const InboxItem& a, const InboxItem& b) { return a.since.utc < b.since.utc; });
  std::map<std::string, int> counts;
  for (const InboxItem& it : items) ++counts[it.action];
  std::string b = "<h1>Việc cần xử lý</h1><p class=\"counts\">";
  if (items.empty()) b += "Không có việc nào đang chờ.";
  for (const auto& [a, n] : counts) b += "<span>" + Escape(ActionLabel(a)) + ": " + std::to_string(n) + "</span>";
  b += "</p>";
  if (!items.empty()) {
    b += "<table><thead><tr><th>Việc</th><th>Văn bản</th><th>Trạng thái</th><th>Từ</th></tr></thead><tbody>";
    for (const InboxItem& it : items) {
      b += "<tr><td>" + Escape(ActionLabel(it.action)) + "</td><td><a href=\"/doc/" + Escape(it.doc.id) + "\">" +
           Escape(KindLabel(it.doc.kind)) + ": " + Escape(it.doc.title) + "</a>" +
           (it.doc.number ? " — số " + Escape(*it.doc.number) : "") + "</td><td>" + Escape(StateLabel(it.doc.state)) +
           "</td><td>" + Escape(DateTime(it.since)) + "</td></tr>";
    }
    b += "</tbody></table>";
  }
  return Layout("Việc cần xử lý", v, b);
}

namespace {

bool Drafting(const Document& d) { return d.state == DocState::kDraft || d.state == DocState::kInReview; }

// The active people of `org` holding `role` (route: reviewers; submit: signers).
std::vector<Person> PeopleWith(Node& node, const PublicKey& org, Role role) {
  std::vector<Person> out;
  for (const Person& p : node.Users())
    if (p.active() && p.org == org && HasRole(p, role)) out.push_back(p);
  return out;
}

std::string RevLabel(const Document& d) {
  const Revision* r = d.current();
  if (!r) return "(chưa hợp nhất các bản song song)";
  return "r" + std::to_string(r->seq) + " (" + ToHex(r->id).substr(0, 12) + "), " + DateTime(r->at);
}

struct ActionInfo {
  const char* name;    // path segment and AllowedActions() name
  const char* record;  // the record type it signs
  const char* label;   // the button
  const char* title;   // the confirmation's heading
};

const ActionInfo kActions[] = {
    {"route", "doc.route", "Xin ý kiến", "Gửi văn bản xin ý kiến"},
    {"comment", "doc.comment", "Gửi ý kiến", "Gửi ý kiến"},
    {"approve", "doc.approve", "Thông qua bản hiện tại", "Thông qua bản hiện tại"},
    {"submit", "doc.submit", "Trình ký", "Trình ký văn bản"},
    {"return", "doc.return", "Trả lại", "Trả lại văn bản cho người soạn"},
    {"sign", "doc.sign", "Ký văn bản", "Ký văn bản"},
    {"issue", "doc.issue", "Ban hành (cấp số, đóng dấu)", "Ban hành văn bản"},
    {"receive", "doc.receive", "Vào sổ văn bản đến", "Vào sổ văn bản đến"},
};

const ActionInfo* FindAction(const std::string& name) {
  for (const ActionInfo& a : kActions)
    if (name == a.name) return &a;
  return nullptr;
}

std::string Hidden(const std::string& name, const std::string& value) {
  return "<input type=\"hidden\" name=\"" + Escape(name) + "\" value=\"" + Escape(value) + "\">";
}

// The form of one action on the document page (it leads to the confirmation).
std::string ActionForm(Node& node, const Viewer& v, const Document& d, const std::string& hex, const ActionInfo& a) {
  const std::string name = a.name;
  std::string f = "<form class=\"action\" data-action=\"" + name + "\" method=\"post\" action=\"/doc/" + hex + "/" +
                  name + "\">" + HiddenCsrf(v);
  if (name == "route") {
    f += "<fieldset><legend>Xin ý kiến của</legend>";
    for (const Person& p : PeopleWith(node, d.org, Role::kReviewer)) {
      if (p.key == v.person->key) continue;
      f += "<label><input type=\"checkbox\" name=\"to\" value=\"" + Escape(p.login) + "\"> " + Escape(p.name) + " — " +
           Escape(p.title) + "</label>";
    }
    f += "</fieldset>";
  } else if (name == "comment") {
    f += "<label>Ý kiến <textarea name=\"text\" required></textarea></label>";
  } else if (name == "submit") {
    f += "<label>Trình người ký <select name=\"to\">";
    for (const Person& p : PeopleWith(node, d.org, Role::kSigner))
      f += "<option value=\"" + Escape(p.login) + "\">" + Escape(p.name) + " — " + Escape(p.title) + "</option>";
    f += "</select></label>";
  } else if (name == "return") {
    f += "<label>Lý do trả lại <textarea name=\"reason\" required></textarea></label>";
  } else if (name == "sign") {
    f += "<label><input type=\"checkbox\" name=\"on_behalf\" value=\"yes\"> Ký thay (KT.)</label>";
  }
  return f + "<button type=\"submit\">" + Escape(a.label) + "</button></form>";
}

// What the form asks for, checked before the confirmation ("" when fine).
std::string MissingInput(const std::string& action, const Call& call) {
  if (action == "route" && call.Fields("to").empty()) return "Hãy chọn ít nhất một người cho ý kiến.";
  if (action == "comment" && call.Field("text").find_first_not_of(" \t\r\n") == std::string::npos)
    return "Ý kiến không được để trống.";
  if (action == "return" && call.Field("reason").find_first_not_of(" \t\r\n") == std::string::npos)
    return "Hãy ghi lý do trả lại.";
  if (action == "submit" && call.Field("to").empty()) return "Hãy chọn người ký.";
  return "";
}

std::string LoginName(const Node& node, const std::string& login) {
  const Person* p = node.authority().FindLogin(node.org().root, login);
  return p ? p->name + " — " + p->title : login;
}

// The page that says exactly what will be signed, with the same fields and confirm=yes.
Reply ConfirmPage(Node& node, const Viewer& v, const Document& d, const std::string& hex, const ActionInfo& a,
                  const Call& call) {
  const std::string name = a.name;
  std::string b = "<h1>Xác nhận: " + Escape(a.title) + "</h1><div class=\"confirm\"><p>" + Escape(v.person->name) +
                  " (" + Escape(v.person->title) + ") sẽ ký bằng khóa của mình (Ed25519) bản ghi <code>" +
                  Escape(a.record) + "</code>:</p><dl class=\"will-sign\">";
  b += "<dt>Văn bản</dt><dd>" + Escape(KindLabel(d.kind)) + ": " + Escape(d.title) + "</dd>";
  b += "<dt>Mã văn bản</dt><dd><code>" + Escape(hex) + "</code></dd>";
  std::string fields, pin_field;
  if (name == "route") {
    std::string who;
    for (const std::string& l : call.Fields("to")) {
      who += "<li>" + Escape(LoginName(node, l)) + "</li>";
      fields += Hidden("to", l);
    }
    b += "<dt>Xin ý kiến của</dt><dd><ul>" + who + "</ul></dd>";
  } else if (name == "comment") {
    b += "<dt>Về bản</dt><dd>" + Escape(RevLabel(d)) + "</dd><dt>Ý kiến</dt><dd><pre class=\"text\">" +
         Escape(call.Field("text")) + "</pre></dd>";
    fields += Hidden("text", call.Field("text"));
  } else if (name == "approve") {
    b += "<dt>Thông qua bản</dt><dd>" + Escape(RevLabel(d)) + "</dd>";
  } else if (name == "submit") {
    b += "<dt>Bản trình</dt><dd>" + Escape(RevLabel(d)) + "</dd><dt>Người ký</dt><dd>" +
         Escape(LoginName(node, call.Field("to"))) + "</dd>";
    fields += Hidden("to", call.Field("to"));
  } else if (name == "return") {
    b += "<dt>Lý do</dt><dd><pre class=\"text\">" + Escape(call.Field("reason")) + "</pre></dd>";
    fields += Hidden("reason", call.Field("reason"));
  } else if (name == "sign") {
    const bool kt = call.Field("on_behalf") == "yes";
    b += "<dt>Bản được ký</dt><dd>" + Escape(RevLabel(d)) + "</dd><dt>Hình thức</dt><dd>" +
         (kt ? "Ký thay (KT. " + Escape(v.person->title) + ")" : std::string("Ký trực tiếp")) + "</dd>";
    if (kt) fields += Hidden("on_behalf", "yes");
    // A key on a token: its PIN, asked here and never kept (the token counts wrong ones).
    if (auto token = node.SigningToken(v.person->login); token.ok() && *token)
      pin_field = "<p><label>Mã PIN của token “" + Escape((*token)->token) +
                  "” <input type=\"password\" name=\"pin\" autocomplete=\"off\" required></label></p>";
  } else if (name == "issue") {
    b += "<dt>Bản đã ký</dt><dd>" + Escape(RevLabel(d)) + "</dd><dt>Cấp</dt><dd>số tiếp theo trong sổ văn bản đi, "
         "ngày hôm nay, dấu của " + Escape(node.org().name) + "</dd>";
  } else if (name == "receive") {
    b += "<dt>Của</dt><dd>" + Escape(node.OrgName(d.org)) + (d.issue ? ", số " + Escape(d.issue->number) : "") +
         "</dd><dt>Vào sổ</dt><dd>số đến tiếp theo, ngày hôm nay (sau khi kiểm tra chữ ký của bản PDF)</dd>";
  }
  b += "</dl>";
  if (name == "sign" || name == "approve" || name == "submit")
    b += "<h2>Nội dung bản này</h2><pre class=\"text\">" + Escape(d.current_text) + "</pre>";
  b += "<form method=\"post\" action=\"/doc/" + hex + "/" + name + "\">" + HiddenCsrf(v) + fields + pin_field +
       "<button type=\"submit\" name=\"confirm\" value=\"yes\">Xác nhận và ký</button> <a href=\"/doc/" + hex +
       "\">Huỷ</a></form></div>";
  return Reply::Html(Layout("Xác nhận", v, b));
}

// Shown once after a signature that went without its time-stamp (a fixed text: the
// redirect's query names it, nothing from it is echoed).
constexpr const char* kUnstampedNotice =
    "Đã ký, nhưng không có dấu thời gian (PAdES B-B): máy chủ cấp dấu thời gian không trả lời hoặc từ chối. "
    "Có thể thêm dấu thời gian cho bản PDF sau (vanban pdf timestamp).";

// The action a confirmed form asks for, from its fields.
Result<Action> ActionOfForm(const std::string& action, const std::string& id, const Call& call) {
  if (action == "route") return Action{act::Route{id, call.Fields("to")}};
  if (action == "comment") return Action{act::Comment{id, call.Field("text")}};
  if (action == "approve") return Action{act::Approve{id}};
  if (action == "submit") return Action{act::Submit{id, call.Field("to")}};
  if (action == "return") return Action{act::Return{id, call.Field("reason")}};
  if (action == "sign") return Action{act::Sign{id, call.Field("on_behalf") == "yes"}};
  if (action == "issue") return Action{act::Issue{id}};
  if (action == "receive") return Action{act::Receive{id}};
  return Status::BadInput("no such action: " + action);
}

Status Perform(Ctx& c, const std::string& action, const std::string& id, const Call& call) {
  Actor a = c.actor();
  if (action == "sign") {
    const std::string pin = call.Field("pin");
    a.pin = [pin]() -> Result<std::string> {
      if (pin.empty()) return Status::BadInput("Hãy nhập mã PIN của token");
      return pin;
    };
  }
  VB_ASSIGN_OR_RETURN(Action what, ActionOfForm(action, id, call));
  return c.node.Do(a, what).status();
}

}  // namespace

std::vector<std::string> AllowedActions(const Document& d, const Person& p) {
  std::set<std::string> tasks;
  for (const Task& t : TasksOf(d)) {
    bool mine = t.assignee ? *t.assignee == p.key : (t.org == p.org && (!t.role || HasRole(p, *t.role)));
    if (mine) tasks.insert(t.action);
  }
  const bool drafter = d.org == p.org && HasRole(p, Role::kDrafter);
  std::vector<std::string> out;
  if (drafter && Drafting(d)) out.push_back("edit");
  if (drafter && Drafting(d)) out.push_back("route");
  // comment: a routed reviewer, a drafter of the organisation, the creator, or the signer it was submitted to.
  bool comment_state = Drafting(d) || d.state == DocState::kSubmitted || d.state == DocState::kPartiallySigned;
  if (comment_state && ((d.routed_to(p.key) && HasRole(p, Role::kReviewer)) || drafter || d.creator == p.key ||
                        (d.submitted_to && *d.submitted_to == p.key)))
    out.push_back("comment");
  if (tasks.count("review") && d.current()) out.push_back("approve");
  if (drafter && Drafting(d) && !d.conflicted()) out.push_back("submit");
  if (d.state == DocState::kSubmitted && d.submitted_to && *d.submitted_to == p.key && HasRole(p, Role::kSigner))
    out.push_back("return");
  if (tasks.count("sign") && HasRole(p, Role::kSigner)) out.push_back("sign");
  if (tasks.count("issue")) out.push_back("issue");
  if (tasks.count("receive")) out.push_back("receive");
  return out;
}

Result<std::string> DocPage(Node& node, const Viewer& v, const std::string& id, const std::string& notice) {
  VB_ASSIGN_OR_RETURN(Document d, node.Show(id));
  const std::string hex = ToHex(d.id);
  std::string b;
  if (!notice.empty()) b += "<p class=\"notice\" role=\"alert\">" + Escape(notice) + "</p>";
  b += "<h1>" + Escape(d.title) + "</h1><dl><dt>Loại</dt><dd>" + Escape(KindLabel(d.kind)) +
       "</dd><dt>Trạng thái</dt><dd id=\"state\">" + Escape(StateLabel(StateName(d.state))) + "</dd>";
  if (d.issue)
    b += "<dt>Số, ngày</dt><dd id=\"number\">" + Escape(d.issue->number) + ", " + Escape(d.issue->date) + "</dd>";
  b += "<dt>Đơn vị</dt><dd>" + Escape(node.OrgName(d.org)) + "</dd><dt>Người soạn</dt><dd>" +
       Escape(node.Who(d.creator)) + ", " + Escape(VietnameseDate(d.created)) + "</dd>";
  if (d.submitted_to)
    b += "<dt>Trình</dt><dd>" + Escape(node.Who(*d.submitted_to)) + "</dd>";
  if (!d.returns.empty() && d.state == DocState::kDraft)
    b += "<dt>Bị trả lại</dt><dd>" + Escape(node.Who(d.returns.back().by)) + ": " + Escape(d.returns.back().reason) +
         "</dd>";
  b += "</dl>";
  b += "<p><a href=\"/doc/" + hex + "/pdf\">Xem PDF</a> · <a href=\"/doc/" + hex +
       "/pdf?download=1\">Tải PDF</a> · <a href=\"/doc/" + hex + "/history\">Lịch sử</a> · <a href=\"/doc/" + hex +
       "/revisions\">Các bản, so sánh</a></p>";

  // Buttons: only what this person may do now; each leads to a confirmation.
  for (const std::string& a : AllowedActions(d, *v.person)) {
    if (a == "edit") {
      b += "<p><a class=\"button\" href=\"/doc/" + hex + "/edit\">" +
           (d.conflicted() ? "Hợp nhất các bản song song" : "Sửa (tạo bản mới)") + "</a></p>";
      continue;
    }
    if (const ActionInfo* info = FindAction(a)) b += ActionForm(node, v, d, hex, *info);
  }

  // The text, with the comments and concurrences beside it (below it on a narrow screen).
  b += "<div class=\"with-notes\"><section><h2>Nội dung</h2>";
  if (auto f = ParseDocumentFile(d.current_text, "revision", ParseOptions{.checked_nfc = true}); f.ok())
    b += DocumentHtml(*f, node.OrgName(d.org));
  else
    b += "<pre class=\"text\">" + Escape(d.current_text) + "</pre>";
  b += "</section><aside class=\"notes\"><h2>Ý kiến</h2>";
  if (d.comments.empty()) b += "<p class=\"muted\">Chưa có ý kiến.</p>";
  for (const Comment& c : d.comments) {
    const Revision* on = d.FindRevision(c.rev);
    b += "<div class=\"comment\"><p class=\"meta\">" + Escape(node.Who(c.author)) + ", " + Escape(DateTime(c.at)) +
         (on ? " — về bản r" + std::to_string(on->seq) : std::string()) + "</p><p>" + Escape(c.text) + "</p></div>";
  }
  if (!d.approvals.empty()) {
    b += "<h2>Thông qua</h2><ul>";
    for (const Approval& a : d.approvals) {
      const Revision* on = d.FindRevision(a.rev);
      b += "<li>" + Escape(node.Who(a.author)) + ", " + Escape(DateTime(a.at)) +
           (on ? " — bản r" + std::to_string(on->seq) : std::string()) + "</li>";
    }
    b += "</ul>";
  }
  b += "</aside></div>";
  b += "<h2>Các bản</h2><table><tbody>";
  for (const Revision& r : d.revisions)
    b += "<tr><td>r" + std::to_string(r.seq) + "</td><td>" + Escape(r.title) + "</td><td>" + Escape(node.Who(r.author)) +
         "</td><td>" + Escape(DateTime(r.at)) + "</td><td>" + RevisionLinks(d, r) + "</td></tr>";
  b += "</tbody></table>";
  if (!d.signatures.empty()) {
    b += "<h2>Chữ ký</h2><ul>";
    for (const SignatureEntry& s : d.signatures) {
      bool ok = node.RecordVerifies(hex, s.id);
      b += "<li>" + std::string(s.on_behalf ? "KT. " : "") + Escape(s.name) + " — " + Escape(s.title) + ", " +
           Escape(DateTime(s.at)) + ": " + (ok ? "hợp lệ" : "<strong>không hợp lệ</strong>") + "</li>";
    }
    b += "</ul>";
  }
  return Layout(d.title, v, b);
}

// --- the route plumbing every group shares -------------------------------------------

std::string Call::Field(const std::string& name) const {
  auto [lo, hi] = all.equal_range(name);
  return lo == hi ? "" : std::prev(hi)->second;
}

std::vector<std::string> Call::Fields(const std::string& name) const {
  std::vector<std::string> out;
  auto [lo, hi] = all.equal_range(name);
  for (auto it = lo; it != hi; ++it) out.push_back(it->second);
  return out;
}

Reply Reply::Html(std::string body, int status) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Reply Reply::Redirect(const std::string& to) {
  Reply r;
  r.status = 303;
  r.headers.emplace_back("Location", to);
  return r;
}

Reply Reply::File(std::string bytes, const std::string& type, const std::string& disposition,
                  const std::string& filename) {
  Reply r;
  r.content_type = type;
  r.body = std::move(bytes);
  r.headers.emplace_back("Content-Disposition", disposition + "; filename=\"" + filename + "\"");
  return r;
}

Reply Reply::Json(std::string body, int status) {
  Reply r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

Reply ErrorReply(const Viewer& v, int status, const std::string& message) {
  return Reply::Html(Layout("Lỗi", v, "<p class=\"notice\" role=\"alert\">" + Escape(message) + "</p>"), status);
}

int HttpStatusOf(const Status& s) {
  if (s.code() == Status::Code::kNotFound) return 404;
  if (s.code() == Status::Code::kRefused) return 409;
  if (s.code() == Status::Code::kStorage) return 503;  // the node's disk, not the request
  return 400;
}

bool DocPath(const std::string& path, std::string* id, std::string* rest) {
  if (path.rfind("/doc/", 0) != 0) return false;
  std::string tail = path.substr(5);
  *id = tail.substr(0, tail.find('/'));
  *rest = tail.size() > id->size() ? tail.substr(id->size() + 1) : "";
  return !id->empty() && id->find_first_not_of("0123456789abcdef") == std::string::npos;
}

std::optional<Reply> DocRoutes(Ctx& c, const Call& call) {
  const Viewer& v = c.viewer;
  if (!call.post && call.path == "/") {
    auto page = InboxPage(c.node, v);
    if (!page.ok()) return ErrorReply(v, 500, Said(page.status()));
    return Reply::Html(std::move(page).value());
  }
  std::string id, what;
  if (!DocPath(call.path, &id, &what)) return std::nullopt;
  if (!call.post && what.empty()) {
    auto page = DocPage(c.node, v, id, call.Field("notice") == "unstamped" ? kUnstampedNotice : "");
    if (!page.ok()) return ErrorReply(v, HttpStatusOf(page.status()), Said(page.status()));
    return Reply::Html(std::move(page).value());
  }
  if (!call.post && what == "pdf") {
    auto bytes = pdf::ExportPdf(c.node, id);
    if (!bytes.ok()) return ErrorReply(v, HttpStatusOf(bytes.status()), Said(bytes.status()));
    return Reply::File(std::move(bytes).value(), "application/pdf",
                       call.Field("download") == "1" ? "attachment" : "inline", id.substr(0, 12) + ".pdf");
  }
  const ActionInfo* info = call.post ? FindAction(what) : nullptr;
  if (!info) return std::nullopt;
  auto again = [&](const std::string& notice, int status) -> Reply {
    auto page = DocPage(c.node, v, id, notice);
    if (!page.ok()) return ErrorReply(v, HttpStatusOf(page.status()), Said(page.status()));
    return Reply::Html(std::move(page).value(), status);
  };
  auto d = c.node.Show(id);
  if (!d.ok()) return ErrorReply(v, HttpStatusOf(d.status()), Said(d.status()));
  if (std::string missing = MissingInput(what, call); !missing.empty()) return again(missing, 400);
  if (call.Field("confirm") != "yes") return ConfirmPage(c.node, v, *d, id, *info, call);
  Status st = Perform(c, what, id, call);
  const bool unstamped = (what == "sign" || what == "issue") && !c.node.unstamped().empty();
  if (st.ok()) return Reply::Redirect("/doc/" + id + (unstamped ? "?notice=unstamped" : ""));
  return again(Said(st), HttpStatusOf(st));
}

}  // namespace vanban::web
