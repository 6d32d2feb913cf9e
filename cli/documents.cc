// vanban/cli — documents: doc (new, edit, show, text, list, log, revoke), inbox, and the
// workflow steps route, comment, approve, submit, return, sign, issue, receive.
#include "cli/program.h"
#include "core/files.h"
#include "pdf/pdf.h"

namespace vanban::cli {
namespace {

Result<std::string> ReadDocFile(const std::string& path) {
  // A little over 10 MiB is read so the parser can name the size in its message.
  return files::Read(path, (10u << 20) + 1);
}

// A workflow step that changes the document and then prints its state: the document's
// id, and at most one more argument (`arg`: "--to", "text", "--reason"; "" for none).
struct Step {
  const char* name;
  const char* help;
  const char* id_help;
  const char* arg;
  const char* arg_help;
  const char* verb;  // "Routed": "Routed ID: now STATE"
  Action (*action)(const std::string& id, const std::string& arg);
};

const Step kRevoke = {"revoke", "Withdraw an issued document by a later decision (signer or admin)",
                      "Document id or number", "--reason", "The decision withdrawing it", "Revoked",
                      [](const std::string& id, const std::string& reason) -> Action { return act::Revoke{id, reason}; }};

const Step kSteps[] = {
    {"route", "Ask reviewers for comments (draft -> in_review)", "Document id", "--to",
     "Reviewers' logins, comma-separated", "Routed",
     [](const std::string& id, const std::string& to) -> Action { return act::Route{id, SplitComma(to)}; }},
    {"comment", "Comment on the current revision (a routed reviewer, a drafter, or the signer)", "Document id", "text",
     "The comment", "Commented on",
     [](const std::string& id, const std::string& text) -> Action { return act::Comment{id, text}; }},
    {"approve", "Concur with the current revision (a routed reviewer)", "Document id", "", "", "Approved",
     [](const std::string& id, const std::string&) -> Action { return act::Approve{id}; }},
    {"submit", "Submit for signature (-> submitted)", "Document id", "--to", "The signer's login", "Submitted",
     [](const std::string& id, const std::string& to) -> Action { return act::Submit{id, to}; }},
    {"return", "Send a submitted document back to its drafter (-> draft)", "Document id", "--reason", "Why", "Returned",
     [](const std::string& id, const std::string& reason) -> Action { return act::Return{id, reason}; }},
};

// Where AddStep finds what a workflow command does, once parsed.
struct StepArgs {
  const Step* step = nullptr;
  std::string id, arg;
};

Status TakeStep(Program& prog, StepArgs& a) {
  VB_RETURN_IF_ERROR(prog.node().Do(prog.actor(), a.step->action(a.id, a.arg)).status());
  return prog.PrintState(a.step->verb, a.id);
}

void AddStep(CLI::App* parent, Program& prog, const Step& step) {
  auto cmd = prog.Command(parent, step.name, step.help, Access::kWrite, TakeStep).Need("id", &StepArgs::id, step.id_help);
  cmd.args().step = &step;
  if (*step.arg) cmd.Need(step.arg, &StepArgs::arg, step.arg_help);
}

// doc new and doc edit: a revision from a file; prints the document's id (new) or the
// revision's (edit: a merge of every head unless --base).
struct RevisionArgs {
  std::string id, file, base;
};

Status SaveRevision(Program& prog, RevisionArgs& a, bool edit) {
  VB_ASSIGN_OR_RETURN(std::string bytes, ReadDocFile(a.file));
  Action action = edit ? Action{act::Revise{a.id, bytes, a.file, a.base}} : Action{act::Draft{bytes, a.file}};
  VB_ASSIGN_OR_RETURN(Done made, prog.node().Do(prog.actor(), action));
  prog.Print({{"id", made.id}, {"rev", made.record}}, edit ? made.record : made.id);
  return Status::Ok();
}

Status NewDoc(Program& prog, RevisionArgs& a) { return SaveRevision(prog, a, false); }
Status EditDoc(Program& prog, RevisionArgs& a) { return SaveRevision(prog, a, true); }

Status ShowDoc(Program& prog, std::string& id) {
  VB_ASSIGN_OR_RETURN(Document d, prog.node().Show(id));
  if (prog.globals().json) prog.Print(prog.DocJson(d), "");
  else prog.Print({}, prog.DocText(d));
  return Status::Ok();
}

struct TextArgs {
  std::string id, rev;
};

Status PrintText(Program& prog, TextArgs& a) {
  VB_ASSIGN_OR_RETURN(std::string t, prog.node().RevisionText(a.id, a.rev));
  prog.Print({{"text", t}}, t);
  return Status::Ok();
}

struct ListArgs {
  std::string state, kind, query;
};

Status ListDocs(Program& prog, ListArgs& a) {
  DocFilter f;
  if (!a.state.empty()) f.state = a.state;
  if (!a.kind.empty()) f.kind = a.kind;
  if (!a.query.empty()) f.query = a.query;
  VB_ASSIGN_OR_RETURN(std::vector<DocSummary> list, prog.node().List(f));
  json arr = json::array();
  std::string text;
  for (const DocSummary& s : list) {
    arr.push_back(Program::SummaryJson(s));
    text += Short(s.id) + "  " + s.kind + "  " + s.state + "  " + (s.number ? *s.number : "-") + "  " + s.title + "\n";
  }
  if (list.empty()) text = "(no documents)";
  prog.Print(arr, text);
  return Status::Ok();
}

Status PrintLog(Program& prog, std::string& id) {
  auto d = prog.node().Show(id);
  VB_ASSIGN_OR_RETURN(std::vector<Node::LogEntry> log, prog.node().Log(id));
  json arr = json::array();
  std::string text;
  for (const auto& e : log) {
    std::string who = prog.node().Who(e.event.author);
    std::string what = prog.Summary(*d, e.record);
    std::string at = e.event.at.InOffset(prog.offset()).Iso();
    arr.push_back({{"id", ToHex(e.event.id)}, {"type", e.event.type}, {"author", who}, {"at", at},
                   {"accepted", e.event.accepted}, {"summary", what}, {"note", e.event.note}});
    text += at + "  " + who + "  " + what + (e.event.accepted ? "" : "  [does not count: " + e.event.note + "]") + "\n";
  }
  prog.Print(arr, text);
  return Status::Ok();
}

void DeclareDocCommands(CLI::App& app, Program& prog) {
  auto* doc = Group(&app, "doc", "Documents: new, edit, show, list, log, text, revoke");
  prog.Command(doc, "new", "Create a document from a file (front matter + body; docs/document-format.md)",
               Access::kWrite, NewDoc).Need("file", &RevisionArgs::file, "The document file");
  prog.Command(doc, "edit", "Make a new revision from a file (a merge when the document has several heads)",
               Access::kWrite, EditDoc).Need("id", &RevisionArgs::id, "Document id (or a unique prefix)")
      .Need("file", &RevisionArgs::file, "The document file")
      .Opt("--base", &RevisionArgs::base, "Continue this revision (rN or id prefix) instead of every current head");
  prog.Command(doc, "show", "Show a document: state, revisions, comments, concurrences, signatures, number",
               Access::kRead, ShowDoc).Need("id", "Document id, unique prefix, or issued number");
  prog.Command(doc, "text", "Print the text of a revision (default: the current one)", Access::kWrite, PrintText)
      .Need("id", &TextArgs::id, "Document id")
      .Opt("--rev", &TextArgs::rev, "Revision (rN or id prefix)");
  prog.Command(doc, "list", "List documents, oldest first", Access::kRead, ListDocs)
      .Opt("--state", &ListArgs::state, "Only this state")
      .Opt("--kind", &ListArgs::kind, "Only this kind")
      .Opt("--query", &ListArgs::query, "Words to find in title, text and number (diacritics optional)");
  prog.Command(doc, "log", "Full history: who did what, when, on which revision", Access::kRead, PrintLog)
      .Need("id", "Document id");
  AddStep(doc, prog, kRevoke);
}

Status PrintInbox(Program& prog) {
  VB_ASSIGN_OR_RETURN(std::vector<InboxItem> items, prog.node().Inbox(prog.globals().as));
  json arr = json::array();
  std::string text;
  for (const InboxItem& it : items) {
    json j = Program::SummaryJson(it.doc);
    j["action"] = it.action;
    j["detail"] = it.detail;
    j["since"] = it.since.Iso();
    arr.push_back(j);
    text += it.action + "  " + Short(it.doc.id) + "  " + it.doc.kind + "  " + it.doc.title + "  (" + it.detail + ", since " + it.since.Iso() + ")\n";
  }
  if (items.empty()) text = "Nothing waits for you.";
  prog.Print(arr, text);
  return Status::Ok();
}

struct SignArgs {
  std::string id;
  bool on_behalf = false;
};

Status Sign(Program& prog, SignArgs& a) {
  VB_RETURN_IF_ERROR(prog.node().Do(prog.actor(), act::Sign{a.id, a.on_behalf}).status());
  prog.WarnUnstamped();
  return prog.PrintState("Signed", a.id);
}

Status Issue(Program& prog, std::string& id) {
  VB_ASSIGN_OR_RETURN(Done issued, prog.node().Do(prog.actor(), act::Issue{id}));
  const std::string& n = issued.number;
  prog.WarnUnstamped();
  VB_ASSIGN_OR_RETURN(Document d, prog.node().Show(id));
  prog.Print({{"id", ToHex(d.id)}, {"state", StateName(d.state)}, {"number", n}, {"date", d.issue->date}},
             "Issued " + Short(ToHex(d.id)) + " as " + n + " on " + d.issue->date);
  return Status::Ok();
}

Status Receive(Program& prog, std::string& id) {
  // The signed copy must be authentic and intact before the receipt vouches for it
  // (pdf::ReceiptVerifier, the node's receipt check).
  VB_ASSIGN_OR_RETURN(Done received, prog.node().Do(prog.actor(), act::Receive{id}));
  const std::string& n = received.number;
  VB_ASSIGN_OR_RETURN(Document d, prog.node().Show(id));
  const Receipt* r = d.ReceiptOf(prog.node().org().root);
  std::string date = r ? r->date : "";
  std::string theirs = d.issue ? d.issue->number : Short(ToHex(d.id));
  prog.Print({{"id", ToHex(d.id)}, {"number", n}, {"date", date}, {"their_number", theirs},
              {"from", prog.node().OrgName(d.org)}},
             "Received " + theirs + " as incoming " + n + " on " + date);
  return Status::Ok();
}

}  // namespace

void AddDocumentCommands(CLI::App& app, Program& prog) {
  DeclareDocCommands(app, prog);
  prog.Command(&app, "inbox", "What waits for the acting person, oldest first", Access::kRead, PrintInbox);
  for (const Step& step : kSteps) AddStep(&app, prog, step);
  prog.Command(&app, "sign", "Sign the current revision (Ed25519) -> signed", Access::kWrite, Sign)
      .Need("id", &SignArgs::id, "Document id")
      .Flag("--on-behalf", &SignArgs::on_behalf, "Sign on behalf of the head: \"KT. GIÁM ĐỐC\" (a deputy)");
  prog.Command(&app, "issue", "Records office: next number, today's date, organisation seal (-> issued)",
               Access::kWrite, Issue).Need("id", "Document id");
  prog.Command(&app, "receive",
               "Records office of an addressed organisation: register an issued document as incoming "
               "(next incoming number, today's date), after verifying its signed PDF",
               Access::kWrite, Receive).Need("id", "Document id, unique prefix, or the issuer's number");
}

}  // namespace vanban::cli
