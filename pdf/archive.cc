// The yearly archive (pdf.h, docs/pdf.md): the stored signed PDFs of one year's
// issued documents, a manifest of their hashes, and the seal's signature over it.
#include <nlohmann/json.hpp>

#include "core/files.h"
#include "core/x509.h"
#include "pdf/pdf.h"

namespace vanban::pdf {

namespace {

// "12/KH-SNgV" -> "12_KH-SNgV.pdf": a number is a file name once its '/' is replaced.
std::string FileName(const std::string& number) {
  std::string f = number;
  for (char& c : f)
    if (c == '/' || c == '\\') c = '_';
  return f + ".pdf";
}

}  // namespace

Result<size_t> ExportArchive(Node& node, const Actor& actor, int year, const std::string& dir,
                             const std::function<void(const ArchiveProgress&)>& progress) {
  if (year < 1970 || year > 9999) return Status::BadInput("--year " + std::to_string(year) + " is not a year");
  // The manifest is sealed last: a person without the seal is refused before any file is written.
  std::string login = actor.login;
  if (login.empty()) { VB_ASSIGN_OR_RETURN(login, node.DefaultLogin()); }
  VB_RETURN_IF_ERROR(node.CheckSealHolder(login));
  VB_ASSIGN_OR_RETURN(std::vector<RegisterEntry> reg, node.Register(year, false));
  std::vector<RegisterEntry> issued;
  for (const RegisterEntry& e : reg)
    if (!e.must_reissue) issued.push_back(e);  // a number lost in a collision belongs to no document
  if (issued.empty()) return Status::NotFound("no document was issued in " + std::to_string(year));
  VB_RETURN_IF_ERROR(files::MakeDirs(dir, 0755));

  const Organisation& org = node.org();
  nlohmann::ordered_json docs = nlohmann::ordered_json::array();
  ArchiveProgress p;
  p.total = issued.size();
  for (const RegisterEntry& e : issued) {
    VB_ASSIGN_OR_RETURN(auto pdf, node.SignedCopy(e.doc));
    if (!pdf) return Status::NotFound(e.number + ": the document has no signed PDF (signed before PDFs were made)");
    std::string file = FileName(e.number);
    std::string path = dir + "/" + file;
    std::string sha = x509::Sha256Hex(*pdf);
    // Resumable: a copy already written whole (same hash) is kept as it is.
    auto have = files::Read(path, pdf->size() + 1);
    if (!have.ok() || x509::Sha256Hex(*have) != sha) VB_RETURN_IF_ERROR(files::WriteAtomic(path, *pdf, 0644, false));
    docs.push_back({{"number", e.number}, {"date", e.date}, {"kind", e.kind}, {"title", e.title}, {"signer", e.signer},
                    {"document", e.doc}, {"file", file}, {"bytes", pdf->size()}, {"sha256", sha}});
    ++p.done;
    p.number = e.number;
    if (progress) progress(p);
  }
  nlohmann::ordered_json manifest = {{"format", "vanban-archive 1"},
                                     {"organisation", org.name},
                                     {"code", org.code},
                                     {"org", ToHex(org.root)},
                                     {"seal", ToHex(org.seal)},
                                     {"year", year},
                                     {"documents", docs}};
  std::string bytes = manifest.dump(2) + "\n";
  VB_ASSIGN_OR_RETURN(Signature sig, node.SignWithSeal(actor, bytes));
  std::string sig_file = "vanban-signature 1\nfile manifest.json\nkey " + ToHex(org.seal) + "\nsig " + ToHex(sig) + "\n";
  VB_RETURN_IF_ERROR(files::WriteAtomic(dir + "/manifest.json", bytes, 0644, false));
  VB_RETURN_IF_ERROR(files::WriteAtomic(dir + "/manifest.json.sig", sig_file, 0644, false));
  return issued.size();
}

}  // namespace vanban::pdf
