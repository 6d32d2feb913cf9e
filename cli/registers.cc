// vanban/cli — registers and archive: export pdf, verify, pdf timestamp, archive export,
// register (outgoing or incoming), check.
#include <unistd.h>

#include <cctype>
#include <iostream>

#include "cli/program.h"
#include "core/files.h"
#include "pdf/pdf.h"
#include "sync/tsa.h"

namespace vanban::cli {
namespace {

// Whether a command's argument names a file rather than a document: a name that reads
// as a file is one, there or not ("FILE: no such file", like every command's input
// files); anything else names a document of this node.
bool NamesFile(const std::string& what) {
  std::string lower = what;
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  const bool pdf = lower.size() > 4 && lower.compare(lower.size() - 4, 4, ".pdf") == 0;
  return pdf || what.rfind("/", 0) == 0 || what.rfind("./", 0) == 0 || what.rfind("../", 0) == 0 || files::Exists(what);
}

// The PDF a command works on: the file `what` names, or the stored signed copy of
// the document it names.
Result<std::string> SignedPdf(Node& node, const std::string& what) {
  if (NamesFile(what)) return files::Read(what, 256u << 20);
  VB_ASSIGN_OR_RETURN(auto stored, node.SignedCopy(what));
  if (!stored) return Status::NotFound("'" + what + "' has no signed PDF yet");
  return std::move(*stored);
}

json OrNull(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

struct ExportArgs {
  std::string id, out;
};

Status ExportPdf(Program& prog, ExportArgs& a) {
  VB_ASSIGN_OR_RETURN(std::string bytes, pdf::ExportPdf(prog.node(), a.id));
  VB_RETURN_IF_ERROR(files::WriteAtomic(a.out, bytes, 0644, false));
  prog.Print({{"file", a.out}, {"bytes", bytes.size()}}, "Wrote " + a.out + " (" + std::to_string(bytes.size()) + " bytes)");
  return Status::Ok();
}

json SignatureJson(const pdf::SignatureCheck& s) {
  return {{"field", s.field}, {"role", s.role}, {"signer", s.signer}, {"title", s.title},
          {"on_behalf", OrNull(s.on_behalf)}, {"org", s.org},
          {"time", s.time}, {"fingerprint", s.fingerprint},
          {"serial", OrNull(s.serial)},
          {"issuer", OrNull(s.issuer)}, {"status", s.status},
          {"chain", OrNull(s.chain)},
          {"revocation", OrNull(s.revocation)},
          {"timestamp", s.timestamp_time.empty()
                            ? json(nullptr)
                            : json{{"time", s.timestamp_time}, {"authority", s.timestamp_authority},
                                   {"trusted", s.timestamp_trusted}}},
          {"valid", s.valid},
          {"reason", s.reason}};
}

std::string SignatureText(const pdf::SignatureCheck& s) {
  const char* mark = s.status == "valid" ? "valid    " : s.status == "untrusted" ? "UNTRUSTED " : "INVALID  ";
  return "  " + std::string(mark) + s.field + "  " + s.signer +
         (s.title.empty() ? "" : " (" + (s.on_behalf.empty() ? "" : s.on_behalf + " - ") + s.title + ")") + ", " + s.org + ", " + s.time + ", key " + s.fingerprint +
         (s.serial.empty() ? "" : ", certificate " + s.serial + (s.issuer.empty() ? "" : " by " + s.issuer)) +
         (s.revocation.empty() || !s.valid ? "" : ", " + s.revocation) +
         (s.timestamp_time.empty() ? ""
                                   : ", time-stamped " + s.timestamp_time + " by " + s.timestamp_authority +
                                         (s.timestamp_trusted ? "" : " (authority not trusted here)")) +
         (s.status == "untrusted" ? "\n           valid signature, signer not trusted here: " + s.reason
          : s.valid              ? ""
                                 : "\n           why: " + s.reason) +
         "\n";
}

// What verify prints: `text` for the terminal, the rest for --json.
void PrintVerification(Program& prog, const pdf::Verification& v) {
  json sigs = json::array();
  std::string text = std::string(v.valid ? "VALID" : "INVALID") + "  " + (v.number.empty() ? "(no number)" : v.number) +
                     "  " + (v.date.empty() ? "" : v.date + "  ") + v.org + "\n" + "Title:  " + v.title + "\n";
  for (const pdf::SignatureCheck& s : v.signatures) {
    sigs.push_back(SignatureJson(s));
    text += SignatureText(s);
  }
  if (v.revoked)
    text += "REVOKED by " + v.revoked->by + " at " + v.revoked->at +
            (v.revoked->reason.empty() ? "" : ": " + v.revoked->reason) + "\n";
  json stamps = json::array();
  for (const pdf::DocumentTimeStampCheck& d : v.document_timestamps) {
    stamps.push_back({{"field", d.field}, {"valid", d.valid}, {"time", OrNull(d.time)},
                      {"authority", OrNull(d.authority)},
                      {"serial", OrNull(d.serial)}, {"trusted", d.trusted},
                      {"reason", d.reason}});
    text += d.valid ? "  valid    " + d.field + "  document time-stamp " + d.time + " by " + d.authority +
                          (d.trusted ? "" : " (authority not trusted here)") + "\n"
                    : "  INVALID  " + d.field + "  document time-stamp\n           why: " + d.reason + "\n";
  }
  for (const std::string& a : v.awaiting) text += "Awaiting the signature of " + a + "\n";
  for (const std::string& p : v.problems) text += "PROBLEM: " + p + "\n";
  if (!text.empty() && text.back() == '\n') text.pop_back();
  prog.Print({{"valid", v.valid}, {"number", OrNull(v.number)},
              {"date", OrNull(v.date)}, {"title", v.title}, {"kind", v.kind},
              {"org", v.org}, {"document", v.document}, {"revision", v.revision}, {"signatures", sigs},
              {"document_timestamps", stamps}, {"awaiting", v.awaiting}, {"problems", v.problems},
              {"revoked", v.revoked ? json{{"by", v.revoked->by}, {"at", v.revoked->at}, {"reason", v.revoked->reason}}
                                    : json(nullptr)},
              {"issued_as", v.issued_as_number.empty()
                                ? json(nullptr)
                                : json{{"number", v.issued_as_number}, {"date", v.issued_as_date}}}},
             text);
}

struct VerifyArgs {
  std::string what, sigdir;
};

Status Verify(Program& prog, VerifyArgs& a) {
  const bool from_file = NamesFile(a.what);
  VB_ASSIGN_OR_RETURN(std::string bytes, SignedPdf(prog.node(), a.what));
  if (!a.sigdir.empty()) VB_RETURN_IF_ERROR(pdf::ExportSignatures(bytes, a.sigdir).status());
  auto v = pdf::VerifyOnNode(bytes, prog.node());
  if (!v.ok()) return from_file ? v.status().With(a.what) : v.status();
  PrintVerification(prog, *v);
  if (!v->valid) prog.FoundInvalid();
  return Status::Ok();
}

struct TimeStampArgs {
  std::string what, out, url;
};

// pdf timestamp: one more incremental update, a document time-stamp from the authority.
Status TimeStamp(Program& prog, TimeStampArgs& a) {
  std::string url = a.url;
  if (url.empty()) {
    VB_ASSIGN_OR_RETURN(url, prog.node().NodeSetting("tsa"));
  }
  if (url.empty())
    return Status::BadInput("no time-stamping authority: give --tsa URL, or set one with 'vanban config set tsa URL'");
  VB_ASSIGN_OR_RETURN(std::string bytes, SignedPdf(prog.node(), a.what));
  const Timestamp now = prog.node().Now();
  VB_ASSIGN_OR_RETURN(std::vector<std::string> lists, prog.node().RevocationLists());
  auto stamped = pdf::AddDocumentTimeStamp(
      bytes, [&](std::string_view covered) { return sync::TimeStampOf(url, covered, sync::kTimeStampTimeout); },
      now.utc, lists);
  if (!stamped.ok()) return stamped.status().With(a.what);
  VB_RETURN_IF_ERROR(files::WriteAtomic(a.out, stamped->pdf, 0644, false));
  const pdf::DocumentTimeStampCheck& d = stamped->stamp;
  prog.Print({{"file", a.out}, {"field", d.field}, {"time", d.time}, {"authority", d.authority}, {"serial", d.serial},
              {"revocation_lists", stamped->revocation_lists}, {"bytes", stamped->pdf.size()}},
             "Wrote " + a.out + ": time-stamped " + d.time + " by " + d.authority + " (" + d.field + ")" +
                 (stamped->revocation_lists ? ", with " + std::to_string(stamped->revocation_lists) +
                                                  " revocation list(s) of the signers' authorities"
                                            : std::string()));
  return Status::Ok();
}

struct ArchiveArgs {
  int year = 0;
  std::string dir;
};

Status ExportArchive(Program& prog, ArchiveArgs& a) {
  bool tty = ::isatty(2);
  auto n = pdf::ExportArchive(prog.node(), prog.actor(), a.year, a.dir, [&](const pdf::ArchiveProgress& p) {
    if (tty) std::cerr << "\r" << p.done << "/" << p.total << "  " << p.number << "        " << std::flush;
  });
  if (tty) std::cerr << "\n";
  if (!n.ok()) return n.status();
  prog.Print({{"dir", a.dir}, {"documents", *n}, {"manifest", a.dir + "/manifest.json"}},
             "Archived " + std::to_string(*n) + " document(s) of " + std::to_string(a.year) + " in " + a.dir +
                 " (manifest.json, signed by the seal: manifest.json.sig)");
  return Status::Ok();
}

// A row of the incoming register: its JSON, and its line added to `text`.
json IncomingRow(const RegisterEntry& e, std::string& text) {
  json j = {{"number", e.received ? json(e.number) : json(nullptr)},
            {"date", e.received ? json(e.date) : json(nullptr)},
            {"kind", e.kind}, {"title", e.title}, {"signer", e.signer}, {"their_number", e.their_number},
            {"their_date", e.their_date}, {"from", e.from}, {"id", e.doc}, {"received", e.received},
            {"received_by", e.received ? json(e.received_by) : json(nullptr)}};
  if (!e.collides_with.empty()) {
    j["collides_with"] = e.collides_with;
    j["must_rereceive"] = e.must_rereceive;
  }
  text += (e.received ? e.number + "  " + e.date : std::string("-  (not yet received)")) + "  " + e.their_number + "  " +
          e.their_date + "  " + e.from + "  " + e.kind + "  " + e.title + "  " + e.signer;
  if (e.must_rereceive) text += "  [COLLISION: incoming number given twice; receive again with 'vanban receive " + Short(e.doc) + "']";
  else if (!e.collides_with.empty()) text += "  [COLLISION: keeps the incoming number]";
  text += "\n";
  return j;
}

// A row of the outgoing register: its JSON, and its lines added to `text`.
json OutgoingRow(const RegisterEntry& e, std::string& text) {
  json j = {{"number", e.number}, {"date", e.date}, {"kind", e.kind}, {"title", e.title}, {"signer", e.signer}, {"id", e.doc}};
  j["receipts"] = json::array();
  for (const RegisterReceipt& r : e.receipts)
    j["receipts"].push_back({{"org", r.org}, {"by", r.by}, {"at", r.at}, {"date", r.date}, {"number", std::to_string(r.number)}});
  j["awaiting"] = e.awaiting;
  if (!e.collides_with.empty()) {
    j["collides_with"] = e.collides_with;
    j["must_reissue"] = e.must_reissue;
  }
  text += e.number + "  " + e.date + "  " + e.kind + "  " + e.title + "  " + e.signer;
  if (e.must_reissue) text += "  [COLLISION: issued twice; re-issue with 'vanban issue " + Short(e.doc) + "']";
  else if (!e.collides_with.empty()) text += "  [COLLISION: keeps the number]";
  text += "\n";
  for (const RegisterReceipt& r : e.receipts)
    text += "    received by " + r.org + " as incoming " + std::to_string(r.number) + " on " + r.date + " (" + r.by + ")\n";
  for (const std::string& a : e.awaiting) text += "    awaiting the receipt of " + a + "\n";
  return j;
}

struct RegisterArgs {
  int year = 0;
  bool incoming = false;
};

Status PrintRegister(Program& prog, RegisterArgs& a) {
  VB_ASSIGN_OR_RETURN(std::vector<RegisterEntry> reg,
                      prog.node().Register(a.year ? std::optional<int>(a.year) : std::nullopt, a.incoming));
  json arr = json::array();
  std::string text;
  for (const RegisterEntry& e : reg) arr.push_back(a.incoming ? IncomingRow(e, text) : OutgoingRow(e, text));
  if (reg.empty()) text = a.incoming ? "(the incoming register is empty)" : "(the register is empty)";
  prog.Print(arr, text);
  return Status::Ok();
}

Status Check(Program& prog, bool& repair) {
  VB_RETURN_IF_ERROR(prog.OpenNode(!repair));  // --repair rewrites the views
  if (repair) VB_RETURN_IF_ERROR(prog.node().RebuildViews());
  VB_ASSIGN_OR_RETURN(CheckReport rep, prog.node().Check());
  std::string text = std::to_string(rep.records) + " records, digest " + rep.digest + "\n";
  for (const auto& p : rep.problems) text += "PROBLEM: " + p + "\n";
  for (const auto& n : rep.notes) text += "note: " + n + "\n";
  text += rep.ok ? "ok" : std::to_string(rep.problems.size()) + " problem(s)";
  prog.Print({{"ok", rep.ok}, {"records", rep.records}, {"digest", rep.digest}, {"problems", rep.problems}, {"notes", rep.notes}}, text);
  if (!rep.ok) prog.FoundInvalid();
  return Status::Ok();
}

void DeclarePdfCommands(CLI::App& app, Program& prog) {
  auto* c_export = Sub(&app, "export", "Export a document");
  prog.Command(c_export, "pdf",
               "The document as PDF: the signed copy as stored once signed, else the draft rendered now",
               Access::kRead, ExportPdf).Need("id", &ExportArgs::id, "Document id, unique prefix, or issued number")
      .Need("-o,--output", &ExportArgs::out, "The PDF file to write");
  prog.Command(&app, "verify",
               "Verify a signed PDF on its own (or a stored document's): signatures, signers, number, date",
               Access::kRead, Verify)
      .Need("what", &VerifyArgs::what, "A PDF file, or the id or number of a document on this node")
      .Opt("--signatures", &VerifyArgs::sigdir,
           "Also write each signature (N.p7s, DER) and its signed bytes (N.bin) here, for certtool");
  auto* c_pdf = Group(&app, "pdf", "Signed PDFs");
  prog.Command(c_pdf, "timestamp",
               "Add a document time-stamp (RFC 3161, /ETSI.RFC3161) from the time-stamping authority to a signed "
               "PDF, as one more incremental update: proof that the PDF and its signatures existed then",
               Access::kRead, TimeStamp)
      .Need("what", &TimeStampArgs::what, "A PDF file, or the id or number of a document on this node (its signed PDF)")
      .Need("-o,--output", &TimeStampArgs::out, "The time-stamped PDF to write")
      .Opt("--tsa", &TimeStampArgs::url, "The authority's URL (default: this node's 'config set tsa')");
}

}  // namespace

void AddRegisterCommands(CLI::App& app, Program& prog) {
  DeclarePdfCommands(app, prog);
  auto* c_archive = Sub(&app, "archive", "The archive of issued documents");
  prog.Command(c_archive, "export",
               "Every issued document of a year as signed PDF, with a manifest signed by the seal",
               Access::kWrite, ExportArchive).Need("--year", &ArchiveArgs::year, "The year")
      .Need("-o,--output", &ArchiveArgs::dir, "The folder to write (made if missing; resumable)");
  prog.Command(&app, "register", "The outgoing register (default) or the incoming one", Access::kRead,
               PrintRegister).Opt("--year", &RegisterArgs::year, "Only this year")
      .Flag("--incoming", &RegisterArgs::incoming, "The incoming register");
  prog.Command(&app, "check", "Re-verify every stored record and view; exit 1 on any problem",
               Access::kNone, Check).Flag("--repair", "First rebuild every view from the records (records are never rewritten)");
}

}  // namespace vanban::cli
