#include "cli/program.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "cli/passphrase.h"
#include "core/text.h"
#include "pdf/pdf.h"
#include "sync/tsa.h"

namespace vanban::cli {
namespace {

std::string DefaultHome() {
  if (const char* h = std::getenv("VANBAN_HOME"); h && *h) return h;
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.local/share/vanban";
  return ".vanban";
}

}  // namespace

int Fail(const Status& s) {
  std::cerr << "vanban: " << s.message() << "\n";
  return s.exit_code();
}

std::string Short(const std::string& hex) { return hex.substr(0, 12); }

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    item = text::Trim(item);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

CLI::App* Sub(CLI::App* parent, const std::string& name, const std::string& help) {
  CLI::App* c = parent->add_subcommand(name, help);
  c->fallthrough();
  return c;
}

CLI::App* Group(CLI::App* parent, const std::string& name, const std::string& help) {
  CLI::App* g = Sub(parent, name, help);
  g->require_subcommand(1);
  return g;
}

std::string Program::home() const { return g_.home.empty() ? DefaultHome() : g_.home; }

Actor Program::actor() const {
  std::string who = g_.as.empty() ? "the acting person" : "'" + g_.as + "'";
  return Actor{g_.as, Passphrase(who), PinFrom(g_.pin_file, "the token of " + who)};
}

PassphraseSource Program::Passphrase(const std::string& label) const {
  return PassphraseFrom(g_.passphrase_file, "VANBAN_PASSPHRASE", label);
}

Result<NodeOptions> Program::NodeOptionsOfRun() const {
  NodeOptions o;
  if (const char* fixed = std::getenv("VANBAN_NOW"); fixed && *fixed) {
    auto clock = FixedClock(fixed);
    if (!clock.ok()) return clock.status().With("VANBAN_NOW");
    o.clock = *clock;
  }
  o.signed_copy = pdf::CopyMaker(sync::Stamper);
  o.receipt_check = pdf::ReceiptVerifier();
  o.upgrading = [home = home()](int from, int to) {
    std::fprintf(stderr, "vanban: upgrading %s/vanban.db from schema %d to %d (once; a large store takes a minute)\n",
                 home.c_str(), from, to);
  };
  return o;
}

Status Program::OpenNode(bool read_only) {
  if (node_) return Status::Ok();
  VB_ASSIGN_OR_RETURN(NodeOptions options, NodeOptionsOfRun());
  auto n = read_only ? Node::OpenReadOnly(home(), options) : Node::Open(home(), options);
  if (!n.ok()) return n.status();
  node_ = std::move(n).value();
  return Status::Ok();
}

void Program::On(CLI::App* cmd, Access access, Body body) {
  cmd->callback([this, access, body = std::move(body)] {
    Status s = access == Access::kNone ? Status::Ok() : OpenNode(access == Access::kRead);
    if (s.ok()) s = body();
    if (!s.ok()) rc_ = Fail(s);
  });
}

CLI::App* Program::Command(CLI::App* parent, const std::string& name, const std::string& help, Access access,
                           Status (*body)(Program&)) {
  CLI::App* cmd = Sub(parent, name, help);
  On(cmd, access, [this, body] { return body(*this); });
  return cmd;
}

void Program::Print(const json& j, const std::string& text) {
  if (g_.json) std::cout << j.dump(2) << "\n";
  else if (!text.empty()) std::cout << text << (text.back() == '\n' ? "" : "\n");
}

Status Program::PrintState(const std::string& verb, const std::string& id) {
  VB_ASSIGN_OR_RETURN(Document d, node().Show(id));
  Print({{"id", ToHex(d.id)}, {"state", StateName(d.state)}, {"number", d.issue ? json(d.issue->number) : json(nullptr)}},
        verb + " " + Short(ToHex(d.id)) + ": now " + StateName(d.state));
  return Status::Ok();
}

void Program::WarnUnstamped() {
  if (node_ && !node_->unstamped().empty())
    std::cerr << "vanban: signed without a time-stamp (PAdES B-B): " << node_->unstamped() << "\n";
}

}  // namespace vanban::cli
