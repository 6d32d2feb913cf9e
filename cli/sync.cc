// vanban/cli — sync and bundles: serve, sync (with one peer), bundle export and import.
#include <cstdio>
#include <iostream>

#include "cli/program.h"
#include "core/files.h"
#include "sync/bundle.h"
#include "sync/session.h"

namespace vanban::cli {
namespace {

Result<SecretKey> UnlockNodeKey(Program& prog) {
  return prog.node().UnlockNodeKey(prog.Passphrase("this node's key"));
}

struct ServeArgs {
  std::string listen;
  size_t max_sessions = 0;
  int timeout = 0;
};

Status Serve(Program& prog, ServeArgs& a) {
  VB_ASSIGN_OR_RETURN(SecretKey key, UnlockNodeKey(prog));
  sync::ServeOptions so;
  if (a.max_sessions) so.max_sessions = a.max_sessions;
  if (a.timeout > 0) so.limits.idle = std::chrono::seconds(a.timeout);
  so.log = [&](const std::string& line) {
    std::cerr << prog.node().Now().Iso() << " " << line << std::endl;
  };
  so.listening = [&](uint16_t port) {
    std::string where = a.listen.substr(0, a.listen.rfind(':')) + ":" + std::to_string(port);
    prog.Print({{"listening", where}, {"node", ToHex(prog.node().node_key())}},
               "Listening on " + where + " as node " + crypto::Fingerprint(prog.node().node_key()) + " of " +
                   prog.node().org().name + " (Ctrl-C stops)");
    std::cout << std::flush;
  };
  VB_RETURN_IF_ERROR(sync::Serve(prog.home(), prog.node().options(), key, a.listen, so));
  std::cerr << "Stopped.\n";
  return Status::Ok();
}

struct SyncArgs {
  std::string peer;
  int timeout = 0;
};

Status Sync(Program& prog, SyncArgs& a) {
  VB_ASSIGN_OR_RETURN(SecretKey key, UnlockNodeKey(prog));
  sync::Limits limits;
  if (a.timeout > 0) limits.idle = limits.handshake = std::chrono::seconds(a.timeout);
  VB_ASSIGN_OR_RETURN(sync::SessionReport rep, sync::SyncAndRecord(prog.node(), key, a.peer, limits));
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.3f", rep.seconds);
  std::string text = "Synced with " + rep.peer_org + " (node " + crypto::Fingerprint(rep.peer_node) + ") at " + a.peer +
                     ": sent " + std::to_string(rep.sent) + ", received " + std::to_string(rep.received) +
                     " record(s); " + std::to_string(rep.bytes_sent + rep.bytes_received) + " bytes, " + secs + " s";
  for (const std::string& r : rep.refused) text += "\nrefused here: " + r;
  if (rep.refused_count > rep.refused.size())
    text += "\n... and " + std::to_string(rep.refused_count - rep.refused.size()) + " more refused here";
  for (const std::string& r : rep.peer_refusals) text += "\nrefused by the peer: " + r;
  prog.Print({{"peer", a.peer}, {"peer_org", rep.peer_org}, {"peer_node", ToHex(rep.peer_node)},
              {"sent", rep.sent}, {"received", rep.received}, {"duplicate", rep.duplicate},
              {"refused", rep.refused}, {"refused_count", rep.refused_count}, {"peer_accepted", rep.peer_accepted}, {"peer_refused", rep.peer_refused},
              {"peer_refusals", rep.peer_refusals}, {"blobs_sent", rep.blobs_sent},
              {"blobs_received", rep.blobs_received}, {"bytes_sent", rep.bytes_sent},
              {"bytes_received", rep.bytes_received}, {"seconds", rep.seconds}},
             text);
  return Status::Ok();
}

struct ExportArgs {
  std::string out, for_alias;
};

Status ExportBundle(Program& prog, ExportArgs& a) {
  VB_ASSIGN_OR_RETURN(PublicKey for_org, sync::BundleRecipient(prog.node(), a.for_alias));
  VB_ASSIGN_OR_RETURN(SecretKey key, UnlockNodeKey(prog));
  VB_ASSIGN_OR_RETURN(sync::BundleExport out, sync::ExportBundle(prog.node(), key, for_org, a.out));
  prog.Print({{"file", a.out}, {"for", out.for_org}, {"records", out.records}, {"blobs", out.blobs}, {"bytes", out.bytes}},
             "Wrote " + a.out + " for " + out.for_org + ": " + std::to_string(out.records) + " record(s), " +
                 std::to_string(out.blobs) + " signed cop" + (out.blobs == 1 ? "y" : "ies") + ", " +
                 std::to_string(out.bytes) + " bytes");
  return Status::Ok();
}

Status ImportBundle(Program& prog, std::string& file) {
  VB_ASSIGN_OR_RETURN(std::string bytes, files::Read(file, 2048u << 20));
  auto rep = sync::ImportBundle(prog.node(), bytes);
  if (!rep.ok()) return rep.status().With(file);
  std::string text = "Imported " + file + " from " + rep->from_org + ": " + std::to_string(rep->accepted) +
                     " new record(s), " + std::to_string(rep->duplicate) + " already here";
  for (const std::string& r : rep->refused) text += "\nrefused: " + r;
  for (const std::string& d : rep->damaged) text += "\ndamaged: " + d;
  prog.Print({{"file", file}, {"from", rep->from_org}, {"made", rep->made}, {"received", rep->accepted},
              {"duplicate", rep->duplicate}, {"blobs", rep->blobs}, {"refused", rep->refused}, {"damaged", rep->damaged},
              {"ok", rep->clean()}},
             text);
  if (!rep->clean()) prog.FoundInvalid();
  return Status::Ok();
}

}  // namespace

void AddSyncCommands(CLI::App& app, Program& prog) {
  prog.Command(&app, "serve", "Serve syncs to this organisation's nodes and trusted organisations (foreground)",
               Access::kWrite, Serve)
      .Need("--listen", &ServeArgs::listen, "HOST:PORT to listen on, e.g. 0.0.0.0:7410 (port 0: any free port)")
      .Opt("--max-sessions", &ServeArgs::max_sessions, "Sessions at once (default 256)")
      .Opt("--idle-timeout", &ServeArgs::timeout, "Seconds a peer may stay silent (default 30)");
  prog.Command(&app, "sync", "Exchange records with one peer (a 'vanban serve'), then exit", Access::kWrite,
               Sync).Need("peer", &SyncArgs::peer, "HOST:PORT of the peer")
      .Opt("--timeout", &SyncArgs::timeout, "Seconds to wait for the peer at each step (default 30)");
  auto* bundle = Group(&app, "bundle", "Sync by file, where no network reaches: export on one node, import on the other");
  prog.Command(bundle, "export",
               "Write what a trusted organisation (--for) or this organisation's nodes may receive",
               Access::kWrite, ExportBundle).Need("-o,--output", &ExportArgs::out, "The bundle file to write")
      .Opt("--for", &ExportArgs::for_alias,
           "Alias of the trusted organisation it is for (default: this organisation's own nodes)");
  prog.Command(bundle, "import",
               "Take in a bundle: every record that verifies is kept; exit 1 if anything did not",
               Access::kWrite, ImportBundle).Need("file", "The bundle file");
}

}  // namespace vanban::cli
