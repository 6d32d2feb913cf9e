// vanban — the command-line program. Parses arguments (CLI11), calls the one set
// of operations in core::Node, prints text or JSON, exits with the contract's codes
// (docs/cli.md). The only place that writes to stdout/stderr or exits. This file holds
// the global options and the table of command groups; each group is a file of its own
// (program.h lists them), and every command's body runs through Program::On.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/program.h"

namespace vanban::cli {
namespace {

constexpr const char* kVersion = "0.1.0";

// The command groups, in the order the top-level help lists their commands.
constexpr void (*kGroups[])(CLI::App&, Program&) = {
    AddPeopleCommands,    // init, user, key
    AddOrgCommands,       // org, config, trust, node
    AddDocumentCommands,  // doc, inbox, route, comment, approve, submit, return, sign, issue, receive
    AddRegisterCommands,  // export, verify, pdf, archive, register, check
    AddWebCommands,       // web
    AddSyncCommands,      // serve, sync, bundle
};

void AddGlobalOptions(CLI::App& app, Globals& g) {
  app.add_option("--home", g.home, "Node folder (default $VANBAN_HOME, else ~/.local/share/vanban)");
  app.add_flag("--json", g.json, "Print one JSON document on stdout");
  app.add_option("--as", g.as, "Acting person's login (default: the node's admin; on a joined node, the one person with a key there)");
  app.add_option("--passphrase-file", g.passphrase_file,
                 "File whose first line is the acting person's passphrase (else $VANBAN_PASSPHRASE, else a prompt)");
  app.add_option("--pin-file", g.pin_file,
                 "File whose first line is the PIN of the acting person's token, when their key is on one "
                 "(else $VANBAN_PIN, else a prompt)");
}

// CLI11 reports a mistyped command as "A subcommand is required"; name it instead.
bool KnownCommand(CLI::App& app, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--home" || a == "--as" || a == "--passphrase-file" || a == "--pin-file") { ++i; continue; }
    if (a.rfind("-", 0) == 0) continue;
    bool known = false;
    for (const CLI::App* c : app.get_subcommands([](CLI::App*) { return true; })) known = known || c->get_name() == a;
    if (!known) {
      std::cerr << "vanban: unknown command '" << a << "' (see 'vanban --help')\n";
      return false;
    }
    break;
  }
  return true;
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"vanban — offline-first document workflow for Vietnamese government offices.\n"
               "Draft, route for comments, submit, sign (Ed25519), issue with number and seal, keep registers.\n"
               "Exit status: 0 done, 1 verification found something invalid, 2 bad usage or input,\n"
               "3 refused by workflow state or role, 4 not found, 5 peer unreachable,\n"
               "6 storage or I/O failure. See docs/cli.md.",
               "vanban"};
  app.set_version_flag("--version", std::string("vanban ") + kVersion);
  app.require_subcommand(1);
  app.fallthrough();
  Globals g;
  AddGlobalOptions(app, g);
  Program prog(g);
  for (auto add : kGroups) add(app, prog);

  if (!KnownCommand(app, argc, argv)) return 2;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "vanban: " << e.what() << " (see 'vanban --help')\n";
    return 2;
  }
  return prog.exit_code();
}

}  // namespace vanban::cli

int main(int argc, char** argv) {
  try {
    return vanban::cli::Main(argc, argv);
  } catch (const std::exception& e) {
    // A programmer error: say so plainly rather than abort silently.
    std::cerr << "vanban: internal error (please report it): " << e.what() << "\n";
    return 2;
  }
}
