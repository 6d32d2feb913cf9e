// vanban/cli — what every command group shares: the global options, the node opened
// once, printing text or JSON, and the one way a command's body becomes the exit status
// (docs/cli.md). Each group (people.cc, orgs.cc, documents.cc, registers.cc, web.cc,
// sync.cc) adds its commands with Add...Commands; main.cc's table wires them in order.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "core/node.h"

namespace vanban::cli {

using nlohmann::json;

struct Globals {
  std::string home;
  bool json = false;
  std::string as;
  std::string passphrase_file;
  std::string pin_file;
};

// What a command needs of this node before its body runs: nothing (the body opens or
// makes it itself), to read it (a home it cannot write still opens), or to write it.
enum class Access { kNone, kRead, kWrite };

// A command's body: a failed Status is said on stderr and becomes the exit status.
using Body = std::function<Status()>;

// A subcommand of `parent` that leaves the options it does not know to its parents.
CLI::App* Sub(CLI::App* parent, const std::string& name, const std::string& help);
// A group of commands ("user", "org"): a Sub that needs one of its subcommands.
CLI::App* Group(CLI::App* parent, const std::string& name, const std::string& help);

class Program;

// A command as Program::Command returns it, to declare its options in the order its
// help lists them: each binds a member of the command's `Args` (`&Args::member`), or,
// given no member, the `Args` itself (a command whose options are one value).
template <typename Args>
class Declared {
 public:
  Declared(CLI::App* cmd, Args& args) : cmd_(cmd), args_(args) {}
  CLI::App* cmd() const { return cmd_; }
  Args& args() const { return args_; }

  // A required option or argument.
  template <typename M>
  Declared& Need(const std::string& name, M member, const std::string& help) {
    Bind(name, member, help)->required();
    return *this;
  }
  template <typename M>
  Declared& Opt(const std::string& name, M member, const std::string& help) {
    Bind(name, member, help);
    return *this;
  }
  template <typename M>
  Declared& Flag(const std::string& name, M member, const std::string& help) {
    cmd_->add_flag(name, Value(member), help);
    return *this;
  }
  // An option whose help shows its default.
  template <typename M>
  Declared& Shown(const std::string& name, M member, const std::string& help) {
    Bind(name, member, help)->capture_default_str();
    return *this;
  }
  // The same for the command's one value, when `Args` is that value: Need("login", "Login").
  Declared& Need(const std::string& name, const std::string& help) { return Need(name, nullptr, help); }
  Declared& Opt(const std::string& name, const std::string& help) { return Opt(name, nullptr, help); }
  Declared& Flag(const std::string& name, const std::string& help) { return Flag(name, nullptr, help); }

 private:
  // `member` of the Args, or the Args itself (nullptr).
  template <typename M>
  auto& Value(M member) const {
    if constexpr (std::is_null_pointer_v<M>) return args_;
    else return args_.*member;
  }
  template <typename M>
  CLI::Option* Bind(const std::string& name, M member, const std::string& help) {
    return cmd_->add_option(name, Value(member), help);
  }

 private:
  CLI::App* cmd_;
  Args& args_;
};

class Program {
 public:
  explicit Program(const Globals& g) : g_(g) {}

  const Globals& globals() const { return g_; }
  std::string home() const;
  // The acting person (--as), their passphrase and token PIN asked for lazily.
  Actor actor() const;
  // A passphrase from --passphrase-file, else $VANBAN_PASSPHRASE, else a prompt; `label` says whose.
  PassphraseSource Passphrase(const std::string& label) const;

  // `read_only`: the command only reads, so a home it cannot write still opens.
  Status OpenNode(bool read_only = false);
  Node& node() { return *node_; }
  int offset() const { return node_ ? node_->org().offset_minutes : 420; }

  // Sets `cmd`'s callback: opens the node as `access` says, then runs `body`; either's
  // failure is said ("vanban: MESSAGE") and its code is the exit status.
  void On(CLI::App* cmd, Access access, Body body);
  // A verification found something invalid: exit 1, nothing more said.
  void FoundInvalid() { rc_ = 1; }
  int exit_code() const { return rc_; }

  // Options a command binds: they live as long as the program.
  template <typename T>
  T& Keep() {
    auto p = std::make_shared<T>();
    kept_.push_back(p);
    return *p;
  }

  // A subcommand of `parent` whose callback runs `body` with its options (`Args`, kept
  // for the program's life; the caller binds them) through On.
  template <typename Args>
  Declared<Args> Command(CLI::App* parent, const std::string& name, const std::string& help, Access access,
                         Status (*body)(Program&, Args&)) {
    Args& args = Keep<Args>();
    CLI::App* cmd = Sub(parent, name, help);
    On(cmd, access, [this, &args, body] { return body(*this, args); });
    return Declared<Args>(cmd, args);
  }
  // The same for a command without options.
  CLI::App* Command(CLI::App* parent, const std::string& name, const std::string& help, Access access,
                    Status (*body)(Program&));

  // `j` with --json, else `text` (a newline added when missing; nothing when empty).
  void Print(const json& j, const std::string& text);
  // "VERB ID: now STATE" (or its JSON) for the document `id`, after a workflow step.
  Status PrintState(const std::string& verb, const std::string& id);
  // After a sign or issue: says on stderr when the signature went without its
  // time-stamp (PAdES B-B), the command still succeeding.
  void WarnUnstamped();
  // The options every node of this run opens with (NodeOptions): the clock fixed at
  // VANBAN_NOW when it is set; signed copies made by pdf::CopyMaker, time-stamped by
  // the authority 'config set tsa' names; receipts checked by pdf::ReceiptVerifier.
  Result<NodeOptions> NodeOptionsOfRun() const;

  // Documents as shown (document_view.cc).
  json DocJson(const Document& d);
  json ReceiptsJson(const Document& d);
  std::string DocText(const Document& d);
  std::string Summary(const Document& d, const Record& r);
  static json SummaryJson(const DocSummary& s);

 private:
  const Globals& g_;
  std::unique_ptr<Node> node_;
  int rc_ = 0;
  std::vector<std::shared_ptr<void>> kept_;
};

// Says the failure on stderr; returns its exit status.
int Fail(const Status& s);
std::string Short(const std::string& hex);
std::vector<std::string> SplitComma(const std::string& s);

// The command groups, in the order of the top-level help (main.cc's table).
void AddPeopleCommands(CLI::App& app, Program& prog);     // init, user, key
void AddOrgCommands(CLI::App& app, Program& prog);        // org, config, trust, node
void AddDocumentCommands(CLI::App& app, Program& prog);   // doc, inbox, route … issue, receive
void AddRegisterCommands(CLI::App& app, Program& prog);   // export, verify, pdf, archive, register, check
void AddWebCommands(CLI::App& app, Program& prog);        // web
void AddSyncCommands(CLI::App& app, Program& prog);       // serve, sync, bundle

}  // namespace vanban::cli
