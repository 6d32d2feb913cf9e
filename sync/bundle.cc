#include "sync/bundle.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <thread>

#include "core/text.h"
#include "core/files.h"
#include "sync/intake.h"

namespace vanban::sync {

namespace {

constexpr std::string_view kMagic = "vanban-bundle 1\n";
constexpr size_t kBatch = 1000;
const std::vector<std::string> kHeaderKeys = {"from-org", "from-node", "for-org", "made", "records", "blobs", "digest"};

void Entry(std::string& out, std::string_view kind, const Hash& h, std::string_view bytes) {
  out += kind;
  out += ' ';
  out += ToHex(h);
  out += ' ';
  out += std::to_string(bytes.size());
  out += '\n';
  out += bytes;
  out += '\n';
}

// A count or length in a bundle (one strict reading, core's): at most 12 digits.
std::optional<uint64_t> Count(std::string_view s) { return text::ParseDecimal(s, 999'999'999'999); }

}  // namespace

Result<PublicKey> BundleRecipient(Node& node, const std::string& alias) {
  if (alias.empty()) return node.org().root;
  for (const auto& [a, key] : node.Trusted())
    if (a == alias) return key;
  return Status::NotFound("no trusted organisation '" + alias + "' (see 'vanban org show')");
}

Result<BundleExport> ExportBundle(Node& node, const SecretKey& node_key, const PublicKey& for_org,
                                  const std::string& path) {
  std::string file;
  VB_ASSIGN_OR_RETURN(BundleExport out, MakeBundle(node, node_key, for_org, &file));
  VB_RETURN_IF_ERROR(files::WriteAtomic(path, file, 0644, false));
  return out;
}

Result<BundleExport> MakeBundle(Node& node, const SecretKey& node_key, const PublicKey& for_org, std::string* file) {
  if (node_key.public_key() != node.node_key()) return Status::BadInput("the key given is not this node's key");
  const Organisation* to = node.authority().FindOrg(for_org);
  if (!to) return Status::NotFound("no organisation " + crypto::Fingerprint(for_org) + " here");
  VB_ASSIGN_OR_RETURN(auto shared, node.SharedWith(for_org));
  std::vector<int64_t> seqs;
  seqs.reserve(shared.size());
  for (const Node::HeldRecord& h : shared) seqs.push_back(h.seq);
  std::sort(seqs.begin(), seqs.end());
  std::string body;
  BundleExport out;
  out.for_org = to->name;
  for (size_t at = 0; at < seqs.size(); at += kBatch) {
    std::vector<int64_t> part(seqs.begin() + at, seqs.begin() + std::min(seqs.size(), at + kBatch));
    VB_ASSIGN_OR_RETURN(Node::Outgoing o, node.ReadHeld(part));
    // ReadHeld lists each batch's blobs apart; they go just before their batch's records.
    for (const std::string& b : o.blobs) Entry(body, "blob", crypto::Blake2b(b), b);
    for (const std::string& r : o.records) Entry(body, "record", crypto::Blake2b(r), r);
    out.records += o.records.size();
    out.blobs += o.blobs.size();
  }
  const Timestamp now = node.Now();
  std::string header(kMagic);
  header += "from-org " + ToHex(node.org().root) + "\n";
  header += "from-node " + ToHex(node.node_key()) + "\n";
  header += "for-org " + ToHex(for_org) + "\n";
  header += "made " + now.Iso() + "\n";
  header += "records " + std::to_string(out.records) + "\n";
  header += "blobs " + std::to_string(out.blobs) + "\n";
  header += "digest " + ToHex(crypto::Blake2b(body)) + "\n";
  Signature sig = node_key.Sign(header);
  header += "sig " + ToHex(sig) + "\n";
  *file = header + body;
  out.bytes = file->size();
  return out;
}

namespace {

// A bundle's header as read: its fields decoded, not yet vouched for (CheckHeader).
struct Header {
  std::map<std::string, std::string> fields;  // by key, as written
  PublicKey from_org, from_node, for_org;
  Signature sig;
  Hash digest;
  size_t signed_end = 0;  // the header's bytes before "sig": what the signature covers
  size_t body_at = 0;     // where the body begins
};

// The header: the magic, its lines in order, then "sig".
Result<Header> ReadHeader(std::string_view bytes) {
  if (bytes.substr(0, kMagic.size()) != kMagic)
    return Status::BadInput("not a vanban bundle (it does not begin with 'vanban-bundle 1')");
  Header out;
  std::map<std::string, std::string>& h = out.fields;
  size_t pos = kMagic.size();
  for (const std::string& key : kHeaderKeys) {
    size_t nl = bytes.find('\n', pos);
    if (nl == std::string_view::npos || nl - pos > 200) return Status::BadInput("bundle header: line '" + key + "' is missing");
    std::string_view line = bytes.substr(pos, nl - pos);
    if (line.substr(0, key.size() + 1) != key + " ") return Status::BadInput("bundle header: expected '" + key + "'");
    h[key] = std::string(line.substr(key.size() + 1));
    pos = nl + 1;
  }
  out.signed_end = pos;
  size_t nl = bytes.find('\n', pos);
  if (nl == std::string_view::npos || bytes.substr(pos, 4) != "sig ") return Status::BadInput("bundle header: 'sig' is missing");
  std::string_view sig_hex = bytes.substr(pos + 4, nl - pos - 4);
  out.body_at = nl + 1;
  if (!FromHex(h["from-org"], &out.from_org) || !FromHex(h["from-node"], &out.from_node) ||
      !FromHex(h["for-org"], &out.for_org) || !FromHex(std::string(sig_hex), &out.sig) ||
      !FromHex(h["digest"], &out.digest) || !Count(h["records"]) || !Count(h["blobs"]))
    return Status::BadInput("bundle header: a malformed field");
  return out;
}

// Who made the bundle, for whom: a node admitted by this organisation or a trusted
// one, for this organisation. Both are only as good as the signature over them: a
// header changed since (another for-org, another from-node) brings nothing in.
Status CheckHeader(Node& node, const Header& h, std::string_view bytes, BundleImport* rep) {
  const Organisation* maker = node.OrgOfNode(h.from_node);
  bool trusted = false;
  for (const auto& [alias, key] : node.Trusted()) trusted = trusted || (maker && key == maker->root);
  if (!maker || maker->root != h.from_org || (maker->root != node.org().root && !trusted))
    return Status::Refused("the bundle was made by node " + crypto::Fingerprint(h.from_node) +
                           ", which is not admitted by this organisation or a trusted one");
  rep->from_org = maker->name;
  if (!crypto::Verify(h.from_node, bytes.substr(0, h.signed_end), h.sig))
    return Status::Refused("the header's signature does not verify: the header was changed after node " +
                           crypto::Fingerprint(h.from_node) + " signed it; nothing was imported");
  if (h.for_org != node.org().root) {
    const Organisation* o = node.authority().FindOrg(h.for_org);
    return Status::Refused("the bundle is for " + (o ? o->name : crypto::Fingerprint(h.for_org)) + ", not for " +
                           node.org().name);
  }
  return Status::Ok();
}

// The body's entries, ingested in batches as a sync does; after damage, reading
// goes on at the next line that begins an entry. Returns how many entries were read.
Result<size_t> IngestEntries(Node& node, std::string_view body, size_t body_at, BundleImport* rep) {
  std::vector<std::string> records, blobs;
  // As in a sync (sync/intake.h): the next batch checked while this one is applied.
  Intake intake(node, SIZE_MAX);
  size_t at = 0, entries = 0;
  while (at < body.size()) {
    size_t start = at;
    auto skip = [&](const std::string& why) {
      rep->damaged.push_back("at byte " + std::to_string(body_at + start) + " of the bundle: " + why);
      size_t next = body.size();
      for (std::string_view m : {"\nrecord ", "\nblob "}) {
        size_t f = body.find(m, start + 1);
        if (f != std::string_view::npos) next = std::min(next, f + 1);
      }
      at = next;
    };
    size_t eol = body.find('\n', at);
    if (eol == std::string_view::npos || eol - at > 200) { skip("an unreadable entry line"); continue; }
    std::string_view line = body.substr(at, eol - at);
    bool is_record = line.substr(0, 7) == "record ";
    bool is_blob = line.substr(0, 5) == "blob ";
    std::string_view rest = is_record ? line.substr(7) : is_blob ? line.substr(5) : std::string_view{};
    size_t sp = rest.find(' ');
    Hash named;
    if ((!is_record && !is_blob) || sp == std::string_view::npos || !FromHex(std::string(rest.substr(0, sp)), &named) ||
        !Count(rest.substr(sp + 1))) {
      skip("an unreadable entry line");
      continue;
    }
    size_t len = *Count(rest.substr(sp + 1));
    if (len > body.size() - eol - 1 || eol + 1 + len >= body.size() || body[eol + 1 + len] != '\n') {
      skip("an entry whose length does not fit");
      continue;
    }
    std::string_view content = body.substr(eol + 1, len);
    at = eol + 1 + len + 1;
    ++entries;
    if (crypto::Blake2b(content) != named) {
      rep->damaged.push_back(std::string(is_record ? "record " : "blob ") + ToHex(named).substr(0, 12) +
                             ": its bytes do not match its hash");
      continue;
    }
    if (is_blob) {
      blobs.emplace_back(content);
      ++rep->blobs;
    } else {
      records.emplace_back(content);
    }
    if (records.size() >= kBatch) {
      VB_RETURN_IF_ERROR(intake.Add(std::move(records), std::move(blobs)));
      records.clear();
      blobs.clear();
    }
  }
  if (!records.empty() || !blobs.empty()) VB_RETURN_IF_ERROR(intake.Add(std::move(records), std::move(blobs)));
  VB_RETURN_IF_ERROR(intake.Finish());
  rep->accepted += intake.accepted();
  rep->duplicate += intake.duplicate();
  for (std::string& r : intake.TakeRefused()) rep->refused.push_back(std::move(r));
  return entries;
}

}  // namespace

Result<BundleImport> ImportBundle(Node& node, std::string_view bytes) {
  BundleImport rep;
  VB_ASSIGN_OR_RETURN(Header h, ReadHeader(bytes));
  rep.made = h.fields["made"];
  VB_RETURN_IF_ERROR(CheckHeader(node, h, bytes, &rep));
  std::string_view body = bytes.substr(h.body_at);
  if (crypto::Blake2b(body) != h.digest) rep.damaged.push_back("the body does not match the header's digest");

  node.set_verify_threads(std::max(1u, std::thread::hardware_concurrency()));
  VB_ASSIGN_OR_RETURN(size_t entries, IngestEntries(node, body, h.body_at, &rep));
  size_t expected = *Count(h.fields["records"]) + *Count(h.fields["blobs"]);
  if (entries != expected)
    rep.damaged.push_back("the header announces " + std::to_string(expected) + " entries; " + std::to_string(entries) +
                          " could be read");
  return rep;
}

}  // namespace vanban::sync
