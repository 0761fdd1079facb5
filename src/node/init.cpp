#include "node/init.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <system_error>

#include "crypto/key.hpp"
#include "crypto/x509.hpp"
#include "model/identifier.hpp"
#include "pki/csr.hpp"

namespace socmesh::node {
namespace {

namespace fs = std::filesystem;

// A TOML basic string: quotes, backslashes and control characters escaped.
std::string Quoted(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

bool LooksLikeHostName(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') return false;
  }
  return true;
}

std::string ConfigText(const InitParams& p, const std::string& key_entry,
                       const std::string& pin_entry) {
  std::string roles;
  for (NodeRole r : p.roles) roles += (roles.empty() ? "" : ", ") + Quoted(NodeRoleName(r));
  std::string t;
  t += "# socmesh node configuration, written by `socmesh node init`; every key is described in\n";
  t += "# docs/cli.md, \"socmesh node\". Relative paths are relative to this file's directory.\n";
  t += "# PINs are never written here: pin_file or pin_env say where `node run` reads them.\n\n";
  t += "[node]\nname = " + Quoted(p.name) + "\norganisation = " + Quoted(p.organisation) +
       "\ncountry = " + Quoted(p.country) + "\nroles = [" + roles + "]\n\n";
  t += "[store]\nlocation = \"store.db\"\ndurability = \"full\"\n\n";
  t += "[audit]\ndir = \"audit\"\nkey = \"audit.key\"   # verify with audit.pub.pem\n\n";
  for (const auto& l : p.listen) {
    t += "[[listen]]\naddress = " + Quoted(l.address) + "\nport = " + std::to_string(l.port) +
         "\n\n";
  }
  t += "[tls]\n";
  t += "# node.pem: the certificate the country CA issues for node.csr, then the CA's "
       "certificate.\n";
  t += "certificate = \"node.pem\"\nkey = " + key_entry + "\n" + pin_entry;
  t +=
      "# ca.pem: the network's root CA certificate; crls: the CRLs of the root and every country\n";
  t += "# CA (with any CRL given, every peer chain is checked against them).\n";
  t += "ca = \"ca.pem\"\ncrls = []\n\n";
  t += "[access]\ndefault_role = \"reader\"\n\n";
  t += "[access.organisation_roles]\n" + Quoted(p.organisation) + " = \"analyst\"\n\n";
  t += "[taxii]\ntitle = " + Quoted("socmesh node " + p.name) + "\ndefault_api_root = \"api1\"\n\n";
  t += "[[taxii.api_roots]]\npath = \"api1\"\ntitle = " + Quoted(p.organisation) + "\n\n";
  t += "[[taxii.api_roots.collections]]\nid = \"" + model::FormatUuid(model::NewUuidV4()) +
       "\"\ntitle = \"Shared intelligence\"\ncan_read = true\ncan_write = true\n";
  return t;
}

}  // namespace

Result<InitResult> InitNodeDir(const InitParams& params) {
  InitParams p = params;
  if (p.name.empty()) return Fail(ErrorCode::kInvalidArgument, "--name: must not be empty");
  if (p.organisation.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "--organisation: must not be empty");
  }
  if (auto ok = pki::CheckCountryCode(p.country); !ok) {
    return std::unexpected(ok.error().WithContext("--country"));
  }
  if (p.roles.empty()) p.roles = {NodeRole::kNational};
  if (p.listen.empty()) p.listen.push_back({"0.0.0.0", 8443});
  if (p.dns_names.empty() && p.ip_addresses.empty() && LooksLikeHostName(p.name)) {
    p.dns_names.push_back(p.name);
  }
  std::error_code ec;
  if (fs::exists(p.dir, ec) && !fs::is_empty(p.dir, ec)) {
    return Fail(ErrorCode::kConflict, p.dir.string() +
                                          ": exists and is not empty; a node directory is never "
                                          "overwritten");
  }
  fs::create_directories(p.dir, ec);
  if (ec) return Fail(ErrorCode::kIo, p.dir.string() + ": " + ec.message());
  // Keys and the config live here: nobody else needs to list the directory.
  ::chmod(p.dir.c_str(), 0700);

  InitResult result;
  std::string key_entry, pin_entry;
  crypto::KeyOptions key_options{.pin = p.pin, .module_path = p.pkcs11_module};
  if (p.key_uri.empty()) {
    result.key_location = (p.dir / "node.key").string();
    key_options = {};
    key_entry = "\"node.key\"";
  } else {
    if (!p.key_uri.starts_with("pkcs11:")) {
      return Fail(ErrorCode::kInvalidArgument, "--key-uri: expected a pkcs11: URI");
    }
    result.key_location = p.key_uri;
    key_entry = Quoted(p.key_uri);
    pin_entry =
        p.pin_file.empty()
            ? "pin_env = \"SOCMESH_KEY_PIN\"\n"
            : "pin_file = " + Quoted(fs::absolute(p.pin_file).lexically_normal().string()) + "\n";
    if (!p.pkcs11_module.empty()) pin_entry += "pkcs11_module = " + Quoted(p.pkcs11_module) + "\n";
  }
  auto key = crypto::Key::Generate(result.key_location, key_options);
  if (!key) return std::unexpected(key.error().WithContext("node key"));

  pki::CsrRequest request;
  request.subject = {p.country, p.organisation, p.name};
  request.dns_names = p.dns_names;
  request.ip_addresses = p.ip_addresses;
  auto csr = pki::MakeCsr(*key, request);
  if (!csr) return std::unexpected(csr.error());
  result.csr = p.dir / "node.csr";
  if (auto ok = crypto::WriteFileAtomic(result.csr, *csr); !ok) return std::unexpected(ok.error());

  auto audit_key = crypto::Key::Generate((p.dir / "audit.key").string(), {});
  if (!audit_key) return std::unexpected(audit_key.error().WithContext("audit key"));
  auto audit_pub = audit_key->PublicKeyPem();
  if (!audit_pub) return std::unexpected(audit_pub.error());
  result.audit_public_key = p.dir / "audit.pub.pem";
  if (auto ok = crypto::WriteFileAtomic(result.audit_public_key, *audit_pub); !ok) {
    return std::unexpected(ok.error());
  }

  result.config = p.dir / kConfigFileName;
  const std::string text = ConfigText(p, key_entry, pin_entry);
  if (auto ok = crypto::WriteFileAtomic(result.config, text, 0600); !ok) {
    return std::unexpected(ok.error());
  }
  return result;
}

}  // namespace socmesh::node
