// `socmesh node …`: scaffold, check and run a node (issue 5). Composition only; every decision
// lives in node/ (config, init, the running node) and the modules it composes. See docs/cli.md,
// "socmesh node".
//
// PINs never come from the command line (`ps` would show them): --pin-file or $SOCMESH_KEY_PIN for
// init; for run, the config says where (tls.pin_file / tls.pin_env).
#include <CLI/CLI.hpp>

#include <charconv>
#include <csignal>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/command_group.hpp"
#include "cli/commands.hpp"
#include "crypto/key.hpp"
#include "node/config.hpp"
#include "node/init.hpp"
#include "node/node.hpp"
#include "node/signals.hpp"

namespace socmesh::cli {

namespace {

constexpr char kKeyPinEnv[] = "SOCMESH_KEY_PIN";

struct NodeOptions {
  std::string dir;
  std::string name;
  std::string organisation;
  std::string country;
  std::vector<std::string> roles;
  std::string key_uri;
  std::string pin_file;
  std::string module;
  std::vector<std::string> dns;
  std::vector<std::string> ips;
  std::vector<std::string> listen;
  std::string config;
};

// Refused input (bad config, existing directory) exits 3, missing things 4, the rest 1.
int Report(const Error& e) {
  PrintError(e);
  switch (e.code) {
    case ErrorCode::kNotFound:
      return kExitNotFound;
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kParse:
    case ErrorCode::kConflict:
      return kExitRejected;
    default:
      return kExitFailure;
  }
}

// "127.0.0.1:8443", "[::1]:8443".
Result<node::ListenAddress> ParseListen(const std::string& text) {
  const size_t colon = text.rfind(':');
  auto bad = [&] {
    return Fail(ErrorCode::kInvalidArgument,
                "--listen \"" + text + "\": expected ADDRESS:PORT, e.g. 0.0.0.0:8443 or [::]:8443");
  };
  if (colon == std::string::npos || colon == 0) return bad();
  std::string address = text.substr(0, colon);
  if (address.front() == '[') {
    if (address.back() != ']') return bad();
    address = address.substr(1, address.size() - 2);
  }
  unsigned port = 0;
  const char* begin = text.data() + colon + 1;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, port);
  if (ec != std::errc() || ptr != end || begin == end || port > 65535) return bad();
  return node::ListenAddress{address, static_cast<uint16_t>(port)};
}

int RunInit(const NodeOptions& o) {
  node::InitParams p;
  p.dir = o.dir;
  p.name = o.name;
  p.organisation = o.organisation;
  p.country = o.country;
  p.roles.clear();
  for (const auto& name : o.roles) {
    bool found = false;
    for (auto role : {node::NodeRole::kNational, node::NodeRole::kPlatform,
                      node::NodeRole::kGateway, node::NodeRole::kAwareness}) {
      if (node::NodeRoleName(role) == name) {
        p.roles.push_back(role);
        found = true;
      }
    }
    if (!found) {
      return Report({ErrorCode::kInvalidArgument,
                     "--role \"" + name + "\": national, platform, gateway or awareness"});
    }
  }
  p.key_uri = o.key_uri;
  p.pin_file = o.pin_file;
  p.pkcs11_module = o.module;
  if (!o.key_uri.empty()) {
    auto pin = crypto::ResolvePin("", o.pin_file, kKeyPinEnv);
    if (!pin) return Report(pin.error());
    p.pin = std::move(*pin);
  }
  p.dns_names = o.dns;
  p.ip_addresses = o.ips;
  for (const auto& l : o.listen) {
    auto parsed = ParseListen(l);
    if (!parsed) return Report(parsed.error());
    p.listen.push_back(*parsed);
  }
  auto made = node::InitNodeDir(p);
  if (!made) return Report(made.error());
  std::cout << "node directory " << o.dir << " created\n"
            << "  config:       " << made->config.string() << "\n"
            << "  key:          " << made->key_location << "\n"
            << "  CSR:          " << made->csr.string() << "\n"
            << "  audit pubkey: " << made->audit_public_key.string() << "\n"
            << "next: have the " << o.country << " CA sign the CSR\n"
            << "  socmesh pki sign --ca CA_DIR --csr " << made->csr.string()
            << " --profile node -o node-cert.pem\n"
            << "then put node-cert.pem followed by CA_DIR/ca.pem into " << o.dir
            << "/node.pem, the root CA certificate into " << o.dir
            << "/ca.pem, list the CRLs in tls.crls, and run\n"
            << "  socmesh node run --config " << made->config.string() << "\n";
  return kExitOk;
}

int RunCheck(const NodeOptions& o) {
  auto config = node::LoadNodeConfig(o.config);
  if (!config) return Report(config.error());
  std::cout << o.config << ": ok: node " << config->name << " (" << config->organisation << ", "
            << config->country << "), " << config->listen.size() << " listen address(es), "
            << config->taxii.api_roots.size() << " API root(s), " << config->peers.size()
            << " peer(s)\n";
  return kExitOk;
}

int RunRun(const NodeOptions& o) {
  // Before any thread exists, so that every thread inherits the mask and only sigwait sees them.
  if (auto ok = node::BlockTerminationSignals(); !ok) return Report(ok.error());
  auto config = node::LoadNodeConfig(o.config);
  if (!config) return Report(config.error());
  node::NodeStartOptions options;
  options.notice = [](const std::string& message) {
    std::cerr << "socmesh: notice: " << message << std::endl;
  };
  auto running = node::Node::Start(*config, options);
  if (!running) return Report(running.error());
  std::cout << (*running)->StartupLine() << std::endl;
  const int signal = node::WaitForTerminationSignal();
  std::cerr << "socmesh: " << (signal == SIGINT ? "SIGINT" : "SIGTERM")
            << " received, stopping gracefully" << std::endl;
  if (auto stopped = (*running)->Stop(); !stopped) return Report(stopped.error());
  std::cout << "socmesh node " << config->name << " stopped" << std::endl;
  return kExitOk;
}

}  // namespace

void NodeCommands(CLI::App& app, const GlobalOptions& /*global*/,
                  std::vector<CommandRunner>& runners) {
  auto o = std::make_shared<NodeOptions>();
  auto* node = app.add_subcommand("node", "Scaffold, check and run a socmesh node");
  node->require_subcommand(1);

  auto* init = node->add_subcommand(
      "init", "Create a node directory: config, P-256 key, CSR for the country CA, audit key");
  init->add_option("--dir", o->dir, "New node directory (must not exist or be empty)")->required();
  init->add_option("--name", o->name, "Node name, its certificate CN (e.g. node1.cert.fr)")
      ->required();
  init->add_option("--organisation,--org", o->organisation, "Organisation (O=)")->required();
  init->add_option("--country", o->country, "ISO 3166-1 alpha-2 (C=)")->required();
  init->add_option("--role", o->roles,
                   "national (default), platform, gateway, awareness (repeatable)");
  init->add_option("--key-uri", o->key_uri,
                   "Generate the node key in a token (pkcs11: URI with object=) instead of "
                   "DIR/node.key");
  init->add_option("--pin-file", o->pin_file,
                   "File whose first line is the token PIN (else $SOCMESH_KEY_PIN)");
  init->add_option("--module", o->module, "PKCS#11 module (default SoftHSM2)");
  init->add_option("--dns", o->dns, "subjectAltName DNS name (repeatable; default: --name)");
  init->add_option("--ip", o->ips, "subjectAltName IP address (repeatable)");
  init->add_option("--listen", o->listen,
                   "ADDRESS:PORT to listen on (repeatable; default "
                   "0.0.0.0:8443)");

  auto* check = node->add_subcommand("check", "Validate a node config file");
  check->add_option("--config", o->config, "The node's config file (node.toml)")->required();

  auto* run = node->add_subcommand("run", "Run the node until SIGTERM or SIGINT");
  run->add_option("--config", o->config, "The node's config file (node.toml)")->required();

  auto add = [&](CLI::App* cmd, int (*fn)(const NodeOptions&)) {
    runners.push_back([cmd, fn, o]() -> std::optional<int> {
      if (!*cmd) return std::nullopt;
      return fn(*o);
    });
  };
  add(init, RunInit);
  add(check, RunCheck);
  add(run, RunRun);
}

}  // namespace socmesh::cli
