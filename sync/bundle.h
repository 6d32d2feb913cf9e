// vanban/sync — bundles: a sync carried on a USB stick.
//
// A bundle holds the records (and the blobs they name) that one organisation may
// receive from this node — the same scope as a network sync — behind a header
// signed by the exporting node. Format (docs/bundles.md):
//
//   bundle = header body
//   header = "vanban-bundle 1" LF
//            "from-org " 64HEX LF "from-node " 64HEX LF "for-org " 64HEX LF
//            "made " ISO8601 LF "records " N LF "blobs " N LF
//            "digest " 64HEX LF            ; BLAKE2b-256 of the body
//            "sig " 128HEX LF              ; Ed25519 by from-node over the header before "sig"
//   body   = *( "blob " 64HEX SP LEN LF BYTES LF     ; before the records that name it
//             / "record " 64HEX SP LEN LF BYTES LF ) ; arrival order: parents first
//
// Every entry names its hash, so damage is found entry by entry: importing keeps
// every record and blob that verifies and reports the rest.
#pragma once

#include <string>
#include <vector>

#include "core/node.h"

namespace vanban::sync {

struct BundleExport {
  size_t records = 0, blobs = 0, bytes = 0;
  std::string for_org;  // name
};
// Whom a bundle is for, as `bundle export --for ALIAS` and the web's peers page name
// it: the alias of a trusted organisation, or "" for this organisation's own nodes.
// NotFound for an alias not trusted here.
Result<PublicKey> BundleRecipient(Node& node, const std::string& alias);
// The bundle for organisation `for_org` (this node's own: everything), in memory.
Result<BundleExport> MakeBundle(Node& node, const SecretKey& node_key, const PublicKey& for_org, std::string* bundle);
// MakeBundle written to `path` (atomically: all or nothing).
Result<BundleExport> ExportBundle(Node& node, const SecretKey& node_key, const PublicKey& for_org,
                                  const std::string& path);

struct BundleImport {
  std::string from_org;     // name
  std::string made;         // as the header says
  size_t accepted = 0, duplicate = 0, blobs = 0;
  std::vector<std::string> refused;   // records that did not verify or were not allowed
  std::vector<std::string> damaged;   // entries that could not be read, header problems
  bool clean() const { return refused.empty() && damaged.empty(); }
};
// Reads a bundle and ingests what verifies. A bundle not made by a node of this
// organisation or of a trusted one, or made for another organisation, is refused
// whole (Status::Refused); damage is reported in the result, not as a failure.
Result<BundleImport> ImportBundle(Node& node, std::string_view bytes);

}  // namespace vanban::sync
