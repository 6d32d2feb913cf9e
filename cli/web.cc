// vanban/cli — web: the browser interface of this node, served in the foreground.
#include <iostream>

#include "cli/program.h"
#include "web/web.h"

namespace vanban::cli {
namespace {

struct WebArgs {
  std::string listen = "127.0.0.1:8765";
  bool remote = false;
};

Status Serve(Program& prog, WebArgs& a) {
  web::Options wo;
  wo.allow_remote = a.remote;
  wo.log = [](const std::string& line) { std::cerr << line << std::endl; };
  VB_RETURN_IF_ERROR(web::ParseListen(a.listen, &wo));
  VB_RETURN_IF_ERROR(prog.OpenNode());  // after the address is checked: a bad one is said first
  VB_ASSIGN_OR_RETURN(auto server, web::Server::Start(prog.node(), wo));
  std::string host = wo.host.find(':') != std::string::npos ? "[" + wo.host + "]" : wo.host;
  std::string url = "http://" + host + ":" + std::to_string(server->port()) + "/";
  prog.Print({{"url", url}}, "Serving the web interface of " + prog.node().org().name + " at " + url + " (Ctrl-C stops)");
  std::cout << std::flush;
  VB_RETURN_IF_ERROR(server->Run(true));
  std::cerr << "Stopped.\n";
  return Status::Ok();
}

}  // namespace

void AddWebCommands(CLI::App& app, Program& prog) {
  prog.Command(&app, "web", "Serve the browser interface (Vietnamese) on this node, loopback only by default (foreground)",
               Access::kNone, Serve).Opt("--listen", &WebArgs::listen, "HOST:PORT (default 127.0.0.1:8765; port 0: any free port)")
      .Flag("--allow-remote", &WebArgs::remote,
            "Accept a non-loopback address: there is no TLS, passphrases cross the network in clear (docs/web.md)");
}

}  // namespace vanban::cli
